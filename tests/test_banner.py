"""Banner tables: the worked reference banner reproduced exactly, the tests against scipy,
letters' properties (hypothesis), weighting, multi-choice stubs, HTML and Excel output."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from dealresearch import banner
from dealresearch.errors import DealResearchError, MissingColumnsError, ParameterError
from dealresearch.fieldwork import banner_excel, xlsx
from dealresearch.present import banner_render

REF = Path(__file__).parent / "data" / "reference" / "banner"


@pytest.fixture(scope="module")
def respondents() -> pd.DataFrame:
    return pd.read_csv(REF / "banner_respondents.csv")


@pytest.fixture(scope="module")
def expected() -> pd.DataFrame:
    e = pd.read_csv(REF / "banner_expected.csv", keep_default_na=False, na_values={"count": [""]})
    return e.astype({"column_pct": float, "base": int})


def _project_cells(tb: banner.BannerTable) -> pd.DataFrame:
    return tb.cells[tb.cells["variable"] == "project"]


def test_worked_banner_reproduced_exactly(respondents, expected):
    purpose = _project_cells(banner.table(respondents, stub="purchase_purpose", banner="project"))
    overall = _project_cells(banner.table(respondents, stub="overall", banner="project", top_box=2, mean=True))
    got = pd.concat(
        [
            purpose.assign(ref_row=purpose["row"]),
            overall[overall["kind"] == "top_box"].assign(ref_row="top2box_overall"),
            overall[overall["kind"] == "mean"].assign(ref_row="mean_overall"),
        ]
    )
    merged = expected.merge(got, left_on=["row", "column"], right_on=["ref_row", "column"], how="left",
                            suffixes=("_ref", ""), validate="one_to_one")
    assert len(merged) == len(expected) == 24
    assert merged["kind"].notna().all()
    assert (merged["letter_ref"] == merged["letter"]).all()
    assert (merged["base_ref"] == merged["base"]).all()
    assert (merged["higher_than_ref"] == merged["higher_than"]).all(), merged[["row", "column", "higher_than_ref", "higher_than"]]
    assert (merged["tested_ref"].astype(str) == merged["tested"].astype(str)).all()
    np.testing.assert_allclose(merged["value"], merged["column_pct"], atol=5e-7)
    counted = merged["count_ref"].notna()
    np.testing.assert_array_equal(merged.loc[counted, "count"], merged.loc[counted, "count_ref"])
    # 观澜苑 (D, base 25): never tested, never in anyone's letters, flagged
    d = got[got["column"] == "观澜苑"]
    assert d["small_base"].all() and not d["tested"].any() and (d["higher_than"] == "").all()
    assert not got["higher_than"].str.contains("D").any()


def test_row_order_letters_and_total_column(respondents):
    tb = banner.table(respondents, stub="purchase_purpose", banner="project")
    cols = tb.columns
    assert cols["column"].tolist() == ["总体", "滨江壹号", "云栖府", "星汇中心", "观澜苑"]
    assert cols["letter"].tolist() == ["", "A", "B", "C", "D"]
    assert cols["base"].tolist() == [503, 215, 178, 85, 25]  # 12 missing purposes excluded
    total = tb.cells[tb.cells["column"] == "总体"]
    assert total["row"].tolist() == ["自住", "改善", "投资", "养老"]  # vocabulary order
    assert total["count"].tolist() == [176, 187, 92, 48]
    assert not total["tested"].any() and (total["higher_than"] == "").all()
    assert list(tb.cells.columns[:8]) == ["kind", "variable", "row", "column", "letter", "base", "effective_base", "count"]


def test_tests_agree_with_scipy(respondents):
    tb = banner.table(respondents, stub="overall", banner="project", mean=True, top_box=2, alpha=0.5)
    a = respondents.loc[respondents["project"] == "滨江壹号", "overall"]
    c = respondents.loc[respondents["project"] == "星汇中心", "overall"]
    p_welch = stats.ttest_ind(a, c, equal_var=False).pvalue
    assert 0.05 < p_welch < 0.5  # A > C on the mean only at alpha = 0.5
    mean_a = tb.cells[(tb.cells["kind"] == "mean") & (tb.cells["column"] == "滨江壹号")].iloc[0]
    assert "C" in mean_a["higher_than"]
    p_at = banner._welch_p(np.array([a.mean(), c.mean()]), np.array([a.var(), c.var()]),
                           np.array([len(a), len(c)], dtype=float))[0, 1]
    assert p_at == pytest.approx(p_welch, rel=1e-10)


def test_bonferroni_removes_a_borderline_letter():
    hits = {"甲": 60, "乙": 42, "丙": 51}  # of 200 each: 30 % vs 21 % gives p ≈ 0.039
    data = pd.DataFrame({"g": np.repeat(list(hits), 200),
                         "y": np.concatenate([np.arange(200) < h for h in hits.values()])})
    data["y"] = data["y"].map({True: "是", False: "否"})
    p = 2 * stats.norm.sf(abs((0.30 - 0.21) / np.sqrt(0.255 * 0.745 * (2 / 200))))
    assert 0.05 / 3 < p < 0.05
    def letter(t):
        c = t.cells
        return c[(c["row"] == "是") & (c["column"] == "甲")]["higher_than"].iloc[0]
    assert letter(banner.table(data, stub="y", banner="g")) == "B"
    assert letter(banner.table(data, stub="y", banner="g", adjust="bonferroni")) == ""
    assert letter(banner.table(data, stub="y", banner="g", alpha=0.2, adjust="bonferroni")) == "B"


def _frame(groups: list[list[int]]) -> pd.DataFrame:
    return pd.DataFrame(
        {"g": np.repeat([f"g{i}" for i in range(len(groups))], [len(x) for x in groups]),
         "overall_satisfaction": np.concatenate([np.asarray(x, dtype=float) for x in groups])}
    )


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(1, 5), min_size=30, max_size=80), min_size=2, max_size=5))
def test_letters_are_antisymmetric(groups):
    data = _frame(groups).astype({"overall_satisfaction": int})
    tb = banner.table(data, stub="overall_satisfaction", banner="g", top_box=2, mean=True, alpha=0.2)
    c = tb.cells[tb.cells["variable"] == "g"]
    for _row, g in c.groupby("row"):
        by_letter = dict(zip(g["letter"], g["higher_than"], strict=True))
        for a, higher in by_letter.items():
            for b in higher:
                assert a not in by_letter[b]  # never both A > B and B > A
                assert a != b


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 5), min_size=30, max_size=120), st.integers(2, 6))
def test_identical_columns_have_no_letters(scores, k):
    data = _frame([scores] * k)
    tb = banner.table(data, stub="overall_satisfaction", banner="g", top_box=1, mean=True, alpha=0.5)
    assert (tb.cells["higher_than"] == "").all()
    assert tb.cells["tested"].sum() == k * len(tb.cells["row"].unique())


def test_weighted_table_uses_weighted_shares_and_effective_base():
    rng = np.random.default_rng(3)
    n = 400
    data = pd.DataFrame({"g": rng.choice(["甲", "乙"], n), "y": rng.choice(["是", "否"], n, p=[0.4, 0.6]),
                         "w": rng.choice([1.0, 2.0, 3.0], n)})
    tb = banner.table(data, stub="y", banner="g", weight="w")
    assert tb.weighted
    cell = tb.cells[(tb.cells["column"] == "甲") & (tb.cells["row"] == "是")].iloc[0]
    sub = data[data["g"] == "甲"]
    assert cell["value"] == pytest.approx(100 * sub.loc[sub["y"] == "是", "w"].sum() / sub["w"].sum())
    assert cell["count"] == pytest.approx(sub.loc[sub["y"] == "是", "w"].sum())
    assert cell["base"] == len(sub)  # the unweighted base is what readers see
    assert cell["effective_base"] == pytest.approx(sub["w"].sum() ** 2 / (sub["w"] ** 2).sum())
    assert cell["effective_base"] < len(sub)
    # weights of 1 give exactly the unweighted table
    same = banner.table(data.assign(w=1.0), stub="y", banner="g", weight="w").cells
    plain = banner.table(data, stub="y", banner="g").cells
    pd.testing.assert_series_equal(same["value"], plain["value"])
    pd.testing.assert_series_equal(same["higher_than"], plain["higher_than"])


def test_weighted_letters_use_the_effective_base():
    # 45 % vs 30 % on 100 + 100 respondents is significant; the same shares with a few heavy
    # weights (effective base ≈ 20 per column) are not
    def make(w_heavy):
        rows = []
        for g, hits in (("甲", 45), ("乙", 30)):
            rows += [(g, "是" if i < hits else "否", 1.0) for i in range(100)]
        d = pd.DataFrame(rows, columns=["g", "y", "w"])
        d.loc[d.index % 10 == 0, "w"] = w_heavy  # same share of heavy rows among hits and misses
        return d
    light = banner.table(make(1.0), stub="y", banner="g", weight="w", min_base=10)
    heavy = banner.table(make(30.0), stub="y", banner="g", weight="w", min_base=10)
    def letter(t):
        return t.cells[(t.cells["row"] == "是") & (t.cells["column"] == "甲")]["higher_than"].iloc[0]
    assert letter(light) == "B"
    assert heavy.columns.loc[1, "effective_base"] < 25
    assert letter(heavy) == ""


def test_multi_choice_stub_counts_each_option_once():
    data = pd.DataFrame({
        "key_factors": [["价格", "地段"], ["价格"], ["地段", "地段"], [], None, ["学区"]],
        "g": ["甲", "甲", "乙", "乙", "乙", "甲"],
    })
    tb = banner.table(data, stub="key_factors", banner="g", min_base=1)
    assert tb.multi
    c = tb.cells.set_index(["row", "column"])
    assert c.loc[("价格", "甲"), "count"] == 2 and c.loc[("价格", "甲"), "base"] == 3
    assert c.loc[("地段", "乙"), "count"] == 1 and c.loc[("地段", "乙"), "base"] == 1  # empty list / None: no answer
    assert c.loc[("地段", "总体"), "value"] == pytest.approx(50.0)  # 2 of the 4 who answered
    share_sum = tb.cells[tb.cells["column"] == "甲"]["value"].sum()
    assert share_sum > 100  # shares of a multi-choice question add up to more than 100 %


def test_several_banner_variables_letter_across_and_test_within():
    rng = np.random.default_rng(0)
    n = 600
    data = pd.DataFrame({"p": rng.choice(["P1", "P2"], n), "m": rng.choice(["电话", "走访", "书面问卷"], n),
                         "s": rng.integers(1, 6, n)})
    data.loc[data["p"] == "P1", "s"] = 5  # P1 all top box: far higher than P2
    tb = banner.table(data, stub="s", banner=["p", "m"], top_box=2)
    assert tb.columns["letter"].tolist() == ["", "A", "B", "C", "D", "E"]
    top = tb.cells[tb.cells["kind"] == "top_box"].set_index("column")
    assert top.loc["P1", "higher_than"] == top.loc["P2", "letter"] and top.loc["P2", "higher_than"] == ""
    top = top.set_index("letter")
    assert all(set(h) <= {"C", "D", "E"} for h in top.loc[["C", "D", "E"], "higher_than"])


def test_more_than_26_columns_get_double_letters_and_commas():
    assert banner.letters(28)[-3:] == ["Z", "AA", "AB"]
    data = pd.DataFrame({"g": np.repeat([f"c{i:02d}" for i in range(28)], 40), "y": 0})
    data.loc[data["g"] == "c27", "y"] = 1  # only the last column (AB) has hits
    data["y"] = data["y"].map({0: "否", 1: "是"})
    tb = banner.table(data, stub="y", banner="g")
    hit = tb.cells[(tb.cells["row"] == "是") & (tb.cells["letter"] == "AB")]["higher_than"].iloc[0]
    assert hit.split(",")[:3] == ["A", "B", "C"] and len(hit.split(",")) == 27


def test_errors_are_clear():
    data = pd.DataFrame({"g": ["a", "b"], "t": ["x", "y"]})
    with pytest.raises(MissingColumnsError, match="缺少列"):
        banner.table(data, stub="t", banner="nope")
    with pytest.raises(ParameterError, match="数值评分题"):
        banner.table(data, stub="t", banner="g", mean=True)
    with pytest.raises(ParameterError, match="bonferroni"):
        banner.table(data, stub="t", banner="g", adjust="holm")
    with pytest.raises(DealResearchError, match="权重"):
        banner.table(data.assign(w=[1.0, np.nan]), stub="t", banner="g", weight="w")


def test_html_shows_letters_bases_and_escapes(respondents):
    data = respondents.assign(project=respondents["project"].replace({"观澜苑": "<b>观澜苑</b>"}))
    tb = banner.table(data, stub="overall", banner="project", top_box=2, mean=True)
    out = banner_render.html(tb)
    assert "<b>观澜苑</b>" not in out and "&lt;b&gt;观澜苑&lt;/b&gt;" in out
    assert "56.8%<span class=lt>C</span>" in out and "71.1%<span class=lt>AC</span>" in out
    assert "25※" in out and "基数" in out and "3.98<span class=lt>AC</span>" in out
    from dealresearch.present.banner_render import method_note

    note = method_note(tb)
    assert "未加权" in note and "30" in note


def test_excel_export_contents_letters_bold_bases_and_injection(tmp_path, respondents):
    data = respondents.assign(project=respondents["project"].replace({"观澜苑": "=HYPERLINK(1)"}))
    t1 = banner.table(data, stub="purchase_purpose", banner="project")
    t2 = banner.table(data, stub="overall", banner="project", top_box=2, mean=True)
    path = tmp_path / "banner.xlsx"
    banner_excel.to_excel([t1, t2], path)
    import openpyxl

    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["目录", "表1", "表2"]
    toc = xlsx.read_values(path, sheet="目录")
    assert toc["工作表"].tolist() == ["表1", "表2"] and toc["加权"].tolist() == ["否", "否"]
    ws = wb["表1"]
    assert ws.cell(6, 1).value == "基数" and ws.cell(6, 1).font.b
    assert ws.cell(6, 4).value == 215 and ws.cell(6, 4).font.b  # 滨江壹号 base, bold
    assert ws.cell(5, 4).value == "滨江壹号" and ws.cell(5, 5).value == "(A)"
    assert ws.cell(7, 1).value == "自住"
    assert ws.cell(7, 4).value == pytest.approx(44.651163, abs=1e-6) and ws.cell(7, 5).value == "BC"
    assert ws.cell(5, 10).value == "'=HYPERLINK(1)"  # text, never a formula
    assert ws.cell(6, 11).value == "※"


# ------------------------------------------------------------- report sections
def _capture(monkeypatch) -> list[str]:
    from dealresearch.present import base as P

    shown: list[str] = []
    monkeypatch.setattr(P, "_show", lambda markup: shown.append(markup) or markup)
    return shown


def test_customer_crosstabs_by_project_unit_type_and_age_band(monkeypatch):
    from dealresearch.present import banner_sections as bs

    shown = _capture(monkeypatch)
    n = 400
    i = np.arange(n)
    deals = pd.DataFrame({
        "project": np.where(i < 200, "甲项目", "乙<项目>"),
        "unit_type": np.where(i % 2 == 0, "二房", "三房"),
        "age": np.where(i % 4 < 2, 28, 45),
        # planted: 甲项目 buys to live in (80 %), 乙 mostly to invest (20 % 自住)
        "purchase_purpose": np.where(i < 200, np.where(i % 5 == 0, "投资", "自住"), np.where(i % 5 == 0, "自住", "投资")),
    })
    tables = bs.customer_crosstabs(deals, ["purchase_purpose", "age_band", "unit_type"])
    assert [t.stub for t in tables] == ["purchase_purpose", "age_band", "unit_type"]
    purpose = tables[0]
    assert purpose.banner == ("project", "unit_type", "age_band")
    c = purpose.cells.set_index(["variable", "row", "column"])
    assert c.loc[("project", "自住", "甲项目"), "value"] == pytest.approx(80.0)
    assert c.loc[("project", "自住", "甲项目"), "higher_than"] == "B"
    assert c.loc[("project", "投资", "乙<项目>"), "higher_than"] == "A"
    assert tables[1].banner == ("project", "unit_type")  # a field is never its own banner
    assert tables[1].cells["row"].unique().tolist() == ["26–30岁", "41–50岁"]  # unused bands left out
    html = "".join(shown)
    assert "乙&lt;项目&gt;" in html and "乙<项目>" not in html
    assert "未加权" in html and "全体而非抽样" in html and "基数" in html
    assert bs.customer_crosstabs(deals.iloc[:0], ["purchase_purpose"]) == []


def _wave(seed: int = 0):
    """A planted base: 甲 has 300 customers, 乙 100; the wave over-samples 乙, whose
    customers are all satisfied while 甲's are mostly not."""
    rng = np.random.default_rng(seed)
    deals = pd.DataFrame({
        "customer_key": [f"k{i}" for i in range(400)],
        "project": ["甲"] * 300 + ["乙"] * 100,
        "unit_type": ["二房", "三房"] * 200,
        "total_price": rng.uniform(1e6, 3e6, 400),
        "sign_date": pd.Timestamp("2026-03-01"),
        "status": "签约",
    })
    keys = [f"k{i}" for i in range(0, 300, 5)] + [f"k{i}" for i in range(300, 380)]
    n = len(keys)
    happy = np.array([i % 4 == 0 for i in range(60)] + [True] * 80)
    wave = pd.DataFrame({
        "customer_key": keys,
        "project": ["甲"] * 60 + ["乙"] * 80,
        "method": np.where(np.arange(n) % 2 == 0, "电话", "走访"),
        "survey_date": pd.Timestamp("2026-08-01"),
        "overall_satisfaction": np.where(happy, 5, 2),
        "service_attitude": np.where(happy, 4, 2),
        "recommend": np.where(happy, 10, 3),
    })
    return wave, deals


def test_satisfaction_section_is_weighted_and_shows_the_unweighted_base(monkeypatch):
    from dealresearch.present import banner_sections as bs
    from dealresearch.survey_plan import weights as wt

    shown = _capture(monkeypatch)
    wave, deals = _wave()
    ww = wt.wave_weights(wave, deals, asof="2026-09-30", by=("project",), items=["service_attitude", "overall_satisfaction"],
                         item_weights={"service_attitude": 0.5, "overall_satisfaction": 0.5})
    # CSAT: 甲 25 %, 乙 100 %; population 3 : 1 → 43.75 % weighted, 62.9 % unweighted
    assert ww.results["csat"].value == pytest.approx(43.75)
    assert ww.base_n == 400 and ww.outside_base == 0
    tb = bs.satisfaction_banner(wave, ww)
    assert tb.weighted
    top = tb.cells[(tb.cells["row"] == "总体满意度 · 前2档（4–5分）")].set_index("column")
    assert top.loc["总体", "value"] == pytest.approx(43.75)
    assert top.loc["乙", "higher_than"] == top.loc["甲", "letter"]
    assert top.loc["甲", "base"] == 60 and top.loc["乙", "base"] == 80
    bs.weighted_results({"csat": None}, ww)
    html = "".join(shown)
    assert "基数（未加权）" in html and "本表已加权" in html and "有效样本量" in html
    assert "截至 2026-09-30 的客户基数" in html and "43.8" in html  # percentages: 1 decimal (fmt)
    shown.clear()
    bs.satisfaction_banner(wave, None, "客户基数为空")
    assert "本表未加权（未能加权：客户基数为空）" in "".join(shown)


def test_wave_changes_and_delta_texts_mark_significance():
    from dealresearch import satisfaction as sat
    from dealresearch.present import banner_sections as bs
    from dealresearch.results import Unavailable

    cur = sat.nps(pd.Series([10] * 250 + [8] * 675 + [3] * 75))
    prev = sat.nps(pd.Series([10] * 80 + [8] * 220 + [3] * 100))
    change = sat.nps_difference(cur, prev)
    assert change.diff == pytest.approx(22.5)
    assert bs.delta_text(cur, prev, change) == "较上期 +22.5（显著，p < 0.001）"
    prev = sat.nps(pd.Series([10] * 245 + [8] * 680 + [3] * 75))
    assert bs.delta_text(cur, prev, sat.nps_difference(cur, prev)) == "较上期 +0.5（不显著，p = 0.836）"  # z = 0.005 / 0.024197
    none = Unavailable("上期没有调查数据，无法比较。")
    assert bs.delta_text(cur, none, none) is None
    assert bs.delta_text(cur, prev, none) == "较上期 +0.5（未能检验显著性）"


def test_review_tests_the_wave_changes_of_nps_and_csi():
    from dealresearch import satisfaction as sat

    n = 400
    i = np.arange(n)
    wave = pd.DataFrame({
        "survey_id": [f"s{k}" for k in i], "customer_key": [f"k{k}" for k in i], "project": "甲",
        "survey_date": np.where(i < 200, pd.Timestamp("2026-05-01"), pd.Timestamp("2026-08-01")),
        # planted: Q2 mostly detractors, Q3 mostly promoters
        "recommend": np.where(i < 200, np.where(i % 4 == 0, 10, 3), np.where(i % 4 == 0, 3, 10)),
        "overall_satisfaction": np.where(i < 200, 2, 5) - (i % 2), "service_attitude": np.where(i < 200, 2, 4) + (i % 2),
    })
    h = sat.review(wave, None, period="2026Q3").headline
    assert h.n == 200 and h.n_previous == 200
    assert h.nps_change.diff == pytest.approx(100.0) and h.nps_change.significant
    assert h.csi_change.significant and h.csi_change.diff > 0


def test_weighted_excel_export_says_weighted_and_keeps_the_unweighted_base(tmp_path):
    data = pd.DataFrame({"g": ["甲"] * 40 + ["乙"] * 40, "y": ["是", "否"] * 40,
                         "w": np.r_[np.ones(40), np.full(40, 3.0)]})
    tb = banner.table(data, stub="y", banner="g", weight="w")
    path = tmp_path / "w.xlsx"
    banner_excel.to_excel(tb, path)
    import openpyxl

    ws = openpyxl.load_workbook(path)["表1"]
    assert ws.cell(6, 1).value == "基数（未加权）" and ws.cell(6, 4).value == 40
    assert ws.cell(7, 1).value == "有效样本量" and ws.cell(7, 2).value == pytest.approx(64.0)  # 总体: 160² / 400
    assert "本表已加权" in ws.cell(2, 1).value
    assert xlsx.read_values(path, sheet="目录")["加权"].tolist() == ["是"]
