"""Period comparisons: shares now vs the previous period (qoq) or a year earlier (yoy).

Typical use::

    cmp = profile.compare(deals, "2026Q3", ["awareness_channel"], against="yoy")
    cmp.table      # per category: share_now, share_base, diff, z, p_value, significant
    cmp.tests      # per single-choice field: chi-square test of homogeneity

The sentences a report shows about a comparison live in ``dealresearch.present.customer_research``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import config
from ..derive import DERIVED_LABELS, derive
from ..errors import ParameterError
from ..periods import Period, parse_period
from ..schema import Deal
from ..stats import two_proportion_z
from .scope import scope
from .tables import profile

__all__ = ["Comparison", "compare", "AGAINST"]

#: comparison bases: previous period, same period a year earlier
AGAINST: tuple[str, ...] = ("qoq", "yoy")


@dataclass(frozen=True)
class Comparison:
    """Result of :func:`compare`: per category shares now vs base with a two-proportion
    z test (pooled), and per single-choice field a chi-square test of homogeneity."""

    table: pd.DataFrame
    tests: pd.DataFrame
    period: Period
    base_period: Period
    against: str
    n_now: int
    n_base: int
    warnings: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        """Deals compared (both periods)."""
        return self.n_now + self.n_base

    def significant(self, max_items: int | None = None) -> pd.DataFrame:
        """The significant shifts, largest absolute change first."""
        t = self.table.dropna(subset=["diff"])
        t = t[t["significant"]]
        t = t.reindex(t["diff"].abs().sort_values(ascending=False).index)
        return t if max_items is None else t.head(max_items)


def compare(
    deals: pd.DataFrame,
    period,
    fields: str | Sequence[str],
    against: str = "qoq",
    *,
    date_col: str = Deal.sign_date,
    bands: dict | None = None,
    min_n: int = config.MIN_N,
    **filters,
) -> Comparison:
    """Shares in ``period`` vs the previous period (``"qoq"``) or a year earlier (``"yoy"``).

    Other scope filters (project=, status=, ...) apply to both periods. Per category:
    shares, difference (share_now − share_base, as a fraction; ×100 = percentage
    points), pooled two-proportion z test; per single-choice field: chi-square test of
    homogeneity across the two periods. Multi-choice fields use respondents as n.
    """
    if against not in ("qoq", "yoy"):
        raise ParameterError(f'against 只能是 "qoq"（环比）或 "yoy"（同比），收到“{against}”。')
    p = parse_period(period)
    base = p.previous() if against == "qoq" else p.year_ago()
    fields = [fields] if isinstance(fields, str) else list(fields)
    used = [f for f in [*fields, *filters] if f in DERIVED_LABELS]  # on the full table
    full = derive(deals, date_col=date_col, columns=used) if used else deals
    now_d = scope(full, p, date_col=date_col, add_derived=False, **filters)
    base_d = scope(full, base, date_col=date_col, add_derived=False, **filters)
    both = pd.concat([base_d, now_d])
    both["_period"] = np.repeat(["base", "now"], [len(base_d), len(now_d)])
    prof = profile(both, fields, by="_period", bands=bands, min_n=min_n)
    t = prof.table
    wide = t.pivot_table(
        index=["field", "field_label", "category"],
        columns="group",
        values=["count", "share", "n"],
        sort=False,
        observed=True,
    )
    out = pd.DataFrame(
        {
            "field": wide.index.get_level_values(0),
            "field_label": wide.index.get_level_values(1),
            "category": wide.index.get_level_values(2),
        }
    )
    for k in ("count", "share", "n"):
        for g in ("base", "now"):
            col = (k, g)
            out[f"{k}_{g}"] = wide[col].to_numpy() if col in wide.columns else 0.0
    for k in ("count_base", "count_now", "n_base", "n_now"):
        out[k] = out[k].fillna(0).astype("int64")
    out["diff"] = out["share_now"] - out["share_base"]
    z, pv = two_proportion_z(out["count_now"], out["n_now"], out["count_base"], out["n_base"])
    out["z"], out["p_value"] = z, pv
    out["significant"] = (out["p_value"] < config.ALPHA) & out["p_value"].notna()
    tests = prof.tests
    if len(tests):
        tests = tests[tests["choice"].isna()].drop(columns="choice").reset_index(drop=True)
    warns = []
    for name, n in (("本期", len(now_d)), (f"基期（{base.label_zh}）", len(base_d))):
        if n < min_n:
            warns.append(f"{name}样本量 n = {n}，少于 {min_n}，变化仅供参考。")
    return Comparison(
        table=out,
        tests=tests,
        period=p,
        base_period=base,
        against=against,
        n_now=len(now_d),
        n_base=len(base_d),
        warnings=warns,
    )
