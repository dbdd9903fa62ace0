"""Helpers of :mod:`dealresearch.satisfaction.pls`: block reliability, the 0–100 LV index, bootstrap CIs.

Reliability follows R plspm's conventions (so its published values reproduce):
``alpha`` is Cronbach's alpha of the *standardised* items; ``rho`` is the
Dillon–Goldstein rho computed from the block's first principal component loadings;
``rho_c`` is the composite reliability from the PLS loadings (seminr's rhoC);
``ave`` is the mean squared PLS loading (block communality).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import DataError


def _standardised_alpha(R: np.ndarray) -> float:
    k = R.shape[0]
    return float(k / (k - 1) * (1 - k / R.sum())) if k > 1 else float("nan")


def block_reliability(
    X: pd.DataFrame, blocks: Mapping[str, Sequence[str]], outer: pd.DataFrame
) -> pd.DataFrame:
    """Per LV: n_items, alpha (standardised items), rho (Dillon–Goldstein, PCA loadings),
    rho_c (composite reliability, PLS loadings), ave, eig_1st, eig_2nd.
    Single-item blocks: alpha, rho and rho_c are undefined (NaN), ave = 1."""
    rows = {}
    for lv, cols in blocks.items():
        k = len(cols)
        lam = outer.loc[list(cols), "loading"].to_numpy()
        if k == 1:
            rows[lv] = {
                "n_items": 1,
                "alpha": np.nan,
                "rho": np.nan,
                "rho_c": np.nan,
                "ave": float(lam[0] ** 2),
                "eig_1st": 1.0,
                "eig_2nd": np.nan,
            }
            continue
        R = np.corrcoef(X[list(cols)].to_numpy(), rowvar=False)
        eigval, eigvec = np.linalg.eigh(R)
        eigval, eigvec = eigval[::-1], eigvec[:, ::-1]
        pc = np.abs(eigvec[:, 0]) * np.sqrt(eigval[0])  # item–component correlations
        rho = pc.sum() ** 2 / (pc.sum() ** 2 + (k - (pc**2).sum()))
        rho_c = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum())
        rows[lv] = {
            "n_items": k,
            "alpha": _standardised_alpha(R),
            "rho": float(rho),
            "rho_c": float(rho_c),
            "ave": float((lam**2).mean()),
            "eig_1st": float(eigval[0]),
            "eig_2nd": float(eigval[1]),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def _item_scales(X: pd.DataFrame, scales) -> pd.DataFrame:
    lo, hi = X.min(), X.max()
    if isinstance(scales, tuple):
        lo = pd.Series(float(scales[0]), index=X.columns)
        hi = pd.Series(float(scales[1]), index=X.columns)
    elif isinstance(scales, Mapping):
        lo = lo.copy()
        hi = hi.copy()
        for c, (a, b) in scales.items():
            if c in lo.index:
                lo[c], hi[c] = float(a), float(b)
    if ((hi - lo) <= 0).any():
        raise DataError("题项量表的最大值必须大于最小值。")
    return pd.DataFrame({"lo": lo, "hi": hi})


def lv_index(X: pd.DataFrame, blocks, weights: pd.Series, *, scaled: bool, scales=None) -> pd.Series:
    """0–100 index per LV (ACSI method): outer weights brought back to the items' own
    metric (divided by the item sd when items were standardised), normalised to sum to 1,
    applied to item means rescaled as (mean − min)/(max − min) × 100. An LV with a
    non-positive weight gets NaN (the index is only defined for positive weights)."""
    sc = _item_scales(X, scales)
    w = weights / X.std(ddof=0) if scaled else weights.copy()
    perf = (X.mean() - sc["lo"]) / (sc["hi"] - sc["lo"]) * 100
    out = {}
    for lv, cols in blocks.items():
        wl = w[list(cols)]
        out[lv] = float((wl / wl.sum() * perf[list(cols)]).sum()) if (wl > 0).all() else np.nan
    return pd.Series(out, name="index")


def bootstrap_paths(
    refit: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    estimate: np.ndarray,
    pm: np.ndarray,
    lvs: Sequence[str],
    *,
    n_boot: int,
    seed: int,
    ci: float = 0.95,
) -> pd.DataFrame:
    """Percentile bootstrap of the path coefficients (respondents resampled with
    replacement, ``np.random.default_rng(seed)``). Resamples where the model cannot be
    estimated (e.g. a constant item) are skipped and counted in ``n_boot``."""
    rng = np.random.default_rng(seed)
    n = X.shape[0]
    draws = []
    for _ in range(int(n_boot)):
        idx = rng.integers(0, n, n)
        try:
            draws.append(refit(X[idx]))
        except (DataError, np.linalg.LinAlgError):
            continue
    if not draws:
        raise DataError("所有 bootstrap 重抽样都无法估计模型：样本太小或题项几乎不变。")
    D = np.stack(draws)
    a = (1 - ci) / 2
    rows = []
    for t, p in zip(*np.nonzero(pm), strict=False):
        d = D[:, t, p]
        se = float(d.std(ddof=1)) if len(d) > 1 else np.nan
        rows.append(
            {
                "source": lvs[p],
                "target": lvs[t],
                "estimate": float(estimate[t, p]),
                "boot_mean": float(d.mean()),
                "boot_se": se,
                "t": float(estimate[t, p] / se) if se and se > 0 else np.nan,
                "ci_low": float(np.quantile(d, a)),
                "ci_high": float(np.quantile(d, 1 - a)),
                "n_boot": len(d),
            }
        )
    return pd.DataFrame(rows)
