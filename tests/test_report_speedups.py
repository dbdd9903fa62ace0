"""The report-suite speed-ups give the results of the straightforward computations they replace."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

from dealresearch import strategy
from dealresearch.derive import DERIVED_LABELS, Derived, derive
from dealresearch.schema import Deal
from dealresearch.segments.personas import silhouette_by_k
from dealresearch.strategy import findings as fd


@pytest.mark.parametrize("chunk", [2048, 97])
def test_silhouette_by_k_matches_sklearn_with_repeated_rows(chunk):
    rng = np.random.default_rng(3)
    x = (np.round(rng.normal(size=(1500, 4))) + 0.0).astype(np.float32)  # few distinct rows, many copies
    assert len(np.unique(x, axis=0)) < 500
    labels = {k: KMeans(n_clusters=k, n_init=2, random_state=0).fit_predict(x) for k in (2, 3, 6)}
    labels[9] = np.zeros(len(x), dtype=int)  # one cluster: silhouette undefined, skipped
    got = silhouette_by_k(x, labels, chunk=chunk)
    assert list(got) == [2, 3, 6]
    for k, score in got.items():
        assert score == pytest.approx(silhouette_score(x, labels[k]), abs=1e-6)


def test_silhouette_by_k_singleton_cluster_and_split_duplicates():
    x = np.array([[0.0], [0.0], [1.0], [1.1], [5.0]], dtype=np.float32)
    lab = np.array([0, 0, 1, 1, 2])  # cluster 2 is a singleton (scores 0)
    split = np.array([0, 1, 1, 1, 2])  # identical rows in different clusters: sklearn fallback
    got = silhouette_by_k(x, {3: lab, 4: split})
    assert got[3] == pytest.approx(silhouette_score(x, lab), abs=1e-6)
    assert got[4] == pytest.approx(silhouette_score(x, split), abs=1e-6)


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


def test_derive_subset_equals_full_derivation():
    deals = _deals()
    full = derive(deals)
    assert set(DERIVED_LABELS) <= set(full.columns)
    for cols in ([Derived.age_band], [Derived.repeat_buyer, Derived.unit_price_band], [Derived.days_to_sign_band], [Derived.locality]):
        part = derive(deals, columns=cols)
        assert sorted(c for c in part.columns if c not in deals) == sorted(cols)
        pd.testing.assert_frame_equal(part[cols], full[cols])


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
