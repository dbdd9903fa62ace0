"""Shared fixtures: the generated sample (raw exports + truth) and an ingested store."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI (CI=true) explores the same examples on every run so a submission's result does not
# depend on luck; local runs explore new random examples and replay saved failures.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("DEALRESEARCH_SECRET", "test-secret-not-for-production")


@pytest.fixture(scope="session")
def sample_raw(tmp_path_factory) -> Path:
    """Directory holding the generated sample exports (seed 0) and truth.json."""
    from dealresearch import synth

    out = tmp_path_factory.mktemp("data") / "raw" / "sample"
    synth.generate(out, seed=0)
    return out


@pytest.fixture(scope="session")
def sample_truth(sample_raw) -> dict:
    return json.loads((sample_raw / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def sample_ingest(sample_raw, sample_truth):
    """(store dir, deals IngestResult, surveys IngestResult) after ingesting the sample."""
    import dealresearch as dr

    store = sample_raw.parent.parent  # <tmp>/data: holds raw/, processed/, interim/
    deals = dr.ingest_deals([sample_raw / f for f in sample_truth["deal_files"]], store=store)
    surveys = dr.ingest_surveys([sample_raw / f for f in sample_truth["survey_files"]], store=store)
    try:
        from dealresearch.ingest.targets import ingest_targets
    except ImportError:  # targets reader not present in this build
        pass
    else:
        ingest_targets([sample_raw / f for f in sample_truth["target_files"]], store=store)
    return store, deals, surveys


@pytest.fixture(scope="session")
def sample_store(sample_ingest) -> Path:
    """A data directory (processed/ + interim/) holding the ingested sample."""
    return sample_ingest[0]
