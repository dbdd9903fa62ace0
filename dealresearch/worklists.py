"""Field lists as Excel files: the follow-up sheet sent to owners and read back.

An I/O module (like ingest): it reads and writes files; the analysis stays in
:mod:`dealresearch.followups`. Sheets carry Chinese headers; contact details are only
the masked phone already in the follow-up list.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from .errors import InputFileError, MissingColumnsError
from .followups import LABELS as FOLLOWUP_LABELS
from .followups import STATUSES, F
from .schema import label

SHEET = "跟进清单"


def _header(col: str) -> str:
    return FOLLOWUP_LABELS.get(col) or label(col)


def write_followup_sheet(followups: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write the follow-up list to ``path`` (.xlsx) with Chinese headers, a status
    drop-down (待处理/处理中/已关闭) and date columns formatted as dates."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    df = followups.drop(columns=[F.overdue, F.closed_within_sla], errors="ignore")
    df = df.rename(columns={c: _header(c) for c in df.columns})
    with pd.ExcelWriter(
        path, engine="xlsxwriter", datetime_format="yyyy-mm-dd", date_format="yyyy-mm-dd"
    ) as xw:
        df.to_excel(xw, sheet_name=SHEET, index=False)
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
    closed_date, result, owner (those present). Headers may be Chinese or canonical."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"找不到回收的跟进表：{path}")
    try:
        raw = pd.read_excel(path, sheet_name=0, engine="calamine", dtype=object)
    except Exception as exc:  # calamine raises its own error types
        raise InputFileError(f"无法读取回收的跟进表 {path.name}：{exc}") from exc
    wanted = [F.followup_id, F.status, F.closed_date, F.result, F.owner]
    names = {c: c for c in wanted} | {_header(c): c for c in wanted}
    raw.columns = [str(c).strip() for c in raw.columns]
    df = raw.rename(columns=names)[[names[c] for c in raw.columns if c in names]]
    missing = [_header(c) for c in (F.followup_id, F.status) if c not in df.columns]
    if missing:
        raise MissingColumnsError(f"回收的跟进表 {path.name} 缺少列：{'、'.join(missing)}。")
    df = df.dropna(how="all")
    df[F.followup_id] = df[F.followup_id].astype(str).str.strip()
    if F.closed_date in df.columns:
        df[F.closed_date] = pd.to_datetime(df[F.closed_date], errors="coerce")
    return df  # index = data row position (Excel row = index + 2)


UPDATES_TABLE = "followup_updates"


def save_followup_updates(updates: pd.DataFrame, store=None) -> None:
    """Record a returned sheet in the store (merged with those recorded before: the latest
    status wins), so every later follow-up list and report starts from it."""
    from .followups import merge_updates
    from .ingest.store import read_table, write_table

    write_table(merge_updates(read_table(UPDATES_TABLE, store), updates), UPDATES_TABLE, store)


def export_followups(
    surveys: pd.DataFrame,
    path: str | os.PathLike,
    *,
    period=None,
    project: str | None = None,
    sla_days: int = 7,
    updates_path: str | os.PathLike | None = None,
    store=None,
) -> pd.DataFrame:
    """The CLI's ``followups`` step: build the follow-up list for the surveys of
    ``period`` (and ``project``), apply the updates recorded in the store, then a newly
    returned sheet if given (checked row by row, then recorded), write the sheet to
    ``path`` and return the list (its KPIs: ``followups.followup_kpis``)."""
    from .followups import apply_updates, followups
    from .ingest.store import read_table
    from .periods import parse_period
    from .schema import S

    sv = surveys
    asof = None
    if period is not None:
        per = parse_period(period)
        sv = sv[per.contains(sv[S.survey_date])]
        asof = per.end
    if project is not None:
        sv = sv[sv[S.project] == project]
    fu = followups(sv, sla_days=sla_days, asof=asof)
    stored = read_table(UPDATES_TABLE, store)
    if stored is not None:
        fu = apply_updates(fu, stored, asof=asof, known_only=True)
    if updates_path is not None:
        returned = read_followup_updates(updates_path)
        fu = apply_updates(fu, returned, asof=asof)  # refused with row numbers when wrong
        save_followup_updates(returned, store)
    write_followup_sheet(fu, path)
    return fu
