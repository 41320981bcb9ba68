"""Load a whole vault: scan → parse → resolve, and the graph on demand.

:func:`load_vault` is the library's front door. It returns a :class:`Vault` holding the
parsed notes, the resolved links, per-file problems and, built when first asked for, the
link index and the networkx graph. It never prints and never raises for problems inside
the vault; only a missing vault or invalid settings raise
(:class:`~wikigraph.errors.WikigraphError`).

The pipeline, and what makes it fast:

1. **Scan** the folder (:mod:`wikigraph.scan`): every file with its stat.
2. **Reuse** what the parse cache (:mod:`wikigraph.cache`) holds for notes whose stat is
   unchanged, without reading them.
3. **Read and parse** the other notes (:mod:`wikigraph.parallel`), on all cores when there
   is enough text; a note whose bytes turn out unchanged keeps its cached parse.
4. **Resolve** links: when no path, folder, alias, heading or block changed anywhere, a
   cached note keeps its cached resolutions; every other note is resolved against the
   link index, which is built only then.
5. **Store** what changed back in the cache.

Every path gives exactly the notes and links that parsing and resolving everything from
scratch gives (``tests/test_differential.py`` checks this).
"""

from __future__ import annotations

import contextlib
import gc
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from wikigraph.config import DEFAULT_VAULT, Settings, load_settings
from wikigraph.errors import ConfigError
from wikigraph.model import Note, Problem, ResolvedLink, VaultFile

if TYPE_CHECKING:
    import networkx as nx

    from wikigraph.cache import Entry, ParseCache, Update
    from wikigraph.resolve import VaultIndex

LoadProgress = Callable[[str, int, int], None]
"""Told ``(stage, done, total)`` as loading goes on; stages are ``parse`` and ``resolve``."""


@dataclass(frozen=True, slots=True)
class LoadStats:
    """How much work loading a vault took: what was read, parsed and resolved afresh."""

    notes: int = 0
    read: int = 0
    """Notes not known unchanged from their stat, so read (or found too large to read)."""
    parsed: int = 0
    """Notes parsed, or found unreadable, afresh (the others came from the cache)."""
    resolved: int = 0
    """Notes whose links were resolved (the others kept their cached resolutions)."""
    workers: int = 1
    """Processes that read and parsed notes."""


@dataclass(frozen=True)
class Vault:
    """A loaded vault. Paths are vault-relative, POSIX, as spelled on disk; all tuples sorted."""

    root: Path
    settings: Settings
    files: tuple[VaultFile, ...]
    notes: tuple[Note, ...]
    """Every note, excluded ones included (they stay link targets)."""
    links: tuple[ResolvedLink, ...]
    """Every link of every note that is not excluded, sorted by (source, line, column)."""
    folders: tuple[str, ...]
    scan_problems: Mapping[str, tuple[Problem, ...]] = field(default_factory=dict)
    index_source: Callable[[], VaultIndex] | None = field(default=None, repr=False, compare=False)
    """Gives the link index from the cache or by building it (see :attr:`index`)."""
    load_stats: LoadStats = field(default_factory=LoadStats, compare=False)
    note_digests: Mapping[str, tuple[bytes | None, bytes]] = field(
        default_factory=dict, repr=False, compare=False
    )
    """Per note path: the digest of the bytes it was parsed from (None when they were not
    read) and the digest of what it adds to the link index
    (:func:`wikigraph.resolve.index_part`)."""

    @cached_property
    def index(self) -> VaultIndex:
        """Everything a link can be matched against (made on first use)."""
        if self.index_source is not None:
            return self.index_source()
        from wikigraph.resolve import VaultIndex

        return VaultIndex.build(self.files, self.notes, self.folders)

    @cached_property
    def excluded(self) -> frozenset[str]:
        """Paths matched by ``exclude`` or Obsidian's "Excluded files"."""
        return frozenset(f.path for f in self.files if f.excluded)

    @cached_property
    def attachments(self) -> tuple[str, ...]:
        """Paths of the files that are not notes."""
        return tuple(f.path for f in self.files if not f.is_note)

    @cached_property
    def note_by_path(self) -> Mapping[str, Note]:
        """Notes keyed by their path."""
        return {note.path: note for note in self.notes}

    @cached_property
    def checked_notes(self) -> tuple[Note, ...]:
        """The notes whose links are checked and drawn (not excluded)."""
        return tuple(note for note in self.notes if note.path not in self.excluded)

    @cached_property
    def graph(self) -> nx.DiGraph[str]:
        """The typed link graph: notes, attachments, unresolved targets and tags as nodes."""
        from wikigraph.graph import build_graph

        attachments = [path for path in self.attachments if path not in self.excluded]
        return build_graph(self.checked_notes, attachments, self.links)


@dataclass(slots=True)
class _Loaded:
    """One note as this run came to know it."""

    file: VaultFile
    note: Note
    digest: bytes | None
    """Of the bytes parsed; None when the note was not read (too large, unreadable)."""
    part: bytes
    """What the note adds to the link index (:func:`wikigraph.resolve.index_part`)."""
    entry: Entry | None = None
    """The cache entry whose note is reused, if any."""
    store: bool = False
    """Write this note's row back to the cache."""
    resolved: tuple[ResolvedLink, ...] | None = None
    previews: bytes | None = None
    """The note's properties and excerpt as bytes, when the note was loaded without them
    (kept for the cache; see :func:`wikigraph.cache.split_previews`)."""
    resolved_here: bool = False
    """The links were resolved in this run (not taken from the cache)."""
    row_written: bool = False
    """Its cache row, without resolutions, was written as the vault loaded (``store``
    is then left to the resolve step, which sets it if it resolved the links)."""


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a vault loads.

    Loading creates hundreds of thousands of small objects and keeps nearly all of them;
    each collection their creation triggers walks all those kept so far, which costs
    about half of a run that reads from the cache. Parsing and decoding make no reference
    cycles, so nothing is left for the collector; its state is restored afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _IndexSource:
    """The vault's link index, built once, when first needed."""

    def __init__(
        self, files: tuple[VaultFile, ...], notes: tuple[Note, ...], folders: tuple[str, ...]
    ) -> None:
        self.files = files
        self.notes = notes
        self.folders = folders
        self.index: VaultIndex | None = None

    def __call__(self) -> VaultIndex:
        if self.index is None:
            from wikigraph.resolve import VaultIndex

            with _collector_paused():
                self.index = VaultIndex.build(self.files, self.notes, self.folders)
        return self.index


def open_parse_cache(settings: Settings, root: Path) -> ParseCache | None:
    """The parse cache of the vault at ``root``; None when caching is off or it cannot be
    opened.

    Raises:
        ConfigError: the cache folder is inside the vault.
    """
    from wikigraph.cachedir import is_inside_vault, vault_cache_dir

    folder = vault_cache_dir(settings, root)
    if folder is None:
        return None
    if is_inside_vault(folder, root):
        raise ConfigError(
            f'cache folder "{folder}" is inside the vault; wikigraph never writes into a vault'
            " (choose another --cache-dir, or pass --no-cache)"
        )
    from wikigraph.cache import ParseCache, cache_key

    key = cache_key(links_in_comments=settings.links_in_comments, alias_links=settings.alias_links)
    return ParseCache.open(folder, key)


ROWS_PER_WRITE = 1000
"""Notes parsed in workers are stored in the cache this many at a time, as they come."""


def _read(
    root: Path,
    files: Sequence[VaultFile],
    settings: Settings,
    cache: ParseCache | None,
    stored: Mapping[str, Entry],
    jobs: int | None,
    progress: LoadProgress | None,
    counts: dict[str, int],
    previews: bool,
) -> list[_Loaded]:
    """Every note: from the cache when its stat is unchanged, else read (and parsed).

    The rows of notes parsed in workers are written to ``cache`` as they come, from the
    bytes the workers sent, without their resolutions (:func:`_store` adds those): the
    encoding is not done twice, and this process does the writing while the workers
    parse, instead of after."""
    from wikigraph.cache import Update, fingerprint
    from wikigraph.parallel import Options, Task, read_notes, worker_count
    from wikigraph.resolve import index_part

    loaded: dict[str, _Loaded] = {}
    tasks: list[Task] = []
    for file in files:
        entry = stored.get(file.path)
        if entry is not None:
            # Made now, before any worker is forked: taking the cached note later, in
            # this process, would touch (and so copy) memory the workers share with it.
            loaded[file.path] = _Loaded(file, entry.note, entry.digest, entry.index_part, entry)
        if entry is None or entry.fingerprint != fingerprint(file):
            tasks.append(Task(file.path, file.size, entry.digest if entry else None))
    if tasks:
        done = 0
        total = len(tasks)

        def advance(count: int) -> None:
            nonlocal done
            done += count
            if progress is not None:
                progress("parse", done, total)

        if progress is not None:
            progress("parse", 0, total)
        options = Options.of(root, settings)
        by_path = {file.path: file for file in files}
        counts["read"] = total
        counts["workers"] = worker_count(tasks, jobs) if total > 1 else 1
        found = read_notes(tasks, options, jobs=jobs, progress=advance, previews=previews)
        rows: list[Update] = []
        for path, digest, note, apart, row in found:
            if note is None:  # read, and the bytes are the ones cached: store the new stat
                loaded[path].store = True
                continue
            counts["parsed"] += 1
            file = by_path[path]
            part = index_part(note)
            if cache is None or row is None or digest is None:
                store = digest is not None
                loaded[path] = _Loaded(file, note, digest, part, store=store, previews=apart)
                continue
            loaded[path] = _Loaded(file, note, digest, part, row_written=True)
            rows.append(
                Update(
                    path=path,
                    fingerprint=fingerprint(file),
                    digest=digest,
                    note=note,
                    index_part=part,
                    resolved=None,
                    resolved_under=None,
                    stored=row,
                )
            )
            if len(rows) >= ROWS_PER_WRITE:
                cache.write(rows, (), time.time_ns())
                rows.clear()
        if cache is not None and rows:
            cache.write(rows, (), time.time_ns())
    return [loaded[file.path] for file in files]


def _resolve(
    loaded: Sequence[_Loaded],
    source: _IndexSource,
    index_key: bytes,
    settings: Settings,
    progress: LoadProgress | None,
    counts: dict[str, int],
) -> None:
    """Resolve every checked note's links, reusing cached resolutions where they still hold."""
    from wikigraph.cache import decode_resolved

    pending: list[_Loaded] = []
    for item in loaded:
        if item.file.excluded:
            continue
        entry = item.entry
        if entry is not None and entry.resolved is not None and entry.resolved_under == index_key:
            item.resolved = decode_resolved(entry.resolved, item.note.links)
            entry.resolved = None  # the encoded copy is not needed again
        if item.resolved is None:
            pending.append(item)
    if not pending:
        return
    counts["resolved"] = len(pending)
    from wikigraph.resolve import ResolveOptions, resolve_links

    if progress is not None:
        progress("resolve", 0, len(pending))
    index = source()
    found = resolve_links(
        [item.note for item in pending], index, ResolveOptions(alias_links=settings.alias_links)
    )
    by_source: dict[str, list[ResolvedLink]] = {}
    for resolved in found:
        by_source.setdefault(resolved.link.source, []).append(resolved)
    for item in pending:
        item.resolved = tuple(by_source.get(item.note.path, ()))
        item.resolved_here = True
        item.store = item.digest is not None
    if progress is not None:
        progress("resolve", len(pending), len(pending))


def _store(
    cache: ParseCache,
    loaded: Sequence[_Loaded],
    stored: Mapping[str, Entry],
    index_key: bytes,
) -> None:
    from wikigraph.cache import Refresh, Update, fingerprint

    updates: list[Update] = []
    refreshes: list[Refresh] = []
    for item in loaded:
        if not item.store or item.digest is None:
            continue
        if item.row_written or (item.entry is not None and item.entry.digest == item.digest):
            # The row holds this note already: only its stat or resolutions are new.
            again = item.resolved if item.resolved_here else None
            under = index_key if again is not None else None
            refreshes.append(
                Refresh(item.file.path, item.digest, fingerprint(item.file), again, under)
            )
            continue
        updates.append(
            Update(
                path=item.file.path,
                fingerprint=fingerprint(item.file),
                digest=item.digest,
                note=item.note,
                index_part=item.part,
                resolved=item.resolved,
                resolved_under=index_key if item.resolved is not None else None,
                previews=item.previews,
            )
        )
    kept = {item.file.path for item in loaded if item.digest is not None}
    gone = [path for path in stored if path not in kept]
    cache.write(updates, gone, time.time_ns(), refreshes)


def load_vault(
    path: str | os.PathLike[str] | None = None,
    *,
    settings: Settings | None = None,
    progress: LoadProgress | None = None,
    jobs: int | None = None,
    previews: bool = True,
    parsed: Callable[[tuple[Note, ...]], None] | None = None,
) -> Vault:
    """Read the vault at ``path`` and resolve every link.

    Args:
        path: the vault folder; defaults to the configured vault, else ``notes``.
        settings: options; defaults to the configuration found from the current folder.
            ``cache_dir`` and ``no_cache`` choose the parse cache.
        progress: called with ``(stage, done, total)`` while notes are parsed and resolved.
        jobs: how many processes parse notes; by default all cores when there is enough
            to parse, else one.
        previews: False leaves each note's ``excerpt`` and ``properties`` empty, which only
            the graph view shows (checks never read them): a large vault then takes
            less memory. The parse cache keeps them either way.
        parsed: called with the notes whose links are checked (the vault's
            :attr:`~Vault.checked_notes`) once every note is read, before the links are
            resolved (a build starts rendering previews then).

    Raises:
        VaultError: the folder does not exist or cannot be read.
        ConfigError: the configuration is invalid, or the cache folder is inside the vault.
    """
    from wikigraph.scan import scan_vault

    if settings is None:
        settings = load_settings()
    root = Path(path) if path is not None else (settings.vault or DEFAULT_VAULT)
    with _collector_paused(), contextlib.ExitStack() as cleanup:
        scan = scan_vault(root, settings.exclude)
        cache = open_parse_cache(settings, root)
        if cache is not None:
            cleanup.callback(cache.close)
        stored = dict(cache.entries(previews=previews)) if cache is not None else {}
        note_files = [file for file in scan.files if file.is_note]
        counts = {"notes": len(note_files), "read": 0, "parsed": 0, "resolved": 0, "workers": 1}
        loaded = _read(root, note_files, settings, cache, stored, jobs, progress, counts, previews)
        from wikigraph.cache import index_fingerprint

        parts = [item.part for item in loaded]
        notes = tuple(item.note for item in loaded)
        if parsed is not None:
            excluded = {file.path for file in scan.files if file.excluded}
            parsed(tuple(note for note in notes if note.path not in excluded))
        index_key = index_fingerprint(scan.files, scan.folders, parts)
        source = _IndexSource(scan.files, notes, scan.folders)
        _resolve(loaded, source, index_key, settings, progress, counts)
        if cache is not None:
            _store(cache, loaded, stored, index_key)
    # Notes come sorted by path and each note's resolutions by (line, column), as
    # resolve_links gives them, so this is already (source, line, column) order.
    links = [resolved for item in loaded if item.resolved is not None for resolved in item.resolved]
    return Vault(
        root=root,
        settings=settings,
        files=scan.files,
        notes=notes,
        links=tuple(links),
        folders=scan.folders,
        scan_problems=scan.problems,
        index_source=source,
        load_stats=LoadStats(**counts),
        note_digests={item.note.path: (item.digest, item.part) for item in loaded},
    )
