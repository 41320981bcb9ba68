"""Keep what parsing and resolving found between runs, so that a run only reads and parses
the notes that changed.

Takes a vault's cache folder (see :mod:`wikigraph.cachedir`) and a cache key; gives back,
per note path, the :class:`~wikigraph.model.Note` parsed last time, the digest of the bytes
it was parsed from, the file's stat fingerprint, and the note's resolved links together
with the fingerprint of the link index they were resolved against.

How a note is known to be unchanged (the caller decides, see :mod:`wikigraph.vault`): when
the file's size, mtime, inode and ctime equal the stored ones, the file is not even read;
otherwise it is read and only a different content digest means a new parse. A fingerprint
taken less than :data:`RACY_NS` before it was stored is not trusted (the file could change
again within the same timestamp tick), so such a file is read next time.

Storage is one SQLite file per cache key, ``parse-<key>.sqlite3``, one row per note, so
that a run that changed one note writes one row. The key covers the wikigraph version, the
source of every module whose output is stored, the parsing libraries, the Python version
and the options that change results, so any of those changing means a fresh file; files
unused for :data:`~wikigraph.cachedir.STALE_DAYS` days are removed. Each row carries a CRC
of its note and one of its resolutions, so that a run that only found a note's file with a
new stat (a fresh checkout) or resolved its links again (another file was added, say)
rewrites those and not the note; a row that fails the first, or a file SQLite cannot read,
is ignored and rebuilt, and resolutions that fail the second are made again. The link
index is not stored: built from the notes, it costs less than reading it back. Two runs
may share a cache: SQLite serialises their writes, and a run that cannot write simply does
not.
Nothing here raises for a cache problem; errors only cost speed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import importlib.util
import marshal
import operator
import os
import sqlite3
import sys
import types
import typing
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from wikigraph.cachedir import stale_files
from wikigraph.digests import blake2b
from wikigraph.model import Link, Note, ResolvedLink, VaultFile

CACHE_FORMAT = 5
"""Bump when the layout of the stored data changes."""
PAGE_SIZE = 16384
"""SQLite's page size for a new cache file. A row (a note, its previews and resolutions)
is a few kB: with the default 4 kB pages most rows spill onto overflow pages, and storing
the rows of a cold run took about 70% longer."""
RACY_NS = 2_000_000_000
"""A file changed (ctime) this close to when its fingerprint was stored is read again next
time; two seconds cover the coarsest timestamps of common file systems."""

_SOURCES = (
    "model.py", "parse.py", "syntax.py", "properties.py", "resolve.py", "cache.py", "vault.py",
    "parallel.py",
)  # fmt: skip
"""Modules whose code decides what is stored: any change to them gives a new key."""
_LIBRARIES = ("markdown_it", "mdit_py_plugins", "yaml", "frontmatter")
"""Libraries whose version decides what is parsed (their ``__init__`` holds the version)."""

Fingerprint = tuple[int, int, int, int]
"""A file's (size, mtime_ns, inode, ctime_ns)."""

Encoder = Callable[[typing.Any], object]


def _identity(value: object) -> object:
    return value


def _plain_dict(value: Mapping[object, object]) -> object:
    """A mapping as an exact dict, which marshal needs (without copying one)."""
    return value if type(value) is dict else dict(value)


class Codec:
    """Turns instances of one dataclass into plain lists that :mod:`marshal` can store, and back.

    The plan comes from the type hints of the dataclass's fields, so a field added to a
    model is stored without changes here: enums are stored by value, nested dataclasses
    (also in tuples and mappings) as lists, everything else as it is. ``skip`` leaves out
    leading fields that the caller supplies again when decoding.

    Decoding is the hot path of a warm run (a few hundred thousand objects for 10,000
    notes), so it is compiled once per class into a function that fills the slots directly,
    which is about twice as fast as the frozen dataclass's ``__init__``; classes without
    slots, or with a ``__post_init__``, are built through ``__init__``.
    """

    def __init__(self, cls: type[typing.Any], skip: int = 0) -> None:
        hints = typing.get_type_hints(cls)
        names = [f.name for f in dataclasses.fields(cls)]
        self.cls = cls
        self.skip = skip
        kept = names[skip:]
        getter = operator.attrgetter(*kept)
        self.values: Callable[[object], tuple[object, ...]] = (
            getter if len(kept) > 1 else lambda obj: (getter(obj),)
        )
        self.special: list[tuple[int, Encoder, Encoder | None]] = []
        shared = SHARED.get(cls.__name__, frozenset())
        for index, name in enumerate(kept):
            plan = _converters(hints[name])
            if plan is not None:
                self.special.append((index, *plan))
            elif name in shared:
                self.special.append((index, _share, None))
        decoders = {i: dec for i, _, dec in self.special if dec is not None}
        self.build = _builder(cls, names, skip, decoders)

    def encode(self, obj: object) -> list[object]:
        """The instance as a list of plain values."""
        values = list(self.values(obj))
        for index, encode, _ in self.special:
            values[index] = encode(values[index])
        return values

    def decode(self, values: list[object], *lead: object) -> typing.Any:
        """An instance from :meth:`encode`'s list, after the ``skip`` leading values."""
        return self.build(values, *lead)


def _builder(
    cls: type[typing.Any], names: list[str], skip: int, decoders: Mapping[int, Encoder]
) -> Callable[..., typing.Any]:
    """Compile ``build(values, *lead)`` for ``cls``; see :class:`Codec`."""
    namespace: dict[str, object] = {"cls": cls, "new": object.__new__}
    args = [f"lead{i}" for i in range(skip)]
    items = [*args]
    for index in range(len(names) - skip):
        item = f"values[{index}]"
        if index in decoders:
            namespace[f"decode{index}"] = decoders[index]
            item = f"decode{index}({item})"
        items.append(item)
    slots = set(getattr(cls, "__slots__", ()))
    signature = ", ".join(["values", *args])
    if hasattr(cls, "__post_init__") or not set(names) <= slots:
        body = f"    return cls({', '.join(items)})"
    else:
        lines = ["    obj = new(cls)"]
        for name, item in zip(names, items, strict=True):
            namespace[f"set_{name}"] = getattr(cls, name).__set__
            lines.append(f"    set_{name}(obj, {item})")
        body = "\n".join([*lines, "    return obj"])
    source = f"def build({signature}):\n{body}\n"
    exec(compile(source, f"<wikigraph.cache build {cls.__name__}>", "exec"), namespace)
    build: Callable[..., typing.Any] = namespace["build"]  # type: ignore[assignment]
    return build


SHARED = {
    "Link": frozenset({"raw", "path", "subpath", "property", "display"}),
    "ResolvedLink": frozenset({"target", "candidates", "alias_of"}),
    "Heading": frozenset({"text"}),
    "Note": frozenset({"tags", "aliases", "properties"}),
}
"""Fields whose strings repeat across notes (link targets and texts, heading names, tags,
property keys). They are stored interned, which makes :mod:`marshal` load every
occurrence, in every row, as one shared string: about a quarter less memory for a loaded
vault. Worker processes send their notes in the same form (see :mod:`wikigraph.parallel`)."""
SHARED_VALUE_CHARS = 64
"""Property values longer than this are unlikely to repeat and are not interned."""


def _share(value: object) -> object:
    """``value`` with its (short) strings interned, in tuples, lists and dict keys too."""
    kind = type(value)
    if kind is str:
        text = typing.cast(str, value)
        return sys.intern(text) if len(text) <= SHARED_VALUE_CHARS else text
    if kind is tuple:
        return tuple([_share(item) for item in typing.cast(tuple[object, ...], value)])
    if kind is list:
        return [_share(item) for item in typing.cast(list[object], value)]
    if isinstance(value, Mapping):
        return {_share(key): _share(item) for key, item in value.items()}
    return value


def _converters(hint: object) -> tuple[Encoder, Encoder] | None:
    """How to store a value of type ``hint``; None when it can be stored as it is."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        table = {member.value: member for member in hint}
        return operator.attrgetter("value"), table.__getitem__
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        codec = Codec(hint)
        return codec.encode, codec.build
    if origin in (typing.Union, types.UnionType):
        inner = [arg for arg in args if arg is not type(None)]
        plan = _converters(inner[0]) if len(inner) == 1 else None
        if plan is None:
            return None
        encode, decode = plan
        return (
            lambda value: None if value is None else encode(value),
            lambda value: None if value is None else decode(value),
        )
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        plan = _converters(args[0])
        if plan is None:
            return None
        encode, decode = plan
        return (
            lambda items: [encode(item) for item in items],
            lambda items: tuple([decode(item) for item in items]),
        )
    if origin in (Mapping, dict, typing.Mapping):
        plan = _converters(args[1]) if len(args) == 2 else None
        if plan is None:
            return _plain_dict, _identity
        encode, decode = plan
        return (
            lambda mapping: {key: encode(value) for key, value in mapping.items()},
            lambda mapping: {key: decode(value) for key, value in mapping.items()},
        )
    return None


NOTE_CODEC = Codec(Note)
_NOTE_FIELDS = [field.name for field in dataclasses.fields(Note)]
_PREVIEW_FIELDS = (_NOTE_FIELDS.index("properties"), _NOTE_FIELDS.index("excerpt"))
"""Where a note's properties and excerpt sit among its :data:`NOTE_CODEC` values."""


def split_previews(values: list[object]) -> bytes:
    """Take what only the graph view shows (a note's properties and excerpt) out of the
    note's :data:`NOTE_CODEC` values, leaving them empty; returns them as marshal bytes,
    which hold them in a fraction of the memory their objects take."""
    properties, excerpt = _PREVIEW_FIELDS
    previews = marshal.dumps([values[properties], values[excerpt]])
    values[properties] = {}
    values[excerpt] = ""
    return previews


def join_previews(values: list[object], previews: bytes) -> None:
    """Put :func:`split_previews`'s bytes back into a note's values."""
    properties, excerpt = _PREVIEW_FIELDS
    values[properties], values[excerpt] = marshal.loads(previews)


RESOLVED_CODEC = Codec(ResolvedLink, skip=1)
"""Resolved links are stored without their link, which the note already holds."""


def fingerprint(file: VaultFile) -> Fingerprint:
    """The stat fingerprint of a scanned file."""
    return (file.size, file.mtime_ns, file.inode, file.ctime_ns)


def index_fingerprint(
    files: Iterable[VaultFile], folders: Iterable[str], parts: Iterable[bytes]
) -> bytes:
    """The fingerprint of a link index: every path, every folder, every note's index part."""
    hasher = blake2b(digest_size=16)
    hasher.update(marshal.dumps(tuple((f.path, f.is_note) for f in files), 2))
    hasher.update(marshal.dumps(tuple(folders), 2))
    for part in parts:
        hasher.update(part)
    return hasher.digest()


def _file_digest(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b"?"


def cache_key(*, links_in_comments: bool, alias_links: bool) -> str:
    """The key of everything stored beside the files themselves; see the module docstring."""
    from wikigraph import __version__

    hasher = blake2b(digest_size=10)
    hasher.update(
        repr(
            (CACHE_FORMAT, __version__, sys.version_info[:2], links_in_comments, alias_links)
        ).encode()
    )
    here = Path(__file__).parent
    for name in _SOURCES:
        hasher.update(_file_digest(here / name))
    for library in _LIBRARIES:
        spec = importlib.util.find_spec(library)
        origin = spec.origin if spec is not None else None
        hasher.update(_file_digest(Path(origin)) if origin else library.encode())
    return hasher.hexdigest()


@dataclass(slots=True)
class Entry:
    """What the cache knows about one note."""

    fingerprint: Fingerprint | None
    """The file's stat when it was stored, or None when it must be read to be trusted."""
    digest: bytes
    note: Note
    index_part: bytes
    resolved_under: bytes | None
    """The index fingerprint the stored resolutions were computed with."""
    resolved: bytes | None
    """The resolutions of the note's links, in order, as stored; decoded on demand
    (:func:`decode_resolved`), so that a vault loaded from the cache holds them as bytes
    until then, a fraction of the memory of their decoded lists."""


@dataclass(slots=True)
class Update:
    """A row to write: a note parsed or re-checked in this run."""

    path: str
    fingerprint: Fingerprint
    digest: bytes
    note: Note
    index_part: bytes
    resolved: tuple[ResolvedLink, ...] | None
    resolved_under: bytes | None
    previews: bytes | None = None
    """The note's properties and excerpt when ``note`` is without them (see
    :func:`split_previews`); None when ``note`` holds its own."""
    stored: tuple[bytes, bytes] | None = None
    """The note without its previews, and its previews, as a row stores them, when they
    were made already (by the process that parsed the note); else they are made from
    ``note``."""


@dataclass(slots=True)
class Refresh:
    """A note whose stored row holds it as it is: its file's new stat, and new resolutions
    when its links were resolved again."""

    path: str
    digest: bytes
    """Of the note's bytes: the row is refreshed only if it still holds them (another run
    may have stored a newer version of the note meanwhile)."""
    fingerprint: Fingerprint
    resolved: tuple[ResolvedLink, ...] | None = None
    """None when the stored resolutions still hold."""
    resolved_under: bytes | None = None


_SCHEMA = """
CREATE TABLE IF NOT EXISTS notes (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    inode INTEGER NOT NULL,
    ctime_ns INTEGER NOT NULL,
    digest BLOB NOT NULL,
    note BLOB NOT NULL,
    index_part BLOB NOT NULL,
    resolved_under BLOB,
    resolved BLOB,
    previews BLOB NOT NULL,
    crc INTEGER NOT NULL,
    resolved_crc INTEGER
) WITHOUT ROWID;
"""


_SELECT = (
    "SELECT path, size, mtime_ns, inode, ctime_ns, digest, note, index_part,"
    " resolved_under, resolved, previews, crc, resolved_crc FROM notes"
)
"""Every column of a row, in the order :func:`_entry` reads them."""


_PATHS_PER_SELECT = 500
"""Paths asked for in one query (SQLite allows at least 999 parameters)."""


class ParseCache:
    """The parse cache of one vault; open it with :meth:`open`, close it with :meth:`close`."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self.connection: sqlite3.Connection | None = connection

    @classmethod
    def open(cls, folder: Path, key: str) -> ParseCache | None:
        """Open (or create) the cache file for ``key`` in ``folder``; None if that fails."""
        path = folder / f"parse-{key}.sqlite3"
        for attempt in range(2):
            try:
                folder.mkdir(parents=True, exist_ok=True)
                connection = sqlite3.connect(path, timeout=5.0, isolation_level=None)
                try:
                    connection.execute("PRAGMA synchronous = OFF")
                    connection.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # a new file only
                    connection.executescript(_SCHEMA)
                except sqlite3.DatabaseError:
                    connection.close()
                    raise
            except sqlite3.DatabaseError:
                if attempt == 0 and _discard(path):
                    continue  # not a database, or a damaged one: start afresh
                return None
            except OSError:
                return None
            with contextlib.suppress(OSError):
                os.utime(path)  # in use: see stale_files
            for stale in stale_files(path, "parse-*.sqlite3"):
                _discard(stale)
            return cls(path, connection)
        return None

    def close(self) -> None:
        """Close the file; the cache is unusable afterwards."""
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def entries(self, *, previews: bool = True) -> Iterator[tuple[str, Entry]]:
        """Every stored note, one at a time; rows that fail their check are skipped.

        With ``previews`` False, notes come without their properties and excerpt (see
        :func:`split_previews`), which stay in the rows: a run stores a row again only
        when it parsed the note again."""
        if self.connection is None:
            return
        try:
            for row in self.connection.execute(_SELECT):
                entry = _entry(row, previews)
                if entry is not None:
                    yield row[0], entry
        except sqlite3.DatabaseError:
            self._damaged()

    def entries_at(self, paths: Sequence[str]) -> dict[str, Entry]:
        """The stored notes at ``paths`` that pass their check, without their properties
        and excerpt (see :meth:`entries`)."""
        found: dict[str, Entry] = {}
        if self.connection is None:
            return found
        try:
            for start in range(0, len(paths), _PATHS_PER_SELECT):
                chunk = paths[start : start + _PATHS_PER_SELECT]
                where = f" WHERE path IN ({','.join('?' * len(chunk))})"
                for row in self.connection.execute(_SELECT + where, chunk):
                    entry = _entry(row, False)
                    if entry is not None:
                        found[row[0]] = entry
        except sqlite3.DatabaseError:
            self._damaged()
        return found

    def entry(self, path: str) -> Entry | None:
        """The stored note at ``path``, if there is one that passes its check."""
        if self.connection is None:
            return None
        try:
            row = self.connection.execute(_SELECT + " WHERE path = ?", (path,)).fetchone()
        except sqlite3.DatabaseError:
            self._damaged()
            return None
        return _entry(row, True) if row is not None else None

    def write(
        self,
        updates: Sequence[Update],
        gone: Sequence[str],
        now_ns: int,
        refreshes: Sequence[Refresh] = (),
    ) -> None:
        """Store ``updates``, apply ``refreshes`` to rows that hold their notes already, and
        forget the notes at ``gone``, in one transaction."""
        if self.connection is None or not (updates or gone or refreshes):
            return
        rows = (_row(update, now_ns) for update in updates)  # encoded one at a time
        stats = (_refresh_row(item, now_ns) for item in refreshes if item.resolved is None)
        resolved = (_refresh_row(item, now_ns) for item in refreshes if item.resolved is not None)
        removed = [(path,) for path in gone]
        try:
            with _transaction(self.connection):
                self.connection.executemany(
                    "INSERT OR REPLACE INTO notes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
                self.connection.executemany(
                    "UPDATE notes SET size = ?, mtime_ns = ?, inode = ?, ctime_ns = ?"
                    " WHERE path = ? AND digest = ?",
                    stats,
                )
                self.connection.executemany(
                    "UPDATE notes SET size = ?, mtime_ns = ?, inode = ?, ctime_ns = ?,"
                    " resolved_under = ?, resolved = ?, resolved_crc = ?"
                    " WHERE path = ? AND digest = ?",
                    resolved,
                )
                self.connection.executemany("DELETE FROM notes WHERE path = ?", removed)
        except sqlite3.OperationalError:
            return  # locked by another run for too long, or read-only: keep going uncached
        except sqlite3.DatabaseError:
            self._damaged()

    def _damaged(self) -> None:
        self.close()
        _discard(self.path)


@contextlib.contextmanager
def _transaction(connection: sqlite3.Connection) -> Iterator[None]:
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def _crc(*blobs: bytes | None) -> int:
    value = 0
    for blob in blobs:
        if blob is not None:
            value = zlib.crc32(blob, value)
    return value


def _stored_stat(fingerprint: Fingerprint, now_ns: int) -> Fingerprint:
    size, mtime_ns, inode, ctime_ns = fingerprint
    if ctime_ns > now_ns - RACY_NS:
        # Changed too recently to trust: a write within the same timestamp tick would
        # leave the stat as it is. Any later write moves ctime past this point, so an
        # older ctime means the stat is trustworthy. Until then, the next run reads it.
        mtime_ns = -1
    return size, mtime_ns, inode, ctime_ns


def _row(update: Update, now_ns: int) -> tuple[object, ...]:
    size, mtime_ns, inode, ctime_ns = _stored_stat(update.fingerprint, now_ns)
    if update.stored is not None:
        note, previews = update.stored
    else:
        values = NOTE_CODEC.encode(update.note)
        previews = update.previews if update.previews is not None else split_previews(values)
        note = marshal.dumps(values)
    path = update.path.encode("utf-8", "surrogatepass")
    resolved = resolved_crc = None
    if update.resolved is not None:
        resolved, resolved_crc = _stored_resolutions(
            path, update.digest, update.resolved, update.resolved_under
        )
    return (
        update.path,
        size,
        mtime_ns,
        inode,
        ctime_ns,
        update.digest,
        note,
        update.index_part,
        update.resolved_under,
        resolved,
        previews,
        _crc(path, update.digest, note, previews),
        resolved_crc,
    )


def _refresh_row(item: Refresh, now_ns: int) -> tuple[object, ...]:
    stat = _stored_stat(item.fingerprint, now_ns)
    if item.resolved is None:
        return (*stat, item.path, item.digest)
    path = item.path.encode("utf-8", "surrogatepass")
    resolved, crc = _stored_resolutions(path, item.digest, item.resolved, item.resolved_under)
    return (*stat, item.resolved_under, resolved, crc, item.path, item.digest)


def _stored_resolutions(
    path: bytes, digest: bytes, resolved: Sequence[ResolvedLink], under: bytes | None
) -> tuple[bytes, int]:
    """A note's resolutions as a row stores them, and their CRC."""
    data = marshal.dumps([RESOLVED_CODEC.encode(r) for r in resolved])
    return data, _resolutions_crc(path, digest, under, data)


def _resolutions_crc(path: bytes, digest: bytes, under: bytes | None, data: bytes) -> int:
    """The CRC of a row's resolutions: it covers the note's path and digest and the index
    they were made under too, so resolutions never pass for another note's or version's."""
    return _crc(path, digest, under, data)


def _entry(row: tuple[typing.Any, ...], with_previews: bool) -> Entry | None:
    path, size, mtime_ns, inode, ctime_ns, digest, note, part, under, resolved = row[:10]
    previews, crc, resolved_crc = row[10:]
    try:
        encoded_path = path.encode("utf-8", "surrogatepass")
        if crc != _crc(encoded_path, digest, note, previews):
            return None
        if resolved is not None and resolved_crc != _resolutions_crc(
            encoded_path, digest, under, resolved
        ):
            resolved = under = None  # damaged resolutions: the links are resolved again
        values = marshal.loads(note)
        if with_previews:
            join_previews(values, previews)
        decoded = NOTE_CODEC.decode(values)
        if decoded.path != path:
            return None
        return Entry(
            fingerprint=None if mtime_ns < 0 else (size, mtime_ns, inode, ctime_ns),
            digest=digest,
            note=decoded,
            index_part=part,
            resolved_under=under,
            resolved=resolved,
        )
    except Exception:  # a row from a damaged file: treat the note as not cached
        return None


def decode_resolved(stored: bytes, links: tuple[Link, ...]) -> tuple[ResolvedLink, ...] | None:
    """The stored resolutions of a note's links; None if they do not fit the links."""
    try:
        encoded = marshal.loads(stored)
        if not isinstance(encoded, list) or len(encoded) != len(links):
            return None
        return tuple(
            [
                RESOLVED_CODEC.decode(values, link)
                for values, link in zip(encoded, links, strict=True)
            ]
        )
    except Exception:
        return None


def _discard(path: Path) -> bool:
    removed = False
    for suffix in ("", "-journal", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError, OSError):
            os.unlink(f"{path}{suffix}")
            removed = True
    return removed or not path.exists()
