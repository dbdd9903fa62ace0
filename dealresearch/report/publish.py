"""Publishing rules for a report run: a failed run keeps the good page, logs stay readable."""

from __future__ import annotations

from pathlib import Path

from .errors import Failure

#: log of a failed run whose previous good page was kept: ``logs/<stem>.failed.ipynb``
FAILED_SUFFIX = ".failed"
_FAILED_META = 'name="dealresearch-status" content="failed"'


def good_page(path: Path) -> bool:
    """True when ``path`` is a published report page that did not fail."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return _FAILED_META not in fh.read(8192)
    except OSError:
        return False


def ensure_valid_log(path: Path, failure: Failure | None) -> None:
    """A run log is always a readable notebook: a partial one (the kernel died while it was
    being saved) is replaced by a short notebook saying what happened."""
    import nbformat

    try:
        nbformat.validate(nbformat.read(path, as_version=4))
        return
    except Exception:  # not JSON, or not a notebook: replaced below
        pass
    what = f"{failure.section}：{failure.message}" if failure else "未知原因"
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell(
                f"# 运行日志不完整\n\n执行进程在保存日志时中断，完整日志未能保存。出错位置：{what}"
            )
        ]
    )
    nbformat.write(nb, str(path))
