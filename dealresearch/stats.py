"""Significance tests used by profiles and comparisons (thin, tested wrappers over scipy)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from . import config
from .derive import category_order, is_multi_choice
from .errors import DataError, ParameterError
from .schema import SURVEY_ITEMS, label


@dataclass(frozen=True)
class ChiSquare:
    """Pearson chi-square test of independence on a contingency table.

    No Yates continuity correction (``correction=False``), so the statistic matches
    ``scipy.stats.chi2_contingency(t, correction=False)`` for every table shape and is
    the one Cramér's V is computed from (as ``scipy.stats.contingency.association``).
    All-zero rows and columns are dropped before testing.
    """

    chi2: float
    dof: int
    p_value: float
    cramers_v: float
    n: int
    min_expected: float
    small_cells: int  # cells with expected count < config.MIN_EXPECTED
    small_cell_share: float

    @property
    def significant(self) -> bool:
        return bool(self.p_value < config.ALPHA)

    @property
    def valid(self) -> bool:
        """Cochran's rule: no expected count < 1 and at most 20 % of cells below MIN_EXPECTED."""
        return bool(self.min_expected >= 1 and self.small_cell_share <= 0.2)


def chi_square(table, min_expected: float = config.MIN_EXPECTED) -> ChiSquare:
    """Chi-square test + Cramér's V of a 2-D count table (DataFrame or array)."""
    t = np.asarray(table, dtype="float64")
    if t.ndim != 2:
        raise ValueError("contingency table must be 2-D")
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    n = int(round(t.sum()))
    r, c = t.shape
    if r < 2 or c < 2:
        nan = float("nan")
        return ChiSquare(nan, 0, nan, nan, n, nan, 0, 0.0)
    res = sps.chi2_contingency(t, correction=False)
    expected = res.expected_freq
    small = int((expected < min_expected).sum())
    v = float(np.sqrt(res.statistic / (n * (min(r, c) - 1))))
    return ChiSquare(
        chi2=float(res.statistic),
        dof=int(res.dof),
        p_value=float(res.pvalue),
        cramers_v=v,
        n=n,
        min_expected=float(expected.min()),
        small_cells=small,
        small_cell_share=small / expected.size,
    )


def two_proportion_z(x1, n1, x2, n2) -> tuple[np.ndarray, np.ndarray]:
    """Pooled two-proportion z test, vectorised: returns (z, two-sided p).

    z = (p1 − p2) / sqrt(p̂(1 − p̂)(1/n1 + 1/n2)), p̂ = (x1 + x2)/(n1 + n2); NaN where a
    group is empty or p̂ is 0 or 1.
    """
    x1, n1, x2, n2 = (np.asarray(a, dtype="float64") for a in (x1, n1, x2, n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        p1, p2 = x1 / n1, x2 / n2
        pooled = (x1 + x2) / (n1 + n2)
        se = np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
        z = (p1 - p2) / se
    z = np.where((n1 > 0) & (n2 > 0) & (se > 0), z, np.nan)
    p = 2 * sps.norm.sf(np.abs(z))
    return z, p


def count_table(values: pd.Series, name: str, groups: pd.Series | None):
    """(counts table categories × groups, respondents per group, missing per group, multi?)."""
    multi = is_multi_choice(values, name)
    g = groups if groups is not None else pd.Series("全部", index=values.index)
    values, g = values.reset_index(drop=True), g.reset_index(drop=True).astype("string")
    if multi:
        answered = (values.str.len().fillna(0) > 0).astype(bool)
        ex = values[answered].explode()
        ex = ex[ex.notna()].astype("string")
        pairs = pd.DataFrame({"i": ex.index.to_numpy(), "category": ex.to_numpy()})
        pairs = pairs[pairs["category"].str.strip() != ""].drop_duplicates()  # a choice counts once
        pairs["group"] = g.to_numpy()[pairs["i"].to_numpy()]
        counts = pd.crosstab(pairs["category"], pairs["group"])
        valid = answered & g.notna()
    else:
        valid = values.notna() & g.notna()
        if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
            valid &= values.astype("string").str.strip().fillna("") != ""
        counts = pd.crosstab(values[valid], g[valid])
        if isinstance(values.dtype, pd.CategoricalDtype):
            counts = counts.reindex([c for c in values.cat.categories if c in counts.index])
    n = g[valid].value_counts().reindex(counts.columns, fill_value=0)
    missing = g[~valid & g.notna()].value_counts().reindex(counts.columns, fill_value=0)
    if not isinstance(values.dtype, pd.CategoricalDtype):
        order = category_order(name, counts.sum(axis=1).sort_values(ascending=False).index.tolist())
        counts = counts.reindex(order)
    return counts, n, missing, multi


def answers(values, what: str, lo: float, hi: float) -> pd.Series:
    """Scale answers as floats, missing ones dropped; a non-number or an answer outside
    ``lo``–``hi`` is a DataError naming ``what``."""
    s = pd.Series(values)
    x = pd.to_numeric(s, errors="coerce")
    bad = int((x.isna() & s.notna()).sum())
    if bad:
        raise DataError(f"{what}中有 {bad} 个非数值答案：请先在录入环节设为缺失。")
    out = int(((x < lo) | (x > hi)).sum())
    if out:
        raise DataError(f"{what}中有 {out} 个答案超出 {lo:g}–{hi:g} 分范围。")
    return x.dropna().astype(float)


def z_value(ci: float) -> float:
    """The two-sided normal quantile of a confidence level (0.95 → 1.96)."""
    if not 0 < ci < 1:
        raise ParameterError(f"置信水平 ci 必须在 0 与 1 之间，收到 {ci}。")
    return float(sps.norm.ppf(0.5 + ci / 2))


# ------------------------------------------------------------------ item scales
ITEM_SCALES: dict[str, tuple[int, int]] = {i.name: i.scale for i in SURVEY_ITEMS}


def item_scales(items, scales=None) -> dict[str, tuple[float, float]]:
    """Scale (min, max) per item: ``scales`` (tuple for all or mapping), else schema."""
    out = {}
    for c in items:
        if isinstance(scales, tuple):
            out[c] = scales
        elif isinstance(scales, Mapping) and c in scales:
            out[c] = tuple(scales[c])
        elif c in ITEM_SCALES:
            out[c] = ITEM_SCALES[c]
        else:
            raise ParameterError(f"题项“{label(c)}”的量表未知：请用 scales 参数给出 (最小值, 最大值)。")
    return out


def rescale(data: pd.DataFrame, scales=None) -> pd.DataFrame:
    """Items rescaled to 0–100: (x − min)/(max − min) × 100 (missing stays missing)."""
    sc = item_scales(data.columns, scales)
    lo = pd.Series({c: v[0] for c, v in sc.items()})
    hi = pd.Series({c: v[1] for c, v in sc.items()})
    return (data.apply(pd.to_numeric, errors="coerce") - lo) / (hi - lo) * 100
