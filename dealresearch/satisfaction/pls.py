"""PLS path modelling (PLS-PM) for structural satisfaction indices (ACSI / ECSI / CCSI).

Written from the published algorithm (Wold 1982; Lohmöller 1989; Tenenhaus et al. 2005,
"PLS path modeling", CSDA 48): no code from GPL packages. Conventions follow R plspm so
that its published numbers can be reproduced:

* manifest variables are centred (``scaled=False``) or standardised with the population
  sd (``scaled=True``); initial outer weights are 1 per item;
* each iteration standardises the outer estimates (population sd), builds inner weights
  (centroid: sign of the correlation; factorial: the correlation; path: regression
  coefficients for predecessors, correlations for successors), updates outer weights
  (Mode A: covariance of each item with the inner estimate; Mode B: OLS of the inner
  estimate on the block), and stops when ``sum((|w_old| - |w_new|)^2) < tol``
  (plspm's rule, ``tol=1e-6``; pass a smaller tol for a fully converged solution);
* latent variable scores are standardised with the population sd; path coefficients are
  OLS on the scores; loadings are correlations of items with their block's score.

Missing answers: ``missing="mean"`` replaces each item's missing answers by the item
mean (as seminr does), ``missing="listwise"`` drops respondents with any missing item.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import DataError, ParameterError
from .pls_quality import block_reliability, bootstrap_paths, lv_index

SCHEMES = ("centroid", "factorial", "path")
MODES = ("A", "B")
#: fewer respondents than this: results are shown with a small-sample warning
PLS_MIN_N = 100


@dataclass
class PLSResult:
    """A fitted PLS path model. Matrices: rows = target LV, columns = predictor LV."""

    path_coefficients: pd.DataFrame
    r2: pd.Series
    gof: float
    outer_weights: pd.Series
    loadings: pd.Series
    scores: pd.DataFrame
    total_effects: pd.DataFrame
    reliability: pd.DataFrame
    index: pd.Series
    outer_model: pd.DataFrame
    bootstrap: pd.DataFrame | None
    n: int
    n_dropped: int
    iterations: int
    settings: dict = field(default_factory=dict)

    @property
    def small_n(self) -> bool:
        return self.n < PLS_MIN_N

    def raw_weights(self, lv: str) -> pd.Series:
        """Outer weights of ``lv``'s items in the items' own metric (divided by the item
        sd when the model standardised them), normalised to sum to 1: the CSI weights
        that :attr:`index` uses (pass them to ``satisfaction.csi``)."""
        if lv not in self.settings["blocks"]:
            raise ParameterError(f"模型中没有潜变量“{lv}”。")
        items = self.settings["blocks"][lv]
        w = self.outer_weights[items]
        if self.settings["scaled"]:
            w = w / self.settings["item_sd"][items]
        return w / w.sum()

    def paths_table(self) -> pd.DataFrame:
        """One row per structural path: source, target, coefficient (+ bootstrap CI)."""
        rows = [
            {"source": p, "target": t, "coefficient": self.path_coefficients.loc[t, p]}
            for t in self.path_coefficients.index
            for p in self.path_coefficients.columns
            if self.settings["path_matrix"].loc[t, p]
        ]
        out = pd.DataFrame(rows)
        if self.bootstrap is not None:
            out = out.merge(self.bootstrap.drop(columns="estimate"), on=["source", "target"], how="left")
        return out


# ------------------------------------------------------------------ validation
def _path_matrix(blocks: Mapping[str, Sequence[str]], paths: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    lvs = list(blocks)
    pm = pd.DataFrame(0, index=lvs, columns=lvs, dtype=int)
    for target, preds in paths.items():
        for p in [preds] if isinstance(preds, str) else preds:
            if target not in blocks or p not in blocks:
                raise ParameterError(
                    f"路径“{p} → {target}”引用了未定义的潜变量（已定义：{'、'.join(lvs)}）。"
                )
            if p == target:
                raise ParameterError(f"潜变量“{p}”不能指向自身。")
            pm.loc[target, p] = 1
    # acyclic: repeatedly strip LVs without predecessors
    left = set(lvs)
    while left:
        roots = {v for v in left if not any(pm.loc[v, u] for u in left)}
        if not roots:
            raise ParameterError(f"结构模型存在循环路径：{'、'.join(sorted(left))}。")
        left -= roots
    isolated = [v for v in lvs if pm.loc[v].sum() + pm[v].sum() == 0]
    if isolated:
        raise ParameterError(f"潜变量“{'、'.join(isolated)}”没有任何路径与其他潜变量相连。")
    return pm


def _prepare(data, blocks, missing, na_values):
    if not isinstance(data, pd.DataFrame):
        raise ParameterError("data 必须是 DataFrame（每行一位受访者，每列一个题项）。")
    items = [c for cols in blocks.values() for c in cols]
    dup = sorted({c for c in items if items.count(c) > 1})
    if dup:
        raise ParameterError(f"题项“{'、'.join(dup)}”被分配给了多个潜变量。")
    absent = [c for c in items if c not in data.columns]
    if absent:
        raise DataError(f"数据中缺少题项列：{'、'.join(absent)}。")
    raw = data[items]
    X = raw.apply(pd.to_numeric, errors="coerce").astype(float)
    bad = (X.isna() & raw.notna()).sum()
    if bad.any():
        cols = "、".join(f"{c}（{k}个）" for c, k in bad[bad > 0].items())
        raise DataError(f"题项含非数值答案：{cols}；请先清洗或设为缺失。")
    if na_values:
        X = X.mask(X.isin(list(na_values)))
    n_all = len(X)
    if missing == "mean":
        X = X.fillna(X.mean())
    elif missing == "listwise":
        X = X.dropna()
    else:
        raise ParameterError(f"missing 只能是 'mean' 或 'listwise'，收到“{missing}”。")
    empty = X.columns[X.isna().all()].tolist()
    if empty:
        raise DataError(f"题项“{'、'.join(empty)}”没有任何有效答案。")
    if len(X) < len(items):
        raise DataError(f"有效受访者 {len(X)} 人，少于模型题项数 {len(items)}：无法估计 PLS 模型。")
    const = X.columns[X.std(ddof=0) <= 1e-12].tolist()
    if const:
        raise DataError(f"题项“{'、'.join(const)}”所有答案相同（方差为 0），无法进入模型。")
    return X, n_all - len(X)


def _standardise(a: np.ndarray) -> np.ndarray:
    a = a - a.mean(axis=0)
    return a / a.std(axis=0)


# ------------------------------------------------------------------ estimation
def _inner_weights(Y: np.ndarray, pm: np.ndarray, scheme: str) -> np.ndarray:
    R = np.corrcoef(Y, rowvar=False)
    adj = pm + pm.T
    if scheme == "centroid":
        return np.sign(R) * adj
    if scheme == "factorial":
        return R * adj
    E = np.zeros_like(R)
    for k in range(pm.shape[0]):
        pred = np.flatnonzero(pm[k])
        if pred.size:
            E[pred, k] = np.linalg.lstsq(Y[:, pred], Y[:, k], rcond=None)[0]
        succ = np.flatnonzero(pm[:, k])
        if succ.size:
            E[succ, k] = R[k, succ]
    return E


def _estimate(X: np.ndarray, block_of: np.ndarray, pm: np.ndarray, modes, scheme, scaled, tol, max_iter):
    """Core Lohmöller iteration on a numeric matrix. Returns (weights p×J, scores n×J, iterations)."""
    n, p = X.shape
    Xc = X - X.mean(axis=0)
    if scaled:
        Xc = Xc / Xc.std(axis=0)
    J = pm.shape[0]
    W = np.zeros((p, J))
    W[np.arange(p), block_of] = 1.0
    W = W / (Xc @ W).std(axis=0)
    w_old = W.sum(axis=1)
    for it in range(1, max_iter + 1):  # noqa: B007 (returned below)
        Y = _standardise(Xc @ W)
        Z = Y @ _inner_weights(Y, pm, scheme)
        for j in range(J):
            cols = block_of == j
            if modes[j] == "A":
                W[cols, j] = Xc[:, cols].T @ Z[:, j] / n
            else:
                W[cols, j] = np.linalg.lstsq(Xc[:, cols], Z[:, j], rcond=None)[0]
        w_new = W.sum(axis=1)
        if np.sum((np.abs(w_old) - np.abs(w_new)) ** 2) < tol:
            break
        w_old = w_new
    else:
        raise DataError(f"PLS 外部权重迭代 {max_iter} 次仍未收敛：请检查题项与模型设定。")
    sd = (Xc @ W).std(axis=0)
    if np.any(sd <= 1e-12):
        raise DataError("某个潜变量的得分方差为 0：请检查题项与路径设定。")
    W = W / sd
    return W, Xc @ W, it


def _inner_model(Y: np.ndarray, pm: np.ndarray):
    J = pm.shape[0]
    B = np.zeros((J, J))
    r2 = np.zeros(J)
    for k in range(J):
        pred = np.flatnonzero(pm[k])
        if pred.size:
            coef = np.linalg.lstsq(Y[:, pred], Y[:, k], rcond=None)[0]
            B[k, pred] = coef
            resid = Y[:, k] - Y[:, pred] @ coef
            r2[k] = 1 - resid @ resid / (Y[:, k] @ Y[:, k])
    return B, r2


def _paths_only(X: np.ndarray, block_of, pm, modes, scheme, scaled, tol, max_iter) -> np.ndarray:
    _, Y, _ = _estimate(X, block_of, pm, modes, scheme, scaled, tol, max_iter)
    return _inner_model(Y, pm)[0]


def fit(
    data: pd.DataFrame,
    blocks: Mapping[str, Sequence[str]],
    paths: Mapping[str, Sequence[str]],
    modes: Mapping[str, str] | Sequence[str] | None = None,
    scheme: str = "centroid",
    scaled: bool = False,
    missing: str = "mean",
    bootstrap: int = 0,
    seed: int = 0,
    *,
    ci: float = 0.95,
    tol: float = 1e-6,
    max_iter: int = 100,
    scales: Mapping[str, tuple[float, float]] | tuple[float, float] | None = None,
    na_values: Sequence[float] = (),
) -> PLSResult:
    """Fit a PLS path model.

    ``blocks``: ``{lv: [item columns]}`` (measurement model); ``paths``:
    ``{target: [predictors]}`` (structural model). ``modes``: "A" (reflective, default)
    or "B" (formative) per LV. ``scales``: item scale (min, max) for the 0–100 index
    (one tuple for all items, or per item; default: observed min and max of each item).
    ``na_values``: codes meaning "no answer" (e.g. −99), treated as missing.
    ``bootstrap``: number of resamples (seeded by ``seed``) for percentile CIs of paths.
    """
    if scheme not in SCHEMES:
        raise ParameterError(f"scheme 只能是 {' / '.join(SCHEMES)}，收到“{scheme}”。")
    if not blocks or any(len(v) == 0 for v in blocks.values()):
        raise ParameterError("每个潜变量至少需要一个题项。")
    blocks = {lv: [cols] if isinstance(cols, str) else list(cols) for lv, cols in blocks.items()}
    lvs = list(blocks)
    if modes is None:
        mode_list = ["A"] * len(lvs)
    elif isinstance(modes, Mapping):
        mode_list = [modes.get(lv, "A") for lv in lvs]
    else:
        mode_list = list(modes)
    if len(mode_list) != len(lvs) or any(m not in MODES for m in mode_list):
        raise ParameterError(f"modes 必须为每个潜变量给出 'A' 或 'B'，收到 {modes!r}。")
    pm_df = _path_matrix(blocks, paths)
    pm = pm_df.to_numpy()
    X, n_dropped = _prepare(data, blocks, missing, na_values)
    items = list(X.columns)
    block_of = np.array([lvs.index(lv) for lv, cols in blocks.items() for _ in cols])
    Xv = X.to_numpy()

    W, Y, iterations = _estimate(Xv, block_of, pm, mode_list, scheme, scaled, tol, max_iter)
    B, r2 = _inner_model(Y, pm)
    J = len(lvs)
    weights = pd.Series(W[np.arange(len(items)), block_of], index=items, name="weight")
    Xc = Xv - Xv.mean(axis=0)
    load = np.array([np.corrcoef(Xc[:, i], Y[:, block_of[i]])[0, 1] for i in range(len(items))])
    loadings = pd.Series(load, index=items, name="loading")
    outer = pd.DataFrame(
        {
            "block": [lvs[b] for b in block_of],
            "weight": weights,
            "loading": loadings,
            "communality": loadings**2,
        }
    )
    endo = pm.sum(axis=1) > 0
    outer["redundancy"] = outer["communality"] * np.where(endo[block_of], r2[block_of], 0.0)
    multi = outer.groupby("block", sort=False)["communality"].transform("size") > 1
    gof = float(np.sqrt(outer.loc[multi, "communality"].mean() * r2[endo].mean()))
    total = np.linalg.inv(np.eye(J) - B) - np.eye(J)
    scores = pd.DataFrame(Y, index=X.index, columns=lvs)
    settings = {
        "scheme": scheme,
        "scaled": scaled,
        "missing": missing,
        "modes": dict(zip(lvs, mode_list, strict=False)),
        "tol": tol,
        "path_matrix": pm_df,
        "blocks": blocks,
        "item_sd": X.std(ddof=0),
    }
    boot = None
    if bootstrap:
        boot = bootstrap_paths(
            lambda Xb: _paths_only(Xb, block_of, pm, mode_list, scheme, scaled, tol, max_iter),
            Xv,
            B,
            pm,
            lvs,
            n_boot=bootstrap,
            seed=seed,
            ci=ci,
        )
    return PLSResult(
        path_coefficients=pd.DataFrame(B, index=lvs, columns=lvs),
        r2=pd.Series(r2, index=lvs, name="r2"),
        gof=gof,
        outer_weights=weights,
        loadings=loadings,
        scores=scores,
        total_effects=pd.DataFrame(total, index=lvs, columns=lvs),
        reliability=block_reliability(X, blocks, outer),
        index=lv_index(X, blocks, weights, scaled=scaled, scales=scales),
        outer_model=outer,
        bootstrap=boot,
        n=len(X),
        n_dropped=n_dropped,
        iterations=iterations,
        settings=settings,
    )
