"""Issue 13, finding 5 (and the path checks of 4): every CLI user error is one Chinese
message, exit code 2, no traceback — argparse included — and nothing is created on disk."""

from __future__ import annotations

import re
from pathlib import Path

import hostile_gen as H
import pytest

import dealresearch as dr
from dealresearch.cli import main

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("hostile_cli") / "data"
    deals, surveys = H.write_inputs(data / "raw")
    dr.ingest_deals([deals], store=data)
    dr.ingest_surveys([surveys], store=data)
    return data


@pytest.fixture
def place(tmp_path, monkeypatch):
    """An empty working folder that is also the reports folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DEALRESEARCH_REPORTS", str(tmp_path / "reports"))
    return tmp_path


def run(argv, capsys) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse exits by itself
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.err + captured.out


def assert_user_error(code: int, text: str, *needles: str) -> None:
    assert code == 2, text
    assert "Traceback" not in text and "错误：" in text and CJK.search(text)
    for english in ("usage:", "error:", "invalid", "required", "choose from", "unrecognized"):
        assert english not in text, english
    for needle in needles:
        assert needle in text, (needle, text)


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        ([], "缺少必需的参数"),
        (["bogus"], "无效的选项 'bogus'"),
        (["report", "--bogus"], "无法识别的参数：--bogus"),
        (["survey-plan"], "必须给出以下参数之一：--year --period"),
        (["survey-plan", "--year", "99999"], "计划年度应在 1990–2100 之间"),
        (["survey-plan", "--year", "二〇二七"], "计划年度应为整数"),
        (["survey-plan", "--year", "2027", "--seed", "-1"], "随机种子应在 0–4294967295 之间"),
        (["survey-plan", "--year", "2027", "--min-share", "0"], "最低调查比例应大于 0"),
        (["survey-plan", "--year", "2027", "--min-share", "nan"], "最低调查比例"),
        (["survey-plan", "--year", "2027", "--cycle-years", "0"], "调查周期应在 1–10 之间"),
        (["followups", "--sla-days", "100000000000"], "跟进时限应在 1–3650 之间"),
        (["report", "--period", "2026Q3", "--jobs", "0"], "并行数应在 1–256 之间"),
        (["sample", "--seed", "-1"], "随机种子"),
        (["ingest", "--kind", "people"], "无效的选项 'people'"),
        (["report", "--period"], "需要一个值"),
    ],
)
def test_argument_errors_are_chinese_exit_2(argv, needle, capsys, place):
    code, text = run(argv, capsys)
    assert_user_error(code, text, needle)
    assert "用法：" in text
    assert list(place.iterdir()) == []


def test_help_is_chinese(capsys):
    code, text = run(["survey-plan", "-h"], capsys)
    assert code == 0 and "用法：" in text and "显示帮助信息并退出" in text and "\n选项：\n" in text
    assert "show this help" not in text and "usage:" not in text


def test_targets_template_into_a_missing_folder(capsys, place):
    code, text = run(["targets-template", "--out", str(place / "无此目录" / "目标.xlsx")], capsys)
    assert_user_error(code, text, "输出文件夹不存在")
    code, text = run(["targets-template", "--out", str(place / "新目录")], capsys)
    assert_user_error(code, text, "输出文件夹不存在")
    assert list(place.iterdir()) == []
    code, text = run(["targets-template"], capsys)
    assert code == 0 and (place / "销售目标模板.xlsx").is_file()


def test_survey_plan_out_is_checked_before_any_work(store, capsys, place):
    for out in ("p.txt", str(place / "无此目录" / "plan.xlsx"), "新目录"):
        code, text = run(["--store", str(store), "survey-plan", "--year", "2027", "--out", out], capsys)
        assert_user_error(code, text, "--out" if not out.endswith("plan.xlsx") else "输出文件夹不存在")
    assert list(place.iterdir()) == []  # no folder named p.txt, no reports/


def test_followups_period_and_paths_checked_before_any_folder(store, capsys, place):
    base = ["--store", str(store), "followups"]
    code, text = run([*base, "--period", "2026Q3/../../../../outside"], capsys)
    assert_user_error(code, text)
    code, text = run([*base, "--period", "2026Q3", "--out", str(place / "无此目录" / "a.xlsx")], capsys)
    assert_user_error(code, text, "输出文件夹不存在")
    code, text = run([*base, "--period", "2026Q3", "--out", "a.txt"], capsys)
    assert_user_error(code, text, ".xlsx")
    assert list(place.iterdir()) == []
    assert not (place.parent / "outside").exists()


def test_followups_unknown_project_is_refused(store, capsys, place):
    code, text = run(["--store", str(store), "followups", "--project", "不存在的项目"], capsys)
    assert_user_error(code, text, "调查数据中没有项目“不存在的项目”", "滨江壹号")
    assert list(place.iterdir()) == []
    code, text = run(
        ["--store", str(store), "followups", "--project", "滨江壹号", "--period", "2026q3"], capsys
    )
    assert code == 0 and (place / "reports" / "2026Q3" / "lists" / "回访跟进清单_滨江壹号_2026Q3.xlsx").is_file()


def test_report_period_without_data_and_unknown_project(store, capsys, place):
    code, text = run(["--store", str(store), "report", "--period", "2030Q1"], capsys)
    assert_user_error(code, text, "2030年第1季度", "没有任何成交或调查数据")
    code, text = run(
        ["--store", str(store), "report", "--period", "2026Q3", "--project", "不存在的项目"], capsys
    )
    assert_user_error(code, text, "数据中没有项目：不存在的项目")
    code, text = run(["--store", str(store), "report", "--period", "2026Q3/../../x"], capsys)
    assert_user_error(code, text)
    code, text = run(["--store", str(place / "空目录"), "report", "--period", "2026Q3"], capsys)
    assert_user_error(code, text, "找不到成交数据")
    assert list(place.iterdir()) == []


def test_cli_ingest_pages_hold_no_personal_data(capsys, place):
    deals, surveys = H.write_inputs(place / "raw")
    store = str(place / "data")
    assert run(["--store", store, "ingest", "--quiet", str(deals)], capsys)[0] in (0, 1)
    code, text = run(["--store", store, "ingest", "--quiet", "--kind", "surveys", str(surveys)], capsys)
    assert code in (0, 1) and H.leaks(text) == []  # nor in what the command prints
    pages = sorted((place / "reports").rglob("*.html"))
    assert len(pages) >= 2  # the data-quality pages of both runs
    for page in pages:
        assert H.leaks(page.read_text(encoding="utf-8")) == [], page.name
