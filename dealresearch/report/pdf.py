"""PDF beside each report page, printed by the system's headless Chromium from the
self-contained HTML (inline styles, data-URI images: nothing is fetched). Chromium embeds the
subset of each font it uses, so the Chinese system font travels with the PDF."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..errors import ReportError
from . import atomic

#: environment variable naming the Chromium executable (else looked up on PATH, then below)
CHROMIUM_ENV = "DEALRESEARCH_CHROMIUM"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FALLBACKS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
#: seconds one page may take to print
TIMEOUT = 180
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-pdf-header-footer",
    "--print-to-pdf-no-header",
    "--run-all-compositor-stages-before-draw",
)


def find_chromium() -> str:
    """Path of the Chromium executable; ReportError (exit 2) in Chinese when there is none."""
    named = os.environ.get(CHROMIUM_ENV)
    if named:
        if Path(named).is_file() and os.access(named, os.X_OK):
            return named
        raise ReportError(f"无法生成 PDF：环境变量 {CHROMIUM_ENV} 指定的 Chromium 浏览器 {named} 不存在或不可执行。")
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    for path in FALLBACKS:
        if Path(path).is_file() and os.access(path, os.X_OK):
            return path
    raise ReportError(
        "无法生成 PDF：本机没有安装 Chromium 浏览器。请先安装（在项目目录运行 make browser，"
        f"或用系统包管理器安装 chromium），或用环境变量 {CHROMIUM_ENV} 指定其路径；HTML 报告不受影响。"
    )


def print_pdf(page: Path, pdf: Path | None = None, *, chromium: str | None = None) -> Path:
    """Print ``page`` (an HTML file) to ``pdf`` (default: beside it, ``.pdf``); returns its path.
    The file appears only once complete (atomic replace). Raises ReportError when printing fails."""
    page = Path(page).resolve()
    pdf = Path(pdf) if pdf is not None else page.with_suffix(".pdf")
    exe = chromium or find_chromium()
    with tempfile.TemporaryDirectory(prefix="dr-pdf-") as tmp:
        out = Path(tmp) / "page.pdf"
        cmd = [exe, *FLAGS, f"--user-data-dir={Path(tmp) / 'profile'}", f"--print-to-pdf={out}", page.as_uri()]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT, check=False)
        except subprocess.TimeoutExpired as exc:
            raise ReportError(f"生成 PDF 超时（{TIMEOUT} 秒）：{page.name}") from exc
        data = out.read_bytes() if out.is_file() else b""
        if not data.startswith(b"%PDF"):
            detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
            raise ReportError(f"生成 PDF 失败：{page.name}（Chromium 退出码 {done.returncode}）{detail[0][:200]}")
        return atomic.write_bytes(pdf, data)


def print_all(pages: list[Path], *, jobs: int = 1) -> dict[Path, Path | str]:
    """Print every page beside itself; {page: pdf path, or the Chinese reason it failed}."""
    exe = find_chromium()

    def one(page: Path) -> Path | str:
        try:
            return print_pdf(page, chromium=exe)
        except ReportError as exc:
            return str(exc)

    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="dr-pdf") as pool:
        return dict(zip(pages, pool.map(one, pages), strict=True))
