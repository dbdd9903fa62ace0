"""Customer-service findings: IPA drivers, satisfaction by rep, survey coverage, referral
potential."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...errors import DataError
from ...schema import DRIVER_ITEMS, Deal, Survey
from .core import Z_TEST, Context, FindingColumns, Insufficient, _rows


# ---------------------------------------------------------------- customer service
def _surveys_in_scope(ctx: Context) -> pd.DataFrame:
    sv = ctx.surveys
    if sv is None or not len(sv):
        raise Insufficient("没有满意度调查数据")
    start, end = ctx.survey_window
    sv = sv[(sv[Survey.survey_date] >= start) & (sv[Survey.survey_date] <= end)]
    if ctx.project is not None and Survey.project in sv:
        sv = sv[sv[Survey.project] == ctx.project]
    return sv


def ipa_drivers(ctx: Context) -> pd.DataFrame:
    from ...satisfaction import metrics as sat

    sv = _surveys_in_scope(ctx)
    drivers = [c for c in DRIVER_ITEMS if c in sv and sv[c].notna().any()]
    n = int(sv[[Survey.overall, *drivers]].dropna().shape[0]) if Survey.overall in sv and drivers else 0
    if n < ctx.min_n or len(drivers) < 2:
        raise Insufficient(
            f"近12个月满意度调查有效样本 n = {n}（题项 {len(drivers)} 个），少于 {ctx.min_n}，无法做驱动因素分析"
        )
    try:
        res = sat.ipa(sv, target=Survey.overall, drivers=drivers)
    except DataError as e:
        raise Insufficient(f"驱动因素分析无法进行：{e}") from e
    start, end = ctx.survey_window
    return _rows(
        **{
            FindingColumns.finding: "ipa",
            FindingColumns.project: ctx.scope_name,
            FindingColumns.subject: res["label"].to_numpy(),
            FindingColumns.figure: [f"“{lab}”重要性(%)与表现(0–100分)" for lab in res["label"]],
            FindingColumns.value: res["importance"].to_numpy(),
            FindingColumns.base: res["performance"].to_numpy(),
            FindingColumns.n: int(res.attrs.get("n", n)),
            FindingColumns.period: f"{start:%Y-%m-%d}至{end:%Y-%m-%d}",
            FindingColumns.test: "相对权重分析（Johnson 2000）+ IPA 四象限",
            FindingColumns.tag: res["quadrant"].to_numpy(),
            FindingColumns.unit: "pct",
            FindingColumns.source: "satisfaction.ipa",
        }
    )


def rep_satisfaction(ctx: Context) -> pd.DataFrame:
    from ...sales import Ranking
    from ...sales.performance import satisfaction_by_rep

    sv = _surveys_in_scope(ctx)
    by_rep = satisfaction_by_rep(ctx.deals, sv, min_n=ctx.min_n)
    ok = by_rep[~by_rep[Ranking.small_n].astype(bool) & by_rep[Ranking.nps].notna()]
    if ok.empty:
        raise Insufficient(f"没有任何置业顾问的近12个月调查样本达到 {ctx.min_n} 份")
    total = float(np.average(by_rep[Ranking.nps].dropna(), weights=by_rep.loc[by_rep[Ranking.nps].notna(), Ranking.n]))
    start, end = ctx.survey_window
    return _rows(
        **{
            FindingColumns.finding: "rep_satisfaction",
            FindingColumns.project: ctx.scope_name,
            FindingColumns.subject: ok[Deal.sales_rep].to_numpy(),
            FindingColumns.figure: [f"置业顾问“{r}”客户 NPS" for r in ok[Deal.sales_rep]],
            FindingColumns.value: ok[Ranking.nps].to_numpy(),
            FindingColumns.base: total,
            FindingColumns.delta: ok[Ranking.nps].to_numpy() - total,
            FindingColumns.n: ok[Ranking.n].to_numpy(),
            FindingColumns.period: f"{start:%Y-%m-%d}至{end:%Y-%m-%d}",
            FindingColumns.test: "描述统计（对照全体 NPS）",
            FindingColumns.unit: "nps",
            FindingColumns.source: "performance.satisfaction_by_rep",
        }
    )


def survey_coverage(ctx: Context) -> pd.DataFrame:
    if ctx.surveys is None or not len(ctx.surveys):
        raise Insufficient("没有满意度调查数据，无法核对调查覆盖率")
    from ...metrics.kpis import coverage_at

    year = ctx.period.year
    # the same coverage the survey-plan report shows (metrics.coverage_at): the group's
    # customer base at the period end, the project's customers by their main project
    try:
        cov = coverage_at(ctx.deals, ctx.surveys, ctx.period, customers=ctx.customers, project=ctx.project)
    except DataError as e:
        raise Insufficient(f"调查覆盖率无法计算：{e}") from e
    if not cov.n_base:
        raise Insufficient(f"{year}年客户基数为空")
    asof = cov.asof
    elapsed = ((asof - pd.Timestamp(year, 1, 1)).days + 1) / (pd.Timestamp(year, 12, 31).day_of_year)
    return _rows(
        **{
            FindingColumns.finding: ["survey_coverage", "survey_overdue"],
            FindingColumns.project: ctx.scope_name,
            FindingColumns.subject: [f"{year}年调查覆盖率", f"须列入{year + 1}年计划的逾期客户"],
            FindingColumns.figure: [f"{year}年已调查客户占客户基数", "逾期未调查客户数（占可调查客户）"],
            FindingColumns.value: [cov.share, float(cov.n_overdue)],
            FindingColumns.base: [0.4 * elapsed, cov.n_overdue / cov.n_reachable if cov.n_reachable else np.nan],
            FindingColumns.delta: [cov.share - 0.4 * elapsed, np.nan],
            FindingColumns.n: [cov.n_base, cov.n_reachable],
            FindingColumns.period: f"截至{asof:%Y-%m-%d}",
            FindingColumns.test: ["对照“每年≥40%”按时间进度折算", "对照“3年内至少调查1次”"],
            FindingColumns.unit: ["share", "count"],
            FindingColumns.source: "survey_plan.coverage",
        }
    )


def referral_potential(ctx: Context) -> pd.DataFrame:
    from ... import segments

    d = ctx.project_deals
    d = d[d[Deal.sign_date].notna() & (d[Deal.sign_date] <= ctx.period.end)]
    if d[Deal.customer_key].nunique() < ctx.min_n:
        raise Insufficient(f"客户数少于 {ctx.min_n}，无法做价值 × 潜力分类")
    sv = (
        None
        if ctx.surveys is None or not len(ctx.surveys)
        else ctx.surveys[ctx.surveys[Survey.survey_date] <= ctx.period.end]
    )
    vp = segments.value_potential(d, sv)
    c = vp.customers
    idle = c[(c["potential_class"] == "高潜力") & (c["referrals"] == 0)]
    cur = d[ctx.period.contains(d[Deal.sign_date])]
    ref_share = float((cur[Deal.awareness_channel] == "老带新").mean()) if len(cur) else np.nan
    return _rows(
        **{
            FindingColumns.finding: ["referral_potential"],
            FindingColumns.project: ctx.scope_name,
            FindingColumns.subject: ["高潜力未推荐客户"],
            FindingColumns.figure: ["高潜力且尚未推荐过新客户的客户占比（对照本期老带新成交占比）"],
            FindingColumns.value: [len(idle) / len(c)],
            FindingColumns.base: [ref_share],
            FindingColumns.n: [len(c)],
            FindingColumns.n_base: [len(cur)],
            FindingColumns.period: f"截至{ctx.period.end:%Y-%m-%d}",
            FindingColumns.test: "价值×潜力分类（规则见客户细分报告）",
            FindingColumns.tag: [f"{len(idle)} 人"],
            FindingColumns.unit: "share",
            FindingColumns.source: "segments.value_potential",
        }
    )


def comment_themes(ctx: Context) -> pd.DataFrame:
    """Per comment theme: its share of the period's comments (value) against the previous
    period's (base), the change (delta, two-proportion z test) and, in ``tag``, 拖累NPS
    when its mentioners' NPS is at least 20 below the others' (significant) this period."""
    from ...satisfaction import comments
    from ...stats import two_proportion_z

    sv = ctx.surveys
    if sv is None or not len(sv) or Survey.comment not in sv:
        raise Insufficient("没有带客户意见的满意度调查数据")
    if ctx.project is not None and Survey.project in sv:
        sv = sv[sv[Survey.project] == ctx.project]
    date = pd.to_datetime(sv[Survey.survey_date])
    now, before = ctx.period.contains(date), ctx.period.previous().contains(date)
    sv = sv[now | before]
    if int(now.sum()) < ctx.min_n:
        raise Insufficient(f"本期满意度调查 n = {int(now.sum())}，少于 {ctx.min_n}，无法分析客户意见主题")
    try:
        res = comments.impact(sv, current=now[now | before])
        prev = comments.impact(sv, res.coded, current=before[now | before]) if before.any() else None
    except DataError as e:
        raise Insufficient(f"客户意见主题无法分析：{e}") from e
    t = res.themes
    t = t[t["n_mentions"] > 0]
    if t.empty:
        raise Insufficient("本期客户意见未涉及任何主题")
    base = prev.themes["share"].reindex(t.index) if prev is not None else pd.Series(np.nan, index=t.index)
    k_prev = prev.themes["n_mentions"].reindex(t.index) if prev is not None else base
    n_prev = prev.n_comments if prev is not None else 0
    _, p = two_proportion_z(t["n_mentions"], res.n_comments, k_prev, n_prev)
    harmful = (t["nps_gap"] <= -20) & t["significant"].astype(bool)
    return _rows(
        **{
            FindingColumns.finding: "comment_themes",
            FindingColumns.project: ctx.scope_name,
            FindingColumns.subject: t.index.to_numpy(),
            FindingColumns.figure: [f"客户意见提及“{s}”的占比（提及者 NPS 差 {g:+.1f}）" for s, g in zip(t.index, t["nps_gap"], strict=True)],
            FindingColumns.value: t["share"].to_numpy() / 100,
            FindingColumns.base: base.to_numpy() / 100,
            FindingColumns.delta: (t["share"] - base).to_numpy() / 100,
            FindingColumns.n: res.n_comments,
            FindingColumns.n_base: n_prev,
            FindingColumns.period: ctx.period.label,
            FindingColumns.base_period: ctx.period.previous().label,
            FindingColumns.test: Z_TEST,
            FindingColumns.p_value: p,
            FindingColumns.tag: np.where(harmful, "拖累NPS", ""),
            FindingColumns.unit: "share",
            FindingColumns.source: "comments.impact",
        }
    )
