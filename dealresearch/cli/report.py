"""``dealresearch report``: the function the CLI calls."""

from __future__ import annotations

import sys
from collections.abc import Iterable

from ..errors import InputFileError
from ..periods import parse_period
from ..report.index import fmt_seconds
from ..report.inputs import deals_path, latest_period
from ..report.pdf import find_chromium
from ..report.run import run_reports


def report_command(
    period: str | None = None,
    latest: bool = False,
    projects: Iterable[str] | None = None,
    only: Iterable[str] | None = None,
    overwrite: bool = False,
    jobs: int | None = None,
    *,
    pdf: bool = False,
    data_dir=None,
    notebooks_dir=None,
    out_dir=None,
) -> int:
    """Run the report suite and print a Chinese summary ending with the index path.

    ``latest`` (or no ``period``) picks the last complete quarter in the deals store. Returns 0
    when every report published, 1 when any failed (a PDF that could not be printed counts as
    failed). With ``pdf`` a PDF is printed beside each page; no Chromium is a ReportError. DealResearchError (bad period or project,
    published period without ``overwrite``, missing data) propagates for the CLI to print."""
    if pdf:
        find_chromium()  # no browser for the PDFs: a clear error before anything runs
    if latest or period is None:
        period = latest_period(data_dir)
        print(f"最近的完整季度：{period}")
    else:
        parse_period(period)  # a malformed period is said first, before the data is looked for
    if not deals_path(data_dir).is_file():  # nothing to report on: say so before any folder
        raise InputFileError(
            f"找不到成交数据 {deals_path(data_dir)}：请先导入数据（dealresearch ingest），或用 --store 指定数据目录。"
        )
    summary = run_reports(
        period,
        projects=list(projects) if projects else None,
        only=list(only) if only else None,
        overwrite=overwrite,
        data_dir=data_dir,
        notebooks_dir=notebooks_dir,
        out_dir=out_dir,
        jobs=jobs,
        pdf=pdf,
    )
    for r in summary.reports:
        scope = r.project or "全集团"
        mark = "成功" if r.ok else "失败"
        line = f"[{mark}] {r.title}（{scope}） {fmt_seconds(r.seconds)} → {r.html}"
        if r.failure:
            line += (
                f"\n       出错章节：{r.failure.section}；错误信息：{r.failure.message}；运行日志：{r.log}"
            )
        print(line, file=sys.stdout if r.ok else sys.stderr)
        if r.pdf:
            print(f"       PDF → {r.pdf}")
        elif r.pdf_error:
            print(f"       未能生成 PDF：{r.pdf_error}", file=sys.stderr)
    n_bad = len(summary.failed)
    n_pdf_bad = sum(bool(r.pdf_error) for r in summary.reports)
    print(
        f"共 {len(summary.reports)} 份报告，成功 {len(summary.reports) - n_bad} 份，失败 {n_bad} 份，"
        f"用时 {fmt_seconds(summary.seconds)}（并行 {summary.jobs}）。运行清单：{summary.manifest}"
    )
    if pdf:
        print(f"PDF：生成 {sum(bool(r.pdf) for r in summary.reports)} 份，失败 {n_pdf_bad} 份。")
    print(summary.index)
    return 0 if summary.ok and not n_pdf_bad else 1
