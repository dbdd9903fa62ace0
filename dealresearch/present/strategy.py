"""Sections of the strategy report (notebooks/reports/strategy.ipynb): one function per section,
each taking the :class:`dealresearch.strategy.StrategyReview`."""

from __future__ import annotations

import re

import pandas as pd

from .. import fmt
from ..results import Unavailable
from ..strategy import MIME, records, rules_table
from . import base as P

STATUS_LABELS = {"improved": "改善", "unchanged": "持平", "worse": "变差"}
ORDINALS = ("一", "二", "三", "四", "五")
#: a closing （…） of a title (the summary adds its own parentheses)
_TRAILING_NOTE = re.compile(r"（[^（）]*）$")


def header(r) -> None:
    """Report title."""
    topic = "" if isinstance(r.topic, Unavailable) else f" · 专题：{r.topic.topic}"
    P.title("营销策略建议与客户专题", f"{r.period.label_zh} · {r.project or '集团'}{topic}")


def _action(text: str) -> str:
    """The first 建议… sentence of a recommendation text."""
    tail = text.split("建议", 1)[1] if "建议" in text else text
    return tail.split("。", 1)[0]


def _impact(item) -> str:
    if item.amount is not None and item.amount > 0:
        return f"涉及金额约 {fmt.decimal(item.amount / 1e8, 2)} 亿元"
    if item.affected:
        return f"涉及约 {item.affected:,.0f} 位客户"
    return ""


def _where(item) -> str:
    if len(item.projects) > 1:
        return "、".join(item.projects)
    return item.projects[0] if item.projects else "集团"


def summary(r) -> None:
    """摘要 (the answer first): the top three problems and what to do, in plain Chinese."""
    P.heading("摘要")
    top = r.recommendations[:3]
    if not top:
        P.text(f"{r.period.label_zh}{r.project or '集团'}没有触发需要处理的问题。")
        return
    lines = [f"{r.period.label_zh}{r.project or '集团'}最需要处理的 {len(top)} 个问题："]
    for i, it in enumerate(top):
        impact = _impact(it)
        lines.append(f"{ORDINALS[i]}是{_TRAILING_NOTE.sub('', it.title)}（{_where(it)}{'，' + impact if impact else ''}），建议{_action(it.text)}。")
    rest = len(r.recommendations) - len(top)
    if rest > 0:
        lines.append(f"另有 {rest} 条建议按影响大小列在下文。")
    P.text("".join(lines))


def recommendations(r) -> None:
    """All recommendations, largest business impact first, one card each."""
    P.heading("建议清单（按影响大小排序）")
    _cards(r.recommendations, numbered=True)
    gaps(r.gaps)


def _cards(items, numbered: bool = False) -> None:
    if not items:
        P.note("本期没有触发任何建议。")
        return
    cards = []
    for i, it in enumerate(items, start=1):
        where = f"涉及项目：{'、'.join(it.projects)}" if len(it.projects) > 1 else f"范围：{_where(it)}"
        lead = "" if it.lead_project in (it.scope, "集团") else f"（以{it.lead_project}为例）"
        several = len(it.evidence) > 1
        evidence = "；".join(_evidence(ev, it.unit, several) for ev in it.evidence)
        impact = _impact(it)
        number = f"{i}. " if numbered else ""
        cards.append(
            f"<div class='dr-rec'><span class='cat'>{P.esc(it.category)}</span> <b>{number}{P.esc(it.title)}</b>"
            f"<div class='ev'>{P.esc(where)}{'　' + P.esc(impact) if impact else ''}</div>"
            f"<div>{P.esc(lead + it.text)}</div><div class='ev'>依据：{P.esc(evidence)}</div></div>"
        )
    P._show("".join(cards))


def _evidence(ev: dict, unit: str, with_scope: bool = True) -> str:
    """One scope's evidence: scope (when several), figure and value, comparison, n, p."""
    parts = [str(ev.get("scope") or "") if with_scope else "", str(ev.get("figure", "")).removesuffix("(%)").removesuffix("（元）")]
    if "value" in ev:
        parts.append(_evidence_number(ev["value"], unit))
    if "base" in ev:
        parts.append(f"（占 {ev['base']:.1f}%）" if unit == "count" else f"对照 {_evidence_number(ev['base'], unit)}")
    if "n" in ev:
        parts.append(f"n = {ev['n']:,}")
    if "p_value" in ev:
        parts.append(f"p {fmt.p_value(ev['p_value'])}")
    return " ".join(x for x in parts if x)


def _evidence_number(v, unit: str) -> str:
    """Evidence values as stored (shares already ×100)."""
    if unit == "share":
        return f"{v:.1f}%"
    if unit == "amount":
        return f"{v / 1e8:.2f} 亿元"
    if unit == "count":
        return f"{v:,.0f}"
    return f"{v:.1f}"


def gaps(items) -> None:
    """One note for every topic the data cannot decide."""
    if items:
        by_label: dict[str, list[str]] = {}
        for g in items:
            by_label.setdefault(g.label, []).append(g.scope)
        parts = [f"{label}（{'、'.join(dict.fromkeys(scopes))}）" for label, scopes in by_label.items()]
        P.note("以下方面数据不足，本期未作判断：" + "；".join(parts) + "。原因见文末“方法与口径”。")


def previous(r) -> None:
    """上期建议的跟进: today's value of each of last period's evidence figures."""
    P.heading("上期建议跟进")
    if isinstance(r.previous, Unavailable):
        P.note(f"{r.previous.reason}（上期报告生成后，这里会逐条对照上期建议的指标本期有无改善）。")
        return
    rows = pd.DataFrame({
        "上期建议": [f.title for f in r.previous],
        "范围": [f.scope for f in r.previous],
        "上期值": [_shown(f.before, f.unit) for f in r.previous],
        "本期值": [f.now.reason if isinstance(f.now, Unavailable) else _shown(f.now, f.unit) for f in r.previous],
        "变化": [STATUS_LABELS.get(f.status, "无法比较") for f in r.previous],
    })
    counts = rows["变化"].value_counts()
    P.text("上期 {} 条建议中，指标改善 {} 条、持平 {} 条、变差 {} 条。".format(
        len(rows), counts.get("改善", 0), counts.get("持平", 0), counts.get("变差", 0)))
    P.table(rows, caption=f"上期（{r.previous[0].period_before if r.previous else ''}）建议的指标本期表现")


def _shown(v, unit: str) -> str:
    """A tracked value (shares as 0–1) in the evidence number rules."""
    return "—" if v is None else _evidence_number(v * 100 if unit == "share" else v, unit)


def topic(r) -> None:
    """The customer topic: description, trend, how its customers differ, its recommendations."""
    t = r.topic
    if isinstance(t, Unavailable):
        P.heading("客户专题")
        P.note(t.reason)
        return
    P.heading(f"客户专题：{t.topic}" + ("" if r.project is None else f"（{r.project}）"))
    P.text(t.description)
    P.table(t.trend, caption=f"{t.topic}成交及占比（按季度）", formats={"专题占比": "pct"})
    P.heading(f"{t.topic}与其他客户的差异（{r.period.label_zh}）", 3)
    for w in t.profile.warnings:
        P.warning(w)
    P.table(t.tests, caption=f"卡方检验（{t.topic} vs 其他客户，α = 0.05）")
    for field in t.profile.table["field"].unique():
        wide = t.profile.wide(field)
        P.table(wide, caption=t.profile.table.loc[t.profile.table["field"] == field, "field_label"].iloc[0],
                formats={c: "pct" for c in wide.columns[1:]})
    P.heading(f"{t.topic}专题建议", 3)
    _cards(t.recommendations)
    gaps(t.gaps)


def methods(r) -> None:
    """方法与口径: a closing collapsed appendix with the rules, their conditions and the gaps' reasons."""
    table = rules_table(r.rules).assign(编号=[rule.id for rule in r.rules.rules])
    reasons = "".join(f"<li>{P.esc(g.label)}（{P.esc(g.scope)}）：{P.esc(g.reason)}</li>" for g in r.gaps)
    P.details("方法与口径", [
        "<p class='dr-note'>排序：先按涉及金额（元：同比少签约、距目标差额、退房金额）从大到小，"
        "无金额的按涉及客户数（跟进客户、逾期客户、占比变化 × 样本量、IPA 未满意部分 × 样本量）从大到小；"
        "同一问题在多个项目出现时合并为一条集团建议并列出项目。上期建议跟进：对照同一指标本期值，"
        "按规则方向判断改善 / 持平 / 变差（占比变化不超过 0.5 个百分点或 1% 视为持平）。"
        "规则文件：dealresearch/strategy/strategy.toml。</p>",
        P.table_html(table, caption="已实施的建议规则"),
        (f"<p class='dr-note'>数据不足的原因：</p><ul class='dr-note'>{reasons}</ul>" if reasons else ""),
    ])


def emit(r) -> None:
    """Hand the recommendations to the report runner (a display output of type MIME; not shown)."""
    try:
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython ships with ipykernel
        return
    display({MIME: records(r.recommendations, period=r.period.label, report_scope=r.scope)}, raw=True)
