"""Sections of the 满意度调查报告 notebook: one call per section, each displays itself.

``build(surveys, deals, period=, project=)`` computes everything once (pure analysis,
no file I/O); the section functions only display tables, charts and notes through
:mod:`dealresearch.present.base`, so the notebook stays thin. Analyses that cannot run on
the data at hand (too few answers, constant items) show a warning instead of failing
the whole report.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..config import MIN_N
from ..errors import DealResearchError
from ..periods import parse_period
from ..satisfaction.ccsi import CCSI_LABELS, ccsi_model
from ..satisfaction.drivers import QUADRANTS, ipa, relative_weights
from ..satisfaction.followup_list import LABELS as FU_LABELS
from ..satisfaction.followup_list import F, apply_updates, followup_kpis, followup_summary, followups
from ..satisfaction.groups import attach_deal_attributes, compare, trend
from ..satisfaction.metrics import csat, csi, nps
from ..satisfaction.pls import PLS_MIN_N
from ..satisfaction.pls import fit as pls_fit
from ..schema import DRIVER_ITEMS, D, S, label
from ..stats import ITEM_SCALES
from . import banner_sections as BS
from . import base as P
from . import comments as CV

TREND_QUARTERS = 8
GROUPS = (S.project, S.method, D.sales_rep, D.awareness_channel)


@dataclass
class Report:
    period: object
    project: str | None
    current: pd.DataFrame
    previous: pd.DataFrame
    history: pd.DataFrame
    results: dict = field(default_factory=dict)
    problems: dict = field(default_factory=dict)
    updates_applied: bool = False


def _try(rep: Report, key: str, fn, *args, **kw):
    try:
        rep.results[key] = fn(*args, **kw)
    except DealResearchError as exc:
        rep.problems[key] = str(exc)


def build(surveys, deals=None, *, period="2026Q4", project=None, updates=None, sla_days=7) -> Report:
    """Select the period (and project) and compute every result the report shows.
    ``updates``: a returned follow-up sheet (as read by ``worklists.read_followup_updates``)."""
    per = parse_period(period)
    sv = surveys if deals is None else attach_deal_attributes(surveys, deals)
    if project is not None:
        sv = sv[sv[S.project] == project]
    date = pd.to_datetime(sv[S.survey_date])
    start = per.start if per.kind != "quarter" else per.shift(-(TREND_QUARTERS - 1)).start
    rep = Report(
        per,
        project,
        sv[per.contains(date)],
        sv[per.previous().contains(date)],
        sv[(date >= start) & (date <= per.end)],
    )
    cur = rep.current
    for key, frame in (("nps", cur), ("nps_prev", rep.previous)):
        if S.recommend in frame and frame[S.recommend].notna().any():
            _try(rep, key, nps, frame[S.recommend])
    if S.overall in cur and cur[S.overall].notna().any():
        _try(rep, "csat", csat, cur[S.overall])
    # items nobody answered this period were not asked: left out, never counted as zero
    drivers = [c for c in DRIVER_ITEMS if c in cur.columns and cur[c].notna().any()]
    _try(rep, "weights", relative_weights, cur, target=S.overall, drivers=drivers)
    w = rep.results["weights"]["pct"] if "weights" in rep.results else "equal"
    _try(rep, "csi", csi, cur, list(DRIVER_ITEMS), w)
    if "csi" in rep.results and len(rep.previous):
        _try(rep, "csi_prev", csi, rep.previous, list(DRIVER_ITEMS), w)
    BS.wave_results(rep.results, rep.problems, cur, deals, asof=per.end, project=project)  # 较上期 tests, weights
    _try(rep, "ipa", ipa, cur, target=S.overall, drivers=drivers)
    _try(rep, "trend", trend, rep.history, weights=w)
    blocks, paths = ccsi_model()
    unasked = [c for cols in blocks.values() for c in cols if c not in cur or not cur[c].notna().any()]
    if len(cur) >= PLS_MIN_N and unasked:
        rep.problems["pls"] = (f"本期问卷未调查题项“{'、'.join(label(c) for c in unasked)}”（没有任何有效答案），"
                               "无法估计完整的 CCSI 结构模型。")
    elif len(cur) >= PLS_MIN_N:
        _try(
            rep,
            "pls",
            pls_fit,
            cur,
            blocks,
            paths,
            scheme="path",
            scaled=True,
            missing="mean",
            bootstrap=200,
            seed=0,
            scales=ITEM_SCALES,
        )
    for by in GROUPS:
        if by in cur.columns and cur[by].notna().any():
            _try(rep, f"by_{by}", compare, cur, by)
            _try(rep, f"nps_by_{by}", compare, cur, by, metric="nps")
    if len(cur):
        CV.voice_results(rep.results, rep.problems, rep.history, per.contains(pd.to_datetime(rep.history[S.survey_date])))
        _try(rep, "followups", followups, cur, sla_days=sla_days, asof=per.end)
        if updates is not None and "followups" in rep.results:
            _try(rep, "followups", apply_updates, rep.results["followups"], updates, asof=per.end, known_only=True)
            rep.updates_applied = "followups" not in rep.problems
    return rep


def _scope_text(rep: Report) -> str:
    where = rep.project or "全集团"
    return f"{where} · {rep.period.label_zh} · 本期有效问卷 n = {len(rep.current):,}（小样本阈值 {MIN_N}）"


def header(rep: Report) -> None:
    P.title("满意度调查报告", _scope_text(rep))


def summary(rep: Report) -> None:
    """摘要: key numbers and the conclusions the rest of the report supports."""
    P.heading("摘要")
    r = rep.results
    if not len(rep.current):
        P.warning(f"{rep.period.label_zh}没有任何满意度调查记录，本报告无法给出结论。")
        return
    cards, lines = [], []
    if "csi" in r:
        delta = BS.delta_text(r, "csi", " 分")
        cards.append(("满意度指数 CSI（0–100）", f"{r['csi'].value:.1f}", delta, r["csi"].coverage_text))
    if "nps" in r:
        n, delta = r["nps"], BS.delta_text(r, "nps")
        cards.append(("NPS 净推荐值", f"{n.value:.1f}", delta))
        lines.append(
            f"NPS 为 {n.value:.1f}（95% 置信区间 {n.ci_low:.1f} ~ {n.ci_high:.1f}，n = {n.n}）；"
            f"推荐者 {n.promoters:.1f}%，贬损者 {n.detractors:.1f}%。"
        )
    if "csat" in r:
        cards.append(("总体满意率（4–5分）", f"{r['csat'].value:.1f}%", None))
    k = followup_kpis(r["followups"]) if "followups" in r else None
    if k:
        cards.append(("需跟进客户", f"{k['total']}", f"逾期 {k['overdue']}"))
    P.kpis(cards)
    if "weights" in r:
        top = r["weights"].sort_values("pct", ascending=False).head(3)
        lines.append(
            "影响总体满意度最大的三项："
            + "、".join(f"{lab}（{p:.1f}%）" for lab, p in zip(top["label"], top["pct"], strict=False))
            + "。"
        )
    if "ipa" in r:
        key = r["ipa"][r["ipa"]["quadrant"] == QUADRANTS[0]]
        lines.append(
            "重点改进：" + ("、".join(key["label"]) if len(key) else "无（重要题项表现均不低于平均）") + "。"
        )
    if k:
        lines.append(
            f"本期需跟进 {k['total']} 位客户，已关闭 {k['已关闭']} 位，逾期未关闭 {k['overdue']} 位。"
        )
    P.bullets(lines)
    P.small_n(len(rep.current), what="本期问卷")


def index_and_nps(rep: Report) -> None:
    P.heading("满意度指数与 NPS 趋势")
    r = rep.results
    if "trend" not in r or r["trend"].empty:
        P.warning("无法计算趋势：" + rep.problems.get("trend", "报告期及之前没有调查数据。"))
        return
    from ..plots import satisfaction as ps

    t = r["trend"]
    for metric in ("csi", "nps"):
        if metric in t:
            P.figure(ps.metric_trend(t, metric=metric))
    cols = [
        c
        for c in ("n", "csi", "csi_ci_low", "csi_ci_high", "nps", "nps_ci_low", "nps_ci_high", "csat")
        if c in t
    ]
    P.table(
        t[cols].rename(columns=_TREND_LABELS).rename_axis("季度"), caption="按季度的满意度指标", index=True
    )
    P.note(
        "CSI 按本期相对权重加权各题项均值（ACSI 方法，0–100 分），各季度使用同一组权重以便比较；"
        "NPS = 推荐者(9–10分)占比 − 贬损者(0–6分)占比，置信区间为正态近似 95%；"
        f"满意率为总体满意度 4–5 分占比。空心点：该季度问卷少于 {MIN_N} 份。"
    )


_TREND_LABELS = {
    "n": "问卷数",
    "csi": "CSI",
    "csi_ci_low": "CSI 下限",
    "csi_ci_high": "CSI 上限",
    "nps": "NPS",
    "nps_ci_low": "NPS 下限",
    "nps_ci_high": "NPS 上限",
    "csat": "满意率(%)",
}


def drivers(rep: Report) -> None:
    P.heading("满意度驱动因素")
    if "weights" not in rep.results:
        P.warning("无法计算驱动因素：" + rep.problems.get("weights", "没有数据"))
        return
    from ..plots import satisfaction as ps

    w = rep.results["weights"]
    P.figure(ps.driver_importance(w))
    P.note(
        f"相对权重法（Johnson 2000）：把总体满意度的可解释方差（R² = {w.attrs['r2']:.2f}）分配给各题项，"
        f"题项间相关时仍然可靠；基于 {w.attrs['n']} 份完整回答。"
    )
    P.small_n(w.attrs["n"], what="完整回答")


def ipa_section(rep: Report) -> None:
    P.heading("重要性—表现分析（IPA）")
    if "ipa" not in rep.results:
        P.warning("无法做 IPA：" + rep.problems.get("ipa", "没有数据"))
        return
    from ..plots import satisfaction as ps

    t = rep.results["ipa"]
    P.figure(ps.ipa_chart(t))
    show = t[["label", "importance", "performance", "quadrant", "n"]].rename(
        columns={
            "label": "题项",
            "importance": "重要性(%)",
            "performance": "表现(0–100)",
            "quadrant": "象限",
            "n": "回答数",
        }
    )
    P.table(show, caption="各题项所在象限")
    P.note(t.attrs["definition"])


def pls_model(rep: Report) -> None:
    P.heading("结构方程模型（PLS，CCSI）")
    if "pls" not in rep.results:
        reason = rep.problems.get("pls") or (
            f"本期问卷 {len(rep.current)} 份，少于 PLS 模型要求的 {PLS_MIN_N} 份，不估计结构模型。"
        )
        P.note(reason)
        return
    m = rep.results["pls"]
    lv = CCSI_LABELS
    paths = m.paths_table().assign(source=lambda d: d["source"].map(lv), target=lambda d: d["target"].map(lv))
    paths = paths[["source", "target", "coefficient", "ci_low", "ci_high"]].rename(
        columns={
            "source": "从",
            "target": "到",
            "coefficient": "路径系数",
            "ci_low": "95%下限",
            "ci_high": "95%上限",
        }
    )
    P.table(paths, caption=f"路径系数（bootstrap 200 次，seed=0），n = {m.n}")
    endogenous = m.settings["path_matrix"].sum(axis=1) > 0
    lvt = pd.DataFrame(
        {
            "R²": m.r2.where(endogenous),
            "指数(0–100)": m.index,
            "AVE": m.reliability["ave"],
            "Cronbach α(标准化)": m.reliability["alpha"],
            "组合信度": m.reliability["rho_c"],
        }
    )
    lvt.index = pd.Index([lv[i] for i in lvt.index], name="潜变量")
    P.table(lvt, caption=f"潜变量：解释度、指数与信度（GoF = {m.gof:.3f}）", index=True)
    P.note(
        "PLS 路径模型（Lohmöller 迭代，path 加权，题项标准化，缺失答案以题项均值替代）；"
        "单题项潜变量的信度无法估计（显示为 —）。指数 = 正的外部权重还原到原量表后归一化，乘以题项均值的 0–100 换算。"
        f"样本少于 {PLS_MIN_N} 份时不估计。"
    )


def by_group(rep: Report) -> None:
    P.heading("分组比较")
    from ..plots import satisfaction as ps

    shown = False
    for by in GROUPS:
        key = f"by_{by}"
        if key not in rep.results:
            continue
        shown = True
        t, tn = rep.results[key], rep.results.get(f"nps_by_{by}")
        P.heading(f"按{label(by)}", level=3)
        table = t[["n", "mean", "csat"]].rename(
            columns={"n": "问卷数", "mean": "总体满意度均分", "csat": "满意率(%)"}
        )
        if tn is not None:
            table = table.join(
                tn[["nps", "ci_low", "ci_high"]].rename(
                    columns={"nps": "NPS", "ci_low": "NPS 下限", "ci_high": "NPS 上限"}
                )
            )
        table["样本不足"] = t["small_n"].map({True: "是", False: ""})
        P.table(table.head(30), caption=f"按{label(by)}（前 30 组）", index=True)
        if len(t) <= 15:
            P.figure(ps.group_comparison(t, value="csat"))
        P.note(t.attrs["note"] + (" " + tn.attrs["note"] if tn is not None else ""))
    if not shown:
        P.note("没有可供分组比较的字段。")


def followup_status(rep: Report) -> None:
    P.heading("不满意客户跟进（闭环）")
    if "followups" not in rep.results:
        P.note(rep.problems.get("followups", "本期没有需要跟进的问卷。"))
        return
    fu = rep.results["followups"]
    k = followup_kpis(fu)
    P.kpis(
        [
            ("需跟进", f"{k['total']}", None),
            ("待处理", f"{k['待处理']}", None),
            ("处理中", f"{k['处理中']}", None),
            ("已关闭", f"{k['已关闭']}", None),
            (
                "按时关闭率",
                "—" if k["sla_base"] == 0 else f"{k['closed_within_sla_rate']:.1f}%",
                f"逾期 {k['overdue']}",
            ),
        ]
    )
    if not rep.updates_applied:
        P.warning(
            "尚未导入回收的跟进表（运行 dealresearch followups --updates 回收表.xlsx 登记）：以下状态均为初始的“待处理”，"
            "按时关闭率不反映实际处理情况。"
        )
    if "followups" in rep.problems:
        P.warning("回收的跟进表未能导入：" + rep.problems["followups"])
    P.note(
        k["definition"]
        + f"（截至 {fu.attrs['asof']:%Y-%m-%d}）。触发条件：推荐意愿 ≤ 6、投诉、调查员标注或任一题项 ≤ 2 分。"
    )
    if S.project in fu.columns:
        s = followup_summary(fu).rename(
            columns={
                "total": "需跟进",
                "overdue": "逾期",
                "closed_within_sla": "按时关闭",
                "closed_within_sla_rate": "按时关闭率(%)",
                "sla_base": "已关闭或到期",
            }
        )
        P.table(s, caption="按项目", index=True)
    cols = [
        F.followup_id,
        F.project,
        F.survey_date,
        F.reason,
        F.priority,
        F.owner,
        F.due_date,
        F.status,
        F.comment,
        F.themes,
    ]
    show = fu[[c for c in cols if c in fu.columns]]
    P.table(
        show.rename(columns={c: FU_LABELS.get(c, label(c)) for c in show.columns}).head(50),
        caption="跟进清单（前 50 条，客户意见原文已转义显示）",
    )


def weighted_and_banners(rep: Report) -> None:
    BS.satisfaction_section(rep.results, rep.problems, rep.current)


def voice(rep: Report) -> None:
    """客户声音: the comments' themes by impact, their trend and three escaped quotes each."""
    CV.voice_section(rep.results, rep.problems)


def methods(rep: Report) -> None:
    P.heading("口径说明")
    P.bullets(
        [
            "NPS：推荐意愿 0–10 分，9–10 为推荐者，0–6 为贬损者；标准误 = √((p推荐 + p贬损 − NPS²)/n)。",
            "CSI：各题项均值按 (均值 − 量表最小值)/(最大值 − 最小值) × 100 换算后加权（ACSI 方法）。",
            "分组比较：均分用 Kruskal–Wallis 秩和检验，NPS 构成用卡方检验；显著性水平 0.05。",
            "较上期：两期视为独立样本，差值的标准误 = √(SE本期² + SE上期²)，p < 0.05 标为“显著”，否则为“不显著”（可能只是抽样波动）。",
            f"样本少于 {MIN_N} 的组或季度仅供参考；PLS 模型至少 {PLS_MIN_N} 份问卷。",
        ]
    )
