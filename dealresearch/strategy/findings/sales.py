"""Sales findings: attainment of projects and reps, pacing, cancellation rate."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ... import sales
from ...sales import targets as att_mod
from ...schema import Deal, Target
from .core import GROUP, Z_TEST, Context, FindingColumns, Insufficient, _rows


# ----------------------------------------------------------------------- sales
def _attainment(ctx: Context, level: str, name: str) -> pd.DataFrame:
    if ctx.targets is None or not len(ctx.targets):
        raise Insufficient("没有销售目标数据（可用 dealresearch targets-template 生成模板填写后导入）")
    att = ctx.memo(
        ("attainment", ctx.period, level),
        lambda: att_mod.attainment(ctx.events, ctx.targets, ctx.period, level),
    )
    if ctx.project is not None and level != "项目":
        reps = set(ctx.project_deals[sales.LEVEL_COLUMNS[level]].dropna())
        att = att[att[Target.unit].isin(reps)]
    elif ctx.project is not None:
        att = att[att[Target.unit] == ctx.project]
    att = att[~att[sales.Actuals.status].astype(str).str.startswith(("无目标", "目标为零"))]  # a target to compare with
    if att.empty:
        raise Insufficient(f"{ctx.period.label_zh}没有{level}层级的有效目标")
    use_amt = att[sales.Actuals.amount_attainment].notna()
    value = att[sales.Actuals.amount_attainment].where(use_amt, att[sales.Actuals.units_attainment])
    target = att[Target.amount_target].where(use_amt, att[Target.units_target])
    what = np.where(use_amt, "签约金额", "签约套数")
    return _rows(
        **{
            FindingColumns.finding: name,
            FindingColumns.project: ctx.scope_name,
            FindingColumns.subject: att[Target.unit].to_numpy(),
            FindingColumns.figure: [f"{level}“{u}”{w}目标达成率(%)" for u, w in zip(att[Target.unit], what, strict=True)],
            FindingColumns.value: value.to_numpy(),
            FindingColumns.base: target.to_numpy(),
            FindingColumns.n: att[sales.Actuals.units_actual].to_numpy(),
            FindingColumns.period: ctx.period.label,
            FindingColumns.test: "目标达成率 = 净签约 ÷ 目标",
            FindingColumns.tag: att[sales.Actuals.target_source].to_numpy(),
            FindingColumns.amount: (att[Target.amount_target] - att[sales.Actuals.amount_actual]).clip(lower=0).where(use_amt).to_numpy(),
            FindingColumns.unit: "pct",
            FindingColumns.source: "sales.attainment",
        }
    )


def project_attainment(ctx: Context) -> pd.DataFrame:
    return _attainment(ctx, "项目", "project_attainment")


def rep_attainment(ctx: Context) -> pd.DataFrame:
    return _attainment(ctx, "个人", "rep_attainment")


def pacing(ctx: Context) -> pd.DataFrame:
    if ctx.asof is None:
        raise Insufficient("未给出统计截止日（asof），无法计算时间进度")
    if ctx.targets is None or not len(ctx.targets):
        raise Insufficient("没有销售目标数据，无法计算进度")
    level, unit = ("集团", GROUP) if ctx.project is None else ("项目", ctx.project)
    pc = ctx.memo(("pacing", level), lambda: att_mod.pacing(ctx.events, ctx.targets, ctx.asof, level=level))
    pc = pc[(pc[Target.unit] == unit) & pc[sales.Actuals.reached_share].notna()]
    if pc.empty:
        raise Insufficient(f"截至 {pd.Timestamp(ctx.asof):%Y-%m-%d} 的当月、当季没有{unit}的目标")
    return _rows(
        **{
            FindingColumns.finding: "pacing",
            FindingColumns.project: ctx.scope_name,
            FindingColumns.subject: pc[sales.Actuals.period].to_numpy(),
            FindingColumns.figure: [f"{unit}{p}目标完成进度" for p in pc[sales.Actuals.period]],
            FindingColumns.value: pc[sales.Actuals.reached_share].to_numpy(),
            FindingColumns.base: pc[sales.Actuals.elapsed_share].to_numpy(),
            FindingColumns.delta: pc[sales.Actuals.gap].to_numpy(),
            FindingColumns.n: pc[sales.Actuals.units_actual].to_numpy(),
            FindingColumns.period: f"截至{pd.Timestamp(ctx.asof):%Y-%m-%d}",
            FindingColumns.test: "完成进度 − 时间进度",
            FindingColumns.tag: pc[sales.Actuals.pacing_status].to_numpy(),
            FindingColumns.unit: "share",
            FindingColumns.source: "sales.pacing",
        }
    )


def cancel_rate(ctx: Context) -> pd.DataFrame:
    """退房 ÷ 签约 units per project in the period vs the previous period."""
    from ...stats import two_proportion_z

    ev = ctx.events if ctx.project is None else ctx.events[ctx.events[Deal.project] == ctx.project]
    prev = ctx.period.previous()
    now, base = (sales.actual_in(ev, p_, "项目") for p_ in (ctx.period, prev))
    now = now[now[sales.Actuals.signed_units] >= ctx.min_n]
    if now.empty:
        raise Insufficient(f"各项目本期签约均少于 {ctx.min_n} 套，退房率不稳定")
    base = base.reindex(now.index).fillna(0)
    x, n = now[sales.Actuals.cancelled_units].to_numpy(), now[sales.Actuals.signed_units].to_numpy()
    xb, nb = base[sales.Actuals.cancelled_units].to_numpy(), base[sales.Actuals.signed_units].to_numpy()
    _, p = two_proportion_z(x, n, xb, nb)
    with np.errstate(divide="ignore", invalid="ignore"):
        rb = np.where(nb > 0, xb / nb, np.nan)
    return _rows(
        **{
            FindingColumns.finding: "cancel_rate",
            FindingColumns.project: now.index.to_numpy(),
            FindingColumns.subject: now.index.to_numpy(),
            FindingColumns.figure: [f"{p_}退房率（退房套数 ÷ 签约套数）" for p_ in now.index],
            FindingColumns.value: x / n,
            FindingColumns.base: rb,
            FindingColumns.delta: x / n - rb,
            FindingColumns.n: n,
            FindingColumns.n_base: nb,
            FindingColumns.period: ctx.period.label,
            FindingColumns.base_period: prev.label,
            FindingColumns.test: Z_TEST,
            FindingColumns.p_value: p,
            FindingColumns.unit: "share",
            FindingColumns.source: "sales.actuals",
        }
    )
