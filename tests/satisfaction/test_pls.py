"""pls: reproduce R plspm (ecsi_bank) and seminr (corp_rep, ecsi_mobile); planted models; errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dealresearch.errors import DataError, ParameterError
from dealresearch.satisfaction import pls
from dealresearch.satisfaction.ccsi import CCSI_LABELS, ccsi_model

REF = Path(__file__).resolve().parents[1] / "data" / "reference"
TOL = 1e-5

BANK_BLOCKS = {
    "IMAG": [f"imag{i}" for i in range(1, 6)],
    "EXPE": [f"expe{i}" for i in range(1, 6)],
    "QUAL": [f"qual{i}" for i in range(1, 6)],
    "VAL": [f"val{i}" for i in range(1, 5)],
    "SAT": [f"sat{i}" for i in range(1, 5)],
    "LOY": [f"loy{i}" for i in range(1, 5)],
}
BANK_PATHS = {
    "EXPE": ["IMAG"],
    "QUAL": ["EXPE"],
    "VAL": ["EXPE", "QUAL"],
    "SAT": ["IMAG", "EXPE", "QUAL", "VAL"],
    "LOY": ["IMAG", "SAT"],
}


def ref(name, **kw):
    return pd.read_csv(REF / name, **kw)


@pytest.fixture(scope="module")
def bank():
    return ref("ecsi_bank/satisfaction.csv", index_col=0)


@pytest.fixture(scope="module")
def bank_fit(bank):
    return pls.fit(bank, BANK_BLOCKS, BANK_PATHS, scheme="centroid", scaled=False)


# ------------------------------------------------------------ ecsi_bank (plspm)
def test_bank_paths_and_total_effects(bank_fit):
    eff = ref("ecsi_bank/satisfaction.effects.csv", index_col=0)
    for _, row in eff.iterrows():
        assert bank_fit.path_coefficients.loc[row["to"], row["from"]] == pytest.approx(row["direct"], abs=TOL)
        assert bank_fit.total_effects.loc[row["to"], row["from"]] == pytest.approx(row["total"], abs=TOL)
    # no path → 0; the matrix is target × predictor
    assert bank_fit.path_coefficients.loc["IMAG", "SAT"] == 0
    inner = ref("ecsi_bank/satisfaction.inner-model.csv", index_col=0)
    for lv, est in inner["Estimate"].items():
        assert bank_fit.path_coefficients.loc["SAT", lv] == pytest.approx(est, abs=TOL)


def test_bank_r2_gof_ave(bank_fit):
    summ = ref("ecsi_bank/satisfaction.inner-summary.csv", index_col=0)
    np.testing.assert_allclose(bank_fit.r2[summ.index], summ["r_squared"], atol=TOL)
    np.testing.assert_allclose(bank_fit.reliability.loc[summ.index, "ave"], summ["ave"], atol=TOL)
    assert bank_fit.gof == pytest.approx(0.609741624338411, abs=TOL)


def test_bank_outer_model(bank_fit):
    om = ref("ecsi_bank/satisfaction.outer-model.csv", index_col=0)
    np.testing.assert_allclose(bank_fit.outer_weights[om.index], om["weight"], atol=TOL)
    np.testing.assert_allclose(bank_fit.loadings[om.index], om["loading"], atol=TOL)
    np.testing.assert_allclose(bank_fit.outer_model.loc[om.index, "redundancy"], om["redundancy"], atol=TOL)


def test_bank_reliability(bank_fit):
    uni = ref("ecsi_bank/satisfaction_unidim.csv", index_col=0)
    rel = bank_fit.reliability.loc[uni.index]
    np.testing.assert_allclose(rel["alpha"], uni["cronbach_alpha"], atol=TOL)
    np.testing.assert_allclose(rel["rho"], uni["dillon_goldstein_rho"], atol=TOL)
    np.testing.assert_allclose(rel["eig_1st"], uni["eig_1st"], atol=TOL)
    np.testing.assert_allclose(rel["eig_2nd"], uni["eig_2nd"], atol=TOL)


def test_bank_scores(bank_fit):
    sc = ref("ecsi_bank/satisfaction.scores.csv")
    np.testing.assert_allclose(bank_fit.scores[sc.columns].to_numpy(), sc.to_numpy(), atol=TOL)


@pytest.mark.parametrize("scheme", ["path", "factorial"])
def test_bank_other_schemes(bank, scheme):
    om = ref(f"ecsi_bank/satisfaction.outer-model-{scheme}.csv", index_col=0)
    r = pls.fit(bank, BANK_BLOCKS, BANK_PATHS, scheme=scheme)
    np.testing.assert_allclose(r.outer_weights[om.index], om["weight"], atol=TOL)
    np.testing.assert_allclose(r.loadings[om.index], om["loading"], atol=TOL)


def test_ccsi_spec_on_bank_items_equals_ecsi_model(bank, bank_fit):
    keys = dict(zip(CCSI_LABELS, BANK_BLOCKS, strict=False))
    blocks, paths = ccsi_model({k: BANK_BLOCKS[v] for k, v in keys.items()})
    r = pls.fit(bank, blocks, paths)
    B = bank_fit.path_coefficients.rename(
        index=dict(zip(keys.values(), keys, strict=False)),
        columns=dict(zip(keys.values(), keys, strict=False)),
    )
    np.testing.assert_allclose(r.path_coefficients.loc[B.index, B.columns], B, atol=1e-12)


def test_ccsi_default_items_drop_unasked_lvs():
    blocks, paths = ccsi_model()
    assert list(blocks) == ["quality", "value", "satisfaction", "loyalty"]
    assert paths == {"value": ["quality"], "satisfaction": ["quality", "value"], "loyalty": ["satisfaction"]}
    with pytest.raises(ParameterError):
        ccsi_model({"brand": ["x"]})


def test_index_is_weighted_rescaled_item_mean(bank, bank_fit):
    w = bank_fit.outer_weights[BANK_BLOCKS["SAT"]]
    expected = float((w / w.sum() * bank[BANK_BLOCKS["SAT"]].mean() / 10 * 100).sum())
    r = pls.fit(bank, BANK_BLOCKS, BANK_PATHS, scales=(0, 10))
    assert r.index["SAT"] == pytest.approx(expected, abs=1e-9)
    assert r.index.between(0, 100).all()
    # standardised items: weights are brought back to the raw metric before normalising
    rs = pls.fit(bank, BANK_BLOCKS, BANK_PATHS, scaled=True, scales=(0, 10))
    assert abs(rs.index["SAT"] - r.index["SAT"]) < 0.5


# ------------------------------------------------------------- corp_rep (seminr)
def test_corp_rep_paths_with_missing_codes():
    data = ref("corp_rep/corp_rep_data.csv")
    assert int((data == -99).sum().sum()) == 70
    published = ref("corp_rep/corp_rep_simple_paths.csv", index_col=0)
    blocks = {
        "COMP": ["comp_1", "comp_2", "comp_3"],
        "LIKE": ["like_1", "like_2", "like_3"],
        "CUSA": ["cusa"],
        "CUSL": ["cusl_1", "cusl_2", "cusl_3"],
    }
    paths = {"CUSA": ["COMP", "LIKE"], "CUSL": ["COMP", "LIKE", "CUSA"]}
    r = pls.fit(data, blocks, paths, scheme="path", scaled=True, missing="mean", na_values=(-99,))
    # published matrix is predictor × target; ours is target × predictor
    np.testing.assert_allclose(
        r.path_coefficients.T.loc[published.index, published.columns], published, atol=TOL
    )
    assert np.isnan(r.reliability.loc["CUSA", "alpha"])  # single item: alpha undefined, model fine
    assert r.outer_weights["cusa"] == pytest.approx(1.0)
    listwise = pls.fit(data, blocks, paths, scheme="path", scaled=True, missing="listwise", na_values=(-99,))
    assert listwise.n_dropped > 0 and listwise.n == len(data) - listwise.n_dropped


# ------------------------------------------------------------ ecsi_mobile (seminr)
def test_ecsi_mobile_r2_and_reliability():
    mobi = ref("ecsi_mobile/mobi.csv", index_col=0)
    blocks = {
        "Image": [f"IMAG{i}" for i in range(1, 6)],
        "Expectation": [f"CUEX{i}" for i in range(1, 4)],
        "Value": ["PERV1", "PERV2"],
        "Satisfaction": [f"CUSA{i}" for i in range(1, 4)],
    }
    r = pls.fit(mobi, blocks, {"Satisfaction": ["Image", "Expectation", "Value"]}, scheme="path", scaled=True)
    assert r.r2["Satisfaction"] == pytest.approx(0.590603320, abs=TOL)
    published = pd.DataFrame(
        {
            "alpha": [0.7228, 0.4519, 0.8236, 0.7792],
            "rho_c": [0.8183, 0.7332, 0.9179, 0.8715],
            "ave": [0.4780, 0.4805, 0.8483, 0.6934],
        },
        index=list(blocks),
    )
    # published to 4 decimals: half a unit of the last digit
    np.testing.assert_allclose(r.reliability.loc[published.index, published.columns], published, atol=5e-5)


# ------------------------------------------------------------- planted models
def _planted(n=600, seed=3):
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    eta = 0.8 * x1 + 0.2 * x2
    eta = (eta + 0.4 * rng.normal(size=n)) / 1.0
    df = pd.DataFrame({"f1": x1, "f2": x2})
    for i in range(3):
        df[f"y{i}"] = eta + 0.5 * rng.normal(size=n)
    return df


def test_mode_b_recovers_formative_weights():
    r = pls.fit(_planted(), {"F": ["f1", "f2"], "Y": ["y0", "y1", "y2"]}, {"Y": ["F"]}, modes={"F": "B"})
    w = r.outer_weights
    assert w["f1"] / w["f2"] == pytest.approx(4.0, rel=0.2)
    assert r.r2["Y"] > 0.6 and r.settings["modes"] == {"F": "B", "Y": "A"}


def test_bootstrap_ci_seeded_and_covering():
    df = _planted()
    blocks, paths = {"F": ["f1", "f2"], "Y": ["y0", "y1", "y2"]}, {"Y": ["F"]}
    a = pls.fit(df, blocks, paths, bootstrap=60, seed=7)
    b = pls.fit(df, blocks, paths, bootstrap=60, seed=7)
    c = pls.fit(df, blocks, paths, bootstrap=60, seed=8)
    pd.testing.assert_frame_equal(a.bootstrap, b.bootstrap)
    assert not a.bootstrap.equals(c.bootstrap)
    row = a.bootstrap.iloc[0]
    assert (row["source"], row["target"], row["n_boot"]) == ("F", "Y", 60)
    assert row["ci_low"] < row["estimate"] < row["ci_high"] and row["boot_se"] > 0
    table = a.paths_table()
    assert list(table.columns[:3]) == ["source", "target", "coefficient"] and "ci_low" in table


# ----------------------------------------------------------------------- errors
def test_errors(bank):
    with pytest.raises(DataError, match="方差为 0"):
        pls.fit(bank.assign(sat1=5), BANK_BLOCKS, BANK_PATHS)
    with pytest.raises(DataError, match="少于模型题项数"):
        pls.fit(bank.head(20), BANK_BLOCKS, BANK_PATHS)
    with pytest.raises(DataError, match="缺少题项列"):
        pls.fit(bank.drop(columns="sat1"), BANK_BLOCKS, BANK_PATHS)
    with pytest.raises(ParameterError, match="循环"):
        pls.fit(bank, BANK_BLOCKS, BANK_PATHS | {"IMAG": ["LOY"]})
    with pytest.raises(ParameterError, match="未定义"):
        pls.fit(bank, BANK_BLOCKS, BANK_PATHS | {"LOY": ["BRAND"]})
    with pytest.raises(ParameterError, match="没有任何路径"):
        pls.fit(bank, BANK_BLOCKS | {"X": ["gender"]}, BANK_PATHS)
    with pytest.raises(DataError, match="非数值"):
        pls.fit(
            bank.assign(sat1=bank["sat1"].astype(object).where(bank.index != 3, "好")),
            BANK_BLOCKS,
            BANK_PATHS,
        )
    with pytest.raises(ParameterError):
        pls.fit(bank, BANK_BLOCKS, BANK_PATHS, scheme="magic")
    with pytest.raises(ParameterError):
        pls.fit(bank, BANK_BLOCKS, BANK_PATHS, modes=["A", "C", "A", "A", "A", "A"])


def test_raw_weights_feed_csi_and_match_index(bank):
    from dealresearch import satisfaction as sat

    r = pls.fit(bank, BANK_BLOCKS, BANK_PATHS, scaled=True, scales=(0, 10))
    w = r.raw_weights("SAT")
    assert w.sum() == pytest.approx(1.0) and (w > 0).all()
    c = sat.csi(bank, BANK_BLOCKS["SAT"], w, scales=(0, 10))
    assert c.value == pytest.approx(r.index["SAT"], abs=1e-9)
    with pytest.raises(ParameterError):
        r.raw_weights("NOPE")
