"""Deals without a contract number: a key from project + room + subscription date.

A 明源 / 思源 room-level export often has no 合同编号 column. Its deals are then
identified by ``项目|房号全称|认购日期`` (房号全称 / 房间全称; else 楼栋-单元-房号), the
subscription date falling back to the signing date. The same room sold again later gets
a different key (another subscription date); a 退房 row of the same sale the same key,
so it updates that deal. The run summary says which files were keyed this way.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from ..schema import Column, Deal
from . import normalise as N
from .headers import match_headers
from .raw import RawTable

UNIT_FULL = "unit_full"
UNIT_ENTRANCE = "unit_entrance"
#: ingest-only deal columns (read, used for keys, not stored)
KEY_COLUMNS: tuple[Column, ...] = (
    Column(UNIT_FULL, "text", "房号全称"),
    Column(UNIT_ENTRANCE, "text", "单元"),
)
DERIVED_HEADER = "deal_id"


def derive_deal_ids(raw: RawTable, columns, aliases=None) -> tuple[RawTable, str | None]:
    """``(table, how)``: the table with a derived ``deal_id`` column when it has no
    contract-number column but project, a room and a date; ``how`` describes the key (None
    when nothing was derived)."""
    m = match_headers(list(raw.frame.columns), columns, aliases)
    if Deal.deal_id in m.sources or Deal.project not in m.sources:
        return raw, None
    src = raw.frame

    def first(name):
        labels = m.sources.get(name)
        return N.text(src[labels[0]])[0].astype("str") if labels else None

    room, how = first(UNIT_FULL), "房号全称"
    if room is None:
        parts = [first(n) for n in (Deal.building, UNIT_ENTRANCE, Deal.unit_no)]
        parts = [p for p in parts if p is not None]
        if not parts or Deal.unit_no not in m.sources:
            return raw, None
        room = parts[0]
        for p in parts[1:]:
            room = room.str.cat(p, sep="-", na_rep="")
        how = "楼栋-单元-房号"
    dates = [N.dates(src[m.sources[n][0]])[0] for n in (Deal.subscribe_date, Deal.sign_date) if n in m.sources]
    if not dates:
        return raw, None
    day = dates[0]
    for d in dates[1:]:
        day = day.fillna(d)
    day_text = pd.Series(day.dt.strftime("%Y-%m-%d"), index=src.index, dtype="str")
    key = first(Deal.project).str.cat([room, day_text], sep="|")
    frame = src.assign(**{DERIVED_HEADER: key})
    used = "认购日期" if Deal.subscribe_date in m.sources else "签约日期"
    if len(dates) > 1:
        used = "认购日期（无认购日期时用签约日期）"
    note = f"无合同编号列，按“项目|{how}|{used}”识别成交"
    return replace(raw, headers=[*raw.headers, DERIVED_HEADER], frame=frame), note
