"""Benchmark: code 100,000 survey comments (segmentation, codebook, sentiment), target ≤ 20 s.

Run: ``.venv/bin/python benchmarks/bench_comments.py [n_comments] [--distinct-clauses]``. The comments are built
from the hand-written clauses in tests/data/comments (1–3 clauses, random punctuation,
emoji and a varying detail such as 第 17 次), so almost all of them are distinct — the
hard case: real answers repeat far more. Prints the first-call time (including the jieba
dictionary load), a second call on new texts, and the ratio to the budget.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from dealresearch.satisfaction import comments

BUDGET_S = 20.0
DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "comments"


def make(n: int, seed: int = 0, distinct_clauses: bool = False) -> pd.Series:
    """``distinct_clauses``: glue a second clause to the first without punctuation, so
    nearly every clause is new and has to be segmented (the worst case)."""
    rng = np.random.default_rng(seed)
    clauses = pd.concat([pd.read_csv(DATA / f, sep="\t", dtype=str, keep_default_na=False)["text"]
                         for f in ("dev.tsv", "heldout.tsv")])
    clauses = clauses[clauses.str.len() > 1].to_numpy(dtype=object)
    joins = np.array(["，", ",", "；", " ", "。", "！"], dtype=object)
    tails = np.array(["", "", "", "👍", "😡", "！！", "。。。", "~"], dtype=object)
    k = rng.integers(1, 4, n)
    parts = [clauses[rng.integers(0, len(clauses), n)]]
    for j in (2, 3):
        extra = clauses[rng.integers(0, len(clauses), n)]
        glue = joins[rng.integers(0, len(joins), n)]
        parts.append(np.where(k >= j, glue + extra, ""))
    detail = np.where(rng.random(n) < 0.6, "（第" + rng.integers(1, 500, n).astype(str).astype(object) + "次反映）", "")
    # worst case: two clauses glued without punctuation, so (almost) every clause is new
    glued = clauses[rng.integers(0, len(clauses), n)] if distinct_clauses else ""
    text = glued + parts[0] + parts[1] + parts[2] + detail + tails[rng.integers(0, len(tails), n)]
    return pd.Series(text, dtype="str")


def main(n: int = 100_000, distinct_clauses: bool = False) -> float:
    texts = make(n, distinct_clauses=distinct_clauses)
    print(f"{n:,} comments, {texts.nunique():,} distinct, {texts.str.len().sum():,} characters")
    t0 = time.perf_counter()
    out = comments.code(texts)
    first = time.perf_counter() - t0
    again = make(n, seed=1, distinct_clauses=distinct_clauses)
    t0 = time.perf_counter()
    comments.code(again)
    second = time.perf_counter() - t0
    print(f"code(): {first:.1f} s first call (dictionary load included), {second:.1f} s second call; "
          f"budget {BUDGET_S:.0f} s → ratio {first / BUDGET_S:.2f}")
    print(f"themes found in {(out['themes'] != '').mean():.1%} of comments; "
          f"sentiment −/0/+: {out['sentiment'].value_counts(normalize=True).sort_index().round(3).tolist()}")
    return first


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(int(args[0]) if args else 100_000, distinct_clauses="--distinct-clauses" in sys.argv)
