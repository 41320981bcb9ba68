"""Remember the last ``wikigraph check`` of a vault, so that the next one does only what
changed since.

Takes the settings, how the report is shown (:class:`Shown`) and a way to load the whole
vault; returns the :class:`Report`: its text, the summary line and the exit code. After
each check the state is stored in the vault's cache folder (beside the parse cache, see
:mod:`wikigraph.cachedir`), one file per :func:`state_key`. The next check:

1. **Lists the vault** (:func:`list_vault`): every name (dot-names skipped, as the scan
   does), the stat of every note, the target of every symlink, and Obsidian's settings
   file. When that listing, the settings (and the baseline file) and wikigraph's code are
   those of the stored check, it prints the stored report: no note is read or parsed, and
   nothing is imported beyond this module. Notes changed less than :data:`RACY_NS` before
   the stored listing are read and compared by content, since a second change within the
   same timestamp tick would not show in their stat.
2. **Checks only the changed notes** when only files changed, were added or were removed
   (no folder, no symlink): they are read, and those whose bytes differ are parsed. If
   none of them changed its *surface* (aliases, headings, block ids: all that the links of
   other notes can match, see :func:`wikigraph.resolve.index_part`), every other note's
   findings still hold. Only the changed notes' links are resolved (against the link index
   rebuilt from the stored surfaces) and checked; a finding the note already had is reused,
   a new one that needs a "did you mean" builds the suggestions from the stored surfaces.
   The graph checks (``orphan-note``, ``unused-attachment``) are updated from stored
   counts of incoming links. Any number of notes may have a new stat with the same bytes,
   as every note has after a fresh checkout with the cache folder kept: they are read (on
   all cores when there is much to read) and their findings kept; only the few whose bytes
   differ (at most :data:`MAX_CHANGED_NOTES`) are parsed and checked again.

   When a file was added or removed (at most :data:`MAX_CHANGED_NOTES` of each), or a
   note changed its surface, the stored link index is updated, and other notes are checked
   again too, in full (from the parse cache), but only those whose findings may change:
   a note with a link without findings that looks up a name under which a file came, went
   or changed (each note's record keeps the names its links look up, see
   :func:`wikigraph.resolve.lookup_names`), and a note with a finding whose resolution or
   "did you mean" may change (:func:`wikigraph.checks.findings_may_change`).
3. **Checks the whole vault** otherwise (with the parse cache), and stores a new state.

Every path gives the same report, byte for byte (``tests/test_differential.py``). The state
file is replaced atomically, so runs sharing it read the old or the new one; every section
carries a CRC, and a state that is damaged, of another format or unreadable is ignored: the
vault is then checked in full. Nothing here raises for a problem with the state.
"""

from __future__ import annotations

import bisect
import functools
import marshal
import os
import stat
import sys
import time
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set
from pathlib import Path

from wikigraph.digests import blake2b

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing
if TYPE_CHECKING:
    from typing import Any

    from wikigraph.checks import Checker, CheckResult, Diagnostic, _Finding
    from wikigraph.config import Settings
    from wikigraph.model import Block, Heading, Link, Note, ResolvedLink
    from wikigraph.resolve import VaultIndex
    from wikigraph.vault import Vault

    Identity = tuple[object, ...]
    FindingRecord = tuple[str, str, str | None, str | None]
    ReadNotes = Mapping[str, tuple[bytes, Note | None]]
    """Notes a caller has just read: by path, the digest of the note's bytes and, when the
    caller parsed it, the note."""

STATE_FORMAT = 8
"""Bump when the layout of the state file changes."""
MAGIC = b"wikigraph-check\x00"
RACY_NS = 2_000_000_000
"""A note whose ctime is this close to the listing of a stored check is read again by the
next check (as :data:`wikigraph.cache.RACY_NS`)."""
MAX_CHANGED_NOTES = 64
"""With more notes whose bytes changed than this, the whole vault is checked (with the
parse cache). Any number of notes may have only a new stat (as after a fresh checkout)."""
MAX_RENDERS = 4
"""Renderings kept per state, one per way of showing the report (format, colour, paths)."""
APP_CONFIG = ".obsidian/app.json"

_LIBRARIES = ("markdown_it", "mdit_py_plugins", "yaml", "frontmatter")
"""Libraries whose version decides what is parsed (their ``__init__`` holds the version)."""

# What a listed entry is (its second item).
_NOTE, _FILE, _FOLDER, _LINK, _OTHER, _ERROR = "n", "f", "d", "l", "o", "!"


def content_digest(data: bytes) -> bytes:
    """The digest that identifies a file's bytes."""
    return blake2b(data, digest_size=16).digest()


def _dump(value: object) -> bytes:
    return marshal.dumps(value)  # type: ignore[arg-type]


def _load(data: bytes | memoryview) -> Any:
    return marshal.loads(data)


# --- listing --------------------------------------------------------------------------


class Listing:
    """All that a check depends on in the vault folder, read as cheaply as it can be.

    Entries are kept as columns: a path, a kind (a note, another file, a folder, a symlink,
    something else, or an error) and four numbers each (size, mtime_ns, inode and ctime_ns
    of notes and of what symlinks point to, else zeros); symlinks also have their real path
    and the mode of their target. Columns store and load far faster than a tuple per entry.
    """

    __slots__ = (
        "_modes", "_notes", "_where", "app_config", "digest", "kinds", "links", "paths", "safe",
        "started_ns", "stats",
    )  # fmt: skip

    def __init__(
        self,
        paths: list[str],
        kinds: str,
        stats: array[int],
        links: list[tuple[str, str, int]],
        app_config: bytes | None,
        safe: bool,
        started_ns: int,
    ) -> None:
        self.paths = paths
        self.kinds = kinds
        self.stats = stats
        self.links = links
        self._modes: dict[str, int] | None = None
        self._where: dict[str, int] | None = None
        self._notes: dict[str, int] | None = None
        self.app_config = app_config
        """The bytes of ``.obsidian/app.json``, or None when there is none."""
        self.safe = safe
        """False when the listing cannot stand for a scan: a symlinked folder (the scan
        follows it, the listing does not), an entry that could not be listed or stat'ed."""
        self.started_ns = started_ns
        """When the listing began (wall clock)."""
        hasher = blake2b(digest_size=16)
        for part in self._parts():
            hasher.update(len(part).to_bytes(8, "little"))
            hasher.update(part)
        self.digest = hasher.digest()

    def _parts(self) -> list[bytes]:
        # Format 2 keeps no references between objects, which would depend on reference
        # counts: the same values always give the same bytes.
        links = marshal.dumps((self.links, self.app_config, self.safe), 2)
        paths = "\0".join(self.paths).encode("utf-8", "surrogatepass")
        return [paths, self.kinds.encode(), self.stats.tobytes(), links]

    def encode(self) -> bytes:
        """The listing as stored (its start time and digest are not kept)."""
        return _dump(("\0".join(self.paths), self.kinds, self.stats.tobytes(), self.links))

    @staticmethod
    def decode(value: object) -> Listing:
        """A stored listing; raises :class:`StateError` when it is not one."""
        if not isinstance(value, tuple) or len(value) != 4:
            raise StateError("entries")
        paths, kinds, stats, links = value
        numbers = array("q")
        numbers.frombytes(stats)
        listed = paths.split("\0") if paths else []
        if len(listed) != len(kinds) or len(numbers) != 4 * len(kinds):
            raise StateError("entries")
        return Listing(listed, kinds, numbers, links, None, True, 0)

    def note_stat(self, index: int) -> tuple[int, int, int, int] | None:
        """(size, mtime_ns, inode, ctime_ns) of the entry at ``index`` if it is a note
        (also behind a symlink), else None."""
        kind = self.kinds[index]
        if kind == _NOTE or (kind == _LINK and self.paths[index][-3:].lower() == ".md"):
            stats = self.stats
            at = 4 * index
            if kind == _LINK:
                mode = self._link_mode(self.paths[index])
                if mode < 0 or not stat.S_ISREG(mode):  # broken, or not to a file
                    return None
            return stats[at], stats[at + 1], stats[at + 2], stats[at + 3]
        return None

    def _link_mode(self, path: str) -> int:
        """The mode of what the symlink at ``path`` points to (-1 when it leads nowhere)."""
        modes = self._modes
        if modes is None:
            modes = self._modes = {link: mode for link, _, mode in self.links}
        return modes.get(path, -1)

    def restat(self, root: str, paths: Iterable[str]) -> Listing | None:
        """This listing with the stat of the notes at ``paths`` taken again, as listing
        the vault would find them if nothing else changed; None when one of them is not a
        note (not behind a symlink) in this listing or is no longer a file."""
        started = time.time_ns()
        where = self._where
        if where is None:
            where = self._where = {path: i for i, path in enumerate(self.paths)}
        stats = array("q", self.stats)
        for path in paths:
            index = where.get(path)
            if index is None or self.kinds[index] != _NOTE:
                return None
            try:
                info = os.stat(os.path.join(root, path), follow_symlinks=False)
            except OSError:
                return None
            if not stat.S_ISREG(info.st_mode):
                return None
            at = 4 * index
            stats[at : at + 4] = array(
                "q", (info.st_size, info.st_mtime_ns, info.st_ino, info.st_ctime_ns)
            )
        found = Listing(
            self.paths, self.kinds, stats, self.links, self.app_config, self.safe, started
        )
        found._where, found._notes = where, self._notes
        return found

    def notes(self) -> dict[str, int]:
        """The index of every note entry, by path (not to be changed)."""
        if self._notes is None:
            kinds = self.kinds
            self._notes = {
                path: i
                for i, path in enumerate(self.paths)
                if kinds[i] in (_NOTE, _LINK) and self.note_stat(i) is not None
            }
        return self._notes


def list_vault(root: str) -> Listing:
    """List every entry under ``root`` as the scan sees it, statting only notes and
    symlinks. The order is the file system's, which stays the same while a folder does."""
    started = time.time_ns()
    paths: list[str] = []
    kinds: list[str] = []
    stats: list[int] = []
    links: list[tuple[str, str, int]] = []
    add_path, add_kind, add_stat = paths.append, kinds.append, stats.extend
    none = (0, 0, 0, 0)
    safe = True
    is_file, is_folder = stat.S_ISREG, stat.S_ISDIR
    note_suffixes = (".md", ".MD", ".Md", ".mD")  # one call, where slicing and lowering take three
    pending = [(root, "")]
    while pending:
        folder, rel = pending.pop()
        prefix = rel + "/" if rel else ""
        try:
            listing = os.scandir(folder)
        except OSError:
            add_path(rel)
            add_kind(_ERROR)
            add_stat(none)
            safe = False
            continue
        with listing:
            for entry in listing:
                name = entry.name
                if name[0] == ".":
                    continue
                path = prefix + name
                try:
                    if name.endswith(note_suffixes):  # most entries: one stat says it all
                        info = entry.stat(follow_symlinks=False)
                        if is_file(info.st_mode):
                            add_path(path)
                            add_kind(_NOTE)
                            add_stat((info.st_size, info.st_mtime_ns, info.st_ino,
                                      info.st_ctime_ns))  # fmt: skip
                            continue
                    if entry.is_symlink():
                        real = os.path.realpath(entry.path)
                        try:
                            info = entry.stat()
                        except FileNotFoundError:  # broken: the scan reports it
                            links.append((path, real, -1))
                            add_path(path)
                            add_kind(_LINK)
                            add_stat(none)
                            continue
                        if is_folder(info.st_mode):
                            safe = False
                        links.append((path, real, info.st_mode))
                        add_path(path)
                        add_kind(_LINK)
                        add_stat((info.st_size, info.st_mtime_ns, info.st_ino,
                                  info.st_ctime_ns))  # fmt: skip
                        continue
                    if entry.is_dir():
                        kind = _FOLDER
                        pending.append((entry.path, path))
                    else:
                        kind = _FILE if entry.is_file() else _OTHER
                except OSError:
                    kind = _ERROR
                    safe = False
                add_path(path)
                add_kind(kind)
                add_stat(none)
    try:
        with open(os.path.join(root, APP_CONFIG), "rb") as handle:
            app_config: bytes | None = handle.read()
    except FileNotFoundError:
        app_config = None
    except OSError:
        app_config, safe = b"", False
    return Listing(paths, "".join(kinds), array("q", stats), links, app_config, safe, started)


def app_config_digest(listing: Listing) -> bytes | None:
    """The digest of Obsidian's ``app.json`` as the listing read it; None without one."""
    config = listing.app_config
    return content_digest(config) if config is not None else None


# --- keys -----------------------------------------------------------------------------


def _file_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return b"?"


CHECK_SOURCES = (
    "__init__.py", "cache.py", "cachedir.py", "checks.py", "checkstate.py", "cli.py",
    "config.py", "digests.py", "errors.py", "files.py", "listing.py", "model.py",
    "parallel.py", "parse.py", "paths.py", "progress.py", "properties.py", "report.py",
    "resolve.py", "scan.py", "syntax.py", "vault.py", "commands/__init__.py",
    "commands/check.py",
)  # fmt: skip
"""The modules whose code decides what ``wikigraph check`` reports (the graph view's are
not among them); ``tests/test_checkstate.py`` checks that a check imports no other."""


@functools.cache  # the code does not change while a command runs
def code_digest() -> bytes:
    """A digest of the code that decides what a check reports, of the Python version and of
    the parsing libraries: when any changes, a stored report may not be what this code
    reports."""
    from wikigraph import __version__

    hasher = blake2b(digest_size=16)
    hasher.update(repr((STATE_FORMAT, __version__, sys.version)).encode())
    here = os.path.dirname(os.path.abspath(__file__))
    for name in CHECK_SOURCES:
        hasher.update(name.encode())
        hasher.update(_file_bytes(os.path.join(here, name)))
    import importlib.util

    for library in _LIBRARIES:
        try:
            spec = importlib.util.find_spec(library)
        except (ImportError, ValueError):
            spec = None
        origin = spec.origin if spec is not None else None
        hasher.update(_file_bytes(origin) if origin else library.encode())
    return hasher.digest()


def state_key(settings: Settings) -> str:
    """The key of a stored check: every setting that can change the report, the baseline
    file's bytes, and :func:`code_digest`."""
    baseline = settings.baseline
    baseline_digest: bytes | None = None
    if baseline is not None:
        try:
            baseline_digest = content_digest(baseline.read_bytes())
        except OSError as error:
            baseline_digest = type(error).__name__.encode()
    values = (
        tuple(settings.exclude),
        settings.alias_links,
        settings.links_in_comments,
        settings.max_note_size,
        settings.fail_level,
        tuple(settings.select),
        tuple(settings.ignore),
        tuple(settings.severity.items()),
        str(baseline) if baseline is not None else None,
        baseline_digest,
    )
    hasher = blake2b(digest_size=12)
    hasher.update(code_digest())
    hasher.update(repr(values).encode("utf-8", "surrogatepass"))
    return hasher.hexdigest()


class Shown:
    """How the report is shown: all that its text depends on besides the findings."""

    __slots__ = ("base", "color", "fail_level", "format", "vault")

    def __init__(self, format: str, vault: str, base: str, fail_level: str, color: bool) -> None:
        self.format = format
        self.vault = vault
        """The vault folder as the user named it (before paths in text output)."""
        self.base = base
        """The vault folder relative to the current folder (before paths for CI)."""
        self.fail_level = fail_level
        self.color = color

    def key(self) -> bytes:
        """What tells one rendering of a report from another."""
        values = repr((self.format, self.vault, self.base, self.fail_level, self.color))
        return blake2b(values.encode("utf-8", "surrogatepass"), digest_size=12).digest()


class Report:
    """A finished check: the report's text, the summary line, the exit code, and how the
    check was done (``stored``, ``notes:N`` for N notes checked again, or ``full``)."""

    __slots__ = ("_text", "data", "exit_code", "how", "listing", "result", "summary")

    def __init__(
        self,
        text: str | None,
        summary: str,
        exit_code: int,
        how: str = "full",
        data: bytes | None = None,
    ) -> None:
        assert text is not None or data is not None
        self._text = text
        self.data = data
        """The text as UTF-8, when it came so from the state (it holds no lone surrogate)."""
        self.summary = summary
        self.exit_code = exit_code
        self.how = how
        self.result: CheckResult | None = None
        """The findings, when the check had them at hand or was asked for them."""
        self.listing: Listing | None = None
        """The listing of the vault that the check went by, when it listed it."""

    @property
    def text(self) -> str:
        """The report."""
        if self._text is None:
            assert self.data is not None
            self._text = self.data.decode("utf-8")
        return self._text


# --- the state file -------------------------------------------------------------------

_TAIL = len(MAGIC) + 16
"""The file ends with the magic, the format, the header's size and the header's offset.
The sections come first and the header (with every section's offset, size and CRC) after
them, so that each section is written as soon as it is made, and the file in one pass."""

Section = bytes | Callable[[], bytes | Iterable[bytes]]
"""A section's bytes, or a function that makes them (all at once, or piece by piece) when
the section is written: a large vault's state then never holds all its sections in
memory at once, nor all of its largest sections."""


class StateError(Exception):
    """A stored state is damaged; the vault is checked without it."""


class StatePlace:
    """Where the state of a vault's checks is kept: a file in the cache folder (see
    :func:`state_place`), for the settings whose :func:`state_key` is ``key``."""

    def __init__(self, path: Path | None, key: str) -> None:
        self.path = path
        self.key = key

    def open(self) -> StateFile | None:
        """The stored state, if there is one of this format and key."""
        return StateFile.open(self) if self.path is not None else None

    def write(self, header: Mapping[str, object], sections: Mapping[str, Section]) -> None:
        """Store a new state (see :func:`write_state`)."""
        if self.path is not None:
            write_state(self.path, header, sections)


class HeldPlace(StatePlace):
    """A state held in memory between the checks of one process (``check --watch``):
    the next check reads it without reading or verifying the file, and it is written to
    the file only by :meth:`flush`, once the report has been shown. Without a ``path``
    (no cache) it lives only in memory."""

    def __init__(self, path: Path | None, key: str) -> None:
        super().__init__(path, key)
        self._held: tuple[dict[str, Any], dict[str, Section]] | None = None
        self._unwritten = False

    def open(self) -> StateFile | None:
        if self._held is None:
            return super().open()
        return HeldState(self, self._held[0], self._made())

    def write(self, header: Mapping[str, object], sections: Mapping[str, Section]) -> None:
        self._held = ({**header, "sections": dict.fromkeys(sections)}, dict(sections))
        self._unwritten = True

    def _made(self) -> dict[str, bytes]:
        """Every held section as bytes, made now if it was given as a function."""
        assert self._held is not None
        sections = self._held[1]
        for name, section in sections.items():
            if callable(section):
                made = section()
                sections[name] = made if isinstance(made, bytes) else b"".join(made)
        return sections  # type: ignore[return-value]

    def flush(self) -> None:
        """Write the held state to its file, if it has one and it changed since."""
        if self._held is None or not self._unwritten:
            return
        sections = self._made()
        if self.path is not None:
            write_state(self.path, self._held[0], sections)
        self._unwritten = False


class StateFile:
    """One stored check: a header, and named sections that are read only when needed."""

    def __init__(self, place: StatePlace, header: dict[str, Any], handle: int) -> None:
        self.place = place
        self.header = header
        self.handle = handle

    @classmethod
    def open(cls, place: StatePlace) -> StateFile | None:
        """The state in the file of ``place``, if it is of this format and stored under
        the place's key."""
        assert place.path is not None
        try:
            handle = os.open(place.path, os.O_RDONLY)
        except OSError:
            return None
        try:
            end = os.fstat(handle).st_size - _TAIL
            tail = os.pread(handle, _TAIL, end) if end >= 0 else b""
            if len(tail) != _TAIL or not tail.startswith(MAGIC):
                raise StateError("not a state file")
            version = int.from_bytes(tail[-16:-12], "little")
            size = int.from_bytes(tail[-12:-8], "little")
            where = int.from_bytes(tail[-8:], "little")
            if version != STATE_FORMAT:
                raise StateError("another format")
            if where + size != end:
                raise StateError("damaged")
            raw = os.pread(handle, size, where)
            header = _load(raw) if len(raw) == size else None
            if not isinstance(header, dict) or header.get("key") != place.key:
                raise StateError("another key")
            for name in ("sections", "renders"):
                if not isinstance(header.get(name), dict):
                    raise StateError(name)
        except (OSError, StateError, EOFError, ValueError, TypeError):
            os.close(handle)
            return None
        return cls(place, header, handle)

    def close(self) -> None:
        """Close the file."""
        if self.handle >= 0:
            os.close(self.handle)
            self.handle = -1

    def raw(self, name: str) -> bytes | None:
        """The bytes of a section; None if it is missing or damaged."""
        where = self.header["sections"].get(name)
        if not isinstance(where, tuple) or len(where) != 3:
            return None
        offset, length, crc = where
        try:
            data = os.pread(self.handle, length, offset)
        except (OSError, TypeError, ValueError, OverflowError):
            return None
        if len(data) != length or zlib.crc32(data) != crc:
            return None
        return data

    def section(self, name: str, decode: Callable[[bytes], Any] | None = None) -> Any:
        """A section's value (``decode`` of its bytes, marshal by default); raises
        :class:`StateError` when it cannot be read."""
        data = self.raw(name)
        if data is None:
            raise StateError(name)
        try:
            return (decode or _load)(data)
        except (EOFError, ValueError, TypeError) as error:
            raise StateError(name) from error

    def chunked(self, name: str) -> dict[Any, Any]:
        """A section written by :func:`dump_chunked`, as one dict; raises
        :class:`StateError` when it cannot be read."""
        found: dict[Any, Any] = self.section(name, load_chunked)
        return found

    def sections(self) -> dict[str, bytes]:
        """The bytes of every section; raises :class:`StateError` if one is damaged."""
        found = {}
        for name in self.header["sections"]:
            data = self.raw(name)
            if data is None:
                raise StateError(name)
            found[name] = data
        return found


class HeldState(StateFile):
    """A state held in memory by a :class:`HeldPlace`: its sections as they were made."""

    def __init__(self, place: StatePlace, header: dict[str, Any], sections: dict[str, bytes]):
        super().__init__(place, header, -1)
        self._sections = sections

    def raw(self, name: str) -> bytes | None:
        return self._sections.get(name)

    def sections(self) -> dict[str, bytes]:
        return dict(self._sections)


CHUNK_ITEMS = 4096
"""How many entries of a large mapping one piece of its section holds."""


def dump_chunked(items: Iterable[tuple[object, object]]) -> Iterator[bytes]:
    """A section holding a large mapping, given as (key, value) pairs, made a piece at a
    time: each piece is the size of its marshal bytes (4 bytes) and a dict of at most
    :data:`CHUNK_ITEMS` entries, so that neither the whole mapping nor all of its bytes
    are held at once."""
    chunk: dict[object, object] = {}
    for key, value in items:
        chunk[key] = value
        if len(chunk) >= CHUNK_ITEMS:
            data = _dump(chunk)
            chunk.clear()
            yield len(data).to_bytes(4, "little")
            yield data
    data = _dump(chunk)
    yield len(data).to_bytes(4, "little")
    yield data


def load_chunked(data: bytes) -> dict[Any, Any]:
    """The mapping :func:`dump_chunked` wrote; raises ValueError when it does not hold one."""
    found: dict[Any, Any] = {}
    view = memoryview(data)
    start = 0
    while start < len(view):
        size = int.from_bytes(view[start : start + 4], "little")
        end = start + 4 + size
        if end > len(view):
            raise ValueError("a piece runs past the end of its section")
        part = marshal.loads(view[start + 4 : end])
        if not isinstance(part, dict):
            raise ValueError("a piece is not a mapping")
        found.update(part)
        start = end
    return found


def write_state(path: Path, header: Mapping[str, object], sections: Mapping[str, Section]) -> None:
    """Write a state file atomically, making and writing one section at a time; give up
    silently when the folder cannot be written (the state is only a cache)."""
    from wikigraph.files import write_atomic_pieces

    try:
        write_atomic_pieces(path, _state_pieces(header, sections), durable=False)
    except OSError:
        return
    from wikigraph.cachedir import remove_stale

    remove_stale(path, "check-*.state")


def _state_pieces(header: Mapping[str, object], sections: Mapping[str, Section]) -> Iterator[bytes]:
    """The bytes of a state file: each section as it is made, the header, the tail."""
    table: dict[str, tuple[int, int, int]] = {}
    offset = 0
    for name, section in sections.items():
        made = section() if callable(section) else section
        length = crc = 0
        for piece in (made,) if isinstance(made, bytes) else made:
            yield piece
            length += len(piece)
            crc = zlib.crc32(piece, crc)
        table[name] = (offset, length, crc)
        offset += length
        del made  # not held while the next section is made
    encoded = _dump({**header, "sections": table})
    yield encoded
    yield (
        MAGIC
        + STATE_FORMAT.to_bytes(4, "little")
        + len(encoded).to_bytes(4, "little")
        + offset.to_bytes(8, "little")
    )


def state_place(settings: Settings, root: Path) -> StatePlace | None:
    """Where the check state of the vault at ``root`` lives; None when caching is off."""
    from wikigraph.cachedir import state_dir

    folder = state_dir(settings, root)
    if folder is None:
        return None
    key = state_key(settings)
    return StatePlace(folder / f"check-{key}.state", key)


def held_place(settings: Settings, root: Path) -> HeldPlace:
    """Where :class:`Watching` holds the check state of the vault at ``root``: in memory,
    and in the file :func:`state_place` names, if caching is on."""
    place = state_place(settings, root)
    if place is None:
        return HeldPlace(None, state_key(settings))
    return HeldPlace(place.path, place.key)


# --- what the state holds -------------------------------------------------------------


class _NoteRecord:
    """What the state keeps about one note."""

    __slots__ = ("digest", "fine", "memo", "parsed", "reads", "suppression", "surface", "targets")

    def __init__(
        self,
        digest: bytes | None,
        surface: bytes,
        memo: Mapping[Identity, Sequence[FindingRecord]],
        fine: bytes,
        suppression: tuple[tuple[str, ...] | None, tuple[tuple[int, tuple[str, ...]], ...]] | None,
        targets: tuple[str, ...] | None,
        parsed: bool,
        reads: tuple[str, ...],
    ) -> None:
        self.digest = digest
        """Of the bytes the note was parsed from; None when they could not be read."""
        self.surface = surface
        """What the note adds to the link index (:func:`wikigraph.resolve.index_part`)."""
        self.memo = memo
        """The findings of each of its links that has some, by :func:`link_identity`."""
        self.fine = fine
        """The :func:`identity_digest` of each of its links that has no finding, joined."""
        self.suppression = suppression
        """Its ``wikigraph-ignore`` property and comments, if any."""
        self.targets = targets
        """The files its links join it to in the graph checks (when they are on)."""
        self.parsed = parsed
        self.reads = reads
        """The names its links without findings look up (see
        :func:`wikigraph.resolve.lookup_names`): only a file added or removed, or a note
        changed, under one of them can give such a link a finding."""

    @classmethod
    def of(
        cls,
        note: Note,
        digest: bytes | None,
        surface: bytes,
        memo: Mapping[Identity, Sequence[FindingRecord]],
        fine: Iterable[bytes],
        targets: Iterable[str] | None,
        reads: Iterable[str] = (),
    ) -> _NoteRecord:
        suppression = None
        if note.suppressions or note.ignored_checks is not None:
            ignored = None if note.ignored_checks is None else tuple(sorted(note.ignored_checks))
            lines = tuple((s.line, tuple(sorted(s.codes))) for s in note.suppressions)
            suppression = (ignored, lines)
        kept = tuple(sorted(set(targets))) if targets is not None else None
        joined = b"".join(sorted(set(fine)))
        names = tuple(sorted(set(reads)))
        return cls(digest, surface, memo, joined, suppression, kept, note.parsed, names)

    def encode(self) -> bytes:
        """The digest first (its length in one byte, then its bytes), so that
        :meth:`digest_in` finds it without decoding the rest; then the rest, marshalled."""
        memo = tuple((identity, tuple(found)) for identity, found in self.memo.items())
        values = (self.surface, memo, self.fine, self.suppression, self.targets, self.parsed,
                  self.reads)  # fmt: skip
        digest = self.digest if self.digest is not None else b""
        return bytes([len(digest)]) + digest + _dump(values)

    @staticmethod
    def digest_in(blob: object) -> bytes | None:
        """The :attr:`digest` of an encoded record, read without decoding the rest."""
        if not isinstance(blob, bytes) or not blob or len(blob) <= blob[0]:
            raise StateError("notes")
        return blob[1 : 1 + blob[0]] or None

    @classmethod
    def decode(cls, blob: object) -> _NoteRecord:
        digest = cls.digest_in(blob)
        assert isinstance(blob, bytes)
        try:
            values = _load(memoryview(blob)[1 + blob[0] :])
            surface, memo, fine, suppression, targets, parsed, reads = values
            return cls(digest, surface, dict(memo), fine, suppression, targets, parsed, reads)
        except (EOFError, ValueError, TypeError) as error:
            raise StateError("notes") from error

    def fine_digests(self) -> set[bytes]:
        """The digests in :attr:`fine`."""
        fine = self.fine
        return {fine[at : at + _IDENTITY_BYTES] for at in range(0, len(fine), _IDENTITY_BYTES)}

    def stand_in(self, path: str) -> Note | None:
        """A note holding only this note's suppressions, which is all that settling a
        finding reads from it; None when it has none."""
        if self.suppression is None:
            return None
        from wikigraph.model import Note, Suppression

        ignored, lines = self.suppression
        return Note(
            path=path,
            title="",
            suppressions=tuple(Suppression(line, frozenset(codes)) for line, codes in lines),
            ignored_checks=frozenset(ignored) if ignored is not None else None,
        )


class _ReportRecord:
    """The findings of a stored check, per path, and what the report says besides."""

    __slots__ = ("by_path", "checks", "hidden", "incoming", "note_paths", "notes")

    def __init__(
        self,
        by_path: dict[str, list[tuple[Any, ...]]],
        hidden: dict[str, list[int]],
        notes: int,
        note_paths: tuple[str, ...],
        checks: tuple[tuple[str, str], ...],
        incoming: dict[str, int] | None,
    ) -> None:
        self.by_path = by_path
        """The diagnostics of each path that has some, in order."""
        self.hidden = hidden
        """Per path: how many findings were [suppressed, baselined], when any were."""
        self.notes = notes
        self.note_paths = note_paths
        self.checks = checks
        """The checks that ran and their severity."""
        self.incoming = incoming
        """For the graph checks: how many checked notes link to each file."""

    def encode(self) -> bytes:
        values = (self.by_path, self.hidden, self.notes, self.note_paths, self.checks)
        return _dump((*values, self.incoming))

    @classmethod
    def decode(cls, value: object) -> _ReportRecord:
        if not isinstance(value, tuple) or len(value) != 6:
            raise StateError("report")
        return cls(*value)

    def replace(self, path: str, diagnostics: Iterable[Diagnostic], hidden: Sequence[int]) -> None:
        """Make ``diagnostics`` and ``hidden`` the findings of ``path``."""
        self.by_path.pop(path, None)
        self.hidden.pop(path, None)
        records = [_diagnostic_record(d) for d in diagnostics]
        if records:
            self.by_path[path] = records
        if any(hidden):
            self.hidden[path] = list(hidden)

    def result(self) -> CheckResult:
        """The check's result, with every diagnostic in order."""
        from wikigraph.checks import CheckResult, Diagnostic, Severity

        diagnostics = [
            Diagnostic(d[0], d[1], d[2], d[3], d[4], Severity(d[5]), d[6], d[7], d[8], d[9], d[10])
            for path in sorted(self.by_path)
            for d in self.by_path[path]
        ]
        return CheckResult(
            diagnostics=tuple(diagnostics),
            notes=self.notes,
            note_paths=tuple(self.note_paths),
            checks={code: Severity(level) for code, level in self.checks},
            baselined=sum(counts[1] for counts in self.hidden.values()),
            suppressed=sum(counts[0] for counts in self.hidden.values()),
        )


def _diagnostic_record(d: Diagnostic) -> tuple[object, ...]:
    return (d.path, d.line, d.column, d.end_line, d.end_column, d.severity.value, d.code,
            d.message, d.hint, d.suggestion, d.fingerprint)  # fmt: skip


def _place(record: Sequence[Any]) -> tuple[int, int, str, str]:
    """Where a stored diagnostic sorts in its file: line, column, code, message."""
    return (record[1], record[2], record[6], record[7])


def link_identity(link: Link) -> Identity:
    """Everything about a link but its place: two links of a note with the same identity
    resolve, and are reported, alike (while the rest of the vault stays the same)."""
    return (link.raw, link.kind.value, link.location.value, link.property, link.path,
            link.subpath, link.display, link.is_url)  # fmt: skip


_IDENTITY_BYTES = 16


def identity_digest(identity: Identity) -> bytes:
    """A digest of a link's identity, by which the state remembers links without findings."""
    data = marshal.dumps(identity, 2)  # type: ignore[arg-type]
    return blake2b(data, digest_size=_IDENTITY_BYTES).digest()


def _finding_record(finding: _Finding) -> FindingRecord:
    return (finding.code, finding.message, finding.hint, finding.suggestion)


def _surface_record(note: Note) -> bytes:
    """What the links of other notes can match in ``note``: aliases, headings, blocks."""
    headings = tuple((h.text, h.level, h.line) for h in note.headings)
    blocks = tuple((b.id, b.line, b.column) for b in note.blocks)
    return _dump((note.aliases, headings, blocks))


def _headings_of(surface: bytes) -> tuple[Heading, ...]:
    from wikigraph.model import Heading

    return tuple([Heading(text, level, line) for text, level, line in _load(surface)[1]])


def _surface_note(path: str, surface: bytes) -> Note:
    """The note at ``path`` as far as its stored ``surface`` tells: its title, aliases,
    headings and blocks."""
    from wikigraph.model import Note
    from wikigraph.parse import note_title

    aliases = tuple(_load(surface)[0])
    return Note(path=path, title=note_title(path), aliases=aliases,
                headings=_headings_of(surface), blocks=_blocks_of(surface))  # fmt: skip


def _blocks_of(surface: bytes) -> tuple[Block, ...]:
    from wikigraph.model import Block

    return tuple([Block(id_, line, column) for id_, line, column in _load(surface)[2]])


# --- checking -------------------------------------------------------------------------


def check(
    settings: Settings,
    shown: Shown,
    load: Callable[[], Vault],
    *,
    with_result: bool = False,
    listing: Listing | None = None,
    read: ReadNotes | None = None,
) -> Report:
    """Check the vault of ``settings`` as cheaply as the stored state allows.

    ``load`` loads the whole vault (with progress and the parse cache) when it must be
    checked in full. With ``with_result``, the report's :attr:`Report.result` holds the
    findings also when the stored report is replayed. ``listing`` is the vault's
    :func:`list_vault`, and ``read`` the notes the caller has read since, when it has
    them: they are not read again.

    Raises:
        WikigraphError: the settings are invalid or the vault cannot be read, as loading
            the vault or running the checks raise them.
    """
    root = _vault_root(settings)
    place = state_place(settings, root) if os.path.isdir(root) else None
    return _check(settings, root, shown, load, place, listing, read, with_result=with_result)


def _vault_root(settings: Settings) -> Path:
    return Path(settings.vault) if settings.vault is not None else Path("notes")


def _check(
    settings: Settings,
    root: Path,
    shown: Shown,
    load: Callable[[], Vault],
    place: StatePlace | None,
    listing: Listing | None,
    read: ReadNotes | None = None,
    *,
    with_result: bool = False,
) -> Report:
    """:func:`check` of the vault at ``root``, with the state kept at ``place`` (None:
    nowhere, as when ``root`` is not a folder), and the ``listing`` of the vault and the
    notes ``read`` since when the caller has them."""
    if place is None:
        return _full(settings, shown, load, None, None)
    if listing is None:
        listing = list_vault(os.fspath(root))
    stored = place.open()
    report: Report | None = None
    if stored is not None:
        report = _from_stored(stored, listing, settings, shown, root, with_result, read)
    if report is None:
        report = _full(settings, shown, load, place, listing)
    report.listing = listing
    return report


def _from_stored(
    stored: StateFile,
    listing: Listing,
    settings: Settings,
    shown: Shown,
    root: Path,
    with_result: bool,
    read: ReadNotes | None = None,
) -> Report | None:
    """The report from the stored state and what changed since (``read``: notes the
    caller has read, see :func:`check`); None when the vault must be checked in full."""
    report = None
    try:
        report = _unchanged(stored, listing, shown, root)
        if report is None:
            report = _changed(stored, listing, settings, shown, root, read)
        if report is not None and with_result and report.result is None:
            # A stored rendering: the stored findings are this check's findings.
            report.result = _ReportRecord.decode(stored.section("report")).result()
    except StateError:
        report = None
    finally:
        stored.close()
    return report


class Watching:
    """The checks of one vault, again and again, in one process (``check --watch``).

    The state is held in memory between checks (see :class:`HeldPlace`), and written to
    the cache folder by :meth:`flush`, after the report is shown. When a file watcher
    says which notes were modified, and nothing else changed, only their stat is taken
    again instead of listing the vault. Each check gives the report a fresh
    ``wikigraph check`` would give.
    """

    def __init__(self) -> None:
        self._place: HeldPlace | None = None
        self._listing: Listing | None = None

    def check(
        self,
        settings: Settings,
        shown: Shown,
        load: Callable[[], Vault],
        modified: Iterable[str] | None,
    ) -> Report:
        """Check the vault of ``settings``. ``modified`` holds the notes (paths in the
        vault) modified since the last check, when nothing else in the vault changed;
        None when more may have changed, or it is not known."""
        root = _vault_root(settings)
        if not os.path.isdir(root):
            self._place = self._listing = None
            return _check(settings, root, shown, load, None, None)
        place = held_place(settings, root)
        if self._place is None or (self._place.path, self._place.key) != (place.path, place.key):
            self._place, self._listing = place, None
        listing = None
        if modified is not None and self._listing is not None:
            listing = self._listing.restat(os.fspath(root), modified)
        report = _check(settings, root, shown, load, self._place, listing)
        self._listing = report.listing
        return report

    def flush(self) -> None:
        """Write the state of the last check to the cache folder (when caching is on)."""
        if self._place is not None:
            self._place.flush()


def render(result: CheckResult, shown: Shown, how: str) -> Report:
    """The report of ``result``, shown as ``shown`` asks."""
    from wikigraph.checks import Severity
    from wikigraph.report import ReportOptions, format_report, summary_line

    fail_level = Severity(shown.fail_level)
    options = ReportOptions(
        vault=shown.vault, base=shown.base, fail_level=fail_level, color=shown.color
    )
    text = format_report(result, shown.format, options)
    report = Report(text, summary_line(result), result.exit_code(fail_level), how)
    report.result = result
    return report


def racy_notes(
    listing: Listing, digest_of: Callable[[str], bytes | None]
) -> tuple[tuple[str, bytes | None], ...]:
    """The notes whose stat the next run cannot trust (changed less than :data:`RACY_NS`
    before ``listing``), with the digests of their bytes (``digest_of`` a path; None when
    it is not known)."""
    since = listing.started_ns - RACY_NS
    stats, kinds, paths = listing.stats, listing.kinds, listing.paths
    found = []
    for index in range(3, len(stats), 4):  # every ctime
        if stats[index] >= since:
            at = index // 4
            if kinds[at] in (_NOTE, _LINK) and listing.note_stat(at) is not None:
                found.append((paths[at], digest_of(paths[at])))
    return tuple(found)


def same_bytes(root: Path, path: str, digest: bytes | None) -> bool:
    """Whether the file at ``path`` in ``root`` holds the bytes of ``digest``."""
    if digest is None:
        return False
    try:
        with open(root / path, "rb") as handle:
            return content_digest(handle.read()) == digest
    except OSError:
        return False


def _unchanged(stored: StateFile, listing: Listing, shown: Shown, root: Path) -> Report | None:
    """The stored report, when nothing it depends on changed."""
    header = stored.header
    if not listing.safe or header.get("listing") != listing.digest:
        return None
    racy = header.get("racy")
    if not isinstance(racy, tuple):
        return None
    for path, digest in racy:
        if not same_bytes(root, path, digest):
            return None
    summary, exit_code = header.get("summary"), header.get("exit")
    if not isinstance(summary, str) or not isinstance(exit_code, int):
        return None
    if racy:
        # They hold the same bytes; once their stat is old enough, it can be trusted.
        notes = listing.notes()
        since = listing.started_ns - RACY_NS
        recent = tuple(r for r in racy if listing.stats[4 * notes[r[0]] + 3] >= since)
        if len(recent) < len(racy):
            header = stored.header = {**header, "racy": recent}
            stored.place.write(header, stored.sections())
    report = _stored_render(stored, shown, "stored")
    if report is not None:
        return report
    # Shown another way (format, colour, vault path): render the stored findings, and
    # keep that rendering too.
    report = render(_ReportRecord.decode(stored.section("report")).result(), shown, "stored")
    _write_with_render(stored.place, dict(header), stored.sections(), shown, report)
    return report


def _stored_render(stored: StateFile, shown: Shown, how: str) -> Report | None:
    """The stored rendering of the report as ``shown`` asks, if there is one."""
    header = stored.header
    name = header["renders"].get(shown.key())
    data = stored.raw(name) if isinstance(name, str) else None
    summary, exit_code = header.get("summary"), header.get("exit")
    if data is None or not isinstance(summary, str) or not isinstance(exit_code, int):
        return None
    if name in header.get("surrogates", ()):
        return Report(data.decode("utf-8", "surrogatepass"), summary, exit_code, how)
    return Report(None, summary, exit_code, how, data)


def _write_with_render(
    place: StatePlace,
    header: dict[str, Any],
    given: Mapping[str, Section],
    shown: Shown,
    report: Report,
) -> None:
    """Store the state with ``report``'s text as the rendering for ``shown``, keeping the
    latest few others that ``header`` lists."""
    sections = dict(given)
    renders: dict[bytes, str] = dict(header.get("renders") or {})
    renders.pop(shown.key(), None)
    while len(renders) >= MAX_RENDERS:
        del renders[next(iter(renders))]
    used = set(renders.values())
    for name in [n for n in sections if n.startswith("render-") and n not in used]:
        del sections[name]
    name = next(f"render-{i}" for i in range(MAX_RENDERS + 1) if f"render-{i}" not in used)
    surrogates = [n for n in header.get("surrogates", ()) if n in used]
    try:
        sections[name] = report.text.encode("utf-8")
    except UnicodeEncodeError:  # a file name that is not UTF-8
        sections[name] = report.text.encode("utf-8", "surrogatepass")
        surrogates.append(name)
    renders[shown.key()] = name
    place.write({**header, "renders": renders, "surrogates": surrogates}, sections)


def _full(
    settings: Settings,
    shown: Shown,
    load: Callable[[], Vault],
    place: StatePlace | None,
    listing: Listing | None,
) -> Report:
    """Load and check the whole vault; store the state when there is a place for it."""
    from wikigraph.checks import Checker

    vault = load()
    checker = Checker(settings, lambda: vault)
    memo: dict[str, dict[Identity, list[FindingRecord]]] = {}

    def remember(resolved: Any, found: list[_Finding]) -> None:
        if found:
            link = resolved.link
            memo.setdefault(link.source, {})[link_identity(link)] = [
                _finding_record(f) for f in found
            ]

    findings = checker.findings(remember if place is not None else None)
    checker.forget_suggestions()  # a large vault's name indexes: not needed to store
    diagnostics, hidden = checker.settle(findings, vault.note_by_path)
    del findings
    result = checker.result(diagnostics, hidden)
    report = render(result, shown, "full")
    if place is not None and listing is not None and _listed_as_scanned(listing, vault):
        _store_full(place, listing, vault, checker, memo, result, hidden, shown, report)
    return report


def _listed_as_scanned(listing: Listing, vault: Vault) -> bool:
    """Whether the listing (taken before the scan) shows the files and folders the scan
    found, with the same stat for every note: then the vault did not change in between."""
    where = {path: i for i, path in enumerate(listing.paths)}
    kinds = listing.kinds
    links = 0
    for file in vault.files:
        index = where.get(file.path)
        if index is None or kinds[index] not in (_NOTE, _FILE, _LINK):
            return False
        links += kinds[index] == _LINK
        if file.is_note and listing.note_stat(index) != (
            file.size,
            file.mtime_ns,
            file.inode,
            file.ctime_ns,
        ):
            return False
    if kinds.count(_NOTE) + kinds.count(_FILE) != len(vault.files) - links:
        return False
    folders = [path for path, kind in zip(listing.paths, kinds, strict=True) if kind == _FOLDER]
    return sorted(folders) == list(vault.folders)


def _store_full(
    place: StatePlace,
    listing: Listing,
    vault: Vault,
    checker: Checker,
    memo: Mapping[str, Mapping[Identity, Sequence[FindingRecord]]],
    result: CheckResult,
    hidden: Mapping[str, Sequence[int]],
    shown: Shown,
    report: Report,
) -> None:
    from wikigraph.checks import graph_target

    excluded = vault.excluded
    targets: dict[str, set[str]] = {}
    incoming: dict[str, int] | None = None
    if checker.graph:
        for resolved in vault.links:
            target = graph_target(resolved)
            if target is not None:
                targets.setdefault(resolved.link.source, set()).add(target)
        incoming = {}
        for found in targets.values():
            for target in found:
                incoming[target] = incoming.get(target, 0) + 1
    digests_of = vault.note_digests
    if any(note.path not in digests_of for note in vault.notes):
        return  # not loaded by load_vault: nothing to store
    from wikigraph.resolve import lookup_names

    def records() -> Iterator[tuple[str, bytes]]:
        for note in vault.notes:
            digests = digests_of[note.path]
            out = None
            reported = memo.get(note.path, {})
            fine: list[bytes] = []
            reads: set[str] = set()
            if note.path not in excluded:
                if incoming is not None:
                    out = targets.get(note.path, set())
                # Every link of a checked note was checked: those without findings are fine.
                for link in note.links:
                    identity = link_identity(link)
                    if identity not in reported:
                        fine.append(identity_digest(identity))
                        reads.update(lookup_names(link))
            record = _NoteRecord.of(note, digests[0], digests[1], reported, fine, out, reads)
            yield note.path, record.encode()

    def notes() -> Iterator[bytes]:
        return dump_chunked(records())

    def surface() -> Iterator[bytes]:
        return dump_chunked((note.path, _surface_record(note)) for note in vault.notes)

    def index() -> bytes:
        found = vault.index
        return _dump(
            (
                found.folders,
                dict(found.aliases),
                found.notes,
                vault.excluded,
                vault.folders,
            )
        )

    def names() -> Iterator[bytes]:
        return dump_chunked(vault.index.by_name.items())

    def keys() -> Iterator[bytes]:
        return dump_chunked(vault.index.keys.items())

    def report_record() -> bytes:
        by_path: dict[str, list[tuple[Any, ...]]] = {}
        for d in result.diagnostics:
            by_path.setdefault(d.path, []).append(_diagnostic_record(d))
        checks = tuple((code, level.value) for code, level in result.checks.items())
        hidden_lists = {p: list(c) for p, c in hidden.items()}
        stored = _ReportRecord(
            by_path, hidden_lists, result.notes, result.note_paths, checks, incoming
        )
        return stored.encode()

    # Each section is made when it is written, and what it was made from let go before
    # the next: on a large vault these are tens of megabytes each.
    sections: dict[str, Section] = {
        "entries": listing.encode,
        "notes": notes,
        "surface": surface,
        "index": index,
        "names": names,
        "keys": keys,
        "report": report_record,
    }
    header = {
        "key": place.key,
        "listing": listing.digest,
        "racy": racy_notes(listing, lambda p: vault.note_digests[p][0]),
        "safe": listing.safe and not any(p != APP_CONFIG for p in vault.scan_problems),
        "app_config": app_config_digest(listing),
        "summary": report.summary,
        "exit": report.exit_code,
        "renders": {},
    }
    _write_with_render(place, header, sections, shown, report)


# --- checking only the changed notes --------------------------------------------------


def _changed(
    stored: StateFile,
    listing: Listing,
    settings: Settings,
    shown: Shown,
    root: Path,
    read: ReadNotes | None = None,
) -> Report | None:
    """Check again only the notes that changed, when nothing else did; None otherwise."""
    header = stored.header
    racy = header.get("racy")
    if not listing.safe or header.get("safe") is not True or not isinstance(racy, tuple):
        return None
    if header.get("app_config") != app_config_digest(listing):
        return None  # Obsidian's excluded files may have changed
    old = Listing.decode(stored.section("entries"))
    changes = note_changes(old, listing)
    if changes is None:
        return None
    changed, added, removed = changes
    notes = listing.notes()
    for path, _ in racy:
        if path in removed:
            continue
        if path not in notes:
            return None
        changed.add(path)
    sizes = {path: listing.stats[4 * notes[path]] for path in changed | (added & notes.keys())}
    return _Changed(stored, listing, settings, shown, root).run(sizes, read or {}, added, removed)


def changed_notes(old: Listing, new: Listing) -> set[str] | None:
    """The notes whose stat changed; None when anything else changed: a file or folder
    added, removed or renamed, a symlink, a file of another kind."""
    if old.links != new.links:
        return None
    if old.paths != new.paths:  # the same entries in another order, or others
        if sorted(old.paths) != sorted(new.paths):
            return None
        where = {path: i for i, path in enumerate(old.paths)}
        order = [where[path] for path in new.paths]
        kinds = "".join(old.kinds[i] for i in order)
        stats = array("q", [old.stats[4 * i + k] for i in order for k in range(4)])
        old = Listing(new.paths, kinds, stats, old.links, None, True, 0)
    if old.kinds != new.kinds:
        return None
    changed = set()
    for index in _differing(memoryview(old.stats), memoryview(new.stats)):
        kind = new.kinds[index]
        if kind == _LINK:
            return None
        if kind == _NOTE:
            changed.add(new.paths[index])
    return changed


def note_changes(old: Listing, new: Listing) -> tuple[set[str], set[str], set[str]] | None:
    """The notes whose stat changed, the files (notes or others) added and the files
    removed; None when anything else changed: a folder added or removed, a symlink, a
    file of another kind."""
    changed = changed_notes(old, new)
    if changed is not None:
        return changed, set(), set()
    if old.links != new.links:
        return None
    before = {path: i for i, path in enumerate(old.paths)}
    after = {path: i for i, path in enumerate(new.paths)}
    added = after.keys() - before.keys()
    removed = before.keys() - after.keys()
    files = (_NOTE, _FILE)
    if any(new.kinds[after[path]] not in files for path in added) or any(
        old.kinds[before[path]] not in files for path in removed
    ):
        return None
    changed = set()
    old_stats, new_stats = old.stats, new.stats
    for path, at in after.items():
        was = before.get(path)
        if was is None:
            continue
        kind = new.kinds[at]
        if old.kinds[was] != kind:
            return None
        if old_stats[4 * was : 4 * was + 4] != new_stats[4 * at : 4 * at + 4]:
            if kind != _NOTE:
                return None
            changed.add(path)
    return changed, set(added), set(removed)


def _differing(old: memoryview, new: memoryview) -> list[int]:
    """The entries whose four numbers differ, found by halving (few entries change)."""
    found = []
    pending = [(0, len(new) // 4)]
    while pending:
        start, end = pending.pop()
        if old[4 * start : 4 * end] == new[4 * start : 4 * end]:
            continue
        if end - start == 1:
            found.append(start)
            continue
        middle = (start + end) // 2
        pending += [(middle, end), (start, middle)]
    return found


class _StoredVault:
    """What a stored check holds about the whole vault: its link index and every note's
    surface, read from the state when first asked for."""

    def __init__(self, stored: StateFile) -> None:
        self.stored = stored
        self._surfaces: dict[str, bytes] | None = None
        self._parts: tuple[Any, ...] | None = None
        self._names: tuple[Any, Any] | None = None

    def surfaces(self) -> dict[str, bytes]:
        """Every note's surface (see :func:`_surface_record`), by path."""
        if self._surfaces is None:
            self._surfaces = self.stored.chunked("surface")
        return self._surfaces

    def stored_index(self) -> tuple[Any, ...]:
        """The stored parts of the link index (:class:`~wikigraph.resolve.VaultIndex`'s
        ``by_name``, ``keys``, ``folders``, ``aliases`` and ``notes``), the excluded files
        and the folders."""
        if self._names is None:
            self._names = (self.stored.chunked("names"), self.stored.chunked("keys"))
        return (*self._names, *self._small_parts())

    def _small_parts(self) -> tuple[Any, ...]:
        """The index section: the parts of :meth:`stored_index` after ``by_name`` and
        ``keys``, read without those two (the largest)."""
        if self._parts is None:
            value = self.stored.section("index")
            if not isinstance(value, tuple) or len(value) != 5:
                raise StateError("index")
            self._parts = value
        return self._parts

    def excluded(self) -> frozenset[str]:
        """The files that the checks skip."""
        excluded: frozenset[str] = self._small_parts()[3]
        return excluded

    def index(self) -> VaultIndex:
        """The link index: the stored one (the changed notes have the same surfaces as
        their stored versions), with headings and blocks read from the surfaces."""
        from wikigraph.resolve import PerNote, VaultIndex, block_keys, heading_entries

        by_name, keys, folders, aliases, notes, _, _ = self.stored_index()
        surfaces = self.surfaces()
        return VaultIndex(
            by_name=by_name,
            keys=keys,
            folders=folders,
            aliases=aliases,
            headings=PerNote(surfaces, lambda surface: heading_entries(_headings_of(surface))),
            blocks=PerNote(surfaces, lambda surface: block_keys(_blocks_of(surface))),
            notes=notes,
        )


def stored_index(settings: Settings, root: Path, listing: Listing) -> VaultIndex | None:
    """The link index of the vault at ``root`` as the stored check of ``settings`` found
    it, when that check saw the vault as ``listing`` lists it; None when there is no such
    check, or its state cannot be read."""
    place = state_place(settings, root)
    stored = place.open() if place is not None else None
    if stored is None:
        return None
    try:
        if stored.header.get("listing") != listing.digest:
            return None
        return _StoredVault(stored).index()  # every part it needs is read by now
    except StateError:
        return None
    finally:
        stored.close()


class _Changed(_StoredVault):
    """One check of only the notes that changed since the stored check."""

    def __init__(
        self, stored: StateFile, listing: Listing, settings: Settings, shown: Shown, root: Path
    ) -> None:
        super().__init__(stored)
        self.listing = listing
        self.settings = settings
        self.shown = shown
        self.root = root

    def run(
        self,
        sizes: Mapping[str, int],
        read: ReadNotes,
        added: Set[str] = frozenset(),
        removed: Set[str] = frozenset(),
    ) -> Report | None:
        """Read the changed and added notes (given with their sizes), parse those whose
        bytes differ and check those again; None when more than :data:`MAX_CHANGED_NOTES`
        of them changed their bytes, or more than that many files (notes or others) were
        ``added`` or ``removed``.

        A note with the same bytes as before (only its stat changed, as for every note
        after a fresh checkout) keeps its record: only its new stat is stored. The notes
        are read on all cores when there is much to read, and parsed only where their
        bytes differ. Notes the caller has ``read`` are not read again. When a file was
        added or removed, or a note changed its surface, other notes may resolve
        otherwise: see :meth:`_reshape`."""
        from wikigraph.resolve import index_part

        if len(added) > MAX_CHANGED_NOTES or len(removed) > MAX_CHANGED_NOTES:
            return None
        blobs = self.stored.chunked("notes")
        known = {
            path: None if path in added else _NoteRecord.digest_in(blobs.get(path))
            for path in sizes
        }
        records: dict[str, _NoteRecord] = {}
        parsed: dict[str, Note] = {}
        reshaped: set[str] = set()
        for path, digest, note in self._read(sizes, known, read):
            if note is None:
                continue  # the same bytes as before: its record holds
            if len(parsed) == MAX_CHANGED_NOTES:
                return None  # too many to check one by one
            part = index_part(note)
            if path in added:
                record = _NoteRecord(digest, part, {}, b"", None, None, note.parsed, ())
            else:
                record = _NoteRecord.decode(blobs.get(path))
                if part != record.surface:
                    reshaped.add(path)
                record.digest, record.surface = digest, part
            records[path] = record
            parsed[path] = note
        if added or removed or reshaped:
            parsed = dict(sorted(parsed.items()))
            return self._reshape(blobs, records, parsed, added, removed, reshaped)
        if not parsed:
            return self._same_notes(blobs)
        return self._recheck(blobs, records, dict(sorted(parsed.items())))

    def _read(
        self, sizes: Mapping[str, int], known: Mapping[str, bytes | None], read: ReadNotes
    ) -> Iterator[tuple[str, bytes | None, Note | None]]:
        """Each changed note's path, the digest of its bytes, and the note parsed when
        its bytes are not the ``known`` ones its record holds (None otherwise). A note the
        caller has ``read`` is taken from there when its bytes are the same as before or
        the caller parsed it; the others are read here."""
        from wikigraph.parallel import Options, Task, read_notes

        tasks = []
        for path in sorted(sizes):
            before = known[path]
            digest, note = read.get(path, (None, None))
            if digest is not None and digest == before:
                yield path, digest, None
            elif digest is not None and note is not None:
                yield path, digest, note
            else:
                tasks.append(Task(path, sizes[path], before))
        if not tasks:
            return  # the caller read them all: no parser is needed
        options = Options.of(self.root, self.settings)
        for path, digest, note, _, _ in read_notes(tasks, options):
            yield path, digest, note

    def vault(self, parsed: Mapping[str, Note], index: VaultIndex) -> Vault:
        """The vault as far as suggestions see it: every file, folder and note surface."""
        from wikigraph.model import VaultFile
        from wikigraph.vault import Vault

        _, keys, _, _, notes, excluded, folders = self.stored_index()
        files = tuple(
            VaultFile(path, 0, 0, path in notes, path in excluded) for path in sorted(keys)
        )
        found = []
        for path, surface in self.surfaces().items():
            note = parsed.get(path)
            if note is None:
                note = _surface_note(path, surface)
            found.append(note)
        return Vault(
            root=self.root,
            settings=self.settings,
            files=files,
            notes=tuple(found),
            links=(),
            folders=tuple(folders),
            index_source=lambda: index,
        )

    # --- checking ---

    def _same_notes(self, blobs: Mapping[str, bytes]) -> Report:
        """The stored report, when the changed notes turned out to hold the same bytes;
        the state is stored again with their new stat."""
        report = _stored_render(self.stored, self.shown, "notes:0")
        if report is None:
            stored = _ReportRecord.decode(self.stored.section("report"))
            report = render(stored.result(), self.shown, "notes:0")
        self._store(blobs, {}, None, report)
        return report

    def _recheck(
        self,
        blobs: dict[str, bytes],
        records: Mapping[str, _NoteRecord],
        parsed: Mapping[str, Note],
    ) -> Report:
        from wikigraph.checks import Checker

        stored = _ReportRecord.decode(self.stored.section("report"))
        excluded = self.excluded()
        made: list[VaultIndex] = []

        def index() -> VaultIndex:
            if not made:
                made.append(self.index())
            return made[0]

        checker = Checker(self.settings, lambda: self.vault(parsed, index()))
        incoming = stored.incoming
        if checker.graph and incoming is None:
            raise StateError("report")
        counts_before: dict[str, int] = {}
        for path, note in parsed.items():
            if path in excluded:  # not checked: only its surface matters, and it is the same
                record = records[path]
                record = _NoteRecord.of(note, record.digest, record.surface, {}, (), None)
                blobs[path] = record.encode()
        checked = {path: note for path, note in parsed.items() if path not in excluded}
        pending, targets = self._check_notes(
            checker, checked, records, index, blobs, incoming, counts_before, reuse=True
        )
        graph = (counts_before, incoming, targets) if incoming is not None else None
        self._settle(checker, pending, parsed, graph, blobs, index, stored)
        how = f"notes:{len(parsed)}"
        report = render(stored.result(), self.shown, how)
        self._store(blobs, parsed, stored, report)
        return report

    def _reshape(
        self,
        blobs: dict[str, bytes],
        records: Mapping[str, _NoteRecord],
        parsed: Mapping[str, Note],
        added: Set[str],
        removed: Set[str],
        reshaped: Set[str],
    ) -> Report | None:
        """Check again after notes were ``added`` or ``removed``, or ``reshaped`` (changed
        their aliases, headings or block ids); None when a note to check cannot be had.

        The link index is updated, and checked again are: the ``parsed`` notes, every note
        with a link without findings that looks up a name (see
        :func:`wikigraph.resolve.lookup_names`) under which a file came, went or changed,
        and every note with a link whose findings may change
        (:func:`wikigraph.checks.findings_may_change`). The notes to check that did not
        change come from the parse cache. Every other note is reported as before."""
        from wikigraph.checks import IndexChange, file_extensions, findings_may_change

        surfaces = self.surfaces()
        _, keys, _, _, notes, _, _ = self.stored_index()
        files = {path for path in keys if path not in notes}
        added_files = added - parsed.keys()
        removed_files = removed - notes
        if file_extensions(files) != file_extensions((files - removed_files) | added_files):
            return None  # a link to a name with that extension asks for a file, or no longer
        removed_notes = removed - removed_files
        before = [_surface_note(path, surfaces[path]) for path in sorted(removed_notes | reshaped)]
        now = [parsed[path] for path in sorted(reshaped | (added - added_files))]
        change = IndexChange.of([*before, *now], sorted(added_files | removed_files))
        self._update_index(parsed, added, removed, reshaped)
        gone = {path: _NoteRecord.decode(blobs.pop(path)) for path in sorted(removed_notes)}
        excluded = self.excluded()
        kept: dict[str, _NoteRecord] = {}
        for path, blob in blobs.items():
            if path in parsed or path in excluded:
                continue
            record = _NoteRecord.decode(blob)
            if not change.lookups.isdisjoint(record.reads) or any(
                findings_may_change(_link_of(path, identity), found, change)
                for identity, found in record.memo.items()
            ):
                kept[path] = record
        loaded = self._notes_at(kept)
        if loaded is None:
            return None
        for path, note in parsed.items():
            if path in excluded:  # not checked: only its surface matters
                blobs[path] = _NoteRecord.of(note, records[path].digest, records[path].surface,
                                             {}, (), None).encode()  # fmt: skip
            else:
                loaded[path] = note
        return self._check_again(blobs, {**kept, **records}, dict(sorted(loaded.items())),
                                 parsed, gone, (added_files, removed_files))  # fmt: skip

    def _update_index(
        self, parsed: Mapping[str, Note], added: Set[str], removed: Set[str], reshaped: Set[str]
    ) -> None:
        """Make the stored link index, surfaces and excluded files those of the vault
        with the files ``added`` and ``removed`` and the notes ``reshaped`` (``parsed``:
        every note parsed, as it is now, the added ones among them)."""
        from wikigraph.resolve import file_names, name_key

        by_name, keys, folder_keys, aliases, notes, excluded, folders = self.stored_index()
        surfaces = self.surfaces()
        for path in sorted((removed & notes) | reshaped):
            for alias in _load(surfaces[path])[0]:
                key = name_key(alias.strip())
                owners = tuple(p for p in aliases.get(key, ()) if p != path)
                if owners:
                    aliases[key] = owners
                else:
                    aliases.pop(key, None)
        for path in sorted(reshaped | (added & parsed.keys())):
            for alias in parsed[path].aliases:
                key = name_key(alias.strip())
                aliases[key] = tuple(sorted({*aliases.get(key, ()), path}))
        for path in sorted(removed):
            if path in notes:
                del surfaces[path]
            for name in file_names(keys.pop(path), path in notes):
                owners = tuple(p for p in by_name.get(name, ()) if p != path)
                if owners:
                    by_name[name] = owners
                else:
                    del by_name[name]
        for path in sorted(added):
            keys[path] = name_key(path)
            for name in file_names(path, path in parsed):
                found = list(by_name.get(name, ()))
                bisect.insort(found, path)
                by_name[name] = tuple(found)
        for path, note in parsed.items():
            surfaces[path] = _surface_record(note)
        if added:
            surfaces = dict(sorted(surfaces.items()))  # in path order, as the scan has notes
            excluded |= _excluded(self.root, self.settings, added)
        self._surfaces = surfaces
        self._names = (by_name, keys)
        self._parts = (folder_keys, aliases, (notes - removed) | (added & parsed.keys()),
                       excluded - removed, folders)  # fmt: skip

    def _notes_at(self, records: Mapping[str, _NoteRecord]) -> dict[str, Note] | None:
        """The notes of ``records``, which did not change: from the parse cache, else read
        again; None when one of them is not the note of its record."""
        from wikigraph.errors import ConfigError
        from wikigraph.parallel import Options, Task, read_notes
        from wikigraph.vault import open_parse_cache

        found: dict[str, Note] = {}
        try:
            cache = open_parse_cache(self.settings, self.root)
        except ConfigError:
            cache = None
        if cache is not None:
            try:
                for path, entry in cache.entries_at(sorted(records)).items():
                    if entry.digest == records[path].digest:
                        found[path] = entry.note
            finally:
                cache.close()
        where = self.listing.notes()
        stats = self.listing.stats
        tasks = [
            Task(path, stats[4 * where[path]]) for path in sorted(records) if path not in found
        ]
        if tasks:
            options = Options.of(self.root, self.settings)
            for path, digest, note, _, _ in read_notes(tasks, options):
                if note is None or digest != records[path].digest:
                    return None  # it changed after the vault was listed
                found[path] = note
        return found

    def _check_again(
        self,
        blobs: dict[str, bytes],
        records: Mapping[str, _NoteRecord],
        notes: Mapping[str, Note],
        parsed: Mapping[str, Note],
        gone: Mapping[str, _NoteRecord],
        files: tuple[Set[str], Set[str]],
    ) -> Report:
        """Check ``notes`` again in full against the index as it is now, with the notes
        whose ``records`` are ``gone`` taken away, and the other ``files`` (added,
        removed) added and taken away."""
        from wikigraph.checks import Checker, finding_order, name_finding, unused_finding

        stored = _ReportRecord.decode(self.stored.section("report"))
        index = self.index()
        excluded = self.excluded()
        checker = Checker(self.settings, lambda: self.vault(notes, index))
        incoming = stored.incoming
        if checker.graph and incoming is None:
            raise StateError("report")
        counts_before: dict[str, int] = {}
        for path, record in gone.items():
            if incoming is not None:
                for target in record.targets or ():
                    counts_before.setdefault(target, incoming.get(target, 0))
                    incoming[target] = incoming.get(target, 0) - 1
            stored.replace(path, (), (0, 0))
        added_files, removed_files = files
        for path in removed_files:
            stored.replace(path, (), (0, 0))
        pending, targets = self._check_notes(
            checker, notes, records, lambda: index, blobs, incoming, counts_before, reuse=False
        )
        graph = (counts_before, incoming, targets) if incoming is not None else None
        self._settle(checker, pending, notes, graph, blobs, lambda: index, stored, added_files)
        for path in sorted(added_files - excluded):
            made: list[_Finding | None] = []
            if "unlinkable-name" in checker.enabled:
                made.append(name_finding(path))
            if "unused-attachment" in checker.enabled and not (incoming or {}).get(path):
                made.append(unused_finding(path))
            findings = sorted((f for f in made if f is not None), key=finding_order)
            diagnostics, hidden = checker.settle(findings, {})
            stored.replace(path, diagnostics, hidden.get(path, (0, 0)))
        checked = (set(stored.note_paths) - gone.keys()) | (parsed.keys() - excluded)
        stored.note_paths = tuple(sorted(checked))
        stored.notes = len(checked)
        report = render(stored.result(), self.shown, f"vault:{len(notes)}")
        self._store(blobs, parsed, stored, report, reshaped=True)
        return report

    def _check_notes(
        self,
        checker: Checker,
        notes: Mapping[str, Note],
        records: Mapping[str, _NoteRecord],
        index: Callable[[], VaultIndex],
        blobs: dict[str, bytes],
        incoming: dict[str, int] | None,
        counts_before: dict[str, int],
        *,
        reuse: bool,
    ) -> tuple[dict[str, list[_Finding]], dict[str, set[str]]]:
        """Check each of ``notes`` (none excluded) and store its new record in ``blobs``.

        Returns each note's findings (but the graph's) and, with the graph checks on, the
        files each links to, counted in ``incoming`` (``counts_before`` is given each count
        that changed, as it was). With ``reuse``, a link that the note's record has is
        reported as before and only new ones are resolved and checked; otherwise every
        link is."""
        from wikigraph.checks import graph_target
        from wikigraph.resolve import ResolveOptions, lookup_names, resolve_link

        options = ResolveOptions(alias_links=self.settings.alias_links)
        pending: dict[str, list[_Finding]] = {}
        targets: dict[str, set[str]] = {}
        for path, note in notes.items():
            record = records[path]
            known_memo = record.memo if reuse else {}
            known_fine = record.fine_digests() if reuse else set()
            memo: dict[Identity, list[FindingRecord]] = {}
            fine: list[bytes] = []
            reads: set[str] = set()
            found_here: list[_Finding] = []
            resolved: dict[int, ResolvedLink] = {}  # the links resolved here, by position
            for at, link in enumerate(note.links):
                identity = link_identity(link)
                known = known_memo.get(identity)
                if known is not None:
                    memo[identity] = list(known)
                    found_here.extend(_finding_of(link, *finding) for finding in known)
                    continue
                digest = identity_digest(identity)
                if digest not in known_fine:
                    resolved[at] = resolve_link(link, index(), options)
                    found = checker.link_findings(resolved[at])
                    if found:
                        memo[identity] = [_finding_record(f) for f in found]
                        found_here.extend(found)
                        continue
                fine.append(digest)
                reads.update(lookup_names(link))
            pending[path] = checker.note_findings(note, found_here)
            out: set[str] | None = None
            if incoming is not None:
                every = (
                    resolved.get(at) or resolve_link(link, index(), options)
                    for at, link in enumerate(note.links)
                )
                out = {target for target in map(graph_target, every) if target is not None}
                for target in set(record.targets or ()) ^ out:
                    counts_before.setdefault(target, incoming.get(target, 0))
                    incoming[target] = incoming.get(target, 0) + (1 if target in out else -1)
                targets[path] = out
            record = _NoteRecord.of(note, record.digest, record.surface, memo, fine, out, reads)
            blobs[path] = record.encode()
        return pending, targets

    def _settle(
        self,
        checker: Checker,
        pending: Mapping[str, list[_Finding]],
        notes: Mapping[str, Note],
        graph: tuple[dict[str, int], dict[str, int], Mapping[str, set[str]]] | None,
        blobs: Mapping[str, bytes],
        index: Callable[[], VaultIndex],
        stored: _ReportRecord,
        fresh: Set[str] = frozenset(),
    ) -> None:
        """Make the findings ``pending`` for the ``notes`` checked again their findings in
        ``stored``, with their orphan findings; then, with the graph checks on (``graph``:
        the incoming counts before, the counts now, and the targets of the notes), add or
        remove the graph findings of the other files whose being linked changed (but
        those ``fresh`` in the vault, which have none yet)."""
        from wikigraph.checks import finding_order, orphan_finding

        for path, findings in pending.items():
            note = notes[path]
            if (
                graph is not None
                and "orphan-note" in checker.enabled
                and note.parsed
                and not graph[1].get(path)
                and not any(index().is_note(target) for target in graph[2][path])
            ):
                findings.append(orphan_finding(path))
            findings.sort(key=finding_order)
            diagnostics, hidden = checker.settle(findings, {path: note})
            stored.replace(path, diagnostics, hidden.get(path, (0, 0)))
        if graph is not None:
            counts_before, incoming, _ = graph
            excluded = self.excluded()
            skipped = notes.keys() | fresh
            self._graph(checker, blobs, skipped, counts_before, incoming, excluded, index(), stored)
            for path in counts_before:
                if not incoming.get(path):
                    incoming.pop(path, None)

    def _graph(
        self,
        checker: Checker,
        blobs: Mapping[str, bytes],
        checked: Set[str],
        counts_before: Mapping[str, int],
        incoming: Mapping[str, int],
        excluded: frozenset[str],
        index: VaultIndex,
        stored: _ReportRecord,
    ) -> None:
        """Add or remove the graph finding of each file but the ``checked`` ones whose
        being linked changed."""
        from wikigraph.checks import orphan_finding, unused_finding

        for path, before in counts_before.items():
            now = incoming.get(path, 0)
            if path in checked or path in excluded or (before == 0) == (now == 0):
                continue
            if path not in index.keys:
                continue  # removed
            owner = None
            if index.is_note(path):
                record = _NoteRecord.decode(blobs.get(path))
                if "orphan-note" not in checker.enabled or not record.parsed:
                    continue
                if any(index.is_note(target) for target in record.targets or ()):
                    continue  # it links to another note: never an orphan
                finding: _Finding | None = orphan_finding(path)
                owner = record.stand_in(path)
            elif "unused-attachment" in checker.enabled:
                finding = unused_finding(path)
            else:
                continue
            if finding is None:
                continue
            diagnostics, hidden = checker.settle([finding], {path: owner} if owner else {})
            counts = hidden.get(path, [0, 0])
            listed = stored.by_path.setdefault(path, [])
            totals = stored.hidden.setdefault(path, [0, 0])
            sign = 1 if now == 0 else -1  # nothing links to it any more: it gains the finding
            for d in diagnostics:
                if sign > 0:
                    listed.append(_diagnostic_record(d))
                else:
                    listed.remove(_diagnostic_record(d))
            listed.sort(key=_place)
            totals[0] += sign * counts[0]
            totals[1] += sign * counts[1]
            if not listed:
                del stored.by_path[path]
            if not any(totals):
                del stored.hidden[path]

    def _store(
        self,
        blobs: Mapping[str, bytes],
        parsed: Mapping[str, Note],
        stored: _ReportRecord | None,
        report: Report,
        *,
        reshaped: bool = False,
    ) -> None:
        """Store the state with the new listing; ``stored`` is the new report's findings,
        None when they did not change (and so neither did the stored renderings);
        ``reshaped`` when the link index changed."""
        state = self.stored
        sections: dict[str, Section] = dict(state.sections())
        sections["entries"] = self.listing.encode()
        sections["notes"] = lambda: dump_chunked(blobs.items())
        if stored is not None:
            sections["report"] = stored.encode()
        if parsed or reshaped:
            surfaces = self.surfaces()
            for path, note in parsed.items():
                surfaces[path] = _surface_record(note)
            sections["surface"] = lambda: dump_chunked(surfaces.items())
        if reshaped:
            by_name, keys = self.stored_index()[:2]
            sections["names"] = lambda: dump_chunked(by_name.items())
            sections["keys"] = lambda: dump_chunked(keys.items())
            sections["index"] = _dump(self._small_parts())

        def digest_of(path: str) -> bytes | None:
            return _NoteRecord.digest_in(blobs.get(path))

        header = {
            **state.header,
            "listing": self.listing.digest,
            "racy": racy_notes(self.listing, digest_of),
            "summary": report.summary,
            "exit": report.exit_code,
            "renders": state.header["renders"] if stored is None else {},
        }
        _write_with_render(state.place, header, sections, self.shown, report)


def _link_of(source: str, identity: Identity) -> Link:
    """A link of note ``source`` with the :func:`link_identity` ``identity`` (at no place)."""
    from wikigraph.model import Link, LinkKind, Location

    values: tuple[Any, ...] = identity
    raw, kind, location, prop, path, subpath, display, is_url = values
    return Link(source, 0, 0, 0, 0, raw, LinkKind(kind), Location(location), prop, path,
                subpath, display, is_url)  # fmt: skip


def _excluded(root: Path, settings: Settings, paths: Iterable[str]) -> set[str]:
    """Those of ``paths`` that the settings or Obsidian's "Excluded files" exclude."""
    from wikigraph.scan import ExcludeRules, read_obsidian_excludes

    obsidian, _ = read_obsidian_excludes(root)
    rules = ExcludeRules(tuple(settings.exclude), obsidian.prefixes, obsidian.patterns)
    return {path for path in paths if rules.matches(path)}


def _finding_of(
    link: Link, code: str, message: str, hint: str | None, suggestion: str | None
) -> _Finding:
    from wikigraph.checks import link_finding

    return link_finding(link, code, message, (hint, suggestion))
