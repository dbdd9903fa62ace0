"""Deal lifecycle helpers: export dates from file names, collapsing repeated deal rows."""

from __future__ import annotations

import pandas as pd
import pytest

from dealresearch.ingest.lifecycle import collapse, customers, date_from_name
from dealresearch.schema import Customer, Deal


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("成交明细_20260331", "2026-03-31"),
        ("deals-2025.12.01", "2025-12-01"),
        ("成交2026Q1", "2026-03-31"),
        ("成交2025年第4季度", "2025-12-31"),
        ("export_2026q2", "2026-06-30"),
    ],
)
def test_export_date_is_read_from_the_file_name(name, expected):
    assert date_from_name(name) == pd.Timestamp(expected)


def test_file_name_without_a_date_gives_none():
    assert date_from_name("成交明细") is None


def test_collapse_keeps_the_highest_status_and_fills_gaps():
    frame = pd.DataFrame(
        {
            Deal.deal_id: ["A", "B", "A"],
            Deal.status: ["认购", "签约", "签约"],
            Deal.total_price: [None, 2.0, 1.0],
            Deal.project: ["P", "Q", None],
        }
    )
    out, merged_away = collapse(frame)
    assert merged_away.tolist() == [True, False, False]
    assert out[Deal.deal_id].tolist() == ["B", "A"]
    a = out[out[Deal.deal_id] == "A"].iloc[0]
    assert a[Deal.status] == "签约" and a[Deal.total_price] == 1.0 and a[Deal.project] == "P"


def test_collapse_refuses_a_non_unique_index_when_rows_repeat():
    frame = pd.DataFrame({Deal.deal_id: ["A", "A"], Deal.status: ["签约", "签约"]}, index=[0, 0])
    with pytest.raises(ValueError, match="unique index"):
        collapse(frame)




def test_customer_master_rules():
    d = pd.DataFrame(
        {
            Deal.customer_key: pd.Series(["k2", "k1", "k1", "k1", "k1", None], dtype="str"),
            Deal.project: pd.Series(
                ["云栖府", "星汇中心", "云栖府", "星汇中心", "星汇中心", "云栖府"], dtype="str"
            ),
            Deal.sign_date: pd.to_datetime(
                ["2025-03-01", "2025-01-01", "2025-06-01", None, "2025-02-01", "2025-01-01"]
            ),
            Deal.subscribe_date: pd.to_datetime([None] * 6),
            Deal.status: pd.Series(["签约", "签约", "签约", "签约", "退房", "签约"], dtype="str"),
            Deal.total_price: [300.0, 100.0, 100.0, 20.0, 50.0, 9.0],
            Deal.phone_masked: pd.Series(
                ["139****0000", "138****0001", "138****0002", "138****0003", None, "x"], dtype="str"
            ),
        }
    )
    c = customers(d).set_index(Customer.customer_key)
    assert list(c.index) == ["k1", "k2"]  # sorted by key; rows without a key ignored
    k1 = c.loc["k1"]
    assert k1[Customer.projects] == ["云栖府", "星汇中心"]  # by name
    assert k1[Customer.project] == "星汇中心"  # 120 vs 100 (the 退房 deal counts 0)
    assert k1[Customer.n_deals] == 3 and k1[Customer.total_amount] == 220.0
    assert k1[Customer.phone_masked] == "138****0003"  # a deal without a date counts as the latest
    assert k1[Customer.first_deal_date] == pd.Timestamp("2025-01-01")
    assert k1[Customer.last_deal_date] == pd.Timestamp("2025-06-01")
    assert c.loc["k2", Customer.projects] == ["云栖府"] and c.loc["k2", Customer.phone_masked] == "139****0000"
    # a tie in amount (120 each) goes to the project seen first in the table (云栖府, row 1)
    tie = d.assign(**{Deal.total_price: [300.0, 100.0, 120.0, 20.0, 50.0, 9.0]})
    assert customers(tie).set_index(Customer.customer_key).loc["k1", Customer.project] == "云栖府"


def test_customer_master_hex_keys_take_the_integer_path_with_the_same_result():
    """Real customer keys (32 lower-case hex) are grouped as two 64-bit integers; the result
    must equal the general path (upper-case keys are not hex for it and go the text way)."""
    keys = ["0f" * 16, "a0" * 16, "0f" * 16, None, "ff" * 15 + "0a", "a0" * 16, "0f" * 16]
    d = pd.DataFrame(
        {
            Deal.customer_key: pd.Series(keys, dtype="str"),
            Deal.project: pd.Series(["B", "A", "A", "A", "B", "B", "C"], dtype="str"),
            Deal.sign_date: pd.to_datetime(
                ["2025-03-01", "2025-01-01", None, "2025-02-01", "2025-02-01", "2025-04-01", "2025-03-01"]
            ),
            Deal.status: pd.Series(["签约", "签约", "签约", "签约", "退房", "签约", "签约"], dtype="str"),
            Deal.total_price: [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 5.0],
            Deal.phone_masked: pd.Series(["p1", "p2", None, "p4", "p5", None, "p7"], dtype="str"),
        }
    )
    fast = customers(d)
    slow = customers(d.assign(**{Deal.customer_key: d[Deal.customer_key].str.upper()}))
    assert fast[Customer.customer_key].tolist() == ["0f" * 16, "a0" * 16, "ff" * 15 + "0a"]
    pd.testing.assert_frame_equal(fast.drop(columns=Customer.customer_key), slow.drop(columns=Customer.customer_key))
    first = fast.iloc[0]
    assert first[Customer.projects] == ["A", "B", "C"] and first[Customer.project] == "A"  # 30 vs 10 vs 5
    assert first[Customer.phone_masked] == "p7"  # latest date with a phone; same date → the later row
    assert fast.iloc[2][Customer.n_deals] == 0 and not fast.iloc[2][Customer.active]  # only a 退房 deal
