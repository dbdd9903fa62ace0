"""Executed notebook → self-contained Chinese HTML page (inputs hidden, TOC, no network)."""

from __future__ import annotations

import copy
import html as _html
import re
from datetime import datetime
from functools import cache
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "templates"
NBCONVERT_TEMPLATES = TEMPLATES / "nbconvert"
TEMPLATE_NAME = "dealresearch"
#: heading levels listed in the table of contents
TOC_LEVELS = (2, 3)

_HEADING = re.compile(r"<h([1-6])(\s[^>]*)?>(.*?)</h\1\s*>", re.S | re.I)
_ID_ATTR = re.compile(r"""\bid\s*=\s*(["'])(.*?)\1""", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_ANCHOR = re.compile(r"<a\b[^>]*class=\"anchor-link\"[^>]*>.*?</a>", re.S)
_PAPERMILL_ERROR_TAG = "papermill-error-cell-tag"
#: control characters (not tab / newline / CR): invalid in HTML, NUL truncates some readers
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_controls(page: str) -> str:
    """``page`` without control characters (customer text can carry NUL and friends)."""
    return _CONTROL.sub("", page)


#: stylesheets every page carries, in order: the shared style, then the page links and print rules
STYLESHEETS = ("report.css", "pages.css")


@cache
def css() -> str:
    """The shared stylesheet (reports, index, error pages)."""
    return "\n".join((TEMPLATES / name).read_text(encoding="utf-8") for name in STYLESHEETS)


def _version() -> str:
    from ..config import VERSION as __version__

    return __version__


def subtitle(period_label_zh: str, project: str | None) -> str:
    return f"{period_label_zh} · {project if project else '全集团'}"


def reader_notebook(nb):
    """Copy of an executed notebook with what readers must not see removed: stderr streams,
    error outputs, papermill's error-marker cells, every cell value (``execute_result``) and
    plain-text displays."""
    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        if _PAPERMILL_ERROR_TAG in cell.get("metadata", {}).get("tags", []):
            continue
        if cell.cell_type == "code":
            kept = []
            for out in cell.get("outputs", []):
                kind = out.get("output_type")
                if kind == "error" or (kind == "stream" and out.get("name") == "stderr"):
                    continue
                if kind in ("execute_result", "display_data"):
                    out = _rich_only(out)
                    if out is None:
                        continue
                kept.append(out)
            cell.outputs = kept
        cells.append(cell)
    nb.cells = cells
    return nb


#: output types a page may show: HTML from the present helpers, embedded charts
_RICH = ("text/html", "image/png", "image/jpeg", "image/svg+xml")


def _rich_only(out):
    """A cell result as readers may see it, or None. A cell's value (``execute_result``:
    the string a ``P.*`` call returns, a number, a DataFrame) is never shown: only what a
    cell displays on purpose reaches the page, and only as HTML or an image, so no
    Python repr (``nan``, ``<NA>``, ``'<div …>'``) or English-headed pandas table can."""
    if out.get("output_type") == "execute_result":
        return None
    data = {k: v for k, v in out.get("data", {}).items() if k in _RICH}
    if not data:
        return None
    out["data"] = data
    return out


def _text(fragment: str) -> str:
    return _html.unescape(_TAG.sub("", _ANCHOR.sub("", fragment))).replace("¶", "").strip()


def add_toc(body: str, levels: tuple[int, ...] = TOC_LEVELS) -> tuple[str, list[tuple[int, str, str]]]:
    """Give every heading of ``levels`` an id and insert a nested TOC before the first one.

    Returns (html, [(level, id, text), ...])."""
    used: set[str] = set(m.group(2) for m in _ID_ATTR.finditer(body))
    entries: list[tuple[int, str, str]] = []
    counter = 0

    def fix(m: re.Match) -> str:
        nonlocal counter
        level, attrs, inner = int(m.group(1)), m.group(2) or "", m.group(3)
        if level not in levels:
            return m.group(0)
        text = _text(inner)
        if not text:
            return m.group(0)
        idm = _ID_ATTR.search(attrs)
        if idm:
            hid = _html.unescape(idm.group(2))
        else:
            counter += 1
            hid = f"sec-{counter}"
            while hid in used:
                counter += 1
                hid = f"sec-{counter}"
            used.add(hid)
            attrs = f'{attrs} id="{hid}"'
        entries.append((level, hid, text))
        return f"<h{level}{attrs}>{inner}</h{level}>"

    body = _HEADING.sub(fix, body)
    if not entries:
        return body, entries
    top = min(lv for lv, _, _ in entries)
    parts = ['<nav class="dr-toc" aria-label="目录"><div class="dr-toc-title">目录</div><ol>']
    open_sub = False
    for i, (level, hid, text) in enumerate(entries):
        link = f'<a href="#{_html.escape(hid, quote=True)}">{_html.escape(text)}</a>'
        if level == top:
            if open_sub:
                parts.append("</ol>")
                open_sub = False
            if i:
                parts.append("</li>")
            parts.append(f"<li>{link}")
        else:
            if not open_sub:
                parts.append("<ol>" if i else "<li><ol>")
                open_sub = True
            parts.append(f"<li>{link}</li>")
    parts.append("</ol>" if open_sub else "")
    parts.append("</li></ol></nav>")
    toc = "".join(parts)
    first = re.search(rf"<h{entries[0][0]}\b", body)
    return body[: first.start()] + toc + body[first.start() :], entries


def _ensure_h1(body: str, title: str) -> str:
    if re.search(r"<h1\b", body, re.I):
        return body
    start = body.find('<main class="dr-main">')
    if start < 0:
        return body
    at = start + len('<main class="dr-main">')
    return f"{body[:at]}\n<h1>{_html.escape(title)}</h1>{body[at:]}"


def export_html(nb, *, title: str, period_label_zh: str, project: str | None) -> str:
    """Self-contained HTML for an executed notebook: inputs and prompts hidden, images as
    data URIs, a TOC from the h2/h3 headings, no <script> and no external reference."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(NBCONVERT_TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_raw=True,
        embed_images=True,
    )
    resources = {
        "metadata": {"name": title},
        "dealresearch": {
            "title": title,
            "subtitle": subtitle(period_label_zh, project),
            "css": css(),
            "version": _version(),
            "generated_at": datetime.now().strftime("%Y-%m-%d %H:%M"),
        },
    }
    body, _ = exporter.from_notebook_node(reader_notebook(nb), resources=resources)
    body = _ensure_h1(body, title)
    body, _ = add_toc(body)
    return strip_controls(body)
