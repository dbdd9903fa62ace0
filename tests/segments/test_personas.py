"""Personas: the silhouette search over k equals scikit-learn's on repeated rows."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

from dealresearch.segments.personas import silhouette_by_k


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
