"""The satisfaction page's lead: 3–5 plain-Chinese sentences written from the review —
how we are doing, what changed (a change is called real only when significant), why,
and what to do — followed by the headline KPI cards."""

from __future__ import annotations

from ..config import MIN_N
from ..results import available
from ..satisfaction.drivers import QUADRANTS
from ..satisfaction.followup_list import FollowupColumns
from . import banner_sections as banners
from . import base as P


def _where(r) -> str:
    return r.project or "全集团"


def _how(r) -> str:
    h = r.headline
    parts = []
    if available(h.nps):
        parts.append(f"NPS 为 {h.nps.value:.1f}（n = {h.nps.n:,}）")
    if available(h.csi):
        parts.append(f"满意度指数 CSI 为 {h.csi.value:.1f} 分（满分 100）")
    if available(h.csat):
        parts.append(f"总体满意率 {h.csat.value:.1f}%（n = {h.csat.n:,}）")
    lead = f"{_where(r)}{r.period.label_zh}共回收满意度问卷 {r.n:,} 份"
    sentence = lead + ("，" + "，".join(parts) if parts else "") + "。"
    if r.n < MIN_N:
        sentence += f"样本少于 {MIN_N} 份，以下结论仅供参考。"
    return sentence


def _change_phrase(name: str, change, unit: str) -> str | None:
    if not available(change):
        return None
    if change.significant:
        return f"{name} {'上升' if change.diff > 0 else '下降'} {abs(change.diff):.1f}{unit}（显著）"
    return f"{name} 变化 {change.diff:+.1f}{unit}，在抽样波动范围内，可视为持平"


def _what_changed(r) -> str:
    h = r.headline
    phrases = [p for p in (_change_phrase("NPS", h.nps_change, ""), _change_phrase("CSI", h.csi_change, " 分"))
               if p]
    if not phrases:
        return "上期没有可比的调查结果，暂不比较变化。"
    return "与上期相比，" + "；".join(phrases) + "。"


def _key_items(r) -> list[str]:
    if not available(r.ipa):
        return []
    t = r.ipa.table
    return list(t.loc[t["quadrant"] == QUADRANTS[0], "label"])


def _worst_theme(r):
    if not available(r.voice):
        return None
    top = r.voice.impact.top
    if top.empty or not top["impact"].iloc[0] < 0:
        return None
    return top.index[0], -top["nps_gap"].iloc[0]


def _why(r) -> str | None:
    parts = []
    if available(r.drivers):
        top = r.drivers.weights.sort_values("pct", ascending=False).head(3)
        parts.append("影响总体满意度最大的是" + "、".join(top["label"]))
    key = _key_items(r)
    if available(r.ipa):
        parts.append("重点改进：" + ("、".join(key) + "（重要但表现低于平均）" if key else "无（重要题项表现均不低于平均）"))
    theme = _worst_theme(r)
    if theme:
        parts.append(f"客户意见中最拖累 NPS 的是“{theme[0]}”（提及者 NPS 低 {theme[1]:.1f}）")
    return "；".join(parts) + "。" if parts else None


def _todo(r) -> str | None:
    acts = []
    key, theme = _key_items(r), _worst_theme(r)
    if key:
        acts.append(f"优先改进{'、'.join(key[:3])}")
    if theme:
        acts.append(f"针对“{theme[0]}”问题制定整改")
    if available(r.followups) and r.followups.n:
        fu = r.followups.table
        high = int((fu[FollowupColumns.priority] == "高").sum()) if FollowupColumns.priority in fu.columns else 0
        acts.append(f"回访 {r.followups.n} 位需跟进客户" + (f"（高优先级 {high} 位先办）" if high else ""))
    return "建议" + "，".join(acts) + "。" if acts else None


def sentences(r) -> list[str]:
    """The lead sentences (3–5), or one sentence saying there is nothing to report."""
    if not r.n:
        return [f"{_where(r)}{r.period.label_zh}没有任何满意度调查记录，本报告无法给出结论。"]
    return [s for s in (_how(r), _what_changed(r), _why(r), _todo(r)) if s]


def summary(r) -> None:
    """摘要: the answer first, then the headline KPI cards."""
    P.heading("摘要")
    lines = sentences(r)
    P.text("\n\n".join(lines))
    if not r.n:
        return
    h, cards = r.headline, []
    if available(h.csi):
        cards.append(("满意度指数 CSI（0–100）", f"{h.csi.value:.1f}",
                      banners.delta_text(h.csi, h.csi_previous, h.csi_change, " 分"), h.csi.coverage_text))
    if available(h.nps):
        cards.append(("NPS 净推荐值", f"{h.nps.value:.1f}", banners.delta_text(h.nps, h.nps_previous, h.nps_change),
                      f"95% 置信区间 {h.nps.ci_low:.1f} ~ {h.nps.ci_high:.1f}"))
    if available(h.csat):
        cards.append(("总体满意率（4–5分）", f"{h.csat.value:.1f}%", None))
    if available(r.followups):
        k = r.followups.kpis
        cards.append(("需跟进客户", f"{k['total']}",
                      f"逾期 {k['overdue']}" if r.followups.updates_recorded else "处理情况尚未登记"))
    P.kpis(cards)
    P.small_n(r.n, what="本期问卷")


__all__ = ["sentences", "summary"]
