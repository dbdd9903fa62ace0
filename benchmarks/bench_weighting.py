"""Benchmark: raking 1,000,000 respondents on 3 margins (target ≤ 5 s).

Run: ``.venv/bin/python benchmarks/bench_weighting.py [n_respondents]``. Margins: a
40-category project, a 6-category unit type and a 3-category value class, with a
response pattern far from the population (so the fit needs several sweeps); prints the
time of ``weighting.rake`` (and with bounds) against the 5 s budget.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from dealresearch import weighting

BUDGET_S = 5.0


def make(n: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    projects = np.array([f"项目{i:02d}" for i in range(40)])
    units = np.array(["一房", "二房", "三房", "四房", "别墅", "商铺"])
    values = np.array(["高价值", "中价值", "一般"])
    data = pd.DataFrame({
        "project": pd.array(projects[rng.choice(40, n, p=np.linspace(1, 3, 40) / np.linspace(1, 3, 40).sum())], dtype="str"),
        "unit_type": pd.array(units[rng.choice(6, n, p=[0.1, 0.3, 0.35, 0.15, 0.05, 0.05])], dtype="str"),
        "value_class": pd.array(values[rng.choice(3, n, p=[0.2, 0.4, 0.4])], dtype="str"),
    })
    N = 5_000_000
    pop = {
        "project": dict(zip(projects, np.full(40, N / 40), strict=True)),
        "unit_type": dict(zip(units, N * np.array([0.15, 0.25, 0.3, 0.2, 0.05, 0.05]), strict=True)),
        "value_class": dict(zip(values, N * np.array([0.1, 0.4, 0.5]), strict=True)),
    }
    margins = pd.DataFrame([(v, c, p) for v, cats in pop.items() for c, p in cats.items()],
                           columns=["variable", "category", "population"])
    return data, margins


def main(n: int = 1_000_000) -> float:
    data, margins = make(n)
    t0 = time.perf_counter()
    w = weighting.rake(data, margins)
    dt = time.perf_counter() - t0
    s = weighting.summary(w)
    print(f"rake：{dt:.2f} s（{n:,} 位受访者，3 个边际 49 个类别；有效样本量 {s.effective_n:,.0f}，效率 {s.efficiency:.3f}）")
    t0 = time.perf_counter()
    weighting.rake(data, margins, bounds=(0.3, 3.0))
    dt_b = time.perf_counter() - t0
    print(f"rake（bounds 0.3–3）：{dt_b:.2f} s")
    print(f"{dt:.2f} s ÷ 预算 {BUDGET_S:.0f} s = {dt / BUDGET_S:.2f}")
    return dt


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
