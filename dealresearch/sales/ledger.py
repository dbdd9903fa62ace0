"""Sales performance: signing events, actuals, targets, attainment and pacing.

Counting rules (documented once, used everywhere):

* **Events.** Every deal with a signing date contributes a 签约 event on that date (unless
  its status history already holds a 签约 event). The status history adds 退房 and 换房
  events on their ``event_date``. 认购 events are not signings and are ignored. A 退房 or
  换房 of a deal that was never signed (a cancelled subscription) is not counted: it never
  entered the signings.
* **Net signings** by date of event: ``net = 签约 − 退房 + 换房`` (``NET_SIGN`` below), in
  units (套) and in amount (元, the deal's ``total_price``). A period with many cancellations
  can therefore have a negative net.
* **Levels.** 集团 = every deal; 项目 = ``project``; 团队 = ``sales_team``; 个人 =
  ``sales_rep``.
* **Targets** (schema.Target, one row per period × level × unit) are monthly, quarterly,
  yearly or ISO-weekly. Asked for a period without a target of its own, a unit's finer
  targets inside it are summed (``target_source`` says so); coarser targets are never
  pro-rated.
* **Attainment %** = net actual ÷ target × 100; a zero target gives NaN with status
  ``目标为零``, a missing one ``无目标``.

Targets, attainment and pacing live in :mod:`dealresearch.sales.targets` (re-exported here:
``sales.attainment(...)``), growth rates in :mod:`dealresearch.sales.growth_rates`, rankings, cycle
time and satisfaction by rep in :mod:`dealresearch.sales.performance`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError, ParameterError
from ..periods import Period, parse_period, period_of
from ..schema import LEVELS, Deal, History, Status, Target
from .columns import Actuals

SIGNED, CANCELLED, CHANGED, SUBSCRIBED = Status.signed, Status.cancelled, Status.changed, Status.subscribed
#: contribution of each event to net signings
NET_SIGN: dict[str, int] = {SIGNED: 1, CANCELLED: -1, CHANGED: 1}
#: deal column holding the unit of each target level (None: the whole group)
LEVEL_COLUMNS: dict[str, str | None] = {
    "集团": None,
    "项目": Deal.project,
    "团队": Deal.sales_team,
    "个人": Deal.sales_rep,
}
GROUP_UNIT = "集团"


# Old single-letter names of the column classes, kept for the modules outside sales that still
# use them (strategy.findings.sales / service, metrics.kpis); new code uses the long names.

METRICS: tuple[str, ...] = (
    Actuals.signed_units,
    Actuals.signed_amount,
    Actuals.cancelled_units,
    Actuals.cancelled_amount,
    Actuals.changed_units,
    Actuals.changed_amount,
    Actuals.net_units,
    Actuals.net_amount,
)
KINDS: tuple[str, ...] = ("year", "quarter", "month", "week")
#: the period kinds inside each kind (a quarter holds months and weeks …)
FINER: dict[str, tuple[str, ...]] = {
    "year": ("quarter", "month", "week"),
    "quarter": ("month", "week"),
    "month": ("week",),
    "week": (),
}


# ------------------------------------------------------------------------------ events
def events(
    deals: pd.DataFrame, history: pd.DataFrame | None = None, net_sign: dict[str, int] | None = None
) -> pd.DataFrame:
    """One row per counted event: deal_id, status, event_date, project, sales_team,
    sales_rep, total_price, ``sign`` (+1/−1) and ``amount`` (sign × total_price).

    ``net_sign`` overrides :data:`NET_SIGN` (e.g. ``{"签约": 1, "退房": -1, "换房": 0}``
    where a 换房 merely moves a signed customer to another unit)."""
    net_sign = NET_SIGN if net_sign is None else net_sign
    if Deal.deal_id not in deals or Deal.sign_date not in deals:
        raise DataError("成交数据缺少“合同编号”或“签约日期”列，无法统计签约业绩。")
    attrs = [c for c in (Deal.project, Deal.sales_team, Deal.sales_rep, Deal.total_price) if c in deals]
    base = deals[[Deal.deal_id, Deal.sign_date, *attrs]].drop_duplicates(Deal.deal_id)
    signed = base[base[Deal.sign_date].notna()]
    sign_ev = pd.DataFrame(
        {History.deal_id: signed[Deal.deal_id], History.status: SIGNED, History.event_date: signed[Deal.sign_date]}
    )
    parts = [sign_ev]
    if history is not None and len(history):
        h = history[[History.deal_id, History.status, History.event_date]]
        h = h[h[History.status].isin([CANCELLED, CHANGED, SIGNED]) & h[History.event_date].notna()]
        hist_signed = h[h[History.status] == SIGNED]
        # a signing recorded in the history replaces the deal-table signing date
        parts = [sign_ev[~sign_ev[History.deal_id].isin(hist_signed[History.deal_id])], h]
    ev = pd.concat(parts, ignore_index=True).drop_duplicates([History.deal_id, History.status, History.event_date])
    ev[History.event_date] = pd.to_datetime(ev[History.event_date]).astype("datetime64[ns]")
    ever_signed = ev.loc[ev[History.status] == SIGNED, History.deal_id].unique()
    ev = ev[ev[History.deal_id].isin(ever_signed)]
    ev = ev.merge(base.drop(columns=[Deal.sign_date]), on=History.deal_id, how="left")
    for c in (Deal.project, Deal.sales_team, Deal.sales_rep):
        if c not in ev:
            ev[c] = pd.Series(pd.NA, index=ev.index, dtype="str")
    price = ev[Deal.total_price] if Deal.total_price in ev else pd.Series(np.nan, index=ev.index)
    ev[Actuals.sign] = ev[History.status].map(net_sign).astype("int64")
    ev[Actuals.amount] = ev[Actuals.sign] * price.astype("float64").fillna(0.0)
    return ev.sort_values([History.event_date, History.deal_id], kind="stable").reset_index(drop=True)


def aggregate(ev: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Signed / cancelled / changed / net units and amounts per key combination."""
    if ev.empty:
        return pd.DataFrame(
            {
                **{k: ev[k] for k in keys},
                **{m: pd.Series(dtype="int64" if m.endswith("units") else "float64") for m in METRICS},
            }
        )
    price = ev[Deal.total_price].astype("float64").fillna(0.0) if Deal.total_price in ev else ev[Actuals.amount].abs()
    ev = ev.assign(_one=1, _gross=price)
    g = ev.groupby([*keys, History.status], observed=True, dropna=False)[["_one", "_gross"]].sum()
    wide = g.unstack(History.status, fill_value=0)
    one, gross = wide["_one"], wide["_gross"]
    cols = {}  # built as arrays, then one frame (column-by-column assignment is the slow part)
    for status, units, amount in (
        (SIGNED, Actuals.signed_units, Actuals.signed_amount),
        (CANCELLED, Actuals.cancelled_units, Actuals.cancelled_amount),
        (CHANGED, Actuals.changed_units, Actuals.changed_amount),
    ):
        cols[units] = one[status].to_numpy().astype("int64") if status in one else 0
        cols[amount] = gross[status].to_numpy().astype("float64") if status in gross else 0.0
    net = ev.groupby(keys, observed=True, dropna=False)[[Actuals.sign, Actuals.amount]].sum().reindex(wide.index)
    cols[Actuals.net_units] = net[Actuals.sign].to_numpy().astype("int64")  # Σ sign: 签约 − 退房 + 换房
    cols[Actuals.net_amount] = net[Actuals.amount].to_numpy().astype("float64")
    return pd.DataFrame(cols, index=wide.index).reset_index()


def actuals(ev: pd.DataFrame, kind: str = "month", by: str | list[str] | None = None) -> pd.DataFrame:
    """Signed, cancelled, changed and net units / amounts per period (and ``by`` columns).

    ``ev`` is the output of :func:`events`. Periods without any event do not appear."""
    by = [by] if isinstance(by, str) else list(by or [])
    ev = ev.assign(**{Actuals.period: period_of(ev[History.event_date], kind)})
    out = aggregate(ev, [*by, Actuals.period])
    return out.sort_values([*by, Actuals.period], kind="stable").reset_index(drop=True)


def actual_in(ev: pd.DataFrame, period: str | Period, level: str = "集团") -> pd.DataFrame:
    """Net actuals of every unit of ``level`` within one period (index: unit)."""
    p = parse_period(period)
    col = _level_column(level)
    sub = ev[p.contains(ev[History.event_date])]
    if col is None:
        sub = sub.assign(**{Target.unit: GROUP_UNIT})
    else:
        sub = sub[sub[col].notna()].rename(columns={col: Target.unit})
    out = aggregate(sub, [Target.unit]).set_index(Target.unit)
    if col is None and out.empty:
        out = pd.DataFrame(0, index=pd.Index([GROUP_UNIT], name=Target.unit), columns=list(METRICS))
    return out


def year_to_date(ev: pd.DataFrame, period: str | Period) -> pd.DataFrame:
    """Events of the calendar year of ``period`` dated up to its end (a report for 2026Q3
    shows January–September 2026, nothing later)."""
    p = parse_period(period)
    dates = ev[History.event_date]
    return ev[parse_period(str(p.start.year)).contains(dates) & (dates < p.end + pd.Timedelta(days=1))]


def _level_column(level: str) -> str | None:
    if level not in LEVEL_COLUMNS:
        raise ParameterError(f"未知的层级“{level}”：可选 {'、'.join(LEVELS)}。")
    return LEVEL_COLUMNS[level]


def default_asof(ev: pd.DataFrame, period: str | Period | None = None) -> pd.Timestamp:
    """The statistics cut-off when none is given: the last event date in the data, but
    not after the end of ``period``."""
    last = pd.Timestamp(ev[History.event_date].max()) if len(ev) else pd.Timestamp.today().normalize()
    if period is not None:
        last = min(last, parse_period(period).end)
    return last
