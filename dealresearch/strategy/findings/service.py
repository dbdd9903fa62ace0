"""Customer-service findings: IPA drivers, satisfaction by rep, survey coverage, referral
potential."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...errors import DataError
from ...schema import DRIVER_ITEMS, D, S
from .core import Z_TEST, Context, F, Insufficient, _rows


# ---------------------------------------------------------------- customer service
def _surveys_in_scope(ctx: Context) -> pd.DataFrame:
    sv = ctx.surveys
    if sv is None or not len(sv):
        raise Insufficient("没有满意度调查数据")
    start, end = ctx.survey_window
    sv = sv[(sv[S.survey_date] >= start) & (sv[S.survey_date] <= end)]
    if ctx.project is not None and S.project in sv:
        sv = sv[sv[S.project] == ctx.project]
    return sv


def ipa_drivers(ctx: Context) -> pd.DataFrame:
    from ...satisfaction import metrics as sat

    sv = _surveys_in_scope(ctx)
    drivers = [c for c in DRIVER_ITEMS if c in sv and sv[c].notna().any()]
    n = int(sv[[S.overall, *drivers]].dropna().shape[0]) if S.overall in sv and drivers else 0
    if n < ctx.min_n or len(drivers) < 2:
        raise Insufficient(
            f"近12个月满意度调查有效样本 n = {n}（题项 {len(drivers)} 个），少于 {ctx.min_n}，无法做驱动因素分析"
        )
    try:
        res = sat.ipa(sv, target=S.overall, drivers=drivers)
    except DataError as e:
        raise Insufficient(f"驱动因素分析无法进行：{e}") from e
    start, end = ctx.survey_window
    return _rows(
        **{
            F.finding: "ipa",
            F.project: ctx.scope_name,
            F.subject: res["label"].to_numpy(),
            F.figure: [f"“{lab}”重要性(%)与表现(0–100分)" for lab in res["label"]],
            F.value: res["importance"].to_numpy(),
            F.base: res["performance"].to_numpy(),
            F.n: int(res.attrs.get("n", n)),
            F.period: f"{start:%Y-%m-%d}至{end:%Y-%m-%d}",
            F.test: "相对权重分析（Johnson 2000）+ IPA 四象限",
            F.tag: res["quadrant"].to_numpy(),
            F.unit: "pct",
            F.source: "satisfaction.ipa",
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
            F.finding: "rep_satisfaction",
            F.project: ctx.scope_name,
            F.subject: ok[D.sales_rep].to_numpy(),
            F.figure: [f"置业顾问“{r}”客户 NPS" for r in ok[D.sales_rep]],
            F.value: ok[Ranking.nps].to_numpy(),
            F.base: total,
            F.delta: ok[Ranking.nps].to_numpy() - total,
            F.n: ok[Ranking.n].to_numpy(),
            F.period: f"{start:%Y-%m-%d}至{end:%Y-%m-%d}",
            F.test: "描述统计（对照全体 NPS）",
            F.unit: "nps",
            F.source: "performance.satisfaction_by_rep",
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
            F.finding: ["survey_coverage", "survey_overdue"],
            F.project: ctx.scope_name,
            F.subject: [f"{year}年调查覆盖率", f"须列入{year + 1}年计划的逾期客户"],
            F.figure: [f"{year}年已调查客户占客户基数", "逾期未调查客户数（占可调查客户）"],
            F.value: [cov.share, float(cov.n_overdue)],
            F.base: [0.4 * elapsed, cov.n_overdue / cov.n_reachable if cov.n_reachable else np.nan],
            F.delta: [cov.share - 0.4 * elapsed, np.nan],
            F.n: [cov.n_base, cov.n_reachable],
            F.period: f"截至{asof:%Y-%m-%d}",
            F.test: ["对照“每年≥40%”按时间进度折算", "对照“3年内至少调查1次”"],
            F.unit: ["share", "count"],
            F.source: "survey_plan.coverage",
        }
    )


def referral_potential(ctx: Context) -> pd.DataFrame:
    from ... import segments

    d = ctx.project_deals
    d = d[d[D.sign_date].notna() & (d[D.sign_date] <= ctx.period.end)]
    if d[D.customer_key].nunique() < ctx.min_n:
        raise Insufficient(f"客户数少于 {ctx.min_n}，无法做价值 × 潜力分类")
    sv = (
        None
        if ctx.surveys is None or not len(ctx.surveys)
        else ctx.surveys[ctx.surveys[S.survey_date] <= ctx.period.end]
    )
    vp = segments.value_potential(d, sv)
    c = vp.customers
    idle = c[(c["potential_class"] == "高潜力") & (c["referrals"] == 0)]
    cur = d[ctx.period.contains(d[D.sign_date])]
    ref_share = float((cur[D.awareness_channel] == "老带新").mean()) if len(cur) else np.nan
    return _rows(
        **{
            F.finding: ["referral_potential"],
            F.project: ctx.scope_name,
            F.subject: ["高潜力未推荐客户"],
            F.figure: ["高潜力且尚未推荐过新客户的客户占比（对照本期老带新成交占比）"],
            F.value: [len(idle) / len(c)],
            F.base: [ref_share],
            F.n: [len(c)],
            F.n_base: [len(cur)],
            F.period: f"截至{ctx.period.end:%Y-%m-%d}",
            F.test: "价值×潜力分类（规则见客户细分报告）",
            F.tag: [f"{len(idle)} 人"],
            F.unit: "share",
            F.source: "segments.value_potential",
        }
    )


def comment_themes(ctx: Context) -> pd.DataFrame:
    """Per comment theme: its share of the period's comments (value) against the previous
    period's (base), the change (delta, two-proportion z test) and, in ``tag``, 拖累NPS
    when its mentioners' NPS is at least 20 below the others' (significant) this period."""
    from ...satisfaction import comments
    from ...stats import two_proportion_z

    sv = ctx.surveys
    if sv is None or not len(sv) or S.comment not in sv:
        raise Insufficient("没有带客户意见的满意度调查数据")
    if ctx.project is not None and S.project in sv:
        sv = sv[sv[S.project] == ctx.project]
    date = pd.to_datetime(sv[S.survey_date])
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
            F.finding: "comment_themes",
            F.project: ctx.scope_name,
            F.subject: t.index.to_numpy(),
            F.figure: [f"客户意见提及“{s}”的占比（提及者 NPS 差 {g:+.1f}）" for s, g in zip(t.index, t["nps_gap"], strict=True)],
            F.value: t["share"].to_numpy() / 100,
            F.base: base.to_numpy() / 100,
            F.delta: (t["share"] - base).to_numpy() / 100,
            F.n: res.n_comments,
            F.n_base: n_prev,
            F.period: ctx.period.label,
            F.base_period: ctx.period.previous().label,
            F.test: Z_TEST,
            F.p_value: p,
            F.tag: np.where(harmful, "拖累NPS", ""),
            F.unit: "share",
            F.source: "comments.impact",
        }
    )
