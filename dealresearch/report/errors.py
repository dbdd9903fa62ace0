"""Chinese error page for a report that failed: which section, what went wrong — no traceback."""

from __future__ import annotations

import html as _html
import re
from dataclasses import dataclass
from functools import cache

from .html import TEMPLATES, css, strip_controls

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.M)
_HTML_HEADING = re.compile(r"<h[1-6]\b[^>]*>(.*?)</h[1-6]\s*>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_PAPERMILL_ERROR_TAG = "papermill-error-cell-tag"
MAX_MESSAGE = 600
START_SECTION = "（报告开头，尚未进入任何章节）"

#: plain-language hints for common Python error types
HINTS = {
    "FileNotFoundError": "找不到所需文件",
    "KeyError": "缺少所需的字段或键",
    "ValueError": "数据取值不符合要求",
    "TypeError": "数据类型不符合要求",
    "ZeroDivisionError": "除数为零（可能该期间没有数据）",
    "MemoryError": "内存不足",
    "ModuleNotFoundError": "缺少所需的程序包",
    "ImportError": "程序包导入失败",
    "NameError": "模板引用了未定义的名称",
    "IndexError": "数据为空或索引越界",
    "DeadKernelError": "执行进程意外退出（可能内存不足）",
    "CellTimeoutError": "单个步骤执行超时",
    "TimeoutError": "执行超时",
}


@dataclass(frozen=True)
class Failure:
    """Where and why a report failed."""

    section: str
    ename: str
    evalue: str

    @property
    def message(self) -> str:
        return self.evalue or self.ename

    @property
    def hint(self) -> str:
        return HINTS.get(self.ename, "")

    def as_dict(self) -> dict:
        return {"section": self.section, "ename": self.ename, "evalue": self.evalue}


def clean_message(text: object) -> str:
    s = _ANSI.sub("", str(text or "")).strip()
    return s if len(s) <= MAX_MESSAGE else s[: MAX_MESSAGE - 1] + "…"


def _plain(fragment: str) -> str:
    return _html.unescape(_TAG.sub("", fragment)).replace("¶", "").strip()


def _as_text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def _cell_sections(cell, upto_output: int | None = None) -> list[str]:
    """Headings a cell shows, in order (markdown source, or HTML/markdown outputs of code)."""
    if cell.get("cell_type") == "markdown":
        src = _as_text(cell.get("source"))
        found = [_plain(h) for h in _MD_HEADING.findall(src)]
        found += [_plain(h) for h in _HTML_HEADING.findall(src)]
        if not found:
            first = next((ln.strip() for ln in src.splitlines() if ln.strip()), "")
            if first:
                found = [_plain(first)[:40]]
        return [f for f in found if f]
    found = []
    for out in cell.get("outputs", [])[:upto_output]:
        data = out.get("data", {})
        if "text/html" in data:
            found += [_plain(h) for h in _HTML_HEADING.findall(_as_text(data["text/html"]))]
        elif "text/markdown" in data:
            found += [_plain(h) for h in _MD_HEADING.findall(_as_text(data["text/markdown"]))]
    return [f for f in found if f]


def locate_failure(nb) -> Failure | None:
    """The first failing cell of an executed notebook, its section (nearest preceding heading
    or markdown) and its error; None when no cell failed."""
    cells = [c for c in nb.cells if _PAPERMILL_ERROR_TAG not in c.get("metadata", {}).get("tags", [])]
    for i, cell in enumerate(cells):
        if cell.get("cell_type") != "code":
            continue
        outputs = cell.get("outputs", [])
        err_at = next((k for k, o in enumerate(outputs) if o.get("output_type") == "error"), None)
        flagged = cell.get("metadata", {}).get("papermill", {}).get("exception") is True
        if err_at is None and not flagged:
            continue
        section = None
        own = _cell_sections(cell, err_at)
        if own:
            section = own[-1]
        else:
            for prev in reversed(cells[:i]):
                found = _cell_sections(prev)
                if found:
                    section = found[-1]
                    break
        if err_at is not None:
            out = outputs[err_at]
            ename, evalue = str(out.get("ename", "")), clean_message(out.get("evalue", ""))
        else:
            ename, evalue = "CellExecutionError", ""
        return Failure(section or START_SECTION, ename or "Error", evalue)
    return None


def failure_from_exception(exc: BaseException, nb=None) -> Failure:
    """Failure for an exception raised by the runner (kernel died, timeout, unreadable template),
    using the partially executed notebook when there is one."""
    located = locate_failure(nb) if nb is not None else None
    if located is not None:
        return located
    ename = getattr(exc, "ename", None) or type(exc).__name__
    evalue = getattr(exc, "evalue", None)
    if evalue is None:
        evalue = str(exc)
    section = START_SECTION
    if nb is not None:
        cells = [c for c in nb.cells if _PAPERMILL_ERROR_TAG not in c.get("metadata", {}).get("tags", [])]
        running = [
            i
            for i, c in enumerate(cells)
            if c.get("metadata", {}).get("papermill", {}).get("status") == "running"
        ]
        executed = [
            i for i, c in enumerate(cells) if c.get("cell_type") == "code" and c.get("execution_count")
        ]
        # the cell running when it stopped: papermill marks it; else the one after the last executed
        last = running[0] if running else executed[-1] + 1 if executed else 0
        for prev in reversed(cells[: last + 1]):
            found = _cell_sections(prev)
            if found:
                section = found[-1]
                break
    return Failure(section, ename, clean_message(evalue))


@cache
def _env():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES / "pages")),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_page(template: str, **context) -> str:
    from ..config import VERSION as __version__

    page = _env().get_template(template).render(css=css(), version=__version__, **context)
    return strip_controls(page)


def error_page(
    *, title: str, subtitle: str, failure: Failure, log_href: str | None, generated_at: str
) -> str:
    """The HTML published in place of a report that failed."""
    return render_page(
        "error.html.j2",
        title=title,
        subtitle=subtitle,
        failure=failure,
        log_href=log_href,
        generated_at=generated_at,
    )
