"""Field lists as Excel files: the follow-up sheet sent to owners and read back.

An I/O module (like ingest): it reads and writes files; the analysis stays in
:mod:`dealresearch.satisfaction.followup_list`. Sheets carry Chinese headers and are laid out
to be worked from: the follow-up id, priority, days overdue, due date and owner first,
long text wrapped, overdue rows marked. Contact details are the masked phone already in the
list, unless asked for explicitly (``contacts=``: the name, callable phone, room and 置业顾问
from the encrypted contacts store, :func:`dealresearch.ingest.contacts.read_contacts`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from ..errors import InputFileError, MissingColumnsError, ParameterError
from ..ingest.contacts import NAME, PHONE, REP, ROOM
from ..satisfaction.followup_list import LABELS as FOLLOWUP_LABELS
from ..satisfaction.followup_list import STATUSES, FollowupColumns
from ..schema import label
from . import xlsx

SHEET = "跟进清单"
NO_PROJECT = "未注明项目"  # surveys without a project still get a list
ALL_PROJECTS = "全部项目"
LIST_NAME = "回访跟进清单"
CONTACT_COLUMNS = (NAME, PHONE, ROOM, REP)
#: the order a service manager reads a row in; other columns follow, pseudonyms last
FIELD_ORDER = (
    FollowupColumns.followup_id, FollowupColumns.priority, FollowupColumns.days_overdue, FollowupColumns.due_date, FollowupColumns.owner, FollowupColumns.project, *CONTACT_COLUMNS,
    FollowupColumns.survey_date, FollowupColumns.reason, FollowupColumns.comment, FollowupColumns.themes, FollowupColumns.status, FollowupColumns.closed_date, FollowupColumns.result,
)
LAST = (FollowupColumns.customer_key, FollowupColumns.phone_masked)
#: column widths (characters); long text columns wrap
WIDTHS = {FollowupColumns.followup_id: 14, FollowupColumns.priority: 7, FollowupColumns.days_overdue: 9, FollowupColumns.due_date: 12, FollowupColumns.owner: 12, FollowupColumns.project: 12,
          NAME: 10, PHONE: 14, ROOM: 12, REP: 10, FollowupColumns.survey_date: 12, FollowupColumns.reason: 32, FollowupColumns.comment: 44,
          FollowupColumns.themes: 16, FollowupColumns.status: 10, FollowupColumns.closed_date: 12, FollowupColumns.result: 30}
WRAPPED = (FollowupColumns.reason, FollowupColumns.comment, FollowupColumns.themes, FollowupColumns.result)


def _header(col: str) -> str:
    return FOLLOWUP_LABELS.get(col) or label(col)


def with_contacts(followups: pd.DataFrame, contacts: pd.DataFrame) -> pd.DataFrame:
    """The list with 姓名 / 手机 / 房号 / 置业顾问 of each follow-up's customer (blank when the
    contacts store has none for it); ``contacts`` as ``read_contacts`` returns it."""
    cols = [c for c in CONTACT_COLUMNS if c in contacts.columns]
    table = contacts.drop_duplicates(FollowupColumns.customer_key).set_index(FollowupColumns.customer_key)[cols]
    keys = followups[FollowupColumns.customer_key].astype("string") if FollowupColumns.customer_key in followups else None
    found = table.reindex(pd.Index(keys if keys is not None else [], dtype="string"))
    out = followups.copy()
    for c in cols:
        out[c] = found[c].to_numpy() if keys is not None else pd.NA
    return out


def _field_frame(followups: pd.DataFrame) -> pd.DataFrame:
    df = followups.drop(columns=[FollowupColumns.overdue, FollowupColumns.closed_within_sla], errors="ignore")
    first = [c for c in FIELD_ORDER if c in df.columns]
    last = [c for c in LAST if c in df.columns]
    return df[first + [c for c in df.columns if c not in first and c not in last] + last]


def write_followup_sheet(
    followups: pd.DataFrame,
    path: str | os.PathLike,
    *,
    make_parents: bool = True,
    contacts: pd.DataFrame | None = None,
) -> Path:
    """Write the follow-up list to ``path`` (.xlsx) with Chinese headers, id / priority /
    days overdue / due date / owner first (frozen with the header), long text wrapped,
    overdue days and 高 priority marked, a filter on the header, a status drop-down
    (待处理/处理中/已关闭) and dates as dates. ``contacts``: add the customers' contact
    columns (asked for explicitly). Written through
    :func:`dealresearch.fieldwork.xlsx.workbook`: no cell is ever a formula."""
    path = Path(path)
    fu = with_contacts(followups, contacts) if contacts is not None else followups
    canon = _field_frame(fu)
    df = canon.rename(columns={c: _header(c) for c in canon.columns})
    with xlsx.workbook(path, make_parents=make_parents) as xw:
        xlsx.write_frame(xw, df, SHEET, index=False)
        ws, book = xw.sheets[SHEET], xw.book
        head = book.add_format({"bold": True, "text_wrap": True, "valign": "vcenter", "bg_color": "#DDEBF7",
                                "border": 1})
        wrap = book.add_format({"text_wrap": True, "valign": "top"})
        top = book.add_format({"valign": "top"})
        xlsx.write_row(ws, 0, 0, list(df.columns), head)
        ws.set_row(0, 30)
        for i, c in enumerate(canon.columns):
            ws.set_column(i, i, WIDTHS.get(c, 14), wrap if c in WRAPPED else top)
        n = max(len(df), 1)
        ws.freeze_panes(1, 2 if FollowupColumns.priority in canon.columns else 1)
        ws.autofilter(0, 0, n, len(df.columns) - 1)
        if FollowupColumns.days_overdue in canon.columns:
            j = list(canon.columns).index(FollowupColumns.days_overdue)
            late = book.add_format({"bg_color": "#F8CBAD", "bold": True})
            ws.conditional_format(1, j, n, j, {"type": "cell", "criteria": ">", "value": 0, "format": late})
        if FollowupColumns.priority in canon.columns:
            j = list(canon.columns).index(FollowupColumns.priority)
            high = book.add_format({"font_color": "#C00000", "bold": True})
            ws.conditional_format(1, j, n, j, {"type": "cell", "criteria": "==", "value": '"高"', "format": high})
        if FollowupColumns.status in canon.columns:
            j = list(canon.columns).index(FollowupColumns.status)
            ws.data_validation(1, j, n, j, {"validate": "list", "source": list(STATUSES)})
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
    wanted = [FollowupColumns.followup_id, FollowupColumns.status, FollowupColumns.closed_date, FollowupColumns.result, FollowupColumns.owner]
    names = {c: c for c in wanted} | {_header(c): c for c in wanted}
    raw.columns = [str(c).strip() for c in raw.columns]
    df = raw.rename(columns=names)[[names[c] for c in raw.columns if c in names]]
    missing = [_header(c) for c in (FollowupColumns.followup_id, FollowupColumns.status) if c not in df.columns]
    if missing:
        raise MissingColumnsError(f"回收的跟进表 {path.name} 缺少列：{'、'.join(missing)}。")
    df = df.dropna(how="all")
    # the id as written: the list shows an id starting like a formula with a leading "'"
    df[FollowupColumns.followup_id] = (
        df[FollowupColumns.followup_id].astype(str).str.strip().str.replace(r"^'([=+\-@])", r"\1", regex=True)
    )
    if FollowupColumns.closed_date in df.columns:
        df[FollowupColumns.closed_date] = pd.to_datetime(df[FollowupColumns.closed_date], errors="coerce")
    return df  # index = data row position (Excel row = index + 2)


UPDATES_TABLE = "followup_updates"


def save_followup_updates(updates: pd.DataFrame, store=None) -> None:
    """Record a returned sheet in the store (merged with those recorded before: the latest
    status wins), so every later follow-up list and report starts from it."""
    from ..ingest.store import update_table
    from ..satisfaction.followup_list import merge_updates

    update_table(UPDATES_TABLE, lambda stored: merge_updates(stored, updates), store)


def followup_list(
    surveys: pd.DataFrame,
    *,
    period=None,
    project: str | None = None,
    sla_days: int = 7,
    updates_path: str | os.PathLike | None = None,
    store=None,
    issued=None,
) -> pd.DataFrame:
    """The follow-up list for the surveys of ``period`` (and ``project``), issued on
    ``issued`` (default the period end): the updates recorded in the store applied, then a
    newly returned sheet if given (checked row by row, then recorded)."""
    from ..ingest.store import read_table
    from ..periods import parse_period
    from ..satisfaction.followup_list import apply_updates, followups
    from ..schema import Survey

    sv = surveys
    asof = None
    if period is not None:
        per = parse_period(period)
        sv = sv[per.contains(sv[Survey.survey_date])]
        asof = per.end
    if project is not None:
        known = sorted(str(p) for p in surveys[Survey.project].dropna().unique())
        if project not in known:
            raise ParameterError(
                f"调查数据中没有项目“{project}”；可选项目：{'、'.join(known[:30]) or '（无）'}"
                f"{' 等' if len(known) > 30 else ''}。"
            )
        sv = sv[sv[Survey.project] == project]
    fu = followups(sv, sla_days=sla_days, asof=asof, issued=issued)
    stored = read_table(UPDATES_TABLE, store)
    if stored is not None:
        fu = apply_updates(fu, stored, asof=asof, known_only=True)
    if updates_path is not None:
        returned = read_followup_updates(updates_path)
        fu = apply_updates(fu, returned, asof=asof)  # refused with row numbers when wrong
        save_followup_updates(returned, store)
    return fu


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
    issued=None,
    contacts: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """:func:`followup_list` written to one sheet at ``path``; returns the list (its KPIs:
    ``followups.followup_kpis``). ``contacts``: as ``read_contacts`` returns it, to add the
    customers' contact columns."""
    fu = followup_list(surveys, period=period, project=project, sla_days=sla_days,
                       updates_path=updates_path, store=store, issued=issued)
    write_followup_sheet(fu, path, make_parents=make_parents, contacts=contacts)
    return fu


_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\s]+')


def list_file_name(project: str, period_label: str | None) -> str:
    """``回访跟进清单_<project>_<period>.xlsx`` (characters a file name cannot hold → ``_``)."""
    parts = [LIST_NAME, str(project), period_label or "全部期间"]
    return "_".join(_UNSAFE_NAME.sub("_", p).strip("._") or "_" for p in parts) + ".xlsx"


def write_project_lists(
    followups: pd.DataFrame,
    folder: str | os.PathLike,
    period_label: str | None,
    *,
    contacts: pd.DataFrame | None = None,
    make_parents: bool = True,
) -> dict[str, Path]:
    """One workbook per project of ``followups`` in ``folder`` (project and period in each
    file name; surveys without a project in a 未注明项目 file); ``{project: path}``. A list
    without follow-ups writes nothing."""
    from ..schema import Survey

    folder = Path(folder)
    written = {}
    if Survey.project in followups.columns:
        projects = followups[Survey.project].astype("string").fillna(NO_PROJECT)
    else:
        projects = pd.Series(ALL_PROJECTS, index=followups.index)
    for project, part in followups.groupby(projects.to_numpy(), sort=True):
        path = folder / list_file_name(str(project), period_label)
        written[str(project)] = write_followup_sheet(
            part.reset_index(drop=True), path, make_parents=make_parents, contacts=contacts
        )
    return written


def recorded_updates(data_dir=None, returned=None) -> pd.DataFrame | None:
    """The follow-up updates the satisfaction report applies: those recorded in the store
    (``dealresearch followups --updates``) merged with one more returned sheet, if given."""
    from ..ingest.store import load
    from ..satisfaction.followup_list import merge_updates

    recorded = load(UPDATES_TABLE, store=data_dir, missing_ok=True)
    return merge_updates(recorded, read_followup_updates(returned) if returned else None)
