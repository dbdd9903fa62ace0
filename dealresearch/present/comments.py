"""The 客户声音 section of the satisfaction report: renders the review's ``voice`` part
(:class:`dealresearch.satisfaction.review.Voice`) through :mod:`dealresearch.present.base`,
every quote and word HTML-escaped. Method details live in the page's 方法与口径 appendix."""

from __future__ import annotations

import pandas as pd

from ..config import MIN_N
from ..results import available
from . import base as P

TOP = 5


def _fmt_ci(lo, hi) -> str:
    return "—" if pd.isna(lo) else f"{lo:+.1f} ~ {hi:+.1f}"


def _trend_chart(trend: pd.DataFrame):
    """Mention share (%) of the top themes by quarter, one line each."""
    from ..plots.base import new_ax, plain_text

    ax = new_ax((7.5, 3.6))
    for theme in trend.columns:
        ax.plot(trend.index.astype(str), trend[theme].to_numpy(), marker="o", label=plain_text(theme))
    ax.set_ylabel("提及率（%）")
    ax.set_xlabel("季度")
    ax.set_title("主要主题的提及率趋势")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.28), fontsize=9, ncol=min(len(trend.columns), 5),
              frameon=False)  # below the axes: never on the lines
    ax.set_ylim(bottom=0)
    ax.figure.subplots_adjust(bottom=0.3)
    return ax


def voice_section(part) -> None:
    """客户声音: ``part`` is the review's Voice, or Unavailable (its reason is shown)."""
    P.heading("客户声音")
    if not available(part):
        P.note(getattr(part, "reason", None) or "本期没有客户意见。")
        return
    v = part.impact
    top = v.top.head(TOP)
    if top.empty:
        P.note(f"本期 {v.n_surveys} 份问卷中有 {v.n_comments} 条有效意见，均未涉及词表中的主题。")
        return
    P.text(
        f"本期 {v.n_surveys:,} 份问卷中有 {v.n_comments:,} 条有效意见（空白、“无”“没有意见”等不计）。"
        f"按影响排序，最需关注的是“{top.index[0]}”：提及率 {top['share'].iloc[0]:.1f}%，"
        f"提及者 NPS 比其他受访者低 {-top['nps_gap'].iloc[0]:.1f}。"
        if top["impact"].iloc[0] < 0
        else f"本期 {v.n_surveys:,} 份问卷中有 {v.n_comments:,} 条有效意见，没有主题明显拉低 NPS。"
    )
    show = pd.DataFrame({
        "主题": top.index,
        "提及数": top["n_mentions"].to_numpy(),
        "提及率(%)": top["share"].round(1).to_numpy(),
        "提及者 NPS": top["nps_with"].round(1).to_numpy(),
        "其他受访者 NPS": top["nps_without"].round(1).to_numpy(),
        "NPS 差": top["nps_gap"].round(1).to_numpy(),
        "NPS 差 95% 区间": [_fmt_ci(a, b) for a, b in zip(top["nps_gap_ci_low"], top["nps_gap_ci_high"], strict=True)],
        "p 值": top["nps_p"].round(4).to_numpy(),
        "负面占比(%)": top["negative"].round(1).to_numpy(),
        "影响(NPS 点)": top["impact"].round(2).to_numpy(),
        "样本不足": top["small_n"].map({True: "是", False: ""}).to_numpy(),
    })
    if "csat_gap" in top:
        show.insert(6, "满意率差(百分点)", top["csat_gap"].round(1).to_numpy())
    P.table(show, caption=f"影响最大的 {len(top)} 个主题（影响 = 占全部受访者比例 × NPS 差）")
    trend = v.trend[[t for t in top.index if t in v.trend.columns]].tail(8).round(1)
    enough = v.trend["n_comments"].tail(8) >= MIN_N  # a quarter of 3 comments is not a trend
    if enough.sum() >= 2:
        P.figure(_trend_chart(trend[enough.to_numpy()]))
    if len(trend):
        trend.insert(0, "有效意见数", v.trend["n_comments"].tail(8))
        P.table(trend.rename_axis("季度"), caption=f"这些主题的提及率按季度（%；图中只画有效意见不少于 {MIN_N} 条的季度）",
                index=True, formats={str(c): "float" for c in top.index} | {"有效意见数": "int"})
    for theme in top.index:
        quotes = v.examples.get(theme, [])
        if quotes:
            P.heading(f"“{theme}”客户原话", level=3)
            P.bullets(quotes)
    if "project" in v.by_project.columns and v.by_project["project"].nunique() > 1:  # one project: no heatmap
        bp = v.by_project[v.by_project["theme"].isin(top.index)]
        wide = bp.pivot(index="theme", columns="project", values="nps_gap").reindex(top.index).round(1)
        P.table(wide.rename_axis("主题"), caption="各项目中提及者与其他受访者的 NPS 差", index=True)
    new = part.emerging
    if new is not None and len(new):
        P.heading("词表以外的新话题", level=3)
        P.table(pd.DataFrame({"话题": new["topic"], "关键词": new["words"], "意见数": new["n"],
                              "例句": ["；".join(e) for e in new["examples"]]}),
                caption="未归入任何主题的意见（TF-IDF + NMF 归纳，供补充词表）")
    P.note(f"提及数少于 {MIN_N} 的主题仅供参考（标“样本不足”）；主题识别方法见文末“方法与口径”。")
