"""The satisfaction page's closing 方法与口径 appendix, collapsed by default (an HTML
``<details>`` block): definitions, test names, PLS quality figures and bootstrap
settings, weighting and banner-letter methods, 期望频数 and alpha details — everything a
reader checks rather than reads. Small-sample flags stay next to their numbers."""

from __future__ import annotations

import pandas as pd

from ..config import MIN_N
from ..results import available
from ..satisfaction.ccsi import CCSI_LABELS
from ..satisfaction.pls import PLS_MIN_N
from ..schema import label
from . import banner_sections as banners
from . import base as P


def _bullets(items) -> str:
    return "<ul>" + "".join(f"<li>{P.esc(i)}</li>" for i in items if i) + "</ul>"


def pls_quality_html(pls) -> str:
    """The PLS model's measurement quality: AVE, alpha, composite reliability, GoF."""
    m = pls.model
    rel = pd.DataFrame({"AVE": m.reliability["ave"], "Cronbach α(标准化)": m.reliability["alpha"],
                        "组合信度": m.reliability["rho_c"]})
    rel.index = pd.Index([CCSI_LABELS[i] for i in rel.index], name="潜变量")
    return P.table_html(rel, caption=f"结构模型的测量质量（GoF = {m.gof:.3f}，n = {m.n}）", index=True)


def _group_notes(r) -> list[str]:
    out = []
    for g in r.groups:
        if len(g.satisfaction) < 2:
            continue
        note = g.satisfaction.attrs.get("note", "")
        nps_note = g.nps.attrs.get("note", "") if available(g.nps) else ""
        said = dict.fromkeys(x.strip() + "。" for x in f"{note}{nps_note}".split("。") if x.strip())  # once each
        out.append(f"按{label(g.by)}：" + "".join(said))
    return out


def items(r, weighting=None, problem: str | None = None) -> list[str]:
    """The appendix's sentences for this review."""
    out = [
        "NPS：推荐意愿 0–10 分，9–10 为推荐者，0–6 为贬损者；NPS = 推荐者占比 − 贬损者占比，"
        "标准误 = √((p推荐 + p贬损 − NPS²)/n)，置信区间为正态近似 95%。",
        "CSI：各题项均值按 (均值 − 量表最小值)/(最大值 − 最小值) × 100 换算后按本期相对权重加权（ACSI 方法），"
        "各季度使用同一组权重以便比较；满意率为总体满意度 4–5 分占比。",
        "较上期：两期视为独立样本，差值的标准误 = √(SE本期² + SE上期²)，p < 0.05 标为“显著”，否则为“不显著”（可能只是抽样波动）。",
    ]
    if available(r.drivers):
        w = r.drivers.weights
        out.append(f"驱动因素：相对权重法（Johnson 2000），把总体满意度的可解释方差（R² = {w.attrs['r2']:.2f}）"
                   f"分配给各题项，题项间相关时仍然可靠；基于 {w.attrs['n']} 份完整回答。")
    if available(r.ipa):
        out.append("IPA：" + r.ipa.table.attrs.get("definition", ""))
    if available(r.pls):
        out.append(f"结构模型：PLS 路径模型（Lohmöller 迭代，path 加权，题项标准化，缺失答案以题项均值替代），"
                   f"置信区间为 bootstrap {r.pls.bootstrap} 次（随机种子 {r.pls.seed}）；单题项潜变量的信度无法估计（显示为 —）。"
                   "指数 = 正的外部权重还原到原量表后归一化，乘以题项均值的 0–100 换算。"
                   f"样本少于 {PLS_MIN_N} 份时不估计。")
    out.append("分组比较：均分用 Kruskal–Wallis 秩和检验，NPS 构成用卡方检验；显著性水平 0.05。")
    out += _group_notes(r)
    if available(r.voice):
        out.append("客户声音：" + r.voice.impact.definition + " 主题与情感按词表和情感词典自动识别（jieba 分词，离线）；"
                   "新话题用 TF-IDF + NMF 归纳。")
    out += banners.method_notes(r.current, weighting, problem)
    if available(r.followups):
        out.append("跟进：" + r.followups.kpis["definition"] + "。")
    out.append(f"样本少于 {MIN_N} 的组或季度仅供参考；结构模型至少 {PLS_MIN_N} 份问卷。")
    return out


def methods(r, weighting=None, problem: str | None = None) -> str:
    """方法与口径 (collapsed)."""
    P.heading("方法与口径")
    parts = [_bullets(items(r, weighting, problem))]
    if available(r.pls):
        parts.append(pls_quality_html(r.pls))
    return P.details("统计方法、检验与口径说明（点击展开）", parts)


__all__ = ["items", "methods", "pls_quality_html"]
