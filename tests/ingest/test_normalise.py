"""Property tests for the vectorised normalisers: every accepted spelling round-trips to
the same value, and garbage becomes 'invalid' (→ reject or missing), never a wrong value."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dealresearch.ingest import frames as F
from dealresearch.ingest import idcard
from dealresearch.ingest import normalise as N
from dealresearch.ingest import vocab as V

FAST = settings(max_examples=25, deadline=None)
FW = str.maketrans("0123456789.,", "０１２３４５６７８９．，")
dates_st = st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2099, 12, 31))
garbage_st = st.text(alphabet="abcxyz好待定面议无/-:.#？ ", min_size=1, max_size=12).filter(
    lambda s: s.strip()
)


def _one(fn, value, *args):
    values, bad = fn(pd.Series([value], dtype=object), *args)
    return values.iloc[0], bool(bad.iloc[0])


@FAST
@given(dates_st)
def test_dates_every_spelling_round_trips(d):
    ts = pd.Timestamp(d)
    serial = (ts - pd.Timestamp("1899-12-30")).days
    spellings = [
        f"{d.year}/{d.month}/{d.day}",
        d.isoformat(),
        f"{d.year}.{d.month}.{d.day}",
        f"{d.year}年{d.month}月{d.day}日",
        d.strftime("%Y%m%d"),
        f"{d.isoformat()} 13:45:10",
        f"{d.year}年{d.month}月{d.day}日".translate(FW),
        dt.datetime(d.year, d.month, d.day, 9, 30),
        float(serial),
    ]
    values, bad = N.dates(pd.Series(spellings, dtype=object))
    assert (values == ts).all() and not bad.any()


@FAST
@given(garbage_st)
def test_dates_garbage_is_invalid_never_a_date(text):
    value, bad = _one(N.dates, text)
    assert pd.isna(value) and bad


def test_dates_impossible_calendar_days_are_invalid():
    values, bad = N.dates(pd.Series(["2025-02-30", "2026-13-01", "13/45/2025", "", None]))
    assert values.isna().all() and bad.tolist() == [True, True, True, False, False]


@FAST
@given(st.integers(min_value=1, max_value=10**9))
def test_money_spellings_round_trip(cents_free):
    yuan = float(cents_free)
    wan = yuan / 1e4
    spellings = [
        f"{yuan:.0f}",
        f"{yuan:,.0f}",
        f"¥{yuan:,.0f}",
        f"{yuan:.0f}元",
        f"￥{yuan:,.0f}".translate(FW),
        f"{wan}万",
        f"{wan}万元",
        f"¥{wan}万",
    ]
    values, bad = N.money(pd.Series(spellings))
    assert np.allclose(values, yuan, rtol=1e-12) and not bad.any()
    assert _one(N.money, f"{wan}", 1e4)[0] == pytest.approx(yuan)  # header 成交总价(万元)


@FAST
@given(garbage_st)
def test_money_garbage_is_invalid(text):
    value, bad = _one(N.money, text)
    assert np.isnan(value) and bad


@FAST
@given(st.decimals(min_value=1, max_value=5000, places=2))
def test_area_units_round_trip(a):
    spellings = [f"{a}", f"{a}㎡", f"{a}m2", f"{a} 平方米", f"{a}㎡".translate(FW), f"{a}平米"]
    values, bad = N.area(pd.Series(spellings))
    assert np.allclose(values, float(a)) and not bad.any()


mobile_st = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)


@FAST
@given(mobile_st)
def test_phone_spellings_round_trip_and_mask(m):
    spellings = [
        m,
        f"+86 {m[:3]}-{m[3:7]}-{m[7:]}",
        f"{m[:3]} {m[3:7]} {m[7:]}",
        f"0086{m}",
        m.translate(FW),
        f"86{m}",
    ]
    values, bad = N.phones(pd.Series(spellings))
    assert (values == m).all() and not bad.any()
    assert N.mask_phone(values).iloc[0] == f"{m[:3]}****{m[-4:]}"


def test_phone_landlines_and_garbage():
    values, bad = N.phones(
        pd.Series(["010-12345678", "(0571) 8888 6666", "12345", "138001380001", "电话", None])
    )
    assert values.tolist()[:2] == ["01012345678", "057188886666"]
    assert values.iloc[2:].isna().all() and bad.tolist() == [False, False, True, True, True, False]


@FAST
@given(st.sampled_from(list(idcard.PROVINCES)), dates_st.filter(lambda d: d.year < 2020), st.integers(0, 999))
def test_id_check_digit_round_trip_15_to_18_and_derivation(prov, birth, seq):
    body = f"{prov}0101{birth:%Y%m%d}{seq:03d}"
    full = body + idcard.check_digit(pd.Series([body])).iloc[0]
    number, valid, wrong, garbage = idcard.id_numbers(
        pd.Series([full, full.lower(), f" {full[:6]} {full[6:]}"])
    )
    assert (number == full).all() and valid.all() and not (wrong.any() or garbage.any())
    sign = pd.Series([pd.Timestamp("2026-03-05")])
    got = idcard.derive(number.iloc[:1], valid.iloc[:1], sign).iloc[0]
    assert got["birth_date"] == pd.Timestamp(birth) and got["origin_province"] == idcard.PROVINCES[prov]
    assert got["gender"] == ("男" if seq % 2 else "女")
    assert got["age"] == 2026 - birth.year - ((3, 5) < (birth.month, birth.day))
    # every other check character is flagged, and yields no derived fields
    others = pd.Series([body + c for c in sorted(set("0123456789X") - {full[-1]})])
    n2, v2, w2, _ = idcard.id_numbers(others)
    assert not v2.any() and w2.all()
    assert idcard.derive(n2, v2, pd.Series([sign.iloc[0]] * len(others)))["birth_date"].isna().all()
    if birth.year >= 1900 and birth.year < 2000:  # legacy 15-digit numbers (19xx births)
        legacy = f"{prov}0101{birth:%y%m%d}{seq:03d}"
        n15, v15, _, _ = idcard.id_numbers(pd.Series([legacy]))
        assert v15.iloc[0] and n15.iloc[0] == full


@FAST
@given(st.text(alphabet="0123456789Xx-abc ", min_size=1, max_size=20))
def test_id_garbage_is_never_valid_unless_well_formed(text):
    number, valid, wrong, garbage = idcard.id_numbers(pd.Series([text]))
    if valid.iloc[0]:
        body = number.iloc[0]
        assert len(body) == 18 and body[-1] == idcard.check_digit(pd.Series([body[:17]])).iloc[0]
    assert valid.iloc[0] + wrong.iloc[0] + garbage.iloc[0] <= 1


def test_integers_and_booleans():
    v, bad = N.integer(pd.Series(["3", "3次", "35岁", "3.0", "3.5", "x", None]))
    assert v.iloc[:4].tolist() == [3, 3, 35, 3] and v.iloc[4:].isna().all()
    assert bad.tolist() == [False, False, False, False, True, True, False]
    b, bad = N.boolean(pd.Series(["是", "否", "Y", "no", "√", "也许", None]))
    assert b.iloc[:5].tolist() == [True, False, True, False, True] and bad.tolist()[5:] == [True, False]


def test_vocabulary_maps_synonyms_and_keeps_unknown_verbatim():
    values, unknown = V.categorical(
        pd.Series(["按揭", "商贷", " 商业 贷款 ", "全款", "以房抵款", None]), "payment_method"
    )
    assert values.tolist()[:4] == ["商业按揭", "商业按揭", "商业按揭", "一次性"]
    assert values.iloc[4] == "以房抵款" and unknown.tolist() == [False] * 4 + [True, False]
    assert V.unknown_counts(values, unknown) == {"以房抵款": 1}


@FAST
@given(
    st.lists(st.sampled_from(["地段", "价格", "户型", "配套", "学区"]), min_size=1, max_size=4, unique=True),
    st.sampled_from(list("、，,;；/")),
)
def test_key_factors_split_on_every_separator(tokens, sep):
    joined, unknown = V.multi(pd.Series([sep.join(tokens), None]), "key_factors")
    lists = F.to_lists(joined)  # held joined (a Categorical) inside ingest, lists outside
    assert lists.iloc[0] == tokens and lists.iloc[1] is None and unknown.iloc[0] == []


def test_pii_scrub_in_free_text():
    out = N.scrub_text(pd.Series(["请回电 138 0013 8000", "证件11010519491231002X", "很满意"]))
    assert out.tolist() == ["请回电 ***", "证件***", "很满意"]


def test_mobile_mask_fast_path_agrees_with_the_general_one():
    mobiles = pd.Series(["13800138000", "19912345678"], dtype="str")
    mixed = pd.Series(["13800138000", "19912345678", "01012345678", None], dtype="str")
    assert (
        N.mask_phone(mobiles).tolist() == N.mask_phone(mixed).tolist()[:2] == ["138****8000", "199****5678"]
    )
    assert N.mask_phone(mixed).iloc[2] == "0101****5678" and pd.isna(N.mask_phone(mixed).iloc[3])


def test_clean_number_fast_paths_agree_with_the_general_ones():
    plain = ["123", "45.5", None, "0.5"]
    dirty = [*plain, "¥1,000", "3万"]
    for fn in (N.money, N.area, N.number):
        fast, bad_fast = fn(pd.Series(plain, dtype="str"))
        slow, bad_slow = fn(pd.Series(dirty, dtype="str"))
        pd.testing.assert_series_equal(fast, slow.iloc[:4], check_names=False)
        assert not bad_fast.any() and not bad_slow.iloc[:4].any()
    assert N.money(pd.Series(dirty, dtype="str"))[0].tolist()[4:] == [1000.0, 30000.0]
    assert N.money(pd.Series(["12"], dtype="str"), 10_000)[0].tolist() == [120000.0]  # 万元 header
    ok, bad = N.phones(pd.Series(["13800138000", None], dtype="str"))
    assert ok.tolist()[0] == "13800138000" and not bad.any()


DAYS = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))  # ingest's date range


@given(DAYS, DAYS)
def test_age_is_completed_years(birth, at):
    expected = at.year - birth.year - ((at.month, at.day) < (birth.month, birth.day))
    got = idcard.age_at(pd.Series(pd.to_datetime([birth])), pd.Series(pd.to_datetime([at])))
    assert got.iloc[0] == expected


def test_age_is_missing_when_a_date_is():
    got = idcard.age_at(
        pd.Series(pd.to_datetime(["1980-01-01", None])), pd.Series(pd.to_datetime([None, "2020-01-01"]))
    )
    assert got.isna().all() and got.dtype == "Int64"


def test_person_fields_read_with_the_numbers_equal_derive():
    ids = pd.Series(
        [idcard.check_digit(pd.Series(["33010619800229001"])).radd("33010619800229001").iloc[0], "x"]
    )
    number, valid, _, _, person = idcard.id_numbers(ids, person=True)
    at = pd.Series(pd.to_datetime(["2026-02-28", "2026-02-28"]))
    derived = idcard.derive(number, valid, at)
    assert person["birth_date"].tolist()[0] == derived["birth_date"].iloc[0] == pd.Timestamp("1980-02-29")
    assert person["gender"].tolist()[0] == derived["gender"].iloc[0] == "男"
    assert person["origin_province"].tolist()[0] == "浙江" and pd.isna(person["birth_date"].iloc[1])
    assert pd.isna(person["gender"].iloc[1]) and pd.isna(person["origin_province"].iloc[1])
