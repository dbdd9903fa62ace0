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
from ..schema import H, T
from .ledger import LABELS, LEVEL_COLUMNS, A, G, actual_in

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
        return pd.Series({"集团": ev[H.event_date].min()})
    return ev.groupby(col)[H.event_date].min()


def growth(
    ev: pd.DataFrame,
    period: str | Period,
    *,
    level: str = "集团",
    metrics: tuple[str, ...] = (A.net_units, A.net_amount),
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
                        T.unit: units,
                        A.period: p.label,
                        G.metric: m,
                        G.current: c[m].to_numpy(),
                        G.comparison: name,
                        G.base_period: bp.label,
                        G.base: base[m].to_numpy(),
                        G.rate: rate.to_numpy(),
                        G.status: status.to_numpy(),
                    }
                )
            )
    out = pd.concat(rows, ignore_index=True)
    return out.sort_values([T.unit, G.metric, G.comparison], kind="stable").reset_index(drop=True)


def growth_wide(
    ev: pd.DataFrame, period: str | Period, *, level: str = "项目", metric: str = A.net_amount
) -> pd.DataFrame:
    """One row per unit: current, 环比 and 同比 base, rate and status side by side."""
    g = growth(ev, period, level=level, metrics=(metric,))
    wide = g.pivot(index=T.unit, columns=G.comparison, values=[G.base, G.rate, G.status])
    wide.columns = [f"{cmp}{LABELS[v]}" for v, cmp in wide.columns]  # 环比基期值, 同比增长率 …
    cur = g.drop_duplicates(T.unit).set_index(T.unit)[G.current].rename("本期")
    return pd.concat([cur, wide], axis=1).reset_index()
