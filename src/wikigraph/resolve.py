"""Resolve links the way Obsidian does.

Takes the scanned files and parsed notes, builds a :class:`VaultIndex` (every lookup key
NFC-normalised and lower-cased), and turns each :class:`Link` into a
:class:`ResolvedLink`. The rules, in order (see README "How links resolve"):

1. A Markdown destination with a URL scheme is external; ``file:`` URLs, drive letters
   and UNC paths point outside the vault and never resolve.
2. An empty path with a subpath (``[[#H]]``) points into the linking note itself.
3. ``./`` and ``../`` are relative to the linking note's folder; a leading ``/`` is the
   vault root; climbing above the root never resolves.
4. Any other path is matched, ignoring case and ``.md``: first as a path from the vault
   root, then (when it holds a ``/``) from the linking note's folder, then as a trailing
   part of a path (``[[b/Note]]`` finds ``a/b/Note.md``; a bare name is the shortest
   such part). Attachments match only with their extension.
5. When several files match: the one in the linking note's folder, else the one with the
   fewest folders, else the shortest path, else the first in alphabetical order. Every
   candidate is kept.
6. A name that only an alias, or only a folder, carries does not resolve (unless alias
   links are accepted in the settings).
7. A heading subpath must match a heading after normalising both (case, runs of spaces,
   the characters ``# | ^ : % [ ] \\`` and Markdown emphasis marks); in a chain ``A#B``
   each earlier heading must enclose the next. ``^id`` must be a block id of the note.
"""

from __future__ import annotations

import marshal
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar, overload

from wikigraph.digests import blake2b
from wikigraph.model import (
    Block,
    Heading,
    Link,
    LinkStatus,
    Note,
    ResolvedLink,
    SubpathKind,
    Unresolved,
    VaultFile,
)

ATTACHMENT_EXTENSIONS = frozenset(
    {
        "avif", "bmp", "gif", "jpeg", "jpg", "png", "svg", "webp", "ico", "tif", "tiff",
        "flac", "m4a", "mp3", "ogg", "wav", "3gp", "mkv", "mov", "mp4", "ogv", "webm",
        "pdf", "canvas", "base", "excalidraw", "csv", "json", "txt", "zip", "html",
    }
)  # fmt: skip
"""Extensions after which a ``#`` is a viewer parameter even when the file is missing."""

_HEADING_NOISE = re.compile(r"[#|^:%\[\]\\*_`=~]")
_TRAILING_PUNCT = ".,;!?…"
_WINDOWS_PATH = re.compile(r"(?:[A-Za-z]:[\\/]|\\\\)")


def name_key(text: str) -> str:
    """The lookup form of a name or path: NFC, lower case."""
    return unicodedata.normalize("NFC", text).lower()


def heading_key(text: str) -> str:
    """The form in which a heading and a heading link are compared."""
    text = _HEADING_NOISE.sub(" ", name_key(text))
    return " ".join(text.split()).rstrip(_TRAILING_PUNCT).rstrip()


def index_part(note: Note) -> bytes:
    """A digest of what ``note`` adds to the link index: its aliases, headings and blocks.

    These are exactly the note fields :meth:`VaultIndex.build` reads; with the vault's paths
    and folders they decide how every link resolves, and what every suggestion of
    :mod:`wikigraph.checks` can propose.
    """
    data = marshal.dumps(
        (
            note.aliases,
            tuple((heading.text, heading.level) for heading in note.headings),
            tuple(block.id for block in note.blocks),
        ),
        2,  # no references between objects: the same values always give the same bytes
    )
    return blake2b(data, digest_size=16).digest()


def _strip_md(key: str) -> str:
    return key[:-3] if key.endswith(".md") else key


def _folder(path: str) -> str:
    return path.rpartition("/")[0]


def _choose(candidates: Sequence[str], source_folder: str) -> str:
    """The duplicate-name rule: same folder, then fewest folders, shortest, alphabetical."""

    def rank(path: str) -> tuple[int, int, int, str, str]:
        return (
            0 if _folder(path) == source_folder else 1,
            path.count("/"),
            len(path),
            name_key(path),
            path,
        )

    return min(candidates, key=rank)


@dataclass(frozen=True, slots=True)
class _HeadingEntry:
    key: str
    level: int


_Raw = TypeVar("_Raw")
_Value = TypeVar("_Value")


class PerNote(Mapping[str, _Value]):
    """A mapping from note path to a value made, on first use, from the note's raw data.

    The link index needs each note's heading keys and block ids only for notes that links
    point into with ``#``; making them all up front would cost time and memory for every
    note of the vault.
    """

    __slots__ = ("_convert", "_made", "_raw")

    def __init__(self, raw: Mapping[str, _Raw], convert: Callable[[_Raw], _Value]) -> None:
        self._raw = raw
        self._convert = convert
        self._made: dict[str, _Value] = {}

    def __getitem__(self, path: str) -> _Value:
        try:
            return self._made[path]
        except KeyError:
            value = self._made[path] = self._convert(self._raw[path])
            return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


def heading_entries(headings: Iterable[Heading]) -> tuple[_HeadingEntry, ...]:
    """A note's headings as the index compares them: key and level, in order."""
    return tuple([_HeadingEntry(heading_key(h.text), h.level) for h in headings])


def block_keys(blocks: Iterable[Block]) -> frozenset[str]:
    """A note's block ids as the index compares them."""
    return frozenset([b.id.lower() for b in blocks])


def last_part(key: str) -> str:
    """The last part of a path or key: what follows its last ``/``."""
    return key.rpartition("/")[2]


class _ByName:
    """Files found through :attr:`VaultIndex.by_name`, for a key of a whole or trailing path."""

    __slots__ = ("_index", "_suffix")

    def __init__(self, index: VaultIndex, suffix: bool) -> None:
        self._index = index
        self._suffix = suffix

    @overload
    def get(self, key: str) -> tuple[str, ...] | None: ...

    @overload
    def get(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]: ...

    def get(self, key: str, default: tuple[str, ...] | None = None) -> tuple[str, ...] | None:
        """The files whose key (notes: also without ``.md``) is ``key``, or ends with
        ``/key`` when looking up trailing parts; sorted by path."""
        name = last_part(key)
        paths = self._index.by_name.get(name)
        if not paths:
            return default
        keys = self._index.keys
        tail = "/" + key
        found = []
        for path in paths:
            full = keys[path]
            if last_part(full) != name:  # matched by the name without .md
                full = full[:-3]
            if full == key or (self._suffix and full.endswith(tail)):
                found.append(path)
        return tuple(found) if found else default

    def __getitem__(self, key: str) -> tuple[str, ...]:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None


@dataclass(frozen=True)
class VaultIndex:
    """Everything a link can be matched against, keyed by :func:`name_key`.

    Only the last part of each path is a key (:attr:`by_name`); a lookup by a longer path
    filters the files of that name by their whole key (:attr:`keys`). This holds one entry
    per file instead of one per trailing part of every path.
    """

    by_name: Mapping[str, tuple[str, ...]]
    """The last part of every file's key (notes also without ``.md``: ``n.md`` and ``n``)
    mapped to the files whose key ends with it, sorted by path."""
    keys: Mapping[str, str]
    """Every file's path mapped to its key (:func:`name_key` of the path)."""
    folders: frozenset[str]
    """Every trailing part of every folder path."""
    aliases: Mapping[str, tuple[str, ...]]
    headings: Mapping[str, tuple[_HeadingEntry, ...]]
    """Each note's headings (see :func:`heading_entries`), made on first use."""
    blocks: Mapping[str, frozenset[str]]
    """Each note's block ids (see :func:`block_keys`), made on first use."""
    notes: frozenset[str]

    @classmethod
    def build(
        cls, files: Iterable[VaultFile], notes: Iterable[Note], folders: Iterable[str]
    ) -> VaultIndex:
        """The index of the scanned ``files`` and ``folders`` and the parsed ``notes``."""
        aliases: list[tuple[str, tuple[str, ...]]] = []
        headings: dict[str, tuple[Heading, ...]] = {}
        blocks: dict[str, tuple[Block, ...]] = {}
        for note in notes:
            aliases.append((note.path, note.aliases))
            headings[note.path] = note.headings
            blocks[note.path] = note.blocks
        return cls.from_parts(
            ((file.path, file.is_note) for file in files),
            folders,
            aliases,
            PerNote(headings, heading_entries),
            PerNote(blocks, block_keys),
        )

    @classmethod
    def from_parts(
        cls,
        files: Iterable[tuple[str, bool]],
        folders: Iterable[str],
        aliases: Iterable[tuple[str, Sequence[str]]],
        headings: Mapping[str, tuple[_HeadingEntry, ...]],
        blocks: Mapping[str, frozenset[str]],
    ) -> VaultIndex:
        """The index of files given as (path, is a note), of the notes' aliases given as
        (path, aliases) in note order, and of their headings and blocks."""
        by_name: dict[str, list[str]] = {}
        keys: dict[str, str] = {}
        note_paths: list[str] = []
        for path, is_note in sorted(files):
            key = keys[path] = name_key(path)
            name = last_part(key)
            by_name.setdefault(name, []).append(path)
            if is_note:
                note_paths.append(path)
                by_name.setdefault(name[:-3], []).append(path)
        folder_keys: set[str] = set()
        for folder in folders:
            parts = name_key(folder).split("/")
            folder_keys.update("/".join(parts[start:]) for start in range(len(parts)))
        by_alias: dict[str, list[str]] = {}
        for path, names in aliases:
            for alias in names:
                by_alias.setdefault(name_key(alias.strip()), []).append(path)
        return cls(
            by_name={k: tuple(v) for k, v in by_name.items()},
            keys=keys,
            folders=frozenset(folder_keys),
            aliases={k: tuple(sorted(set(v))) for k, v in by_alias.items()},
            headings=headings,
            blocks=blocks,
            notes=frozenset(note_paths),
        )

    @property
    def by_suffix(self) -> _ByName:
        """Files by any trailing part of their key (``a/b/n.md``, ``b/n.md``, ``n.md``;
        notes also without ``.md``)."""
        return _ByName(self, suffix=True)

    @property
    def by_path(self) -> _ByName:
        """Files by their whole key (notes also without ``.md``); several only when names
        differ in case."""
        return _ByName(self, suffix=False)

    def file_at(self, path: str) -> str | None:
        """The file at vault path ``path`` (any case, ``.md`` optional), if there is one."""
        found = _lookup_exact(self, name_key(path))
        return found[0] if found else None

    def is_note(self, path: str) -> bool:
        """Whether ``path`` is a note (a Markdown file) of the vault."""
        return path in self.notes


@dataclass(frozen=True, slots=True)
class ResolveOptions:
    """Choices the user can make about resolution."""

    alias_links: bool = False


def normalise_segments(parts: Sequence[str]) -> list[str] | None:
    """Apply ``.`` and ``..``; None when the path climbs above its start."""
    out: list[str] = []
    for part in parts:
        if part in ("", "."):
            continue
        if part == "..":
            if not out:
                return None
            out.pop()
        else:
            out.append(part)
    return out


def _extension(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def heading_chain_exists(entries: Sequence[_HeadingEntry], chain: Sequence[str]) -> bool:
    """Whether the last heading of ``chain`` exists, enclosed by the earlier ones in order."""
    wanted = [heading_key(part) for part in chain]
    if not wanted or not wanted[-1]:
        return False
    ancestors: list[_HeadingEntry] = []
    for entry in entries:
        while ancestors and ancestors[-1].level >= entry.level:
            ancestors.pop()
        if entry.key == wanted[-1]:
            remaining = iter(a.key for a in ancestors)
            if all(any(key == part for key in remaining) for part in wanted[:-1]):
                return True
        ancestors.append(entry)
    return False


def _subpath(
    link: Link, target: str | None, index: VaultIndex
) -> tuple[SubpathKind | None, bool | None]:
    subpath = link.subpath
    if not subpath:
        return None, None
    if target is not None:
        is_attachment = not index.is_note(target)
    else:
        is_attachment = _extension(link.path) in ATTACHMENT_EXTENSIONS
    if is_attachment:
        return SubpathKind.FILE_SPECIFIC, None
    if subpath.startswith("^"):
        if target is None:
            return SubpathKind.BLOCK, None
        return SubpathKind.BLOCK, subpath[1:].strip().lower() in index.blocks.get(
            target, frozenset()
        )
    if target is None:
        return SubpathKind.HEADING, None
    return SubpathKind.HEADING, heading_chain_exists(
        index.headings.get(target, ()), subpath.split("#")
    )


def _lookup_exact(index: VaultIndex, key: str) -> tuple[str, ...]:
    return index.by_path.get(key) or index.by_path.get(_strip_md(key)) or ()


def resolve_link(
    link: Link, index: VaultIndex, options: ResolveOptions = ResolveOptions()
) -> ResolvedLink:
    """Resolve one link against the vault index."""
    path = link.path
    if link.is_url:
        if path.lower().startswith("file:"):
            return ResolvedLink(link, LinkStatus.UNRESOLVED, reason=Unresolved.OUTSIDE)
        return ResolvedLink(link, LinkStatus.EXTERNAL)
    if not path:
        if link.subpath:
            kind, exists = _subpath(link, link.source, index)
            return ResolvedLink(link, LinkStatus.RESOLVED, link.source, kind, exists)
        return ResolvedLink(link, LinkStatus.UNRESOLVED, reason=Unresolved.EMPTY)
    if _WINDOWS_PATH.match(path):
        return ResolvedLink(link, LinkStatus.UNRESOLVED, reason=Unresolved.OUTSIDE)

    key = name_key(path)
    if key.endswith("/"):  # `[[Projects/]]` names a folder, never a note
        parts = normalise_segments(key.split("/"))
        if parts is not None and "/".join(parts) in index.folders:
            return ResolvedLink(link, LinkStatus.UNRESOLVED, reason=Unresolved.FOLDER)
        if parts is None:
            return ResolvedLink(link, LinkStatus.UNRESOLVED, reason=Unresolved.OUTSIDE)
        return ResolvedLink(link, LinkStatus.UNRESOLVED, reason=Unresolved.MISSING)
    source_parts = name_key(_folder(link.source)).split("/") if "/" in link.source else []
    candidates: tuple[str, ...] = ()
    target: str | None = None
    found: tuple[str, ...] = ()
    tried_keys: list[str] = []

    if key.startswith(("./", "../")) or key in (".", ".."):
        parts = normalise_segments([*source_parts, *key.split("/")])
        if parts is None:
            return ResolvedLink(link, LinkStatus.UNRESOLVED, reason=Unresolved.OUTSIDE)
        tried_keys.append("/".join(parts))
        found = _lookup_exact(index, tried_keys[-1])
    elif key.startswith("/"):
        parts = normalise_segments(key.split("/"))
        if parts is None:
            return ResolvedLink(link, LinkStatus.UNRESOLVED, reason=Unresolved.OUTSIDE)
        tried_keys.append("/".join(parts))
        found = _lookup_exact(index, tried_keys[-1])
    else:
        parts = normalise_segments(key.split("/"))
        if parts is None:
            return ResolvedLink(link, LinkStatus.UNRESOLVED, reason=Unresolved.OUTSIDE)
        wanted = "/".join(parts)
        tried_keys.append(wanted)
        found = ()
        if "/" in key:
            found = _lookup_exact(index, wanted)
            if not found and source_parts:
                relative = normalise_segments([*source_parts, *parts])
                if relative is not None:
                    found = _lookup_exact(index, "/".join(relative))
        if not found and wanted:
            found = index.by_suffix.get(wanted, ()) or index.by_suffix.get(_strip_md(wanted), ())
    if len(found) == 1:
        target = found[0]
    elif found:
        candidates = found
        target = _choose(found, _folder(link.source))

    if target is not None:
        kind, exists = _subpath(link, target, index)
        return ResolvedLink(link, LinkStatus.RESOLVED, target, kind, exists, candidates)

    kind, _ = _subpath(link, None, index)
    wanted = tried_keys[-1] if tried_keys else key
    alias_notes = index.aliases.get(name_key(path.strip()), ())
    if alias_notes:
        if options.alias_links:
            chosen = _choose(alias_notes, _folder(link.source))
            kind, exists = _subpath(link, chosen, index)
            many = alias_notes if len(alias_notes) > 1 else ()
            return ResolvedLink(
                link, LinkStatus.RESOLVED, chosen, kind, exists, many, Unresolved.ALIAS, alias_notes
            )
        return ResolvedLink(
            link,
            LinkStatus.UNRESOLVED,
            subpath_kind=kind,
            reason=Unresolved.ALIAS,
            alias_of=alias_notes,
        )
    if wanted.rstrip("/") in index.folders:
        return ResolvedLink(
            link, LinkStatus.UNRESOLVED, subpath_kind=kind, reason=Unresolved.FOLDER
        )
    return ResolvedLink(link, LinkStatus.UNRESOLVED, subpath_kind=kind, reason=Unresolved.MISSING)


def lookup_names(link: Link) -> tuple[str, ...]:
    """Every name under which :func:`resolve_link` may look ``link`` up: each last part
    of a path it tries (a key of :attr:`VaultIndex.by_name`), and the alias it may try.

    While the vault's folders stay the same, a file added or removed under none of these
    names, or a note's aliases, headings or block ids changed under none of them, cannot
    change how the link resolves (see :func:`file_names`).
    """
    path = link.path
    if link.is_url or not path:
        return ()
    if (path[1:2] == ":" or path[:2] == "\\\\") and _WINDOWS_PATH.match(path):
        return ()
    key = name_key(path)
    stripped = path.strip()
    alias = key if stripped is path else name_key(stripped)
    last = key.rpartition("/")[2]
    if last not in ("", ".", ".."):  # every path tried ends with it
        return (last, last[:-3], alias) if last.endswith(".md") else (last, alias)
    if not last:
        return ()  # a folder link: only the folders decide
    parts = normalise_segments(key.split("/"))
    source = name_key(_folder(link.source)).split("/") if "/" in link.source else []
    tried = [parts, normalise_segments([*source, *key.split("/")])]
    if parts is not None:
        tried.append(normalise_segments([*source, *parts]))
    names = {alias}
    for found in tried:
        if found is not None:
            last = found[-1] if found else ""
            names.update((last, _strip_md(last)))
    return tuple(names)


def file_names(path: str, is_note: bool, aliases: Iterable[str] = ()) -> set[str]:
    """The names under which the file at ``path`` (with ``aliases`` when a note) is found:
    a link is affected by the file only when :func:`lookup_names` share one of them."""
    name = last_part(name_key(path))
    names = {name, name[:-3]} if is_note else {name}
    names.update(name_key(alias.strip()) for alias in aliases)
    return names


def resolve_links(
    notes: Iterable[Note], index: VaultIndex, options: ResolveOptions = ResolveOptions()
) -> tuple[ResolvedLink, ...]:
    """Resolve every link of ``notes``, in (source, line, column) order."""
    resolved = [resolve_link(link, index, options) for note in notes for link in note.links]
    resolved.sort(key=lambda r: (r.link.source, r.link.line, r.link.column))
    return tuple(resolved)
