"""Run manifest per period: parameters, input hashes, package versions, per-report timings."""

from __future__ import annotations

import json
import platform
import sys
from importlib import metadata
from pathlib import Path

from . import atomic

MANIFEST = "manifest.json"
#: distributions whose versions shape a report's numbers or its rendering
PACKAGES = (
    "dealresearch", "pandas", "numpy", "pyarrow", "scipy", "scikit-learn", "matplotlib", "seaborn",
    "python-calamine", "papermill", "nbconvert", "nbclient", "nbformat", "ipykernel", "jupyter_client",
)  # fmt: skip


def package_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def environment() -> dict[str, str]:
    return {"platform": platform.platform(), "executable": sys.executable}


def read(period_dir: Path) -> dict:
    """The period's manifest, or {} when absent or unreadable."""
    path = Path(period_dir) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write(period_dir: Path, run: dict, reports: list[dict]) -> Path:
    """Write the period manifest atomically. Reports of this run replace same-named entries of
    an earlier run of the period (a partial ``--only`` run keeps the others); ``runs`` keeps
    the history of runs."""
    period_dir = Path(period_dir)
    old = read(period_dir)
    names = {r["html"] for r in reports}
    kept = [r for r in old.get("reports", []) if r.get("html") not in names]
    merged = sorted(
        kept + reports, key=lambda r: (r.get("order", 999), r.get("name", ""), r.get("project") or "")
    )
    history = [
        *old.get("runs", []),
        {k: run[k] for k in ("run_id", "started", "seconds", "jobs") if k in run},
    ]
    doc = {**run, "reports": merged, "runs": history[-50:]}
    return atomic.write_text(
        period_dir / MANIFEST, json.dumps(doc, ensure_ascii=False, indent=2, default=str)
    )
