"""The 不满意客户跟进 section of the satisfaction page: the list a service manager works from.

The list wraps inside the page (fixed layout, no sideways scrolling at 1280 px) and turns
into one card per customer on a phone; every text (the customer's comment above all) is
escaped. Until a returned sheet is recorded the statuses are the initial ones, and the
page says so instead of showing closed / overdue / on-time counts as facts.
"""

from __future__ import annotations

import pandas as pd

from ..results import available
from ..satisfaction.followup_list import LABELS, FollowupColumns, followup_summary
from ..satisfaction.review import DAYS_OVERDUE
from ..schema import label
from . import base as P

NOT_RECORDED = "尚未登记回收的跟进表，状态仅为初始值"
SHOWN = 50
#: (column, header, width %) of the on-page list, in reading order
LIST_COLUMNS = (
    (FollowupColumns.priority, LABELS[FollowupColumns.priority], 6),
    (DAYS_OVERDUE, "逾期天数", 7),
    (FollowupColumns.owner, LABELS[FollowupColumns.owner], 10),
    (FollowupColumns.due_date, LABELS[FollowupColumns.due_date], 10),
    (FollowupColumns.status, LABELS[FollowupColumns.status], 8),
    (FollowupColumns.project, label(FollowupColumns.project), 9),
    (FollowupColumns.reason, LABELS[FollowupColumns.reason], 21),
    (FollowupColumns.comment, label(FollowupColumns.comment), 22),
    (FollowupColumns.themes, LABELS[FollowupColumns.themes], 10),
)
_CSS = (
    "<style>.dr-fu{width:100%;table-layout:fixed;border-collapse:collapse;font-size:.88em;margin:6px 0}"
    ".dr-fu th,.dr-fu td{text-align:left;vertical-align:top;white-space:normal;overflow-wrap:anywhere;"
    "word-break:break-word;padding:4px 6px;border-bottom:1px solid #e5e7eb}"
    ".dr-fu-cap{font-weight:600;margin:10px 0 2px}"
    ".dr-fu .p-高{color:#cf222e;font-weight:700}.dr-fu td.late{color:#cf222e}"
    "@media (max-width:600px){.dr-fu thead{display:none}.dr-fu,.dr-fu tbody,.dr-fu tr,.dr-fu td{display:block;width:auto}"
    ".dr-fu tr{border:1px solid #d8dee4;border-radius:8px;margin:8px 0;padding:4px 8px}"
    ".dr-fu td{border:0;padding:2px 0}.dr-fu td:empty{display:none}"
    ".dr-fu td::before{content:attr(data-label)'：';color:#57606a}}</style>"
)


def _text(col: str, v) -> str:
    if v is None or v is pd.NA or (not isinstance(v, str) and pd.isna(v)):
        return ""
    if col == FollowupColumns.themes:
        return "、".join(t for t in str(v).split("|") if t)
    if isinstance(v, pd.Timestamp):
        return f"{v:%Y-%m-%d}"
    if col == DAYS_OVERDUE:
        return f"{int(v)} 天" if int(v) > 0 else "—"
    return str(v)


def list_html(fu: pd.DataFrame, caption: str, *, recorded: bool = True) -> str:
    """The follow-up list as a wrapping table (cards on a phone), every cell escaped.
    ``recorded=False``: no status column (every row still has the initial status)."""
    cols = [(c, h, w) for c, h, w in LIST_COLUMNS if c in fu.columns]
    if FollowupColumns.project in fu.columns and fu[FollowupColumns.project].nunique() <= 1:
        cols = [x for x in cols if x[0] != FollowupColumns.project]  # one project: the column says nothing
    if not recorded:
        cols = [x for x in cols if x[0] != FollowupColumns.status]  # all still the initial status
    total = sum(w for _, _, w in cols)
    group = "".join(f"<col style='width:{w / total * 100:.1f}%'>" for _, _, w in cols)
    head = "".join(f"<th>{P.esc(h)}</th>" for _, h, _ in cols)
    texts = {c: [_text(c, v) for v in fu[c]] for c, _, _ in cols}
    rows = []
    for i in range(len(fu)):
        cells = []
        for c, h, _ in cols:
            cls = f" class='p-{P.esc(texts[c][i])}'" if c == FollowupColumns.priority else (
                " class='late'" if c == DAYS_OVERDUE and texts[c][i] != "—" else "")
            cells.append(f"<td data-label='{P.esc(h)}'{cls}>{P.esc(texts[c][i])}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    # in the page's scroll box like every table; fixed layout at 100 % width, so it never scrolls
    return (f"{_CSS}<p class='dr-fu-cap'>{P.esc(caption)}</p><div class='dr-scroll'><table class='dr-fu'>"
            f"<colgroup>{group}</colgroup><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")


def followup_status(r) -> None:
    """不满意客户跟进（闭环）: counts, the per-project summary and the list."""
    P.heading("不满意客户跟进（闭环）")
    part = r.followups
    if not available(part):
        P.note(part.reason if part is not None else "本期没有需要跟进的问卷。")
        return
    fu, k = part.table, part.kpis
    high = int((fu[FollowupColumns.priority] == "高").sum()) if FollowupColumns.priority in fu.columns else 0
    if part.updates_recorded:
        rate = "—" if k["sla_base"] == 0 else f"{k['closed_within_sla_rate']:.1f}%"
        P.kpis([("需跟进", f"{k['total']}", f"高优先级 {high}"), ("待处理", f"{k['待处理']}", None),
                ("处理中", f"{k['处理中']}", None), ("已关闭", f"{k['已关闭']}", None),
                ("按时关闭率", rate, f"逾期 {k['overdue']}")])
        if k["small_n"]:
            P.small_n(k["sla_base"], what="已关闭或到期的跟进")
    else:
        P.kpis([("需跟进", f"{k['total']}", f"高优先级 {high}")])
        P.warning(f"{NOT_RECORDED}（全部为“待处理”），因此这里不给出已关闭数、逾期数和按时关闭率；"
                  "回收的跟进表登记后，本节显示实际处理情况。")
    for w in part.warnings:
        P.warning(w)
    asof = fu.attrs.get("asof")
    P.note(f"跟进时限 {r.sla_days} 天" + (f"，截至 {asof:%Y-%m-%d}" if asof is not None else "")
           + "。触发条件：推荐意愿 ≤ 6、投诉、调查员标注或任一题项 ≤ 2 分。")
    if FollowupColumns.project in fu.columns and fu[FollowupColumns.project].nunique() > 1:
        summary = followup_summary(fu)
        cols = {"total": "需跟进"} | ({"overdue": "逾期", "closed_within_sla": "按时关闭",
                                      "closed_within_sla_rate": "按时关闭率(%)"} if part.updates_recorded else {})
        P.table(summary[list(cols)].rename(columns=cols), caption="按项目", index=True)
    shown = fu.head(SHOWN)
    more = f"（共 {len(fu)} 条，显示前 {len(shown)} 条）" if len(fu) > SHOWN else f"（共 {len(fu)} 条）"
    P._show(list_html(shown, "跟进清单：按优先级、逾期天数排序" + more, recorded=part.updates_recorded))
    P.note("客户意见为原文（已转义显示）；逾期天数 = 截至报告期末超过应完成日期的天数，已关闭的不计。"
           + ("" if part.updates_recorded else "未登记处理情况前，逾期天数按初始状态计算。"))


__all__ = ["LIST_COLUMNS", "NOT_RECORDED", "followup_status", "list_html"]
