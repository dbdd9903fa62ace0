"""The one workbook writer: every .xlsx the project writes goes through ``workbook``.

Spreadsheet formula injection (OWASP "CSV injection") is closed at this one place:

- the xlsxwriter workbook is opened with ``strings_to_formulas``, ``strings_to_urls`` and
  ``strings_to_numbers`` off, so no text ever becomes a formula, a link or a number;
- text that *would* start a formula when retyped or re-exported (``=``, ``+``, ``-``,
  ``@``, tab, CR) is prefixed with a single quote by ``safe_text``; ``write`` and
  ``write_frame`` apply it to every text cell, headers included;
- the file is written to a temporary name beside the target and moved into place, so a
  failed export never leaves half a workbook where a good one was.

Reading a returned sheet takes cached values, never formulas (``read_values``).
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputFileError, ParameterError

#: characters that make a spreadsheet treat a typed cell as a formula (OWASP)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Excel's limit for one cell's text
MAX_CELL_CHARS = 32_767
TRUNCATED = "…（已截断）"
OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "default_date_format": "yyyy-mm-dd",  # a date written by ``write`` shows as a date
}


def safe_text(text: str) -> str:
    """``text`` as a cell can show it: never a formula, within Excel's cell limit (a cut is said)."""
    text = str(text)
    if text.startswith(FORMULA_START):
        text = "'" + text
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - len(TRUNCATED)] + TRUNCATED
    return text


def _safe_str(s: pd.Series) -> pd.Series:
    """``safe_text`` over a ``str`` Series, vectorised (missing values stay missing)."""
    s = s.astype("str")
    live = s.str.startswith(FORMULA_START).fillna(False).astype(bool)
    if live.any():
        s = s.where(~live, "'" + s)
    long = (s.str.len() > MAX_CELL_CHARS).fillna(False).astype(bool)
    if long.any():
        s = s.where(~long, s.str.slice(0, MAX_CELL_CHARS - len(TRUNCATED)) + TRUNCATED)
    return s


def _safe_column(s: pd.Series) -> pd.Series:
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = s.cat.categories
        if pd.api.types.is_string_dtype(cats.dtype) or cats.dtype == object:
            fixed = _safe_column(pd.Series(cats, dtype=cats.dtype))
            if fixed.is_unique:
                return s.cat.rename_categories(pd.Index(fixed, dtype=fixed.dtype))
            return _safe_column(s.astype(object))
        return s
    if pd.api.types.is_string_dtype(s.dtype) and s.dtype != object:
        return _safe_str(s)
    if s.dtype == object:
        is_str = s.map(type).eq(str).to_numpy()
        if is_str.any():
            out = s.copy()
            out[is_str] = _safe_str(s[is_str]).astype(object).to_numpy()
            return out
    return s


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells, headers and index labels pass ``safe_text`` (numbers and
    dates untouched). Vectorised: a million-row sheet costs one pass per text column."""
    out = frame.copy()
    for i in range(out.shape[1]):
        out.isetitem(i, _safe_column(out.iloc[:, i]))
    out.columns = _safe_index(out.columns)
    out.index = _safe_index(out.index)
    return out


def _safe_index(index: pd.Index) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        return index.set_levels([_safe_index(level) for level in index.levels])
    if index.dtype == object or pd.api.types.is_string_dtype(index.dtype):
        return pd.Index(_safe_column(pd.Series(index, dtype=index.dtype)), name=index.name)
    return index


def _check_target(path: Path) -> Path:
    if path.suffix.lower() != ".xlsx":
        raise ParameterError(f"Excel 输出文件应以 .xlsx 结尾：{path}")
    if path.exists() and path.is_dir():
        raise ParameterError(f"输出路径是一个文件夹，不是文件：{path}")
    if not path.parent.is_dir():
        raise ParameterError(f"输出文件夹不存在：{path.parent}（请先创建它，或换一个 --out 路径）")
    return path


@contextmanager
def workbook(path: str | os.PathLike, *, make_parents: bool = False) -> Iterator[pd.ExcelWriter]:
    """``with workbook(path) as xw:`` — a pandas ExcelWriter on xlsxwriter with injection-safe
    options; ``xw.book`` is the xlsxwriter Workbook. Written atomically on success.

    ``make_parents=True`` creates missing folders (for default output places the project owns);
    a user-given path whose folder does not exist is a ``ParameterError``."""
    path = Path(path)
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    _check_target(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem[:40]}.", suffix=".xlsx", dir=path.parent)
    os.close(fd)
    try:
        with pd.ExcelWriter(
            tmp,
            engine="xlsxwriter",
            datetime_format="yyyy-mm-dd",
            date_format="yyyy-mm-dd",
            engine_kwargs={"options": dict(OPTIONS)},
        ) as xw:
            yield xw
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def write_frame(xw: pd.ExcelWriter, frame: pd.DataFrame, sheet_name: str, **to_excel) -> None:
    """``frame.to_excel(xw, sheet_name, ...)`` with every text cell and header made safe."""
    safe_frame(frame).to_excel(xw, sheet_name=safe_sheet_name(sheet_name), **to_excel)


def write(ws, row: int, col: int, value, fmt=None) -> None:
    """Write one cell: text via ``safe_text`` as a string, numbers as numbers, dates as dates,
    missing values as blank. The only way a single cell is written."""
    if isinstance(value, np.datetime64 | np.timedelta64):
        value = pd.Timestamp(value) if isinstance(value, np.datetime64) else str(pd.Timedelta(value))
    elif isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, int | float):
        if math.isinf(value):
            ws.write_string(row, col, safe_text("∞" if value > 0 else "-∞"), fmt)
        else:
            ws.write_number(row, col, value, fmt)
    elif isinstance(value, pd.Timestamp | _dt.datetime | _dt.date):
        stamp = pd.Timestamp(value)
        stamp = stamp.tz_localize(None) if stamp.tzinfo is not None else stamp
        ws.write_datetime(row, col, stamp.to_pydatetime(), fmt)
    else:
        ws.write_string(row, col, safe_text(value), fmt)


def write_row(ws, row: int, col: int, values, fmt=None) -> None:
    for j, v in enumerate(values):
        write(ws, row, col + j, v, fmt)


_BAD_SHEET = str.maketrans({c: "_" for c in "[]:*?/\\"})


def safe_sheet_name(name: str) -> str:
    """A legal Excel sheet name (31 characters, none of []:*?/\\, no leading or trailing quote)."""
    return str(name).translate(_BAD_SHEET).strip("'")[:31].rstrip("'") or "Sheet"


def read_values(path: str | os.PathLike, sheet=0) -> pd.DataFrame:
    """A returned sheet's cell *values* (calamine reads cached results, never formulas), as
    objects; text that would start a formula is neutralised by ``safe_text``."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"找不到文件：{path}")
    try:
        raw = pd.read_excel(path, sheet_name=sheet, engine="calamine", dtype=object)
    except Exception as exc:  # calamine raises its own error types
        raise InputFileError(f"无法读取 {path.name}：{exc}") from exc
    return safe_frame(raw)
