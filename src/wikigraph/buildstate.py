"""Remember the last ``wikigraph build`` of a vault, so that the next one does only what
changed since.

Takes the settings, the page's path and the build's options; gives back what to print
and the check's findings, or None when the page must be made in full. After each build
the state is stored in the vault's cache folder (see :func:`wikigraph.cachedir.state_dir`),
one file per set of settings and options. The next build:

1. **Repeats the stored build** (:meth:`BuildState.replay`) when the vault is listed as
   before (:func:`wikigraph.checkstate.list_vault`), ``.obsidian/graph.json`` holds the
   same, and the page is the file the stored build wrote: nothing is loaded.
2. **Updates the page in place** (:meth:`BuildState.update`) when only the text of a few
   notes changed, in a way that leaves the graph as it was: no file added, removed or
   renamed, and each changed note matched by the same links (its aliases, headings and
   blocks), with the same tags, its links leading where they led. The changed notes are
   parsed and their links resolved against the stored check's link index
   (:func:`wikigraph.checkstate.stored_index`); the check runs as it does after an edit;
   then only their panel entries and previews, and the check's summary, are made again
   and put in place of the old ones, found by the offsets the last build recorded
   (:class:`wikigraph.render.PageMap`). The rest of the page is copied as it is. Any
   number of notes may have a new stat with the same bytes, as after a fresh checkout:
   they are read (on all cores when there is much to read) and found unchanged.
3. **Builds the page in full** otherwise, and stores a new state.

Every way gives the same page, byte for byte (``tests/test_build_update.py``). Notes that
changed less than :data:`~wikigraph.checkstate.RACY_NS` before a listing are stored with
the digest of their bytes and read again by the next build, since a second change within
the same timestamp tick would not show in their stat. The state file carries a CRC; one
that is damaged, of another format or unreadable is ignored. Nothing here raises for a
problem with the state.
"""

from __future__ import annotations

import marshal
import os
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wikigraph.digests import blake2b

if TYPE_CHECKING:
    from wikigraph.cache import ParseCache
    from wikigraph.checks import CheckResult
    from wikigraph.checkstate import Listing, Shown
    from wikigraph.config import Settings
    from wikigraph.model import Note, ResolvedLink
    from wikigraph.render import GraphView, PageMap, PageProblem

STATE_FORMAT = 2
"""Bump when the layout of the state file changes."""
MAGIC = b"wikigraph-build\x00"
MAX_CHANGED_NOTES = 64
"""With more notes whose bytes changed than this, the page is made in full. Any number of
notes may have only a new stat (as after a fresh checkout)."""
LAYOUT_FILE = "layout.json"
"""The layout cache (:data:`wikigraph.layout.CACHE_FILE`): a page is updated in place only
while it holds what it held when the page was written."""


def file_digest(path: Path) -> str | None:
    """A digest of a small file's bytes; None when there is no file."""
    from wikigraph.checkstate import content_digest

    try:
        return content_digest(path.read_bytes()).hex()
    except FileNotFoundError:
        return None
    except OSError as error:
        return type(error).__name__


def file_stat(path: Path) -> list[int] | None:
    """Size, mtime, inode and ctime of a file; None when it cannot be stat'ed."""
    try:
        info = path.stat()
    except OSError:
        return None
    return [info.st_size, info.st_mtime_ns, info.st_ino, info.st_ctime_ns]


def view_code_digest() -> str:
    """A digest of what makes a page beyond what a check depends on: all of wikigraph's
    Python code, the page's own script, style and template, the vis-network that pyvis
    ships, and the libraries that lay out, render previews and fill the template."""
    from importlib import metadata, resources

    digest = blake2b(digest_size=16)
    package = resources.files("wikigraph")
    for folder in (package, package / "commands"):
        for entry in sorted(folder.iterdir(), key=lambda item: item.name):
            if entry.name.endswith(".py"):
                digest.update(entry.name.encode())
                digest.update(entry.read_bytes())
    templates = package / "templates"
    for name in ("graph.css", "graph.html.j2", "graph.js"):
        digest.update((templates / name).read_bytes())
    for library in ("pyvis", "numpy", "Jinja2", "MarkupSafe"):
        try:
            digest.update(f"{library} {metadata.version(library)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(library.encode())
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Written:
    """What a build in full wrote, as the next build needs it to update the page."""

    page_map: PageMap
    view: GraphView
    note_digests: Mapping[str, tuple[bytes | None, bytes]]
    """Per note: the digest of its bytes and of its surface (see
    :attr:`wikigraph.vault.Vault.note_digests`)."""
    problems: Mapping[str, Sequence[PageProblem]]
    open_prefix: str
    """The start of the page's "Open in Obsidian" URLs."""
    patchable: bool
    """False when notes' text decides more of the page than their panels and previews
    (Obsidian's colour groups can search it): then the page is always made in full."""
    drawn: str
    """What the page draws, as the build said it (``12 notes, 30 linked pairs``)."""
    notices: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Updated:
    """A page updated in place."""

    result: CheckResult
    summary: str
    changed: int
    """Notes whose entries in the page were made again."""
    drawn: str
    notices: tuple[str, ...]
    patch: dict[str, Any] = field(repr=False)
    """What the next build needs to update the page again."""
    racy: tuple[tuple[str, bytes | None], ...] = field(repr=False)
    """The notes the listing cannot vouch for, with their digests (see
    :func:`wikigraph.checkstate.racy_notes`)."""


class _FullBuild(Exception):
    """The page cannot be updated in place."""


def _refuse_load() -> Any:
    raise _FullBuild


class BuildState:
    """What the last build with these settings and options wrote, in the vault's cache
    folder: the vault's listing, the digest of ``.obsidian/graph.json``, the stat of the
    page just after it was written, what the build printed and returned, and what
    :meth:`update` needs."""

    def __init__(
        self, path: Path, root: Path, listing: Listing, graph_json: str | None, cache_dir: Path
    ) -> None:
        self.path = path
        self.root = root
        self.listing = listing
        self.graph_json = graph_json
        self.cache_dir = cache_dir
        self._stored: dict[str, Any] | None = None
        self._read = False

    @staticmethod
    def open(
        settings: Settings, vault_root: Path, page: Path, options: Sequence[object]
    ) -> BuildState | None:
        """The state of a build with these settings and ``options`` (every other choice
        that changes the page); None when there is no place for it (see
        :func:`wikigraph.cachedir.state_dir`)."""
        from wikigraph.cachedir import state_dir
        from wikigraph.checkstate import list_vault, state_key

        folder = state_dir(settings, vault_root)
        if folder is None:
            return None
        key_parts = (
            STATE_FORMAT,
            state_key(settings),
            view_code_digest(),
            os.path.realpath(vault_root),
            os.path.realpath(page),
            repr(settings),
            *options,
        )
        key = blake2b(repr(key_parts).encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()
        graph_json = file_digest(vault_root / ".obsidian" / "graph.json")
        listing = list_vault(os.fspath(vault_root))
        return BuildState(folder / f"build-{key}.state", vault_root, listing, graph_json, folder)

    # --- the stored state ---

    def stored(self) -> dict[str, Any] | None:
        """The stored state without what only :meth:`update` needs, if it is sound."""
        if not self._read:
            self._read = True
            self._stored = _read_state(self.path, whole=False)
        return self._stored

    def _same_page(self, stored: Mapping[str, Any], page: Path) -> bool:
        """Whether the vault's settings files and the page are those of the stored build."""
        return (
            self.listing.safe
            and stored.get("graph") == self.graph_json
            and stored.get("page") == file_stat(page)
        )

    def replay(self, page: Path) -> tuple[list[str], int] | None:
        """What the stored build printed and returned, when its page is still what this
        build would write; else None."""
        stored = self.stored()
        if stored is None or stored.get("listing") != self.listing.digest:
            return None
        if not self._same_page(stored, page):
            return None
        from wikigraph.checkstate import same_bytes

        for path, digest in stored["racy"]:
            if not same_bytes(self.root, path, digest):
                return None
        return list(stored["lines"]), stored["exit"]

    def store(self, page: Path, lines: Sequence[str], code: int, built: Written | Updated) -> None:
        """Remember this build: what it printed (``lines``) and returned, and what the
        next build needs to update the page. Nothing is stored when a note that the
        listing cannot vouch for (see :func:`wikigraph.checkstate.racy_notes`) has no known
        digest."""
        from wikigraph.checkstate import app_config_digest, racy_notes

        if isinstance(built, Written):
            digests = built.note_digests
            racy = racy_notes(self.listing, lambda path: digests.get(path, (None, b""))[0])
            patch = _patch_part(built) if built.patchable else None
        else:
            racy, patch = built.racy, built.patch
        if not self.listing.safe or any(digest is None for _, digest in racy):
            return
        state: dict[str, Any] = {
            "listing": self.listing.digest,
            "app_config": app_config_digest(self.listing),
            "racy": racy,
            "graph": self.graph_json,
            "page": file_stat(page),
            "layout": file_stat(self.cache_dir / LAYOUT_FILE),
            "lines": list(lines),
            "exit": code,
            "patch": patch is not None,
        }
        _write_state(self.path, state, (self.listing.encode(), patch))

    # --- updating the page in place ---

    def update(self, page: Path, settings: Settings, shown: Shown) -> Updated | None:
        """Bring the page up to date without making it again, when only the text of a few
        notes changed (see the module's description); None when it must be made in full.
        ``settings`` name the vault; ``shown`` is how the check's findings are shown."""
        stored = self.stored()
        if stored is None or not stored.get("patch") or not self._same_page(stored, page):
            return None
        stored = _read_state(self.path, whole=True)  # with the listing and page's map
        if stored is None or not self._same_page(stored, page):
            return None
        if stored.get("layout") != file_stat(self.cache_dir / LAYOUT_FILE):
            return None
        from wikigraph.checkstate import StateError

        try:
            return _Update(self, stored, page, settings, shown).run()
        except (_FullBuild, StateError, KeyError, ValueError, TypeError, EOFError, OSError):
            return None  # a state that does not hold what it should: build in full


class _Update:
    """One update of a page in place."""

    def __init__(
        self,
        state: BuildState,
        stored: dict[str, Any],
        page: Path,
        settings: Settings,
        shown: Shown,
    ) -> None:
        self.state = state
        self.stored = stored
        self.patch: dict[str, Any] = stored["patch"]
        self.page = page
        self.settings = settings
        self.shown = shown
        self.listing = state.listing

    def run(self) -> Updated | None:
        from wikigraph.checkstate import Listing, app_config_digest, changed_notes, racy_notes
        from wikigraph.resolve import index_part

        listing = self.listing
        if self.stored["app_config"] != app_config_digest(listing):
            return None  # Obsidian's excluded files may have changed
        changed = changed_notes(Listing.decode(marshal.loads(self.stored["entries"])), listing)
        if changed is None:
            return None
        notes = listing.notes()
        for path, _ in self.stored["racy"]:
            if path not in notes:
                return None
            changed.add(path)
        known: Mapping[str, tuple[bytes | None, bytes]] = self.patch["notes"]
        digests, parsed = self._read({path: listing.stats[4 * notes[path]] for path in changed})
        for path, note in parsed.items():
            before = known.get(path)
            if before is None or index_part(note) != before[1]:
                return None  # links to it may now resolve otherwise

        from wikigraph.checkstate import check

        read = {path: (digest, parsed.get(path)) for path, digest in digests.items()}
        report = check(
            self.settings, self.shown, _refuse_load, with_result=True, listing=listing, read=read
        )
        result = report.result
        assert result is not None
        ids: list[str] = self.patch["ids"]
        number = {node: i for i, node in enumerate(ids)}
        drawn = {path: note for path, note in parsed.items() if path in number}
        from wikigraph.render import page_problems, problems_by_node

        problems = problems_by_node(self._clean_ids(), page_problems(result.diagnostics))
        problem_digests = {i: _problems_digest(found) for i, found in problems.items()}
        old_digests: dict[int, bytes] = self.patch["problems"]
        renew = {number[path] for path in drawn}
        for i in old_digests.keys() | problem_digests.keys():
            if old_digests.get(i) != problem_digests.get(i) and i not in renew:
                return None  # a note that did not change has other findings
        cache = self._parse_cache() if parsed else None
        if parsed and cache is None:
            return None
        try:
            links = self._same_graph(drawn, cache) if cache is not None and drawn else {}
            if links is None:
                return None
            self._write(drawn, links, problems, report.summary, number)
            if cache is not None:
                self._store_notes(parsed, digests, cache)
        finally:
            if cache is not None:
                cache.close()
        note_digests = dict(known)
        for path, digest in digests.items():
            note_digests[path] = (digest, known[path][1])
        patch = {**self.patch, "notes": note_digests, "problems": problem_digests}
        return Updated(
            result=result,
            summary=report.summary,
            changed=len(drawn),
            drawn=patch["drawn"],
            notices=tuple(patch["notices"]),
            patch=patch,
            racy=racy_notes(listing, digests.get),
        )

    def _clean_ids(self) -> list[str]:
        from wikigraph.render import clean_text

        return [clean_text(node) for node in self.patch["ids"]]

    def _read(self, sizes: Mapping[str, int]) -> tuple[dict[str, bytes], dict[str, Note]]:
        """Read the changed notes (on all cores when there is much to read); the digest of
        each one's bytes, and the notes whose bytes are not the ones the stored build saw,
        parsed. Raises :class:`_FullBuild` when more than :data:`MAX_CHANGED_NOTES` are."""
        from wikigraph.parallel import Options, Task, read_notes

        known: Mapping[str, tuple[bytes | None, bytes]] = self.patch["notes"]
        tasks = []
        for path in sorted(sizes):
            before = known.get(path)
            tasks.append(Task(path, sizes[path], before[0] if before is not None else None))
        options = Options.of(self.state.root, self.settings)
        digests: dict[str, bytes] = {}
        parsed: dict[str, Note] = {}
        for path, digest, note, _, _ in read_notes(tasks, options):
            if digest is None:
                raise _FullBuild  # unreadable, or too large: the full build says why
            digests[path] = digest
            if note is not None:
                if len(parsed) == MAX_CHANGED_NOTES:
                    raise _FullBuild  # too many to make again one by one
                parsed[path] = note
        return digests, dict(sorted(parsed.items()))

    def _same_graph(
        self, drawn: Mapping[str, Note], cache: ParseCache
    ) -> dict[str, tuple[ResolvedLink, ...]] | None:
        """The resolved links of each changed note that is drawn, when every one of them
        leaves the graph as it was; None otherwise. The note as the stored build saw it
        comes from the parse ``cache``."""
        from wikigraph.checkstate import stored_index
        from wikigraph.graph import link_contributions
        from wikigraph.resolve import ResolveOptions, resolve_links

        index = stored_index(self.settings, self.state.root, self.listing)
        if index is None:
            return None
        options = ResolveOptions(alias_links=self.settings.alias_links)
        known: Mapping[str, tuple[bytes | None, bytes]] = self.patch["notes"]
        found: dict[str, tuple[ResolvedLink, ...]] = {}
        for path, note in drawn.items():
            entry = cache.entry(path)
            if entry is None or entry.digest != known[path][0] or entry.note.tags != note.tags:
                return None
            before = resolve_links([entry.note], index, options)
            now = resolve_links([note], index, options)
            if link_contributions(before) != link_contributions(now):
                return None
            found[path] = now
        return found

    def _write(
        self,
        drawn: Mapping[str, Note],
        links: Mapping[str, tuple[ResolvedLink, ...]],
        problems: Mapping[int, Sequence[PageProblem]],
        summary: str,
        number: Mapping[str, int],
    ) -> None:
        """Write the page with the changed notes' entries and the new summary in place of
        the old ones; the rest is copied from the page as it is."""
        import numpy as np

        from wikigraph.graph import NOTE
        from wikigraph.preview import preview_source, render_previews
        from wikigraph.render import (
            block_json,
            clean_text,
            link_targets_of,
            panel_entry,
            panel_json,
            preview_json,
            preview_parts,
            problem_rows,
        )

        patch = self.patch
        panels = np.frombuffer(patch["panels"], dtype=np.int64)
        previews = np.frombuffer(patch["previews"], dtype=np.int64)
        start, end = patch["config"]
        config = {**patch["config_value"], "summary": clean_text(summary) if summary else None}
        replacements = [(start, end, block_json(config).encode("utf-8"))]
        sources = {path: preview_source(note) for path, note in drawn.items()}
        texts = {path: text for path, text in sources.items() if text is not None}
        rendered = dict(zip(texts, render_previews(list(texts.values())), strict=True))
        for path, note in drawn.items():
            i = number[path]
            comma = "," if i else ""
            entry = panel_entry(path, NOTE, note, patch["open"])
            targets = link_targets_of(links[path], {path}).get(path, {})
            tree, refs = preview_parts(rendered.get(path), targets, number)
            if refs:
                entry["refs"] = refs
            found = problems.get(i)
            if found:
                entry["problems"] = problem_rows(found)
            panel = (comma + panel_json(entry)).encode("utf-8")
            replacements.append((int(panels[i]), int(panels[i + 1]), panel))
            shown = (comma + preview_json(tree)).encode("utf-8")
            replacements.append((int(previews[i]), int(previews[i + 1]), shown))
        replacements.sort(key=lambda item: item[0])
        from wikigraph.files import write_atomic_pieces

        size = os.stat(self.page).st_size
        write_atomic_pieces(self.page, _replaced(self.page, size, replacements))
        ends = np.array([item[1] for item in replacements], dtype=np.int64)
        growth = np.cumsum([len(item[2]) - (item[1] - item[0]) for item in replacements])

        def moved(offsets: Any) -> Any:
            before = np.searchsorted(ends, offsets, side="right")
            shift = np.where(before > 0, growth[np.maximum(before - 1, 0)], 0)
            return (offsets + shift).astype(np.int64)

        config_range = moved(np.array([start, end], dtype=np.int64)).tolist()
        self.patch = {
            **patch,
            "config": (config_range[0], config_range[1]),
            "config_value": config,
            "panels": moved(panels).tobytes(),
            "previews": moved(previews).tobytes(),
        }

    def _parse_cache(self) -> ParseCache | None:
        from wikigraph.cache import ParseCache, cache_key

        settings = self.settings
        key = cache_key(
            links_in_comments=settings.links_in_comments, alias_links=settings.alias_links
        )
        return ParseCache.open(self.state.cache_dir, key)

    def _store_notes(
        self, parsed: Mapping[str, Note], digests: Mapping[str, bytes], cache: ParseCache
    ) -> None:
        """Store the parsed notes in the parse ``cache``, as loading the vault would have."""
        from wikigraph.cache import Update
        from wikigraph.resolve import index_part

        notes = self.listing.notes()
        updates = []
        for path, note in parsed.items():
            stats = self.listing.note_stat(notes[path])
            if stats is not None:
                updates.append(
                    Update(path, stats, digests[path], note, index_part(note), None, None)
                )
        cache.write(updates, (), self.listing.started_ns)


def _replaced(
    page: Path, size: int, replacements: Sequence[tuple[int, int, bytes]]
) -> Iterator[bytes]:
    """The bytes of ``page`` with each (start, end, new bytes) of ``replacements`` (in
    order, apart) put in place of the bytes from start to end."""
    with open(page, "rb") as source:
        position = 0
        for start, end, data in (*replacements, (size, size, b"")):
            while position < start:
                piece = source.read(min(start - position, 1 << 20))
                if not piece:
                    raise _FullBuild  # the page is shorter than it was
                position += len(piece)
                yield piece
            yield data
            source.seek(end)
            position = end


def _problems_digest(problems: Sequence[PageProblem]) -> bytes:
    values = tuple((p.line, p.column, p.severity, p.code, p.message) for p in problems)
    return blake2b(marshal.dumps(values), digest_size=8).digest()


def _patch_part(written: Written) -> dict[str, Any] | None:
    """What :meth:`BuildState.update` needs of a build in full."""
    from wikigraph.render import clean_text, problems_by_node

    view = written.view
    ids = view.ids
    problems = problems_by_node([clean_text(node) for node in ids], written.problems)
    part = {
        "ids": list(ids),
        "notes": dict(written.note_digests),
        "problems": {i: _problems_digest(found) for i, found in problems.items()},
        "config": written.page_map.config,
        "config_value": view.config,
        "panels": written.page_map.panels.tobytes(),
        "previews": written.page_map.previews.tobytes(),
        "open": written.open_prefix,
        "drawn": written.drawn,
        "notices": list(written.notices),
    }
    try:
        marshal.dumps(part)
    except ValueError:  # a value marshal cannot store: the page is always made in full
        return None
    return part


_HEAD = len(MAGIC) + 12
"""The file starts with the magic, the format, the size and the CRC of the part that a
build repeating the stored one reads; the rest of the file (with a CRC of its own) holds
the listing and what updating the page needs."""


def _read_state(path: Path, *, whole: bool) -> dict[str, Any] | None:
    """The state stored at ``path``, if it is sound and of this format; ``whole`` reads
    also the listing (``entries``) and what updating the page needs (``patch``)."""
    try:
        with open(path, "rb") as handle:
            start = handle.read(_HEAD)
            if len(start) < _HEAD or not start.startswith(MAGIC):
                return None
            version, size, crc = (
                int.from_bytes(start[at : at + 4], "little") for at in range(len(MAGIC), _HEAD, 4)
            )
            head = handle.read(size)
            rest = handle.read() if whole else b""
    except OSError:
        return None
    if version != STATE_FORMAT or len(head) != size or zlib.crc32(head) != crc:
        return None
    try:
        state = marshal.loads(head)
        if whole:
            if len(rest) < 4 or zlib.crc32(rest[4:]) != int.from_bytes(rest[:4], "little"):
                return None
            state["entries"], state["patch"] = marshal.loads(rest[4:])
    except (EOFError, ValueError, TypeError, KeyError):
        return None
    if not isinstance(state, dict):
        return None
    lines, code, racy = state.get("lines"), state.get("exit"), state.get("racy")
    if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
        return None
    if not isinstance(code, int) or not isinstance(racy, tuple):
        return None
    return state


def _write_state(path: Path, head: Mapping[str, Any], rest: tuple[bytes, Any]) -> None:
    """Write the state atomically, and remove the states of other settings and options
    that no build wrote for :data:`~wikigraph.cachedir.STALE_DAYS`; give up silently when
    the folder cannot be written (the state is only a cache)."""
    from wikigraph.cachedir import remove_stale
    from wikigraph.files import write_atomic_pieces

    first = marshal.dumps(dict(head))
    second = marshal.dumps(rest)
    pieces = (
        MAGIC,
        STATE_FORMAT.to_bytes(4, "little"),
        len(first).to_bytes(4, "little"),
        zlib.crc32(first).to_bytes(4, "little"),
        first,
        zlib.crc32(second).to_bytes(4, "little"),
        second,
    )
    try:
        write_atomic_pieces(path, pieces, durable=False)
    except OSError:
        return
    remove_stale(path, "build-*.state")
