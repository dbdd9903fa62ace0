"""Who sells: rankings of reps, teams and projects, cycle time from first visit to
signing, satisfaction by rep, and the KPI cards / headline of the sales report.

Counting rules are those of :mod:`dealresearch.sales.ledger` (net = 签约 − 退房 + 换房 by date
of event)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import MIN_N
from ..errors import ParameterError
from ..fmt import value as fmt_number
from ..periods import Period, parse_period
from ..schema import NPS_DETRACTOR_MAX, NPS_PROMOTER_MIN, D, H, S, T
from .growth_rates import growth
from .ledger import CANCELLED, GROUP_UNIT, A, G, R, _aggregate
from .targets import attainment

#: which target level ranks which column
RANK_LEVELS: dict[str, str] = {D.sales_rep: "个人", D.sales_team: "团队", D.project: "项目"}


def scope_events(ev: pd.DataFrame, project: str | None = None) -> pd.DataFrame:
    """Events of one project (all when ``project`` is None)."""
    if project is None:
        return ev
    if project not in set(ev[D.project].dropna()):
        raise ParameterError(f"数据中没有项目“{project}”。")
    return ev[ev[D.project] == project]


def for_project(table: pd.DataFrame | None, events: pd.DataFrame, project: str | None) -> pd.DataFrame | None:
    """Rows of a per-unit table (attainment, pacing, growth: a ``unit`` column) that belong
    to ``project``: the project itself and its sales teams and reps as seen in ``events``.
    The whole table when ``project`` is None."""
    if table is None or project is None:
        return table
    own = scope_events(events, project)
    units = {project} | set(own[D.sales_team].dropna()) | set(own[D.sales_rep].dropna())
    return table[table["unit"].isin(units)]


def deals_of(deals: pd.DataFrame, project: str | None) -> pd.DataFrame:
    """The deals of one project (all when ``project`` is None)."""
    return deals if project is None else deals[deals[D.project] == project]


def rankings(
    ev: pd.DataFrame,
    period: str | Period,
    *,
    by: str = D.sales_rep,
    targets: pd.DataFrame | None = None,
    metric: str = A.net_amount,
) -> pd.DataFrame:
    """Ranking of reps / teams / projects in ``period`` by ``metric`` (ties share the
    better rank). Columns: rank, the unit, its main project (reps and teams), signed,
    cancelled, changed and net units / amounts, cancel_rate (退房 ÷ 签约 units),
    share_of_total (of the metric) and, with targets, amount / units attainment %."""
    if by not in RANK_LEVELS:
        raise ParameterError(f"排名维度“{by}”不支持：可选 置业顾问、销售团队、项目。")
    p = parse_period(period)
    sub = ev[p.contains(ev[H.event_date]) & ev[by].notna()]
    out = _aggregate(sub, [by])
    if out.empty:
        return out.assign(**{R.rank: pd.Series(dtype="Int64")})
    if by != D.project:
        counts = sub.groupby([by, D.project], observed=True).size().reset_index(name="_n")
        counts = counts.sort_values(["_n", D.project], ascending=[False, True], kind="stable")
        main = counts.drop_duplicates(by).set_index(by)[D.project]
        out.insert(1, D.project, out[by].map(main))
    out[R.cancel_rate] = out[A.cancelled_units] / out[A.signed_units].where(out[A.signed_units] > 0)
    total = out[metric].sum()
    out[R.share] = out[metric] / total if total else np.nan
    if targets is not None and len(targets):
        att = attainment(ev, targets, p, RANK_LEVELS[by]).set_index(T.unit)
        out[A.amount_attainment] = out[by].map(att[A.amount_attainment])
        out[A.units_attainment] = out[by].map(att[A.units_attainment])
    out.insert(0, R.rank, out[metric].rank(ascending=False, method="min").astype("Int64"))
    return out.sort_values([R.rank, by], kind="stable").reset_index(drop=True)


def cycle_time(
    deals: pd.DataFrame, period: str | Period | None = None, by: str | None = None, min_n: int = MIN_N
) -> pd.DataFrame:
    """Days from first visit to signing of signed deals (signing date in ``period``).

    Deals without a first-visit date, or whose first visit is after the signing (a data
    error), are excluded and counted in ``excluded``. Columns: n, mean_days,
    median_days, p25_days, p75_days, excluded, small_n (n < ``min_n``)."""
    d = deals[deals[D.sign_date].notna()]
    if period is not None:
        d = d[parse_period(period).contains(d[D.sign_date])]
    fv = d[D.first_visit_date] if D.first_visit_date in d else pd.Series(pd.NaT, index=d.index)
    days = (pd.to_datetime(d[D.sign_date]) - pd.to_datetime(fv)).dt.days.astype("float64")
    days = days.where(days >= 0)
    keys = [d[by]] if by else [pd.Series(GROUP_UNIT, index=d.index, name=T.unit)]
    g = days.groupby(keys, observed=True)
    out = pd.DataFrame(
        {
            R.n: g.count(),
            R.mean_days: g.mean(),
            R.median_days: g.median(),
            R.p25_days: g.quantile(0.25),
            R.p75_days: g.quantile(0.75),
            R.excluded: days.isna().groupby(keys, observed=True).sum(),
        }
    )
    out[R.small_n] = out[R.n] < min_n
    return out.reset_index()


def satisfaction_by_rep(
    deals: pd.DataFrame,
    surveys: pd.DataFrame,
    *,
    until: pd.Timestamp | None = None,
    months: int = 12,
    min_n: int = MIN_N,
) -> pd.DataFrame:
    """Survey results per sales rep. Each survey is attributed to the rep of the
    customer's latest deal signed on or before the survey date (else the customer's
    first deal). With ``until``, only the surveys of the ``months`` months ending then.
    Columns: sales_rep, n, overall_mean (总体满意度), nps (推荐意愿 0–10: % 9–10 minus
    % 0–6), promoters, detractors (shares), small_n (n < ``min_n``). Empty when there are
    no surveys or no rep can be matched."""
    cols = [D.sales_rep, R.n, R.overall_mean, R.nps, R.promoters, R.detractors, R.small_n]
    if surveys is not None and until is not None:
        start = pd.Timestamp(until) - pd.DateOffset(months=months)
        surveys = surveys[(surveys[S.survey_date] > start) & (surveys[S.survey_date] <= pd.Timestamp(until))]
    if surveys is None or surveys.empty or D.sales_rep not in deals:
        return pd.DataFrame(columns=cols)
    dl = deals[deals[D.customer_key].notna() & deals[D.sales_rep].notna()]
    dl = (
        dl[[D.customer_key, D.sign_date, D.subscribe_date, D.sales_rep]]
        if D.subscribe_date in dl
        else dl[[D.customer_key, D.sign_date, D.sales_rep]]
    )
    date = dl[D.sign_date].fillna(dl[D.subscribe_date]) if D.subscribe_date in dl else dl[D.sign_date]
    dl = dl.assign(_d=pd.to_datetime(date).astype("datetime64[ns]")).dropna(subset=["_d"]).sort_values("_d")
    sv = surveys[surveys[S.customer_key].notna() & surveys[S.survey_date].notna()]
    sv = sv.assign(_d=pd.to_datetime(sv[S.survey_date]).astype("datetime64[ns]")).sort_values("_d")
    m = pd.merge_asof(
        sv, dl[[D.customer_key, "_d", D.sales_rep]], on="_d", by=D.customer_key, direction="backward"
    )
    first_rep = dl.drop_duplicates(D.customer_key).set_index(D.customer_key)[D.sales_rep]
    m[D.sales_rep] = m[D.sales_rep].fillna(m[S.customer_key].map(first_rep))
    m = m[m[D.sales_rep].notna()]
    if m.empty:
        return pd.DataFrame(columns=cols)
    rec = m[S.recommend] if S.recommend in m else pd.Series(np.nan, index=m.index)
    overall = m[S.overall] if S.overall in m else pd.Series(np.nan, index=m.index)
    promoter, detractor = rec >= NPS_PROMOTER_MIN, rec <= NPS_DETRACTOR_MAX
    m = m.assign(_p=promoter.where(rec.notna()), _dt=detractor.where(rec.notna()), _o=overall)
    g = m.groupby(D.sales_rep)
    out = pd.DataFrame(
        {
            R.n: g.size(),
            R.overall_mean: g["_o"].mean(),
            R.promoters: g["_p"].mean(),
            R.detractors: g["_dt"].mean(),
        }
    )
    out[R.nps] = (out[R.promoters] - out[R.detractors]) * 100
    out[R.small_n] = out[R.n] < min_n
    return out.reset_index().sort_values([R.nps, D.sales_rep], ascending=[False, True], kind="stable")[cols]


# ------------------------------------------------------------------------- report helpers
def _delta(row: pd.Series):
    return row[G.rate] if row[G.status] == "正常" else str(row[G.status])


def _scope_figures(
    ev: pd.DataFrame, targets: pd.DataFrame | None, p: Period, project: str | None
) -> tuple[str, str, pd.DataFrame, pd.DataFrame | None]:
    """What the KPI cards and the headline both report, computed once: the scope's level
    and unit (the group, or ``project``), the growth rows of that unit, and attainment
    (None without targets)."""
    level, unit = ("集团", GROUP_UNIT) if project is None else ("项目", project)
    g = growth(ev, p, level=level)
    # the group's headline also counts its projects: one call for every level is cheaper than two
    has_targets = targets is not None and len(targets)
    att = attainment(ev, targets, p, None if project is None else "项目") if has_targets else None
    return level, unit, g[g[T.unit] == unit], att


def _own_attainment(att: pd.DataFrame | None, level: str, unit: str) -> pd.Series | None:
    """The scope's attainment row when it has an amount attainment %, else None."""
    if att is None:
        return None
    own = att[(att[T.level] == level) & (att[T.unit] == unit)]
    return own.iloc[0] if len(own) and pd.notna(own[A.amount_attainment].iloc[0]) else None


def _kpi_cards(sub: pd.DataFrame, p: Period, figures: tuple) -> list[tuple]:
    """KPI cards from the scope's events ``sub`` and :func:`_scope_figures`."""
    level, unit, g, att = figures
    cards = []
    for metric, name, fmt in (
        (A.net_amount, "净签约金额", lambda v: fmt_number(v, "money")),
        (A.net_units, "净签约套数", lambda v: f"{v:,.0f} 套"),
    ):
        rows = g[g[G.metric] == metric].set_index(G.comparison)
        if rows.empty:
            cards.append((name, fmt(0), None))
            continue
        yoy = rows.loc["同比"]
        cap = None
        if "环比" in rows.index:
            mom = rows.loc["环比"]
            cap = f"环比 {mom[G.rate] * 100:+.1f}%" if mom[G.status] == "正常" else f"环比：{mom[G.status]}"
        cards.append((name, fmt(yoy[G.current]), _delta(yoy), cap))
    if att is not None:
        a = _own_attainment(att, level, unit)
        if a is not None:
            cards.append(
                (
                    "金额目标达成率",
                    f"{a[A.amount_attainment]:.1f}%",
                    None,
                    f"目标 {fmt_number(a[T.amount_target], 'money')}",
                )
            )
        else:
            cards.append(("金额目标达成率", "—", "无目标"))
    sub = sub[p.contains(sub[H.event_date])]
    signed = int((sub[H.status] == "签约").sum())
    cancelled = int((sub[H.status] == CANCELLED).sum())
    rate = f"退房率 {cancelled / signed * 100:.1f}%" if signed else "本期无签约"
    cards.append(("退房套数", f"{cancelled:,} 套", None, rate))
    return cards


def _headline_text(p: Period, project: str | None, figures: tuple) -> str:
    """The headline paragraph from :func:`_scope_figures`."""
    level, unit, g, att = figures
    g = g[g[G.metric] == A.net_amount].set_index(G.comparison)
    who = "集团" if project is None else f"项目“{project}”"
    if g.empty:
        return f"{p.label_zh}{who}没有签约记录。"
    cur = g[G.current].iloc[0]
    parts = [f"{p.label_zh}{who}净签约金额 {fmt_number(cur, 'money')}"]
    yoy = g.loc["同比"]
    parts.append(f"同比 {yoy[G.rate] * 100:+.1f}%" if yoy[G.status] == "正常" else f"同比{yoy[G.status]}")
    if att is not None:
        a = _own_attainment(att, level, unit)
        if a is not None:
            parts.append(f"金额目标达成率 {a[A.amount_attainment]:.1f}%")
        if level == "集团":
            proj = att[att[T.level] == "项目"].dropna(subset=[A.amount_attainment])
            low = proj[proj[A.amount_attainment] < 100]
            if len(proj):
                parts.append(f"{len(proj)} 个有目标的项目中 {len(low)} 个未达成")
    return "，".join(parts) + "。"


def kpis(
    ev: pd.DataFrame, targets: pd.DataFrame | None, period: str | Period, *, project: str | None = None
) -> list[tuple]:
    """KPI cards for ``present.kpis``: net amount and units (delta = 同比, caption 环比),
    amount attainment, cancellations. ``ev`` from :func:`sales.ledger`."""
    p = parse_period(period)
    sub = scope_events(ev, project)
    return _kpi_cards(sub, p, _scope_figures(ev, targets, p, project))


def headline(
    ev: pd.DataFrame,
    targets: pd.DataFrame | None,
    period: str | Period,
    *,
    asof=None,
    project: str | None = None,
) -> str:
    """A short Chinese paragraph summarising the period (for the 摘要 section)."""
    p = parse_period(period)
    return _headline_text(p, project, _scope_figures(ev, targets, p, project))


def summary(
    ev: pd.DataFrame, targets: pd.DataFrame | None, period: str | Period, *, project: str | None = None
) -> tuple[str, list[tuple]]:
    """:func:`headline` and :func:`kpis` of one report, sharing one computation of growth
    and attainment."""
    p = parse_period(period)
    sub = scope_events(ev, project)
    figures = _scope_figures(ev, targets, p, project)
    return _headline_text(p, project, figures), _kpi_cards(sub, p, figures)
