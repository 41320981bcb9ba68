"""Writing files atomically: new files, replaced files, symlinks, and named pipes (which
stand for every file that is not regular, such as ``/dev/null``)."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from wikigraph.files import write_atomic, write_atomic_pieces


def test_write_atomic__new_file_in_new_folders(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "report.txt"
    write_atomic_pieces(target, (b"one ", b"two"), durable=False)
    assert target.read_bytes() == b"one two"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.txt"]


def test_write_atomic__replaced_file_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    target.write_bytes(b"old")
    target.chmod(0o600)
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_write_atomic__symlink_stays_and_its_target_is_written(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    real = tmp_path / "real" / "report.txt"
    real.write_bytes(b"old")
    link = tmp_path / "report.txt"
    link.symlink_to(Path("real") / "report.txt")
    write_atomic(link, b"new")
    assert link.is_symlink() and os.readlink(link) == os.path.join("real", "report.txt")
    assert real.read_bytes() == b"new"
    assert sorted(p.name for p in (tmp_path / "real").iterdir()) == ["report.txt"]


def test_write_atomic__dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "report.txt"
    link.symlink_to(tmp_path / "out" / "report.txt")
    write_atomic(link, b"new")
    assert link.is_symlink()
    assert (tmp_path / "out" / "report.txt").read_bytes() == b"new"


def test_write_atomic__named_pipe_is_written_not_replaced(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()), daemon=True)
    reader.start()
    write_atomic_pieces(pipe, (b"through ", b"the pipe"))
    reader.join(timeout=10)
    assert received == [b"through the pipe"]
    assert stat.S_ISFIFO(pipe.lstat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_write_atomic__folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        write_atomic(tmp_path, b"x")
    assert tmp_path.is_dir()
