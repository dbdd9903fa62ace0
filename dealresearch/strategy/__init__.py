"""Strategy: named findings from every area, editable rules (``strategy.toml``) that turn
them into evidence-backed recommendations, the director's review (deduplicated, ranked by
business impact, last period's recommendations followed up) and topic studies."""

from __future__ import annotations

from .history import MIME, FollowUp, follow_up, records
from .recommend import project_recommendations, recommend, scope_findings, summary
from .review import Gap, Item, StrategyReview, TopicStudy, deduplicate, impact_key, review
from .rules import (
    CATEGORIES,
    FINDING_LABELS,
    Recommendation,
    RuleSet,
    evaluate,
    evidence_of,
    load_rules,
    parse_rules,
)
from .rules_table import rules_table
from .topics import (
    TOPIC_FINDINGS,
    topic_mask,
    topic_profile,
    topic_recommendations,
    topic_tests,
    topic_trend,
    topics,
)

__all__ = [
    "CATEGORIES", "FINDING_LABELS", "MIME", "TOPIC_FINDINGS", "FollowUp", "Gap", "Item", "Recommendation", "RuleSet",
    "StrategyReview", "TopicStudy", "deduplicate", "evaluate", "evidence_of", "follow_up", "impact_key", "load_rules",
    "parse_rules", "project_recommendations", "recommend", "records", "review", "rules_table", "scope_findings",
    "summary", "topic_mask", "topic_profile", "topic_recommendations", "topic_tests", "topic_trend", "topics",
]
