"""Customer profiles: who bought, in a scope and period, compared between groups and over time.

``scope`` (scope selection), ``tables`` (profile tables, trends), ``compare`` (period
comparisons), ``review`` (everything the customer-research report shows).
"""

from __future__ import annotations

from ..derive import Derived, derive, label
from .compare import Comparison, compare
from .review import ProfileReview, review
from .scope import scope
from .tables import Profile, profile, trend

__all__ = ["scope", "profile", "compare", "trend", "review", "Profile", "Comparison", "ProfileReview", "derive",
           "Derived", "label"]
