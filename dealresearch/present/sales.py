"""Sections of the sales report notebook (notebooks/sales.ipynb): one function per section."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

import dealresearch as dr

from .. import sales
from ..config import MIN_N
from ..periods import parse_period
from ..plots import sales as splots
from ..sales import growth_rates as gr
from ..sales import performance as perf
from . import base as P

RANKING_DETAIL = ["signed_amount", "cancelled_amount", "changed_amount", "units_attainment"]
RANKING_FORMATS = {"净签约金额(元)": "money", "签约金额(元)": "money", "退房金额(元)": "money", "换房金额(元)": "money",
                   "退房率": "pct", "占合计比重": "pct", "金额达成率(%)": "float", "套数达成率(%)": "float"}


@dataclass(frozen=True)
class Context:
    """Everything the sales sections share: the period, the scope and the loaded tables."""

    p: Any
    project: str | None
    deals: pd.DataFrame
    history: pd.DataFrame | None
    targets: pd.DataFrame | None
    surveys: pd.DataFrame | None
    events: pd.DataFrame
    ev: pd.DataFrame
    scoped: pd.DataFrame
    asof: Any
    level: str
    unit: str


def context(period: str, project: str | None = None, data_dir=None, asof=None) -> Context:
    """Load the store tables and derive the sales events for one report run."""
    p = parse_period(period)
    deals = dr.load("deals", store=data_dir)
    history = dr.load("status_history", store=data_dir, missing_ok=True)
    targets = dr.load("targets", store=data_dir, missing_ok=True)
    surveys = dr.load("surveys", store=data_dir, missing_ok=True)
    events = sales.events(deals, history)
    ev = perf.scope_events(events, project)
    asof_ = sales.default_asof(events, p) if asof is None else asof
    level, unit = ("集团", "集团") if project is None else ("项目", project)
    return Context(p=p, project=project, deals=deals, history=history, targets=targets, surveys=surveys,
                   events=events, ev=ev, scoped=perf.deals_of(deals, project), asof=asof_, level=level, unit=unit)


def title(ctx: Context) -> None:
    P.title("销售业绩报告", f"{ctx.p.label_zh} · {ctx.project or '集团'} · 统计截止 {ctx.asof:%Y-%m-%d}")


def summary(ctx: Context) -> None:
    P.heading("摘要")
    text, cards = perf.summary(ctx.events, ctx.targets, ctx.p, project=ctx.project)
    P.text(text)
    P.kpis(cards)
    if ctx.targets is None:
        P.warning("数据目录中没有销售目标（targets），达成率与进度无法计算。可运行 dealresearch targets-template 生成模板，填写后导入。")


def attainment(ctx: Context) -> None:
    p = ctx.p
    P.heading("目标达成")
    att = perf.for_project(sales.attainment(ctx.events, ctx.targets, p) if ctx.targets is not None else None,
                           ctx.events, ctx.project)
    if att is None or att.empty:
        P.note("本期没有可用的销售目标。")
    else:
        P.table(sales.labelled(att.drop(columns=["period"])), caption=f"{p.label_zh}目标达成（净签约 = 签约 − 退房 + 换房）",
                formats={"签约套数目标": "int", "实际套数": "int", "签约金额目标(元)": "money", "实际金额(元)": "money",
                         "回款目标(元)": "money", "套数达成率(%)": "float", "金额达成率(%)": "float"})


def heatmap(ctx: Context) -> None:
    p, project = ctx.p, ctx.project
    P.heading("达成率热力图（项目 × 月）")
    if ctx.targets is not None:
        mat = sales.attainment_matrix(ctx.events, ctx.targets, p.year, level="项目", until=p)
        if project is not None:
            mat = mat.loc[[project]] if project in mat.index else mat.iloc[0:0]
        if mat.notna().any().any():
            P.figure(splots.attainment_heatmap(mat, title=f"{p.year}年各项目月度金额目标达成率（%）"))
        else:
            P.note("没有项目月度目标，无法绘制热力图。")


def monthly(ctx: Context) -> None:
    p = ctx.p
    P.heading("月度走势")
    year_ev = sales.year_to_date(ctx.ev, p)
    actual = sales.actuals(year_ev, "month")
    tline = (sales.monthly_targets(ctx.targets, p.year, level=ctx.level, unit=ctx.unit, until=p)
             if ctx.targets is not None else None)
    P.figure(splots.monthly_trend(actual, targets=tline, title=f"{p.year}年1月至{p.end:%-m}月净签约金额与目标"))
    P.table(sales.labelled(actual), caption="月度签约、退房、换房与净签约",
            formats={"签约金额(元)": "money", "退房金额(元)": "money", "换房金额(元)": "money", "净签约金额(元)": "money"})


def growth(ctx: Context) -> None:
    p, events = ctx.p, ctx.events
    P.heading("增长（环比 / 同比）")
    for metric, fmt in (("net_amount", "money"), ("net_units", "int")):
        g = perf.for_project(gr.growth_wide(events, p, level=ctx.level, metric=metric), events, ctx.project)
        P.table(sales.labelled(g), caption=f"{sales.LABELS[metric]}：{p.label_zh}与环比、同比基期",
                formats={"本期": fmt, "环比基期值": fmt, "同比基期值": fmt, "环比增长率": "pct", "同比增长率": "pct"})
    if ctx.project is None:
        g = gr.growth_wide(events, p, level="项目")
        P.table(sales.labelled(g), caption="各项目净签约金额增长",
                formats={"本期": "money", "环比基期值": "money", "同比基期值": "money", "环比增长率": "pct", "同比增长率": "pct"})
    P.note("增长率口径：基期为零、基期为负或数据中没有基期（项目尚未开盘）时不计算增长率，以“说明”列标注原因。")


def rankings(ctx: Context) -> None:
    p = ctx.p
    P.heading("排名")
    reps = perf.rankings(ctx.ev, p, by="sales_rep", targets=ctx.targets).drop(columns=RANKING_DETAIL, errors="ignore")
    teams = perf.rankings(ctx.ev, p, by="sales_team", targets=ctx.targets).drop(columns=RANKING_DETAIL, errors="ignore")
    if len(reps):
        P.figure(splots.ranking_bars(reps, by="sales_rep", title=f"{p.label_zh}置业顾问净签约金额排名"))
        P.table(sales.labelled(reps), caption="置业顾问排名", formats=RANKING_FORMATS)
    if len(teams):
        P.table(sales.labelled(teams), caption="销售团队排名", formats=RANKING_FORMATS)
    if not len(reps) and not len(teams):
        P.note("本期没有可排名的置业顾问或团队记录。")


def pacing(ctx: Context) -> None:
    asof_ = ctx.asof
    P.heading("进度（完成进度 vs 时间进度）")
    pc = perf.for_project(sales.pacing(ctx.events, ctx.targets, asof_, level=ctx.level) if ctx.targets is not None else None,
                          ctx.events, ctx.project)
    if pc is None or pc.dropna(subset=["reached_share"]).empty:
        P.note(f"截至 {asof_:%Y-%m-%d} 的当月、当季没有可用目标。")
    else:
        P.figure(splots.pacing_bars(pc))
        P.table(sales.labelled(pc.drop(columns=["period_kind"])),
                formats={"签约套数目标": "int", "时间进度": "pct", "目标完成进度": "pct", "进度差": "pp",
                         "签约金额目标(元)": "money", "实际金额(元)": "money", "按进度预计全期金额(元)": "money"})
        P.note("时间进度 = 已过天数 ÷ 期间天数；完成进度 = 截至统计日的净签约 ÷ 目标；差距超过 ±5 个百分点判为超前或落后。")


def cycle_time(ctx: Context) -> None:
    P.heading("成交周期（首次到访 → 签约）")
    ct = perf.cycle_time(ctx.scoped, ctx.p, by="project")
    P.table(sales.labelled(ct), caption="首访至签约天数",
            formats={"平均天数": "days", "中位天数": "days", "25%分位天数": "days", "75%分位天数": "days"})
    if ct["small_n"].any():
        P.warning(f"部分项目样本量少于 {MIN_N}，周期仅供参考。")


def rep_satisfaction(ctx: Context) -> None:
    P.heading("置业顾问客户满意度")
    surveys = ctx.surveys
    if surveys is None or surveys.empty:
        P.note("没有满意度调查数据。")
    else:
        sr = perf.satisfaction_by_rep(ctx.scoped, surveys, until=ctx.p.end, months=12)
        P.table(sales.labelled(sr), caption="近12个月调查，按成交置业顾问归属",
                formats={"总体满意度均值": "mean", "NPS（近12个月）": "index", "推荐者占比": "pct", "贬损者占比": "pct"})
        P.note("每份调查归属于该客户在调查日前最近一次签约的置业顾问；NPS = 推荐者（9–10 分）占比 − 贬损者（0–6 分）占比；样本量少于 30 的标为小样本。")
