"""Sales actuals, attainment, growth, pacing, rankings and cycle time against values
computed by hand on a tiny table (see the comments beside each expectation)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dealresearch import sales
from dealresearch.errors import ParameterError
from dealresearch.sales import growth_rates as growth
from dealresearch.sales import performance as perf
from dealresearch.schema import D, H, S, T

NA = pd.NA


@pytest.fixture()
def deals() -> pd.DataFrame:
    # a, b: P1 in Jan 2026; b is cancelled on 2026-02-03. c, e: P2 in Feb; e changes
    # unit (换房) on 2026-03-01. f: a subscription (no signing) cancelled → never counted.
    # g: P1 a year earlier (the YoY base).
    return pd.DataFrame(
        {
            D.deal_id: ["a", "b", "c", "e", "f", "g"],
            D.project: ["P1", "P1", "P2", "P2", "P1", "P1"],
            D.sales_team: ["t1", "t1", "t2", "t2", "t1", "t1"],
            D.sales_rep: ["r1", "r2", "r3", "r3", "r1", "r1"],
            D.status: ["签约", "退房", "签约", "换房", "退房", "签约"],
            D.sign_date: pd.to_datetime(
                ["2026-01-10", "2026-01-20", "2026-02-05", "2026-02-15", None, "2025-01-15"]
            ),
            D.first_visit_date: pd.to_datetime(
                ["2026-01-01", "2026-01-25", "2026-01-05", None, None, "2025-01-01"]
            ),
            D.total_price: [100.0, 200.0, 300.0, 50.0, 70.0, 80.0],
            D.customer_key: ["k1", "k2", "k1", "k9", "k5", "k6"],
        }
    )


@pytest.fixture()
def history() -> pd.DataFrame:
    return pd.DataFrame(
        {
            H.deal_id: ["b", "e", "f", "a"],
            H.status: ["退房", "换房", "退房", "认购"],
            H.event_date: pd.to_datetime(["2026-02-03", "2026-03-01", "2026-02-10", "2026-01-02"]),
            H.source_file: "x.csv",
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
        rows, columns=[T.year, T.quarter, T.month, T.week, T.level, T.unit, T.units_target, T.amount_target]
    )
    t[T.collection_target] = np.nan
    return t.astype({T.year: "Int64", T.quarter: "Int64", T.month: "Int64", T.week: "Int64"})


@pytest.fixture()
def ev(deals, history) -> pd.DataFrame:
    return sales.events(deals, history)


def test_events_count_signings_cancellations_and_changes(ev):
    # f was never signed and a's 认购 is not a signing: 5 signings + b's 退房 + e's 换房
    assert sorted(zip(ev[H.deal_id], ev[H.status], strict=True)) == [
        ("a", "签约"),
        ("b", "签约"),
        ("b", "退房"),
        ("c", "签约"),
        ("e", "换房"),
        ("e", "签约"),
        ("g", "签约"),
    ]
    assert ev.loc[ev[H.status] == "退房", sales.A.amount].tolist() == [-200.0]


def test_monthly_actuals_by_date_of_event(ev):
    m = sales.actuals(ev, "month").set_index(sales.A.period)
    assert m.loc["2026-01", sales.A.net_units] == 2 and m.loc["2026-01", sales.A.net_amount] == 300
    # Feb: c + e signed (2 units, 350) − b cancelled (1 unit, 200)
    assert m.loc["2026-02", [sales.A.signed_units, sales.A.cancelled_units, sales.A.net_units]].tolist() == [
        2,
        1,
        1,
    ]
    assert m.loc["2026-02", sales.A.net_amount] == 150
    # March: only e's 换房 (+1, +50)
    assert m.loc["2026-03", [sales.A.changed_units, sales.A.net_units, sales.A.net_amount]].tolist() == [
        1,
        1,
        50,
    ]


def test_weekly_and_yearly_actuals_use_canonical_labels(ev):
    w = sales.actuals(ev, "week").set_index(sales.A.period)
    # ISO week 6 of 2026 (Feb 2–8): c signed (+300), b cancelled (−200); e signed Sun 02-15 → W07
    assert w.loc["2026W06", [sales.A.net_units, sales.A.net_amount]].tolist() == [0, 100]
    assert w.loc["2026W07", sales.A.signed_units] == 1 and "2025W03" in w.index
    y = sales.actuals(ev, "year").set_index(sales.A.period)
    assert y.index.tolist() == ["2025", "2026"] and y.loc["2026", sales.A.net_units] == 4
    with pytest.raises(ParameterError):
        sales.actuals(ev, "day")


def test_events_without_history_use_signing_dates(deals):
    ev = sales.events(deals)
    assert (ev[H.status] == "签约").all() and len(ev) == 5


def test_attainment_hand_computed(ev, targets):
    q1 = sales.attainment(ev, targets, "2026Q1").set_index([T.level, T.unit])
    # group: net units 2 + 1 + 1 = 4 of 5; net amount 300 + 150 + 50 = 500 of 1000
    assert q1.loc[("集团", "集团"), sales.A.units_attainment] == pytest.approx(80.0)
    assert q1.loc[("集团", "集团"), sales.A.amount_attainment] == pytest.approx(50.0)
    # P2 has monthly targets only: Feb 300 + Mar 100 = 400; actual 350 + 50
    assert q1.loc[("项目", "P2"), T.amount_target] == 400
    assert q1.loc[("项目", "P2"), sales.A.amount_attainment] == pytest.approx(100.0)
    assert q1.loc[("项目", "P2"), sales.A.target_source] == "由2个月度目标汇总"
    jan = sales.attainment(ev, targets, "2026-01", "项目").set_index(T.unit)
    assert jan.loc["P1", sales.A.amount_attainment] == pytest.approx(120.0)  # 300 / 250
    assert jan.loc["P1", sales.A.units_attainment] == pytest.approx(100.0)
    feb = sales.attainment(ev, targets, "2026-02").set_index([T.level, T.unit])
    assert feb.loc[("项目", "P1"), sales.A.status] == "目标为零"
    assert np.isnan(feb.loc[("项目", "P1"), sales.A.amount_attainment])
    assert feb.loc[("项目", "P1"), sales.A.amount_actual] == -200  # the cancellation
    assert feb.loc[("个人", "r3"), sales.A.amount_attainment] == pytest.approx(87.5)  # 350 / 400


def test_group_target_falls_back_to_sum_of_projects(ev, targets):
    feb = sales.attainment(ev, targets.iloc[[0, 1, 3, 4, 5]], "2026-02", "集团").iloc[0]
    assert feb[T.amount_target] == 300  # P1 0 + P2 300
    assert feb[sales.A.target_source] == "由2个项目目标汇总"


def test_attainment_matrix(ev, targets):
    mat = sales.attainment_matrix(ev, targets, 2026)
    assert mat.loc["P1", "2026-01"] == pytest.approx(120.0)
    assert mat.loc["P2", "2026-03"] == pytest.approx(50.0)  # 50 / 100
    assert np.isnan(mat.loc["P1", "2026-05"])


def test_growth_rates_and_defined_results_for_bad_bases(ev):
    g = growth.growth(ev, "2026-02", level="集团").set_index([growth.G.metric, growth.G.comparison])
    mom = g.loc[(sales.A.net_amount, "环比")]
    assert mom[growth.G.rate] == pytest.approx(-0.5)  # 150 vs 300
    yoy = (
        growth.growth(ev, "2026-01")
        .set_index([growth.G.metric, growth.G.comparison])
        .loc[(sales.A.net_amount, "同比")]
    )
    assert yoy[growth.G.rate] == pytest.approx(2.75)  # (300 − 80) / 80
    proj = growth.growth(ev, "2026-02", level="项目", metrics=(sales.A.net_amount,)).set_index(
        [T.unit, growth.G.comparison]
    )
    assert proj.loc[("P2", "环比"), growth.G.status] == "无基期数据"  # P2 started in Feb
    assert proj.loc[("P1", "同比"), growth.G.status] == "基期为零"  # P1 sold nothing in 2025-02
    assert np.isnan(proj.loc[("P1", "同比"), growth.G.rate])
    mar = growth.growth(ev, "2026-03", level="项目", metrics=(sales.A.net_amount,)).set_index(
        [T.unit, growth.G.comparison]
    )
    assert mar.loc[("P1", "环比"), growth.G.status] == "基期为负"  # Feb: −200
    both = growth.growth(ev, "2025-03", level="项目").set_index([T.unit, growth.G.comparison])
    assert both.loc[("P1", "环比"), growth.G.status].iloc[0] == "基期与本期均为零"
    wide = growth.growth_wide(ev, "2026-02", level="项目").set_index(T.unit)
    assert wide.columns.tolist() == [
        "本期",
        "同比基期值",
        "环比基期值",
        "同比增长率",
        "环比增长率",
        "同比说明",
        "环比说明",
    ]
    assert wide.loc["P1", "本期"] == -200 and wide.loc["P2", "环比说明"] == "无基期数据"


def test_growth_rate_vectorised_cases():
    rate, status = growth.growth_rate(
        pd.Series([110.0, 5.0, 0.0, 3.0, np.nan, 4.0]),
        pd.Series([100.0, 0.0, 0.0, -2.0, 1.0, 1.0]),
        pd.Series([True, True, True, True, True, False]),
    )
    assert rate.iloc[0] == pytest.approx(0.1) and rate.iloc[1:].isna().all()
    assert status.tolist() == ["正常", "基期为零", "基期与本期均为零", "基期为负", "无本期数据", "无基期数据"]


def test_pacing_running_month_and_quarter(ev, targets):
    pc = sales.pacing(ev, targets, "2026-02-14").set_index(sales.A.period)
    q = pc.loc["2026Q1"]
    assert q[sales.A.elapsed_share] == pytest.approx(45 / 90)
    assert q[sales.A.reached_share] == pytest.approx(
        0.4
    )  # by Feb 14: a 100 + b 200 − b 200 + c 300 = 400 of 1000
    assert q[sales.A.pacing_status] == "落后"
    m = pc.loc["2026-02"]  # group month target from projects: 0 + 300
    assert m[sales.A.reached_share] == pytest.approx(100 / 300)  # −200 + 300 by Feb 14
    assert m[sales.A.elapsed_share] == pytest.approx(14 / 28)
    assert m[sales.A.projected] == pytest.approx(200.0)  # run rate


def test_rankings(ev, targets):
    r = perf.rankings(ev, "2026Q1", targets=targets).set_index(D.sales_rep)
    assert r[sales.R.rank].to_dict() == {"r3": 1, "r1": 2, "r2": 3}
    assert r.loc["r3", sales.A.net_amount] == 400 and r.loc["r3", sales.A.net_units] == 3
    assert r.loc["r3", sales.R.share] == pytest.approx(0.8)
    assert r.loc["r2", sales.R.cancel_rate] == pytest.approx(1.0)
    assert r.loc["r3", D.project] == "P2"
    teams = perf.rankings(ev, "2026Q1", by=D.sales_team)
    assert teams.set_index(D.sales_team)[sales.A.net_amount].to_dict() == {"t2": 400.0, "t1": 100.0}
    with pytest.raises(ParameterError):
        perf.rankings(ev, "2026Q1", by="gender")


def test_cycle_time(deals):
    ct = perf.cycle_time(deals, "2026Q1").iloc[0]
    assert ct[sales.R.n] == 2 and ct[sales.R.mean_days] == pytest.approx(20.0)  # 9 and 31 days
    assert ct[sales.R.excluded] == 2  # b: visit after signing; e: no visit date
    assert bool(ct[sales.R.small_n])


def test_satisfaction_by_rep(deals):
    sv = pd.DataFrame(
        {
            S.customer_key: ["k1", "k1", "k9"],
            S.survey_date: pd.to_datetime(["2026-01-15", "2026-03-01", "2026-01-01"]),
            S.overall: [5.0, 3.0, 4.0],
            S.recommend: [10.0, 5.0, 9.0],
        }
    )
    out = perf.satisfaction_by_rep(deals, sv, min_n=2).set_index(D.sales_rep)
    # k1 on 01-15 → r1 (deal a); k1 on 03-01 → r3 (deal c); k9 before any deal → r3 (deal e)
    assert out.loc["r1", sales.R.n] == 1 and out.loc["r3", sales.R.n] == 2
    assert out.loc["r3", sales.R.nps] == pytest.approx(0.0)  # one promoter, one detractor
    assert out.loc["r3", sales.R.overall_mean] == pytest.approx(3.5)
    assert bool(out.loc["r1", sales.R.small_n]) and not bool(out.loc["r3", sales.R.small_n])


def test_satisfaction_by_rep_window(deals):
    sv = pd.DataFrame(
        {
            S.customer_key: ["k1", "k1", "k1"],
            S.survey_date: pd.to_datetime(["2025-03-31", "2025-04-01", "2026-03-31"]),
            S.overall: [1.0, 4.0, 5.0],
            S.recommend: [0.0, 9.0, 10.0],
        }
    )
    out = perf.satisfaction_by_rep(deals, sv, until=pd.Timestamp("2026-03-31"), months=12)
    assert int(out[sales.R.n].sum()) == 2  # 2025-03-31 is outside (2025-03-31, 2026-03-31]
    assert out[sales.R.overall_mean].max() == pytest.approx(5.0)


def test_for_project_keeps_the_project_its_teams_and_reps(ev, targets):
    att = sales.attainment(ev, targets, "2026-02")
    p2 = perf.for_project(att, ev, "P2")
    assert set(p2["unit"]) == {"P2", "r3"}  # P2's rep target; P1 and the group drop out
    assert perf.for_project(att, ev, None) is att and perf.for_project(None, ev, "P2") is None
    assert set(perf.deals_of(ev, "P1")["project"]) == {"P1"}


def test_kpis_and_headline(ev, targets):
    cards = perf.kpis(ev, targets, "2026Q1")
    labels = [c[0] for c in cards]
    assert labels == ["净签约金额", "净签约套数", "金额目标达成率", "退房套数"]
    assert cards[2][1] == "50.0%"
    assert cards[3][1] == "1 套"
    text = perf.headline(ev, targets, "2026Q1")
    assert "金额目标达成率 50.0%" in text
    assert "2 个有目标的项目中" in text  # P1 and P2 have Q1 amount targets (monthly, summed)
    # one shared computation gives the very same headline and cards
    assert perf.summary(ev, targets, "2026Q1") == (text, cards)
    assert perf.summary(ev, targets, "2026Q1", project="P2") == (
        perf.headline(ev, targets, "2026Q1", project="P2"),
        perf.kpis(ev, targets, "2026Q1", project="P2"),
    )
    with pytest.raises(ParameterError):
        perf.summary(ev, targets, "2026Q1", project="P9")


def test_week_targets_are_read_as_iso_weeks(ev):
    t = pd.DataFrame(
        {
            T.year: [2026],
            T.quarter: [NA],
            T.month: [NA],
            T.week: [6],
            T.level: ["集团"],
            T.unit: ["集团"],
            T.units_target: [2.0],
            T.amount_target: [300.0],
        }
    )
    t = t.astype({T.year: "Int64", T.quarter: "Int64", T.month: "Int64", T.week: "Int64"})
    # ISO week 6 of 2026 = Feb 2–8: c signed (300), b cancelled (−200)
    att = sales.attainment(ev, t, "2026W06").iloc[0]
    assert att[sales.A.amount_actual] == 100 and att[sales.A.amount_attainment] == pytest.approx(100 / 3)
    feb = sales.attainment(ev, t, "2026-02").iloc[0]
    assert feb[sales.A.target_source] == "由1个周目标汇总"


def test_change_can_be_counted_as_neutral(deals, history):
    ev = sales.events(deals, history, net_sign={"签约": 1, "退房": -1, "换房": 0})
    m = sales.actuals(ev, "month").set_index(sales.A.period)
    assert m.loc["2026-03", [sales.A.changed_units, sales.A.net_units, sales.A.net_amount]].tolist() == [
        1,
        0,
        0,
    ]


def test_sample_signings_and_targets(sample_store, sample_truth):
    import dealresearch as dr
    from dealresearch.ingest.store import read_table

    ev = sales.events(dr.load("deals", store=sample_store), read_table("status_history", sample_store))
    q = sales.actuals(ev, "quarter").set_index(sales.A.period)[sales.A.signed_units]
    assert q.to_dict() == sample_truth["deals_by_quarter"]
    changes = pd.Series(sample_truth["status_changes"])
    assert (ev[H.status] == "退房").sum() == sum(v[0] == "退房" for v in changes)
    targets = read_table("targets", sample_store)
    assert len(targets) == sample_truth["targets_rows"]
    att = sales.attainment(ev, targets, "2026Q3", "项目")  # the sample ends 2026-09-30
    assert len(att) == 3 and att[sales.A.amount_attainment].between(50, 150).all()


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
