"""Incremental ingest is the normal case: one file after another, in any order, gives the
store that ingesting all of them at once gives (issue 12, Deliver 1)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st_
from store_gen import deal_files, survey_file

import dealresearch as dr
from dealresearch.ingest import merge
from dealresearch.ingest import store as st

TABLES = ("deals", "status_history", "customers", "customer_links", "surveys", merge.ROWS)


def _ingest(paths, store):
    deals = [p for p in paths if p.name.startswith("deals")]
    surveys = [p for p in paths if p.name.startswith("surveys")]
    if deals:
        dr.ingest_deals(deals, store=store)
    if surveys:
        dr.ingest_surveys(surveys, store=store)


def _tables(store) -> dict:
    return {name: st.read_table(name, store) for name in TABLES}


def _assert_same(a: dict, b: dict) -> None:
    for name in TABLES:
        if a[name] is None or b[name] is None:
            assert a[name] is None and b[name] is None, name
            continue
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    folder = tmp_path_factory.mktemp("exports")
    files = deal_files(folder, seed=1, n_files=4, n_deals=30) + [survey_file(folder, 1), survey_file(folder, 2)]
    whole = tmp_path_factory.mktemp("whole") / "data"
    dr.ingest_deals([f for f in files if f.name.startswith("deals")], store=whole)
    dr.ingest_surveys([f for f in files if f.name.startswith("surveys")], store=whole)
    return files, _tables(whole)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st_.permutations(range(6)), cuts=st_.sets(st_.integers(1, 5), max_size=5))
def test_any_split_and_order_gives_the_store_of_one_run(exports, tmp_path_factory, order, cuts):
    files, whole = exports
    store = tmp_path_factory.mktemp("inc") / "data"
    seq = [files[i] for i in order]
    bounds = [0, *sorted(cuts), len(seq)]
    for a, b in zip(bounds, bounds[1:], strict=False):
        if a < b:
            _ingest(seq[a:b], store)
    _assert_same(_tables(store), whole)


def test_reingesting_every_file_again_changes_nothing(exports, tmp_path):
    files, whole = exports
    store = tmp_path / "data"
    _ingest(files, store)
    _ingest(list(reversed(files)), store)
    _assert_same(_tables(store), whole)


def test_a_second_ingest_keeps_multi_choice_lists(tmp_path):
    # finding 1: key_factors became one-item lists of their own text on the second ingest
    paths = deal_files(tmp_path, seed=3, n_files=2)
    store = tmp_path / "data"
    dr.ingest_deals(paths[:1], store=store)
    first = dr.load("deals", store=store).set_index("deal_id")["key_factors"]
    dr.ingest_deals(paths[1:], store=store)
    dr.ingest_deals(paths[:1], store=store)
    after = dr.load("deals", store=store).set_index("deal_id")["key_factors"]
    lists = [v for v in after if isinstance(v, list)]
    assert lists and all(not any(x.startswith("[") for x in v) for v in lists)
    both = first.index.intersection(after.index)
    assert sum(isinstance(first[d], list) and first[d] == after[d] for d in both) >= 0.5 * len(both)


def test_a_corrected_reexport_replaces_the_rows_of_that_file(tmp_path):
    from store_gen import deal_row, person, write_csv

    store = tmp_path / "data"
    a = write_csv(tmp_path / "a.csv", [deal_row(i, person(i), project="海景湾") for i in range(1, 6)])
    b = write_csv(tmp_path / "b.csv", [deal_row(i, person(i), project="阳光城") for i in range(10, 13)])
    dr.ingest_deals([a, b], store=store)
    fixed = [deal_row(i, person(i), project="海景湾") for i in range(1, 5)]
    fixed[0]["成交总价"] = 2_222_222
    write_csv(a, fixed)  # the corrected export of a.csv: deal 5 withdrawn, deal 1's price fixed
    dr.ingest_deals([a], store=store)
    deals = dr.load("deals", store=store).set_index("deal_id")
    assert sorted(deals.index) == ["HT00001", "HT00002", "HT00003", "HT00004", "HT00010", "HT00011", "HT00012"]
    assert deals.loc["HT00001", "total_price"] == 2_222_222
    clean = tmp_path / "clean"
    dr.ingest_deals([a, b], store=clean)
    _assert_same(_tables(store), _tables(clean))


def test_a_new_project_whose_name_sorts_last_goes_in(tmp_path):
    # finding 5: 阳光城 / 翠湖天地 after 海景湾 crashed lifecycle.customers
    from store_gen import deal_row, person, write_csv

    store = tmp_path / "data"
    dr.ingest_deals([write_csv(tmp_path / "a.csv", [deal_row(1, person(1), project="海景湾")])], store=store)
    for k, name in enumerate(["金地华府", "翠湖天地", "阳光城", "一号院"], start=2):
        dr.ingest_deals([write_csv(tmp_path / f"p{k}.csv", [deal_row(k, person(k), project=name)])], store=store)
    customers = dr.load("customers", store=store)
    assert sorted(customers["project"]) == sorted(["海景湾", "金地华府", "翠湖天地", "阳光城", "一号院"])


def test_a_duplicated_contract_without_a_status_column(tmp_path):
    # finding 5: "Cannot setitem on a Categorical"
    from store_gen import deal_row, person, write_csv

    headers = ["合同编号", "项目名称", "签约日期", "成交总价", "证件号码", "关注因素"]
    rows = [deal_row(1, person(1), project="海景湾", factors=["地段"]), deal_row(1, person(1), project="海景湾")]
    path = write_csv(tmp_path / "dup.csv", rows, headers)
    res = dr.ingest_deals([path], store=tmp_path / "data")
    assert res.summary["rows_clean"] == 1 and res.summary["duplicates_merged"] == 1
    assert dr.load("deals", store=tmp_path / "data")["key_factors"].iloc[0] == ["地段"]


def test_the_manifest_records_every_run_and_the_key_fingerprint(tmp_path):
    from dealresearch.ingest import keyring

    paths = deal_files(tmp_path, seed=5, n_files=3)
    store = tmp_path / "data"
    for p in paths:
        dr.ingest_deals([p], store=store)
    runs = st.manifest(store)
    assert [r["inputs"][0]["file"] for r in runs] == [str(p) for p in paths]
    doc = json.loads((st.table_path("deals", store).parent / "manifest.json").read_text(encoding="utf-8"))
    assert doc["key_fingerprint"] == keyring.fingerprint(keyring.secret(store))


def test_the_sample_one_file_at_a_time_surveys_first_equals_one_run(sample_raw, sample_truth, sample_store, tmp_path):
    store = tmp_path / "data"
    for name in reversed(sample_truth["survey_files"]):
        dr.ingest_surveys([sample_raw / name], store=store)
    for name in reversed(sample_truth["deal_files"]):
        dr.ingest_deals([sample_raw / name], store=store)
    _assert_same(_tables(store), _tables(sample_store))


@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st_.data())
def test_random_splits_and_orders_of_the_sample_give_the_store_of_one_run(
    sample_raw, sample_truth, sample_store, tmp_path_factory, data
):
    files = [("deals", n) for n in sample_truth["deal_files"]] + [("surveys", n) for n in sample_truth["survey_files"]]
    order = data.draw(st_.permutations(files))
    cuts = data.draw(st_.sets(st_.integers(1, len(order) - 1), max_size=len(order) - 1))
    store = tmp_path_factory.mktemp("sample_inc") / "data"
    bounds = [0, *sorted(cuts), len(order)]
    for a, b in zip(bounds, bounds[1:], strict=False):
        group = order[a:b]
        for kind, fn in (("deals", dr.ingest_deals), ("surveys", dr.ingest_surveys)):
            paths = [sample_raw / n for k, n in group if k == kind]
            if paths:
                fn(paths, store=store)
    _assert_same(_tables(store), _tables(sample_store))


def test_the_first_ingest_fast_path_equals_the_merge_with_an_empty_link_table(tmp_path, monkeypatch):
    import numpy as np
    from store_gen import deal_row, person, write_csv

    from dealresearch.ingest import commit, identity, links
    from dealresearch.ingest.privacy import Pseudonymiser
    from dealresearch.schema import Deal

    rows = [deal_row(i, person(i % 7, with_id=i % 3 != 0, phone_of=(i % 7) - 1 if i % 5 == 0 else None),
                     project="海景湾") for i in range(1, 40)]
    captured = {}
    real = identity.deal_identity
    monkeypatch.setattr(commit, "deal_identity", lambda f, p, s: captured.setdefault("frame", f) is f and real(f, p, s))
    dr.ingest_deals([write_csv(tmp_path / "x.csv", rows)], store=tmp_path / "data")
    frame, p = captured["frame"], Pseudonymiser(b"k" * 32)
    space = identity.KeySpace.build(frame, p, None)
    source = frame[[Deal.source_file, Deal.source_row]].reset_index(drop=True)
    _, key_fast, ref_fast, links_fast = identity._resolve_fresh(space, source)
    _, key_slow, ref_slow, links_slow = identity._resolve_with_store(space, source, links._complete(None))
    assert links_fast["by_id"].any() and (~links_fast["by_id"]).any()  # both kinds of link present
    np.testing.assert_array_equal(key_fast, key_slow)
    np.testing.assert_array_equal(ref_fast, ref_slow)
    pd.testing.assert_frame_equal(links_fast.reset_index(drop=True), links_slow.reset_index(drop=True))
