"""Satisfaction metrics: NPS, CSAT, CSI and Cronbach's alpha, each with n and a CI.

Driver importance and IPA live in :mod:`dealresearch.satisfaction.drivers`, group comparisons and the
quarterly trend in :mod:`dealresearch.satisfaction.groups`, the follow-up loop in
:mod:`dealresearch.satisfaction.followup_list`; they are re-exported here so ``sat.relative_weights`` etc.
work as DESIGN.md lists them.

Scales: every percentage-like result (NPS, shares, CSAT, CSI, their SEs and CIs) is on
the ×100 scale. Results users read carry ``n`` and ``small_n`` (n < config.MIN_N).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..config import MIN_N
from ..errors import DataError, ParameterError
from ..schema import DRIVER_ITEMS, NPS_DETRACTOR_MAX, NPS_PROMOTER_MIN, Survey, label
from ..stats import answers, item_scales, rescale, z_value
from .drivers import ipa, relative_weights

NPS_DEFINITION = "NPS = 推荐者(9–10分)占比 − 贬损者(0–6分)占比；中立者为 7–8 分"


_numeric = answers  # scale answers as floats (stats.answers)
_z = z_value


# ------------------------------------------------------------------------- NPS
class _Sample:
    """Results computed from ``n`` answers: ``small_n`` when fewer than ``config.MIN_N``."""

    n: int

    @property
    def small_n(self) -> bool:
        return self.n < MIN_N


@dataclass(frozen=True)
class NPSResult(_Sample):
    """Net Promoter Score on the ×100 scale (value −100..100, shares 0..100)."""

    value: float
    promoters: float
    passives: float
    detractors: float
    n: int
    n_missing: int
    se: float
    ci_low: float
    ci_high: float
    ci: float = 0.95
    definition: str = NPS_DEFINITION


def nps(scores, ci: float = 0.95) -> NPSResult:
    """NPS of 0–10 recommend scores (missing answers excluded from n).

    variance = p_P + p_D − NPS², SE = sqrt(variance / n), normal CI NPS ± z·SE
    (clipped to [−100, 100]); all reported ×100."""
    z = _z(ci)
    n_all = len(pd.Series(scores))
    x = _numeric(scores, "推荐意愿评分", 0, 10)
    n = len(x)
    if n == 0:
        raise DataError("没有有效的推荐意愿评分，无法计算 NPS。")
    p_p = float((x >= NPS_PROMOTER_MIN).mean())
    p_d = float((x <= NPS_DETRACTOR_MAX).mean())
    value = p_p - p_d
    se = float(np.sqrt(max(p_p + p_d - value**2, 0.0) / n))
    return NPSResult(
        value=value * 100,
        promoters=p_p * 100,
        passives=(1 - p_p - p_d) * 100,
        detractors=p_d * 100,
        n=n,
        n_missing=n_all - n,
        se=se * 100,
        ci_low=max(value - z * se, -1.0) * 100,
        ci_high=min(value + z * se, 1.0) * 100,
        ci=ci,
    )


def nps_category(scores) -> pd.Series:
    """推荐者 / 中立者 / 贬损者 per answer (<NA> where missing)."""
    x = pd.to_numeric(pd.Series(scores), errors="coerce")
    cat = pd.Series(pd.NA, index=x.index, dtype="object")
    cat = cat.mask(x <= NPS_DETRACTOR_MAX, "贬损者").mask(
        (x > NPS_DETRACTOR_MAX) & (x < NPS_PROMOTER_MIN), "中立者"
    )
    cat = cat.mask(x >= NPS_PROMOTER_MIN, "推荐者")
    return cat


# ------------------------------------------------------------------------ CSAT
@dataclass(frozen=True)
class CSATResult(_Sample):
    """Top-box satisfaction share (×100) with a Wilson CI."""

    value: float
    n: int
    n_missing: int
    ci_low: float
    ci_high: float
    definition: str
    ci: float = 0.95


def _wilson(k: float, n: int, z: float) -> tuple[float, float]:
    p = k / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return centre - half, centre + half


def csat(scores, scale: tuple[int, int] = (1, 5), top: int = 2, ci: float = 0.95) -> CSATResult:
    """CSAT = share of answers in the top ``top`` boxes of ``scale`` (default top-2-box
    of 1–5: 4 or 5 分), with a Wilson score interval."""
    lo, hi = scale
    if not 1 <= top <= hi - lo:
        raise ParameterError(f"top 必须在 1 与 {hi - lo} 之间，收到 {top}。")
    z = _z(ci)
    n_all = len(pd.Series(scores))
    x = _numeric(scores, "满意度评分", lo, hi)
    if len(x) == 0:
        raise DataError("没有有效的满意度评分，无法计算 CSAT。")
    cut = hi - top + 1
    k = float((x >= cut).sum())
    low, high = _wilson(k, len(x), z)
    definition = (
        f"CSAT = 评分 {cut:g}–{hi:g} 分（{lo:g}–{hi:g} 分量表前 {top} 档，top-{top}-box）的受访者占比"
    )
    return CSATResult(k / len(x) * 100, len(x), n_all - len(x), low * 100, high * 100, definition, ci)


# ------------------------------------------------------------------------- CSI
@dataclass(frozen=True)
class CSIResult(_Sample):
    """Customer satisfaction index 0–100 (ACSI rescale of weighted item means)."""

    value: float
    n: int
    se: float
    ci_low: float
    ci_high: float
    weights: pd.Series
    performance: pd.Series
    method: str
    definition: str
    #: the model's items that had answers (used, weights renormalised over them) and those
    #: that did not (not asked in this survey): never counted as zero
    items_used: tuple[str, ...] = ()
    items_missing: tuple[str, ...] = ()

    @property
    def coverage_text(self) -> str:
        """"使用 9/11 个题项（未调查：沟通反馈、投诉处理）" — item names in Chinese."""
        k = len(self.items_used) + len(self.items_missing)
        text = f"使用 {len(self.items_used)}/{k} 个题项"
        if self.items_missing:
            text += f"（未调查：{'、'.join(label(c) for c in self.items_missing)}）"
        return text


def csi(
    data: pd.DataFrame,
    items=None,
    weights=None,
    *,
    target: str = Survey.overall,
    scales=None,
    ci: float = 0.95,
) -> CSIResult:
    """CSI = Σ wᵢ · (meanᵢ − min)/(max − min) × 100 with weights summing to 1.

    ``weights``: a mapping/Series (e.g. ``PLSResult.raw_weights(lv)``) or
    None, then derived from Johnson's relative weights of the items on ``target``;
    ``"equal"`` gives equal weights. The SE comes from each respondent's own weighted
    index (weights renormalised over the items they answered).

    Items of the model that nobody answered (absent or all blank: not asked) are left out
    and the weights of the others renormalised to sum to 1; ``items_used`` /
    ``items_missing`` say which, so with every item answered the value is the
    complete-item CSI."""
    model = list(items or DRIVER_ITEMS)
    items = [c for c in model if c in data.columns and data[c].notna().any()]
    missing_items = tuple(c for c in model if c not in items)
    if not items:
        raise DataError("数据中没有任何满意度题项，无法计算 CSI。")
    if weights is None:
        w = relative_weights(data, target=target, drivers=items)["pct"]
        method = f"权重 = 各题项对“{label(target)}”的相对权重（Johnson 2000）"
    elif isinstance(weights, str) and weights == "equal":
        w = pd.Series(1.0, index=items)
        method = "等权重"
    else:
        given = pd.Series(weights, dtype=float)
        if given.isna().any() or (given < 0).any():
            raise ParameterError("CSI 权重必须非负、不能缺失。")
        # items answered but without a weight (e.g. not asked in the period the weights
        # come from) are left out like unasked ones, so every period uses one item set
        missing_items += tuple(c for c in items if c not in given.index)
        items = [c for c in items if c in given.index]
        w = given.reindex(items)
        if not items or w.sum() <= 0:
            raise ParameterError("CSI 权重必须覆盖至少一个已回答的题项，且总和为正。")
        method = "给定权重"
    w = w / w.sum()  # renormalised over the items answered
    perf_rows = rescale(data[items], scales)
    perf = perf_rows.mean()
    answered = perf_rows.notna()
    per_resp = (perf_rows.fillna(0) * w).sum(axis=1) / answered.mul(w).sum(axis=1)
    per_resp = per_resp[answered.any(axis=1)]
    n = len(per_resp)
    if n == 0:
        raise DataError("没有任何受访者回答了 CSI 题项。")
    value = float((w * perf).sum())
    se = float(per_resp.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
    z = _z(ci)
    definition = "CSI = Σ 权重 × (题项均值 − 量表最小值)/(量表最大值 − 最小值) × 100（ACSI 方法）；" + method
    if missing_items:
        definition += f"；{len(missing_items)} 个题项未调查，权重按其余 {len(items)} 个题项重新归一"
    return CSIResult(value, n, se, value - z * se, value + z * se, w, perf, method, definition,
                     tuple(items), missing_items)


# ---------------------------------------------------------------- reliability
@dataclass(frozen=True)
class AlphaResult(_Sample):
    """Cronbach's alpha with a Feldt confidence interval."""

    alpha: float
    ci_low: float
    ci_high: float
    n: int
    k: int
    standardized: bool
    missing: str
    ci: float = 0.95
    #: small-sample note (fewer respondents than items or than config.MIN_N), else None
    warning: str | None = None


def cronbach_alpha(
    items: pd.DataFrame, ci: float = 0.95, standardized: bool = False, missing: str = "listwise"
) -> AlphaResult:
    """Cronbach's alpha of ``items`` (one column per item): raw-score alpha by default,
    the alpha of standardised items with ``standardized=True`` (what R plspm reports).

    ``missing="listwise"`` drops respondents with any missing item; ``"pairwise"`` uses
    pairwise-complete covariances and takes n as the smallest pairwise count.
    Computed whenever at least 2 respondents and 2 items remain (as pingouin and R psych
    do); with fewer respondents than items or than ``config.MIN_N`` the result carries a
    small-sample ``warning``.
    Feldt CI: L = 1 − (1 − α)·F⁻¹(1 − a/2; n−1, (n−1)(k−1)), U with F⁻¹(a/2; …)."""
    if not 0 < ci < 1:
        raise ParameterError(f"置信水平 ci 必须在 0 与 1 之间，收到 {ci}。")
    X = pd.DataFrame(items).apply(pd.to_numeric, errors="coerce").astype(float)
    k = X.shape[1]
    if k < 2:
        raise DataError("Cronbach's alpha 至少需要 2 个题项：单题项量表的信度无法由 alpha 估计。")
    if missing == "listwise":
        X = X.dropna()
        n = len(X)
    elif missing == "pairwise":
        ok = X.notna().astype(float).to_numpy()
        n = int((ok.T @ ok).min())
    else:
        raise ParameterError(f"missing 只能是 'listwise' 或 'pairwise'，收到“{missing}”。")
    if n < 2:
        raise DataError(f"有效受访者 {n} 人，少于 2 人：无法估计 alpha。")
    C = X.cov().to_numpy()
    const = [c for c, v in zip(X.columns, np.diag(C), strict=False) if not v > 1e-12]
    if const:
        raise DataError(
            f"题项“{'、'.join(label(c) for c in const)}”所有答案相同（方差为 0），无法计算 alpha。"
        )
    if standardized:
        d = np.sqrt(np.diag(C))
        C = C / np.outer(d, d)
    alpha = float(k / (k - 1) * (1 - np.trace(C) / C.sum()))
    a = 1 - ci
    df1, df2 = n - 1, (n - 1) * (k - 1)
    low = 1 - (1 - alpha) * stats.f.ppf(1 - a / 2, df1, df2)
    high = 1 - (1 - alpha) * stats.f.ppf(a / 2, df1, df2)
    warning = None
    if n < k or n < MIN_N:
        fewer = f"少于题项数 {k}" if n < k else f"少于 {MIN_N} 人"
        warning = f"有效受访者 {n} 人，{fewer}：alpha = {alpha:.3f} 为小样本估计，置信区间宽，仅供参考。"
    return AlphaResult(alpha, float(low), float(high), n, k, standardized, missing, ci, warning)


__all__ = [
    "AlphaResult",
    "CSATResult",
    "CSIResult",
    "NPSResult",
    "cronbach_alpha",
    "csat",
    "csi",
    "ipa",
    "item_scales",
    "nps",
    "nps_category",
    "relative_weights",
    "rescale",
]
