"""Read and parse many notes, on all cores when there is enough work to pay for it.

Takes the vault root and a list of :class:`Task` (a note path, its size, and the digest it
had when last parsed, if known); returns, per task, the digest of the bytes read and the
parsed :class:`~wikigraph.model.Note` (or None when the digest was the known one, so the
cached note still holds). Each file is read once, by whichever process parses it; results
travel back as plain lists (see :mod:`wikigraph.cache`) in :mod:`marshal` bytes, which is
several times cheaper than pickling the dataclasses and keeps the strings the codec
interned shared: every link to one note holds the same target string, in whichever worker
it was parsed.

Small batches stay in this process: starting workers costs tens of milliseconds, and
parsing runs at a few megabytes per second per core. Worker processes are forked where
that is safe (Linux, no other threads running) so that they start with the parser
already built; elsewhere they are spawned.
"""

from __future__ import annotations

import marshal
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from wikigraph.model import Note, Problem

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing
if TYPE_CHECKING:
    import multiprocessing.context

    from wikigraph.config import Settings

PARALLEL_MIN_BYTES = 1_500_000
"""Below this much text to parse, one process is faster than starting workers."""
BATCH_BYTES = 400_000
"""About how much text each unit of work sent to a worker holds."""

Progress = Callable[[int], None]
"""Told how many more notes are done."""


@dataclass(frozen=True, slots=True)
class Task:
    """A note to read, and parse unless its bytes are the ones parsed last time."""

    path: str
    size: int
    known_digest: bytes | None = None


@dataclass(frozen=True, slots=True)
class Options:
    """What the parse needs to know besides the files."""

    root: str
    max_size: int
    links_in_comments: bool

    @classmethod
    def of(cls, root: Path, settings: Settings) -> Options:
        """The options that ``settings`` give for the vault at ``root``."""
        return cls(os.fspath(root), settings.max_note_size, settings.links_in_comments)


Result = tuple[str, bytes | None, Note | None, bytes | None, tuple[bytes, bytes] | None]
"""(path, digest of the bytes read or None if unread, note or None if unchanged, the
note's properties and excerpt as bytes when the note comes without them, and, when a
worker parsed the note, the note and its properties and excerpt as marshal bytes, the
form in which the parse cache stores them)."""


def _too_large(path: str, size: int, max_size: int) -> Note:
    from wikigraph.parse import unparsed_note

    message = (
        f"note is {size / 1_000_000:.1f} MB, more than the"
        f" {max_size / 1_000_000:.1f} MB limit (max-note-size); not parsed"
    )
    return unparsed_note(path, [Problem("unreadable-file", message, severity="warning")])


class _Reader:
    """Reads and parses notes in one process, with one parser."""

    def __init__(self, options: Options) -> None:
        from wikigraph.parse import NoteParser

        self.options = options
        self.parser = NoteParser(links_in_comments=options.links_in_comments)

    def run(self, task: Task) -> tuple[str, bytes | None, Note | None]:
        from wikigraph.checkstate import content_digest
        from wikigraph.parse import unparsed_note

        max_size = self.options.max_size
        path = task.path
        if task.size > max_size:
            return path, None, _too_large(path, task.size, max_size)
        try:
            with open(os.path.join(self.options.root, path), "rb") as handle:
                data = handle.read(max_size + 1)
        except FileNotFoundError:
            problem = Problem(
                "unreadable-file", "file disappeared while the vault was read", severity="warning"
            )
            return path, None, unparsed_note(path, [problem])
        except OSError as error:
            problem = Problem("unreadable-file", f"cannot read: {error.strerror or error}")
            return path, None, unparsed_note(path, [problem])
        if len(data) > max_size:
            message = (
                f"note grew past the {max_size / 1_000_000:.1f} MB limit while it was read;"
                " not parsed"
            )
            problem = Problem("unreadable-file", message, severity="warning")
            return path, None, unparsed_note(path, [problem])
        digest = content_digest(data)
        if digest == task.known_digest:
            return path, digest, None
        return path, digest, self.parser.parse_bytes(path, data)


_worker: _Reader | None = None
"""The reader of a worker process (built before forking, or by :func:`_start_worker`)."""


def _start_worker(options: Options) -> None:
    global _worker
    if _worker is None or _worker.options != options:
        _worker = _Reader(options)


def _run_batch(tasks: Sequence[Task]) -> bytes:
    """Parse ``tasks``; the results as :mod:`marshal` bytes of ``(path, digest, note,
    previews)`` items, where ``note`` is the marshal bytes of the encoded note without its
    previews (see :func:`wikigraph.cache.split_previews`): the form in which the parse
    cache stores both. Marshal loads interned strings interned again; pickle does not."""
    from wikigraph.cache import NOTE_CODEC, split_previews

    assert _worker is not None
    out: list[tuple[str, bytes | None, bytes | None, bytes | None]] = []
    for task in tasks:
        path, digest, note = _worker.run(task)
        if note is None:
            out.append((path, digest, None, None))
        else:
            values = NOTE_CODEC.encode(note)
            apart = split_previews(values)
            out.append((path, digest, marshal.dumps(values), apart))
    return marshal.dumps(out)


def _batches(tasks: Sequence[Task]) -> list[list[Task]]:
    """Group tasks into units of about :data:`BATCH_BYTES`, biggest notes first."""
    batches: list[list[Task]] = []
    current: list[Task] = []
    size = 0
    for task in sorted(tasks, key=lambda t: -t.size):
        current.append(task)
        size += task.size
        if size >= BATCH_BYTES:
            batches.append(current)
            current, size = [], 0
    if current:
        batches.append(current)
    return batches


def available_cores() -> int:
    """How many cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return max(len(os.sched_getaffinity(0)), 1)
    return max(os.cpu_count() or 1, 1)


def _context() -> multiprocessing.context.BaseContext:
    import multiprocessing

    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def worker_count(tasks: Sequence[Task], jobs: int | None) -> int:
    """How many processes to parse ``tasks`` with: 1 unless the work is big enough."""
    if jobs is not None:
        return max(jobs, 1)
    total = sum(task.size for task in tasks)
    if total < PARALLEL_MIN_BYTES:
        return 1
    return max(1, min(available_cores(), total // (PARALLEL_MIN_BYTES // 2)))


def read_notes(
    tasks: Sequence[Task],
    options: Options,
    *,
    jobs: int | None = None,
    progress: Progress | None = None,
    previews: bool = True,
) -> Iterator[Result]:
    """Read and parse every task; results come in no particular order. With ``previews``
    False, each note comes without its properties and excerpt, given as bytes beside it
    (see :func:`wikigraph.cache.split_previews`)."""
    workers = worker_count(tasks, jobs)
    if workers <= 1 or len(tasks) < 2:
        from wikigraph.cache import NOTE_CODEC, split_previews

        reader = _Reader(options)
        for index, task in enumerate(tasks, 1):
            path, digest, note = reader.run(task)
            if note is None or previews:
                yield path, digest, note, None, None
            else:
                values = NOTE_CODEC.encode(note)
                apart = split_previews(values)
                yield path, digest, NOTE_CODEC.decode(values), apart, None
            if progress is not None and index % 64 == 0:
                progress(64)
        if progress is not None and len(tasks) % 64:
            progress(len(tasks) % 64)
        return
    yield from _read_in_workers(tasks, options, workers, progress, previews)


def _read_in_workers(
    tasks: Sequence[Task],
    options: Options,
    workers: int,
    progress: Progress | None,
    previews: bool,
) -> Iterator[Result]:
    from wikigraph.cache import NOTE_CODEC, join_previews

    context = _context()
    if context.get_start_method() == "fork":
        _start_worker(options)  # built once here, inherited by every worker
    pool = context.Pool(workers, initializer=_start_worker, initargs=(options,))
    try:
        for data in pool.imap_unordered(_run_batch, _batches(tasks)):
            batch = marshal.loads(data)
            for path, digest, stored, apart in batch:
                if stored is None:
                    yield path, digest, None, None, None
                    continue
                values = marshal.loads(stored)
                if previews:
                    join_previews(values, apart)
                    yield path, digest, NOTE_CODEC.decode(values), None, (stored, apart)
                else:
                    yield path, digest, NOTE_CODEC.decode(values), apart, (stored, apart)
            if progress is not None:
                progress(len(batch))
        pool.close()
    finally:
        pool.terminate()
        pool.join()


def root_text(root: Path) -> str:
    """The vault root as workers open files under it."""
    return os.fspath(root)
