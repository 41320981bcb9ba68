"""Write files safely: atomically (temporary file + rename), never half-written."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a part."""
    write_atomic_pieces(path, (data,))


def write_atomic_pieces(path: Path, pieces: Iterable[bytes], *, durable: bool = True) -> None:
    """Write the concatenated ``pieces`` to ``path`` atomically, one piece at a time (the
    whole never needs to be in memory). ``durable`` waits until the data is on disk before
    the rename; a cache that can be made again does without.

    A symlink stays a symlink: its target is written. What is not a regular file (a
    device such as ``/dev/null``, a named pipe) cannot be replaced, so it is written
    straight to. A regular file keeps its permissions."""
    try:
        found = os.stat(path)
    except OSError:  # not there yet; or the write below reports what is wrong
        mode = 0o644
    else:
        if not stat.S_ISREG(found.st_mode) and not stat.S_ISDIR(found.st_mode):
            with open(path, "wb") as stream:
                for piece in pieces:
                    stream.write(piece)
            return
        mode = stat.S_IMODE(found.st_mode)
    if os.path.islink(path):
        path = Path(os.path.realpath(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            for piece in pieces:
                stream.write(piece)
            if durable:
                stream.flush()
                os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
