"""Satisfaction by group (project, method, sales rep, channel) and over time.

Tests: mean scores are compared with the Kruskal–Wallis H test (scores are ordinal, so
ranks rather than means); NPS category shares (推荐者 / 中立者 / 贬损者) with Pearson's
chi-square test of independence. Groups with n < config.MIN_N are flagged ``small_n``;
the chi-square result carries the share of expected counts below config.MIN_EXPECTED.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..config import ALPHA, MIN_EXPECTED, MIN_N
from ..errors import DataError, ParameterError
from ..periods import period_of
from ..schema import DRIVER_ITEMS, Deal, Survey, label
from ..stats import ITEM_SCALES
from .metrics import csat, csi, nps, nps_category

NPS = "nps"


def attach_deal_attributes(
    surveys: pd.DataFrame, deals: pd.DataFrame, columns=(Deal.sales_rep, Deal.awareness_channel)
) -> pd.DataFrame:
    """Add deal attributes (default sales rep and awareness channel) to each survey:
    taken from the customer's latest deal signed on or before the survey date, else
    (survey before any signing) from the customer's earliest deal. Columns already in
    ``surveys`` are kept as they are."""
    columns = [c for c in columns if c in deals.columns and c not in surveys.columns]
    if not columns:
        return surveys.copy()
    date = deals[Deal.sign_date]
    if Deal.subscribe_date in deals.columns:
        date = date.fillna(deals[Deal.subscribe_date])
    # one resolution on both sides: merge_asof refuses e.g. datetime64[s] against [us]
    d = deals.assign(_date=pd.to_datetime(date).astype("datetime64[ns]"))[[Deal.customer_key, "_date", *columns]]
    d = d.dropna(subset=[Deal.customer_key, "_date"]).sort_values("_date")
    s = surveys.assign(
        _order=np.arange(len(surveys)), _date=pd.to_datetime(surveys[Survey.survey_date]).astype("datetime64[ns]")
    )
    has_date = s["_date"].notna()
    left = s[has_date].sort_values("_date")
    back = pd.merge_asof(left, d, on="_date", by=Deal.customer_key, direction="backward")
    fwd = pd.merge_asof(left, d, on="_date", by=Deal.customer_key, direction="forward")
    for c in columns:
        back[c] = back[c].fillna(fwd[c]) if len(back) else back[c]
    out = pd.concat([back, s[~has_date]], ignore_index=True).sort_values("_order")
    return out.drop(columns=["_order", "_date"]).set_index(surveys.index)


def compare(surveys: pd.DataFrame, by: str, *, metric: str = Survey.overall, scale=None) -> pd.DataFrame:
    """Satisfaction by group. ``metric``: a score column (mean, sd, top-2-box CSAT per
    group; Kruskal–Wallis test) or ``"nps"`` (NPS with CI and category shares;
    chi-square test on the group × category table). Rows: groups, largest n first.
    ``.attrs``: test, statistic, p_value, significant (p < config.ALPHA), n,
    note (Chinese description of the test and of the small-n threshold)."""
    if by not in surveys.columns:
        raise DataError(f"调查数据中没有分组列“{label(by)}”。")
    col = Survey.recommend if metric == NPS else metric
    if col not in surveys.columns:
        raise DataError(f"调查数据中没有“{label(col)}”列。")
    x = pd.to_numeric(surveys[col], errors="coerce")
    df = pd.DataFrame({"group": surveys[by], "x": x}).dropna()
    if df.empty:
        raise DataError(f"没有同时具有“{label(by)}”和“{label(col)}”的有效答卷。")
    rows = {}
    for g, part in df.groupby("group", sort=False):
        if metric == NPS:
            r = nps(part["x"])
            rows[g] = {
                "n": r.n,
                "nps": r.value,
                "ci_low": r.ci_low,
                "ci_high": r.ci_high,
                "promoters": r.promoters,
                "passives": r.passives,
                "detractors": r.detractors,
            }
        else:
            c = csat(part["x"], scale=scale or _scale(col))
            rows[g] = {
                "n": len(part),
                "mean": part["x"].mean(),
                "sd": part["x"].std(),
                "csat": c.value,
                "csat_ci_low": c.ci_low,
                "csat_ci_high": c.ci_high,
            }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = by
    out["small_n"] = out["n"] < MIN_N
    out = out.sort_values("n", ascending=False)
    out.attrs.update(_test(df, metric), n=int(len(df)), by=by, metric=metric)
    return out


def _scale(col: str):
    if col not in ITEM_SCALES:
        raise ParameterError(f"“{label(col)}”的量表未知：请用 scale 参数给出 (最小值, 最大值)。")
    return ITEM_SCALES[col]


def _test(df: pd.DataFrame, metric: str) -> dict:
    groups = [g["x"].to_numpy() for _, g in df.groupby("group", sort=False) if len(g) >= 2]
    base = {"test": None, "statistic": np.nan, "p_value": np.nan, "significant": False}
    small = f"样本量少于 {MIN_N} 的组已标注为样本不足，其结果仅供参考。"
    if len(groups) < 2:
        return base | {"note": "可比较的组（每组至少 2 份答卷）不足两个，未做显著性检验。" + small}
    if metric == NPS:
        table = pd.crosstab(df["group"], nps_category(df["x"]))
        table = table[table.sum(axis=1) >= 2]
        table = table.loc[:, table.sum(axis=0) > 0]  # after the row filter: no empty category
        if table.shape[0] < 2 or table.shape[1] < 2:
            return base | {"note": "推荐者/中立者/贬损者类别不足两类，未做卡方检验。" + small}
        chi2, p, dof, expected = stats.chi2_contingency(table.to_numpy())
        low = float((expected < MIN_EXPECTED).mean())
        note = f"卡方检验（组 × 推荐者/中立者/贬损者）：χ²={chi2:.2f}，自由度 {dof}，p={p:.3f}。" + (
            f"{low:.0%} 的期望频数小于 {MIN_EXPECTED}，检验结果需谨慎解读。" if low > 0.2 else ""
        )
        return {
            "test": "chi-square",
            "statistic": float(chi2),
            "p_value": float(p),
            "significant": bool(p < ALPHA),
            "dof": int(dof),
            "low_expected_share": low,
            "note": note + small,
        }
    if np.ptp(np.concatenate(groups)) == 0:
        return base | {"note": "所有答案相同，无需检验。" + small}
    h, p = stats.kruskal(*groups)
    note = f"Kruskal–Wallis 检验（按秩比较各组评分）：H={h:.2f}，p={p:.3f}。"
    return {
        "test": "kruskal-wallis",
        "statistic": float(h),
        "p_value": float(p),
        "significant": bool(p < ALPHA),
        "note": note + small,
    }


def trend(surveys: pd.DataFrame, *, freq: str = "quarter", weights=None, items=None) -> pd.DataFrame:
    """Per period (default quarter, by survey date): n, mean overall satisfaction,
    CSAT (top-2-box) with CI, NPS with CI and CSI (0–100; pass ``weights`` to hold the
    CSI weights fixed across periods, else equal weights) with CI; ``small_n`` flags
    periods with n < config.MIN_N."""
    if Survey.survey_date not in surveys.columns:
        raise DataError("调查数据中没有调查日期列，无法计算趋势。")
    per = period_of(surveys[Survey.survey_date], freq)
    rows = {}
    for p, part in surveys.groupby(per, sort=True):
        row = {"n": len(part)}
        if Survey.overall in part and part[Survey.overall].notna().any():
            c = csat(part[Survey.overall], scale=_scale(Survey.overall))
            row |= {
                "overall_mean": part[Survey.overall].mean(),
                "csat": c.value,
                "csat_ci_low": c.ci_low,
                "csat_ci_high": c.ci_high,
            }
        if Survey.recommend in part and part[Survey.recommend].notna().any():
            r = nps(part[Survey.recommend])
            row |= {"nps": r.value, "nps_ci_low": r.ci_low, "nps_ci_high": r.ci_high, "nps_n": r.n}
        present = [c for c in (items or DRIVER_ITEMS) if c in part.columns and part[c].notna().any()]
        if present:
            ci = csi(part, present, weights if weights is not None else "equal")
            row |= {"csi": ci.value, "csi_ci_low": ci.ci_low, "csi_ci_high": ci.ci_high}
        rows[p] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "period"
    if not out.empty:
        out["small_n"] = out["n"] < MIN_N
    return out
