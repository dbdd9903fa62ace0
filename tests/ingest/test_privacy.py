"""Pseudonyms: customer keys are standard HMAC-SHA256 of the normalised identifiers."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("secret", [b"bench", b"k" * 100])  # a secret over 64 bytes is hashed first
def test_customer_keys_are_standard_hmac_sha256(secret):
    import hashlib
    import hmac

    import pyarrow as pa

    from dealresearch.ingest.privacy import HASH_SLICE, Pseudonymiser

    values = [f"11010519491231{i:04d}" for i in range(HASH_SLICE + 3)]  # spans two slices
    got = Pseudonymiser(secret).hash_texts(pa.array(values), "id").to_pylist()
    for i in (0, HASH_SLICE - 1, HASH_SLICE, len(values) - 1):
        want = hmac.new(secret, f"id:{values[i]}".encode(), hashlib.sha256).hexdigest()[:32]
        assert got[i] == want
    assert (
        len(got) == len(values)
        and Pseudonymiser(secret).hash_texts(pa.array([], pa.string()), "id").to_pylist() == []
    )
