"""Driver importance: Johnson's relative weights and importance–performance analysis.

Relative weights (Johnson 2000, Multivariate Behavioral Research 35:1): the drivers are
replaced by their closest orthogonal counterparts Z = X·R⁻¹ᐟ²; Λ = R¹ᐟ² holds the
correlations of X with Z; β = Λ⁻¹·r_xy regresses the target on Z; each driver's raw
weight is Σⱼ Λᵢⱼ²·βⱼ², and the raw weights sum to the model R². Rows with a missing
target or driver are dropped (listwise).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import MIN_N
from ..errors import DataError, ParameterError
from ..schema import DRIVER_ITEMS, Survey, label
from ..stats import rescale

QUADRANTS = ("重点改进区", "优势保持区", "次要改进区", "过度投入区")


def relative_weights(data: pd.DataFrame, target: str = Survey.overall, drivers=None) -> pd.DataFrame:
    """Johnson's relative weights of ``drivers`` for ``target``.

    Returns a DataFrame indexed by driver with ``raw`` (share of variance, sums to R²),
    ``pct`` (raw / R² × 100, sums to 100), ``rank`` (1 = most important) and ``label``;
    ``.attrs``: r2, n (complete rows), target."""
    drivers = list(drivers or [c for c in DRIVER_ITEMS if c in data.columns])
    missing = [c for c in [target, *drivers] if c not in data.columns]
    if missing:
        raise DataError(f"数据中缺少列：{'、'.join(label(c) for c in missing)}。")
    if len(drivers) < 1 or target in drivers:
        raise ParameterError("drivers 至少一个，且不能包含目标变量本身。")
    df = data[[target, *drivers]].apply(pd.to_numeric, errors="coerce").astype(float).dropna()
    n, k = len(df), len(drivers)
    if n < k + 2:
        raise DataError(
            f"完整回答的受访者 {n} 人，不足以估计 {k} 个驱动因素的相对权重（至少需 {k + 2} 人）。"
        )
    const = [c for c in df.columns if df[c].std() <= 1e-12]
    if const:
        raise DataError(f"“{'、'.join(label(c) for c in const)}”所有答案相同（方差为 0），无法计算相对权重。")
    R = np.corrcoef(df.to_numpy(), rowvar=False)
    rxx, rxy = R[1:, 1:], R[1:, 0]
    eigval, vec = np.linalg.eigh(rxx)
    if eigval.min() < 1e-10:
        raise DataError("驱动因素之间完全共线（某题项可由其他题项线性表示），无法计算相对权重。")
    lam = vec @ np.diag(np.sqrt(eigval)) @ vec.T
    beta = np.linalg.solve(lam, rxy)
    raw = (lam**2) @ (beta**2)
    r2 = float((beta**2).sum())
    out = pd.DataFrame({"raw": raw, "pct": raw / r2 * 100}, index=pd.Index(drivers, name="driver"))
    out["rank"] = out["pct"].rank(ascending=False, method="min").astype(int)
    out["label"] = [label(c) for c in drivers]
    out.attrs.update(r2=r2, n=n, target=target, small_n=n < MIN_N)
    return out


def ipa(data: pd.DataFrame, target: str = Survey.overall, drivers=None, *, scales=None) -> pd.DataFrame:
    """Importance–performance analysis.

    importance = relative weight (% of explained variance); performance = item mean
    rescaled to 0–100 by its scale. Cut-offs: the mean importance (= 100/k) and the
    mean performance over the drivers. Quadrants: 重点改进区 (important, below-average
    performance), 优势保持区 (important, above), 次要改进区 (less important, below),
    过度投入区 (less important, above). ``.attrs``: importance_cut, performance_cut,
    n, r2, definition."""
    rw = relative_weights(data, target=target, drivers=drivers)
    items = list(rw.index)
    perf = rescale(data[items], scales)
    out = pd.DataFrame(
        {
            "label": rw["label"],
            "importance": rw["pct"],
            "performance": perf.mean(),
            "n": perf.notna().sum().astype(int),
        }
    )
    imp_cut, perf_cut = float(out["importance"].mean()), float(out["performance"].mean())
    hi_imp = out["importance"] >= imp_cut
    hi_perf = out["performance"] >= perf_cut
    out["quadrant"] = np.select(
        [hi_imp & ~hi_perf, hi_imp & hi_perf, ~hi_imp & ~hi_perf], list(QUADRANTS[:3]), QUADRANTS[3]
    )
    out.attrs.update(
        importance_cut=imp_cut,
        performance_cut=perf_cut,
        n=rw.attrs["n"],
        r2=rw.attrs["r2"],
        definition=(
            f"重要性 = 对“{label(target)}”的相对权重（%），表现 = 题项均值换算为 0–100 分；"
            f"分界线为各题项重要性均值（{imp_cut:.1f}%）与表现均值（{perf_cut:.1f} 分）。"
        ),
    )
    return out.sort_values("importance", ascending=False)
