"""Report suite speed: the full suite on the sample ÷ the same notebooks emptied to their imports.

    .venv/bin/python benchmarks/bench_report.py [--data-dir DIR] [--jobs N] [--period 2026Q3]

Both runs go through ``run_reports`` (papermill, same parallelism, same HTML export, same
number of notebooks: every template at group level and per project). The floor notebooks keep
each template's parameters cell, metadata and top-level import statements and nothing else,
so kernel start-up, imports and export cost the same; the ratio is what the analysis and
charts add. Target ≤ 1.5. By default the floor also runs the templates' ``P.setup()``: DESIGN.md
forbids import-time side effects, so the plotting stack (matplotlib, seaborn, the CJK font) is
imported there rather than by an import statement — it *is* the templates' imports.
``--imports-only`` drops it (a stricter floor that excludes the plotting stack). Without --data-dir the sample is generated and ingested into a
temporary folder first (not timed).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat

TARGET = 1.5


def _is_setup_call(node: ast.stmt) -> bool:
    """``P.setup()``: the template preamble (theme, CJK font; imports matplotlib and seaborn)."""
    call = node.value if isinstance(node, ast.Expr) else None
    return (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "setup"
        and not call.args
        and not call.keywords
    )


def _imports_only(source: str, setup: bool = False) -> str:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ""
    keep = [
        n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom) or (setup and _is_setup_call(n))
    ]
    return "\n".join(ast.get_source_segment(source, n) for n in keep)


def floor_notebooks(templates, dest: Path, setup: bool = False) -> Path:
    """Copies of the templates holding only the parameters cell and the import statements
    (with ``setup``: also the ``P.setup()`` preamble every template runs)."""
    dest.mkdir(parents=True, exist_ok=True)
    for t in templates:
        book = nbformat.read(t.path, as_version=4)
        params = [c for c in book.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
        imports = [
            _imports_only(c.source, setup) for c in book.cells if c.cell_type == "code" and c not in params
        ]
        code = "\n".join(i for i in imports if i)
        book.cells = [*params, nbformat.v4.new_code_cell(code)]
        nbformat.write(book, dest / t.path.name)
    return dest


def sample_store(root: Path) -> Path:
    os.environ.setdefault("DEALRESEARCH_SECRET", "benchmark-secret")
    import dealresearch as dr
    from dealresearch import synth

    raw = root / "raw" / "sample"
    synth.generate(raw, seed=0)
    truth = json.loads((raw / "truth.json").read_text(encoding="utf-8"))
    dr.ingest_deals([raw / f for f in truth["deal_files"]], store=root)
    dr.ingest_surveys([raw / f for f in truth["survey_files"]], store=root)
    try:
        from dealresearch.ingest.targets import ingest_targets
    except ImportError:
        pass
    else:
        ingest_targets([raw / f for f in truth["target_files"]], store=root)
    return root


def main(argv=None) -> int:
    from dealresearch import config
    from dealresearch.report import latest_period, run_reports
    from dealresearch.report.catalog import find_templates

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--notebooks-dir", type=Path, default=config.notebooks_dir())
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--period", default=None)
    ap.add_argument(
        "--imports-only",
        action="store_true",
        help="floor notebooks keep only import statements, not the P.setup() that imports the plotting stack",
    )
    args = ap.parse_args(argv)

    templates = find_templates(args.notebooks_dir)
    if not templates:
        print(f"no report templates in {args.notebooks_dir}: nothing to measure")
        return 2
    with tempfile.TemporaryDirectory(prefix="bench_report_") as tmp:
        tmp = Path(tmp)
        data = args.data_dir or sample_store(tmp / "data")
        period = args.period or latest_period(data)
        floor_dir = floor_notebooks(templates, tmp / "floor_notebooks", setup=not args.imports_only)
        common = dict(data_dir=data, jobs=args.jobs, overwrite=True)

        t0 = time.perf_counter()
        floor = run_reports(period, notebooks_dir=floor_dir, out_dir=tmp / "floor", **common)
        t_floor = time.perf_counter() - t0
        t0 = time.perf_counter()
        full = run_reports(period, notebooks_dir=args.notebooks_dir, out_dir=tmp / "full", **common)
        t_full = time.perf_counter() - t0

    by_key = {(r.name, r.project): r.seconds for r in floor.reports}
    floor_kind = "imports only" if args.imports_only else "imports + P.setup()"
    print(f"period {period}, {len(full.reports)} notebooks, jobs {full.jobs}, floor: {floor_kind}")
    print(f"{'report':28s} {'project':10s} {'full s':>8s} {'floor s':>8s} {'status':>7s}")
    for r in full.reports:
        floor_s = by_key.get((r.name, r.project), float("nan"))
        print(f"{r.name:28s} {r.project or '集团':10s} {r.seconds:8.1f} {floor_s:8.1f} {r.status:>7s}")
    ratio = t_full / t_floor
    print(
        f"full suite {t_full:.1f} s / empty notebooks {t_floor:.1f} s = ratio {ratio:.2f} (target ≤ {TARGET})"
    )
    if not full.ok:
        print("note: failed reports: " + ", ".join(f"{r.name}/{r.project or '集团'}" for r in full.failed))
    return 0 if ratio <= TARGET and full.ok else 1


if __name__ == "__main__":
    sys.exit(main())
