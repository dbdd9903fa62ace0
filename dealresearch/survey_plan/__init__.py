"""The survey programme: who must be surveyed (≥40 % a year, everyone once in 3 years),
next year's plan, its checks and the weights of the survey waves.

``base`` (the customer base of a year), ``coverage`` (the 3-year ledger), ``schedule``
(methods, capacity, months), ``rules`` (plan validation), ``planner`` (``plan`` and the
review), ``weights`` (raking the respondents to the base).
"""

from __future__ import annotations

from .base import customer_base
from .cycle import CoverageResult, coverage
from .planner import (
    MONTH,
    MUST_SURVEY,
    REASON,
    SAMPLED,
    PlanReview,
    plan,
    plan_overview,
    plan_year,
    review,
    workload,
)
from .rules import LABELS, validate_plan
from .schedule import MethodRules

__all__ = [
    "plan", "validate_plan", "customer_base", "coverage", "CoverageResult", "MethodRules", "workload",
    "plan_overview", "plan_year", "review", "PlanReview", "MONTH", "REASON", "MUST_SURVEY", "SAMPLED", "LABELS",
]
