"""Issue 15 (c): a sales director's target sheet goes in as it is; imports merge."""

from __future__ import annotations

import layouts as LY
import numpy as np
import pandas as pd
import pytest

import dealresearch as dr
from dealresearch.cli import main
from dealresearch.ingest import targets as tg
from dealresearch.schema import Target

LEVEL = {"项目": "项目", "团队": "团队", "置业顾问": "个人"}


def _monthly(frame: pd.DataFrame, level: str, unit: str, col: str) -> list[float]:
    rows = frame[(frame[Target.level] == level) & (frame[Target.unit] == unit)].sort_values(Target.month)
    return rows[col].tolist()


@pytest.mark.parametrize("variant", ["months", "indicator"])
def test_director_sheet_reads_with_planted_targets(tmp_path, variant):
    truth = LY.director_targets(tmp_path / "目标.xlsx", variant=variant)
    report: dict = {}
    got = tg.read_targets([tmp_path / "目标.xlsx"], report=report)
    assert len(got) == 4 * 12 and (got[Target.year] == truth["year"]).all()
    assert set(got[Target.month]) == set(range(1, 13)) and got[Target.quarter].isna().all()
    for (level, name), vals in truth["amount"].items():
        assert _monthly(got, LEVEL[level], name, Target.amount_target) == (vals * 1e4).tolist()  # 单位：万元
    for (level, name), vals in truth["units"].items():
        assert _monthly(got, LEVEL[level], name, Target.units_target) == vals.tolist()  # 签约套数（套）: no scale
    if variant == "months":
        assert got[Target.units_target].isna().all()
    assert report["warnings"] == []  # 合计 and 全年合计 add up
    assert any("合计行" in n for n in report["notes"]) and any("备注行" in n for n in report["notes"])


def test_a_total_row_that_does_not_add_up_is_a_warning_naming_the_row(tmp_path):
    truth = LY.director_targets(tmp_path / "t.xlsx", bad_total=True)
    report: dict = {}
    tg.read_targets([tmp_path / "t.xlsx"], report=report)
    assert len(report["warnings"]) == 1
    assert f"第 {truth['total_row']} 行" in report["warnings"][0] and "1月" in report["warnings"][0]


def test_import_merges_and_leaves_other_projects_targets(tmp_path):
    store = tmp_path / "data"
    other = tmp_path / "other.xlsx"
    rows = [(2027, None, m, None, "项目", "星汇中心", 10, 1000, None) for m in range(1, 13)]
    rows += [(2027, None, 1, None, "项目", "滨江壹号", 1, 1, None)]  # replaced by the director's sheet
    from test_targets import _xlsx  # the template-layout writer of the existing tests

    tg.ingest_targets([_xlsx(other, rows)], store=store)
    LY.director_targets(tmp_path / "d.xlsx")
    imported = tg.ingest_targets([tmp_path / "d.xlsx"], store=store)
    info = imported.attrs["import"]
    assert (info["rows"], info["replaced"], info["kept"]) == (48, 1, 12)
    stored = dr.load("targets", store=store)
    assert len(stored) == 60
    assert (stored[Target.unit] == "星汇中心").sum() == 12  # the other project's targets stay
    jan = stored[(stored[Target.unit] == "滨江壹号") & (stored[Target.month] == 1)]
    assert len(jan) == 1 and jan[Target.amount_target].iloc[0] > 1e4  # the new value, not the old 1万
    again = tg.ingest_targets([tmp_path / "d.xlsx"], store=store)  # the same sheet twice: no growth
    assert again.attrs["import"]["replaced"] == 48 and len(dr.load("targets", store=store)) == 60


def test_replacing_everything_needs_the_flag(tmp_path, capsys):
    store = tmp_path / "data"
    from test_targets import _xlsx

    tg.ingest_targets([_xlsx(tmp_path / "o.xlsx", [(2027, 1, None, None, "项目", "星汇中心", 10, 1000, None)])], store=store)
    LY.director_targets(tmp_path / "d.xlsx", variant="indicator")
    assert main(["--store", str(store), "ingest", "--kind", "targets", str(tmp_path / "d.xlsx")]) == 0
    assert "保留其他目标 1 行" in capsys.readouterr().out and len(dr.load("targets", store=store)) == 49
    assert main(["--store", str(store), "ingest", "--kind", "targets", "--replace-targets", str(tmp_path / "d.xlsx")]) == 0
    stored = dr.load("targets", store=store)
    assert len(stored) == 48 and "星汇中心" not in set(stored[Target.unit])
    pages = sorted((tmp_path / "reports" / "quality").glob("*_targets.html"))
    assert len(pages) == 2 and "保留其他目标" in pages[0].read_text(encoding="utf-8")


def test_quarters_across_and_the_year_from_the_header(tmp_path):
    from dealresearch.fieldwork import xlsx

    path = tmp_path / "q.xlsx"
    with xlsx.workbook(path) as xw:
        ws = xw.book.add_worksheet("目标")
        xlsx.write_row(ws, 0, 0, ["项目", "2028年一季度", "2028年二季度", "2028年三季度", "2028年四季度"])
        xlsx.write_row(ws, 1, 0, ["滨江壹号", 1.5, 2, 2.5, 3])
        xlsx.write_row(ws, 2, 0, ["云栖府", 1, 1, 1, 1])
    got = tg.read_targets([path]).sort_values([Target.unit, Target.quarter], ascending=[False, True])
    assert set(got[Target.year]) == {2028} and set(got[Target.level]) == {"项目"}
    assert got[Target.quarter].tolist() == [1, 2, 3, 4, 1, 2, 3, 4] and got[Target.month].isna().all()
    assert np.allclose(got[Target.amount_target], [1.5, 2, 2.5, 3, 1, 1, 1, 1])  # no unit given: 元


def test_merge_matches_keys_whatever_the_stored_period_dtype(tmp_path):
    LY.director_targets(tmp_path / "d.xlsx")
    new = tg.read_targets([tmp_path / "d.xlsx"])
    stored = new.astype({c: "float64" for c in (Target.year, Target.quarter, Target.month, Target.week)})  # as a store may return
    merged, replaced = tg.merge_targets(stored, new)
    assert replaced == len(new) == len(merged)


def test_section_rows_give_the_level_and_the_header_gives_the_unit(tmp_path):
    from dealresearch.fieldwork import xlsx

    path = tmp_path / "s.xlsx"
    with xlsx.workbook(path) as xw:
        ws = xw.book.add_worksheet("2027")
        xlsx.write_row(ws, 0, 0, ["名称", "1月(亿元)", "2月", "3月", "一季度合计"])
        xlsx.write_row(ws, 1, 0, ["项目"])
        xlsx.write_row(ws, 2, 0, ["滨江壹号", 0.5, 0.25, 0.25, 1])
        xlsx.write_row(ws, 3, 0, ["置业顾问"])
        xlsx.write_row(ws, 4, 0, ["张伟", 0.01, 0.02, 0.03, 0.07])  # 0.06 ≠ 0.07: a warning naming the row
    report: dict = {}
    got = tg.read_targets([path], report=report)  # the year from the sheet name
    assert set(got[Target.year]) == {2027} and got.groupby(Target.level).size().to_dict() == {"个人": 3, "项目": 3}
    assert np.allclose(got.loc[got[Target.unit] == "滨江壹号", Target.amount_target], [5e7, 2.5e7, 2.5e7])
    assert len(report["warnings"]) == 1 and "第 5 行" in report["warnings"][0] and "张伟" in report["warnings"][0]
