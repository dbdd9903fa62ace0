"""Sections of the survey-plan report notebook (notebooks/survey_plan.ipynb): one function per section."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

import dealresearch as dr

from .. import survey_plan as sp
from ..config import MIN_N
from ..plots import survey_plan as spplots
from . import base as P


@dataclass(frozen=True)
class Context:
    """Everything the survey-plan sections share: scope, rule parameters, loaded tables and the review."""

    project: str | None
    min_share: float
    cycle_years: int
    deals: pd.DataFrame
    surveys: pd.DataFrame | None
    customers: pd.DataFrame | None
    review: Any

    @property
    def cov(self):
        return self.review.coverage

    @property
    def plan(self) -> pd.DataFrame:
        return self.review.plan


def load(period, project=None, data_dir=None, min_share=0.4, cycle_years=3, seed=0) -> Context:
    """Load the store and review coverage and next year's plan once for the report."""
    deals = dr.load("deals", store=data_dir)
    surveys = dr.load("surveys", store=data_dir, missing_ok=True)
    customers = dr.load("customers", store=data_dir, missing_ok=True)
    r = sp.review(deals, surveys, period, customers=customers, project=project, min_share=min_share,
                  cycle_years=cycle_years, seed=seed)
    return Context(project=project, min_share=min_share, cycle_years=cycle_years, deals=deals, surveys=surveys,
                   customers=customers, review=r)


def summary(ctx: Context) -> None:
    """Title, 摘要, KPIs and the coverage warning or progress note."""
    r, cov, plan, min_share, cycle_years = ctx.review, ctx.cov, ctx.plan, ctx.min_share, ctx.cycle_years
    P.title(f"{r.plan_year}年度顾客调查计划" + (f" · {ctx.project}" if ctx.project else ""),
            f"{r.year}年调查覆盖情况（截至 {cov.asof:%Y-%m-%d}）与 {r.plan_year} 年调查计划")
    P.heading("摘要")
    P.text(r.headline())
    P.kpis([
        (f"{r.year}年已调查占比", P.fmt_number(cov.share, "pct"), f"要求 ≥ {min_share:.0%}", f"n = {cov.n_base:,}"),
        (f"近{cycle_years}年覆盖率", P.fmt_number(cov.rolling_share, "pct"), None, f"可调查客户 {cov.n_reachable:,} 人"),
        ("逾期客户", P.fmt_number(cov.n_overdue), None, f"须列入 {r.plan_year} 年计划"),
        (f"{r.plan_year}年计划调查", P.fmt_number(len(plan)), None, f"占客户基数 {len(plan) / len(r.base):.1%}"),
        ("计划规则检查", "通过" if not r.problems else f"{len(r.problems)} 项问题", None),
    ])
    P.small_n(cov.n_base, MIN_N, what="客户基数")
    if cov.still_needed(min_share) and cov.full_year:
        P.warning(f"{r.year}年已调查客户占比 {cov.share:.1%}，低于 {min_share:.0%} 的要求（差 {cov.still_needed(min_share):,} 人）。")
    elif cov.still_needed(min_share):
        P.note(f"年内进度：截至 {cov.asof:%Y-%m-%d} 已调查 {cov.share:.1%}，距全年 {min_share:.0%} 的要求还需调查 "
               f"{cov.still_needed(min_share):,} 人（{12 - cov.asof.month} 个月内完成）。")


def coverage(ctx: Context) -> None:
    """This year's coverage: overall, by project, by method, warnings."""
    r, cov, min_share = ctx.review, ctx.cov, ctx.min_share
    P.heading(f"{r.year}年调查覆盖情况")
    P.table(cov.summary(), caption=f"{r.year}年覆盖情况（客户基数 = {r.year} 年 1 月 1 日在册客户，拒绝调查客户计入基数）",
            formats={"人数": "int", "占比": "pct"})
    if len(cov.by_project):
        P.figure(spplots.coverage_by_project(cov.by_project, min_share=min_share, title=f"{r.year}年各项目调查覆盖率"))
        P.table(cov.by_project.drop(columns="样本不足"), caption="各项目覆盖情况",
                formats={"客户数": "int", "已调查": "int", "覆盖率": "pct", "逾期": "int", "从未调查": "int"})
    if len(cov.by_method):
        P.table(cov.by_method, caption=f"{r.year}年按调查方式", formats={"调查次数": "int", "客户数": "int", "占客户基数": "pct"})
    for w in cov.warnings:
        P.warning(w)


def plan_overview(ctx: Context) -> None:
    """Next year's plan at a glance."""
    r = ctx.review
    P.heading(f"{r.plan_year}年调查计划概要")
    P.table(sp.plan_overview(ctx.plan, r.base), caption=f"{r.plan_year}年计划（必访 = 不调查将超过 {ctx.cycle_years} 年周期的客户；"
            "抽样 = 按项目 × 价值分级分层比例抽取的补足客户）", formats={"人数": "int", "占客户基数": "pct"})
    P.note("计划量按预计完成率 85% 留出余量（95% 把握度），确保实际完成后仍不低于年度比例要求；"
           "必访客户排在各月最前，当月未完成的顺延至下月。")


def workload(ctx: Context) -> None:
    """Planned interviews per month and method."""
    r, plan = ctx.review, ctx.plan
    P.heading(f"{r.plan_year}年月度工作量（计划）")
    P.figure(spplots.monthly_workload(plan, title=f"{r.plan_year}年各月计划调查人次（按调查方式）"))
    wl = sp.workload(plan)
    P.table(wl, caption=f"{r.plan_year}年调查计划：各月计划调查人次", index=True, formats={c: "int" for c in wl.columns})


def overdue(ctx: Context) -> None:
    """Overdue and never-surveyed customers."""
    cov, cycle_years = ctx.cov, ctx.cycle_years
    P.heading("逾期与从未调查客户")
    P.kpis([("逾期客户", P.fmt_number(cov.n_overdue), None, f"已连续 {cycle_years - 1} 年未调查，须列入下年计划"),
            ("从未调查", P.fmt_number(cov.n_never), None, "可调查客户中"),
            ("拒绝调查（免打扰）", P.fmt_number(cov.n_opt_out), None, "计入基数，不安排调查")])
    if len(cov.by_project):
        P.table(cov.by_project[["project", "客户数", "逾期", "从未调查"]], caption="各项目逾期与从未调查人数",
                formats={"客户数": "int", "逾期": "int", "从未调查": "int"})


def rule_check(ctx: Context) -> None:
    """The plan's rule check: the problems, or a statement that every rule holds."""
    r = ctx.review
    P.heading("计划规则检查")
    if r.problems:
        for msg in r.problems:
            P.warning(msg)
    else:
        P.text(f"{r.plan_year}年计划符合全部规则：覆盖比例不低于 {ctx.min_share:.0%}（含完成率余量）、全部必访客户已列入、"
               "抽样客户距上次调查不少于 6 个月、调查方式符合规则、不含拒绝调查客户。")


def definitions(ctx: Context) -> None:
    """口径说明."""
    P.heading("口径说明", level=3)
    P.note(f"客户基数：当年 1 月 1 日在册、近 3 年有成交且未全部退房的客户。调查周期：每位可调查客户在其成交后的每个连续 "
           f"{ctx.cycle_years} 个自然年内至少调查一次；从未调查的客户自首次成交当年起算。价值分级：按成交金额排名前 10% 为高价值、"
           "其后 40% 为中价值；重点客户与高价值客户安排走访，其余电话调查，无联系电话的发书面问卷。"
           "现场名单（含联系方式）由命令 dealresearch survey-plan 生成，不在本报告中出现。")
