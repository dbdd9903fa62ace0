"""``report --pdf``: one small fixture report printed by the system's headless Chromium; the
PDF beside the page has pages, the report's title and a KPI value as text, and an embedded
CJK font."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dealresearch.report import html as report_html
from dealresearch.report import pdf, run_reports

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "notebooks"
CHROMIUM = Path(os.environ.get(pdf.CHROMIUM_ENV, "/usr/bin/chromium"))
#: CJK faces Chromium may embed (names as pdffonts prints them, after the subset prefix)
CJK_FONT = re.compile(r"WenQuanYi|Noto\w*CJK|SourceHan|YaHei|PingFang|DroidSansFallback|Hei|Song|Ming", re.I)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium not installed at {CHROMIUM} (make browser)"),
]


def _poppler(tool: str, *args) -> str:
    exe = shutil.which(tool)
    assert exe, f"{tool} missing: make browser installs poppler-utils"
    return subprocess.run([exe, *args], capture_output=True, text=True, check=True).stdout


def test_print_css_keeps_charts_and_rows_whole():
    css = re.sub(r"/\*.*?\*/", "", report_html.css(), flags=re.S)
    rules = css[css.index("@media print") :]
    block = re.search(r"([^{}]+)\{\s*break-inside:\s*avoid", rules)
    assert block, "no break-inside: avoid rule in the print CSS"
    selectors = {s.strip() for s in block.group(1).split(",")}
    assert {"img", "tr", ".jp-RenderedImage", ".dr-kpi"} <= selectors


def test_report_pdf_beside_the_page(tmp_path):
    data = tmp_path / "data"
    (data / "processed").mkdir(parents=True)
    frame = pd.DataFrame({"project": ["滨江壹号"], "sign_date": pd.to_datetime(["2026-08-01"])})
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), data / "processed" / "deals.parquet")
    s = run_reports("2026Q3", data_dir=data, notebooks_dir=FIXTURES, out_dir=tmp_path / "reports",
                    only=["fx_summary"], jobs=1, pdf=True)
    (r,) = s.reports
    assert r.ok and r.pdf == r.html.with_suffix(".pdf") and r.pdf_error is None
    assert r.pdf.read_bytes().startswith(b"%PDF")
    doc = json.loads(s.manifest.read_text(encoding="utf-8"))
    assert doc["reports"][0]["pdf"] == "fx_summary.pdf"
    pages = int(re.search(r"^Pages:\s+(\d+)", _poppler("pdfinfo", str(r.pdf)), re.M).group(1))
    assert pages > 0
    text = _poppler("pdftotext", "-layout", str(r.pdf), "-")
    assert "测试总览报告" in text and "12.5%" in text and "朋友介绍仍是第一渠道" in text
    fonts = _poppler("pdffonts", str(r.pdf)).splitlines()[2:]
    embedded = [line.split()[0] for line in fonts if re.search(r"\byes\b", line)]
    assert any(CJK_FONT.search(name) for name in embedded), fonts
    index = s.index.read_text(encoding="utf-8")
    assert 'href="2026Q3/fx_summary.pdf"' in index  # the cockpit's matrix links the PDF
