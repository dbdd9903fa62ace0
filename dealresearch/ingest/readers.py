"""Readers: Excel/CSV exports → raw tables with located headers and source row numbers.

Public, stable API (also used by ``ingest.targets``)::

    tables = read_tables(path, sheet=None, columns=None)   # -> list[RawTable]
    fr = read_file(path, sheet=None, columns=None)         # -> FileRead(tables, skipped)

``columns`` is the set of ``schema.Column`` whose aliases identify a header row (default:
deal + survey columns). A header row is the row, among the first 30, naming at least
``min_hits`` known columns; title rows above it are ignored, a second header row above or
below (merged / two-row headers, units on their own row) is combined when it names more
columns. Below the header, blank rows, totals rows (合计/总计/小计) and repeated header
rows are removed and counted in ``RawTable.non_data``; trailing empty columns are dropped.
Values stay raw: strings for CSV, calamine's Python values for Excel.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from ..errors import InputFileError
from ..schema import DEAL_COLUMNS, SURVEY_COLUMNS, Column
from .headers import alias_index, header_hits

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
TOTAL_WORDS = frozenset({"合计", "总计", "小计", "合 计", "总 计", "小 计", "合计:", "合计：", "总计:", "总计：", "total", "Total", "TOTAL"})
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
    tables: list[RawTable]
    skipped: list[tuple[str, str]]  # (sheet, reason in Chinese)


def _default_columns() -> tuple[Column, ...]:
    from ..schema import SURVEY_ITEMS

    items = tuple(Column(i.name, "score", i.label, i.aliases) for i in SURVEY_ITEMS)
    return DEAL_COLUMNS + SURVEY_COLUMNS + items


def read_tables(path, sheet: str | None = None, columns: Iterable[Column] | None = None, min_hits: int = 3) -> list[RawTable]:
    """Every table in ``path`` (all sheets that look like tables, or the named one)."""
    return read_file(path, sheet, columns, min_hits).tables


def read_file(path, sheet: str | None = None, columns: Iterable[Column] | None = None, min_hits: int = 3) -> FileRead:
    p = Path(path)
    if not p.is_file():
        raise InputFileError(f"找不到输入文件：{p}")
    index = alias_index(columns if columns is not None else _default_columns())
    suffix = p.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(p, sheet, index, min_hits)
    if suffix in CSV_SUFFIXES:
        return FileRead([_read_csv(p, index, min_hits)], [])
    raise InputFileError(f"不支持的文件类型：{p.name}（支持 xlsx/xlsm/xls/csv/txt）")


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


def locate_header(rows: list[list], index: Mapping[str, str], min_hits: int = 3) -> tuple[int, int, list[str]] | None:
    """``(first, last, headers)``: 0-based header row span among ``rows`` and the
    combined header texts, or None when no row names ``min_hits`` known columns."""
    head = rows[:HEAD_ROWS]
    scores = [header_hits(r, index) for r in head]
    if not scores or max(scores) < min_hits:
        return None
    b = int(np.argmax(scores))
    best = (b, b, ["" if _blank(c) else str(c).strip() for c in head[b]], scores[b])
    for first, last in ((b - 1, b), (b, b + 1)):
        if first < 0 or last >= len(head):
            continue
        combined = _combine(head[first], head[last], index)
        hits = header_hits(combined, index)
        if hits > best[3]:
            best = (first, last, combined, hits)
    return best[0], best[1], best[2]


def _unique_labels(headers: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, h in enumerate(headers):
        h = h or f"列{i + 1}"
        n = seen.get(h, 0)
        seen[h] = n + 1
        out.append(h if n == 0 else f"{h}.{n}")
    return out


def _finish(p: Path, sheet, headers: list[str], frame: pd.DataFrame, header_row: int, encoding=None) -> RawTable:
    """Drop empty unnamed columns; remove and count blank / totals / repeated-header rows."""
    frame.columns = _unique_labels(headers)
    keep = [c for c, h in zip(frame.columns, headers, strict=True) if h or frame[c].notna().any()]
    headers = [h for c, h in zip(frame.columns, headers, strict=True) if c in keep]
    frame = frame[keep]
    blank = frame.isna().all(axis=1).to_numpy()
    totals = np.zeros(len(frame), dtype=bool)
    for c in frame.columns:
        totals |= frame[c].isin(TOTAL_WORDS).to_numpy(dtype=bool)
    named = [c for c, h in zip(frame.columns, headers, strict=True) if h][:3]
    repeat = np.ones(len(frame), dtype=bool) if named else np.zeros(len(frame), dtype=bool)
    for c in named:
        repeat &= (frame[c] == c).fillna(False).to_numpy(dtype=bool)
    totals &= ~blank
    repeat &= ~blank & ~totals
    non_data = {k: int(v.sum()) for k, v in (("blank", blank), ("totals", totals), ("header", repeat)) if v.any()}
    if non_data:
        frame = frame[~(blank | totals | repeat)]
    return RawTable(p.name, p, sheet, header_row, headers, frame, non_data, encoding)


# ------------------------------------------------------------------------------- excel
def _read_excel(p: Path, sheet: str | None, index, min_hits: int) -> FileRead:
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(p))
    except Exception as e:  # calamine raises its own error types
        raise InputFileError(f"无法打开 Excel 文件：{p.name}（{e}）") from e
    if sheet is not None and sheet not in wb.sheet_names:
        raise InputFileError(f"{p.name} 中没有工作表“{sheet}”（现有：{'、'.join(wb.sheet_names)}）")
    tables, skipped = [], []
    for name in [sheet] if sheet is not None else wb.sheet_names:
        rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        found = locate_header(rows, index, min_hits)
        if found is None and sheet is not None:
            found = locate_header(rows, index, 1)
        if found is None:
            if sheet is not None:
                raise InputFileError(f"{p.name} 工作表“{name}”中找不到表头行（前 {HEAD_ROWS} 行中没有可识别的列名）")
            skipped.append((name, "不是成交/调查数据表（找不到可识别的表头），已跳过"))
            continue
        first, last, headers = found
        width = len(headers)
        frame = pd.DataFrame(rows[last + 1 :], columns=range(width) if rows else None, dtype=object)
        frame.index = np.arange(last + 2, last + 2 + len(frame))
        frame = frame.replace("", None)
        tables.append(_finish(p, name, headers, frame, last + 1))
    return FileRead(tables, skipped)


# --------------------------------------------------------------------------------- csv
def _utf8_or_error(raw: bytes, name: str) -> None:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputFileError(f"无法识别文件编码：{name} 在第 {e.start} 字节处不是有效的 UTF-8") from e


def _head_rows(text: str) -> tuple[str, list[list[str]]]:
    lines = text.splitlines()[: HEAD_ROWS + 2]
    sample = "\n".join(lines)
    best = (",", 0)
    for d in (",", "\t", ";", "|"):
        width = max((len(r) for r in csv.reader(io.StringIO(sample), delimiter=d)), default=0)
        if width > best[1]:
            best = (d, width)
    return best[0], list(csv.reader(io.StringIO(sample), delimiter=best[0]))


def _read_csv(p: Path, index, min_hits: int) -> RawTable:
    raw = p.read_bytes()
    bom = raw.startswith(codecs.BOM_UTF8)
    body = raw[3:] if bom else raw
    encoding = "utf-8-sig" if bom else "utf-8"
    head_bytes = body[: 1 << 16]
    try:
        head = codecs.getincrementaldecoder("utf-8")().decode(head_bytes, final=False)
    except UnicodeDecodeError:
        encoding = "gb18030"
    if encoding == "gb18030":
        try:
            body = body.decode("gb18030").encode("utf-8")
        except UnicodeDecodeError as e:
            raise InputFileError(
                f"无法识别文件编码：{p.name} 在第 {e.start} 字节处无法按 UTF-8 或 GBK/GB18030 解码"
                "（请在 Excel 中另存为“CSV UTF-8”后重试）"
            ) from e
        head = body[: 1 << 16].decode("utf-8", errors="ignore")
    delimiter, rows = _head_rows(head)
    # a CSV holds one table: settle for a weaker header so a missing-column error can explain
    found = locate_header(rows, index, min_hits) or locate_header(rows, index, 1)
    if found is None:
        raise InputFileError(f"{p.name} 中找不到表头行（前 {HEAD_ROWS} 行中没有可识别的列名）")
    first, last, headers = found
    names = [f"c{i}" for i in range(len(headers))]
    try:
        table = pacsv.read_csv(
            pa.BufferReader(body),
            read_options=pacsv.ReadOptions(skip_rows=last + 1, column_names=names, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                null_values=["", " ", "  ", "\t"],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
        frame = table.to_pandas()
        del table
    except pa.ArrowInvalid as e:
        if "UTF8" in str(e) or "utf8" in str(e).lower():
            _utf8_or_error(body, p.name)
        frame = _read_csv_slow(body, delimiter, last + 1, len(headers))
    frame.index = np.arange(last + 2, last + 2 + len(frame))
    return _finish(p, None, headers, frame, last + 1, encoding)


def _read_csv_slow(body: bytes, delimiter: str, skip: int, width: int) -> pd.DataFrame:
    """Ragged CSV (rows of different lengths, empty lines): Python csv, padded/truncated."""
    reader = csv.reader(io.StringIO(body.decode("utf-8")), delimiter=delimiter)
    rows = [(r + [None] * width)[:width] if len(r) != width else r for i, r in enumerate(reader) if i >= skip]
    frame = pd.DataFrame(rows, columns=[f"c{i}" for i in range(width)], dtype="str")
    return frame.replace({"": None})
