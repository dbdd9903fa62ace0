"""The cockpit in offline headless Chromium at 1280 and 390 px, built from a planted
metrics.json (no notebook runs): no element reaches past the viewport outside a scroll
container, and every scope's KPI values are visible and equal the metrics."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from dealresearch import fmt
from dealresearch.report import atomic, build_index, manifest

CHROMIUM = Path(os.environ.get("DEALRESEARCH_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
SHOTS = Path(__file__).resolve().parent / "screenshots"
SCOPES = ("集团", "云栖府", "星汇中心", "滨江壹号·二期")
#: kpi → (kind, report, base value); each scope's value is the base scaled by its position
KPIS = {
    "net_amount": ("money", "sales", 3_067_893_130.0), "net_units": ("int", "sales", 901.0),
    "amount_attainment": ("pct100", "sales", 93.88), "units_attainment": ("pct100", "sales", 101.4),
    "nps": ("index", "satisfaction", -2.51), "csi": ("index", "satisfaction", 70.98),
    "csat": ("index", "satisfaction", 65.71), "survey_coverage": ("pct", "strategy", 0.4131),
    "overdue_customers": ("int", "strategy", 952.0),
}

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium not installed at {CHROMIUM} (make browser)"),
]


def _value(kpi: str, i: int) -> float:
    kind, _, base = KPIS[kpi]
    v = base * (1 - 0.17 * i)
    return round(v) if kind == "int" else v


@pytest.fixture(scope="module")
def cockpit(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("cockpit_browser")
    folder = out / "2026Q3"
    records, reports, truth = [], [], {}
    for i, scope in enumerate(SCOPES):
        project = None if scope == "集团" else scope
        for order, name in enumerate(("sales", "satisfaction", "strategy")):
            stem = atomic.file_stem(f"{name}_{project}" if project else name)
            atomic.write_text(folder / f"{stem}.html", f"<html><head><title>{name}</title></head>"
                              f'<body><h1>{name}</h1><h2 id="sec-1">摘要</h2></body></html>')
            reports.append({"name": name, "title": {"sales": "销售业绩", "satisfaction": "满意度",
                                                    "strategy": "策略建议"}[name],
                            "project": project, "order": order, "status": "ok", "html": f"{stem}.html"})
        for kpi, (kind, name, _) in KPIS.items():
            stem = atomic.file_stem(f"{name}_{project}" if project else name)
            value = _value(kpi, i)
            ci = (value - 3, value + 3) if kind == "index" else (None, None)
            records.append({"kpi": kpi, "name": kpi, "scope": scope, "period": "2026Q3", "window": "period",
                            "value": value, "n": 400, "ci_low": ci[0], "ci_high": ci[1],
                            "unit": "%" if kpi == "csat" else "", "base": "", "kind": kind, "reports": [stem]})
            truth[(scope, kpi)] = fmt.value(value, kind) + ("%" if kpi == "csat" else "")
    manifest.write(folder, {"run_id": "b", "seconds": 1}, reports)
    atomic.write_text(folder / "metrics.json", json.dumps(records, ensure_ascii=False))
    return build_index(out), truth


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


#: elements whose right edge passes the viewport and that no scrolling ancestor contains
OVERFLOW_JS = """(vw) => {
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= vw + 1) continue;
    let p = el.parentElement, contained = false;
    while (p && p !== document.body) {
      const ox = getComputedStyle(p).overflowX;
      if ((ox === 'auto' || ox === 'scroll' || ox === 'hidden') && p.getBoundingClientRect().right <= vw + 1) {
        contained = true; break;
      }
      p = p.parentElement;
    }
    if (!contained) bad.push(el.tagName + '.' + el.className + ' ' + Math.round(r.right));
  }
  return bad;
}"""


@pytest.mark.parametrize("width", [1280, 390])
def test_cockpit_fits_and_shows_every_scopes_kpis(cockpit, browser, width):
    index, truth = cockpit
    ctx = browser.new_context(viewport={"width": width, "height": 900}, device_scale_factor=1, locale="zh-CN")
    ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort())
    page = ctx.new_page()
    try:
        page.goto(index.as_uri(), wait_until="load")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.evaluate(OVERFLOW_JS, width) == []
        for scope in SCOPES:
            row = page.locator(f'table.dr-cockpit-table tr[data-scope="{scope}"]')
            assert row.count() == 1, scope
            for kpi in KPIS:
                cell = row.locator(f'[data-kpi="{kpi}"]')
                assert cell.count() == 1, (scope, kpi)
                assert cell.inner_text().strip() == truth[(scope, kpi)], (scope, kpi)
                cell.scroll_into_view_if_needed()
                box = cell.bounding_box()
                assert box and box["width"] > 0 and 0 <= box["x"] and box["x"] + box["width"] <= width, (scope, kpi)
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / f"cockpit_{width}.png"), full_page=True)
    finally:
        ctx.close()
