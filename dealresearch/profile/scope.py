"""Scope selection: the deals of one research scope (period, project, status, filters).

Typical use::

    from dealresearch import profile
    d = profile.scope(deals, period="2026Q3", project="滨江壹号", status="签约")
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from ..derive import derive, label
from ..errors import ParameterError
from ..periods import Period, parse_period
from ..schema import Deal

__all__ = ["scope"]


def _as_list(v) -> list:
    if v is None:
        return []
    if isinstance(v, (str, Period)) or not isinstance(v, Iterable):
        return [v]
    return list(v)


def scope(
    deals: pd.DataFrame,
    period=None,
    project=None,
    status=None,
    unit_type=None,
    *,
    date_col: str = Deal.sign_date,
    until=None,
    add_derived: bool = True,
    **filters,
) -> pd.DataFrame:
    """The deals of one research scope, with derived fields added first.

    ``period``: "2026Q3", "2026", "2026-07", "2026W14" or a list of them (union), tested on
    ``date_col`` (signing date by default). ``project`` / ``status`` / ``unit_type`` and any
    ``column=value`` filter accept one value or a list. ``until`` (a period or a date)
    keeps deals dated up to its end: the cumulative customer base. Derived fields (repeat buyer,
    bands...) are computed on the full table before filtering, so earlier deals count.
    ``result.attrs["scope"]`` holds a Chinese description of the scope.
    """
    if date_col not in deals:
        raise ParameterError(f"成交数据中没有日期列“{label(date_col)}”（{date_col}），无法按期间筛选。")
    out = derive(deals, date_col=date_col) if add_derived else deals
    mask = pd.Series(True, index=out.index)
    desc = []
    periods = [parse_period(p) for p in _as_list(period)]
    if periods:
        dates = pd.to_datetime(out[date_col])
        pm = pd.Series(False, index=out.index)
        for p in periods:
            pm |= p.contains(dates)
        mask &= pm
        desc.append("、".join(p.label_zh for p in periods))
    if until is not None:
        try:
            end = parse_period(until).end
        except ParameterError:
            try:
                end = pd.Timestamp(until)
            except (ValueError, TypeError) as exc:
                raise ParameterError(f"无法识别的截止期间或日期“{until}”。") from exc
        mask &= (pd.to_datetime(out[date_col]) < end.normalize() + pd.Timedelta(days=1)).fillna(False)
        desc.append(f"截至{end:%Y-%m-%d}")
    conditions = {Deal.project: project, Deal.status: status, Deal.unit_type: unit_type, **filters}
    for col, value in conditions.items():
        values = _as_list(value)
        if not values:
            continue
        if col not in out:
            raise ParameterError(f"筛选字段“{label(col)}”（{col}）不在成交数据中。")
        present = out[col].astype("string")
        hit = present.isin([str(v) for v in values]).fillna(False)
        if col == Deal.project and not hit.any():
            known = "、".join(sorted(present.dropna().unique())[:20])
            raise ParameterError(
                f"项目“{'、'.join(map(str, values))}”在成交数据中不存在；现有项目：{known}。"
            )
        mask &= hit
        desc.append(f"{label(col)}：{'、'.join(map(str, values))}")
    result = out.loc[mask]
    result.attrs["scope"] = " · ".join(desc) if desc else "全部成交"
    return result
