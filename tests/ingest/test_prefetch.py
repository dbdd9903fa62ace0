"""Overlapped reading: the prefetching iterator keeps order, re-raises errors and stops its producer."""

from __future__ import annotations

import threading

import pytest

from dealresearch.ingest.prefetch import prefetched


def test_prefetched_keeps_order_and_reraises_errors():
    assert list(prefetched(iter(range(5)))) == [0, 1, 2, 3, 4]

    def broken():
        yield 1
        raise ValueError("第 2 块无法读取")

    with pytest.raises(ValueError, match="第 2 块"):
        list(prefetched(broken()))


def test_prefetched_stops_its_producer_when_the_consumer_stops():
    made = []

    def endless():
        i = 0
        while True:
            made.append(i)
            yield i
            i += 1

    it = prefetched(endless())
    assert next(it) == 0
    it.close()
    n = len(made)
    assert n <= 3  # at most one item made ahead of the one taken
    assert not any(t.name == "dealresearch-read" and t.is_alive() for t in threading.enumerate())
