"""The customer-research review: every result the 成交客户研究报告 shows, computed once.

    r = profile.review(deals, period="2026Q3", project=None)
    r.profile        # the key fields' shares (by project at group level, with tests)
    r.mix            # the key fields' shares over the whole scope (who buys)
    r.qoq, r.yoy     # structure shifts vs last quarter / last year (or Unavailable)
    r.channel_trend  # awareness channels per quarter up to the period (or Unavailable)
    r.sources        # repeat buyers, referrals, origin, days to sign

Every part carries its n and warnings; a part the data cannot support is an
:class:`~dealresearch.results.Unavailable` with the reason. The report's sentences are
written by ``dealresearch.present.customer_research``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from .. import config
from ..derive import Derived
from ..periods import Period, parse_period
from ..results import Unavailable
from ..schema import Deal
from .compare import Comparison, compare
from .scope import scope
from .tables import Profile, profile, trend

__all__ = ["ProfileReview", "review", "CURRENT_STATUSES", "PROFILE_FIELDS", "SHIFT_FIELDS", "SHARE_FIELDS",
           "SOURCE_FIELDS"]

#: deal statuses counted as a current signing (退房 excluded)
CURRENT_STATUSES: tuple[str, ...] = ("签约", "换房")
#: the fields profiled (crosstabs, tests)
PROFILE_FIELDS: tuple[str, ...] = (Derived.age_band, Deal.purchase_purpose, Deal.awareness_channel, Deal.unit_type,
                                   Deal.family_structure, Deal.income_band, Derived.locality, Deal.key_factors)
#: the fields charted and described in the lead (who buys)
SHARE_FIELDS: tuple[str, ...] = (Derived.age_band, Deal.purchase_purpose, Deal.awareness_channel, Deal.unit_type)
#: the fields compared with last quarter and last year
SHIFT_FIELDS: tuple[str, ...] = (Deal.purchase_purpose, Deal.awareness_channel, Deal.unit_type, Derived.age_band)
#: where customers come from: repeat buyers, referrals, origin, time to sign
SOURCE_FIELDS: tuple[str, ...] = (Derived.repeat_buyer, Derived.referral, Derived.origin_scope, Derived.days_to_sign_band)
#: the field whose trend over quarters is shown
TREND_FIELD = Deal.awareness_channel


@dataclass(frozen=True)
class ProfileReview:
    """Result of :func:`review` (see the module docstring)."""

    period: Period
    project: str | None
    statuses: tuple[str, ...]
    scope_text: str
    deals: pd.DataFrame
    n: int
    customers: int
    fields: tuple[str, ...]
    share_fields: tuple[str, ...]
    by: str | None
    profile: Profile | Unavailable
    mix: Profile | Unavailable
    qoq: Comparison | Unavailable
    yoy: Comparison | Unavailable
    channel_trend: Profile | Unavailable
    sources: Profile | Unavailable
    warnings: tuple[str, ...] = ()


def _comparison(deals, p: Period, fields, against: str, filters: dict, min_n: int) -> Comparison | Unavailable:
    cmp = compare(deals, p.label, list(fields), against=against, min_n=min_n, **filters)
    if cmp.n_now == 0 or cmp.n_base == 0:
        which = "本期" if cmp.n_now == 0 else f"对比期（{cmp.base_period.label_zh}）"
        return Unavailable(f"{which}没有符合口径的成交，无法比较客户结构。")
    return cmp


def _trend(deals, p: Period, filters: dict, min_n: int) -> Profile | Unavailable:
    if TREND_FIELD not in deals.columns:
        return Unavailable("成交数据中没有认知途径，无法列出趋势。")
    upto = scope(deals, until=p.label, **filters)
    res = trend(upto, TREND_FIELD, min_n=min_n)
    periods = res.table["period"].nunique() if len(res.table) else 0
    if periods < 2:
        return Unavailable("截至本期只有一个季度的成交，无法看出趋势。")
    return res


def review(
    deals: pd.DataFrame,
    *,
    period,
    project: str | None = None,
    statuses: Sequence[str] = CURRENT_STATUSES,
    fields: Sequence[str] = PROFILE_FIELDS,
    share_fields: Sequence[str] = SHARE_FIELDS,
    shift_fields: Sequence[str] = SHIFT_FIELDS,
    min_n: int = config.MIN_N,
) -> ProfileReview:
    """Profile the customers whose deal was signed in ``period`` (current status in
    ``statuses``) for the group (``project=None``) or one project, compare their structure
    with last quarter and last year, and trace the awareness channels over the quarters."""
    p = parse_period(period)
    filters = {"project": project, "status": list(statuses)}
    d = scope(deals, period=p.label, **filters)
    n = len(d)
    warns: list[str] = []
    if n == 0:
        empty = Unavailable(f"{p.label_zh}没有符合口径的成交客户。")
        prof = mix = sources = empty
        by = None
    else:
        by = Deal.project if project is None and d[Deal.project].nunique() > 1 else None
        prof = profile(d, list(fields), by=by, min_n=min_n)
        mix = prof if by is None else profile(d, list(share_fields), min_n=min_n)
        known = [f for f in SOURCE_FIELDS if f in d.columns]  # scope() derived what the data allows
        sources = (profile(d, known, min_n=min_n) if known
                   else Unavailable("成交数据缺少计算复购、老带新、籍贯与成交周期所需的字段。"))
        if n < min_n:
            warns.append(f"本期成交客户 n = {n}，少于 {min_n}，结论仅供参考。")
    customers = int(d[Deal.customer_key].nunique()) if Deal.customer_key in d else n
    return ProfileReview(
        period=p,
        project=project,
        statuses=tuple(statuses),
        scope_text=d.attrs.get("scope", ""),
        deals=d,
        n=n,
        customers=customers,
        fields=tuple(fields),
        share_fields=tuple(share_fields),
        by=by,
        profile=prof,
        mix=mix,
        qoq=_comparison(deals, p, shift_fields, "qoq", filters, min_n),
        yoy=_comparison(deals, p, shift_fields, "yoy", filters, min_n),
        channel_trend=_trend(deals, p, filters, min_n),
        sources=sources,
        warnings=tuple(warns),
    )
