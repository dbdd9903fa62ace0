"""Every KPI that more than one page shows, defined once and computed once per (period, scope).

A :class:`KPI` names its id, Chinese name, definition, window, base, unit and display
kind (:mod:`dealresearch.fmt`). :func:`compute` gives one tidy row per KPI for one scope
(the group or one project) and period: ``kpi, name, scope, period, window, value, n,
ci_low, ci_high, unit, base``. Where two windows are genuinely wanted they are two KPIs
with two names (``nps`` for the report period, ``nps_12m`` for the 12 months ending with
it). A report notebook shows these values and hands the rows to the runner with
:func:`emit` (a display output of type :data:`MIME` that never reaches the page); the
runner writes ``reports/<period>/metrics.json``.

No file I/O here: the notebooks load the store and pass the frames in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import fmt
from ..errors import DealResearchError
from ..periods import Period, parse_period
from ..results import available
from ..schema import Customer, Deal, Survey

#: display output type carrying metric rows from a notebook to the runner
MIME = "application/vnd.dealresearch.metrics.kpis+json"
GROUP = "集团"
COLUMNS = ("kpi", "name", "scope", "period", "window", "value", "n", "ci_low", "ci_high", "unit", "base", "kind")
#: windows in Chinese (a page that shows a KPI says which window it is)
WINDOWS = {
    "period": "报告期",
    "12m": "截至报告期末的近12个月",
    "ytd": "报告期所在年份年初至报告期末",
    "asof": "报告期末时点",
    "previous": "报告期的上一期",
}
#: statuses of a deal that count as a current signing (退房 excluded)
CURRENT_STATUSES = ("签约", "换房")


@dataclass(frozen=True)
class KPI:
    id: str
    name: str
    definition: str
    window: str
    base: str
    unit: str
    kind: str

    @property
    def window_text(self) -> str:
        return WINDOWS[self.window]

    def text(self, value) -> str:
        """The value as a page shows it (number rules of :mod:`dealresearch.fmt`)."""
        return fmt.value(value, self.kind)


KPIS: dict[str, KPI] = {
    k.id: k
    for k in (
        KPI("net_amount", "净签约金额", "签约 − 退房 + 换房 的成交总价，按事件日期计入", "period",
            "签约、退房、换房事件", "元", "money"),
        KPI("net_units", "净签约套数", "签约 − 退房 + 换房 的套数，按事件日期计入", "period",
            "签约、退房、换房事件", "套", "int"),
        KPI("net_amount_yoy", "净签约金额同比", "本期净签约金额 ÷ 去年同期净签约金额 − 1（去年同期为零或负时不计算）",
            "period", "去年同期的净签约金额", "%", "pct"),
        KPI("amount_attainment", "金额目标达成率", "净签约金额 ÷ 本期金额目标 × 100", "period",
            "本范围的金额目标", "%", "pct100"),
        KPI("units_attainment", "套数目标达成率", "净签约套数 ÷ 本期套数目标 × 100", "period",
            "本范围的套数目标", "%", "pct100"),
        KPI("deals", "本期成交笔数", "签约日期在报告期内、当前状态为签约或换房的成交记录数", "period",
            "成交记录（不含已退房）", "笔", "int"),
        KPI("customers", "本期成交客户数", "签约日期在报告期内、当前状态为签约或换房的成交所涉客户（去重）",
            "period", "客户（按加密编码去重）", "人", "int"),
        KPI("nps", "NPS（本期调查）", "推荐者(9–10分)占比 − 贬损者(0–6分)占比，×100", "period",
            "本期调查中有推荐意愿评分的问卷", "分", "index"),
        KPI("nps_12m", "NPS（近12个月调查）", "推荐者(9–10分)占比 − 贬损者(0–6分)占比，×100", "12m",
            "近12个月调查中有推荐意愿评分的问卷", "分", "index"),
        KPI("nps_previous", "NPS（上期调查）", "推荐者(9–10分)占比 − 贬损者(0–6分)占比，×100", "previous",
            "上一期调查中有推荐意愿评分的问卷", "分", "index"),
        KPI("csi_previous", "满意度指数 CSI（上期调查）",
            "各题项均值换算为 0–100 后按相对权重加权（ACSI 方法）；未调查的题项不计入，权重按其余题项重新归一",
            "previous", "上一期调查中回答了至少一个题项的问卷", "分", "index"),
        KPI("csat", "满意率 CSAT（本期调查）", "总体满意度 4–5 分（1–5 分量表前两档）的问卷占比，×100",
            "period", "本期调查中有总体满意度评分的问卷", "%", "index"),
        KPI("csi", "满意度指数 CSI（本期调查）",
            "各题项均值换算为 0–100 后按相对权重加权（ACSI 方法）；未调查的题项不计入，权重按其余题项重新归一",
            "period", "本期调查中回答了至少一个题项的问卷", "分", "index"),
        KPI("followups_open", "待跟进的不满意客户", "报告期内需跟进（投诉、低分或贬损）且尚未登记关闭的客户", "asof",
            "报告期内需跟进的调查", "人", "int"),
        KPI("followups_overdue", "逾期未关闭的跟进", "应完成日期（调查后 SLA 天）已过、尚未登记关闭的跟进；"
            "未登记回收的跟进表时不计算", "asof", "报告期内需跟进的调查", "人", "int"),
        KPI("survey_coverage", "年度调查覆盖率", "当年已调查客户 ÷ 当年客户基数（拒绝调查客户计入基数）", "ytd",
            "当年1月1日在册客户", "%", "pct"),
        KPI("overdue_customers", "逾期未调查客户数", "可调查客户中已连续两年未调查（或从未调查且满一个周期）的人数",
            "asof", "可调查客户", "人", "int"),
    )
}


def kpi(kpi_id: str) -> KPI:
    try:
        return KPIS[kpi_id]
    except KeyError as exc:
        from ..errors import ParameterError

        raise ParameterError(f"未定义的指标“{kpi_id}”；可用：{'、'.join(KPIS)}。") from exc


def _row(k: str, scope: str, p: Period, value, n=None, ci_low=None, ci_high=None) -> dict:
    d = KPIS[k]
    num = lambda v: None if fmt.is_missing(v) else float(v)  # noqa: E731 - tiny local helper
    return {"kpi": k, "name": d.name, "scope": scope, "period": p.label, "window": d.window,
            "value": num(value), "n": None if n is None else int(n), "ci_low": num(ci_low),
            "ci_high": num(ci_high), "unit": d.unit, "base": d.base, "kind": d.kind}


# --------------------------------------------------------------------------- sales
def sales_rows(deals, history, targets, p: Period, project: str | None, events=None) -> list[dict]:
    from .. import sales
    from ..schema import Target

    scope = project or GROUP
    level, unit = ("集团", GROUP) if project is None else ("项目", project)
    ev = sales.events(deals, history) if events is None else events
    act = sales.actual_in(ev, p, level)
    A = sales.Actuals
    net_amount = float(act.loc[unit, A.net_amount]) if unit in act.index else 0.0
    net_units = int(act.loc[unit, A.net_units]) if unit in act.index else 0
    rows = [_row("net_amount", scope, p, net_amount), _row("net_units", scope, p, net_units)]
    before = sales.actual_in(ev, p.year_ago(), level)
    base = float(before.loc[unit, A.net_amount]) if unit in before.index else 0.0
    rows.append(_row("net_amount_yoy", scope, p, net_amount / base - 1 if base > 0 else None))
    if targets is not None and len(targets):
        att = sales.attainment(ev, targets, p, level)
        own = att[(att[Target.level] == level) & (att[Target.unit] == unit)]
        if len(own):
            rows.append(_row("amount_attainment", scope, p, own[A.amount_attainment].iloc[0]))
            rows.append(_row("units_attainment", scope, p, own[A.units_attainment].iloc[0]))
    return rows


def deal_rows(deals, p: Period, project: str | None) -> list[dict]:
    from .. import profile

    d = profile.scope(deals, period=p.label, project=project, status=list(CURRENT_STATUSES), add_derived=False)
    scope = project or GROUP
    return [_row("deals", scope, p, len(d)), _row("customers", scope, p, d[Deal.customer_key].nunique())]


# ------------------------------------------------------------------- satisfaction
def scoped_surveys(surveys: pd.DataFrame, deals: pd.DataFrame | None, project: str | None) -> pd.DataFrame:
    """The surveys of one scope, with the deal attributes the satisfaction report adds."""
    from ..satisfaction.groups import attach_deal_attributes

    sv = surveys if deals is None else attach_deal_attributes(surveys, deals)
    return sv if project is None else sv[sv[Survey.project] == project]


def in_window(sv: pd.DataFrame, p: Period, window: str) -> pd.DataFrame:
    """Surveys of the report period (``period``), of the period before it (``previous``) or
    of the 12 months ending with it."""
    date = pd.to_datetime(sv[Survey.survey_date])
    if window == "previous":
        return sv[p.previous().contains(date)]
    if window == "12m":
        start = p.end - pd.DateOffset(years=1) + pd.Timedelta(days=1)
        return sv[(date >= start) & (date < p.end + pd.Timedelta(days=1))]
    return sv[p.contains(date)]


def csi_weights(cur: pd.DataFrame):
    """Relative weights of the items answered in ``cur`` ("equal" when they cannot be estimated)."""
    from ..satisfaction.drivers import relative_weights
    from ..schema import DRIVER_ITEMS

    drivers = [c for c in DRIVER_ITEMS if c in cur.columns and cur[c].notna().any()]
    try:
        return relative_weights(cur, target=Survey.overall, drivers=drivers)["pct"]
    except DealResearchError:
        return "equal"


def satisfaction_rows(surveys, deals, p: Period, project: str | None) -> list[dict]:
    from ..satisfaction import metrics as sat
    from ..schema import DRIVER_ITEMS

    scope = project or GROUP
    sv = scoped_surveys(surveys, deals, project)
    rows = []
    for k, window in (("nps", "period"), ("nps_12m", "12m")):
        part = in_window(sv, p, window)
        if Survey.recommend in part and part[Survey.recommend].notna().any():
            r = sat.nps(part[Survey.recommend])
            rows.append(_row(k, scope, p, r.value, r.n, r.ci_low, r.ci_high))
    cur = in_window(sv, p, "period")
    if Survey.overall in cur and cur[Survey.overall].notna().any():
        c = sat.csat(cur[Survey.overall])
        rows.append(_row("csat", scope, p, c.value, c.n, c.ci_low, c.ci_high))
    try:
        r = sat.csi(cur, list(DRIVER_ITEMS), csi_weights(cur))
    except DealResearchError:
        r = None
    if r is not None:
        rows.append(_row("csi", scope, p, r.value, r.n, r.ci_low, r.ci_high))
    before = in_window(sv, p, "previous")
    if Survey.recommend in before and before[Survey.recommend].notna().any():
        b = sat.nps(before[Survey.recommend])
        rows.append(_row("nps_previous", scope, p, b.value, b.n, b.ci_low, b.ci_high))
    try:
        b = sat.csi(before, list(DRIVER_ITEMS), csi_weights(before)) if len(before) else None
    except DealResearchError:
        b = None
    if b is not None:
        rows.append(_row("csi_previous", scope, p, b.value, b.n, b.ci_low, b.ci_high))
    return rows


# ------------------------------------------------------------------------- coverage
def coverage_at(deals, surveys, p: Period, *, customers=None, project: str | None = None, cycle_years: int = 3):
    """Survey coverage of the period's year up to the period end: the deals and surveys
    known at the period end, the group's customer base (customers assigned to ``project``
    when given). The survey plan report and the strategy findings both read this."""
    from ..survey_plan.base import customer_base
    from ..survey_plan.cycle import coverage

    cut = p.end + pd.Timedelta(days=1)
    date = pd.to_datetime(deals[Deal.sign_date])
    if Deal.subscribe_date in deals.columns:
        date = date.fillna(pd.to_datetime(deals[Deal.subscribe_date]))
    known = deals[(date < cut).to_numpy()]
    sv = None if surveys is None else surveys[(pd.to_datetime(surveys[Survey.survey_date]) < cut).to_numpy()]
    base = customer_base(known, p.year, customers=customers)
    if project is not None:
        base = base[base[Customer.project] == project]
    return coverage(base, sv, p.year, cycle_years=cycle_years, asof=p.end)


def coverage_rows(deals, surveys, customers, p: Period, project: str | None) -> list[dict]:
    scope = project or GROUP
    try:
        cov = coverage_at(deals, surveys, p, customers=customers, project=project)
    except DealResearchError:
        return []
    return [_row("survey_coverage", scope, p, cov.share, cov.n_base),
            _row("overdue_customers", scope, p, cov.n_overdue, cov.n_reachable)]


# ---------------------------------------------------------------------------- all
AREAS = ("sales", "deals", "satisfaction", "coverage")


def followup_rows(followups, p: Period, project: str | None) -> list[dict]:
    """Open and overdue follow-ups of a satisfaction review's list; overdue only when a
    returned sheet was recorded (before that the statuses are the initial ones)."""
    if not available(followups):
        return []
    scope = project or GROUP
    k = followups.kpis
    n = int(k["total"])
    open_ = n - int(k.get("已关闭", 0))
    overdue = int(k["overdue"]) if followups.updates_recorded else None
    return [_row("followups_open", scope, p, open_, n=n), _row("followups_overdue", scope, p, overdue, n=n)]


def compute(
    period: str | Period,
    *,
    deals: pd.DataFrame,
    project: str | None = None,
    history: pd.DataFrame | None = None,
    targets: pd.DataFrame | None = None,
    surveys: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    followups=None,
    areas: Iterable[str] = AREAS,
) -> pd.DataFrame:
    """The KPIs of one (period, scope) as rows (see the module docstring); an area whose
    data is missing (no surveys, no targets) contributes no rows. ``events``: the output of
    ``sales.ledger`` when the caller has it already (else built from deals + history);
    ``followups``: the follow-up part of a satisfaction review (its list and KPIs), so the
    page and metrics.json state the same counts."""
    p = parse_period(period)
    areas = list(areas)
    rows: list[dict] = []
    if "sales" in areas:
        rows += sales_rows(deals, history, targets, p, project, events)
    if "deals" in areas:
        rows += deal_rows(deals, p, project)
    if "satisfaction" in areas and surveys is not None and len(surveys):
        rows += satisfaction_rows(surveys, deals, p, project)
    if "coverage" in areas and surveys is not None:
        rows += coverage_rows(deals, surveys, customers, p, project)
    if followups is not None:
        rows += followup_rows(followups, p, project)
    return pd.DataFrame(rows, columns=list(COLUMNS))


def value(table: pd.DataFrame, kpi_id: str, scope: str | None = None) -> float:
    """The value of one KPI in a :func:`compute` table (NaN when absent)."""
    t = table[(table["kpi"] == kpi_id) & (table["scope"] == (scope or GROUP))]
    return float(t["value"].iloc[0]) if len(t) and t["value"].notna().iloc[0] else float("nan")


def table(rows: pd.DataFrame, kpis: Sequence[str] | None = None) -> pd.DataFrame:
    """Display table of metric rows (指标, 范围, 窗口, 数值, 样本量, 口径) for a 口径 appendix."""
    t = rows if kpis is None else rows[rows["kpi"].isin(kpis)]
    return pd.DataFrame({
        "指标": t["name"].to_numpy(),
        "范围": t["scope"].to_numpy(),
        "窗口": t["window"].map(WINDOWS).to_numpy(),
        "数值": [KPIS[k].text(v) for k, v in zip(t["kpi"], t["value"], strict=True)],
        "样本量": t["n"].to_numpy(),
        "口径": [f"{KPIS[k].definition}；基数：{KPIS[k].base}" for k in t["kpi"]],
    })


def records(rows: pd.DataFrame) -> list[dict]:
    """JSON-ready records (NaN → None)."""
    out = rows.astype(object).where(rows.notna(), None)
    return [{k: (v.item() if isinstance(v, np.generic) else v) for k, v in r.items()} for r in out.to_dict("records")]
