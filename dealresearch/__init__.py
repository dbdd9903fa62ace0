"""dealresearch: closed-deal customer research for sales organisations.

Import is free of side effects::

    import dealresearch as dr
    res = dr.ingest_deals(["data/raw/sample/滨江壹号.xlsx"])
    deals = dr.load("deals")

The areas are packages (``dr.profile``, ``dr.satisfaction``, ``dr.survey_plan``,
``dr.segments``, ``dr.sales``, ``dr.strategy``); see docs/architecture.md.
"""

from __future__ import annotations

from .config import VERSION as __version__
from .errors import DealResearchError
from .ingest import ingest_deals, ingest_surveys, load

__all__ = ["__version__", "ingest_deals", "ingest_surveys", "load", "DealResearchError"]
