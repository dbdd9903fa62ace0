"""Links between the report pages of a period: each page links to the same scope's other
reports and to the same report for the other scopes (the page's header links to the cockpit).

Report and error pages carry an empty ``<div class="dr-links">`` between :data:`START` and
:data:`END` (page templates); :func:`refresh` fills it in every page of the period from the
pages the manifest lists and that exist, so a partial run keeps every page's links current.
"""

from __future__ import annotations

import html as _html
from pathlib import Path
from urllib.parse import quote

from . import atomic, manifest

START = "<!--dr-links-->"
END = "<!--/dr-links-->"
GROUP_LABEL = "全集团"


def _scope(project: str | None) -> str:
    return project if project else GROUP_LABEL


def _a(href: str, text: str, current: bool = False) -> str:
    if current:
        return f'<span class="dr-links-current" aria-current="page">{_html.escape(text)}</span>'
    return f'<a href="{quote(href)}">{_html.escape(text)}</a>'


def links_html(page: dict, pages: list[dict]) -> str:
    """The link block of ``page`` ({name, title, project, html}) among the period's ``pages``."""
    same_scope = [p for p in pages if p.get("project") == page.get("project")]
    same_report = [p for p in pages if p.get("name") == page.get("name")]
    same_report.sort(key=lambda p: (p.get("project") is not None, p.get("project") or ""))
    parts = ['<div class="dr-links" role="navigation" aria-label="相关报告">']
    if len(same_scope) > 1:
        items = " ".join(_a(p["html"], p.get("title") or p["name"], p["html"] == page["html"]) for p in same_scope)
        parts.append(f'<span class="dr-links-group"><span class="dr-links-label">'
                     f'{_html.escape(_scope(page.get("project")))}的报告：</span>{items}</span>')
    if len(same_report) > 1:
        items = " ".join(_a(p["html"], _scope(p.get("project")), p["html"] == page["html"]) for p in same_report)
        parts.append(f'<span class="dr-links-group"><span class="dr-links-label">'
                     f'本报告的其他范围：</span>{items}</span>')
    if len(parts) == 1:
        return ""
    parts.append("</div>")
    return "".join(parts)


def inject(text: str, block: str) -> str:
    """``text`` with the block between the markers replaced (unchanged without markers)."""
    start = text.find(START)
    end = text.find(END, start)
    if start < 0 or end < 0:
        return text
    return text[: start + len(START)] + block + text[end:]


def refresh(period_dir: Path, reports: list[dict] | None = None) -> int:
    """Fill the link block of every page of the period (the manifest's pages, with ``reports``
    of a run whose manifest is not written yet replacing same-named ones); returns the pages
    rewritten."""
    period_dir = Path(period_dir)
    fresh = {r["html"]: r for r in reports or [] if r.get("html")}
    old = [r for r in manifest.read(period_dir).get("reports", []) if r.get("html") not in fresh]
    listed = [r for r in [*old, *fresh.values()] if r.get("html")]
    pages = [r for r in listed if (period_dir / r["html"]).is_file()]
    pages.sort(key=lambda r: (r.get("order", 999), r.get("name", ""), r.get("project") or ""))
    changed = 0
    for page in pages:
        path = period_dir / page["html"]
        text = path.read_text(encoding="utf-8")
        new = inject(text, links_html(page, pages))
        if new != text:
            atomic.write_text(path, new)
            changed += 1
    return changed
