"""Plan columns, :class:`PlanRules` (the rule bundle shared by the planner and the checker),
the per-customer context both build on, and :func:`validate_plan` (every broken rule in
plain Chinese)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..schema import Customer, Survey, vocabulary
from .base import VALUE_CLASS
from .cycle import DONE, LAST_SURVEY, MUST, REACHABLE, earliest_month, ledger, positions
from .schedule import MONTHS, MethodRules, normalise_capacity, required_count, rule_methods, value_classes

# ---- plan columns added by this module (not in schema.py) --------------------------
MONTH = "month"
REASON = "reason"
MUST_SURVEY, SAMPLED = "必访", "抽样"
PLAN_COLUMNS = (Customer.customer_key, Survey.method, MONTH, REASON, Customer.project, VALUE_CLASS, Customer.key_account, LAST_SURVEY)
#: the plan's own columns: name → (Chinese label, display kind); read by present.columns
COLUMNS: dict[str, tuple[str, str]] = {
    MONTH: ("计划月份", "text"),
    REASON: ("计划原因", "text"),
    VALUE_CLASS: ("价值分级", "text"),
    LAST_SURVEY: ("上次调查日期", "text"),
    Customer.key_account: ("重点客户", "flag"),
}
LABELS = {name: text for name, (text, _) in COLUMNS.items()}


@dataclass(frozen=True)
class PlanRules:
    """The rules of an annual survey plan, shared by :func:`~dealresearch.survey_plan.plan`
    and :func:`validate_plan` (see :mod:`dealresearch.survey_plan.planner` for what each
    rule means).

    ``min_share``: share of the base surveyed each year; ``cycle_years``: everyone at least
    once in this many calendar years; ``min_gap_months``: no sampled customer sooner after
    their last survey; ``capacity``: None (unlimited), int (per method per month) or
    {method: int | 12 ints}; ``method_rules``: :class:`MethodRules` (or a mapping of its
    fields); ``expected_completion`` / ``assurance``: the margin planned for non-completion.
    Scheduling preferences of the planner only (not checked by :func:`validate_plan`):
    ``must_by_month`` (必访 forced into months 1..n, capacity allowing) and ``prefer_due``
    (draw customers whose cycle ends next year first).
    """

    min_share: float = 0.4
    cycle_years: int = 3
    min_gap_months: int = 6
    capacity: object = None
    method_rules: MethodRules = field(default_factory=MethodRules)
    expected_completion: float = 0.85
    assurance: float = 0.95
    must_by_month: int = 12
    prefer_due: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "method_rules", MethodRules.coerce(self.method_rules))
        if not 0 < self.min_share <= 1:
            raise ParameterError(f"最低覆盖比例 min_share={self.min_share} 无效：应在 0–1 之间。")
        if int(self.cycle_years) < 1:
            raise ParameterError(f"调查周期 cycle_years={self.cycle_years} 无效：至少为 1 年。")
        if not 1 <= self.must_by_month <= MONTHS:
            raise ParameterError(f"必访截止月份 must_by_month={self.must_by_month} 无效：应在 1–12 之间。")


@dataclass(frozen=True)
class PlanContext:
    """Per-customer arrays shared by :func:`plan` and :func:`validate_plan`."""

    ledger: pd.DataFrame
    methods: list[str]
    must: np.ndarray
    done: np.ndarray
    reach: np.ndarray
    first: np.ndarray  # first allowed month, 1-based (13+ = not this year)
    vcode: np.ndarray
    mcode: np.ndarray  # rule method, index into methods
    amount: np.ndarray


def plan_context(customers: pd.DataFrame, surveys: pd.DataFrame | None, year: int, rules: PlanRules) -> PlanContext:
    """The ledger of ``year`` and the per-customer arrays the planner and the checker use."""
    lg = ledger(customers, surveys, int(year), cycle_years=rules.cycle_years)
    amount = lg[Customer.total_amount] if Customer.total_amount in lg.columns else pd.Series(np.nan, index=lg.index)
    methods_rules = rules.method_rules
    vcode = value_classes(amount, methods_rules.value_shares)
    methods = methods_rules.methods()
    return PlanContext(
        ledger=lg,
        methods=methods,
        must=lg[MUST].to_numpy(),
        done=lg[DONE].to_numpy(),
        reach=lg[REACHABLE].to_numpy(),
        first=earliest_month(lg[LAST_SURVEY], int(year), rules.min_gap_months),
        vcode=vcode,
        mcode=rule_methods(lg, vcode, methods_rules, methods),
        amount=pd.to_numeric(amount, errors="coerce").fillna(-np.inf).to_numpy(),
    )


def validate_plan(
    plan: pd.DataFrame,
    customers: pd.DataFrame,
    surveys: pd.DataFrame | None,
    year: int,
    *,
    rules: PlanRules = PlanRules(),  # noqa: B008 - frozen, shared default
) -> list[str]:
    """Every rule the plan breaks, in plain Chinese (empty list when compliant)."""
    missing = [c for c in (Customer.customer_key, Survey.method, MONTH, REASON) if c not in plan.columns]
    if missing:
        return [f"计划缺少列：{'、'.join(missing)}。"]
    ctx = plan_context(customers, surveys, year, rules)
    min_share, cycle_years, min_gap_months = rules.min_share, rules.cycle_years, rules.min_gap_months
    capacity, expected_completion, assurance = rules.capacity, rules.expected_completion, rules.assurance
    keys = ctx.ledger[Customer.customer_key]
    out: list[str] = []
    pkeys = plan[Customer.customer_key].reset_index(drop=True)

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
    pm = pd.Categorical(plan[Survey.method], categories=known).codes
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
        out.append(
            f"有 {int(absent.sum())} 个必访客户（已连续 {cycle_years - 1} 年未调查，或入库满 {cycle_years - 1} 年"
            f"从未调查，{year} 年不调查将超过 {cycle_years} 年周期）未列入计划{eg(absent, keys)}。"
        )
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
        out.append(
            f"计划覆盖 {covered} 人（含本年已调查 {n_done} 人），占客户基数 {n} 人的 {covered / max(n, 1):.1%}，"
            f"低于 {min_share:.0%} 的最低要求（至少 {floor} 人）。"
        )
    else:
        need = required_count(n, n_done, min_share, expected_completion, assurance)
        if n_new < need:
            out.append(
                f"计划量未留完成率余量：按预计完成率 {expected_completion:.0%}、把握度 {assurance:.0%}，"
                f"需计划至少 {need} 人，实际 {n_new} 人。"
            )
    early = ~is_must & (mon[ok] < ctx.first[at])
    if early.any():
        i = int(np.flatnonzero(early)[0])
        last = ctx.ledger[LAST_SURVEY].iloc[at[i]]
        out.append(
            f"有 {int(early.sum())} 个客户的计划月份距上次调查不足 {min_gap_months} 个月（例如 "
            f"{keys.iloc[at[i]]}：上次调查 {last:%Y-%m-%d}，计划 {year}年{int(mon[ok][i])}月）。"
        )
    if capacity is not None:
        caps = normalise_capacity(capacity, known)
        good = (pm >= 0) & ~bad_month
        load = np.zeros((len(known), MONTHS), dtype=np.int64)
        np.add.at(load, (pm[good], mon[good].astype(np.int64) - 1), 1)
        for j, m in enumerate(known):
            for mo in np.flatnonzero(load[j] > caps[m]):
                out.append(f"{m} {mo + 1}月计划 {int(load[j, mo])} 人次，超过容量 {int(caps[m][mo])} 人次。")
    rule = ctx.mcode[at]  # index into ctx.methods; its first len(fallback) entries are the chain
    given = pd.Categorical(plan[Survey.method], categories=ctx.methods).codes[ok]
    bad_must = is_must & (given != rule)
    if bad_must.any():
        out.append(f"有 {int(bad_must.sum())} 个必访客户的调查方式与规则不符{eg(bad_must, pkeys[ok])}。")
    n_chain = len(rules.method_rules.fallback)
    later = (capacity is not None) & (rule < n_chain) & (given < n_chain) & (given > rule)
    bad_s = ~is_must & (given != rule) & ~later
    if bad_s.any():
        out.append(f"有 {int(bad_s.sum())} 个抽样客户的调查方式与规则不符{eg(bad_s, pkeys[ok])}。")
    return out
