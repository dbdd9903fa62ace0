"""Growth rates (环比 MoM / QoQ, 同比 YoY) with a defined result for every base.

``growth_rate(current, base, covered)`` returns the rate as a ratio (0.125 = +12.5 %) and
a status text; the rate is NaN whenever it is not meaningful:

=================  ====================  =========================================
case               rate                  status
=================  ====================  =========================================
base > 0           (current − base)/base 正常
base = 0, cur = 0  NaN                   基期与本期均为零
base = 0, cur ≠ 0  NaN                   基期为零
base < 0           NaN                   基期为负 (net signings can be negative)
base not covered   NaN                   无基期数据 (the base period lies before the
                                         unit's first event: no data, not zero)
current missing    NaN                   无本期数据
=================  ====================  =========================================
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..periods import Period, parse_period
from ..schema import History, Target
from .columns import Actuals, Growth
from .ledger import LEVEL_COLUMNS, actual_in

OK, BOTH_ZERO, ZERO_BASE, NEGATIVE_BASE, NO_BASE, NO_CURRENT = (
    "正常",
    "基期与本期均为零",
    "基期为零",
    "基期为负",
    "无基期数据",
    "无本期数据",
)


def growth_rate(current, base, covered=True) -> tuple[pd.Series, pd.Series]:
    """Vectorised growth rate (ratio) and status for aligned current / base values.

    ``covered`` (bool or boolean Series) says whether the base period lies within the
    data; False gives 无基期数据 regardless of the base value."""
    cur = (
        pd.Series(current, dtype="float64")
        if not isinstance(current, pd.Series)
        else current.astype("float64")
    )
    b = (
        pd.Series(base, dtype="float64", index=cur.index)
        if not isinstance(base, pd.Series)
        else base.astype("float64")
    )
    cov = pd.Series(covered, index=cur.index) if not isinstance(covered, pd.Series) else covered
    cov = cov.astype("boolean").fillna(False).astype(bool)
    conditions = [cur.isna(), ~cov | b.isna(), (b == 0) & (cur == 0), b == 0, b < 0]
    status = np.select(conditions, [NO_CURRENT, NO_BASE, BOTH_ZERO, ZERO_BASE, NEGATIVE_BASE], OK)
    rate = ((cur - b) / b).where(status == OK)
    return rate, pd.Series(status, index=cur.index)


def _first_event(ev: pd.DataFrame, level: str) -> pd.Series:
    col = LEVEL_COLUMNS[level]
    if col is None:
        return pd.Series({"集团": ev[History.event_date].min()})
    return ev.groupby(col)[History.event_date].min()


def growth(
    ev: pd.DataFrame,
    period: str | Period,
    *,
    level: str = "集团",
    metrics: tuple[str, ...] = (Actuals.net_units, Actuals.net_amount),
) -> pd.DataFrame:
    """环比 (previous period) and 同比 (same period a year earlier) growth of each unit of
    ``level`` for ``metrics`` (columns of :func:`sales.actuals`). For a year period only
    同比 is given (its previous period is the year ago).

    One row per unit × metric × comparison: unit, period, metric, current, comparison,
    base_period, base, growth_rate (ratio), growth_status (see module doc)."""
    p = parse_period(period)
    cur = actual_in(ev, p, level)
    first = _first_event(ev, level)
    bases = [("同比", p.year_ago())] if p.kind == "year" else [("环比", p.previous()), ("同比", p.year_ago())]
    units = cur.index.union(first.index)
    rows = []
    for name, bp in bases:
        base = actual_in(ev, bp, level).reindex(units).fillna(0)
        covered = first.reindex(units) <= bp.end
        c = cur.reindex(units).fillna(0)
        for m in metrics:
            rate, status = growth_rate(c[m], base[m], covered)
            rows.append(
                pd.DataFrame(
                    {
                        Target.unit: units,
                        Actuals.period: p.label,
                        Growth.metric: m,
                        Growth.current: c[m].to_numpy(),
                        Growth.comparison: name,
                        Growth.base_period: bp.label,
                        Growth.base: base[m].to_numpy(),
                        Growth.rate: rate.to_numpy(),
                        Growth.status: status.to_numpy(),
                    }
                )
            )
    out = pd.concat(rows, ignore_index=True)
    return out.sort_values([Target.unit, Growth.metric, Growth.comparison], kind="stable").reset_index(drop=True)


def growth_wide(
    ev: pd.DataFrame, period: str | Period, *, level: str = "项目", metric: str = Actuals.net_amount
) -> pd.DataFrame:
    """One row per unit: current, then the 环比 and 同比 base, rate and status side by side
    (columns of :class:`GrowthWide`; a year period has no 环比 columns)."""
    g = growth(ev, period, level=level, metrics=(metric,))
    wide = g.pivot(index=Target.unit, columns=Growth.comparison, values=[Growth.base, Growth.rate, Growth.status])
    wide.columns = [_WIDE[(v, cmp)] for v, cmp in wide.columns]
    cur = g.drop_duplicates(Target.unit).set_index(Target.unit)[Growth.current]
    order = [c for c in GrowthWide.ORDER if c in wide.columns]
    return pd.concat([cur, wide[order]], axis=1).reset_index()


class GrowthWide:
    """Columns of :func:`growth_wide` (besides ``unit`` and ``current``)."""

    prev_base = "prev_base"
    prev_rate = "prev_growth_rate"
    prev_status = "prev_growth_status"
    yoy_base = "yoy_base"
    yoy_rate = "yoy_growth_rate"
    yoy_status = "yoy_growth_status"
    ORDER = (prev_base, prev_rate, prev_status, yoy_base, yoy_rate, yoy_status)


_WIDE = {
    (Growth.base, "环比"): GrowthWide.prev_base,
    (Growth.rate, "环比"): GrowthWide.prev_rate,
    (Growth.status, "环比"): GrowthWide.prev_status,
    (Growth.base, "同比"): GrowthWide.yoy_base,
    (Growth.rate, "同比"): GrowthWide.yoy_rate,
    (Growth.status, "同比"): GrowthWide.yoy_status,
}
