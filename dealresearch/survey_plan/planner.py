"""The annual customer survey plan (年度顾客调查工作计划) and its rule check.

Rules (issue 5), for plan year Y and the base of Y (:func:`customer_base`):

(a) every reachable customer whose cycle would otherwise be exceeded is planned (必访);
(b) the plan is topped up (抽样) to at least ``min_share`` of the base by stratified
    random sampling over project × value class, seeded; the top-up of each stratum is
    proportional to its shortfall against its proportional share of the base (= to its
    size when there are no 必访). Within a stratum, customers whose cycle ends next year
    are drawn first (``prefer_due``), so everyone gets two years of chances before
    becoming 必访. The count planned leaves a margin for non-completion: enough that,
    with each survey completed with probability ``expected_completion``, ``min_share`` is
    reached with probability ``assurance``;
(c) no sampled customer is planned in a month starting less than ``min_gap_months``
    after their last survey (必访 are exempt: they are overdue by definition);
(d) methods by :class:`MethodRules` (走访 for key accounts and 高价值, 电话 otherwise,
    书面问卷 without a phone on file), months levelled within a per-method monthly
    capacity; 必访 take the earliest slots so that a missed one can be carried over to a
    later month of the same year;
(e) when capacity cannot hold the 必访 customers, :class:`CapacityError` says how much is
    missing for which method and months.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import CapacityError, DataError, MissingColumnsError
from ..periods import parse_period
from ..schema import Customer, Survey
from .base import REF_YEAR
from .rules import (
    LAST_SURVEY,
    MONTH,
    MUST_SURVEY,
    PLAN_COLUMNS,
    REASON,
    SAMPLED,
    VALUE_CLASS,
    PlanRules,
    plan_context,
)
from .schedule import (
    MONTHS,
    VALUE_LABELS,
    allocate,
    deficit,
    fill_early,
    month_label,
    normalise_capacity,
    required_count,
    waterfill,
)

__all__ = ["plan", "plan_year", "workload", "plan_overview"]


def plan_year(period) -> int:
    """Plan year for a reporting period: the calendar year after the period's year (a plan
    is prepared before 31 December for the next year; a Q1–Q3 run previews it)."""
    return parse_period(period).year + 1


def plan(
    customers: pd.DataFrame,
    surveys: pd.DataFrame | None,
    year: int,
    *,
    rules: PlanRules = PlanRules(),  # noqa: B008 - frozen, shared default
    seed: int = 0,
) -> pd.DataFrame:
    """Next year's survey plan: one row per planned customer with ``customer_key``,
    ``method``, ``month`` (1–12), ``reason`` (必访/抽样), ``project``, ``value_class``,
    ``key_account``, ``last_survey_date``.

    ``customers`` is the base of ``year`` (:func:`customer_base`), ``surveys`` the survey
    history, ``rules`` the :class:`PlanRules` (``expected_completion=1`` plans exactly
    ``min_share``). ``rules.must_by_month``: 必访 take the earliest months at the level of
    an even workload (so a missed one can be carried over within the year); a value below
    12 also forces them all into months 1..``must_by_month`` (capacity allowing), at the
    cost of evenness. ``rules.prefer_due``: within each stratum, customers whose cycle ends
    next year are drawn first (at random among them), so every customer gets two years of
    chances before becoming 必访; False draws every eligible customer with equal probability.
    """
    min_share, cycle_years, min_gap_months = rules.min_share, rules.cycle_years, rules.min_gap_months
    capacity, must_by_month = rules.capacity, rules.must_by_month
    ctx = plan_context(customers, surveys, year, rules)
    n, must, done, reach, first = len(ctx.ledger), ctx.must, ctx.done, ctx.reach, ctx.first
    required = required_count(n, int(done.sum()), min_share, rules.expected_completion, rules.assurance)
    k = max(0, required - int(must.sum()))
    pool = reach & ~must & ~done & (first <= MONTHS)
    if k > pool.sum():
        raise DataError(
            f"可抽样客户不足：为达到 {min_share:.0%} 的覆盖要求需抽样补足 {k} 人，但只有 {int(pool.sum())} 人可抽"
            f"（拒绝调查 {int((~reach).sum())} 人、本年已调查 {int(done.sum())} 人、"
            f"距上次调查不足 {min_gap_months} 个月 {int((reach & ~must & ~done & (first > MONTHS)).sum())} 人）。"
        )
    if n == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in PLAN_COLUMNS})
    rng = np.random.default_rng(seed)
    r_pick, r_order = rng.random(n), rng.random(n)

    # (b) stratified proportional top-up over project × value class
    pcode, _ = pd.factorize(ctx.ledger[Customer.project], use_na_sentinel=False)
    codes = pcode.astype(np.int64) * 3 + ctx.vcode
    nh = np.bincount(codes)
    size = len(nh)
    target_total = (required + done.sum()) * nh / n
    w = np.maximum(
        target_total - np.bincount(codes[must], minlength=size) - np.bincount(codes[done], minlength=size), 0
    )
    alloc = allocate(k, w, np.bincount(codes[pool], minlength=size))
    idx = np.flatnonzero(pool)
    due = ctx.reach & (int(year) + 1 - ctx.ledger[REF_YEAR].to_numpy() >= cycle_years)  # 必访 next year
    tier = (~due).astype(np.int8) if rules.prefer_due else np.zeros(n, dtype=np.int8)
    order = idx[np.lexsort((r_pick[idx], tier[idx], codes[idx]))]
    sc = codes[order]
    rank = np.arange(len(order)) - np.searchsorted(sc, sc, side="left")
    sampled = np.zeros(n, dtype=bool)
    sampled[order[rank < alloc[sc]]] = True

    # (d)/(e) methods, capacity, months
    methods = ctx.methods
    caps_by_name = normalise_capacity(capacity, methods)
    caps = [caps_by_name[m] for m in methods]
    method = ctx.mcode.copy()
    chain = list(range(len(rules.method_rules.fallback)))  # methods[:len(fallback)] is the chain
    order_m = [i for i in range(len(methods)) if i not in chain] + chain
    f0 = np.minimum(first, MONTHS) - 1  # 0-based first allowed month (必访 beyond December: December)
    planned = must | sampled
    loads = [np.zeros(MONTHS, dtype=np.int64) for _ in methods]
    short = []
    for i in order_m:
        cnt = np.bincount(f0[must & (method == i)], minlength=MONTHS)
        miss, kk, have = deficit(cnt, caps[i])
        if miss:
            short.append(
                f"{methods[i]}：{month_label(kk)}须安排必访客户 {int(cnt[kk:].sum())} 人，可用容量仅 {have} 人次，"
                f"缺少 {miss} 人次（约每月增加 {-(-miss // (MONTHS - kk))} 人次）"
            )
            continue
        # 必访 first: earliest months, up to an even workload level (or the must_by_month level)
        t = int((planned & (method == i)).sum())
        even = t // MONTHS + (np.arange(MONTHS) < t % MONTHS)
        soft = np.minimum(caps[i], np.maximum(even, -(-int(cnt.sum()) // must_by_month)))
        loads[i] = _place_must(cnt, soft, caps[i])
    if short:
        raise CapacityError(
            "调查容量不足，无法安排全部必访客户（将超过调查周期）：" + "；".join(short) + "。"
        )
    must_loads = [v.copy() for v in loads]
    for i in order_m:
        nxt = i + 1 if i in chain and i + 1 < len(chain) else None
        sel = sampled & (method == i)
        cnt = np.bincount(f0[sel], minlength=MONTHS)
        for kk in range(MONTHS - 1, -1, -1):
            add, over = waterfill(loads[i], caps[i], kk, int(cnt[kk]))
            loads[i] += add
            if over:
                grp = np.flatnonzero(sel & (f0 == kk))
                moved = grp[np.lexsort((r_pick[grp], ctx.amount[grp]))][:over]  # lowest value first
                if nxt is None:
                    short.append(f"{methods[i]}：{month_label(kk)}还缺 {over} 人次")
                else:
                    method[moved] = nxt
    if short:
        raise CapacityError(
            f"调查容量不足：必访客户已安排，但抽样补足部分无法全部安排，计划达不到 {min_share:.0%} 的覆盖要求。"
            + "；".join(short)
            + "。"
        )
    month = np.zeros(n, dtype=np.int64)
    for i in range(len(methods)):
        for mask, lm in ((must, must_loads[i]), (sampled, loads[i] - must_loads[i])):
            ids = np.flatnonzero(mask & (method == i))
            ids = ids[np.lexsort((r_order[ids], f0[ids]))]
            month[ids] = np.searchsorted(np.cumsum(lm), np.arange(len(ids)), side="right") + 1
    rows = np.flatnonzero(planned)
    rows = rows[np.lexsort((~must[rows], method[rows], month[rows]))]
    out = ctx.ledger.iloc[rows][[Customer.customer_key, Customer.project, Customer.key_account, LAST_SURVEY]].reset_index(drop=True)
    out[Survey.method] = pd.Categorical.from_codes(method[rows], categories=methods)
    out[MONTH] = month[rows]
    out[REASON] = pd.Categorical.from_codes((~must[rows]).astype(np.int8), categories=[MUST_SURVEY, SAMPLED])
    out[VALUE_CLASS] = pd.Categorical.from_codes(ctx.vcode[rows], categories=list(VALUE_LABELS))
    return out[list(PLAN_COLUMNS)]


def _place_must(cnt: np.ndarray, soft: np.ndarray, cap: np.ndarray) -> np.ndarray:
    """Monthly loads for 必访 released at month k (``cnt[k]``): earliest months up to the
    ``soft`` level first, then up to ``cap``. The soft pass can strand units that a plain
    earliest-fit under ``cap`` would place (it may take late room a later release needs),
    so when anything is left over the placement falls back to earliest-fit under ``cap``,
    which places everything whenever the Hall condition (checked by ``deficit``) holds."""
    for levels in ((soft, cap), (cap,)):
        load = np.zeros(MONTHS, dtype=np.int64)
        left = 0
        for kk in range(MONTHS):
            rest = int(cnt[kk])
            for level in levels:
                add, rest = fill_early(load, level, kk, rest)
                load += add
            left += rest
        if not left:
            return load
    raise AssertionError("必访排期失败：容量检查通过但仍有客户未排入")  # unreachable when deficit() == 0


def workload(plan: pd.DataFrame) -> pd.DataFrame:
    """Planned surveys per month (rows 1–12 + 合计) and method (columns + 合计)."""
    t = pd.crosstab(plan[MONTH], plan[Survey.method]).reindex(range(1, 13), fill_value=0)
    t["合计"] = t.sum(axis=1)
    t.loc["合计"] = t.sum(axis=0)
    t.index = [f"{i}月" if i != "合计" else i for i in t.index]
    return t.rename_axis("月份").rename_axis(columns="调查方式")


def plan_overview(
    plan: pd.DataFrame, customers: pd.DataFrame, expected_completion: float = 0.85
) -> pd.DataFrame:
    """Headline numbers of a plan against its base (指标, 人数, 占客户基数)."""
    if Customer.do_not_contact not in customers.columns or REASON not in plan.columns:
        raise MissingColumnsError("计划或客户基数缺少列（do_not_contact / reason）。")
    n = len(customers)
    n_opt = int(customers[Customer.do_not_contact].astype("boolean").fillna(False).sum())
    n_must = int((plan[REASON] == MUST_SURVEY).sum())
    rows = [
        ("客户基数", n),
        ("其中：拒绝调查（免打扰）", n_opt),
        ("必访（将超过调查周期）", n_must),
        ("抽样补足", len(plan) - n_must),
        ("计划调查合计", len(plan)),
        (f"按完成率 {expected_completion:.0%} 预计完成", int(round(len(plan) * expected_completion))),
    ]
    df = pd.DataFrame(rows, columns=["指标", "人数"])
    df["占客户基数"] = df["人数"] / n if n else np.nan
    return df
