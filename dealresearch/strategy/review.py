"""Findings → recommendations with evidence (项目阶段营销工作建议, 集团客户专题研究报告).

``recommend`` computes the findings of one scope (:mod:`dealresearch.strategy.findings`) and applies
the editable rule set (:mod:`dealresearch.strategy.rules`, ``strategy/strategy.toml``); each
:class:`Recommendation` has ``category``, ``title``, ``text`` and ``evidence`` (a list of
dicts: figure, value, base, n, n_base, period, test, p_value). Topics (改善型客户, 老带新,
投资客 …) are defined in the same TOML and scope the deals of the topical report.

This module (with :mod:`dealresearch.strategy.findings`) is the only one that combines analyses.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import fmt
from ..config import ALPHA
from ..errors import ParameterError
from ..periods import Period, parse_period, period_of
from ..schema import D, S
from . import findings as fd
from .rules import (
    CATEGORIES,
    FINDING_LABELS,
    Recommendation,
    RuleSet,
    evaluate,
    evidence_of,
    load_rules,
    parse_rules,
    rules_table,
)

__all__ = [
    "CATEGORIES",
    "FINDING_LABELS",
    "TOPIC_FINDINGS",
    "Recommendation",
    "RuleSet",
    "evaluate",
    "evidence_of",
    "load_rules",
    "parse_rules",
    "project_recommendations",
    "recommend",
    "rules_table",
    "summary",
    "topic_mask",
    "topic_profile",
    "topic_recommendations",
    "topic_tests",
    "topic_trend",
    "topics",
]

#: findings that make sense inside a topic (a customer group rather than an organisation)
TOPIC_FINDINGS: tuple[str, ...] = (
    "channel_shift",
    "purpose_shift",
    "unit_type_mix",
    "price_band",
    "ipa",
    "referral_potential",
)


def recommend(
    deals: pd.DataFrame,
    period: str | Period,
    *,
    project: str | None = None,
    rules: RuleSet | str | Path | None = None,
    names=None,
    **context,
) -> list[Recommendation]:
    """Findings for one scope (the group, or ``project``) → recommendations.

    ``context``: history, targets, surveys, customers, supply, asof (see
    findings.compute)."""
    rs = rules if isinstance(rules, RuleSet) else load_rules(rules)
    wanted = names or sorted({r.finding for r in rs.rules}, key=list(fd.FINDINGS).index)
    table = fd.compute(
        deals,
        period,
        names=wanted,
        project=project,
        against=rs.settings["against"],
        min_n=int(rs.settings["min_n"]),
        alpha=float(rs.settings["alpha"]),
        **context,
    )
    return evaluate(table, rs)


def project_recommendations(
    deals: pd.DataFrame, period: str | Period, *, projects=None, **kwargs
) -> dict[str, list[Recommendation]]:
    """项目阶段营销工作建议: recommendations per project with deals in the period.

    The projects share one findings cache, so group-wide inputs (sales events, attainment
    and pacing of every unit of a level) are computed once, not once per project."""
    p = parse_period(period)
    if projects is None:
        active = deals[deals[D.sign_date].notna() & p.contains(deals[D.sign_date])]
        projects = sorted(active[D.project].dropna().unique())
    kwargs.setdefault("shared", {})
    return {proj: recommend(deals, p, project=proj, **kwargs) for proj in projects}


def summary(recs: list[Recommendation]) -> str:
    """One paragraph: how many recommendations by category, the top priorities."""
    ok = [r for r in recs if r.supported]
    if not ok:
        return "本期没有触发任何建议规则" + ("；部分规则因数据不足无法判断，见文末。" if recs else "。")
    counts = pd.Series([r.category for r in ok]).value_counts().reindex(list(CATEGORIES)).dropna()
    parts = "、".join(f"{c} {int(n)} 条" for c, n in counts.items())
    firsts = list(dict.fromkeys(r.title for r in ok if r.priority == 1))
    top = "；".join(firsts[:5]) + ("等" if len(firsts) > 5 else "")
    short = sum(not r.supported for r in recs)
    return (
        f"共形成 {len(ok)} 条建议（{parts}）。"
        + (f"最优先：{top}。" if top else "")
        + (f" 另有 {short} 项因数据不足无法判断。" if short else "")
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
        surveys = surveys[surveys[S.customer_key].isin(sub[D.customer_key])]
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
    d = deals[deals[D.sign_date].notna()]
    if until is not None:
        d = d[d[D.sign_date] < parse_period(until).end + pd.Timedelta(days=1)]
    per = period_of(d[D.sign_date], kind)
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
    from ..profile import core as profile

    p = parse_period(period)
    d = deals[deals[D.sign_date].notna() & p.contains(deals[D.sign_date])]
    grp = np.where(topic_mask(d, topic, rules), f"{topic}", "其他客户")
    fields = fields or [
        f
        for f in (
            "age_band",
            D.family_structure,
            D.unit_type,
            "total_price_band",
            D.awareness_channel,
            D.key_factors,
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
