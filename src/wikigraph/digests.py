"""BLAKE2b, the digest of every cache and state file, without loading OpenSSL.

Importing :mod:`hashlib` loads OpenSSL's libcrypto, about 2 ms: a thirtieth of a
``check`` that finds nothing changed. ``hashlib.blake2b`` is Python's own implementation
in any case (hashlib never takes BLAKE2 from OpenSSL), so this module takes it from there
directly, as :mod:`random` does for SHA-512, and falls back to :mod:`hashlib` on a Python
without it.
"""

from __future__ import annotations

try:
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - every CPython has it
    from hashlib import blake2b

__all__ = ["blake2b"]
