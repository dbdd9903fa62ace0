"""The profile area's public names in one module (kept for callers that import
``dealresearch.profile.core``; new code imports ``dealresearch.profile``).

The code lives in :mod:`.scope` (scope selection), :mod:`.tables` (profile tables,
trends) and :mod:`.compare` (period comparisons).
"""

from __future__ import annotations

from ..derive import X, derive, label
from .compare import Comparison, compare
from .scope import scope
from .tables import Profile, profile, trend

__all__ = ["scope", "profile", "compare", "trend", "Profile", "Comparison", "derive", "X", "label"]
