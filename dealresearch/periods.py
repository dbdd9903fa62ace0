"""Reporting periods: "2026Q3", "2026", "2026-07", "2026W14" and shifts between them."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from .errors import ParameterError

_PATTERNS = (
    ("quarter", re.compile(r"^(\d{4})\s*[Qq]([1-4])$")),
    ("quarter", re.compile(r"^(\d{4})年?第?([1-4一二三四])季度$")),
    ("month", re.compile(r"^(\d{4})-(\d{1,2})$")),
    ("month", re.compile(r"^(\d{4})年(\d{1,2})月$")),
    ("week", re.compile(r"^(\d{4})-?W(\d{1,2})$")),
    ("year", re.compile(r"^(\d{4})年?$")),
)
_CN_DIGITS = {"一": "1", "二": "2", "三": "3", "四": "4"}


@dataclass(frozen=True)
class Period:
    """A closed calendar period [start, end] (end is the last day, inclusive)."""

    kind: str  # "year" | "quarter" | "month" | "week"
    year: int
    number: int  # quarter 1–4, month 1–12, ISO week; 0 for a year

    @property
    def start(self) -> pd.Timestamp:
        if self.kind == "year":
            return pd.Timestamp(self.year, 1, 1)
        if self.kind == "quarter":
            return pd.Timestamp(self.year, 3 * self.number - 2, 1)
        if self.kind == "month":
            return pd.Timestamp(self.year, self.number, 1)
        return pd.Timestamp.fromisocalendar(self.year, self.number, 1)

    @property
    def end(self) -> pd.Timestamp:
        offsets = {
            "year": pd.DateOffset(years=1),
            "quarter": pd.DateOffset(months=3),
            "month": pd.DateOffset(months=1),
            "week": pd.DateOffset(weeks=1),
        }
        return self.start + offsets[self.kind] - pd.Timedelta(days=1)

    @property
    def label(self) -> str:
        """Canonical text form, parseable by :func:`parse_period`."""
        return {
            "year": f"{self.year}",
            "quarter": f"{self.year}Q{self.number}",
            "month": f"{self.year}-{self.number:02d}",
            "week": f"{self.year}W{self.number:02d}",
        }[self.kind]

    @property
    def label_zh(self) -> str:
        return {
            "year": f"{self.year}年",
            "quarter": f"{self.year}年第{self.number}季度",
            "month": f"{self.year}年{self.number}月",
            "week": f"{self.year}年第{self.number}周",
        }[self.kind]

    def __str__(self) -> str:
        return self.label

    def contains(self, dates: pd.Series) -> pd.Series:
        """Boolean mask: dates within the period (NaT is False)."""
        d = pd.to_datetime(dates)
        return (d >= self.start) & (d < self.end + pd.Timedelta(days=1))

    def shift(self, n: int) -> Period:
        """The period n steps later (negative: earlier), of the same kind."""
        if self.kind == "year":
            return Period("year", self.year + n, 0)
        if self.kind == "quarter":
            idx = self.year * 4 + (self.number - 1) + n
            return Period("quarter", idx // 4, idx % 4 + 1)
        if self.kind == "month":
            idx = self.year * 12 + (self.number - 1) + n
            return Period("month", idx // 12, idx % 12 + 1)
        iso = (self.start + pd.Timedelta(weeks=n)).isocalendar()
        return Period("week", iso[0], iso[1])

    def previous(self) -> Period:
        """Previous period of the same kind (QoQ / MoM base)."""
        return self.shift(-1)

    def year_ago(self) -> Period:
        """Same period one year earlier (YoY base)."""
        if self.kind == "week":
            return Period("week", self.year - 1, min(self.number, 52))
        return Period(self.kind, self.year - 1, self.number)


def parse_period(text: str | Period) -> Period:
    """Parse "2026Q3", "2026年第3季度", "2026-07", "2026年7月", "2026W14" or "2026"."""
    if isinstance(text, Period):
        return text
    s = str(text).strip()
    for kind, pattern in _PATTERNS:
        m = pattern.match(s)
        if not m:
            continue
        year = int(m.group(1))
        number = int(_CN_DIGITS.get(m.group(2), m.group(2))) if kind != "year" else 0
        if kind == "month" and not 1 <= number <= 12:
            break
        if kind == "week" and not 1 <= number <= 53:
            break
        if not 1900 <= year <= 2200:
            break
        return Period(kind, year, number)
    raise ParameterError(
        f"无法识别的期间“{text}”：请写成 2026Q3（季度）、2026-07（月）、2026W14（周）或 2026（年）。"
    )


def period_of(dates: pd.Series, kind: str = "quarter") -> pd.Series:
    """Canonical period label of each date ("2026Q3", "2026-07", "2026", "2026W05"),
    parseable by :func:`parse_period`; NaT → missing."""
    d = pd.to_datetime(dates)
    year = d.dt.year.astype("Int64").astype("str")
    if kind == "quarter":
        out = year + "Q" + d.dt.quarter.astype("Int64").astype("str")
    elif kind == "month":
        out = d.dt.strftime("%Y-%m")
    elif kind == "year":
        out = year
    elif kind == "week":
        iso = d.dt.isocalendar()
        out = iso["year"].astype("Int64").astype("str") + "W" + iso["week"].astype("Int64").astype("str").str.zfill(2)
    else:
        raise ParameterError(f"不支持的期间类型“{kind}”：可选 year / quarter / month / week。")
    return out.where(d.notna())


def latest_complete_quarter(dates: pd.Series, asof: pd.Timestamp | None = None) -> Period:
    """The last quarter that has ended (by ``asof``, default the latest date in the data
    plus one day) and holds data."""
    d = pd.to_datetime(dates).dropna()
    if d.empty:
        raise ParameterError("数据中没有任何日期，无法确定最近的完整季度。")
    asof = pd.Timestamp(asof) if asof is not None else d.max() + pd.Timedelta(days=1)
    q = Period("quarter", asof.year, (asof.month - 1) // 3 + 1)
    if asof < q.end + pd.Timedelta(days=1):  # asof inside q: q is not complete
        q = q.previous()
    while q.end >= d.min():
        if q.contains(d).any():
            return q
        q = q.previous()
    raise ParameterError("数据中没有已结束的完整季度。")
