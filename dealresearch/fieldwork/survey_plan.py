"""The annual survey plan for field teams: one Excel workbook per project.

Contact details (name, callable phone, room, 置业顾问) appear only when the caller passes
them (``contacts``: :func:`dealresearch.ingest.contacts.read_contacts` rows, read by the CLI
from the encrypted contacts store when asked for); the analysis tables never hold them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import survey_plan as sp
from ..errors import DataError
from ..fmt import value as fmt_number
from ..report.atomic import file_stem
from ..results import available
from ..schema import Customer, Survey, label
from . import xlsx

PLAN_LABELS = {c: label(c) for c in (Customer.customer_key, Survey.method, Customer.project)} | sp.LABELS
FIELD_COLUMNS = ("实际调查日期", "调查人", "是否完成", "未完成原因/备注")
#: the contact columns of the contacts store (dealresearch.ingest.contacts.COLUMNS after the key)
CONTACT_COLUMNS = ("姓名", "手机", "房号", "置业顾问")
PLAN_NAME = "年度顾客调查计划"


def plan_file_name(year: int, project: str | None, include_contacts: bool = False) -> str:
    """``<year>年度顾客调查计划_<project>[（含联系方式）].xlsx``; the project part is a
    bounded, safe file stem (:func:`dealresearch.report.atomic.file_stem`: odd or very long
    names are cut and get a short hash, so every name fits any file system)."""
    scope = file_stem(str(project or "集团"))
    return f"{int(year)}{PLAN_NAME}_{scope}{'（含联系方式）' if include_contacts else ''}.xlsx"


# --------------------------------------------------------------------------- workbook
def _pct(df: pd.DataFrame, col: str) -> pd.DataFrame:
    return df.assign(**{col: df[col].map(lambda v: fmt_number(v, "pct"))}) if col in df.columns else df


def _sheet_name(method: str, month: int) -> str:
    return f"{method}-{month:02d}月"


def write_plan_workbook(
    plan: pd.DataFrame,
    path,
    *,
    year: int,
    overview: pd.DataFrame,
    problems: list[str],
    coverage: sp.CoverageResult | None = None,
    contacts: pd.DataFrame | None = None,
    make_parents: bool = True,
    project: str | None = None,
    checked_scope: str | None = None,
) -> Path:
    """Write the field workbook: a 汇总 sheet (headline numbers, monthly workload,
    rule check, approval lines) and one sheet per method and month. Atomic, and through
    :func:`dealresearch.fieldwork.xlsx.workbook`: no cell is ever a formula.

    ``project``: the workbook is that project's part of a plan (its title says so; of
    ``coverage`` only that project's row is shown). ``checked_scope``: the plan the rule
    check was run on when it is wider than the workbook (e.g. 集团). ``contacts``: rows of
    the contacts store (customer_key, 姓名, 手机, 房号, 置业顾问) joined to the lists."""
    path = Path(path)
    lists = plan.copy()
    for col in (Survey.method, sp.REASON, sp.VALUE_CLASS):
        if col in lists.columns:
            lists[col] = lists[col].astype("str")
    lists[Customer.key_account] = np.where(lists[Customer.key_account].astype(bool), "是", "")
    if contacts is not None:
        keep = [c for c in (Customer.customer_key, *CONTACT_COLUMNS) if c in contacts.columns]
        lists = lists.merge(contacts[keep].drop_duplicates(Customer.customer_key), on=Customer.customer_key, how="left")
    with xlsx.workbook(path, make_parents=make_parents) as xw:
        book = xw.book
        bold = book.add_format({"bold": True, "font_size": 14})
        sub = book.add_format({"bold": True})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        ws = book.add_worksheet("汇总")
        xw.sheets["汇总"] = ws
        xlsx.write(ws, 0, 0, f"{year}年度顾客调查工作计划" + (f" · {project}" if project else ""), bold)
        xlsx.write(
            ws,
            1,
            0,
            f"编制日期：{pd.Timestamp.today():%Y-%m-%d}；客户基数为 {year} 年 1 月 1 日在册客户"
            f"（近 3 年有未全部退房的成交）；必访 = 不调查将超过调查周期的客户。",
        )
        row = 3
        if coverage is not None:
            table, pct_col = _coverage_table(coverage, project)
            xlsx.write(ws, row, 0, f"{coverage.year}年覆盖情况（截至 {coverage.asof:%Y-%m-%d}）", sub)
            xlsx.write_frame(xw, _pct(table, pct_col), "汇总", startrow=row + 1, index=False)
            row += len(table) + 3
        xlsx.write(ws, row, 0, f"{year}年计划概要", sub)
        xlsx.write_frame(xw, _pct(overview, "占客户基数"), "汇总", startrow=row + 1, index=False)
        row += len(overview) + 3
        xlsx.write(ws, row, 0, "月度工作量（人次）", sub)
        wl = sp.workload(plan)
        xlsx.write_frame(xw, wl, "汇总", startrow=row + 1)
        row += len(wl) + 3
        xlsx.write(ws, row, 0, "规则检查" + (f"（{checked_scope}计划）" if checked_scope else ""), sub)
        checks = problems or ["计划符合全部规则（覆盖比例、调查周期、间隔、容量、调查方式）。"]
        for i, text in enumerate(checks):
            xlsx.write(ws, row + 1 + i, 0, ("✗ " if problems else "✓ ") + text, wrap)
        row += len(checks) + 3
        for i, who in enumerate(("编制（客服部）：", "确认（业务部门）：", "批准（管理层）：")):
            xlsx.write(ws, row + i, 0, f"{who}__________    日期：__________")
        ws.set_column(0, 0, 34)
        ws.set_column(1, 8, 12)
        cols = [
            c
            for c in (
                Customer.customer_key,
                Customer.project,
                sp.REASON,
                sp.VALUE_CLASS,
                Customer.key_account,
                sp.LAST_SURVEY,
                *CONTACT_COLUMNS,
            )
            if c in lists.columns
        ]
        for (method, month), grp in lists.groupby([Survey.method, sp.MONTH], sort=True):
            sheet = xlsx.safe_sheet_name(_sheet_name(method, int(month)))
            out = grp[cols].rename(columns=PLAN_LABELS)
            out.insert(0, "序号", np.arange(1, len(out) + 1))
            for fc in FIELD_COLUMNS:
                out[fc] = ""
            xlsx.write_frame(xw, out, sheet, index=False, startrow=1)
            sh = xw.sheets[sheet]
            xlsx.write(
                sh,
                0,
                0,
                f"{year}年{int(month)}月 {method}名单（{len(out)} 人；必访客户未完成的顺延至下月，不得放弃）",
                sub,
            )
            sh.freeze_panes(2, 2)
            sh.autofilter(1, 0, len(out) + 1, len(out.columns) - 1)
            sh.set_column(0, 0, 6)
            sh.set_column(1, 1, 36)
            sh.set_column(2, len(out.columns) - 1, 14)
    return path


def _coverage_table(coverage: sp.CoverageResult, project: str | None) -> tuple[pd.DataFrame, str]:
    """The coverage block of the 汇总 sheet: the scope's KPI table, or one project's row."""
    if project is None:
        return coverage.summary(), "占比"
    rows = coverage.by_project[coverage.by_project[Customer.project] == project].drop(columns="样本不足")
    return rows.rename(columns={Customer.project: label(Customer.project)}), "覆盖率"


def write_project_plans(
    review: sp.PlanReview,
    place,
    *,
    single_file: bool = False,
    contacts: pd.DataFrame | None = None,
    make_parents: bool = True,
) -> dict[str, Path]:
    """The field workbooks of a review's plan, one per project (project and plan year in
    each file name) in the folder ``place``; or the review's whole plan in the one file
    ``place`` (``single_file``). ``{project: path}``."""
    if not available(review.plan):
        raise DataError(review.plan.reason)
    frame, year = review.plan.frame, review.plan_year
    problems = list(review.problems.messages)
    if single_file:
        scope = review.project or (review.base.projects[0] if len(review.base.projects) == 1 else None)
        path = write_plan_workbook(
            frame, place, year=year, overview=review.overview.table, problems=problems,
            coverage=review.coverage, contacts=contacts, make_parents=make_parents, project=scope,
        )
        return {scope or "集团": path}
    written = {}
    for project, part in frame.groupby(Customer.project, sort=True, observed=True):
        project = str(project)
        base = review.base.frame[review.base.frame[Customer.project] == project]
        part = part.reset_index(drop=True)
        written[project] = write_plan_workbook(
            part,
            Path(place) / plan_file_name(year, project, contacts is not None),
            year=year,
            overview=sp.plan_overview(part, base, review.rules.expected_completion),
            problems=problems,
            coverage=review.coverage,
            contacts=contacts,
            make_parents=make_parents,
            project=project,
            checked_scope="集团" if review.project is None else None,
        )
    return written
