"""Pseudonymisation: keyed customer keys (HMAC-SHA256) and identity resolution.

The secret comes from ``$DEALRESEARCH_SECRET`` or a key file outside the data (see
``keyring``). The same person gets the same key in every project and every run as long
as the secret is kept.

A key is ``HMAC(secret, "<kind>:<normalised value>")`` for kind ``id`` (18-char resident
ID), ``phone`` (digits) or ``code`` (CRM customer code), truncated to 128 bits (32 hex).
The ID key is the customer key; phone and code keys are *link keys* that resolve to a
customer key through ``links`` (learned from rows carrying both), else stand in for it
(see ``ingest.identity``).
"""

from __future__ import annotations

import hashlib

import numpy as np
import pyarrow as pa

from .normalise import matrix_strings

HASH_SLICE = 1 << 16  # values hashed per slice


def secret(store=None) -> bytes:
    """The pseudonymisation secret for ``store`` (``keyring`` rules: where it lives, first
    use, the store's fingerprint check)."""
    from .keyring import secret as _secret

    return _secret(store)


class Pseudonymiser:
    """HMAC-SHA256 with the inner/outer states precomputed (one copy+update per value)."""

    def __init__(self, key: bytes):
        if len(key) > 64:
            key = hashlib.sha256(key).digest()
        key = key.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def hash_texts(self, texts: pa.Array, kind: str) -> pa.Array:
        """Keys (32 hex chars) of distinct, non-missing texts, in order."""
        inner = self._inner.copy()
        inner.update(f"{kind}:".encode())
        ic, oc, parts = inner.copy, self._outer.copy, []
        texts = texts.cast(pa.binary())
        for start in range(0, len(texts), HASH_SLICE):  # slices: few Python objects alive at once
            digests = []
            append = digests.append
            for b in texts.slice(start, HASH_SLICE).to_pylist():  # no vectorised HMAC exists
                h = ic()
                h.update(b)
                o = oc()
                o.update(h.digest())
                append(o.digest())
            parts.append(_hex128(b"".join(digests), len(digests)))
        return pa.concat_arrays(parts) if parts else pa.array([], pa.large_string())


_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def _hex128(digests: bytes, n: int) -> pa.Array:
    """The first 128 bits of each 32-byte digest as 32 lower-case hex characters."""
    head = np.frombuffer(digests, dtype=np.uint8).reshape(n, 32)[:, :16]
    chars = np.empty((n, 32), dtype=np.uint8)
    chars[:, 0::2], chars[:, 1::2] = _HEX[head >> 4], _HEX[head & 15]
    return matrix_strings(chars)
