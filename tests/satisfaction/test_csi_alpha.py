"""CSI over the items present (weights renormalised) and Cronbach's alpha on small samples."""

import io

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from dealresearch import satisfaction as sat
from dealresearch.errors import DataError

#: pingouin's ``cronbach_wide_missing`` example (12 respondents × 11 binary items, 4 blanks),
#: typed in from pingouin's documentation; pingouin / R psych give α = 0.732660835214447
#: pairwise and 0.8016949152542373 listwise (9 complete respondents, fewer than the 11 items)
CRONBACH_WIDE_MISSING = """Q1,Q2,Q3,Q4,Q5,Q6,Q7,Q8,Q9,Q10,Q11
1.0,1,1.0,1,1.0,1,1,1,1.0,1,1
1.0,1,1.0,1,1.0,1,1,1,0.0,1,0
,0,1.0,1,,1,1,1,1.0,0,0
1.0,1,1.0,0,1.0,1,0,1,1.0,0,0
1.0,1,1.0,1,1.0,0,0,0,1.0,0,0
0.0,1,,0,1.0,1,1,1,0.0,0,0
1.0,1,1.0,1,0.0,0,1,0,0.0,0,0
1.0,1,1.0,1,1.0,0,0,0,0.0,0,0
0.0,1,0.0,1,1.0,0,0,0,0.0,1,0
1.0,0,0.0,1,0.0,1,0,0,,0,0
1.0,1,1.0,0,0.0,0,0,0,0.0,0,0
1.0,0,0.0,1,0.0,0,0,0,0.0,0,0
"""


@pytest.fixture(scope="module")
def wide_missing() -> pd.DataFrame:
    return pd.read_csv(io.StringIO(CRONBACH_WIDE_MISSING))


def test_alpha_reproduces_pingouin_listwise_with_fewer_respondents_than_items(wide_missing):
    r = sat.cronbach_alpha(wide_missing, missing="listwise")
    assert r.alpha == pytest.approx(0.8016949152542373, abs=1e-9)
    assert (r.n, r.k) == (9, 11)
    assert r.warning is not None and "少于题项数 11" in r.warning
    # Feldt CI on the 9 respondents used (pingouin's [0.581, 0.933] uses the 12 rows before
    # the listwise deletion: the same formula with n = 12)
    for n, (lo, hi) in ((9, (r.ci_low, r.ci_high)), (12, (0.581, 0.933))):
        f_hi, f_lo = stats.f.ppf(0.975, n - 1, (n - 1) * 10), stats.f.ppf(0.025, n - 1, (n - 1) * 10)
        assert round(1 - (1 - r.alpha) * f_hi, 3) == round(lo, 3)
        assert round(1 - (1 - r.alpha) * f_lo, 3) == round(hi, 3)


def test_alpha_reproduces_pingouin_pairwise(wide_missing):
    r = sat.cronbach_alpha(wide_missing, missing="pairwise")
    assert r.alpha == pytest.approx(0.732660835214447, abs=1e-9)


def test_alpha_by_hand_on_two_respondents_and_two_items():
    # items a = (1, 3), b = (2, 5): var a = 2, var b = 4.5, var(a + b) = 12.5
    r = sat.cronbach_alpha(pd.DataFrame({"a": [1.0, 3.0], "b": [2.0, 5.0]}))
    assert r.alpha == pytest.approx(2 / 1 * (1 - (2 + 4.5) / 12.5), abs=1e-12)
    assert r.n == 2 and r.warning is not None
    df1, df2 = 1, 1
    assert r.ci_low == pytest.approx(1 - (1 - r.alpha) * stats.f.ppf(0.975, df1, df2), abs=1e-12)
    with pytest.raises(DataError, match="少于 2 人"):
        sat.cronbach_alpha(pd.DataFrame({"a": [1.0, np.nan, 2.0], "b": [2.0, 5.0, np.nan]}))


def test_alpha_has_no_warning_on_a_large_sample():
    rng = np.random.default_rng(3)
    g = rng.normal(size=200)
    items = pd.DataFrame({f"q{i}": g + rng.normal(size=200) for i in range(4)})
    assert sat.cronbach_alpha(items).warning is None


def _survey(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "service_attitude": rng.integers(1, 6, n).astype(float),
            "delivery": rng.integers(1, 6, n).astype(float),
            "communication": rng.integers(1, 6, n).astype(float),
        }
    )


def test_csi_renormalises_weights_over_the_items_asked():
    df = _survey(50)
    w = {"service_attitude": 0.5, "delivery": 0.3, "communication": 0.2}
    full = sat.csi(df, list(w), w)
    assert full.items_missing == () and len(full.items_used) == 3
    perf = (df.mean() - 1) / 4 * 100
    assert full.value == pytest.approx(sum(w[c] * perf[c] for c in w), abs=1e-9)  # complete-item value
    # communication not asked (all blank): the other two, weights 0.5 / 0.3 renormalised
    partial = df.assign(communication=np.nan)
    r = sat.csi(partial, list(w), w)
    expected = (0.5 * perf["service_attitude"] + 0.3 * perf["delivery"]) / 0.8
    assert r.value == pytest.approx(expected, abs=1e-9)
    assert r.items_missing == ("communication",) and r.weights.sum() == pytest.approx(1.0)
    assert r.coverage_text == "使用 2/3 个题项（未调查：沟通反馈）"
    # the old rule counted the blank item as zero: 0.5·p1 + 0.3·p2, visibly lower
    assert r.value > 0.5 * perf["service_attitude"] + 0.3 * perf["delivery"] + 1


def test_csi_headline_equals_the_quarterly_table_when_items_are_missing():
    from dealresearch.satisfaction.groups import trend

    df = _survey(60, seed=1).assign(
        overall=lambda d: np.clip(np.round(d.sum(axis=1) / 3), 1, 5),
        survey_date=pd.Timestamp("2026-08-01"),
        communication=np.nan,
    )
    w = {"service_attitude": 0.5, "delivery": 0.3, "communication": 0.2}  # the unasked item weighs 0.2
    head = sat.csi(df, ["service_attitude", "delivery", "communication"], w)
    table = trend(df, weights=pd.Series(w))
    assert table.loc["2026Q3", "csi"] == pytest.approx(head.value, abs=1e-9)


def test_satisfaction_report_on_surveys_missing_two_items():
    """Finding 4: with 沟通反馈 and 投诉处理 not asked the headline CSI was 52.4 while the
    quarterly table said 69.91, and the PLS section named the items in English."""
    from dealresearch import satisfaction
    from dealresearch.satisfaction.pls import PLS_MIN_N
    from dealresearch.schema import DRIVER_ITEMS, Survey

    n = max(PLS_MIN_N, 120)
    rng = np.random.default_rng(7)
    g = rng.normal(size=n)
    sv = pd.DataFrame({c: np.clip(np.round(3.8 + 0.7 * g + 0.6 * rng.normal(size=n)), 1, 5) for c in DRIVER_ITEMS})
    sv = sv.assign(**{
        Survey.survey_id: [f"s{i}" for i in range(n)], Survey.customer_key: [f"c{i}" for i in range(n)],
        Survey.project: "P1", Survey.survey_date: pd.Timestamp("2026-08-01"),
        Survey.overall: np.clip(np.round(3.8 + 0.8 * g), 1, 5), Survey.recommend: np.clip(np.round(7.5 + 1.5 * g), 0, 10),
        "communication": np.nan, "complaint_handling": np.nan,
    })
    rep = satisfaction.review(sv, None, period="2026Q3")
    head = rep.headline.csi
    assert head.items_missing == ("communication", "complaint_handling")
    assert head.coverage_text == f"使用 {len(DRIVER_ITEMS) - 2}/{len(DRIVER_ITEMS)} 个题项（未调查：沟通反馈、投诉处理）"
    assert rep.trend.table.loc["2026Q3", "csi"] == pytest.approx(head.value, abs=1e-9)
    complete = sat.csi(sv, [c for c in DRIVER_ITEMS if c not in head.items_missing], head.weights)
    assert head.value == pytest.approx(complete.value, abs=1e-9) and head.value > 60
    msg = rep.pls.reason
    assert "沟通反馈、投诉处理" in msg and "communication" not in msg and "complaint" not in msg
