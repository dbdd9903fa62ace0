"""Sections of the 客户细分 report: one function per section, each renders a part of
:class:`dealresearch.segments.SegmentsReview`.

The page leads with the answer (how many customers, who the core and the growth customers
are, the largest persona, what to do); how the classes, personas and RFM groups are built
(rules, k selection, silhouette) closes the page in a collapsed 方法与口径 appendix.
"""

from __future__ import annotations

import pandas as pd

from .. import config
from ..derive import label
from ..plots import segments as splots
from ..results import Unavailable, available
from ..schema import Deal
from ..segments import (
    POTENTIAL_CLASSES,
    RFM_HIGH,
    VALUE_CLASSES,
    Personas,
    SegmentsReview,
    ValuePotential,
    rfm_summary,
)
from ..segments.personas import MIN_TRAIT_SHARE
from ..segments.value_potential import GROWING_FAMILIES, LIFE_STAGE_MAX_AGE
from . import base as P
from .customer_research import caution, figure_html, method_appendix, paragraph

#: suggested handling per class (value, potential) — the 建议 column
CLASS_ACTIONS: dict[tuple[str, str], str] = {
    ("高价值", "高潜力"): "专属顾问一对一维护，优先邀约新品与老带新活动。",
    ("高价值", "中潜力"): "定期回访，提供业主增值服务，激发推荐意愿。",
    ("高价值", "低潜力"): "做好交付与物业服务，防止口碑流失。",
    ("中价值", "高潜力"): "推介改善型产品，给予老带新激励。",
    ("中价值", "中潜力"): "节点关怀与社群活动，保持联系。",
    ("中价值", "低潜力"): "按流程回访，关注满意度。",
    ("低价值", "高潜力"): "关注置业升级需求，适时推荐更大面积产品。",
    ("低价值", "中潜力"): "线上社群与活动通知，低成本触达。",
    ("低价值", "低潜力"): "标准化服务，控制维护成本。",
}
#: how the RFM scores and segments are built (appendix)
RFM_METHOD = (
    "R（最近购买）= 评估日 − 最近一次购买日期（天）；F（购买频次）= 不同购买日期的个数；"
    "M（购买金额）= 累计成交金额。各指标按客户五等分打 1–5 分"
    "（得分 = 1 + ⌊5 × 表现更差的客户数 / 客户总数⌋，取值相同的客户得分相同）；"
    f"得分 ≥ {RFM_HIGH} 记为“高”，据 R/F/M 高低组合划分 8 类客户。"
)
_VALUE_NAMES = {"amount": "累计成交金额", "deals": "成交套数", "area": "累计成交面积"}


# ----------------------------------------------------------------------- wording
def _fmt_value(v: float, value: str) -> str:
    if value == "amount":
        return f"{v / 1e4:,.1f} 万元"
    if value == "area":
        return f"{v:,.1f} ㎡"
    return f"{v:,.2f}".rstrip("0").rstrip(".")


def rules(vp: ValuePotential) -> list[str]:
    """The classification rules, with the thresholds actually used."""
    s, th = vp.settings, vp.thresholds
    name = _VALUE_NAMES.get(s["value"], f"累计{s['value_column']}")
    lo_q, hi_q = s["value_cuts"]
    lo, hi = th["value_low"], th["value_high"]
    p_lo, p_hi = s["potential_cuts"]
    value = s["value"]
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
        + ("" if s["with_surveys"] else "本次未提供调查数据，推荐意愿部分计 0 分。"),
        f"高潜力：潜力分 ≥ {p_hi}；中潜力：{p_lo}–{p_hi - 1} 分；低潜力：≤ {p_lo - 1} 分。",
    ]


def class_table(vp: ValuePotential) -> pd.DataFrame:
    """One row per non-empty class, narrow and with the 建议 right after the class (so that a
    phone shows it without scrolling): 客户类别, 建议, 客户占比, 金额占比 (the counts are in
    the matrix chart above the table)."""
    s = vp.class_summary()
    return pd.DataFrame({
        "客户类别": s["价值等级"].astype(str) + "·" + s["潜力等级"].astype(str),
        "建议": [CLASS_ACTIONS[(v, p)] for v, p in zip(s["价值等级"], s["潜力等级"], strict=True)],
        "客户占比": s["客户占比"],
        "金额占比": s["金额占比"],
    })


def matrix_table(vp: ValuePotential) -> pd.DataFrame:
    """The 3 × 3 matrix as rows: 价值 class, then per potential class "count（share）"."""
    share = vp.matrix / max(vp.n, 1)
    out = pd.DataFrame(index=vp.matrix.index)
    for col in vp.matrix.columns:
        out[col] = [f"{c:,}（{s:.1%}）" for c, s in zip(vp.matrix[col], share[col], strict=True)]
    return out.rename_axis("价值 \\ 潜力").reset_index()


def persona_method(m: Personas) -> str:
    """How the personas were built."""
    feats = "、".join(label(c) for c in [*m.numeric_, *m.categorical_])
    how = (f"画像数 k = {m.k_} 由轮廓系数在 {m.k_range[0]}–{m.k_range[1]} 中选出" if len(m.silhouette_)
           else f"画像数 k = {m.k_}（指定）")
    return (f"基于{feats}，对 {m.n_:,} 位客户做 K-means 聚类（数值标准化、类别独热编码，随机种子 {m.seed}）；"
            f"{how}。画像名称取该类最突出的特征（占比 ≥ {MIN_TRAIT_SHARE:.0%} 且高于整体最多的类别）。")


def persona_table(m: Personas) -> pd.DataFrame:
    """The persona profile with Chinese column names."""
    p = m.profile_.copy()
    if f"{Deal.total_price}_median" in p:
        p[f"{Deal.total_price}_median"] = p[f"{Deal.total_price}_median"] / 1e4
    names = {
        "name": "画像", "n": "客户数", "share": "占比", "small_n": f"样本少于{config.MIN_N}",
        f"{Deal.age}_median": "年龄中位数", f"{Deal.area_sqm}_median": "面积中位数(㎡)",
        f"{Deal.total_price}_median": "总价中位数(万元)",
    }
    names |= {c: label(c) for c in m.categorical_}
    names |= {f"{c}_median": f"{label(c)}中位数" for c in m.numeric_ if f"{c}_median" not in names}
    p = p[[c for c in p.columns if c != "small_n"] + ["small_n"]]
    p["small_n"] = p["small_n"].map({True: "是", False: "否"})
    return p.rename(columns=names).reset_index(drop=True)


def persona_cards(m: Personas) -> list[dict]:
    """One dict per persona: name, n, share, small_n and trait lines ("购房目的：改善（78%）")."""
    out = []
    for p, r in m.profile_.iterrows():
        lines = []
        if f"{Deal.age}_median" in r:
            lines.append(f"年龄中位数：{r[f'{Deal.age}_median']:.0f} 岁")
        if f"{Deal.area_sqm}_median" in r:
            lines.append(f"面积中位数：{r[f'{Deal.area_sqm}_median']:.0f} ㎡")
        if f"{Deal.total_price}_median" in r:
            lines.append(f"总价中位数：{r[f'{Deal.total_price}_median'] / 1e4:,.0f} 万元")
        lines += [f"{label(c)}：{r[c]}" for c in m.categorical_]
        out.append({"persona": int(p), "name": r["name"], "n": int(r["n"]), "share": float(r["share"]),
                    "small_n": bool(r["small_n"]), "traits": lines})
    return out


def kpis(vp: ValuePotential, personas: Personas | None = None) -> list[tuple]:
    """KPI cards: customers, 高价值 and 高潜力 shares, personas."""
    c = vp.customers
    total = c["amount"].sum()
    hv = c["value_class"] == VALUE_CLASSES[0]
    hp = c["potential_class"] == POTENTIAL_CLASSES[0]
    cards = [
        ("客户数", f"{vp.n:,}", None),
        ("高价值客户", f"{hv.mean():.1%}", None,
         f"{int(hv.sum()):,} 人，贡献金额 {c.loc[hv, 'amount'].sum() / total:.1%}" if total else f"{int(hv.sum()):,} 人"),
        ("高潜力客户", f"{hp.mean():.1%}", None, f"{int(hp.sum()):,} 人"),
    ]
    if personas is not None:
        cards.append(("客户画像", f"{personas.k_} 类", None, f"最大一类：{personas.names_[0]}"))
    return cards


def headline(vp: ValuePotential, personas: Personas | None = None, rfm_table: pd.DataFrame | None = None) -> list[str]:
    """The 3–5 sentences the page leads with: customers and the core, the growth customers,
    the largest persona, repeat purchases, what to do."""
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
        lines.append(f"有多次购买记录的客户占 {repeat:.1%}，购房客户多为一次性购买。")
    todo = f"建议：核心客户 {int(core.sum()):,} 人由专属顾问一对一维护"
    lines.append(todo + (f"，{int(grow.sum()):,} 位高潜力客户纳入老带新与改善置业邀约名单。" if grow.any() else "。"))
    return lines


def _status_text(r: SegmentsReview) -> str:
    return f"截至{r.asof:%Y-%m-%d} · {label(Deal.status)}：{'、'.join(r.statuses)}"


# ---------------------------------------------------------------------- sections
def title(r: SegmentsReview) -> None:
    P.title(f"客户细分 · {r.period.label_zh}",
            subtitle=f"{r.project or '全集团'} · {_status_text(r)} · 成交客户 {r.n:,} 位（不含退房）")


def summary(r: SegmentsReview) -> None:
    """摘要: the answer first, then the KPI cards."""
    P.heading("摘要")
    vp = r.value_potential
    if isinstance(vp, Unavailable):
        P.note(vp.reason)
        return
    personas = r.personas if available(r.personas) else None
    P.bullets(headline(vp, personas, r.rfm if available(r.rfm) else None))
    P.kpis(kpis(vp, personas))
    P.small_n(vp.n, what="客户")


def value_potential(r: SegmentsReview) -> None:
    """客户价值 × 潜力分类: the matrix and the classes with their 建议 (rules in the appendix)."""
    P.heading("客户价值 × 潜力分类")
    vp = r.value_potential
    if isinstance(vp, Unavailable):
        P.note(vp.reason)
        return
    name = _VALUE_NAMES.get(vp.settings["value"], "价值分")
    P.note(f"价值：按客户{name}排名（高价值 = 前 {1 - vp.settings['value_cuts'][1]:.0%}）；潜力：置业经历、老带新、"
           "推荐意愿、收入与人生阶段合计 0–9 分。规则细节见文末“方法与口径”。")
    for w in vp.warnings:
        P.warning(w)
    P.figure(splots.value_potential_matrix(vp))
    P.table(class_table(vp), caption="各类客户规模与维护建议（人数见上方矩阵）",
            formats={"客户占比": "pct", "金额占比": "pct"})


def personas(r: SegmentsReview) -> None:
    """客户画像: size chart and one card per persona (small personas flagged)."""
    P.heading("客户画像")
    m = r.personas
    if isinstance(m, Unavailable):
        P.note(m.reason)
        return
    P.figure(splots.persona_sizes(m))
    for card in persona_cards(m):
        P.heading(f"画像{card['persona'] + 1}：{card['name']}", 3)
        P.text(f"{card['n']:,} 位客户，占 {card['share']:.1%}")
        P.bullets(card["traits"])
        if card["small_n"]:
            P.small_n(card["n"], what="该画像客户")


def persona_comparison(r: SegmentsReview) -> None:
    """画像对比: the persona profile table."""
    if isinstance(r.personas, Unavailable):
        return
    P.heading("画像对比", 3)
    table = persona_table(r.personas)
    kinds = {"客户数": "int", "占比": "pct", "年龄中位数": "age", "面积中位数(㎡)": "float", "总价中位数(万元)": "float"}
    P.table(table, caption="各画像的规模与典型特征（括号内为该特征在画像中的占比）",
            formats={k: v for k, v in kinds.items() if k in table.columns})


def rfm(r: SegmentsReview) -> None:
    """RFM 客户分群: the 8 segments (method in the appendix)."""
    P.heading("RFM 客户分群")
    if isinstance(r.rfm, Unavailable):
        P.note(r.rfm.reason)
        return
    P.note(f"按最近购买时间、购买次数与累计金额划分的 8 类客户，评估日：{r.asof:%Y-%m-%d}。")
    P.table(rfm_summary(r.rfm), caption="RFM 八类客户",
            formats={"客户数": "int", "平均最近购买天数": "days", "平均购买次数": "float", "累计金额": "money",
                     "客户占比": "pct", "金额占比": "pct"})
    P.figure(splots.rfm_segments(r.rfm))


def method(r: SegmentsReview) -> str:
    """方法与口径 (collapsed): classification rules, the clustering and its k selection, RFM."""
    parts = [paragraph(f"客户基数：{_status_text(r)}；{r.project or '全集团'}。")]
    if available(r.value_potential):
        parts.append("<p><b>价值 × 潜力分类规则</b></p>")
        parts += [paragraph(line) for line in rules(r.value_potential)]
        parts.append(P.table_html(matrix_table(r.value_potential), caption="价值 × 潜力矩阵（人数与占比）"))
    if available(r.personas):
        parts += ["<p><b>客户画像（聚类）</b></p>", paragraph(persona_method(r.personas))]
        if len(r.personas.silhouette_):
            parts.append(figure_html(splots.silhouette(r.personas)))
    parts += ["<p><b>RFM</b></p>", paragraph(RFM_METHOD)]
    if not r.with_surveys:
        parts.append(caution("未提供满意度调查数据，潜力分不含推荐意愿部分。"))
    return method_appendix(parts)
