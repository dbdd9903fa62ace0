"""Sales actuals, attainment, growth, pacing, rankings and cycle time against values
computed by hand on a tiny table (see the comments beside each expectation)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dealresearch import sales
from dealresearch.errors import ParameterError
from dealresearch.results import Unavailable
from dealresearch.sales import growth_rates as growth
from dealresearch.sales import performance as perf
from dealresearch.schema import Deal, History, Survey, Target

NA = pd.NA


@pytest.fixture()
def deals() -> pd.DataFrame:
    # a, b: P1 in Jan 2026; b is cancelled on 2026-02-03. c, e: P2 in Feb; e changes
    # unit (换房) on 2026-03-01. f: a subscription (no signing) cancelled → never counted.
    # g: P1 a year earlier (the YoY base).
    return pd.DataFrame(
        {
            Deal.deal_id: ["a", "b", "c", "e", "f", "g"],
            Deal.project: ["P1", "P1", "P2", "P2", "P1", "P1"],
            Deal.sales_team: ["t1", "t1", "t2", "t2", "t1", "t1"],
            Deal.sales_rep: ["r1", "r2", "r3", "r3", "r1", "r1"],
            Deal.status: ["签约", "退房", "签约", "换房", "退房", "签约"],
            Deal.sign_date: pd.to_datetime(
                ["2026-01-10", "2026-01-20", "2026-02-05", "2026-02-15", None, "2025-01-15"]
            ),
            Deal.first_visit_date: pd.to_datetime(
                ["2026-01-01", "2026-01-25", "2026-01-05", None, None, "2025-01-01"]
            ),
            Deal.total_price: [100.0, 200.0, 300.0, 50.0, 70.0, 80.0],
            Deal.customer_key: ["k1", "k2", "k1", "k9", "k5", "k6"],
        }
    )


@pytest.fixture()
def history() -> pd.DataFrame:
    return pd.DataFrame(
        {
            History.deal_id: ["b", "e", "f", "a"],
            History.status: ["退房", "换房", "退房", "认购"],
            History.event_date: pd.to_datetime(["2026-02-03", "2026-03-01", "2026-02-10", "2026-01-02"]),
            History.source_file: "x.csv",
        }
    )


@pytest.fixture()
def targets() -> pd.DataFrame:
    rows = [  # year, quarter, month, week, level, unit, units, amount
        (2026, NA, 1, NA, "项目", "P1", 2.0, 250.0),
        (2026, NA, 2, NA, "项目", "P1", 0.0, 0.0),
        (2026, 1, NA, NA, "集团", "集团", 5.0, 1000.0),
        (2026, NA, 2, NA, "个人", "r3", 2.0, 400.0),
        (2026, 1, 2, NA, "项目", "P2", 2.0, 300.0),
        (2026, 1, 3, NA, "项目", "P2", 1.0, 100.0),
    ]
    t = pd.DataFrame(
        rows, columns=[Target.year, Target.quarter, Target.month, Target.week, Target.level, Target.unit, Target.units_target, Target.amount_target]
    )
    t[Target.collection_target] = np.nan
    return t.astype({Target.year: "Int64", Target.quarter: "Int64", Target.month: "Int64", Target.week: "Int64"})


@pytest.fixture()
def ev(deals, history) -> pd.DataFrame:
    return sales.events(deals, history)


def test_events_count_signings_cancellations_and_changes(ev):
    # f was never signed and a's 认购 is not a signing: 5 signings + b's 退房 + e's 换房
    assert sorted(zip(ev[History.deal_id], ev[History.status], strict=True)) == [
        ("a", "签约"),
        ("b", "签约"),
        ("b", "退房"),
        ("c", "签约"),
        ("e", "换房"),
        ("e", "签约"),
        ("g", "签约"),
    ]
    assert ev.loc[ev[History.status] == "退房", sales.Actuals.amount].tolist() == [-200.0]


def test_monthly_actuals_by_date_of_event(ev):
    m = sales.actuals(ev, "month").set_index(sales.Actuals.period)
    assert m.loc["2026-01", sales.Actuals.net_units] == 2 and m.loc["2026-01", sales.Actuals.net_amount] == 300
    # Feb: c + e signed (2 units, 350) − b cancelled (1 unit, 200)
    assert m.loc["2026-02", [sales.Actuals.signed_units, sales.Actuals.cancelled_units, sales.Actuals.net_units]].tolist() == [
        2,
        1,
        1,
    ]
    assert m.loc["2026-02", sales.Actuals.net_amount] == 150
    # March: only e's 换房 (+1, +50)
    assert m.loc["2026-03", [sales.Actuals.changed_units, sales.Actuals.net_units, sales.Actuals.net_amount]].tolist() == [
        1,
        1,
        50,
    ]


def test_weekly_and_yearly_actuals_use_canonical_labels(ev):
    w = sales.actuals(ev, "week").set_index(sales.Actuals.period)
    # ISO week 6 of 2026 (Feb 2–8): c signed (+300), b cancelled (−200); e signed Sun 02-15 → W07
    assert w.loc["2026W06", [sales.Actuals.net_units, sales.Actuals.net_amount]].tolist() == [0, 100]
    assert w.loc["2026W07", sales.Actuals.signed_units] == 1 and "2025W03" in w.index
    y = sales.actuals(ev, "year").set_index(sales.Actuals.period)
    assert y.index.tolist() == ["2025", "2026"] and y.loc["2026", sales.Actuals.net_units] == 4
    with pytest.raises(ParameterError):
        sales.actuals(ev, "day")


def test_events_without_history_use_signing_dates(deals):
    ev = sales.events(deals)
    assert (ev[History.status] == "签约").all() and len(ev) == 5


def test_attainment_hand_computed(ev, targets):
    q1 = sales.attainment(ev, targets, "2026Q1").set_index([Target.level, Target.unit])
    # group: net units 2 + 1 + 1 = 4 of 5; net amount 300 + 150 + 50 = 500 of 1000
    assert q1.loc[("集团", "集团"), sales.Actuals.units_attainment] == pytest.approx(80.0)
    assert q1.loc[("集团", "集团"), sales.Actuals.amount_attainment] == pytest.approx(50.0)
    # P2 has monthly targets only: Feb 300 + Mar 100 = 400; actual 350 + 50
    assert q1.loc[("项目", "P2"), Target.amount_target] == 400
    assert q1.loc[("项目", "P2"), sales.Actuals.amount_attainment] == pytest.approx(100.0)
    assert q1.loc[("项目", "P2"), sales.Actuals.target_source] == "由2个月度目标汇总"
    jan = sales.attainment(ev, targets, "2026-01", "项目").set_index(Target.unit)
    assert jan.loc["P1", sales.Actuals.amount_attainment] == pytest.approx(120.0)  # 300 / 250
    assert jan.loc["P1", sales.Actuals.units_attainment] == pytest.approx(100.0)
    feb = sales.attainment(ev, targets, "2026-02").set_index([Target.level, Target.unit])
    assert feb.loc[("项目", "P1"), sales.Actuals.status] == "目标为零"
    assert np.isnan(feb.loc[("项目", "P1"), sales.Actuals.amount_attainment])
    assert feb.loc[("项目", "P1"), sales.Actuals.amount_actual] == -200  # the cancellation
    assert feb.loc[("个人", "r3"), sales.Actuals.amount_attainment] == pytest.approx(87.5)  # 350 / 400


def test_group_target_falls_back_to_sum_of_projects(ev, targets):
    feb = sales.attainment(ev, targets.iloc[[0, 1, 3, 4, 5]], "2026-02", "集团").iloc[0]
    assert feb[Target.amount_target] == 300  # P1 0 + P2 300
    assert feb[sales.Actuals.target_source] == "由2个项目目标汇总"


def test_attainment_matrix(ev, targets):
    mat = sales.attainment_matrix(ev, targets, 2026)
    assert mat.loc["P1", "2026-01"] == pytest.approx(120.0)
    assert mat.loc["P2", "2026-03"] == pytest.approx(50.0)  # 50 / 100
    assert np.isnan(mat.loc["P1", "2026-05"])


def test_growth_rates_and_defined_results_for_bad_bases(ev):
    g = growth.growth(ev, "2026-02", level="集团").set_index([sales.Growth.metric, sales.Growth.comparison])
    mom = g.loc[(sales.Actuals.net_amount, "环比")]
    assert mom[sales.Growth.rate] == pytest.approx(-0.5)  # 150 vs 300
    yoy = (
        growth.growth(ev, "2026-01")
        .set_index([sales.Growth.metric, sales.Growth.comparison])
        .loc[(sales.Actuals.net_amount, "同比")]
    )
    assert yoy[sales.Growth.rate] == pytest.approx(2.75)  # (300 − 80) / 80
    proj = growth.growth(ev, "2026-02", level="项目", metrics=(sales.Actuals.net_amount,)).set_index(
        [Target.unit, sales.Growth.comparison]
    )
    assert proj.loc[("P2", "环比"), sales.Growth.status] == "无基期数据"  # P2 started in Feb
    assert proj.loc[("P1", "同比"), sales.Growth.status] == "基期为零"  # P1 sold nothing in 2025-02
    assert np.isnan(proj.loc[("P1", "同比"), sales.Growth.rate])
    mar = growth.growth(ev, "2026-03", level="项目", metrics=(sales.Actuals.net_amount,)).set_index(
        [Target.unit, sales.Growth.comparison]
    )
    assert mar.loc[("P1", "环比"), sales.Growth.status] == "基期为负"  # Feb: −200
    both = growth.growth(ev, "2025-03", level="项目").set_index([Target.unit, sales.Growth.comparison])
    assert both.loc[("P1", "环比"), sales.Growth.status].iloc[0] == "基期与本期均为零"
    wide = growth.growth_wide(ev, "2026-02", level="项目").set_index(Target.unit)
    assert wide.columns.tolist() == [
        "current",
        "prev_base",
        "prev_growth_rate",
        "prev_growth_status",
        "yoy_base",
        "yoy_growth_rate",
        "yoy_growth_status",
    ]
    assert wide.loc["P1", "current"] == -200 and wide.loc["P2", "prev_growth_status"] == "无基期数据"
    assert wide.loc["P1", "yoy_growth_status"] == "基期为零" and wide.loc["P1", "prev_base"] == 300


def test_growth_rate_vectorised_cases():
    rate, status = growth.growth_rate(
        pd.Series([110.0, 5.0, 0.0, 3.0, np.nan, 4.0]),
        pd.Series([100.0, 0.0, 0.0, -2.0, 1.0, 1.0]),
        pd.Series([True, True, True, True, True, False]),
    )
    assert rate.iloc[0] == pytest.approx(0.1) and rate.iloc[1:].isna().all()
    assert status.tolist() == ["正常", "基期为零", "基期与本期均为零", "基期为负", "无本期数据", "无基期数据"]


def test_pacing_running_month_and_quarter(ev, targets):
    pc = sales.pacing(ev, targets, "2026-02-14").set_index(sales.Actuals.period)
    q = pc.loc["2026Q1"]
    assert q[sales.Actuals.elapsed_share] == pytest.approx(45 / 90)
    assert q[sales.Actuals.reached_share] == pytest.approx(
        0.4
    )  # by Feb 14: a 100 + b 200 − b 200 + c 300 = 400 of 1000
    assert q[sales.Actuals.pacing_status] == "落后"
    m = pc.loc["2026-02"]  # group month target from projects: 0 + 300
    assert m[sales.Actuals.reached_share] == pytest.approx(100 / 300)  # −200 + 300 by Feb 14
    assert m[sales.Actuals.elapsed_share] == pytest.approx(14 / 28)
    assert m[sales.Actuals.projected] == pytest.approx(200.0)  # run rate


def test_rankings(ev, targets):
    r = perf.rankings(ev, "2026Q1", targets=targets).set_index(Deal.sales_rep)
    assert r[sales.Ranking.rank].to_dict() == {"r3": 1, "r1": 2, "r2": 3}
    assert r.loc["r3", sales.Actuals.net_amount] == 400 and r.loc["r3", sales.Actuals.net_units] == 3
    assert r.loc["r3", sales.Ranking.share] == pytest.approx(0.8)
    assert r.loc["r2", sales.Ranking.cancel_rate] == pytest.approx(1.0)
    assert r.loc["r3", Deal.project] == "P2"
    teams = perf.rankings(ev, "2026Q1", by=Deal.sales_team)
    assert teams.set_index(Deal.sales_team)[sales.Actuals.net_amount].to_dict() == {"t2": 400.0, "t1": 100.0}
    with pytest.raises(ParameterError):
        perf.rankings(ev, "2026Q1", by="gender")


def test_cycle_time(deals):
    ct = perf.cycle_time(deals, "2026Q1").iloc[0]
    assert ct[sales.Ranking.n] == 2 and ct[sales.Ranking.mean_days] == pytest.approx(20.0)  # 9 and 31 days
    assert ct[sales.Ranking.excluded] == 2  # b: visit after signing; e: no visit date
    assert bool(ct[sales.Ranking.small_n])


def test_satisfaction_by_rep(deals):
    sv = pd.DataFrame(
        {
            Survey.customer_key: ["k1", "k1", "k9"],
            Survey.survey_date: pd.to_datetime(["2026-01-15", "2026-03-01", "2026-01-01"]),
            Survey.overall: [5.0, 3.0, 4.0],
            Survey.recommend: [10.0, 5.0, 9.0],
        }
    )
    out = perf.satisfaction_by_rep(deals, sv, min_n=2).set_index(Deal.sales_rep)
    # k1 on 01-15 → r1 (deal a); k1 on 03-01 → r3 (deal c); k9 before any deal → r3 (deal e)
    assert out.loc["r1", sales.Ranking.n] == 1 and out.loc["r3", sales.Ranking.n] == 2
    assert out.loc["r3", sales.Ranking.nps] == pytest.approx(0.0)  # one promoter, one detractor
    assert out.loc["r3", sales.Ranking.overall_mean] == pytest.approx(3.5)
    assert bool(out.loc["r1", sales.Ranking.small_n]) and not bool(out.loc["r3", sales.Ranking.small_n])


def test_satisfaction_by_rep_window(deals):
    sv = pd.DataFrame(
        {
            Survey.customer_key: ["k1", "k1", "k1"],
            Survey.survey_date: pd.to_datetime(["2025-03-31", "2025-04-01", "2026-03-31"]),
            Survey.overall: [1.0, 4.0, 5.0],
            Survey.recommend: [0.0, 9.0, 10.0],
        }
    )
    out = perf.satisfaction_by_rep(deals, sv, until=pd.Timestamp("2026-03-31"), months=12)
    assert int(out[sales.Ranking.n].sum()) == 2  # 2025-03-31 is outside (2025-03-31, 2026-03-31]
    assert out[sales.Ranking.overall_mean].max() == pytest.approx(5.0)


def test_for_project_keeps_the_project_its_teams_and_reps(ev, targets):
    att = sales.attainment(ev, targets, "2026-02")
    p2 = perf.for_project(att, ev, "P2")
    assert set(p2["unit"]) == {"P2", "r3"}  # P2's rep target; P1 and the group drop out
    assert perf.for_project(att, ev, None) is att and perf.for_project(None, ev, "P2") is None
    assert set(perf.deals_of(ev, "P1")["project"]) == {"P1"}


def test_kpis_and_headline(ev, deals, history, targets):
    from dealresearch.present import sales_summary

    r = sales.review(deals, period="2026Q1", history=history, targets=targets, ev=ev)
    cards = sales_summary.cards(r)
    labels = [c[0] for c in cards]
    assert labels == ["净签约金额", "净签约套数", "金额目标达成率", "退房套数"]
    assert cards[2][1] == "50.0%"
    assert cards[3][1] == "1 套"
    text = "".join(sales_summary.sentences(r))
    assert "完成金额目标 50.0%" in text
    assert "2 个有目标的项目中" in text  # P1 and P2 have Q1 amount targets (monthly, summed)
    # the page's paragraph and cards come from one review
    assert sales_summary.summary(r) == (text, cards)
    with pytest.raises(ParameterError):
        sales.review(deals, period="2026Q1", history=history, targets=targets, project="P9")


def test_week_targets_are_read_as_iso_weeks(ev):
    t = pd.DataFrame(
        {
            Target.year: [2026],
            Target.quarter: [NA],
            Target.month: [NA],
            Target.week: [6],
            Target.level: ["集团"],
            Target.unit: ["集团"],
            Target.units_target: [2.0],
            Target.amount_target: [300.0],
        }
    )
    t = t.astype({Target.year: "Int64", Target.quarter: "Int64", Target.month: "Int64", Target.week: "Int64"})
    # ISO week 6 of 2026 = Feb 2–8: c signed (300), b cancelled (−200)
    att = sales.attainment(ev, t, "2026W06").iloc[0]
    assert att[sales.Actuals.amount_actual] == 100 and att[sales.Actuals.amount_attainment] == pytest.approx(100 / 3)
    feb = sales.attainment(ev, t, "2026-02").iloc[0]
    assert feb[sales.Actuals.target_source] == "由1个周目标汇总"


def test_change_can_be_counted_as_neutral(deals, history):
    ev = sales.events(deals, history, net_sign={"签约": 1, "退房": -1, "换房": 0})
    m = sales.actuals(ev, "month").set_index(sales.Actuals.period)
    assert m.loc["2026-03", [sales.Actuals.changed_units, sales.Actuals.net_units, sales.Actuals.net_amount]].tolist() == [
        1,
        0,
        0,
    ]


def test_sample_signings_and_targets(sample_store, sample_truth):
    import dealresearch as dr
    from dealresearch.ingest.store import read_table

    ev = sales.events(dr.load("deals", store=sample_store), read_table("status_history", sample_store))
    q = sales.actuals(ev, "quarter").set_index(sales.Actuals.period)[sales.Actuals.signed_units]
    assert q.to_dict() == sample_truth["deals_by_quarter"]
    changes = pd.Series(sample_truth["status_changes"])
    assert (ev[History.status] == "退房").sum() == sum(v[0] == "退房" for v in changes)
    targets = read_table("targets", sample_store)
    assert len(targets) == sample_truth["targets_rows"]
    att = sales.attainment(ev, targets, "2026Q3", "项目")  # the sample ends 2026-09-30
    assert len(att) == 3 and att[sales.Actuals.amount_attainment].between(50, 150).all()


def test_sales_charts_draw_the_numbers(ev, targets):
    import matplotlib

    matplotlib.use("Agg")
    from dealresearch.plots import sales as splots

    ax = splots.attainment_heatmap(sales.attainment_matrix(ev, targets, 2026))
    assert {"120", "117", "50"} <= {
        t.get_text() for t in ax.texts
    }  # P1 Jan 300/250, P2 Feb 350/300, Mar 50/100
    ranking = perf.rankings(ev, "2026Q1", targets=targets)
    ax = splots.ranking_bars(ranking)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["r2", "r1", "r3"]  # best at the top
    ax = splots.pacing_bars(sales.pacing(ev, targets, "2026-02-14"))
    assert len(ax.patches) == 2
    ax = splots.monthly_trend(
        sales.actuals(ev, "month"), targets=sales.monthly_targets(targets, 2026, level="项目", unit="P1")
    )
    assert [p.get_height() for p in ax.patches] == [80.0, 300.0, 150.0, 50.0]  # 2025-01, 2026-01..03


# ------------------------------------------------------------------ sales.review and its page
def test_review_headline_growth_target_and_problems(deals, history, targets):
    r = sales.review(deals, period="2026Q1", history=history, targets=targets)
    h = r.headline
    # a 100 + b 200 − b 200 + c 300 + e 50 + e's 换房 50 = 500; 4 signed − 1 退房 + 1 换房 = 4
    assert (h.net_amount, h.net_units, h.signed_units, h.cancelled_units) == (500.0, 4, 4, 1)
    assert h.cancel_rate == pytest.approx(0.25)
    assert h.amount_yoy.rate == pytest.approx((500 - 80) / 80) and h.amount_yoy.base_period == "2025Q1"
    assert h.amount_prev.status == "基期为零" and not h.amount_prev.ok  # nothing in 2025Q4
    assert h.target.amount_attainment == pytest.approx(50.0) and h.target.units_attainment == pytest.approx(80.0)
    # P1: 100 of 250 (40 %), P2: 400 of 400 (100 %)
    assert (h.projects_with_target, h.projects_below_target) == (2, 1)
    assert [(p.kind, p.subject, p.amount) for p in r.problems] == [("below_target", "集团", 500.0)]
    assert r.scope.level == "集团" and not r.scope.closed  # last event 2026-03-01, before the quarter end
    assert r.reps.n == 3 and r.attainment.n == len(r.attainment.frame)
    act = sales.actual_in(sales.events(deals, history), "2026Q1", "集团").loc["集团"]
    assert h.net_amount == act[sales.Actuals.net_amount] and h.net_units == act[sales.Actuals.net_units]
    own = sales.review(deals, period="2026Q1", history=history, targets=targets, project="P2").headline
    assert (own.net_amount, own.net_units) == (400.0, 3) and own.target.amount_attainment == pytest.approx(100.0)
    with pytest.raises(ParameterError):
        sales.review(deals, period="2026Q1", history=history, project="P9")


def test_review_says_why_a_part_is_missing(deals, history):
    r = sales.review(deals, period="2026Q1", history=history)
    for part in (r.attainment, r.heatmap, r.pacing, r.satisfaction, r.headline.target, r.monthly.targets):
        assert isinstance(part, Unavailable) and part.reason, part
    assert "销售目标" in r.pacing.reason and "调查" in r.satisfaction.reason
    assert not r.scope.has_targets and r.headline.net_amount == 500.0
    from dealresearch.present import sales_summary

    assert [c[0] for c in sales_summary.cards(r)] == ["净签约金额", "净签约套数", "退房套数"]


def test_a_closed_period_has_no_pacing(deals, history, targets):
    closed = sales.review(deals, period="2026-02", history=history, targets=targets)
    assert closed.scope.closed and closed.scope.asof == pd.Timestamp("2026-02-28")
    assert isinstance(closed.pacing, Unavailable) and "已于 2026-02-28 结束" in closed.pacing.reason
    running = sales.review(deals, period="2026-02", history=history, targets=targets, asof="2026-02-14")
    assert not running.scope.closed and running.pacing.n == 2  # the month and the quarter
    assert running.pacing.frame.set_index(sales.Actuals.period).loc["2026-02", sales.Actuals.reached_share] == (
        pytest.approx(100 / 300))


def _planted() -> tuple[pd.DataFrame, pd.DataFrame]:
    """2025Q3: Down 10, Up 5 signings; 2026Q3: Down 6 (−40 %), Up 25 by three reps: hot 4 of 10
    cancelled, mild 2 of 5 (too few to count), calm 0 of 10. All deals 100 元."""
    rows = ([("Down", "d1", "2025-08-01")] * 10 + [("Up", "calm", "2025-08-01")] * 5
            + [("Down", "d1", "2026-08-01")] * 6 + [("Up", "hot", "2026-08-01")] * 10
            + [("Up", "mild", "2026-08-01")] * 5 + [("Up", "calm", "2026-08-01")] * 10)
    deals = pd.DataFrame(rows, columns=[Deal.project, Deal.sales_rep, Deal.sign_date])
    deals[Deal.deal_id] = [f"x{i}" for i in range(len(deals))]
    deals[Deal.sign_date] = pd.to_datetime(deals[Deal.sign_date])
    deals[Deal.sales_team] = deals[Deal.project] + "组"
    deals[Deal.total_price] = 100.0
    gone = pd.concat([deals[deals[Deal.sales_rep] == "hot"].head(4), deals[deals[Deal.sales_rep] == "mild"].head(2)])
    history = pd.DataFrame({History.deal_id: gone[Deal.deal_id], History.status: "退房",
                            History.event_date: pd.Timestamp("2026-09-01"), History.source_file: "x.csv"})
    return deals, history


def test_review_finds_the_planted_problems_and_the_page_leads_with_them():
    from dealresearch.present import sales_summary

    deals, history = _planted()
    r = sales.review(deals, period="2026Q3", history=history)
    got = [(p.kind, p.subject) for p in r.problems]
    assert got == [("yoy_decline", "Down"), ("high_cancellation", "hot")]  # mild: only 2 退房
    down, hot = r.problems
    assert down.value == pytest.approx(-0.4) and down.amount == pytest.approx(400.0)
    assert hot.value == pytest.approx(0.4) and hot.base == pytest.approx(6 / 31) and hot.n == 10
    assert r.headline.amount_yoy.rate == pytest.approx((25 - 15) / 15)  # the group still grows
    said = sales_summary.sentences(r)
    assert 3 <= len(said) <= 5
    text = "".join(said)
    assert "比上年同期增长 66.7%" in text and "Down" in text and "下降 40.0%" in text
    assert "hot退房率 40.0%（10 套签约中 4 套退房）" in text and text.count("建议") == 1
    assert not any(w in text for w in ("net_amount", "sales_rep", "project", "nan", "None"))
    own = sales.review(deals, period="2026Q3", history=history, project="Down")
    assert [p.kind for p in own.problems] == ["yoy_decline"]
    text = "".join(sales_summary.sentences(own))
    assert text.count("金额比上年同期下降 40.0%") == 1 and "需要关注" not in text  # said once …
    assert "复盘Down的来访量" in text  # … with what to do


def test_the_page_cards_read_as_the_kpis_did(ev, deals, history, targets):
    """The cards the old performance.kpis gave on this table, value for value."""
    from dealresearch.present import sales_summary

    group = sales.review(deals, period="2026Q1", history=history, targets=targets, ev=ev)
    assert sales_summary.cards(group) == [
        ("净签约金额", "500 元", pytest.approx(5.25), "环比：基期为零"),  # (500 − 80) / 80; nothing in 2025Q4
        ("净签约套数", "4 套", pytest.approx(3.0), "环比：基期为零"),  # (4 − 1) / 1
        ("金额目标达成率", "50.0%", None, "目标 1,000 元"),
        ("退房套数", "1 套", None, "退房率 25.0%"),
    ]
    p2 = sales.review(deals, period="2026Q1", history=history, targets=targets, ev=ev, project="P2")
    assert sales_summary.cards(p2) == [
        ("净签约金额", "400 元", "无基期数据", "环比：无基期数据"),  # P2 opened in 2026
        ("净签约套数", "3 套", "无基期数据", "环比：无基期数据"),
        ("金额目标达成率", "100.0%", None, "目标 400 元"),
        ("退房套数", "0 套", None, "退房率 0.0%"),
    ]
    text = "".join(sales_summary.sentences(group))
    assert "完成金额目标 50.0%（目标 1,000 元）" in text and "2 个有目标的项目中 1 个未达成" in text
    assert "达成率最低的是P1（40.0%）" in text


def test_every_section_renders_with_and_without_targets(deals, history, targets, monkeypatch):
    import IPython.display
    import matplotlib

    matplotlib.use("Agg")
    from dealresearch.present import sales as page

    shown: list[str] = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, **_: shown.append(getattr(obj, "data", "") or ""))
    sv = pd.DataFrame({Survey.customer_key: ["k1", "k2"], Survey.survey_date: pd.to_datetime(["2026-02-10", "2026-03-01"]),
                       Survey.overall: [5, 2], Survey.recommend: [10, 3]})
    pages = []
    for tg in (targets, None):
        r = sales.review(deals, period="2026Q1", history=history, targets=tg, surveys=sv, asof="2026-02-14")
        shown.clear()
        for section in (page.title, page.summary, page.attainment, page.heatmap, page.monthly, page.growth,
                        page.rankings, page.pacing, page.cycle_time, page.rep_satisfaction, page.method):
            section(r)
        pages.append("".join(x for x in shown if isinstance(x, str)))
    with_targets, without = pages
    assert "<h2>摘要</h2>" in with_targets and "<summary>方法与口径</summary>" in with_targets
    assert "时间进度" in with_targets and "金额目标达成率" in with_targets  # pacing table, KPI card
    assert without.count("数据中没有销售目标") >= 3  # target sentence, attainment, heat-map, pacing
    assert "金额目标达成率" not in without and "总体满意度均值" in without
    assert not any(raw in with_targets for raw in ("net_amount", "sales_rep", "attainment_status"))


def test_table_formats_name_only_the_tables_columns(ev, targets):
    from dealresearch import fmt
    from dealresearch.present import sales as page

    assert all(kind in (*fmt.KINDS, "text", "flag") for _, kind in sales.COLUMNS.values())
    ranking = perf.rankings(ev, "2026Q1", targets=targets)
    shown, formats = page._display(ranking)
    assert set(formats) <= set(shown.columns) and formats["退房率"] == "pct" and formats["净签约金额(元)"] == "money"
    assert "排名" in shown.columns and "rank" not in shown.columns


def test_pacing_legend_clears_the_axis_label_and_the_title(ev, targets):
    import matplotlib

    matplotlib.use("Agg")
    from dealresearch.plots import sales as splots

    ax = splots.pacing_bars(sales.pacing(ev, targets, "2026-02-14"))
    fig = ax.figure
    fig.tight_layout()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legend = ax.get_legend().get_window_extent(renderer)
    for other in (ax.xaxis.label, ax.title):
        assert not legend.overlaps(other.get_window_extent(renderer)), other.get_text()
