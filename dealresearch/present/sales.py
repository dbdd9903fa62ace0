"""Sections of the sales report notebook (notebooks/reports/sales.ipynb): one function per
section, each rendering a part of :func:`dealresearch.sales.review`.

Table headers and formats come from :data:`dealresearch.sales.COLUMNS`; the opening
sentences and KPI cards from :mod:`dealresearch.present.sales_summary`.
"""

from __future__ import annotations

import pandas as pd

from ..config import MIN_N
from ..plots import sales as splots
from ..results import Unavailable
from ..sales import COLUMNS, Actuals, GrowthWide, SalesReview, TargetAttainment
from ..schema import Deal, Target, label
from . import base as P
from . import sales_summary

#: ranking columns left out of the tables (fewer columns: the amounts behind the units, 换房)
RANKING_DETAIL = [Actuals.signed_amount, Actuals.cancelled_amount, Actuals.changed_amount, Actuals.changed_units,
                  Actuals.units_attainment]
#: columns of the monthly table (cancelled / changed amounts are in the ranking of the reps)
MONTHLY_COLUMNS = [Actuals.period, Actuals.signed_units, Actuals.signed_amount, Actuals.cancelled_units,
                   Actuals.changed_units, Actuals.net_units, Actuals.net_amount]
#: columns of the pacing table
PACING_COLUMNS = [Target.unit, Actuals.period, Target.amount_target, Actuals.amount_actual, Actuals.elapsed_share,
                  Actuals.reached_share, Actuals.gap, Actuals.projected, Actuals.pacing_status]
#: columns of the attainment table (the level reads from the unit's name; the source of the
#: scope's target is in the caption, the reps' attainment in their ranking)
ATTAINMENT_COLUMNS = [Target.unit, Target.units_target, Actuals.units_actual, Actuals.units_attainment,
                      Target.amount_target, Actuals.amount_actual, Actuals.amount_attainment, Actuals.status]
_PLAIN = ("text", "flag")


def _display(df: pd.DataFrame, extra: dict[str, tuple[str, str]] | None = None) -> tuple[pd.DataFrame, dict]:
    """Chinese headers (sales.COLUMNS, else schema.label), flags as 是/否, and the formats of
    the table's own columns."""
    cols = {**COLUMNS, **(extra or {})}
    out = df.copy()
    formats = {}
    for c in out.columns:
        lab, kind = cols.get(c, (label(c), None))
        if kind == "flag" or out[c].dtype == bool or str(out[c].dtype) == "boolean":
            out[c] = out[c].map({True: "是", False: "否"})
        elif kind is not None and kind not in _PLAIN:
            formats[lab] = kind
    out = out.rename(columns=lambda c: cols.get(c, (label(c), None))[0])
    return out, formats


def _table(df: pd.DataFrame, caption: str | None = None, extra: dict | None = None) -> None:
    shown, formats = _display(df, extra)
    P.table(shown, caption=caption, formats=formats)


def _unavailable(part) -> bool:
    """Show why a part is missing; True when it is."""
    if isinstance(part, Unavailable):
        P.note(part.reason)
        return True
    return False


def title(r: SalesReview) -> None:
    s = r.scope
    P.title("销售业绩报告", f"{s.period.label_zh} · {s.project or '集团'} · 统计截止 {s.asof:%Y-%m-%d}")


def summary(r: SalesReview) -> None:
    """摘要: the answer in plain sentences, then the KPI cards."""
    P.heading("摘要")
    P.text("".join(sales_summary.sentences(r)))
    P.kpis(sales_summary.cards(r))
    for w in r.headline.warnings:
        P.warning(w)


def attainment(r: SalesReview) -> None:
    P.heading("目标达成")
    if _unavailable(r.attainment):
        return
    att = r.attainment.frame
    t = r.headline.target
    source = f"；{r.scope.unit}目标{t.source}" if isinstance(t, TargetAttainment) and t.source.startswith("由") else ""
    _table(att.loc[att[Target.level] != "个人", ATTAINMENT_COLUMNS],
           caption=f"{r.scope.period.label_zh}目标达成（净签约 = 签约 − 退房 + 换房{source}）")
    if (att[Target.level] == "个人").any():
        P.note("置业顾问个人的目标达成率见“排名”。")


def heatmap(r: SalesReview) -> None:
    p = r.scope.period
    P.heading("达成率热力图（项目 × 月）")
    if _unavailable(r.heatmap):
        return
    P.figure(splots.attainment_heatmap(r.heatmap.frame, title=f"{p.year}年各项目月度金额目标达成率（%）"))


def monthly(r: SalesReview) -> None:
    p, m = r.scope.period, r.monthly
    P.heading("月度走势")
    line = None if isinstance(m.targets, Unavailable) else m.targets
    P.figure(splots.monthly_trend(m.actuals, targets=line, title=f"{p.year}年1月至{p.end:%-m}月净签约金额与目标"))
    _table(m.actuals[[c for c in MONTHLY_COLUMNS if c in m.actuals]], caption="月度签约、退房、换房与净签约")


def _growth_display(wide: pd.DataFrame, kind: str) -> tuple[pd.DataFrame, dict]:
    """The wide growth table with each rate and its status in one column (“+12.3%” or why
    there is none): six columns instead of eight."""
    out = wide[[Target.unit, "current"]].copy()
    extra = {"current": ("本期", kind)}
    for cmp, base, rate, status in (("环比", GrowthWide.prev_base, GrowthWide.prev_rate, GrowthWide.prev_status),
                                    ("同比", GrowthWide.yoy_base, GrowthWide.yoy_rate, GrowthWide.yoy_status)):
        if base not in wide:
            continue
        out[base] = wide[base]
        ok = wide[status] == "正常"
        out[rate] = (wide[rate] * 100).map("{:+.1f}%".format).where(ok, wide[status])
        extra[base] = (f"{cmp}基期值", kind)
        extra[rate] = (f"{cmp}增长率", "text")
    return out, extra


def growth(r: SalesReview) -> None:
    p, g = r.scope.period, r.growth
    P.heading("增长（环比 / 同比）")
    for wide, name, kind in ((g.amount, "净签约金额", "money"), (g.units, "净签约套数", "int")):
        shown, extra = _growth_display(wide, kind)
        _table(shown, caption=f"{name}：{p.label_zh}与环比、同比基期", extra=extra)
    if not isinstance(g.projects, Unavailable):
        shown, extra = _growth_display(g.projects, "money")
        _table(shown, caption="各项目净签约金额增长", extra=extra)


def rankings(r: SalesReview) -> None:
    p = r.scope.period
    P.heading("排名")
    if not isinstance(r.reps, Unavailable):
        reps = r.reps.frame.drop(columns=RANKING_DETAIL, errors="ignore")
        P.figure(splots.ranking_bars(reps, by=Deal.sales_rep, title=f"{p.label_zh}置业顾问净签约金额排名"))
        _table(reps, caption="置业顾问排名")
    if not isinstance(r.teams, Unavailable):
        _table(r.teams.frame.drop(columns=RANKING_DETAIL, errors="ignore"), caption="销售团队排名")
    if isinstance(r.reps, Unavailable) and isinstance(r.teams, Unavailable):
        P.note("本期没有可排名的置业顾问或团队记录。")


def pacing(r: SalesReview) -> None:
    P.heading("进度（完成进度 vs 时间进度）")
    if _unavailable(r.pacing):
        return
    pc = r.pacing.frame
    P.figure(splots.pacing_bars(pc))
    _table(pc[PACING_COLUMNS])


def cycle_time(r: SalesReview) -> None:
    P.heading("成交周期（首次到访 → 签约）")
    _table(r.cycle_time.frame, caption="首访至签约天数")
    for w in r.cycle_time.warnings:
        P.warning(w)


def rep_satisfaction(r: SalesReview) -> None:
    P.heading("置业顾问客户满意度")
    if _unavailable(r.satisfaction):
        return
    _table(r.satisfaction.frame, caption="近12个月调查，按成交置业顾问归属")


def method(r: SalesReview) -> None:
    """方法与口径: the counting rules, collapsed at the end of the page."""
    items = [
        "签约：签约日期所在期间计入；退房、换房按状态变更日期计入；净签约 = 签约 − 退房 + 换房（套数与金额）。"
        "认购未签约的退订不计。",
        "目标：期间没有本期目标时，汇总其中的月度（或周）目标（表题注明）；集团没有目标时，用各项目目标之和。"
        "年度目标不会被平均拆分到季度或月份。",
        "达成率 = 净签约 ÷ 目标；目标为零或缺失时不计算。",
        "增长率：基期为零、基期为负或数据中没有基期（项目尚未开盘）时不计算增长率，在增长率一栏写明原因。",
        "进度：时间进度 = 已过天数 ÷ 期间天数；完成进度 = 截至统计日的净签约 ÷ 目标；差距超过 ±5 个百分点判为超前或落后。"
        "报告期已结束时不再显示进度。",
        "排名表省略了签约、退房、换房金额与换房套数，退房率 = 退房套数 ÷ 签约套数。",
        "退房率异常：某置业顾问本期退房不少于 3 套，且退房率至少是整体的 2 倍、高出 3 个百分点。",
        f"成交周期：首次到访日至签约日的天数；缺首访日期或首访晚于签约的记录剔除并计数；样本量少于 {MIN_N} 标为小样本。",
        "置业顾问满意度：每份调查归属于该客户在调查日前最近一次签约的置业顾问；NPS = 推荐者（9–10 分）占比 − 贬损者"
        f"（0–6 分）占比；样本量少于 {MIN_N} 的标为小样本。",
    ]
    body = "".join(f"<li>{P.esc(i)}</li>" for i in items)
    P.details("方法与口径", [f"<ul>{body}</ul>"])
