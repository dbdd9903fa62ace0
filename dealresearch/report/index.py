"""reports/index.html: every period and report present on disk, with status and run time."""

from __future__ import annotations

import html as _html
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from .. import fmt
from ..errors import ParameterError
from ..periods import parse_period
from . import atomic, manifest, metrics_file
from .errors import render_page

INDEX = "index.html"
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


#: group KPIs the index shows per period, from the run's metrics.json (the pages' own values)
INDEX_KPIS = ("net_amount", "amount_attainment", "nps", "csi", "survey_coverage")


def period_kpis(folder: Path) -> list[dict]:
    """[{name, text}] of the group's headline KPIs of one period folder (none without metrics.json)."""
    recs = {r.get("kpi"): r for r in metrics_file.read(folder) if r.get("scope") == "集团"}
    return [{"name": recs[k]["name"], "text": fmt.value(recs[k].get("value"), recs[k].get("kind", "float"))}
            for k in INDEX_KPIS if k in recs]


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
                    "kpis": period_kpis(folder),
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
    """(Re)write ``<out_dir>/index.html`` listing exactly the report pages present; returns its path."""
    from .. import config

    out_dir = Path(out_dir) if out_dir is not None else config.reports_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    periods = collect(out_dir)
    page = render_page(
        "index.html.j2",
        quality=quality_pages(out_dir),
        periods=periods,
        total=sum(len(p["reports"]) for p in periods),
        generated_at=datetime.now().strftime("%Y-%m-%d %H:%M"),
    )
    return atomic.write_text(out_dir / INDEX, page)
