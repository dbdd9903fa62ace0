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

from collections.abc import Iterable, Mapping
from pathlib import Path

from ..errors import InputFileError
from ..schema import DEAL_COLUMNS, SURVEY_COLUMNS, Column
from .csv_reader import _read_csv
from .excel_reader import _read_excel
from .headers import alias_index, normalise_header
from .raw import CSV_SUFFIXES, EXCEL_SUFFIXES, SURVEY_ITEM_COLUMNS, FileRead, RawTable, _guarded


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
