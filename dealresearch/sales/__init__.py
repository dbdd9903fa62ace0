"""Sales: signing events, attainment against targets, growth, rankings and the report review.

``events`` turns deals and their status history into dated sign / cancel events;
``attainment`` compares them with the targets; ``growth`` compares periods;
``performance`` ranks reps and projects; ``review`` computes every part of the sales
report for one period and scope (:class:`SalesReview`). Column names and their Chinese
labels and display kinds: :mod:`dealresearch.sales.columns` (``COLUMNS``).
"""

from __future__ import annotations

from .columns import COLUMNS, LABELS, Actuals, Growth, Ranking
from .growth_rates import GrowthWide, growth, growth_rate, growth_wide
from .ledger import (
    CANCELLED,
    FINER,
    GROUP_UNIT,
    KINDS,
    LEVEL_COLUMNS,
    METRICS,
    actual_in,
    actuals,
    aggregate,
    default_asof,
    events,
    year_to_date,
)
from .performance import cycle_time, rankings, satisfaction_by_rep
from .review import Change, Headline, Monthly, Problem, SalesReview, Scope, Table, TargetAttainment, review
from .targets import (
    attainment,
    attainment_matrix,
    monthly_targets,
    pacing,
    running_periods,
    target_periods,
    targets_for,
)

__all__ = [
    "CANCELLED", "COLUMNS", "FINER", "GROUP_UNIT", "KINDS", "LABELS", "LEVEL_COLUMNS", "METRICS",
    "Actuals", "Change", "Growth", "GrowthWide", "Headline", "Monthly", "Problem", "Ranking", "SalesReview", "Scope",
    "Table", "TargetAttainment", "actual_in", "actuals", "aggregate", "attainment", "attainment_matrix", "cycle_time",
    "default_asof", "events", "growth", "growth_rate", "growth_wide", "monthly_targets", "pacing", "rankings", "review", "running_periods", "satisfaction_by_rep",
    "target_periods", "targets_for", "year_to_date",
]
