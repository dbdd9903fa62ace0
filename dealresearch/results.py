"""Result values shared by every area's ``review()``: what could not be computed, and why.

A review is a frozen dataclass of typed results. A part that the data cannot support is
not ``None``: it is an :class:`Unavailable` carrying the Chinese reason a reader is shown
(falsy, so ``if part:`` reads naturally in the present modules)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Unavailable:
    """A part of a review that cannot be computed on the data at hand."""

    reason: str

    def __bool__(self) -> bool:
        return False


def available(part) -> bool:
    """True when ``part`` is a computed result (not :class:`Unavailable`, not None)."""
    return part is not None and not isinstance(part, Unavailable)
