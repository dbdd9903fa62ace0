"""Vectorised fast paths of ingest (performance rewrites) pinned to explicit expectations:
the byte-matrix ID parser and the customer master built from integer codes."""

from __future__ import annotations

import pandas as pd

from dealresearch.ingest import idcard
from dealresearch.ingest.lifecycle import customers
from dealresearch.schema import Customer, Deal


def _full(body17: str) -> str:
    return body17 + idcard.check_digit(pd.Series([body17])).iloc[0]


def test_id_parser_mixed_batch():
    good = _full("11010519491231002")  # ends in X
    legacy = "110105491231002"  # 15 digits → 19491231, converted to 18 with a check digit
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    raw = pd.Series(
        [
            good.lower(),
            legacy,
            wrong,
            "一二三四五六",
            "12345",
            None,
            "１１０１０５４９１２３１００２",
            " " + good + " ",
        ],
        dtype="str",
    )
    number, valid, wrong_check, garbage = idcard.id_numbers(raw)
    assert number.tolist()[:3] == [good, good, wrong]
    assert number.isna().tolist()[3:6] == [True, True, True]
    assert number.iloc[6] == good and number.iloc[7] == good  # full-width digits, spaces
    assert valid.tolist() == [True, True, False, False, False, False, True, True]
    assert wrong_check.tolist() == [False, False, True, False, False, False, False, False]
    # 18 bytes of Chinese text is no ID number: unrecognisable, not a wrong check digit
    assert garbage.tolist() == [False, False, False, True, True, False, False, False]


def test_id_derivation_from_matrix():
    ids = pd.Series([_full("33010619800229001"), None, _full("44030520000101002")], dtype="str")
    at = pd.Series(pd.to_datetime(["2026-02-28", "2026-01-01", "2026-01-01"]))
    person = idcard.derive(ids, pd.Series([True, False, True]), at)
    assert person["birth_date"].tolist()[0] == pd.Timestamp("1980-02-29")
    assert pd.isna(person["birth_date"].iloc[1])
    assert person["age"].tolist()[0] == 45 and person["age"].tolist()[2] == 26
    assert person["gender"].tolist()[0] == "男" and person["gender"].tolist()[2] == "女"
    assert person["origin_province"].iloc[0] == "浙江" and person["origin_province"].iloc[2] == "广东"
    assert person["gender"].isna().iloc[1] and person["origin_province"].isna().iloc[1]


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
