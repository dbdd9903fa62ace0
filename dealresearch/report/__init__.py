"""Report suite: run the notebook templates with papermill, publish self-contained Chinese
HTML, an index of every period, error pages and a run manifest.

This package runs notebooks; it never imports the analysis modules (import-linter contract).
"""

from __future__ import annotations

from .index import build_index
from .inputs import latest_period
from .run import ReportResult, RunSummary, run_reports

__all__ = ["run_reports", "latest_period", "build_index", "RunSummary", "ReportResult"]
