"""The generated sample (dealresearch.synth): every planted defect recovered exactly."""

from __future__ import annotations

from collections import Counter

import pandas as pd
import pytest

import dealresearch as dr


@pytest.fixture(scope="module")
def ingested(sample_ingest, sample_truth):
    store, deals, surveys = sample_ingest
    return store, deals, surveys, sample_truth


def test_deal_reconciliation_matches_truth(ingested):
    _, res, _, truth = ingested
    s, exp = res.summary, truth["expected"]
    for key in (
        "rows_read",
        "rows_clean",
        "rows_rejected",
        "duplicates_merged",
        "non_data_rows",
        "status_updates",
        "exact_duplicates",
    ):
        assert s[key] == exp[key], key
    for rec in s["files"]:
        assert (
            rec["rows_read"]
            == rec["rows_clean"] + rec["rows_rejected"] + rec["duplicates_merged"] + rec["non_data_rows"]
        )


def test_each_planted_defect_is_recovered(ingested):
    _, res, _, truth = ingested
    s, dirt = res.summary, truth["dirt"]
    rej = s["rejects_by_reason"]
    assert rej.get("签约日期无法识别", 0) + rej.get("缺少签约日期", 0) == dirt["reject_bad_sign_date"]
    assert rej["缺少合同编号"] == dirt["reject_missing_deal_id"]
    assert rej["成交总价不是数字"] == dirt["reject_bad_total_price"]
    assert s["non_data"] == {"空白行": dirt["blank_rows"], "合计行": dirt["totals_rows"]}
    bad = res.warnings[res.warnings["reason"] == "证件号码校验位错误"]
    assert set(bad["record_id"]) == set(truth["bad_id_check_digit_deal_ids"])
    # every reformatted cell (万 amounts, ¥/元 text, full-width, +86 phones, lower-case x,
    # five date spellings) parsed: no field was set missing as unrecognisable
    assert not [r for r in s["warnings_by_reason"] if "无法识别" in r or "格式无效" in r]
    assert s["unknown_values"] == {"payment_method": {"以房抵款": dirt["unknown_payment_values"]}}
    assert [x["sheet"] for x in s["skipped"]] == ["导出说明"]


def test_store_matches_planted_truth(ingested):
    store, _, _, truth = ingested
    deals = dr.load("deals", store=store)
    assert len(deals) == truth["expected"]["rows_clean"] and deals["deal_id"].is_unique
    by_q = deals.groupby(deals["sign_date"].dt.to_period("Q").astype(str)).size().to_dict()
    assert by_q == truth["deals_by_quarter"]
    amounts = deals.groupby("project")["total_price"].sum()
    for project, amount in truth["amount_by_project"].items():
        assert amounts[project] == pytest.approx(amount, rel=1e-7)
    status = deals.set_index("deal_id")["status"]
    hist = dr.load("status_history", store=store)
    changes = hist[hist["status"].isin(["退房", "换房"])].set_index("deal_id")
    for deal_id, (new_status, date) in truth["status_changes"].items():
        assert status[deal_id] == new_status
        assert changes.loc[deal_id, "status"] == new_status
        assert changes.loc[deal_id, "event_date"] == pd.Timestamp(date)
    assert len(dr.load("customers", store=store)) == truth["n_customers"]
    assert set(deals.loc[deals["referrer_key"].notna(), "deal_id"]) == set(truth["referral_deal_ids"])
    referrers = deals["referrer_key"].dropna()
    assert referrers.isin(deals["customer_key"]).mean() > 0.95


def test_survey_garbage_counted_per_item_and_customers_joined(ingested):
    store, _, res, truth = ingested
    s, sv = res.summary, truth["surveys"]
    assert s["rows_clean"] == sv["n_surveys"] and s["rows_rejected"] == 0
    invalid, blank = Counter(), Counter()
    for year in ("2025", "2026"):
        invalid.update(sv[f"garbage_{year}"]["item_invalid"])
        blank.update(sv[f"garbage_{year}"]["item_blank"])
    for item, n in invalid.items():
        got = s["invalid_scores"][item]
        assert got.get("非数字", 0) + got.get("超出量表范围", 0) == n, item
        assert got.get("空白", 0) == blank[item], item
    stored = dr.load("surveys", store=store)
    assert stored[list(invalid)].notna().sum().eq(len(stored) - pd.Series(invalid) - pd.Series(blank)).all()
    # joined through ID, phone or CRM code; only people whose deal export carried a
    # mistyped ID number and who were surveyed by ID number alone stay unmatched
    matched = s["store"]["matched_to_customers"]
    assert sv["n_surveys"] - matched <= len(truth["bad_id_check_digit_deal_ids"])
    assert matched / sv["n_surveys"] > 0.99
