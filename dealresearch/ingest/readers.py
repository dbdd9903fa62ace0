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
Cells are text for every format (pandas ``str`` columns backed by Arrow; blank → missing):
CSV cells as written; Excel numbers without a spurious ``.0`` (13800138000.0 →
"13800138000"), datetimes as "2026-03-05 00:00:00.000000", booleans as 是/否. The
normalisers in ``ingest.normalise`` parse them.
"""

from __future__ import annotations

import codecs
import csv
import gc
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .. import config
from ..errors import InputFileError
from ..schema import DEAL_COLUMNS, SURVEY_COLUMNS, SURVEY_ITEMS, Column
from .headers import alias_index, header_hits, normalise_header
from .limits import check_excel, field_too_long

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
CSV_BLOCK_BYTES = 1 << 20  # pyarrow streaming block (rows arrive in batches of about this size)
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


def _default_columns() -> tuple[Column, ...]:
    return DEAL_COLUMNS + SURVEY_COLUMNS + SURVEY_ITEM_COLUMNS


def read_tables(
    path, sheet: str | None = None, columns: Iterable[Column] | None = None, min_hits: int = 3
) -> list[RawTable]:
    """Every table in ``path`` (all sheets that look like tables, or the named one)."""
    return list(read_file(path, sheet, columns, min_hits).tables)


def read_file(
    path,
    sheet: str | None = None,
    columns: Iterable[Column] | None = None,
    min_hits: int = 3,
    chunk_rows: int | None = None,
    aliases: Mapping[str, Iterable[str]] | None = None,
    extra_headers: Iterable[str] = (),
) -> FileRead:
    """Tables of ``path`` and the sheets skipped. ``chunk_rows`` streams a CSV in chunks
    of about that many rows (bounded memory); Excel sheets are always whole. The header
    row is found with ``aliases`` (the mapping file's) and ``extra_headers`` (e.g. survey
    platforms' meta columns) as well as the columns' own names. A file where no row names
    a known column still yields its most header-like row, so that the missing-column
    error can list the headers and suggest a mapping."""
    p = Path(path)
    if not p.is_file():
        raise InputFileError(f"找不到输入文件：{p}")
    index = alias_index(columns if columns is not None else _default_columns(), aliases)
    for h in extra_headers:
        index.setdefault(normalise_header(h)[0], "_meta")
    suffix = p.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(p, sheet, index, min_hits)
    if suffix in CSV_SUFFIXES:
        chunks = _guarded(p, lambda: _read_csv(p, index, min_hits, chunk_rows))
        return FileRead(chunks if chunk_rows else list(chunks), [])
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


# ------------------------------------------------------------------------------- excel
def _read_excel(p: Path, sheet: str | None, index, min_hits: int) -> FileRead:
    from python_calamine import CalamineWorkbook

    check_excel(p)  # limits before parsing
    try:
        wb = CalamineWorkbook.from_path(str(p))
    except Exception as e:  # calamine raises its own error types
        raise InputFileError(f"无法打开 Excel 文件：{p.name}（{e}）") from e
    if sheet is not None and sheet not in wb.sheet_names:
        raise InputFileError(f"{p.name} 中没有工作表“{sheet}”（现有：{'、'.join(wb.sheet_names)}）")
    tables, skipped = [], []
    for name in [sheet] if sheet is not None else wb.sheet_names:
        with _gc_paused():  # millions of cell objects: no cyclic garbage, skip the collector's passes
            tables_or_skip = _read_sheet(p, wb, name, sheet, index, min_hits)
        (tables if isinstance(tables_or_skip, RawTable) else skipped).append(tables_or_skip)
    if not tables and sheet is None and wb.sheet_names:
        # no sheet looks like a known table: its first sheet's header-like row, so that the
        # error lists the headers found and the mapping snippet to paste
        with _gc_paused():
            found = _read_sheet(p, wb, wb.sheet_names[0], wb.sheet_names[0], index, min_hits, fallback=True)
        if isinstance(found, RawTable):
            tables.append(found)
            skipped = [s for s in skipped if s[0] != wb.sheet_names[0]]
    return FileRead(tables, skipped)


@contextmanager
def _gc_paused():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_sheet(p: Path, wb, name: str, sheet: str | None, index, min_hits: int, fallback=False):
    """One sheet → a RawTable, or ``(sheet, reason)`` when it is no data table."""
    rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
    found = locate_header(rows, index, min_hits)
    if found is None and sheet is not None:
        found = locate_header(rows, index, 1) or (fallback_header(rows) if fallback else None)
    if found is None:
        if sheet is not None:
            raise InputFileError(
                f"{p.name} 工作表“{name}”中找不到表头行（前 {HEAD_ROWS} 行中没有可识别的列名）"
            )
        return (name, "不是成交/调查数据表（找不到可识别的表头），已跳过")
    first, last, headers = found
    data = rows[last + 1 :]
    del rows
    columns = _columns(data) if data else [()] * len(headers)
    del data
    frame = pd.DataFrame({i: pd.arrays.ArrowStringArray(_as_text(col)) for i, col in enumerate(columns)})
    frame.index = np.arange(last + 2, last + 2 + len(frame))
    return _finish(p, name, headers, frame, last + 1)


def _columns(rows: list[list]) -> list:
    """Rows of cells → columns: one object matrix built in C (a sheet is rectangular),
    three times faster than transposing with ``zip``."""
    grid = np.empty((len(rows), len(rows[0])), dtype=object)
    try:
        grid[:] = rows
    except ValueError:  # ragged rows (never from calamine): the slow way
        return list(zip(*rows, strict=True))
    return [grid[:, i] for i in range(grid.shape[1])]


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


def _read_csv(p: Path, index, min_hits: int, chunk_rows: int | None = None) -> Iterator[RawTable]:
    """Locate the header (first decoding the head), then stream the rows with pyarrow;
    ragged files (rows of different lengths, empty lines) fall back to Python's csv."""
    with open(p, "rb") as fh:
        head_bytes = fh.read(1 << 16)
    bom = head_bytes.startswith(codecs.BOM_UTF8)
    encoding = "utf-8-sig" if bom else "utf-8"
    body = None  # UTF-8 files are streamed from disk by pyarrow (which validates UTF-8)
    try:
        head = codecs.getincrementaldecoder("utf-8")().decode(
            head_bytes[3:] if bom else head_bytes, final=False
        )
    except UnicodeDecodeError:
        encoding = "gb18030"
    if encoding == "gb18030":
        try:
            body = p.read_bytes().decode("gb18030").encode("utf-8")
        except UnicodeDecodeError as e:
            raise InputFileError(
                f"无法识别文件编码：{p.name} 在第 {e.start} 字节处无法按 UTF-8 或 GBK/GB18030 解码"
                "（请在 Excel 中另存为“CSV UTF-8”后重试）"
            ) from e
        head = body[: 1 << 16].decode("utf-8", errors="ignore")
    delimiter, rows = _head_rows(head)
    # a CSV holds one table: settle for a weaker header so a missing-column error can explain
    found = locate_header(rows, index, min_hits) or locate_header(rows, index, 1) or fallback_header(rows)
    if found is None:
        raise InputFileError(f"{p.name} 中找不到表头行（前 {HEAD_ROWS} 行中没有可识别的列名）")
    first, last, headers = found
    return _csv_chunks(p, body, bom, encoding, delimiter, last, headers, chunk_rows or (1 << 62))


def _csv_chunks(p, body, bom, encoding, delimiter, last, headers, chunk_rows) -> Iterator[RawTable]:
    names = [f"c{i}" for i in range(len(headers))]
    consumed, pending, n = 0, [], 0

    def table(frame: pd.DataFrame) -> RawTable:
        frame.index = np.arange(last + 2 + consumed, last + 2 + consumed + len(frame))
        return _finish(p, None, headers, frame, last + 1, encoding)

    try:
        reader = pacsv.open_csv(
            pa.BufferReader(body) if body is not None else str(p),
            read_options=pacsv.ReadOptions(
                skip_rows=last + 1, column_names=names, block_size=CSV_BLOCK_BYTES
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.large_string() for n in names},  # what pandas keeps: no copy
                null_values=["", " ", "  ", "\t"],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
        for batch in reader:
            pending.append(batch)
            n += batch.num_rows
            if n >= chunk_rows:
                yield table(_drain(pending))
                consumed, n = consumed + n, 0
        if pending or consumed == 0:
            yield table(_drain(pending, pa.schema([(c, pa.large_string()) for c in names])))
    except pa.ArrowInvalid as e:
        if body is None:
            body = p.read_bytes()[3 if bom else 0 :]
        if "utf8" in str(e).lower():
            _utf8_or_error(body, p.name)
        # rows already yielded are skipped; the rest is parsed by Python's csv module
        yield table(_read_csv_slow(body, delimiter, last + 1 + consumed, len(headers)))


def _drain(batches: list, schema=None) -> pd.DataFrame:
    """The batches as one frame; the list is emptied so the suspended reader holds no
    second reference while the consumer works on (and releases) the chunk."""
    table = pa.Table.from_batches(batches, schema=schema)
    batches.clear()
    return table.to_pandas()


def _read_csv_slow(body: bytes, delimiter: str, skip: int, width: int) -> pd.DataFrame:
    """Ragged CSV (rows of different lengths, empty lines): Python csv, padded/truncated."""
    reader = csv.reader(io.StringIO(body.decode("utf-8")), delimiter=delimiter)
    rows = [(r + [None] * width)[:width] if len(r) != width else r for i, r in enumerate(reader) if i >= skip]
    frame = pd.DataFrame(rows, columns=[f"c{i}" for i in range(width)], dtype="str")
    return frame.replace({"": None})
