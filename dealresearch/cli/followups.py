"""``dealresearch followups``: the follow-up lists the service team works from, one workbook
per project (project and period in the file name), with the customers' contacts only when
asked for (``--with-contacts``, from the encrypted contacts store)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import config
from ..errors import ParameterError


def list_target(out: str | None, period_label: str | None, project: str | None) -> tuple[Path, bool, bool]:
    """``(place, is_file, make_parents)`` for the lists: ``--out`` an existing folder, or a
    .xlsx file in one (only for one project: ``--project``); default
    reports/<period>/lists/ (created when written). Checked before any work."""
    if out is None:
        return config.reports_dir() / (period_label or "全部期间") / "lists", False, True
    path = Path(out)
    if path.is_dir():
        return path, False, False
    if path.suffix.lower() != ".xlsx":
        raise ParameterError(f"--out 应为已存在的文件夹或 .xlsx 文件：{path}")
    if not path.parent.is_dir():
        raise ParameterError(f"输出文件夹不存在：{path.parent}（请先创建它，或换一个 --out 路径）")
    if project is None:
        raise ParameterError(
            f"--out 给出的是一个文件（{path.name}），而清单按项目各写一个文件："
            "请用 --project 指定项目，或让 --out 指向一个文件夹。"
        )
    return path, True, False


def followups_command(
    store=None,
    *,
    period: str | None = None,
    project: str | None = None,
    updates: str | None = None,
    sla_days: int = 7,
    out: str | None = None,
    issued: str | None = None,
    contacts: bool = False,
) -> dict[str, Path]:
    """Build the follow-up list, write it per project, print a Chinese summary per file;
    ``{project: path}``."""
    from ..fieldwork.followups import NO_PROJECT, followup_list, write_followup_sheet, write_project_lists
    from ..ingest import load
    from ..periods import parse_period
    from ..satisfaction.followup_list import FollowupColumns, followup_kpis

    label = parse_period(period).label if period else None  # checked before any folder
    place, is_file, make_parents = list_target(out, label, project)
    issued_at = _date(issued) if issued else None
    table = None
    if contacts:  # refused (no key, wrong key, no contacts store) before anything is written
        from ..ingest.contacts import read_contacts

        table = read_contacts(store)
    fu = followup_list(load("surveys", store=store), period=label, project=project, sla_days=sla_days,
                       updates_path=updates, store=store, issued=issued_at)
    if is_file:
        written = {project: write_followup_sheet(fu, place, make_parents=False, contacts=table)}
    else:
        written = write_project_lists(fu, place, label, contacts=table, make_parents=make_parents)
    if not written:
        print(f"{label or '所选期间'}{'“' + project + '”' if project else ''}没有需要跟进的问卷，未生成清单。")
        return written
    k = followup_kpis(fu)
    prio = k["by_priority"]
    print(f"共 {k['total']:,} 条需跟进（高 {prio['高']}、中 {prio['中']}、低 {prio['低']}），"
          f"已逾期 {k['overdue']:,} 条；清单按项目写入 {len(written)} 个文件："
          + ("" if contacts else "（未含客户联系方式；需要时加 --with-contacts）"))
    projects = fu[FollowupColumns.project].astype("string").fillna(NO_PROJECT) if FollowupColumns.project in fu.columns else None
    for name, path in written.items():
        n = len(fu) if is_file or projects is None else int((projects == name).sum())
        print(f"  {name}：{n:,} 条 → {path}")
    if not k["has_updates"]:
        print("尚未登记回收的跟进表：表中状态均为初始的“待处理”。")
    return written


def _date(text: str) -> pd.Timestamp:
    stamp = pd.to_datetime(text, errors="coerce")
    if pd.isna(stamp):
        raise ParameterError(f"--issued 应为日期（如 2026-10-08），收到“{text}”。")
    return pd.Timestamp(stamp).normalize()
