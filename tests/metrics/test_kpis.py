"""The metrics layer: each KPI defined once, computed per (period, scope), carried to metrics.json."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from dealresearch.metrics import kpis as metrics
from dealresearch.report import metrics_file
from dealresearch.schema import Deal, Survey


def _deals() -> pd.DataFrame:
    """Two projects: P1 has 30 deals in 2026Q3 (1.0e6 each) and 10 in 2026Q2; P2 has 5 in 2026Q3
    (2.0e6 each) of which one is 退房 (its status history below cancels it in August)."""
    rows = []
    for i in range(30):
        rows.append(("P1", f"a{i}", "2026-07-05", 1.0e6, f"c{i}", "签约"))
    for i in range(10):
        rows.append(("P1", f"b{i}", "2026-05-05", 1.0e6, f"c{i}", "签约"))  # c0–c9 bought twice
    for i in range(5):
        rows.append(("P2", f"d{i}", "2026-08-01", 2.0e6, f"e{i}", "退房" if i == 0 else "签约"))
    df = pd.DataFrame(rows, columns=[Deal.project, Deal.deal_id, Deal.sign_date, Deal.total_price, Deal.customer_key, Deal.status])
    df[Deal.sign_date] = pd.to_datetime(df[Deal.sign_date])
    df[Deal.sales_rep], df[Deal.sales_team] = "r1", "t1"
    return df


def _history() -> pd.DataFrame:
    from dealresearch.schema import History

    return pd.DataFrame({History.deal_id: ["d0"], History.status: ["退房"], History.event_date: pd.to_datetime(["2026-08-20"])})


def _surveys() -> pd.DataFrame:
    """P1: 40 surveys in 2026Q3 (30 promoters, 10 detractors: NPS 50) and 60 in 2025Q4
    (all detractors): over the 12 months NPS = (30 − 70) / 100 = −40."""
    rec = [10.0] * 30 + [3.0] * 10 + [0.0] * 60
    date = ["2026-08-10"] * 40 + ["2025-11-10"] * 60
    return pd.DataFrame(
        {
            Survey.survey_id: [f"s{i}" for i in range(100)],
            Survey.customer_key: [f"x{i}" for i in range(100)],
            Survey.project: "P1",
            Survey.survey_date: pd.to_datetime(date),
            Survey.recommend: rec,
            Survey.overall: [5.0] * 30 + [2.0] * 70,
        }
    )


def test_every_kpi_is_defined_once_with_a_chinese_name_window_and_kind():
    from dealresearch import fmt

    for k, d in metrics.KPIS.items():
        assert d.id == k and d.window in metrics.WINDOWS and d.kind in fmt.KINDS
        assert d.name and d.definition and d.base and not d.name.isascii()
    # two windows are two KPIs with two names
    assert metrics.KPIS["nps"].name != metrics.KPIS["nps_12m"].name
    assert "12" in metrics.KPIS["nps_12m"].name


def test_sales_and_deal_kpis_recover_the_planted_counts():
    m = metrics.compute("2026Q3", deals=_deals(), history=_history(), areas=["sales", "deals"])
    assert metrics.value(m, "net_units") == 30 + 5 - 1  # the 退房 in August counts against Q3
    assert metrics.value(m, "net_amount") == pytest.approx(30 * 1.0e6 + 5 * 2.0e6 - 2.0e6)
    p2 = metrics.compute("2026Q3", deals=_deals(), history=_history(), project="P2", areas=["sales", "deals"])
    assert metrics.value(p2, "net_units", "P2") == 4 and metrics.value(p2, "deals", "P2") == 4
    assert metrics.value(m, "deals") == 34 and metrics.value(m, "customers") == 34
    assert set(m["scope"]) == {"集团"} and set(m["period"]) == {"2026Q3"}


def test_net_amount_year_on_year_against_the_same_quarter_last_year():
    last_year = pd.DataFrame({Deal.project: "P1", Deal.deal_id: [f"y{i}" for i in range(8)],
                              Deal.sign_date: pd.to_datetime(["2025-08-01"] * 8), Deal.total_price: 4.0e6,
                              Deal.customer_key: [f"y{i}" for i in range(8)], Deal.status: "签约",
                              Deal.sales_rep: "r1", Deal.sales_team: "t1"})
    deals = pd.concat([_deals(), last_year], ignore_index=True)
    m = metrics.compute("2026Q3", deals=deals, history=_history(), areas=["sales"])
    assert metrics.value(m, "net_amount_yoy") == pytest.approx(38.0e6 / 32.0e6 - 1)  # +18.75 %
    p2 = metrics.compute("2026Q3", deals=deals, history=_history(), project="P2", areas=["sales"])
    assert math.isnan(metrics.value(p2, "net_amount_yoy", "P2"))  # nothing a year ago: no rate


def test_nps_of_the_quarter_and_of_twelve_months_are_two_kpis():
    m = metrics.compute("2026Q3", deals=_deals(), surveys=_surveys(), areas=["satisfaction"])
    row = m.set_index("kpi")
    assert row.loc["nps", "value"] == pytest.approx(50.0) and row.loc["nps", "n"] == 40
    assert row.loc["nps_12m", "value"] == pytest.approx(-40.0) and row.loc["nps_12m", "n"] == 100
    assert row.loc["nps", "window"] == "period" and row.loc["nps_12m", "window"] == "12m"
    assert row.loc["nps", "ci_low"] < 50 < row.loc["nps", "ci_high"]
    assert row.loc["csat", "value"] == pytest.approx(75.0)  # 30 of 40 answered 5


def test_appendix_table_is_chinese_and_follows_the_number_rules():
    m = metrics.compute("2026Q3", deals=_deals(), history=_history(), areas=["sales"])
    t = metrics.table(m)
    assert list(t.columns) == ["指标", "范围", "窗口", "数值", "样本量", "口径"]
    assert t.loc[t["指标"] == "净签约金额", "数值"].iloc[0] == "3,800.0 万元"
    assert t.loc[t["指标"] == "净签约套数", "数值"].iloc[0] == "34"


def test_records_are_json_ready_and_carry_the_issue_columns():
    m = metrics.compute("2026Q3", deals=_deals(), surveys=_surveys(), areas=["satisfaction"])
    recs = json.loads(json.dumps(metrics.records(m)))
    for col in ("kpi", "scope", "period", "window", "value", "n", "ci_low", "ci_high"):
        assert col in recs[0]


def test_runner_mime_equals_the_metrics_mime():
    assert metrics_file.MIME == metrics.MIME


def test_merge_flags_two_pages_showing_different_values(tmp_path):
    a = {"kpi": "nps", "scope": "集团", "period": "2026Q3", "value": 14.5}
    same = metrics_file.merge([("satisfaction", [a]), ("strategy", [dict(a)])])
    assert len(same) == 1 and same[0]["reports"] == ["satisfaction", "strategy"] and not same[0]["conflict"]
    diff = metrics_file.merge([("satisfaction", [a]), ("strategy", [{**a, "value": 14.6}])])
    assert diff[0]["conflict"] and diff[0]["values"] == {"satisfaction": 14.5, "strategy": 14.6}
    # a partial re-run replaces its own page's values and keeps the others
    metrics_file.write(tmp_path, [("satisfaction", [a]), ("sales", [{**a, "kpi": "net_units", "value": 3}])])
    metrics_file.write(tmp_path, [("satisfaction", [{**a, "value": 15.0}])])
    recs = {r["kpi"]: r for r in metrics_file.read(tmp_path)}
    assert recs["nps"]["value"] == 15.0 and recs["nps"]["reports"] == ["satisfaction"]
    assert recs["net_units"]["value"] == 3


def test_collect_reads_only_the_metrics_output_and_the_page_never_shows_it():
    from nbformat.v4 import new_code_cell, new_notebook, new_output

    from dealresearch.report.html import reader_notebook

    cell = new_code_cell("metrics.appendix(m)")
    rows = [{"kpi": "nps", "scope": "集团", "period": "2026Q3", "value": 1.5}]
    cell.outputs = [
        new_output("display_data", data={"text/html": "<h3>附：指标口径</h3>"}),
        new_output("display_data", data={metrics.MIME: rows}),
    ]
    nb = new_notebook(cells=[cell])
    assert metrics_file.collect(nb) == rows
    shown = reader_notebook(nb).cells[0].outputs
    assert [list(o["data"]) for o in shown] == [["text/html"]]


def test_coverage_of_the_findings_and_of_the_survey_plan_is_one_computation(sample_store):
    """Finding 3: overdue customers per project were 442 / 181 / 451 in strategy and
    433 / 179 / 446 in the survey plan. Both now read metrics.coverage_at."""
    import dealresearch as dr
    from dealresearch import survey_plan as sp
    from dealresearch.strategy import findings
    from dealresearch.strategy.findings import FindingColumns

    deals, surveys = dr.load("deals", sample_store), dr.load("surveys", sample_store)
    customers = dr.load("customers", sample_store, missing_ok=True)
    for project in sorted(deals[Deal.project].unique()):
        r = sp.review(deals, surveys, period="2026Q3", customers=customers, project=project)
        f = findings.compute(deals, "2026Q3", names=["survey_overdue"], project=project, surveys=surveys,
                             customers=customers)
        row = f[f[FindingColumns.finding] == "survey_overdue"].iloc[0]
        assert int(row[FindingColumns.value]) == r.coverage.n_overdue and int(row[FindingColumns.n]) == r.coverage.n_reachable
        m = metrics.compute("2026Q3", deals=deals, project=project, surveys=surveys, customers=customers,
                            areas=["coverage"])
        assert metrics.value(m, "overdue_customers", project) == r.coverage.n_overdue
        assert metrics.value(m, "survey_coverage", project) == pytest.approx(r.coverage.share)
    assert np.isfinite(metrics.value(m, "survey_coverage", project))


def test_channel_shift_of_customer_research_and_strategy_is_one_number(sample_store):
    """Finding 3: 朋友介绍 +3.7 pp (p = 0.030) in customer research vs +3.6 pp (p = 0.033) in
    strategy: the strategy finding now uses the report's base (签约 or 换房)."""
    import dealresearch as dr
    from dealresearch import profile as pf
    from dealresearch.strategy import findings

    deals = dr.load("deals", sample_store)
    assert (deals[Deal.status] == "退房").any()  # the bases differed by these deals
    for against in ("qoq", "yoy"):
        cmp = pf.compare(deals, "2026Q3", ["awareness_channel"], against=against,
                         status=list(metrics.CURRENT_STATUSES))
        page = cmp.table.set_index("category")
        f = findings.compute(deals, "2026Q3", names=["channel_shift"], against=against).set_index("subject")
        assert set(f.index) == set(page.index)
        assert (f["delta"] - page["diff"]).abs().max() == 0
        assert (f["p_value"] - page["p_value"]).abs().max() == 0


def test_follow_up_kpis_come_from_the_reviews_list_and_overdue_needs_a_returned_sheet():
    from dealresearch import satisfaction

    surveys = _surveys().assign(**{Survey.complaint: False})
    surveys.loc[:4, Survey.complaint] = True  # five complaints among the 10 detractors of 2026Q3 and more
    r = satisfaction.review(surveys, period="2026Q3")
    m = metrics.compute("2026Q3", deals=_deals(), surveys=surveys, followups=r.followups, areas=[])
    n = r.followups.n
    assert n >= 10 and metrics.value(m, "followups_open") == n  # nothing recorded as closed
    assert math.isnan(metrics.value(m, "followups_overdue"))  # statuses are placeholders: no overdue count
    first = r.followups.table.iloc[0]
    returned = pd.DataFrame({"followup_id": [first["followup_id"]], "followup_status": ["已关闭"],
                             "closed_date": [pd.Timestamp("2026-09-30")], "result": ["已回访"], "owner": ["客服"]})
    r2 = satisfaction.review(surveys, period="2026Q3", updates=returned)
    m2 = metrics.compute("2026Q3", deals=_deals(), surveys=surveys, followups=r2.followups, areas=[])
    assert metrics.value(m2, "followups_open") == n - 1
    assert metrics.value(m2, "followups_overdue") == r2.followups.kpis["overdue"]


def test_the_previous_period_values_are_kpis_of_their_own():
    surveys = _surveys()
    before = surveys.assign(**{Survey.survey_date: pd.Timestamp("2026-05-10"), Survey.recommend: [10.0] * 50 + [0.0] * 50})
    m = metrics.compute("2026Q3", deals=_deals(), surveys=pd.concat([surveys, before], ignore_index=True),
                        areas=["satisfaction"])
    assert metrics.value(m, "nps_previous") == pytest.approx(0.0)  # 2026Q2: 50 promoters, 50 detractors
    assert metrics.value(m, "nps") == pytest.approx(50.0)
    assert metrics.KPIS["nps_previous"].window_text == "报告期的上一期"
