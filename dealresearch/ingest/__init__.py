"""Ingest: CRM exports and survey files → the processed store.

Modules: ``readers`` (xlsx/csv, encodings, header rows), ``headers`` (alias matching,
units), ``normalise`` / ``idcard`` / ``vocab`` (vectorised normalisers), ``prepare`` and
``validate`` (rejects vs warnings), ``privacy`` / ``identity`` (keyed pseudonyms),
``lifecycle`` (duplicates, status history, customers), ``store`` (atomic parquet,
manifest, ``load``), ``pipeline`` (the runs), ``summary`` (tables, CLI entry point).
"""

from .pipeline import IngestResult, ingest_deals, ingest_surveys
from .store import load
from .summary import reason_table, summary_table

__all__ = [
    "IngestResult",
    "ingest_deals",
    "ingest_surveys",
    "load",
    "summary_table",
    "reason_table",
]
