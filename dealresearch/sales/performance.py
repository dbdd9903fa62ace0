"""Who sells: rankings of reps, teams and projects, cycle time from first visit to
signing, satisfaction by rep (the report's sentences and cards: dealresearch.present.sales_summary).

Counting rules are those of :mod:`dealresearch.sales.ledger` (net = 签约 − 退房 + 换房 by date
of event)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import MIN_N
from ..errors import ParameterError
from ..periods import Period, parse_period
from ..schema import NPS_DETRACTOR_MAX, NPS_PROMOTER_MIN, Deal, History, Survey, Target
from .columns import Actuals, Ranking
from .ledger import GROUP_UNIT, aggregate
from .targets import attainment

#: which target level ranks which column
RANK_LEVELS: dict[str, str] = {Deal.sales_rep: "个人", Deal.sales_team: "团队", Deal.project: "项目"}


def scope_events(ev: pd.DataFrame, project: str | None = None) -> pd.DataFrame:
    """Events of one project (all when ``project`` is None)."""
    if project is None:
        return ev
    if project not in set(ev[Deal.project].dropna()):
        raise ParameterError(f"数据中没有项目“{project}”。")
    return ev[ev[Deal.project] == project]


def for_project(table: pd.DataFrame | None, events: pd.DataFrame, project: str | None) -> pd.DataFrame | None:
    """Rows of a per-unit table (attainment, pacing, growth: a ``unit`` column) that belong
    to ``project``: the project itself and its sales teams and reps as seen in ``events``.
    The whole table when ``project`` is None."""
    if table is None or project is None:
        return table
    own = scope_events(events, project)
    units = {project} | set(own[Deal.sales_team].dropna()) | set(own[Deal.sales_rep].dropna())
    return table[table["unit"].isin(units)]


def deals_of(deals: pd.DataFrame, project: str | None) -> pd.DataFrame:
    """The deals of one project (all when ``project`` is None)."""
    return deals if project is None else deals[deals[Deal.project] == project]


def rankings(
    ev: pd.DataFrame,
    period: str | Period,
    *,
    by: str = Deal.sales_rep,
    targets: pd.DataFrame | None = None,
    metric: str = Actuals.net_amount,
) -> pd.DataFrame:
    """Ranking of reps / teams / projects in ``period`` by ``metric`` (ties share the
    better rank). Columns: rank, the unit, its main project (reps and teams), signed,
    cancelled, changed and net units / amounts, cancel_rate (退房 ÷ 签约 units),
    share_of_total (of the metric) and, with targets, amount / units attainment %."""
    if by not in RANK_LEVELS:
        raise ParameterError(f"排名维度“{by}”不支持：可选 置业顾问、销售团队、项目。")
    p = parse_period(period)
    sub = ev[p.contains(ev[History.event_date]) & ev[by].notna()]
    out = aggregate(sub, [by])
    if out.empty:
        return out.assign(**{Ranking.rank: pd.Series(dtype="Int64")})
    if by != Deal.project:
        counts = sub.groupby([by, Deal.project], observed=True).size().reset_index(name="_n")
        counts = counts.sort_values(["_n", Deal.project], ascending=[False, True], kind="stable")
        main = counts.drop_duplicates(by).set_index(by)[Deal.project]
        out.insert(1, Deal.project, out[by].map(main))
    out[Ranking.cancel_rate] = out[Actuals.cancelled_units] / out[Actuals.signed_units].where(out[Actuals.signed_units] > 0)
    total = out[metric].sum()
    out[Ranking.share] = out[metric] / total if total else np.nan
    if targets is not None and len(targets):
        att = attainment(ev, targets, p, RANK_LEVELS[by]).set_index(Target.unit)
        out[Actuals.amount_attainment] = out[by].map(att[Actuals.amount_attainment])
        out[Actuals.units_attainment] = out[by].map(att[Actuals.units_attainment])
    out.insert(0, Ranking.rank, out[metric].rank(ascending=False, method="min").astype("Int64"))
    return out.sort_values([Ranking.rank, by], kind="stable").reset_index(drop=True)


def cycle_time(
    deals: pd.DataFrame, period: str | Period | None = None, by: str | None = None, min_n: int = MIN_N
) -> pd.DataFrame:
    """Days from first visit to signing of signed deals (signing date in ``period``).

    Deals without a first-visit date, or whose first visit is after the signing (a data
    error), are excluded and counted in ``excluded``. Columns: n, mean_days,
    median_days, p25_days, p75_days, excluded, small_n (n < ``min_n``)."""
    d = deals[deals[Deal.sign_date].notna()]
    if period is not None:
        d = d[parse_period(period).contains(d[Deal.sign_date])]
    fv = d[Deal.first_visit_date] if Deal.first_visit_date in d else pd.Series(pd.NaT, index=d.index)
    days = (pd.to_datetime(d[Deal.sign_date]) - pd.to_datetime(fv)).dt.days.astype("float64")
    days = days.where(days >= 0)
    keys = [d[by]] if by else [pd.Series(GROUP_UNIT, index=d.index, name=Target.unit)]
    g = days.groupby(keys, observed=True)
    out = pd.DataFrame(
        {
            Ranking.n: g.count(),
            Ranking.mean_days: g.mean(),
            Ranking.median_days: g.median(),
            Ranking.p25_days: g.quantile(0.25),
            Ranking.p75_days: g.quantile(0.75),
            Ranking.excluded: days.isna().groupby(keys, observed=True).sum(),
        }
    )
    out[Ranking.small_n] = out[Ranking.n] < min_n
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
    cols = [Deal.sales_rep, Ranking.n, Ranking.overall_mean, Ranking.nps, Ranking.promoters, Ranking.detractors, Ranking.small_n]
    if surveys is not None and until is not None:
        start = pd.Timestamp(until) - pd.DateOffset(months=months)
        surveys = surveys[(surveys[Survey.survey_date] > start) & (surveys[Survey.survey_date] <= pd.Timestamp(until))]
    if surveys is None or surveys.empty or Deal.sales_rep not in deals:
        return pd.DataFrame(columns=cols)
    dl = deals[deals[Deal.customer_key].notna() & deals[Deal.sales_rep].notna()]
    dl = (
        dl[[Deal.customer_key, Deal.sign_date, Deal.subscribe_date, Deal.sales_rep]]
        if Deal.subscribe_date in dl
        else dl[[Deal.customer_key, Deal.sign_date, Deal.sales_rep]]
    )
    date = dl[Deal.sign_date].fillna(dl[Deal.subscribe_date]) if Deal.subscribe_date in dl else dl[Deal.sign_date]
    dl = dl.assign(_d=pd.to_datetime(date).astype("datetime64[ns]")).dropna(subset=["_d"]).sort_values("_d")
    sv = surveys[surveys[Survey.customer_key].notna() & surveys[Survey.survey_date].notna()]
    sv = sv.assign(_d=pd.to_datetime(sv[Survey.survey_date]).astype("datetime64[ns]")).sort_values("_d")
    m = pd.merge_asof(
        sv, dl[[Deal.customer_key, "_d", Deal.sales_rep]], on="_d", by=Deal.customer_key, direction="backward"
    )
    first_rep = dl.drop_duplicates(Deal.customer_key).set_index(Deal.customer_key)[Deal.sales_rep]
    m[Deal.sales_rep] = m[Deal.sales_rep].fillna(m[Survey.customer_key].map(first_rep))
    m = m[m[Deal.sales_rep].notna()]
    if m.empty:
        return pd.DataFrame(columns=cols)
    rec = m[Survey.recommend] if Survey.recommend in m else pd.Series(np.nan, index=m.index)
    overall = m[Survey.overall] if Survey.overall in m else pd.Series(np.nan, index=m.index)
    promoter, detractor = rec >= NPS_PROMOTER_MIN, rec <= NPS_DETRACTOR_MAX
    m = m.assign(_p=promoter.where(rec.notna()), _dt=detractor.where(rec.notna()), _o=overall)
    g = m.groupby(Deal.sales_rep)
    out = pd.DataFrame(
        {
            Ranking.n: g.size(),
            Ranking.overall_mean: g["_o"].mean(),
            Ranking.promoters: g["_p"].mean(),
            Ranking.detractors: g["_dt"].mean(),
        }
    )
    out[Ranking.nps] = (out[Ranking.promoters] - out[Ranking.detractors]) * 100
    out[Ranking.small_n] = out[Ranking.n] < min_n
    return out.reset_index().sort_values([Ranking.nps, Deal.sales_rep], ascending=[False, True], kind="stable")[cols]
