"""The encrypted contacts store: written at ingest, apart from the analysis tables, merged
per source file, readable only with its own key."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dealresearch.errors import DataError
from dealresearch.ingest import contacts, ingest_deals, ingest_surveys
from dealresearch.ingest.contacts import ContactsKeyError, read_contacts
from dealresearch.ingest.store import read_table
from dealresearch.schema import Survey

DEAL_HEADERS = ["合同编号", "项目名称", "交易状态", "签约日期", "成交总价", "建筑面积",
                "客户姓名", "联系电话", "客户编号", "楼栋", "房号", "置业顾问"]
# rare names and phones: a hit in a file's bytes can only be a leak
FIRST = [("欧阳春晓", "13911112201", "KH0001", "3栋", "1202", "顾问甲一"),
         ("司马秋实", "13911112202", "KH0002", "5栋", "0801", "顾问乙二")]
SECOND = [("上官映雪", "13911112203", "KH0003", "7栋", "2301", "顾问丙三")]
SURVEY_ONLY = ("诸葛望舒", "13911112204")


def deal_csv(path: Path, people, start: int) -> Path:
    rows = [
        dict(zip(DEAL_HEADERS, [f"HT{start + i:04d}", "滨江壹号", "签约", "2026-08-20", 1_200_000, 98, *who],
                 strict=True))
        for i, who in enumerate(people)
    ]
    pd.DataFrame(rows, columns=DEAL_HEADERS).to_csv(path, index=False)
    return path


def survey_csv(path: Path) -> Path:
    rows = [
        {"调查编号": "SV1", "调查日期": "2026-09-01", "项目名称": "滨江壹号", "客户姓名": FIRST[0][0],
         "联系电话": FIRST[0][1], "总体满意度": 2, "推荐意愿": 1, "意见和建议": "物业响应慢"},
        {"调查编号": "SV2", "调查日期": "2026-09-02", "项目名称": "滨江壹号", "客户姓名": SURVEY_ONLY[0],
         "联系电话": SURVEY_ONLY[1], "总体满意度": 4, "推荐意愿": 9, "意见和建议": ""},
        {"调查编号": "SV3", "调查日期": "2026-09-03", "项目名称": "云栖苑", "客户姓名": SECOND[0][0],
         "联系电话": SECOND[0][1], "总体满意度": 3, "推荐意愿": 5, "意见和建议": "交房延期"},
    ]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.fixture()
def env(tmp_path, monkeypatch):
    monkeypatch.setenv(contacts.CONTACTS_KEY_ENV, "contacts-test-key-0123456789abcdef")
    monkeypatch.delenv(contacts.CONTACTS_KEY_FILE_ENV, raising=False)
    raw = tmp_path / "raw"
    raw.mkdir()
    return tmp_path / "data", raw


def test_round_trip_returns_the_planted_contacts_and_merges_per_file(env):
    store, raw = env
    ingest_deals(deal_csv(raw / "deals_a.csv", FIRST, 1), store)
    ingest_deals(deal_csv(raw / "deals_b.csv", SECOND, 100), store)  # a second file keeps the first's
    ingest_surveys(survey_csv(raw / "surveys.csv"), store)
    got = read_contacts(store)
    assert list(got.columns) == ["customer_key", "姓名", "手机", "房号", "置业顾问"]
    by_name = got.set_index("姓名")
    for name, phone, _, building, unit, rep in FIRST + SECOND:
        assert by_name.loc[name, "手机"] == phone
        assert by_name.loc[name, "房号"] == building + unit
        assert by_name.loc[name, "置业顾问"] == rep
    # a surveyed customer without a deal: name and phone, no room or rep
    assert by_name.loc[SURVEY_ONLY[0], "手机"] == SURVEY_ONLY[1] and pd.isna(by_name.loc[SURVEY_ONLY[0], "房号"])
    assert len(got) == 4 and got["customer_key"].is_unique
    # the keys are the store's pseudonyms: the survey of the first buyer finds them
    surveys = read_table("surveys", store)
    key = surveys.set_index(Survey.survey_id).loc["SV1", Survey.customer_key]
    one = read_contacts(store, [key])
    assert one["姓名"].tolist() == [FIRST[0][0]]
    # re-ingesting a file replaces its rows, never duplicates them
    ingest_deals(raw / "deals_a.csv", store)
    assert len(read_contacts(store)) == 4
    assert len(contacts.read_rows(store)) == 6  # 3 deal rows + 3 survey rows


def test_clear_contacts_are_never_in_the_analysis_tables_nor_the_encrypted_file(env):
    store, raw = env
    ingest_deals(deal_csv(raw / "deals_a.csv", FIRST + SECOND, 1), store)
    ingest_surveys(survey_csv(raw / "surveys.csv"), store)
    secrets = [w for who in FIRST + SECOND for w in who[:2]] + list(SURVEY_ONLY)
    tables = [p for p in (store / "processed").rglob("*") if p.is_file()]
    tables += [p for p in (store / "interim").rglob("*.parquet")]
    assert any(p.suffix == ".parquet" for p in tables)
    encrypted = contacts.contacts_path(store)
    assert encrypted.is_file() and encrypted.parent.name == "contacts"
    assert not any(p.name.endswith(".enc") for p in tables)  # not among the analysis tables
    for path in [*[p for p in tables if p.suffix == ".parquet"], encrypted]:
        blob = path.read_bytes()
        for text in secrets:
            assert text.encode("utf-8") not in blob, (path.name, text)
    assert len(read_contacts(store)) == 4  # ... yet they are all there, with the key


def test_missing_or_wrong_key_is_refused_in_chinese(env, monkeypatch):
    store, raw = env
    with pytest.raises(DataError, match="还没有联系人库"):
        read_contacts(store)
    ingest_deals(deal_csv(raw / "deals_a.csv", FIRST, 1), store)
    monkeypatch.setenv(contacts.CONTACTS_KEY_ENV, "another-key-0123456789abcdefghij")
    with pytest.raises(ContactsKeyError, match="不是写入联系人库时所用的密钥"):
        read_contacts(store)
    # an ingest with the wrong key refuses rather than replacing (and losing) the contacts
    with pytest.raises(ContactsKeyError, match="导入已停止"):
        ingest_deals(deal_csv(raw / "deals_b.csv", SECOND, 100), store)
    assert len(read_table("deals", store)) == len(FIRST)  # the store did not change either
    monkeypatch.delenv(contacts.CONTACTS_KEY_ENV)
    monkeypatch.setenv(contacts.CONTACTS_KEY_FILE_ENV, str(store.parent / "nowhere" / "contacts.key"))
    with pytest.raises(ContactsKeyError, match=contacts.CONTACTS_KEY_ENV):
        read_contacts(store)
    monkeypatch.setenv(contacts.CONTACTS_KEY_ENV, "contacts-test-key-0123456789abcdef")
    assert sorted(read_contacts(store)["姓名"]) == sorted(w[0] for w in FIRST)


def test_key_file_is_created_once_apart_from_the_data(tmp_path, monkeypatch):
    monkeypatch.delenv(contacts.CONTACTS_KEY_ENV, raising=False)
    key_file = tmp_path / "config" / "contacts.key"
    monkeypatch.setenv(contacts.CONTACTS_KEY_FILE_ENV, str(key_file))
    raw = tmp_path / "raw"
    raw.mkdir()
    store = tmp_path / "data"
    ingest_deals(deal_csv(raw / "deals_a.csv", FIRST, 1), store)
    assert key_file.is_file() and (key_file.stat().st_mode & 0o077) == 0
    assert not list(store.rglob("*.key"))
    first = key_file.read_bytes()
    ingest_deals(deal_csv(raw / "deals_b.csv", SECOND, 100), store)
    assert key_file.read_bytes() == first and len(read_contacts(store)) == 3


def test_the_pseudonymisation_key_is_refused_as_contacts_key(monkeypatch):
    monkeypatch.setenv("DEALRESEARCH_SECRET", "same-secret-0123456789abcdef")
    monkeypatch.setenv(contacts.CONTACTS_KEY_ENV, "same-secret-0123456789abcdef")
    with pytest.raises(ContactsKeyError, match="不能与假名密钥相同"):
        contacts.find_key()


def test_followups_command_writes_one_list_per_project_with_contacts_only_when_asked(env, tmp_path, monkeypatch, capsys):
    import openpyxl

    from dealresearch.cli import main

    store, raw = env
    ingest_deals(deal_csv(raw / "deals_a.csv", FIRST + SECOND, 1), store)
    ingest_surveys(survey_csv(raw / "surveys.csv"), store)
    monkeypatch.setenv("DEALRESEARCH_REPORTS", str(tmp_path / "reports"))
    lists = tmp_path / "reports" / "2026Q3" / "lists"

    def sheet(path):
        ws = openpyxl.load_workbook(path).active
        rows = list(ws.iter_rows(values_only=True))
        return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]

    assert main(["--store", str(store), "followups", "--period", "2026Q3"]) == 0
    plain = sorted(p.name for p in lists.iterdir())
    assert plain == ["回访跟进清单_云栖苑_2026Q3.xlsx", "回访跟进清单_滨江壹号_2026Q3.xlsx"]
    rows = sheet(lists / plain[1])
    assert len(rows) == 1 and "姓名" not in rows[0] and rows[0]["优先级"] == "高"  # NPS 1
    for path in lists.iterdir():  # no clear name or phone without --with-contacts
        blob = " ".join(str(v) for r in sheet(path) for v in r.values())
        assert not any(w in blob for who in FIRST + SECOND for w in who[:2])
    out = tmp_path / "field"
    out.mkdir()
    assert main(["--store", str(store), "followups", "--period", "2026Q3", "--with-contacts", "--out", str(out)]) == 0
    row = sheet(out / "回访跟进清单_滨江壹号_2026Q3.xlsx")[0]
    assert (row["姓名"], row["手机"], row["房号"]) == (FIRST[0][0], FIRST[0][1], FIRST[0][3] + FIRST[0][4])
    assert row["置业顾问"] == FIRST[0][5] and row["跟进编号"] == "SV1"
    other = sheet(out / "回访跟进清单_云栖苑_2026Q3.xlsx")[0]
    assert (other["姓名"], other["手机"]) == SECOND[0][:2] and other["优先级"] == "中"  # NPS 5
    capsys.readouterr()
    # without the contacts key: refused in Chinese, exit 2, nothing written
    monkeypatch.delenv(contacts.CONTACTS_KEY_ENV)
    monkeypatch.setenv(contacts.CONTACTS_KEY_FILE_ENV, str(tmp_path / "nowhere.key"))
    empty = tmp_path / "empty"
    empty.mkdir()
    code = main(["--store", str(store), "followups", "--period", "2026Q3", "--with-contacts", "--out", str(empty)])
    err = capsys.readouterr().err
    assert code == 2 and "找不到联系人密钥" in err and contacts.CONTACTS_KEY_ENV in err and "Traceback" not in err
    assert list(empty.iterdir()) == []
    # an .xlsx --out needs one project
    code = main(["--store", str(store), "followups", "--period", "2026Q3", "--out", str(empty / "a.xlsx")])
    assert code == 2 and "--project" in capsys.readouterr().err
