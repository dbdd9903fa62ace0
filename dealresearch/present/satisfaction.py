"""Sections of the 满意度调查报告 notebook: one call per section, each renders a part of
:func:`dealresearch.satisfaction.review` through :mod:`dealresearch.present.base`.

The page leads with the answer (:mod:`.satisfaction_summary`), keeps small-sample flags
next to their numbers, leaves out what has nothing to say at the report's scope (one
line says why) and closes with the collapsed 方法与口径 appendix
(:mod:`.satisfaction_methods`). A part the data cannot support shows its reason.
"""

from __future__ import annotations

import pandas as pd

from ..config import MIN_N
from ..results import available
from ..satisfaction.ccsi import CCSI_LABELS
from ..schema import Survey, label
from . import banner_sections as banners
from . import base as P
from . import comments as voice_view
from .satisfaction_followups import followup_status
from .satisfaction_methods import methods as _methods
from .satisfaction_summary import summary

__all__ = [
    "by_group", "drivers", "followup_status", "header", "index_and_nps", "ipa_section", "methods", "pls_model",
    "section", "summary", "voice", "weighted_and_banners",
]


def section(title: str, part, *, cannot: str = "", level: int = 2, warn: bool = True) -> bool:
    """The section's heading; when ``part`` is Unavailable, its reason (after ``cannot``)
    as a warning (or a note, ``warn=False``) and False — the caller then stops."""
    P.heading(title, level)
    if available(part):
        return True
    reason = getattr(part, "reason", None) or "没有数据。"
    (P.warning if warn else P.note)(cannot + reason)
    return False


def _scope_text(r) -> str:
    return f"{r.project or '全集团'} · {r.period.label_zh} · 本期有效问卷 n = {r.n:,}（小样本阈值 {MIN_N}）"


def header(r) -> None:
    P.title("满意度调查报告", _scope_text(r))


_TREND_LABELS = {
    "n": "问卷数", "csi": "CSI", "csi_ci_low": "CSI 下限", "csi_ci_high": "CSI 上限",
    "nps": "NPS", "nps_ci_low": "NPS 下限", "nps_ci_high": "NPS 上限", "csat": "满意率(%)",
}


def index_and_nps(r) -> None:
    if not section("满意度指数与 NPS 趋势", r.trend, cannot="无法计算趋势："):
        return
    from ..plots import satisfaction as ps

    t = r.trend.table
    for metric in ("csi", "nps"):
        if metric in t:
            P.figure(ps.metric_trend(t, metric=metric))
    cols = [c for c in _TREND_LABELS if c in t]
    P.table(t[cols].rename(columns=_TREND_LABELS).rename_axis("季度"), caption="按季度的满意度指标", index=True)
    small = t.index[t["n"] < MIN_N] if "n" in t else []
    P.note("上下限为 95% 置信区间。" + (f"空心点：该季度问卷少于 {MIN_N} 份（{'、'.join(map(str, small))}），仅供参考。"
                                        if len(small) else ""))


def drivers(r) -> None:
    if not section("满意度驱动因素", r.drivers, cannot="无法计算驱动因素："):
        return
    from ..plots import satisfaction as ps

    w = r.drivers.weights
    P.figure(ps.driver_importance(w))
    P.note(f"各题项对总体满意度的相对重要性（合计 100%），基于 {w.attrs['n']} 份完整回答。")
    P.small_n(w.attrs["n"], what="完整回答")


def ipa_section(r) -> None:
    if not section("重要性—表现分析（IPA）", r.ipa, cannot="无法做 IPA："):
        return
    from ..plots import satisfaction as ps

    t = r.ipa.table
    P.figure(ps.ipa_chart(t))
    show = t[["label", "importance", "performance", "quadrant", "n"]].rename(
        columns={"label": "题项", "importance": "重要性(%)", "performance": "表现(0–100)", "quadrant": "象限",
                 "n": "回答数"})
    P.table(show, caption="各题项所在象限")
    P.note("重点改进区：重要但表现低于平均的题项，最值得投入。")


def pls_model(r) -> None:
    """结构模型: path coefficients and the latent indices; its quality figures are in the appendix."""
    if not available(r.pls):  # nothing to show at this scope: one line, no empty section
        P.heading("结构模型（CCSI）")
        P.note(r.pls.reason)
        return
    P.heading("结构模型（CCSI）")
    m = r.pls.model
    lv = CCSI_LABELS
    paths = m.paths_table().assign(source=lambda d: d["source"].map(lv), target=lambda d: d["target"].map(lv))
    paths = paths[["source", "target", "coefficient", "ci_low", "ci_high"]].rename(
        columns={"source": "从", "target": "到", "coefficient": "路径系数", "ci_low": "95%下限", "ci_high": "95%上限"})
    P.table(paths, caption=f"各环节之间的影响（路径系数，n = {m.n}）")
    endogenous = m.settings["path_matrix"].sum(axis=1) > 0
    lvt = pd.DataFrame({"被解释程度 R²": m.r2.where(endogenous), "指数(0–100)": m.index})
    lvt.index = pd.Index([lv[i] for i in lvt.index], name="潜变量")
    P.table(lvt, caption="各潜变量的指数与被解释程度", index=True)
    P.note("路径系数越大，前一环节对后一环节的影响越大；区间不含 0 才可视为确有影响。模型质量指标见文末“方法与口径”。")


def _group_table(g) -> pd.DataFrame:
    t = g.satisfaction
    table = t[["n", "mean", "csat"]].rename(columns={"n": "问卷数", "mean": "总体满意度均分", "csat": "满意率(%)"})
    if available(g.nps):
        table = table.join(g.nps[["nps", "ci_low", "ci_high"]].rename(
            columns={"nps": "NPS", "ci_low": "NPS 下限", "ci_high": "NPS 上限"}))
    table["样本不足"] = t["small_n"].map({True: "是", False: ""})
    return table


def _verdict(g) -> str:
    sig = [name for name, t in (("总体满意度", g.satisfaction), ("NPS 构成", g.nps))
           if available(t) and t.attrs.get("significant")]
    if sig:
        return f"各{label(g.by)}之间的{'、'.join(sig)}差异显著（p < 0.05）。"
    return f"各{label(g.by)}之间的差异不显著，可能只是抽样波动。"


def by_group(r) -> None:
    P.heading("分组比较")
    from ..plots import satisfaction as ps

    single = [g.by for g in r.groups if len(g.satisfaction) < 2]
    shown = [g for g in r.groups if len(g.satisfaction) >= 2]
    for g in shown:
        t = g.satisfaction
        P.heading(f"按{label(g.by)}", level=3)
        P.table(_group_table(g).head(30), caption=f"前 30 组（共 {len(t)} 组）" if len(t) > 30 else None, index=True)
        if len(t) <= 15:
            P.figure(ps.group_comparison(t, value="csat"))
        P.note(_verdict(g))
    if r.project is not None and Survey.project in single:  # a project's report: 按项目 would have one row
        P.note("本报告只涉及一个项目，不做按项目比较。")
    others = [label(b) for b in single if not (r.project is not None and b == Survey.project)]
    if others:
        P.note(f"本期{'、'.join(others)}只有一类，不做该项比较。")
    if not r.groups:
        P.note("没有可供分组比较的字段。")


def weighted_and_banners(r, deals: pd.DataFrame | None = None):
    """加权结果与分组交叉表; returns (weighting, problem) for :func:`methods`."""
    h = r.headline
    item_w = h.csi.weights if available(h.csi) else None
    weighting, problem = banners.weighting_for(r.current, deals, asof=r.period.end, project=r.project,
                                               item_weights=item_w)
    banners.satisfaction_section({"nps": h.nps, "csat": h.csat, "csi": h.csi}, r.current, weighting, problem,
                                 notes=False)
    return weighting, problem


def voice(r) -> None:
    """客户声音: the comments' themes by impact, their trend and three escaped quotes each."""
    voice_view.voice_section(r.voice)


def methods(r, weighting=None) -> str:
    """方法与口径 (collapsed by default). ``weighting``: what :func:`weighted_and_banners` returned."""
    w, problem = weighting if isinstance(weighting, tuple) else (weighting, None)
    return _methods(r, w, problem)
