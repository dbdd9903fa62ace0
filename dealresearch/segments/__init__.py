"""Customer segments: value × potential classes, RFM, and personas (k-means clustering).

``value_potential`` (the 3 × 3 classes, RFM scores and segment KPIs), ``personas``
(the clustering, scikit-learn style: ``Personas(k).fit(deals)``).
"""

from __future__ import annotations

from .classes import (
    CLASS_ACTIONS,
    POTENTIAL_CLASSES,
    RFM_SEGMENTS,
    VALUE_CLASSES,
    ValuePotential,
    customer_rows,
    headline,
    kpis,
    rfm,
    rfm_summary,
    value_potential,
)
from .personas import Personas

__all__ = [
    "customer_rows", "kpis", "headline", "value_potential", "ValuePotential", "rfm", "rfm_summary", "Personas",
    "VALUE_CLASSES", "POTENTIAL_CLASSES", "RFM_SEGMENTS", "CLASS_ACTIONS",
]
