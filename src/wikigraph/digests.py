"""BLAKE2b and SHA-256 without loading OpenSSL.

Importing :mod:`hashlib` loads OpenSSL's libcrypto, about 2 ms: a thirtieth of a
``check`` that finds nothing changed. Python's own implementations give the same digests
(``hashlib.blake2b`` is always Python's own), so this module takes them from there, as
:mod:`random` does for SHA-512, and falls back to :mod:`hashlib` on a Python without them.
"""

from __future__ import annotations

try:
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - every CPython has it
    from hashlib import blake2b

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing
if TYPE_CHECKING:
    from hashlib import sha256  # the same type
else:
    try:
        from _sha2 import sha256  # Python 3.12 and later
    except ImportError:
        try:
            from _sha256 import sha256  # Python 3.11
        except ImportError:  # pragma: no cover
            from hashlib import sha256

__all__ = ["blake2b", "sha256"]
