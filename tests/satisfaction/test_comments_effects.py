"""comments.impact and comments.emerging on small frames this file generates with a
planted truth; the 客户声音 section and the follow-up list's themes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dealresearch.errors import DataError
from dealresearch.satisfaction import comments as C
from dealresearch.schema import Survey

LEAK = ["卫生间漏水", "墙面开裂，漏水严重", "窗户渗水"]
PARK = ["车位太少", "车位很充足", "停车方便"]
PLAIN = ["整体满意", "", "无", "非常满意"]


def _surveys(n=900, seed=3):
    """Detractors (推荐意愿 0–3) write about leaks; 车位 comments come from everyone; the
    leak share rises from 2025 to 2026 and leaks only happen at 项目A."""
    rng = np.random.default_rng(seed)
    rec = rng.integers(0, 11, n)
    date = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 730, n), unit="D")
    project = np.where(rng.random(n) < 0.5, "项目A", "项目B")
    p_leak = np.where(date.year == 2026, 0.9, 0.4)
    leak = (rec <= 3) & (project == "项目A") & (rng.random(n) < p_leak)
    park = ~leak & (rng.random(n) < 0.25)
    text = np.where(leak, rng.choice(LEAK, n), np.where(park, rng.choice(PARK, n), rng.choice(PLAIN, n)))
    overall = np.clip(np.round(1 + rec * 0.4), 1, 5)
    df = pd.DataFrame({Survey.survey_id: [f"SV{i:04d}" for i in range(n)], Survey.survey_date: date, Survey.project: project,
                       Survey.recommend: rec.astype(float), Survey.overall: overall, Survey.comment: text})
    return df, leak, park


def _nps(rec):
    rec = np.asarray(rec)
    return ((rec >= 9).mean() - (rec <= 6).mean()) * 100


def test_impact_ranks_the_planted_harmful_theme_first_with_its_exact_gap():
    df, leak, park = _surveys()
    res = C.impact(df)
    t = res.themes
    assert t.index[0] == "工程质量" and t.loc["工程质量", "rank"] == 1
    answered = ~df[Survey.comment].isin(["", "无"])
    assert res.n_comments == answered.sum() and res.n_surveys == len(df)
    assert t.loc["工程质量", "n_mentions"] == leak.sum()
    assert t.loc["工程质量", "share"] == pytest.approx(leak.sum() / answered.sum() * 100)
    assert t.loc["工程质量", "nps_with"] == pytest.approx(-100.0)  # every mentioner is a detractor
    assert t.loc["工程质量", "nps_without"] == pytest.approx(_nps(df.loc[~leak, Survey.recommend]))
    gap = t.loc["工程质量", "nps_gap"]
    assert gap == pytest.approx(-100 - _nps(df.loc[~leak, Survey.recommend]))
    assert t.loc["工程质量", "nps_gap_ci_low"] < gap < t.loc["工程质量", "nps_gap_ci_high"]
    assert t.loc["工程质量", "nps_p"] < 1e-6 and t.loc["工程质量", "significant"]
    assert t.loc["工程质量", "impact"] == pytest.approx(leak.mean() * gap)
    assert t.loc["工程质量", "csat_gap"] < -30 and t.loc["工程质量", "csat_p"] < 0.001
    assert t.loc["工程质量", "negative"] == pytest.approx(100.0)
    # 车位 is written by everyone: no real gap
    assert t.loc["车位", "n_mentions"] == park.sum() and t.loc["车位", "nps_p"] > 0.01
    assert t.loc["车位", "positive"] == pytest.approx(
        df.loc[park, Survey.comment].isin(["车位很充足", "停车方便"]).mean() * 100)
    assert t.loc["交付", "n_mentions"] == 0 and np.isnan(t.loc["交付", "nps_with"])
    assert "交付" not in res.top.index


def test_impact_trend_project_split_current_rows_and_quotes():
    df, leak, _ = _surveys()
    in_2026 = df[Survey.survey_date].dt.year == 2026
    res = C.impact(df, current=in_2026)
    assert res.n_surveys == in_2026.sum()
    assert res.themes.loc["工程质量", "n_mentions"] == (leak & in_2026).sum()
    tr = res.trend  # every quarter of both years, not only the current rows
    assert len(tr) == 8 and tr.index[0] == "2025Q1"
    answered = ~df[Survey.comment].isin(["", "无"])
    q = df[Survey.survey_date].dt.to_period("Q").astype(str)
    expect = (pd.Series(leak, index=df.index)[answered].groupby(q[answered]).mean() * 100)
    assert np.allclose(tr["工程质量"].to_numpy(), expect.to_numpy())
    assert tr.loc[tr.index.str.startswith("2026"), "工程质量"].mean() > tr.loc[tr.index.str.startswith("2025"), "工程质量"].mean()
    bp = res.by_project.set_index([Survey.project, "theme"])
    assert bp.loc[("项目B", "工程质量"), "n_mentions"] == 0
    assert bp.loc[("项目A", "工程质量"), "nps_with"] == pytest.approx(-100.0)
    quotes = res.examples["工程质量"]
    assert 1 <= len(quotes) <= 3 and set(quotes) <= set(LEAK) and len(set(quotes)) == len(quotes)


def test_impact_needs_comments_and_scores():
    df, _, _ = _surveys(n=50)
    with pytest.raises(DataError, match="推荐意愿"):
        C.impact(df.drop(columns=[Survey.recommend]))
    with pytest.raises(DataError, match="没有调查记录"):
        C.impact(df, current=np.zeros(len(df), dtype=bool))


def test_emerging_themes_recover_two_planted_topics_beyond_the_codebook():
    pets = [f"邻居{w}遛狗不拴绳，宠物粪便到处都是" for w in "甲乙丙丁戊己庚辛壬癸子丑寅卯辰"]
    riders = [f"外卖骑手{w}号进不了小区，外卖只能放门口" for w in "甲乙丙丁戊己庚辛壬癸子丑寅卯辰"]
    themed = ["物业太差", "交房延期", "无", ""] * 10
    texts = pd.Series(pets + riders + themed)
    out = C.emerging(texts, n_topics=2, seed=0)
    assert len(out) == 2 and out["n"].sum() == 30
    words = out["words"].tolist()
    pet_row = next(i for i, w in enumerate(words) if "宠物" in w or "遛狗" in w)
    rider_row = 1 - pet_row
    assert "外卖" in words[rider_row] or "骑手" in words[rider_row]
    assert all(e in pets for e in out.loc[pet_row, "examples"]) and len(out.loc[pet_row, "examples"]) == 3
    assert all(e in riders for e in out.loc[rider_row, "examples"])
    again = C.emerging(texts, n_topics=2, seed=0)
    assert again["words"].tolist() == words
    with pytest.raises(DataError, match="少于"):
        C.emerging(pd.Series(themed + pets[:3]))


def test_followup_rows_show_their_comment_themes():
    from dealresearch.satisfaction.followup_list import LABELS, FollowupColumns, followups

    df = pd.DataFrame({Survey.survey_id: ["A", "B", "C"], Survey.survey_date: pd.to_datetime(["2026-07-01"] * 3),
                       Survey.recommend: [2.0, 3.0, 10.0], Survey.comment: ["物业太差，车位也不够", "无", "很好"]})
    fu = followups(df, asof="2026-07-05").set_index(FollowupColumns.followup_id)
    assert list(fu.index.sort_values()) == ["A", "B"]
    assert fu.loc["A", FollowupColumns.themes] == "物业服务|车位" and fu.loc["B", FollowupColumns.themes] == ""
    assert LABELS[FollowupColumns.themes] == "意见主题"


def test_voice_section_escapes_quotes_and_shows_the_ranking(monkeypatch):
    from dealresearch.present import base as P
    from dealresearch.present import comments as section
    from dealresearch.results import available
    from dealresearch.satisfaction.review import comment_voice

    shown = []
    monkeypatch.setattr(P, "_show", lambda markup: shown.append(markup) or markup)
    figures = []
    monkeypatch.setattr(P, "figure", lambda ax=None: figures.append(ax))
    df, leak, _ = _surveys()
    df.loc[np.flatnonzero(leak)[:5], Survey.comment] = "<script>alert(1)</script>卫生间漏水"
    part = comment_voice(df, df[Survey.survey_date].dt.year == 2026)
    assert available(part)
    section.voice_section(part)
    html = "".join(shown)
    assert "客户声音" in html and "“工程质量”" in html
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;卫生间漏水" in html
    assert html.index("工程质量") < html.index("车位")
    assert len(figures) == 1 and {t.get_text() for t in figures[0].get_legend().get_texts()} >= {"工程质量", "车位"}
    shown.clear()
    section.voice_section(comment_voice(df.drop(columns=Survey.comment), df[Survey.survey_date].dt.year == 2026))
    assert "没有客户意见" in "".join(shown)
