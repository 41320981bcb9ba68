"""Load a whole vault: scan → parse → resolve, and the graph on demand.

:func:`load_vault` is the library's front door. It returns a :class:`Vault` holding the
parsed notes, the resolved links, per-file problems and, built when first asked for, the
networkx graph. It never prints and never raises for problems inside the vault; only a
missing vault or invalid settings raise (:class:`~wikigraph.errors.WikigraphError`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import networkx as nx

from wikigraph.config import Settings, load_settings
from wikigraph.graph import build_graph
from wikigraph.model import Note, Problem, ResolvedLink, VaultFile
from wikigraph.parse import NoteParser, unparsed_note
from wikigraph.resolve import ResolveOptions, VaultIndex, resolve_links

DEFAULT_VAULT = Path("notes")


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
    index: VaultIndex
    scan_problems: Mapping[str, tuple[Problem, ...]] = field(default_factory=dict)

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
        attachments = [path for path in self.attachments if path not in self.excluded]
        return build_graph(self.checked_notes, attachments, self.links)


def _read_note(root: Path, file: VaultFile, parser: NoteParser, max_size: int) -> Note:
    if file.size > max_size:
        message = (
            f"note is {file.size / 1_000_000:.1f} MB, more than the"
            f" {max_size / 1_000_000:.1f} MB limit (max-note-size); not parsed"
        )
        return unparsed_note(file.path, [Problem("unreadable-file", message, severity="warning")])
    try:
        with open(root / file.path, "rb") as handle:
            data = handle.read(max_size + 1)
    except FileNotFoundError:
        return unparsed_note(
            file.path,
            [
                Problem(
                    "unreadable-file",
                    "file disappeared while the vault was read",
                    severity="warning",
                )
            ],
        )
    except OSError as error:
        return unparsed_note(
            file.path, [Problem("unreadable-file", f"cannot read: {error.strerror or error}")]
        )
    if len(data) > max_size:
        message = (
            f"note grew past the {max_size / 1_000_000:.1f} MB limit while it was read; not parsed"
        )
        return unparsed_note(file.path, [Problem("unreadable-file", message, severity="warning")])
    return parser.parse_bytes(file.path, data)


def load_vault(
    path: str | os.PathLike[str] | None = None,
    *,
    settings: Settings | None = None,
) -> Vault:
    """Read the vault at ``path`` and resolve every link.

    Args:
        path: the vault folder; defaults to the configured vault, else ``notes``.
        settings: options; defaults to the configuration found from the current folder.

    Raises:
        VaultError: the folder does not exist or cannot be read.
        ConfigError: the configuration is invalid.
    """
    from wikigraph.scan import scan_vault

    if settings is None:
        settings = load_settings()
    root = Path(path) if path is not None else (settings.vault or DEFAULT_VAULT)
    scan = scan_vault(root, settings.exclude)
    parser = NoteParser(links_in_comments=settings.links_in_comments)
    notes = tuple(
        _read_note(root, file, parser, settings.max_note_size)
        for file in scan.files
        if file.is_note
    )
    index = VaultIndex.build(scan.files, notes, scan.folders)
    excluded = {f.path for f in scan.files if f.excluded}
    checked = [note for note in notes if note.path not in excluded]
    links = resolve_links(checked, index, ResolveOptions(alias_links=settings.alias_links))
    return Vault(
        root=root,
        settings=settings,
        files=scan.files,
        notes=notes,
        links=links,
        folders=scan.folders,
        index=index,
        scan_problems=scan.problems,
    )
