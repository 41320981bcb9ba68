"""Walk a vault folder and list its files: notes (``.md``, any case) and attachments.

Takes the vault root and the exclude patterns; returns a :class:`ScanResult` sorted by
path. Dot-files and dot-folders (``.obsidian``, ``.git``, ``.trash``) are skipped, as
Obsidian does. Symbolic links are followed only to places inside the vault and never
twice to the same folder, so a loop cannot hang the walk; the others are reported.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from wikigraph.errors import VaultError
from wikigraph.model import Problem, ScanResult, VaultFile
from wikigraph.paths import is_inside

OBSIDIAN_APP_CONFIG = ".obsidian/app.json"


def printable_name(name: str) -> str:
    """A file name made safe to print: undecodable bytes become ``\\xNN`` escapes."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


@dataclass(frozen=True, slots=True)
class ExcludeRules:
    """Which vault paths are excluded: config globs and Obsidian's "Excluded files"."""

    globs: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()
    patterns: tuple[re.Pattern[str], ...] = ()

    def matches(self, path: str) -> bool:
        """Whether ``path`` (vault-relative, POSIX) is excluded."""
        for glob in self.globs:
            folder = glob.rstrip("/")
            if fnmatch.fnmatchcase(path, glob) or fnmatch.fnmatchcase(path, folder + "/*"):
                return True
        if any(path.startswith(prefix) for prefix in self.prefixes):
            return True
        return any(pattern.search(path) for pattern in self.patterns)


def read_obsidian_excludes(root: Path) -> tuple[ExcludeRules, tuple[Problem, ...]]:
    """The ``userIgnoreFilters`` of ``.obsidian/app.json``: plain prefixes or ``/regex/``."""
    config = root / OBSIDIAN_APP_CONFIG
    try:
        raw = config.read_bytes()
    except FileNotFoundError:
        return ExcludeRules(), ()
    except OSError as error:
        problem = Problem("invalid-config", f"cannot read Obsidian settings: {error.strerror}")
        return ExcludeRules(), (problem,)
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        message = f"Obsidian settings are not valid JSON ({error}); excluded files not applied"
        return ExcludeRules(), (Problem("invalid-config", message),)
    filters = data.get("userIgnoreFilters", []) if isinstance(data, dict) else []
    prefixes: list[str] = []
    patterns: list[re.Pattern[str]] = []
    problems: list[Problem] = []
    for entry in filters if isinstance(filters, list) else []:
        if not isinstance(entry, str) or not entry:
            continue
        if len(entry) > 2 and entry.startswith("/") and entry.endswith("/"):
            try:
                patterns.append(re.compile(entry[1:-1]))
            except re.error as error:
                message = (
                    f'excluded-files pattern "{entry}" is not a valid regular expression: {error}'
                )
                problems.append(Problem("invalid-config", message))
        else:
            prefixes.append(entry)
    return ExcludeRules(prefixes=tuple(prefixes), patterns=tuple(patterns)), tuple(problems)


class _Walker:
    """One walk of a vault; collects files, folders and problems."""

    def __init__(self, root: Path, rules: ExcludeRules) -> None:
        self.root = root
        self.real_root = os.path.realpath(root)
        self.rules = rules
        self.files: list[VaultFile] = []
        self.folders: list[str] = []
        self.problems: dict[str, list[Problem]] = {}
        self.seen_dirs: set[str] = {self.real_root}
        self.pending_links: list[tuple[str, str]] = []

    def problem(self, path: str, code: str, message: str, severity: str | None = None) -> None:
        self.problems.setdefault(path, []).append(Problem(code, message, severity=severity))

    def walk(self) -> None:
        self._walk_dir(str(self.root), "", self.real_root)
        # Symlinked folders come last, so that a folder reached both directly and through
        # a link is listed under its real path, and each real folder is walked once.
        while self.pending_links:
            self.pending_links.sort()
            full, rel = self.pending_links.pop(0)
            real = os.path.realpath(full)
            if real in self.seen_dirs:
                parent_real = os.path.realpath(os.path.dirname(full))
                if is_inside(parent_real, real):
                    self.problem(
                        rel,
                        "bad-symlink",
                        "symlink loop: it points back to a folder that contains it; not followed",
                    )
                continue
            self.seen_dirs.add(real)
            self.folders.append(rel)
            self._walk_dir(full, rel, real)

    def _walk_dir(self, full: str, rel: str, real: str) -> None:
        """Walk the folder ``full`` (real path ``real``) and all below it, depth first in
        name order. A stack of folders being listed, not recursion: folders may nest
        deeper than Python's call stack goes."""
        stack = [self._entries(full, rel, real)]
        while stack:
            found = next(stack[-1], None)
            if found is None:
                stack.pop()
                continue
            entry, rel_path, folder_real = found
            below = self._visit(entry, rel_path, folder_real)
            if below is not None:
                stack.append(self._entries(entry.path, rel_path, below))

    def _entries(
        self, full: str, rel: str, real: str
    ) -> Iterator[tuple[os.DirEntry[str], str, str]]:
        """The entries of one folder to visit, in name order, each with its vault path and
        the folder's real path."""
        try:
            with os.scandir(full) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            where = rel or "."
            self.problem(where, "unreadable-file", f"cannot list folder: {error.strerror or error}")
            return
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            rel_path = f"{rel}/{name}" if rel else name
            try:
                name.encode("utf-8")
            except UnicodeEncodeError:
                shown = printable_name(rel_path)
                self.problem(shown, "unreadable-file", "file name is not valid UTF-8; skipped")
                continue
            yield entry, rel_path, real

    def _visit(self, entry: os.DirEntry[str], rel_path: str, folder_real: str) -> str | None:
        """Record one entry; the real path of a folder to walk into, else None."""
        try:
            is_link = entry.is_symlink()
            info = entry.stat(follow_symlinks=True)
        except FileNotFoundError:
            if is_link:
                self.problem(rel_path, "bad-symlink", "broken symlink: its target does not exist")
            return None  # otherwise it vanished during the scan
        except OSError as error:
            self.problem(rel_path, "unreadable-file", f"cannot read: {error.strerror or error}")
            return None
        if is_link:
            real = os.path.realpath(entry.path)
            if not is_inside(real, self.real_root):
                self.problem(
                    rel_path,
                    "outside-vault",
                    "symlink leads outside the vault; not followed",
                )
                return None
        if stat.S_ISDIR(info.st_mode):
            if is_link:
                self.pending_links.append((entry.path, rel_path))
                return None
            real = os.path.join(folder_real, entry.name)  # not a link: no need to resolve
            self.seen_dirs.add(real)
            self.folders.append(rel_path)
            return real
        if stat.S_ISREG(info.st_mode):
            self.files.append(
                VaultFile(
                    path=rel_path,
                    size=info.st_size,
                    mtime_ns=info.st_mtime_ns,
                    is_note=rel_path.lower().endswith(".md"),
                    excluded=self.rules.matches(rel_path),
                    inode=info.st_ino,
                    ctime_ns=info.st_ctime_ns,
                )
            )
        return None


def check_vault_folder(root: Path) -> None:
    """Raise :class:`VaultError` if ``root`` is not a readable folder."""
    if not root.exists():
        raise VaultError(
            f'vault "{root}" does not exist'
            " (pass an existing folder, or set vault in [tool.wikigraph])"
        )
    if not root.is_dir():
        raise VaultError(f'vault "{root}" is not a folder')
    if not os.access(root, os.R_OK | os.X_OK):
        raise VaultError(f'vault "{root}" cannot be read (permission denied)')


def scan_vault(root: Path, exclude: Sequence[str] = ()) -> ScanResult:
    """List the vault's files; raise :class:`VaultError` if ``root`` is not a readable folder."""
    check_vault_folder(root)
    obsidian_rules, config_problems = read_obsidian_excludes(root)
    rules = ExcludeRules(
        globs=tuple(exclude),
        prefixes=obsidian_rules.prefixes,
        patterns=obsidian_rules.patterns,
    )
    walker = _Walker(root, rules)
    walker.walk()
    problems = {path: tuple(found) for path, found in sorted(walker.problems.items())}
    if config_problems:
        problems[OBSIDIAN_APP_CONFIG] = config_problems
    files = sorted(walker.files, key=lambda f: f.path)
    return ScanResult(files=tuple(files), folders=tuple(sorted(walker.folders)), problems=problems)


def note_paths(files: Iterable[VaultFile]) -> list[str]:
    """The paths of the notes among ``files``."""
    return [f.path for f in files if f.is_note]
