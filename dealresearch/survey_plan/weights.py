"""Weighted estimates with design-effect-aware CIs, and margins from the customer base.

Each estimate carries the unweighted ``n``, the Kish effective base n_eff = (Σw)²/Σw²
and the design effect n / n_eff; its SE is the simple-random-sampling SE computed on
n_eff (the Kish approximation): share p → √(p(1 − p)/n_eff), NPS → √((p_P + p_D −
NPS²)/n_eff), mean → s_w/√n_eff. ``linearised_se`` gives the Taylor-linearised SE of a
weighted mean or total for a raked design, with the calibration taken into account
(influence values residualised on the raking variables), which is what R's survey
package reports for a raked design; the two are stated next to each other in the
tests, not claimed to be the same number.

Margins: ``customer_attributes(deals, year)`` gives each customer of a survey year's
base (:func:`dealresearch.survey_plan.base.customer_base`) its project, unit type (of the
largest live deal) and value class (:func:`dealresearch.survey_plan.schedule.value_classes`);
``base_margins`` counts them per category; ``survey_weights`` rakes the year's
respondents to them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ..config import MIN_N
from ..errors import DataError, ParameterError
from ..schema import NPS_DETRACTOR_MAX, NPS_PROMOTER_MIN, Customer, Deal, Status, Survey
from ..stats import rescale
from ..weighting import WeightSummary, effective_n, rake, summary
from .base import VALUE_CLASS, customer_base
from .schedule import VALUE_LABELS, value_classes

UNIT_TYPE = Deal.unit_type
DEFAULT_BY: tuple[str, ...] = (Customer.project, UNIT_TYPE, VALUE_CLASS)
UNKNOWN = "未注明"


@dataclass(frozen=True)
class WeightedEstimate:
    """A weighted estimate: value, Kish SE and normal CI (×100 for shares and NPS)."""

    metric: str
    value: float
    se: float
    ci_low: float
    ci_high: float
    n: int
    effective_n: float
    design_effect: float
    ci: float = 0.95
    weighted: bool = True

    @property
    def small_n(self) -> bool:
        return self.n < MIN_N


def _z(ci: float) -> float:
    if not 0 < ci < 1:
        raise ParameterError(f"置信水平 ci 必须在 0 与 1 之间，收到 {ci}。")
    return float(stats.norm.ppf(0.5 + ci / 2))


def _pair(values, weights, what: str) -> tuple[np.ndarray, np.ndarray]:
    y = pd.to_numeric(pd.Series(np.asarray(values, dtype=object)), errors="coerce").to_numpy(dtype=float)
    w = np.asarray(weights, dtype=float)
    if len(y) != len(w):
        raise ParameterError(f"{what}有 {len(y)} 个答案、{len(w)} 个权重：数量必须一致。")
    ok = ~np.isnan(y) & ~np.isnan(w)
    if (w[ok] < 0).any():
        raise DataError("权重不能为负。")
    if not ok.any() or w[ok].sum() <= 0:
        raise DataError(f"{what}没有带权重的有效答案。")
    return y[ok], w[ok]


def _estimate(metric, value, var_unit, y, w, ci, scale=1.0, clip=None) -> WeightedEstimate:
    n, n_eff = len(y), effective_n(w)
    se = float(np.sqrt(max(var_unit, 0.0) / n_eff))
    z = _z(ci)
    lo, hi = value - z * se, value + z * se
    if clip is not None:
        lo, hi = max(lo, clip[0]), min(hi, clip[1])
    return WeightedEstimate(metric, value * scale, se * scale, lo * scale, hi * scale, n, n_eff, n / n_eff, ci)


def weighted_mean(values, weights, *, ci: float = 0.95) -> WeightedEstimate:
    """Weighted mean; SE = s_w / √n_eff with s_w² = Σw(y − ȳ)²/Σw · n/(n − 1)."""
    y, w = _pair(values, weights, "均值")
    m = float((w * y).sum() / w.sum())
    n = len(y)
    s2 = float((w * (y - m) ** 2).sum() / w.sum()) * (n / (n - 1) if n > 1 else np.nan)
    return _estimate("均值", m, s2, y, w, ci)


def weighted_share(flags, weights, *, ci: float = 0.95) -> WeightedEstimate:
    """Weighted share (×100) of true answers (missing answers excluded)."""
    f = pd.Series(np.asarray(flags, dtype=object))
    y = f.map(lambda v: float(bool(v)), na_action="ignore")
    y, w = _pair(y, weights, "占比")
    p = float((w * y).sum() / w.sum())
    return _estimate("占比", p, p * (1 - p), y, w, ci, 100.0, (0.0, 1.0))


def weighted_nps(scores, weights, *, ci: float = 0.95) -> WeightedEstimate:
    """Weighted NPS (×100): variance p_P + p_D − NPS² on the effective base."""
    y, w = _pair(scores, weights, "推荐意愿评分")
    if ((y < 0) | (y > 10)).any():
        raise DataError("推荐意愿评分超出 0–10 分范围。")
    p_p = float(w[y >= NPS_PROMOTER_MIN].sum() / w.sum())
    p_d = float(w[y <= NPS_DETRACTOR_MAX].sum() / w.sum())
    v = p_p - p_d
    return _estimate("NPS", v, p_p + p_d - v * v, y, w, ci, 100.0, (-1.0, 1.0))


def weighted_csat(scores, weights, *, scale=(1, 5), top: int = 2, ci: float = 0.95) -> WeightedEstimate:
    """Weighted top-``top``-box share (×100) of ``scale``."""
    y, w = _pair(scores, weights, "满意度评分")
    lo, hi = scale
    if ((y < lo) | (y > hi)).any():
        raise DataError(f"满意度评分超出 {lo}–{hi} 分范围。")
    hit = (y >= hi - top + 1).astype(float)
    p = float((w * hit).sum() / w.sum())
    est = _estimate("CSAT", p, p * (1 - p), hit, w, ci, 100.0, (0.0, 1.0))
    return est


def weighted_csi(data: pd.DataFrame, items: Sequence[str], item_weights, weights, *, scales=None,
                 ci: float = 0.95) -> WeightedEstimate:
    """Weighted CSI (0–100): each respondent's own index (item weights renormalised over the
    items answered, as :func:`dealresearch.satisfaction.metrics.csi`), averaged with ``weights``."""
    items = [c for c in items if c in data.columns]
    if not items:
        raise DataError("数据中没有任何满意度题项，无法计算加权 CSI。")
    iw = pd.Series(item_weights, dtype=float).reindex(items).fillna(0.0)
    perf = rescale(data[items], scales)
    answered = perf.notna()
    denom = answered.mul(iw).sum(axis=1)
    per = (perf.fillna(0) * iw).sum(axis=1) / denom.where(denom > 0)
    est = weighted_mean(per.to_numpy(), np.asarray(weights, dtype=float), ci=ci)
    return WeightedEstimate("CSI", *(getattr(est, f) for f in ("value", "se", "ci_low", "ci_high", "n",
                                                                    "effective_n", "design_effect", "ci")))


def linearised_se(values, weights, design: pd.DataFrame, *, total: bool = False) -> float:
    """Taylor-linearised SE of the weighted mean (or total) of a raked sample: the
    influence values w·(y − ȳ)/Σw are residualised on the dummies of the raking variables
    in ``design`` (weighted least squares), then the with-replacement variance
    n/(n − 1)·Σ(uᵢ − ū)² is taken."""
    y = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    X = pd.get_dummies(design.astype("str"), drop_first=True).astype(float).to_numpy()
    X = np.column_stack([np.ones(len(y)), X])
    sw = np.sqrt(w)
    beta = np.linalg.lstsq(X * sw[:, None], y * sw, rcond=None)[0]
    u = w * (y - X @ beta) / (1.0 if total else w.sum())
    n = len(y)
    return float(np.sqrt(n / (n - 1) * ((u - u.mean()) ** 2).sum()))


# ------------------------------------------------------------------- the margins
def customer_attributes(deals: pd.DataFrame, year: int, *, value_shares=(0.10, 0.40), **base_kw) -> pd.DataFrame:
    """The customer base of ``year`` with ``project``, ``unit_type`` (of the customer's
    largest live deal) and ``value_class`` (高/中/一般 by total amount)."""
    base = customer_base(deals, year, **base_kw)
    live = deals[deals[Deal.status].ne(Status.cancelled).fillna(True).astype(bool)] if Deal.status in deals else deals
    if UNIT_TYPE in deals.columns:
        main = live[[Deal.customer_key, Deal.total_price, UNIT_TYPE]].assign(
            _a=pd.to_numeric(live[Deal.total_price], errors="coerce").fillna(0.0))
        main = main.sort_values([Deal.customer_key, "_a"], ascending=[True, False]).drop_duplicates(Deal.customer_key)
        ut = main.set_index(Deal.customer_key)[UNIT_TYPE].astype("str")
        base[UNIT_TYPE] = ut.reindex(base[Customer.customer_key].to_numpy()).fillna(UNKNOWN).to_numpy()
    codes = value_classes(base[Customer.total_amount], tuple(value_shares))
    base[VALUE_CLASS] = np.asarray(VALUE_LABELS, dtype=object)[codes]
    base[Customer.project] = base[Customer.project].fillna(UNKNOWN).astype("str")
    return base


def base_margins(base: pd.DataFrame, by: Sequence[str] = DEFAULT_BY) -> pd.DataFrame:
    """Margins (variable, category, population) counted from the customer base."""
    parts = []
    for var in by:
        if var not in base.columns:
            raise DataError(f"客户基数中没有“{var}”列，无法按它加权。")
        vc = base[var].astype("str").fillna(UNKNOWN).value_counts(sort=False)
        parts.append(pd.DataFrame({"variable": var, "category": vc.index.astype(str), "population": vc.to_numpy()}))
    return pd.concat(parts, ignore_index=True)


@dataclass(frozen=True)
class SurveyWeights:
    """Weights of a wave's respondents (NaN for respondents outside the base), their summary,
    the margins used and how many respondents were outside the base."""

    weights: pd.Series
    summary: WeightSummary
    margins: pd.DataFrame
    by: tuple[str, ...]
    outside_base: int


def survey_weights(surveys: pd.DataFrame, base: pd.DataFrame, *, by: Sequence[str] = DEFAULT_BY,
                   bounds: tuple[float, float] | None = (0.2, 5.0)) -> SurveyWeights:
    """Rake the respondents (``surveys`` with ``customer_key``) to the customer base
    margins ``by``; respondents whose customer is not in the base get no weight (NaN)."""
    by = tuple(by)
    attrs = base.drop_duplicates(Customer.customer_key).set_index(Customer.customer_key)[list(by)]
    keys = surveys[Survey.customer_key]
    inside = keys.isin(attrs.index).to_numpy()
    if not inside.any():
        raise DataError("本期受访者中没有任何客户在客户基数内，无法加权。")
    resp = attrs.reindex(keys[inside].to_numpy()).astype("str").fillna(UNKNOWN)
    margins = base_margins(base, by)
    present = {v: set(resp[v]) for v in by}
    margins = margins[[c in present[v] for v, c in zip(margins["variable"], margins["category"], strict=True)]]
    # categories nobody answered from are left out: the weighted result then speaks for the
    # customers of the categories that were surveyed (stated by the caller), scaled to the base
    margins = _rescale(margins, len(base))
    w = rake(resp.reset_index(drop=True), margins, bounds=bounds)
    out = pd.Series(np.nan, index=surveys.index, name="weight")
    out[inside] = w.to_numpy()
    return SurveyWeights(out, summary(w), margins, by, int((~inside).sum()))


@dataclass(frozen=True)
class WaveWeighting:
    """A survey wave weighted to its year's customer base, with its weighted headline results."""

    weights: pd.Series  # aligned to the wave; NaN for respondents outside the base
    summary: WeightSummary
    by: tuple[str, ...]
    year: int
    base_n: int
    outside_base: int
    results: dict  # "nps" / "csat" / "csi" → WeightedEstimate (those computable)
    asof: pd.Timestamp | None = None  # base "as of" this date (else the survey year's base)


def wave_weights(wave: pd.DataFrame, deals: pd.DataFrame, *, year: int | None = None, asof=None,
                 by: Sequence[str] | None = None, bounds: tuple[float, float] | None = (0.2, 5.0),
                 items: Sequence[str] = (), item_weights=None, project: str | None = None,
                 **base_kw) -> WaveWeighting:
    """Weights of ``wave``'s respondents raked to a customer base (margins ``by``), and the
    weighted NPS, CSAT (top-2-box of 总体满意度) and CSI (``items`` with ``item_weights``)
    with their design-effect-aware CIs.

    The base: the survey year's (``year``: customers of the 3 years before 1 January), or
    with ``asof`` the customers of the 3 years up to that date (deals after it ignored) —
    the population a quarter's respondents were drawn from, recent buyers included.
    ``project``: only that project's customers form the base (a project's report).
    ``by``: the margin variables; by default those of ``DEFAULT_BY`` the deals carry."""
    if (year is None) == (asof is None):
        raise ParameterError("请给出 year（调查年度的客户基数）或 asof（截至某日的客户基数）之一。")
    if asof is not None:
        asof = pd.Timestamp(asof).normalize()
        date = pd.to_datetime(deals[Deal.sign_date]) if Deal.sign_date in deals else None
        if Deal.subscribe_date in deals:
            sub = pd.to_datetime(deals[Deal.subscribe_date])
            date = sub if date is None else date.fillna(sub)
        deals, year = deals[(date < asof + pd.Timedelta(days=1)).fillna(False).to_numpy(dtype=bool)], asof.year + 1
    base = customer_attributes(deals, year, **base_kw)
    if project is not None:
        base = base[base[Customer.project] == project]
    if base.empty:
        raise DataError("客户基数为空（此前 3 年没有成交），无法加权。")
    by = tuple(by) if by is not None else tuple(v for v in DEFAULT_BY if v in base.columns)
    sw = survey_weights(wave, base, by=by, bounds=bounds)
    inside = sw.weights.notna().to_numpy()
    part, w = wave[inside], sw.weights[inside].to_numpy()
    out: dict = {}
    if Survey.recommend in part and part[Survey.recommend].notna().any():
        out["nps"] = weighted_nps(part[Survey.recommend], w)
    if Survey.overall in part and part[Survey.overall].notna().any():
        out["csat"] = weighted_csat(part[Survey.overall], w)
    if item_weights is not None and any(i in part.columns for i in items):
        out["csi"] = weighted_csi(part, items, item_weights, w)
    return WaveWeighting(sw.weights, sw.summary, sw.by, int(year), len(base), sw.outside_base, out, asof)


def _rescale(margins: pd.DataFrame, total: float) -> pd.DataFrame:
    m = margins.copy()
    sums = m.groupby("variable")["population"].transform("sum")
    m["population"] = m["population"] / sums * total
    return m


__all__ = [
    "DEFAULT_BY", "SurveyWeights", "WaveWeighting", "WeightedEstimate", "base_margins", "customer_attributes",
    "linearised_se", "survey_weights", "wave_weights", "weighted_csat", "weighted_csi", "weighted_mean",
    "weighted_nps", "weighted_share",
]
