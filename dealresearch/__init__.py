"""dealresearch: closed-deal customer research for sales organisations.

Import is free of side effects; the public entry points load lazily::

    import dealresearch as dr
    res = dr.ingest_deals(["data/raw/sample/滨江壹号.xlsx"])
    deals = dr.load("deals")
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "ingest_deals", "ingest_surveys", "load", "DealResearchError"]

_LAZY = {
    "ingest_deals": ("dealresearch.ingest", "ingest_deals"),
    "ingest_surveys": ("dealresearch.ingest", "ingest_surveys"),
    "load": ("dealresearch.ingest.store", "load"),
    "DealResearchError": ("dealresearch.errors", "DealResearchError"),
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'dealresearch' has no attribute {name!r}")
