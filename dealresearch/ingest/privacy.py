"""Pseudonymisation: keyed customer keys (HMAC-SHA256) and identity resolution.

The secret comes from ``$DEALRESEARCH_SECRET`` or from ``<data_dir>/.dealresearch.key``,
created on first use (random 256 bits, mode 0600; ``*.key`` is git-ignored). The same
person gets the same key in every project and every run as long as the secret is kept.

A key is ``HMAC(secret, "<kind>:<normalised value>")`` for kind ``id`` (18-char resident
ID), ``phone`` (digits) or ``code`` (CRM customer code), truncated to 128 bits (32 hex).
The ID key is the customer key; phone and code keys are *link keys* that resolve to a
customer key through ``links`` (learned from rows carrying both), else stand in for it.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

import pandas as pd
import pyarrow as pa

from .. import config
from .normalise import factorize

KEY_FILE = ".dealresearch.key"
SECRET_ENV = "DEALRESEARCH_SECRET"


def secret(store=None) -> bytes:
    """The pseudonymisation secret (env var, else key file, created on first use)."""
    env = os.environ.get(SECRET_ENV)
    if env:
        return env.encode("utf-8")
    path = Path(config.data_dir(store)) / KEY_FILE
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
        except FileExistsError:  # created concurrently: use the other one
            pass
    return path.read_text().strip().encode("utf-8")


class Pseudonymiser:
    """HMAC-SHA256 with the inner/outer states precomputed (one copy+update per value)."""

    def __init__(self, key: bytes):
        if len(key) > 64:
            key = hashlib.sha256(key).digest()
        key = key.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def _many(self, texts: list[str]) -> list[str]:
        ic, oc, out = self._inner.copy, self._outer.copy, []
        append = out.append
        for t in texts:  # distinct values only; no vectorised HMAC exists
            h = ic()
            h.update(t.encode("utf-8"))
            o = oc()
            o.update(h.digest())
            append(o.hexdigest()[:32])
        return out

    def keys(self, values: pd.Series, kind: str) -> pd.Series:
        """Keys for a Series of normalised values (missing stays missing). Hashes each
        distinct value once."""
        if not isinstance(values.array, pd.arrays.ArrowStringArray):
            values = values.astype("str")
        codes, uniques = factorize(values)  # Arrow dictionary encoding
        prefix = f"{kind}:"
        hashed = pa.array(self._many([prefix + v for v in pa.array(uniques).to_pylist()]), pa.string())
        taken = hashed.take(pa.array(codes, mask=codes < 0))
        return pd.Series(pd.arrays.ArrowStringArray(taken), index=values.index, dtype="str")


def learn_links(
    customer_key: pd.Series,
    *link_keys: pd.Series,
    links: pd.Series | None = None,
    only: pd.Series | None = None,
) -> pd.Series:
    """Link key → customer key, from rows that carry both (earlier links win; ``links``
    from earlier runs first). ``only`` restricts the new links to those keys."""
    frames = [] if links is None else [pd.DataFrame({"link": links.index.array, "key": links.array})]
    has = customer_key.notna().to_numpy()
    for lk in link_keys:
        ok = has & lk.notna().to_numpy()
        if only is not None:
            ok &= lk.isin(only).to_numpy()
        frames.append(pd.DataFrame({"link": lk.array[ok], "key": customer_key.array[ok]}))
    if not frames:
        return pd.Series(dtype="str")
    df = pd.concat(frames, ignore_index=True)
    df = df[~df["link"].duplicated(keep="first").to_numpy()]
    return pd.Series(df["key"].array, index=pd.Index(df["link"].array), dtype="str")


def resolve(primary: pd.Series, *link_keys: pd.Series, links: pd.Series) -> pd.Series:
    """Customer key per row: the primary key, else the first link key resolved through
    ``links`` (or standing for itself when unknown)."""
    out = primary.copy()
    for lk in link_keys:
        need = out.isna() & lk.notna()
        if need.any():
            via = lk[need].map(links).astype("str").fillna(lk[need])
            out = out.mask(need, via)
    return out.astype("str")
