"""Vectorised normalisers for raw export cells.

Every normaliser takes a Series of raw cells (strings from CSV, or the Python values
calamine returns for Excel) and returns ``(values, invalid)``: ``values`` is the clean
column, ``invalid`` marks cells that were not blank but could not be parsed. A cell that
cannot be parsed becomes missing, never a guessed value.

Speed: work happens on the *distinct* raw values (``by_unique``), with pyarrow-backed
string methods, then is broadcast back with ``take``; no Python loop over rows.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)"
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
DATE_MIN, DATE_MAX = pd.Timestamp("1900-01-01"), pd.Timestamp("2100-12-31")
DATE_DTYPE = "datetime64[ns]"


# ------------------------------------------------------------------------ core helpers
def _cell_str(v) -> str | None:
    """One calamine/Python cell as text (integral floats without '.0')."""
    if v is None:
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, float):
        if v != v:
            return None
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(v, _dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, _dt.date | _dt.time | _dt.timedelta):
        return v.isoformat() if not isinstance(v, _dt.timedelta) else str(v)
    return str(v)


def to_text(values) -> pd.Series:
    """Raw values → clean ``str`` Series: full-width → half-width (NFKC), trimmed,
    inner whitespace collapsed, blank → missing."""
    if isinstance(values, pd.Index | pd.Series):
        values = values.array
    if isinstance(values, pd.arrays.ArrowStringArray) or (
        hasattr(values, "dtype") and pd.api.types.is_string_dtype(values.dtype) and values.dtype != object
    ):
        arr = pa.array(values, type=pa.large_string(), from_pandas=True)
    else:
        arr = pa.array([_cell_str(v) for v in values], type=pa.large_string())
    ascii_ = pc.string_is_ascii(arr)
    if not pc.all(ascii_).as_py():
        arr = pc.if_else(ascii_, arr, pc.utf8_normalize(arr, form="NFKC"))
    arr = pc.utf8_trim_whitespace(arr)
    arr = pc.replace_substring_regex(arr, r"\s+", " ")
    arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, pa.large_string()), arr)
    return pd.Series(arr.cast(pa.string()), dtype="str")


def by_unique(raw: pd.Series, fn: Callable[[pd.Series], tuple]) -> tuple:
    """Apply ``fn(text_of_uniques) -> (out1, out2, ...)`` to the distinct values of
    ``raw`` and broadcast each output back to ``raw``'s rows (same index)."""
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    outs = fn(to_text(uniques))
    result = []
    for out in outs:
        arr = out.array if isinstance(out, pd.Series) else out
        fill = False if getattr(arr, "dtype", None) == np.bool_ else None
        taken = pd.api.extensions.take(arr, codes, allow_fill=True, fill_value=fill)
        result.append(pd.Series(taken, index=raw.index, name=raw.name))
    return tuple(result)


def _num(text: pd.Series) -> pd.Series:
    """Strict decimal parse: anything not a plain number → NaN."""
    ok = text.str.fullmatch(NUMBER).fillna(False).astype(bool)
    return pd.to_numeric(text.where(ok), errors="coerce").astype("float64")


def _invalid(text: pd.Series, parsed: pd.Series) -> np.ndarray:
    return (text.notna() & parsed.isna()).to_numpy(dtype=bool)


# -------------------------------------------------------------------------------- text
def text(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    t, = by_unique(raw, lambda u: (u,))
    return t, pd.Series(False, index=raw.index)


# ------------------------------------------------------------------------------- dates
_YMD = r"^(\d{4}) ?[-/.年] ?(\d{1,2}) ?[-/.月] ?(\d{1,2}) ?日?(?:[ T]\d{1,2}[:：]\d{2}(?:[:：]\d{2}(?:\.\d+)?)?)?$"


def _dates_of_text(u: pd.Series) -> tuple[pd.Series, np.ndarray]:
    ymd = u.str.extract(_YMD)
    compact = u.str.extract(r"^(\d{4})(\d{2})(\d{2})$")
    parts = ymd.fillna(compact)
    iso = parts[0] + "-" + parts[1].str.zfill(2) + "-" + parts[2].str.zfill(2)
    out = pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce")
    serial = u.str.fullmatch(r"\d{5}(?:\.\d+)?").fillna(False).astype(bool)
    days = pd.to_numeric(u.where(serial), errors="coerce")
    from_serial = EXCEL_EPOCH + pd.to_timedelta(np.floor(days), unit="D")
    out = out.fillna(from_serial).astype(DATE_DTYPE)
    out = out.where((out >= DATE_MIN) & (out <= DATE_MAX))
    return out, _invalid(u, out)


def dates(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """2026/3/5, 2026-03-05, 2026.3.5, 2026年3月5日, 20260305, Excel serials,
    datetimes with times → datetime64 (day resolution)."""
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        out = raw.dt.normalize().astype(DATE_DTYPE)
        return out, pd.Series(False, index=raw.index)
    values, bad = by_unique(raw, _dates_of_text)
    return values.astype(DATE_DTYPE), bad.astype(bool)


# ------------------------------------------------------------------------ money / area
def _money_of_text(scale: float):
    def fn(u: pd.Series):
        s = u.str.replace(r"(?i)[¥,\s元]|RMB|CNY|人民币", "", regex=True)
        unit = s.str.extract(r"(万|亿)$")[0]
        s = s.str.replace(r"(万|亿)$", "", regex=True)
        factor = np.where(unit == "万", 1e4, np.where(unit == "亿", 1e8, scale))
        out = _num(s) * factor
        return out, _invalid(u, out)

    return fn


def money(raw: pd.Series, scale: float = 1.0) -> tuple[pd.Series, pd.Series]:
    """¥123万, 123.4万元, 1,234,567, ￥１２３ → float 元. ``scale`` applies to values
    without their own unit (a 成交总价(万元) header gives scale=10,000)."""
    values, bad = by_unique(raw, _money_of_text(scale))
    return values.astype("float64"), bad.astype(bool)


def _area_of_text(u: pd.Series):
    s = u.str.replace(r"(?i)平方米|平米|m2|sqm|[平,\s]", "", regex=True)
    out = _num(s)
    return out, _invalid(u, out)


def area(raw: pd.Series, scale: float = 1.0) -> tuple[pd.Series, pd.Series]:
    """89.5㎡, 89.5m2, 89.5平方米 → float ㎡."""
    values, bad = by_unique(raw, _area_of_text)
    return values.astype("float64") * scale, bad.astype(bool)


def number(raw: pd.Series, scale: float = 1.0) -> tuple[pd.Series, pd.Series]:
    def fn(u):
        out = _num(u.str.replace(r"[,\s]|[次岁个套人%]$", "", regex=True))
        return out, _invalid(u, out)

    values, bad = by_unique(raw, fn)
    return values.astype("float64") * scale, bad.astype(bool)


def integer(raw: pd.Series, scale: float = 1.0) -> tuple[pd.Series, pd.Series]:
    """3, 3次, 35岁, 3.0 → Int64; 3.5 is invalid, not rounded."""
    values, bad = number(raw, scale)
    frac = values.notna() & (values != np.floor(values))
    values = values.where(~frac)
    return values.astype("Int64"), bad | frac


_TRUE = ("是", "有", "y", "yes", "true", "1", "√", "✓", "对", "需要", "已投诉")
_FALSE = ("否", "无", "n", "no", "false", "0", "×", "x", "不是", "不需要", "未投诉")


def boolean(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    def fn(u):
        low = u.str.lower()
        out = pd.Series(pd.NA, index=u.index, dtype="boolean")
        out = out.mask(low.isin(_TRUE).fillna(False).astype(bool), True)
        out = out.mask(low.isin(_FALSE).fillna(False).astype(bool), False)
        return out, _invalid(u, out)

    values, bad = by_unique(raw, fn)
    return values.astype("boolean"), bad.astype(bool)


# ------------------------------------------------------------------------------ phones
def _phone_of_text(u: pd.Series):
    s = u.str.replace(r"[\s\-()（）.]", "", regex=True)
    s = s.str.replace(r"^(?:\+86|0086|86(?=1\d{10}$))", "", regex=True)
    mobile = s.str.fullmatch(r"1[3-9]\d{9}").fillna(False).astype(bool)
    land = s.str.fullmatch(r"0[1-9]\d{8,10}").fillna(False).astype(bool)
    out = s.where(mobile | land)
    return out, _invalid(u, out)


def phones(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """+86 138-0013-8000, 138 0013 8000, 010-12345678 → digits ('13800138000',
    '01012345678'); anything else invalid."""
    values, bad = by_unique(raw, _phone_of_text)
    return values.astype("str"), bad.astype(bool)


def mask_phone(phone: pd.Series) -> pd.Series:
    """13800138000 → 138****8000; landline 01012345678 → 0101****5678."""
    head = phone.str.slice(0, 3).where(phone.str.startswith("1"), phone.str.slice(0, 4))
    return head + "****" + phone.str.slice(-4)


_PII_IN_TEXT = r"(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d){8}|\d{17}[\dXx]|\d{15}"


def scrub_text(values: pd.Series) -> pd.Series:
    """Free text with phone or ID numbers inside → those replaced by ***."""
    return values.str.replace(_PII_IN_TEXT, "***", regex=True)
