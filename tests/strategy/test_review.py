"""strategy.review: planted sales problems lead, recommendations are deduplicated, and last
period's recommendations are followed up across two periods."""

from __future__ import annotations

import json

import nbformat
import numpy as np
import pandas as pd
import pytest

from dealresearch import strategy
from dealresearch.report import recommendations_file
from dealresearch.schema import Deal, History, Target
from dealresearch.strategy.history import IMPROVED, UNCHANGED, WORSE, status


def _deals(seed: int = 0) -> pd.DataFrame:
    """Projects P1, P2, P3 in 2025Q3 and 2026Q2–Q3: P1 signs 100 units in 2025Q3 but 60 in
    2026Q3 (down 40 % year on year); each project has reps r<k>a and r<k>b; 2026Q2 as 2026Q3."""
    rng = np.random.default_rng(seed)
    parts = []
    plan = {("2025-07-01", "P1"): 100, ("2026-04-01", "P1"): 60, ("2026-07-01", "P1"): 60}
    for start in ("2025-07-01", "2026-04-01", "2026-07-01"):
        for k, proj in enumerate(("P1", "P2", "P3"), start=1):
            n = plan.get((start, proj), 80)
            parts.append(pd.DataFrame({
                Deal.deal_id: [f"{proj}-{start}-{i}" for i in range(n)],
                Deal.project: proj,
                Deal.status: "签约",
                Deal.sign_date: pd.Timestamp(start) + pd.to_timedelta(rng.integers(0, 85, n), unit="D"),
                Deal.total_price: np.full(n, 2e6),
                Deal.customer_key: [f"c-{proj}-{start}-{i}" for i in range(n)],
                Deal.sales_rep: np.where(np.arange(n) % 2 == 0, f"r{k}a", f"r{k}b"),
                Deal.sales_team: f"t{k}",
                Deal.unit_type: "三房",
                Deal.awareness_channel: "网络",
                Deal.purchase_purpose: "自住",
            }))
    return pd.concat(parts, ignore_index=True)


def _history(d: pd.DataFrame, quarter_start: str, rep: str, cancelled: int) -> pd.DataFrame:
    """``cancelled`` of ``rep``'s deals signed in the quarter are cancelled at its end."""
    q = d[(d[Deal.sales_rep] == rep) & (d[Deal.sign_date] >= quarter_start)
          & (d[Deal.sign_date] < pd.Timestamp(quarter_start) + pd.DateOffset(months=3))]
    end = pd.Timestamp(quarter_start) + pd.DateOffset(months=3) - pd.Timedelta(days=1)
    return pd.DataFrame({History.deal_id: q[Deal.deal_id].iloc[:cancelled].to_numpy(), History.status: "退房", History.event_date: end})


def _targets(quarter: int, units: float) -> pd.DataFrame:
    t = pd.DataFrame({Target.year: [2026], Target.quarter: [quarter], Target.month: [pd.NA], Target.week: [pd.NA], Target.level: ["项目"],
                      Target.unit: ["P3"], Target.units_target: [units], Target.amount_target: [units * 2e6],
                      Target.collection_target: [np.nan]})
    return t.astype({Target.year: "Int64", Target.quarter: "Int64", Target.month: "Int64", Target.week: "Int64"})


@pytest.fixture(scope="module")
def planted():
    d = _deals()
    # r2a of P2 signs 40 units in each quarter: 8 cancelled in 2026Q3 (20 %), 2 in 2026Q2 (5 %)
    h = pd.concat([_history(d, "2026-07-01", "r2a", 8), _history(d, "2026-04-01", "r2a", 2)], ignore_index=True)
    # P3 signs 80 units against a target of 160 (50 %) in Q3, 110 in Q2 (72.7 %)
    t = pd.concat([_targets(3, 160.0), _targets(2, 110.0)], ignore_index=True)
    return d, h, t


def test_planted_sales_problems_lead_and_no_text_repeats(planted):
    d, h, t = planted
    r = strategy.review(d, period="2026Q3", history=h, targets=t, topic=None)
    top = r.recommendations[:5]
    rules = {(it.rule, it.subject) for it in top}
    assert ("sales_yoy_decline", "P1") in rules  # 60 vs 100 units: −40 %
    assert ("rep_cancel_spike", "r2a") in rules  # 8 of 40 = 20 %
    assert ("project_under_target", "P3") in rules  # 50 %
    yoy = next(it for it in top if (it.rule, it.subject) == ("sales_yoy_decline", "P1"))
    assert yoy.amount == pytest.approx(40 * 2e6) and yoy.affected == 40
    cancel = next(it for it in top if it.rule == "rep_cancel_spike")
    assert cancel.value == pytest.approx(0.2) and cancel.amount == pytest.approx(8 * 2e6)
    texts = [it.text for it in r.recommendations]
    titles = [it.title for it in r.recommendations]
    assert len(texts) == len(set(texts)) and len(titles) == len(set(titles))
    amounts = [it.amount for it in r.recommendations if it.amount]
    assert amounts == sorted(amounts, reverse=True)  # money at stake ranks first, largest first
    assert r.n_raw > len(r.recommendations)  # the group and the project runs found the same problems


def test_same_problem_in_several_projects_becomes_one_group_item():
    base = dict(category="客户服务", text="建议 X。", evidence=[{"figure": "f", "value": 1}], priority=1,
                rule="survey_overdue", finding="survey_overdue", subject="逾期", unit="count")
    recs = [strategy.Recommendation(title="逾期", project=p, value=v, affected=v, **base)
            for p, v in (("集团", 30.0), ("P1", 10.0), ("P2", 20.0), ("P1", 10.0))]
    items = strategy.deduplicate(recs)
    assert len(items) == 1
    it = items[0]
    assert it.scope == "集团" and it.projects == ("P1", "P2") and it.affected == 30.0
    assert [ev["scope"] for ev in it.evidence] == ["集团", "P1", "P2"]


def test_status_direction_and_tolerance():
    assert status(0.2, 0.1, "share", "lower") == IMPROVED
    assert status(0.2, 0.3, "share", "lower") == WORSE
    assert status(0.2, 0.203, "share", "lower") == UNCHANGED
    assert status(50.0, 80.0, "pct", "higher") == IMPROVED


def test_recommendations_follow_up_across_two_periods(planted, tmp_path):
    d, h, t = planted
    q2 = strategy.review(d, period="2026Q2", history=h, targets=t, topic=None)
    recs = strategy.records(q2.recommendations, period="2026Q2", report_scope="集团")
    by = {(x["rule"], x["subject"]): x for x in recs}
    assert by[("project_under_target", "P3")]["value"] == pytest.approx(80 / 110 * 100)
    # the runner's round trip: an executed notebook's display output → recommendations.json
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("sections.emit(r)")
    cell.outputs = [nbformat.v4.new_output("display_data", data={strategy.MIME: recs})]
    nb.cells = [cell]
    log = tmp_path / "strategy.ipynb"
    nbformat.write(nb, log)
    assert recommendations_file.MIME == strategy.MIME
    recommendations_file.write_from_logs(tmp_path / "2026Q2", [("strategy", log)])
    kept = json.loads((tmp_path / "2026Q2" / "recommendations.json").read_text(encoding="utf-8"))
    assert len(kept) == len(recs) and {x["report"] for x in kept} == {"strategy"}
    previous = recommendations_file.previous("2026Q3", reports_root=tmp_path)
    q3 = strategy.review(d, period="2026Q3", history=h, targets=t, topic=None, previous=previous)
    follow = {(f.finding, f.subject): f for f in q3.previous}
    p3 = follow[("project_attainment", "P3")]
    assert (p3.before, p3.now, p3.status) == (pytest.approx(80 / 110 * 100), pytest.approx(50.0), WORSE)
    assert len(q3.previous) == len(recs)


def _page(r, monkeypatch) -> str:
    """The HTML the strategy sections display for ``r``."""
    from dealresearch.present import base as P
    from dealresearch.present import strategy as sections

    shown: list[str] = []
    monkeypatch.setattr(P, "_show", lambda markup: shown.append(markup) or markup)
    for section in (sections.header, sections.summary, sections.recommendations, sections.previous,
                    sections.topic, sections.methods):
        section(r)
    return "".join(shown)


def test_page_leads_with_the_answer_and_keeps_rule_ids_in_the_appendix(planted, monkeypatch):
    d, h, _ = planted  # no targets: attainment and pacing cannot be judged
    r = strategy.review(d, period="2026Q3", history=h, topic=None)
    html = _page(r, monkeypatch)
    body, appendix = html.split("<details", 1)
    assert body.index("摘要") < body.index("建议清单")
    lead = body[body.index("摘要"):body.index("建议清单")]
    assert all(it.title in lead for it in r.recommendations[:3])
    for rule in r.rules.rules:
        assert rule.id not in body
    assert "strategy.toml" not in body and "p_value" not in body and "scope" not in body
    assert "rep_cancel_spike" in appendix and "strategy.toml" in appendix and appendix.rstrip().endswith("</details>")
    assert body.count("数据不足") == 1  # every finding without data in one note
    assert "项目目标达成" in body and "销售时间进度" in body


def test_performance_is_followed_up_for_satisfaction_drivers():
    rules = strategy.load_rules()
    ipa = next(x for x in rules.rules if x.id == "ipa_priority")
    assert (ipa.track, ipa.better) == ("base", "higher")
    from dealresearch.strategy import findings as fd
    from dealresearch.strategy.findings import FindingColumns

    row = fd._rows(**{FindingColumns.finding: ["ipa"], FindingColumns.project: ["P1"], FindingColumns.subject: ["交付"], FindingColumns.figure: ["f"], FindingColumns.value: [20.0],
                      FindingColumns.base: [60.0], FindingColumns.n: [100], FindingColumns.period: ["2026Q3"], FindingColumns.test: ["t"], FindingColumns.tag: ["重点改进区"],
                      FindingColumns.unit: ["pct"]})
    rec = next(x for x in strategy.evaluate(row, rules) if x.rule == "ipa_priority")
    assert rec.value == 60.0 and rec.track == "base"
    item = strategy.deduplicate([rec])[0]
    previous = strategy.records([item], period="2026Q2", report_scope="P1")
    later = row.assign(**{FindingColumns.base: [66.0]})
    (f,) = strategy.follow_up(previous, later, report_scope="P1")
    assert (f.before, f.now, f.status) == (60.0, 66.0, IMPROVED)
