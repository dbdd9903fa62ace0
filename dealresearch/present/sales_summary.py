"""The answer first: the sales report's opening sentences and KPI cards, built from a
:class:`dealresearch.sales.SalesReview` (no computation here, only wording)."""

from __future__ import annotations

import math

from .. import fmt
from ..results import Unavailable
from ..sales import Actuals, Change, SalesReview, TargetAttainment
from ..schema import Target

#: how the previous period of each kind is called in a sentence
_PREVIOUS = {"quarter": "上季度", "month": "上月", "week": "上周", "year": "上年"}


def _who(r: SalesReview) -> str:
    return "集团" if r.scope.project is None else f"项目“{r.scope.project}”"


def _pct(v: float) -> str:
    return f"{abs(v) * 100:.1f}%"


def _move(c: Change | Unavailable, against: str) -> str:
    """“比上年同期增长 12.3%”, or why there is no rate."""
    if isinstance(c, Unavailable):
        return ""
    if not c.ok:
        return f"与{against}无法比较（{c.status}）"
    if c.rate == 0:
        return f"与{against}持平"
    return f"比{against}{'增长' if c.rate > 0 else '下降'} {_pct(c.rate)}"


def _target_sentence(r: SalesReview) -> str:
    h, p = r.headline, r.scope.period
    done = f"{p.label_zh}{_who(r)}净签约 {fmt.money(h.net_amount)}、{h.net_units:,} 套"
    t = h.target
    if not isinstance(t, TargetAttainment):
        return f"{done}；{t.reason}"
    units = (f"、套数目标 {t.units_attainment:.1f}%（目标 {t.units_target:,.0f} 套）"
             if not math.isnan(t.units_attainment) else "")
    gap = t.amount_target - h.net_amount
    rest = f"，距金额目标还差 {fmt.money(gap)}" if gap > 0 else "，金额目标已达成"
    return f"{done}，完成金额目标 {t.amount_attainment:.1f}%（目标 {fmt.money(t.amount_target)}）{units}{rest}。"


def _growth_sentence(r: SalesReview) -> str:
    h = r.headline
    yoy = [s for s in (_move(h.amount_yoy, "上年同期"), _move(h.units_yoy, "上年同期")) if s]
    if not yoy:
        return ""
    text = f"净签约金额{yoy[0]}" + (f"，套数{yoy[1]}" if len(yoy) > 1 else "")
    # a decline on the previous period is told as a problem (below), not twice
    falling = any(pr.kind == "prev_decline" for pr in r.problems)
    prev = "" if falling else _move(h.amount_prev, _PREVIOUS[r.scope.period.kind])
    return text + (f"；金额{prev}" if prev else "") + "。"


def _lowest_project(r: SalesReview) -> str:
    """“达成率最低的是 X（93.2%）” among the group's projects with a target."""
    if r.scope.project is not None or isinstance(r.attainment, Unavailable):
        return ""
    att = r.attainment.frame
    proj = att[att[Target.level] == "项目"].dropna(subset=[Actuals.amount_attainment])
    if proj.empty:
        return ""
    low = proj.loc[proj[Actuals.amount_attainment].idxmin()]
    return f"，达成率最低的是{low[Target.unit]}（{low[Actuals.amount_attainment]:.1f}%）"


def _problem_sentences(r: SalesReview) -> tuple[list[str], list[str]]:
    """Up to two problems (the biggest first) and what to do about each."""
    said, todo = [], []
    h = r.headline
    if h.projects_with_target and h.projects_below_target:
        n, k = h.projects_with_target, h.projects_below_target
        said.append((f"{n} 个有目标的项目全部未达成" if k == n else f"{n} 个有目标的项目中 {k} 个未达成")
                    + f"{_lowest_project(r)}。")
    for pr in r.problems:
        if len(said) >= 2:
            break
        if pr.kind == "yoy_decline" and pr.subject == r.scope.unit:
            todo.append(f"复盘{pr.subject}的来访量与成交转化，分清同比下滑来自客流还是转化")  # the growth sentence said it
        elif pr.kind == "yoy_decline":
            said.append(f"需要关注{'集团整体' if pr.subject == '集团' else pr.subject}：净签约金额比上年同期下降 "
                        f"{_pct(pr.value)}，少了 {fmt.money(pr.amount)}。")
            todo.append(f"复盘{pr.subject}的来访量与成交转化，分清下滑来自客流还是转化")
        elif pr.kind == "prev_decline":
            said.append(f"净签约金额比{_PREVIOUS[r.scope.period.kind]}下降 {_pct(pr.value)}，少了 {fmt.money(pr.amount)}。")
            todo.append(f"对照{_PREVIOUS[r.scope.period.kind]}检查推盘节奏与来访量")
        elif pr.kind == "high_cancellation":
            k = round(pr.value * pr.n)
            said.append(f"置业顾问{pr.subject}退房率 {pr.value * 100:.1f}%（{pr.n} 套签约中 {k} 套退房），"
                        f"是{'集团' if r.scope.project is None else '本项目'}平均 {pr.base * 100:.1f}% 的 "
                        f"{pr.value / pr.base:.1f} 倍。")
            todo.append(f"逐单排查{pr.subject}的退房原因（按揭、价格、交付承诺）")
    below = [pr for pr in r.problems if pr.kind == "below_target"]
    if below and len(todo) < 2:
        whom = "各项目、团队" if r.scope.project is None else "各团队、置业顾问"
        todo.append(f"把 {fmt.money(below[0].amount)}的金额缺口分解到{whom}，在下一期目标中跟进")
    return said, todo


def sentences(r: SalesReview) -> list[str]:
    """3–5 plain sentences: result vs target, growth, the biggest problems, what to do."""
    if r.headline.n == 0:
        return [f"{r.scope.period.label_zh}{_who(r)}没有签约、退房或换房记录。"]
    out = [_target_sentence(r), _growth_sentence(r)]
    said, todo = _problem_sentences(r)
    out += said
    if todo:
        out.append("建议：" + "；".join(todo[:2]) + "。")
    elif not said:
        out.append("本期没有需要特别关注的下滑或退房异常。")
    return [s for s in out if s]


def _delta(c: Change | Unavailable):
    if isinstance(c, Unavailable):
        return None
    return c.rate if c.ok else c.status


def cards(r: SalesReview) -> list[tuple]:
    """KPI cards: net amount and units (delta = 同比, caption 环比), amount attainment,
    cancellations. The values read exactly as :mod:`dealresearch.metrics` gives them."""
    h = r.headline
    out = []
    for name, value, yoy, prev in (
        ("净签约金额", fmt.value(h.net_amount, "money"), h.amount_yoy, h.amount_prev),
        ("净签约套数", f"{h.net_units:,.0f} 套", h.units_yoy, h.units_prev),
    ):
        cap = None
        if isinstance(prev, Change):
            cap = f"环比 {prev.rate * 100:+.1f}%" if prev.ok else f"环比：{prev.status}"
        out.append((name, value, _delta(yoy), cap))
    t = h.target
    if isinstance(t, TargetAttainment):
        out.append(("金额目标达成率", f"{t.amount_attainment:.1f}%", None, f"目标 {fmt.value(t.amount_target, 'money')}"))
    elif r.scope.has_targets:  # targets exist, but none of the scope's own
        out.append(("金额目标达成率", "—", "无目标"))
    rate = f"退房率 {h.cancel_rate * 100:.1f}%" if h.signed_units else "本期无签约"
    out.append(("退房套数", f"{h.cancelled_units:,} 套", None, rate))
    return out


def summary(r: SalesReview) -> tuple[str, list[tuple]]:
    """The opening paragraph and the KPI cards (for reports that cite the sales figures,
    e.g. 成交客户研究报告)."""
    return "".join(sentences(r)), cards(r)
