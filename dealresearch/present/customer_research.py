"""Sections of the 成交客户研究报告: one function per section, each renders a part of
:class:`dealresearch.profile.ProfileReview` (and the page's KPI rows from ``dealresearch.metrics``).

The page leads with the answer (who buys, what changed against last year, where the
projects differ, what to do); the statistical tests and their caveats close the page in a
collapsed 方法与口径 appendix (:func:`method`). Small-sample flags stay next to the numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import config, fmt
from ..derive import label
from ..metrics import KPIS
from ..plots import profile as pplot
from ..profile import Comparison, Profile, ProfileReview
from ..results import Unavailable, available
from . import base as P
from .banner_sections import customer_crosstabs

#: how the period comparisons are tested (shown in the 方法与口径 appendix)
COMPARISON_METHOD = (
    "各类别占比变化：双比例 z 检验（合并方差，双侧）；字段整体分布变化：卡方齐性检验"
    f"（无连续性校正）；显著性水平 α = {config.ALPHA}。"
)
#: the page's KPI cards, in order (ids of dealresearch.metrics)
CARD_KPIS: tuple[str, ...] = ("net_amount", "net_units", "amount_attainment", "deals")


# ------------------------------------------------------- the collapsed appendix
def paragraph(text: str) -> str:
    """A paragraph of escaped text, as markup for :func:`method_appendix`."""
    return f"<p class='dr-note'>{P.esc(text)}</p>"


def caution(text: str) -> str:
    """A caveat line, as markup for :func:`method_appendix`."""
    return f"<div class='dr-warn'>⚠ {P.esc(text)}</div>"


def figure_html(ax) -> str:
    """A matplotlib chart as an inline PNG (closed afterwards), for :func:`method_appendix`."""
    import base64
    import io

    import matplotlib.pyplot as plt

    fig = ax.figure
    fig.tight_layout()
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=fig.dpi, bbox_inches="tight")
    finally:
        plt.close(fig)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f"<img src='data:image/png;base64,{data}' alt='' style='max-width:100%;height:auto'>"


def method_appendix(parts: list[str], summary: str = "方法与口径") -> str:
    """The closing 方法与口径 appendix, collapsed by default."""
    return P.details(f"{summary}（点击展开：检验方法、参数与注意事项）", parts)


# ----------------------------------------------------------------------- wording
def base_label(cmp: Comparison) -> str:
    """上季度 / 上年同期 / 上期: what a comparison is against, in words."""
    if cmp.against == "qoq" and cmp.period.kind == "quarter":
        return "上季度"
    return "上年同期" if cmp.against == "yoy" else "上期"


def _p_text(p: float) -> str:
    text = fmt.p_value(p)  # the project's p-value rule; a test not computed is never "p < 0.001"
    return "p < 0.001" if text == "<0.001" else "p 未计算" if text == fmt.MISSING else f"p = {text}"


def highlights(cmp: Comparison, max_items: int = 5, significant_only: bool = True, *,
               with_p: bool = True) -> list[str]:
    """The largest shifts of a comparison as sentences (significant ones only by default)."""
    t = cmp.table.dropna(subset=["diff"])
    if significant_only:
        t = t[t["significant"]]
    t = t.reindex(t["diff"].abs().sort_values(ascending=False).index).head(max_items)
    base = base_label(cmp)
    out = []
    for r in t.itertuples():
        trend = "上升" if r.diff > 0 else "下降"
        p = f"（{_p_text(r.p_value)}）" if with_p else ""
        out.append(f"{r.field_label}“{r.category}”占比 {r.share_now:.1%}，较{base}{trend} "
                   f"{abs(r.diff) * 100:.1f} 个百分点{p}。")
    return out


def comparison_table(cmp: Comparison, name: str | None = None) -> pd.DataFrame:
    """Per category shares base vs now, for a table."""
    t = cmp.table if name is None else cmp.table[cmp.table["field"] == name]
    return pd.DataFrame({
        "字段": t["field_label"],
        "类别": t["category"],
        f"{cmp.base_period.label_zh}占比": t["share_base"],
        f"{cmp.period.label_zh}占比": t["share_now"],
        "变化(百分点)": t["diff"] * 100,
        "p值": t["p_value"],
        "显著": np.where(t["significant"], "是", "否"),
    }).reset_index(drop=True)


def tests_table(prof: Profile) -> pd.DataFrame:
    """The chi-square tests of a grouped profile with a 结论 column, for the appendix."""
    if prof.tests.empty:
        return pd.DataFrame()
    t = prof.tests
    out = pd.DataFrame({
        "字段": t["field_label"],
        "选项": t["choice"].fillna("—"),
        "卡方值": t["chi2"],
        "自由度": t["dof"],
        "p值": t["p_value"],
        "Cramér's V": t["cramers_v"],
        f"期望频数<{config.MIN_EXPECTED}的单元格": t["small_cells"],
        "样本量": t["n"],
    })
    out["结论"] = np.select(
        [t["small_n"], ~t["valid"], t["significant"]],
        [f"样本少于{config.MIN_N}，仅供参考", "期望频数不足，慎用", f"差异显著（α = {config.ALPHA}）"],
        "差异不显著",
    )
    return out


def _top(prof: Profile, name: str) -> tuple[str, float] | None:
    """The most frequent category of one field of an ungrouped profile, and its share."""
    t = prof.table[prof.table["field"] == name].dropna(subset=["share"])
    if t.empty:
        return None
    row = t.loc[t["share"].idxmax()]
    return str(row["category"]), float(row["share"])


#: how the lead describes the most frequent category of a field ({c} category, {s} share)
WHO_TEMPLATES: dict[str, str] = {
    "age_band": "客户以{c}为主（{s}）",
    "purchase_purpose": "购房目的以“{c}”居多（{s}）",
    "unit_type": "{c}占 {s}",
    "awareness_channel": "最主要的认知途径是“{c}”（{s}）",
}


def _who(r: ProfileReview) -> str:
    head = f"{r.period.label_zh}{r.project or '集团'}成交 {r.n:,} 笔（{r.customers:,} 位客户）"
    if not available(r.mix):
        return head + "。"
    parts = []
    for name in r.share_fields:
        top = _top(r.mix, name)
        if top:
            template = WHO_TEMPLATES.get(name, label(name) + "以“{c}”最多（{s}）")
            parts.append(template.format(c=top[0], s=f"{top[1]:.0%}"))
    return head + ("：" + "，".join(parts) if parts else "") + "。"


def _changed(r: ProfileReview) -> str:
    if not available(r.yoy):
        return f"与上年同期无法比较：{r.yoy.reason}"
    growth = r.yoy.n_now / r.yoy.n_base - 1
    count = f"成交笔数较上年同期{'增加' if growth >= 0 else '减少'} {abs(growth):.0%}"
    shifts = highlights(r.yoy, 2, with_p=False)
    if not shifts:
        return f"{count}，客户结构与上年同期相比没有统计上显著的变化。"
    return f"{count}；结构上最明显的变化：" + "".join(shifts)


def _differences(r: ProfileReview) -> str:
    if r.by is None or not available(r.profile):
        if available(r.qoq):
            shifts = highlights(r.qoq, 2, with_p=False)
            return ("与上季度相比：" + "".join(shifts)) if shifts else "与上季度相比，客户结构没有显著变化。"
        return f"与上季度无法比较：{r.qoq.reason}"
    t = r.profile.tests
    sig = t[t["significant"] & t["valid"] & ~t["small_n"] & t["choice"].isna()] if len(t) else t
    if sig.empty:
        return "各项目的客户结构没有统计上显著的差异。"
    field = sig.sort_values("cramers_v", ascending=False)["field"].iloc[0]
    tab = r.profile.table[r.profile.table["field"] == field].dropna(subset=["share"])
    overall = tab.groupby("category", observed=True)["count"].sum() / tab.drop_duplicates("group")["n"].sum()
    gap = tab.assign(gap=tab["share"] - tab["category"].map(overall)).sort_values("gap", ascending=False).iloc[0]
    return (f"各项目差异最大的是{gap['field_label']}：{gap['group']}“{gap['category']}”占 {gap['share']:.0%}，"
            f"高出全部项目 {gap['gap'] * 100:.0f} 个百分点。")


def _todo(r: ProfileReview) -> str:
    for cmp in (r.yoy, r.qoq):
        if not available(cmp):
            continue
        t = cmp.significant()
        ch = t[t["field"] == "awareness_channel"]
        if len(ch):
            row = ch.iloc[0]
            if row["diff"] > 0:
                return (f"建议：“{row['category']}”带来的客户占比较{base_label(cmp)}明显上升，可加大该渠道投入并跟踪到访与签约转化。")
            return f"建议：“{row['category']}”带来的客户占比较{base_label(cmp)}明显下降，复盘其投放与拓客效果。"
    top = _top(r.mix, "purchase_purpose") if available(r.mix) and "purchase_purpose" in r.share_fields else None
    if top:
        return f"建议：围绕占比最高的“{top[0]}”客群（{top[1]:.0%}）优化产品卖点与营销话术，并持续跟踪渠道变化。"
    return "建议：继续积累成交样本后再判断客群变化。"


def answer(r: ProfileReview) -> list[str]:
    """The 3–5 sentences the page leads with: who buys, what changed against last year,
    where the projects differ (or what changed against last quarter), what to do."""
    lines = [_who(r)]
    if r.n:
        lines += [_changed(r), _differences(r), _todo(r)]
    if 0 < r.n < config.MIN_N:
        lines.append(f"本期样本较少（n = {r.n}，少于 {config.MIN_N}），以上结论仅供参考。")
    return lines


def cards(r: ProfileReview, kpis: pd.DataFrame) -> list[tuple]:
    """KPI cards: the page's shared KPIs (values of ``dealresearch.metrics``)."""
    own = kpis.set_index("kpi") if len(kpis) else pd.DataFrame()
    out = []
    for k in CARD_KPIS:
        if k not in own.index:
            continue
        v = own.loc[k, "value"]
        delta = None
        if k == "deals" and available(r.yoy):
            delta = (r.yoy.n_now / r.yoy.n_base - 1) if r.yoy.n_base else None
        out.append((KPIS[k].name, KPIS[k].text(v), delta, "成交笔数较上年同期" if delta is not None else None))
    return out


# ---------------------------------------------------------------------- sections
def title(r: ProfileReview) -> None:
    P.title(f"成交客户研究报告 · {r.project or '集团'}",
            f"{r.period.label_zh} · 本期成交 {r.n:,} 笔（基数：签约日期在本期、当前状态为"
            f"{'或'.join(r.statuses)}的成交，不含已退房）")


def lead(r: ProfileReview, kpis: pd.DataFrame) -> None:
    """摘要 (the answer first and the KPI cards), then 客户画像: one share chart per key field."""
    P.heading("摘要")
    P.bullets(answer(r))
    P.kpis(cards(r, kpis))
    P.heading("客户画像")
    if not available(r.profile):
        P.note(r.profile.reason)
        return
    for w in r.profile.sample_warnings:
        P.warning(w)
    for name in r.share_fields:
        P.figure(pplot.shares(r.profile, field=name))


def crosstabs(r: ProfileReview) -> None:
    """客户结构明细: banner tables by project / unit type / age band."""
    if r.project is None:
        P.heading("客户结构明细：按项目、户型、年龄段", 3)
    else:
        P.heading("客户结构明细：按户型、年龄段", 3)
        P.note("单个项目的报告不做项目之间的比较。")
    customer_crosstabs(r.deals, list(r.fields))


def shifts(r: ProfileReview) -> None:
    """结构变化：环比与同比 — one shift chart per comparison that can be made."""
    P.heading("结构变化：环比与同比")
    for cmp in (r.qoq, r.yoy):
        if isinstance(cmp, Unavailable):
            P.note(cmp.reason)
            continue
        for w in cmp.warnings:
            P.warning(w)
        P.figure(pplot.shift(cmp, title=f"客户结构较{base_label(cmp)}（{cmp.base_period.label_zh}）的变化（红色：显著）"))


def channel_trend(r: ProfileReview) -> None:
    """认知途径趋势: awareness channel shares per quarter."""
    P.heading("认知途径趋势")
    if isinstance(r.channel_trend, Unavailable):
        P.note(r.channel_trend.reason)
        return
    P.figure(pplot.trend(r.channel_trend, title="各认知途径占比（按季度）"))


def sources(r: ProfileReview) -> None:
    """客户来源与复购: repeat buyers, referrals, origin, days to sign."""
    P.heading("客户来源与复购", 3)
    if isinstance(r.sources, Unavailable):
        P.note(r.sources.reason)
        return
    P.table(r.sources.long_table(), caption=f"复购、老带新、籍贯与成交周期（基数：{r.period.label_zh}"
            f"{'或'.join(r.statuses)}的成交，n = {r.n:,}）", formats={"占比": "pct"})


def notes(r: ProfileReview) -> None:
    """数据说明: scope and definitions."""
    P.heading("数据说明", 3)
    P.bullets([
        f"范围：{r.scope_text}；口径为签约日期落在报告期内、当前状态为{'或'.join(r.statuses)}的成交。",
        "占比 = 该类别人数 ÷ 有该字段记录的人数；关注因素为多选，各项占比之和可超过 100%。",
        "客户以加密编码识别，报告中不含姓名、电话、证件号码。",
    ])


def method(r: ProfileReview) -> str:
    """方法与口径 (collapsed): the tests behind the sentences and their caveats."""
    parts = [paragraph(
        "差异检验：结构明细表中的字母表示该格显著高于所标字母的列（同一分组内两两比较：比例用双比例 z 检验，"
        f"均值用 Welch t 检验）；期间变化用双比例 z 检验；显著性水平 α = {config.ALPHA}；基数少于 {config.MIN_N} "
        "的列不参与检验，仅供参考。结构明细未加权：成交客户是全体而非抽样。"),
        paragraph(COMPARISON_METHOD)]
    if available(r.profile) and r.by is not None:
        parts.append(paragraph(f"各项目客户结构差异：卡方独立性检验（按{label(r.by)}分组），"
                                          "效应量为 Cramér's V；多选字段按每个选项分别检验。"))
        parts += [caution(w) for w in r.profile.test_warnings]
        tests = tests_table(r.profile)
        kinds = {"卡方值": "float", "自由度": "int", "p值": "p", "Cramér's V": "float", "样本量": "int"}
        parts.append(P.table_html(tests, caption="各项目客户结构差异检验",
                                  formats={k: v for k, v in kinds.items() if k in tests.columns}))
    for cmp in (r.qoq, r.yoy):
        if available(cmp):
            parts.append(P.table_html(comparison_table(cmp), caption=f"较{base_label(cmp)}的占比变化与检验",
                                      formats={f"{cmp.base_period.label_zh}占比": "pct",
                                               f"{cmp.period.label_zh}占比": "pct", "变化(百分点)": "float",
                                               "p值": "p"}))
    return method_appendix(parts)
