"""``review(surveys, deals, period=, project=)``: everything the satisfaction report shows,
computed once (pure analysis, no file I/O, no display).

A part the data cannot support is an :class:`~dealresearch.results.Unavailable` with its
Chinese reason, never a silent None; each computed part carries its ``n`` and warnings.
The weighting of the wave to the customer base (and the weighted item banner) needs the
customer base of ``survey_plan`` — a sibling area — so it is computed by the present layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import DealResearchError
from ..periods import Period, parse_period
from ..results import Unavailable, available
from ..schema import DRIVER_ITEMS, Deal, Survey, label
from ..stats import ITEM_SCALES
from .ccsi import ccsi_model
from .comments.effects import CommentImpact, impact
from .comments.topics import emerging
from .drivers import ipa, relative_weights
from .followup_list import FollowupColumns, apply_updates, followup_kpis, followups
from .groups import attach_deal_attributes, compare, trend
from .metrics import csat, csi, nps
from .pls import PLS_MIN_N, PLSResult
from .pls import fit as pls_fit
from .waves import csi_difference, nps_difference

TREND_QUARTERS = 8
GROUPS = (Survey.project, Survey.method, Deal.sales_rep, Deal.awareness_channel)
PLS_BOOTSTRAP, PLS_SEED = 200, 0
#: the follow-up list's days past due (``followup_list.F.days_overdue`` once it exists)
DAYS_OVERDUE = getattr(FollowupColumns, "days_overdue", "days_overdue")
PRIORITY_ORDER = {"高": 0, "中": 1, "低": 2}


@dataclass(frozen=True)
class Headline:
    """NPS, CSAT and CSI of the period, the previous period's, and the tested changes."""

    n: int
    n_previous: int
    nps: object
    nps_previous: object
    nps_change: object
    csat: object
    csi: object
    csi_previous: object
    csi_change: object
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Trend:
    table: pd.DataFrame  # one row per quarter: n, csi (+ CI), nps (+ CI), csat
    n: int
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Drivers:
    weights: pd.DataFrame  # relative weights (label, pct; attrs r2, n)
    n: int
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Importance:
    table: pd.DataFrame  # IPA: label, importance, performance, quadrant, n
    n: int
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class GroupComparison:
    by: str
    satisfaction: pd.DataFrame  # compare(..., by): n, mean, csat, small_n (attrs note)
    nps: object  # compare(..., metric="nps") or Unavailable
    n: int
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Voice:
    impact: CommentImpact
    emerging: pd.DataFrame | None  # off-codebook topics; None when too few comments to propose any
    n: int
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlsIndex:
    model: PLSResult
    n: int
    bootstrap: int = PLS_BOOTSTRAP
    seed: int = PLS_SEED
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Followups:
    table: pd.DataFrame  # followup_list columns, sorted by priority then days overdue
    kpis: dict
    updates_recorded: bool  # a returned sheet was recorded and applied: statuses are real
    n: int
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class SatisfactionReview:
    period: Period
    project: str | None
    current: pd.DataFrame  # the period's surveys (with the deals' attributes)
    headline: Headline
    trend: Trend | Unavailable
    drivers: Drivers | Unavailable
    ipa: Importance | Unavailable
    pls: PlsIndex | Unavailable
    groups: tuple[GroupComparison, ...]
    voice: Voice | Unavailable
    followups: Followups | Unavailable
    sla_days: int = 7
    warnings: tuple[str, ...] = field(default=())

    @property
    def n(self) -> int:
        return len(self.current)

    def group(self, by: str) -> GroupComparison | Unavailable:
        for g in self.groups:
            if g.by == by:
                return g
        return Unavailable(f"本期没有可按“{label(by)}”分组的数据。")


def _attempt(fn, *args, **kw):
    """``fn(*args, **kw)``, or Unavailable(the error's reason) when the data cannot support it."""
    try:
        return fn(*args, **kw)
    except DealResearchError as exc:
        return Unavailable(str(exc))


def _answered(frame: pd.DataFrame, col: str) -> bool:
    return col in frame.columns and frame[col].notna().any()


def _headline(cur: pd.DataFrame, prev: pd.DataFrame, weights) -> Headline:
    none = Unavailable("本期没有推荐意愿的答案。")
    n_cur = _attempt(nps, cur[Survey.recommend]) if _answered(cur, Survey.recommend) else none
    n_prev = (_attempt(nps, prev[Survey.recommend]) if _answered(prev, Survey.recommend)
              else Unavailable("上期没有推荐意愿的答案，无法比较。"))
    c_cur = _attempt(csi, cur, list(DRIVER_ITEMS), weights)
    c_prev = (_attempt(csi, prev, list(DRIVER_ITEMS), weights) if available(c_cur) and len(prev)
              else Unavailable("上期没有调查数据，无法比较。"))
    change = {}
    for key, fn, a, b in (("nps", nps_difference, n_cur, n_prev), ("csi", csi_difference, c_cur, c_prev)):
        change[key] = _attempt(fn, a, b) if available(a) and available(b) else Unavailable("没有可比的上期结果。")
    sat = (_attempt(csat, cur[Survey.overall]) if _answered(cur, Survey.overall)
           else Unavailable("本期没有总体满意度的答案。"))
    return Headline(len(cur), len(prev), n_cur, n_prev, change["nps"], sat, c_cur, c_prev, change["csi"])


def _pls(cur: pd.DataFrame) -> PlsIndex | Unavailable:
    if len(cur) < PLS_MIN_N:
        return Unavailable(f"本期问卷 {len(cur)} 份，少于结构模型要求的 {PLS_MIN_N} 份，不估计 CCSI 结构模型。")
    blocks, paths = ccsi_model()
    unasked = [c for cols in blocks.values() for c in cols if not _answered(cur, c)]
    if unasked:
        return Unavailable(f"本期问卷未调查题项“{'、'.join(label(c) for c in unasked)}”（没有任何有效答案），"
                           "无法估计完整的 CCSI 结构模型。")
    model = _attempt(pls_fit, cur, blocks, paths, scheme="path", scaled=True, missing="mean",
                     bootstrap=PLS_BOOTSTRAP, seed=PLS_SEED, scales=ITEM_SCALES)
    return PlsIndex(model, model.n) if available(model) else model


def _groups(cur: pd.DataFrame) -> tuple[GroupComparison, ...]:
    out = []
    for by in GROUPS:
        if not _answered(cur, by):
            continue
        sat = _attempt(compare, cur, by)
        if available(sat):
            out.append(GroupComparison(by, sat, _attempt(compare, cur, by, metric="nps"), int(sat["n"].sum())))
    return tuple(out)


def comment_voice(history: pd.DataFrame, current) -> Voice | Unavailable:
    """Code the comments of ``history`` once; rank the themes on the ``current`` rows (a
    boolean mask) and trace their quarterly trend; propose emerging themes (seed 0)."""
    if Survey.comment not in history.columns or not len(history):
        return Unavailable("调查数据中没有客户意见（意见和建议）列。")
    res = _attempt(impact, history, current=current)
    if not available(res):
        return res
    cur = pd.Series(current, index=history.index).astype(bool)
    new = _attempt(emerging, history.loc[cur, Survey.comment], res.coded[cur], seed=0)
    # optional: too few unmatched comments simply means nothing new to propose
    return Voice(res, new if available(new) else None, res.n_surveys)


def with_days_overdue(fu: pd.DataFrame) -> pd.DataFrame:
    """The list with its days past due (0 when closed or not yet due), sorted by priority
    (高 first) then days overdue (most first). Uses the list's own column when present."""
    out = fu.copy()
    if DAYS_OVERDUE not in out.columns:
        asof = pd.Timestamp(fu.attrs.get("asof", pd.Timestamp.today()))
        days = (asof - pd.to_datetime(out[FollowupColumns.due_date])).dt.days
        out[DAYS_OVERDUE] = np.where(out[FollowupColumns.overdue].astype(bool), days, 0).astype(int)
    order = out[FollowupColumns.priority].map(PRIORITY_ORDER).fillna(len(PRIORITY_ORDER))
    out = (out.assign(_o=order).sort_values(["_o", DAYS_OVERDUE], ascending=[True, False], kind="stable")
           .drop(columns="_o").reset_index(drop=True))
    out.attrs.update(fu.attrs)
    return out


def _followups(cur: pd.DataFrame, updates, *, sla_days: int, asof, issued) -> Followups | Unavailable:
    fu = _attempt(followups, cur, sla_days=sla_days, asof=asof, issued=issued)
    if not available(fu):
        return fu
    warnings, recorded = [], False
    if updates is not None and len(updates):
        applied = _attempt(apply_updates, fu, updates, asof=asof, known_only=True)
        if available(applied):
            fu, recorded = applied, True
        else:
            warnings.append("回收的跟进表未能导入：" + applied.reason)
    fu = with_days_overdue(fu)
    return Followups(fu, followup_kpis(fu), recorded, len(fu), tuple(warnings))


def review(surveys: pd.DataFrame, deals: pd.DataFrame | None = None, *, period="2026Q4", project=None,
           updates: pd.DataFrame | None = None, sla_days: int = 7) -> SatisfactionReview:
    """Select the period (and project) and compute every result the satisfaction report
    shows. ``updates``: the recorded returned follow-up sheets (as
    ``fieldwork.followups.recorded_updates`` returns them), None when none was recorded."""
    per = parse_period(period)
    sv = surveys if deals is None else attach_deal_attributes(surveys, deals)
    if project is not None:
        sv = sv[sv[Survey.project] == project]
    date = pd.to_datetime(sv[Survey.survey_date])
    start = per.start if per.kind != "quarter" else per.shift(-(TREND_QUARTERS - 1)).start
    cur, prev = sv[per.contains(date)], sv[per.previous().contains(date)]
    history = sv[(date >= start) & (date <= per.end)]
    # items nobody answered this period were not asked: left out, never counted as zero
    items = [c for c in DRIVER_ITEMS if _answered(cur, c)]
    weights = _attempt(relative_weights, cur, target=Survey.overall, drivers=items)
    item_w = weights["pct"] if available(weights) else "equal"
    head = _headline(cur, prev, item_w)
    tr = _attempt(trend, history, weights=item_w)
    if available(tr) and tr.empty:
        tr = Unavailable("报告期及之前没有调查数据。")
    imp = _attempt(ipa, cur, target=Survey.overall, drivers=items)
    empty = Unavailable("本期没有满意度调查问卷。")
    return SatisfactionReview(
        period=per,
        project=project,
        current=cur,
        headline=head,
        trend=Trend(tr, int(tr["n"].sum())) if available(tr) else tr,
        drivers=Drivers(weights, int(weights.attrs["n"])) if available(weights) else weights,
        ipa=Importance(imp, int(imp["n"].max())) if available(imp) else imp,
        pls=_pls(cur),
        groups=_groups(cur),
        voice=comment_voice(history, per.contains(pd.to_datetime(history[Survey.survey_date]))) if len(cur) else empty,
        followups=_followups(cur, updates, sla_days=sla_days, asof=per.end, issued=per.start) if len(cur) else empty,
        sla_days=sla_days,
    )


__all__ = [
    "DAYS_OVERDUE", "Drivers", "Followups", "GroupComparison", "Headline", "Importance", "PlsIndex",
    "SatisfactionReview", "Trend", "Voice", "comment_voice", "review", "with_days_overdue",
]
