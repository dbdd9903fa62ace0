"""``sales.review``: every result of the sales report for one period and scope, computed once.

A :class:`SalesReview` holds typed parts (headline figures, attainment, heat-map, monthly
trend, growth, rankings, pacing, cycle time, satisfaction by rep, the problems worth a
manager's attention); each carries its ``n`` and warnings, and a part the data cannot support
is :class:`~dealresearch.results.Unavailable` with the reason. The sentences, cards and tables
a reader sees are built from it in :mod:`dealresearch.present.sales`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..config import MIN_N
from ..periods import Period, parse_period
from ..results import Unavailable
from ..schema import Deal, History, Target
from .columns import Actuals, Growth, Ranking
from .growth_rates import GrowthWide, growth, growth_wide
from .ledger import CANCELLED, GROUP_UNIT, SIGNED, actuals, default_asof, events, year_to_date
from .performance import cycle_time, deals_of, for_project, rankings, satisfaction_by_rep, scope_events
from .targets import attainment, attainment_matrix, monthly_targets, pacing

#: a rep's cancellations count as a problem from this many 退房 …
CANCEL_MIN = 3
#: … when the rep's cancel rate is at least this multiple of the scope's …
CANCEL_RATIO = 2.0
#: … and at least this many share points above it
CANCEL_MARGIN = 0.03
#: months of surveys attributed to reps (the satisfaction-by-rep window)
SATISFACTION_MONTHS = 12


@dataclass(frozen=True)
class Scope:
    """What the review covers: the period, the group or one project, and the cut-off."""

    period: Period
    project: str | None
    level: str  # 集团 / 项目
    unit: str  # 集团 or the project's name
    asof: pd.Timestamp
    closed: bool  # the cut-off is at or after the period end: nothing left to pace
    has_targets: bool  # the data hold sales targets (of any period)


@dataclass(frozen=True)
class Change:
    """A growth comparison of the scope (环比 or 同比) for one metric."""

    comparison: str  # 环比 / 同比
    base_period: str
    current: float
    base: float
    rate: float  # ratio; NaN unless status is 正常
    status: str  # see sales.growth_rates

    @property
    def ok(self) -> bool:
        return self.status == "正常" and not np.isnan(self.rate)


@dataclass(frozen=True)
class TargetAttainment:
    """The scope's own target and attainment (% = net actual ÷ target × 100)."""

    amount_target: float
    amount_attainment: float
    units_target: float
    units_attainment: float
    source: str


@dataclass(frozen=True)
class Headline:
    """The scope's net signings in the period, with growth, target and cancellations."""

    net_amount: float
    net_units: int
    signed_units: int
    cancelled_units: int
    cancel_rate: float  # 退房 ÷ 签约 units; NaN without signings
    amount_prev: Change | Unavailable
    amount_yoy: Change | Unavailable
    units_prev: Change | Unavailable
    units_yoy: Change | Unavailable
    target: TargetAttainment | Unavailable
    projects_with_target: int  # group scope: projects with an amount target in the period
    projects_below_target: int
    n: int  # counted events in the period
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    """One computed table of the review."""

    frame: pd.DataFrame
    n: int
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Monthly:
    """Actuals per month of the year up to the period end, with the scope's monthly target."""

    actuals: pd.DataFrame
    targets: pd.Series | Unavailable
    n: int
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class GrowthTables:
    """Growth of the scope's units (wide: current, 环比 and 同比 side by side)."""

    amount: pd.DataFrame
    units: pd.DataFrame
    projects: pd.DataFrame | Unavailable  # the projects' amount growth (group scope)
    n: int
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Problem:
    """Something a manager should look at: ``kind`` is below_target, yoy_decline,
    prev_decline or high_cancellation; ``value`` against ``base`` (a rate against its
    base, an attainment % against 100, a rep's cancel rate against the scope's)."""

    kind: str
    subject: str
    value: float
    base: float
    n: int
    amount: float = np.nan  # the amount concerned (the gap to target, the base − current …)


@dataclass(frozen=True)
class SalesReview:
    scope: Scope
    headline: Headline
    attainment: Table | Unavailable
    heatmap: Table | Unavailable
    monthly: Monthly
    growth: GrowthTables
    reps: Table | Unavailable
    teams: Table | Unavailable
    pacing: Table | Unavailable
    cycle_time: Table
    satisfaction: Table | Unavailable
    problems: tuple[Problem, ...] = field(default_factory=tuple)


def review(
    deals: pd.DataFrame,
    *,
    period: str | Period,
    project: str | None = None,
    history: pd.DataFrame | None = None,
    targets: pd.DataFrame | None = None,
    surveys: pd.DataFrame | None = None,
    asof=None,
    ev: pd.DataFrame | None = None,
) -> SalesReview:
    """Everything the sales report shows for ``period`` and the group (or ``project``).

    ``ev`` are the signing events (:func:`sales.events` of deals and history) when the caller
    has them already. ``asof`` is the pacing cut-off (default: the last event date, not after
    the period end)."""
    p = parse_period(period)
    ev = events(deals, history) if ev is None else ev
    own = scope_events(ev, project)
    cut = default_asof(ev, p) if asof is None else pd.Timestamp(asof).normalize()
    level, unit = ("集团", GROUP_UNIT) if project is None else ("项目", project)
    has_targets = targets is not None and len(targets) > 0
    scope = Scope(period=p, project=project, level=level, unit=unit, asof=cut, closed=bool(cut >= p.end),
                  has_targets=has_targets)
    no_targets = Unavailable("数据中没有销售目标，达成率与进度无法计算。")
    att_all = attainment(ev, targets, p) if has_targets else None
    att = for_project(att_all, ev, project) if has_targets else None
    g = growth(ev, p, level=level)
    head = _headline(own, p, g[g[Target.unit] == unit], att_all, scope)
    reps = rankings(own, p, by=Deal.sales_rep, targets=targets if has_targets else None)
    teams = rankings(own, p, by=Deal.sales_team, targets=targets if has_targets else None)
    growth_tables = _growth(ev, p, scope)
    return SalesReview(
        scope=scope,
        headline=head,
        attainment=(Table(att, n=len(att)) if att is not None and len(att) else
                    no_targets if not has_targets else Unavailable("本期没有可用的销售目标。")),
        heatmap=_heatmap(ev, targets, p, project) if has_targets else no_targets,
        monthly=_monthly(own, targets if has_targets else None, p, scope),
        growth=growth_tables,
        reps=Table(reps, n=len(reps)) if len(reps) else Unavailable("本期没有可排名的置业顾问记录。"),
        teams=Table(teams, n=len(teams)) if len(teams) else Unavailable("本期没有可排名的销售团队记录。"),
        pacing=_pacing(ev, targets, scope) if has_targets else no_targets,
        cycle_time=_cycle(deals_of(deals, project), p),
        satisfaction=_satisfaction(deals_of(deals, project), surveys, p),
        problems=_problems(head, growth_tables, reps, scope),
    )


# ------------------------------------------------------------------------------ parts
def _change(g: pd.DataFrame, metric: str, comparison: str) -> Change | Unavailable:
    rows = g[(g[Growth.metric] == metric) & (g[Growth.comparison] == comparison)]
    if rows.empty:
        return Unavailable("年度报告没有环比。" if comparison == "环比" else "没有可比的基期。")
    r = rows.iloc[0]
    return Change(comparison=comparison, base_period=str(r[Growth.base_period]), current=float(r[Growth.current]),
                  base=float(r[Growth.base]), rate=float(r[Growth.rate]), status=str(r[Growth.status]))


def _headline(own: pd.DataFrame, p: Period, g: pd.DataFrame, att: pd.DataFrame | None, scope: Scope) -> Headline:
    sub = own[p.contains(own[History.event_date])]
    signed = int((sub[History.status] == SIGNED).sum())
    cancelled = int((sub[History.status] == CANCELLED).sum())
    target: TargetAttainment | Unavailable = Unavailable("数据中没有销售目标。")
    with_target = below = 0
    if att is not None:
        mine = att[(att[Target.level] == scope.level) & (att[Target.unit] == scope.unit)]
        if len(mine) and pd.notna(mine[Actuals.amount_attainment].iloc[0]):
            r = mine.iloc[0]
            target = TargetAttainment(amount_target=float(r[Target.amount_target]), amount_attainment=float(r[Actuals.amount_attainment]),
                            units_target=float(r[Target.units_target]), units_attainment=float(r[Actuals.units_attainment]),
                            source=str(r[Actuals.target_source]))
        else:
            target = Unavailable(f"{p.label_zh}没有{scope.unit}的金额目标。")
        if scope.project is None:
            proj = att[att[Target.level] == "项目"].dropna(subset=[Actuals.amount_attainment])
            with_target, below = len(proj), int((proj[Actuals.amount_attainment] < 100).sum())
    return Headline(
        net_amount=float(sub[Actuals.amount].sum()),
        net_units=int(sub[Actuals.sign].sum()),
        signed_units=signed,
        cancelled_units=cancelled,
        cancel_rate=cancelled / signed if signed else np.nan,
        amount_prev=_change(g, Actuals.net_amount, "环比"),
        amount_yoy=_change(g, Actuals.net_amount, "同比"),
        units_prev=_change(g, Actuals.net_units, "环比"),
        units_yoy=_change(g, Actuals.net_units, "同比"),
        target=target,
        projects_with_target=with_target,
        projects_below_target=below,
        n=len(sub),
        warnings=() if len(sub) else (f"{p.label_zh}没有签约、退房或换房记录。",),
    )


def _heatmap(ev: pd.DataFrame, targets: pd.DataFrame, p: Period, project: str | None) -> Table | Unavailable:
    mat = attainment_matrix(ev, targets, p.year, level="项目", until=p)
    if project is not None:
        mat = mat.loc[[project]] if project in mat.index else mat.iloc[0:0]
    if not mat.notna().any().any():
        return Unavailable("没有项目月度目标，无法绘制热力图。")
    return Table(mat, n=int(mat.notna().sum().sum()))


def _monthly(own: pd.DataFrame, targets: pd.DataFrame | None, p: Period, scope: Scope) -> Monthly:
    ytd = year_to_date(own, p)
    line: pd.Series | Unavailable = Unavailable("数据中没有销售目标。")
    if targets is not None:
        line = monthly_targets(targets, p.year, level=scope.level, unit=scope.unit, until=p)
    return Monthly(actuals=actuals(ytd, "month"), targets=line, n=len(ytd))


def _growth(ev: pd.DataFrame, p: Period, scope: Scope) -> GrowthTables:
    amount = for_project(growth_wide(ev, p, level=scope.level, metric=Actuals.net_amount), ev, scope.project)
    units = for_project(growth_wide(ev, p, level=scope.level, metric=Actuals.net_units), ev, scope.project)
    projects: pd.DataFrame | Unavailable = (growth_wide(ev, p, level="项目") if scope.project is None
                                            else Unavailable("项目报告只看本项目。"))
    return GrowthTables(amount=amount, units=units, projects=projects, n=len(amount))


def _pacing(ev: pd.DataFrame, targets: pd.DataFrame, scope: Scope) -> Table | Unavailable:
    if scope.closed:
        return Unavailable(f"{scope.period.label_zh}已于 {scope.period.end:%Y-%m-%d} 结束，时间进度已满，"
                           "进度对比不再提供新信息，完成情况见目标达成。")
    pc = for_project(pacing(ev, targets, scope.asof, level=scope.level), ev, scope.project)
    if pc.dropna(subset=[Actuals.reached_share]).empty:
        return Unavailable(f"截至 {scope.asof:%Y-%m-%d} 的当月、当季没有可用目标。")
    return Table(pc, n=len(pc))


def _cycle(deals: pd.DataFrame, p: Period) -> Table:
    ct = cycle_time(deals, p, by=Deal.project)
    small = bool(ct[Ranking.small_n].any())
    return Table(ct, n=int(ct[Ranking.n].sum()),
                 warnings=(f"部分项目样本量少于 {MIN_N}，周期仅供参考。",) if small else ())


def _satisfaction(deals: pd.DataFrame, surveys: pd.DataFrame | None, p: Period) -> Table | Unavailable:
    if surveys is None or surveys.empty:
        return Unavailable("没有满意度调查数据。")
    sr = satisfaction_by_rep(deals, surveys, until=p.end, months=SATISFACTION_MONTHS)
    if sr.empty:
        return Unavailable("近12个月的调查没有能归属到置业顾问的记录。")
    small = bool(sr[Ranking.small_n].astype(bool).any())
    return Table(sr, n=int(sr[Ranking.n].sum()),
                 warnings=(f"部分置业顾问的调查样本少于 {MIN_N}，标为小样本。",) if small else ())


def _problems(head: Headline, g: GrowthTables, reps: pd.DataFrame, scope: Scope) -> tuple[Problem, ...]:
    """The problems, most pressing first: the scope below its target, units down year on
    year (the biggest decline first), the scope down on the previous period, reps whose
    cancel rate stands out (:data:`CANCEL_MIN`, :data:`CANCEL_RATIO`, :data:`CANCEL_MARGIN`)."""
    out: list[Problem] = []
    t = head.target
    if isinstance(t, TargetAttainment) and t.amount_attainment < 100:
        out.append(Problem("below_target", scope.unit, t.amount_attainment, 100.0, head.net_units,
                           amount=t.amount_target - head.net_amount))
    yoy = head.amount_yoy
    if isinstance(yoy, Change) and yoy.ok and yoy.rate < 0:
        out.append(Problem("yoy_decline", scope.unit, yoy.rate, yoy.base, head.n, amount=yoy.base - yoy.current))
    if isinstance(g.projects, pd.DataFrame):
        w = g.projects
        down = w[(w[GrowthWide.yoy_status] == "正常") & (w[GrowthWide.yoy_rate] < 0)]
        for _, r in down.sort_values(GrowthWide.yoy_rate, kind="stable").iterrows():  # a handful of projects
            out.append(Problem("yoy_decline", str(r[Target.unit]), float(r[GrowthWide.yoy_rate]),
                               float(r[GrowthWide.yoy_base]), head.n,
                               amount=float(r[GrowthWide.yoy_base] - r[Growth.current])))
    prev = head.amount_prev
    if isinstance(prev, Change) and prev.ok and prev.rate < 0:
        out.append(Problem("prev_decline", scope.unit, prev.rate, prev.base, head.n, amount=prev.base - prev.current))
    rate = head.cancel_rate
    if len(reps) and not np.isnan(rate):
        cr = reps[Ranking.cancel_rate]
        hot = reps[(reps[Actuals.cancelled_units] >= CANCEL_MIN) & (cr >= CANCEL_RATIO * rate)
                   & (cr >= rate + CANCEL_MARGIN)]
        for _, r in hot.sort_values(Ranking.cancel_rate, ascending=False, kind="stable").iterrows():
            out.append(Problem("high_cancellation", str(r[Deal.sales_rep]), float(r[Ranking.cancel_rate]), float(rate),
                               int(r[Actuals.signed_units]), amount=float(r[Actuals.cancelled_amount])))
    return tuple(out)
