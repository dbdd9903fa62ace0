"""The cockpit (reports/index.html) from planted metrics.json files, the links between report
pages, and the clear error of --pdf without a Chromium."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from dealresearch import fmt
from dealresearch.cli import main
from dealresearch.errors import ReportError
from dealresearch.report import atomic, build_index, cockpit, manifest, nav, pdf

PROJECTS = ("云栖府", "滨江壹号")
SCOPES = ("集团", *PROJECTS)


def _rec(kpi, scope, period, value, kind, reports, unit="", n=None, ci=None, name=None):
    return {"kpi": kpi, "name": name or kpi, "scope": scope, "period": period, "window": "period",
            "value": value, "n": n, "ci_low": ci[0] if ci else None, "ci_high": ci[1] if ci else None,
            "unit": unit, "base": "", "kind": kind, "reports": reports, "conflict": False}


def _stem(name, scope):
    return name if scope == "集团" else f"{name}_{scope}"


#: planted values per scope: amount, units, attainments, nps (value, ci), csi, csat, coverage, overdue
TRUTH = {
    "集团": dict(net_amount=3_067_893_130.0, net_units=901, amount_attainment=93.87, units_attainment=101.2,
                nps=(-2.5, (-7.2, 2.2)), csi=(70.98, (70.2, 71.8)), csat=65.7, survey_coverage=0.4131,
                overdue_customers=952),
    "云栖府": dict(net_amount=1_125_600_000.0, net_units=399, amount_attainment=85.0, units_attainment=93.2,
                 nps=(-5.7, (-9.0, -2.4)), csi=(70.9, (70.0, 71.8)), csat=61.0, survey_coverage=0.21,
                 overdue_customers=400),
    "滨江壹号": dict(net_amount=980_000_000.0, net_units=300, amount_attainment=104.0, units_attainment=99.0,
                  nps=(12.0, (8.0, 16.0)), csi=(75.0, (74.0, 76.0)), csat=70.0, survey_coverage=0.35,
                  overdue_customers=120),
}
KINDS = dict(net_amount="money", net_units="int", amount_attainment="pct100", units_attainment="pct100",
             nps="index", csi="index", csat="index", survey_coverage="pct", overdue_customers="int")
SOURCE = dict(net_amount="sales", net_units="sales", amount_attainment="sales", units_attainment="sales",
              nps="satisfaction", csi="satisfaction", csat="satisfaction", survey_coverage="strategy",
              overdue_customers="strategy")
#: the previous quarter: 云栖府's NPS was far higher (a significant fall), the group's about the same
PREVIOUS_NPS = {"集团": (-1.0, (-5.5, 3.5)), "云栖府": (20.0, (16.0, 24.0)), "滨江壹号": (10.0, (6.0, 14.0))}
YEAR_AGO_AMOUNT = {"集团": 2_500_000_000.0, "云栖府": 1_400_000_000.0, "滨江壹号": 700_000_000.0}


def _records(period, values):
    out = []
    for scope, kpis in values.items():
        for kpi, v in kpis.items():
            value, ci = v if isinstance(v, tuple) else (v, None)
            unit = "%" if kpi == "csat" else ""
            out.append(_rec(kpi, scope, period, value, KINDS[kpi], [_stem(SOURCE[kpi], scope)], unit, 500, ci))
    return out


def _page(title, sections):
    """A published-looking report page: TOC, then one <h2 id> per (id, heading, shown text)."""
    toc = "".join(f'<li><a href="#{sid}">{head}</a></li>' for sid, head, _ in sections)
    body = "".join(f'<h2 id="{sid}">{head}</h2><div class="v">{text}</div>' for sid, head, text in sections)
    return (f"<html><head><title>{title}</title></head><body><!--dr-links--><!--/dr-links-->"
            f'<main class="dr-main"><h1>{title}</h1><nav class="dr-toc"><ol>{toc}</ol></nav>{body}</main></body></html>')


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    out = tmp_path_factory.mktemp("cockpit")
    q3, q2, ya = out / "2026Q3", out / "2026Q2", out / "2025Q3"
    reports = []
    for scope in SCOPES:
        t = TRUTH[scope]
        pages = {
            "sales": ("销售业绩报告", [("sec-1", "摘要", "本期概况"),
                                       ("sec-2", "目标达成", fmt.value(t["net_amount"], "money")
                                        + " " + fmt.value(t["amount_attainment"], "pct100")),
                                       ("sec-3", "月度走势", "—"),
                                       ("sec-9", "附：指标口径", fmt.value(t["net_units"], "int")
                                        + " " + fmt.value(t["units_attainment"], "pct100"))]),
            "satisfaction": ("满意度报告", [("sec-1", "摘要", "—"),
                                          ("sec-4", "净推荐值", fmt.value(t["nps"][0], "index")),
                                          ("sec-5", "满意度指数", fmt.value(t["csi"][0], "index")
                                           + " " + fmt.value(t["csat"], "index"))]),
            "strategy": ("策略建议", [("sec-1", "调查覆盖", fmt.value(t["survey_coverage"], "pct")
                                      + " " + fmt.value(t["overdue_customers"], "int"))]),
        }
        for order, (name, (title, sections)) in enumerate(pages.items()):
            stem = _stem(name, scope)
            failed = name == "strategy" and scope == "滨江壹号"
            page = _page(title, sections)
            if failed:
                page = page.replace("<head>", '<head><meta name="dealresearch-status" content="failed">')
            atomic.write_text(q3 / f"{stem}.html", page)
            reports.append({"name": name, "title": title, "project": None if scope == "集团" else scope,
                            "order": order, "status": "failed" if failed else "ok", "html": f"{stem}.html",
                            "seconds": 1.0, "finished": "2026-10-02T08:00:00"})
    manifest.write(q3, {"run_id": "r1", "seconds": 3.0}, reports)
    atomic.write_text(q3 / "metrics.json", json.dumps(_records("2026Q3", TRUTH), ensure_ascii=False))
    prev = {s: {"nps": PREVIOUS_NPS[s], "csi": (TRUTH[s]["csi"][0], TRUTH[s]["csi"][1])} for s in SCOPES}
    atomic.write_text(q2 / "metrics.json", json.dumps(_records("2026Q2", prev), ensure_ascii=False))
    atomic.write_text(q2 / "sales.html", _page("销售业绩报告", [("sec-1", "摘要", "—")]))
    year_ago = {s: {"net_amount": YEAR_AGO_AMOUNT[s]} for s in SCOPES}
    atomic.write_text(ya / "metrics.json", json.dumps(_records("2025Q3", year_ago), ensure_ascii=False))
    atomic.write_text(ya / "sales.html", _page("销售业绩报告", [("sec-1", "摘要", "—")]))
    index = build_index(out).read_text(encoding="utf-8")
    return {"out": out, "index": index, "q3": q3, "reports": reports}


def _period_section(index: str, label: str) -> str:
    start = index.index(f'<section class="dr-period" id="p-{label}">')
    return index[start : index.index("</section>", start)]


def _cells(section: str) -> dict[tuple[str, str], tuple[str, str | None]]:
    """{(scope, kpi): (shown text, href)} of a period's KPI table."""
    table = section[section.index('<table class="dr-cockpit-table">') : section.index("</table>")]
    out = {}
    for scope, row in re.findall(r'<tr data-scope="([^"]+)">(.*?)</tr>', table, re.S):
        for m in re.finditer(r'<(a|span)\b([^>]*)\bdata-kpi="([^"]+)"([^>]*)>([^<]*)<', row):
            attrs = m.group(2) + m.group(4)
            href = re.search(r'href="([^"]+)"', attrs)
            out[(html.unescape(scope), m.group(3))] = (html.unescape(m.group(5)),
                                                       unquote(html.unescape(href.group(1))) if href else None)
    return out


def test_every_scope_shows_the_metrics_values_linked_to_their_section(planted):
    cells = _cells(_period_section(planted["index"], "2026Q3"))
    anchors = dict(net_amount="sec-2", amount_attainment="sec-2", net_units="sec-9", units_attainment="sec-9",
                   nps="sec-4", csi="sec-5", csat="sec-5", survey_coverage="sec-1", overdue_customers="sec-1")
    for scope in SCOPES:
        for kpi, v in TRUTH[scope].items():
            value = v[0] if isinstance(v, tuple) else v
            text, href = cells[(scope, kpi)]
            expected = fmt.value(value, KINDS[kpi]) + ("%" if kpi == "csat" else "")
            assert text == expected, (scope, kpi)
            assert href == f"2026Q3/{_stem(SOURCE[kpi], scope)}.html#{anchors[kpi]}", (scope, kpi)


def test_changes_are_marked_only_when_significant_and_yoy_comes_from_last_year(planted):
    section = _period_section(planted["index"], "2026Q3")
    cells = _cells(section)
    assert cells[("云栖府", "nps_change")][0] == "-25.7"
    row = section[section.index('<tr data-scope="云栖府">') :]
    row = row[: row.index("</tr>")]
    assert "▼ 较上期" in row and "dr-down" in row  # 20.0 → -5.7 with narrow intervals
    group = section[section.index('<tr data-scope="集团">') :]
    group = group[: group.index("</tr>")]
    assert cells[("集团", "nps_change")][0] == "-1.5" and "▲" not in group and "▼" not in group
    assert "（不显著）" in group
    for scope in SCOPES:
        growth = TRUTH[scope]["net_amount"] / YEAR_AGO_AMOUNT[scope] - 1
        assert cells[(scope, "net_amount_yoy")][0] == f"{growth * 100:+.1f}%"


def test_status_colours_follow_target_and_the_40_percent_rule(planted):
    section = _period_section(planted["index"], "2026Q3")

    def status(scope, col):
        row = section[section.index(f'<tr data-scope="{scope}">') :]
        return re.search(rf'<td class="dr-kc ([^"]*)" data-label="[^"]*" data-col="{col}">', row).group(1).strip()

    assert [status(s, "amount") for s in SCOPES] == ["dr-st-warn", "dr-st-bad", "dr-st-good"]
    assert [status(s, "units") for s in SCOPES] == ["dr-st-good", "dr-st-warn", "dr-st-warn"]
    # coverage at the end of Q3: ≥ 40 % good, ≥ 30 % (the pace) amber, else red
    assert [status(s, "coverage") for s in SCOPES] == ["dr-st-good", "dr-st-bad", "dr-st-warn"]


def test_failed_report_banner_matrix_and_earlier_periods(planted):
    index, q3 = planted["index"], _period_section(planted["index"], "2026Q3")
    banner = q3[q3.index('class="dr-banner dr-banner-failed"') :]
    banner = banner[: banner.index("</div>")]
    assert "1 份报告本次生成失败" in banner and "策略建议（滨江壹号）" in banner
    assert 'href="runs.html#p-2026Q3"' in banner
    matrix = re.findall(r'<td class="dr-mx( dr-mx-failed)?"><a href="([^"]+)">', q3)
    assert sorted(unquote(h) for _, h in matrix) == sorted(f"2026Q3/{r['html']}" for r in planted["reports"])
    assert [unquote(h) for f, h in matrix if f] == ["2026Q3/strategy_滨江壹号.html"]
    periods = index[index.index('<nav class="dr-periods"') : index.index("</nav>")]
    assert re.findall(r'href="#p-([^"]+)"', periods) == ["2026Q3", "2026Q2", "2025Q3"]
    for label in ("2026Q2", "2025Q3"):
        assert f'id="p-{label}"' in index
    runs = (planted["out"] / "runs.html").read_text(encoding="utf-8")
    assert "运行时长" in runs and "运行时长" not in index and 'href="index.html"' in runs


def test_significance_from_confidence_intervals():
    cur = {"value": 10.0, "ci_low": 8.0, "ci_high": 12.0}
    assert cockpit.significant_change(cur, {"value": 4.0, "ci_low": 2.0, "ci_high": 6.0})
    assert not cockpit.significant_change(cur, {"value": 8.0, "ci_low": 6.0, "ci_high": 10.0})
    assert not cockpit.significant_change(cur, {"value": 0.0, "ci_low": None, "ci_high": None})


def test_pages_link_to_their_scope_and_their_report_at_other_scopes(planted, tmp_path):
    q3 = planted["q3"]
    nav.refresh(q3)
    page = (q3 / "sales_云栖府.html").read_text(encoding="utf-8")
    block = page[page.index(nav.START) : page.index(nav.END)]
    assert block.count('class="dr-links-group"') == 2
    assert block.index("云栖府的报告：") < block.index("本报告的其他范围：")
    links = [unquote(h) for h in re.findall(r'href="([^"]+)"', block)]
    assert links == ["satisfaction_云栖府.html", "strategy_云栖府.html",  # same scope, other reports
                     "sales.html", "sales_滨江壹号.html"]  # same report, other scopes
    assert 'aria-current="page">销售业绩报告<' in block and 'aria-current="page">云栖府<' in block
    assert 'href="../index.html"' not in block  # the page header already links to the cockpit
    before = page
    assert nav.refresh(q3) == 0 and (q3 / "sales_云栖府.html").read_text(encoding="utf-8") == before


def test_pdf_without_chromium_is_a_chinese_error_exit_2(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv(pdf.CHROMIUM_ENV, str(tmp_path / "no-such-chromium"))
    with pytest.raises(ReportError, match="无法生成 PDF"):
        pdf.find_chromium()
    monkeypatch.delenv(pdf.CHROMIUM_ENV)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(pdf, "FALLBACKS", (str(tmp_path / "chromium"),))
    with pytest.raises(ReportError, match="没有安装 Chromium"):
        pdf.find_chromium()
    assert main(["report", "--period", "2026Q3", "--pdf"]) == 2
    err = capsys.readouterr().err
    assert "没有安装 Chromium" in err and "Traceback" not in err
    assert not Path(tmp_path / "reports").exists()
