"""Benchmark: a 1,000,000-customer annual survey plan (target ≤ 10 s).

Run: ``.venv/bin/python benchmarks/bench_survey_plan.py [n_customers]``. Prints the time of
``plan`` and of ``validate_plan``, and the ratio to the 10 s budget.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from dealresearch import survey_plan as sp
from dealresearch.schema import Customer, Survey

BUDGET_S = 10.0


def make(n: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    keys = pd.array([f"k{i:07d}" for i in range(n)], dtype="str")
    customers = pd.DataFrame(
        {
            Customer.customer_key: keys,
            Customer.project: rng.choice([f"项目{i}" for i in range(40)], n),
            Customer.total_amount: rng.lognormal(14, 0.7, n),
            Customer.first_deal_date: pd.Timestamp("2018-01-01") + pd.to_timedelta(rng.integers(0, 2900, n), "D"),
            Customer.key_account: rng.random(n) < 0.01,
            Customer.do_not_contact: rng.random(n) < 0.03,
            Customer.phone_masked: np.where(rng.random(n) < 0.95, "138****0000", None),
        }
    )
    # a lived-in history: one recent survey each (2024-07 … 2026-11), 20 % an older one too
    extra = rng.integers(0, n, n // 5)
    surveys = pd.DataFrame(
        {
            Survey.customer_key: keys[np.concatenate([np.arange(n), extra])],
            Survey.survey_date: np.concatenate(
                [
                    pd.Timestamp("2024-07-01") + pd.to_timedelta(rng.integers(0, 880, n), "D"),
                    pd.Timestamp("2019-01-01") + pd.to_timedelta(rng.integers(0, 1600, len(extra)), "D"),
                ]
            ),
            Survey.method: rng.choice(["电话", "走访", "书面问卷"], n + len(extra)),
        }
    )
    return customers, surveys


def main(n: int = 1_000_000) -> float:
    customers, surveys = make(n)
    t0, c0 = time.perf_counter(), time.process_time()
    plan = sp.plan(customers, surveys, 2027, rules=sp.PlanRules(capacity={"走访": 20_000}))
    t_plan, c_plan = time.perf_counter() - t0, time.process_time() - c0
    t0 = time.perf_counter()
    problems = sp.validate_plan(plan, customers, surveys, 2027, rules=sp.PlanRules(capacity={"走访": 20_000}))
    t_val = time.perf_counter() - t0
    print(
        f"customers={n:,} surveys={len(surveys):,} planned={len(plan):,} "
        f"(必访 {int((plan[sp.REASON] == sp.MUST_SURVEY).sum()):,})"
    )
    print(
        f"plan: {t_plan:.2f} s wall, {c_plan:.2f} s CPU  (ratio to {BUDGET_S:.0f} s budget: {t_plan / BUDGET_S:.2f})"
    )
    print(f"validate_plan: {t_val:.2f} s  problems={len(problems)}")
    return t_plan


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
