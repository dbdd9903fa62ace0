"""Customer classification: value × potential (works for one-off buyers) and RFM.

Clustering into named personas lives in :mod:`dealresearch.segments.personas` and is re-exported
here (``segments.Personas``).

Value × potential (domain §3 客户分类管理)::

    vp = segments.value_potential(deals, surveys)
    vp.customers    # per customer: value, potential points and their parts, classes
    vp.matrix       # 3 × 3 counts, 价值 (rows) × 潜力 (columns)
    vp.rules        # the classification rules, in Chinese, with the actual thresholds

RFM (repeat-purchase businesses, e.g. B2B services)::

    segments.rfm(transactions, customer="customer_key", date="sign_date",
                 amount="total_price", asof="2026-12-31")
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import config
from ..errors import DataError, ParameterError
from ..schema import NPS_DETRACTOR_MAX, NPS_PROMOTER_MIN, D, S, Status
from .personas import Personas

__all__ = [
    "customer_rows",
    "kpis",
    "headline",
    "value_potential",
    "ValuePotential",
    "rfm",
    "rfm_summary",
    "Personas",
    "VALUE_CLASSES",
    "POTENTIAL_CLASSES",
    "RFM_SEGMENTS",
    "CLASS_ACTIONS",
]

VALUE_CLASSES: tuple[str, ...] = ("高价值", "中价值", "低价值")
POTENTIAL_CLASSES: tuple[str, ...] = ("高潜力", "中潜力", "低潜力")
#: life stages with a likely next purchase (growing households)
GROWING_FAMILIES: tuple[str, ...] = ("单身", "二人世界", "三口之家", "二孩家庭")
LIFE_STAGE_MAX_AGE = 45
CANCELLED = Status.cancelled
#: deal statuses that make a customer (everything but 退房)
ACTIVE_STATUSES: tuple[str, ...] = ("认购", "签约", "换房")

#: suggested handling per class (value, potential) — shown beside the matrix
CLASS_ACTIONS: dict[tuple[str, str], str] = {
    ("高价值", "高潜力"): "核心客户：专属顾问一对一维护，优先邀约新品与老带新活动。",
    ("高价值", "中潜力"): "重点维护：定期回访，提供业主增值服务，激发推荐意愿。",
    ("高价值", "低潜力"): "保持关系：做好交付与物业服务，防止口碑流失。",
    ("中价值", "高潜力"): "重点培育：推介改善型产品，给予老带新激励。",
    ("中价值", "中潜力"): "常规维护：节点关怀与社群活动，保持联系。",
    ("中价值", "低潜力"): "标准服务：按流程回访，关注满意度。",
    ("低价值", "高潜力"): "潜力挖掘：关注其置业升级需求，适时推荐更大面积产品。",
    ("低价值", "中潜力"): "低成本触达：线上社群与活动通知。",
    ("低价值", "低潜力"): "基础服务：标准化服务，控制维护成本。",
}


# ---------------------------------------------------------------- value × potential
@dataclass
class ValuePotential:
    """Result of :func:`value_potential`."""

    customers: pd.DataFrame
    matrix: pd.DataFrame
    amount_matrix: pd.DataFrame
    rules: list[str]
    thresholds: dict
    n: int
    warnings: list[str] = field(default_factory=list)

    def matrix_table(self) -> pd.DataFrame:
        """The 3 × 3 matrix as display rows: 价值 class, then per potential class
        "count (share of customers)"."""
        share = self.matrix / max(self.n, 1)
        out = pd.DataFrame(index=self.matrix.index)
        for col in self.matrix.columns:
            out[col] = [f"{c:,}（{s:.1%}）" for c, s in zip(self.matrix[col], share[col], strict=True)]
        return out.rename_axis("价值 \\ 潜力").reset_index()

    def class_summary(self) -> pd.DataFrame:
        """One row per non-empty class: customers, share, amount share, suggested action."""
        c = self.customers
        g = c.groupby(["value_class", "potential_class"], observed=True)
        out = g.agg(
            客户数=("value", "size"), 成交金额=("amount", "sum"), 平均潜力分=("potential", "mean")
        ).reset_index()
        out["客户占比"] = out["客户数"] / max(self.n, 1)
        total = c["amount"].sum()
        out["金额占比"] = out["成交金额"] / total if total else np.nan
        out["建议"] = [
            CLASS_ACTIONS[(v, p)] for v, p in zip(out["value_class"], out["potential_class"], strict=True)
        ]
        return out.rename(columns={"value_class": "价值等级", "potential_class": "潜力等级"})


def _live_deals(deals: pd.DataFrame) -> pd.DataFrame:
    """Deals that make a customer: not cancelled (退房), with a customer key."""
    d = deals
    if D.status in d:
        d = d[(d[D.status].astype("string") != CANCELLED).fillna(True)]
    return d[d[D.customer_key].notna()]


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
    date_col: str = D.sign_date,
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
    if D.customer_key not in deals:
        raise ParameterError("成交数据缺少客户编码（customer_key），无法按客户分类。")
    d = _live_deals(deals)
    if d.empty:
        raise DataError("范围内没有有效成交（已排除退房），无法进行价值 × 潜力分类。")
    key = D.customer_key
    val_col = {"amount": D.total_price, "deals": None, "area": D.area_sqm}.get(value, value)
    if val_col is not None and val_col not in d:
        raise ParameterError(f"价值指标“{value}”不在成交数据中。")
    g = d.groupby(key, sort=True)
    cust = pd.DataFrame({"n_deals": g.size()})
    cust["amount"] = g[D.total_price].sum() if D.total_price in d else np.nan
    cust["value"] = cust["n_deals"].astype("float64") if val_col is None else g[val_col].sum()
    latest = _latest(d, key, date_col, [D.age, D.family_structure, D.income_band, D.purchase_count])
    cust = cust.join(latest)

    # --- potential points (each part kept for transparency)
    pc = (
        cust[D.purchase_count].astype("string")
        if D.purchase_count in cust
        else pd.Series(pd.NA, index=cust.index)
    )
    cust["pts_purchases"] = np.where(
        (pc == "多次").fillna(False) | (cust["n_deals"] >= 3),
        2,
        np.where((pc == "二次").fillna(False) | (cust["n_deals"] == 2), 1, 0),
    )
    refs = (
        deals[D.referrer_key].dropna().astype("string").value_counts()
        if D.referrer_key in deals
        else pd.Series(dtype="int64")
    )
    cust["referrals"] = refs.reindex(cust.index, fill_value=0).astype("int64")
    cust["pts_referrals"] = np.minimum(cust["referrals"], 2)
    rec = pd.Series(np.nan, index=cust.index)
    if surveys is not None and len(surveys) and S.recommend in surveys:
        sv = surveys.dropna(subset=[S.recommend])
        rec = _latest(sv, S.customer_key, S.survey_date, [S.recommend])[S.recommend].reindex(cust.index)
    cust["recommend"] = rec.astype("float64")
    promoter, passive = cust["recommend"] >= NPS_PROMOTER_MIN, cust["recommend"] > NPS_DETRACTOR_MAX
    cust["pts_recommend"] = np.select([promoter, passive], [2, 1], 0)
    inc = (
        cust[D.income_band].astype("string") if D.income_band in cust else pd.Series(pd.NA, index=cust.index)
    )
    cust["pts_income"] = np.select(
        [(inc == "100万以上").fillna(False), (inc == "50-100万").fillna(False)], [2, 1], 0
    )
    age = (
        pd.to_numeric(cust[D.age], errors="coerce") if D.age in cust else pd.Series(np.nan, index=cust.index)
    )
    fam = (
        cust[D.family_structure].astype("string")
        if D.family_structure in cust
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

    rules = _rules(value, val_col, value_cuts, (v_lo, v_hi), potential_cuts, surveys is not None)
    n = len(cust)
    warns = [f"客户数 n = {n}，少于 {min_n}，分类结果仅供参考。"] if n < min_n else []
    if surveys is None:
        warns.append("未提供满意度调查数据，潜力分不含推荐意愿部分（最高 7 分）。")
    thresholds = {"value_low": v_lo, "value_high": v_hi, "potential_low": p_lo, "potential_high": p_hi}
    return ValuePotential(
        customers=cust,
        matrix=matrix,
        amount_matrix=amount_share,
        rules=rules,
        thresholds=thresholds,
        n=n,
        warnings=warns,
    )


def _fmt_value(v: float, value: str) -> str:
    if value == "amount":
        return f"{v / 1e4:,.1f} 万元"
    if value == "area":
        return f"{v:,.1f} ㎡"
    return f"{v:,.2f}".rstrip("0").rstrip(".")


def _rules(value, val_col, cuts, th, pcuts, with_surveys) -> list[str]:
    name = {"amount": "累计成交金额", "deals": "成交套数", "area": "累计成交面积"}.get(
        value, f"累计{val_col}"
    )
    lo_q, hi_q = cuts
    lo, hi = th
    p_lo, p_hi = pcuts
    return [
        f"价值分 = 客户{name}（已排除退房）。",
        f"高价值：价值分 ≥ {_fmt_value(hi, value)}（客户中前 {1 - hi_q:.0%}）；"
        f"中价值：{_fmt_value(lo, value)} ≤ 价值分 < {_fmt_value(hi, value)}；"
        f"低价值：价值分 < {_fmt_value(lo, value)}（后 {lo_q:.0%}）。",
        "潜力分（0–9 分）= 置业经历（二次置业或 2 套成交 1 分，多次置业或 ≥3 套 2 分）"
        "+ 推荐成交（介绍成交 1 单 1 分，≥2 单 2 分）"
        "+ 推荐意愿（最近一次调查 9–10 分 2 分，7–8 分 1 分）"
        "+ 家庭年收入（50-100万 1 分，100万以上 2 分）"
        f"+ 人生阶段（{LIFE_STAGE_MAX_AGE} 岁及以下且家庭处于成长期：{'、'.join(GROWING_FAMILIES)}，1 分）。"
        + ("" if with_surveys else "本次未提供调查数据，推荐意愿部分计 0 分。"),
        f"高潜力：潜力分 ≥ {p_hi}；中潜力：{p_lo}–{p_hi - 1} 分；低潜力：≤ {p_lo - 1} 分。",
    ]


# --------------------------------------------------------------------------- RFM
RFM_SEGMENTS: dict[tuple[bool, bool, bool], str] = {
    (True, True, True): "重要价值客户",
    (True, False, True): "重要发展客户",
    (False, True, True): "重要保持客户",
    (False, False, True): "重要挽留客户",
    (True, True, False): "一般价值客户",
    (True, False, False): "一般发展客户",
    (False, True, False): "一般保持客户",
    (False, False, False): "一般挽留客户",
}
RFM_HIGH = 3  # a score ≥ 3 counts as "high" for the segment names
RFM_METHOD = (
    "R（最近购买）= 评估日 − 最近一次购买日期（天）；F（购买频次）= 不同购买日期的个数；"
    "M（购买金额）= 累计成交金额。各指标按客户五等分打 1–5 分"
    "（得分 = 1 + ⌊5 × 表现更差的客户数 / 客户总数⌋，取值相同的客户得分相同）；"
    f"得分 ≥ {RFM_HIGH} 记为“高”，据 R/F/M 高低组合划分 8 类客户。"
)


def _score(goodness: pd.Series) -> pd.Series:
    """Quintile score 1–5: 1 + ⌊5 × (customers strictly worse) / n⌋.

    Ties share the same score (rank method "min"), so the score depends only on the
    values, never on row order; a value shared by many customers (e.g. frequency 1 for
    most homebuyers) keeps them all at the same, lower score.
    """
    n = len(goodness)
    worse = goodness.rank(method="min").to_numpy() - 1
    return pd.Series(1 + np.floor(5 * worse / n).astype("int64"), index=goodness.index).clip(1, 5)


def rfm(
    transactions: pd.DataFrame,
    customer: str = D.customer_key,
    date: str = D.sign_date,
    amount: str = D.total_price,
    asof=None,
) -> pd.DataFrame:
    """RFM table indexed by customer.

    recency_days = asof − last purchase date (days); frequency = number of distinct
    purchase dates; monetary = sum of amount. Rows without a customer or date, and rows
    dated after ``asof``, are ignored; ``asof`` defaults to the latest date present.
    Scores 1–5 by :func:`_score` (recent = high R). Segment names: R, F, M are "high"
    when their score ≥ 3 (RFM_HIGH), giving the 8 classic segments (RFM_SEGMENTS).
    """
    for col in (customer, date, amount):
        if col not in transactions:
            raise ParameterError(f"交易数据缺少列“{col}”，无法计算 RFM。")
    t = pd.DataFrame(
        {
            "c": transactions[customer],
            "d": pd.to_datetime(transactions[date]).dt.normalize(),
            "m": pd.to_numeric(transactions[amount], errors="coerce").fillna(0.0),
        }
    ).dropna(subset=["c", "d"])
    asof = t["d"].max() if asof is None else pd.Timestamp(asof).normalize()
    t = t[t["d"] <= asof]
    if t.empty:
        raise DataError("截至评估日没有任何有效交易，无法计算 RFM。")
    g = t.groupby("c", sort=True)
    out = pd.DataFrame(
        {
            "recency_days": (asof - g["d"].max()).dt.days.astype("int64"),
            "frequency": g["d"].nunique().astype("int64"),
            "monetary": g["m"].sum().astype("float64"),
        }
    )
    out.index.name = customer
    out["r_score"] = _score(-out["recency_days"])
    out["f_score"] = _score(out["frequency"])
    out["m_score"] = _score(out["monetary"])
    code = (
        (out["r_score"] >= RFM_HIGH).astype(int) * 4
        + (out["f_score"] >= RFM_HIGH).astype(int) * 2
        + (out["m_score"] >= RFM_HIGH).astype(int)
    ).to_numpy()
    lookup = np.array([RFM_SEGMENTS[(bool(c & 4), bool(c & 2), bool(c & 1))] for c in range(8)], dtype=object)
    out["segment"] = pd.Categorical(lookup[code], categories=list(RFM_SEGMENTS.values()))
    return out


def rfm_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per RFM segment: customers, share, mean recency / frequency, total and share of
    monetary (all 8 segments, empty ones shown as 0)."""
    g = table.groupby("segment", observed=False)
    out = g.agg(
        客户数=("monetary", "size"),
        平均最近购买天数=("recency_days", "mean"),
        平均购买次数=("frequency", "mean"),
        累计金额=("monetary", "sum"),
    )
    out["客户占比"] = out["客户数"] / max(len(table), 1)
    total = table["monetary"].sum()
    out["金额占比"] = out["累计金额"] / total if total else np.nan
    return out.rename_axis("客户分群").reset_index()


# ------------------------------------------------------------------ report helpers
def customer_rows(deals: pd.DataFrame, date_col: str = D.sign_date) -> pd.DataFrame:
    """One row per customer: their latest non-cancelled deal (the input for Personas)."""
    d = _live_deals(deals).sort_values([D.customer_key, date_col], kind="stable")
    return d.drop_duplicates(D.customer_key, keep="last")


def kpis(vp: ValuePotential, personas: Personas | None = None) -> list[tuple]:
    """KPI cards for present.kpis: customers, 高价值 and 高潜力 shares, personas."""
    c = vp.customers
    total = c["amount"].sum()
    hv = c["value_class"] == VALUE_CLASSES[0]
    hp = c["potential_class"] == POTENTIAL_CLASSES[0]
    cards = [
        ("客户数", f"{vp.n:,}", None),
        (
            "高价值客户",
            f"{hv.mean():.1%}",
            None,
            f"{int(hv.sum()):,} 人，贡献金额 {c.loc[hv, 'amount'].sum() / total:.1%}"
            if total
            else f"{int(hv.sum()):,} 人",
        ),
        ("高潜力客户", f"{hp.mean():.1%}", None, f"{int(hp.sum()):,} 人"),
    ]
    if personas is not None:
        sil = personas.silhouette_.get(personas.k_) if len(personas.silhouette_) else None
        cards.append(
            ("客户画像", f"{personas.k_} 类", None, f"轮廓系数 {sil:.2f}" if sil is not None else None)
        )
    return cards


def headline(
    vp: ValuePotential, personas: Personas | None = None, rfm_table: pd.DataFrame | None = None
) -> list[str]:
    """Summary sentences (Chinese) for the 摘要 section."""
    c = vp.customers
    total = c["amount"].sum()
    core = (c["value_class"] == VALUE_CLASSES[0]) & (c["potential_class"] == POTENTIAL_CLASSES[0])
    lines = [
        f"共 {vp.n:,} 位成交客户；高价值客户 {int((c['value_class'] == VALUE_CLASSES[0]).sum()):,} 人"
        f"（前 20%），高价值且高潜力的核心客户 {int(core.sum()):,} 人"
        + (f"，贡献成交金额的 {c.loc[core, 'amount'].sum() / total:.1%}。" if total else "。"),
    ]
    grow = (c["value_class"] != VALUE_CLASSES[0]) & (c["potential_class"] == POTENTIAL_CLASSES[0])
    if grow.any():
        lines.append(f"另有 {int(grow.sum()):,} 位中低价值但高潜力的客户，是老带新与改善置业的重点培育对象。")
    if personas is not None:
        top = personas.profile_.iloc[0]
        lines.append(f"客户可分为 {personas.k_} 类画像，最大的一类为“{top['name']}”，占 {top['share']:.1%}。")
    if rfm_table is not None and len(rfm_table):
        repeat = (rfm_table["frequency"] > 1).mean()
        lines.append(
            f"有多次购买记录的客户占 {repeat:.1%}；购房客户多为一次性购买，RFM 分群以最近购买时间与金额为主要依据。"
        )
    return lines
