"""Strategy: named findings from every area, editable rules (``strategy.toml``) that turn
them into evidence-backed recommendations, and topic studies."""

from __future__ import annotations

from .review import (
    CATEGORIES,
    FINDING_LABELS,
    TOPIC_FINDINGS,
    Recommendation,
    RuleSet,
    evaluate,
    evidence_of,
    load_rules,
    parse_rules,
    project_recommendations,
    recommend,
    rules_table,
    summary,
    topic_mask,
    topic_profile,
    topic_recommendations,
    topic_tests,
    topic_trend,
    topics,
)

__all__ = [
    "CATEGORIES", "FINDING_LABELS", "TOPIC_FINDINGS", "Recommendation", "RuleSet", "evaluate", "evidence_of",
    "load_rules", "parse_rules", "project_recommendations", "recommend", "rules_table", "summary", "topic_mask",
    "topic_profile", "topic_recommendations", "topic_tests", "topic_trend", "topics",
]
