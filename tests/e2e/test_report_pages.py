"""Report trust over generated pages: hygiene, period integrity and one value per KPI.

One session-scoped run of every report template (group level) on the sample for
2026Q2: the sample runs to 2026-09-30, so a whole quarter of later data exists that the
pages must not show. Checks:

* hygiene — no Python repr (nan, None, <NA>, NaT, Timestamp(, dtype:, Name:), no escaped
  HTML, no English identifiers in the visible text, every table header Chinese, every
  table in a scroll box and every chart scaled to the page (no page wider than 1280 px);
* period — no table cell, caption or metrics.json record dated after the end of 2026Q2
  (forward-looking tables of the survey plan are captioned as a plan);
* consistency — every KPI two pages show has one value (metrics.json), and the KPI cards
  of the satisfaction and sales pages show exactly the metrics values.
"""

from __future__ import annotations

import html
import json
import os
import re
import struct
from base64 import b64decode
from pathlib import Path

import pandas as pd
import pytest

from dealresearch.metrics import kpis as metrics
from dealresearch.periods import parse_period

pytestmark = pytest.mark.e2e

PERIOD = "2026Q2"
TEMPLATES = ["customer_research", "sales", "satisfaction", "segments", "strategy", "survey_plan"]
PAGE_WIDTH = 1280


@pytest.fixture(scope="session")
def trust_suite(group_reports) -> dict:
    summary = group_reports
    assert not summary.failed, [(r.name, r.failure) for r in summary.failed]
    assert sorted(r.name for r in summary.reports) == TEMPLATES  # every template in notebooks/
    pages = {r.html.stem: r.html.read_text(encoding="utf-8") for r in summary.reports}
    records = json.loads((summary.period_dir / "metrics.json").read_text(encoding="utf-8"))
    return {"pages": pages, "metrics": records, "dir": summary.period_dir,
            "index": summary.index.read_text(encoding="utf-8")}


def _main(page: str) -> str:
    """The report body (the page chrome holds the generation time, not report content)."""
    start, end = page.find('<main class="dr-main">'), page.rfind("</main>")
    assert start >= 0 and end > start
    body = page[start:end]
    return re.sub(r"<(style|script)\b.*?</\1>", " ", body, flags=re.S | re.I)


def _visible(fragment: str) -> str:
    fragment = re.sub(r"data:[^\"')\s]+", "", fragment)
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


REPRS = re.compile(r"\b(nan|NaN|None|NaT)\b|<NA>|Timestamp\(|dtype:|Name:|\bdtype\b")
#: our own markup shown as text (a customer's literal "<b>" in a comment is content, shown escaped)
ESCAPED_HTML = re.compile(r"<\s*/?\s*(div|table|p|ul|li|span|h\d|tr|td|th|caption|nav|img)\b[^<]*>?|class=['\"]dr-", re.I)
IDENTIFIER = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
#: Latin headers readers know as they are
LATIN_HEADERS = {"NPS", "CSI", "CSAT", "AVE", "R²", "GoF", "Cramér's V", "RFM"}


def _headers(body: str) -> list[str]:
    return [_visible(h).strip() for h in re.findall(r"<th\b[^>]*>(.*?)</th>", body, flags=re.S)]


def test_pages_show_nothing_but_content(trust_suite):
    problems = []
    for name, page in trust_suite["pages"].items():
        body = _main(page)
        text = _visible(body)
        for rx, what in ((REPRS, "repr"), (ESCAPED_HTML, "escaped HTML")):
            problems += [(name, what, m.group(0)) for m in rx.finditer(text)]
        # rule ids and conditions may appear only in the collapsed 方法与口径 appendix
        problems += [(name, "appendix open by default", m.group(0)) for m in re.finditer(r"<details[^>]*\bopen\b", body)]
        outside = _visible(re.sub(r"<details\b.*?</details>", " ", body, flags=re.S))
        problems += [(name, "English identifier", m.group(0)) for m in IDENTIFIER.finditer(outside)]
        for h in _headers(body):
            if h and not re.search(r"[\u4e00-\u9fff]", h) and h not in LATIN_HEADERS and not h.isdigit() \
                    and not re.fullmatch(r"20\d\d(Q[1-4]|-\d\d)?", h):
                problems.append((name, "non-Chinese header", h))
    assert not problems, problems[:20]
    assert len(trust_suite["pages"]) == len(TEMPLATES)


def _png_width(data_uri: str) -> int:
    raw = b64decode(data_uri.split(",", 1)[1][:64] + "==")
    assert raw[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">I", raw[16:20])[0]


def test_tables_and_images_fit_a_1280_px_page(trust_suite):
    from dealresearch.report.html import css

    style = css()
    assert re.search(r"img[^{]*\{[^}]*max-width:\s*100%", style)  # charts scale down to the page
    assert re.search(r"\.dr-scroll[^{]*\{[^}]*overflow-x:\s*auto", style)
    too_wide, unwrapped = [], []
    for name, page in trust_suite["pages"].items():
        body = _main(page)
        for uri in re.findall(r'src="(data:image/png;base64,[^"]+)"', body):
            if _png_width(uri) > 2 * PAGE_WIDTH:  # beyond a 2× (retina) rendering of the page width
                too_wide.append(name)
        # every table sits in a horizontal scroll box, so no table widens the page
        n_tables = len(re.findall(r"<table\b", body))
        n_boxed = len(re.findall(r"<div class=[\"']dr-scroll[\"']><table\b", body))
        if n_tables != n_boxed:
            unwrapped.append((name, n_tables, n_boxed))
    assert not too_wide and not unwrapped, (too_wide, unwrapped)


_DATES = (
    (re.compile(r"(20\d\d)-(\d\d)-(\d\d)"), lambda m: pd.Timestamp(int(m[1]), int(m[2]), int(m[3]))),
    (re.compile(r"(20\d\d)-(\d\d)(?!-?\d)"), lambda m: pd.Timestamp(int(m[1]), int(m[2]), 1)),
    (re.compile(r"(20\d\d)Q([1-4])"), lambda m: parse_period(f"{m[1]}Q{m[2]}").start),
    (re.compile(r"(20\d\d)年(\d{1,2})月"), lambda m: pd.Timestamp(int(m[1]), int(m[2]), 1)),
    (re.compile(r"(20\d\d)年第([1-4一二三四])季度"),
     lambda m: parse_period(f"{m[1]}Q{'一二三四'.index(m[2]) + 1 if m[2] in '一二三四' else m[2]}").start),
)


def _dates_after(text: str, end: pd.Timestamp) -> list[str]:
    return [m.group(0) for rx, when in _DATES for m in rx.finditer(text) if when(m) > end]


#: columns holding deadlines (a follow-up due 7 days after a survey on the last day of the period)
DEADLINE = re.compile(r"期限|到期|应完成")


def _cells(table: str) -> list[tuple[str, str]]:
    """(column header, cell text) of every body cell of one HTML table."""
    heads = _headers(table)
    out = []
    for row in re.findall(r"<tr\b[^>]*>(.*?)</tr>", table, flags=re.S):
        cells = re.findall(r"<td\b[^>]*>(.*?)</td>", row, flags=re.S)
        out += [(heads[i] if i < len(heads) else "", _visible(c)) for i, c in enumerate(cells)]
    return out


def test_a_period_report_shows_nothing_after_the_period(trust_suite):
    end = parse_period(PERIOD).end
    late = []
    for name, page in trust_suite["pages"].items():
        for table in re.findall(r"<table\b.*?</table>", _main(page), flags=re.S):
            caption = _visible("".join(re.findall(r"<caption>(.*?)</caption>", table, flags=re.S)))
            if name.startswith("survey_plan") and "计划" in caption:
                continue  # next year's plan: forward-looking, captioned as a plan
            late += [(name, caption, d) for d in _dates_after(caption, end)]
            late += [(name, head, d) for head, text in _cells(table) if not DEADLINE.search(head)
                     for d in _dates_after(text, end)]
    assert not late, late[:20]
    for rec in trust_suite["metrics"]:
        assert rec["period"] == PERIOD
    assert trust_suite["metrics"], "the run wrote no metrics"


def test_the_survey_plan_labels_its_forward_looking_content_as_a_plan(trust_suite):
    body = _visible(_main(trust_suite["pages"]["survey_plan"]))
    plan_year = parse_period(PERIOD).year + 1
    assert f"{plan_year}年度顾客调查计划" in body and f"{plan_year}年调查计划概要" in body


def test_every_kpi_has_one_value_across_pages(trust_suite):
    recs = trust_suite["metrics"]
    conflicts = [r for r in recs if r["conflict"]]
    assert not conflicts, conflicts
    shared = [r for r in recs if len(r["reports"]) > 1]
    assert {r["kpi"] for r in shared} >= {"net_amount", "net_units", "survey_coverage", "overdue_customers"}
    by_kpi = {(r["kpi"], r["scope"]): r for r in recs}
    assert {"nps", "nps_12m", "csat", "csi"} <= {k for k, _ in by_kpi}
    # the same KPI cited in two pages' 口径 appendix shows the same text and base in both
    for r in shared:
        text = metrics.KPIS[r["kpi"]].text(r["value"])
        for page in r["reports"]:
            assert text in _visible(_main(trust_suite["pages"][page])), (r["kpi"], page, text)


def _card(page: str, label: str) -> str:
    m = re.search(rf"<div class=[\"']l[\"']>{re.escape(html.escape(label))}</div><div class=[\"']v[\"']>(.*?)</div>", page)
    assert m, label
    return html.unescape(m.group(1))


def test_kpi_cards_show_the_metrics_values(trust_suite):
    recs = {(r["kpi"], r["scope"]): r["value"] for r in trust_suite["metrics"]}
    sat_page, sales_page = trust_suite["pages"]["satisfaction"], trust_suite["pages"]["sales"]
    assert _card(sat_page, "满意度指数 CSI（0–100）") == metrics.KPIS["csi"].text(recs[("csi", "集团")])
    assert _card(sat_page, "NPS 净推荐值") == metrics.KPIS["nps"].text(recs[("nps", "集团")])
    assert _card(sales_page, "净签约金额") == metrics.KPIS["net_amount"].text(recs[("net_amount", "集团")])
    assert _card(sales_page, "净签约套数") == f"{recs[('net_units', '集团')]:,.0f} 套"


def test_metrics_file_has_the_issue_columns(trust_suite):
    for rec in trust_suite["metrics"]:
        assert {"kpi", "scope", "period", "window", "value", "n", "ci_low", "ci_high"} <= set(rec)
    assert Path(trust_suite["dir"], "metrics.json").is_file()


def test_the_index_shows_the_pages_values(trust_suite):
    recs = {(r["kpi"], r["scope"]): r for r in trust_suite["metrics"]}
    index = trust_suite["index"]
    for scope in sorted({s for _, s in recs}):
        row = re.search(rf'<tr data-scope="{re.escape(scope)}">(.*?)</tr>', index, re.S)
        assert row, f"the cockpit has no row for {scope}"
        for k in ("net_amount", "nps", "csi", "survey_coverage"):
            r = recs.get((k, scope))
            shown = re.search(rf'data-kpi="{k}"[^>]*>([^<]*)<', row.group(1))
            if r is None or r["value"] is None:
                continue
            assert shown and shown.group(1).strip() == metrics.KPIS[k].text(r["value"]), (scope, k)


CHROMIUM = Path(os.environ.get("DEALRESEARCH_CHROMIUM", "/usr/bin/chromium"))


@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium not installed at {CHROMIUM} (make test installs it)")
def test_no_table_or_image_is_wider_than_a_1280_px_page(trust_suite):
    """Measured in a browser: the page does not scroll sideways at 1280 px and every table and
    chart ends inside the viewport (a wide table scrolls inside its own box)."""
    from concurrent.futures import ThreadPoolExecutor

    # its own thread: the browser test's session-wide Playwright owns this thread's event loop
    with ThreadPoolExecutor(1) as pool:
        too_wide = pool.submit(_too_wide, trust_suite).result()
    assert not too_wide, too_wide


def _too_wide(trust_suite) -> list:
    from playwright.sync_api import sync_playwright

    too_wide = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
        try:
            ctx = browser.new_context(viewport={"width": PAGE_WIDTH, "height": 900}, device_scale_factor=1)
            ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:"))
                      else r.abort())
            page = ctx.new_page()
            for name in trust_suite["pages"]:
                page.goto((trust_suite["dir"] / f"{name}.html").as_uri(), wait_until="load")
                width = page.evaluate("document.documentElement.scrollWidth")
                right = page.evaluate(
                    "Math.max(0, ...Array.from(document.querySelectorAll('main img, main .dr-scroll'))"
                    ".map(e => e.getBoundingClientRect().right))"
                )
                if width > PAGE_WIDTH + 1 or right > PAGE_WIDTH + 1:
                    too_wide.append((name, width, right))
        finally:
            browser.close()
    return too_wide


def test_attainment_reads_the_same_on_the_sales_card_and_in_the_metrics(trust_suite):
    recs = {(r["kpi"], r["scope"]): r["value"] for r in trust_suite["metrics"]}
    text = metrics.KPIS["amount_attainment"].text(recs[("amount_attainment", "集团")])
    assert text.endswith("%") and _card(trust_suite["pages"]["sales"], "金额目标达成率") == text
