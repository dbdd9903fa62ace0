"""satisfaction + drivers + satisfaction_groups: worked examples, reference data, planted truths."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from dealresearch import satisfaction as sat
from dealresearch.errors import DataError, ParameterError
from dealresearch.schema import DRIVER_ITEMS, Deal, Survey

REF = Path(__file__).resolve().parents[1] / "data" / "reference"
PLANTED = dict(zip(DRIVER_ITEMS, [0.34, 0.24, 0.16, 0.10, 0.06, 0.04, 0.02, 0.0], strict=False))


def synth_surveys(n=2000, seed=1, weights=PLANTED, shift=None):
    """Survey frame whose overall satisfaction is Σ wᵢ·itemᵢ + noise (planted weights).
    Drivers share a common factor (r ≈ 0.3), items are rounded to 1–5."""
    rng = np.random.default_rng(seed)
    k = len(weights)
    common = rng.normal(size=(n, 1))
    z = 0.55 * common + 0.85 * rng.normal(size=(n, k))
    if shift is not None:
        z = z + np.asarray(shift)
    items = np.clip(np.rint(3.4 + z), 1, 5)
    w = np.array(list(weights.values()))
    latent = (z - z.mean(0)) @ w + 0.25 * rng.normal(size=n)
    latent = latent / latent.std()
    df = pd.DataFrame(items, columns=list(weights))
    df[Survey.overall] = np.clip(np.rint(3.6 + latent), 1, 5)
    df[Survey.recommend] = np.clip(np.rint(7.5 + 2.0 * latent), 0, 10)
    df[Survey.survey_id] = [f"SV{i:05d}" for i in range(n)]
    df[Survey.customer_key] = [f"K{i:05d}" for i in range(n)]
    df[Survey.survey_date] = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 730, n), unit="D")
    df[Survey.method] = rng.choice(["走访", "书面问卷", "电话"], n)
    df[Survey.project] = rng.choice(["滨江壹号", "云栖苑", "锦绣城"], n)
    return df


# --------------------------------------------------------------------------- NPS
def test_nps_worked_example_small():
    r = sat.nps([1, 8, 8, 10, 5, None, 9])
    assert r.value == 0.0 and r.n == 6 and r.n_missing == 1
    assert r.promoters == pytest.approx(100 / 3) and r.detractors == pytest.approx(100 / 3)
    assert r.passives == pytest.approx(100 / 3)


def test_nps_worked_example_large():
    r = sat.nps([10] * 250 + [7] * 675 + [3] * 75)
    assert r.value == pytest.approx(17.5, abs=1e-12)
    assert r.se == pytest.approx(1.7157, abs=1e-4)
    assert r.ci_low == pytest.approx(14.14, abs=5e-3)
    assert r.ci_high == pytest.approx(20.86, abs=5e-3)
    assert not r.small_n


def test_nps_bounds_and_errors():
    r = sat.nps([10, 10, 10])
    assert r.value == 100 and r.ci_high == 100 and r.small_n
    with pytest.raises(DataError, match="超出"):
        sat.nps([5, 11])
    with pytest.raises(DataError, match="非数值"):
        sat.nps([5, "好"])
    with pytest.raises(DataError):
        sat.nps([None, None])


def test_nps_category():
    cat = sat.nps_category(pd.Series([0, 6, 7, 8, 9, 10, np.nan]))
    assert cat.tolist()[:6] == ["贬损者", "贬损者", "中立者", "中立者", "推荐者", "推荐者"]
    assert pd.isna(cat.iloc[6])


# ------------------------------------------------------------------ CSAT / CSI
def test_csat_top2box_and_wilson():
    r = sat.csat([5, 4, 3, 2, 5, np.nan, 1, 4])
    assert r.value == pytest.approx(4 / 7 * 100) and r.n == 7 and r.n_missing == 1
    assert "4–5" in r.definition
    # Wilson interval for 4/7 at 95 %
    z = stats.norm.ppf(0.975)
    p, n = 4 / 7, 7
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    assert (r.ci_low + r.ci_high) / 2 == pytest.approx(centre * 100)
    assert sat.csat([1, 2, 3, 9, 10], scale=(1, 10)).value == pytest.approx(40.0)


def test_csi_acsi_rescale_given_and_equal_weights():
    df = pd.DataFrame({"service_attitude": [5, 4, 3], "delivery": [1, 2, 3]})
    eq = sat.csi(df, ["service_attitude", "delivery"], "equal")
    # means 4 and 2 on 1–5 → 75 and 25 → equal weights → 50
    assert eq.value == pytest.approx(50.0) and eq.n == 3
    given = sat.csi(df, ["service_attitude", "delivery"], {"service_attitude": 3, "delivery": 1})
    assert given.value == pytest.approx(0.75 * 75 + 0.25 * 25)
    assert given.weights.sum() == pytest.approx(1.0)
    with pytest.raises(ParameterError):
        sat.csi(df, ["service_attitude", "delivery"], {"service_attitude": -1, "delivery": 1})


def test_csi_derived_weights_follow_planted_importance():
    df = synth_surveys()
    r = sat.csi(df)
    assert 0 < r.value < 100 and r.n == len(df)
    assert r.weights.idxmax() == DRIVER_ITEMS[0]
    assert r.ci_low < r.value < r.ci_high


# ------------------------------------------------------------------ reliability
@pytest.fixture(scope="module")
def bank():
    return pd.read_csv(REF / "ecsi_bank" / "satisfaction.csv", index_col=0)


def test_alpha_raw_and_standardised_on_ecsi_bank(bank):
    items = bank[["sat1", "sat2", "sat3", "sat4"]]
    raw = sat.cronbach_alpha(items)
    std = sat.cronbach_alpha(items, standardized=True)
    assert raw.alpha == pytest.approx(0.894295, abs=1e-6)
    assert std.alpha == pytest.approx(0.894010912676559, abs=1e-9)  # plspm
    assert (raw.n, raw.k) == (250, 4)
    uni = pd.read_csv(REF / "ecsi_bank" / "satisfaction_unidim.csv", index_col=0)
    for lv, prefix in [("IMAG", "imag"), ("QUAL", "qual"), ("LOY", "loy")]:
        cols = [c for c in bank.columns if c.startswith(prefix)]
        assert sat.cronbach_alpha(bank[cols], standardized=True).alpha == pytest.approx(
            uni.loc[lv, "cronbach_alpha"], abs=1e-9
        )


def test_alpha_feldt_ci(bank):
    r = sat.cronbach_alpha(bank[["sat1", "sat2", "sat3", "sat4"]], ci=0.95)
    df1, df2 = 249, 249 * 3
    assert r.ci_low == pytest.approx(1 - (1 - r.alpha) * stats.f.ppf(0.975, df1, df2), abs=1e-12)
    assert r.ci_high == pytest.approx(1 - (1 - r.alpha) * stats.f.ppf(0.025, df1, df2), abs=1e-12)
    assert r.ci_low < r.alpha < r.ci_high
    wide = sat.cronbach_alpha(bank[["sat1", "sat2", "sat3", "sat4"]].head(40))
    assert wide.ci_high - wide.ci_low > r.ci_high - r.ci_low
    narrow = sat.cronbach_alpha(bank[["sat1", "sat2", "sat3", "sat4"]], ci=0.80)
    assert narrow.ci_high - narrow.ci_low < r.ci_high - r.ci_low


def test_alpha_missing_modes(bank):
    items = bank[["sat1", "sat2", "sat3", "sat4"]].astype(float)
    assert sat.cronbach_alpha(items, missing="pairwise").alpha == pytest.approx(
        sat.cronbach_alpha(items).alpha
    )
    holed = items.copy()
    holed.iloc[:10, 0] = np.nan
    assert sat.cronbach_alpha(holed).n == 240
    pw = sat.cronbach_alpha(holed, missing="pairwise")
    assert pw.n == 240 and pw.alpha != sat.cronbach_alpha(holed).alpha


def test_alpha_errors():
    with pytest.raises(DataError, match="单题项"):
        sat.cronbach_alpha(pd.DataFrame({"a": [1, 2, 3]}))
    with pytest.raises(DataError, match="方差为 0"):
        sat.cronbach_alpha(pd.DataFrame({"a": [1, 2, 3, 4], "b": [3, 3, 3, 3]}))
    # fewer respondents than items: computed (as pingouin / R psych do), with a warning
    assert "少于题项数" in sat.cronbach_alpha(pd.DataFrame(np.arange(12).reshape(3, 4) % 5)).warning
    with pytest.raises(DataError, match="少于 2 人"):
        sat.cronbach_alpha(pd.DataFrame({"a": [1, np.nan], "b": [2, 3]}))
    with pytest.raises(ParameterError):
        sat.cronbach_alpha(pd.DataFrame({"a": [1, 2, 3], "b": [2, 3, 1]}), missing="mean")


# ------------------------------------------------------------- relative weights
def test_relative_weights_reproduce_rwa_mtcars():
    mt = pd.read_csv(REF / "mtcars.csv", index_col=0)
    r = sat.relative_weights(mt, target="mpg", drivers=["cyl", "disp", "hp", "wt"])
    np.testing.assert_allclose(r["raw"], [0.2096904, 0.1883043, 0.1799590, 0.2706812], atol=1e-6)
    # rwa prints the percentages rounded to 5 decimals: half a unit of the last digit
    np.testing.assert_allclose(r["pct"], [24.70914, 22.18908, 21.20570, 31.89607], atol=5e-6)
    assert r["raw"].sum() == pytest.approx(r.attrs["r2"]) and r["pct"].sum() == pytest.approx(100)
    assert r.attrs["r2"] == pytest.approx(0.8486348, abs=1e-7)  # lm(mpg ~ cyl+disp+hp+wt)
    assert r.loc["wt", "rank"] == 1 and r.attrs["n"] == 32


def test_relative_weights_recover_planted_rank_order():
    df = synth_surveys(n=3000)
    r = sat.relative_weights(df, target=Survey.overall, drivers=list(PLANTED))
    ranked = r["pct"].sort_values(ascending=False).index.tolist()
    assert ranked[:5] == list(PLANTED)[:5]
    rho = stats.spearmanr(r["pct"], list(PLANTED.values())).statistic
    assert rho > 0.95


def test_relative_weights_errors():
    df = synth_surveys(n=50)
    with pytest.raises(DataError, match="方差为 0"):
        sat.relative_weights(df.assign(delivery=3.0), target=Survey.overall)
    with pytest.raises(DataError, match="完全共线"):
        sat.relative_weights(df.assign(x2=df["delivery"] * 2), target=Survey.overall, drivers=["delivery", "x2"])
    with pytest.raises(DataError, match="不足以估计"):
        sat.relative_weights(df.head(5), target=Survey.overall)


# ---------------------------------------------------------------------------- IPA
def test_ipa_quadrants_match_planted_importance_and_performance():
    # the two most important drivers: one performs badly, one well; a minor driver performs well
    shift = np.zeros(8)
    shift[0], shift[1], shift[6] = -1.2, 0.9, 1.2
    df = synth_surveys(n=3000, shift=shift)
    r = sat.ipa(df, target=Survey.overall, drivers=list(PLANTED))
    assert r.loc[DRIVER_ITEMS[0], "quadrant"] == "重点改进区"
    assert r.loc[DRIVER_ITEMS[1], "quadrant"] == "优势保持区"
    assert r.loc[DRIVER_ITEMS[6], "quadrant"] == "过度投入区"
    assert set(r["quadrant"]) <= {"重点改进区", "优势保持区", "次要改进区", "过度投入区"}
    assert r.attrs["importance_cut"] == pytest.approx(100 / 8)
    assert r["performance"].between(0, 100).all() and "分界线" in r.attrs["definition"]


# ----------------------------------------------------------- groups and trend
def test_compare_detects_planted_project_gap_and_flags_small_groups():
    df = synth_surveys(n=1500)
    bad = df[Survey.project] == "云栖苑"
    df.loc[bad, Survey.overall] = (df.loc[bad, Survey.overall] - 1).clip(lower=1)
    df.loc[bad, Survey.recommend] = (df.loc[bad, Survey.recommend] - 3).clip(lower=0)
    df.loc[df.index[:5], Survey.project] = "小项目"
    r = sat.compare(df, Survey.project)
    assert r.attrs["test"] == "kruskal-wallis" and r.attrs["significant"]
    assert r["mean"].idxmin() == "云栖苑"
    assert bool(r.loc["小项目", "small_n"]) and not bool(r.loc["滨江壹号", "small_n"])
    assert r["n"].sum() == len(df)
    n = sat.compare(df, Survey.project, metric="nps")
    assert n.attrs["test"] == "chi-square" and n.attrs["p_value"] < 1e-6
    assert n["nps"].idxmin() == "云栖苑"


def test_compare_nps_skips_categories_only_in_dropped_groups():
    # 丙 (one answer) is left out of the test; its detractor category must go with it,
    # else scipy meets an all-zero column and raises instead of the "too few categories" note
    df = pd.DataFrame({Survey.project: ["甲"] * 3 + ["乙"] * 3 + ["丙"], Survey.recommend: [9, 10, 9, 9, 10, 10, 3]})
    n = sat.compare(df, Survey.project, metric="nps")
    assert n.attrs["test"] is None and "类别不足两类" in n.attrs["note"]
    assert bool(n.loc["丙", "small_n"]) and n.loc["丙", "nps"] == -100


def test_compare_no_gap_is_not_significant():
    r = sat.compare(synth_surveys(n=1500, seed=5), Survey.method)
    assert r.attrs["p_value"] > 0.01 and len(r) == 3


def test_trend_by_quarter_tracks_planted_drop():
    df = synth_surveys(n=2000)
    late = df[Survey.survey_date] >= "2026-07-01"
    df.loc[late, Survey.recommend] = (df.loc[late, Survey.recommend] - 4).clip(lower=0)
    t = sat.trend(df)
    assert list(t.index) == [f"{y}Q{q}" for y in (2025, 2026) for q in (1, 2, 3, 4)]
    assert t["n"].sum() == len(df)
    assert t.loc["2026Q3", "nps"] < t.loc["2026Q2", "nps"] - 20
    assert (t["nps_ci_low"] <= t["nps"]).all() and "csi" in t.columns


def test_attach_deal_attributes_takes_latest_deal_before_survey():
    deals = pd.DataFrame(
        {
            Deal.customer_key: ["A", "A", "B"],
            Deal.sign_date: pd.to_datetime(["2025-01-10", "2025-06-01", "2025-03-01"]),
            Deal.sales_rep: ["张三", "李四", "王五"],
            Deal.awareness_channel: ["网络", "老带新", "路过"],
        }
    )
    surveys = pd.DataFrame(
        {
            Survey.survey_id: ["s1", "s2", "s3", "s4"],
            Survey.customer_key: ["A", "A", "B", "C"],
            Survey.survey_date: pd.to_datetime(["2025-03-01", "2025-07-01", "2025-01-01", "2025-07-01"]),
        }
    )
    out = sat.attach_deal_attributes(surveys, deals)
    assert out[Deal.sales_rep].tolist()[:3] == ["张三", "李四", "王五"]
    assert pd.isna(out[Deal.sales_rep].iloc[3]) and out[Survey.survey_id].tolist() == ["s1", "s2", "s3", "s4"]
    # frames built by hand may hold dates at another resolution than the deals
    mixed = surveys.assign(**{Survey.survey_date: surveys[Survey.survey_date].dt.as_unit("s")})
    deals_us = deals.assign(**{Deal.sign_date: deals[Deal.sign_date].dt.as_unit("us")})
    pd.testing.assert_frame_equal(
        sat.attach_deal_attributes(mixed, deals_us).drop(columns=Survey.survey_date),
        out.drop(columns=Survey.survey_date),
    )


def test_sample_recovers_planted_driver_order(sample_store, sample_truth):
    """On the generated sample: the planted survey driver weights are recovered in rank order."""
    store, truth = sample_store, sample_truth
    planted = truth.get("survey_driver_weights") or truth["surveys"]["driver_weights"]
    import dealresearch as dr

    surveys = dr.load("surveys", store=store)
    drivers = [d for d in planted if d in surveys.columns]
    r = sat.relative_weights(surveys, target=Survey.overall, drivers=drivers)
    assert len(drivers) == len(planted) == 8
    ranked = r["pct"].sort_values(ascending=False).index.tolist()
    assert ranked[:5] == sorted(drivers, key=lambda d: -planted[d])[:5]
    assert stats.spearmanr(r["pct"], [planted[d] for d in drivers]).statistic > 0.9


# ------------------------------------------------------- report sections + charts
def _report_frames(n=1200):
    df = synth_surveys(n=n)
    df[Survey.complaint] = pd.array(np.arange(n) % 40 == 0, dtype="boolean")
    df[Survey.followup_needed] = pd.array([False] * n, dtype="boolean")
    df[Survey.surveyor] = "客服-周敏"
    df[Survey.comment] = "<script>alert(1)</script>"
    deals = pd.DataFrame(
        {
            Deal.customer_key: df[Survey.customer_key],
            Deal.sign_date: df[Survey.survey_date] - pd.Timedelta(days=40),
            Deal.sales_rep: np.where(np.arange(n) % 2 == 0, "张三", "李四"),
            Deal.awareness_channel: "网络",
        }
    )
    return df, deals


def test_report_build_respects_period_project_and_pls_threshold():
    from dealresearch import satisfaction
    from dealresearch.results import Unavailable, available
    from dealresearch.satisfaction import pls

    df, deals = _report_frames()
    rep = satisfaction.review(df, deals, period="2026Q4")
    q4 = df[Survey.survey_date].between("2026-10-01", "2026-12-31")
    assert len(rep.current) == q4.sum() and rep.n == q4.sum()
    parts = (rep.headline.nps, rep.headline.csat, rep.headline.csi, rep.trend, rep.drivers, rep.ipa, rep.voice,
             rep.followups)
    assert all(available(p) for p in parts)
    assert rep.headline.nps.n == q4.sum()
    assert list(rep.trend.table.index)[-1] == "2026Q4" and len(rep.trend.table) == 8
    assert available(rep.pls) == (q4.sum() >= pls.PLS_MIN_N)
    assert set(rep.group(Deal.sales_rep).satisfaction.index) == {"张三", "李四"}
    small = satisfaction.review(df, deals, period="2026Q4", project="云栖苑")
    assert (small.current[Survey.project] == "云栖苑").all()
    assert available(small.pls) == (len(small.current) >= pls.PLS_MIN_N)
    empty = satisfaction.review(df, deals, period="2024Q4")
    assert len(empty.current) == 0 and isinstance(empty.drivers, Unavailable)
    assert isinstance(empty.followups, Unavailable) and empty.followups.reason
    with pytest.raises(dataclasses.FrozenInstanceError):
        rep.project = "x"


def test_review_headline_equals_the_metrics_kpis():
    from dealresearch import metrics, satisfaction

    df, deals = _report_frames()
    rep = satisfaction.review(df, deals, period="2026Q4")
    table = metrics.compute("2026Q4", deals=deals, surveys=df, areas=["satisfaction"])
    recs = {r["kpi"]: r for r in table.to_dict("records") if r["scope"] == "集团"}
    assert rep.headline.nps.value == pytest.approx(recs["nps"]["value"], abs=1e-9)
    assert rep.headline.csi.value == pytest.approx(recs["csi"]["value"], abs=1e-9)
    assert rep.headline.csat.value == pytest.approx(recs["csat"]["value"], abs=1e-9)


def test_report_sections_escape_comments(monkeypatch):
    from dealresearch import satisfaction
    from dealresearch.present import base as P
    from dealresearch.present import satisfaction as sections

    shown = []
    monkeypatch.setattr(P, "_show", lambda markup: shown.append(markup) or markup)
    monkeypatch.setattr(P, "figure", lambda ax=None: shown.append("<figure>"))
    df, deals = _report_frames()
    rep = satisfaction.review(df, deals, period="2026Q4")
    for section in (
        sections.header,
        sections.summary,
        sections.index_and_nps,
        sections.drivers,
        sections.ipa_section,
        sections.pls_model,
        sections.by_group,
        sections.followup_status,
        sections.methods,
    ):
        section(rep)
    html = "".join(shown)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "尚未登记回收的跟进表，状态仅为初始值" in html and "重点改进" in html
    assert "dealresearch followups" not in html and "--updates" not in html
    assert "<h2>方法与口径</h2>" in html and "<details class='dr-method'><summary>" in html


def test_satisfaction_charts_draw_labelled_axes():
    import matplotlib

    matplotlib.use("Agg")
    from dealresearch.plots import satisfaction as ps

    df = synth_surveys(n=1500)
    ax = ps.ipa_chart(sat.ipa(df, target=Survey.overall))
    texts = {t.get_text() for t in ax.texts}
    assert {"重点改进区", "优势保持区", "次要改进区", "过度投入区", "服务态度"} <= texts
    t = sat.trend(df)
    ax = ps.metric_trend(t, metric="nps")
    assert ax.get_ylabel() == "NPS" and len(ax.get_xticklabels()) == len(t)
    ax = ps.driver_importance(sat.relative_weights(df, target=Survey.overall))
    assert len(ax.patches) == 8
    ax = ps.nps_composition(sat.compare(df, Survey.project, metric="nps"))
    assert len(ax.patches) == 9


@given(st.lists(st.one_of(st.integers(0, 10), st.none()), min_size=1, max_size=300))
@settings(max_examples=60, deadline=None)
def test_nps_identities(scores):
    if all(s is None for s in scores):
        with pytest.raises(DataError):
            sat.nps(scores)
        return
    r = sat.nps(scores)
    assert r.value == pytest.approx(r.promoters - r.detractors)
    assert r.promoters + r.passives + r.detractors == pytest.approx(100)
    assert r.n + r.n_missing == len(scores)
    assert -100 <= r.ci_low <= r.value <= r.ci_high <= 100


def test_ipa_labels_of_nearby_drivers_are_stacked_not_overprinted():
    from dealresearch.plots.satisfaction import _label_lifts

    d = pd.DataFrame({"performance": [70.82, 70.79, 70.64, 72.9], "importance": [7.21, 6.98, 6.52, 20.0]})
    lifts = _label_lifts(d)
    assert lifts[3] == 0.0  # far from the others
    assert sorted(lifts[:3]) == [0.0, 11.0, 22.0]  # three close drivers: three distinct offsets
