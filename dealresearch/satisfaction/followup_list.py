"""The closed loop: every dissatisfied customer gets a follow-up, tracked until closed.

A survey needs a follow-up when it is a detractor (推荐意愿 ≤ 6), a complaint, flagged
by the surveyor, or has a low item score (≤ ``low_score`` on the 1–5 scale; items on
other scales use the same position rescaled to 0–100). Pure functions: reading and
writing the field sheet lives in :mod:`dealresearch.fieldwork.followups`.

Priority follows severity:

- 高: a complaint, or 推荐意愿 ≤ 3 (``SEVERE_RECOMMEND_MAX``), or any item answered at the
  scale minimum (1 on a 1–5 scale; the lowest point of any other scale);
- 中: a detractor (推荐意愿 4–6) or a low item score above the minimum;
- 低: the surveyor's flag alone.

Due dates count from when the list is issued (``issued``, default the as-of date) for
surveys older than the list, from the survey date for later ones: a list handed out
today never starts with rows that were overdue before anyone had them. ``days_overdue``:
for an open follow-up the days past its due date as of ``asof`` (0 when not yet due),
for a closed one the days it was closed after its due date. The list is sorted by
priority, then days overdue (most first), then due date.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import MIN_N
from ..errors import DataError, ParameterError
from ..schema import NPS_DETRACTOR_MAX, Deal, Survey, label
from ..stats import ITEM_SCALES, rescale
from . import comments


class FollowupColumns:
    """Follow-up columns (defined here; schema addition requested)."""

    followup_id = "followup_id"  # = survey_id of the survey that triggered it
    survey_id = Survey.survey_id
    customer_key = Survey.customer_key
    phone_masked = Deal.phone_masked
    project = Survey.project
    survey_date = Survey.survey_date
    reason = "reason"
    priority = "priority"
    comment = Survey.comment
    themes = "comment_themes"  # the comment's themes (comments.code), "|"-joined
    owner = "owner"
    due_date = "due_date"
    status = "followup_status"
    closed_date = "closed_date"
    result = "result"
    overdue = "overdue"
    days_overdue = "days_overdue"
    closed_within_sla = "closed_within_sla"


SEVERE_RECOMMEND_MAX = 3  # 推荐意愿 at or below: 高 priority
PRIORITIES = ("高", "中", "低")
PRIORITY_RANK = {p: i for i, p in enumerate(PRIORITIES)}
#: the follow-up list's columns: name → (Chinese label, display kind); read by present.columns
COLUMNS: dict[str, tuple[str, str]] = {
    FollowupColumns.followup_id: ("跟进编号", "text"),
    FollowupColumns.reason: ("跟进原因", "text"),
    FollowupColumns.themes: ("意见主题", "text"),
    FollowupColumns.priority: ("优先级", "text"),
    FollowupColumns.owner: ("责任人", "text"),
    FollowupColumns.due_date: ("应完成日期", "text"),
    FollowupColumns.status: ("跟进状态", "text"),
    FollowupColumns.closed_date: ("关闭日期", "text"),
    FollowupColumns.result: ("处理结果", "text"),
    FollowupColumns.overdue: ("是否逾期", "flag"),
    FollowupColumns.days_overdue: ("逾期天数", "int"),
    FollowupColumns.closed_within_sla: ("按时关闭", "flag"),
}
LABELS = {name: text for name, (text, _) in COLUMNS.items()}
STATUSES = ("待处理", "处理中", "已关闭")
OPEN, IN_PROGRESS, CLOSED = STATUSES


def _flag(surveys: pd.DataFrame, col: str) -> pd.Series:
    if col not in surveys.columns:
        return pd.Series(False, index=surveys.index)
    return surveys[col].astype("boolean").fillna(False).astype(bool)


def followups(
    surveys: pd.DataFrame, *, sla_days: int = 7, low_score: float = 2, asof=None, issued=None
) -> pd.DataFrame:
    """One row per survey needing a follow-up, with reason (Chinese), priority (see the
    module doc), owner (the sales rep when known, else the surveyor, else 客服部), due date
    (``sla_days`` after the later of the survey date and ``issued``), status 待处理,
    ``overdue`` and ``days_overdue`` as of ``asof`` (default: the latest survey date;
    ``issued`` defaults to ``asof``)."""
    if sla_days < 0:
        raise ParameterError(f"sla_days 不能为负数，收到 {sla_days}。")
    for c in (Survey.survey_id, Survey.survey_date):
        if c not in surveys.columns:
            raise DataError(f"调查数据中没有“{label(c)}”列，无法生成跟进清单。")
    s = surveys.reset_index(drop=True)
    reasons = pd.DataFrame(index=s.index)
    rec = pd.to_numeric(s.get(Survey.recommend, pd.Series(np.nan, index=s.index)), errors="coerce")
    detractor = rec <= NPS_DETRACTOR_MAX
    complaint = _flag(s, Survey.complaint)
    flagged = _flag(s, Survey.followup_needed)
    reasons["complaint"] = np.where(complaint, "客户投诉", "")
    score = rec.map("{:g}".format, na_action="ignore").astype("str")  # str even when empty
    reasons["detractor"] = np.where(detractor, "贬损者（推荐意愿 " + score + " 分）", "")
    reasons["flagged"] = np.where(flagged, "调查员标注需跟进", "")
    items = [c for c in ITEM_SCALES if c != Survey.recommend and c in s.columns]
    cut = (low_score - 1) / 4 * 100  # position of low_score on a 1–5 scale, in 0–100
    low_any = at_minimum = pd.Series(False, index=s.index)
    if items:
        raw = s[items].apply(pd.to_numeric, errors="coerce")
        position = rescale(raw, None)  # 0 = the scale minimum, 100 = its maximum
        low = position <= cut + 1e-9
        low_any = low.any(axis=1)
        at_minimum = (position <= 1e-9).any(axis=1)
        long = raw.where(low).stack().dropna()
        if len(long):
            txt = (
                pd.Series([label(c) for c in long.index.get_level_values(1)], index=long.index)
                + long.map("{:g}".format).astype(str)
                + "分"
            )
            joined = txt.groupby(level=0).agg("、".join)
            reasons["low"] = ("低分：" + joined).reindex(s.index).fillna("")
    need = detractor | complaint | flagged | low_any
    reason = reasons.loc[need].apply(lambda col: col.where(col == "", col + "；"))
    text = reason.sum(axis=1).str.rstrip("；") if len(reason) else pd.Series(dtype=str)
    out = s.loc[need].copy()
    out[FollowupColumns.followup_id] = out[Survey.survey_id].astype(str)
    out[FollowupColumns.reason] = text
    severe = complaint | (rec <= SEVERE_RECOMMEND_MAX) | at_minimum
    out[FollowupColumns.priority] = np.select([severe[need], (detractor | low_any)[need]], ["高", "中"], "低")
    owner = pd.Series("客服部", index=out.index, dtype=object)
    for c in (Survey.surveyor, Deal.sales_rep):  # later wins: sales rep over surveyor
        if c in out.columns:
            owner = out[c].astype(object).where(out[c].notna() & (out[c].astype(str) != ""), owner)
    out[FollowupColumns.owner] = owner
    out[FollowupColumns.survey_date] = pd.to_datetime(out[Survey.survey_date])
    asof = pd.Timestamp(asof) if asof is not None else pd.to_datetime(s[Survey.survey_date]).max()
    issued = pd.Timestamp(issued) if issued is not None else asof
    start = out[FollowupColumns.survey_date] if pd.isna(issued) else out[FollowupColumns.survey_date].clip(lower=issued)
    out[FollowupColumns.due_date] = start + pd.Timedelta(days=sla_days)
    out[FollowupColumns.status] = OPEN
    out[FollowupColumns.closed_date] = pd.NaT
    out[FollowupColumns.result] = ""
    keep = [
        FollowupColumns.followup_id,
        FollowupColumns.customer_key,
        FollowupColumns.phone_masked,
        FollowupColumns.project,
        FollowupColumns.survey_date,
        FollowupColumns.reason,
        FollowupColumns.priority,
        FollowupColumns.comment,
        FollowupColumns.themes,
        FollowupColumns.owner,
        FollowupColumns.due_date,
        FollowupColumns.status,
        FollowupColumns.closed_date,
        FollowupColumns.result,
    ]
    if FollowupColumns.comment in out.columns:
        out[FollowupColumns.themes] = comments.code(out[FollowupColumns.comment])[comments.coding.THEMES]
    out = out[[c for c in keep if c in out.columns]]
    out = _derive(out, asof)
    out.attrs.update(sla_days=sla_days, low_score=low_score, asof=asof, issued=issued, updated_rows=0)
    return _ordered(out)


def _derive(fu: pd.DataFrame, asof: pd.Timestamp) -> pd.DataFrame:
    closed = fu[FollowupColumns.status] == CLOSED
    out = fu.copy()
    out[FollowupColumns.closed_within_sla] = closed & (out[FollowupColumns.closed_date] <= out[FollowupColumns.due_date])
    out[FollowupColumns.overdue] = ~closed & (out[FollowupColumns.due_date] < asof)
    until = pd.to_datetime(out[FollowupColumns.closed_date]).where(closed, asof)
    late = (until - out[FollowupColumns.due_date]).dt.days.clip(lower=0)
    out[FollowupColumns.days_overdue] = late.astype("Int64")
    return out


def _ordered(fu: pd.DataFrame) -> pd.DataFrame:
    """By priority, then days overdue (most first), then due date."""
    rank = fu[FollowupColumns.priority].map(PRIORITY_RANK)
    out = fu.assign(_rank=rank, _late=fu[FollowupColumns.days_overdue].fillna(0)).sort_values(
        ["_rank", "_late", FollowupColumns.due_date], ascending=[True, False, True], kind="stable"
    )
    return out.drop(columns=["_rank", "_late"]).reset_index(drop=True)


UPDATE_COLUMNS = [FollowupColumns.followup_id, FollowupColumns.status, FollowupColumns.closed_date, FollowupColumns.result, FollowupColumns.owner]


def merge_updates(*sheets: pd.DataFrame | None) -> pd.DataFrame | None:
    """Returned sheets in the order received → one row per follow-up: the latest status
    (and its closed date), the latest non-blank result and owner. None when there is none."""
    sheets = [s for s in sheets if s is not None and len(s)]
    if not sheets:
        return None
    u = pd.concat([s.reindex(columns=UPDATE_COLUMNS) for s in sheets], ignore_index=True)
    u[FollowupColumns.followup_id] = u[FollowupColumns.followup_id].astype(str).str.strip()
    for c in (FollowupColumns.result, FollowupColumns.owner):
        text = u[c].astype("string").str.strip()
        u[c] = text.where(text != "")
    last = u.drop_duplicates(FollowupColumns.followup_id, keep="last").set_index(FollowupColumns.followup_id)
    filled = u.groupby(FollowupColumns.followup_id, sort=False)[[FollowupColumns.result, FollowupColumns.owner]].last()  # skips blanks
    out = last[[FollowupColumns.status, FollowupColumns.closed_date]].join(filled).sort_index().reset_index()
    out[FollowupColumns.closed_date] = pd.to_datetime(out[FollowupColumns.closed_date], errors="coerce")
    return out[UPDATE_COLUMNS].astype({FollowupColumns.result: "str", FollowupColumns.owner: "str", FollowupColumns.status: "str"})


def apply_updates(
    followups: pd.DataFrame, updates: pd.DataFrame, *, asof=None, known_only: bool = False
) -> pd.DataFrame:
    """Apply a returned sheet: ``updates`` has followup_id and status (待处理/处理中/已关闭),
    optionally closed_date, result and owner (canonical names, as
    :func:`dealresearch.fieldwork.followups.read_followup_updates` returns them). A later row for
    the same follow-up wins. 已关闭 needs a closed date on or after the survey date.
    ``known_only``: rows for follow-ups not in this list (other periods, in the stored
    updates) are skipped instead of refused."""
    for c in (FollowupColumns.followup_id, FollowupColumns.status):
        if c not in updates.columns:
            raise DataError(f"回收的跟进表缺少“{LABELS.get(c, c)}”列。")
    u = updates.copy()
    u[FollowupColumns.followup_id] = u[FollowupColumns.followup_id].astype(str).str.strip()
    if known_only:
        u = u[u[FollowupColumns.followup_id].isin(followups[FollowupColumns.followup_id].astype(str))]
    u[FollowupColumns.status] = u[FollowupColumns.status].astype(str).str.strip()
    rows = u.index.to_series() + 2  # Excel row numbers (header is row 1)
    unknown = ~u[FollowupColumns.followup_id].isin(followups[FollowupColumns.followup_id].astype(str))
    if unknown.any():
        raise DataError(f"回收表第 {'、'.join(map(str, rows[unknown]))} 行的跟进编号不在跟进清单中。")
    bad = ~u[FollowupColumns.status].isin(STATUSES)
    if bad.any():
        raise DataError(
            f"回收表第 {'、'.join(map(str, rows[bad]))} 行的跟进状态无效：只能填 {' / '.join(STATUSES)}。"
        )
    u[FollowupColumns.closed_date] = pd.to_datetime(u[FollowupColumns.closed_date], errors="coerce") if FollowupColumns.closed_date in u else pd.NaT
    no_date = (u[FollowupColumns.status] == CLOSED) & u[FollowupColumns.closed_date].isna()
    if no_date.any():
        raise DataError(f"回收表第 {'、'.join(map(str, rows[no_date]))} 行状态为已关闭，但没有填写关闭日期。")
    u = u.drop_duplicates(FollowupColumns.followup_id, keep="last").set_index(FollowupColumns.followup_id)
    out = followups.copy().set_index(FollowupColumns.followup_id)
    ids = u.index
    early = u[FollowupColumns.closed_date] < out.loc[ids, FollowupColumns.survey_date]
    if early.any():
        raise DataError(f"跟进编号 {'、'.join(early[early].index)} 的关闭日期早于调查日期。")
    out.loc[ids, FollowupColumns.status] = u[FollowupColumns.status]
    out.loc[ids, FollowupColumns.closed_date] = u[FollowupColumns.closed_date].where(u[FollowupColumns.status] == CLOSED)
    for c in (FollowupColumns.result, FollowupColumns.owner):
        if c in u.columns:
            val = u[c].where(u[c].notna() & (u[c].astype(str).str.strip() != ""), out.loc[ids, c])
            out.loc[ids, c] = val
    asof = pd.Timestamp(asof) if asof is not None else followups.attrs.get("asof", pd.Timestamp.today())
    out = _derive(out.reset_index(), pd.Timestamp(asof))
    updated = followups.attrs.get("updated_rows", 0) + len(ids)
    out.attrs.update(followups.attrs, asof=pd.Timestamp(asof), updated_rows=updated)
    return _ordered(out)


def has_updates(fu: pd.DataFrame) -> bool:
    """Whether any row of this list carries a status from a returned sheet (otherwise every
    status is the initial 待处理 the list starts with, not a fact about the follow-up)."""
    return bool(fu.attrs.get("updated_rows", 0))


def followup_kpis(fu: pd.DataFrame) -> dict:
    """Counts by status, overdue count and the KPI: the share (%) of follow-ups closed
    within the SLA among those that are closed or past their due date (as of the
    list's ``asof``); ``small_n`` when that base is below config.MIN_N."""
    closed = fu[FollowupColumns.status] == CLOSED
    asof = fu.attrs.get("asof", pd.Timestamp.today())
    base = int((closed | (fu[FollowupColumns.due_date] < asof)).sum())
    within = int(fu[FollowupColumns.closed_within_sla].sum())
    return {
        "total": len(fu),
        **{s: int((fu[FollowupColumns.status] == s).sum()) for s in STATUSES},
        "overdue": int(fu[FollowupColumns.overdue].sum()),
        "closed_within_sla": within,
        "sla_base": base,
        "closed_within_sla_rate": within / base * 100 if base else float("nan"),
        "small_n": base < MIN_N,
        "has_updates": has_updates(fu),
        "by_priority": {p: int((fu[FollowupColumns.priority] == p).sum()) for p in PRIORITIES},
        "definition": f"按时关闭率 = SLA（{fu.attrs.get('sla_days', 7)} 天）内关闭的跟进数 ÷ 已关闭或已到期的跟进数",
    }


def followup_summary(fu: pd.DataFrame, by: str = Survey.project) -> pd.DataFrame:
    """Per group: total, open, in progress, closed, overdue and the within-SLA rate."""
    if by not in fu.columns:
        raise DataError(f"跟进清单中没有“{label(by)}”列。")
    asof = fu.attrs.get("asof", pd.Timestamp.today())
    g = fu.assign(
        _base=(fu[FollowupColumns.status] == CLOSED) | (fu[FollowupColumns.due_date] < asof),
        **{f"_{s}": fu[FollowupColumns.status] == s for s in STATUSES},
    ).groupby(by, sort=True)
    out = pd.DataFrame(
        {
            "total": g.size(),
            **{s: g[f"_{s}"].sum() for s in STATUSES},
            "overdue": g[FollowupColumns.overdue].sum(),
            "closed_within_sla": g[FollowupColumns.closed_within_sla].sum(),
            "sla_base": g["_base"].sum(),
        }
    )
    out["closed_within_sla_rate"] = (
        out["closed_within_sla"] / out["sla_base"].where(out["sla_base"] > 0) * 100
    )
    out.attrs["has_updates"] = has_updates(fu)
    return out
