"""Survey weighting: raking (iterative proportional fitting) to population margins.

``rake(data, margins)`` returns one weight per respondent such that, for every margin
variable, the weighted count of each category equals its population count. Starting
weights are uniform (population / n) unless ``weight=`` is given; the fixed point does
not depend on the order of the margins. ``bounds=(lo, hi)`` keeps every weight within
``lo``–``hi`` times the mean weight (trimmed, then re-raked until both hold).

``summary(weights)`` describes a set of weights: the Kish effective base (Σw)²/Σw², the
weighting efficiency (effective base ÷ n), the design effect n ÷ effective base and
the extreme weights. Margins from the customer base of a survey year and weighted
NPS / CSAT / CSI / shares live in :mod:`dealresearch.survey_plan.weights`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import DataError, MissingColumnsError, ParameterError

MARGIN_COLUMNS = ("variable", "category", "population")
#: relative disagreement allowed between the totals of two margins
TOTAL_RTOL = 1e-6


def margins_frame(margins) -> pd.DataFrame:
    """Margins as a DataFrame ``variable, category, population`` (from such a frame or
    from ``{variable: {category: population}}``), checked: population ≥ 0, each
    category once, every margin with the same total."""
    if isinstance(margins, Mapping):
        rows = [
            (var, cat, pop)
            for var, cats in margins.items()
            for cat, pop in (cats.items() if isinstance(cats, Mapping) else pd.Series(cats).items())
        ]
        m = pd.DataFrame(rows, columns=list(MARGIN_COLUMNS))
    elif isinstance(margins, pd.DataFrame):
        missing = [c for c in MARGIN_COLUMNS if c not in margins.columns]
        if missing:
            raise MissingColumnsError(f"总体边际表缺少列：{'、'.join(missing)}（需要 variable、category、population）。")
        m = margins[list(MARGIN_COLUMNS)].copy()
    else:
        raise ParameterError("margins 须为含 variable、category、population 列的表，或 {变量: {类别: 总体数}} 字典。")
    if m.empty:
        raise ParameterError("总体边际表为空：至少需要一个变量的总体分布。")
    m["variable"] = m["variable"].astype(str)
    m["category"] = m["category"].astype(str)
    m["population"] = pd.to_numeric(m["population"], errors="coerce")
    bad = m[m["population"].isna() | (m["population"] < 0)]
    if len(bad):
        r = bad.iloc[0]
        raise DataError(f"总体边际表中“{r['variable']}”的类别“{r['category']}”总体数无效（须为非负数）。")
    dup = m.duplicated(["variable", "category"])
    if dup.any():
        r = m[dup].iloc[0]
        raise DataError(f"总体边际表中“{r['variable']}”的类别“{r['category']}”出现了多次。")
    totals = m.groupby("variable", sort=False)["population"].sum()
    if (totals <= 0).any():
        raise DataError(f"总体边际“{totals[totals <= 0].index[0]}”的总体数合计为 0。")
    if totals.max() - totals.min() > TOTAL_RTOL * totals.max():
        detail = "；".join(f"{v} 合计 {t:,.6g}" for v, t in totals.items())
        raise DataError(f"各总体边际的合计不一致（{detail}）：同一总体的各边际合计必须相等。")
    return m.reset_index(drop=True)


def _codes(data: pd.DataFrame, m: pd.DataFrame) -> list[tuple[str, np.ndarray, np.ndarray, list[str]]]:
    """Per margin variable: (name, respondent category codes, targets, categories)."""
    out = []
    for var, g in m.groupby("variable", sort=False):
        if var not in data.columns:
            raise MissingColumnsError(f"受访者数据缺少加权变量列“{var}”。")
        cats = g["category"].tolist()
        values = data[var]
        codes = pd.Index(cats).get_indexer(values.astype("str"))
        missing = values.isna().to_numpy()
        if missing.any():
            raise DataError(f"加权变量“{var}”有 {int(missing.sum())} 位受访者缺少取值（例如第 {int(np.argmax(missing)) + 1} 行）。")
        unknown = codes < 0
        if unknown.any():
            ex = values[unknown].astype(str).iloc[0]
            raise DataError(
                f"加权变量“{var}”中有 {int(unknown.sum())} 位受访者的类别不在总体边际中（例如“{ex}”）。"
            )
        target = g["population"].to_numpy(dtype=float)
        seen = np.bincount(codes, minlength=len(cats)) > 0
        empty = ~seen & (target > 0)
        if empty.any():
            names = "、".join(c for c, e in zip(cats, empty, strict=True) if e)
            raise DataError(f"加权变量“{var}”的类别“{names}”在总体中有人、在受访者中却没有人：无法加权，请合并类别。")
        out.append((var, codes, target, cats))
    return out


def rake(
    data: pd.DataFrame,
    margins,
    *,
    weight=None,
    bounds: tuple[float, float] | None = None,
    max_iter: int = 1000,
    tol: float = 1e-10,
) -> pd.Series:
    """Raking weights for the rows of ``data`` (a Series aligned to ``data.index``).

    ``margins``: DataFrame ``variable, category, population`` or ``{variable: {category:
    population}}``; every margin must have the same total. ``weight``: starting weights
    (a column name or values aligned to ``data``), default uniform. Converged when every
    weighted margin is within ``tol`` (relative) of its target (and within ``bounds``).
    """
    m = margins_frame(margins)
    n = len(data)
    if n == 0:
        raise DataError("没有受访者，无法加权。")
    total = float(m.groupby("variable", sort=False)["population"].sum().iloc[0])
    w = _start(data, weight, total)
    vars_ = _codes(data, m)
    lo = hi = None
    if bounds is not None:
        lo, hi = (float(b) for b in bounds)
        if not 0 <= lo < 1 < hi:
            raise ParameterError(f"bounds={bounds} 无效：须满足 0 ≤ 下限 < 1 < 上限（相对平均权重）。")
    for _ in range(int(max_iter)):
        for _var, codes, target, _cats in vars_:
            got = np.bincount(codes, weights=w, minlength=len(target))
            factor = np.divide(target, got, out=np.zeros_like(target), where=got > 0)
            w = w * factor[codes]
        if lo is not None:
            mean = w.sum() / n
            w = np.clip(w, lo * mean, hi * mean)
        if _worst(vars_, w) <= tol and (lo is None or _within(w, lo, hi, tol)):
            return pd.Series(w, index=data.index, name="weight")
    raise DataError(
        f"加权在 {max_iter} 次迭代后仍未收敛（边际最大相对偏差 {_worst(vars_, w):.2e}）："
        + ("权重上下限可能过紧，请放宽 bounds，或" if lo is not None else "")
        + "请合并样本很少的类别。"
    )


def _start(data: pd.DataFrame, weight, total: float) -> np.ndarray:
    n = len(data)
    if weight is None:
        return np.full(n, total / n)
    w = data[weight] if isinstance(weight, str) else pd.Series(weight)
    w = pd.to_numeric(pd.Series(np.asarray(w)), errors="coerce").to_numpy(dtype=float)
    if len(w) != n:
        raise ParameterError(f"初始权重有 {len(w)} 个，受访者有 {n} 位：数量必须一致。")
    if np.isnan(w).any() or (w <= 0).any():
        raise DataError(f"初始权重须为正数：有 {int((np.isnan(w) | (w <= 0)).sum())} 个缺失或非正的权重。")
    return w


def _worst(vars_, w: np.ndarray) -> float:
    worst = 0.0
    for _var, codes, target, _cats in vars_:
        got = np.bincount(codes, weights=w, minlength=len(target))
        dev = np.abs(got - target) / np.where(target > 0, target, 1.0)
        worst = max(worst, float(dev.max()))
    return worst


def _within(w: np.ndarray, lo: float, hi: float, tol: float) -> bool:
    mean = w.mean()
    return bool(w.min() >= lo * mean * (1 - 1e-9) - tol and w.max() <= hi * mean * (1 + 1e-9) + tol)


# -------------------------------------------------------------------------- summary
@dataclass(frozen=True)
class WeightSummary:
    """How much a set of weights costs: n, Kish effective base, efficiency, extremes."""

    n: int
    total: float
    effective_n: float  # Kish: (Σw)² / Σw²
    efficiency: float  # effective_n / n (1 = no loss)
    design_effect: float  # n / effective_n
    min: float
    max: float
    mean: float
    max_ratio: float  # max / min

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def effective_n(weights) -> float:
    """Kish effective base (Σw)² / Σw² (NaN weights ignored)."""
    w = np.asarray(weights, dtype=float)
    w = w[~np.isnan(w)]
    s2 = float((w * w).sum())
    return float(w.sum() ** 2 / s2) if s2 > 0 else 0.0


def summary(weights) -> WeightSummary:
    """Kish effective base, weighting efficiency, design effect and min / max weights."""
    w = np.asarray(weights, dtype=float)
    w = w[~np.isnan(w)]
    if len(w) == 0:
        raise DataError("没有权重，无法汇总。")
    if (w < 0).any():
        raise DataError(f"权重中有 {int((w < 0).sum())} 个负值。")
    n_eff = effective_n(w)
    n = len(w)
    return WeightSummary(
        n=n,
        total=float(w.sum()),
        effective_n=n_eff,
        efficiency=n_eff / n,
        design_effect=n / n_eff if n_eff else float("inf"),
        min=float(w.min()),
        max=float(w.max()),
        mean=float(w.mean()),
        max_ratio=float(w.max() / w.min()) if w.min() > 0 else float("inf"),
    )


__all__ = ["WeightSummary", "effective_n", "margins_frame", "rake", "summary"]
