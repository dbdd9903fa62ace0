"""Strategy findings: the shared findings cache gives the same recommendations as computing each anew."""

from __future__ import annotations

import pandas as pd

from dealresearch import strategy
from dealresearch.schema import Deal
from dealresearch.strategy import findings as fd


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
