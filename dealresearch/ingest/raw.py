"""Raw tables: located headers, non-data rows (blank, totals, repeated headers) and the
text columns both readers produce (see :mod:`.readers` for the rules)."""



from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .. import config
from ..errors import InputFileError
from ..schema import SURVEY_ITEMS, Column
from .headers import header_hits
from .limits import field_too_long

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


CSV_SUFFIXES = (".csv", ".txt", ".tsv")


TOTAL_WORDS = frozenset(
    {
        "合计",
        "总计",
        "小计",
        "合 计",
        "总 计",
        "小 计",
        "合计:",
        "合计：",
        "总计:",
        "总计：",
        "total",
        "Total",
        "TOTAL",
    }
)


HEAD_ROWS = 30  # header searched among the first rows




NON_DATA_REASONS = {"blank": "空白行", "totals": "合计行", "header": "重复表头行"}


@dataclass
class RawTable:
    """One table found in a file.

    ``frame``: raw values, one column per header (labels made unique), index = the row
    number the analyst sees in Excel / the CSV (1-based, counting title and header rows).
    ``non_data``: rows removed below the header, by kind (blank / totals / header).
    """

    file: str
    path: Path
    sheet: str | None
    header_row: int
    headers: list[str]
    frame: pd.DataFrame
    non_data: dict[str, int] = field(default_factory=dict)
    encoding: str | None = None

    @property
    def source_rows(self) -> np.ndarray:
        return self.frame.index.to_numpy()

    @property
    def rows_read(self) -> int:
        """Rows below the header: data rows + non-data rows."""
        return len(self.frame) + sum(self.non_data.values())


@dataclass
class FileRead:
    """``tables``: a list, or with ``chunk_rows`` a one-pass iterator of CSV chunks (each a
    RawTable of the same file, row numbers continuing); ``skipped``: (sheet, reason)."""

    tables: Iterable[RawTable]
    skipped: list[tuple[str, str]]  # (sheet, reason in Chinese)


#: the survey score items as columns (their headers also identify a survey table)
SURVEY_ITEM_COLUMNS = tuple(Column(i.name, "score", i.label, i.aliases) for i in SURVEY_ITEMS)


# ------------------------------------------------------------------------------ header
def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, float) and v != v)


def _combine(upper: list, lower: list, index: Mapping[str, str]) -> list[str]:
    out = []
    for u, lo in zip(upper, lower, strict=False):
        u = "" if _blank(u) else str(u).strip()
        lo = "" if _blank(lo) else str(lo).strip()
        choices = [c for c in (u + lo, lo, u) if c]
        hit = next((c for c in choices if header_hits([c], index)), None)
        out.append(hit or lo or u)
    return out


_DATA_CELL = re.compile(r"^[\s\d.,:/\-+%¥￥年月日时分秒]*\d[\s\d.,:/\-+%¥￥年月日时分秒]*$")


def _looks_like_data(row: list) -> bool:
    """A row with a number, a date or a numeric text in it: data, not a second header row."""
    return any(
        isinstance(c, int | float) and not isinstance(c, bool) and c == c
        or hasattr(c, "year")
        or (isinstance(c, str) and _DATA_CELL.match(c.strip()) is not None)
        for c in row
        if not _blank(c)
    )


def locate_header(
    rows: list[list], index: Mapping[str, str], min_hits: int = 3
) -> tuple[int, int, list[str]] | None:
    """``(first, last, headers)``: 0-based header row span among ``rows`` and the
    combined header texts, or None when no row names ``min_hits`` known columns."""
    head = rows[:HEAD_ROWS]
    scores = [header_hits(r, index) for r in head]
    if not scores or max(scores) < min_hits:
        return None
    b = int(np.argmax(scores))
    best = (b, b, ["" if _blank(c) else str(c).strip() for c in head[b]], scores[b])
    for first, last in ((b - 1, b), (b, b + 1)):
        if first < 0 or last >= len(head) or (last == b + 1 and _looks_like_data(head[last])):
            continue  # a row below the header holding numbers or dates is the first data row
        combined = _combine(head[first], head[last], index)
        hits = header_hits(combined, index)
        if hits > best[3]:
            best = (first, last, combined, hits)
    return best[0], best[1], best[2]


def fallback_header(rows: list[list]) -> tuple[int, int, list[str]] | None:
    """The most header-like row among the first rows when none names a known column:
    the first row with the most non-blank text cells (at least two)."""
    best, width = None, 1
    for i, r in enumerate(rows[:HEAD_ROWS]):
        n = sum(isinstance(c, str) and bool(c.strip()) for c in r)
        if n > width:
            best, width = i, n
    if best is None:
        return None
    return best, best, ["" if _blank(c) else str(c).strip() for c in rows[best]]


def _unique_labels(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, h in enumerate(headers):
        h = h or f"列{i + 1}"
        n = seen.get(h, 0)
        seen[h] = n + 1
        out.append(h if n == 0 else f"{h}.{n}")
    return out


_TOTALS = pa.array(sorted(TOTAL_WORDS), pa.large_string())


#: a totals label with its count or amount: "共 305 条", "合计：305套", "总计 12,345"
TOTAL_PATTERN = r"^\s*(?:共\s*[\d,]+\s*[条行笔套份个]|(?:合|总|小)\s*计\s*[:：]?\s*[\d,.\s条行笔套份个万元]*)\s*$"


TOTAL_PATTERN_COLUMNS = 3  # the pattern is looked for in the first columns only (cost)


def _is_total(column: pd.Series, pattern: bool = False) -> np.ndarray:
    """Cells that are a totals label (合计/总计/小计...; with ``pattern`` also
    ``TOTAL_PATTERN``)."""
    if isinstance(column.array, pd.arrays.ArrowStringArray):
        arr = column.array.__arrow_array__()
        found = pc.is_in(arr, value_set=_TOTALS)
        if pattern:  # the regex only where a cell could be one (计 or a leading 共): cheap
            maybe = pc.or_(pc.match_substring(arr, "计"), pc.starts_with(arr, "共")).fill_null(False)
            if pc.any(maybe).as_py():
                found = pc.or_(found, pc.and_(maybe, pc.match_substring_regex(arr, TOTAL_PATTERN)))
        return found.fill_null(False).to_numpy(zero_copy_only=False).astype(bool, copy=False)
    out = column.isin(TOTAL_WORDS).to_numpy(dtype=bool)
    if pattern:
        out |= column.astype("str").str.match(TOTAL_PATTERN).fillna(False).to_numpy(dtype=bool)
    return out


def _finish(
    p: Path, sheet, headers: list[str], frame: pd.DataFrame, header_row: int, encoding=None
) -> RawTable:
    """Drop empty unnamed columns; remove and count blank / totals / repeated-header rows."""
    frame.columns = _unique_labels(headers)
    keep = [c for c, h in zip(frame.columns, headers, strict=True) if h or frame[c].notna().any()]
    headers = [h for c, h in zip(frame.columns, headers, strict=True) if c in keep]
    frame = frame[keep]
    blank = frame.isna().all(axis=1).to_numpy()
    totals = np.zeros(len(frame), dtype=bool)
    for i, c in enumerate(frame.columns):
        totals |= _is_total(frame[c], pattern=i < TOTAL_PATTERN_COLUMNS)
    named = [c for c, h in zip(frame.columns, headers, strict=True) if h][:3]
    repeat = np.ones(len(frame), dtype=bool) if named else np.zeros(len(frame), dtype=bool)
    for c in named:
        repeat &= (frame[c] == c).fillna(False).to_numpy(dtype=bool)
    totals &= ~blank
    repeat &= ~blank & ~totals
    non_data = {
        k: int(v.sum()) for k, v in (("blank", blank), ("totals", totals), ("header", repeat)) if v.any()
    }
    if non_data:
        frame = frame[~(blank | totals | repeat)]
    return RawTable(p.name, p, sheet, header_row, headers, frame, non_data, encoding)


def _as_text(col) -> pa.Array:
    """One Excel column (calamine values) as Arrow strings, blank → null. Whole-column
    conversion; integral floats print without '.0' (13800138000.0 → '13800138000')."""
    try:
        arr = pa.array(col)
    except (pa.ArrowTypeError, pa.ArrowInvalid):  # mixed types: cell by cell
        from .normalise import _cell_str

        arr = pa.array([_cell_str(v) for v in col], type=pa.string())
    if pa.types.is_floating(arr.type):
        integral = pc.and_(pc.equal(pc.floor(arr), arr), pc.less(pc.abs(arr), 1e15))
        as_int = pc.cast(pc.if_else(integral, arr, 0.0), pa.int64()).cast(pa.string())
        arr = pc.if_else(integral, as_int, arr.cast(pa.string()))
    elif pa.types.is_boolean(arr.type):
        arr = pc.if_else(arr, "是", "否")
    elif not pa.types.is_string(arr.type):
        arr = arr.cast(pa.string())
    arr = pc.if_else(pc.equal(pc.utf8_trim_whitespace(arr), ""), pa.scalar(None, pa.string()), arr)
    return arr


def _guarded(p: Path, tables) -> Iterator[RawTable]:
    """CSV tables (``tables()``) with Python csv's errors — a field beyond ``config.Limits`` —
    as input errors."""
    csv.field_size_limit(config.LIMITS.csv_max_field_chars)
    try:
        yield from tables()
    except csv.Error as exc:
        if "field larger" in str(exc):
            raise field_too_long(p) from exc
        raise InputFileError(f"无法解析 CSV 文件 {p.name}：{exc}") from exc
