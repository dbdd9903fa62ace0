"""Sections of the survey-plan report (notebooks/reports/survey_plan.ipynb): one function per
section, each rendering a :class:`~dealresearch.survey_plan.PlanReview`.

The report leads with the answer (:func:`summary`: coverage against the yearly share, who is
overdue in the cycle, next year's plan and its rule check, what to do); how the base, the
cycle, the sample and the methods are defined closes the page in a collapsed 方法与口径
appendix (:func:`methods`). Every sentence a reader sees is written here, from the review's
numbers.
"""

from __future__ import annotations

import pandas as pd

from ..config import MIN_N
from ..plots import survey_plan as spplots
from ..results import Unavailable, available
from ..survey_plan import PlanReview, Workload
from . import base as P

#: projects named in the overdue sentence of the summary
TOP_OVERDUE = 2


# ----------------------------------------------------------------------------- sentences
def _scope(r: PlanReview) -> str:
    return f"“{r.project}”" if r.project else "集团"


def _day(stamp: pd.Timestamp) -> str:
    return f"{stamp.year}年{stamp.month}月{stamp.day}日"


def _months_left(r: PlanReview) -> int:
    return 0 if r.full_year else 12 - r.coverage.asof.month


def coverage_sentence(r: PlanReview) -> str:
    """The year's coverage against the yearly share."""
    cov, share = r.coverage, r.rules.min_share
    if cov.n_base == 0:
        return f"{r.year} 年{_scope(r)}客户基数为空，没有可统计的调查覆盖。"
    short = cov.still_needed(share)
    when = f"{r.year} 年全年" if r.full_year else f"截至 {_day(cov.asof)}，{r.year} 年"
    head = f"{when}已调查客户 {cov.n_surveyed:,} 人，占客户基数 {cov.n_base:,} 人的 {cov.share:.1%}"
    if not short:
        return f"{head}，已达到每年至少 {share:.0%} 的要求。"
    if r.full_year:
        return f"{head}，未达到每年至少 {share:.0%} 的要求，差 {short:,} 人。"
    return f"{head}，距全年 {share:.0%} 的要求还差 {short:,} 人（剩余 {_months_left(r)} 个月）。"


def overdue_sentence(r: PlanReview) -> str:
    """Who is overdue in the cycle (and where, for the group)."""
    cov, cycle = r.coverage, r.rules.cycle_years
    if cov.n_overdue == 0:
        return f"按每 {cycle} 年至少调查一次的周期，目前没有逾期客户。"
    where = ""
    by_project = cov.by_project
    if r.project is None and len(by_project) > 1:
        top = by_project[by_project["逾期"] > 0].sort_values("逾期", ascending=False).head(TOP_OVERDUE)
        names = "、".join(f"{p}（{int(n):,} 人）" for p, n in zip(top["project"], top["逾期"], strict=True))
        where = f"，主要在{names}"
    return (
        f"按每 {cycle} 年至少调查一次的周期，有 {cov.n_overdue:,} 位客户已连续 {cycle - 1} 年未调查（逾期）{where}，"
        f"必须列入 {r.plan_year} 年计划。"
    )


def plan_sentence(r: PlanReview) -> str:
    """Next year's plan size and whether it passes the rules."""
    if not available(r.plan):
        return f"{r.plan_year} 年计划无法编制：{r.plan.reason}"
    pl, check = r.plan, r.problems
    verdict = (
        "符合全部计划规则"
        if available(check) and check.passed
        else f"有 {len(check.messages)} 项不符合计划规则（见“计划规则检查”）"
    )
    return (
        f"{r.plan_year} 年计划调查 {pl.n:,} 人，占 {pl.n_base:,} 人客户基数的 {pl.share_of_base:.1%}"
        f"（必访 {pl.n_must:,} 人、抽样补足 {pl.n_sampled:,} 人），按 {r.rules.expected_completion:.0%} 的完成率"
        f"预计完成 {pl.expected_completed:,} 人，{verdict}。"
    )


def action_sentence(r: PlanReview) -> str:
    """What to do now."""
    cov, share = r.coverage, r.rules.min_share
    short = cov.still_needed(share)
    todo = []
    if short and not r.full_year and _months_left(r):
        per_month = -(-short // _months_left(r))
        todo.append(f"年底前再完成 {short:,} 位客户的调查（约每月 {per_month:,} 人），优先安排逾期客户")
    elif short:
        todo.append(f"{r.year} 年少调查的 {short:,} 人无法补回，请在 {r.plan_year} 年按月跟踪完成率")
    if not available(r.plan):
        todo.append("先补齐数据或放宽容量后重新编制计划")
    elif available(r.problems) and not r.problems.passed:
        todo.append("按规则检查的问题修正计划后再报批")
    else:
        todo.append(f"批准 {r.plan_year} 年计划并按月下发现场名单，必访客户当月未完成的顺延至下月")
    return "建议：" + "；".join(todo) + "。"


def workload_sentence(wl: Workload) -> str:
    """How the year's workload is spread and when the 必访 customers are done."""
    even = wl.peak - wl.low <= max(1, round(0.05 * wl.peak))
    spread = (f"各月工作量均衡，每月 {wl.low:,}–{wl.peak:,} 人次" if even
              else f"各月计划 {wl.low:,}–{wl.peak:,} 人次，{wl.peak_month} 月最多")
    if not wl.n_must:
        return spread + "；没有必访客户。"
    when = "1 月" if wl.must_last_month == 1 else f"1–{wl.must_last_month} 月"
    return spread + f"；必访客户 {wl.n_must:,} 人排在最前，安排在 {when}，当月未完成的可在年内顺延。"


def lead(r: PlanReview) -> list[str]:
    """The 3–4 sentences the report opens with."""
    return [coverage_sentence(r), overdue_sentence(r), plan_sentence(r), action_sentence(r)]


# ------------------------------------------------------------------------------ sections
def summary(r: PlanReview) -> None:
    """Title, the answer in plain sentences, KPI cards and the progress warning."""
    cov, share = r.coverage, r.rules.min_share
    P.title(f"{r.plan_year}年度顾客调查计划" + (f" · {r.project}" if r.project else ""),
            f"{r.year}年调查覆盖情况（截至 {cov.asof:%Y-%m-%d}）与 {r.plan_year} 年调查计划")
    P.heading("摘要")
    P.text("\n\n".join(lead(r)))
    planned = r.plan
    P.kpis([
        (f"{r.year}年已调查占比", P.fmt_number(cov.share, "pct"), f"要求 ≥ {share:.0%}", f"n = {cov.n_base:,}"),
        ("逾期客户", P.fmt_number(cov.n_overdue), None, f"须列入 {r.plan_year} 年计划"),
        (f"{r.plan_year}年计划调查", P.fmt_number(planned.n) if planned else "—", None,
         f"占客户基数 {planned.share_of_base:.1%}" if planned else "无法编制"),
        ("计划规则检查", "通过" if r.problems and r.problems.passed
         else (f"{len(r.problems.messages)} 项问题" if r.problems else "—"), None),
    ])
    P.small_n(cov.n_base, MIN_N, what="客户基数")
    if cov.still_needed(share) and r.full_year:
        P.warning(f"{r.year}年已调查客户占比 {cov.share:.1%}，低于 {share:.0%} 的要求（差 {cov.still_needed(share):,} 人）。")


def coverage(r: PlanReview) -> None:
    """This year's coverage: overall, by project (group only), by method, warnings."""
    cov, share = r.coverage, r.rules.min_share
    P.heading(f"{r.year}年调查覆盖情况")
    P.table(cov.summary(), caption=f"{r.year}年覆盖情况（截至 {cov.asof:%Y-%m-%d}）",
            formats={"人数": "int", "占比": "pct"})
    if len(cov.by_project) > 1:
        P.figure(spplots.coverage_by_project(cov.by_project, min_share=share, title=f"{r.year}年各项目调查覆盖率"))
        P.table(cov.by_project.drop(columns="样本不足"), caption="各项目覆盖情况",
                formats={"客户数": "int", "已调查": "int", "覆盖率": "pct", "逾期": "int", "从未调查": "int"})
    elif r.project:
        P.note("本报告只含一个项目，各项目对比见集团报告。")
    if len(cov.by_method):
        P.table(cov.by_method, caption=f"{r.year}年按调查方式", formats={"调查次数": "int", "客户数": "int", "占客户基数": "pct"})
    for w in cov.warnings:
        P.warning(w)


def _unavailable(part: Unavailable) -> None:
    P.warning(f"无法编制计划：{part.reason}")


def plan_overview(r: PlanReview) -> None:
    """Next year's plan at a glance."""
    P.heading(f"{r.plan_year}年调查计划概要")
    if not available(r.overview):
        _unavailable(r.overview)
        return
    P.table(r.overview.table, caption=f"{r.plan_year}年计划（必访 = 不调查将超过 {r.rules.cycle_years} 年周期的客户；"
            "抽样 = 补足到年度比例的客户）", formats={"人数": "int", "占客户基数": "pct"})


def workload(r: PlanReview) -> None:
    """Planned interviews per month and method."""
    P.heading(f"{r.plan_year}年月度工作量（计划）")
    if not available(r.workload):
        _unavailable(r.workload)
        return
    wl = r.workload
    P.text(workload_sentence(wl))
    P.figure(spplots.monthly_workload(r.plan.frame, title=f"{r.plan_year}年各月计划调查人次（按调查方式）"))
    P.table(wl.table, caption=f"{r.plan_year}年调查计划：各月计划调查人次", index=True,
            formats={c: "int" for c in wl.table.columns})


def overdue(r: PlanReview) -> None:
    """Overdue and never-surveyed customers."""
    cov, cycle = r.coverage, r.rules.cycle_years
    P.heading("逾期与从未调查客户")
    P.kpis([("逾期客户", P.fmt_number(cov.n_overdue), None, f"已连续 {cycle - 1} 年未调查，须列入下年计划"),
            ("从未调查", P.fmt_number(cov.n_never), None, "可调查客户中"),
            ("拒绝调查（免打扰）", P.fmt_number(cov.n_opt_out), None, "计入基数，不安排调查")])
    if len(cov.by_project) > 1:
        P.table(cov.by_project[["project", "客户数", "逾期", "从未调查"]], caption="各项目逾期与从未调查人数",
                formats={"客户数": "int", "逾期": "int", "从未调查": "int"})


def rule_check(r: PlanReview) -> None:
    """The plan's rule check: the problems, or a statement that every rule holds."""
    P.heading("计划规则检查")
    if not available(r.problems):
        _unavailable(r.problems)
    elif r.problems.messages:
        for msg in r.problems.messages:
            P.warning(msg)
    else:
        rules = r.rules
        P.text(f"{r.plan_year}年计划符合全部规则：覆盖比例不低于 {rules.min_share:.0%}（含完成率余量）、全部必访客户已列入、"
               f"抽样客户距上次调查不少于 {rules.min_gap_months} 个月、调查方式符合规则、不含拒绝调查客户。")


def method_notes(r: PlanReview) -> list[str]:
    """The paragraphs of the 方法与口径 appendix."""
    rules, shares = r.rules, r.rules.method_rules.value_shares
    cycle = rules.cycle_years
    return [
        f"客户基数：当年 1 月 1 日在册、近 3 年有成交且未全部退房的客户；拒绝调查（免打扰）的客户计入基数，但不安排调查。"
        f"{r.year} 年的覆盖按截至 {r.coverage.asof:%Y-%m-%d} 的调查记录统计。",
        f"调查周期：每位可调查客户在每个连续 {cycle} 个自然年内至少调查一次；从未调查的客户自首次成交当年起算。"
        f"逾期 = 已连续 {cycle - 1} 年未调查、下一年不调查就会超过周期的客户，下一年计划必须全部列入（必访）。",
        f"抽样补足：必访之外按项目 × 价值分级分层比例随机抽取（随机种子 {r.seed}，同一种子结果可复现），"
        f"下一年到期的客户优先抽取；抽样客户距上次调查不少于 {rules.min_gap_months} 个月。",
        f"计划量：按预计完成率 {rules.expected_completion:.0%}、把握度 {rules.assurance:.0%} 留出余量，"
        f"使实际完成后仍不低于 {rules.min_share:.0%} 的年度比例。各月工作量尽量均衡，必访客户排在各月最前，当月未完成的顺延至下月。",
        f"价值分级与调查方式：按成交金额排名前 {shares[0]:.0%} 为高价值、其后 {shares[1]:.0%} 为中价值，其余为一般；"
        "重点客户与高价值客户安排走访，其余电话调查，无联系电话的发书面问卷。",
        "现场名单（可按需附客户姓名、电话、房号和置业顾问）按项目单独生成 Excel 文件，不在本报告中出现。",
    ]


def methods(r: PlanReview) -> str:
    """The closing 方法与口径 appendix, collapsed by default."""
    paras = "".join(f"<p class='dr-note'>{P.esc(t)}</p>" for t in method_notes(r))
    return P.details("方法与口径（点击展开）", [paras])
