"""Structural model specifications for PLS satisfaction indices (see :mod:`.ccsi`)."""

from .ccsi import CCSI_LABELS, CCSI_PATHS, DEFAULT_CCSI_ITEMS, ccsi_model

__all__ = ["CCSI_LABELS", "CCSI_PATHS", "DEFAULT_CCSI_ITEMS", "ccsi_model"]
