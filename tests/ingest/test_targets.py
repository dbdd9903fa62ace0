"""Targets template: written empty with instructions, read back into schema.Target, with
units in headers / values, aliases, title and totals rows, and every bad row reported."""

from __future__ import annotations

import numpy as np
import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from dealresearch.cli.ingest import targets_template_command
from dealresearch.errors import DataError
from dealresearch.ingest import targets as tg
from dealresearch.schema import Target


def _xlsx(path, rows, headers=tg.TEMPLATE_HEADERS, title=None):
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("目标")
    r = 0
    if title:
        ws.write_row(0, 0, [title])
        r = 1
    ws.write_row(r, 0, headers)
    for i, row in enumerate(rows, start=r + 1):
        ws.write_row(i, 0, ["" if v is None else v for v in row])
    wb.close()
    return path


def test_template_is_empty_with_chinese_headers_and_instructions(tmp_path):
    path = targets_template_command(tmp_path)
    assert path.name == "销售目标模板.xlsx"
    wb = CalamineWorkbook.from_path(str(path))
    assert wb.sheet_names == ["目标", "填写说明"]
    assert wb.get_sheet_by_name("目标").to_python()[0] == list(tg.TEMPLATE_HEADERS)
    notes = [r[0] for r in wb.get_sheet_by_name("填写说明").to_python()]
    assert "层级" in notes and "示例" in notes
    out = tg.read_targets(path)  # the examples on the instructions sheet are not targets
    assert out.empty and list(out.columns) == list(tg.OUTPUT_COLUMNS)


def test_filled_template_is_read_into_tidy_targets(tmp_path):
    rows = [
        (2027, None, None, None, "集团", None, 2400, 360000, 300000),
        (2027, "Q1", None, None, "项目", "滨江壹号", 300, "4.5亿", None),
        (2027, "一季度", 1, None, "小组", "销售一组", 40, 6000, None),
        (2027, None, "3月", None, "置业顾问", "张三", 8, "1,200", None),
        (2027, None, None, "W14", "个人", "李四", 2, 300, None),
        (None,) * 9,
        ("合计", None, None, None, None, None, 2750, None, None),
    ]
    out = tg.read_targets(_xlsx(tmp_path / "t.xlsx", rows, title="2027年销售目标"))
    assert len(out) == 5
    assert out[Target.level].tolist() == ["集团", "项目", "团队", "个人", "个人"]
    assert out[Target.unit].tolist() == ["集团", "滨江壹号", "销售一组", "张三", "李四"]
    assert out[Target.amount_target].tolist() == [3.6e9, 4.5e8, 6e7, 1.2e7, 3e6]  # 万元 header, 亿 in a value
    assert out[Target.collection_target].iloc[0] == 3e9 and np.isnan(out[Target.collection_target].iloc[1])
    assert out[Target.quarter].iloc[1] == 1 and out[Target.quarter].iloc[2] == 1 and out[Target.month].iloc[3] == 3
    assert out[Target.week].iloc[4] == 14
    assert str(out[Target.year].dtype) == "Int64" and out[Target.units_target].dtype == "float64"


def test_every_bad_row_is_reported_with_row_and_column(tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text(
        "年度,季度,月份,周,层级,单位名称,签约套数,签约金额(万元)\n"
        "2027,5,,,项目,A,1,2\n2027,,,,部门,B,1,\n2027,1,4,,项目,,x,3\n2027,,,,项目,C,,\n",
        encoding="gbk",
    )
    with pytest.raises(DataError) as e:
        tg.read_targets(p)
    msg = str(e.value)
    for expected in (
        "第 2 行，列“季度”",
        "第 3 行，列“层级”",
        "第 4 行，列“季度”：'1' 与月份不一致",
        "第 4 行，列“单位名称”",
        "第 4 行，列“签约套数”",
        "第 5 行，列“签约套数/签约金额”",
    ):
        assert expected in msg


def test_duplicate_targets_are_refused(tmp_path):
    rows = [(2027, 1, None, None, "项目", "A", 10, 100), (2027, 1, None, None, "项目", "A", 12, 120)]
    with pytest.raises(DataError, match="目标重复"):
        tg.read_targets(_xlsx(tmp_path / "d.xlsx", rows, headers=tg.TEMPLATE_HEADERS[:8]))


def test_ingest_targets_writes_the_store(tmp_path):
    from dealresearch.ingest.store import load

    src = _xlsx(tmp_path / "t.xlsx", [(2027, 1, None, None, "项目", "A", 10, 100, None)])
    tg.ingest_targets([src], store=tmp_path / "data")
    stored = load("targets", store=tmp_path / "data")
    assert stored[Target.amount_target].tolist() == [1e6] and stored[Target.unit].tolist() == ["A"]
