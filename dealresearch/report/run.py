"""Execute the report templates with papermill, N at a time, and publish HTML + run logs."""

from __future__ import annotations

import logging
import math
import os
import shutil
import time
import uuid
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from .. import config
from ..errors import ParameterError, ReportError
from ..periods import parse_period
from . import atomic, inputs, manifest, metrics_file, nav, params, publish, recommendations_file
from . import pdf as pdf_print
from .catalog import Template, find_templates
from .errors import Failure, clean_message, error_page, failure_from_exception, locate_failure
from .html import export_html, subtitle
from .index import build_index

LOGS = "logs"
#: section named on the error page when the notebook ran but the HTML export failed
EXPORT_SECTION = "（导出网页）"
#: seconds one cell may run before the report is declared failed
CELL_TIMEOUT = 1800
#: seconds to wait for a kernel to start (slow laptops, antivirus scans)
START_TIMEOUT = 120


@dataclass
class ReportResult:
    """Outcome of one report (one template, group level or one project)."""

    name: str
    title: str
    project: str | None
    order: int
    status: str  # "ok" | "failed"
    html: Path
    log: Path
    seconds: float
    started: str
    finished: str
    failure: Failure | None = None
    #: the run failed and the page published before it was kept (``html`` is that page)
    kept_previous: bool = False
    #: KPI records the page showed (dealresearch.metrics.kpis.emit), for metrics.json
    metrics: list = field(default_factory=list)
    #: the PDF printed beside the page (``--pdf``), or why it could not be printed
    pdf: Path | None = None
    pdf_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def as_dict(self, period_dir: Path) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "project": self.project,
            "order": self.order,
            "status": self.status,
            "html": self.html.relative_to(period_dir).as_posix(),
            "log": self.log.relative_to(period_dir).as_posix(),
            "seconds": round(self.seconds, 3),
            "started": self.started,
            "finished": self.finished,
            "error": self.failure.as_dict() if self.failure else None,
            "kept_previous": self.kept_previous,
            "pdf": self.pdf.relative_to(period_dir).as_posix() if self.pdf else None,
        }


@dataclass
class RunSummary:
    """What a report run produced. ``ok`` is False when any report failed (or none ran)."""

    period: str
    period_dir: Path
    index: Path
    manifest: Path
    jobs: int
    seconds: float
    reports: list[ReportResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.reports) and all(r.ok for r in self.reports)

    @property
    def failed(self) -> list[ReportResult]:
        return [r for r in self.reports if not r.ok]


@dataclass(frozen=True)
class _Job:
    template: Template
    project: str | None
    parameters: dict

    @property
    def stem(self) -> str:
        base = self.template.name
        return atomic.file_stem(f"{base}_{self.project}" if self.project else base)


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # Windows, macOS
        return max(1, os.cpu_count() or 1)


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


def _expected_seconds(out_root: Path) -> dict[tuple[str, str | None], float]:
    """Run time of each (template, project) in the most recent manifests: the pool starts the
    slowest reports first so the last one does not run alone at the end."""
    seen: dict[tuple[str, str | None], float] = {}
    manifests = sorted(out_root.glob(f"*/{manifest.MANIFEST}"), key=lambda p: p.stat().st_mtime, reverse=True)
    for path in manifests[:8]:
        for r in manifest.read(path.parent).get("reports", []):
            key = (r.get("name"), r.get("project"))
            if key not in seen and isinstance(r.get("seconds"), int | float):
                seen[key] = float(r["seconds"])
    return seen


def _plan(templates, projects, base_params, *, group: bool = True) -> list[_Job]:
    jobs = []
    for t in templates:
        if group and t.runs_group:
            jobs.append(_Job(t, None, {**base_params, "project": None}))
        if t.runs_per_project:
            jobs.extend(_Job(t, p, {**base_params, "project": p}) for p in projects)
    return jobs


#: kernels log only critical errors: start-up warnings (local TCP) and shutdown chatter would
#: repeat once per report in scheduled-run logs; the notebooks' own warnings stay in the run log
KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=CRITICAL"]
#: thread pools of numpy/BLAS/scikit-learn would oversubscribe the cores when several
#: report kernels run at once; an explicit setting in the environment wins
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _kernel_manager_class():
    from jupyter_client.manager import AsyncKernelManager

    class ReportKernelManager(AsyncKernelManager):
        """Kernel with the inline matplotlib backend even when the scheduler exports
        MPLBACKEND=Agg (ipykernel only picks inline when MPLBACKEND is unset)."""

        async def _async_pre_start_kernel(self, **kw):
            env = dict(kw.get("env") or os.environ)
            if "inline" not in env.get("MPLBACKEND", "inline"):
                env.pop("MPLBACKEND")
            for var in THREAD_VARS:  # reports run side by side: one compute thread each
                env.setdefault(var, "1")
            kw["env"] = env
            return await super()._async_pre_start_kernel(**kw)

    return ReportKernelManager


class _QuietPapermill(logging.Filter):
    """Drop papermill's parameter-inspection warnings: its line-based inspector gives up on
    comments holding "=" and then calls declared parameters unknown; :mod:`.params` has already
    validated them with a real parser."""

    NOISE = ("Unable to parse line", "Passed unknown parameter")

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.NOISE)


def _quiet_papermill() -> None:
    for name in ("papermill", "papermill.translators"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _QuietPapermill) for f in logger.filters):
            logger.addFilter(_QuietPapermill())


def _execute(job: _Job, staging: Path, period_dir: Path, period, kernel_name: str) -> ReportResult:
    import nbformat
    import papermill as pm

    t = job.template
    started, t0 = _now(), time.perf_counter()
    log_tmp = staging / f"{job.stem}.ipynb"
    html_name, log_rel = f"{job.stem}.html", f"{LOGS}/{job.stem}.ipynb"
    sub = subtitle(period.label_zh, job.project)
    failure: Failure | None = None
    shown: list = []
    stage = "execute"
    try:
        nb = pm.execute_notebook(
            str(t.path),
            str(log_tmp),
            parameters=job.parameters,
            kernel_name=kernel_name,
            language="python",
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=True,  # partial run log survives a dying kernel
            start_timeout=START_TIMEOUT,
            execution_timeout=CELL_TIMEOUT,
            extra_arguments=list(KERNEL_ARGUMENTS),
            kernel_manager_class=_kernel_manager_class(),
        )
        stage = "export"
        shown = metrics_file.collect(nb)
        page = export_html(nb, title=t.title, period_label_zh=period.label_zh, project=job.project)
    except Exception as exc:  # any failure becomes this report's error page; the others go on
        nb = None
        if log_tmp.is_file():
            try:
                nb = nbformat.read(log_tmp, as_version=4)
            except Exception:  # unreadable partial log: report the exception alone
                nb = None
        if stage == "export":  # the notebook ran; turning it into a page failed
            failure = Failure(EXPORT_SECTION, type(exc).__name__, clean_message(exc))
        else:
            failure = (locate_failure(nb) if nb is not None else None) or failure_from_exception(exc, nb)
        page = error_page(
            title=t.title,
            subtitle=sub,
            failure=failure,
            log_href=quote(log_rel) if log_tmp.is_file() else None,
            generated_at=datetime.now().strftime("%Y-%m-%d %H:%M"),
        )
    html_path, log_path = period_dir / html_name, period_dir / log_rel
    kept = failure is not None and publish.good_page(html_path)
    if kept:  # a failing run never replaces a good page: its log goes beside the good one's
        log_path = period_dir / LOGS / f"{job.stem}{publish.FAILED_SUFFIX}.ipynb"
    atomic.inside(period_dir, html_path)
    atomic.inside(period_dir, log_path)
    if log_tmp.is_file():
        publish.ensure_valid_log(log_tmp, failure)
        atomic.publish(log_tmp, log_path)
    if not kept:
        atomic.write_text(html_path, page)
    return ReportResult(
        name=t.name,
        title=t.title,
        project=job.project,
        order=t.order,
        status="failed" if failure else "ok",
        html=html_path,
        log=log_path,
        seconds=time.perf_counter() - t0,
        started=started,
        finished=_now(),
        failure=failure,
        kept_previous=kept,
        metrics=shown if failure is None else [],
    )


def run_reports(
    period,
    *,
    projects: Iterable[str] | None = None,
    only: Iterable[str] | None = None,
    overwrite: bool = False,
    data_dir=None,
    notebooks_dir=None,
    out_dir=None,
    jobs: int | None = None,
    kernel_name: str = "python3",
    extra_params: Mapping[str, object] | None = None,
    pdf: bool = False,
) -> RunSummary:
    """Run every report template for ``period`` and publish ``<out_dir>/<period>/*.html``.

    With ``projects=None``: group-scope templates run once (project=None), project-scope ones
    once per project in the deals store, both-scope ones both ways. With a list of projects:
    only those projects' reports (project/both scopes); with ``projects=[]``: group level only. Up to ``jobs`` notebooks run at a time (default: CPU count). A failing
    notebook gets a Chinese error page and does not stop the others. Raises ParameterError
    before running anything for a bad period/project/template name/parameter, and ReportError
    when the period already holds any of the pages this run would write and ``overwrite`` is
    False. With ``pdf``, each page is also printed to a PDF beside it (ReportError before
    anything runs when no Chromium is installed)."""
    t_run = time.perf_counter()
    per = parse_period(period)
    data_dir = config.data_dir(data_dir)
    nb_dir = Path(notebooks_dir) if notebooks_dir is not None else config.notebooks_dir()
    out_root = Path(out_dir) if out_dir is not None else config.reports_dir()
    templates = params.select_templates(find_templates(nb_dir), only)
    if not templates:
        raise ReportError(f"在 {nb_dir} 中没有找到报告模板（需含 metadata.dealresearch 的 .ipynb）。")
    available = inputs.list_projects(data_dir) if inputs.deals_path(data_dir).is_file() else None
    project_list = params.check_projects(projects, available)
    if available is not None:  # a period after (or before) the data: exit 2, not a report of zeros
        inputs.check_period_has_data(data_dir, per)
    only_projects = bool(projects is not None and project_list)  # --project P: P's reports only
    base = {"period": per.label, "data_dir": str(data_dir), **dict(extra_params or {})}
    plan = _plan(templates, project_list, base, group=not only_projects)
    if not plan:
        raise ParameterError(
            "没有需要运行的报告：所选模板均为分项目报告但没有项目可运行"
            if not only_projects
            else "没有需要运行的报告：指定了项目，但所选模板都是集团级报告（scope 为 group）。"
        )
    checked = {}
    for job in plan:  # every template declares the names; values checked per job
        checked[(job.template.name, job.project)] = params.validate(job.template, job.parameters)
    plan = [_Job(j.template, j.project, checked[(j.template.name, j.project)]) for j in plan]

    period_dir = out_root / per.label
    stems = [j.stem for j in plan]
    if len(set(stems)) != len(stems):
        raise ParameterError("多个项目名称在文件名中重名（仅特殊字符不同），请改用可区分的项目名称。")
    existing = [f"{s}.html" for s in stems if (period_dir / f"{s}.html").exists()]
    if existing and not overwrite:
        raise ReportError(
            f"{per.label_zh}（{per.label}）的报告已发布：{period_dir} 中已有 {'、'.join(existing[:5])}"
            f"{' 等' if len(existing) > 5 else ''} 共 {len(existing)} 份。为防止覆盖已发布的报告，本次未运行；"
            "确需重新生成请加 --overwrite。"
        )
    if pdf:
        pdf_print.find_chromium()  # no browser: say so before hours of reports
    n_jobs = max(1, min(int(jobs) if jobs else default_jobs(), len(plan)))
    run_id = uuid.uuid4().hex[:12]
    staging = period_dir / f".staging-{run_id}"
    staging.mkdir(parents=True, exist_ok=True)
    started = _now()
    _quiet_papermill()
    try:
        with ThreadPoolExecutor(max_workers=n_jobs, thread_name_prefix="dr-report") as pool:
            expected = _expected_seconds(out_root)
            slow_first = sorted(plan, key=lambda j: -expected.get((j.template.name, j.project), math.inf))
            futures = {
                id(j): pool.submit(_execute, j, staging, period_dir, per, kernel_name) for j in slow_first
            }
            results = [futures[id(j)].result() for j in plan]
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    nav.refresh(period_dir, [r.as_dict(period_dir) for r in results])  # before the PDFs print
    if pdf:
        printed = pdf_print.print_all([r.html for r in results], jobs=n_jobs)
        for r in results:
            got = printed[r.html]
            r.pdf, r.pdf_error = (got, None) if isinstance(got, Path) else (None, got)
    seconds = time.perf_counter() - t_run
    run = {
        "period": per.label,
        "period_zh": per.label_zh,
        "run_id": run_id,
        "started": started,
        "finished": _now(),
        "seconds": round(seconds, 3),
        "jobs": n_jobs,
        "kernel_name": kernel_name,
        "parameters": {k: v for k, v in base.items()},
        "projects": project_list,
        "notebooks_dir": str(nb_dir),
        "data_dir": str(data_dir),
        "inputs": inputs.input_hashes(data_dir),
        "templates": {t.name: inputs.sha256(t.path) for t in templates},
        "packages": manifest.package_versions(),
        "environment": manifest.environment(),
    }
    manifest_path = manifest.write(period_dir, run, [r.as_dict(period_dir) for r in results])
    metrics_file.write(period_dir, [(r.html.stem, r.metrics) for r in results if r.ok])
    recommendations_file.write_from_logs(period_dir, [(r.html.stem, r.log) for r in results if r.ok])
    index = build_index(out_root)
    return RunSummary(
        period=per.label,
        period_dir=period_dir,
        index=index,
        manifest=manifest_path,
        jobs=n_jobs,
        seconds=seconds,
        reports=results,
    )
