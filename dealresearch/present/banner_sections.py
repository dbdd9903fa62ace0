"""Report sections built on banner tables: the customer-research crosstabs by project /
unit type / age band, and the satisfaction report's item banner by project / survey
method (weighted to the customer base when weights are available), the weighted headline
results, and the "较上期" change texts marked significant or not.

Each display function shows its tables through :mod:`dealresearch.present.base` and
:mod:`dealresearch.present.banner_render` (escaped) and returns the tables it showed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..banner import BannerTable, stack, table
from ..config import MIN_N
from ..derive import Derived, field_categories, label
from ..errors import DealResearchError
from ..results import available
from ..schema import DRIVER_ITEMS, Deal, Survey
from ..survey_plan.weights import wave_weights
from . import base as P
from .banner_render import method_note, show

DEAL_BANNER: tuple[str, ...] = (Deal.project, Deal.unit_type, Derived.age_band)
SURVEY_BANNER: tuple[str, ...] = (Survey.project, Survey.method)
DEALS_UNWEIGHTED = "成交客户为报告期内的全部签约客户，是全体而非抽样，无需加权"
_BY_LABEL = {"value_class": "价值分级"}


def _frame(deals: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    cols = {}
    for name in dict.fromkeys(names):
        try:
            cols[name] = field_categories(deals, name)
        except DealResearchError:
            continue  # a field this export does not carry: its table is left out
    return pd.DataFrame(cols, index=deals.index)


def _banners(frame: pd.DataFrame, by: Sequence[str]) -> list[str]:
    return [b for b in by if b in frame.columns and frame[b].nunique(dropna=True) > 1]


def deal_tables(deals: pd.DataFrame, fields: Sequence[str], by: Sequence[str] = DEAL_BANNER, *,
                min_base: int = MIN_N) -> list[BannerTable]:
    """One banner table per field (rows) by the ``by`` fields that vary (columns)."""
    frame = _frame(deals, [*fields, *by])
    banners = _banners(frame, by)
    out = []
    for f in fields:
        cols = [b for b in banners if b != f]
        if f in frame.columns and cols and frame[f].notna().any():
            out.append(table(frame, stub=f, banner=cols, min_base=min_base))
    return out


def customer_crosstabs(deals: pd.DataFrame, fields: Sequence[str], by: Sequence[str] = DEAL_BANNER) -> list[BannerTable]:
    """客户结构明细: banner tables of each field by project / unit type / age band."""
    if deals.empty:
        P.note("本期没有成交客户，无法列出客户结构明细。")
        return []
    tables = deal_tables(deals, fields, by)
    if not tables:
        P.note("项目、户型、年龄段在本期都只有一类，无法做分组交叉表。")
        return tables
    for tb in tables:
        show(tb, caption=f"{label(tb.stub)}（列 %）", note=False)
    P.note(method_note(tables[0], DEALS_UNWEIGHTED))
    return tables


# ------------------------------------------------------------------ satisfaction
def item_banner(surveys: pd.DataFrame, *, by: Sequence[str] = SURVEY_BANNER, weight=None,
                items: Sequence[str] | None = None) -> BannerTable | None:
    """Each item's top-2-box share and mean by project / survey method (None when no
    banner variable has two groups or no item was answered)."""
    items = [c for c in (items or (*DRIVER_ITEMS, Survey.overall)) if c in surveys and surveys[c].notna().any()]
    banners = _banners(surveys, by)
    if not items or not banners:
        return None
    tables = [table(surveys, stub=i, banner=banners, top_box=2, mean=True, weight=weight) for i in items]
    return stack(tables, title=f"各题项满意度（前2档占比 % 与均值）× {'、'.join(label(b) for b in banners)}")


def satisfaction_banner(current: pd.DataFrame, weighting=None, problem: str | None = None, *,
                        notes: bool = True) -> BannerTable | None:
    """The item banner, weighted to the customer base when ``weighting`` (a
    ``weighting.WaveWeighting`` for ``current``) is given; says which and shows the
    unweighted base. ``notes=False``: one short line instead of the method note (the
    report's 方法与口径 appendix carries it, see :func:`method_notes`)."""
    data, weight, reason = current, None, problem and f"未能加权：{problem}"
    if weighting is not None:
        inside = weighting.weights.notna().to_numpy()
        data, weight = current[inside], weighting.weights[inside].to_numpy()
    tb = item_banner(data, weight=weight)
    by = "与".join(label(b) for b in tb.banner) if tb is not None else "项目与调查方式"
    P.heading(f"各题项满意度：按{by}（显著性字母）", 3)
    if tb is None:
        P.note("本期项目与调查方式都只有一类（或没有题项答案），不做分组交叉表。")
        return None
    show(tb, note=False)
    if notes:
        P.note(method_note(tb, reason) + ("权重见上文加权说明。" if weighting is not None else ""))
    else:
        P.note(("本表已按客户基数加权，基数为未加权人数" if tb.weighted else "本表未加权，基数为人数")
               + "；字母表示该格显著高于字母所指的列，※ 为样本不足的列（检验方法见文末“方法与口径”）。")
    return tb


def weighting_for(current: pd.DataFrame, deals: pd.DataFrame | None, *, asof, project: str | None = None,
                  item_weights=None):
    """(weighting of ``current`` to the customer base as of ``asof``, or None; the reason
    it could not be weighted, or None)."""
    if deals is None or not len(current):
        return None, None
    try:
        return wave_weights(current, deals, asof=asof, project=project, items=list(DRIVER_ITEMS),
                            item_weights=item_weights), None
    except DealResearchError as exc:
        return None, str(exc)


def satisfaction_section(headline: dict, current: pd.DataFrame, weighting=None, problem: str | None = None,
                         *, notes: bool = True) -> BannerTable | None:
    """加权结果与分组交叉表: weighted headline results (``headline``: nps / csat / csi
    unweighted results), then the item banner."""
    P.heading("加权结果与分组交叉表")
    weighted_results(headline, weighting, problem, notes=notes)
    return satisfaction_banner(current, weighting, problem, notes=notes)


def method_notes(current: pd.DataFrame, weighting=None, problem: str | None = None) -> list[str]:
    """The weighting and banner-letter method sentences (for a methods appendix)."""
    out = [weighting_note(weighting) + "加权置信区间按有效样本量计算（Kish 近似）。"] if weighting is not None else []
    data, weight = current, None
    if weighting is not None:
        inside = weighting.weights.notna().to_numpy()
        data, weight = current[inside], weighting.weights[inside].to_numpy()
    tb = item_banner(data, weight=weight, items=[Survey.overall]) if len(data) else None
    if tb is not None:
        out.append("分组交叉表：" + method_note(tb, problem and f"未能加权：{problem}"))
    return out


def weighting_note(weighting) -> str:
    s = weighting.summary
    by = "、".join(_BY_LABEL.get(b, label(b)) for b in weighting.by)
    outside = (f"；{weighting.outside_base} 份问卷的客户不在客户基数内，未参与加权结果"
               if weighting.outside_base else "")
    base = (f"截至 {weighting.asof:%Y-%m-%d} 的客户基数（此前 3 年内有成交的 {weighting.base_n:,} 位客户）"
            if weighting.asof is not None else f"{weighting.year} 年客户基数（{weighting.base_n:,} 位客户）")
    return (
        f"加权：按{base}的{by}分布做迭代比例加权（raking），"
        f"权重限制在平均权重的 0.2–5 倍；未加权基数 n = {s.n:,}，有效样本量 {s.effective_n:,.0f}"
        f"（加权效率 {s.efficiency:.0%}，设计效应 {s.design_effect:.2f}），"
        f"权重最小 {s.min:.2f}、最大 {s.max:.2f}{outside}。"
    )


def weighted_results(unweighted: dict, weighting=None, problem: str | None = None, *,
                     notes: bool = True) -> pd.DataFrame | None:
    """加权结果: NPS / CSAT / CSI unweighted and weighted side by side, with the weighted
    CI (design-effect aware), the unweighted base and the effective base."""
    P.heading("加权结果（按客户基数加权）", 3)
    if weighting is None:
        P.note("本期结果未加权" + (f"：{problem}" if problem else "。"))
        return None
    names = {"nps": "NPS", "csat": "总体满意率（4–5分，%）", "csi": "满意度指数 CSI"}
    rows = []
    for key, name in names.items():
        w = weighting.results.get(key)
        if w is None:
            continue
        u = unweighted.get(key)
        rows.append({"指标": name, "未加权": getattr(u, "value", np.nan), "加权": w.value,
                     "加权 95% 下限": w.ci_low, "加权 95% 上限": w.ci_high,
                     "未加权基数": w.n, "有效样本量": round(w.effective_n), "设计效应": w.design_effect})
    if not rows:
        P.note("本期没有可加权的指标。")
        return None
    t = pd.DataFrame(rows)
    P.table(t, caption="未加权与加权结果", formats={"未加权基数": "int", "有效样本量": "int"})
    if notes:
        P.note(weighting_note(weighting) + "加权置信区间按有效样本量计算（Kish 近似）。")
    else:
        P.note(f"按客户基数加权（未加权基数 n = {weighting.summary.n:,}，有效样本量 "
               f"{weighting.summary.effective_n:,.0f}）；加权方法见文末“方法与口径”。")
    return t


def delta_text(current, previous, change, unit: str = "") -> str | None:
    """The KPI card's “较上期” text: the tested ``change`` (a ``waves.Difference``) marked
    significant or not; the untested difference when only both values exist; else None."""
    if available(change):
        return change_text(change, unit)
    if not (available(current) and available(previous)):
        return None
    return f"较上期 {current.value - previous.value:+.1f}{unit}（未能检验显著性）"


def change_text(diff, unit: str = "") -> str:
    """“较上期 +1.9 分（显著，p = 0.012）” / “较上期 −1.9（不显著，p = 0.41）”."""
    p = diff.p_value
    p_txt = "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
    verdict = "显著" if diff.significant else "不显著"
    return f"较上期 {diff.diff:+.1f}{unit}（{verdict}，{p_txt}）"


__all__ = [
    "DEAL_BANNER", "SURVEY_BANNER", "change_text", "customer_crosstabs", "deal_tables", "delta_text",
    "item_banner", "method_notes", "satisfaction_banner", "satisfaction_section", "weighted_results",
    "weighting_for", "weighting_note",
]
