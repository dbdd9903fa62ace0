"""Benchmark: a banner of 20 stub rows × 30 banner columns on 1,000,000 rows (target ≤ 2 s).

Run: ``.venv/bin/python benchmarks/bench_banner.py [n_rows]``. Times ``banner.table`` on a
20-category text stub by two banner variables (a 24-category project and a 6-category
age band: 30 lettered columns) and on a 1–5 scale stub with top-box and mean rows, each
unweighted and weighted; prints the slowest against the 2 s budget.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from dealresearch import banner

BUDGET_S = 2.0


def make(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    stub = pd.array(np.array([f"选项{i:02d}" for i in range(20)])[rng.integers(0, 20, n)], dtype="str")
    project = pd.array(np.array([f"项目{i:02d}" for i in range(24)])[rng.integers(0, 24, n)], dtype="str")
    age = pd.array(np.array(["25岁以下", "25-34岁", "35-44岁", "45-54岁", "55-64岁", "65岁及以上"])[rng.integers(0, 6, n)],
                   dtype="str")
    stub[rng.random(n) < 0.02] = pd.NA
    return pd.DataFrame({"stub": stub, "project": project, "age_band": age,
                         "overall_satisfaction": rng.integers(1, 6, n), "w": rng.uniform(0.3, 3.0, n)})


def main(n: int = 1_000_000) -> float:
    data = make(n)
    runs = {
        "20 类别 × 30 列": dict(stub="stub", banner=["project", "age_band"]),
        "20 类别 × 30 列（加权）": dict(stub="stub", banner=["project", "age_band"], weight="w"),
        "评分 + 前2档 + 均值 × 30 列": dict(stub="overall_satisfaction", banner=["project", "age_band"], top_box=2, mean=True),
        "评分 + 前2档 + 均值 × 30 列（加权）": dict(stub="overall_satisfaction", banner=["project", "age_band"],
                                          top_box=2, mean=True, weight="w"),
    }
    worst = 0.0
    for name, kw in runs.items():
        t0 = time.perf_counter()
        tb = banner.table(data, **kw)
        dt = time.perf_counter() - t0
        worst = max(worst, dt)
        lettered = int((tb.cells["letter"] != "").groupby(tb.cells["row"]).sum().iloc[0])
        print(f"{name}: {dt:.2f} s（{len(tb.cells['row'].unique())} 行 × {lettered} 个字母列，{n:,} 行数据）")
    print(f"最慢 {worst:.2f} s ÷ 预算 {BUDGET_S:.0f} s = {worst / BUDGET_S:.2f}")
    return worst


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
