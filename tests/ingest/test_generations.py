"""The store survives real use (issue 12): one writer at a time, crashes leave the old or
the new store, the key has a lifecycle, exit codes say what happened, limits hold."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from store_gen import deal_row, person, write_csv

import dealresearch as dr
from dealresearch import cli, config
from dealresearch.errors import InputFileError
from dealresearch.ingest import generations, keyring, limits, store
from dealresearch.ingest import generations as G
from dealresearch.ingest import store as st

TABLES = ("deals", "status_history", "customers", "customer_links")
SECRET = "integrity-test-secret-0123456789"


@pytest.fixture(autouse=True)
def _same_secret_as_the_subprocesses(monkeypatch):
    monkeypatch.setenv("DEALRESEARCH_SECRET", SECRET)


def _file(path, first: int, n: int, project: str = "海景湾", bad: int = 0):
    rows = [deal_row(i, person(i), project=project, month=1 + i % 9) for i in range(first, first + n)]
    for r in rows[:bad]:
        r["成交总价"] = "面议"  # rejected rows, to check that rejects commit with the tables
    return write_csv(path, rows)


def _snapshot(store) -> dict:
    out = {n: st.read_table(n, store) for n in TABLES}
    out["rejects"] = st.read_table("rejects_deals", store, folder="interim")
    return out


def _same(a: dict, b: dict) -> bool:
    for name in a:
        if (a[name] is None) != (b[name] is None):
            return False
        if a[name] is not None and not a[name].equals(b[name]):
            return False
    return True


def _python(code: str, env_extra: dict | None = None) -> subprocess.Popen:
    env = {**os.environ, "DEALRESEARCH_SECRET": SECRET, **(env_extra or {})}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


# ----------------------------------------------------------------------------- one writer
def test_two_ingests_at_once_keep_both_files(tmp_path):
    store = tmp_path / "data"
    a = _file(tmp_path / "a.csv", 1, 2000)
    b = _file(tmp_path / "b.csv", 5001, 2000, project="阳光城")
    code = "import dealresearch as dr, sys; dr.ingest_deals([sys.argv[1]], store=sys.argv[2])"
    procs = [subprocess.Popen([sys.executable, "-c", code, str(p), str(store)],
                              env={**os.environ, "DEALRESEARCH_SECRET": SECRET},
                              stderr=subprocess.PIPE, text=True) for p in (a, b)]
    for p in procs:
        assert p.wait(timeout=240) == 0, p.stderr.read()
    deals = dr.load("deals", store=store)
    assert len(deals) == 4000 and set(deals["project"]) == {"海景湾", "阳光城"}
    assert len(st.manifest(store)) == 2


def test_a_second_writer_waits_or_fails_with_no_wait(tmp_path, monkeypatch):
    monkeypatch.setenv("DEALRESEARCH_SECRET", SECRET)
    store = tmp_path / "data"
    path = _file(tmp_path / "a.csv", 1, 5)
    holder = _python(
        f"""
        from dealresearch.ingest import generations as G
        import time
        with G.locked({str(store)!r}):
            print("held", flush=True)
            time.sleep(4)
        """
    )
    assert holder.stdout.readline().strip() == "held"
    assert cli.main(["--store", str(store), "ingest", "--no-wait", "--quiet", str(path)]) == 2
    told: list[str] = []
    t0 = time.perf_counter()
    dr.ingest_deals([path], store=store, notify=told.append)
    assert time.perf_counter() - t0 > 1 and "等待" in told[0]
    assert holder.wait(timeout=30) == 0 and len(dr.load("deals", store=store)) == 5


# ----------------------------------------------------------------------------- crashes
def test_killed_ingests_leave_the_old_or_the_new_store(tmp_path):
    store = tmp_path / "data"
    env = {**os.environ, "DEALRESEARCH_SECRET": SECRET}
    a = _file(tmp_path / "a.csv", 1, 200, bad=3)
    b = _file(tmp_path / "b.csv", 1001, 8000, project="阳光城", bad=7)
    dr.ingest_deals([a], store=store)
    old = _snapshot(store)
    reference = tmp_path / "ref"
    dr.ingest_deals([a], store=reference)
    code = "import dealresearch as dr, sys; dr.ingest_deals([sys.argv[1]], store=sys.argv[2])"
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(b), str(reference)], env=env, check=True)
    duration = time.perf_counter() - t0
    new = _snapshot(reference)
    outcomes = []
    for fraction in (0.5, 0.85, 0.97):
        proc = subprocess.Popen([sys.executable, "-c", code, str(b), str(store)], env=env)
        time.sleep(duration * fraction)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = _snapshot(store)
        is_old, is_new = _same(now, old), _same(now, new)
        assert is_old or is_new, f"killed at {fraction:.0%}: a mix of old and new"
        outcomes.append("new" if is_new else "old")
        if is_new:  # start the next kill from the old store again
            _drop_file(store, b.name)
            assert _same(_snapshot(store), old)
    # the next writer cleans what the killed ones left
    with G.writing(store):
        pass
    left = [p for p in (store / "processed").rglob("*") if ".staging-" in str(p) or p.name.endswith(".tmp")]
    assert not left and "old" in outcomes


def _drop_file(store: Path, name: str) -> None:
    """Back to the store without ``name``: the current generation's pointer moved back to
    the one before it (what an operator would do from the kept generations)."""
    gens = sorted(p.name for p in config.processed_dir(store).iterdir() if p.is_dir() and p.name.startswith("g"))
    pointer = config.processed_dir(store) / G.POINTER
    for gen in reversed(gens):
        pointer.write_text(gen)
        rows = st.read_table("deals", store)
        if not rows["source_file"].eq(name).any():
            return
    raise AssertionError("no generation without " + name)


def test_a_corrupt_table_or_manifest_is_reported_and_never_replaced(tmp_path):
    store = tmp_path / "data"
    dr.ingest_deals([_file(tmp_path / "a.csv", 1, 5)], store=store)
    deals = st.table_path("deals", store)
    deals.unlink()
    deals.write_bytes(b"PAR1 not really parquet")
    with pytest.raises(G.StoreCorruptError, match="已损坏.*deals"):
        dr.load("deals", store=store)
    from dealresearch.report import inputs

    with pytest.raises(InputFileError, match="已损坏"):  # not "a missing column"
        inputs.latest_period(store)
    manifest = deals.parent / G.MANIFEST
    manifest.unlink()
    manifest.write_text("{not json", encoding="utf-8")
    with pytest.raises(G.StoreCorruptError, match="导入记录文件已损坏"):
        dr.ingest_deals([_file(tmp_path / "b.csv", 10, 5)], store=store)
    assert manifest.read_text(encoding="utf-8") == "{not json"  # kept for the user to restore


# ----------------------------------------------------------------------------- the key
@pytest.fixture
def key_file(tmp_path, monkeypatch):
    monkeypatch.delenv(keyring.SECRET_ENV, raising=False)
    path = tmp_path / "cfg" / "secret.key"
    monkeypatch.setenv(keyring.KEY_FILE_ENV, str(path))
    return path


def test_a_lost_key_stops_the_next_ingest(tmp_path, key_file):
    store = tmp_path / "data"
    dr.ingest_deals([_file(tmp_path / "a.csv", 1, 5)], store=store)
    before = _snapshot(store)
    key_file.unlink()
    with pytest.raises(keyring.KeyProblemError, match="key import"):
        dr.ingest_deals([_file(tmp_path / "b.csv", 10, 5)], store=store)
    assert not key_file.exists() and _same(_snapshot(store), before)  # no new key made


def test_a_changed_key_is_refused_with_how_to_restore(tmp_path, key_file, monkeypatch):
    store = tmp_path / "data"
    dr.ingest_deals([_file(tmp_path / "a.csv", 1, 5)], store=store)
    backup = tmp_path / "backup.key"
    keyring.export_key(backup, store)
    monkeypatch.setenv(keyring.SECRET_ENV, "another-secret-of-enough-length")
    code = cli.main(["--store", str(store), "ingest", "--quiet", str(_file(tmp_path / "b.csv", 10, 5))])
    assert code == 2
    monkeypatch.delenv(keyring.SECRET_ENV)
    key_file.unlink()
    keyring.import_key(backup, store)
    assert dr.ingest_deals([tmp_path / "b.csv"], store=store).summary["rows_clean"] == 5


def test_empty_and_short_keys_are_refused(tmp_path, key_file, monkeypatch):
    key_file.parent.mkdir(parents=True)
    key_file.write_bytes(b"")
    with pytest.raises(keyring.KeyProblemError, match="为空"):
        keyring.secret(tmp_path / "data")
    key_file.write_bytes(b"abc")
    with pytest.raises(keyring.KeyProblemError, match="3 个字符"):
        keyring.secret(tmp_path / "data")
    monkeypatch.setenv(keyring.SECRET_ENV, "a")
    with pytest.raises(keyring.KeyProblemError, match="太短"):
        keyring.secret(tmp_path / "data")


def _first_use(args) -> str:
    barrier, path = args
    os.environ[keyring.KEY_FILE_ENV] = path
    barrier.wait()
    return keyring.secret(os.path.dirname(path) + "/data").decode()


def test_concurrent_first_use_gives_every_process_the_same_full_key(tmp_path, key_file):
    import multiprocessing

    ctx = multiprocessing.get_context("fork")  # children start with the modules imported
    with ctx.Manager() as manager, ctx.Pool(4) as pool:
        for trial in range(25):
            barrier = manager.Barrier(4)
            path = str(tmp_path / f"k{trial}" / "secret.key")
            keys = set(pool.map(_first_use, [(barrier, path)] * 4))
            assert len(keys) == 1 and len(keys.pop()) == 64, trial


def test_an_old_store_key_is_moved_out_of_the_data_folder(tmp_path, key_file):
    legacy = tmp_path / "data" / keyring.LEGACY_KEY_FILE
    legacy.parent.mkdir(parents=True)
    legacy.write_text("f" * 64)
    assert keyring.secret(tmp_path / "data") == b"f" * 64
    assert not legacy.exists() and key_file.read_text() == "f" * 64


def test_rekey_rewrites_every_pseudonym_consistently(tmp_path, key_file):
    store = tmp_path / "data"
    a = _file(tmp_path / "a.csv", 1, 8)
    dr.ingest_deals([a], store=store)
    old_fp = keyring.store_fingerprint(store)
    old_keys = set(dr.load("deals", store=store)["customer_key"])
    message = cli.main(["--store", str(store), "key", "rekey"])
    assert message == 0
    assert keyring.store_fingerprint(store) != old_fp
    assert keyring.fingerprint(keyring.secret(store)) == keyring.store_fingerprint(store)
    new = dr.load("deals", store=store)
    assert len(new) == 8 and not old_keys & set(new["customer_key"])
    assert set(dr.load("customers", store=store)["customer_key"]) == set(new["customer_key"])


# ----------------------------------------------------------------------------- exit codes
def test_an_internal_error_exits_3_with_the_traceback_in_a_log(tmp_path, monkeypatch, capsys):
    from dealresearch.ingest import pipeline

    def broken(*a, **k):
        raise RuntimeError("planted bug")

    monkeypatch.setattr(pipeline, "_finish_deals", broken)
    store = tmp_path / "data"
    assert cli.main(["--store", str(store), "ingest", "--quiet", str(_file(tmp_path / "a.csv", 1, 3))]) == 3
    err = capsys.readouterr().err
    logs = list((config.interim_dir(store) / "logs").glob("error-*.log"))
    assert len(logs) == 1 and "planted bug" in logs[0].read_text(encoding="utf-8") and str(logs[0]) in err
    assert "Traceback" not in err


def test_rejected_rows_exit_1_and_bad_input_exits_2(tmp_path):
    store = tmp_path / "data"
    assert cli.main(["--store", str(store), "ingest", "--quiet", str(_file(tmp_path / "a.csv", 1, 5, bad=2))]) == 1
    assert cli.main(["--store", str(store), "ingest", "--quiet", str(tmp_path / "missing.csv")]) == 2


# ----------------------------------------------------------------------------- limits
def test_an_xlsx_declaring_too_many_cells_is_refused_before_parsing(tmp_path):
    import xlsxwriter

    path = tmp_path / "huge.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write(0, 0, "合同编号")
    ws.write(1_048_575, 200, "x")  # declares A1:GS1048576: 200 million cells
    wb.close()
    with pytest.raises(InputFileError, match="超出导入上限"):
        dr.ingest_deals([path], store=tmp_path / "data")


def test_an_xlsx_that_inflates_too_far_is_refused(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", "<worksheet>" + "<row/>" * 2_000_000 + "</worksheet>")
    with pytest.raises(InputFileError, match="解压后"):  # 12 MB of sheet over a 1 MB cap
        limits.check_excel(path, config.Limits(xlsx_max_bytes=1 << 20))
    with pytest.raises(InputFileError, match="压缩比"):  # packs more than 1,000×: a zip bomb
        limits.check_excel(path, config.Limits(xlsx_ratio_floor_bytes=1 << 20))
    limits.check_excel(path, config.Limits(xlsx_ratio_floor_bytes=1 << 30))  # under both: fine


def test_a_huge_csv_field_is_refused_with_a_message(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("合同编号,项目名称,签约日期,成交总价,意见\nHT1,海景湾,2026-01-02,1000000,\"" + "x" * 3_000_000
                    + "\"\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="超过 1,048,576 个字符"):
        dr.ingest_deals([path], store=tmp_path / "data")


def test_implausible_prices_and_areas_are_rejected_with_their_reason(tmp_path):
    rows = [deal_row(i, person(i), project="海景湾") for i in range(1, 8)]
    for r, price in zip(rows, [-1_000_000, 0, 1e12, 1e21], strict=False):
        r["成交总价"] = price
    rows[4]["建筑面积"] = -100
    rows[5]["建筑面积"] = 100_000  # 1 元/㎡
    res = dr.ingest_deals([write_csv(tmp_path / "p.csv", rows)], store=tmp_path / "data")
    reasons = res.rejects.set_index("record_id")["reason"]
    assert res.summary["rows_clean"] == 1 and res.summary["rows_rejected"] == 6
    assert reasons["HT00001"] == reasons["HT00002"] == "成交总价不是正数"
    assert reasons["HT00003"].startswith("成交总价超过") and reasons["HT00004"].startswith("成交总价")
    assert reasons["HT00005"] == "建筑面积不是正数" and reasons["HT00006"].startswith("成交单价不在合理范围")


def test_the_manifest_is_json_with_runs(tmp_path):
    store = tmp_path / "data"
    dr.ingest_deals([_file(tmp_path / "a.csv", 1, 3)], store=store)
    doc = json.loads((G.folder(store) / G.MANIFEST).read_text(encoding="utf-8"))
    assert len(doc["runs"]) == 1 and doc["runs"][0]["counts"]["rows_clean"] == 3
    assert isinstance(doc["key_fingerprint"], str) and len(doc["key_fingerprint"]) == 16
    assert pd.Timestamp(doc["runs"][0]["run_at"]).year >= 2026


def test_data_alone_holds_no_copy_of_the_key(tmp_path, key_file):
    # hostile-text finding 3: with data/ and its key file, phones were brute-forced from phone_masked
    store = tmp_path / "data"
    dr.ingest_deals([_file(tmp_path / "a.csv", 1, 20)], store=store)
    key = key_file.read_bytes().strip()
    assert len(key) == 64 and not key_file.is_relative_to(store)
    for path in (p for p in store.rglob("*") if p.is_file()):
        assert key not in path.read_bytes(), path
    assert "key_fingerprint" in json.loads((G.folder(store) / G.MANIFEST).read_text(encoding="utf-8"))


def test_a_first_data_row_that_names_a_column_is_still_a_row(tmp_path):
    # a first data row whose text happens to be a header name (关注因素 "户型") was merged into
    # the header as a second header row and lost from the counts
    rows = [deal_row(i, person(i), project="海景湾", factors=["户型"] if i == 1 else ["地段", "价格"]) for i in (1, 2, 3)]
    headers = ["合同编号", "项目名称", "签约日期", "成交总价", "证件号码", "关注因素", "户型备注"]
    for r in rows:
        r["户型备注"] = "户型" if r["合同编号"] == "HT00001" else "三房"
    res = dr.ingest_deals([write_csv(tmp_path / "first.csv", rows, headers)], store=tmp_path / "data")
    assert res.summary["rows_read"] == 3 and res.summary["rows_clean"] == 3


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
