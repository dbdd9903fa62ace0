"""Targets vs actuals: target periods, attainment % by period and level, the attainment
matrix for the heat-map, and pacing of the running month and quarter.

Counting rules are those of :mod:`dealresearch.sales.ledger`; targets are schema.Target rows. Asked
for a period without a target of its own, a unit's finer targets inside it are summed
(``target_source`` says so); coarser targets are never pro-rated; a group without a
target of its own gets the sum of its projects' targets.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import fmt
from ..periods import Period, parse_period
from ..schema import LEVELS, Deal, History, Target
from .columns import Actuals
from .ledger import FINER, GROUP_UNIT, KINDS, actual_in


# ----------------------------------------------------------------------------- targets
def target_periods(targets: pd.DataFrame) -> pd.DataFrame:
    """Targets with their period kind, label, start and end added."""
    tg = targets.copy()
    week, month, quarter = (
        tg[c] if c in tg else pd.Series(pd.NA, index=tg.index) for c in (Target.week, Target.month, Target.quarter)
    )
    kind = np.select([week.notna(), month.notna(), quarter.notna()], ["week", "month", "quarter"], "year")
    year = tg[Target.year].astype("Int64").astype("str")
    num = week.fillna(month).fillna(quarter).astype("Int64")
    lab = np.select(
        [kind == "week", kind == "month", kind == "quarter"],
        [
            year + "W" + num.astype("str").str.zfill(2),
            year + "-" + num.astype("str").str.zfill(2),
            year + "Q" + num.astype("str"),
        ],
        year,
    )
    tg[Actuals.kind] = kind
    tg[Actuals.period] = lab
    periods = {s: parse_period(s) for s in pd.unique(tg[Actuals.period])}  # one Period per label
    tg["_start"] = tg[Actuals.period].map({s: p.start for s, p in periods.items()})
    tg["_end"] = tg[Actuals.period].map({s: p.end for s, p in periods.items()})
    return tg


def targets_for(targets: pd.DataFrame, period: str | Period, level: str | None = None) -> pd.DataFrame:
    """Targets of one period per (level, unit): the period's own target, else the sum of
    the unit's finer targets lying inside it (``target_source`` says which)."""
    return _targets_for(target_periods(targets), parse_period(period), level)


def _targets_for(tg: pd.DataFrame, p: Period, level: str | None) -> pd.DataFrame:
    """:func:`targets_for` on targets already passed through :func:`target_periods`
    (callers asking for many periods compute those once)."""
    cols = [c for c in (Target.units_target, Target.amount_target, Target.collection_target) if c in tg]
    own = tg[(tg[Actuals.kind] == p.kind) & (tg[Actuals.period] == p.label)]
    own = own.groupby([Target.level, Target.unit], sort=False)[cols].sum(min_count=1)
    own[Actuals.target_source] = "本期目标"
    inside = tg[tg[Actuals.kind].isin(FINER[p.kind]) & (tg["_start"] >= p.start) & (tg["_start"] <= p.end)]
    parts = [own]
    if len(inside):
        # one granularity per unit: the coarsest finer kind available
        rank = inside[Actuals.kind].map({k: i for i, k in enumerate(KINDS)})
        inside = inside[rank == rank.groupby([inside[Target.level], inside[Target.unit]]).transform("min")]
        fine = inside.groupby([Target.level, Target.unit], sort=False).agg(
            **{c: (c, lambda s: s.sum(min_count=1)) for c in cols}, _n=(Actuals.kind, "size"), _k=(Actuals.kind, "first")
        )
        fine = fine[~fine.index.isin(own.index)]
        names = {"quarter": "季度", "month": "月度", "week": "周"}
        fine[Actuals.target_source] = "由" + fine["_n"].astype("str") + "个" + fine["_k"].map(names) + "目标汇总"
        parts.append(fine.drop(columns=["_n", "_k"]))
    out = (pd.concat(parts) if len(parts) > 1 else own).reset_index()
    if GROUP_UNIT not in set(out.loc[out[Target.level] == "集团", Target.unit]):
        proj = out[out[Target.level] == "项目"]
        if len(proj):  # no group target: the group's target is the sum of the projects'
            total = proj[cols].sum(min_count=1).to_frame().T
            total[[Target.level, Target.unit, Actuals.target_source]] = ["集团", GROUP_UNIT, f"由{len(proj)}个项目目标汇总"]
            out = pd.concat([out, total], ignore_index=True)
    if level is not None:
        out = out[out[Target.level] == level]
    return out.assign(**{Actuals.period: p.label}).reset_index(drop=True)


# -------------------------------------------------------------------------- attainment
def _pct(actual: pd.Series, target: pd.Series) -> pd.Series:
    t = target.astype("float64")
    return (actual.astype("float64") / t.where(t > 0)) * 100


def attainment(
    ev: pd.DataFrame, targets: pd.DataFrame, period: str | Period, level: str | None = None
) -> pd.DataFrame:
    """Target vs net actual per (level, unit) for one period.

    Columns: level, unit, period, units_target, units_actual, units_attainment (%),
    amount_target, amount_actual, amount_attainment (%), collection_target (回款 actuals
    are not in the deal data, so no 回款 attainment), target_source, attainment_status."""
    return _attainment(ev, target_periods(targets), parse_period(period), level)


def _attainment(ev: pd.DataFrame, tgp: pd.DataFrame, p: Period, level: str | None) -> pd.DataFrame:
    """:func:`attainment` with the targets already passed through :func:`target_periods`."""
    tg = _targets_for(tgp, p, level)
    frames = []
    for lvl, part in tg.groupby(Target.level, sort=False):
        act = actual_in(ev, p, lvl).reindex(part[Target.unit]).fillna(0)
        part = part.assign(
            **{Actuals.units_actual: act[Actuals.net_units].to_numpy(), Actuals.amount_actual: act[Actuals.net_amount].to_numpy()}
        )
        frames.append(part)
    cols = [
        Target.level,
        Target.unit,
        Actuals.period,
        Target.units_target,
        Actuals.units_actual,
        Actuals.units_attainment,
        Target.amount_target,
        Actuals.amount_actual,
        Actuals.amount_attainment,
        Target.collection_target,
        Actuals.target_source,
        Actuals.status,
    ]
    if not frames:
        return pd.DataFrame(columns=cols)
    out = pd.concat(frames, ignore_index=True)
    for c in (Target.units_target, Target.amount_target, Target.collection_target):
        if c not in out:
            out[c] = np.nan
    out[Actuals.units_attainment] = _pct(out[Actuals.units_actual], out[Target.units_target])
    out[Actuals.amount_attainment] = _pct(out[Actuals.amount_actual], out[Target.amount_target])
    main = out[Target.amount_target].fillna(out[Target.units_target])
    reached = out[Actuals.amount_attainment].fillna(out[Actuals.units_attainment]) >= 100
    out[Actuals.status] = np.select([main.isna(), main == 0, reached], ["无目标", "目标为零", "已达成"], "未达成")
    out[Actuals.status] = _flag_unsummed_targets(out, ev)
    order = {lv: i for i, lv in enumerate(LEVELS)}
    out = out.sort_values(
        [Target.level, Target.unit], key=lambda s: s.map(order) if s.name == Target.level else s, kind="stable"
    )
    return out[cols].reset_index(drop=True)


def attainment_matrix(
    ev: pd.DataFrame,
    targets: pd.DataFrame,
    year: int,
    *,
    level: str = "项目",
    kind: str = "month",
    metric: str = "amount",
    until: str | Period | None = None,
) -> pd.DataFrame:
    """Attainment % of each unit (rows) in each month or quarter of ``year`` (columns),
    for the heat-map; NaN where there is no target. With ``until`` (the report period) the
    months or quarters starting after its end are left out."""
    col = Actuals.amount_attainment if metric == "amount" else Actuals.units_attainment
    n = {"month": 12, "quarter": 4}[kind]
    first = parse_period(f"{year}-01" if kind == "month" else f"{year}Q1")
    tgp = target_periods(targets)
    end = parse_period(until).end if until is not None else None
    cols = {}
    for i in range(n):
        p = first.shift(i)
        if end is not None and p.start > end:
            break
        att = _attainment(ev, tgp, p, level)
        cols[p.label] = att.set_index(Target.unit)[col]
    mat = pd.DataFrame(cols)
    mat.index.name = Target.unit
    mat.columns.name = Actuals.period
    return mat


#: (child level, parent level, child column, parent column) whose targets should add up
_ROLLUPS = (("团队", "项目", Deal.sales_team, Deal.project), ("个人", "团队", Deal.sales_rep, Deal.sales_team))
#: relative gap under which the children's targets count as summing to the parent's
SUM_TOLERANCE = 0.005


def _flag_unsummed_targets(out: pd.DataFrame, ev: pd.DataFrame) -> pd.Series:
    """达成说明 with a note where the targets of a unit's teams (or a team's reps) do not add
    up to the unit's own target: the parent row names both totals, its children say so."""
    status = out[Actuals.status].astype(object).copy()
    for child, parent, c_col, p_col in _ROLLUPS:
        if c_col not in ev or p_col not in ev:
            continue
        kids = out[out[Target.level] == child]
        dads = out[out[Target.level] == parent].set_index(Target.unit)
        if kids.empty or dads.empty:
            continue
        owner = ev.dropna(subset=[c_col, p_col]).groupby(c_col, observed=True)[p_col].agg(
            lambda s: s.value_counts().index[0])  # display only: one row per team / rep
        kids = kids.assign(_parent=kids[Target.unit].map(owner))
        sums = kids.groupby("_parent")[[Target.units_target, Target.amount_target]].sum(min_count=1)
        for unit, tot in sums.iterrows():
            if unit not in dads.index:
                continue
            own = dads.loc[unit]
            gaps = [
                (tot[c], own[c]) for c in (Target.units_target, Target.amount_target)
                if pd.notna(tot[c]) and pd.notna(own[c]) and abs(tot[c] - own[c]) > SUM_TOLERANCE * abs(own[c])
            ]
            if not gaps:
                continue
            units = f"{tot[Target.units_target]:,.0f} 套" if pd.notna(tot[Target.units_target]) else "—"
            mine = f"{own[Target.units_target]:,.0f} 套" if pd.notna(own[Target.units_target]) else "—"
            note = (f"；{child}目标合计 {units} / {fmt.money(tot[Target.amount_target])}，"
                    f"与{parent}目标 {mine} / {fmt.money(own[Target.amount_target])}不一致")
            at = out.index[(out[Target.level] == parent) & (out[Target.unit] == unit)]
            status.loc[at] = status.loc[at] + note
            kid_rows = kids.index[kids["_parent"] == unit]
            status.loc[kid_rows] = status.loc[kid_rows] + f"；本{parent}各{child}目标之和与{parent}目标不一致"
    return status


# ------------------------------------------------------------------------------ pacing
def running_periods(asof) -> tuple[Period, Period]:
    """The month and the quarter containing ``asof``."""
    t = pd.Timestamp(asof)
    return parse_period(f"{t.year}-{t.month:02d}"), parse_period(f"{t.year}Q{(t.month - 1) // 3 + 1}")


def pacing(
    ev: pd.DataFrame, targets: pd.DataFrame, asof, *, level: str = "集团", tolerance: float = 0.05
) -> pd.DataFrame:
    """Share of target reached vs share of period elapsed, for the running month and
    quarter at ``asof`` (inclusive). ``reached_share`` = net amount (else units) ÷
    target; ``elapsed_share`` = days elapsed ÷ days in the period; ``pacing_gap`` =
    reached − elapsed; ``projected_amount`` = run-rate forecast for the whole period.
    Status 超前 / 落后 beyond ``tolerance`` (share points), else 基本同步; no target: 无目标."""
    asof = pd.Timestamp(asof).normalize()
    tgp = target_periods(targets)
    upto = ev[ev[History.event_date] <= asof]
    frames = []
    for p in running_periods(asof):
        att = _attainment(upto, tgp, p, level)
        if att.empty:
            continue
        days = (p.end - p.start).days + 1
        elapsed = ((asof - p.start).days + 1) / days
        use_amount = att[Target.amount_target].notna()
        reached = np.where(use_amount, att[Actuals.amount_attainment], att[Actuals.units_attainment]) / 100
        att = att.assign(
            **{
                Actuals.kind: p.kind,
                Actuals.elapsed_share: elapsed,
                Actuals.reached_share: reached,
                Actuals.projected: att[Actuals.amount_actual] / elapsed,
            }
        )
        frames.append(att)
    if not frames:
        return pd.DataFrame(
            columns=[Target.level, Target.unit, Actuals.period, Actuals.elapsed_share, Actuals.reached_share, Actuals.gap, Actuals.pacing_status]
        )
    out = pd.concat(frames, ignore_index=True)
    out[Actuals.gap] = out[Actuals.reached_share] - out[Actuals.elapsed_share]
    out[Actuals.pacing_status] = np.select(
        [out[Actuals.reached_share].isna(), out[Actuals.gap] > tolerance, out[Actuals.gap] < -tolerance],
        ["无目标", "超前", "落后"],
        "基本同步",
    )
    keep = [
        Target.level,
        Target.unit,
        Actuals.period,
        Actuals.kind,
        Target.amount_target,
        Actuals.amount_actual,
        Target.units_target,
        Actuals.units_actual,
        Actuals.elapsed_share,
        Actuals.reached_share,
        Actuals.gap,
        Actuals.projected,
        Actuals.pacing_status,
    ]
    return out[keep]


def monthly_targets(
    targets: pd.DataFrame,
    year: int,
    *,
    level: str = "集团",
    unit: str = GROUP_UNIT,
    metric: str = Target.amount_target,
    until: str | Period | None = None,
) -> pd.Series:
    """Target of one unit for each month of ``year`` (index "YYYY-MM"; NaN without a
    monthly target or finer targets to sum), for the trend chart; with ``until`` only the
    months up to the end of that period."""
    first = parse_period(f"{year}-01")
    tgp = target_periods(targets)
    end = parse_period(until).end if until is not None else None
    out = {}
    for i in range(12):
        p = first.shift(i)
        if end is not None and p.start > end:
            break
        t = _targets_for(tgp, p, level)
        t = t[t[Target.unit] == unit]
        out[p.label] = float(t[metric].iloc[0]) if len(t) and metric in t else np.nan
    return pd.Series(out, name=metric)
