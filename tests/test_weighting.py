"""Raking reproduces R survey 4.1.1 ``rake()`` on the California API data; summary,
bounds, errors, weighted estimates and margins from the customer base."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dealresearch import weighting as wt
from dealresearch.errors import DataError, MissingColumnsError, ParameterError
from dealresearch.satisfaction.metrics import nps
from dealresearch.survey_plan import weights as we

REF = Path(__file__).parent / "data" / "reference" / "raking"
MARGIN_VARS = ["stype", "sch.wide", "comp.imp"]


@pytest.fixture(scope="module")
def api():
    sample = pd.read_csv(REF / "apistrat_sample_with_R_weights.csv", dtype={"cds": str})
    margins = pd.read_csv(REF / "apistrat_margins.csv")
    est = pd.read_csv(REF / "apistrat_estimates.csv").set_index("estimate")
    return sample, margins, est, wt.rake(sample, margins)


def test_rake_reproduces_r_weights(api):
    sample, margins, _est, w = api
    rel = np.abs(w.to_numpy() / sample["weight"].to_numpy() - 1)
    assert rel.max() < 1e-6
    assert w.index.equals(sample.index)
    for var, g in margins.groupby("variable"):
        got = w.groupby(sample[var]).sum().reindex(g["category"]).to_numpy()
        np.testing.assert_allclose(got, g["population"].to_numpy(), rtol=1e-9, atol=0)


def test_weighted_estimates_match_r(api):
    sample, _m, est, w = api
    y = sample["api00"]
    assert (w * y).sum() / w.sum() == pytest.approx(est.loc["mean_api00", "value"], rel=1e-8)
    assert (w * sample["enroll"]).sum() / w.sum() == pytest.approx(est.loc["mean_enroll", "value"], rel=1e-8)
    assert (w * sample["enroll"]).sum() == pytest.approx(est.loc["total_enroll", "value"], rel=1e-8)
    share = we.weighted_share(sample["awards"] == "Yes", w)
    assert share.value / 100 == pytest.approx(est.loc["share_awards_Yes", "value"], rel=1e-8)
    m = we.weighted_mean(y, w)
    assert m.value == pytest.approx(est.loc["mean_api00", "value"], rel=1e-8)


def test_kish_effective_base_and_summary(api):
    _s, _m, est, w = api
    s = wt.summary(w)
    assert s.effective_n == pytest.approx(est.loc["mean_api00", "kish_effective_n"], rel=1e-8)
    assert s.n == 200 and s.total == pytest.approx(6194, rel=1e-12)
    assert s.efficiency == pytest.approx(s.effective_n / 200)
    assert s.design_effect == pytest.approx(200 / s.effective_n)
    assert s.min == pytest.approx(w.min()) and s.max == pytest.approx(w.max())
    assert wt.summary(np.ones(50)).efficiency == pytest.approx(1.0)


def test_standard_errors_next_to_r_linearised(api):
    """Kish SE (a stated approximation) and the calibration-linearised SE next to R's.

    R (survey 4.1.1, raked design, linearisation):   api00 9.3510, enroll 19.7159,
    total enroll 122120.48, share awards 0.013335. The calibration-linearised SE here
    comes within 1 % (api00), 2.5 % (enroll) and 12 % (awards) of R's; the Kish SE
    ignores the calibration and is larger for variables the margins explain (api00 9.597
    = 1.03 × R's, enroll 34.63 = 1.76 ×, awards 0.0359 = 2.69 ×)."""
    sample, _m, est, w = api
    design = sample[MARGIN_VARS]
    lin = {
        "mean_api00": we.linearised_se(sample["api00"], w, design),
        "mean_enroll": we.linearised_se(sample["enroll"], w, design),
        "total_enroll": we.linearised_se(sample["enroll"], w, design, total=True),
        "share_awards_Yes": we.linearised_se((sample["awards"] == "Yes").astype(float), w, design),
    }
    r = est["se_linearised"]
    assert lin["mean_api00"] == pytest.approx(r["mean_api00"], rel=0.01)
    assert lin["mean_enroll"] == pytest.approx(r["mean_enroll"], rel=0.03)
    assert lin["total_enroll"] == pytest.approx(lin["mean_enroll"] * 6194, rel=1e-9)
    assert lin["share_awards_Yes"] == pytest.approx(r["share_awards_Yes"], rel=0.15)
    kish = we.weighted_mean(sample["api00"], w)
    assert kish.se == pytest.approx(9.59693, rel=1e-5) and kish.se > r["mean_api00"]
    assert kish.design_effect == pytest.approx(200 / 163.634396643363, rel=1e-8)


def test_margins_as_dict_and_start_weights_give_the_same_fixed_point(api):
    sample, margins, _e, w = api
    as_dict = {v: dict(zip(g["category"], g["population"], strict=True)) for v, g in margins.groupby("variable")}
    start = np.random.default_rng(1).uniform(0.5, 2.0, len(sample))
    w2 = wt.rake(sample, as_dict, weight=start)
    for var, g in margins.groupby("variable"):  # margins met from any start ...
        np.testing.assert_allclose(w2.groupby(sample[var]).sum().reindex(g["category"]), g["population"], rtol=1e-9)
    w3 = wt.rake(sample, margins[margins["variable"].isin(["comp.imp", "stype", "sch.wide"])].iloc[::-1])
    np.testing.assert_allclose(w3, w, rtol=1e-8)  # ... and margin order does not matter


def test_bounds_trim_and_rerake(api):
    sample, margins, _e, w = api
    ratio = w / w.mean()
    assert ratio.max() > 2.0 and ratio.min() < 0.4  # the untrimmed weights go beyond 0.4–2
    b = wt.rake(sample, margins, bounds=(0.4, 2.0))
    r = b / b.mean()
    assert r.min() >= 0.4 - 1e-9 and r.max() <= 2.0 + 1e-9 and r.max() == pytest.approx(2.0)
    for var, g in margins.groupby("variable"):
        np.testing.assert_allclose(b.groupby(sample[var]).sum().reindex(g["category"]), g["population"], rtol=1e-8)
    with pytest.raises(DataError, match="未收敛"):
        wt.rake(sample, margins, bounds=(0.99, 1.01), max_iter=50)
    with pytest.raises(ParameterError, match="bounds"):
        wt.rake(sample, margins, bounds=(2, 3))


def test_clear_errors():
    data = pd.DataFrame({"a": ["x", "x", "y"], "b": ["p", "q", "q"]})
    good = {"a": {"x": 60, "y": 40}, "b": {"p": 50, "q": 50}}
    with pytest.raises(DataError, match="“z”.*没有人"):
        wt.rake(data, {"a": {"x": 50, "y": 30, "z": 20}, "b": {"p": 50, "q": 50}})
    with pytest.raises(DataError, match="合计不一致"):
        wt.rake(data, {"a": {"x": 60, "y": 40}, "b": {"p": 50, "q": 60}})
    with pytest.raises(DataError, match="不在总体边际中"):
        wt.rake(data.assign(a=["x", "w", "y"]), good)
    with pytest.raises(DataError, match="缺少取值"):
        wt.rake(data.assign(a=["x", None, "y"]), good)
    with pytest.raises(MissingColumnsError, match="“c”"):
        wt.rake(data, {**good, "c": {"k": 100}})
    with pytest.raises(MissingColumnsError, match="population"):
        wt.rake(data, pd.DataFrame({"variable": ["a"], "category": ["x"]}))
    w = wt.rake(data, good)
    assert w.sum() == pytest.approx(100) and w[data["a"] == "x"].sum() == pytest.approx(60)


def test_weighted_nps_with_unit_weights_is_nps_and_weights_widen_the_ci():
    rng = np.random.default_rng(7)
    scores = pd.Series(rng.integers(0, 11, 500))
    plain = nps(scores)
    unit = we.weighted_nps(scores, np.ones(500))
    assert unit.value == pytest.approx(plain.value) and unit.se == pytest.approx(plain.se)
    w = rng.choice([0.5, 1.0, 3.0], 500)
    wn = we.weighted_nps(scores, w)
    p_p = w[scores >= 9].sum() / w.sum()
    p_d = w[scores <= 6].sum() / w.sum()
    n_eff = w.sum() ** 2 / (w**2).sum()
    assert wn.value == pytest.approx(100 * (p_p - p_d))
    assert wn.se == pytest.approx(100 * np.sqrt((p_p + p_d - (p_p - p_d) ** 2) / n_eff))
    assert wn.n == 500 and wn.effective_n == pytest.approx(n_eff) and wn.design_effect > 1
    csat = we.weighted_csat(rng.integers(1, 6, 500), w)
    assert 0 < csat.ci_low < csat.value < csat.ci_high < 100


def test_weighted_csi_is_the_weighted_mean_of_respondent_indices():
    data = pd.DataFrame({"service_attitude": [5, 3, 1, np.nan], "professionalism": [5, 5, 1, 3]})
    est = we.weighted_csi(data, ["service_attitude", "professionalism"], {"service_attitude": 1, "professionalism": 1},
                          [1.0, 1.0, 2.0, 1.0])
    per = np.array([100.0, 75.0, 0.0, 50.0])  # (mean − 1)/4 × 100 per respondent over items answered
    assert est.value == pytest.approx((per * [1, 1, 2, 1]).sum() / 5)


def test_margins_from_the_customer_base_and_survey_weights():
    """A planted base: project A has 300 customers, B 100; respondents over-represent B."""
    deals = pd.DataFrame({
        "customer_key": [f"k{i}" for i in range(400)],
        "project": ["A"] * 300 + ["B"] * 100,
        "unit_type": (["二房", "三房"] * 200),
        "total_price": np.linspace(1e6, 5e6, 400),
        "sign_date": pd.Timestamp("2025-05-01"),
        "status": "签约",
    })
    base = we.customer_attributes(deals, 2026)
    assert len(base) == 400 and set(base["value_class"]) == {"高价值", "中价值", "一般"}
    m = we.base_margins(base)
    assert m.set_index(["variable", "category"]).loc[("project", "A"), "population"] == 300
    # 30 respondents from A (10 % of them satisfied), 60 from B (all satisfied)
    keys = [f"k{i}" for i in range(0, 300, 10)] + [f"k{i}" for i in range(300, 360)]
    surveys = pd.DataFrame({"customer_key": keys + ["stranger"], "sat": [0] * 27 + [1] * 3 + [1] * 60 + [1]})
    sw = we.survey_weights(surveys, base, by=("project",))
    assert sw.outside_base == 1 and np.isnan(sw.weights.iloc[-1])
    inside = sw.weights.notna()
    share = we.weighted_share(surveys.loc[inside, "sat"], sw.weights[inside])
    # population truth: 0.75 × 0.1 + 0.25 × 1 = 32.5 %, unweighted 70 %
    assert share.value == pytest.approx(32.5)
    assert sw.weights[inside].groupby(surveys.loc[inside, "customer_key"].str.len() > 0).sum().iloc[0] == pytest.approx(400)


def test_wave_weights_needs_one_base_definition():
    with pytest.raises(ParameterError, match="year"):
        we.wave_weights(pd.DataFrame({"customer_key": ["k"]}), pd.DataFrame(), year=2026, asof="2026-09-30")
    with pytest.raises(ParameterError, match="asof"):
        we.wave_weights(pd.DataFrame({"customer_key": ["k"]}), pd.DataFrame())
