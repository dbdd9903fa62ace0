"""``survey_plan.review``: the survey programme of one period and scope, computed once.

A :class:`PlanReview` holds typed parts: this year's coverage up to the period end (the
40 % rule and the 3-year cycle), the customer base of next year, next year's plan, its
rule check, its monthly workload and its headline numbers. Each part carries its ``n``
and warnings; a part the data cannot support is :class:`~dealresearch.results.Unavailable`
with the reason. The sentences, cards and tables a reader sees are built from it in
:mod:`dealresearch.present.survey_plan`; the field workbook in
:mod:`dealresearch.fieldwork.survey_plan`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import CapacityError, DataError
from ..periods import Period, parse_period
from ..results import Unavailable
from ..schema import Customer, Deal, Survey
from .base import customer_base
from .cycle import CoverageResult, coverage
from .planner import plan, plan_overview, workload
from .rules import MUST_SURVEY, PlanRules, validate_plan


@dataclass(frozen=True)
class PlanBase:
    """The customer base of the plan year (fixed on its 1 January)."""

    year: int
    frame: pd.DataFrame  # customer_base() rows
    n: int
    n_opt_out: int
    n_key_accounts: int
    projects: tuple[str, ...]
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlannedSurveys:
    """Next year's plan (:func:`~dealresearch.survey_plan.plan` rows) and its size."""

    year: int
    frame: pd.DataFrame
    n: int
    n_must: int
    n_sampled: int
    n_base: int
    share_of_base: float  # NaN when the base is empty
    expected_completed: int  # n × expected completion
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleCheck:
    """Every rule the plan breaks (:func:`~dealresearch.survey_plan.validate_plan`)."""

    n: int  # plan rows checked
    messages: tuple[str, ...]
    warnings: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.messages


@dataclass(frozen=True)
class Workload:
    """Planned surveys per month and method (:func:`~dealresearch.survey_plan.workload`)."""

    table: pd.DataFrame  # months 1–12 + 合计 × methods + 合计
    n: int
    peak_month: int  # 1–12 (0 when nothing is planned)
    peak: int
    low: int  # the quietest month's count
    n_must: int
    must_last_month: int  # the last month holding a 必访 customer (0 when there are none)
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanOverview:
    """Headline numbers of the plan against its base (:func:`~dealresearch.survey_plan.plan_overview`)."""

    table: pd.DataFrame
    n: int  # customers in the base
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanReview:
    """This year's coverage (up to the period end) and next year's plan, for the report."""

    period: Period
    year: int
    plan_year: int
    project: str | None
    rules: PlanRules
    seed: int
    coverage: CoverageResult
    base: PlanBase
    plan: PlannedSurveys | Unavailable
    problems: RuleCheck | Unavailable
    workload: Workload | Unavailable
    overview: PlanOverview | Unavailable

    @property
    def full_year(self) -> bool:
        """True when the coverage counts surveys to 31 December (the year has ended)."""
        return self.coverage.full_year


def _known_at(deals: pd.DataFrame, surveys: pd.DataFrame | None, cut: pd.Timestamp):
    """The deals (by sign, else subscription date) and surveys dated before ``cut``."""
    date = pd.to_datetime(deals[Deal.sign_date])
    if Deal.subscribe_date in deals.columns:
        date = date.fillna(pd.to_datetime(deals[Deal.subscribe_date]))
    deals = deals[(date < cut).to_numpy()]
    if surveys is not None:
        surveys = surveys[(pd.to_datetime(surveys[Survey.survey_date]) < cut).to_numpy()]
    return deals, surveys


def _base_part(frame: pd.DataFrame, year: int) -> PlanBase:
    projects = tuple(sorted(frame[Customer.project].dropna().astype(str).unique())) if len(frame) else ()
    return PlanBase(
        year=year,
        frame=frame,
        n=len(frame),
        n_opt_out=int(frame[Customer.do_not_contact].sum()) if len(frame) else 0,
        n_key_accounts=int(frame[Customer.key_account].sum()) if len(frame) else 0,
        projects=projects,
    )


def _planned(frame: pd.DataFrame, base: PlanBase, rules: PlanRules) -> PlannedSurveys:
    n, n_must = len(frame), int((frame["reason"] == MUST_SURVEY).sum())
    return PlannedSurveys(
        year=base.year,
        frame=frame,
        n=n,
        n_must=n_must,
        n_sampled=n - n_must,
        n_base=base.n,
        share_of_base=n / base.n if base.n else np.nan,
        expected_completed=int(round(n * rules.expected_completion)),
    )


def _workload(frame: pd.DataFrame) -> Workload:
    table = workload(frame)
    months = table["合计"].iloc[:12].to_numpy()
    peak_month = int(np.argmax(months)) + 1 if months.sum() else 0
    must = frame["reason"] == MUST_SURVEY
    return Workload(
        table=table,
        n=len(frame),
        peak_month=peak_month,
        peak=int(months.max()),
        low=int(months.min()),
        n_must=int(must.sum()),
        must_last_month=int(frame.loc[must, "month"].max()) if must.any() else 0,
    )


def review(
    deals: pd.DataFrame,
    surveys: pd.DataFrame | None,
    *,
    period,
    project: str | None = None,
    customers: pd.DataFrame | None = None,
    rules: PlanRules = PlanRules(),  # noqa: B008 - frozen, shared default
    seed: int = 0,
) -> PlanReview:
    """Coverage of the period's year up to the period end, and the plan for the next year
    from the deals and surveys known at the period end (``project``: that project's
    customers only). The plan, its check, workload and overview are
    :class:`~dealresearch.results.Unavailable` when next year's base is empty or the rules
    cannot be met (too few customers to sample, capacity too small)."""
    p = parse_period(period)
    deals, surveys = _known_at(deals, surveys, p.end + pd.Timedelta(days=1))
    now = customer_base(deals, p.year, customers=customers)
    nxt = customer_base(deals, p.year + 1, customers=customers)
    if project is not None:
        now = now[now[Customer.project] == project].reset_index(drop=True)
        nxt = nxt[nxt[Customer.project] == project].reset_index(drop=True)
    cov = coverage(now, surveys, p.year, cycle_years=rules.cycle_years, asof=p.end)
    base = _base_part(nxt, p.year + 1)
    parts: tuple = ()
    if base.n == 0:
        scope = f"（项目“{project}”）" if project else ""
        why = Unavailable(
            f"{p.year + 1} 年客户基数为空{scope}：{p.year - 2}–{p.year} 年没有未退房的成交记录，无法编制计划。"
        )
        parts = (why, why, why, why)
    else:
        try:
            frame = plan(nxt, surveys, p.year + 1, rules=rules, seed=seed)
        except (CapacityError, DataError) as exc:
            why = Unavailable(str(exc))
            parts = (why, why, why, why)
        else:
            messages = validate_plan(frame, nxt, surveys, p.year + 1, rules=rules)
            parts = (
                _planned(frame, base, rules),
                RuleCheck(n=len(frame), messages=tuple(messages)),
                _workload(frame),
                PlanOverview(table=plan_overview(frame, nxt, rules.expected_completion), n=base.n),
            )
    return PlanReview(p, p.year, p.year + 1, project, rules, seed, cov, base, *parts)
