"""ID numbers: the vectorised byte-matrix parser and the fields derived from it, pinned to explicit expectations."""

from __future__ import annotations

import pandas as pd

from dealresearch.ingest import idcard


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
