"""Field lists as Excel files: the follow-up sheet sent to owners and read back.

An I/O module (like ingest): it reads and writes files; the analysis stays in
:mod:`dealresearch.satisfaction.followup_list`. Sheets carry Chinese headers; contact details are only
the masked phone already in the follow-up list.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ..errors import InputFileError, MissingColumnsError, ParameterError
from ..satisfaction.followup_list import LABELS as FOLLOWUP_LABELS
from ..satisfaction.followup_list import STATUSES, F
from ..schema import label
from . import xlsx

SHEET = "跟进清单"


def _header(col: str) -> str:
    return FOLLOWUP_LABELS.get(col) or label(col)


def write_followup_sheet(
    followups: pd.DataFrame, path: str | os.PathLike, *, make_parents: bool = True
) -> Path:
    """Write the follow-up list to ``path`` (.xlsx) with Chinese headers, a status
    drop-down (待处理/处理中/已关闭) and date columns formatted as dates. Written through
    :func:`dealresearch.fieldwork.xlsx.workbook`: no cell is ever a formula."""
    path = Path(path)
    df = followups.drop(columns=[F.overdue, F.closed_within_sla], errors="ignore")
    df = df.rename(columns={c: _header(c) for c in df.columns})
    with xlsx.workbook(path, make_parents=make_parents) as xw:
        xlsx.write_frame(xw, df, SHEET, index=False)
        ws = xw.sheets[SHEET]
        ws.freeze_panes(1, 1)
        for i, c in enumerate(df.columns):
            ws.set_column(i, i, 28 if c in (_header(F.reason), _header(F.comment)) else 14)
        if _header(F.status) in df.columns:
            j = list(df.columns).index(_header(F.status))
            ws.data_validation(1, j, max(len(df), 1), j, {"validate": "list", "source": list(STATUSES)})
    return path


def read_followup_updates(path: str | os.PathLike) -> pd.DataFrame:
    """Read a returned follow-up sheet: canonical columns followup_id, followup_status,
    closed_date, result, owner (those present). Headers may be Chinese or canonical.
    Cell values only (:func:`dealresearch.fieldwork.xlsx.read_values`): a formula typed into the
    returned sheet is never stored, text that would start one is neutralised."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"找不到回收的跟进表：{path}")
    raw = xlsx.read_values(path, sheet=0)
    wanted = [F.followup_id, F.status, F.closed_date, F.result, F.owner]
    names = {c: c for c in wanted} | {_header(c): c for c in wanted}
    raw.columns = [str(c).strip() for c in raw.columns]
    df = raw.rename(columns=names)[[names[c] for c in raw.columns if c in names]]
    missing = [_header(c) for c in (F.followup_id, F.status) if c not in df.columns]
    if missing:
        raise MissingColumnsError(f"回收的跟进表 {path.name} 缺少列：{'、'.join(missing)}。")
    df = df.dropna(how="all")
    # the id as written: the list shows an id starting like a formula with a leading "'"
    df[F.followup_id] = (
        df[F.followup_id].astype(str).str.strip().str.replace(r"^'([=+\-@])", r"\1", regex=True)
    )
    if F.closed_date in df.columns:
        df[F.closed_date] = pd.to_datetime(df[F.closed_date], errors="coerce")
    return df  # index = data row position (Excel row = index + 2)


UPDATES_TABLE = "followup_updates"


def save_followup_updates(updates: pd.DataFrame, store=None) -> None:
    """Record a returned sheet in the store (merged with those recorded before: the latest
    status wins), so every later follow-up list and report starts from it."""
    from ..ingest.store import update_table
    from ..satisfaction.followup_list import merge_updates

    update_table(UPDATES_TABLE, lambda stored: merge_updates(stored, updates), store)


def export_followups(
    surveys: pd.DataFrame,
    path: str | os.PathLike,
    *,
    period=None,
    project: str | None = None,
    sla_days: int = 7,
    updates_path: str | os.PathLike | None = None,
    store=None,
    make_parents: bool = True,
) -> pd.DataFrame:
    """The CLI's ``followups`` step: build the follow-up list for the surveys of
    ``period`` (and ``project``), apply the updates recorded in the store, then a newly
    returned sheet if given (checked row by row, then recorded), write the sheet to
    ``path`` and return the list (its KPIs: ``followups.followup_kpis``)."""
    from ..ingest.store import read_table
    from ..periods import parse_period
    from ..satisfaction.followup_list import apply_updates, followups
    from ..schema import S

    sv = surveys
    asof = None
    if period is not None:
        per = parse_period(period)
        sv = sv[per.contains(sv[S.survey_date])]
        asof = per.end
    if project is not None:
        known = sorted(str(p) for p in surveys[S.project].dropna().unique())
        if project not in known:
            raise ParameterError(
                f"调查数据中没有项目“{project}”；可选项目：{'、'.join(known[:30]) or '（无）'}"
                f"{' 等' if len(known) > 30 else ''}。"
            )
        sv = sv[sv[S.project] == project]
    fu = followups(sv, sla_days=sla_days, asof=asof)
    stored = read_table(UPDATES_TABLE, store)
    if stored is not None:
        fu = apply_updates(fu, stored, asof=asof, known_only=True)
    if updates_path is not None:
        returned = read_followup_updates(updates_path)
        fu = apply_updates(fu, returned, asof=asof)  # refused with row numbers when wrong
        save_followup_updates(returned, store)
    write_followup_sheet(fu, path, make_parents=make_parents)
    return fu


def recorded_updates(data_dir=None, returned=None) -> pd.DataFrame | None:
    """The follow-up updates the satisfaction report applies: those recorded in the store
    (``dealresearch followups --updates``) merged with one more returned sheet, if given."""
    from ..ingest.store import load
    from ..satisfaction.followup_list import merge_updates

    recorded = load(UPDATES_TABLE, store=data_dir, missing_ok=True)
    return merge_updates(recorded, read_followup_updates(returned) if returned else None)
