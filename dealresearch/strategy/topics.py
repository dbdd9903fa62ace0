"""Customer topics (改善型客户, 老带新, 投资客 …): defined in ``strategy.toml`` [topics]; they scope
the deals of the topical study (trend, profile against the other customers, recommendations)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import fmt
from ..config import ALPHA
from ..errors import ParameterError
from ..periods import Period, parse_period, period_of
from ..schema import Deal, Survey
from .recommend import recommend
from .rules import Recommendation, RuleSet, load_rules

__all__ = ["TOPIC_FINDINGS", "topic_mask", "topic_profile", "topic_recommendations", "topic_tests", "topic_trend",
           "topics"]

#: findings that make sense inside a topic (a customer group rather than an organisation)
TOPIC_FINDINGS: tuple[str, ...] = (
    "channel_shift",
    "purpose_shift",
    "unit_type_mix",
    "price_band",
    "ipa",
    "referral_potential",
)



# ---------------------------------------------------------------------------- topics
def topics(rules: RuleSet | None = None) -> dict:
    return (rules or load_rules()).topics


def topic_mask(deals: pd.DataFrame, topic: str, rules: RuleSet | None = None) -> pd.Series:
    """Deals belonging to a topic (集团客户专题) as defined in the rules' [topics]."""
    defs = topics(rules)
    if topic not in defs:
        raise ParameterError(
            f"未定义的专题“{topic}”：可选 {'、'.join(defs)}（在 strategy.toml 的 [topics] 中增加）。"
        )
    t = defs[topic]
    col = t["column"]
    mask = (
        deals[col].isin(t["values"]).fillna(False).astype(bool)
        if col in deals
        else pd.Series(False, index=deals.index)
    )
    present = t.get("or_present")
    if present and present in deals:
        mask |= deals[present].notna()
    return mask


def topic_recommendations(
    deals: pd.DataFrame,
    period: str | Period,
    topic: str,
    *,
    rules: RuleSet | str | Path | None = None,
    surveys: pd.DataFrame | None = None,
    **context,
) -> list[Recommendation]:
    """集团客户专题: recommendations from the findings that make sense within a customer
    group (channels, purposes, unit types, price bands, satisfaction drivers, referrals),
    computed on the topic's deals (and the surveys of its customers)."""
    rs = rules if isinstance(rules, RuleSet) else load_rules(rules)
    sub = deals[topic_mask(deals, topic, rs)]
    if surveys is not None and len(surveys):
        surveys = surveys[surveys[Survey.customer_key].isin(sub[Deal.customer_key])]
    recs = recommend(sub, period, rules=rs, names=list(TOPIC_FINDINGS), surveys=surveys, **context)
    for r in recs:
        r.title = f"【{topic}】{r.title}"
    return recs


def topic_trend(
    deals: pd.DataFrame, topic: str, *, kind: str = "quarter", rules: RuleSet | None = None,
    until: str | Period | None = None,
) -> pd.DataFrame:
    """Deals of the topic per period and their share of all deals (期间, 全部成交, 专题成交, 专题占比);
    with ``until`` (a report period) nothing signed after its end."""
    d = deals[deals[Deal.sign_date].notna()]
    if until is not None:
        d = d[d[Deal.sign_date] < parse_period(until).end + pd.Timedelta(days=1)]
    per = period_of(d[Deal.sign_date], kind)
    mask = topic_mask(d, topic, rules)
    out = (
        pd.DataFrame({"全部成交": per.value_counts(), "专题成交": per[mask].value_counts()})
        .fillna(0)
        .astype("int64")
    )
    out["专题占比"] = out["专题成交"] / out["全部成交"]
    return out.sort_index().rename_axis("期间").reset_index()


def topic_profile(
    deals: pd.DataFrame, period: str | Period, topic: str, fields=None, *, rules: RuleSet | None = None
):
    """profile.profile of the period's deals grouped 专题客户 vs 其他客户 (chi-square per
    field), for the fields that distinguish the topic."""
    from .. import profile

    p = parse_period(period)
    d = deals[deals[Deal.sign_date].notna() & p.contains(deals[Deal.sign_date])]
    grp = np.where(topic_mask(d, topic, rules), f"{topic}", "其他客户")
    fields = fields or [
        f
        for f in (
            "age_band",
            Deal.family_structure,
            Deal.unit_type,
            "total_price_band",
            Deal.awareness_channel,
            Deal.key_factors,
        )
        if f in d or f.endswith("_band")
    ]
    return profile.profile(d.assign(专题=grp), fields, by="专题")


def topic_tests(prof) -> pd.DataFrame:
    """The chi-square tests of :func:`topic_profile` as a Chinese display table."""
    t = prof.tests
    if t is None or not len(t):
        return pd.DataFrame(columns=["字段", "选项", "卡方", "p 值", "Cramér's V", "样本量", "显著"])
    out = pd.DataFrame(
        {
            "字段": t["field_label"],
            "选项": t["choice"],
            "卡方": t["chi2"].round(2),
            "p 值": t["p_value"].map(fmt.p_value),
            "Cramér's V": t["cramers_v"].round(3),
            "样本量": t["n"],
            # a test that could not be computed (p missing) is never significant
            "显著": np.where(~t["p_value"].notna(), "未检验",
                            np.where(t["significant"].astype(bool) & fmt.significant_mask(t["p_value"], ALPHA),
                                     "是", "否")),
        }
    )
    return out
