"""The survey programme: who must be surveyed (≥40 % a year, everyone once in 3 years),
next year's plan, its checks and the weights of the survey waves.

``base`` (the customer base of a year), ``cycle`` (the 3-year ledger and coverage),
``schedule`` (methods, capacity, months), ``rules`` (:class:`PlanRules` and plan
validation), ``planner`` (``plan``), ``review`` (everything the report and the field
workbook show), ``weights`` (raking the respondents to the base).
"""

from __future__ import annotations

from .base import LAST_SURVEY, VALUE_CLASS, customer_base
from .cycle import CoverageResult, coverage
from .planner import plan, plan_overview, plan_year, workload
from .review import PlanBase, PlannedSurveys, PlanOverview, PlanReview, RuleCheck, Workload, review
from .rules import LABELS, MONTH, MUST_SURVEY, REASON, SAMPLED, PlanRules, validate_plan
from .schedule import MethodRules

__all__ = [
    "plan", "validate_plan", "PlanRules", "customer_base", "coverage", "CoverageResult", "MethodRules",
    "workload", "plan_overview", "plan_year", "review", "PlanReview", "PlanBase", "PlannedSurveys",
    "RuleCheck", "Workload", "PlanOverview", "MONTH", "REASON", "MUST_SURVEY", "SAMPLED", "LABELS",
    "VALUE_CLASS", "LAST_SURVEY",
]
