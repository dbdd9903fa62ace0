"""Read ahead: the next table of a file is produced on a background thread while the
caller works on the current one (the CSV parse, in Arrow, overlaps the normalisation)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def prefetched(items: Iterable[T]) -> Iterator[T]:
    """``items`` with the next one produced on a background thread while the caller works
    on the current one (the CSV parse overlaps the normalisation). At most one item is
    made ahead; errors surface in the caller; stopping early stops the producer."""
    if isinstance(items, list | tuple):
        yield from items
        return
    ready: queue.Queue = queue.Queue(maxsize=1)
    slot = threading.Semaphore(1)  # a new item is started only once the previous one is taken
    stop = threading.Event()
    done = object()

    def put(value) -> bool:
        while not stop.is_set():
            try:
                ready.put(value, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
                while not slot.acquire(timeout=0.1):  # wait until the caller takes it
                    if stop.is_set():
                        return
                if stop.is_set():
                    return
        except BaseException as e:  # re-raised in the caller
            put(e)
            return
        put(done)

    slot.acquire()
    worker = threading.Thread(target=produce, name="dealresearch-read", daemon=True)
    worker.start()
    try:
        while (item := ready.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            slot.release()
            yield item
    finally:
        stop.set()
        slot.release()
        worker.join(timeout=5)
