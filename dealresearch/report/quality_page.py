"""The data-quality page of an ingest run (``reports/quality/``): what was read, mapped,
ignored and lost, rendered with the report pages' template and linked from the index."""

from __future__ import annotations

import os
from collections import Counter
from datetime import datetime
from pathlib import Path

import pandas as pd

from .. import config
from ..schema import label
from . import atomic
from .errors import render_page
from .index import QUALITY_DIR, build_index

KIND_ZH = {"deals": "成交", "surveys": "调查", "targets": "目标"}


def _frame(records, columns: dict[str, str]) -> pd.DataFrame:
    df = pd.DataFrame(records, columns=list(columns))
    return df.rename(columns=columns)


def page_context(summary: dict) -> dict:
    """Tables and texts of the data-quality page (plain values; the template escapes)."""
    kind = summary["kind"]
    files = [
        {k: f.get(k, "") for k in ("file", "sheet", "rows_read", "rows_clean", "rows_rejected",
                                   "duplicates_merged", "non_data_rows")}
        for f in summary["files"]
    ]
    lost = [
        {"field": label(k), "rows": v["rows"], "examples": "、".join(v["examples"])}
        for k, v in summary.get("lost_values", {}).items()
    ]
    for item, counts in summary.get("invalid_scores", {}).items():
        for why, n in counts.items():
            if why != "空白":
                lost.append({"field": f"{label(item)}（{why}）", "rows": n, "examples": ""})
    unknown = [
        {"field": label(k), "value": v, "rows": n}
        for k, counts in summary.get("unknown_values", {}).items()
        for v, n in list(counts.items())[:20]
    ]
    columns = summary.get("columns", [])
    return {
        "kind_zh": KIND_ZH.get(kind, kind),
        "summary": summary,
        "files": files,
        "columns": columns,
        "ignored": [c for c in columns if c["status"] == "忽略"],
        "lost": lost,
        "unknown": unknown,
        "rejects": Counter(summary.get("rejects_by_reason", {})).most_common(),
        "warnings": Counter(summary.get("warnings_by_reason", {})).most_common(),
        "skipped": summary.get("skipped", []),
    }


def reports_root(store=None) -> Path:
    """Where a run's page goes: ``$DEALRESEARCH_REPORTS``; else, for an explicit store,
    ``reports/`` beside its data directory; else the project's ``reports/``."""
    if store is not None and not os.environ.get("DEALRESEARCH_REPORTS"):
        return config.data_dir(store).parent / "reports"
    return config.reports_dir()


def write_page(summary: dict, out_dir=None, when: datetime | None = None, store=None) -> Path:
    """Write the run's data-quality page into ``<out_dir>/quality/`` (default
    ``reports_root(store)``); returns its path and refreshes that folder's index.html."""
    when = when or datetime.now()
    root = Path(out_dir) if out_dir is not None else reports_root(store)
    folder = root / QUALITY_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{when:%Y%m%d-%H%M%S}_{summary['kind']}.html"
    n = 1
    while path.exists():
        n += 1
        path = folder / f"{when:%Y%m%d-%H%M%S}-{n}_{summary['kind']}.html"
    html = render_page("quality.html.j2", generated_at=when.strftime("%Y-%m-%d %H:%M"), **page_context(summary))
    atomic.write_text(path, html)
    build_index(root)
    return path
