"""``reports/<period>/recommendations.json``: the recommendations the strategy pages of a run made.

A strategy page hands its ranked recommendations to the runner as a display output of type
:data:`MIME` (``dealresearch.present.strategy.emit``; the page never shows it). This module reads
them from the executed notebooks (the run logs) and writes them per period, keeping the
records of pages not re-run; the next period's strategy notebook reads them back with
:func:`previous` and the page follows each one up.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

from .. import config
from ..periods import parse_period
from . import atomic
from .metrics_file import display_records

#: must equal dealresearch.strategy.history.MIME (report never imports analysis modules; a test checks)
MIME = "application/vnd.dealresearch.strategy.recommendations+json"
RECOMMENDATIONS_FILE = "recommendations.json"


def collect(nb) -> list[dict]:
    """Recommendation records of an executed notebook (in output order)."""
    return display_records(nb, MIME, "rule")


def read(period_dir: Path) -> list[dict]:
    path = Path(period_dir) / RECOMMENDATIONS_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []
    except (OSError, ValueError):
        return []
    return data if isinstance(data, list) else []


def merge(pages: list[tuple[str, list[dict]]], previous: list[dict] | None = None) -> list[dict]:
    """The records of ``pages`` (page name, records) plus those of ``previous`` whose pages were not re-run."""
    rerun = {name for name, _ in pages}
    kept = [r for r in previous or [] if r.get("report") not in rerun]
    return kept + [{**r, "report": name} for name, records in pages for r in records]


def write(period_dir: Path, pages: list[tuple[str, list[dict]]]) -> Path:
    """Merge ``pages`` into ``<period_dir>/recommendations.json`` (atomic write); returns its path."""
    path = Path(period_dir) / RECOMMENDATIONS_FILE
    atomic.write_text(path, json.dumps(merge(pages, read(period_dir)), ensure_ascii=False, indent=1))
    return path


def write_from_logs(period_dir: Path, logs: list[tuple[str, Path]]) -> Path | None:
    """:func:`write` from executed notebooks on disk (page name, run log); pages without
    recommendation outputs are skipped; None when no page had any."""
    pages = []
    for name, log in logs:
        try:
            nb = nbformat.read(Path(log), as_version=4)
        except (OSError, ValueError):
            continue
        found = collect(nb)
        if found:
            pages.append((name, found))
    return write(period_dir, pages) if pages else None


def previous(period, reports_root: str | Path | None = None) -> list[dict]:
    """The records kept for the period before ``period`` (empty when there are none)."""
    root = Path(reports_root) if reports_root is not None else config.reports_dir()
    return read(root / parse_period(period).previous().label)
