"""Wave-to-wave tests: NPS difference worked by hand, CSAT / CSI / share differences."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dealresearch import satisfaction as sat
from dealresearch.errors import DataError
from dealresearch.satisfaction import waves


def _scores(promoters: int, passives: int, detractors: int) -> pd.Series:
    return pd.Series([10] * promoters + [8] * passives + [3] * detractors)


def test_nps_difference_worked_by_hand():
    # current: n = 1000, 250 promoters, 75 detractors → NPS 0.175, var 0.25 + 0.075 − 0.175² = 0.294375
    # previous: n = 400, 80 promoters, 100 detractors → NPS −0.05, var 0.2 + 0.25 − 0.0025 = 0.4475
    # SE = √(0.294375/1000 + 0.4475/400) = √0.001413125 = 0.0375916...
    cur, prev = _scores(250, 675, 75), _scores(80, 220, 100)
    d = sat.nps_difference(cur, prev)
    assert d.current == pytest.approx(17.5) and d.previous == pytest.approx(-5.0)
    assert d.diff == pytest.approx(22.5)
    assert d.se == pytest.approx(100 * np.sqrt(0.001413125), rel=1e-12)
    assert d.se == pytest.approx(3.759156, abs=1e-6)
    assert d.ci_low == pytest.approx(22.5 - 1.959964 * 3.759156, abs=1e-4)
    assert d.ci_high == pytest.approx(29.867847, abs=1e-4)
    assert d.p_value == pytest.approx(2.1588e-9, rel=1e-3)  # z = 22.5 / 3.759156 = 5.98539
    assert d.significant and not d.small_n
    assert d.n_current == 1000 and d.n_previous == 400


def test_nps_difference_from_results_equals_from_scores_and_noise_is_not_significant():
    cur, prev = _scores(250, 675, 75), _scores(245, 680, 75)
    a = sat.nps_difference(cur, prev)
    b = sat.nps_difference(sat.nps(cur), sat.nps(prev))
    assert a.diff == pytest.approx(b.diff) and a.se == pytest.approx(b.se) and a.p_value == pytest.approx(b.p_value)
    assert a.diff == pytest.approx(0.5) and not a.significant and a.p_value > 0.8
    assert a.ci_low < 0 < a.ci_high


def test_readme_nps_se_per_wave():
    d = waves.nps_difference(_scores(250, 675, 75), _scores(250, 675, 75))
    assert d.se == pytest.approx(np.sqrt(2) * 1.7157, rel=1e-4)  # SE 0.017157 per wave
    assert d.diff == 0 and d.p_value == pytest.approx(1.0)


def test_csat_difference_unpooled():
    cur = pd.Series([5] * 60 + [4] * 20 + [2] * 20)  # 80 % top-2 of 100
    prev = pd.Series([4] * 140 + [3] * 60)  # 70 % of 200
    d = sat.csat_difference(cur, prev)
    se = np.sqrt(0.8 * 0.2 / 100 + 0.7 * 0.3 / 200)
    assert d.diff == pytest.approx(10.0) and d.se == pytest.approx(100 * se)
    assert d.p_value == pytest.approx(0.05207, abs=5e-5)  # z = 0.1 / √0.00265 = 1.94257
    assert not d.significant
    r = sat.csat_difference(sat.csat(cur), sat.csat(prev))
    assert r.se == pytest.approx(d.se) and r.diff == pytest.approx(d.diff)


def test_share_and_csi_differences():
    d = sat.share_difference([True] * 30 + [False] * 70 + [None] * 5, [True] * 50 + [False] * 50)
    assert d.diff == pytest.approx(-20.0) and d.n_current == 100
    assert d.se == pytest.approx(100 * np.sqrt(0.21 / 100 + 0.25 / 100))
    assert d.significant
    rng = np.random.default_rng(0)
    a, b = rng.normal(80, 10, 200), rng.normal(78, 12, 150)
    c = sat.csi_difference(a, b)
    assert c.diff == pytest.approx(a.mean() - b.mean())
    assert c.se == pytest.approx(np.sqrt(a.var(ddof=1) / 200 + b.var(ddof=1) / 150))


def test_weighted_results_use_their_design_effect():
    from dealresearch.survey_plan import weights as wt

    s = _scores(250, 675, 75)
    w = np.where(np.arange(1000) % 2 == 0, 1.0, 3.0)
    weighted = wt.weighted_nps(s, w)
    d = waves.nps_difference(weighted, sat.nps(s))
    assert d.se > waves.nps_difference(s, s).se  # the weighted wave's SE carries its design effect
    assert d.n_current == pytest.approx(weighted.effective_n)


def test_errors():
    with pytest.raises(DataError, match="超出"):
        sat.nps_difference([11, 3], [5, 6])
    with pytest.raises(DataError, match="没有有效答案"):
        sat.nps_difference([None, None], [5, 6])
