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
os.environ.setdefault("DEALRESEARCH_CONTACTS_KEY", "test-contacts-key-not-for-production")


@pytest.fixture(scope="session")
def sample_raw(tmp_path_factory) -> Path:
    """Directory holding the generated sample exports (seed 0) and truth.json — generated once
    per test session: the xdist workers share one copy (the first one writes it under a lock)."""
    from filelock import FileLock

    from dealresearch import synth

    shared = tmp_path_factory.getbasetemp().parent  # the same folder for every worker of a run
    out = shared / "sample-seed0" / "raw" / "sample"
    with FileLock(str(shared / "sample-seed0.lock")):
        if not (out / "truth.json").is_file():
            synth.generate(out, seed=0)
    return out


@pytest.fixture(scope="session")
def sample_truth(sample_raw) -> dict:
    return json.loads((sample_raw / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def sample_ingest(sample_raw, sample_truth, tmp_path_factory):
    """(store dir, deals IngestResult, surveys IngestResult) after ingesting the sample."""
    import dealresearch as dr
    from dealresearch.ingest.targets import ingest_targets

    store = tmp_path_factory.mktemp("data")  # this worker's own processed/ + interim/ ...
    (store / "raw").symlink_to(sample_raw.parent, target_is_directory=True)  # ... beside the shared raw/
    deals = dr.ingest_deals([sample_raw / f for f in sample_truth["deal_files"]], store=store)
    surveys = dr.ingest_surveys([sample_raw / f for f in sample_truth["survey_files"]], store=store)
    ingest_targets([sample_raw / f for f in sample_truth["target_files"]], store=store)
    return store, deals, surveys


@pytest.fixture(scope="session")
def sample_store(sample_ingest) -> Path:
    """A data directory (processed/ + interim/) holding the ingested sample."""
    return sample_ingest[0]


#: test files that share the rendered report suite (tests/e2e/conftest.py) run in one worker
SHARED_SUITE = ("tests/e2e/test_browser.py", "tests/e2e/test_report_pages.py")


def pytest_collection_modifyitems(config, items):
    """One xdist group per test file (a file's tests share one worker and its fixtures, as
    ``--dist loadfile``), except the files that share the rendered suite: one group."""
    root = config.rootpath
    for item in items:
        where = item.path.relative_to(root).as_posix()
        item.add_marker(pytest.mark.xdist_group("reports" if where in SHARED_SUITE else where))
