"""Hostile corpus: each small file in tests/data/hostile/ plants one kind of dirt and
must reconcile exactly as tests/data/hostile/expected.json says (or fail as stated)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import dealresearch as dr
from dealresearch import errors
from dealresearch.ingest import store as st

HOSTILE = Path(__file__).resolve().parents[1] / "data" / "hostile"
EXPECTED = json.loads((HOSTILE / "expected.json").read_text(encoding="utf-8"))
COUNTS = ("rows_read", "rows_clean", "rows_rejected", "duplicates_merged", "non_data_rows")


@pytest.mark.parametrize("name", sorted(k for k, v in EXPECTED.items() if "error" not in v))
def test_hostile_file_reconciles(name, tmp_path):
    exp = EXPECTED[name]
    fn = dr.ingest_surveys if exp.get("kind") == "surveys" else dr.ingest_deals
    res = fn([HOSTILE / name], store=tmp_path)
    s = res.summary
    assert {k: s[k] for k in COUNTS} == {k: exp[k] for k in COUNTS}
    assert (
        s["rows_read"] == s["rows_clean"] + s["rows_rejected"] + s["duplicates_merged"] + s["non_data_rows"]
    )
    assert len(res.data) == exp["rows_clean"] and len(res.rejects) == exp["rows_rejected"]
    for key in (
        "rejects_by_reason",
        "warnings_by_reason",
        "invalid_scores",
        "exact_duplicates",
        "status_updates",
    ):
        if key in exp:
            assert s[key] == exp[key], key
    if "total_price_sum" in exp:
        assert res.data["total_price"].sum() == pytest.approx(exp["total_price_sum"])
    if "first_source_row" in exp:
        assert res.data["source_row"].min() == exp["first_source_row"]
    if "skipped_sheets" in exp:
        assert [x["sheet"] for x in s["skipped"]] == exp["skipped_sheets"]
    for deal, status in exp.get("final_status", {}).items():
        assert res.data.set_index("deal_id").loc[deal, "status"] == status
    history = dr.load("status_history", store=tmp_path) if exp.get("events") else None
    for deal, events in exp.get("events", {}).items():
        got = (
            history[history["deal_id"] == deal]
            .set_index("status")["event_date"]
            .dt.strftime("%Y-%m-%d")
            .to_dict()
        )
        assert got == events


@pytest.mark.parametrize("name", sorted(k for k, v in EXPECTED.items() if "error" in v))
def test_hostile_file_fails_clearly(name, tmp_path):
    exp = EXPECTED[name]
    with pytest.raises(getattr(errors, exp["error"])) as info:
        dr.ingest_deals([HOSTILE / name], store=tmp_path)
    for part in exp["message_contains"]:
        assert part in str(info.value)
    assert not st.table_path("deals", tmp_path).exists()


def test_rejects_keep_source_row_reason_and_raw_values(tmp_path):
    res = dr.ingest_deals([HOSTILE / "rejects_warnings.csv"], store=tmp_path)
    rej = res.rejects.set_index("source_row")
    # row numbers as the analyst sees them in the CSV: header is row 1
    assert rej.loc[3, "reason"] == "签约日期无法识别" and json.loads(rej.loc[3, "raw"])["签约日期"] == "待定"
    assert rej.loc[4, "field"] == "total_price" and json.loads(rej.loc[4, "raw"])["成交总价"] == "面议"
    stored = pd.read_parquet(st.table_path("rejects_deals", tmp_path, "interim"))
    assert len(stored) == 4 and set(stored["source_file"]) == {"rejects_warnings.csv"}
    assert not any("reject" in p.name for p in (tmp_path / "processed").rglob("*"))
