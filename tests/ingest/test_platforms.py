"""Issue 15 (b): 问卷星 (both downloads, xlsx and csv incl. GBK) and 腾讯问卷 surveys go in
as they are; scores, missing answers, comments, dates and ids recovered."""

from __future__ import annotations

import unicodedata

import layouts as LY
import numpy as np
import pytest

import dealresearch as dr
from dealresearch.cli import main
from dealresearch.schema import Survey

ITEMS = [item for item, _ in LY.ITEM_QUESTIONS]
TITLE = "客户满意度调查"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A store holding the 明源 deals; the planted survey answers."""
    root = tmp_path_factory.mktemp("surveys")
    frame, truth = LY.mingyuan_rows()
    store = root / "data"
    dr.ingest_deals([LY.write_mingyuan(root / "deals.xlsx", frame)], store=store)
    ans, planted = LY.survey_answers(truth["mobiles"])
    return root, store, ans, planted


def _download(root, ans, mode, suffix, encoding="utf-8", title=TITLE, start_id=1, folder=None):
    d = root / (folder or f"{mode}{suffix}{encoding}")
    d.mkdir(exist_ok=True)
    path = d / f"98765432_2_{title}_{len(ans)}_{len(ans)}{suffix}"
    return LY.write_table(path, LY.wjx_frame(ans, mode, start_id), encoding=encoding)


def _copy_store(world, tmp_path):
    import shutil

    root, store, ans, planted = world
    shutil.copytree(store, tmp_path / "data")
    return tmp_path / "data"


@pytest.mark.parametrize(
    "mode,suffix,encoding",
    [("text", ".xlsx", "utf-8"), ("score", ".xlsx", "utf-8"), ("text", ".csv", "gbk"), ("score", ".csv", "utf-8")],
)
def test_wjx_download_scores_comments_and_missing(world, tmp_path, mode, suffix, encoding):
    root, _, ans, planted = world
    store = _copy_store(world, tmp_path)
    path = _download(root, ans, mode, suffix, encoding)
    res = dr.ingest_surveys([path], store=store)
    s = res.summary
    assert (s["rows_read"], s["rows_clean"], s["rows_rejected"]) == (planted["n"], planted["n"], 0)
    d = res.data.sort_values(Survey.source_row).reset_index(drop=True)
    for item in ITEMS:  # 7 items × 200 = 1,400 scale answers, the same whichever download
        assert np.allclose(d[item].to_numpy(float), ans[item].to_numpy(float), equal_nan=True), item
    assert int(d["service_attitude"].isna().sum()) == planted["skipped"]  # "(跳过)" / −3: missing
    assert d[Survey.recommend].tolist() == ans["recommend"].astype(float).tolist()
    assert d[Survey.comment].notna().sum() == planted["commented"]  # "(空)" is no comment
    planted_texts = [unicodedata.normalize("NFKC", c) for c in ans["comment"].dropna()]
    assert d[Survey.comment].dropna().tolist() == planted_texts
    assert (d[Survey.survey_date] == ans["submitted"].dt.normalize()).all()  # 提交答卷时间
    assert d["response_seconds"].tolist() == ans["seconds"].astype(float).tolist()  # 所用时间 kept
    assert d[Survey.survey_id].tolist() == [f"wjx:{TITLE}:{i}" for i in range(1, planted["n"] + 1)]
    assert s["match"]["rate"] == 1.0 and s["match"]["warning"] is None  # mobiles from 移动电话
    assert s["platforms"][0]["platform"] == "问卷星"
    assert {c["header"] for c in s["columns"] if c["status"] == "忽略"} == {"来源", "来源详情", "来自IP"}


def test_text_and_score_downloads_are_the_same_responses(world, tmp_path):
    root, _, ans, planted = world
    store = _copy_store(world, tmp_path)
    first = dr.ingest_surveys([_download(root, ans, "text", ".xlsx", folder="t")], store=store)
    again = dr.ingest_surveys([_download(root, ans, "score", ".csv", "gbk", folder="s")], store=store)
    assert again.summary["store"]["surveys_after"] == planted["n"]  # an identical re-download: duplicates
    stored = dr.load("surveys", store=store).sort_values(Survey.survey_id)
    before = first.data.sort_values(Survey.survey_id)
    for item in ITEMS:
        assert np.allclose(stored[item].to_numpy(float), before[item].to_numpy(float), equal_nan=True)


def test_a_second_survey_adds_its_responses(world, tmp_path):
    root, _, ans, planted = world
    store = _copy_store(world, tmp_path)
    dr.ingest_surveys([_download(root, ans, "text", ".xlsx", folder="one")], store=store)
    other = ans.head(50)  # 序号 1–50 again, another questionnaire
    res = dr.ingest_surveys([_download(root, other, "text", ".xlsx", title="交付满意度回访", folder="two")], store=store)
    assert res.summary["store"]["surveys_after"] == planted["n"] + 50
    ids = dr.load("surveys", store=store)[Survey.survey_id]
    assert ids.str.startswith("wjx:交付满意度回访:").sum() == 50 and ids.is_unique


def test_match_rate_warning_below_threshold(world, tmp_path):
    root, _, ans, _ = world
    res = dr.ingest_surveys([_download(root, ans, "text", ".xlsx", folder="nodeals")], store=tmp_path / "empty")
    assert res.summary["match"]["warning"] and "先导入成交数据" in res.summary["match"]["warning"]
    store = _copy_store(world, tmp_path)
    odd = ans.copy()
    odd.loc[odd.index[:120], "phone"] = [f"1990000{k:04d}" for k in range(120)]  # unknown customers
    res = dr.ingest_surveys([_download(root, odd, "text", ".xlsx", folder="odd")], store=store,
                            mapping={"surveys": {"match_rate_warning": 0.5}})
    m = res.summary["match"]
    assert (m["matched"], m["surveys"]) == (80, 200) and m["rate"] == 0.4 and "80/200" in m["warning"]


def test_tencent_download_with_matrix_question(world, tmp_path):
    root, _, ans, planted = world
    store = _copy_store(world, tmp_path)
    path = LY.write_table(root / "腾讯问卷_满意度.xlsx", LY.txwj_frame(ans))
    res = dr.ingest_surveys([path], store=store)
    d = res.data.sort_values(Survey.source_row).reset_index(drop=True)
    assert res.summary["rows_clean"] == planted["n"] and res.summary["platforms"][0]["platform"] == "腾讯问卷"
    for item in ITEMS:
        assert np.allclose(d[item].to_numpy(float), ans[item].to_numpy(float), equal_nan=True), item
    assert d["response_seconds"].tolist() == ans["seconds"].astype(float).tolist()  # "2分5秒"
    assert d[Survey.survey_id].str.startswith("txwj:").all() and res.summary["match"]["rate"] == 1.0
    assert {c["header"] for c in res.summary["columns"] if c["status"] == "忽略"} == {"用户标识", "开始答题时间"}


def test_seven_point_labels_convert_to_the_declared_scale(world, tmp_path):
    root, _, ans, _ = world
    seven = {7: "非常满意", 6: "满意", 5: "比较满意", 4: "一般", 3: "比较不满意", 2: "不满意", 1: "非常不满意"}
    f = LY.wjx_frame(ans, "text")
    col = f"3、{LY.ITEM_QUESTIONS[0][1]}"
    raw7 = np.arange(len(f)) % 7 + 1
    f[col] = [seven[k] for k in raw7]
    d = tmp_path / "seven"
    d.mkdir()
    res = dr.ingest_surveys([LY.write_table(d / "1_2_七级量表_200_200.xlsx", f)], store=tmp_path / "data")
    got = res.data.sort_values(Survey.source_row)["service_attitude"].to_numpy(float)
    assert np.allclose(got, 1 + (raw7 - 1) * 4 / 6)  # 1–7 → the item's 1–5


def test_cli_ingests_a_wjx_download_in_one_command(world, tmp_path, capsys):
    root, _, ans, _ = world
    store = _copy_store(world, tmp_path)
    path = _download(root, ans, "text", ".csv", "gbk", folder="cli")
    assert main(["--store", str(store), "ingest", "--kind", "surveys", str(path), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "调查关联到成交客户：200/200" in out and "数据质量页" in out
    assert len(dr.load("surveys", store=store)) == 200


def test_unknown_scale_labels_are_counted_with_examples_and_speeders_flagged(world, tmp_path):
    from dealresearch.ingest.platforms import speeders

    root, _, ans, _ = world
    f = LY.wjx_frame(ans, "text")
    col = f"4、{LY.ITEM_QUESTIONS[1][1]}"
    f.loc[:9, col] = "还行吧"  # no scale wording: missing, counted, shown
    d = tmp_path / "odd"
    d.mkdir()
    res = dr.ingest_surveys([LY.write_table(d / "1_2_标签_200_200.xlsx", f)], store=tmp_path / "data")
    lost = res.summary["lost_values"]["professionalism"]
    assert lost == {"rows": 10, "examples": ["还行吧"]}
    assert res.summary["invalid_scores"]["professionalism"]["非数字"] == 10
    assert int(speeders(res.data, min_seconds=100).sum()) == int((ans["seconds"] < 100).sum())
