"""Strategy rules: every shipped rule fires on a crafted finding and stays silent on its
negative twin; rule-file validation; 数据不足 notes; end-to-end findings on crafted deals
whose evidence values are found in the analysis tables they came from."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dealresearch import profile as profile
from dealresearch import sales, strategy
from dealresearch.errors import ParameterError
from dealresearch.schema import Deal, History, Target
from dealresearch.strategy import findings as fd
from dealresearch.strategy.findings import FindingColumns

RULES = strategy.load_rules()


def row(finding: str, **kw) -> pd.DataFrame:
    base = {
        FindingColumns.finding: [finding],
        FindingColumns.project: ["P1"],
        FindingColumns.subject: ["x"],
        FindingColumns.figure: ["测试指标"],
        FindingColumns.value: [np.nan],
        FindingColumns.base: [np.nan],
        FindingColumns.delta: [np.nan],
        FindingColumns.n: [100],
        FindingColumns.n_base: [100],
        FindingColumns.period: ["2026Q3"],
        FindingColumns.base_period: ["2026Q2"],
        FindingColumns.test: ["测试"],
        FindingColumns.p_value: [np.nan],
        FindingColumns.tag: [None],
        FindingColumns.unit: ["share"],
        FindingColumns.source: ["test"],
    }
    base.update({k: [v] for k, v in kw.items()})
    return fd._rows(**base)


# rule id → (fires, negative twin): each twin changes one condition
CASES: dict[str, tuple[dict, dict]] = {
    "channel_rising": (
        dict(finding="channel_shift", delta=0.05, p_value=0.01, value=0.2, base=0.15),
        dict(finding="channel_shift", delta=0.05, p_value=0.2, value=0.2, base=0.15),
    ),
    "channel_falling": (
        dict(finding="channel_shift", delta=-0.05, p_value=0.01, value=0.1, base=0.15),
        dict(finding="channel_shift", delta=-0.01, p_value=0.01, value=0.14, base=0.15),
    ),
    "project_under_target": (
        dict(finding="project_attainment", value=70.0, base=1e8, unit="pct"),
        dict(finding="project_attainment", value=85.0, base=1e8, unit="pct"),
    ),
    "rep_under_target": (
        dict(finding="rep_attainment", value=50.0, base=1e7, unit="pct"),
        dict(finding="rep_attainment", value=65.0, base=1e7, unit="pct"),
    ),
    "pacing_behind": (
        dict(finding="pacing", value=0.4, base=0.6, delta=-0.2),
        dict(finding="pacing", value=0.55, base=0.6, delta=-0.05),
    ),
    "cancel_rate_high": (
        dict(finding="cancel_rate", value=0.1, base=0.03, delta=0.07, n=100),
        dict(finding="cancel_rate", value=0.1, base=0.03, delta=0.07, n=10),
    ),
    "referral_potential": (
        dict(finding="referral_potential", value=0.2, base=0.05, n=500),
        dict(finding="referral_potential", value=0.05, base=0.05, n=500),
    ),
    "investor_rising": (
        dict(finding="purpose_shift", subject="投资", delta=0.05, p_value=0.01),
        dict(finding="purpose_shift", subject="养老", delta=0.05, p_value=0.01),
    ),
    "unit_type_demand_up": (
        dict(finding="unit_type_mix", subject="四房", delta=0.08, p_value=0.001),
        dict(finding="unit_type_mix", subject="四房", delta=0.08, p_value=0.3),
    ),
    "unit_type_demand_down": (
        dict(finding="unit_type_mix", subject="二房", delta=-0.08, p_value=0.001),
        dict(finding="unit_type_mix", subject="二房", delta=-0.02, p_value=0.001),
    ),
    "price_band_concentration": (
        dict(finding="price_band", subject="300–500万元", value=0.6),
        dict(finding="price_band", subject="300–500万元", value=0.4),
    ),
    "upgrade_demand_rising": (
        dict(finding="purpose_shift", subject="改善", delta=0.05, p_value=0.01),
        dict(finding="purpose_shift", subject="改善", delta=0.01, p_value=0.01),
    ),
    "first_home_demand_rising": (
        dict(finding="purpose_shift", subject="自住", delta=0.05, p_value=0.01),
        dict(finding="purpose_shift", subject="自住", delta=0.05, p_value=np.nan),
    ),
    "ipa_priority": (
        dict(finding="ipa", subject="交付", value=20.0, base=60.0, tag="重点改进区", unit="pct"),
        dict(finding="ipa", subject="交付", value=20.0, base=80.0, tag="优势保持区", unit="pct"),
    ),
    "rep_low_nps": (
        dict(finding="rep_satisfaction", subject="张三", value=-20.0, base=10.0, delta=-30.0, unit="nps"),
        dict(finding="rep_satisfaction", subject="张三", value=0.0, base=10.0, delta=-10.0, unit="nps"),
    ),
    "survey_coverage_low": (
        dict(finding="survey_coverage", value=0.2, base=0.3, delta=-0.1, n=1000),
        dict(finding="survey_coverage", value=0.28, base=0.3, delta=-0.02, n=1000),
    ),
    "survey_overdue": (
        dict(finding="survey_overdue", value=12.0, base=0.05, n=240, unit="count"),
        dict(finding="survey_overdue", value=0.0, base=0.0, n=240, unit="count"),
    ),
    "sales_yoy_decline": (
        dict(finding="sales_yoy", subject="P1", value=8e7, base=1e8, delta=-0.2, n=80, n_base=100, unit="amount"),
        dict(finding="sales_yoy", subject="P1", value=9.8e7, base=1e8, delta=-0.02, n=98, n_base=100, unit="amount"),
    ),
    "rep_cancel_spike": (
        dict(finding="rep_cancel", subject="张三", value=0.2, base=0.03, delta=0.17, n=20),
        dict(finding="rep_cancel", subject="张三", value=0.2, base=0.03, delta=0.17, n=5),
    ),
    "followup_backlog": (
        dict(finding="followup_backlog", subject="待跟进客户", value=181.0, base=0.9, n=200, unit="count"),
        dict(finding="followup_backlog", subject="待跟进客户", value=5.0, base=0.1, n=200, unit="count"),
    ),
    "comment_theme_drags_nps": (
        dict(finding="comment_themes", subject="工程质量", value=0.18, base=0.12, delta=0.06, tag="拖累NPS"),
        dict(finding="comment_themes", subject="工程质量", value=0.18, base=0.12, delta=0.06, tag=""),
    ),
}


def test_every_shipped_rule_has_a_case():
    assert {r.id for r in RULES.rules} == set(CASES)


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires_and_twin_is_silent(rule_id):
    pos, neg = CASES[rule_id]
    fired = strategy.evaluate(row(**pos), RULES)
    assert rule_id in [r.rule for r in fired]
    rec = next(r for r in fired if r.rule == rule_id)
    assert rec.supported and rec.text and "nan" not in rec.text and rec.category in strategy.CATEGORIES
    ev = rec.evidence[0]
    assert (
        ev["figure"].startswith("测试指标")
        and ev["n"] == pos.get("n", 100)
        and ev["period"].startswith("2026Q3")
    )
    assert rule_id not in [r.rule for r in strategy.evaluate(row(**neg), RULES)]


def test_evidence_values_are_the_finding_values():
    rec = strategy.evaluate(row(**CASES["channel_rising"][0]), RULES)[0]
    ev = rec.evidence[0]
    assert ev["value"] == 20.0 and ev["base"] == 15.0 and ev["p_value"] == 0.01  # shares shown in %
    assert ev["figure"].endswith("(%)")
    assert "20.0%" in rec.text and "15.0%" in rec.text and "5.0 个百分点" in rec.text


def test_unavailable_finding_says_data_insufficient():
    t = fd._rows(**{FindingColumns.finding: ["ipa"], FindingColumns.project: ["集团"], FindingColumns.period: ["2026Q3"]})
    t[FindingColumns.available] = False
    t[FindingColumns.reason] = "没有满意度调查数据"
    recs = strategy.evaluate(t, RULES)
    assert len(recs) == 1 and not recs[0].supported
    assert recs[0].text.startswith("数据不足：没有满意度调查数据") and "满意度驱动因素" in recs[0].text
    assert recs[0].rule == "ipa_priority"


def test_max_items_keeps_the_most_important():
    t = pd.concat(
        [
            row(finding="ipa", subject=s, value=v, base=50.0, tag="重点改进区", unit="pct")
            for s, v in (("甲", 10.0), ("乙", 30.0), ("丙", 20.0))
        ],
        ignore_index=True,
    )
    recs = strategy.evaluate(t, RULES)
    assert [r.evidence[0]["value"] for r in recs] == [30.0, 20.0]


def test_rules_are_sorted_by_priority():
    t = pd.concat([row(**CASES["price_band_concentration"][0]), row(**CASES["project_under_target"][0])])
    assert [r.priority for r in strategy.evaluate(t, RULES)] == [1, 3]


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"when": ["delta >>= 1"]}, "无法识别"),
        ({"when": ["colour == 1"]}, "字段"),
        ({"when": ["delta >= limit"]}, "未定义的参数"),
        ({"text": "{nonexistent}"}, "模板"),
        ({"category": "财务策略"}, "类别"),
        ({"finding": "weather"}, "finding"),
    ],
)
def test_rule_validation(bad, message):
    rule = {
        "id": "r",
        "finding": "channel_shift",
        "when": ["delta >= 0.1"],
        "category": "销售策略",
        "title": "t",
        "text": "x",
    } | bad
    with pytest.raises(ParameterError, match=message):
        strategy.load_rules({"rules": [rule]})


def test_edited_rule_set_changes_the_outcome():
    custom = {
        "settings": {"alpha": 0.5},
        "rules": [
            {
                "id": "any_shift",
                "finding": "channel_shift",
                "when": ["delta >= 0.04", "p_value < alpha"],
                "category": "销售策略",
                "title": "{subject}",
                "text": "{subject} 上升 {delta_pp:.1f} 个百分点",
            }
        ],
    }
    recs = strategy.evaluate(row(**CASES["channel_rising"][1]), strategy.load_rules(custom))
    assert [r.text for r in recs] == ["x 上升 5.0 个百分点"]


# ------------------------------------------------------------- end to end on crafted deals
def _deals(shift: bool, seed: int = 0) -> pd.DataFrame:
    """Two quarters of one project, 200 deals each. With ``shift`` the 老带新 share goes
    from 10 % to 30 % and 四房 from 10 % to 30 %; without, both stay at 10 %."""
    rng = np.random.default_rng(seed)
    parts = []
    for q, start in enumerate(("2026-04-01", "2026-07-01")):
        n = 200
        hi = 60 if shift and q == 1 else 20
        channel = np.array(["老带新"] * hi + ["网络"] * (n - hi))
        unit = np.array(["四房"] * hi + ["二房"] * (n - hi))
        parts.append(
            pd.DataFrame(
                {
                    Deal.deal_id: [f"{q}-{i}" for i in range(n)],
                    Deal.project: "P1",
                    Deal.status: "签约",
                    Deal.sign_date: pd.Timestamp(start) + pd.to_timedelta(rng.integers(0, 90, n), unit="D"),
                    Deal.awareness_channel: rng.permutation(channel),
                    Deal.unit_type: rng.permutation(unit),
                    Deal.purchase_purpose: "自住",
                    Deal.total_price: rng.uniform(1.5e6, 2.5e6, n),
                    Deal.customer_key: [f"c{q}-{i}" for i in range(n)],
                    Deal.sales_rep: "r1",
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def test_channel_and_unit_type_rules_end_to_end_with_evidence_in_tables():
    d = _deals(shift=True)
    recs = strategy.recommend(d, "2026Q3", names=["channel_shift", "unit_type_mix", "price_band"])
    by_rule = {r.rule: r for r in recs if r.supported}
    assert {
        "channel_rising",
        "channel_falling",
        "unit_type_demand_up",
        "unit_type_demand_down",
        "price_band_concentration",
    } <= set(by_rule)
    cmp = profile.compare(d, "2026Q3", [Deal.awareness_channel]).table.set_index("category")
    ev = by_rule["channel_rising"].evidence[0]
    assert ev["value"] == round(cmp.loc["老带新", "share_now"] * 100, 2) == 30.0
    assert ev["base"] == round(cmp.loc["老带新", "share_base"] * 100, 2) == 10.0
    assert ev["p_value"] == round(cmp.loc["老带新", "p_value"], 4)
    assert ev["n"] == cmp.loc["老带新", "n_now"] == 200
    mix = by_rule["unit_type_demand_up"].evidence[0]  # vs the deals before the quarter
    assert (mix["value"], mix["base"], mix["n_base"]) == (30.0, 10.0, 200)
    band = by_rule["price_band_concentration"].evidence[0]
    shares = profile.profile(d[d[Deal.sign_date] >= "2026-07-01"], ["total_price_band"]).table
    assert band["value"] == round(shares["share"].max() * 100, 2)


def test_negative_twin_end_to_end_is_silent():
    recs = strategy.recommend(_deals(shift=False), "2026Q3", names=["channel_shift", "unit_type_mix"])
    assert not [r for r in recs if r.supported]


def test_attainment_rule_end_to_end_and_missing_targets():
    d = _deals(shift=False)
    t = pd.DataFrame(
        {
            Target.year: [2026],
            Target.quarter: [3],
            Target.month: [pd.NA],
            Target.week: [pd.NA],
            Target.level: ["项目"],
            Target.unit: ["P1"],
            Target.units_target: [400.0],
            Target.amount_target: [8e8],
            Target.collection_target: [np.nan],
        }
    )
    t = t.astype({Target.year: "Int64", Target.quarter: "Int64", Target.month: "Int64", Target.week: "Int64"})
    recs = strategy.recommend(d, "2026Q3", names=["project_attainment"], targets=t)
    rec = next(r for r in recs if r.rule == "project_under_target")
    att = sales.attainment(sales.events(d), t, "2026Q3", "项目").iloc[0]
    assert rec.evidence[0]["value"] == round(att[sales.Actuals.amount_attainment], 2)
    assert rec.evidence[0]["n"] == att[sales.Actuals.units_actual] == 200
    none = strategy.recommend(d, "2026Q3", names=["project_attainment"])
    assert len(none) == 1 and none[0].text.startswith("数据不足：没有销售目标数据")


def test_cancel_rate_finding_counts_cancellations_by_date_of_event():
    from dealresearch.stats import two_proportion_z

    d = _deals(shift=False)  # 200 signings in Q2 and 200 in Q3 of 2026
    h = pd.DataFrame(
        {  # 20 cancellations dated in Q3, 4 in Q2
            History.deal_id: [f"1-{i}" for i in range(20)] + [f"0-{i}" for i in range(4)],
            History.status: "退房",
            History.event_date: pd.to_datetime(["2026-09-30"] * 20 + ["2026-06-30"] * 4),
        }
    )
    r = fd.compute(d, "2026Q3", names=["cancel_rate"], history=h).iloc[0]
    assert (r[FindingColumns.subject], r[FindingColumns.value], r[FindingColumns.base], r[FindingColumns.n], r[FindingColumns.n_base]) == ("P1", 0.1, 0.02, 200, 200)
    assert r[FindingColumns.base_period] == "2026Q2" and r[FindingColumns.p_value] == pytest.approx(
        two_proportion_z(20, 200, 4, 200)[1]
    )
    few = fd.compute(d, "2026Q3", names=["cancel_rate"], history=h, min_n=300).iloc[0]
    assert not few[FindingColumns.available] and "少于 300" in few[FindingColumns.reason]


def test_small_samples_are_not_judged():
    small = _deals(shift=True).sample(40, random_state=0)  # about 20 deals per quarter
    recs = strategy.recommend(small, "2026Q3", names=["channel_shift"])
    assert len(recs) == 1 and not recs[0].supported and "少于 30" in recs[0].text


def test_topics_scope_the_deals():
    d = _deals(shift=True).assign(
        **{Deal.purchase_purpose: lambda x: np.where(x.index % 2 == 0, "改善", "自住")}
    )
    mask = strategy.topic_mask(d, "改善型客户")
    assert mask.sum() == len(d) // 2
    trend = strategy.topic_trend(d, "改善型客户").set_index("期间")
    assert trend.loc["2026Q3", "专题占比"] == pytest.approx(0.5)
    recs = strategy.topic_recommendations(d, "2026Q3", "改善型客户")
    assert all(r.title.startswith("【改善型客户】") for r in recs)
    with pytest.raises(ParameterError):
        strategy.topic_mask(d, "不存在的专题")


def test_rules_table_lists_every_rule():
    table = strategy.rules_table()
    assert len(table) == len(RULES.rules) and set(table["类别"]) == set(strategy.CATEGORIES)


# ---------------------------------------------------------------- on the generated sample
def test_planted_channel_shift_is_recommended_on_the_sample(sample_store, sample_truth):
    import dealresearch as dr

    deals = dr.load("deals", store=sample_store)
    # the sample ends 2026-09-30; the planted rise (+2.8 pp a quarter) over four quarters:
    # the latest complete quarter against the same quarter a year before
    import dataclasses

    rules = strategy.load_rules()
    yoy = dataclasses.replace(rules, settings={**rules.settings, "against": "yoy"})
    recs = strategy.recommend(deals, "2026Q3", names=["channel_shift"], rules=yoy)
    rec = next(r for r in recs if r.rule == "channel_rising" and "网络" in r.title)
    share = sample_truth["network_share_by_quarter_current"]  # base: 签约 or 换房, as in customer research
    assert rec.evidence[0]["value"] == pytest.approx(share["2026Q3"] * 100, abs=0.01)
    assert rec.evidence[0]["base"] == pytest.approx(share["2025Q3"] * 100, abs=0.01)
    assert rec.evidence[0]["p_value"] < 0.05


def _surveys(d: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """One survey per customer of ``d``: 总体满意度 driven by 交付 (low scores) and 服务态度
    (high scores); the other drivers are noise."""
    from dealresearch.schema import DRIVER_ITEMS, Survey

    rng = np.random.default_rng(seed)
    n = len(d)
    items = {c: rng.integers(3, 6, n).astype(float) for c in DRIVER_ITEMS}
    items["delivery"] = rng.integers(1, 4, n).astype(float)
    items["service_attitude"] = rng.integers(3, 6, n).astype(float)
    overall = np.clip(
        np.round(0.7 * items["delivery"] + 0.4 * items["service_attitude"] + rng.normal(0, 0.3, n)), 1, 5
    )
    return pd.DataFrame(
        {
            Survey.customer_key: d[Deal.customer_key].to_numpy(),
            Survey.project: "P1",
            Survey.survey_date: pd.Timestamp("2026-09-15"),
            **items,
            Survey.overall: overall,
            Survey.recommend: rng.integers(0, 11, n).astype(float),
        }
    )


def test_ipa_rule_end_to_end_evidence_in_the_ipa_table():
    from dealresearch import satisfaction as sat
    from dealresearch.schema import DRIVER_ITEMS, Survey

    d = _deals(shift=False)
    sv = _surveys(d)
    recs = strategy.recommend(d, "2026Q3", names=["ipa"], surveys=sv)
    ipa = sat.ipa(sv, target=Survey.overall, drivers=list(DRIVER_ITEMS)).set_index("label")
    fired = [r for r in recs if r.rule == "ipa_priority"]
    assert fired and "交付" in fired[0].title  # the planted low-scoring, important driver
    for r in fired:
        ev = r.evidence[0]
        subject = r.title.split("“")[1].split("”")[0]
        assert ipa.loc[subject, "quadrant"] == "重点改进区"
        assert ev["value"] == round(ipa.loc[subject, "importance"], 2)
        assert ev["base"] == round(ipa.loc[subject, "performance"], 2)


def test_coverage_without_surveys_is_not_judged():
    recs = strategy.recommend(_deals(shift=False), "2026Q3", names=["survey_coverage"])
    assert len(recs) == 1 and not recs[0].supported and "没有满意度调查数据" in recs[0].text


def test_referral_potential_end_to_end_evidence_in_the_segments_table():
    from dealresearch import segments

    d = _deals(shift=False).assign(
        **{Deal.income_band: lambda x: np.where(x.index % 2 == 0, "100万以上", "20万以下")}
    )
    sv = _surveys(d).assign(recommend=lambda x: np.where(x.index % 3 == 0, 10.0, 5.0))
    recs = strategy.recommend(d, "2026Q3", names=["referral_potential"], surveys=sv)
    rec = next(r for r in recs if r.rule == "referral_potential")
    cust = segments.value_potential(d, sv).customers
    idle = ((cust["potential_class"] == "高潜力") & (cust["referrals"] == 0)).mean()
    assert idle == pytest.approx(1 / 6, abs=0.01)  # even rows with a promoter score: every 6th customer
    assert rec.evidence[0]["value"] == round(idle * 100, 2) and rec.evidence[0]["n"] == len(cust) == 400


def test_rep_satisfaction_end_to_end():
    d = _deals(shift=False)
    d = d.assign(**{Deal.sales_rep: np.where(d.index % 2 == 0, "甲", "乙")})
    sv = _surveys(d).assign(recommend=lambda x: np.where(d[Deal.sales_rep].to_numpy() == "甲", 10.0, 3.0))
    recs = strategy.recommend(d, "2026Q3", names=["rep_satisfaction"], surveys=sv)
    low = [r for r in recs if r.rule == "rep_low_nps"]
    assert [r.title for r in low] == ["置业顾问“乙”的客户推荐意愿偏低"]
    assert low[0].evidence[0]["value"] == -100.0 and low[0].evidence[0]["base"] == 0.0
