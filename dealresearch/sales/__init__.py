"""Sales: signing events, attainment against targets, growth, rankings and KPIs.

``events`` turns deals and their status history into dated sign / cancel events;
``attainment`` compares them with the targets; ``growth`` compares periods;
``performance`` ranks reps and projects and builds the headline KPIs.
"""

from __future__ import annotations

from .growth_rates import growth, growth_rate, growth_wide
from .ledger import (
    CANCELLED,
    GROUP_UNIT,
    KINDS,
    LABELS,
    LEVEL_COLUMNS,
    METRICS,
    A,
    G,
    R,
    actual_in,
    actuals,
    default_asof,
    events,
    labelled,
    year_to_date,
)
from .performance import cycle_time, headline, kpis, rankings, satisfaction_by_rep, summary
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
    "A", "G", "R", "CANCELLED", "GROUP_UNIT",
    "KINDS", "LABELS", "LEVEL_COLUMNS", "METRICS", "actual_in", "actuals", "attainment", "attainment_matrix",
    "cycle_time", "default_asof", "events", "growth", "growth_rate", "growth_wide", "headline", "kpis",
    "labelled", "monthly_targets", "pacing", "rankings", "running_periods", "satisfaction_by_rep", "summary",
    "target_periods", "targets_for", "year_to_date",
]
