"""``strategy.review``: the recommendations a director acts on, for the group or one project.

Findings of every scope (the group and each project, or one project) go through the rule set;
the recommendations are deduplicated — one per problem (rule, subject, project); the same
problem in several projects becomes one group recommendation listing the projects — and
ranked by business impact: first those with money at stake (元: lost, missing or cancelled
signing), largest first; then the others by the customers (or units) they concern, largest
first; the rule's priority breaks ties. Findings the data cannot support are collected into
:attr:`StrategyReview.gaps` (one note on the page). Last period's recommendations
(``previous``, the records the runner kept) are followed up in :attr:`StrategyReview.previous`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import sales
from ..periods import Period, parse_period
from ..results import Unavailable
from ..schema import Deal, Survey
from . import findings as fd
from .history import FollowUp, follow_up
from .recommend import scope_findings
from .rules import Recommendation, RuleSet, evaluate, load_rules
from .topics import TOPIC_FINDINGS, topic_mask, topic_profile, topic_tests, topic_trend, topics

GROUP = fd.GROUP


@dataclass(frozen=True)
class Item:
    """One deduplicated recommendation. ``projects``: the projects it concerns (several when
    the same problem was found in several projects); ``evidence``: one dict per scope."""

    category: str
    title: str
    text: str
    priority: int
    rule: str
    finding: str
    subject: str
    scope: str  # 集团 or the project
    projects: tuple[str, ...]
    lead_project: str  # the scope whose text and evidence figure lead (集团 when it was found there)
    evidence: tuple[dict, ...]
    unit: str
    value: float | None
    better: str
    track: str  # the finding column ``value`` comes from (followed up next period)
    amount: float | None  # money at stake (元)
    affected: float | None  # customers or units concerned


@dataclass(frozen=True)
class Gap:
    """A finding the data cannot support, in one scope."""

    label: str
    scope: str
    reason: str


@dataclass(frozen=True)
class TopicStudy:
    topic: str
    description: str
    trend: pd.DataFrame
    tests: pd.DataFrame
    profile: object  # profile.Profile of the topic against the other customers
    recommendations: tuple[Item, ...]
    gaps: tuple[Gap, ...]
    n: int


@dataclass(frozen=True)
class StrategyReview:
    period: Period
    project: str | None
    asof: pd.Timestamp
    recommendations: tuple[Item, ...]
    n_raw: int  # recommendations fired before deduplication
    gaps: tuple[Gap, ...]
    previous: tuple[FollowUp, ...] | Unavailable
    topic: TopicStudy | Unavailable
    rules: RuleSet
    findings: pd.DataFrame

    @property
    def scope(self) -> str:
        return self.project or GROUP


def review(
    deals: pd.DataFrame,
    *,
    period: str | Period,
    project: str | None = None,
    history: pd.DataFrame | None = None,
    targets: pd.DataFrame | None = None,
    surveys: pd.DataFrame | None = None,
    customers: pd.DataFrame | None = None,
    previous: list[dict] | None = None,
    topic: str | None = "改善型客户",
    asof=None,
    rules: RuleSet | str | None = None,
) -> StrategyReview:
    """Deduplicated, impact-ranked recommendations of the group (``project`` None: the group
    and every project with deals in the period) or one project, with the topic study and the
    follow-up of ``previous`` (last period's records, see :mod:`.history`)."""
    p = parse_period(period)
    rs = rules if isinstance(rules, RuleSet) else load_rules(rules)
    asof = sales.default_asof(sales.events(deals, history), p) if asof is None else pd.Timestamp(asof)
    context = dict(history=history, targets=targets, surveys=surveys, customers=customers, asof=asof, shared={})
    if project is None:
        active = deals[deals[Deal.sign_date].notna() & p.contains(deals[Deal.sign_date])]
        scopes = [None, *sorted(active[Deal.project].dropna().unique())]
    else:
        scopes = [project]
    tables = [scope_findings(deals, p, project=s, rules=rs, **context) for s in scopes]
    table = pd.concat(tables, ignore_index=True)
    fired = [r for t in tables for r in evaluate(t, rs)]
    items = deduplicate([r for r in fired if r.supported])
    scope = project or GROUP
    prev = (Unavailable("没有上一期的建议记录") if not previous
            else follow_up(previous, table, report_scope=scope))
    return StrategyReview(p, project, asof, items, sum(r.supported for r in fired), _gaps(fired), prev,
                          _topic(deals, p, project, topic, rs, surveys) if topic else Unavailable("未选择专题"),
                          rs, table)


def _gaps(recs: list[Recommendation]) -> tuple[Gap, ...]:
    out: dict[tuple, Gap] = {}
    for r in recs:
        if not r.supported:
            reason = r.evidence[0].get("reason", "") if r.evidence else ""
            label = r.title.removeprefix("数据不足：")
            out.setdefault((label, r.project), Gap(label, r.project or GROUP, reason))
    return tuple(out.values())


def impact_key(item: Item) -> tuple:
    """Sort key: money at stake first (largest first), then customers concerned, then priority."""
    has_amount = item.amount is not None and item.amount > 0
    return (not has_amount, -(item.amount or 0.0) if has_amount else 0.0, -(item.affected or 0.0), item.priority)


def deduplicate(recs: list[Recommendation]) -> tuple[Item, ...]:
    """One item per problem: identical (rule, project, subject) recommendations collapse; the
    same (rule, subject) with the same title (a title naming its project stays apart) in several
    scopes becomes one item listing the projects (led by the
    group's text and figure when the group has it, else by the project with the largest
    impact); ranked by :func:`impact_key`."""
    unique: dict[tuple, Recommendation] = {}
    for r in recs:
        unique.setdefault((r.rule, r.project, r.subject), r)
    groups: dict[tuple, list[Recommendation]] = {}
    for r in unique.values():
        groups.setdefault((r.rule, r.subject, r.title), []).append(r)
    items = [_item(members) for members in groups.values()]
    return tuple(sorted(items, key=impact_key))


def _total(values) -> float | None:
    vals = [v for v in values if v is not None]
    return sum(vals) if vals else None


def _item(members: list[Recommendation]) -> Item:
    group = [m for m in members if m.project == GROUP]
    projects = tuple(sorted(m.project for m in members if m.project != GROUP))
    by_impact = sorted(members, key=lambda m: (-(m.amount or 0.0), -(m.affected or 0.0)))
    lead = group[0] if group else by_impact[0]
    amount = lead.amount if group else _total(m.amount for m in members)
    affected = lead.affected if group else _total(m.affected for m in members)
    scope = GROUP if group or len(projects) > 1 else projects[0]
    ordered = [lead, *[m for m in sorted(members, key=lambda m: str(m.project)) if m is not lead]]
    evidence = tuple({"scope": m.project, **m.evidence[0]} for m in ordered if m.evidence)
    return Item(lead.category, lead.title, lead.text, min(m.priority for m in members), lead.rule, lead.finding,
                lead.subject, scope, projects, lead.project or GROUP, evidence, lead.unit, lead.value, lead.better,
                lead.track, amount, affected)


def _topic(deals, p: Period, project, topic: str, rs: RuleSet, surveys) -> TopicStudy | Unavailable:
    defs = topics(rs)
    if topic not in defs:
        return Unavailable(f"未定义的专题“{topic}”")
    scoped = deals if project is None else deals[deals[Deal.project] == project]
    sub = scoped[topic_mask(scoped, topic, rs)]
    if sub.empty:
        return Unavailable(f"没有属于“{topic}”的成交")
    sv = surveys[surveys[Survey.customer_key].isin(sub[Deal.customer_key])] if surveys is not None and len(surveys) else None
    table = scope_findings(sub, p, rules=rs, names=list(TOPIC_FINDINGS), surveys=sv)
    recs = evaluate(table, rs)
    prof = topic_profile(scoped, p, topic, rules=rs)
    return TopicStudy(topic, defs[topic].get("description", topic), topic_trend(scoped, topic, rules=rs, until=p),
                      topic_tests(prof), prof, deduplicate([r for r in recs if r.supported]),
                      tuple(Gap(g.label, project or GROUP, g.reason) for g in _gaps(recs)), len(sub))
