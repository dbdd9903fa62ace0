"""Satisfaction: NPS, CSAT, CSI, drivers, group comparisons, follow-ups, PLS and comments.

``metrics`` (NPS / CSAT / CSI / alpha), ``drivers`` (relative weights, IPA), ``groups``
(comparisons and trends), ``waves`` (wave-on-wave differences), ``followups`` (the
dissatisfied-customer list), ``pls`` / ``pls_quality`` / ``ccsi`` (the PLS index),
``comments`` (themes and sentiment of the free text); ``review`` computes everything the
satisfaction report shows.
"""

from __future__ import annotations

from .drivers import QUADRANTS, ipa, relative_weights
from .followup_list import apply_updates, followup_kpis, followup_summary, followups
from .groups import attach_deal_attributes, compare, trend
from .metrics import (
    AlphaResult,
    CSATResult,
    CSIResult,
    NPSResult,
    cronbach_alpha,
    csat,
    csi,
    item_scales,
    nps,
    nps_category,
    rescale,
)
from .review import SatisfactionReview, review
from .waves import Difference, csat_difference, csi_difference, nps_difference, share_difference

__all__ = [
    "AlphaResult", "CSATResult", "CSIResult", "Difference", "NPSResult", "QUADRANTS", "apply_updates",
    "attach_deal_attributes", "compare", "cronbach_alpha", "csat", "csat_difference", "csi", "csi_difference",
    "followup_kpis", "followup_summary", "followups", "ipa", "item_scales", "nps", "nps_category", "nps_difference",
    "relative_weights", "rescale", "review", "SatisfactionReview", "share_difference", "trend",
]
