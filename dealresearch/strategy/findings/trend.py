"""Sales trend and service backlog findings: net signing against the same period a year
earlier, cancellation spikes by rep, overdue complaint follow-ups."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ... import sales
from ...schema import D, H, S, T
from .core import GROUP, Context, F, Insufficient, _rows

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
        g = g[g[T.unit] == ctx.project]
    ok = g[g[sales.Growth.status] == "正常"]
    amt = ok[ok[sales.Growth.metric] == _NET_AMOUNT].set_index(T.unit)
    units = ok[ok[sales.Growth.metric] == _NET_UNITS].set_index(T.unit).reindex(amt.index)
    if amt.empty:
        raise Insufficient(f"上年同期（{ctx.period.year_ago().label}）没有可比的净签约，无法计算同比")
    cur, base = amt[sales.Growth.current], amt[sales.Growth.base]
    return _rows(
        **{
            F.finding: "sales_yoy",
            F.project: amt.index.to_numpy(),
            F.subject: amt.index.to_numpy(),
            F.figure: [f"{u}净签约金额（元）" for u in amt.index],
            F.value: cur.to_numpy(dtype="float64"),
            F.base: base.to_numpy(dtype="float64"),
            F.delta: amt[sales.Growth.rate].to_numpy(dtype="float64"),
            F.n: units[sales.Growth.current].to_numpy(dtype="float64"),
            F.n_base: units[sales.Growth.base].to_numpy(dtype="float64"),
            F.period: ctx.period.label,
            F.base_period: amt[sales.Growth.base_period].to_numpy(),
            F.test: "同比增长率 = 本期净签约 ÷ 上年同期 − 1",
            F.unit: "amount",
            F.amount: (base - cur).clip(lower=0).to_numpy(dtype="float64"),
            F.affected: (units[sales.Growth.base] - units[sales.Growth.current]).clip(lower=0).to_numpy(dtype="float64"),
            F.source: "sales.growth",
        }
    )


def rep_cancel(ctx: Context) -> pd.DataFrame:
    """Each rep's cancellation rate (退房 ÷ 签约 units) in the period against the rate of
    their project (value, base, delta = value − base); n = the rep's signed units."""
    ev = ctx.events if ctx.project is None else ctx.events[ctx.events[D.project] == ctx.project]
    ev = ev[ev[D.sales_rep].notna() & ev[D.project].notna()]
    if ev.empty:
        raise Insufficient("成交记录没有置业顾问，无法按人核对退房率")
    cur = ev[ctx.period.contains(ev[H.event_date])]
    keys = [D.project, D.sales_rep]
    by_rep = sales.aggregate(cur, keys)
    by_project = sales.aggregate(cur, [D.project]).set_index(D.project)
    by_rep = by_rep[by_rep[sales.Actuals.signed_units] > 0]
    if by_rep.empty:
        raise Insufficient(f"{ctx.period.label_zh}没有签约，无法计算退房率")
    signed, cancelled = by_rep[sales.Actuals.signed_units], by_rep[sales.Actuals.cancelled_units]
    proj = by_project.reindex(by_rep[D.project])
    with np.errstate(divide="ignore", invalid="ignore"):
        base = (proj[sales.Actuals.cancelled_units] / proj[sales.Actuals.signed_units]).to_numpy(dtype="float64")
    rate = (cancelled / signed).to_numpy(dtype="float64")
    return _rows(
        **{
            F.finding: "rep_cancel",
            F.project: by_rep[D.project].to_numpy(),
            F.subject: by_rep[D.sales_rep].to_numpy(),
            F.figure: [f"置业顾问“{r}”退房率（退房套数 ÷ 签约套数）" for r in by_rep[D.sales_rep]],
            F.value: rate,
            F.base: base,
            F.delta: rate - base,
            F.n: signed.to_numpy(dtype="float64"),
            F.n_base: proj[sales.Actuals.signed_units].to_numpy(dtype="float64"),
            F.period: ctx.period.label,
            F.base_period: "所在项目同期",
            F.test: "描述统计（对照所在项目退房率）",
            F.unit: "share",
            F.amount: by_rep[sales.Actuals.cancelled_amount].to_numpy(dtype="float64"),
            F.affected: cancelled.to_numpy(dtype="float64"),
            F.source: "sales.aggregate",
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
    sv = sv[ctx.period.contains(pd.to_datetime(sv[S.survey_date]))]
    if ctx.project is not None and S.project in sv:
        sv = sv[sv[S.project] == ctx.project]
    if sv.empty:
        raise Insufficient(f"{ctx.period.label_zh}没有满意度调查")
    fu = followups(sv, asof=ctx.period.end)
    open_ = fu[FU.status] != "已关闭" if len(fu) else pd.Series(dtype=bool)
    n_open, n_overdue = int(open_.sum()), int(fu[FU.overdue].sum()) if len(fu) else 0
    return _rows(
        **{
            F.finding: ["followup_backlog"],
            F.project: ctx.scope_name,
            F.subject: ["待跟进客户"],
            F.figure: ["尚未关闭的客户跟进（投诉、贬损者、调查员标注）"],
            F.value: [float(n_open)],
            F.base: [n_open / len(fu) if len(fu) else np.nan],
            F.n: [len(fu)],
            F.period: f"截至{ctx.period.end:%Y-%m-%d}",
            F.test: "跟进清单（状态未登记为已关闭）",
            F.tag: [f"其中逾期 {n_overdue} 位"],
            F.unit: "count",
            F.affected: [float(n_open)],
            F.source: "satisfaction.followups",
        }
    )


__all__ = ["GROUP", "followup_backlog", "rep_cancel", "sales_yoy"]
