"""The data passed between pipeline stages: frozen, slotted dataclasses and closed enums.

scan → :class:`VaultFile`; parse → :class:`Note` (with :class:`Link`, :class:`Heading`,
:class:`Block`, :class:`Problem`); resolve → :class:`ResolvedLink`. Nothing here reads
files or holds logic beyond small derived properties.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class LinkKind(StrEnum):
    """How a link is written."""

    WIKILINK = "wikilink"
    EMBED = "embed"
    MARKDOWN = "markdown"
    MARKDOWN_EMBED = "markdown-embed"


class Location(StrEnum):
    """Where in the note a link sits."""

    BODY = "body"
    FRONTMATTER = "frontmatter"


class SubpathKind(StrEnum):
    """What the text after ``#`` in a link names."""

    HEADING = "heading"
    BLOCK = "block"
    FILE_SPECIFIC = "file-specific"


class LinkStatus(StrEnum):
    """Whether a link found a file."""

    RESOLVED = "resolved"
    UNRESOLVED = "unresolved"
    EXTERNAL = "external"


class Unresolved(StrEnum):
    """Why a link did not resolve (or, for ``ALIAS`` with alias links accepted, how it did)."""

    MISSING = "missing"
    """No file has that name or path."""
    EMPTY = "empty"
    """``[[]]``, ``[[|x]]`` or ``[]()``: nothing to resolve."""
    FOLDER = "folder"
    """The path names a folder, which Obsidian does not link to."""
    ALIAS = "alias"
    """The name is an alias of a note; Obsidian does not resolve aliases."""
    OUTSIDE = "outside-vault"
    """The path leaves the vault (``../`` above the root, a drive letter, ``file:``)."""


@dataclass(frozen=True, slots=True)
class Link:
    """One link as the author wrote it, with its exact place in the file."""

    source: str
    """Vault-relative POSIX path of the note that holds the link, as spelled on disk."""
    line: int
    """1-based line in the original file (frontmatter included)."""
    column: int
    """1-based column, in Unicode code points."""
    end_line: int
    """Line of the link's last character."""
    end_column: int
    """Column just after the link's last character (exclusive, 1-based)."""
    raw: str
    """The exact source text of the link, e.g. ``[[Plan#Goals|the plan]]``."""
    kind: LinkKind
    location: Location
    property: str | None
    """The frontmatter key holding the link, for property links."""
    path: str
    """Target as written before ``#`` (percent-decoded, no ``<>`` for Markdown links)."""
    subpath: str | None
    """Text after the first ``#``; heading chains stay joined by ``#``; blocks keep ``^``."""
    display: str | None
    """Text after the first ``|``, or the size of a media embed."""
    is_url: bool = False
    """A Markdown destination with a URL scheme (``https:``, ``mailto:``...)."""


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading of a note."""

    text: str
    """The heading's source text without the ``#`` markers."""
    level: int
    line: int


@dataclass(frozen=True, slots=True)
class Block:
    """A block id (``^id``) declared in a note."""

    id: str
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with a file that the parse stage found (not a link problem)."""

    code: str
    """The check that reports it, e.g. ``invalid-frontmatter`` or ``unreadable-file``."""
    message: str
    line: int = 1
    column: int = 1
    severity: str | None = None
    """Overrides the check's default severity for this one problem."""


@dataclass(frozen=True, slots=True)
class Suppression:
    """An inline ``%% wikigraph-ignore [codes] %%`` comment."""

    line: int
    codes: frozenset[str]
    """The silenced checks; empty means every check."""


@dataclass(frozen=True, slots=True)
class Note:
    """A parsed Markdown note (what is left out is empty: a note that could not be read,
    or a stand-in holding only what one step needs)."""

    path: str
    title: str
    """The file name without ``.md``."""
    properties: Mapping[str, object] = field(default_factory=dict)
    """Frontmatter as plain JSON-compatible values, in file order."""
    aliases: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    """Tags without ``#``, from the ``tags`` property and the body, in first-seen order."""
    headings: tuple[Heading, ...] = ()
    blocks: tuple[Block, ...] = ()
    links: tuple[Link, ...] = ()
    problems: tuple[Problem, ...] = ()
    suppressions: tuple[Suppression, ...] = ()
    ignored_checks: frozenset[str] | None = None
    """Checks silenced for the whole note by the ``wikigraph-ignore`` property; empty = all."""
    excerpt: str = ""
    """The start of the body, for previews."""
    parsed: bool = True
    """False when the file could not be read or decoded; only ``problems`` is meaningful."""


@dataclass(frozen=True, slots=True)
class ResolvedLink:
    """A link and what it points to."""

    link: Link
    status: LinkStatus
    target: str | None = None
    """Vault-relative path of the file it resolves to, as spelled on disk."""
    subpath_kind: SubpathKind | None = None
    subpath_resolves: bool | None = None
    """Whether the heading or block exists; None when there is nothing to check."""
    candidates: tuple[str, ...] = ()
    """Every file the name matched, when it matched more than one."""
    reason: Unresolved | None = None
    """Why it did not resolve (or ``ALIAS`` when it resolved through an alias)."""
    alias_of: tuple[str, ...] = ()
    """Notes that list the link's name as an alias."""


@dataclass(frozen=True, slots=True)
class VaultFile:
    """A file found by the scan."""

    path: str
    """Vault-relative POSIX path, as spelled on disk."""
    size: int
    mtime_ns: int
    is_note: bool
    excluded: bool = False
    """Matched an exclude pattern: still a link target, but not checked or drawn."""
    inode: int = 0
    ctime_ns: int = 0
    """With size and mtime, tells the parse cache whether the file may have changed."""


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Everything the scan found under the vault root."""

    files: tuple[VaultFile, ...]
    folders: tuple[str, ...]
    problems: Mapping[str, tuple[Problem, ...]] = field(default_factory=dict)
    """Problems with paths that are not files of the vault (bad symlinks, unreadable folders)."""
