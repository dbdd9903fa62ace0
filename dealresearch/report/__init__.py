"""Report suite: run the notebook templates with papermill, publish self-contained Chinese
HTML (linked to each other, optionally printed to PDF), the cockpit ``reports/index.html``
(headline KPIs of every scope from metrics.json), the run log ``reports/runs.html``, error
pages and a run manifest.

This package runs notebooks; it never imports the analysis modules (import-linter contract).
"""

from __future__ import annotations

from .index import build_index
from .inputs import latest_period
from .run import ReportResult, RunSummary, run_reports

__all__ = ["run_reports", "latest_period", "build_index", "RunSummary", "ReportResult"]
