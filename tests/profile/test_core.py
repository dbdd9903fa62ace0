"""profile / derive / stats: exact counts and shares on planted frames, tests equal scipy's."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from scipy.stats.contingency import association

from dealresearch import config
from dealresearch import profile as pf
from dealresearch.derive import Derived, age_band, derive, is_repeat_buyer, locality
from dealresearch.errors import ParameterError
from dealresearch.present import customer_research as CR
from dealresearch.results import Unavailable
from dealresearch.schema import Deal
from dealresearch.stats import chi_square, two_proportion_z


def _deals(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            Deal.deal_id: [f"D{i}" for i in range(n)],
            Deal.project: rng.choice(["甲", "乙"], n),
            Deal.city: "杭州",
            Deal.status: "签约",
            Deal.sign_date: pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
            Deal.customer_key: [f"C{i}" for i in range(n)],
            Deal.age: pd.array(rng.integers(22, 70, n), dtype="Int64"),
            Deal.unit_type: rng.choice(["二房", "三房"], n),
            Deal.total_price: rng.uniform(1e6, 4e6, n),
        }
    )


# ------------------------------------------------------------------------- stats
FIXED = np.array([[12, 30, 18, 7], [25, 14, 9, 22], [8, 11, 30, 15]])


def test_chi_square_and_cramers_v_equal_scipy():
    res = chi_square(FIXED)
    ref = sps.chi2_contingency(FIXED, correction=False)
    assert res.chi2 == pytest.approx(ref.statistic, rel=1e-12)
    assert res.p_value == pytest.approx(ref.pvalue, rel=1e-12)
    assert res.dof == ref.dof == 6
    assert res.cramers_v == pytest.approx(association(FIXED, method="cramer"), rel=1e-12)
    assert res.n == FIXED.sum()
    assert res.min_expected == pytest.approx(ref.expected_freq.min())


def test_chi_square_2x2_uses_no_continuity_correction():
    t = np.array([[20, 5], [10, 15]])
    res = chi_square(t)
    assert res.chi2 == pytest.approx(sps.chi2_contingency(t, correction=False).statistic)
    assert res.chi2 != pytest.approx(sps.chi2_contingency(t).statistic)
    assert res.cramers_v == pytest.approx(association(t, method="cramer"))


def test_chi_square_flags_small_expected_cells_and_drops_empty_rows():
    t = np.array([[2, 1], [40, 45], [0, 0]])
    res = chi_square(t)
    assert res.dof == 1  # the all-zero row is dropped
    assert res.small_cells == 2 and not res.valid


def test_two_proportion_z_matches_hand_formula():
    z, p = two_proportion_z([30], [100], [10], [100])
    pooled = 40 / 200
    z_ref = (0.3 - 0.1) / np.sqrt(pooled * (1 - pooled) * (2 / 100))
    assert z[0] == pytest.approx(z_ref)
    assert p[0] == pytest.approx(2 * sps.norm.sf(z_ref))


# ------------------------------------------------------------------------- bands
def test_age_bands_boundaries():
    bands = age_band(pd.Series([17, 18, 25, 26, 30, 40, 41, 60, 61, None], dtype="Int64"))
    assert list(bands.astype(str)[:9]) == [
        "18岁以下",
        "18–25岁",
        "18–25岁",
        "26–30岁",
        "26–30岁",
        "36–40岁",
        "41–50岁",
        "51–60岁",
        "60岁以上",
    ]
    assert pd.isna(bands.iloc[9])


# ------------------------------------------------------------------------ profile
def test_profile_counts_shares_and_n_exact():
    d = pd.DataFrame({Deal.unit_type: ["三房"] * 6 + ["二房"] * 3 + ["四房"] + [None] * 2, Deal.project: "甲"})
    res = pf.profile(d, Deal.unit_type)
    t = res.table.set_index("category")
    # vocabulary order (二房 before 三房 before 四房), missing excluded from n
    assert list(t.index) == ["二房", "三房", "四房"]
    assert t.loc["三房", "count"] == 6 and t.loc["三房", "share"] == pytest.approx(0.6)
    assert (t["n"] == 10).all() and (t["n_missing"] == 2).all()
    assert res.warnings and str(config.MIN_N) in res.warnings[0]  # n = 12 < 30


def test_multi_choice_counted_per_choice_as_share_of_respondents():
    d = pd.DataFrame({Deal.key_factors: [["地段", "价格"], ["价格"], ["价格", "学区", "价格"], [], None]})
    res = pf.profile(d, Deal.key_factors)
    s = res.shares(Deal.key_factors)
    assert s["价格"] == pytest.approx(1.0)  # 3 of 3 respondents (duplicate choice counted once)
    assert s["地段"] == pytest.approx(1 / 3) and s["学区"] == pytest.approx(1 / 3)
    assert set(res.table["n"]) == {3}


def test_profile_by_recovers_planted_association_and_matches_scipy():
    rng = np.random.default_rng(3)
    n = 2000
    grp = rng.choice(["甲", "乙"], n)
    # 甲 buys 三房 70 %, 乙 30 %
    unit = np.where(rng.random(n) < np.where(grp == "甲", 0.7, 0.3), "三房", "二房")
    d = pd.DataFrame(
        {Deal.project: grp, Deal.unit_type: unit, Deal.age: pd.array(rng.integers(25, 60, n), dtype="Int64")}
    )
    res = pf.profile(d, [Deal.unit_type, Deal.age], by=Deal.project)
    tests = res.tests.set_index("field")
    ct = pd.crosstab(d[Deal.unit_type], d[Deal.project])
    assert tests.loc[Deal.unit_type, "chi2"] == pytest.approx(
        sps.chi2_contingency(ct, correction=False).statistic
    )
    assert tests.loc[Deal.unit_type, "significant"]
    assert tests.loc[Deal.unit_type, "cramers_v"] == pytest.approx(0.4, abs=0.05)
    assert not tests.loc[Deal.age, "significant"]  # age independent of project
    w = res.wide(Deal.unit_type).set_index("户型")
    assert w.loc["三房", "甲"] == pytest.approx((unit[grp == "甲"] == "三房").mean())
    assert w.loc["三房", "合计"] == pytest.approx((unit == "三房").mean())


def test_profile_small_group_warning_and_small_cells():
    d = pd.DataFrame(
        {Deal.project: ["甲"] * 100 + ["乙"] * 10, Deal.unit_type: ["二房", "三房"] * 50 + ["二房"] * 10}
    )
    res = pf.profile(d, Deal.unit_type, by=Deal.project)
    assert any("乙（n = 10）" in w for w in res.warnings)
    t = res.tests.iloc[0]
    assert not t["small_n"] and t["n"] == 110
    # 乙 × 三房 expects 10 × 50 / 110 = 4.5 < MIN_EXPECTED
    assert t["small_cells"] == 1 and t["min_expected"] == pytest.approx(10 * 50 / 110)
    assert any("期望频数" in w for w in res.warnings)


def test_unknown_field_raises_chinese_parameter_error():
    with pytest.raises(ParameterError, match="不在成交数据中"):
        pf.profile(_deals(10), "no_such_field")


# -------------------------------------------------------------------------- scope
def test_scope_periods_lists_projects_and_filters():
    d = _deals(400)
    q1 = pf.scope(d, period="2026Q1")
    assert len(q1) == (d[Deal.sign_date] < "2026-04-01").sum()
    both = pf.scope(d, period=["2026-01", "2026-03"], project="甲")
    months = pd.to_datetime(both[Deal.sign_date]).dt.month
    assert set(months) <= {1, 3} and set(both[Deal.project]) == {"甲"}
    assert len(both) == ((d[Deal.project] == "甲") & d[Deal.sign_date].dt.month.isin([1, 3])).sum()
    assert "2026年1月" in both.attrs["scope"]
    two = pf.scope(d, period="2026", unit_type=["三房"])
    assert set(two[Deal.unit_type]) == {"三房"} and Derived.age_band in two
    with pytest.raises(ParameterError, match="不存在"):
        pf.scope(d, project="丙")
    with pytest.raises(ParameterError):
        pf.scope(d, period="2026Q5")


def test_scope_date_col_option():
    d = _deals(50)
    d[Deal.subscribe_date] = pd.Timestamp("2025-12-15")
    assert len(pf.scope(d, period="2025-12", date_col=Deal.subscribe_date)) == 50
    assert len(pf.scope(d, period="2025-12")) == 0


# ------------------------------------------------------------------------ compare
def test_compare_recovers_planted_channel_shift():
    rng = np.random.default_rng(5)
    n = 1200
    dates = pd.Timestamp("2026-04-01") + pd.to_timedelta(rng.integers(0, 183, n), unit="D")
    q3 = dates >= pd.Timestamp("2026-07-01")
    net = rng.random(n) < np.where(q3, 0.35, 0.15)
    d = pd.DataFrame(
        {Deal.sign_date: dates, Deal.awareness_channel: np.where(net, "网络", "户外广告"), Deal.project: "甲"}
    )
    cmp = pf.compare(d, "2026Q3", Deal.awareness_channel, against="qoq")
    assert cmp.base_period.label == "2026Q2"
    row = cmp.table.set_index("category").loc["网络"]
    assert row["share_now"] == pytest.approx(net[q3].mean())
    assert row["share_base"] == pytest.approx(net[~q3].mean())
    assert row["diff"] == pytest.approx(net[q3].mean() - net[~q3].mean())
    assert row["significant"] and row["n_now"] == q3.sum()
    hl = CR.highlights(cmp)
    assert any("“网络”" in h and "上升" in h for h in hl) and any(
        "“户外广告”" in h and "下降" in h for h in hl
    )
    assert cmp.tests.loc[0, "significant"]
    yoy = pf.compare(d, "2026Q3", Deal.awareness_channel, against="yoy")
    assert yoy.n_base == 0 and yoy.warnings


# ----------------------------------------------------------------------- derived
def test_repeat_buyer_needs_an_earlier_deal_of_the_same_customer():
    d = pd.DataFrame(
        {
            Deal.customer_key: ["A", "A", "B", "B", "C", "C", "D", None],
            Deal.status: ["签约", "签约", "退房", "签约", "签约", "签约", "签约", "签约"],
            Deal.sign_date: pd.to_datetime(
                [
                    "2025-01-01",
                    "2026-01-01",
                    "2025-01-01",
                    "2026-01-01",
                    "2026-02-01",
                    "2026-02-01",
                    "2026-03-01",
                    "2026-04-01",
                ]
            ),
        }
    )
    # B's earlier deal was cancelled later: B had still bought before; same-day C is no repeat
    assert is_repeat_buyer(d).tolist() == [False, True, False, True, False, False, False, False]


def test_scope_keeps_repeat_buyers_computed_on_full_history():
    d = _deals(20)
    d.loc[5, Deal.customer_key] = d.loc[4, Deal.customer_key]
    d.loc[4, Deal.sign_date], d.loc[5, Deal.sign_date] = pd.Timestamp("2026-01-10"), pd.Timestamp("2026-08-01")
    s = pf.scope(d, period="2026Q3")
    assert s.loc[5, Derived.repeat_buyer] == "复购"
    assert (s.drop(index=5)[Derived.repeat_buyer] == "首购").all()


def test_locality_residence_then_origin_province():
    d = pd.DataFrame(
        {
            Deal.city: ["杭州", "杭州", "杭州", "杭州", "杭州市", "上海"],
            Deal.residence_area: ["杭州市西湖区", "宁波", None, None, "本市", "浦东新区"],
            Deal.origin_province: [None, "浙江省", "浙江", "江苏省", None, "上海"],
        }
    )
    assert locality(d).tolist()[:5] == ["本地", "外地", "本地", "外地", "本地"]
    assert locality(d).iloc[5] == "本地"  # unknown district → ID province 上海 = 上海


def test_referral_and_days_to_sign():
    d = pd.DataFrame(
        {
            Deal.customer_key: ["A", "B", "C"],
            Deal.sign_date: pd.to_datetime(["2026-03-10"] * 3),
            Deal.first_visit_date: pd.to_datetime(["2026-03-01", "2026-04-01", None]),
            Deal.awareness_channel: ["老带新", "网络", "网络"],
            Deal.referrer_key: [None, "K9", None],
        }
    )
    out = derive(d)
    assert out[Derived.referral].tolist() == ["老带新", "老带新", "非老带新"]
    assert out[Derived.days_to_sign].iloc[0] == 9
    assert out[Derived.days_to_sign].isna().iloc[1:].all()  # negative span and missing → <NA>


# ------------------------------------------------------------- the ingested sample
def test_sample_store_derived_fields_match_planted_truth(sample_store, sample_truth):
    import dealresearch as dr

    deals = dr.load("deals", store=sample_store)
    full = pf.scope(deals)
    repeat = set(full.loc[full[Derived.repeat_buyer] == "复购", Deal.deal_id])
    assert repeat == set(sample_truth["repeat_deal_ids"])
    referral = set(full.loc[full[Derived.referral] == "老带新", Deal.deal_id])
    assert referral == set(sample_truth["referral_deal_ids"])
    assert full[Derived.locality].notna().all()


def test_sample_store_channel_shift_recovered(sample_store, sample_truth):
    import dealresearch as dr

    deals = dr.load("deals", store=sample_store)
    cmp = pf.compare(deals, "2026Q3", Deal.awareness_channel, against="yoy")  # the sample ends 2026-09-30
    net = cmp.table.set_index("category").loc["网络"]
    shares = sample_truth["network_share_by_quarter"]
    assert net["share_now"] == pytest.approx(shares["2026Q3"], abs=0.005)
    assert net["share_base"] == pytest.approx(shares["2025Q3"], abs=0.005)
    assert net["significant"] and net["diff"] > 0
    tr = pf.trend(deals, Deal.awareness_channel)
    by_q = tr.table[tr.table["category"] == "网络"].set_index("period")["share"]
    assert by_q.to_dict() == pytest.approx(shares, abs=0.005)


def test_scope_until_and_profile_plots():
    import matplotlib

    matplotlib.use("Agg")
    from dealresearch.plots import profile as pplots

    d = _deals(300)
    upto = pf.scope(d, until="2026Q2")
    assert len(upto) == (d[Deal.sign_date] <= "2026-06-30").sum() and "截至2026-06-30" in upto.attrs["scope"]
    with pytest.raises(ParameterError):
        pf.scope(d, until="not a date")
    res = pf.profile(d, Deal.unit_type)
    ax = pplots.shares(res, field=Deal.unit_type)
    assert sorted(b.get_width() for b in ax.patches) == pytest.approx(sorted(res.shares(Deal.unit_type) * 100))
    grouped = pf.profile(d, Deal.unit_type, by=Deal.project)
    ax = pplots.shares(grouped, field=Deal.unit_type)
    assert len(ax.patches) == 4
    cmp = pf.compare(d, "2026Q3", Deal.unit_type)
    ax = pplots.shift(cmp, field=Deal.unit_type)
    assert sorted(b.get_width() for b in ax.patches) == pytest.approx(sorted(cmp.table["diff"] * 100))
    matplotlib.pyplot.close("all")


def test_trend_shares_per_quarter():
    d = pd.DataFrame(
        {
            Deal.sign_date: pd.to_datetime(
                ["2026-01-05", "2026-02-05", "2026-04-05", "2026-05-05", "2026-06-05"]
            ),
            Deal.unit_type: ["二房", "三房", "三房", "三房", "二房"],
        }
    )
    tr = pf.trend(d, Deal.unit_type)
    w = tr.wide(Deal.unit_type).set_index("户型")
    assert w.loc["三房", "2026Q1"] == pytest.approx(0.5) and w.loc["三房", "2026Q2"] == pytest.approx(2 / 3)
    assert list(tr.table["period"].unique()) == ["2026Q1", "2026Q2"]


def test_display_tables_in_chinese():
    rng = np.random.default_rng(9)
    n = 400
    d = pd.DataFrame(
        {
            Deal.project: rng.choice(["甲", "乙"], n),
            Deal.unit_type: rng.choice(["二房", "三房"], n),
            Deal.sign_date: pd.Timestamp("2026-04-01") + pd.to_timedelta(rng.integers(0, 183, n), unit="D"),
        }
    )
    t = CR.tests_table(pf.profile(d, Deal.unit_type, by=Deal.project))
    assert list(t["字段"]) == ["户型"] and t["结论"].iloc[0] in ("差异显著（α = 0.05）", "差异不显著")
    c = CR.comparison_table(pf.compare(d, "2026Q3", Deal.unit_type))
    assert "2026年第2季度占比" in c and c["变化(百分点)"].abs().max() < 100


def test_label_covers_derived_then_schema_columns():
    from dealresearch.derive import label
    from dealresearch.schema import label as schema_label

    assert label(Derived.age_band) == "年龄段"
    assert label(Deal.project) == schema_label(Deal.project) != Deal.project
    assert label("no_such_column") == "no_such_column"


# ------------------------------------------------------------------------ review
def _review_deals(seed: int = 3, with_last_year: bool = True) -> pd.DataFrame:
    """Two projects over 2025Q3, 2026Q2 and 2026Q3. Planted: 乙 buys 写字楼 (甲 never), the
    share of 网络 rises from 15 % (earlier quarters) to 45 % (2026Q3), and 10 % of each
    quarter's deals are 退房 (excluded from the scope)."""
    rng = np.random.default_rng(seed)
    quarters = [("2026-07-01", 600), ("2026-04-01", 600)] + ([("2025-07-01", 600)] if with_last_year else [])
    parts = []
    for start, n in quarters:
        project = rng.choice(["甲", "乙"], n)
        net = rng.random(n) < (0.45 if start == "2026-07-01" else 0.15)
        office = (project == "乙") & (rng.random(n) < 0.6)
        parts.append(pd.DataFrame({
            Deal.project: project,
            Deal.status: np.where(rng.random(n) < 0.1, "退房", "签约"),
            Deal.sign_date: pd.Timestamp(start) + pd.to_timedelta(rng.integers(0, 90, n), unit="D"),
            Deal.awareness_channel: np.where(net, "网络", "户外广告"),
            Deal.unit_type: np.where(office, "写字楼", rng.choice(["二房", "三房"], n)),
            Deal.purchase_purpose: rng.choice(["自住", "改善"], n, p=[0.7, 0.3]),
        }))
    d = pd.concat(parts, ignore_index=True)
    d[Deal.customer_key] = [f"C{i}" for i in range(len(d))]
    d[Deal.deal_id] = [f"D{i}" for i in range(len(d))]
    return d


REVIEW_FIELDS = dict(fields=(Deal.unit_type, Deal.awareness_channel, Deal.purchase_purpose),
                     share_fields=(Deal.purchase_purpose, Deal.unit_type, Deal.awareness_channel),
                     shift_fields=(Deal.awareness_channel, Deal.unit_type))


def test_review_scope_parts_and_the_lead_sentences():
    d = _review_deals()
    r = pf.review(d, period="2026Q3", **REVIEW_FIELDS)
    q3 = d[(d[Deal.sign_date] >= "2026-07-01") & (d[Deal.status] == "签约")]
    assert r.n == len(q3) and r.customers == q3[Deal.customer_key].nunique()
    assert r.by == Deal.project and r.profile.by == Deal.project and r.mix.by is None
    assert r.yoy.base_period.label == "2025Q3" and r.yoy.n_now == r.n
    assert r.qoq.n_base == ((d[Deal.sign_date] < "2026-07-01") & (d[Deal.sign_date] >= "2026-04-01")
                            & (d[Deal.status] == "签约")).sum()
    net = r.yoy.significant().set_index("category").loc["网络"]
    assert net["diff"] == pytest.approx(q3[Deal.awareness_channel].eq("网络").mean() - net["share_base"])
    assert r.channel_trend.table["period"].nunique() == 3
    lines = CR.answer(r)
    assert 3 <= len(lines) <= 5
    assert f"成交 {r.n:,} 笔" in lines[0]
    assert any("“网络”" in x and "上升" in x for x in lines[1:])
    assert any("乙“写字楼”" in x for x in lines), lines  # the planted project difference
    assert lines[-1].startswith("建议") and "网络" in lines[-1]
    assert not any(w in "".join(lines) for w in ("Cramér", "期望频数", "卡方", "p =", "p <"))
    # the tests live in the collapsed appendix
    markup = html.unescape(CR.method(r))
    assert markup.startswith("<details") and "Cramér's V" in markup and "双比例 z 检验" in markup


def test_review_of_one_project_and_unavailable_parts():
    d = _review_deals(with_last_year=False)
    r = pf.review(d, period="2026Q3", project="甲", **REVIEW_FIELDS)
    assert r.by is None and r.n == ((d[Deal.project] == "甲") & (d[Deal.sign_date] >= "2026-07-01")
                                    & (d[Deal.status] == "签约")).sum()
    assert isinstance(r.yoy, Unavailable) and "2025年第3季度" in r.yoy.reason
    assert not isinstance(r.qoq, Unavailable)
    lines = CR.answer(r)
    assert any("与上年同期无法比较" in x for x in lines) and any("与上季度相比" in x for x in lines)
    empty = pf.review(d, period="2024Q1", **REVIEW_FIELDS)
    assert empty.n == 0 and isinstance(empty.profile, Unavailable) and isinstance(empty.qoq, Unavailable)
    assert isinstance(empty.channel_trend, Unavailable) and len(CR.answer(empty)) == 1
    with pytest.raises(ParameterError, match="不存在"):
        pf.review(d, period="2026Q3", project="丙", **REVIEW_FIELDS)


def test_profile_splits_sample_warnings_from_test_warnings():
    d = pd.DataFrame({Deal.project: ["甲"] * 100 + ["乙"] * 10, Deal.unit_type: ["二房", "三房"] * 50 + ["二房"] * 10})
    res = pf.profile(d, Deal.unit_type, by=Deal.project)
    assert res.test_warnings and all("期望频数" in w for w in res.test_warnings)
    assert res.sample_warnings and all("期望频数" not in w for w in res.sample_warnings)
    assert sorted(res.warnings) == sorted(res.sample_warnings + res.test_warnings)
