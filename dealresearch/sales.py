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
* **Targets** (schema.T, one row per period × level × unit) are monthly, quarterly,
  yearly or ISO-weekly. Asked for a period without a target of its own, a unit's finer
  targets inside it are summed (``target_source`` says so); coarser targets are never
  pro-rated.
* **Attainment %** = net actual ÷ target × 100; a zero target gives NaN with status
  ``目标为零``, a missing one ``无目标``.

Growth rates live in :mod:`dealresearch.growth`, rankings, cycle time and satisfaction by
rep in :mod:`dealresearch.performance`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import DataError, ParameterError
from .periods import Period, parse_period
from .schema import LEVELS, D, H, T

SIGNED, CANCELLED, CHANGED, SUBSCRIBED = "签约", "退房", "换房", "认购"
#: contribution of each event to net signings
NET_SIGN: dict[str, int] = {SIGNED: 1, CANCELLED: -1, CHANGED: 1}
#: deal column holding the unit of each target level (None: the whole group)
LEVEL_COLUMNS: dict[str, str | None] = {"集团": None, "项目": D.project, "团队": D.sales_team, "个人": D.sales_rep}
GROUP_UNIT = "集团"


# ------------------------------------------------------ output column names (new, owned here)
class A:
    """Columns of the event, actuals, attainment and pacing frames."""

    sign = "sign"  # +1 / −1 contribution of an event
    amount = "amount"  # signed amount contribution (元)
    period = "period"
    kind = "period_kind"
    signed_units = "signed_units"
    signed_amount = "signed_amount"
    cancelled_units = "cancelled_units"
    cancelled_amount = "cancelled_amount"
    changed_units = "changed_units"
    changed_amount = "changed_amount"
    net_units = "net_units"
    net_amount = "net_amount"
    units_actual = "units_actual"
    amount_actual = "amount_actual"
    units_attainment = "units_attainment"  # %
    amount_attainment = "amount_attainment"  # %
    target_source = "target_source"
    status = "attainment_status"
    elapsed_share = "elapsed_share"
    reached_share = "reached_share"
    gap = "pacing_gap"
    projected = "projected_amount"
    pacing_status = "pacing_status"


LABELS: dict[str, str] = {
    A.period: "期间", A.kind: "期间类型", A.signed_units: "签约套数", A.signed_amount: "签约金额(元)",
    A.cancelled_units: "退房套数", A.cancelled_amount: "退房金额(元)", A.changed_units: "换房套数",
    A.changed_amount: "换房金额(元)", A.net_units: "净签约套数", A.net_amount: "净签约金额(元)",
    A.units_actual: "实际套数", A.amount_actual: "实际金额(元)", A.units_attainment: "套数达成率(%)",
    A.amount_attainment: "金额达成率(%)", A.target_source: "目标来源", A.status: "达成说明",
    A.elapsed_share: "时间进度", A.reached_share: "目标完成进度", A.gap: "进度差",
    A.projected: "按进度预计全期金额(元)", A.pacing_status: "进度判断",
    T.year: "年度", T.quarter: "季度", T.month: "月份", T.week: "周", T.level: "层级", T.unit: "单位",
    T.units_target: "签约套数目标", T.amount_target: "签约金额目标(元)", T.collection_target: "回款目标(元)",
}
class G:
    """Columns of the growth table (new, owned here)."""

    metric = "metric"
    current = "current"
    comparison = "comparison"  # 环比 / 同比
    base_period = "base_period"
    base = "base"
    rate = "growth_rate"
    status = "growth_status"


_GROWTH_LABELS: dict[str, str] = {
    G.metric: "指标", G.current: "本期", G.comparison: "比较", G.base_period: "基期",
    G.base: "基期值", G.rate: "增长率", G.status: "说明", T.unit: "单位",
}


class R:
    """Columns of the ranking, cycle-time and satisfaction-by-rep tables (new, owned here)."""

    rank = "rank"
    share = "share_of_total"
    cancel_rate = "cancel_rate"
    n = "n"
    mean_days = "mean_days"
    median_days = "median_days"
    p25_days = "p25_days"
    p75_days = "p75_days"
    excluded = "excluded"
    overall_mean = "overall_mean"
    nps = "nps"
    promoters = "promoters"
    detractors = "detractors"
    small_n = "small_n"


_RANK_LABELS: dict[str, str] = {
    R.rank: "排名", R.share: "占合计比重", R.cancel_rate: "退房率", R.n: "样本量", R.mean_days: "平均天数",
    R.median_days: "中位天数", R.p25_days: "25%分位天数", R.p75_days: "75%分位天数",
    R.excluded: "剔除记录数", R.overall_mean: "总体满意度均值", R.nps: "NPS", R.promoters: "推荐者占比",
    R.detractors: "贬损者占比", R.small_n: "小样本",
}


LABELS |= _GROWTH_LABELS | _RANK_LABELS
METRICS: tuple[str, ...] = (A.signed_units, A.signed_amount, A.cancelled_units, A.cancelled_amount,
                            A.changed_units, A.changed_amount, A.net_units, A.net_amount)
KINDS: tuple[str, ...] = ("year", "quarter", "month", "week")
_FINER = {"year": ("quarter", "month", "week"), "quarter": ("month", "week"), "month": ("week",), "week": ()}


def labelled(df: pd.DataFrame) -> pd.DataFrame:
    """A copy with Chinese column names, for display (unknown names unchanged)."""
    from .schema import label

    return df.rename(columns=lambda c: LABELS.get(c, label(c)))


# ------------------------------------------------------------------------------ events
def events(deals: pd.DataFrame, history: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per counted event: deal_id, status, event_date, project, sales_team,
    sales_rep, total_price, ``sign`` (+1/−1) and ``amount`` (sign × total_price)."""
    if D.deal_id not in deals or D.sign_date not in deals:
        raise DataError("成交数据缺少“合同编号”或“签约日期”列，无法统计签约业绩。")
    attrs = [c for c in (D.project, D.sales_team, D.sales_rep, D.total_price) if c in deals]
    base = deals[[D.deal_id, D.sign_date, *attrs]].drop_duplicates(D.deal_id)
    signed = base[base[D.sign_date].notna()]
    sign_ev = pd.DataFrame({H.deal_id: signed[D.deal_id], H.status: SIGNED, H.event_date: signed[D.sign_date]})
    parts = [sign_ev]
    if history is not None and len(history):
        h = history[[H.deal_id, H.status, H.event_date]]
        h = h[h[H.status].isin([CANCELLED, CHANGED, SIGNED]) & h[H.event_date].notna()]
        hist_signed = h[h[H.status] == SIGNED]
        # a signing recorded in the history replaces the deal-table signing date
        parts = [sign_ev[~sign_ev[H.deal_id].isin(hist_signed[H.deal_id])], h]
    ev = pd.concat(parts, ignore_index=True).drop_duplicates([H.deal_id, H.status, H.event_date])
    ev[H.event_date] = pd.to_datetime(ev[H.event_date]).astype("datetime64[ns]")
    ever_signed = ev.loc[ev[H.status] == SIGNED, H.deal_id].unique()
    ev = ev[ev[H.deal_id].isin(ever_signed)]
    ev = ev.merge(base.drop(columns=[D.sign_date]), on=H.deal_id, how="left")
    for c in (D.project, D.sales_team, D.sales_rep):
        if c not in ev:
            ev[c] = pd.Series(pd.NA, index=ev.index, dtype="str")
    price = ev[D.total_price] if D.total_price in ev else pd.Series(np.nan, index=ev.index)
    ev[A.sign] = ev[H.status].map(NET_SIGN).astype("int64")
    ev[A.amount] = ev[A.sign] * price.astype("float64").fillna(0.0)
    return ev.sort_values([H.event_date, H.deal_id], kind="stable").reset_index(drop=True)


def period_labels(dates: pd.Series, kind: str) -> pd.Series:
    """Canonical period label (parseable by periods.parse_period) of each date."""
    d = pd.to_datetime(dates)
    if kind == "year":
        out = d.dt.year.astype("Int64").astype("str")
    elif kind == "quarter":
        out = d.dt.year.astype("Int64").astype("str") + "Q" + d.dt.quarter.astype("Int64").astype("str")
    elif kind == "month":
        out = d.dt.strftime("%Y-%m")
    elif kind == "week":
        iso = d.dt.isocalendar()
        out = iso["year"].astype("Int64").astype("str") + "W" + iso["week"].astype("Int64").astype("str").str.zfill(2)
    else:
        raise ParameterError(f"不支持的期间类型“{kind}”：可选 year / quarter / month / week。")
    return out.where(d.notna())


def _aggregate(ev: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Signed / cancelled / changed / net units and amounts per key combination."""
    if ev.empty:
        return pd.DataFrame({**{k: ev[k] for k in keys}, **{m: pd.Series(dtype="int64" if m.endswith("units") else "float64")
                                                            for m in METRICS}})
    ev = ev.assign(_one=1, _gross=ev[A.amount].abs())
    g = ev.groupby([*keys, H.status], observed=True, dropna=False)[["_one", "_gross"]].sum()
    wide = g.unstack(H.status, fill_value=0)
    out = pd.DataFrame(index=wide.index)
    for status, units, amount in ((SIGNED, A.signed_units, A.signed_amount),
                                  (CANCELLED, A.cancelled_units, A.cancelled_amount),
                                  (CHANGED, A.changed_units, A.changed_amount)):
        out[units] = wide["_one"][status].astype("int64") if status in wide["_one"] else 0
        out[amount] = wide["_gross"][status].astype("float64") if status in wide["_gross"] else 0.0
    out[A.net_units] = out[A.signed_units] - out[A.cancelled_units] + out[A.changed_units]
    out[A.net_amount] = out[A.signed_amount] - out[A.cancelled_amount] + out[A.changed_amount]
    return out.reset_index()


def actuals(ev: pd.DataFrame, kind: str = "month", by: str | list[str] | None = None) -> pd.DataFrame:
    """Signed, cancelled, changed and net units / amounts per period (and ``by`` columns).

    ``ev`` is the output of :func:`events`. Periods without any event do not appear."""
    by = [by] if isinstance(by, str) else list(by or [])
    ev = ev.assign(**{A.period: period_labels(ev[H.event_date], kind)})
    out = _aggregate(ev, [*by, A.period])
    return out.sort_values([*by, A.period], kind="stable").reset_index(drop=True)


def actual_in(ev: pd.DataFrame, period: str | Period, level: str = "集团") -> pd.DataFrame:
    """Net actuals of every unit of ``level`` within one period (index: unit)."""
    p = parse_period(period)
    col = _level_column(level)
    sub = ev[p.contains(ev[H.event_date])]
    if col is None:
        sub = sub.assign(**{T.unit: GROUP_UNIT})
    else:
        sub = sub[sub[col].notna()].rename(columns={col: T.unit})
    out = _aggregate(sub, [T.unit]).set_index(T.unit)
    if col is None and out.empty:
        out = pd.DataFrame(0, index=pd.Index([GROUP_UNIT], name=T.unit), columns=list(METRICS))
    return out


def _level_column(level: str) -> str | None:
    if level not in LEVEL_COLUMNS:
        raise ParameterError(f"未知的层级“{level}”：可选 {'、'.join(LEVELS)}。")
    return LEVEL_COLUMNS[level]


# ----------------------------------------------------------------------------- targets
def target_periods(targets: pd.DataFrame) -> pd.DataFrame:
    """Targets with their period kind, label, start and end added."""
    tg = targets.copy()
    week, month, quarter = (tg[c] if c in tg else pd.Series(pd.NA, index=tg.index) for c in (T.week, T.month, T.quarter))
    kind = np.select([week.notna(), month.notna(), quarter.notna()], ["week", "month", "quarter"], "year")
    year = tg[T.year].astype("Int64").astype("str")
    num = week.fillna(month).fillna(quarter).astype("Int64")
    lab = np.select(
        [kind == "week", kind == "month", kind == "quarter"],
        [year + "W" + num.astype("str").str.zfill(2), year + "-" + num.astype("str").str.zfill(2), year + "Q" + num.astype("str")],
        year,
    )
    tg[A.kind] = kind
    tg[A.period] = lab
    periods = {s: parse_period(s) for s in pd.unique(tg[A.period])}
    tg["_start"] = tg[A.period].map(lambda s: periods[s].start)
    tg["_end"] = tg[A.period].map(lambda s: periods[s].end)
    return tg


def targets_for(targets: pd.DataFrame, period: str | Period, level: str | None = None) -> pd.DataFrame:
    """Targets of one period per (level, unit): the period's own target, else the sum of
    the unit's finer targets lying inside it (``target_source`` says which)."""
    p = parse_period(period)
    tg = target_periods(targets)
    if level is not None:
        tg = tg[tg[T.level] == level]
    cols = [c for c in (T.units_target, T.amount_target, T.collection_target) if c in tg]
    own = tg[(tg[A.kind] == p.kind) & (tg[A.period] == p.label)]
    own = own.groupby([T.level, T.unit], sort=False)[cols].sum(min_count=1)
    own[A.target_source] = "本期目标"
    inside = tg[tg[A.kind].isin(_FINER[p.kind]) & (tg["_start"] >= p.start) & (tg["_start"] <= p.end)]
    parts = [own]
    if len(inside):
        # one granularity per unit: the coarsest finer kind available
        rank = inside[A.kind].map({k: i for i, k in enumerate(KINDS)})
        inside = inside[rank == rank.groupby([inside[T.level], inside[T.unit]]).transform("min")]
        fine = inside.groupby([T.level, T.unit], sort=False).agg(
            **{c: (c, lambda s: s.sum(min_count=1)) for c in cols}, _n=(A.kind, "size"), _k=(A.kind, "first"))
        fine = fine[~fine.index.isin(own.index)]
        names = {"quarter": "季度", "month": "月度", "week": "周"}
        fine[A.target_source] = "由" + fine["_n"].astype("str") + "个" + fine["_k"].map(names) + "目标汇总"
        parts.append(fine.drop(columns=["_n", "_k"]))
    out = pd.concat(parts) if len(parts) > 1 else own
    return out.reset_index().assign(**{A.period: p.label})


# -------------------------------------------------------------------------- attainment
def _pct(actual: pd.Series, target: pd.Series) -> pd.Series:
    t = target.astype("float64")
    return (actual.astype("float64") / t.where(t > 0)) * 100


def attainment(ev: pd.DataFrame, targets: pd.DataFrame, period: str | Period,
               level: str | None = None) -> pd.DataFrame:
    """Target vs net actual per (level, unit) for one period.

    Columns: level, unit, period, units_target, units_actual, units_attainment (%),
    amount_target, amount_actual, amount_attainment (%), collection_target (回款 actuals
    are not in the deal data, so no 回款 attainment), target_source, attainment_status."""
    p = parse_period(period)
    tg = targets_for(targets, p, level)
    frames = []
    for lvl, part in tg.groupby(T.level, sort=False):
        act = actual_in(ev, p, lvl).reindex(part[T.unit]).fillna(0)
        part = part.assign(**{A.units_actual: act[A.net_units].to_numpy(), A.amount_actual: act[A.net_amount].to_numpy()})
        frames.append(part)
    cols = [T.level, T.unit, A.period, T.units_target, A.units_actual, A.units_attainment,
            T.amount_target, A.amount_actual, A.amount_attainment, T.collection_target, A.target_source, A.status]
    if not frames:
        return pd.DataFrame(columns=cols)
    out = pd.concat(frames, ignore_index=True)
    for c in (T.units_target, T.amount_target, T.collection_target):
        if c not in out:
            out[c] = np.nan
    out[A.units_attainment] = _pct(out[A.units_actual], out[T.units_target])
    out[A.amount_attainment] = _pct(out[A.amount_actual], out[T.amount_target])
    main = out[T.amount_target].fillna(out[T.units_target])
    out[A.status] = np.select([main.isna(), main == 0], ["无目标", "目标为零"], "正常")
    order = {lv: i for i, lv in enumerate(LEVELS)}
    out = out.sort_values([T.level, T.unit], key=lambda s: s.map(order) if s.name == T.level else s, kind="stable")
    return out[cols].reset_index(drop=True)


def attainment_matrix(ev: pd.DataFrame, targets: pd.DataFrame, year: int, *, level: str = "项目",
                      kind: str = "month", metric: str = "amount") -> pd.DataFrame:
    """Attainment % of each unit (rows) in each month or quarter of ``year`` (columns),
    for the heat-map; NaN where there is no target."""
    col = A.amount_attainment if metric == "amount" else A.units_attainment
    n = {"month": 12, "quarter": 4}[kind]
    first = parse_period(f"{year}-01" if kind == "month" else f"{year}Q1")
    cols = {}
    for i in range(n):
        p = first.shift(i)
        att = attainment(ev, targets, p, level)
        cols[p.label] = att.set_index(T.unit)[col]
    mat = pd.DataFrame(cols)
    mat.index.name = T.unit
    mat.columns.name = A.period
    return mat


# ------------------------------------------------------------------------------ pacing
def running_periods(asof) -> tuple[Period, Period]:
    """The month and the quarter containing ``asof``."""
    t = pd.Timestamp(asof)
    return parse_period(f"{t.year}-{t.month:02d}"), parse_period(f"{t.year}Q{(t.month - 1) // 3 + 1}")


def pacing(ev: pd.DataFrame, targets: pd.DataFrame, asof, *, level: str = "集团",
           tolerance: float = 0.05) -> pd.DataFrame:
    """Share of target reached vs share of period elapsed, for the running month and
    quarter at ``asof`` (inclusive). ``reached_share`` = net amount (else units) ÷
    target; ``elapsed_share`` = days elapsed ÷ days in the period; ``pacing_gap`` =
    reached − elapsed; ``projected_amount`` = run-rate forecast for the whole period.
    Status 超前 / 落后 beyond ``tolerance`` (share points), else 基本同步; no target: 无目标."""
    asof = pd.Timestamp(asof).normalize()
    frames = []
    for p in running_periods(asof):
        upto = ev[ev[H.event_date] <= asof]
        att = attainment(upto, targets, p, level)
        if att.empty:
            continue
        days = (p.end - p.start).days + 1
        elapsed = ((asof - p.start).days + 1) / days
        use_amount = att[T.amount_target].notna()
        reached = np.where(use_amount, att[A.amount_attainment], att[A.units_attainment]) / 100
        att = att.assign(**{A.kind: p.kind, A.elapsed_share: elapsed, A.reached_share: reached,
                            A.projected: att[A.amount_actual] / elapsed})
        frames.append(att)
    if not frames:
        return pd.DataFrame(columns=[T.level, T.unit, A.period, A.elapsed_share, A.reached_share, A.gap, A.pacing_status])
    out = pd.concat(frames, ignore_index=True)
    out[A.gap] = out[A.reached_share] - out[A.elapsed_share]
    out[A.pacing_status] = np.select(
        [out[A.reached_share].isna(), out[A.gap] > tolerance, out[A.gap] < -tolerance],
        ["无目标", "超前", "落后"], "基本同步")
    keep = [T.level, T.unit, A.period, A.kind, T.amount_target, A.amount_actual, T.units_target, A.units_actual,
            A.elapsed_share, A.reached_share, A.gap, A.projected, A.pacing_status]
    return out[keep]
