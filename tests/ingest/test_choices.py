"""Issue 15 (b, Deliver 3): multi-choice questions of 问卷星 / 腾讯问卷 downloads become the
long table ``survey_choices`` (one row per survey, question and option); planted choices
recovered, option texts masked, re-ingests and file order change nothing."""

from __future__ import annotations

import layouts as LY
import numpy as np
import pandas as pd
import pytest

import dealresearch as dr
from dealresearch.ingest.platforms import choice_answers, choice_columns

TITLE = "购房因素调查"
QUESTION = "您购房时关注的因素"
PHONE_OPTION = "请致电13812345678回访"
OPTIONS = ("地段", "价格", "学区", "交通", "物业", PHONE_OPTION)
MASKED = {o: o.replace("13812345678", "***") for o in OPTIONS}


def planted(n: int = 120, skipped: int = 9, seed: int = 5) -> tuple[pd.DataFrame, np.ndarray]:
    """The survey answers and, per respondent, which options were chosen (a row of False
    for the ones who skipped the question; everyone else chose at least one)."""
    rng = np.random.default_rng(seed)
    used: set = set()
    ans, _ = LY.survey_answers([LY.mobile(rng, used) for _ in range(n)], n=n, skipped=5, commented=20, seed=seed)
    chosen = rng.random((n, len(OPTIONS))) < 0.4
    chosen[~chosen.any(axis=1), 0] = True
    chosen[rng.choice(np.arange(1, n), skipped, replace=False)] = False  # skipped: no rows at all
    # the first respondent picks two: a lone "价格" under the header is taken for a second
    # header row by ``readers.locate_header`` (its text names the price_fairness item)
    chosen[0] = [True, False, True, False, False, False]
    return ans, chosen


def wjx_text(ans, chosen, start_id=1) -> pd.DataFrame:
    """问卷星 按选项文本: one column of ┋-joined option texts, "(跳过)" when skipped."""
    f = LY.wjx_frame(ans, "text", start_id)
    f[f"12、{QUESTION}（多选）"] = ["┋".join(o for o, c in zip(OPTIONS, row, strict=True) if c) or "(跳过)" for row in chosen]
    return f


def wjx_flags(ans, chosen, blank_unchosen=False) -> pd.DataFrame:
    """问卷星 按选项序号: one 0/1 sub-column per option ("12、(地段)"), −3 when skipped;
    ``blank_unchosen``: the "1/空" variant (a blank is "not chosen")."""
    f = LY.wjx_frame(ans, "score")
    skipped = ~chosen.any(axis=1)
    for k, o in enumerate(OPTIONS):
        col = np.where(chosen[:, k], "1", "" if blank_unchosen else "0").astype(object)
        col[skipped] = "" if blank_unchosen else "-3"
        f[f"12、({o})"] = col
    return f


def txwj_flags(ans, chosen) -> pd.DataFrame:
    """腾讯问卷: "第6题 题干(选项)" sub-columns answered 选中 / 未选中, blank when skipped."""
    f = LY.txwj_frame(ans)
    skipped = ~chosen.any(axis=1)
    for k, o in enumerate(OPTIONS):
        col = np.where(chosen[:, k], "选中", "未选中").astype(object)
        col[skipped] = ""
        f[f"第6题 {QUESTION}({o})"] = col
    return f


def _write(tmp_path, frame, suffix=".xlsx", encoding="utf-8", title=TITLE, folder="a"):
    d = tmp_path / folder
    d.mkdir(exist_ok=True)
    return LY.write_table(d / f"98765432_2_{title}_{len(frame)}_{len(frame)}{suffix}", frame, encoding=encoding)


def _recovered(table: pd.DataFrame, prefix: str, question: str, n: int) -> np.ndarray:
    """The stored choices as the planted matrix (respondent × option)."""
    t = table[table["survey_id"].str.startswith(prefix) & table["question"].eq(question)]
    grid = t.pivot(index="survey_id", columns="option", values="chosen")
    grid.index = grid.index.str.rsplit(":", n=1).str[1].astype(int)
    full = grid.reindex(index=range(1, n + 1), columns=[MASKED[o] for o in OPTIONS])
    return full.fillna(False).to_numpy(dtype=bool)


def _check(table, prefix, question, chosen):
    answered = int(chosen.any(axis=1).sum())
    assert len(table) == answered * len(OPTIONS)  # one row per (survey, question, option)
    assert not table.duplicated(["survey_id", "question", "option"]).any()
    assert (_recovered(table, prefix, question, len(chosen)) == chosen).all()
    assert set(table["option"]) == set(MASKED.values())  # the phone masked like free text
    assert not table["option"].str.contains("13812345678").any()
    assert list(table.columns) == ["survey_id", "question", "option", "chosen", "source_file"]


@pytest.mark.parametrize("suffix,encoding", [(".xlsx", "utf-8"), (".csv", "gbk")])
def test_wjx_joined_text_column(tmp_path, suffix, encoding):
    ans, chosen = planted()
    path = _write(tmp_path, wjx_text(ans, chosen), suffix, encoding)
    res = dr.ingest_surveys([path], store=tmp_path / "data")
    assert res.summary["rows_clean"] == len(ans)
    table = dr.load("survey_choices", store=tmp_path / "data")
    _check(table, f"wjx:{TITLE}:", QUESTION, chosen)
    cols = {c["header"]: c for c in res.summary["columns"]}
    head = f"12、{QUESTION}（多选）"
    assert cols[head]["status"] == "导入" and cols[head]["field"] == "survey_choices"
    assert {c["header"] for c in res.summary["columns"] if c["status"] == "忽略"} == {"来源", "来源详情", "来自IP"}
    stored = dr.load("surveys", store=tmp_path / "data")  # the item scores are untouched
    assert np.allclose(stored.sort_values("source_row")["price_fairness"].to_numpy(float), ans["price_fairness"])


@pytest.mark.parametrize("blank_unchosen", [False, True])
def test_wjx_zero_one_sub_columns(tmp_path, blank_unchosen):
    ans, chosen = planted()
    frame = wjx_flags(ans, chosen, blank_unchosen)
    path = _write(tmp_path, frame, ".csv")
    res = dr.ingest_surveys([path], store=tmp_path / "data")
    table = dr.load("survey_choices", store=tmp_path / "data")
    _check(table, f"wjx:{TITLE}:", "第12题", chosen)  # no stem column: the question's number
    subs = [c for c in res.summary["columns"] if c["header"].startswith("12、(")]
    assert len(subs) == len(OPTIONS) and {c["field"] for c in subs} == {"survey_choices"}
    # "12、(价格)" is an option, not the price_fairness item
    assert np.allclose(res.data.sort_values("source_row")["price_fairness"].to_numpy(float), ans["price_fairness"])


def test_tencent_sub_columns(tmp_path):
    ans, chosen = planted(seed=8)
    path = _write(tmp_path, txwj_flags(ans, chosen))
    res = dr.ingest_surveys([path], store=tmp_path / "data")
    table = dr.load("survey_choices", store=tmp_path / "data")
    _check(table, "txwj:", QUESTION, chosen)
    ignored = {c["header"] for c in res.summary["columns"] if c["status"] == "忽略"}
    assert ignored == {"用户标识", "开始答题时间"}


def test_matrix_scale_sub_columns_are_not_choices():
    frame = pd.DataFrame({"第2题 请评价(服务态度)": ["满意", "一般"], "第2题 请评价(专业能力)": ["1", "5"],
                          "5、您关注的因素（多选）": ["地段", None], "6(地段)": ["1", "0"], "6(价格)": ["", "1"],
                          "7、您的意见和建议": ["好┋很好", None], "8、您了解的渠道": ["报纸┋网络", "朋友"]})
    assert choice_columns(frame) == {
        "6(地段)": ("第6题", "地段"), "6(价格)": ("第6题", "价格"), "5、您关注的因素（多选）": ("您关注的因素", None),
        "8、您了解的渠道": ("您了解的渠道", None),  # ┋ cells; a ┋ typed into a comment stays a comment
    }


def test_reingest_and_file_order_give_the_same_table(tmp_path):
    ans, chosen = planted()
    other_ans, other_chosen = planted(n=60, seed=11)
    a = _write(tmp_path, wjx_text(ans, chosen), folder="a")
    b = _write(tmp_path, wjx_flags(other_ans, other_chosen), ".csv", title="交付回访", folder="b")
    one, two = tmp_path / "one", tmp_path / "two"
    dr.ingest_surveys([a], store=one)
    first = dr.load("survey_choices", store=one)
    dr.ingest_surveys([a], store=one)  # the same download again
    pd.testing.assert_frame_equal(dr.load("survey_choices", store=one), first)
    dr.ingest_surveys([b], store=one)
    dr.ingest_surveys([b], store=two)
    dr.ingest_surveys([a], store=two)
    ab, ba = dr.load("survey_choices", store=one), dr.load("survey_choices", store=two)
    pd.testing.assert_frame_equal(ab, ba)
    assert len(ab) == (chosen.any(axis=1).sum() + other_chosen.any(axis=1).sum()) * len(OPTIONS)
    assert (_recovered(ab, "wjx:交付回访:", "第12题", 60) == other_chosen).all()
    assert set(ab["source_file"]) == {a.name, b.name}
    # a re-download of ``a`` with changed answers replaces that survey's rows
    changed = chosen.copy()
    changed[0] = [True, False, False, True, False, False]
    c = _write(tmp_path, wjx_text(ans, changed), folder="c")
    dr.ingest_surveys([c], store=two)
    again = dr.load("survey_choices", store=two)
    assert (_recovered(again, f"wjx:{TITLE}:", QUESTION, len(ans)) == changed).all()
    assert len(again) == len(ab)


def test_customer_names_in_options_are_masked_whenever_the_deal_comes(tmp_path):
    """A known customer's name in an option text is masked: when the deal was ingested
    before the survey, and when it comes after (the stored table is masked again)."""
    ans, chosen = planted(n=40, seed=3)
    frame = wjx_text(ans, chosen)
    frame[f"12、{QUESTION}（多选）"] = frame[f"12、{QUESTION}（多选）"].str.replace("物业", "王建国推荐")
    survey = _write(tmp_path, frame, folder="s")
    deals, _ = LY.mingyuan_rows(n=20, cancelled=1, landlines=2, no_contact=2, co_buyers=1)
    deals.loc[3, "客户名称"] = "王建国"
    deal_file = LY.write_mingyuan(tmp_path / "deals.xlsx", deals)
    before, after = tmp_path / "before", tmp_path / "after"
    dr.ingest_deals([deal_file], store=before)
    dr.ingest_surveys([survey], store=before)
    dr.ingest_surveys([survey], store=after)
    assert "王建国推荐" in set(dr.load("survey_choices", store=after)["option"])  # not known yet
    dr.ingest_deals([deal_file], store=after)
    for store in (before, after):
        options = set(dr.load("survey_choices", store=store)["option"])
        assert "***推荐" in options and not any("王建国" in o for o in options)
    pd.testing.assert_frame_equal(dr.load("survey_choices", store=before), dr.load("survey_choices", store=after))


def test_csv_read_in_chunks_lists_every_option_of_the_file(tmp_path, monkeypatch):
    """An option first chosen in a later chunk of a large CSV is still a row (not chosen)
    for the respondents of the earlier chunks."""
    import dealresearch.ingest.pipeline as P

    ans, chosen = planted()
    chosen[:80, 3] = False  # 交通 only from the third chunk on
    chosen[~chosen.any(axis=1) & (np.arange(len(chosen)) < 80), 0] = True
    chosen[100:110, 3] = True
    whole = _write(tmp_path, wjx_text(ans, chosen), ".csv", "gbk", folder="whole")
    dr.ingest_surveys([whole], store=tmp_path / "one")
    import dealresearch.ingest.csv_reader as R

    monkeypatch.setattr(P, "CHUNK_ROWS", 30)
    monkeypatch.setattr(R, "CSV_BLOCK_BYTES", 2048)  # Arrow batches of a few rows
    seen = []
    monkeypatch.setattr(P, "choice_answers", lambda raw: seen.append(len(raw.frame)) or choice_answers(raw))
    res = dr.ingest_surveys([whole], store=tmp_path / "chunked")
    assert len(seen) >= 3 and sum(seen) == len(ans)  # read in chunks
    assert res.summary["rows_clean"] == len(ans)
    table = dr.load("survey_choices", store=tmp_path / "chunked")
    assert (_recovered(table, f"wjx:{TITLE}:", QUESTION, len(ans)) == chosen).all()
    assert len(table) == int(chosen.any(axis=1).sum()) * len(OPTIONS)
    pd.testing.assert_frame_equal(table, dr.load("survey_choices", store=tmp_path / "one"))
