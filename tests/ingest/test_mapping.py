"""Issue 15: mapping without code — an unknown layout goes in after pasting the suggested
snippet; guesses use the values; a mapping equals a pre-renamed file (property test)."""

from __future__ import annotations

import itertools

import layouts as LY
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dealresearch as dr
from dealresearch.cli import main
from dealresearch.errors import InputFileError, ParameterError
from dealresearch.ingest import mapping as MP
from dealresearch.ingest.pipeline import DEAL_SPEC
from dealresearch.schema import Deal, Survey

N = 24
CANONICAL = {  # canonical column → a header the built-ins know
    Deal.deal_id: "合同编号", Deal.project: "项目", Deal.sign_date: "签约日期", Deal.total_price: "成交总价",
    Deal.phone: "联系电话", Deal.unit_type: "户型",
}


def _deals(n: int = N) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    return pd.DataFrame({
        Deal.deal_id: [f"HT-2026-{i:04d}" for i in range(n)],
        Deal.project: "滨江壹号",
        Deal.sign_date: [f"2026-08-{i % 28 + 1:02d}" for i in range(n)],
        Deal.total_price: rng.integers(100, 400, n) * 10_000,
        Deal.phone: [f"139{i:08d}" for i in range(n)],
        Deal.unit_type: ["三室两厅两卫", "大平层", "两室一厅"] * (n // 3),
    })


def _odd(frame: pd.DataFrame, headers: dict[str, str]) -> pd.DataFrame:
    return frame.rename(columns=headers).assign(备用列="x")


ODD = {Deal.deal_id: "单据号", Deal.project: "楼盘", Deal.sign_date: "成交日", Deal.total_price: "房款",
       Deal.phone: "购房者手机", Deal.unit_type: "房屋类型"}


def test_unknown_layout_goes_in_after_pasting_the_snippet(tmp_path, capsys):
    path = LY.write_table(tmp_path / "odd.xlsx", _odd(_deals(), ODD))
    store = tmp_path / "proj" / "data"
    assert main(["--store", str(store), "ingest", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err
    snippet = err.split("请核对猜测）：\n", 1)[1].strip()
    assert 'deal_id = ["单据号"]' in snippet and 'total_price = ["房款"]' in snippet
    assert 'sign_date = ["成交日"]' in snippet and 'unit_type = ["房屋类型"]' in snippet
    store.parent.mkdir(parents=True, exist_ok=True)
    (store.parent / "dealresearch.toml").write_text(snippet + "\n", encoding="utf-8")  # the default place
    assert main(["--store", str(store), "ingest", str(path), "--quiet"]) == 0
    out = capsys.readouterr().out
    deals = dr.load("deals", store=store)
    assert len(deals) == N and sorted(deals[Deal.deal_id]) == sorted(_deals()[Deal.deal_id])
    assert "备用列" in out  # still listed as not imported
    assert '"大平层"' in out  # the unknown value gets its own snippet line
    page = next((store.parent / "reports" / "quality").glob("*_deals.html")).read_text(encoding="utf-8")
    assert "备用列" in page and "[values.unit_type]" in page


def test_mapping_file_by_option_and_value_synonyms(tmp_path):
    path = LY.write_table(tmp_path / "odd.csv", _odd(_deals(), ODD))
    toml = tmp_path / "my.toml"
    toml.write_text(
        "[deals.aliases]\n" + "".join(f'{k} = ["{v}"]\n' for k, v in ODD.items())
        + '[values.unit_type]\n"四房" = ["大平层"]\n',
        encoding="utf-8",
    )
    assert main(["--store", str(tmp_path / "data"), "ingest", str(path), "--mapping", str(toml), "--quiet"]) == 0
    deals = dr.load("deals", store=tmp_path / "data")
    assert deals[Deal.unit_type].astype(str).value_counts().to_dict() == {"三房": 8, "四房": 8, "二房": 8}


def test_guesses_use_the_values_not_only_the_header():
    codes = pd.Series([f"HT-2026-{i:04d}" for i in range(30)], dtype="str")
    prices = pd.Series([str(1_200_000 + i * 1000) for i in range(30)], dtype="str")
    dates = pd.Series([f"2026/7/{i % 28 + 1}" for i in range(30)], dtype="str")
    # headers that say nothing (or mislead): the values decide
    got = MP.guess_columns({"编号金额": codes, "编号": prices, "列三": dates}, DEAL_SPEC)
    assert got["编号金额"][0] == Deal.deal_id and got["编号"][0] == Deal.total_price and got["列三"][0] == Deal.sign_date


def test_header_row_is_found_with_the_mappings_aliases(tmp_path):
    from dealresearch.fieldwork import xlsx

    frame = _odd(_deals(), ODD)
    path = tmp_path / "titled.xlsx"
    with xlsx.workbook(path) as xw:
        ws = xw.book.add_worksheet("明细")
        xlsx.write(ws, 0, 0, "成交明细 导出时间：2026-10-08")
        xlsx.write(ws, 1, 0, "查询条件：全部")
        xlsx.write_row(ws, 2, 0, list(frame.columns))
        for i, rec in enumerate(frame.itertuples(index=False), start=3):
            xlsx.write_row(ws, i, 0, list(rec))
    mapping = {"deals": {"aliases": {k: [v] for k, v in ODD.items()}}}
    res = dr.ingest_deals([path], store=tmp_path / "data", mapping=mapping)
    assert res.summary["rows_clean"] == N and res.summary["files"][0]["rows_read"] == N


def test_survey_items_by_keywords_of_the_mapping(tmp_path):
    ans, _ = LY.survey_answers([f"139{i:08d}" for i in range(300)], n=60, skipped=5, commented=20)
    f = LY.wjx_frame(ans, "text").rename(columns={f"3、{LY.ITEM_QUESTIONS[0][1]}": "3、您对售楼处接待的评价"})
    path = LY.write_table(tmp_path / "1_2_接待调查_60_60.xlsx", f)
    without = dr.ingest_surveys([path], store=tmp_path / "a")
    assert without.data["service_attitude"].isna().all()
    assert "3、您对售楼处接待的评价" in {c["header"] for c in without.summary["columns"] if c["status"] == "忽略"}
    res = dr.ingest_surveys([path], store=tmp_path / "b", mapping={"surveys": {"items": {"service_attitude": ["接待"]}}})
    got = res.data.sort_values(Survey.source_row)["service_attitude"].to_numpy(float)
    assert np.allclose(got, ans["service_attitude"].to_numpy(float), equal_nan=True)
    # the snippet of the first run, pasted as it is, does the same
    snippet = without.summary["mapping_snippet"]
    assert snippet.startswith("[surveys.items]\nservice_attitude = [\"售楼处接待\"]")
    (tmp_path / "m.toml").write_text(snippet, encoding="utf-8")
    pasted = dr.ingest_surveys([path], store=tmp_path / "c", mapping=tmp_path / "m.toml")
    assert np.allclose(pasted.data.sort_values(Survey.source_row)["service_attitude"].to_numpy(float), got, equal_nan=True)


_CJK = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"
_counter = itertools.count()


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(st.text(alphabet=_CJK, min_size=2, max_size=5), min_size=6, max_size=6, unique=True),
       suffix=st.sampled_from([".xlsx", ".csv"]))
def test_ingesting_with_a_mapping_equals_ingesting_a_pre_renamed_file(tmp_path_factory, names, suffix):
    root = tmp_path_factory.mktemp(f"prop{next(_counter)}")
    headers = {c: "列" + n for c, n in zip(CANONICAL, names, strict=True)}
    data = _deals()
    odd = LY.write_table(root / ("odd" + suffix), data.rename(columns=headers))
    (root / "renamed").mkdir()
    plain = LY.write_table(root / "renamed" / ("odd" + suffix), data.rename(columns=CANONICAL))
    mapped = dr.ingest_deals([odd], store=root / "a", mapping={"deals": {"aliases": {k: [v] for k, v in headers.items()}}})
    renamed = dr.ingest_deals([plain], store=root / "b")
    left = mapped.data.sort_values(Deal.deal_id).reset_index(drop=True)
    right = renamed.data.sort_values(Deal.deal_id).reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right)
    assert mapped.summary["rows_clean"] == renamed.summary["rows_clean"] == N


def test_a_malformed_mapping_file_is_a_chinese_error(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[deals.aliases\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="映射文件格式错误"):
        MP.load_mapping(bad)
    with pytest.raises(ParameterError, match="match_rate_warning"):
        MP.parse({"surveys": {"match_rate_warning": 3}})
