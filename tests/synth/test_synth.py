"""The sample generator is deterministic and plants the signal it records."""

import json

import pandas as pd
from python_calamine import CalamineWorkbook

from dealresearch import synth


def test_same_seed_same_truth(tmp_path, sample_truth):
    again = synth.generate(tmp_path / "again", seed=0)
    assert json.loads(json.dumps(again, ensure_ascii=False, default=str)) == sample_truth


def test_reconciliation_of_planted_rows(sample_truth):
    e = sample_truth["expected"]
    assert e["rows_read"] == e["rows_clean"] + e["rows_rejected"] + e["duplicates_merged"] + e["non_data_rows"]
    assert 5500 <= e["rows_clean"] <= 6500
    assert e["duplicates_merged"] == e["exact_duplicates"] + e["status_updates"]


def test_headers_differ_between_projects(sample_raw, sample_truth):
    headers = []
    for name in sample_truth["deal_files"][:3]:
        sheet = CalamineWorkbook.from_path(sample_raw / name).get_sheet_by_name("成交客户").to_python()
        row = next(r for r in sheet if len([c for c in r if c]) > 10)
        headers.append(set(row))
    assert "联系电话" in headers[0] and "手机号码" in headers[1]
    assert "成交总价" in headers[0] and "成交金额(万元)" in headers[1]


def test_csv_is_gbk(sample_raw, sample_truth):
    raw = (sample_raw / sample_truth["deal_files"][3]).read_bytes()
    raw.decode("gbk")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:  # pragma: no cover - would mean the file is not GBK
        raise AssertionError("CSV decodes as UTF-8; expected GBK")


def test_channel_mix_shifts(sample_truth):
    share = pd.Series(sample_truth["network_share_by_quarter"]).sort_index()
    assert share.iloc[-1] - share.iloc[0] > 0.1  # 网络 grows by > 10 points over 8 quarters
