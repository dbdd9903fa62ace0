"""Value × potential classes (domain §3 客户分类管理): works for one-off buyers.

    vp = segments.value_potential(deals, surveys)
    vp.customers    # per customer: value, potential points and their parts, classes
    vp.matrix       # 3 × 3 counts, 价值 (rows) × 潜力 (columns)
    vp.thresholds   # the value and potential thresholds actually used
    vp.settings     # how the classes were built (the rules' wording is in present.segments)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import config
from ..errors import DataError, ParameterError
from ..schema import NPS_DETRACTOR_MAX, NPS_PROMOTER_MIN, Deal, Status, Survey

__all__ = ["value_potential", "ValuePotential", "customer_rows", "VALUE_CLASSES", "POTENTIAL_CLASSES",
           "GROWING_FAMILIES", "LIFE_STAGE_MAX_AGE", "ACTIVE_STATUSES"]

VALUE_CLASSES: tuple[str, ...] = ("高价值", "中价值", "低价值")
POTENTIAL_CLASSES: tuple[str, ...] = ("高潜力", "中潜力", "低潜力")
#: life stages with a likely next purchase (growing households)
GROWING_FAMILIES: tuple[str, ...] = ("单身", "二人世界", "三口之家", "二孩家庭")
LIFE_STAGE_MAX_AGE = 45
CANCELLED = Status.cancelled
#: deal statuses that make a customer (everything but 退房)
ACTIVE_STATUSES: tuple[str, ...] = ("认购", "签约", "换房")


# ---------------------------------------------------------------- value × potential
@dataclass(frozen=True)
class ValuePotential:
    """Result of :func:`value_potential`."""

    customers: pd.DataFrame
    matrix: pd.DataFrame
    amount_matrix: pd.DataFrame
    thresholds: dict
    #: how the classes were built: value measure ("amount", "deals", "area" or a column),
    #: its column, value_cuts (quantiles), potential_cuts (points), with_surveys
    settings: dict
    n: int
    warnings: list[str] = field(default_factory=list)

    def class_summary(self) -> pd.DataFrame:
        """One row per non-empty class: customers, amount, mean potential, customer and amount shares."""
        c = self.customers
        g = c.groupby(["value_class", "potential_class"], observed=True)
        out = g.agg(
            客户数=("value", "size"), 成交金额=("amount", "sum"), 平均潜力分=("potential", "mean")
        ).reset_index()
        out["客户占比"] = out["客户数"] / max(self.n, 1)
        total = c["amount"].sum()
        out["金额占比"] = out["成交金额"] / total if total else np.nan
        return out.rename(columns={"value_class": "价值等级", "potential_class": "潜力等级"})


def _live_deals(deals: pd.DataFrame) -> pd.DataFrame:
    """Deals that make a customer: not cancelled (退房), with a customer key."""
    d = deals
    if Deal.status in d:
        d = d[(d[Deal.status].astype("string") != CANCELLED).fillna(True)]
    return d[d[Deal.customer_key].notna()]


def _latest(df: pd.DataFrame, key: str, date: str, cols: list[str]) -> pd.DataFrame:
    """Latest non-missing row per key for the given columns (vectorised)."""
    cols = [c for c in cols if c in df]
    if not cols:
        return pd.DataFrame(index=pd.Index(df[key].unique(), name=key))
    ordered = df.sort_values([key, date], kind="stable", na_position="first")
    return ordered.groupby(key, sort=False)[cols].last()


def value_potential(
    deals: pd.DataFrame,
    surveys: pd.DataFrame | None = None,
    *,
    value: str = "amount",
    value_cuts: tuple[float, float] = (0.5, 0.8),
    potential_cuts: tuple[int, int] = (2, 4),
    date_col: str = Deal.sign_date,
    min_n: int = config.MIN_N,
) -> ValuePotential:
    """Classify customers into 高/中/低价值 × 高/中/低潜力.

    Value score (``value``): "amount" = total deal amount (default), "deals" = number of
    deals, "area" = total floor area, or any numeric deal column (summed). Classes by
    quantiles of the customers' value scores: ``value_cuts=(0.5, 0.8)`` → 高价值 is the
    top 20 % (score ≥ P80), 中价值 P50–P80, 低价值 below P50.

    Potential score (points, 0–9): purchase experience (置业次数 二次 or 2 deals = 1,
    多次 or ≥ 3 deals = 2), referrals made (deals whose referrer_key is this customer:
    1 = 1, ≥ 2 = 2), recommendation (latest survey 推荐意愿 9–10 = 2, 7–8 = 1; needs
    ``surveys``), household income (50–100万 = 1, 100万以上 = 2), life stage (age ≤ 45
    in a growing household = 1). 高潜力 ≥ potential_cuts[1], 中潜力 ≥ potential_cuts[0].
    Cancelled deals (退房) are ignored. A one-off buyer still scores through referrals,
    recommendation, income and life stage.
    """
    if Deal.customer_key not in deals:
        raise ParameterError("成交数据缺少客户编码（customer_key），无法按客户分类。")
    d = _live_deals(deals)
    if d.empty:
        raise DataError("范围内没有有效成交（已排除退房），无法进行价值 × 潜力分类。")
    key = Deal.customer_key
    val_col = {"amount": Deal.total_price, "deals": None, "area": Deal.area_sqm}.get(value, value)
    if val_col is not None and val_col not in d:
        raise ParameterError(f"价值指标“{value}”不在成交数据中。")
    g = d.groupby(key, sort=True)
    cust = pd.DataFrame({"n_deals": g.size()})
    cust["amount"] = g[Deal.total_price].sum() if Deal.total_price in d else np.nan
    cust["value"] = cust["n_deals"].astype("float64") if val_col is None else g[val_col].sum()
    latest = _latest(d, key, date_col, [Deal.age, Deal.family_structure, Deal.income_band, Deal.purchase_count])
    cust = cust.join(latest)

    # --- potential points (each part kept for transparency)
    pc = (
        cust[Deal.purchase_count].astype("string")
        if Deal.purchase_count in cust
        else pd.Series(pd.NA, index=cust.index)
    )
    cust["pts_purchases"] = np.where(
        (pc == "多次").fillna(False) | (cust["n_deals"] >= 3),
        2,
        np.where((pc == "二次").fillna(False) | (cust["n_deals"] == 2), 1, 0),
    )
    refs = (
        deals[Deal.referrer_key].dropna().astype("string").value_counts()
        if Deal.referrer_key in deals
        else pd.Series(dtype="int64")
    )
    cust["referrals"] = refs.reindex(cust.index, fill_value=0).astype("int64")
    cust["pts_referrals"] = np.minimum(cust["referrals"], 2)
    rec = pd.Series(np.nan, index=cust.index)
    if surveys is not None and len(surveys) and Survey.recommend in surveys:
        sv = surveys.dropna(subset=[Survey.recommend])
        rec = _latest(sv, Survey.customer_key, Survey.survey_date, [Survey.recommend])[Survey.recommend].reindex(cust.index)
    cust["recommend"] = rec.astype("float64")
    promoter, passive = cust["recommend"] >= NPS_PROMOTER_MIN, cust["recommend"] > NPS_DETRACTOR_MAX
    cust["pts_recommend"] = np.select([promoter, passive], [2, 1], 0)
    inc = (
        cust[Deal.income_band].astype("string") if Deal.income_band in cust else pd.Series(pd.NA, index=cust.index)
    )
    cust["pts_income"] = np.select(
        [(inc == "100万以上").fillna(False), (inc == "50-100万").fillna(False)], [2, 1], 0
    )
    age = (
        pd.to_numeric(cust[Deal.age], errors="coerce") if Deal.age in cust else pd.Series(np.nan, index=cust.index)
    )
    fam = (
        cust[Deal.family_structure].astype("string")
        if Deal.family_structure in cust
        else pd.Series(pd.NA, index=cust.index)
    )
    cust["pts_life_stage"] = (
        ((age <= LIFE_STAGE_MAX_AGE) & fam.isin(GROWING_FAMILIES)).fillna(False).astype(int)
    )
    parts = ["pts_purchases", "pts_referrals", "pts_recommend", "pts_income", "pts_life_stage"]
    cust["potential"] = cust[parts].sum(axis=1).astype("int64")

    # --- classes
    lo_q, hi_q = value_cuts
    v_lo, v_hi = (float(x) for x in cust["value"].quantile([lo_q, hi_q]))
    cust["value_class"] = np.select(
        [cust["value"] >= v_hi, cust["value"] >= v_lo], VALUE_CLASSES[:2], VALUE_CLASSES[2]
    )
    p_lo, p_hi = potential_cuts
    cust["potential_class"] = np.select(
        [cust["potential"] >= p_hi, cust["potential"] >= p_lo], POTENTIAL_CLASSES[:2], POTENTIAL_CLASSES[2]
    )
    for c, cats in (("value_class", VALUE_CLASSES), ("potential_class", POTENTIAL_CLASSES)):
        cust[c] = pd.Categorical(cust[c], categories=list(cats), ordered=True)
    cust["segment"] = cust["value_class"].astype(str) + "·" + cust["potential_class"].astype(str)
    matrix = pd.crosstab(cust["value_class"], cust["potential_class"], dropna=False).reindex(
        index=list(VALUE_CLASSES), columns=list(POTENTIAL_CLASSES), fill_value=0
    )
    amount = (
        cust.pivot_table(
            index="value_class", columns="potential_class", values="amount", aggfunc="sum", observed=False
        )
        .reindex(index=list(VALUE_CLASSES), columns=list(POTENTIAL_CLASSES))
        .fillna(0.0)
    )
    total = amount.to_numpy().sum()
    amount_share = amount / total if total else amount
    matrix.index.name, matrix.columns.name = "价值", "潜力"
    amount_share.index.name, amount_share.columns.name = "价值", "潜力"

    n = len(cust)
    warns = [f"客户数 n = {n}，少于 {min_n}，分类结果仅供参考。"] if n < min_n else []
    if surveys is None:
        warns.append("未提供满意度调查数据，潜力分不含推荐意愿部分（最高 7 分）。")
    thresholds = {"value_low": v_lo, "value_high": v_hi, "potential_low": p_lo, "potential_high": p_hi}
    return ValuePotential(
        customers=cust,
        matrix=matrix,
        amount_matrix=amount_share,
        thresholds=thresholds,
        settings={"value": value, "value_column": val_col, "value_cuts": tuple(value_cuts),
                  "potential_cuts": tuple(potential_cuts), "with_surveys": surveys is not None},
        n=n,
        warnings=warns,
    )


def customer_rows(deals: pd.DataFrame, date_col: str = Deal.sign_date) -> pd.DataFrame:
    """One row per customer: their latest non-cancelled deal (the input for Personas)."""
    d = _live_deals(deals).sort_values([Deal.customer_key, date_col], kind="stable")
    return d.drop_duplicates(Deal.customer_key, keep="last")
