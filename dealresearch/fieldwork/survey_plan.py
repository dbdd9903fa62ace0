"""The annual survey plan for field teams: an Excel workbook, and the CLI entry point.

Contact details (name, phone) appear only with ``include_contacts=True`` and are read
from the raw CRM exports in ``data/raw`` at the moment the workbook is written: the
processed store never holds them. The raw rows are matched to the plan by recomputing
the keyed pseudonym exactly as ingest does (same secret, same link table).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import config
from .. import survey_plan as sp
from ..errors import DealResearchError, InputFileError, MissingColumnsError, ParameterError
from ..fmt import value as fmt_number
from ..schema import C, D, S, label
from ..survey_plan.base import VALUE_CLASS
from ..survey_plan.cycle import LAST_SURVEY
from . import xlsx

PLAN_LABELS = {
    c: label(c) for c in (C.customer_key, S.method, C.project, D.customer_name, D.phone)
} | sp.LABELS
FIELD_COLUMNS = ("实际调查日期", "调查人", "是否完成", "未完成原因/备注")
NAME_COL, PHONE_COL, WHEN_COL = D.customer_name, D.phone, "_when"


# --------------------------------------------------------------------------- contacts
def raw_contacts(store=None, keys=None) -> pd.DataFrame:
    """Name and phone per ``customer_key`` from the raw exports under ``data/raw`` (deal
    exports; survey files fill in customers without a deal). The latest row wins."""
    from ..ingest.identity import ID_VALID, customer_keys
    from ..ingest.pipeline import DEAL_SPEC, SURVEY_SCALES, SURVEY_SPEC
    from ..ingest.prepare import prepare
    from ..ingest.privacy import Pseudonymiser, secret
    from ..ingest.readers import CSV_SUFFIXES, EXCEL_SUFFIXES, read_file
    from ..ingest.store import read_table

    root = config.raw_dir(store)
    files = sorted(
        p
        for p in root.rglob("*")
        if p.is_file()
        and p.suffix.lower() in EXCEL_SUFFIXES + CSV_SUFFIXES
        and not p.name.startswith(("~$", "."))
    )
    parts = []
    for path in files:
        try:
            tables = read_file(path, None, DEAL_SPEC + SURVEY_SPEC).tables
        except DealResearchError:  # not a table we can read: not a contact source
            continue
        for raw in tables:
            for spec, when in ((DEAL_SPEC, (D.sign_date, D.subscribe_date)), (SURVEY_SPEC, (S.survey_date,))):
                try:
                    p = prepare(raw, spec, None, SURVEY_SCALES)
                except MissingColumnsError:
                    continue
                f = p.frame
                name_src = p.match.sources.get(D.customer_name)
                names = (
                    raw.frame[name_src[0]].reset_index(drop=True).astype("str").str.strip()
                    if name_src
                    else pd.Series(pd.NA, index=f.index, dtype="str")
                )
                date = f[when[0]]
                for extra in when[1:]:
                    date = date.fillna(f[extra])
                parts.append(
                    pd.DataFrame(
                        {
                            D.id_number: f[D.id_number],
                            D.phone: f[D.phone],
                            D.customer_code: f[D.customer_code],
                            ID_VALID: np.asarray(
                                p.extra.get("id_number__valid", np.zeros(len(f), bool)), dtype=bool
                            ),
                            NAME_COL: names.to_numpy(),
                            WHEN_COL: date.to_numpy(),
                        }
                    )
                )
                break
    if not parts:
        raise InputFileError(f"在 {root} 中没有找到含客户联系方式的原始导出文件，无法附上联系方式。")
    frame = pd.concat(parts, ignore_index=True)
    frame[C.customer_key] = customer_keys(
        frame, Pseudonymiser(secret(store)), read_table("customer_links", store)
    )
    frame = frame[frame[C.customer_key].notna()]
    if keys is not None:
        frame = frame[frame[C.customer_key].isin(pd.Index(keys))]
    frame = frame.assign(_has_phone=frame[PHONE_COL].notna()).sort_values(
        ["_has_phone", WHEN_COL], na_position="first"
    )
    out = frame.drop_duplicates(C.customer_key, keep="last")[[C.customer_key, NAME_COL, PHONE_COL]]
    return out.reset_index(drop=True)


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
) -> Path:
    """Write the field workbook: a 汇总 sheet (headline numbers, monthly workload,
    rule check, approval lines) and one sheet per method and month. Atomic, and through
    :func:`dealresearch.fieldwork.xlsx.workbook`: no cell is ever a formula."""
    path = Path(path)
    lists = plan.copy()
    for col in (S.method, sp.REASON, VALUE_CLASS):
        if col in lists.columns:
            lists[col] = lists[col].astype("str")
    lists[C.key_account] = np.where(lists[C.key_account].astype(bool), "是", "")
    if contacts is not None:
        lists = lists.merge(contacts, on=C.customer_key, how="left")
    with xlsx.workbook(path, make_parents=make_parents) as xw:
        book = xw.book
        bold = book.add_format({"bold": True, "font_size": 14})
        sub = book.add_format({"bold": True})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        ws = book.add_worksheet("汇总")
        xw.sheets["汇总"] = ws
        xlsx.write(ws, 0, 0, f"{year}年度顾客调查工作计划", bold)
        xlsx.write(
            ws,
            1,
            0,
            f"编制日期：{pd.Timestamp.today():%Y-%m-%d}；客户基数为 {year} 年 1 月 1 日在册客户"
            f"（近 3 年有未全部退房的成交）；必访 = 不调查将超过调查周期的客户。",
        )
        row = 3
        if coverage is not None:
            xlsx.write(ws, row, 0, f"{coverage.year}年覆盖情况（截至 {coverage.asof:%Y-%m-%d}）", sub)
            xlsx.write_frame(xw, _pct(coverage.summary(), "占比"), "汇总", startrow=row + 1, index=False)
            row += len(coverage.summary()) + 3
        xlsx.write(ws, row, 0, f"{year}年计划概要", sub)
        xlsx.write_frame(xw, _pct(overview, "占客户基数"), "汇总", startrow=row + 1, index=False)
        row += len(overview) + 3
        xlsx.write(ws, row, 0, "月度工作量（人次）", sub)
        wl = sp.workload(plan)
        xlsx.write_frame(xw, wl, "汇总", startrow=row + 1)
        row += len(wl) + 3
        xlsx.write(ws, row, 0, "规则检查", sub)
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
                C.customer_key,
                C.project,
                sp.REASON,
                VALUE_CLASS,
                C.key_account,
                LAST_SURVEY,
                NAME_COL,
                PHONE_COL,
            )
            if c in lists.columns
        ]
        for (method, month), grp in lists.groupby([S.method, sp.MONTH], sort=True):
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


# -------------------------------------------------------------------------------- CLI
def plan_target(out, year: int, include_contacts: bool = False) -> tuple[Path, bool]:
    """Where the plan workbook goes and whether missing folders may be created (only for
    the default place under reports/). ``out`` is an existing folder or a ``.xlsx`` file in
    an existing folder; anything else is refused before a folder is made."""
    name = f"{year}年度顾客调查计划{'（含联系方式）' if include_contacts else ''}.xlsx"
    if out is None:
        return config.reports_dir() / "plans" / name, True
    target = Path(out)
    if target.is_dir():
        return target / name, False
    if target.suffix.lower() != ".xlsx":
        raise ParameterError(
            f"--out 应为已存在的文件夹或 .xlsx 文件：{target}"
            + ("（该文件夹不存在）" if not target.suffix else "（不会创建名为此的文件夹）")
        )
    if not target.parent.is_dir():
        raise ParameterError(f"输出文件夹不存在：{target.parent}（请先创建它，或换一个 --out 路径）")
    return target, False
