"""Issue 13, finding 4: report runs robust to names, paths and hostile text — bounded file
names, arguments checked before any folder is made, a failing run never replaces a good
page, valid run logs, no-data periods refused, mathtext and control characters, long cells."""

from __future__ import annotations

import io
import json
from pathlib import Path

import nbformat
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from dealresearch.errors import DataError, ParameterError
from dealresearch.present import base as present
from dealresearch.report import atomic, run_reports
from dealresearch.report.errors import Failure
from dealresearch.report.publish import FAILED_SUFFIX, ensure_valid_log
from dealresearch.report.run import LOGS

LONG = "超长项目名称" * 17  # 102 characters, 306 bytes in UTF-8


def _store(root: Path, projects, dates) -> Path:
    data = root / "data"
    (data / "processed").mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame({"project": projects, "sign_date": pd.to_datetime(dates)})
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), data / "processed" / "deals.parquet")
    return data


def _template(folder: Path, name: str, body: str, scope: str = "project") -> Path:
    """A minimal report template whose one cell runs ``body``."""
    params = new_code_cell('period = "2026Q3"\nproject = None\ndata_dir = None\n')
    params.metadata["tags"] = ["parameters"]
    book = new_notebook(cells=[params, new_markdown_cell("## 第一节"), new_code_cell(body)])
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    book.metadata["dealresearch"] = {"title": "测试报告", "scope": scope, "order": 1}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.ipynb"
    nbformat.write(book, str(path))
    return path


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


# ------------------------------------------------------------------------ file names
def test_file_stems_are_bounded_safe_and_distinct():
    stem = atomic.file_stem(f"satisfaction_{LONG}")
    assert len(stem.encode()) <= atomic.MAX_STEM_BYTES and stem.startswith("satisfaction_超长")
    assert stem == atomic.file_stem(f"satisfaction_{LONG}")  # stable between runs
    assert stem != atomic.file_stem(f"satisfaction_{LONG}二")  # same head, other name
    assert atomic.file_stem("segments_滨江壹号") == "segments_滨江壹号"  # ordinary names unchanged
    odd = [atomic.file_stem(f"x_{n}") for n in ("A/B", "A:B", "A?B", "../../etc", "a\x00b")]
    assert len(set(odd)) == len(odd)
    assert atomic.file_stem("CON").startswith("CON_") and atomic.file_stem("nul.txt") != "nul.txt"
    for s in odd:
        assert "/" not in s and "\\" not in s and not s.startswith(".") and "\x00" not in s
        assert s.rsplit("_", 1)[1].isalnum() and len(s.rsplit("_", 1)[1]) == atomic.HASH_CHARS


def test_inside_refuses_paths_outside_the_reports_folder(tmp_path):
    assert atomic.inside(tmp_path, tmp_path / "2026Q3" / "a.html")
    with pytest.raises(ValueError):
        atomic.inside(tmp_path / "reports", tmp_path / "reports" / ".." / "outside.html")


# ------------------------------------------------------------------------ arguments first
@pytest.mark.parametrize("period", ["2026Q3/../../../../outside", "../2026Q3", "2026Q3\x00", "2026Q9"])
def test_bad_period_creates_nothing(tmp_path, period):
    data = _store(tmp_path, ["A"], ["2026-08-01"])
    nbs = tmp_path / "nbs"
    _template(nbs, "t", "print(1)")
    before = _tree(tmp_path)
    with pytest.raises(ParameterError):
        run_reports(period, data_dir=data, notebooks_dir=nbs, out_dir=tmp_path / "reports")
    assert _tree(tmp_path) == before


def test_period_without_data_and_unknown_project_are_refused_before_any_folder(tmp_path):
    data = _store(tmp_path, ["A", "A"], ["2026-08-01", "2026-09-30"])
    nbs = tmp_path / "nbs"
    _template(nbs, "t", "print(1)")
    before = _tree(tmp_path)
    with pytest.raises(DataError, match="2030Q1.*没有任何成交或调查数据.*2026-08-01 至 2026-09-30"):
        run_reports("2030Q1", data_dir=data, notebooks_dir=nbs, out_dir=tmp_path / "reports")
    with pytest.raises(ParameterError, match="数据中没有项目：不存在的项目"):
        run_reports(
            "2026Q3",
            projects=["不存在的项目"],
            data_dir=data,
            notebooks_dir=nbs,
            out_dir=tmp_path / "reports",
        )
    assert _tree(tmp_path) == before


# ------------------------------------------------------------------------ real runs
@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """One template run twice over a store whose project names are long and odd: the second
    (``--overwrite``) run fails for one project, whose good page must survive."""
    root = tmp_path_factory.mktemp("hostile_report")
    marker = root / "FAIL"
    data = _store(root, [LONG, "A/B:C", "好项目"], ["2026-08-01", "2026-08-02", "2026-08-03"])
    nbs = root / "nbs"
    body = (
        "import pathlib\n"
        f"if project == '好项目' and pathlib.Path({str(marker)!r}).exists():\n"
        "    raise ValueError('模拟失败')\n"
        "print('完成', project)"
    )
    _template(nbs, "t", body)
    out = root / "reports"
    kw = dict(data_dir=data, notebooks_dir=nbs, out_dir=out, jobs=2)
    first = run_reports("2026Q3", **kw)
    good = next(r for r in first.reports if r.project == "好项目")
    page_before = good.html.read_bytes()
    log_before = good.log.read_bytes()
    marker.write_text("x")
    second = run_reports("2026Q3", only=["t"], projects=["好项目"], overwrite=True, **kw)
    return {
        "first": first,
        "second": second,
        "page_before": page_before,
        "log_before": log_before,
        "out": out,
    }


def test_long_and_odd_project_names_publish_inside_the_period_folder(runs):
    first = runs["first"]
    assert first.ok and len(first.reports) == 3
    for r in first.reports:
        assert r.html.parent == first.period_dir and r.html.is_file()
        assert len(r.html.name.encode()) <= atomic.MAX_STEM_BYTES + len(".html")
    assert first.manifest.is_file() and first.index.is_file()


def test_a_failing_overwrite_keeps_the_good_page_and_the_index_says_so(runs):
    (r,) = runs["second"].reports
    assert r.status == "failed" and r.kept_previous
    assert r.html.read_bytes() == runs["page_before"]  # the good page stays
    assert r.log.name.endswith(f"{FAILED_SUFFIX}.ipynb") and r.log.parent.name == LOGS
    assert (r.html.parent / LOGS / f"{r.html.stem}.ipynb").read_bytes() == runs["log_before"]
    failed_log = nbformat.read(r.log, as_version=4)
    assert any(o.get("output_type") == "error" for c in failed_log.cells for o in c.get("outputs", []))
    runs_html = (runs["second"].index.parent / "runs.html").read_text(encoding="utf-8")
    assert "仍显示上次成功的版本" in runs_html and runs_html.count("dr-row-failed") == 1
    assert "仍显示上次成功的版本" in runs["second"].index.read_text(encoding="utf-8")  # the cockpit's banner
    doc = json.loads(runs["second"].manifest.read_text(encoding="utf-8"))
    entry = next(e for e in doc["reports"] if e["project"] == "好项目")
    assert entry["status"] == "failed" and entry["kept_previous"] is True


def test_every_published_log_is_a_valid_notebook(runs):
    for path in runs["out"].rglob("*.ipynb"):
        nbformat.validate(nbformat.read(path, as_version=4))


def test_a_partial_log_is_replaced_by_a_valid_notebook(tmp_path):
    path = tmp_path / "log.ipynb"
    path.write_text('{"cells": [{"cell_type": "code", "sou', encoding="utf-8")
    ensure_valid_log(path, Failure("第二节", "DeadKernelError", "执行进程退出"))
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert "第二节" in nb.cells[0].source and "执行进程退出" in nb.cells[0].source


# ------------------------------------------------------------------------ hostile text
def test_control_characters_never_reach_html():
    out = present.table_html(pd.DataFrame({"意见": ["a\x00b\x07c\x1b[31m"]}))
    assert "\x00" not in out and "\x07" not in out and "\x1b" not in out and "abc[31m" in out
    assert present.esc("x\x00y") == "xy"
    from dealresearch.report.html import strip_controls

    assert strip_controls("<p>a\x00\x0bb\tc\n</p>") == "<p>ab\tc\n</p>"


def test_long_cells_wrap_instead_of_widening_the_table():
    out = present.table_html(pd.DataFrame({"意见": ["很长的意见" * 1000, "短"]}))
    assert out.count("class='dr-long'") == 1 and "<td>短</td>" in out
    css = (Path(present.__file__).parent.parent / "report" / "templates" / "report.css").read_text(encoding="utf-8")
    rule = css[css.index("td.dr-long") :].split("}")[0]
    assert "white-space: normal" in rule and "overflow-wrap: anywhere" in rule and "max-width" in rule
    assert "td.dr-long" in present._CSS and "overflow-wrap:anywhere" in present._CSS


def test_dollar_signs_in_chart_text_never_break_a_chart():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from dealresearch import plots

    hostile = "成本 $\\frac{a}{$ 之间 $x^$"
    with matplotlib.rc_context({"text.parse_math": True}):
        assert plots.plain_text(hostile) == hostile.replace("$", r"\$")
        fig, ax = plt.subplots()
        ax.set_title(hostile)
        with pytest.raises(ValueError):  # what broke the segments report before
            fig.savefig(io.BytesIO(), format="png")
        plt.close(fig)
    with matplotlib.rc_context():
        plots.setup()
        assert plots.plain_text(hostile) == hostile
        ax = plots.bar_shares(pd.Series({hostile: 0.6, "$x$": 0.4}), title=hostile)
        ax.figure.savefig(io.BytesIO(), format="png")
        assert ax.get_title() == hostile
        plt.close(ax.figure)
