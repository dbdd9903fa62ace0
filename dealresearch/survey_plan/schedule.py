"""Scheduling helpers for the annual survey plan: method rules, capacity, proportional
allocation and month levelling. Pure numpy on counts; no file I/O."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from statistics import NormalDist

import numpy as np
import pandas as pd

from ..errors import ParameterError
from ..schema import Customer, vocabulary

VISIT, PHONE, QUESTIONNAIRE = "走访", "电话", "书面问卷"
HIGH, MID, LOW = "高价值", "中价值", "一般"
UNLIMITED = 10**12
MONTHS = 12


@dataclass(frozen=True)
class MethodRules:
    """How customers are classified by value and which survey method each gets.

    ``value_shares``: the top share of the base by ``total_amount`` is 高价值, the next
    share 中价值, the rest 一般 (missing amounts count as 一般). Method: ``key_account``
    for key accounts, else ``by_value[value_class]``; a customer planned for 电话 without a
    phone on file (``phone_masked`` column present and empty) gets ``no_phone``.
    ``fallback``: when a method's capacity is full, *sampled* customers (never 必访) move
    to the next method of this chain, lowest value first.
    """

    value_shares: tuple[float, float] = (0.10, 0.40)
    by_value: Mapping[str, str] = field(default_factory=lambda: {HIGH: VISIT, MID: PHONE, LOW: PHONE})
    key_account: str | None = VISIT
    no_phone: str | None = QUESTIONNAIRE
    fallback: tuple[str, ...] = (VISIT, PHONE, QUESTIONNAIRE)

    @classmethod
    def coerce(cls, rules: MethodRules | Mapping | None) -> MethodRules:
        if rules is None:
            return cls()
        if isinstance(rules, MethodRules):
            out = rules
        else:
            unknown = set(rules) - set(cls.__dataclass_fields__)
            if unknown:
                raise ParameterError(f"调查方式规则中有未知设置：{'、'.join(sorted(unknown))}。")
            out = replace(cls(), **dict(rules))
        hi, mid = out.value_shares
        if not (0 <= hi <= 1 and 0 <= mid <= 1 and hi + mid <= 1):
            raise ParameterError(
                f"价值分级比例 value_shares={out.value_shares} 无效：两个比例之和须在 0–1 之间。"
            )
        known = set(vocabulary("survey_method"))
        used = {*out.by_value.values(), out.key_account, out.no_phone, *out.fallback} - {None}
        bad = used - known
        if bad:
            raise ParameterError(
                f"未知的调查方式：{'、'.join(sorted(bad))}；可选：{'、'.join(sorted(known))}。"
            )
        return out

    def methods(self) -> list[str]:
        """Methods the rules can assign: the fallback chain first, in order, then the rest."""
        used = {*self.by_value.values(), self.key_account, self.no_phone, PHONE} - {None}
        return [*self.fallback, *sorted(used - set(self.fallback))]


VALUE_LABELS: tuple[str, str, str] = (HIGH, MID, LOW)


def value_classes(amount: pd.Series, shares: tuple[float, float]) -> np.ndarray:
    """Value class code per customer (index into ``VALUE_LABELS``: 0 高价值, 1 中价值, 2 一般)
    by rank of ``amount`` (descending; ties share the better class; missing or ≤ 0 → 一般)."""
    a = pd.to_numeric(amount, errors="coerce").to_numpy(dtype=float)
    n = len(a)
    valid = ~np.isnan(a) & (a > 0)  # no amount on file: 一般 (never a tie of everyone at the top)
    asc = np.sort(a[valid])
    rank = np.full(n, np.inf)
    rank[valid] = len(asc) - np.searchsorted(asc, a[valid], side="right") + 1  # 1 = largest; ties: min rank
    hi, mid = shares
    out = np.full(n, 2, dtype=np.int8)
    out[rank <= hi * n] = 0
    out[(rank > hi * n) & (rank <= (hi + mid) * n)] = 1
    return out


def rule_methods(cust: pd.DataFrame, vcode: np.ndarray, rules: MethodRules, methods: list[str]) -> np.ndarray:
    """Index into ``methods`` of the method each customer gets by the rules (before any
    capacity fallback)."""
    code = {m: i for i, m in enumerate(methods)}
    by_class = np.array([code[rules.by_value.get(v, PHONE)] for v in VALUE_LABELS], dtype=np.int16)
    method = by_class[vcode]
    if rules.no_phone is not None and Customer.phone_masked in cust.columns:
        no_phone = cust[Customer.phone_masked].isna().to_numpy()
        method[no_phone & (method == code[PHONE])] = code[rules.no_phone]
    if rules.key_account is not None:
        method[cust[Customer.key_account].to_numpy(dtype=bool)] = code[rules.key_account]
    return method


def normalise_capacity(capacity, methods: Sequence[str]) -> dict[str, np.ndarray]:
    """``None`` (unlimited), an int (every method, every month), or a mapping method →
    int or 12 monthly ints. Methods not named are unlimited."""
    out = {m: np.full(MONTHS, UNLIMITED, dtype=np.int64) for m in methods}
    if capacity is None:
        return out
    if isinstance(capacity, int | np.integer):
        items = {m: int(capacity) for m in methods}
    elif isinstance(capacity, Mapping):
        items = dict(capacity)
    else:
        raise ParameterError(
            "容量 capacity 应为整数（每种方式每月人次）或 {调查方式: 每月人次或 12 个月的人次}。"
        )
    for m, v in items.items():
        arr = np.full(MONTHS, int(v), dtype=np.int64) if np.ndim(v) == 0 else np.asarray(v, dtype=np.int64)
        if arr.shape != (MONTHS,) or (arr < 0).any():
            raise ParameterError(f"调查方式“{m}”的容量应为一个非负整数或 12 个月的非负整数。")
        out[m] = arr
    return out


def required_count(
    n_base: int, n_done: int, min_share: float, expected_completion: float, assurance: float
) -> int:
    """Surveys to plan so that, if each is completed independently with probability
    ``expected_completion``, at least ``ceil(min_share * n_base)`` customers are surveyed
    in the year with probability ``assurance`` (normal approximation), counting the
    ``n_done`` already surveyed this year."""
    if not 0 < min_share <= 1:
        raise ParameterError(f"最低覆盖比例 min_share={min_share} 无效：应在 0–1 之间。")
    if not 0 < expected_completion <= 1:
        raise ParameterError(f"预计完成率 expected_completion={expected_completion} 无效：应在 0–1 之间。")
    if not 0.5 <= assurance < 1:
        raise ParameterError(f"把握度 assurance={assurance} 无效：应在 0.5–1 之间。")
    target = max(0, math.ceil(min_share * n_base - 1e-9) - n_done)
    if target == 0:
        return 0
    p = expected_completion
    if p >= 1:
        return target
    # smallest n with n p - z sqrt(n p (1-p)) >= target: a quadratic in sqrt(n)
    z = NormalDist().inv_cdf(assurance)
    v = p * (1 - p)
    s = (z * math.sqrt(v) + math.sqrt(z * z * v + 4 * p * target)) / (2 * p)

    def ok(n: int) -> bool:
        return n * p - z * math.sqrt(n * v) >= target - 1e-9

    n = max(target, math.ceil(s * s))
    while n > target and ok(n - 1):
        n -= 1
    while not ok(n):
        n += 1
    return n


def allocate(k: int, weights: np.ndarray, caps: np.ndarray) -> np.ndarray:
    """Split ``k`` units over strata in proportion to ``weights``, never above ``caps``
    (largest-remainder rounding; strata hitting their cap give their excess to the rest)."""
    weights = np.asarray(weights, dtype=float)
    caps = np.asarray(caps, dtype=np.int64)
    alloc = np.zeros(len(caps), dtype=np.int64)
    if k <= 0:
        return alloc
    if k > caps.sum():
        raise ValueError("k exceeds total capacity")
    free = caps > 0
    remaining = k
    while remaining > 0:
        w = np.where(free, weights, 0.0)
        if w.sum() <= 0:
            w = np.where(free, (caps - alloc).astype(float), 0.0)
        q = remaining * w / w.sum()
        room = caps - alloc
        over = free & (q >= room)
        if over.any():  # fill capped strata, redistribute the rest
            alloc[over] = caps[over]
            remaining = k - int(alloc.sum())
            free &= ~over
            continue
        fl = np.floor(q).astype(np.int64)
        alloc += fl
        left = remaining - int(fl.sum())
        frac = np.where(free, q - fl, -1.0)
        order = np.argsort(-frac, kind="stable")[:left]
        alloc[order] += 1
        remaining = 0
    return alloc


def waterfill(load: np.ndarray, cap: np.ndarray, first: int, g: int) -> tuple[np.ndarray, int]:
    """Add ``g`` units to months ``first``..11 (0-based) levelling the loads, never above
    ``cap``. Returns (units added per month, units that did not fit)."""
    add = np.zeros(MONTHS, dtype=np.int64)
    if g <= 0:
        return add, 0
    cur = load[first:]
    a = np.maximum(cap[first:] - cur, 0)
    total = int(a.sum())
    if g >= total:
        add[first:] = a
        return add, g - total
    lo, hi = int(cur.min()), int((cur + a).max())  # f(lo) = 0 <= g < f(hi) = total
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if np.clip(mid - cur, 0, a).sum() <= g:
            lo = mid
        else:
            hi = mid
    x = np.clip(lo - cur, 0, a)
    rest = g - int(x.sum())
    bump = np.flatnonzero((cur + x == lo) & (x < a))[:rest]
    x[bump] += 1
    add[first:] = x
    return add, 0


def fill_early(load: np.ndarray, cap: np.ndarray, first: int, g: int) -> tuple[np.ndarray, int]:
    """Add ``g`` units to the earliest months from ``first`` (0-based) with room under ``cap``.
    Returns (units added per month, units that did not fit)."""
    add = np.zeros(MONTHS, dtype=np.int64)
    room = np.maximum(cap[first:] - load[first:], 0)
    before = np.concatenate([[0], np.cumsum(room)[:-1]])
    add[first:] = np.clip(g - before, 0, room)
    return add, int(max(g - room.sum(), 0))


def deficit(counts_by_first: np.ndarray, cap: np.ndarray) -> tuple[int, int, int]:
    """Hall deficit of placing units released at month k (count per k) into ``cap``:
    (missing units, first month 0-based of the tightest window, capacity of that window)."""
    need = np.cumsum(counts_by_first[::-1])[::-1]
    have = np.cumsum(np.minimum(cap, UNLIMITED)[::-1])[::-1]
    gap = need - have
    k = int(np.argmax(gap))
    return int(max(gap[k], 0)), k, int(have[k])


def month_label(k: int) -> str:
    return "全年" if k == 0 else f"{k + 1}–12月"
