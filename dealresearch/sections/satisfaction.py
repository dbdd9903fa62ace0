"""Loading for the satisfaction report notebook (notebooks/satisfaction.ipynb).

The sections themselves live in :mod:`dealresearch.satisfaction_sections`; this module
only loads the store and an optional returned follow-up workbook, so the notebook's
loading cell needs no conditional.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

import dealresearch as dr
from dealresearch.followups import merge_updates
from dealresearch.worklists import read_followup_updates


@dataclass(frozen=True)
class Loaded:
    """The tables the satisfaction report reads: surveys, deals and the merged follow-up updates."""

    surveys: pd.DataFrame
    deals: pd.DataFrame
    updates: pd.DataFrame | None


def load(data_dir=None, followup_updates=None) -> Loaded:
    """Load surveys and deals; merge recorded follow-up updates with an extra returned workbook, if given."""
    surveys = dr.load("surveys", store=data_dir)
    deals = dr.load("deals", store=data_dir)
    recorded = dr.load("followup_updates", store=data_dir, missing_ok=True)
    updates = merge_updates(recorded, read_followup_updates(followup_updates) if followup_updates else None)
    return Loaded(surveys=surveys, deals=deals, updates=updates)
