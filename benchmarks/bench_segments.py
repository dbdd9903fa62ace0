"""Benchmark: profile + value_potential + Personas on 1,000,000 deals (target ≤ 60 s), then
the two report reviews (profile.review, segments.review) on the same deals (reported apart).

Run: .venv/bin/python benchmarks/bench_segments.py [n_deals]

The deals are the synthetic sample's clean deals (dealresearch.synth) resampled to n rows
with fresh customer keys (≈ 10 % repeat buyers) and referrals, so the categorical mix and
the planted personas are realistic. Prints seconds per step and the ratio to the target.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from dealresearch import profile as pf
from dealresearch import segments
from dealresearch.schema import Deal
from dealresearch.synth.deals import generate_deals

TARGET_SECONDS = 60.0


def make_deals(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    base = generate_deals(np.random.default_rng(seed))
    base = base.drop(
        columns=[
            c for c in (Deal.customer_name, Deal.phone, Deal.id_number, Deal.customer_code, Deal.referrer_phone) if c in base
        ]
    )
    take = rng.integers(0, len(base), n)
    d = base.iloc[take].reset_index(drop=True)
    d[Deal.deal_id] = [f"B{i:07d}" for i in range(n)]
    cust = np.arange(n)
    again = rng.random(n) < 0.1  # ≈ 10 % of deals by a customer who bought another unit
    cust[again] = rng.integers(0, n, int(again.sum()))
    keys = np.char.add("K", np.char.zfill(cust.astype(str), 7))
    d[Deal.customer_key] = keys
    ref = rng.random(n) < 0.08
    d[Deal.referrer_key] = pd.Series(np.where(ref, keys[rng.integers(0, n, n)], None), dtype="string")
    d[Deal.sign_date] = d[Deal.sign_date] + pd.to_timedelta(rng.integers(-20, 20, n), unit="D")
    d[Deal.age] = d[Deal.age].astype("Int64")
    return d


def main(n: int = 1_000_000) -> float:
    t0 = time.perf_counter()
    deals = make_deals(n)
    print(f"generated {len(deals):,} deals in {time.perf_counter() - t0:.1f} s (not timed)")
    steps = {}
    t = time.perf_counter()
    d = pf.scope(deals, period=["2025", "2026"])
    res = pf.profile(
        d, [Deal.age, Deal.unit_type, Deal.purchase_purpose, Deal.key_factors, "locality", "repeat_buyer"], by=Deal.project
    )
    steps["scope + profile (6 fields by project)"] = time.perf_counter() - t
    t = time.perf_counter()
    vp = segments.value_potential(deals)
    steps["value_potential"] = time.perf_counter() - t
    t = time.perf_counter()
    model = segments.Personas(seed=0).fit(deals)
    steps["Personas.fit (k=auto)"] = time.perf_counter() - t
    total = sum(steps.values())
    for k, v in steps.items():
        print(f"{k:<40s} {v:7.1f} s")
    print(
        f"{'total':<40s} {total:7.1f} s   (target {TARGET_SECONDS:.0f} s, ratio {total / TARGET_SECONDS:.2f})"
    )
    print(f"profile rows {len(res.table)}, customers {vp.n:,}, personas k={model.k_}: {model.names_}")
    reviews = {}
    t = time.perf_counter()
    pr = pf.review(deals, period="2026Q3")
    reviews["profile.review (group, 2026Q3)"] = time.perf_counter() - t
    t = time.perf_counter()
    sr = segments.review(deals, period="2026Q3", seed=0)
    reviews["segments.review (group, 2026Q3)"] = time.perf_counter() - t
    for k, v in reviews.items():
        print(f"{k:<40s} {v:7.1f} s")
    print(f"review n: profile {pr.n:,} deals, segments {sr.n:,} customers")
    return total


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
