"""One set of number rules for everything a reader sees (foundation: no analysis imports).

- money: one unit per column, chosen from the column's magnitude (元 / 万元 / 亿元), with
  the unit in the header, never in the cells; in sentences and cards the unit follows the
  number ("1.74 亿元");
- counts: integers with thousands separators;
- percentages and rates: 1 decimal ("12.3%"); percentage points "+1.2 个百分点";
- NPS and CSI: 1 decimal;
- p-values: 3 decimals or "<0.001";
- a missing value is "—" and is never significant (:func:`significant`).

``kind`` names used by :func:`value` and by ``present.table(formats=...)``: ``int``
(counts), ``money``, ``pct`` (a share 0–1), ``pct100`` (a percentage already ×100), ``pp``, ``index`` (NPS, CSI), ``float`` (1 decimal),
``mean`` (2 decimals: means of rating scales), ``p``, ``price`` (元/㎡), ``days``,
``age`` (whole numbers).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

MISSING = "—"
#: money units: (name, divisor, decimals), from the largest
MONEY_UNITS: tuple[tuple[str, float, int], ...] = (("亿元", 1e8, 2), ("万元", 1e4, 1), ("元", 1.0, 0))
KINDS = ("int", "money", "pct", "pct100", "pp", "index", "float", "mean", "p", "price", "days", "age")
_MONEY_HEADER = re.compile(r"\s*[（(]\s*(亿元|万元|元)\s*[)）]\s*$")


def is_missing(v) -> bool:
    """None, NaN, pd.NA, NaT or a non-number string placeholder."""
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, (float, np.floating)):
        return math.isnan(float(v))
    return False


def _num(v) -> float | None:
    if is_missing(v) or isinstance(v, bool):
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def count(v) -> str:
    x = _num(v)
    return MISSING if x is None else f"{round(x):,}"


def pct(v) -> str:
    """A share 0–1 as a percentage with 1 decimal."""
    x = _num(v)
    return MISSING if x is None else f"{x * 100:.1f}%"


def pp(v) -> str:
    """A difference of two shares (0–1) in percentage points."""
    x = _num(v)
    return MISSING if x is None else f"{x * 100:+.1f} 个百分点"


def index(v) -> str:
    """NPS, CSI and other 0–100 indices: 1 decimal."""
    x = _num(v)
    return MISSING if x is None else f"{x:.1f}"


def decimal(v, places: int = 1) -> str:
    x = _num(v)
    return MISSING if x is None else f"{x:,.{places}f}"


def p_value(v) -> str:
    """3 decimals, "<0.001" below that; "—" when the test was not computed."""
    x = _num(v)
    if x is None:
        return MISSING
    return "<0.001" if x < 0.001 else f"{x:.3f}"


def significant(p, alpha: float) -> bool:
    """p < alpha; a missing p-value is never significant."""
    x = _num(p)
    return x is not None and x < alpha


def significant_mask(p: pd.Series, alpha: float) -> pd.Series:
    """Vectorised :func:`significant` (False where p is missing)."""
    x = pd.to_numeric(p, errors="coerce")
    return (x < alpha).fillna(False).astype(bool)


def money_unit(values) -> tuple[str, float, int]:
    """(unit, divisor, decimals) for a set of amounts in 元, from their magnitude: the
    largest unit in which the median non-zero absolute amount is at least 1."""
    x = pd.to_numeric(pd.Series(values, dtype="object"), errors="coerce").abs()
    x = x[(x > 0) & x.notna()]
    if x.empty:
        return MONEY_UNITS[1]
    mid = float(x.median())
    for unit in MONEY_UNITS:
        if mid >= unit[1]:
            return unit
    return MONEY_UNITS[-1]


def money_in(v, unit: tuple[str, float, int]) -> str:
    """An amount in 元 expressed in ``unit`` (from :func:`money_unit`), without the unit."""
    x = _num(v)
    if x is None:
        return MISSING
    _, div, places = unit
    return f"{x / div:,.{places}f}"


def money(v) -> str:
    """An amount in 元 as a sentence or card shows it: the number with its unit."""
    x = _num(v)
    if x is None:
        return MISSING
    unit = money_unit([x])
    return f"{money_in(x, unit)} {unit[0]}"


def money_header(header: str, unit: tuple[str, float, int]) -> str:
    """A money column's header with its unit: "金额(元)" → "金额（万元）"."""
    return f"{_MONEY_HEADER.sub('', str(header))}（{unit[0]}）"


def value(v, kind: str = "int") -> str:
    """One value by kind (see the module docstring); money here carries its own unit.
    A value that is not a number (a label, an already formatted text) is shown as it is."""
    if is_missing(v):
        return MISSING
    if _num(v) is None:
        return str(v)
    if kind == "money":
        return money(v)
    if kind == "pct":
        return pct(v)
    if kind == "pct100":  # a percentage already ×100 (attainment 93.9 → "93.9%")
        return f"{decimal(v, 1)}%"
    if kind == "pp":
        return pp(v)
    if kind == "index":
        return index(v)
    if kind == "float":
        return decimal(v, 1)
    if kind == "mean":
        return decimal(v, 2)
    if kind == "p":
        return p_value(v)
    if kind == "price":
        x = _num(v)
        return MISSING if x is None else f"{x:,.0f} 元/㎡"
    return count(v)  # int, days, age: whole numbers


#: default kinds by column header, for tables that do not name a format
_HEADER_KINDS: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(r"^p\s*_?值|^p_value$|^p$", re.I), "p"),
    (re.compile(r"NPS|CSI|满意度指数|指数", re.I), "index"),
    (re.compile(r"[(（]%[)）]|百分点"), "float"),  # percentages already ×100: 1 decimal
    (re.compile(r"人数|样本|客户数|套数|户数|单元格|自由度|份数|^n$|个数|天数|年龄"), "int"),
)


def kind_for(header: str) -> str | None:
    """The kind a column gets by its (Chinese) header when the table names none."""
    h = str(header)
    for pattern, kind in _HEADER_KINDS:
        if pattern.search(h):
            return kind
    return None


def column(
    values: pd.Series, kind: str | None, unit: tuple[str, float, int] | None = None
) -> tuple[list[str], tuple[str, float, int] | None]:
    """Display texts of one column and, for money, the unit used (``unit``: the one chosen
    for the whole table, else chosen for this column).

    Without a kind: integer-valued float columns print as integers ("2", not "2.00"); columns
    holding values of 10 or more in magnitude (indices, scores, rates in %) with 1 decimal;
    small values (means of rating scales, coefficients) with 2."""
    if kind == "money":
        unit = unit or money_unit(values)
        return [money_in(v, unit) for v in values], unit
    if kind is not None:
        return [value(v, kind) for v in values], None
    num = pd.to_numeric(values, errors="coerce") if values.dtype.kind in "fiu" else None
    if num is not None and values.dtype.kind == "f":
        finite = num.dropna()
        if len(finite) and bool((finite == finite.round()).all()):
            places = 0
        else:
            places = 1 if len(finite) and float(finite.abs().max()) >= 10 else 2
        return [decimal(v, places) for v in values], None
    return [None] * len(values), None  # not numeric: the caller renders as text
