"""Background jobs: the same value with or without a child process, errors raised in the caller."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from wikigraph.background import Job, fork_is_safe


def _square_and_pid(value: int) -> tuple[int, int]:
    return value * value, os.getpid()


def _fail(message: str) -> None:
    raise ValueError(message)


def _unpicklable() -> object:
    return lambda: None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks only on Linux")
def test_job__runs_in_a_child_and_returns_its_value() -> None:
    assert fork_is_safe()
    job = Job(_square_and_pid, 7)
    assert job.forked
    value, pid = job.result()
    assert value == 49 and pid != os.getpid()
    assert job.result() == (49, pid)  # computed once


def test_job__inline_when_asked() -> None:
    job = Job(_square_and_pid, 3, background=False)
    assert not job.forked
    assert job.result() == (9, os.getpid())


def test_job__an_error_is_raised_in_the_caller() -> None:
    job = Job(_fail, "broken")
    with pytest.raises(ValueError, match="broken"):
        job.result()


def test_job__a_value_that_cannot_travel_is_computed_here() -> None:
    job = Job(_unpicklable)
    assert callable(job.result())


def test_job__never_forks_beside_another_thread() -> None:
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait)
    worker.start()
    try:
        assert not fork_is_safe()
        job = Job(_square_and_pid, 2)
        assert not job.forked
        assert job.result() == (4, os.getpid())
    finally:
        stop.set()
        worker.join()
