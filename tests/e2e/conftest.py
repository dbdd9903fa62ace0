"""The one rendered report suite the end-to-end page checks share."""

from __future__ import annotations

import pytest

#: the sample runs to 2026-09-30: a whole later quarter exists that a 2026Q2 page must not show
PERIOD = "2026Q2"


@pytest.fixture(scope="session")
def group_reports(sample_store, tmp_path_factory):
    """Every report template at group level on the sample for :data:`PERIOD`, run once per
    test session (the page checks and the browser tests run in one worker: see tests/conftest.py)."""
    from dealresearch.report import run_reports

    out = tmp_path_factory.mktemp("group_reports")
    return run_reports(PERIOD, data_dir=sample_store, out_dir=out, projects=[], jobs=2)
