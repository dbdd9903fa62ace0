"""Wave-to-wave tests: is a change of NPS, CSAT, CSI or a share between two survey waves
a change or noise?

Each function takes the two waves as raw answers or as already computed results (anything
with ``value``, ``n`` and — for NPS and CSI — ``se`` on the ×100 scale, e.g.
``satisfaction.nps(...)`` or a weighted estimate whose ``se`` already carries the design
effect) and returns a :class:`Difference` on the ×100 scale: current − previous, its SE,
a normal CI and the two-sided p-value. The waves are independent samples, so
SE = √(SE₁² + SE₂²).

- NPS: per wave variance p_P + p_D − NPS², SE = √(variance / n);
- CSAT and shares: per wave variance p(1 − p), SE = √(p(1 − p) / n) (unpooled, so the CI
  and the p-value agree);
- CSI: the SE of each wave's index (from the respondents' own indices).

This module does not import :mod:`dealresearch.satisfaction.metrics` (which re-exports it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..config import ALPHA, MIN_N
from ..errors import DataError
from ..schema import NPS_DETRACTOR_MAX, NPS_PROMOTER_MIN
from ..stats import answers, z_value


@dataclass(frozen=True)
class Difference:
    """current − previous on the ×100 scale, with SE, CI and two-sided p-value."""

    metric: str
    current: float
    previous: float
    diff: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    n_current: float
    n_previous: float
    ci: float = 0.95
    alpha: float = ALPHA

    @property
    def significant(self) -> bool:
        return bool(self.p_value < self.alpha)

    @property
    def small_n(self) -> bool:
        return min(self.n_current, self.n_previous) < MIN_N


_z = z_value


def _difference(metric, cur, prev, ci, alpha) -> Difference:
    (v1, se1, n1), (v2, se2, n2) = cur, prev
    z = _z(ci)
    diff = v1 - v2
    se = float(np.hypot(se1, se2))
    p = float(2 * stats.norm.sf(abs(diff) / se)) if se > 0 else (1.0 if diff == 0 else 0.0)
    return Difference(metric, v1, v2, diff, se, diff - z * se, diff + z * se, p, n1, n2, ci, alpha)


def _scores(values, what: str, lo: float, hi: float) -> np.ndarray:
    x = answers(values, what, lo, hi).to_numpy()
    if len(x) == 0:
        raise DataError(f"{what}没有有效答案，无法比较两期。")
    return x


def _is_result(obj) -> bool:
    return hasattr(obj, "value") and hasattr(obj, "n")


def _nps_wave(w, which: str):
    if _is_result(w):
        return float(w.value), float(w.se), float(getattr(w, "effective_n", w.n))
    x = _scores(w, f"{which}推荐意愿评分", 0, 10)
    p_p, p_d = float((x >= NPS_PROMOTER_MIN).mean()), float((x <= NPS_DETRACTOR_MAX).mean())
    v = p_p - p_d
    return v * 100, float(np.sqrt(max(p_p + p_d - v * v, 0.0) / len(x))) * 100, float(len(x))


def nps_difference(current, previous, *, ci: float = 0.95, alpha: float = ALPHA) -> Difference:
    """NPS(current) − NPS(previous) (×100): 0–10 scores or NPS results of each wave."""
    return _difference("NPS", _nps_wave(current, "本期"), _nps_wave(previous, "上期"), ci, alpha)


def _share_wave(w, which: str, top: int | None = None, scale=(1, 5)):
    if _is_result(w):
        p, n = float(w.value) / 100, float(getattr(w, "effective_n", w.n))
        se = float(w.se) / 100 if getattr(w, "se", None) is not None else float(np.sqrt(p * (1 - p) / n))
        return p * 100, se * 100, n
    if top is None:
        s = pd.Series(w).dropna()
        if len(s) == 0:
            raise DataError(f"{which}没有有效答案，无法比较两期占比。")
        x = s.astype(bool).to_numpy(dtype=float)
    else:
        lo, hi = scale
        x = (_scores(w, f"{which}满意度评分", lo, hi) >= hi - top + 1).astype(float)
    p, n = float(x.mean()), len(x)
    return p * 100, float(np.sqrt(p * (1 - p) / n)) * 100, float(n)


def csat_difference(
    current, previous, *, scale=(1, 5), top: int = 2, ci: float = 0.95, alpha: float = ALPHA
) -> Difference:
    """CSAT (top-``top``-box share of ``scale``, ×100) current − previous: scores or CSAT results."""
    return _difference(
        "CSAT",
        _share_wave(current, "本期", top, scale),
        _share_wave(previous, "上期", top, scale),
        ci,
        alpha,
    )


def share_difference(current, previous, *, ci: float = 0.95, alpha: float = ALPHA) -> Difference:
    """Share (×100) current − previous: boolean answers (missing excluded) or results with
    ``value`` (×100) and ``n``."""
    return _difference("占比", _share_wave(current, "本期"), _share_wave(previous, "上期"), ci, alpha)


def _csi_wave(w, which: str):
    if _is_result(w):
        if not np.isfinite(getattr(w, "se", np.nan)):
            raise DataError(f"{which} CSI 没有标准误（有效问卷不足 2 份），无法比较两期。")
        return float(w.value), float(w.se), float(getattr(w, "effective_n", w.n))
    x = pd.Series(w, dtype=float).dropna().to_numpy()
    if len(x) < 2:
        raise DataError(f"{which}个人 CSI 少于 2 个，无法比较两期。")
    return float(x.mean()), float(x.std(ddof=1) / np.sqrt(len(x))), float(len(x))


def csi_difference(current, previous, *, ci: float = 0.95, alpha: float = ALPHA) -> Difference:
    """CSI current − previous: CSI results (``satisfaction.csi``) or each respondent's
    0–100 index per wave."""
    return _difference("CSI", _csi_wave(current, "本期"), _csi_wave(previous, "上期"), ci, alpha)


__all__ = ["Difference", "csat_difference", "csi_difference", "nps_difference", "share_difference"]
