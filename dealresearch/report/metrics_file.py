"""``reports/<period>/metrics.json``: the KPI values the pages of a run showed.

Each report notebook hands its KPI rows to the runner as a display output of type
:data:`MIME` (``dealresearch.metrics.kpis.emit``; the page never shows it). This module reads
them from the executed notebooks and writes one record per (kpi, scope, period) — kpi,
name, scope, period, window, value, n, ci_low, ci_high, unit, base, reports — merged with
the records of earlier partial runs of the same period. Two pages that showed the same
KPI with different values make a record with ``conflict: true`` and the value of each page
in ``values``: the consistency test fails on it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from . import atomic

#: must equal dealresearch.metrics.kpis.MIME (report never imports analysis modules; a test checks)
MIME = "application/vnd.dealresearch.metrics.kpis+json"
METRICS_FILE = "metrics.json"
#: relative tolerance under which two pages' values are the same number
TOLERANCE = 1e-9


def display_records(nb, mime: str, marker: str) -> list[dict]:
    """The records a notebook handed to the runner as display outputs of type ``mime``
    (dicts carrying ``marker``), in output order."""
    out: list[dict] = []
    for cell in (getattr(nb, "cells", None) or nb.get("cells", [])) if nb else []:
        for o in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            data = o.get("data", {}) if o.get("output_type") == "display_data" else {}
            rows = data.get(mime)
            if isinstance(rows, str):
                rows = json.loads(rows)
            if isinstance(rows, list):
                out.extend(r for r in rows if isinstance(r, dict) and marker in r)
    return out


def collect(nb) -> list[dict]:
    """Metric records of an executed notebook (in output order)."""
    return display_records(nb, MIME, "kpi")


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(float(a), float(b), rel_tol=TOLERANCE, abs_tol=TOLERANCE)


def merge(pages: list[tuple[str, list[dict]]], previous: list[dict] | None = None) -> list[dict]:
    """One record per (kpi, scope, period) from ``(page name, records)`` pairs; records of
    ``previous`` whose pages were not re-run are kept."""
    rerun = {name for name, _ in pages}
    merged: dict[tuple, dict] = {}
    for rec in previous or []:
        kept_pages = [p for p in rec.get("reports", []) if p not in rerun]
        if kept_pages:
            values = {p: v for p, v in (rec.get("values") or {}).items() if p in kept_pages}
            merged[(rec["kpi"], rec["scope"], rec["period"])] = {
                **rec, "reports": kept_pages, "values": values or {p: rec.get("value") for p in kept_pages}
            }
    for name, records in pages:
        for r in records:
            key = (r["kpi"], r["scope"], r["period"])
            cur = merged.setdefault(key, {**r, "reports": [], "values": {}})
            if name not in cur["reports"]:
                cur["reports"].append(name)
            cur["values"][name] = r.get("value")
    out = []
    for rec in merged.values():
        vals = list(rec["values"].values())
        rec["conflict"] = not all(_same(vals[0], v) for v in vals[1:])
        out.append(rec)
    return sorted(out, key=lambda r: (r["period"], r["kpi"], r["scope"] != "集团", r["scope"]))


def read(period_dir: Path) -> list[dict]:
    path = Path(period_dir) / METRICS_FILE
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return data if isinstance(data, list) else []


def write(period_dir: Path, pages: list[tuple[str, list[dict]]]) -> Path:
    """Merge ``pages`` into ``<period_dir>/metrics.json`` (atomic write); returns its path."""
    records = merge(pages, read(period_dir))
    path = Path(period_dir) / METRICS_FILE
    atomic.write_text(path, json.dumps(records, ensure_ascii=False, indent=1))
    return path
