"""Issue 15 (a): a 明源-style deal export goes in as it is (one CLI command, no mapping)."""

from __future__ import annotations

import re

import layouts as LY
import pandas as pd
import pytest

import dealresearch as dr
from dealresearch.cli import main
from dealresearch.schema import Deal


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    frame, truth = LY.mingyuan_rows()
    folder = tmp_path_factory.mktemp("mingyuan")
    return LY.write_mingyuan(folder / "滨江壹号成交明细.xlsx", frame), frame, truth


@pytest.fixture(scope="module")
def ingested(export, tmp_path_factory):
    path, frame, truth = export
    store = tmp_path_factory.mktemp("store") / "data"
    assert main(["--store", str(store), "ingest", str(path), "--quiet"]) == 0  # one command, no mapping
    return store, truth


def _last_run(store):
    return dr.load("deals", store=store)


def test_counts_reconcile_and_every_deal_is_kept(export, tmp_path):
    path, _, truth = export
    res = dr.ingest_deals([path], store=tmp_path / "data")
    s = res.summary
    assert s["rows_read"] == truth["n"] + 1  # the 合计 row "共 305 条"
    assert s["rows_clean"] == truth["n"] and s["rows_rejected"] == 0 and s["non_data_rows"] == 1
    assert s["non_data"] == {"合计行": 1}
    assert [x["sheet"] for x in s["skipped"]] == ["说明"]  # the notes sheet, said so
    assert res.data[Deal.total_price].sum() == pytest.approx(truth["total_yuan"])  # 万元 → 元
    assert s["unknown_values"] == {}  # 室厅卫, 按揭付款, 首次置业, 报纸/微信朋友圈/电话call客 ... all known


def test_no_contract_number_keys_by_project_room_and_subscription_date(ingested, export):
    store, truth = ingested
    _, frame, _ = export
    deals = _last_run(store)
    expected = frame["项目名称"] + "|" + frame["房号全称"] + "|" + frame["认购时间"].dt.strftime("%Y-%m-%d")
    assert sorted(deals[Deal.deal_id]) == sorted(expected)
    assert deals[Deal.unit_no].notna().all()  # 房间 is the room number


def test_summary_says_how_deals_were_keyed(export, tmp_path):
    path, _, _ = export
    s = dr.ingest_deals([path], store=tmp_path / "data").summary
    assert "房号全称" in s["deal_keys"][path.name] and "认购日期" in s["deal_keys"][path.name]


def test_vocabularies_of_the_export_are_mapped(ingested, export):
    store, _ = ingested
    _, frame, _ = export
    deals = _last_run(store).set_index(Deal.unit_no).sort_index()
    src = frame.set_index("房间").sort_index()
    assert deals[Deal.unit_type].astype(str).tolist() == src["户型"].map(LY.UNIT_TYPES).tolist()
    assert deals[Deal.payment_method].astype(str).tolist() == src["付款方式"].map(LY.PAYMENTS).tolist()
    assert deals[Deal.awareness_channel].astype(str).tolist() == src["认知途径"].map(LY.CHANNELS).tolist()
    assert deals[Deal.purchase_purpose].astype(str).tolist() == src["置业目的"].map(LY.PURPOSES).tolist()
    assert deals[Deal.purchase_count].astype(str).tolist() == src["置业次数"].map(LY.COUNTS).tolist()


def test_mobile_is_preferred_to_the_landline_and_a_lone_landline_is_kept_masked(export, tmp_path):
    _, frame, truth = export
    f = frame.copy()
    f.loc[0, "联系方式"], f.loc[0, "移动电话"] = "0571-87654321", None  # only a landline
    path = LY.write_mingyuan(tmp_path / "x.xlsx", f)
    deals = dr.ingest_deals([path], store=tmp_path / "data").data.set_index(Deal.source_row).sort_index()
    masked = deals[Deal.phone_masked].tolist()
    assert masked[0] == "0571****4321"  # the landline, masked as a landline
    mobiles = [f"{m[:3]}****{m[-4:]}" for m in truth["mobiles"][1:]]
    assert masked[1:] == mobiles  # 移动电话 wins over a 联系方式 landline (81 rows) or blank (73)


def test_co_buyers_are_counted_and_pseudonymised(ingested, export):
    store, truth = ingested
    _, frame, _ = export
    deals = _last_run(store)
    assert int(deals[Deal.co_buyers].sum()) == truth["co_buyers"]
    with_co = deals[deals[Deal.co_buyers] > 0]
    keys = [k for ks in with_co[Deal.co_buyer_keys] for k in ks]
    assert len(keys) == truth["co_buyers"] and all(re.fullmatch(r"[0-9a-f]{32}", k) for k in keys)
    assert deals.loc[deals[Deal.co_buyers] == 0, Deal.co_buyer_keys].isna().all()
    # no co-buyer ID in clear anywhere in the store
    second_ids = frame["证件号码"].str.split(";").str[1].dropna()
    text = deals.to_csv()
    assert not any(i in text for i in second_ids)
    assert deals[Deal.customer_key].notna().all()


def test_cancellations_without_a_date_stay_unknown_and_are_reported(ingested, export, tmp_path):
    store, truth = ingested
    hist = dr.load("status_history", store=store)
    cancelled = hist[hist["status"] == "退房"]
    assert len(cancelled) == truth["cancelled"] and cancelled["event_date"].isna().all()
    path, _, _ = export
    s = dr.ingest_deals([path], store=tmp_path / "data").summary
    assert s["status_date_unknown"] == truth["cancelled"]


def test_cancellation_date_from_the_column_that_carries_it(export, tmp_path):
    _, frame, truth = export
    f = frame.assign(退房日期=None)
    f["退房日期"] = f["退房日期"].astype(object)
    when = pd.Timestamp("2026-09-20")
    f.loc[f["交易状态"] == "退房", "退房日期"] = when
    res = dr.ingest_deals([LY.write_mingyuan(tmp_path / "y.xlsx", f)], store=tmp_path / "data")
    assert res.summary["status_date_unknown"] == 0
    hist = dr.load("status_history", store=tmp_path / "data")
    assert (hist.loc[hist["status"] == "退房", "event_date"] == when).sum() == truth["cancelled"]


@pytest.mark.parametrize("suffix,encoding", [(".csv", "gbk"), (".xlsx", None)])
def test_header_on_row_one_and_gbk_csv(export, tmp_path, suffix, encoding):
    _, frame, truth = export
    f = frame.assign(认购时间=frame["认购时间"].dt.strftime("%Y/%m/%d"), 签约时间=frame["签约时间"].dt.strftime("%Y/%m/%d"))
    path = tmp_path / f"export{suffix}"
    if suffix == ".csv":
        LY.write_table(path, f, encoding=encoding)
    else:
        LY.write_mingyuan(path, f, header_row=1, notes=False, totals=False)
    res = dr.ingest_deals([path], store=tmp_path / "data")
    assert res.summary["rows_clean"] == truth["n"] and res.summary["rows_read"] == truth["n"]
    assert res.data[Deal.total_price].sum() == pytest.approx(truth["total_yuan"])


def test_every_column_is_mapped_or_listed_as_ignored(ingested, export, tmp_path):
    path, frame, _ = export
    s = dr.ingest_deals([path], store=tmp_path / "data").summary
    listed = [c["header"] for c in s["columns"] if not c["header"].startswith("（生成）")]
    assert listed == list(frame.columns)
    ignored = {c["header"] for c in s["columns"] if c["status"] == "忽略"}
    assert ignored == {"序号", "证件类型"}
    mapped = {c["header"]: c["field"] for c in s["columns"] if c["status"] == "导入"}
    assert mapped["移动电话"] == mapped["联系方式"] == Deal.phone and mapped["房间"] == Deal.unit_no


def test_quality_page_lists_every_ignored_column_and_is_linked(ingested):
    store, _ = ingested
    reports = store.parent / "reports"
    pages = sorted((reports / "quality").glob("*_deals.html"))
    assert len(pages) == 1
    html = pages[0].read_text(encoding="utf-8")
    cells = re.findall(r'<td class="dr-ignored-header">(.*?)</td>', html)
    assert sorted(cells) == sorted(["序号", "证件类型"])
    assert "数据质量" in html and "无合同编号列" in html
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert f"quality/{pages[0].name}" in index
