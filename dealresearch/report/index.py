"""``reports/index.html`` (the cockpit, :mod:`.cockpit`) and ``reports/runs.html`` (the run
log: every period and report page present on disk, with status, run time and timestamp)."""

from __future__ import annotations

import html as _html
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from .. import fmt
from ..errors import ParameterError
from ..periods import parse_period
from . import atomic, cockpit, manifest
from .errors import render_page

INDEX = "index.html"
RUNS = "runs.html"
_TITLE = re.compile(r"<title>(.*?)</title>", re.S | re.I)
_FAILED = re.compile(r'<meta name="dealresearch-status" content="failed"', re.I)
_KIND_ORDER = {"year": 0, "quarter": 1, "month": 2, "week": 3}


def _period_dirs(out_dir: Path) -> list[tuple[object, Path]]:
    found = []
    for d in out_dir.iterdir() if out_dir.is_dir() else []:
        if not d.is_dir() or d.name.startswith("."):
            continue
        try:
            p = parse_period(d.name)
        except ParameterError:
            continue
        if p.label == d.name:
            found.append((p, d))
    return sorted(found, key=lambda pd_: (pd_[0].start, -_KIND_ORDER[pd_[0].kind]), reverse=True)


def _head(path: Path) -> str:
    with open(path, encoding="utf-8", errors="replace") as fh:
        return fh.read(4096)


def fmt_seconds(s) -> str:
    """Run time for people: 12.3 秒, 2 分 05 秒; — when unknown."""
    if s is None:
        return "—"
    s = float(s)
    return f"{s:.1f} 秒" if s < 60 else f"{int(s // 60)} 分 {s % 60:02.0f} 秒"


def collect(out_dir: Path) -> list[dict]:
    """Periods (newest first), each with the report pages present in its folder."""
    periods = []
    for period, folder in _period_dirs(Path(out_dir)):
        meta = {r.get("html"): r for r in manifest.read(folder).get("reports", [])}
        rows = []
        for page in sorted(folder.glob("*.html")):
            info = meta.get(page.name, {})
            head = _head(page)
            failed = bool(_FAILED.search(head))
            status = info.get("status") or ("failed" if failed else "unknown")
            if failed:
                status = "failed"
            tm = _TITLE.search(head)
            rows.append(
                {
                    "href": quote(f"{folder.name}/{page.name}"),
                    "name": info.get("name") or page.stem,
                    "file": page.name,
                    "title": info.get("title")
                    or (_html.unescape(tm.group(1)).split(" · ")[0] if tm else page.stem),
                    "project": info.get("project"),
                    "status": status,
                    "seconds": fmt_seconds(info.get("seconds")),
                    "finished": info.get("finished")
                    or datetime.fromtimestamp(page.stat().st_mtime).isoformat(timespec="seconds"),
                    "order": info.get("order", 999),
                    "kept": bool(info.get("kept_previous")) and status == "failed",
                    "pdf": quote(f"{folder.name}/{page.stem}.pdf") if page.with_suffix(".pdf").is_file() else None,
                    "log": quote(f"{folder.name}/{info['log']}")
                    if info.get("log") and (folder / info["log"]).is_file()
                    else None,
                }
            )
        rows.sort(key=lambda r: (r["order"], r["project"] is not None, r["project"] or "", r["file"]))
        if rows:
            periods.append(
                {
                    "label": period.label,
                    "label_zh": period.label_zh,
                    "reports": rows,
                    "failed": sum(r["status"] == "failed" for r in rows),
                    "period": period,
                    "folder": folder,
                }
            )
    return periods


QUALITY_DIR = "quality"  # data-quality pages of ingest runs (ingest.quality)
QUALITY_LISTED = 20


def quality_pages(out_dir: Path) -> list[dict]:
    """The newest data-quality pages of ingest runs (``quality/<timestamp>_<kind>.html``)."""
    folder = Path(out_dir) / QUALITY_DIR
    pages = sorted(folder.glob("*.html"), reverse=True) if folder.is_dir() else []
    out = []
    for page in pages[:QUALITY_LISTED]:
        tm = _TITLE.search(_head(page))
        out.append({"href": quote(f"{QUALITY_DIR}/{page.name}"),
                    "title": _html.unescape(tm.group(1)) if tm else page.stem})
    return out


def build_index(out_dir=None) -> Path:
    """(Re)write the cockpit ``<out_dir>/index.html`` and the run log ``runs.html`` from the
    report pages present; returns the cockpit's path."""
    from .. import config

    out_dir = Path(out_dir) if out_dir is not None else config.reports_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    periods = collect(out_dir)
    folders = {p["label"]: p["folder"] for p in periods}
    for p in periods:
        p["rows"], p["columns"] = cockpit.kpi_rows(p["folder"], p["period"], folders, p["reports"])
        p["matrix"] = cockpit.matrix(p["reports"])
        p["failures"] = [r for r in p["reports"] if r["status"] == "failed"]
    generated_at = datetime.now().strftime("%Y-%m-%d %H:%M")
    total = sum(len(p["reports"]) for p in periods)
    quality = quality_pages(out_dir)
    runs = render_page("runs.html.j2", quality=quality, periods=periods, total=total, generated_at=generated_at)
    atomic.write_text(out_dir / RUNS, runs)
    page = render_page(
        "index.html.j2",
        quality=quality,
        periods=periods,
        total=total,
        generated_at=generated_at,
        cockpit_css=cockpit_css(),
        coverage_rule=fmt.pct(cockpit.COVERAGE_RULE),
    )
    return atomic.write_text(out_dir / INDEX, page)


def cockpit_css() -> str:
    from .html import TEMPLATES

    return (TEMPLATES / "cockpit.css").read_text(encoding="utf-8")
