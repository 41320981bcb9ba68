"""Show a progress bar on standard error while a long vault load runs.

Takes the ``(stage, done, total)`` reports of :func:`wikigraph.vault.load_vault` and draws
them with rich, but only when standard error is a terminal, ``CI`` is not set, and the
load has already run for :data:`DELAY` seconds: quick runs, pipes and CI logs stay clean.
The bar is removed when the load ends. rich is imported only when a bar is drawn.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from wikigraph.vault import LoadProgress

DELAY = 1.0
"""Seconds a load runs before a bar appears."""
REFRESH = 0.1
"""Least seconds between two redraws."""
STAGES = {"parse": "parsing notes", "resolve": "resolving links"}


def wants_bar(stream: TextIO) -> bool:
    """Whether a bar may be drawn on ``stream``: a terminal, and not in CI."""
    if os.environ.get("CI"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class DelayedBar:
    """Receives load reports; draws a bar once the load has run for :data:`DELAY` seconds.

    The bar is refreshed by the reports themselves, never by a thread, so that worker
    processes can still be forked safely while it is shown.
    """

    def __init__(self, stream: TextIO, delay: float = DELAY) -> None:
        self.stream = stream
        self.start = time.monotonic()
        self.delay = delay
        self.bar: Progress | None = None
        self.task: TaskID | None = None
        self.stage = ""
        self.drawn = 0.0

    def report(self, stage: str, done: int, total: int) -> None:
        """Take one ``(stage, done, total)`` report."""
        now = time.monotonic()
        description = STAGES.get(stage, stage)
        if self.bar is None:
            if now - self.start < self.delay or done >= total:
                return
            self._open(description, total)
            self.stage = stage
        assert self.bar is not None and self.task is not None
        if stage != self.stage:
            self.stage = stage
            self.bar.reset(self.task, total=total, completed=done, description=description)
        else:
            self.bar.update(self.task, total=total, completed=done)
        if now - self.drawn >= REFRESH or done >= total:
            self.drawn = now
            self.bar.refresh()

    def _open(self, description: str, total: int) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        console = Console(file=self.stream, stderr=self.stream is sys.stderr)
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
            auto_refresh=False,
        )
        self.task = self.bar.add_task(description, total=total)
        self.bar.start()

    def close(self) -> None:
        """Remove the bar, if one was drawn."""
        if self.bar is not None:
            self.bar.stop()
            self.bar = None


@contextmanager
def load_progress(stream: TextIO | None = None) -> Iterator[LoadProgress | None]:
    """A progress callback for :func:`~wikigraph.vault.load_vault`, or None when silent."""
    target = stream if stream is not None else sys.stderr
    if not wants_bar(target):
        yield None
        return
    bar = DelayedBar(target)
    try:
        yield bar.report
    finally:
        bar.close()
