"""Sales trend and service backlog findings: net signing against the same period a year
earlier, cancellation spikes by rep, overdue complaint follow-ups."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ... import sales
from ...schema import Deal, History, Survey, Target
from .core import GROUP, Context, FindingColumns, Insufficient, _rows

_NET_AMOUNT, _NET_UNITS = sales.Actuals.net_amount, sales.Actuals.net_units


def _growth(ctx: Context, level: str) -> pd.DataFrame:
    g = ctx.memo(("growth", ctx.period, level), lambda: sales.growth(ctx.events, ctx.period, level=level))
    return g[g[sales.Growth.comparison] == "同比"]


def sales_yoy(ctx: Context) -> pd.DataFrame:
    """Net signing amount of the scope (the group and each project, or one project) against
    the same period a year earlier; only units with a comparable base (status 正常)."""
    g = _growth(ctx, "项目")
    if ctx.project is None:
        g = pd.concat([_growth(ctx, "集团"), g], ignore_index=True)
    else:
        g = g[g[Target.unit] == ctx.project]
    ok = g[g[sales.Growth.status] == "正常"]
    amt = ok[ok[sales.Growth.metric] == _NET_AMOUNT].set_index(Target.unit)
    units = ok[ok[sales.Growth.metric] == _NET_UNITS].set_index(Target.unit).reindex(amt.index)
    if amt.empty:
        raise Insufficient(f"上年同期（{ctx.period.year_ago().label}）没有可比的净签约，无法计算同比")
    cur, base = amt[sales.Growth.current], amt[sales.Growth.base]
    return _rows(
        **{
            FindingColumns.finding: "sales_yoy",
            FindingColumns.project: amt.index.to_numpy(),
            FindingColumns.subject: amt.index.to_numpy(),
            FindingColumns.figure: [f"{u}净签约金额（元）" for u in amt.index],
            FindingColumns.value: cur.to_numpy(dtype="float64"),
            FindingColumns.base: base.to_numpy(dtype="float64"),
            FindingColumns.delta: amt[sales.Growth.rate].to_numpy(dtype="float64"),
            FindingColumns.n: units[sales.Growth.current].to_numpy(dtype="float64"),
            FindingColumns.n_base: units[sales.Growth.base].to_numpy(dtype="float64"),
            FindingColumns.period: ctx.period.label,
            FindingColumns.base_period: amt[sales.Growth.base_period].to_numpy(),
            FindingColumns.test: "同比增长率 = 本期净签约 ÷ 上年同期 − 1",
            FindingColumns.unit: "amount",
            FindingColumns.amount: (base - cur).clip(lower=0).to_numpy(dtype="float64"),
            FindingColumns.affected: (units[sales.Growth.base] - units[sales.Growth.current]).clip(lower=0).to_numpy(dtype="float64"),
            FindingColumns.source: "sales.growth",
        }
    )


def rep_cancel(ctx: Context) -> pd.DataFrame:
    """Each rep's cancellation rate (退房 ÷ 签约 units) in the period against the rate of
    their project (value, base, delta = value − base); n = the rep's signed units."""
    ev = ctx.events if ctx.project is None else ctx.events[ctx.events[Deal.project] == ctx.project]
    ev = ev[ev[Deal.sales_rep].notna() & ev[Deal.project].notna()]
    if ev.empty:
        raise Insufficient("成交记录没有置业顾问，无法按人核对退房率")
    cur = ev[ctx.period.contains(ev[History.event_date])]
    keys = [Deal.project, Deal.sales_rep]
    by_rep = sales.aggregate(cur, keys)
    by_project = sales.aggregate(cur, [Deal.project]).set_index(Deal.project)
    by_rep = by_rep[by_rep[sales.Actuals.signed_units] > 0]
    if by_rep.empty:
        raise Insufficient(f"{ctx.period.label_zh}没有签约，无法计算退房率")
    signed, cancelled = by_rep[sales.Actuals.signed_units], by_rep[sales.Actuals.cancelled_units]
    proj = by_project.reindex(by_rep[Deal.project])
    with np.errstate(divide="ignore", invalid="ignore"):
        base = (proj[sales.Actuals.cancelled_units] / proj[sales.Actuals.signed_units]).to_numpy(dtype="float64")
    rate = (cancelled / signed).to_numpy(dtype="float64")
    return _rows(
        **{
            FindingColumns.finding: "rep_cancel",
            FindingColumns.project: by_rep[Deal.project].to_numpy(),
            FindingColumns.subject: by_rep[Deal.sales_rep].to_numpy(),
            FindingColumns.figure: [f"置业顾问“{r}”退房率（退房套数 ÷ 签约套数）" for r in by_rep[Deal.sales_rep]],
            FindingColumns.value: rate,
            FindingColumns.base: base,
            FindingColumns.delta: rate - base,
            FindingColumns.n: signed.to_numpy(dtype="float64"),
            FindingColumns.n_base: proj[sales.Actuals.signed_units].to_numpy(dtype="float64"),
            FindingColumns.period: ctx.period.label,
            FindingColumns.base_period: "所在项目同期",
            FindingColumns.test: "描述统计（对照所在项目退房率）",
            FindingColumns.unit: "share",
            FindingColumns.amount: by_rep[sales.Actuals.cancelled_amount].to_numpy(dtype="float64"),
            FindingColumns.affected: cancelled.to_numpy(dtype="float64"),
            FindingColumns.source: "sales.aggregate",
        }
    )


def followup_backlog(ctx: Context) -> pd.DataFrame:
    """Follow-ups (complaints, detractors, surveyor flags) raised by the period's surveys that
    are not recorded as closed at the period end (the satisfaction report's follow-up list);
    ``tag`` counts those past their due date."""
    from ...satisfaction.followup_list import F as FU
    from ...satisfaction.followup_list import followups

    sv = ctx.surveys
    if sv is None or not len(sv):
        raise Insufficient("没有满意度调查数据，无法核对投诉跟进")
    sv = sv[ctx.period.contains(pd.to_datetime(sv[Survey.survey_date]))]
    if ctx.project is not None and Survey.project in sv:
        sv = sv[sv[Survey.project] == ctx.project]
    if sv.empty:
        raise Insufficient(f"{ctx.period.label_zh}没有满意度调查")
    fu = followups(sv, asof=ctx.period.end)
    open_ = fu[FU.status] != "已关闭" if len(fu) else pd.Series(dtype=bool)
    n_open, n_overdue = int(open_.sum()), int(fu[FU.overdue].sum()) if len(fu) else 0
    return _rows(
        **{
            FindingColumns.finding: ["followup_backlog"],
            FindingColumns.project: ctx.scope_name,
            FindingColumns.subject: ["待跟进客户"],
            FindingColumns.figure: ["尚未关闭的客户跟进（投诉、贬损者、调查员标注）"],
            FindingColumns.value: [float(n_open)],
            FindingColumns.base: [n_open / len(fu) if len(fu) else np.nan],
            FindingColumns.n: [len(fu)],
            FindingColumns.period: f"截至{ctx.period.end:%Y-%m-%d}",
            FindingColumns.test: "跟进清单（状态未登记为已关闭）",
            FindingColumns.tag: [f"其中逾期 {n_overdue} 位"],
            FindingColumns.unit: "count",
            FindingColumns.affected: [float(n_open)],
            FindingColumns.source: "satisfaction.followups",
        }
    )


__all__ = ["GROUP", "followup_backlog", "rep_cancel", "sales_yoy"]
