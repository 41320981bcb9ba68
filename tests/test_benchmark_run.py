"""The benchmark's measuring: timed runs are never slowed down by sampling memory."""

from __future__ import annotations

import sys
from pathlib import Path

from conftest import benchmark_script

ALLOCATE = "data = bytearray(60_000_000); data[::4096] = b'x' * len(data[::4096])"
"""A child process that touches 60 MB of its own memory."""


def test_a_timed_run_is_not_sampled_but_still_knows_its_largest_process(tmp_path: Path) -> None:
    run = benchmark_script("run")
    sample = run.measure([sys.executable, "-c", ALLOCATE], tmp_path)
    assert sample.returncode == 0
    assert sample.seconds > 0
    assert sample.peak_bytes >= 60_000_000  # the kernel's record of the largest process


def test_a_sampled_run_sees_the_memory_of_the_whole_tree(tmp_path: Path) -> None:
    run = benchmark_script("run")
    # The parent waits for two children that each hold 60 MB at the same time.
    tree = (
        "import subprocess, sys\n"
        f"code = {ALLOCATE!r} + '; import time; time.sleep(0.5)'\n"
        "children = [subprocess.Popen([sys.executable, '-c', code]) for _ in range(2)]\n"
        "for child in children: child.wait()\n"
    )
    sample = run.measure([sys.executable, "-c", tree], tmp_path, sample_memory=True)
    assert sample.returncode == 0
    assert sample.peak_bytes >= 120_000_000


def test_repeat_times_every_run_and_samples_one_more(tmp_path: Path) -> None:
    run = benchmark_script("run")
    bench = run.Bench(tmp_path, runs=3, obsidiantools_max=0)
    prepared: list[int] = []
    figure = bench.repeat("a run", [sys.executable, "-c", "pass"], prepared.append)
    assert prepared == [0, 1, 2, 3]  # the sampled run is prepared like the others
    assert len(figure.samples) == 3
    assert figure.sampled is not None
    assert figure.peak_bytes >= figure.sampled.peak_bytes > 0

    prepared.clear()
    figure = bench.repeat("a run", [sys.executable, "-c", "pass"], prepared.append, memory=False)
    assert prepared == [0, 1, 2]
    assert len(figure.samples) == 3
    assert figure.sampled is None
