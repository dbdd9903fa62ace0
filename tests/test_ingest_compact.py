"""Compact ingest internals: Categoricals in, plain text out; overlapped reading; the
store transaction; normaliser fast paths that must agree with the general ones."""

from __future__ import annotations

import datetime as dt
import threading

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dealresearch.ingest import frames as F
from dealresearch.ingest import generations, idcard, store
from dealresearch.ingest import normalise as N
from dealresearch.ingest.prefetch import prefetched


def _cat(values):
    return F.as_categorical(pd.Series(values, dtype="str"))


def test_concat_keeps_categoricals_with_the_union_of_categories():
    a = pd.DataFrame({"p": _cat(["云栖府", None]), "n": [1, 2]})
    b = pd.DataFrame({"p": _cat(["滨江壹号", "云栖府"]), "n": [3, 4]})
    out = F.concat([a, b], consume=True)
    assert isinstance(out["p"].dtype, pd.CategoricalDtype)
    assert out["p"].cat.categories.tolist() == sorted(["云栖府", "滨江壹号"])
    assert (
        out["p"].tolist()[0] == "云栖府" and pd.isna(out["p"].iloc[1]) and out["n"].tolist() == [1, 2, 3, 4]
    )
    assert len(a.columns) == 0 and len(b.columns) == 0  # consumed column by column


def test_expand_gives_plain_text_and_lists():
    frame = pd.DataFrame({"city": _cat(["杭州", None]), "key_factors": _cat(["地段|价格", None])})
    out = F.expand(frame)
    assert out["city"].dtype == "str" and out["city"].tolist()[0] == "杭州" and pd.isna(out["city"].iloc[1])
    assert out["key_factors"].tolist() == [["地段", "价格"], None]
    assert F.to_list_array(frame["key_factors"]).to_pylist() == [["地段", "价格"], None]


def test_coalesce_fills_from_the_second_with_both_vocabularies():
    out = F.coalesce(_cat(["男", None, None]), _cat(["女", "女", None]))
    assert out.tolist()[:2] == ["男", "女"] and pd.isna(out.iloc[2])


def test_prefetched_keeps_order_and_reraises_errors():
    assert list(prefetched(iter(range(5)))) == [0, 1, 2, 3, 4]

    def broken():
        yield 1
        raise ValueError("第 2 块无法读取")

    with pytest.raises(ValueError, match="第 2 块"):
        list(prefetched(broken()))


def test_prefetched_stops_its_producer_when_the_consumer_stops():
    made = []

    def endless():
        i = 0
        while True:
            made.append(i)
            yield i
            i += 1

    it = prefetched(endless())
    assert next(it) == 0
    it.close()
    n = len(made)
    assert n <= 3  # at most one item made ahead of the one taken
    assert not any(t.name == "dealresearch-read" and t.is_alive() for t in threading.enumerate())


def test_a_generation_publishes_all_tables_at_the_end_or_none(tmp_path):
    store.write_tables({"deals": pd.DataFrame({"a": [1]})}, tmp_path)
    before = store.read_table("deals", tmp_path)
    with generations.writing(tmp_path) as gen:
        store.stage(gen, "deals", pd.DataFrame({"a": [2]}))
        assert store.read_table("deals", tmp_path).equals(before)  # written, not yet visible
        store.stage(gen, "customers", pd.DataFrame({"b": [1]}))
    assert store.read_table("deals", tmp_path)["a"].tolist() == [2]
    with pytest.raises(RuntimeError), generations.writing(tmp_path) as gen:
        store.stage(gen, "deals", pd.DataFrame({"a": [3]}))
        raise RuntimeError("中途失败")
    assert store.read_table("deals", tmp_path)["a"].tolist() == [2]
    assert not [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp") or ".staging-" in p.name]


def test_categorical_text_is_stored_as_plain_text(tmp_path):
    frame = pd.DataFrame({"project": _cat(["云栖府", "滨江壹号", None]).cat.add_categories(["未用"])})
    store.write_tables({"deals": frame}, tmp_path)
    back = store.read_table("deals", tmp_path)
    assert back["project"].dtype == "str" and back["project"].tolist()[:2] == ["云栖府", "滨江壹号"]


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


def test_returned_data_has_the_public_dtypes_and_matches_the_store(sample_ingest):
    store_dir, deals, surveys = sample_ingest
    for res, table in ((deals, "deals"), (surveys, "surveys")):
        data = res.data
        assert not any(isinstance(t, pd.CategoricalDtype) for t in data.dtypes)  # built from Categoricals
        stored = store.load(table, store_dir)
        for col in data.columns:
            if data[col].dtype == "str":
                assert stored[col].dtype == "str", col
    assert deals.data["key_factors"].dropna().map(type).eq(list).all()
    kept = deals.data.set_index("deal_id")["project"]
    assert kept.equals(store.load("deals", store_dir).set_index("deal_id")["project"].loc[kept.index])


@pytest.mark.parametrize("secret", [b"bench", b"k" * 100])  # a secret over 64 bytes is hashed first
def test_customer_keys_are_standard_hmac_sha256(secret):
    import hashlib
    import hmac

    import pyarrow as pa

    from dealresearch.ingest.privacy import HASH_SLICE, Pseudonymiser

    values = [f"11010519491231{i:04d}" for i in range(HASH_SLICE + 3)]  # spans two slices
    got = Pseudonymiser(secret).hash_texts(pa.array(values), "id").to_pylist()
    for i in (0, HASH_SLICE - 1, HASH_SLICE, len(values) - 1):
        want = hmac.new(secret, f"id:{values[i]}".encode(), hashlib.sha256).hexdigest()[:32]
        assert got[i] == want
    assert (
        len(got) == len(values)
        and Pseudonymiser(secret).hash_texts(pa.array([], pa.string()), "id").to_pylist() == []
    )
