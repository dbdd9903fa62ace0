"""On the sample's planted comments (truth.json → surveys → comments): themes and
sentiment are recovered, and the planted harmful theme ranks first by impact."""

from __future__ import annotations

import pandas as pd
import pytest

from dealresearch.satisfaction import comments as C
from dealresearch.schema import Survey


@pytest.fixture(scope="module")
def planted(sample_store, sample_truth):
    import dealresearch as dr

    sv = dr.load("surveys", store=sample_store)
    t = sample_truth["surveys"]["comments"]
    truth = pd.DataFrame({Survey.survey_id: t["survey_ids"], "planted": t["themes"], "planted_sentiment": t["sentiment"]})
    merged = sv.merge(truth, on=Survey.survey_id, how="inner", validate="one_to_one")
    assert len(merged) == len(sv)  # every stored survey carries a planted comment truth
    return merged, t


def test_planted_themes_and_sentiment_are_recovered(planted):
    sv, _ = planted
    out = C.code(sv[Survey.comment])
    names = C.default_codebook().names
    truth = pd.DataFrame({n: sv["planted"].str.split("|").map(lambda labels, n=n: n in labels) for n in names})
    pred = out[names].to_numpy()
    tp = (truth.to_numpy() & pred).sum()
    precision, recall = tp / pred.sum(), tp / truth.to_numpy().sum()
    assert truth.to_numpy().sum() > 1000 and precision >= 0.9 and recall >= 0.9
    correct = out["sentiment"].to_numpy() == sv["planted_sentiment"].to_numpy()
    assert correct.mean() >= 0.85
    negated = sv[Survey.comment].str.contains("没有|并不|不是|没人|不及时|不合理|不专业|不负责|不作为", regex=True)
    assert negated.sum() > 100 and correct[negated.to_numpy()].mean() >= 0.85
    blank = sv["planted"] == ""
    assert (out.loc[blank.to_numpy(), "themes"] == "").mean() >= 0.95


def test_planted_harmful_theme_ranks_first_by_impact(planted):
    sv, t = planted
    res = C.impact(sv)
    top = res.themes.iloc[0]
    assert res.themes.index[0] == t["harmful_theme"] == "工程质量"
    assert top["nps_gap"] < -40 and top["nps_p"] < 0.001 and top["nps_gap_ci_high"] < 0
    assert (res.themes["impact"].iloc[1:].dropna() > top["impact"] / 3).all()  # far ahead of the rest
    at = res.by_project.set_index([Survey.project, "theme"]).loc[(t["harmful_project"], t["harmful_theme"])]
    assert at["nps_gap"] < -40
    hot = sv[Survey.project] == t["harmful_project"]
    trend = C.impact(sv[hot]).trend[t["harmful_theme"]]
    year = trend.index.str[:4]
    assert trend[year == str(t["harmful_year"])].mean() > trend[year < str(t["harmful_year"])].mean()


def test_satisfaction_report_has_the_voice_of_the_customer(sample_store, monkeypatch):
    import dealresearch as dr
    from dealresearch import satisfaction
    from dealresearch.present import base as P
    from dealresearch.present import satisfaction as sections
    from dealresearch.results import available

    shown = []
    monkeypatch.setattr(P, "_show", lambda markup: shown.append(markup) or markup)
    rep = satisfaction.review(dr.load("surveys", store=sample_store), dr.load("deals", store=sample_store),
                              period="2026Q3")
    assert available(rep.voice)
    assert rep.voice.impact.themes.index[0] == "工程质量"
    sections.voice(rep)
    html = "".join(shown)
    assert "客户声音" in html and "“工程质量”客户原话" in html and "<b>" not in html
    fu = rep.followups.table
    assert "comment_themes" in fu.columns and (fu["comment_themes"].str.contains("工程质量")).sum() > 10


def test_comment_theme_finding_flags_the_planted_theme_at_its_project(sample_store, sample_truth):
    import dealresearch as dr
    from dealresearch.periods import parse_period
    from dealresearch.strategy.findings import Context
    from dealresearch.strategy.findings.service import comment_themes

    t = sample_truth["surveys"]["comments"]
    ctx = Context(deals=dr.load("deals", store=sample_store), period=parse_period("2026Q3"),
                  project=t["harmful_project"], surveys=dr.load("surveys", store=sample_store))
    rows = comment_themes(ctx).set_index("subject")
    assert rows.loc[t["harmful_theme"], "tag"] == "拖累NPS"
    assert (rows["tag"] == "拖累NPS").sum() == 1 and (rows["project"] == t["harmful_project"]).all()
    assert 0 < rows.loc[t["harmful_theme"], "value"] < 1 and rows["n"].iloc[0] > rows.loc[t["harmful_theme"], "value"]


def test_emerging_topics_find_the_planted_off_codebook_complaints(planted):
    from dealresearch.synth.comment_text import OTHER

    sv, _ = planted
    out = C.emerging(sv[Survey.comment], seed=0)
    words = "、".join(out["words"])
    assert "遛狗" in words and "外卖" in words and "业主" in words
    shown = [e for ex in out["examples"] for e in ex]
    assert shown and sum(e.replace(",", "，") in OTHER for e in shown) / len(shown) >= 0.8
