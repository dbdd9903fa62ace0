"""Customer profiles: who bought, in a scope and period, compared between groups and over time."""

from __future__ import annotations

from ..derive import X, derive, label
from .core import Comparison, Profile, compare, profile, scope, trend

__all__ = ["scope", "profile", "compare", "trend", "Profile", "Comparison", "derive", "X", "label"]
