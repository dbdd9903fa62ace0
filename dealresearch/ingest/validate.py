"""Validation rules: which rows are rejected, which fields are only flagged.

Rejects (row unusable, kept in interim/ with the reason):
- deals: no 合同编号; no 项目; 签约日期 unparseable, or missing (unless status 认购 with a
  认购日期); 成交总价 missing or not a number; a price or area no deal has (total price ≤ 0
  or above the limit, area ≤ 0, unit price outside the plausible band: ``config.Limits``).
- surveys: no 调查编号; 调查日期 missing or unparseable.
Warnings (row kept, field flagged): unit price ≠ total / area beyond 2 %, age outside
18–100, a date in the future, an ID number with a wrong check digit or not an ID number,
an invalid phone, an unparseable optional field (set missing),
no way to identify the customer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import config
from ..schema import Deal, Survey
from .prepare import REJECT, WARN, Prepared

UNIT_PRICE_TOLERANCE = 0.02
AGE_RANGE = (18, 100)


def _req(p: Prepared, name: str, missing_reason: str, invalid_reason: str, ok_missing=None) -> None:
    values = p.frame[name]
    invalid = np.asarray(p.extra.get(f"{name}__invalid", np.zeros(len(values), bool)), dtype=bool)
    missing = values.isna().to_numpy() & ~invalid
    if ok_missing is not None:
        missing &= ~ok_missing
    p.issues.add(name, invalid_reason, invalid, REJECT)
    p.issues.add(name, missing_reason, missing, REJECT)


def deal_rules(p: Prepared, today: pd.Timestamp) -> None:
    f = p.frame
    _req(p, Deal.deal_id, "缺少合同编号", "合同编号无法识别")
    _req(p, Deal.project, "缺少项目名称", "项目名称无法识别")
    subscribed = (f[Deal.status].eq("认购") & f[Deal.subscribe_date].notna()).fillna(False).to_numpy(dtype=bool)
    _req(p, Deal.sign_date, "缺少签约日期", "签约日期无法识别", ok_missing=subscribed)
    _req(p, Deal.total_price, "缺少成交总价", "成交总价不是数字")
    w = p.issues.add
    _plausible(p)
    implied = f[Deal.total_price] / f[Deal.area_sqm]
    off = ((f[Deal.unit_price] - implied).abs() > UNIT_PRICE_TOLERANCE * implied).fillna(False)
    w(Deal.unit_price, "成交单价与总价/面积不符（差异超过2%）", off)
    w(Deal.age, "年龄超出18–100岁", (~f[Deal.age].between(*AGE_RANGE)).fillna(False) & f[Deal.age].notna())
    for col, label in (
        (Deal.sign_date, "签约日期"),
        (Deal.subscribe_date, "认购日期"),
        (Deal.first_visit_date, "首次到访日期"),
    ):
        w(col, f"{label}晚于今天", (f[col] > today).fillna(False))
    _id_phone_warnings(p)


def _plausible(p: Prepared, limits: config.Limits = config.LIMITS) -> None:
    """Prices and areas no real deal has: rejected (``config.Limits``)."""
    f = p.frame
    price, area = f[Deal.total_price], f[Deal.area_sqm]
    low, high = limits.unit_price_band
    p.issues.add(Deal.total_price, "成交总价不是正数", (price <= 0).fillna(False), REJECT)
    p.issues.add(
        Deal.total_price, f"成交总价超过 {limits.total_price_max:,.0f} 元（不合理）", (price > limits.total_price_max).fillna(False), REJECT
    )
    p.issues.add(Deal.area_sqm, "建筑面积不是正数", (area <= 0).fillna(False), REJECT)
    unit = f[Deal.unit_price].where(f[Deal.unit_price].notna(), price / area.where(area > 0))
    outside = ((unit < low) | (unit > high)).fillna(False) & (price > 0).fillna(False)
    p.issues.add(Deal.unit_price, f"成交单价不在合理范围 {low:,.0f}–{high:,.0f} 元/㎡ 内", outside, REJECT)


def _id_phone_warnings(p: Prepared) -> None:
    """A well-formed ID number whose check digit (or date / region) is wrong: kept, flagged.
    (Text that is no ID number at all is flagged as unrecognisable by ``prepare``.)"""
    for name, label in ((Deal.id_number, "证件号码"), (Deal.referrer_id_number, "推荐人证件号码")):
        if f"{name}__wrong_check" in p.extra:
            p.issues.add(name, f"{label}校验位错误", p.extra[f"{name}__wrong_check"])


def survey_rules(p: Prepared, today: pd.Timestamp) -> None:
    _req(p, Survey.survey_id, "缺少调查编号", "调查编号无法识别")
    _req(p, Survey.survey_date, "缺少调查日期", "调查日期无法识别")
    p.issues.add(Survey.survey_date, "调查日期晚于今天", (p.frame[Survey.survey_date] > today).fillna(False))
    _id_phone_warnings(p)


def issue_frames(p: Prepared) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """``(rejects, warnings, rejected_mask)`` of one prepared table."""
    key = Deal.deal_id if Deal.deal_id in p.frame else Survey.survey_id
    meta = p.frame[["source_file", "sheet", "source_row"]].assign(record_id=p.frame[key])
    rej, warn = [], []
    for fld, reason, mask, sev in p.issues.entries:
        part = meta[mask].assign(field=fld, reason=reason)
        if sev == WARN:
            raw = p.extra.get(f"{fld}__raw")
            part = part.assign(
                value=None if raw is None else raw[mask].map(_short, na_action="ignore").astype("str")
            )
        (rej if sev == REJECT else warn).append(part)
    rejected = p.issues.reject_mask(len(p.frame))
    cols = ["source_file", "sheet", "source_row", "record_id", "field", "reason"]
    rejects = pd.concat(rej) if rej else pd.DataFrame(columns=cols)
    if len(rejects):
        reasons = rejects.groupby(level=0, sort=True)["reason"].agg("；".join)
        rejects = rejects[~rejects.index.duplicated(keep="first")].sort_index()
        rejects["all_reasons"] = reasons.reindex(rejects.index).to_numpy()
    warnings = pd.concat(warn) if warn else pd.DataFrame(columns=[*cols, "value"])
    # warnings only for kept rows (a rejected row is reported once, as a reject)
    if len(warnings):
        warnings = warnings[~rejected[warnings.index.to_numpy()]]
    return rejects, warnings, rejected


def _short(v) -> str:
    s = str(v)
    return s if len(s) <= 60 else s[:57] + "..."
