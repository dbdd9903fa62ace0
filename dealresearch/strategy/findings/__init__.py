"""Named findings: the figures that strategy rules test, computed from the analysis modules.

This module and :mod:`dealresearch.strategy.review` are the only places that combine analyses
(profile, segments, satisfaction, survey coverage, sales). Each finding is a function
``ctx -> DataFrame`` of rows with the columns of :class:`F`; a finding that the data
cannot support raises :class:`Insufficient` with the reason in Chinese, and
:func:`compute` turns that (or an analysis module that is not available) into a row with
``available = False`` so that rules can say "数据不足" instead of guessing.

Figures (value / base) keep the unit named in ``unit``: ``share`` (0–1), ``pct``
(already ×100), ``score`` (0–100), ``nps`` (−100..100), ``count``.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from ...periods import Period, parse_period
from .core import COLUMNS, GROUP, Z_TEST, Context, FindingColumns, Insufficient, _rows
from .market import channel_shift, price_band, purpose_shift, unit_type_mix
from .sales import cancel_rate, pacing, project_attainment, rep_attainment
from .service import comment_themes, ipa_drivers, referral_potential, rep_satisfaction, survey_coverage
from .trend import followup_backlog, rep_cancel, sales_yoy

__all__ = ["COLUMNS", "FINDINGS", "GROUP", "Z_TEST", "Context", "FindingColumns", "Insufficient", "compute"]

#: registry: finding name → function (rules refer to these names)
FINDINGS: dict[str, Callable[[Context], pd.DataFrame]] = {
    "channel_shift": channel_shift,
    "purpose_shift": purpose_shift,
    "unit_type_mix": unit_type_mix,
    "price_band": price_band,
    "project_attainment": project_attainment,
    "rep_attainment": rep_attainment,
    "pacing": pacing,
    "cancel_rate": cancel_rate,
    "ipa": ipa_drivers,
    "rep_satisfaction": rep_satisfaction,
    "survey_coverage": survey_coverage,
    "survey_overdue": survey_coverage,
    "referral_potential": referral_potential,
    "comment_themes": comment_themes,
    "sales_yoy": sales_yoy,
    "rep_cancel": rep_cancel,
    "followup_backlog": followup_backlog,
}


def compute(deals: pd.DataFrame, period: str | Period, *, names=None, **context) -> pd.DataFrame:
    """All findings (or ``names``) for one scope, one table with the columns of ``F``.

    ``context``: project, history, targets, surveys, customers, supply, asof, against
    ("qoq" / "yoy"), min_n, alpha. A finding the data cannot support gives one row with
    available = False and the reason."""
    ctx = Context(deals=deals, period=parse_period(period), **context)
    wanted = list(dict.fromkeys(names or FINDINGS))
    frames, done = [], set()
    for name in wanted:
        fn = FINDINGS[name]
        if fn in done:
            continue
        done.add(fn)
        try:
            frames.append(fn(ctx))
        except Insufficient as e:
            frames.append(_unavailable(name, ctx, str(e)))
        except ImportError as e:
            frames.append(_unavailable(name, ctx, f"所需的分析模块尚未提供（{e.name}）"))
    return pd.concat(frames, ignore_index=True)


def _unavailable(name: str, ctx: Context, reason: str) -> pd.DataFrame:
    names = [n for n, f in FINDINGS.items() if f is FINDINGS[name]]
    df = _rows(**{FindingColumns.finding: names, FindingColumns.project: ctx.scope_name, FindingColumns.period: ctx.period.label})
    df[FindingColumns.available] = False
    df[FindingColumns.reason] = reason
    return df
