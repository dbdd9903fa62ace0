"""The annual customer survey plan (年度顾客调查工作计划) and its rule check.

Rules (issue 5), for plan year Y and the base of Y (:func:`customer_base`):

(a) every reachable customer whose cycle would otherwise be exceeded is planned (必访);
(b) the plan is topped up (抽样) to at least ``min_share`` of the base by stratified
    random sampling over project × value class, seeded; the top-up of each stratum is
    proportional to its shortfall against its proportional share of the base (= to its
    size when there are no 必访). The count planned leaves a margin for non-completion:
    enough that, with each survey completed with probability ``expected_completion``,
    ``min_share`` is reached with probability ``assurance``;
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

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .coverage import (
    DONE,
    LAST_SURVEY,
    MUST,
    REACHABLE,
    VALUE_CLASS,
    CoverageResult,
    coverage,
    customer_base,
    earliest_month,
    ledger,
    positions,
)
from .errors import CapacityError, DataError, MissingColumnsError, ParameterError
from .periods import Period, parse_period
from .schema import C, D, S, vocabulary
from .survey_schedule import (
    MONTHS,
    VALUE_LABELS,
    MethodRules,
    allocate,
    deficit,
    fill_early,
    month_label,
    normalise_capacity,
    required_count,
    rule_methods,
    value_classes,
    waterfill,
)

__all__ = [
    "plan", "validate_plan", "customer_base", "coverage", "CoverageResult", "MethodRules",
    "workload", "plan_overview", "plan_year", "review", "PlanReview", "MONTH", "REASON", "MUST_SURVEY", "SAMPLED",
]

# ---- plan columns added by this module (not in schema.py) --------------------------
MONTH = "month"
REASON = "reason"
MUST_SURVEY, SAMPLED = "必访", "抽样"
PLAN_COLUMNS = (C.customer_key, S.method, MONTH, REASON, C.project, VALUE_CLASS, C.key_account, LAST_SURVEY)
LABELS = {MONTH: "计划月份", REASON: "计划原因", VALUE_CLASS: "价值分级", LAST_SURVEY: "上次调查日期",
          C.key_account: "重点客户"}


def plan_year(period) -> int:
    """Plan year for a reporting period: the calendar year after the period's year (a plan
    is prepared before 31 December for the next year; a Q1–Q3 run previews it)."""
    return parse_period(period).year + 1


@dataclass
class _Ctx:
    """Per-customer arrays shared by :func:`plan` and :func:`validate_plan`."""

    lg: pd.DataFrame
    methods: list[str]
    must: np.ndarray
    done: np.ndarray
    reach: np.ndarray
    first: np.ndarray  # first allowed month, 1-based (13+ = not this year)
    vcode: np.ndarray
    mcode: np.ndarray  # rule method, index into methods
    amount: np.ndarray


def _context(customers, surveys, year, cycle_years, min_gap_months, rules: MethodRules) -> _Ctx:
    lg = ledger(customers, surveys, int(year), cycle_years=cycle_years)
    amount = lg[C.total_amount] if C.total_amount in lg.columns else pd.Series(np.nan, index=lg.index)
    vcode = value_classes(amount, rules.value_shares)
    methods = rules.methods()
    return _Ctx(
        lg=lg, methods=methods, must=lg[MUST].to_numpy(), done=lg[DONE].to_numpy(), reach=lg[REACHABLE].to_numpy(),
        first=earliest_month(lg[LAST_SURVEY], int(year), min_gap_months), vcode=vcode,
        mcode=rule_methods(lg, vcode, rules, methods),
        amount=pd.to_numeric(amount, errors="coerce").fillna(-np.inf).to_numpy(),
    )


def plan(
    customers: pd.DataFrame,
    surveys: pd.DataFrame | None,
    year: int,
    *,
    min_share: float = 0.4,
    cycle_years: int = 3,
    seed: int = 0,
    min_gap_months: int = 6,
    capacity=None,
    method_rules: MethodRules | dict | None = None,
    expected_completion: float = 0.85,
    assurance: float = 0.95,
    must_by_month: int = 12,
) -> pd.DataFrame:
    """Next year's survey plan: one row per planned customer with ``customer_key``,
    ``method``, ``month`` (1–12), ``reason`` (必访/抽样), ``project``, ``value_class``,
    ``key_account``, ``last_survey_date``.

    ``customers`` is the base of ``year`` (:func:`customer_base`), ``surveys`` the survey
    history. ``capacity``: None (unlimited), int (per method per month) or
    {method: int | 12 ints}. ``expected_completion=1`` plans exactly ``min_share``.
    ``must_by_month``: 必访 take the earliest months at the level of an even workload (so
    a missed one can be carried over within the year); a value below 12 also forces them
    all into months 1..``must_by_month`` (capacity allowing), at the cost of evenness.
    """
    if not 1 <= must_by_month <= MONTHS:
        raise ParameterError(f"必访截止月份 must_by_month={must_by_month} 无效：应在 1–12 之间。")
    rules = MethodRules.coerce(method_rules)
    ctx = _context(customers, surveys, year, cycle_years, min_gap_months, rules)
    n, must, done, reach, first = len(ctx.lg), ctx.must, ctx.done, ctx.reach, ctx.first
    required = required_count(n, int(done.sum()), min_share, expected_completion, assurance)
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
    pcode, _ = pd.factorize(ctx.lg[C.project], use_na_sentinel=False)
    codes = pcode.astype(np.int64) * 3 + ctx.vcode
    nh = np.bincount(codes)
    size = len(nh)
    target_total = (required + done.sum()) * nh / n
    w = np.maximum(target_total - np.bincount(codes[must], minlength=size) - np.bincount(codes[done], minlength=size), 0)
    alloc = allocate(k, w, np.bincount(codes[pool], minlength=size))
    idx = np.flatnonzero(pool)
    order = idx[np.lexsort((r_pick[idx], codes[idx]))]
    sc = codes[order]
    rank = np.arange(len(order)) - np.searchsorted(sc, sc, side="left")
    sampled = np.zeros(n, dtype=bool)
    sampled[order[rank < alloc[sc]]] = True

    # (d)/(e) methods, capacity, months
    methods = ctx.methods
    caps_by_name = normalise_capacity(capacity, methods)
    caps = [caps_by_name[m] for m in methods]
    method = ctx.mcode.copy()
    chain = list(range(len(rules.fallback)))  # methods[:len(fallback)] is the chain
    order_m = [i for i in range(len(methods)) if i not in chain] + chain
    f0 = np.minimum(first, MONTHS) - 1  # 0-based first allowed month (必访 beyond December: December)
    planned = must | sampled
    loads = [np.zeros(MONTHS, dtype=np.int64) for _ in methods]
    short = []
    for i in order_m:
        cnt = np.bincount(f0[must & (method == i)], minlength=MONTHS)
        miss, kk, have = deficit(cnt, caps[i])
        if miss:
            short.append(f"{methods[i]}：{month_label(kk)}须安排必访客户 {int(cnt[kk:].sum())} 人，可用容量仅 {have} 人次，"
                         f"缺少 {miss} 人次（约每月增加 {-(-miss // (MONTHS - kk))} 人次）")
            continue
        # 必访 first: earliest months, up to an even workload level (or the must_by_month level)
        t = int((planned & (method == i)).sum())
        even = t // MONTHS + (np.arange(MONTHS) < t % MONTHS)
        soft = np.minimum(caps[i], np.maximum(even, -(-int(cnt.sum()) // must_by_month)))
        for kk in range(MONTHS):
            add, rest = fill_early(loads[i], soft, kk, int(cnt[kk]))
            loads[i] += add
            loads[i] += fill_early(loads[i], caps[i], kk, rest)[0]
    if short:
        raise CapacityError("调查容量不足，无法安排全部必访客户（将超过调查周期）：" + "；".join(short) + "。")
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
            + "；".join(short) + "。"
        )
    month = np.zeros(n, dtype=np.int64)
    for i in range(len(methods)):
        for mask, lm in ((must, must_loads[i]), (sampled, loads[i] - must_loads[i])):
            ids = np.flatnonzero(mask & (method == i))
            ids = ids[np.lexsort((r_order[ids], f0[ids]))]
            month[ids] = np.searchsorted(np.cumsum(lm), np.arange(len(ids)), side="right") + 1
    rows = np.flatnonzero(planned)
    rows = rows[np.lexsort((~must[rows], method[rows], month[rows]))]
    out = ctx.lg.iloc[rows][[C.customer_key, C.project, C.key_account, LAST_SURVEY]].reset_index(drop=True)
    out[S.method] = pd.Categorical.from_codes(method[rows], categories=methods)
    out[MONTH] = month[rows]
    out[REASON] = pd.Categorical.from_codes((~must[rows]).astype(np.int8), categories=[MUST_SURVEY, SAMPLED])
    out[VALUE_CLASS] = pd.Categorical.from_codes(ctx.vcode[rows], categories=list(VALUE_LABELS))
    return out[list(PLAN_COLUMNS)]


def validate_plan(
    plan: pd.DataFrame,
    customers: pd.DataFrame,
    surveys: pd.DataFrame | None,
    year: int,
    min_share: float = 0.4,
    cycle_years: int = 3,
    *,
    min_gap_months: int = 6,
    capacity=None,
    method_rules: MethodRules | dict | None = None,
    expected_completion: float = 0.85,
    assurance: float = 0.95,
) -> list[str]:
    """Every rule the plan breaks, in plain Chinese (empty list when compliant)."""
    missing = [c for c in (C.customer_key, S.method, MONTH, REASON) if c not in plan.columns]
    if missing:
        return [f"计划缺少列：{'、'.join(missing)}。"]
    rules = MethodRules.coerce(method_rules)
    ctx = _context(customers, surveys, year, cycle_years, min_gap_months, rules)
    keys = ctx.lg[C.customer_key]
    out: list[str] = []
    pkeys = plan[C.customer_key].reset_index(drop=True)

    def eg(sel: np.ndarray, source: pd.Series = pkeys) -> str:
        ex = source.to_numpy()[np.flatnonzero(sel)[:3]]
        return f"（例如 {'、'.join(map(str, ex))}）" if len(ex) else ""

    pos = positions(keys, pkeys)
    dup = pd.Series(pos).duplicated().to_numpy() & (pos >= 0)
    if dup.any():
        out.append(f"计划中有 {int(dup.sum())} 个客户重复出现{eg(dup)}。")
    mon = pd.to_numeric(plan[MONTH], errors="coerce").to_numpy(dtype=float)
    bad_month = ~np.isin(mon, np.arange(1, 13))
    if bad_month.any():
        out.append(f"有 {int(bad_month.sum())} 行的计划月份不在 1–12 之间。")
    reason = pd.Categorical(plan[REASON], categories=[MUST_SURVEY, SAMPLED]).codes
    said_must = reason == 0
    if (reason < 0).any():
        out.append(f"有 {int((reason < 0).sum())} 行的计划原因不是“必访”或“抽样”。")
    known = list(vocabulary("survey_method"))
    pm = pd.Categorical(plan[S.method], categories=known).codes
    if (pm < 0).any():
        out.append(f"有 {int((pm < 0).sum())} 行的调查方式无效（可选：{'、'.join(known)}）。")
    inbase = pos >= 0
    if (~inbase).any():
        out.append(f"有 {int((~inbase).sum())} 个计划客户不在 {year} 年客户基数中{eg(~inbase)}。")
    ok = inbase & ~dup
    at = pos[ok]
    optout = ~ctx.reach[at]
    if optout.any():
        out.append(f"计划包含 {int(optout.sum())} 个拒绝调查（免打扰）客户{eg(optout, pkeys[ok])}。")
    again = ctx.done[at]
    if again.any():
        out.append(f"有 {int(again.sum())} 个客户 {year} 年已调查，又被列入计划{eg(again, pkeys[ok])}。")
    in_plan = np.zeros(len(keys), dtype=bool)
    in_plan[at] = True
    absent = ctx.must & ~in_plan
    if absent.any():
        out.append(f"有 {int(absent.sum())} 个必访客户（已连续 {cycle_years - 1} 年未调查，或入库满 {cycle_years - 1} 年"
                   f"从未调查，{year} 年不调查将超过 {cycle_years} 年周期）未列入计划{eg(absent, keys)}。")
    is_must = ctx.must[at]
    sm = said_must[ok]
    if (sm & ~is_must).any():
        out.append(f"有 {int((sm & ~is_must).sum())} 个客户标注为“必访”，但并未到调查周期期限。")
    if (~sm & is_must).any():
        out.append(f"有 {int((~sm & is_must).sum())} 个必访客户被标注为“抽样”。")
    n, n_done = len(keys), int(ctx.done.sum())
    n_new = int(len(at) - again.sum() - optout.sum())
    covered = n_new + n_done
    floor = int(np.ceil(min_share * n - 1e-9))
    if covered < floor:
        out.append(f"计划覆盖 {covered} 人（含本年已调查 {n_done} 人），占客户基数 {n} 人的 {covered / max(n, 1):.1%}，"
                   f"低于 {min_share:.0%} 的最低要求（至少 {floor} 人）。")
    else:
        need = required_count(n, n_done, min_share, expected_completion, assurance)
        if n_new < need:
            out.append(f"计划量未留完成率余量：按预计完成率 {expected_completion:.0%}、把握度 {assurance:.0%}，"
                       f"需计划至少 {need} 人，实际 {n_new} 人。")
    early = ~is_must & (mon[ok] < ctx.first[at])
    if early.any():
        i = int(np.flatnonzero(early)[0])
        last = ctx.lg[LAST_SURVEY].iloc[at[i]]
        out.append(f"有 {int(early.sum())} 个客户的计划月份距上次调查不足 {min_gap_months} 个月（例如 "
                   f"{keys.iloc[at[i]]}：上次调查 {last:%Y-%m-%d}，计划 {year}年{int(mon[ok][i])}月）。")
    if capacity is not None:
        caps = normalise_capacity(capacity, known)
        good = (pm >= 0) & ~bad_month
        load = np.zeros((len(known), MONTHS), dtype=np.int64)
        np.add.at(load, (pm[good], mon[good].astype(np.int64) - 1), 1)
        for j, m in enumerate(known):
            for mo in np.flatnonzero(load[j] > caps[m]):
                out.append(f"{m} {mo + 1}月计划 {int(load[j, mo])} 人次，超过容量 {int(caps[m][mo])} 人次。")
    rule = ctx.mcode[at]  # index into ctx.methods; its first len(fallback) entries are the chain
    given = pd.Categorical(plan[S.method], categories=ctx.methods).codes[ok]
    bad_must = is_must & (given != rule)
    if bad_must.any():
        out.append(f"有 {int(bad_must.sum())} 个必访客户的调查方式与规则不符{eg(bad_must, pkeys[ok])}。")
    n_chain = len(rules.fallback)
    later = (capacity is not None) & (rule < n_chain) & (given < n_chain) & (given > rule)
    bad_s = ~is_must & (given != rule) & ~later
    if bad_s.any():
        out.append(f"有 {int(bad_s.sum())} 个抽样客户的调查方式与规则不符{eg(bad_s, pkeys[ok])}。")
    return out


def workload(plan: pd.DataFrame) -> pd.DataFrame:
    """Planned surveys per month (rows 1–12 + 合计) and method (columns + 合计)."""
    t = pd.crosstab(plan[MONTH], plan[S.method]).reindex(range(1, 13), fill_value=0)
    t["合计"] = t.sum(axis=1)
    t.loc["合计"] = t.sum(axis=0)
    t.index = [f"{i}月" if i != "合计" else i for i in t.index]
    return t.rename_axis("月份").rename_axis(columns="调查方式")


def plan_overview(plan: pd.DataFrame, customers: pd.DataFrame, expected_completion: float = 0.85) -> pd.DataFrame:
    """Headline numbers of a plan against its base (指标, 人数, 占客户基数)."""
    if C.do_not_contact not in customers.columns or REASON not in plan.columns:
        raise MissingColumnsError("计划或客户基数缺少列（do_not_contact / reason）。")
    n = len(customers)
    n_opt = int(customers[C.do_not_contact].astype("boolean").fillna(False).sum())
    n_must = int((plan[REASON] == MUST_SURVEY).sum())
    rows = [
        ("客户基数", n), ("其中：拒绝调查（免打扰）", n_opt), ("必访（将超过调查周期）", n_must),
        ("抽样补足", len(plan) - n_must), ("计划调查合计", len(plan)),
        (f"按完成率 {expected_completion:.0%} 预计完成", int(round(len(plan) * expected_completion))),
    ]
    df = pd.DataFrame(rows, columns=["指标", "人数"])
    df["占客户基数"] = df["人数"] / n if n else np.nan
    return df


@dataclass
class PlanReview:
    """This year's coverage (up to the period end) and next year's plan, for the report."""

    period: Period
    year: int
    plan_year: int
    min_share: float
    coverage: CoverageResult
    base: pd.DataFrame  # base of plan_year
    plan: pd.DataFrame
    problems: list[str]

    def headline(self) -> str:
        c, n = self.coverage, len(self.plan)
        need = int(np.ceil(self.min_share * c.n_base - 1e-9))
        gap = "已达到" if c.n_surveyed >= need else f"尚差 {need - c.n_surveyed} 人达到"
        must = int((self.plan[REASON] == MUST_SURVEY).sum())
        check = "通过" if not self.problems else f"发现 {len(self.problems)} 项问题"
        return (f"截至 {c.asof:%Y年%m月%d日}，{self.year} 年已调查客户 {c.n_surveyed:,} 人，占客户基数 {c.n_base:,} 人的 "
                f"{c.share:.1%}，{gap} {self.min_share:.0%} 的年度要求；近 {c.cycle_years} 年覆盖可调查客户的 "
                f"{c.rolling_share:.1%}，逾期客户 {c.n_overdue:,} 人。{self.plan_year} 年计划调查 {n:,} 人"
                f"（占 {len(self.base):,} 人客户基数的 {n / max(len(self.base), 1):.1%}），其中必访 {must:,} 人；"
                f"计划规则检查{check}。")


def review(deals: pd.DataFrame, surveys: pd.DataFrame | None, period, *, customers: pd.DataFrame | None = None,
           project: str | None = None, min_share: float = 0.4, cycle_years: int = 3, seed: int = 0,
           **plan_kw) -> PlanReview:
    """Coverage of the period's year up to the period end, and the plan for the next year
    from the deals and surveys known at the period end (``project``: that project's
    customers only; ``plan_kw`` go to :func:`plan` and :func:`validate_plan`)."""
    p = parse_period(period)
    cut = p.end + pd.Timedelta(days=1)
    date = pd.to_datetime(deals[D.sign_date]).fillna(pd.to_datetime(deals[D.subscribe_date])) \
        if D.subscribe_date in deals.columns else pd.to_datetime(deals[D.sign_date])
    deals = deals[(date < cut).to_numpy()]
    if surveys is not None:
        surveys = surveys[(pd.to_datetime(surveys[S.survey_date]) < cut).to_numpy()]
    now = customer_base(deals, p.year, customers=customers)
    nxt = customer_base(deals, p.year + 1, customers=customers)
    if project is not None:
        now, nxt = now[now[C.project] == project], nxt[nxt[C.project] == project]
    if nxt.empty:
        raise DataError(f"{p.year + 1} 年客户基数为空{f'（项目“{project}”）' if project else ''}："
                        f"{p.year - 2}–{p.year} 年没有未退房的成交记录。")
    cov = coverage(now, surveys, p.year, cycle_years=cycle_years, asof=p.end)
    pl = plan(nxt, surveys, p.year + 1, min_share=min_share, cycle_years=cycle_years, seed=seed, **plan_kw)
    plan_kw.pop("must_by_month", None)
    problems = validate_plan(pl, nxt, surveys, p.year + 1, min_share, cycle_years, **plan_kw)
    return PlanReview(p, p.year, p.year + 1, min_share, cov, nxt, pl, problems)
