"""Sections of the strategy report notebook (notebooks/strategy.ipynb): one function per section."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

import dealresearch as dr

from .. import sales
from ..periods import parse_period
from ..strategy import review as strategy
from . import base as P

GAP_PREFIX = "数据不足："


@dataclass(frozen=True)
class Context:
    """Everything the strategy sections share: scope, loaded tables, rules and recommendations."""

    p: Any
    project: str | None
    topic: str
    deals: pd.DataFrame
    context: dict
    asof: Any
    rules: dict
    by_project: dict
    group_recs: list
    topic_deals: pd.DataFrame
    topic_recs: list


def load(period, project=None, data_dir=None, topic="改善型客户", asof=None) -> Context:
    """Load the store and compute all recommendations once for the report."""
    p = parse_period(period)
    deals = dr.load("deals", store=data_dir)
    context = dict(history=dr.load("status_history", store=data_dir, missing_ok=True),
                   targets=dr.load("targets", store=data_dir, missing_ok=True),
                   surveys=dr.load("surveys", store=data_dir, missing_ok=True),
                   customers=dr.load("customers", store=data_dir, missing_ok=True))
    asof_ = sales.default_asof(sales.events(deals, context["history"]), p) if asof is None else asof
    rules = strategy.load_rules()
    by_project = strategy.project_recommendations(deals, p, projects=None if project is None else [project],
                                                  rules=rules, asof=asof_, **context)
    group_recs = strategy.recommend(deals, p, rules=rules, asof=asof_, **context) if project is None else []
    topic_deals = deals if project is None else deals[deals["project"] == project]  # the topic within the project
    topic_recs = strategy.topic_recommendations(topic_deals, p, topic, rules=rules, surveys=context["surveys"])
    return Context(p=p, project=project, topic=topic, deals=deals, context=context, asof=asof_, rules=rules,
                   by_project=by_project, group_recs=group_recs, topic_deals=topic_deals, topic_recs=topic_recs)


def header(ctx: Context) -> None:
    """Report title."""
    P.title("营销策略建议与客户专题", f"{ctx.p.label_zh} · {ctx.project or '集团'} · 专题：{ctx.topic}")


def _recommendations(recs: list) -> None:
    """Supported recommendations, then one note listing the rules the data cannot decide."""
    P.recommendations([r for r in recs if r.supported])
    gaps = [r for r in recs if not r.supported]
    if gaps:
        P.note("数据不足，无法判断：" + "；".join(r.text.removeprefix(GAP_PREFIX).rstrip("。") for r in gaps))


def summary(ctx: Context) -> None:
    """摘要 over group, project and topic recommendations."""
    P.heading("摘要")
    P.text(strategy.summary(ctx.group_recs + [r for recs in ctx.by_project.values() for r in recs] + ctx.topic_recs))
    P.note("每条建议都注明所依据的指标、数值、样本量、期间和检验；数据不足以判断的规则单独列出，不做推测。")


def projects(ctx: Context) -> None:
    """项目阶段营销工作建议, one sub-heading per project."""
    P.heading("项目阶段营销工作建议")
    for name, recs in ctx.by_project.items():
        P.heading(name, 3)
        _recommendations(recs)


def group(ctx: Context) -> None:
    """集团层面建议 (only when the report covers the whole group)."""
    if ctx.project is None:
        P.heading("集团层面建议")
        _recommendations(ctx.group_recs)


def topic_trend(ctx: Context) -> None:
    """The customer topic: description and quarterly trend."""
    topic = ctx.topic
    P.heading(f"集团客户专题研究报告：{topic}" + ("" if ctx.project is None else f"（{ctx.project}）"))
    P.text(strategy.topics(ctx.rules)[topic].get("description", topic))
    trend = strategy.topic_trend(ctx.topic_deals, topic, rules=ctx.rules, until=ctx.p)
    P.table(trend, caption=f"{topic}成交及占比（按季度）", formats={"专题占比": "pct"})


def topic_profile(ctx: Context) -> None:
    """How the topic's customers differ from the others: tests and one table per field."""
    topic = ctx.topic
    P.heading(f"{topic}与其他客户的差异（{ctx.p.label_zh}）", 3)
    prof = strategy.topic_profile(ctx.topic_deals, ctx.p, topic, rules=ctx.rules)
    for w in prof.warnings:
        P.warning(w)
    P.table(strategy.topic_tests(prof), caption=f"卡方检验（{topic} vs 其他客户，α = 0.05）")
    for field in prof.table["field"].unique():
        P.table(prof.wide(field), caption=prof.table.loc[prof.table["field"] == field, "field_label"].iloc[0],
                formats={c: "pct" for c in prof.wide(field).columns[1:]})


def topic_recommendations(ctx: Context) -> None:
    """The topic's recommendations."""
    P.heading(f"{ctx.topic}专题建议", 3)
    _recommendations(ctx.topic_recs)


def rules_appendix(ctx: Context) -> None:
    """附：已实施的建议规则."""
    P.heading("附：已实施的建议规则")
    P.table(strategy.rules_table(ctx.rules), caption="规则可在 dealresearch/strategy/strategy.toml 中修改（阈值、条件、文字、优先级）")
