"""Findings → recommendations of one scope (the group or a project).

``recommend`` computes the findings of one scope (:mod:`dealresearch.strategy.findings`) and applies
the editable rule set (:mod:`dealresearch.strategy.rules`, ``strategy/strategy.toml``); each
:class:`Recommendation` has ``category``, ``title``, ``text`` and ``evidence`` (a list of
dicts: figure, value, base, n, n_base, period, test, p_value).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..periods import Period, parse_period
from ..schema import Deal
from . import findings as fd
from .rules import CATEGORIES, Recommendation, RuleSet, evaluate, load_rules

__all__ = ["project_recommendations", "recommend", "scope_findings", "summary"]


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
    return evaluate(scope_findings(deals, period, project=project, rules=rs, names=names, **context), rs)


def scope_findings(
    deals: pd.DataFrame, period: str | Period, *, project: str | None = None, rules: RuleSet, names=None, **context
) -> pd.DataFrame:
    """The findings table of one scope for the findings ``rules`` test (or ``names``)."""
    wanted = names or sorted({r.finding for r in rules.rules}, key=list(fd.FINDINGS).index)
    return fd.compute(
        deals,
        period,
        names=wanted,
        project=project,
        against=rules.settings["against"],
        min_n=int(rules.settings["min_n"]),
        alpha=float(rules.settings["alpha"]),
        **context,
    )


def project_recommendations(
    deals: pd.DataFrame, period: str | Period, *, projects=None, **kwargs
) -> dict[str, list[Recommendation]]:
    """项目阶段营销工作建议: recommendations per project with deals in the period.

    The projects share one findings cache, so group-wide inputs (sales events, attainment
    and pacing of every unit of a level) are computed once, not once per project."""
    p = parse_period(period)
    if projects is None:
        active = deals[deals[Deal.sign_date].notna() & p.contains(deals[Deal.sign_date])]
        projects = sorted(active[Deal.project].dropna().unique())
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


