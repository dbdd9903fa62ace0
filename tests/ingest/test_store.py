"""Store behaviour: merge, idempotency, atomicity, manifest, privacy of processed/."""

from __future__ import annotations

import json
import re

import pandas as pd
import pyarrow.parquet as pq
import pytest

import dealresearch as dr
from dealresearch.errors import InputFileError, MissingColumnsError
from dealresearch.ingest import frames as F
from dealresearch.ingest import keyring, privacy, store
from dealresearch.ingest import store as st
from dealresearch.ingest.idcard import check_digit

NAMES = ["王建国", "李秀英", "张伟", "刘洋"]


def _id(n: int) -> str:
    body = f"33010619{80 + n % 20:02d}0{1 + n % 9}1{n % 10}{n % 1000:03d}"
    return body + check_digit(pd.Series([body])).iloc[0]


def deals_csv(path, rows: list[dict], sep=","):
    cols = [
        "合同编号",
        "项目名称",
        "交易状态",
        "签约日期",
        "成交总价",
        "客户姓名",
        "联系电话",
        "证件号码",
        "客户编号",
        "推荐人电话",
    ]
    frame = pd.DataFrame([{c: r.get(c, "") for c in cols} for r in rows])
    frame.to_csv(path, index=False, sep=sep)
    return path


def deal(i, project="滨江壹号", date="2026-01-15", status="签约", person=None, **kw):
    p = i if person is None else person
    return {
        "合同编号": f"HT{i:04d}",
        "项目名称": project,
        "交易状态": status,
        "签约日期": date,
        "成交总价": 1_000_000 + i,
        "客户姓名": NAMES[p % 4],
        "联系电话": f"139{p:08d}",
        "证件号码": _id(p),
        "客户编号": f"KH{p:05d}",
        **kw,
    }


@pytest.fixture
def q1(tmp_path):
    return deals_csv(tmp_path / "q1.csv", [deal(i) for i in range(1, 21)])


def _content(store):
    return {n: dr.load(n, store=store) for n in ("deals", "status_history", "customers")}


def test_reingesting_the_same_file_leaves_the_store_identical(tmp_path, q1):
    store = tmp_path / "data"
    dr.ingest_deals([q1], store=store)
    before = _content(store)
    raw = {n: st.table_path(n, store).read_bytes() for n in before}
    res = dr.ingest_deals([q1], store=store)
    assert res.summary["store"]["deals_new"] == 0
    for name, frame in _content(store).items():
        pd.testing.assert_frame_equal(frame, before[name])
        assert st.table_path(name, store).read_bytes() == raw[name]
    runs = st.manifest(store)
    assert len(runs) == 2 and runs[0]["inputs"][0]["sha256"] == runs[1]["inputs"][0]["sha256"]
    assert runs[1]["counts"]["rows_clean"] == 20 and runs[1]["version"] == dr.__version__


def test_next_quarter_merges_and_status_change_updates(tmp_path, q1):
    store = tmp_path / "data"
    dr.ingest_deals([q1], store=store)
    q2 = deals_csv(
        tmp_path / "q2_20260630.csv",
        [deal(i, date="2026-04-10") for i in range(21, 31)] + [deal(3, status="退房")],
    )
    res = dr.ingest_deals([q2], store=store)
    assert res.summary["rows_clean"] == 11 and res.summary["store"]["deals_after"] == 30
    deals = dr.load("deals", store=store).set_index("deal_id")
    assert deals.loc["HT0003", "status"] == "退房" and len(deals) == 30
    hist = dr.load("status_history", store=store)
    ev = hist[hist["deal_id"] == "HT0003"].set_index("status")["event_date"]
    # no change-date column: the date in the file name is the event date
    assert ev["签约"] == pd.Timestamp("2026-01-15") and ev["退房"] == pd.Timestamp("2026-06-30")
    cust = dr.load("customers", store=store).set_index("customer_key")
    k3 = deals.loc["HT0003", "customer_key"]
    assert cust.loc[k3, "n_deals"] == 0 and not cust.loc[k3, "active"]


def test_an_interrupted_write_leaves_the_old_store_readable(tmp_path, q1, monkeypatch):
    store = tmp_path / "data"
    dr.ingest_deals([q1], store=store)
    before = _content(store)
    q2 = deals_csv(tmp_path / "q2.csv", [deal(i, date="2026-04-10") for i in range(21, 31)])
    calls = {"n": 0}
    real = pq.write_table

    def failing(table, where, **kw):
        calls["n"] += 1
        if calls["n"] == 2:  # deals written to a temp file, crash on the next table
            raise OSError("disk full")
        return real(table, where, **kw)

    monkeypatch.setattr(st.pq, "write_table", failing)
    with pytest.raises(OSError):
        dr.ingest_deals([q2], store=store)
    monkeypatch.undo()
    for name, frame in _content(store).items():
        pd.testing.assert_frame_equal(frame, before[name])
    leftovers = [p for p in (store / "processed").rglob("*") if p.suffix == ".tmp" or ".staging-" in str(p)]
    assert not leftovers


def test_processed_store_holds_no_personal_data(tmp_path, q1):
    store = tmp_path / "data"
    q2 = deals_csv(
        tmp_path / "q2.csv", [deal(40 + i, referrer="x", **{"推荐人电话": f"139{i:08d}"}) for i in range(5)]
    )
    dr.ingest_deals([q1, q2], store=store)
    sv = tmp_path / "sv.csv"
    pd.DataFrame(
        {
            "调查编号": ["S1", "S2"],
            "调查日期": ["2026-03-01"] * 2,
            "客户编号": ["KH00001", ""],
            "联系电话": ["", "13900000002"],
            "客户姓名": ["王建国", "李秀英"],
            "总体满意度": [5, 2],
            "意见和建议": ["请打 139-0000-0002 联系我", "身份证 " + _id(2)],
        }
    ).to_csv(sv, index=False)
    dr.ingest_surveys([sv], store=store)
    planted = [_id(i) for i in range(50)] + [f"139{i:08d}" for i in range(50)] + NAMES
    for path in (p for p in (store / "processed").rglob("*") if p.is_file()):
        text = path.read_bytes().decode("latin-1") if path.suffix == ".parquet" else path.read_text()
        frames = [pd.read_parquet(path).astype(str).to_csv()] if path.suffix == ".parquet" else []
        for blob in [text, *frames]:
            assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", blob), path.name
            assert not re.search(r"(?<!\d)\d{17}[\dX](?!\d)", blob), path.name
            assert not any(p in blob for p in planted), path.name
    assert dr.load("deals", store=store)["phone_masked"].str.fullmatch(r"139\*{4}\d{4}").all()


def test_keys_are_stable_across_projects_and_link_surveys(tmp_path):
    store = tmp_path / "data"
    a = deals_csv(tmp_path / "a.csv", [deal(1, person=7), deal(2, person=8)])
    b = deals_csv(
        tmp_path / "b.csv",
        [
            deal(3, project="云栖府", person=7),
            deal(4, project="云栖府", person=9, **{"推荐人电话": "13900000008"}),
        ],
    )
    dr.ingest_deals([a, b], store=store)
    deals = dr.load("deals", store=store).set_index("deal_id")
    assert deals.loc["HT0001", "customer_key"] == deals.loc["HT0003", "customer_key"]
    assert deals.loc["HT0004", "referrer_key"] == deals.loc["HT0002", "customer_key"]
    cust = dr.load("customers", store=store).set_index("customer_key")
    assert cust.loc[deals.loc["HT0001", "customer_key"], "projects"] == ["云栖府", "滨江壹号"]
    assert cust.loc[deals.loc["HT0001", "customer_key"], "n_deals"] == 2
    sv = tmp_path / "sv.csv"
    pd.DataFrame(
        {
            "调查编号": ["S1", "S2", "S3", "S4"],
            "调查日期": ["2026-03-01"] * 4,
            "客户编号": ["KH00007", "", "", "KH99999"],
            "手机号码": ["", "13900000008", "", ""],
            "证件号码": ["", "", _id(9), ""],
            "推荐意愿": [9, 10, 3, 7],
        }
    ).to_csv(sv, index=False)
    res = dr.ingest_surveys([sv], store=store)
    keys = res.data.set_index("survey_id")["customer_key"]
    assert keys["S1"] == deals.loc["HT0001", "customer_key"]  # by CRM code
    assert keys["S2"] == deals.loc["HT0002", "customer_key"]  # by phone
    assert keys["S3"] == deals.loc["HT0004", "customer_key"]  # by ID number
    assert keys["S4"] not in set(deals["customer_key"])  # unknown code: its own key
    assert res.summary["store"]["matched_to_customers"] == 3


def test_secret_key_file_is_created_once_and_reused(tmp_path, monkeypatch):
    monkeypatch.delenv(keyring.SECRET_ENV, raising=False)
    monkeypatch.setenv(keyring.KEY_FILE_ENV, str(tmp_path / "cfg" / "secret.key"))
    s1 = privacy.secret(tmp_path / "data")
    assert (tmp_path / "cfg" / "secret.key").stat().st_mode & 0o777 == 0o600
    assert not (tmp_path / "data" / ".dealresearch.key").exists()  # never beside the data
    assert privacy.secret(tmp_path / "data") == s1 and len(s1) == 64
    monkeypatch.setenv(keyring.SECRET_ENV, "other-secret-16bytes")
    assert privacy.secret(tmp_path / "data") == b"other-secret-16bytes"


def test_load_missing_table_says_to_ingest_first(tmp_path):
    with pytest.raises(InputFileError, match="请先运行 dealresearch ingest"):
        dr.load("deals", store=tmp_path)


def test_user_aliases_by_argument_and_toml(tmp_path):
    path = tmp_path / "x.csv"
    pd.DataFrame({"单号": ["A1"], "项目名称": ["p"], "网签日": ["2026-01-02"], "房款(万元)": ["100"]}).to_csv(
        path, index=False
    )
    with pytest.raises(MissingColumnsError) as info:
        dr.ingest_deals([path], store=tmp_path)
    assert "合同编号" in str(info.value) and "单号" in str(info.value)
    res = dr.ingest_deals(
        [path], store=tmp_path, aliases={"deal_id": ["单号"], "sign_date": "网签日", "total_price": ["房款"]}
    )
    assert res.data["total_price"].tolist() == [1_000_000.0]
    toml = tmp_path / "aliases.toml"
    toml.write_text(
        '[aliases]\ndeal_id = ["单号"]\nsign_date = "网签日"\ntotal_price = ["房款"]\n', encoding="utf-8"
    )
    res = dr.ingest_deals([path], store=tmp_path / "s2", aliases=toml)
    assert res.data["sign_date"].tolist() == [pd.Timestamp("2026-01-02")]


def test_ingest_command_exit_codes_and_tables(tmp_path, q1, capsys):
    from dealresearch.cli.ingest import ingest_command

    assert ingest_command([q1], store=tmp_path / "a", progress=False) == 0
    bad = deals_csv(tmp_path / "bad.csv", [deal(1), {**deal(2), "签约日期": "待定"}])
    assert ingest_command([bad], store=tmp_path / "b", progress=False) == 1
    out = capsys.readouterr().out
    assert "签约日期无法识别" in out and "读取 2 行 = 有效 1 + 拒绝 1" in out
    rejects = pd.read_parquet(st.table_path("rejects_deals", tmp_path / "b", "interim"))
    assert json.loads(rejects["raw"].iloc[0])["签约日期"] == "待定"


def test_workbook_with_a_survey_sheet_keeps_deals_and_names_the_skip(tmp_path):
    path = tmp_path / "mixed.xlsx"
    with pd.ExcelWriter(path, engine="xlsxwriter") as xw:
        pd.DataFrame([deal(1), deal(2)]).to_excel(xw, sheet_name="成交", index=False)
        pd.DataFrame(
            {
                "调查编号": ["S1"],
                "调查日期": ["2026-01-01"],
                "客户姓名": ["王建国"],
                "联系电话": ["13900000001"],
                "证件号码": [_id(1)],
                "总体满意度": [5],
            }
        ).to_excel(xw, sheet_name="回访", index=False)
    res = dr.ingest_deals([path], store=tmp_path / "s")
    assert res.summary["rows_clean"] == 2
    assert [x["sheet"] for x in res.summary["skipped"]] == ["回访"] and "合同编号" in res.summary["skipped"][
        0
    ]["reason"]
    with pytest.raises(MissingColumnsError):
        dr.ingest_deals([path], store=tmp_path / "s", sheet="回访")


def test_csv_streamed_in_chunks_gives_the_same_result(tmp_path, monkeypatch):
    from dealresearch.ingest import csv_reader, pipeline

    monkeypatch.setenv(keyring.SECRET_ENV, "chunk-test-secret-0123")  # same keys in both stores
    rows = [deal(i, date=f"2026-01-{1 + i % 28:02d}") for i in range(1, 61)] + [deal(5)]  # one duplicate
    path = deals_csv(tmp_path / "big.csv", rows)
    whole = dr.ingest_deals([path], store=tmp_path / "a")
    monkeypatch.setattr(csv_reader, "CSV_BLOCK_BYTES", 1024)
    monkeypatch.setattr(pipeline, "CHUNK_ROWS", 7)
    chunked = dr.ingest_deals([path], store=tmp_path / "b")
    pd.testing.assert_frame_equal(chunked.data, whole.data)
    assert chunked.summary["files"] == whole.summary["files"] and chunked.summary["duplicates_merged"] == 1
    # a ragged row late in the file: rows already streamed are kept, the rest re-parsed
    text = path.read_text(encoding="utf-8").splitlines()
    text.insert(50, text[50] + ",extra")
    (tmp_path / "ragged.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    ragged = dr.ingest_deals([tmp_path / "ragged.csv"], store=tmp_path / "c")
    assert ragged.summary["rows_read"] == 62 and ragged.summary["rows_clean"] == 60
    # row 51 is the inserted copy of deal 50 (now row 52, merged into it); row 63 repeats deal 5
    assert sorted(ragged.data["source_row"]) == [r for r in range(2, 64) if r not in (52, 63)]


def _cat(values):
    return F.as_categorical(pd.Series(values, dtype="str"))


def test_categorical_text_is_stored_as_plain_text(tmp_path):
    frame = pd.DataFrame({"project": _cat(["云栖府", "滨江壹号", None]).cat.add_categories(["未用"])})
    store.write_tables({"deals": frame}, tmp_path)
    back = store.read_table("deals", tmp_path)
    assert back["project"].dtype == "str" and back["project"].tolist()[:2] == ["云栖府", "滨江壹号"]


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
