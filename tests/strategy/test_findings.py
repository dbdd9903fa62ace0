"""Strategy findings: the shared findings cache gives the same recommendations as computing each anew."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dealresearch import strategy
from dealresearch.schema import Deal
from dealresearch.strategy import findings as fd


def _deals(n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            Deal.deal_id: [f"D{i}" for i in range(n)],
            Deal.customer_key: rng.choice([f"K{i}" for i in range(250)], n),
            Deal.sign_date: pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 600, n), unit="D"),
            Deal.first_visit_date: pd.Timestamp("2024-12-01")
            + pd.to_timedelta(rng.integers(0, 600, n), unit="D"),
            Deal.age: pd.array(rng.integers(16, 80, n), dtype="Int64"),
            Deal.area_sqm: rng.uniform(40, 220, n),
            Deal.total_price: rng.uniform(5e5, 9e6, n),
            Deal.unit_price: rng.uniform(8e3, 6e4, n),
            Deal.city: rng.choice(["杭州", "杭州市", "宁波", None], n),
            Deal.residence_area: rng.choice(["西湖区", "本市", "上海", "外省", "", None], n),
            Deal.origin_province: rng.choice(["浙江省", "江苏", "广西壮族自治区", None], n),
            Deal.awareness_channel: rng.choice(["老带新", "网络", "户外"], n),
            Deal.referrer_key: rng.choice(["K1", None, None], n),
        }
    )


def test_shared_findings_cache_gives_the_same_recommendations(sample_store):
    import dealresearch as dr

    deals = dr.load("deals", store=sample_store)
    ctx = dict(
        history=dr.load("status_history", store=sample_store),
        targets=dr.load("targets", store=sample_store, missing_ok=True),
        surveys=dr.load("surveys", store=sample_store),
    )
    projects = sorted(deals[Deal.project].dropna().unique())[:2]
    asof = deals[Deal.sign_date].max()
    shared = strategy.project_recommendations(deals, "2026Q3", projects=projects, asof=asof, **ctx)
    for proj in projects:
        alone = strategy.recommend(deals, "2026Q3", project=proj, asof=asof, **ctx)
        assert [(r.rule, r.text, r.evidence) for r in shared[proj]] == [
            (r.rule, r.text, r.evidence) for r in alone
        ]
    # a memo entry is reused only for the very same input objects
    c1 = fd.Context(deals=deals, period=fd.parse_period("2026Q3"), shared={}, **ctx)
    c2 = fd.Context(deals=deals.copy(), period=c1.period, shared=c1.shared, **ctx)
    assert c1.events is c1.events and c2.events is not c1.events
    pd.testing.assert_frame_equal(c1.events, c2.events)
