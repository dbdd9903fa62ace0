"""Customer segments: value × potential classes, RFM, and personas (k-means clustering).

``value_potential`` (the 3 × 3 classes), ``rfm`` (RFM scores and the 8 segments),
``personas`` (the clustering, scikit-learn style: ``Personas(k).fit(deals)``), ``review``
(everything the 客户细分 report shows).
"""

from __future__ import annotations

from .personas import Personas
from .review import SegmentsReview, customer_base, review
from .rfm import RFM_HIGH, RFM_SEGMENTS, rfm, rfm_summary
from .value_potential import (
    ACTIVE_STATUSES,
    POTENTIAL_CLASSES,
    VALUE_CLASSES,
    ValuePotential,
    customer_rows,
    value_potential,
)

__all__ = [
    "review", "SegmentsReview", "customer_base", "customer_rows", "value_potential", "ValuePotential", "rfm",
    "rfm_summary", "Personas", "VALUE_CLASSES", "POTENTIAL_CLASSES", "RFM_SEGMENTS", "RFM_HIGH", "ACTIVE_STATUSES",
]
