"""Helpers: the same value with or without a child process, errors raised in the caller."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from wikigraph.background import Helper, fork_is_safe

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks only on Linux")


def _square_and_pid(value: int) -> tuple[int, int]:
    return value * value, os.getpid()


def _fail(message: str) -> None:
    raise ValueError(message)


def _unpicklable() -> object:
    return lambda: None


def _total(values: np.ndarray) -> int:
    return int(values.sum())


def _when_exists(path: Path) -> str:
    while not path.exists():
        time.sleep(0.005)
    return path.read_text()


@linux
def test_helper__ready_once_the_child_has_sent_its_value(tmp_path: Path) -> None:
    go = tmp_path / "go"
    helper: Helper[str] = Helper()
    helper.start(_when_exists, go)
    time.sleep(0.05)
    assert not helper.ready()
    go.write_text("done")
    deadline = time.monotonic() + 30
    while not helper.ready():
        assert time.monotonic() < deadline
        time.sleep(0.005)
    assert helper.forked
    assert helper.result() == "done"
    assert not helper.forked
    assert helper.ready()


def test_helper__without_a_child_is_always_ready() -> None:
    helper: Helper[tuple[int, int]] = Helper(background=False)
    assert helper.ready()
    assert helper.start(_square_and_pid, 3).ready()
    assert helper.result() == (9, os.getpid())


@linux
def test_helper__runs_in_a_child_forked_before_the_call() -> None:
    assert fork_is_safe()
    helper: Helper[tuple[int, int]] = Helper()
    assert helper.forked
    value, pid = helper.start(_square_and_pid, 7).result()
    assert value == 49 and pid != os.getpid()
    assert helper.result() == (49, pid)  # received once
    assert not helper.forked  # the child is gone


@linux
def test_helper__large_arguments_travel() -> None:
    values = np.arange(3_000_000)
    assert Helper[int]().start(_total, values).result() == int(values.sum())


def test_helper__inline_when_asked() -> None:
    helper: Helper[tuple[int, int]] = Helper(background=False)
    assert not helper.forked
    assert helper.start(_square_and_pid, 3).result() == (9, os.getpid())


def test_helper__an_error_is_raised_in_the_caller() -> None:
    helper: Helper[None] = Helper()
    with pytest.raises(ValueError, match="broken"):
        helper.start(_fail, "broken").result()


def test_helper__a_value_that_cannot_travel_is_computed_here() -> None:
    assert callable(Helper[object]().start(_unpicklable).result())


def test_helper__arguments_that_cannot_travel_are_used_here() -> None:
    helper: Helper[int] = Helper()
    assert helper.start(lambda x: x + 1, 1).result() == 2
    assert not helper.forked


def test_helper__one_call_each_and_closing_unused() -> None:
    helper: Helper[tuple[int, int]] = Helper()
    helper.close()
    assert not helper.forked
    assert helper.start(_square_and_pid, 2).result() == (4, os.getpid())
    with pytest.raises(RuntimeError):
        helper.start(_square_and_pid, 2)
    with pytest.raises(RuntimeError):
        Helper[int](background=False).result()


def test_helper__never_forks_beside_another_thread() -> None:
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait)
    worker.start()
    try:
        assert not fork_is_safe()
        helper: Helper[tuple[int, int]] = Helper()
        assert not helper.forked
        assert helper.start(_square_and_pid, 2).result() == (4, os.getpid())
    finally:
        stop.set()
        worker.join()


@linux
def test_helper__a_child_let_go_without_a_call_exits_though_a_later_one_runs() -> None:
    """Each child sees its own pipe closed, though a child forked later inherited it."""
    first: Helper[int] = Helper()
    second: Helper[tuple[int, int]] = Helper()
    child = first._process
    assert child is not None and second.forked
    first.close()
    assert child.exitcode == 0  # it left on its own; one that had to be killed shows -9
    value, pid = second.start(_square_and_pid, 5).result()
    assert value == 25 and pid != os.getpid()


def _large_value() -> bytes:
    return bytes(4 * 1024 * 1024)  # far more than a pipe holds: sending waits for a reader


@linux
def test_helper__the_child_exits_once_its_value_is_sent() -> None:
    """The caller receives the value as soon as it comes, so the child (and its memory)
    is gone before the caller asks for the value."""
    helper: Helper[bytes] = Helper()
    child = helper._process
    assert child is not None
    helper.start(_large_value)
    child.join(timeout=60)
    assert child.exitcode == 0
    assert helper.ready()
    assert helper.result() == bytes(4 * 1024 * 1024)


@linux
def test_helper__closing_a_started_helper_ends_its_child() -> None:
    helper: Helper[None] = Helper()
    child = helper._process
    assert child is not None
    helper.start(time.sleep, 600)
    helper.close()
    assert child.exitcode == -9  # killed: its value was not wanted
    assert not helper.forked
