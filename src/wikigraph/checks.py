"""Check a loaded vault: the check registry, diagnostics with suggestions, suppressions, baselines.

Takes a :class:`~wikigraph.vault.Vault` and :class:`~wikigraph.config.Settings`; returns a
:class:`CheckResult` whose diagnostics are sorted by (path, line, column, code). Each check
has a stable code in :data:`CHECKS`. Link checks read the resolved links; file checks read
the problems the scan and the parse found, the notes' block ids and the file names.

Suppressions: a ``%% wikigraph-ignore [codes] %%`` comment silences those codes (or all) on
its line, the ``wikigraph-ignore`` property silences a whole note. A baseline file lists the
fingerprints of accepted findings, which are then hidden (see :func:`read_baseline`).
"""

from __future__ import annotations

import difflib
import json
import posixpath
import re
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from itertools import repeat
from pathlib import Path
from typing import TypeVar

from wikigraph.config import Settings
from wikigraph.digests import sha256
from wikigraph.errors import ConfigError
from wikigraph.model import (
    Block,
    Heading,
    Link,
    LinkKind,
    LinkStatus,
    Note,
    Problem,
    ResolvedLink,
    SubpathKind,
    Unresolved,
)
from wikigraph.resolve import (
    ATTACHMENT_EXTENSIONS,
    file_names,
    heading_chain_exists,
    heading_key,
    last_part,
    lookup_names,
    name_key,
    normalise_segments,
)
from wikigraph.scan import ExcludeRules, read_obsidian_excludes
from wikigraph.vault import Vault

BASELINE_VERSION = 1


class Severity(StrEnum):
    """How serious a diagnostic is; ``--fail-level`` compares against it."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """2 for errors, 1 for warnings, 0 for info: higher is more serious."""
        return {"error": 2, "warning": 1, "info": 0}[self.value]


@dataclass(frozen=True, slots=True)
class Check:
    """One check: its stable code and its help text."""

    code: str
    severity: Severity
    """The default severity (config can change it)."""
    summary: str
    """One sentence: what the check reports."""
    explanation: str
    """A paragraph: why it matters and how to fix it."""
    bad: str
    """Markdown that triggers the check."""
    good: str
    """The same Markdown, fixed."""
    enabled_by_default: bool = True


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding, at a place in a file of the vault."""

    path: str
    """Vault-relative POSIX path of the file."""
    line: int
    """1-based line (1 for findings about the whole file)."""
    column: int
    """1-based column in Unicode code points."""
    end_line: int
    end_column: int
    """Column just after the end (exclusive); equal to ``column`` for a point."""
    severity: Severity
    code: str
    message: str
    hint: str | None = None
    """What to do about it, shown in parentheses after the message (e.g. a "did you mean")."""
    suggestion: str | None = None
    """Replacement text for the span from (line, column) to (end_line, end_column), if any."""
    fingerprint: str = ""
    """Stable identity for baselines: code, path, link text and occurrence; no line numbers."""

    @property
    def text(self) -> str:
        """The message with its hint in parentheses."""
        return f"{self.message} ({self.hint})" if self.hint else self.message


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of :func:`run_checks`."""

    diagnostics: tuple[Diagnostic, ...]
    """Every reported diagnostic, sorted by (path, line, column, code)."""
    notes: int
    """How many notes were checked (excluded notes are not)."""
    note_paths: tuple[str, ...] = ()
    """The paths of the checked notes, sorted."""
    checks: Mapping[str, Severity] = field(default_factory=dict)
    """The checks that ran, with their effective severity, in registry order."""
    baselined: int = 0
    """Findings hidden because the baseline lists them."""
    suppressed: int = 0
    """Findings silenced by ``wikigraph-ignore`` comments or properties."""

    def count(self, severity: Severity | str) -> int:
        """How many diagnostics have this severity."""
        wanted = Severity(severity)
        return sum(1 for d in self.diagnostics if d.severity is wanted)

    @property
    def paths(self) -> tuple[str, ...]:
        """The files that have at least one diagnostic, sorted."""
        return tuple(sorted({d.path for d in self.diagnostics}))

    def failed(self, fail_level: Severity | str = Severity.ERROR) -> bool:
        """Whether any diagnostic is at or above ``fail_level``."""
        rank = Severity(fail_level).rank
        return any(d.severity.rank >= rank for d in self.diagnostics)

    def exit_code(self, fail_level: Severity | str = Severity.ERROR) -> int:
        """1 when a diagnostic is at or above ``fail_level``, else 0 (``wikigraph check``)."""
        return 1 if self.failed(fail_level) else 0


def _check(
    code: str,
    severity: Severity,
    summary: str,
    explanation: str,
    bad: str,
    good: str,
    *,
    enabled: bool = True,
) -> Check:
    return Check(code, severity, summary, " ".join(explanation.split()), bad, good, enabled)


_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFO

CHECKS: Mapping[str, Check] = {
    check.code: check
    for check in (
        _check(
            "broken-link",
            _E,
            "A link points to a note or file that does not exist.",
            """Obsidian matches the link's name (or path) against every file of the vault,
            ignoring case; nothing matched. Clicking the link would create an empty note.
            Fix the name, create the note, or link the file where it is now. Files other than
            notes need their extension (`[[diagram.png]]`), and a web address needs a
            Markdown link, because `[[https://...]]` is a note link.""",
            "See [[Projcts/Plan]] and [[diagram]].",
            "See [[Projects/Plan]] and [[diagram.png]].",
        ),
        _check(
            "missing-heading",
            _E,
            "A link names a heading that its target note does not have.",
            """The file exists but no heading matches the text after `#` (compared ignoring
            case, extra spaces and the characters # | ^ : % [ ]). Obsidian opens the note
            at the top. Headings are matched by their text, not by web-style slugs such as
            `#some-heading`; in a chain `#A#B` the heading B must sit under A.""",
            "[[Roadmap#Goal-for-2025]]",
            "[[Roadmap#Goal for 2025]]",
        ),
        _check(
            "missing-block",
            _E,
            "A link names a block id (#^id) that its target note does not declare.",
            """Block ids are declared with ` ^id` at the end of a paragraph or list item, or
            on a line of their own after a block. The id was not found in the target note:
            it was deleted, renamed or moved to another note.""",
            "[[Meeting#^decision-1]]",
            "[[Meeting#^decision1]]",
        ),
        _check(
            "ambiguous-link",
            _W,
            "A link's name matches several files; Obsidian picks one of them.",
            """Several files share the name, so the link depends on where it is written and
            on which files exist. Obsidian takes the file whose path is the link, else the
            one in the linking note's folder, else the one with the shortest path. Write a
            path (`[[Work/Ideas]]`, or `[[/Ideas]]` for the one at the vault root) to say
            which file you mean.""",
            "[[Ideas]]  (with Ideas.md and Archive/Ideas.md)",
            "[[Archive/Ideas]]",
        ),
        _check(
            "alias-link",
            _E,
            "A link names an alias, which Obsidian does not resolve.",
            """A note lists the name under `aliases`, but Obsidian only uses aliases to
            suggest links: `[[GWM]]` stays unresolved. Link the note and show the alias as
            the display text. If your publishing tool resolves aliases (Quartz, Foam), set
            `alias-links = true` and this check stays silent.""",
            "[[GWM]]",
            "[[Genie|GWM]]",
        ),
        _check(
            "folder-link",
            _E,
            "A link names a folder; Obsidian links only to files.",
            """Site generators turn `[[Projects/]]` into a folder listing, Obsidian does not
            resolve it. Link a note inside the folder (an index or folder note) instead.""",
            "[[Projects/]]",
            "[[Projects/index]]",
        ),
        _check(
            "empty-link",
            _W,
            "A link has no target, such as [[]], [[|text]] or [text]().",
            """There is nothing to link to; the link is probably unfinished. Fill in the
            target or remove the brackets.""",
            "Read [[]] later.",
            "Read [[Reading list]] later.",
        ),
        _check(
            "outside-vault",
            _E,
            "A link or a symlink leads outside the vault.",
            """A path that climbs above the vault root (`../`), a drive or network path
            (`C:\\`, `\\\\server`), a `file:` URL or a symlink to a place outside the
            vault never resolves in Obsidian, and a published vault would not contain the
            file.""",
            "[notes](../../private/notes.md)",
            "[notes](Private/notes.md)",
        ),
        _check(
            "duplicate-block-id",
            _W,
            "A note declares the same block id twice.",
            """A link `[[Note#^id]]` can reach only one of the blocks. Block ids are
            compared ignoring case. Give each block its own id.""",
            "First idea ^idea\nSecond idea ^idea",
            "First idea ^idea1\nSecond idea ^idea2",
        ),
        _check(
            "invalid-frontmatter",
            _E,
            "The note's front matter (properties) is not valid YAML.",
            """Obsidian shows no properties for the note, so its aliases, tags and property
            links are lost. The message gives the line and the YAML error; a common cause is
            a value with `: ` or a leading `[` that needs quotes.""",
            "---\ntitle: Plan: 2025\n---",
            '---\ntitle: "Plan: 2025"\n---',
        ),
        _check(
            "unquoted-property-link",
            _W,
            "A property holds an unquoted [[link]], which YAML reads as a nested list.",
            """In YAML `up: [[Index]]` is a list inside a list, not text, so Obsidian does
            not see a link. Put the link in quotes.""",
            "---\nup: [[Index]]\n---",
            '---\nup: "[[Index]]"\n---',
        ),
        _check(
            "unreadable-file",
            _E,
            "A note cannot be read: not UTF-8, binary, too large or not accessible.",
            """Obsidian reads notes as UTF-8 text. A note saved as UTF-16 or in a legacy
            encoding, a binary file with a `.md` name, or a file the process may not read
            cannot be checked. Save it as UTF-8, rename it, or fix its permissions. Notes
            larger than `max-note-size` are skipped with a warning.""",
            "notes/Export.md  (saved as UTF-16)",
            "notes/Export.md  (saved as UTF-8)",
        ),
        _check(
            "unlinkable-name",
            _W,
            "A file name contains characters that links cannot hold: # | ^ : %% [[ ]].",
            """Obsidian warns about these characters in names because a link cannot spell
            them: `#` starts a heading, `|` the display text, `^` a block id. Rename the
            file. Control characters in names are reported too.""",
            "Q&A #3.md",
            "Q&A 3.md",
        ),
        _check(
            "bad-symlink",
            _W,
            "A symlink in the vault is broken or loops back to a folder that contains it.",
            """The scan cannot follow it, so the files behind it are not part of the vault.
            Remove the symlink or point it at an existing place inside the vault.""",
            "Archive -> ../missing-folder",
            "Archive -> ../archive",
        ),
        _check(
            "invalid-config",
            _W,
            "Obsidian's settings in .obsidian/app.json cannot be used.",
            """The file is not valid JSON, or an "Excluded files" pattern is not a valid
            regular expression, so those exclusions are not applied.""",
            '{"userIgnoreFilters": ["/[/"]}',
            '{"userIgnoreFilters": ["/\\\\[/"]}',
        ),
        _check(
            "orphan-note",
            _I,
            "A note has no links to or from any other note.",
            """It floats alone in the graph view. Only resolved links between two different
            notes count, in either direction and of any kind (body, embed, Markdown or
            property link); links to attachments or to missing notes do not. This is the
            definition `wikigraph stats` uses. Off by default: enable it with `--select`
            or a `severity` entry.""",
            "Lonely.md  (no links in or out)",
            "Index.md: - [[Lonely]]",
            enabled=False,
        ),
        _check(
            "unused-attachment",
            _I,
            "No note links to or embeds this image, audio, video or PDF file.",
            """Images, audio, video and PDF files that nothing links to are often left over
            after a note was edited. Only links from notes count: files referenced only from
            canvases, bases or excluded notes are reported too. Off by default.""",
            "Attachments/old-diagram.png  (no links to it)",
            "Plan.md: ![[old-diagram.png]]",
            enabled=False,
        ),
    )
}
"""Every check, by code, in the order they are listed and documented."""

MEDIA_EXTENSIONS = frozenset(
    {
        "avif", "bmp", "gif", "jpeg", "jpg", "png", "svg", "webp", "ico", "tif", "tiff",
        "flac", "m4a", "mp3", "ogg", "wav", "3gp", "mkv", "mov", "mp4", "ogv", "webm", "pdf",
    }
)  # fmt: skip
"""Attachments that ``unused-attachment`` looks at: images, audio, video and PDF."""

_LINK_REASON_CODES = {
    Unresolved.MISSING: "broken-link",
    Unresolved.EMPTY: "empty-link",
    Unresolved.FOLDER: "folder-link",
    Unresolved.ALIAS: "alias-link",
    Unresolved.OUTSIDE: "outside-vault",
}
_UNLINKABLE = re.compile(r"[#|^:]|%%|\[\[|\]\]|[\x00-\x1f\x7f]")
_URL_PATH = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")
_LINK_UNSAFE = re.compile(r"[#|^:%\[\]\\]")
_SLUG_DROP = re.compile(r"[^\w\- ]")


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""


def validate_codes(codes: Iterable[str], where: str) -> tuple[str, ...]:
    """Return ``codes`` (lower-cased) or raise :class:`ConfigError` naming an unknown one."""
    known = tuple(CHECKS)
    result: list[str] = []
    for raw in codes:
        code = raw.strip().lower()
        if code == "all":
            result.append(code)
            continue
        if code not in CHECKS:
            raise ConfigError(
                f'unknown check "{raw}" in {where}{_did_you_mean(code, (*known, "all"))}'
                " (wikigraph check --list-checks shows every check)"
            )
        result.append(code)
    return tuple(result)


def enabled_checks(settings: Settings) -> dict[str, Severity]:
    """The checks that run under ``settings``, in registry order, with their severity.

    ``select`` (``all`` for every check) replaces the default set; without it, the checks
    enabled by default run, plus any given a severity in the ``severity`` table. ``ignore``
    and a severity of ``off`` remove checks.

    Raises:
        ConfigError: a check name is unknown.
    """
    origin = f" of {settings.config_file}" if settings.config_file else ""
    select = set(validate_codes(settings.select, f"select{origin}"))
    ignore = set(validate_codes(settings.ignore, f"ignore{origin}"))
    codes = validate_codes(settings.severity, f"severity{origin}")
    table = dict(zip(codes, settings.severity.values(), strict=True))
    if "all" in ignore:
        return {}
    if select:
        chosen = set(CHECKS) if "all" in select else select
    else:
        chosen = {code for code, check in CHECKS.items() if check.enabled_by_default}
        chosen |= {code for code, level in table.items() if level != "off" and code != "all"}
    chosen -= ignore
    chosen -= {code for code, level in table.items() if level == "off"}
    if table.get("all") == "off":
        return {}
    default = table.get("all")
    result: dict[str, Severity] = {}
    for code, check in CHECKS.items():
        if code in chosen:
            level = table.get(code, default)
            result[code] = Severity(level) if level and level != "off" else check.severity
    return result


@dataclass(frozen=True, slots=True)
class _Finding:
    """A diagnostic before severity, suppression and fingerprint are applied."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    code: str
    message: str
    hint: str | None = None
    suggestion: str | None = None
    key: str = ""
    """What identifies the finding in its file apart from the code (link text, block id)."""
    severity: str | None = None


def _quote(text: str) -> str:
    return f'"{text}"'


def _strip_md(path: str) -> str:
    return path[:-3] if path.lower().endswith(".md") else path


def _basename(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def _folder(path: str) -> str:
    return path.rpartition("/")[0]


def _extension(name: str) -> str:
    base = _basename(name)
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


def file_extensions(attachments: Iterable[str]) -> frozenset[str]:
    """The extensions that make a link's target a file rather than a note: the usual
    attachments' and those of the vault's ``attachments`` (paths of files not notes)."""
    return ATTACHMENT_EXTENSIONS | {_extension(path) for path in attachments}


def _slug(text: str) -> str:
    """A web-style heading slug (lower case, punctuation dropped, spaces to ``-``)."""
    return _SLUG_DROP.sub("", name_key(text).replace("`", "")).strip().replace(" ", "-")


def _heading_link_text(text: str) -> str:
    """A heading as a link can spell it: the characters links cannot hold become spaces."""
    return " ".join(_LINK_UNSAFE.sub(" ", text).split())


def edit_distance(a: str, b: str, limit: int) -> int:
    """Edits (insert, delete, replace, swap two neighbours) from ``a`` to ``b``, capped at
    ``limit + 1``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, other in enumerate(b, 1):
            cost = 0 if char == other else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char == b[j - 2] and a[i - 2] == other:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return min(previous[-1], limit + 1)


def _one_deletion_or_itself(word: str) -> Iterator[str]:
    """``word`` and each string made by deleting one of its characters (with repeats: the
    callers only hash them or look them up)."""
    yield word
    for i in range(len(word)):
        yield word[:i] + word[i + 1 :]


def _deletions(word: str, count: int) -> set[str]:
    """``word`` and every string made by deleting up to ``count`` of its characters."""
    if count < 1:
        return {word}
    found = set(_one_deletion_or_itself(word))
    if count >= 2:
        # Each pair of places once (deleting i then j gives what j then i gives).
        size = len(word)
        found.update(
            word[:i] + word[i + 1 : j] + word[j + 1 :]
            for i in range(size)
            for j in range(i + 1, size)
        )
    layer = found
    for _ in range(count - 2):
        layer = {w[:i] + w[i + 1 :] for w in layer for i in range(len(w))}
        found |= layer
    return found


class KeyOwners:
    """Which owners (numbers) hold a string key, for millions of keys in little memory.

    The keys are kept as numbers in one sorted array, not as strings in a dict: each number
    is a key's hash in its high bits and its owner in the low bits. A lookup may give an
    owner more than it should when two hashes collide, never fewer, so callers check each
    owner they are given.
    """

    _CHUNK = 1 << 16

    def __init__(self, keys_of: Iterable[Iterable[str]], count: int, capacity: int) -> None:
        """``keys_of`` gives the keys of owner 0, 1, 2... up to ``count`` owners;
        ``capacity`` is at least how many keys they have in all: the array is made that
        large at once and trimmed, so that the keys never need twice their room."""
        import numpy as np

        self._shift = max(count.bit_length(), 1)
        self._mask = (1 << (63 - self._shift)) - 1
        table = np.empty(capacity, dtype=np.int64)
        hashes = array("q")
        owners = array("q")
        filled = 0

        def flush() -> None:
            nonlocal filled
            end = filled + len(hashes)
            if end > capacity:
                raise ValueError("more keys than the capacity given")
            if hashes:
                part = table[filled:end]
                part[:] = np.frombuffer(hashes, dtype=np.int64)
                part &= self._mask
                part <<= self._shift
                part |= np.frombuffer(owners, dtype=np.int64)
            filled = end
            del hashes[:], owners[:]

        for owner, keys in enumerate(keys_of):
            before = len(hashes)
            hashes.extend(map(hash, keys))
            owners.extend(repeat(owner, len(hashes) - before))
            if len(hashes) >= self._CHUNK:
                flush()
        flush()
        table.resize(filled, refcheck=False)
        table.sort()
        self._table = table

    def owners(self, keys: Iterable[str]) -> list[int]:
        """The owners (ascending) that may hold one of ``keys``."""
        import numpy as np

        wanted = list(keys)
        hashes = np.fromiter(map(hash, wanted), dtype=np.int64, count=len(wanted))
        low = (hashes & self._mask) << self._shift
        low.sort()  # sorted keys make each binary search start where the last one ended
        owner = (1 << self._shift) - 1
        table = self._table
        if not len(table):
            return []
        starts = np.searchsorted(table, low, side="left")
        # Nearly every key is held by nobody: only where the entry found at a start has the
        # key's hash can there be owners, in the entries from there on that share it.
        held = table[np.minimum(starts, len(table) - 1)] <= (low | owner)
        found: set[int] = set()
        for start, high in zip(starts[held].tolist(), (low[held] | owner).tolist(), strict=True):
            end = int(np.searchsorted(table, high, side="right"))
            found.update(key & owner for key in table[start:end].tolist())
        return sorted(found)


class TypoIndex:
    """Finds which of many names a word mistypes, without comparing it with each of them.

    Every name is stored with each one-character deletion of it (in a :class:`KeyOwners`);
    a word is looked up by its own deletions, and the few names found are compared with
    :func:`edit_distance`. A name found is kept only if one of its deletions really is one
    of the word's, so a hash collision never adds a name.
    """

    def __init__(self, choices: Iterable[str]) -> None:
        self._choices = sorted(set(choices))
        capacity = sum(len(choice) + 1 for choice in self._choices)
        self._owners = KeyOwners(
            (_one_deletion_or_itself(c) for c in self._choices), len(self._choices), capacity
        )

    def _names_with(self, variants: set[str]) -> set[str]:
        """The names one of whose one-character deletions (or themselves) is in ``variants``."""
        names = (self._choices[number] for number in self._owners.owners(variants))
        return {
            name
            for name in names
            if any(variant in variants for variant in _one_deletion_or_itself(name))
        }

    def find(self, word: str) -> str | None:
        """The name ``word`` most likely mistypes (see :func:`typo_of`)."""
        return _closest(word, self._names_with(_deletions(word, _typo_limit(word))))


def _typo_limit(word: str) -> int:
    return min(2, max(1, len(word) // 6))


def _closest(word: str, names: Iterable[str]) -> str | None:
    """The one of ``names`` closest to ``word`` within its edit limit; None when none is,
    or when two are just as close."""
    limit = _typo_limit(word)
    ranked = []
    for choice in set(names) - {word}:
        distance = edit_distance(word, choice, limit)
        if distance <= limit:
            ratio = difflib.SequenceMatcher(None, word, choice).ratio()
            ranked.append((distance, -ratio, choice))
    if not ranked:
        return None
    ranked.sort()
    if len(ranked) > 1 and ranked[0][:2] == ranked[1][:2]:
        return None  # two names are just as close: guessing could mislead
    return ranked[0][2]


def typo_of(word: str, choices: Iterable[str]) -> str | None:
    """The choice ``word`` most likely mistypes, if any.

    At most one edit per six characters and two in all, where the word without up to that
    many characters is also the name without at most one. Among several, the fewest edits
    win, then the closest :mod:`difflib` ratio; None when two names are equally close.
    A few choices (a note's headings) are compared one by one; many go through a
    :class:`TypoIndex`, which finds the same.
    """
    limit = _typo_limit(word)
    mine = _deletions(word, limit)
    near = (c for c in choices if abs(len(c) - len(word)) <= limit)
    return _closest(word, (c for c in near if not mine.isdisjoint(_deletions(c, 1))))


Part = TypeVar("Part", Heading, Block)


def _heading_parts(note: Note) -> Iterator[tuple[str, Heading]]:
    """A note's headings, each with its :func:`heading_key`."""
    return ((heading_key(heading.text), heading) for heading in note.headings)


def _block_parts(note: Note) -> Iterator[tuple[str, Block]]:
    """A note's blocks, each with its id lower-cased (as links match them)."""
    return ((block.id.lower(), block) for block in note.blocks)


class _Suggester:
    """Finds "did you mean" replacements for broken links, headings and block ids."""

    def __init__(self, vault: Vault) -> None:
        self.vault = vault
        index = vault.index
        self._by_name = index.by_name
        self._keys = index.keys
        self._notes = index.notes
        self.attachments_by_stem: dict[str, list[str]] = {}
        for file in vault.files:
            if not file.is_note:
                base = _basename(file.path)
                stem = base.rsplit(".", 1)[0] if "." in base else base
                self.attachments_by_stem.setdefault(name_key(stem), []).append(file.path)
        self.aliases: dict[str, tuple[str, str]] = {}
        for note in vault.notes:
            for alias in note.aliases:
                self.aliases.setdefault(name_key(alias.strip()), (alias.strip(), note.path))
        self.extensions = file_extensions(f.path for f in vault.files if not f.is_note)

    def files_named(self, name: str) -> list[str]:
        """The files (sorted) whose name is ``name`` in :func:`name_key` form."""
        keys = self._keys
        return [path for path in self._by_name.get(name, ()) if last_part(keys[path]) == name]

    def notes_named(self, stem: str) -> list[str]:
        """The notes (sorted) whose name without ``.md`` is ``stem`` in :func:`name_key` form."""
        return [path for path in self.files_named(stem + ".md") if path in self._notes]

    def note_at(self, key: str) -> str | None:
        """The note whose path without ``.md`` has the :func:`name_key` ``key`` (the last one
        in path order when several differ only in case)."""
        keys = self._keys
        matches = [p for p in self.notes_named(last_part(key)) if keys[p][:-3] == key]
        return matches[-1] if matches else None

    # --- writing links -------------------------------------------------------------------

    def shortest(self, path: str) -> str:
        """The shortest text that links ``path``: its name if unique, else its full path."""
        name = _basename(path)
        if self.vault.index.is_note(path):
            name = _strip_md(name)
        if len(self.vault.index.by_suffix.get(name_key(name), ())) <= 1:
            return name
        return _strip_md(path) if self.vault.index.is_note(path) else path

    def target_text(self, link: Link, path: str, *, explicit: bool = False) -> str:
        """How ``link`` should spell ``path``, in the style the author used."""
        is_note = self.vault.index.is_note(path)
        keep_md = is_note and link.path.lower().endswith(".md")
        full = path if keep_md or not is_note else _strip_md(path)
        written = link.path
        if written.startswith(("./", "../")):
            relative = posixpath.relpath(full, _folder(link.source) or ".")
            return relative if relative.startswith("../") else "./" + relative
        if written.startswith("/") or (explicit and "/" not in full):
            return "/" + full
        if "/" in written or explicit:
            return full
        text = self.shortest(path)
        return text + ".md" if keep_md and not text.lower().endswith(".md") else text

    @staticmethod
    def rewrite(
        link: Link,
        path: str,
        subpath: str | None,
        display: str | None = None,
    ) -> str | None:
        """The link's source text with a new target, keeping its kind and display text."""
        if link.kind in (LinkKind.WIKILINK, LinkKind.EMBED):
            bar = "\\|" if "\\|" in link.raw else "|"
            shown = display if display is not None else link.display
            text = path + (f"#{subpath}" if subpath else "") + (f"{bar}{shown}" if shown else "")
            return ("!" if link.kind is LinkKind.EMBED else "") + f"[[{text}]]"
        raw = link.raw
        opening = raw.rfind("](")
        if opening < 0 or not raw.endswith(")"):
            return None
        rest = raw[opening + 2 : -1]
        angle = rest.startswith("<")
        if angle:
            end = rest.find(">") + 1
            if end <= 0:
                return None
        else:
            match = re.search(r"\s", rest)
            end = match.start() if match else len(rest)
        destination = path + (f"#{subpath}" if subpath else "")
        if angle:
            destination = f"<{destination}>"
        else:
            destination = destination.replace("%", "%25").replace(" ", "%20")
            destination = destination.replace("(", "%28").replace(")", "%29")
        return raw[: opening + 2] + destination + rest[end:] + ")"

    # --- broken links --------------------------------------------------------------------

    @staticmethod
    def _wanted(link: Link) -> str | None:
        """The vault-root key the link asks for, or None when it climbs out."""
        key = name_key(link.path)
        parts = key.split("/")
        if key.startswith(("./", "../")):
            parts = [*name_key(_folder(link.source)).split("/"), *parts]
        out = normalise_segments(parts)
        return "/".join(out) if out is not None else None

    @cached_property
    def _file_names(self) -> TypoIndex:
        return TypoIndex({last_part(key) for key in self._keys.values()})

    @cached_property
    def _note_paths(self) -> TypoIndex:
        return TypoIndex(self._keys[path][:-3] for path in self._notes)

    @cached_property
    def _note_names(self) -> TypoIndex:
        stems = (last_part(self._keys[path])[:-3] for path in self._notes)
        return TypoIndex([*self.aliases, *stems])

    @cached_property
    def _heading_owners(self) -> KeyOwners:
        return self._owners(_heading_parts, lambda note: len(note.headings))

    @cached_property
    def _block_owners(self) -> KeyOwners:
        return self._owners(_block_parts, lambda note: len(note.blocks))

    def _owners(
        self, parts: Callable[[Note], Iterable[tuple[str, Part]]], count: Callable[[Note], int]
    ) -> KeyOwners:
        """Which notes have a part (heading or block) of each key; ``count`` tells how
        many parts a note has."""
        notes = self.vault.notes
        keys = ((key for key, _ in parts(note)) for note in notes)
        return KeyOwners(keys, len(notes), sum(map(count, notes)))

    def _headings(self, key: str) -> Iterator[tuple[str, Heading]]:
        """Every heading of the vault whose :func:`heading_key` is ``key``, with its note,
        in note order."""
        return self._parts_of(key, self._heading_owners, _heading_parts)

    def _blocks(self, key: str) -> Iterator[tuple[str, Block]]:
        """Every block of the vault whose id, lower-cased, is ``key``, with its note."""
        return self._parts_of(key, self._block_owners, _block_parts)

    def _parts_of(
        self,
        key: str,
        owners: KeyOwners,
        parts: Callable[[Note], Iterable[tuple[str, Part]]],
    ) -> Iterator[tuple[str, Part]]:
        notes = self.vault.notes
        for number in owners.owners((key,)):
            note = notes[number]
            for part_key, part in parts(note):
                if part_key == key:
                    yield note.path, part

    def broken(self, link: Link) -> tuple[str | None, str | None]:
        """(hint, replacement) for a link whose target does not exist."""
        if _URL_PATH.match(link.path) and link.kind in (LinkKind.WIKILINK, LinkKind.EMBED):
            url = link.path + (f"#{link.subpath}" if link.subpath else "")
            text = link.display or url
            suggestion = f"[{text}]({url})"
            return (f"a web address needs a Markdown link: {suggestion}", suggestion)
        wanted = self._wanted(link)
        if not wanted:
            return None, None
        unlinkable = self._unlinkable(link)
        if unlinkable is not None:
            return unlinkable, None
        base = _basename(wanted)
        extension = _extension(base)
        wants_attachment = bool(extension) and extension in self.extensions and extension != "md"
        target: str | None = None
        display: str | None = None
        if wants_attachment:
            target = self._pick(wanted, self.files_named(base))
            if target is None:
                stem = base.rsplit(".", 1)[0]
                target = self._pick(wanted, self.attachments_by_stem.get(stem, ()))
            if target is None:
                close = self._file_names.find(base)
                if close is not None:
                    target = self._pick(wanted, self.files_named(close))
        else:
            stem = _strip_md(base)
            target = self._pick(wanted, self.notes_named(stem))  # moved note
            if target is None:
                target = self._pick(wanted, self.attachments_by_stem.get(stem, ()))
            if target is None and "/" in wanted:
                close = self._note_paths.find(_strip_md(wanted))
                target = self.note_at(close) if close is not None else None
            if target is None:
                close = self._note_names.find(stem)
                named = self.notes_named(close) if close is not None else []
                if named:
                    target = self._pick(wanted, named)
                elif close is not None:
                    alias, target = self.aliases[close]
                    if link.display is None and link.kind in (LinkKind.WIKILINK, LinkKind.EMBED):
                        display = alias
        if target is None:
            return None, None
        return self._hint(
            link,
            self.rewrite(
                link,
                self.target_text(link, target),
                self.subpath_for(target, link.subpath),
                display,
            ),
        )

    def _unlinkable(self, link: Link) -> str | None:
        """A hint when the link spells a file whose name holds ``#`` or ``|``."""
        if link.kind not in (LinkKind.WIKILINK, LinkKind.EMBED):
            return None
        inner = link.raw[link.raw.find("[[") + 2 : -2].replace("\\|", "|").strip()
        name = _basename(inner)
        for candidate in (name, name + ".md"):
            found = self.files_named(name_key(candidate))
            marks = [mark for mark in "#|" if mark in name]
            if found and marks:
                return (
                    f'the file "{found[0]}" cannot be linked because its name holds'
                    f' "{marks[0]}"; rename it'
                )
        return None

    @staticmethod
    def _hint(link: Link, suggestion: str | None) -> tuple[str | None, str | None]:
        if suggestion is None or suggestion == link.raw:
            return None, None
        return f"did you mean {suggestion}?", suggestion

    @staticmethod
    def _pick(wanted: str, paths: Sequence[str]) -> str | None:
        """The path most like ``wanted`` among ``paths``."""
        if not paths:
            return None
        return min(
            paths,
            key=lambda p: (-difflib.SequenceMatcher(None, wanted, name_key(p)).ratio(), p),
        )

    # --- aliases, folders, ambiguity -----------------------------------------------------

    def alias(self, resolved: ResolvedLink) -> tuple[str | None, str | None]:
        """(hint, replacement) for a link that names an alias: link the note, show the alias."""
        link = resolved.link
        if not resolved.alias_of:
            return None, None
        target = resolved.alias_of[0]
        display: str | None = link.display if link.display is not None else link.path
        if link.kind not in (LinkKind.WIKILINK, LinkKind.EMBED):
            display = None
        text = self.target_text(link, target)
        subpath = self.subpath_for(target, link.subpath)
        return self._hint(link, self.rewrite(link, text, subpath, display))

    def folder(self, link: Link) -> tuple[str | None, str | None]:
        """(hint, replacement) for a folder link: a folder note or index inside it, if any."""
        wanted = self._wanted(link)
        if wanted is None:
            return None, None
        wanted = wanted.rstrip("/")
        folders = [
            f
            for f in self.vault.folders
            if name_key(f) == wanted or name_key(f).endswith("/" + wanted)
        ]
        folder = self._pick(wanted, folders)
        if folder is None:
            return None, None
        name = _basename(folder)
        for candidate in (f"{folder}/{name}.md", f"{folder}/index.md", f"{folder}.md"):
            found = self.vault.index.file_at(candidate)
            if found is not None:
                suggestion = self.rewrite(
                    link,
                    self.target_text(link, found, explicit=True),
                    self.subpath_for(found, link.subpath),
                )
                return self._hint(link, suggestion)
        return f'link a note inside the folder "{folder}"', None

    def pinned(self, resolved: ResolvedLink) -> tuple[str | None, str | None]:
        """(hint, replacement) for an ambiguous link: the chosen file written as a path."""
        link = resolved.link
        assert resolved.target is not None
        text = self.target_text(link, resolved.target, explicit=True)
        suggestion = self.rewrite(link, text, self.subpath_for(resolved.target, link.subpath))
        if suggestion is None:
            return f'write the path "{text}" to choose it explicitly', None
        return f"write {suggestion} to choose it explicitly", suggestion

    # --- headings and blocks -------------------------------------------------------------

    def _heading_in(self, path: str, wanted: str) -> Heading | None:
        """The heading of note ``path`` that ``wanted`` means: same slug, or a typo of it."""
        note = self.vault.note_by_path.get(path)
        headings = note.headings if note is not None else ()
        slug = _slug(wanted)
        for heading in headings:
            if _slug(heading.text) == slug:
                return heading
        keys = {heading_key(h.text): h for h in reversed(headings)}
        close = typo_of(heading_key(wanted), keys)
        return keys[close] if close is not None else None

    def _block_in(self, path: str, wanted: str) -> Block | None:
        """The block of note ``path`` whose id ``wanted`` mistypes."""
        note = self.vault.note_by_path.get(path)
        ids = {b.id.lower(): b for b in (note.blocks if note is not None else ())}
        close = typo_of(wanted.lower(), ids)
        return ids[close] if close is not None else None

    def subpath_for(self, path: str, subpath: str | None) -> str | None:
        """``subpath`` if it exists in ``path``, else the heading or block it most likely
        means there, else None (so that a suggested link always resolves)."""
        if not subpath or not self.vault.index.is_note(path):
            return subpath
        entries = self.vault.index.headings.get(path, ())
        if subpath.startswith("^"):
            wanted = subpath[1:].strip()
            if wanted.lower() in self.vault.index.blocks.get(path, frozenset()):
                return subpath
            block = self._block_in(path, wanted)
            return "^" + block.id if block is not None else None
        if heading_chain_exists(entries, subpath.split("#")):
            return subpath
        heading = self._heading_in(path, subpath.split("#")[-1])
        return _heading_link_text(heading.text) if heading is not None else None

    def heading(self, resolved: ResolvedLink) -> tuple[str | None, str | None]:
        """(hint, replacement) for a missing heading: a close heading, or where it went."""
        link = resolved.link
        target = resolved.target
        if target is None or not link.subpath:
            return None, None
        wanted = link.subpath.split("#")[-1]
        path_text = link.path
        if resolved.candidates:
            path_text = self.target_text(link, target, explicit=True)
        found = self._heading_in(target, wanted)
        if found is not None:
            suggestion = self.rewrite(link, path_text, _heading_link_text(found.text))
            return self._hint(link, suggestion)
        # The section moved: to another note's heading, or into a note of its own.
        for path, heading in self._headings(heading_key(wanted)):
            if path != target:
                text = self.target_text(link, path)
                suggestion = self.rewrite(link, text, _heading_link_text(heading.text))
                return self._hint(link, suggestion)
        notes = self.notes_named(name_key(wanted))
        if notes:
            moved = self._pick(name_key(wanted), notes)
            assert moved is not None
            return self._hint(link, self.rewrite(link, self.target_text(link, moved), None))
        return None, None

    def block(self, resolved: ResolvedLink) -> tuple[str | None, str | None]:
        """(hint, replacement) for a missing block id: a close id, or the note that has it."""
        link = resolved.link
        target = resolved.target
        if target is None or not link.subpath:
            return None, None
        wanted = link.subpath[1:].strip().lower()
        path_text = link.path
        if resolved.candidates:
            path_text = self.target_text(link, target, explicit=True)
        found = self._block_in(target, wanted)
        if found is not None:
            return self._hint(link, self.rewrite(link, path_text, "^" + found.id))
        for path, block in self._blocks(wanted):
            if path != target:
                text = self.target_text(link, path)
                return self._hint(link, self.rewrite(link, text, "^" + block.id))
        return None, None


@dataclass(frozen=True)
class IndexChange:
    """Files added to or removed from the vault, or notes whose aliases, headings or block
    ids changed: what links and suggestions may find differently because of them."""

    lookups: frozenset[str]
    """Their :func:`~wikigraph.resolve.file_names` (before and after)."""
    names: frozenset[str]
    """Their names, with and without ``.md`` (other files: without their extension), and
    their aliases, in :func:`name_key` form."""
    paths: frozenset[str]
    """Their paths without ``.md``, in :func:`name_key` form."""
    headings: frozenset[str]
    """The :func:`heading_key` of each of their headings (before and after)."""
    blocks: frozenset[str]
    """Their block ids, lower-cased (before and after)."""

    @classmethod
    def of(cls, notes: Iterable[Note], files: Iterable[str] = ()) -> IndexChange:
        """The change made by ``notes`` (each a note as it was or as it is now) and by the
        other ``files`` added or removed."""
        lookups: set[str] = set()
        names: set[str] = set()
        paths: set[str] = set()
        headings: set[str] = set()
        blocks: set[str] = set()
        for path in files:
            lookups |= file_names(path, False)
            name = last_part(name_key(path))
            names.update((name, name.rsplit(".", 1)[0]))  # as attachments_by_stem has it
        for note in notes:
            lookups |= file_names(note.path, True, note.aliases)
            key = name_key(note.path)
            names.update((last_part(key), last_part(key)[:-3]))
            names.update(name_key(alias.strip()) for alias in note.aliases)
            paths.add(key[:-3])
            headings.update(heading_key(heading.text) for heading in note.headings)
            blocks.update(block.id.lower() for block in note.blocks)
        return cls(*map(frozenset, (lookups, names, paths, headings, blocks)))


def _near(word: str, names: Iterable[str]) -> bool:
    """Whether a name is within the edits a typo of ``word`` may make (see :func:`typo_of`)."""
    limit = _typo_limit(word)
    return any(edit_distance(word, name, limit) <= limit for name in names)


def findings_may_change(
    link: Link,
    findings: Iterable[tuple[str, str, str | None, str | None]],
    change: IndexChange,
) -> bool:
    """Whether ``link``, whose findings (code, message, hint, suggestion) were made before
    ``change``, may have other findings after it.

    False only when nothing the link's resolution and the findings' hints read changed:
    the names the link looks up (:func:`~wikigraph.resolve.lookup_names`), the names a
    "did you mean" compares it with (within a typo's edits), the headings and block ids
    it looks for in other notes, and the names in the hint given (the note it proposes
    is spelled by the shortest unique name, which a new note of the same name changes).
    """
    if not change.lookups.isdisjoint(lookup_names(link)):
        return True
    for code, _, hint, _ in findings:
        if code == "folder-link":
            return True  # its hint looks for an index note in the folder
        text = name_key(hint or "")
        if any(name and name in text for name in change.names):
            return True
        if code == "broken-link":
            wanted = _Suggester._wanted(link)
            if wanted is None:
                continue
            base = _basename(wanted)
            inner = _basename(link.raw[link.raw.find("[[") + 2 : -2].replace("\\|", "|").strip())
            if (
                _near(base, change.names)
                or _near(_strip_md(base), change.names)
                or _near(_strip_md(wanted), change.paths)
                or not {name_key(inner), name_key(inner + ".md")}.isdisjoint(change.names)
            ):
                return True
        elif code == "missing-heading" and link.subpath:
            wanted = link.subpath.split("#")[-1]
            if heading_key(wanted) in change.headings or name_key(wanted) in change.names:
                return True
        elif (
            code == "missing-block"
            and link.subpath
            and link.subpath[1:].strip().lower() in change.blocks
        ):
            return True
    return False


def link_finding(
    link: Link, code: str, message: str, hint: tuple[str | None, str | None]
) -> _Finding:
    """A finding about ``link``, at its place; ``hint`` is (hint, suggestion)."""
    return _Finding(
        link.source,
        link.line,
        link.column,
        link.end_line,
        link.end_column,
        code,
        message,
        hint[0],
        hint[1],
        key=link.raw,
    )


def link_findings(
    resolved: ResolvedLink, suggest: Callable[[], _Suggester], enabled: Mapping[str, Severity]
) -> Iterator[_Finding]:
    """The findings of one resolved link, in the order the checks report them.

    ``suggest`` gives the suggester; it is called only when a finding needs a hint.
    """
    link = resolved.link
    if resolved.status is LinkStatus.EXTERNAL:
        return
    if resolved.status is LinkStatus.UNRESOLVED:
        reason = resolved.reason or Unresolved.MISSING
        code = _LINK_REASON_CODES[reason]
        if code in enabled:
            yield link_finding(link, code, *_unresolved_message(resolved, suggest))
        return
    if resolved.candidates and "ambiguous-link" in enabled:
        yield link_finding(
            link, "ambiguous-link", _ambiguous_message(resolved), suggest().pinned(resolved)
        )
    if resolved.subpath_resolves is False:
        target = resolved.target or link.source
        where = "this note" if target == link.source else _quote(target)
        subpath = link.subpath or ""
        if resolved.subpath_kind is SubpathKind.BLOCK and "missing-block" in enabled:
            message = f"{where} has no block {_quote('#' + subpath)}"
            yield link_finding(link, "missing-block", message, suggest().block(resolved))
        elif resolved.subpath_kind is SubpathKind.HEADING and "missing-heading" in enabled:
            message = f"{where} has no heading {_quote(subpath)}"
            yield link_finding(link, "missing-heading", message, suggest().heading(resolved))


def _unresolved_message(
    resolved: ResolvedLink, suggester: Callable[[], _Suggester]
) -> tuple[str, tuple[str | None, str | None]]:
    link = resolved.link
    reason = resolved.reason or Unresolved.MISSING
    path = link.path
    if reason is Unresolved.EMPTY:
        return f"empty link {_quote(link.raw)}", (None, None)
    if reason is Unresolved.OUTSIDE:
        return f"{_quote(path)} points outside the vault", (None, None)
    if reason is Unresolved.FOLDER:
        return (
            f"{_quote(path)} is a folder; Obsidian links only to files",
            suggester().folder(link),
        )
    if reason is Unresolved.ALIAS:
        owners = ", ".join(_quote(p) for p in resolved.alias_of)
        many = "notes " if len(resolved.alias_of) > 1 else ""
        return (
            f"{_quote(path)} is an alias of {many}{owners}; Obsidian does not resolve aliases",
            suggester().alias(resolved),
        )
    suggest = suggester()
    extension = _extension(path)
    kind = "file" if extension and extension in suggest.extensions and extension != "md" else "note"
    where = "at" if "/" in path.strip("/") or path.startswith(("/", "./", "../")) else "named"
    return f"no {kind} {where} {_quote(path)}", suggest.broken(link)


def _ambiguous_message(resolved: ResolvedLink) -> str:
    link = resolved.link
    names = ", ".join(resolved.candidates)
    how = " by alias" if resolved.reason is Unresolved.ALIAS else ""
    return (
        f"{_quote(link.path)} matches {len(resolved.candidates)} files{how}: {names};"
        f" linked to {resolved.target}"
    )


def _problem_finding(path: str, problem: Problem) -> _Finding:
    line, column = problem.line, problem.column
    return _Finding(
        path, line, column, line, column, problem.code, problem.message, severity=problem.severity
    )


def note_problem_findings(note: Note) -> Iterator[_Finding]:
    """The problems the parse found in a note, as findings."""
    for problem in note.problems:
        yield _problem_finding(note.path, problem)


def _scan_problem_findings(vault: Vault) -> Iterator[_Finding]:
    rules = _exclude_rules(vault)
    for path, problems in vault.scan_problems.items():
        if path != ".obsidian/app.json" and rules.matches(path):
            continue
        for problem in problems:
            yield _problem_finding(path, problem)


def _exclude_rules(vault: Vault) -> ExcludeRules:
    obsidian, _ = read_obsidian_excludes(vault.root)
    return ExcludeRules(vault.settings.exclude, obsidian.prefixes, obsidian.patterns)


def _block_findings(notes: Iterable[Note]) -> Iterator[_Finding]:
    for note in notes:
        first: dict[str, int] = {}
        for block in note.blocks:
            key = block.id.lower()
            if key in first:
                yield _Finding(
                    note.path,
                    block.line,
                    block.column,
                    block.line,
                    block.column + len(block.id) + 1,
                    "duplicate-block-id",
                    f"block id {_quote('^' + block.id)} is already declared on line {first[key]}",
                    "give each block its own id",
                    key=key,
                )
            else:
                first[key] = block.line


def name_finding(path: str) -> _Finding | None:
    """The ``unlinkable-name`` finding of the file at ``path``, if its name needs one."""
    name = _basename(path)
    match = _UNLINKABLE.search(name)
    if match is None:
        return None
    shown = match.group().encode("unicode_escape").decode("ascii")
    message = f"file name {_quote(name)} contains {_quote(shown)}, which links cannot hold"
    return _Finding(path, 1, 1, 1, 1, "unlinkable-name", message, "rename the file")


def _name_findings(vault: Vault) -> Iterator[_Finding]:
    for file in vault.files:
        if not file.excluded:
            finding = name_finding(file.path)
            if finding is not None:
                yield finding


def graph_target(resolved: ResolvedLink) -> str | None:
    """The file a link joins its note to in the graph checks: resolved, and not itself."""
    target = resolved.target
    if resolved.status is not LinkStatus.RESOLVED or not target or target == resolved.link.source:
        return None
    return target


ORPHAN_MESSAGE = "no links to or from other notes"
UNUSED_MESSAGE = "no note links to it"


def orphan_finding(path: str) -> _Finding:
    """The ``orphan-note`` finding of the note at ``path``."""
    return _Finding(path, 1, 1, 1, 1, "orphan-note", ORPHAN_MESSAGE)


def unused_finding(path: str) -> _Finding | None:
    """The ``unused-attachment`` finding of an unlinked, not excluded file at ``path``, if it
    is a media file."""
    if _extension(path) not in MEDIA_EXTENSIONS:
        return None
    return _Finding(path, 1, 1, 1, 1, "unused-attachment", UNUSED_MESSAGE)


def _graph_findings(vault: Vault, enabled: Mapping[str, Severity]) -> Iterator[_Finding]:
    linked: set[str] = set()
    note_ends: set[str] = set()
    for resolved in vault.links:
        target = graph_target(resolved)
        if target is None:
            continue
        linked.add(target)
        if vault.index.is_note(target):
            note_ends.update((resolved.link.source, target))
    if "orphan-note" in enabled:
        for note in vault.checked_notes:
            if note.parsed and note.path not in note_ends:
                yield orphan_finding(note.path)
    if "unused-attachment" in enabled:
        for path in vault.attachments:
            if path not in linked and path not in vault.excluded:
                finding = unused_finding(path)
                if finding is not None:
                    yield finding


def _fingerprint(code: str, path: str, key: str, occurrence: int) -> str:
    data = "\x1f".join((code, path, key, str(occurrence))).encode("utf-8", "surrogatepass")
    return sha256(data).hexdigest()[:20]


def _is_suppressed(finding: _Finding, notes: Mapping[str, Note]) -> bool:
    note = notes.get(finding.path)
    if note is None:
        return False
    if note.ignored_checks is not None and (
        not note.ignored_checks or finding.code in note.ignored_checks
    ):
        return True
    return any(
        s.line == finding.line and (not s.codes or finding.code in s.codes)
        for s in note.suppressions
    )


def finding_order(finding: _Finding) -> tuple[str, int, int, str, str]:
    """The order of findings, and so of diagnostics: path, line, column, code, message."""
    return (finding.path, finding.line, finding.column, finding.code, finding.message)


class Checker:
    """The checks of one vault under one set of settings, in parts.

    :func:`run_checks` uses it on the whole vault; :mod:`wikigraph.checkstate` uses the
    same parts to check again only the notes that changed since the last run. The
    suggestions index is built when the first finding needs a hint.

    Raises:
        ConfigError: an unknown check name, or a baseline file that cannot be read.
    """

    def __init__(self, settings: Settings, vault: Callable[[], Vault]) -> None:
        self.settings = settings
        self._vault_source = vault
        self.enabled = enabled_checks(settings)
        self.accepted = (
            read_baseline(settings.baseline) if settings.baseline is not None else frozenset()
        )
        self.configured = {code.strip().lower() for code in settings.severity}

    @cached_property
    def vault(self) -> Vault:
        """The vault checked, or the part of it that suggestions and the graph need."""
        return self._vault_source()

    @cached_property
    def suggest(self) -> _Suggester:
        """Finds the "did you mean" of broken links, headings and blocks."""
        return _Suggester(self.vault)

    def forget_suggestions(self) -> None:
        """Let the suggestions' indexes go (they are made again if a finding needs one)."""
        self.__dict__.pop("suggest", None)

    @property
    def graph(self) -> bool:
        """Whether a check that depends on every link of the vault (the graph) is on."""
        return "orphan-note" in self.enabled or "unused-attachment" in self.enabled

    def link_findings(self, resolved: ResolvedLink) -> list[_Finding]:
        """The findings of one resolved link of a checked note."""
        return list(link_findings(resolved, self._suggester, self.enabled))

    def _suggester(self) -> _Suggester:
        return self.suggest

    def note_findings(self, note: Note, link_findings: Iterable[_Finding]) -> list[_Finding]:
        """The findings of a checked note: those of its links (given), of its problems, its
        block ids and its name, in the order :meth:`findings` has them (not the graph's)."""
        findings = list(link_findings)
        findings.extend(note_problem_findings(note))
        if "duplicate-block-id" in self.enabled:
            findings.extend(_block_findings((note,)))
        if "unlinkable-name" in self.enabled:
            finding = name_finding(note.path)
            if finding is not None:
                findings.append(finding)
        return findings

    def findings(
        self, on_link: Callable[[ResolvedLink, list[_Finding]], None] | None = None
    ) -> list[_Finding]:
        """Every finding of the vault, sorted (see :func:`finding_order`); ``on_link`` is
        told each link's findings."""
        vault, enabled = self.vault, self.enabled
        findings: list[_Finding] = []
        for resolved in vault.links:
            found = self.link_findings(resolved)
            if on_link is not None:
                on_link(resolved, found)
            findings.extend(found)
        findings.extend(f for note in vault.checked_notes for f in note_problem_findings(note))
        findings.extend(_scan_problem_findings(vault))
        if "duplicate-block-id" in enabled:
            findings.extend(_block_findings(vault.checked_notes))
        if "unlinkable-name" in enabled:
            findings.extend(_name_findings(vault))
        findings.extend(_graph_findings(vault, enabled))
        findings.sort(key=finding_order)
        return findings

    def settle(
        self, findings: Iterable[_Finding], notes: Mapping[str, Note]
    ) -> tuple[list[Diagnostic], dict[str, list[int]]]:
        """Turn sorted findings into diagnostics: drop duplicates and checks that are off,
        give each its fingerprint and severity, hide the suppressed and baselined ones.

        Returns the diagnostics and, per path, how many were [suppressed, baselined]. Each
        path is settled on its own, so the findings of some paths give the same result as
        those paths' part of the whole vault's findings.
        """
        enabled, configured = self.enabled, self.configured
        occurrences: Counter[tuple[str, str, str]] = Counter()
        seen: set[tuple[str, int, int, str, str]] = set()
        diagnostics: list[Diagnostic] = []
        hidden: dict[str, list[int]] = {}
        for finding in findings:
            if finding.code not in enabled:
                continue
            identity = (finding.path, finding.line, finding.column, finding.code, finding.message)
            if identity in seen:
                continue
            seen.add(identity)
            group = (finding.code, finding.path, finding.key)
            fingerprint = _fingerprint(*group, occurrences[group])
            occurrences[group] += 1
            if _is_suppressed(finding, notes):
                hidden.setdefault(finding.path, [0, 0])[0] += 1
                continue
            if fingerprint in self.accepted:
                hidden.setdefault(finding.path, [0, 0])[1] += 1
                continue
            severity = enabled[finding.code]
            if finding.severity and not configured & {finding.code, "all"}:
                severity = Severity(finding.severity)
            diagnostics.append(
                Diagnostic(
                    path=finding.path,
                    line=finding.line,
                    column=finding.column,
                    end_line=finding.end_line,
                    end_column=finding.end_column,
                    severity=severity,
                    code=finding.code,
                    message=finding.message,
                    hint=finding.hint,
                    suggestion=finding.suggestion,
                    fingerprint=fingerprint,
                )
            )
        return diagnostics, hidden

    def result(
        self, diagnostics: Sequence[Diagnostic], hidden: Mapping[str, Sequence[int]]
    ) -> CheckResult:
        """The result of the whole vault from its settled diagnostics."""
        checked = self.vault.checked_notes
        return CheckResult(
            diagnostics=tuple(diagnostics),
            notes=len(checked),
            note_paths=tuple(sorted(note.path for note in checked)),
            checks=self.enabled,
            baselined=sum(counts[1] for counts in hidden.values()),
            suppressed=sum(counts[0] for counts in hidden.values()),
        )


def run_checks(vault: Vault, settings: Settings | None = None) -> CheckResult:
    """Run the enabled checks over ``vault``; hide suppressed and baselined findings.

    Args:
        vault: a loaded vault (:func:`wikigraph.load_vault`).
        settings: selection, severities and baseline; defaults to ``vault.settings``.

    Raises:
        ConfigError: an unknown check name, or a baseline file that cannot be read.
    """
    checker = Checker(settings if settings is not None else vault.settings, lambda: vault)
    return checker.result(*checker.settle(checker.findings(), vault.note_by_path))


# --- baseline ---------------------------------------------------------------------------


def baseline_json(result: CheckResult) -> str:
    """The baseline file for ``result``: every finding's fingerprint, sorted, as JSON."""
    entries = sorted(
        (
            {"path": d.path, "code": d.code, "fingerprint": d.fingerprint, "message": d.message}
            for d in result.diagnostics
        ),
        key=lambda e: (e["path"], e["code"], e["fingerprint"]),
    )
    document = {"version": BASELINE_VERSION, "findings": entries}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def read_baseline(path: Path) -> frozenset[str]:
    """The fingerprints listed in a baseline file.

    Raises:
        ConfigError: the file is missing, unreadable or not a wikigraph baseline.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f'baseline "{path}" does not exist (create it with --update-baseline)'
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) else "not UTF-8"
        raise ConfigError(f'cannot read baseline "{path}": {reason or error}') from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigError(f'baseline "{path}" is not valid JSON: {error}') from None
    findings = data.get("findings") if isinstance(data, dict) else None
    if (
        not isinstance(data, dict)
        or data.get("version") != BASELINE_VERSION
        or not isinstance(findings, list)
        or not all(isinstance(f, dict) and isinstance(f.get("fingerprint"), str) for f in findings)
    ):
        raise ConfigError(
            f'baseline "{path}" is not a wikigraph baseline (version {BASELINE_VERSION});'
            " write a new one with --update-baseline"
        )
    return frozenset(str(f["fingerprint"]) for f in findings)


def without_baseline(settings: Settings) -> Settings:
    """``settings`` with no baseline, to collect every finding for ``--update-baseline``."""
    return settings.with_overrides(baseline=None)
