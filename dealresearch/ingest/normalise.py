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

NUMBER = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)"
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
DATE_MIN, DATE_MAX = pd.Timestamp("1900-01-01"), pd.Timestamp("2100-12-31")
DATE_DTYPE = "datetime64[ns]"


# ------------------------------------------------------------------------ core helpers
def _cell_str(v) -> str | None:
    """One calamine/Python cell as text (integral floats without '.0')."""
    if v is None or v is pd.NA or v is pd.NaT:
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


def factorize(raw: pd.Series) -> tuple[np.ndarray, object]:
    """``(codes, uniques)`` like ``pd.factorize`` (−1 = missing), via pyarrow's
    dictionary encoding for Arrow-backed strings (several times faster)."""
    if isinstance(raw.array, pd.arrays.ArrowStringArray):
        arr = raw.array.__arrow_array__()
        enc = (arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr).dictionary_encode()
        codes = enc.indices.to_numpy(zero_copy_only=False)
        codes = np.where(enc.indices.is_null().to_numpy(zero_copy_only=False), -1, codes).astype(np.intp)
        return codes, pd.arrays.ArrowStringArray(enc.dictionary.cast(pa.large_string()).cast(pa.string()))
    return pd.factorize(raw, use_na_sentinel=True)


def arrow_text(values) -> pa.Array:
    """Text (Series, Index or array; a Categorical is decoded) as one contiguous Arrow
    ``large_string`` array — what the byte-level fast paths work on."""
    if isinstance(values, pd.Series | pd.Index):
        values = values.array
    if isinstance(values, pd.arrays.ArrowStringArray):
        arr = values.__arrow_array__()
    else:
        arr = pa.array(pd.Series(values, dtype="str").array)
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    return arr.cast(pa.large_string())


def byte_matrix(arr: pa.Array, width: int) -> np.ndarray | None:
    """An (n, width) uint8 view of Arrow strings that are all exactly ``width`` bytes (no
    missing value), else None."""
    arr = arr.cast(pa.large_string())
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    if not len(arr):
        return np.zeros((0, width), dtype=np.uint8)
    if arr.null_count or not pc.all(pc.equal(pc.binary_length(arr), width)).as_py():
        return None
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    return np.frombuffer(arr.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]].reshape(len(arr), width)


def take_text(values: pa.Array, positions: np.ndarray, index=None) -> pd.Series:
    """``values[positions]`` (−1 = missing) as a ``str`` Series: one Arrow take."""
    taken = values.take(pa.array(positions, mask=positions < 0))
    return pd.Series(pd.arrays.ArrowStringArray(taken.cast(pa.large_string())), index=index, dtype="str")


def matrix_strings(matrix: np.ndarray) -> pa.Array:
    """An (n, width) uint8 matrix as n Arrow strings of ``width`` bytes (no copy per row)."""
    n, width = matrix.shape
    offsets = pa.py_buffer((np.arange(n + 1, dtype=np.int64) * width).tobytes())
    data = pa.py_buffer(np.ascontiguousarray(matrix).tobytes())
    return pa.Array.from_buffers(pa.large_string(), n, [None, offsets, data])


def by_unique(
    raw: pd.Series, fn: Callable[[pd.Series], tuple], *, categorical: bool | tuple[int, ...] = False
) -> tuple:
    """Apply ``fn(text_of_uniques) -> (out1, out2, ...)`` to the distinct values of
    ``raw`` and broadcast each output back to ``raw``'s rows (same index).
    ``categorical``: the first output (or the outputs at these positions), text, comes
    back as a pandas Categorical with sorted categories (a small code per row)."""
    codes, uniques = factorize(raw)
    outs = fn(to_text(uniques))
    as_category = (0,) if categorical is True else categorical or ()
    result = []
    for i, out in enumerate(outs):
        if i in as_category:
            result.append(categorical_of(out, codes, raw.index, raw.name))
            continue
        arr = out.array if isinstance(out, pd.Series) else out
        fill = False if getattr(arr, "dtype", None) == np.bool_ else None
        taken = pd.api.extensions.take(arr, codes, allow_fill=True, fill_value=fill)
        result.append(pd.Series(taken, index=raw.index, name=raw.name))
    return tuple(result)


def categorical_of(values, codes: np.ndarray, index=None, name=None) -> pd.Series:
    """Rows ``values[codes]`` (−1 = missing) as a Categorical with sorted categories;
    ``values`` (one per distinct raw value) may repeat and hold missing values."""
    arr = pa.array(pd.Series(values, dtype="str").array, type=pa.large_string())
    enc = arr.dictionary_encode()
    order = pc.array_sort_indices(enc.dictionary).to_numpy().astype(np.int64)
    rank = np.empty(len(order) + 1, dtype=np.int64)
    rank[order] = np.arange(len(order))
    rank[-1] = -1  # missing
    vcodes = rank[enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)]
    rows = np.where(codes >= 0, vcodes[np.maximum(codes, 0)], -1) if len(vcodes) else np.full(len(codes), -1)
    cats = pd.Index(pd.arrays.ArrowStringArray(enc.dictionary.take(pa.array(order))), dtype="str")
    return pd.Series(pd.Categorical.from_codes(rows, dtype=pd.CategoricalDtype(cats)), index=index, name=name)


def _num(text: pd.Series) -> pd.Series:
    """Strict decimal parse: anything not a plain number → NaN."""
    return _plain(text)[0]


def _plain(text: pd.Series) -> tuple[pd.Series, bool]:
    """``(values, every_present_cell_plain)``: the strict parse, and whether it needed no
    cleaning at all (the common clean-export case: callers then skip their clean-up)."""
    ok = text.str.fullmatch(NUMBER).fillna(False).astype(bool)
    arr = pa.array(text.where(ok).array).cast(pa.float64())
    values = pd.Series(arr.to_numpy(zero_copy_only=False), index=text.index, dtype="float64")
    return values, bool((ok | text.isna()).all())


def _invalid(text: pd.Series, parsed: pd.Series) -> np.ndarray:
    return (text.notna() & parsed.isna()).to_numpy(dtype=bool)


# -------------------------------------------------------------------------------- text
def text(raw: pd.Series, categorical: bool = False) -> tuple[pd.Series, pd.Series]:
    (t,) = by_unique(raw, lambda u: (u,), categorical=categorical)
    return t, pd.Series(False, index=raw.index)


# ------------------------------------------------------------------------------- dates
def _floats(v) -> np.ndarray:
    if isinstance(v, np.ndarray) and v.dtype.kind in "iuf":
        return v.astype("float64")
    if isinstance(v, pd.Series) and pd.api.types.is_string_dtype(v.dtype) and v.dtype != object:
        try:
            return pa.array(v.array).cast(pa.float64()).to_numpy(zero_copy_only=False)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    return np.asarray(pd.to_numeric(pd.Series(np.asarray(v, dtype=object)), errors="coerce"), dtype="float64")


def ymd(year, month, day) -> np.ndarray:
    """Vectorised calendar dates (datetime64[ns]) from numeric year/month/day arrays;
    NaT where missing or impossible (2025-02-30)."""
    y, m, d = (_floats(v) for v in (year, month, day))
    ok = (
        ~(np.isnan(y) | np.isnan(m) | np.isnan(d))
        & (y >= 1900)
        & (y <= 2100)
        & (m >= 1)
        & (m <= 12)
        & (d >= 1)
    )
    months = np.where(ok, (y - 1970) * 12 + m - 1, 0).astype("int64").astype("datetime64[M]")
    start = months.astype("datetime64[D]")
    length = ((months + 1).astype("datetime64[D]") - start).astype("int64")
    ok &= d <= length
    out = (start + np.where(ok, d - 1, 0).astype("int64")).astype("datetime64[ns]")
    out[~ok] = np.datetime64("NaT")
    return out


_YMD = r"^([0-9]{4}) ?[-/.年] ?([0-9]{1,2}) ?[-/.月] ?([0-9]{1,2}) ?日?(?:[ T][0-9]{1,2}[:：][0-9]{2}(?:[:：][0-9]{2}(?:\.[0-9]+)?)?)?$"


def _dates_of_text(u: pd.Series) -> tuple[pd.Series, np.ndarray]:
    ymd_parts = u.str.extract(_YMD)
    compact = u.str.extract(r"^([0-9]{4})([0-9]{2})([0-9]{2})$")
    parts = ymd_parts.fillna(compact)
    out = pd.Series(ymd(parts[0], parts[1], parts[2]), index=u.index)
    serial = u.str.fullmatch(r"[0-9]{5}(?:\.[0-9]+)?").fillna(False).astype(bool)
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
        values, plain = _plain(u)
        if plain:
            return values * scale, np.zeros(len(u), dtype=bool)
        s = u.str.replace(r"[¥, 元]|RMB|rmb|CNY|cny|人民币", "", regex=True)
        wan, yi = (
            s.str.endswith("万").fillna(False).to_numpy(bool),
            s.str.endswith("亿").fillna(False).to_numpy(bool),
        )
        s = s.str.replace(r"[万亿]$", "", regex=True)
        factor = np.where(wan, 1e4, np.where(yi, 1e8, scale))
        out = _num(s) * factor
        return out, _invalid(u, out)

    return fn


def money(raw: pd.Series, scale: float = 1.0) -> tuple[pd.Series, pd.Series]:
    """¥123万, 123.4万元, 1,234,567, ￥１２３ → float 元. ``scale`` applies to values
    without their own unit (a 成交总价(万元) header gives scale=10,000)."""
    values, bad = by_unique(raw, _money_of_text(scale))
    return values.astype("float64"), bad.astype(bool)


def _area_of_text(u: pd.Series):
    values, plain = _plain(u)
    if plain:
        return values, np.zeros(len(u), dtype=bool)
    s = u.str.replace(r"平方米|平米|[mM]2|sqm|SQM|[平, ]", "", regex=True)
    out = _num(s)
    return out, _invalid(u, out)


def area(raw: pd.Series, scale: float = 1.0) -> tuple[pd.Series, pd.Series]:
    """89.5㎡, 89.5m2, 89.5平方米 → float ㎡."""
    values, bad = by_unique(raw, _area_of_text)
    return values.astype("float64") * scale, bad.astype(bool)


def number(raw: pd.Series, scale: float = 1.0) -> tuple[pd.Series, pd.Series]:
    def fn(u):
        values, plain = _plain(u)
        if plain:
            return values, np.zeros(len(u), dtype=bool)
        out = _num(u.str.replace(r"[, ]|[次岁个套人%]$", "", regex=True))
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
    mobile = u.str.fullmatch(r"1[3-9][0-9]{9}").fillna(False).astype(bool)
    if bool((mobile | u.isna()).all()):  # already clean mobiles: nothing to strip
        return u, np.zeros(len(u), dtype=bool)
    s = u.str.replace(r"[ \-()（）.]", "", regex=True)
    s = s.str.replace(r"^(?:\+86|0086)", "", regex=True)
    s = s.where(~s.str.fullmatch(r"861[3-9][0-9]{9}").fillna(False).astype(bool), s.str.slice(2))
    mobile = s.str.fullmatch(r"1[3-9][0-9]{9}").fillna(False).astype(bool)
    land = s.str.fullmatch(r"0[1-9][0-9]{8,10}").fillna(False).astype(bool)
    out = s.where(mobile | land)
    return out, _invalid(u, out)


def phones(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """+86 138-0013-8000, 138 0013 8000, 010-12345678 → digits ('13800138000',
    '01012345678'); anything else invalid."""
    values, bad = by_unique(raw, _phone_of_text)
    return values.astype("str"), bad.astype(bool)


def mask_phone(phone: pd.Series) -> pd.Series:
    """13800138000 → 138****8000; landline 01012345678 → 0101****5678. When every phone is
    an 11-digit mobile (the usual case) the mask is set on a byte matrix, else one regex."""
    arr = arrow_text(phone)
    chars = byte_matrix(arr, 11)
    if chars is not None and len(chars) and (chars[:, 0] == ord("1")).all():
        out = chars.copy()
        out[:, 3:7] = ord("*")
        masked = matrix_strings(out)
    else:
        masked = pc.replace_substring_regex(arr, r"^(1[0-9]{2}|[0-9]{4})[0-9]*([0-9]{4})$", r"\1****\2")
    return pd.Series(pd.arrays.ArrowStringArray(masked), index=phone.index, dtype="str")


_PII_IN_TEXT = r"(?:\+?86[\s-]?)?1[3-9][0-9](?:[\s-]?[0-9]){8}|[0-9]{17}[0-9Xx]|[0-9]{15}"


def scrub_text(values: pd.Series) -> pd.Series:
    """Free text with phone or ID numbers inside → those replaced by ***."""
    return values.str.replace(_PII_IN_TEXT, "***", regex=True)
