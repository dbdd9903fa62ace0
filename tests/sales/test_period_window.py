"""Period integrity: the sample ends on a fixed past date, and period views stop at the period end."""

import numpy as np
import pandas as pd

from dealresearch import profile as pf
from dealresearch import sales, strategy
from dealresearch.schema import Deal, History, Target

SAMPLE_END = pd.Timestamp("2026-09-30")


def test_the_sample_ends_on_a_fixed_past_date(sample_store, sample_truth, sample_ingest):
    import dealresearch as dr
    from dealresearch.report import latest_period
    from dealresearch.synth.deals import END

    assert END == SAMPLE_END
    deals = dr.load("deals", store=sample_store)
    assert deals[Deal.sign_date].max() <= END and deals[Deal.subscribe_date].max() <= END
    assert dr.load("surveys", store=sample_store)["survey_date"].max() <= END
    assert dr.load("status_history", store=sample_store)[History.event_date].max() <= END
    assert max(sample_truth["deals_by_quarter"]) == "2026Q3" and len(sample_truth["deals_by_quarter"]) == 7
    assert str(latest_period(sample_store)) == "2026Q3"  # the latest complete quarter
    # a fresh ingest warns about no date after today
    _, deal_res, survey_res = sample_ingest
    for res in (deal_res, survey_res):
        assert not [r for r in res.summary["warnings_by_reason"] if "晚于今天" in r]


def _events() -> pd.DataFrame:
    """One signing a month in 2026 (1.0e6 each) for project P1."""
    dates = pd.date_range("2026-01-01", periods=12, freq="MS") + pd.Timedelta(days=14)
    deals = pd.DataFrame({Deal.deal_id: [f"d{i}" for i in range(12)], Deal.sign_date: dates, Deal.project: "P1",
                          Deal.total_price: 1.0e6, Deal.sales_team: "P1A组", Deal.sales_rep: "甲"})
    return sales.events(deals)


def test_year_to_date_stops_at_the_period_end():
    ev = _events()
    ytd = sales.year_to_date(ev, "2026Q3")
    assert ytd[History.event_date].max() <= pd.Timestamp("2026-09-30") and len(ytd) == 9
    monthly = sales.actuals(ytd, "month")
    assert list(monthly[sales.Actuals.period]) == [f"2026-{m:02d}" for m in range(1, 10)]


def _monthly_targets() -> pd.DataFrame:
    months = range(1, 13)
    return pd.DataFrame({Target.year: 2026, Target.quarter: [(m - 1) // 3 + 1 for m in months], Target.month: list(months),
                         Target.level: "项目", Target.unit: "P1", Target.units_target: 1, Target.amount_target: 1.0e6})


def test_heatmap_and_target_line_stop_at_the_period_end():
    ev, tg = _events(), _monthly_targets()
    mat = sales.attainment_matrix(ev, tg, 2026, level="项目", until="2026Q3")
    assert list(mat.columns) == [f"2026-{m:02d}" for m in range(1, 10)]
    assert (mat.loc["P1"] == 100).all()
    full = sales.attainment_matrix(ev, tg, 2026, level="项目")
    assert len(full.columns) == 12  # without until: the whole year (the old behaviour)
    line = sales.monthly_targets(tg, 2026, level="项目", unit="P1", until="2026Q3")
    assert list(line.index)[-1] == "2026-09" and len(line) == 9


def test_topic_and_channel_trends_stop_at_the_period_end():
    rng = np.random.default_rng(0)
    n = 400
    d = pd.DataFrame({
        Deal.deal_id: [f"x{i}" for i in range(n)],
        Deal.sign_date: pd.Timestamp("2025-10-01") + pd.to_timedelta(rng.integers(0, 456, n), unit="D"),
        Deal.purchase_purpose: rng.choice(["改善", "自住"], n),
        Deal.awareness_channel: rng.choice(["网络", "朋友介绍"], n),
        Deal.project: "P1", Deal.status: "签约", Deal.customer_key: [f"c{i}" for i in range(n)],
    })
    assert d[Deal.sign_date].max() > pd.Timestamp("2026-09-30")  # later data exists
    trend = strategy.topic_trend(d, "改善型客户", until="2026Q3")
    assert list(trend["期间"])[-1] == "2026Q3" and "2026Q4" not in set(trend["期间"])
    ch = pf.trend(pf.scope(d, until="2026Q3"), Deal.awareness_channel)
    assert ch.table["period"].max() == "2026Q3"


def test_team_targets_that_do_not_add_up_are_flagged():
    """Finding 3: 滨江壹号's team targets summed to 368 units while the project's was 310,
    and every row said 达成说明 正常."""
    ev = _events()
    q3 = pd.DataFrame({Target.year: 2026, Target.quarter: 3, Target.month: np.nan,
                       Target.level: ["项目", "团队"], Target.unit: ["P1", "P1A组"],
                       Target.units_target: [3, 5], Target.amount_target: [3.0e6, 5.0e6]})
    att = sales.attainment(ev, q3, "2026Q3").set_index(Target.level)
    project, team = att.loc["项目", sales.Actuals.status], att.loc["团队", sales.Actuals.status]
    assert project.startswith("已达成") and "团队目标合计 5 套 / 500.0 万元" in project and "项目目标 3 套" in project
    assert team.startswith("未达成") and "不一致" in team
    ok = q3.assign(**{Target.units_target: [3, 3], Target.amount_target: [3.0e6, 3.0e6]})
    assert set(sales.attainment(ev, ok, "2026Q3")[sales.Actuals.status]) == {"已达成"}
