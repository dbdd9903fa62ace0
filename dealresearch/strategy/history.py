"""What became of last period's recommendations.

A strategy page hands its recommendations to the report runner as records (:func:`records`,
a display output of type :data:`MIME`); the runner keeps them per period
(``reports/<period>/recommendations.json``). The next period's review gets them back
(``previous=``) and :func:`follow_up` looks up today's value of the same evidence figure
(finding, scope, subject) in today's findings: improved / unchanged / worse, judged in the
direction the rule says would ease the problem (``better``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from ..results import Unavailable
from .findings import FindingColumns

#: must equal dealresearch.report.recommendations_file.MIME (report never imports strategy; a test checks)
MIME = "application/vnd.dealresearch.strategy.recommendations+json"
IMPROVED, UNCHANGED, WORSE = "improved", "unchanged", "worse"
#: changes no larger than this (in the figure's unit) count as unchanged
TOLERANCE: dict[str, float] = {"share": 0.005, "pct": 0.5, "score": 0.5, "nps": 1.0, "count": 0.5, "amount": 0.0}
#: … or than this share of last period's value
RELATIVE_TOLERANCE = 0.01


@dataclass(frozen=True)
class FollowUp:
    """One of last period's recommendations and today's value of its evidence figure."""

    title: str
    scope: str  # the project (or 集团) the figure belongs to
    finding: str
    subject: str
    unit: str
    before: float | None
    period_before: str
    now: float | Unavailable
    status: str  # improved / unchanged / worse, or "" when ``now`` is Unavailable


def records(items, *, period: str, report_scope: str) -> list[dict]:
    """JSON records of deduplicated recommendations (see :class:`review.Item`)."""
    return [
        {
            "period": period, "report_scope": report_scope, "rank": i, "rule": it.rule, "finding": it.finding,
            "project": it.lead_project, "subject": it.subject, "title": it.title, "category": it.category,
            "projects": list(it.projects), "unit": it.unit, "value": it.value, "track": it.track, "better": it.better,
            "amount": it.amount, "affected": it.affected,
        }
        for i, it in enumerate(items, start=1)
    ]


def status(before: float, now: float, unit: str, better: str) -> str:
    """improved / unchanged / worse for a move from ``before`` to ``now``."""
    tol = max(TOLERANCE.get(unit, 0.0), abs(before) * RELATIVE_TOLERANCE)
    change = now - before
    if abs(change) <= tol:
        return UNCHANGED
    return IMPROVED if (change > 0) == (better == "higher") else WORSE


def follow_up(previous: list[dict], findings: pd.DataFrame, *, report_scope: str) -> tuple[FollowUp, ...]:
    """Today's value and verdict for each of ``previous`` made for this report's scope."""
    ok = findings[findings[FindingColumns.available].astype(bool)]
    ok = ok.drop_duplicates([FindingColumns.finding, FindingColumns.project, FindingColumns.subject])
    now = ok.set_index([FindingColumns.finding, FindingColumns.project, FindingColumns.subject])
    out = []
    for rec in sorted((r for r in previous if r.get("report_scope") == report_scope), key=lambda r: r.get("rank", 0)):
        key = (rec.get("finding"), rec.get("project"), rec.get("subject"))
        before = rec.get("value")
        track = rec.get("track", FindingColumns.value)
        value = now[track].get(key) if track in (FindingColumns.value, FindingColumns.base, FindingColumns.delta) else None
        if value is None or pd.isna(value) or before is None or not math.isfinite(float(before)):
            current: float | Unavailable = Unavailable("本期没有可比的数据")
            verdict = ""
        else:
            current = float(value)
            verdict = status(float(before), current, rec.get("unit", ""), rec.get("better", "lower"))
        out.append(FollowUp(rec.get("title", ""), rec.get("project", ""), key[0], key[2], rec.get("unit", ""),
                            None if before is None else float(before), rec.get("period", ""), current, verdict))
    return tuple(out)
