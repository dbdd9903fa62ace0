"""segments: RFM by the DESIGN definitions, value × potential rules, personas recover planted clusters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from dealresearch import segments
from dealresearch.errors import DataError, ParameterError
from dealresearch.present import segments as SG
from dealresearch.results import Unavailable
from dealresearch.schema import Deal, Survey


# --------------------------------------------------------------------------- RFM
def _tx() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cust": ["A", "A", "A", "B", "C", "C", "D", "E"],
            "date": pd.to_datetime(
                [
                    "2026-01-01",
                    "2026-03-01",
                    "2026-03-01",
                    "2026-06-20",
                    "2025-06-30",
                    "2025-12-01",
                    "2026-06-29",
                    "2026-07-15",
                ]
            ),
            "amt": [100.0, 50.0, 25.0, 500.0, 10.0, 20.0, 40.0, 999.0],
        }
    )


def test_rfm_definitions_exact():
    r = segments.rfm(_tx(), customer="cust", date="date", amount="amt", asof="2026-06-30")
    assert list(r.index) == ["A", "B", "C", "D"]  # E bought after asof: ignored
    assert r.loc["A", "recency_days"] == (pd.Timestamp("2026-06-30") - pd.Timestamp("2026-03-01")).days
    assert r.loc["A", "frequency"] == 2  # two purchases on 2026-03-01 are one purchase date
    assert r.loc["A", "monetary"] == 175.0
    assert r.loc["C", "recency_days"] == 211 and r.loc["C", "frequency"] == 2
    assert r.loc["D", "recency_days"] == 1 and r.loc["B", "monetary"] == 500.0


def test_rfm_scores_ties_share_a_score_and_segments():
    r = segments.rfm(_tx(), customer="cust", date="date", amount="amt", asof="2026-06-30")
    # frequency: B, D = 1 (tied, 0 worse) → 1 ; A, C = 2 (2 of 4 worse) → 1 + ⌊5·2/4⌋ = 3
    assert r["f_score"].to_dict() == {"A": 3, "B": 1, "C": 3, "D": 1}
    # recency (recent = good): C worst → 1, A → 2, B → 3, D best → 4
    assert r["r_score"].to_dict() == {"A": 2, "B": 3, "C": 1, "D": 4}
    # monetary: C 30 → 1, D 40 → 2, A 175 → 3, B 500 → 4
    assert r["m_score"].to_dict() == {"A": 3, "B": 4, "C": 1, "D": 2}
    assert r.loc["A", "segment"] == "重要保持客户"  # R low, F high, M high
    assert r.loc["B", "segment"] == "重要发展客户"  # R high, F low, M high
    assert r.loc["C", "segment"] == "一般保持客户"  # R low, F high, M low
    assert r.loc["D", "segment"] == "一般发展客户"  # R high, F low, M low
    assert len(r["segment"].cat.categories) == 8


def test_rfm_independent_of_row_order_and_asof_default():
    tx = _tx()
    a = segments.rfm(tx, customer="cust", date="date", amount="amt")
    b = segments.rfm(tx.sample(frac=1, random_state=7), customer="cust", date="date", amount="amt")
    pd.testing.assert_frame_equal(a, b)
    assert a.loc["E", "recency_days"] == 0  # asof defaults to the latest date


def test_rfm_quintiles_spread_evenly_on_distinct_values():
    tx = pd.DataFrame(
        {"c": [f"c{i}" for i in range(100)], "d": pd.Timestamp("2026-01-01"), "m": np.arange(100.0)}
    )
    r = segments.rfm(tx, customer="c", date="d", amount="m")
    assert r["m_score"].value_counts().to_dict() == {1: 20, 2: 20, 3: 20, 4: 20, 5: 20}
    summary = segments.rfm_summary(r)
    assert summary["客户数"].sum() == 100 and len(summary) == 8


def test_rfm_errors_in_chinese():
    with pytest.raises(ParameterError, match="缺少列"):
        segments.rfm(_tx(), customer="nope", date="date", amount="amt")
    with pytest.raises(DataError):
        segments.rfm(_tx(), customer="cust", date="date", amount="amt", asof="2000-01-01")


# ------------------------------------------------------------- value × potential
def _vp_deals() -> pd.DataFrame:
    n = 100
    d = pd.DataFrame(
        {
            Deal.deal_id: [f"D{i}" for i in range(n)],
            Deal.customer_key: [f"K{i:03d}" for i in range(n)],
            Deal.status: "签约",
            Deal.sign_date: pd.Timestamp("2026-01-01") + pd.to_timedelta(np.arange(n), unit="D"),
            Deal.total_price: np.arange(1, n + 1) * 1e5,  # K099 is the richest single buyer
            Deal.age: pd.array([50] * n, dtype="Int64"),
            Deal.family_structure: "三代同堂",
            Deal.income_band: "20-50万",
            Deal.purchase_count: "首次",
            Deal.referrer_key: pd.Series([None] * n, dtype="string"),
        }
    )
    # K000 buys two more units → 3 deals (多次: 2 pts); one of them cancelled is ignored
    extra = d.iloc[[0, 0, 0]].copy()
    extra[Deal.deal_id] = ["E1", "E2", "E3"]
    extra[Deal.status] = ["签约", "签约", "退房"]
    extra[Deal.total_price] = [1e5, 1e5, 9e9]
    d = pd.concat([d, extra], ignore_index=True)
    # K001 referred three deals (2 pts), K002 referred one (1 pt)
    d.loc[10:12, Deal.referrer_key] = "K001"
    d.loc[13, Deal.referrer_key] = "K002"
    # K003: a young growing family with high income (life stage 1 + income 2)
    d.loc[3, [Deal.age, Deal.family_structure, Deal.income_band]] = [32, "三口之家", "100万以上"]
    return d


def test_value_potential_points_classes_and_rules():
    d = _vp_deals()
    sv = pd.DataFrame(
        {
            Survey.customer_key: ["K001", "K001", "K004"],
            Survey.survey_date: pd.to_datetime(["2025-01-01", "2026-05-01", "2026-05-01"]),
            Survey.recommend: [3.0, 10.0, 8.0],
        }
    )
    vp = segments.value_potential(d, sv)
    c = vp.customers
    assert vp.n == 100 and int(vp.matrix.to_numpy().sum()) == 100
    assert c.loc["K000", "n_deals"] == 3 and c.loc["K000", "amount"] == 3e5  # 退房 ignored
    assert c.loc["K000", "pts_purchases"] == 2
    assert c.loc["K001", "referrals"] == 3 and c.loc["K001", "pts_referrals"] == 2
    assert c.loc["K001", "pts_recommend"] == 2  # latest survey (10), not the older 3
    assert c.loc["K001", "potential"] == 4 and c.loc["K001", "potential_class"] == "高潜力"
    assert c.loc["K002", "potential"] == 1 and c.loc["K002", "potential_class"] == "低潜力"
    assert c.loc["K003", "potential"] == 3 and c.loc["K003", "potential_class"] == "中潜力"
    assert c.loc["K004", "pts_recommend"] == 1
    # value: top 20 % of amounts → 高价值 (K080..K099 have ≥ P80)
    hi = vp.thresholds["value_high"]
    assert hi == pytest.approx(np.quantile(c["value"], 0.8))
    assert (c.loc[c["value"] >= hi, "value_class"] == "高价值").all()
    assert c.loc["K099", "value_class"] == "高价值" and c.loc["K010", "value_class"] == "低价值"
    assert (c["value_class"] == "高价值").sum() == 20
    text = "".join(SG.rules(vp))
    assert f"{hi / 1e4:,.1f} 万元" in text and "高潜力：潜力分 ≥ 4" in text
    assert vp.matrix.loc["高价值"].sum() == 20
    summary = vp.class_summary()
    assert summary["客户数"].sum() == 100
    shown = SG.class_table(vp)
    assert len(shown) == len(summary) and shown["建议"].str.len().min() > 0
    assert shown["客户占比"].sum() == pytest.approx(1.0)
    assert SG.matrix_table(vp).shape == (3, 4)


def test_value_potential_one_off_buyers_without_surveys():
    d = _vp_deals()
    d = d[~d[Deal.deal_id].isin(["E1", "E2", "E3"])]
    vp = segments.value_potential(d, value="deals")
    assert (vp.customers["n_deals"] == 1).all()
    assert any("未提供满意度调查" in w for w in vp.warnings)
    assert "成交套数" in SG.rules(vp)[0]
    assert vp.customers.loc["K003", "potential"] == 3  # income 2 + life stage 1, no survey needed


# --------------------------------------------------------------------- personas
def _planted(n: int, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """Four personas on mixed features, 15 % of each categorical value flipped at random."""
    rng = np.random.default_rng(seed)
    spec = [
        (28, "自住", "二房", "公积金", "二人世界", "20-50万"),
        (38, "改善", "三房", "商业按揭", "三口之家", "50-100万"),
        (50, "改善", "四房", "一次性", "三代同堂", "100万以上"),
        (62, "养老", "二房", "一次性", "二人世界", "20-50万"),
    ]
    truth = rng.choice(4, n, p=[0.35, 0.3, 0.2, 0.15])
    cols = [Deal.purchase_purpose, Deal.unit_type, Deal.payment_method, Deal.family_structure, Deal.income_band]
    data = {
        Deal.age: pd.array(
            np.round(np.array([spec[t][0] for t in truth]) + rng.normal(0, 3, n)).astype(int), dtype="Int64"
        )
    }
    for j, col in enumerate(cols, start=1):
        v = np.array([spec[t][j] for t in truth], dtype=object)
        flip = rng.random(n) < 0.15
        v[flip] = rng.choice(sorted({s[j] for s in spec}), int(flip.sum()))
        data[col] = v
    return pd.DataFrame(data), truth


def test_personas_recover_planted_clusters():
    df, truth = _planted(1200)
    m = segments.Personas(k="auto", seed=0).fit(df)
    assert m.k_ == 4
    ari = adjusted_rand_score(truth, m.labels_)
    assert ari >= 0.8
    # stable order: largest persona first
    assert list(m.sizes_) == sorted(m.sizes_, reverse=True)
    assert (m.predict(df) == m.labels_).all()
    # names from distinctive traits: the 62-year-old 养老 persona
    old = int(pd.Series(m.labels_)[truth == 3].mode()[0])
    assert m.names_[old].startswith("60岁以上") and "养老" in m.names_[old]
    assert len(set(m.names_)) == 4
    assert m.profile_["n"].sum() == 1200
    assert m.silhouette_.idxmax() == 4


def test_personas_reproducible_and_fixed_k():
    df, _ = _planted(600, seed=2)
    a = segments.Personas(k=3, seed=5).fit(df)
    b = segments.Personas(k=3, seed=5).fit(df.sample(frac=1, random_state=1).loc[df.index])
    assert a.k_ == 3 and a.silhouette_.empty
    assert (a.labels_ == b.labels_).all() and a.names_ == b.names_
    cards = SG.persona_cards(a)
    assert len(cards) == 3 and cards[0]["n"] == a.sizes_[0] and cards[0]["traits"]
    table = SG.persona_table(a)
    assert "画像" in table and table["客户数"].sum() == 600


def test_personas_parameter_errors():
    df, _ = _planted(50)
    with pytest.raises(ParameterError):
        segments.Personas(k=1).fit(df)
    with pytest.raises(ParameterError, match="不在数据中"):
        segments.Personas(features=["nope"]).fit(df)
    with pytest.raises(DataError):
        segments.Personas().fit(df.head(5))
    with pytest.raises(ParameterError, match="尚未拟合"):
        segments.Personas().predict(df)


def test_personas_on_ingested_sample_match_planted_personas(sample_store, sample_truth):
    import dealresearch as dr

    deals = dr.load("deals", store=sample_store)
    truth = deals[Deal.deal_id].map(sample_truth["personas"])
    assert truth.notna().all()
    m = segments.Personas(seed=0, k_range=(3, 7)).fit(deals)
    assert m.k_ == truth.nunique()  # 5 planted personas, chosen by silhouette
    assert adjusted_rand_score(truth, m.labels_) >= 0.8
    # the persona named 养老 is the planted 养老置业 one
    old = [i for i, name in enumerate(m.names_) if "养老" in name]
    assert len(old) == 1 and (truth[m.labels_ == old[0]] == "养老置业").mean() > 0.9


def test_value_potential_on_ingested_sample(sample_store, sample_truth):
    import dealresearch as dr

    deals = dr.load("deals", store=sample_store)
    surveys = dr.load("surveys", store=sample_store)
    vp = segments.value_potential(deals, surveys)
    assert vp.n == deals.loc[deals[Deal.status] != "退房", Deal.customer_key].nunique()
    # every planted referral is credited to its referrer (when the referrer is still a customer)
    refs = deals[Deal.referrer_key].dropna()
    assert len(refs) == len(sample_truth["referral_deal_ids"])
    assert vp.customers["referrals"].sum() == refs.isin(vp.customers.index).sum() > 0.95 * len(refs)
    assert (vp.customers["pts_recommend"] > 0).any()


# ---------------------------------------------------------------- report helpers
def test_customer_rows_kpis_headline_and_plots():
    import matplotlib

    matplotlib.use("Agg")
    from dealresearch.plots import segments as splots

    d = _vp_deals()
    rows = segments.customer_rows(d)
    assert len(rows) == 100 and rows[Deal.customer_key].is_unique
    assert rows.loc[rows[Deal.customer_key] == "K000", Deal.deal_id].item() == "E2"  # latest non-cancelled
    vp = segments.value_potential(d)
    cards = SG.kpis(vp)
    assert cards[0] == ("客户数", "100", None) and cards[1][1] == "20.0%"
    lines = SG.headline(vp)
    assert "100 位成交客户" in lines[0]
    ax = splots.value_potential_matrix(vp)
    texts = {t.get_text().split("\n")[0] for t in ax.texts}
    assert {str(v) for v in vp.matrix.to_numpy().ravel()} <= texts
    df, _ = _planted(300)
    m = segments.Personas(k=4, seed=0).fit(df)
    ax = splots.persona_sizes(m)
    widths = sorted(b.get_width() for b in ax.patches)
    assert widths == pytest.approx(sorted(m.profile_["share"] * 100))
    assert "K-means" in SG.persona_method(m) and "k = 4（指定）" in SG.persona_method(m)
    r = segments.rfm(_tx(), customer="cust", date="date", amount="amt")
    ax = splots.rfm_segments(r)
    assert sum(b.get_width() for b in ax.patches) == len(r)
    matplotlib.pyplot.close("all")


# ------------------------------------------------------------------------ review
def _review_deals() -> pd.DataFrame:
    """The value × potential deals with the planted persona features (so they can be clustered)."""
    d = _vp_deals().assign(**{Deal.project: "甲"})
    features, _ = _planted(len(d), seed=4)
    for col in features:
        d[col] = features[col].to_numpy()
    return d


def test_personas_need_as_many_distinct_customers_as_personas():
    d = _vp_deals()  # every customer has the same features but K003
    with pytest.raises(DataError, match="少于画像数 k = 3"):
        segments.Personas(k=3, seed=0).fit(segments.customer_rows(d))
    assert segments.Personas(seed=0).fit(segments.customer_rows(d)).k_ == 2


def test_review_customer_base_parts_and_unavailable():
    d = _review_deals()
    late = d.iloc[[5]].assign(**{Deal.deal_id: "LATE", Deal.customer_key: "K900", Deal.sign_date: pd.Timestamp("2026-07-01")})
    other = d.iloc[[6]].assign(**{Deal.deal_id: "OTHER", Deal.customer_key: "K901", Deal.project: "乙"})
    d = pd.concat([d, late, other], ignore_index=True)
    # the planted 100 customers are all signed in 2026Q1–Q2: K900 (2026-07-01) is after 2026Q2
    r = segments.review(d, period="2026Q2", project="甲", k=3, seed=0)
    assert r.asof == pd.Timestamp("2026-06-30") and r.n == 100
    assert "K900" not in r.value_potential.customers.index and "K901" not in r.value_potential.customers.index
    assert r.value_potential.matrix.to_numpy().sum() == 100
    assert r.personas.k_ == 3 and r.personas.n_ == 100
    assert set(r.rfm.index) == set(r.value_potential.customers.index)
    assert any("未提供满意度调查" in w for w in r.warnings) and not r.with_surveys
    group = segments.review(d, period="2026Q3", k=3)
    assert group.n == 102  # both projects and the late deal
    few = segments.review(d[d[Deal.customer_key].isin(["K000", "K001", "K002"])], period="2026Q2", k=3)
    assert isinstance(few.personas, Unavailable) and "太少" in few.personas.reason
    assert few.value_potential.n == 3
    none = segments.review(d, period="2025Q1")
    assert none.n == 0 and isinstance(none.value_potential, Unavailable) and isinstance(none.rfm, Unavailable)
    with pytest.raises(ParameterError, match="不存在"):
        segments.review(d, period="2026Q2", project="丙")


def test_review_lead_and_appendix_wording():
    import html

    d = _review_deals()
    r = segments.review(d, period="2026Q2", k=3, seed=0)
    lines = SG.headline(r.value_potential, r.personas, r.rfm)
    assert 3 <= len(lines) <= 5 and lines[-1].startswith("建议")
    assert "100 位成交客户" in lines[0] and not any("轮廓系数" in x for x in lines)
    markup = html.unescape(SG.method(r))
    assert markup.startswith("<details") and "轮廓系数" not in markup  # fixed k: no k-selection chart
    assert "高潜力：潜力分 ≥ 4" in markup and "R（最近购买）" in markup and "k = 3（指定）" in markup
    auto = segments.review(d, period="2026Q2", seed=0, k_range=(2, 4))
    assert len(auto.personas.silhouette_) == 3
    assert "data:image/png;base64," in SG.method(auto)  # the k-selection chart sits in the appendix
