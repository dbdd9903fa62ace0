"""The segments area's classification names in one module (kept for callers that import
``dealresearch.segments.classes``; new code imports ``dealresearch.segments``).

The code lives in :mod:`.value_potential` (value × potential classes) and :mod:`.rfm`
(RFM scores and segments); personas in :mod:`.personas`.
"""

from __future__ import annotations

from .personas import Personas
from .rfm import RFM_HIGH, RFM_SEGMENTS, rfm, rfm_summary
from .value_potential import (
    ACTIVE_STATUSES,
    POTENTIAL_CLASSES,
    VALUE_CLASSES,
    ValuePotential,
    customer_rows,
    value_potential,
)

__all__ = ["customer_rows", "value_potential", "ValuePotential", "rfm", "rfm_summary", "Personas",
           "VALUE_CLASSES", "POTENTIAL_CLASSES", "RFM_SEGMENTS", "RFM_HIGH", "ACTIVE_STATUSES"]
