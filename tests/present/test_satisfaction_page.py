"""The satisfaction page read as a director: the answer first, method details in a
collapsed appendix, sections without anything to say at a scope left out with one line,
and a follow-up list a service manager can work from."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dealresearch import satisfaction
from dealresearch.present import base as P
from dealresearch.present import satisfaction as sections
from dealresearch.present import satisfaction_followups as fu_view
from dealresearch.satisfaction.followup_list import FollowupColumns
from dealresearch.satisfaction.review import DAYS_OVERDUE
from dealresearch.schema import DRIVER_ITEMS, Survey


def _surveys(n_prev=300, n_cur=300, *, better=True, projects=("甲", "乙"), seed=3):
    """Two quarters (2026Q2, 2026Q3); ``better``: Q3's customers are far happier (planted)."""
    rng = np.random.default_rng(seed)
    n = n_prev + n_cur
    cur = np.arange(n) >= n_prev
    g = rng.normal(size=n) + np.where(cur & better, 1.2, 0.0)
    frame = {c: np.clip(np.round(3.4 + 0.8 * g + 0.5 * rng.normal(size=n)), 1, 5) for c in DRIVER_ITEMS}
    days = rng.integers(0, 85, n)
    frame |= {
        Survey.survey_id: [f"s{i}" for i in range(n)], Survey.customer_key: [f"k{i}" for i in range(n)],
        Survey.project: np.array(projects)[np.arange(n) % len(projects)],
        Survey.method: np.where(np.arange(n) % 4 < 2, "电话", "走访"),
        Survey.survey_date: pd.to_datetime(np.where(cur, "2026-07-01", "2026-04-01")) + pd.to_timedelta(days, "D"),
        Survey.overall: np.clip(np.round(3.4 + 0.9 * g), 1, 5), Survey.recommend: np.clip(np.round(6.5 + 2.0 * g), 0, 10),
        Survey.complaint: pd.array(np.arange(n) % 25 == 0, dtype="boolean"),
        Survey.comment: np.where(np.arange(n) % 3 == 0, "<b>墙面开裂</b> 太差", "很好"),
    }
    return pd.DataFrame(frame)


@pytest.fixture
def shown(monkeypatch):
    out: list[str] = []
    monkeypatch.setattr(P, "_show", lambda markup: out.append(markup) or markup)
    monkeypatch.setattr(P, "figure", lambda ax=None: out.append("<figure>"))
    return out


def test_the_summary_leads_with_the_answer_and_calls_only_significant_changes_real(shown):
    r = satisfaction.review(_surveys(better=True), None, period="2026Q3")
    assert r.headline.nps_change.significant and r.headline.nps_change.diff > 0
    lines = sections.summary.__module__ and __import__(
        "dealresearch.present.satisfaction_summary", fromlist=["sentences"]).sentences(r)
    assert 3 <= len(lines) <= 5
    assert f"NPS 为 {r.headline.nps.value:.1f}（n = {r.headline.nps.n:,}）" in lines[0]
    assert f"满意度指数 CSI 为 {r.headline.csi.value:.1f} 分" in lines[0] and "总体满意率" in lines[0]
    assert f"NPS 上升 {r.headline.nps_change.diff:.1f}（显著）" in lines[1]
    assert lines[-1].startswith("建议") and "需跟进客户" in lines[-1]
    sections.summary(r)
    assert "NPS 上升" in shown[1]  # the sentences come before the KPI cards
    assert "dr-kpis" not in shown[1] and "dr-kpis" in "".join(shown[2:])

    same = satisfaction.review(_surveys(better=False), None, period="2026Q3")
    text = "".join(__import__("dealresearch.present.satisfaction_summary", fromlist=["x"]).sentences(same))
    assert not same.headline.nps_change.significant
    assert "NPS 变化" in text and "可视为持平" in text and "NPS 上升" not in text and "NPS 下降" not in text

    empty = satisfaction.review(_surveys(), None, period="2025Q1")
    assert __import__("dealresearch.present.satisfaction_summary", fromlist=["x"]).sentences(empty) == [
        "全集团2025年第1季度没有任何满意度调查记录，本报告无法给出结论。"]


def test_method_details_move_to_a_collapsed_appendix(shown):
    r = satisfaction.review(_surveys(), None, period="2026Q3")
    for section in (sections.drivers, sections.ipa_section, sections.pls_model, sections.by_group,
                    sections.index_and_nps, sections.voice):
        section(r)
    body = "".join(shown)
    for detail in ("Kruskal", "卡方", "Johnson", "bootstrap", "AVE", "GoF", "Cronbach", "期望频数", "jieba"):
        assert detail not in body, detail
    shown.clear()
    sections.methods(r)
    appendix = "".join(shown)
    assert appendix.count("<details") == 1 and "<details open" not in appendix
    assert "<h2>方法与口径</h2>" in appendix and "<summary>统计方法" in appendix
    assert "Kruskal" in appendix and "Johnson" in appendix and "AVE" in appendix and "GoF" in appendix


def test_a_project_report_leaves_out_the_one_row_project_comparison(shown):
    r = satisfaction.review(_surveys(projects=("甲", "乙")), None, period="2026Q3", project="甲")
    sections.by_group(r)
    html = "".join(shown)
    assert "<h3>按项目</h3>" not in html and "<h3>按调查方式</h3>" in html
    assert html.count("本报告只涉及一个项目，不做按项目比较。") == 1 and "只有一类" not in html


def test_days_overdue_sorts_within_priority_and_is_derived_when_the_list_lacks_it():
    from dealresearch.satisfaction.review import with_days_overdue

    due = pd.to_datetime(["2026-09-25", "2026-09-01", "2026-09-29", "2026-10-05", "2026-08-01"])
    fu = pd.DataFrame({FollowupColumns.followup_id: list("abcde"), FollowupColumns.priority: ["中", "高", "高", "高", "低"],
                       FollowupColumns.due_date: due, FollowupColumns.status: ["待处理", "待处理", "待处理", "待处理", "已关闭"],
                       FollowupColumns.overdue: [True, True, True, False, False]})
    fu.attrs["asof"] = pd.Timestamp("2026-09-30")
    out = with_days_overdue(fu.drop(columns=DAYS_OVERDUE, errors="ignore"))
    assert out[FollowupColumns.followup_id].tolist() == ["b", "c", "d", "a", "e"]  # 高 by days overdue (29, 1, 0), then 中, 低
    assert out[DAYS_OVERDUE].tolist() == [29, 1, 0, 5, 0]
    assert out.attrs["asof"] == pd.Timestamp("2026-09-30")
    given = fu.assign(**{DAYS_OVERDUE: [0, 3, 7, 0, 0]})  # the list's own column wins
    assert with_days_overdue(given)[FollowupColumns.followup_id].tolist() == ["c", "b", "d", "a", "e"]


def test_the_follow_up_list_is_sorted_by_priority_then_days_overdue_and_says_it_is_not_recorded(shown):
    r = satisfaction.review(_surveys(), None, period="2026Q3")
    fu = r.followups.table
    assert not r.followups.updates_recorded and len(fu) > 20
    rank = fu[FollowupColumns.priority].map({"高": 0, "中": 1, "低": 2})
    assert rank.is_monotonic_increasing
    late = fu[DAYS_OVERDUE].fillna(0)
    assert (late.groupby(rank.to_numpy()).apply(lambda s: s.is_monotonic_decreasing)).all()
    sections.followup_status(r)
    html = "".join(shown)
    assert fu_view.NOT_RECORDED in html
    cards = [f"<div class='l'>{c}</div>" for c in ("按时关闭率", "已关闭", "待处理")]
    assert not any(c in html for c in cards) and "<div class='l'>需跟进</div>" in html
    table = html[html.index("<table class='dr-fu'>"):]
    for head in ("优先级", "逾期天数", "责任人", "应完成日期", "意见和建议"):
        assert f"<th>{head}</th>" in table
    assert "&lt;b&gt;墙面开裂&lt;/b&gt;" in table and "<b>墙面开裂" not in html
    assert "table-layout:fixed" in html and "dealresearch " not in html and "--updates" not in html


def test_recorded_updates_show_the_real_statuses(shown):
    sv = _surveys()
    first = satisfaction.review(sv, None, period="2026Q3").followups.table
    ids = first[FollowupColumns.followup_id].head(3)
    updates = pd.DataFrame({FollowupColumns.followup_id: ids, FollowupColumns.status: "已关闭",
                            FollowupColumns.closed_date: first[FollowupColumns.survey_date].head(3) + pd.Timedelta(days=2)})
    r = satisfaction.review(sv, None, period="2026Q3", updates=updates)
    assert r.followups.updates_recorded and r.followups.kpis["已关闭"] == 3
    closed = r.followups.table.set_index(FollowupColumns.followup_id).loc[ids]
    assert (closed[DAYS_OVERDUE] == 0).all()
    sections.followup_status(r)
    html = "".join(shown)
    assert fu_view.NOT_RECORDED not in html and "<div class='l'>按时关闭率</div>" in html
    empty = satisfaction.review(sv, None, period="2026Q3", updates=updates.iloc[:0])
    assert not empty.followups.updates_recorded
