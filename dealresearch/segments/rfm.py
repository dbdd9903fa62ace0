"""RFM (recency, frequency, monetary) scores and the 8 classic segments, for
repeat-purchase businesses (e.g. B2B services)::

    segments.rfm(transactions, customer="customer_key", date="sign_date",
                 amount="total_price", asof="2026-12-31")
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import DataError, ParameterError
from ..schema import Deal

__all__ = ["rfm", "rfm_summary", "RFM_SEGMENTS", "RFM_HIGH"]

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
    customer: str = Deal.customer_key,
    date: str = Deal.sign_date,
    amount: str = Deal.total_price,
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
