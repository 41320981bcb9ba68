"""The digests taken without hashlib are hashlib's, byte for byte."""

from __future__ import annotations

import hashlib

import pytest

from wikigraph.digests import blake2b, sha256


@pytest.mark.parametrize("data", [b"", b"a", "заметка".encode(), bytes(range(256)) * 40])
def test_digests__the_same_as_hashlib(data: bytes) -> None:
    assert sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()
    for size in (8, 16, 64):
        assert (
            blake2b(data, digest_size=size).digest()
            == hashlib.blake2b(data, digest_size=size).digest()
        )
    hasher = blake2b(digest_size=16)
    hasher.update(data)
    hasher.update(b"more")
    assert hasher.digest() == hashlib.blake2b(data + b"more", digest_size=16).digest()
