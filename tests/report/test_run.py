"""Report runner: parameters, templates, TOC, error pages, index, manifest, and a real run of
the tiny fixture notebooks in tests/data/notebooks (one of them deliberately broken)."""

from __future__ import annotations

import ast
import html
import json
import re
import shutil
from pathlib import Path
from urllib.parse import unquote

import nbformat
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from dealresearch.cli.report import report_command
from dealresearch.errors import ParameterError, ReportError
from dealresearch.report import (
    atomic,
    build_index,
    latest_period,
    manifest,
    params,
    run_reports,
)
from dealresearch.report.catalog import find_templates, read_template
from dealresearch.report.errors import START_SECTION, locate_failure
from dealresearch.report.html import add_toc, reader_notebook
from dealresearch.report.inputs import sha256

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "notebooks"


def _store(root: Path, projects, dates) -> Path:
    data = root / "data"
    (data / "processed").mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame({"project": projects, "sign_date": pd.to_datetime(dates)})
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), data / "processed" / "deals.parquet")
    return data


def _links(page: str) -> list[str]:
    return sorted(unquote(html.unescape(h)) for h in re.findall(r'<td><a href="([^"]+)">', page))


def _matrix_links(page: str) -> list[str]:
    """Report links of the cockpit's scope × report matrix."""
    return sorted(unquote(html.unescape(h)) for h in re.findall(r'<td class="dr-mx[^"]*"><a href="([^"]+)">', page))


# ---------------------------------------------------------------- templates and parameters


def test_find_templates_reads_metadata_sorted_and_skips_non_templates():
    found = find_templates(FIXTURES)
    assert [t.name for t in found] == ["fx_summary", "fx_project", "fx_broken"]
    assert [t.scope for t in found] == ["group", "both", "group"]
    assert found[0].title == "测试总览报告"
    assert read_template(FIXTURES / "explore_starter.ipynb") is None


def test_bad_scope_is_a_chinese_report_error(tmp_path):
    book = nbformat.read(FIXTURES / "fx_summary.ipynb", as_version=4)
    book.metadata["dealresearch"]["scope"] = "region"
    nbformat.write(book, tmp_path / "bad.ipynb")
    with pytest.raises(ReportError, match="scope"):
        find_templates(tmp_path)


def test_validate_rejects_unknown_parameter_and_malformed_period():
    t = read_template(FIXTURES / "fx_summary.ipynb")
    ok = params.validate(t, {"period": "2026q3", "project": None, "data_dir": "/x"})
    assert ok["period"] == "2026Q3"
    with pytest.raises(ParameterError, match="未知参数：colour"):
        params.validate(t, {"period": "2026Q3", "colour": "red"})
    with pytest.raises(ParameterError, match="无法识别的期间"):
        params.validate(t, {"period": "2026Q5"})
    with pytest.raises(ParameterError, match="只接受文本"):
        params.validate(t, {"period": "2026Q3", "data_dir": object()})
    with pytest.raises(ParameterError, match="project"):
        params.validate(t, {"period": "2026Q3", "project": "  "})


def test_template_missing_a_required_parameter_is_refused(tmp_path):
    book = nbformat.read(FIXTURES / "fx_summary.ipynb", as_version=4)
    book.cells[0].source = 'period = "2026Q4"\n'
    nbformat.write(book, tmp_path / "nb.ipynb")
    with pytest.raises(ParameterError, match="缺少：project、data_dir"):
        params.validate(read_template(tmp_path / "nb.ipynb"), {"period": "2026Q3"})


def test_run_reports_rejects_bad_period_and_unknown_names_before_running(tmp_path):
    data = _store(tmp_path, ["A"], ["2026-08-01"])
    kw = dict(data_dir=data, notebooks_dir=FIXTURES, out_dir=tmp_path / "reports")
    with pytest.raises(ParameterError):
        run_reports("2026-13", **kw)
    with pytest.raises(ParameterError, match="找不到报告模板：nope"):
        run_reports("2026Q3", only=["nope"], **kw)
    with pytest.raises(ParameterError, match="数据中没有项目：B"):
        run_reports("2026Q3", projects=["B"], **kw)
    with pytest.raises(ParameterError, match="未知参数：evil"):
        run_reports("2026Q3", extra_params={"evil": "x"}, **kw)
    assert not (tmp_path / "reports").exists()


def test_plan_scopes_and_project_selection(tmp_path):
    from dealresearch.report.run import _plan

    found = find_templates(FIXTURES)
    every = [(j.template.name, j.project) for j in _plan(found, ["A", "B"], {})]
    assert every == [
        ("fx_summary", None),
        ("fx_project", None),
        ("fx_project", "A"),
        ("fx_project", "B"),
        ("fx_broken", None),
    ]
    only_b = [(j.template.name, j.project) for j in _plan(found, ["B"], {}, group=False)]
    assert only_b == [("fx_project", "B")]
    data = _store(tmp_path, ["A"], ["2026-08-01"])
    with pytest.raises(ParameterError, match="集团级报告"):
        run_reports(
            "2026Q3",
            projects=["A"],
            only=["fx_summary"],
            data_dir=data,
            notebooks_dir=FIXTURES,
            out_dir=tmp_path / "r",
        )


def test_select_templates_by_name_or_title():
    found = find_templates(FIXTURES)
    assert [t.name for t in params.select_templates(found, ["测试故障报告", "fx_summary.ipynb"])] == [
        "fx_summary",
        "fx_broken",
    ]
    assert params.check_projects(None, ["A", "B"]) == ["A", "B"]
    assert params.check_projects(["B", "B"], ["A", "B"]) == ["B"]


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_injected_parameters_are_inert_literals(value):
    # papermill writes the value as an escaped string literal: parsing the injected cell gives
    # plain assignments of constants equal to the input, whatever quotes or code it holds
    src = params.injected_source({"project": value, "period": "2026Q3", "data_dir": None})
    tree = ast.parse(src)
    assigned = {}
    for node in tree.body:
        assert isinstance(node, ast.Assign), ast.dump(node)
        assert isinstance(node.value, ast.Constant), ast.dump(node)
        assigned[node.targets[0].id] = node.value.value
    assert assigned == {"project": value, "period": "2026Q3", "data_dir": None}


def test_injection_payload_specifically():
    payload = "x\"; __import__('os').system('echo PWNED') #\\\"\n'''"
    tree = ast.parse(params.injected_source({"project": payload}))
    assert [type(n).__name__ for n in ast.walk(tree)].count("Call") == 0
    assert tree.body[0].value.value == payload


# ---------------------------------------------------------------- html helpers


def test_add_toc_ids_nesting_and_placement():
    body = (
        '<main class="dr-main"><h1>标题</h1><p>x</p><h2>摘要</h2><h3 id="a">细分<a class="anchor-link" '
        'href="#a">¶</a></h3><h2 id="sec-1">渠道 &amp; 来源</h2><h4>不入目录</h4><h2>摘要</h2></main>'
    )
    out, entries = add_toc(body)
    assert [(lv, text) for lv, _, text in entries] == [
        (2, "摘要"),
        (3, "细分"),
        (2, "渠道 & 来源"),
        (2, "摘要"),
    ]
    ids = [hid for _, hid, _ in entries]
    assert len(set(ids)) == 4 and ids[1] == "a" and ids[2] == "sec-1"
    for hid in ids:
        assert out.count(f'id="{hid}"') == 1
    assert out.index('<nav class="dr-toc"') > out.index("<h1>") and out.index("<nav") < out.index("<h2")
    nav = out[out.index("<nav") : out.index("</nav>")]
    assert re.sub(r"<a [^>]*>.*?</a>", "A", nav).endswith(
        "<ol><li>A<ol><li>A</li></ol></li><li>A</li><li>A</li></ol>"
    )


def test_reader_notebook_drops_stderr_errors_and_reprs_but_keeps_results():
    cell = new_code_cell("x")
    cell.outputs = [
        new_output("stream", name="stderr", text="UserWarning: noise"),
        new_output("stream", name="stdout", text="kept"),
        new_output("execute_result", data={"text/plain": "<Axes: title={'center': 'x'}>"}, execution_count=1),
        new_output("execute_result", data={"text/plain": "42"}, execution_count=1),
        new_output("error", ename="ValueError", evalue="bad", traceback=["tb"]),
    ]
    out = reader_notebook(new_notebook(cells=[cell]))
    kinds = [
        (o.output_type, o.get("name") or o.get("data", {}).get("text/plain")) for o in out.cells[0].outputs
    ]
    assert kinds == [("stream", "stdout")]  # a cell's value (a repr, "42") never reaches the page
    assert len(cell.outputs) == 5  # the run log keeps everything


def _failed_nb(*cells):
    return new_notebook(cells=list(cells))


def _err(cell, *before, evalue="\x1b[31m金额列为空\x1b[0m"):
    cell.outputs = [
        *before,
        new_output("error", ename="DataError", evalue=evalue, traceback=["Traceback..."]),
    ]
    return cell


def test_locate_failure_uses_nearest_preceding_heading():
    html_heading = new_code_cell("P.heading('客户画像')")
    html_heading.outputs = [new_output("display_data", data={"text/html": "<h2>客户画像</h2>"})]
    nb = _failed_nb(
        new_markdown_cell("# 报告\n## 摘要"), html_heading, new_code_cell("ok"), _err(new_code_cell("boom"))
    )
    f = locate_failure(nb)
    assert (f.section, f.ename, f.message) == ("客户画像", "DataError", "金额列为空")
    # a heading shown by the failing cell itself, before the error, wins
    own = _err(new_code_cell("boom"), new_output("display_data", data={"text/html": "<h3>成交结构</h3>"}))
    assert locate_failure(_failed_nb(new_markdown_cell("## 摘要"), own)).section == "成交结构"
    # markdown heading
    assert locate_failure(
        _failed_nb(new_markdown_cell("## 销售 **业绩**"), _err(new_code_cell("b")))
    ).section == ("销售 **业绩**")
    assert locate_failure(_failed_nb(_err(new_code_cell("b")))).section == START_SECTION
    assert locate_failure(_failed_nb(new_code_cell("fine"))) is None


# ---------------------------------------------------------------- index, manifest, inputs, files


def test_index_lists_exactly_the_files_present(tmp_path):
    for period, names in {
        "2026Q3": ["a.html", "b_滨江.html"],
        "2026Q2": ["a.html"],
        "2026-07": ["m.html"],
    }.items():
        for n in names:
            atomic.write_text(tmp_path / period / n, f"<html><head><title>{n} · x</title></head></html>")
    (tmp_path / "notaperiod").mkdir()
    (tmp_path / "notaperiod" / "z.html").write_text("<title>z</title>")
    atomic.write_text(tmp_path / "2026Q3" / "logs" / "a.ipynb", "{}")
    failed = (
        '<html><head><meta name="dealresearch-status" content="failed"><title>坏 · x</title></head></html>'
    )
    atomic.write_text(tmp_path / "2026Q2" / "bad.html", failed)
    (tmp_path / "2026Q3" / "b_滨江.html").unlink()

    def links():
        cockpit = build_index(tmp_path).read_text(encoding="utf-8")
        page = (tmp_path / "runs.html").read_text(encoding="utf-8")  # the run log lists every page
        assert _matrix_links(cockpit) == _links(page)  # and the cockpit links to each of them
        return page, _links(page)

    page, found = links()
    assert found == ["2026-07/m.html", "2026Q2/a.html", "2026Q2/bad.html", "2026Q3/a.html"]
    present = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.glob("20*/*.html"))
    assert found == present
    assert page.index("2026年第3季度") < page.index("2026年7月") < page.index("2026年第2季度")
    assert page.count("dr-row-failed") == 1 and "http" not in page
    (tmp_path / "2026Q2" / "a.html").unlink()
    assert links()[1] == ["2026-07/m.html", "2026Q2/bad.html", "2026Q3/a.html"]


def test_manifest_merges_partial_runs(tmp_path):
    manifest.write(tmp_path, {"run_id": "1", "seconds": 1}, [{"html": "a.html", "status": "ok", "name": "a"}])
    manifest.write(
        tmp_path, {"run_id": "2", "seconds": 2}, [{"html": "b.html", "status": "failed", "name": "b"}]
    )
    manifest.write(
        tmp_path, {"run_id": "3", "seconds": 3}, [{"html": "a.html", "status": "failed", "name": "a"}]
    )
    doc = manifest.read(tmp_path)
    assert {r["html"]: r["status"] for r in doc["reports"]} == {"a.html": "failed", "b.html": "failed"}
    assert [r["run_id"] for r in doc["runs"]] == ["1", "2", "3"] and doc["run_id"] == "3"


def test_expected_seconds_come_from_the_newest_manifest(tmp_path):
    import os

    from dealresearch.report.run import _expected_seconds

    manifest.write(
        tmp_path / "2026Q2", {}, [{"html": "a.html", "name": "a", "project": None, "seconds": 9.0}]
    )
    manifest.write(
        tmp_path / "2026Q3", {}, [{"html": "a.html", "name": "a", "project": None, "seconds": 3.0}]
    )
    os.utime(tmp_path / "2026Q2" / "manifest.json", (1, 1))  # older
    manifest.write(
        tmp_path / "2026Q3", {}, [{"html": "a_P.html", "name": "a", "project": "P", "seconds": 5.0}]
    )
    assert _expected_seconds(tmp_path) == {("a", None): 3.0, ("a", "P"): 5.0}


def test_latest_period_reads_sign_dates(tmp_path):
    data = _store(tmp_path, ["A", "B", "A"], ["2026-03-31", "2026-09-30", "2026-10-02"])
    assert latest_period(data) == "2026Q3"  # 2026Q4 has data but is not over
    data2 = _store(tmp_path / "x", ["A"], ["2026-12-31"])
    assert latest_period(data2) == "2026Q4"


def test_atomic_write_leaves_no_temp_files_and_normal_permissions(tmp_path):
    p = atomic.write_text(tmp_path / "sub" / "a.html", "一")
    atomic.write_text(p, "二")
    assert p.read_text(encoding="utf-8") == "二"
    assert [x.name for x in p.parent.iterdir()] == ["a.html"]
    assert p.stat().st_mode & 0o044 == 0o044
    assert atomic.safe_name('a/b:"c"#1%') == "a_b_c_1_"


# ---------------------------------------------------------------- a real run of the fixtures

PAYLOAD = "x\"; __import__('pathlib').Path(r'{marker}').write_text('pwned') #"


@pytest.fixture(scope="module")
def fixture_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("reportrun")
    marker = root / "PWNED"
    evil = PAYLOAD.format(marker=marker)
    data = _store(root, ["滨江壹号", evil, "滨江壹号"], ["2026-08-01", "2026-09-03", "2026-10-02"])
    out = root / "reports"
    summary = run_reports("2026Q3", data_dir=data, notebooks_dir=FIXTURES, out_dir=out, jobs=2)
    return {"summary": summary, "out": out, "data": data, "marker": marker, "evil": evil, "root": root}


def test_run_publishes_every_report_and_failure_does_not_stop_others(fixture_run):
    s = fixture_run["summary"]
    got = sorted((r.name, r.project or "", r.status) for r in s.reports)
    evil = fixture_run["evil"]
    assert got == sorted(
        [
            ("fx_summary", "", "ok"),
            ("fx_project", "", "ok"),
            ("fx_project", "滨江壹号", "ok"),
            ("fx_project", evil, "ok"),
            ("fx_broken", "", "failed"),
        ]
    )
    assert s.ok is False and [r.name for r in s.failed] == ["fx_broken"]
    for r in s.reports:
        assert r.html.is_file() and r.log.is_file() and r.seconds > 0
        assert r.log.parent.name == "logs"
    assert not list(s.period_dir.glob(".staging-*")) and not list(s.period_dir.rglob("*.tmp"))


def test_published_html_is_self_contained_without_code(fixture_run):
    page = (fixture_run["summary"].period_dir / "fx_summary.html").read_text(encoding="utf-8")
    for banned in (
        "<script",
        "http://",
        "https://",
        "//cdn",
        "require.js",
        "mathjax",
        "plt.subplots",
        "import ",
    ):
        assert banned not in page.lower(), banned
    assert page.count('src="data:image/png;base64,') == 1
    assert "读者不应看到的警告" not in page and "&lt;Axes" not in page
    nav = page[page.index('<nav class="dr-toc"') : page.index("</nav>")]
    assert re.findall(r">([^<>]+)</a>", nav) == ["摘要", "认知途径", "分项目指标"]
    assert page.index("测试总览报告</h1>") < page.index("<nav") < page.index(">摘要</h2>")


def test_broken_notebook_gets_a_chinese_error_page(fixture_run):
    s = fixture_run["summary"]
    broken = next(r for r in s.reports if r.name == "fx_broken")
    assert (broken.failure.section, broken.failure.ename) == ("客户画像", "ValueError")
    page = broken.html.read_text(encoding="utf-8")
    assert "本报告生成失败" in page and "客户画像" in page and "年龄字段全部缺失，无法计算年龄分布" in page
    assert "Traceback" not in page and "raise ValueError" not in page and "不会执行到的章节" not in page
    assert "http" not in page and "<script" not in page
    log = nbformat.read(broken.log, as_version=4)  # the run log keeps the full traceback
    assert any(o.get("output_type") == "error" for c in log.cells for o in c.get("outputs", []))


def test_parameter_values_with_quotes_and_code_are_inert(fixture_run):
    s, evil = fixture_run["summary"], fixture_run["evil"]
    assert not fixture_run["marker"].exists()
    run = next(r for r in s.reports if r.project == evil)
    log = nbformat.read(run.log, as_version=4)
    echoed = [
        json.loads(o["text"].split("参数回显：", 1)[1])
        for c in log.cells
        for o in c.get("outputs", [])
        if o.get("name") == "stdout" and "参数回显" in o.get("text", "")
    ]
    assert echoed == [{"period": "2026Q3", "project": evil, "data_dir": str(fixture_run["data"])}]
    assert '"' not in run.html.name and "/" not in run.html.name[len("fx_project_") :]


def test_manifest_and_index_after_run(fixture_run):
    s, data = fixture_run["summary"], fixture_run["data"]
    doc = json.loads(s.manifest.read_text(encoding="utf-8"))
    assert doc["period"] == "2026Q3" and doc["parameters"]["period"] == "2026Q3"
    assert doc["inputs"] == {"deals.parquet": sha256(data / "processed" / "deals.parquet")}
    assert doc["packages"]["papermill"] and doc["packages"]["nbconvert"] and doc["packages"]["pandas"]
    assert len(doc["reports"]) == 5 and all(r["seconds"] > 0 for r in doc["reports"])
    assert next(r for r in doc["reports"] if r["name"] == "fx_broken")["error"]["section"] == "客户画像"
    runs = (s.index.parent / "runs.html").read_text(encoding="utf-8")
    assert _links(runs) == sorted(f"2026Q3/{r.html.name}" for r in s.reports)
    assert runs.count("dr-row-failed") == 1 and runs.count("dr-row-ok") == 4
    index = s.index.read_text(encoding="utf-8")
    assert _matrix_links(index) == _links(runs)
    assert index.count('class="dr-mx dr-mx-failed"') == 1  # the failed report, marked in the matrix
    banner = index[index.index('class="dr-banner dr-banner-failed"') :]
    banner = banner[: banner.index("</div>")]
    assert "1 份报告本次生成失败" in banner and "测试故障报告（全集团）" in banner


def test_second_run_refuses_without_overwrite_then_overwrites(fixture_run):
    s, out = fixture_run["summary"], fixture_run["out"]
    page = s.period_dir / "fx_summary.html"
    before = page.read_bytes(), page.stat().st_mtime_ns
    kw = dict(data_dir=fixture_run["data"], notebooks_dir=FIXTURES, out_dir=out)
    with pytest.raises(ReportError, match="已发布.*--overwrite"):
        run_reports("2026Q3", **kw)
    assert (page.read_bytes(), page.stat().st_mtime_ns) == before
    again = run_reports("2026Q3", only=["fx_summary"], overwrite=True, **kw)
    assert again.ok and page.stat().st_mtime_ns != before[1]
    doc = json.loads(again.manifest.read_text(encoding="utf-8"))
    assert {r["name"] for r in doc["reports"]} == {"fx_summary", "fx_project", "fx_broken"}
    assert len(doc["runs"]) == 2


def test_report_command_exit_code_and_index_path(tmp_path, capsys):
    data = _store(tmp_path, ["A", "A"], ["2026-02-01", "2026-06-30"])
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    shutil.copy(FIXTURES / "fx_broken.ipynb", nbs)
    code = report_command(latest=True, data_dir=data, notebooks_dir=nbs, out_dir=tmp_path / "r")
    out = capsys.readouterr()
    assert code == 1
    assert out.out.strip().splitlines()[-1] == str(tmp_path / "r" / "index.html")
    assert "2026Q2" in out.out and "客户画像" in out.err


def test_dying_kernel_and_failed_export_become_error_pages(tmp_path, monkeypatch):
    from dealresearch.report import run as run_module

    nbs = tmp_path / "nbs"
    nbs.mkdir()
    shutil.copy(FIXTURES / "crash" / "fx_crash.ipynb", nbs)
    shutil.copy(FIXTURES / "fx_summary.ipynb", nbs)

    def no_export(*args, **kwargs):
        raise RuntimeError("模板渲染失败")

    monkeypatch.setattr(run_module, "export_html", no_export)
    s = run_reports("2026Q3", data_dir=tmp_path / "nodata", notebooks_dir=nbs, out_dir=tmp_path / "r", jobs=2)
    got = {r.name: (r.status, r.failure.section, r.failure.ename) for r in s.reports}
    assert got == {
        "fx_crash": ("failed", "成交结构", "DeadKernelError"),  # the cell running when the kernel died
        "fx_summary": ("failed", run_module.EXPORT_SECTION, "RuntimeError"),
    }
    crash = next(r for r in s.reports if r.name == "fx_crash")
    assert crash.log.is_file()  # the partial run log survives
    page = crash.html.read_text(encoding="utf-8")
    assert "执行进程意外退出" in page and "成交结构" in page
