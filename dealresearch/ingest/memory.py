"""Give memory freed by an ingest step back to the operating system.

A large ingest allocates and frees big temporary arrays step after step. glibc's heap and
Arrow's memory pool keep freed memory for reuse, so without ``release`` the process peak
is the sum of the steps' high-water marks rather than the largest live working set.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from functools import cache

import pyarrow as pa


@cache
def _malloc_trim():
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (musl...): nothing to trim
        return None


def release() -> None:
    """Return free heap and Arrow pool memory to the OS (a few milliseconds)."""
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
