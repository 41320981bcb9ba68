"""Write files safely: atomically (temporary file + rename), never half-written."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a part."""
    write_atomic_pieces(path, (data,))


def write_atomic_pieces(path: Path, pieces: Iterable[bytes], *, durable: bool = True) -> None:
    """Write the concatenated ``pieces`` to ``path`` atomically, one piece at a time (the
    whole never needs to be in memory). ``durable`` waits until the data is on disk before
    the rename; a cache that can be made again does without."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            for piece in pieces:
                stream.write(piece)
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
