"""Watch a vault for changes, for ``--watch``: which notes were modified, and whether
anything else changed (a file or folder added, removed or renamed, Obsidian's settings,
the config or baseline file).

Events come from the operating system through watchfiles (inotify on Linux, FSEvents on
macOS, ReadDirectoryChangesW on Windows). Where these do not work (too many folders for
the system's limit, some network drives, Windows drives under WSL, or when
``WATCHFILES_FORCE_POLLING`` asks for it), the vault is polled: looked at again and again,
every file's stat compared with the last. Names starting with a dot are left out, as the
scan leaves them out, except Obsidian's ``.obsidian/app.json`` (and its folder). The
config and baseline files are looked at about once a second, since they may lie outside
the vault.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from wikigraph.errors import VaultError

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing
if TYPE_CHECKING:
    from threading import Event

APP_FOLDER = ".obsidian"
APP_CONFIG = ".obsidian/app.json"
QUIET_MS = 10
"""Changes are reported once no new change came for this long: a save is one burst of
events, well within it."""
LONGEST_MS = 1_600
"""Changes that keep coming (a checkout, a sync) are reported at least this often."""
POLL_MS = 1_000
"""How often the settings files, and whether the vault is still there, are looked at."""
POLL_PAUSE_MS = 300
"""When polling, the pause between two looks at the vault: at least this, and at least
four times as long as the last look took, so that polling a large vault keeps a core
busy a fifth of the time at most."""

Signature = tuple[int, int, int]
"""What polling compares: a file's modification time in nanoseconds, size and inode. A
folder's time is -1: it changes with every file added or removed, which are reported as
such."""


@dataclass(frozen=True)
class Changes:
    """What changed since the last :class:`Changes` (or since watching began)."""

    modified: frozenset[str]
    """Files of the vault (POSIX paths relative to it) whose content changed."""
    other: bool = False
    """Something else changed in the vault: a file or folder was added, removed or
    renamed, a folder changed, Obsidian's settings changed, or the vault itself appeared
    or went away."""
    settings: bool = False
    """A settings file (the config or baseline file) changed."""

    @property
    def only_modified(self) -> frozenset[str] | None:
        """The modified files when they are all that changed, else None."""
        return None if self.other or self.settings else self.modified


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size, info.st_ino


class _Signatures:
    """The stat of each settings file, to tell when one of them changed."""

    def __init__(self, files: Sequence[Path]) -> None:
        self.files = tuple(files)
        self.seen = [_signature(path) for path in self.files]

    def changed(self) -> bool:
        now = [_signature(path) for path in self.files]
        changed, self.seen = now != self.seen, now
        return changed


def _relative(root: str, path: str) -> str | None:
    """``path`` relative to ``root`` as a POSIX path; None outside it or when a part of
    it starts with a dot (but for Obsidian's settings file and its folder)."""
    relative = os.path.relpath(path, root)
    if relative == "." or relative.startswith(".." + os.sep) or relative == "..":
        return None
    relative = relative.replace(os.sep, "/")
    if relative in (APP_CONFIG, APP_FOLDER):
        return relative
    if any(part.startswith(".") for part in relative.split("/")):
        return None
    return relative


def watch_vault(
    root: Path,
    settings_files: Sequence[Path] = (),
    *,
    stop: Event | None = None,
    notice: Callable[[str], None] | None = None,
) -> Iterator[Changes]:
    """Yield the changes to the vault at ``root`` and to ``settings_files`` as they come,
    until ``stop`` is set (Ctrl-C raises :class:`KeyboardInterrupt`).

    When the vault folder goes away, :class:`Changes` says so (``other``), and watching
    resumes once it is back. When the system cannot watch that many folders, changes are
    looked for by polling instead, and ``notice`` is told why.

    Raises:
        VaultError: the vault cannot be watched at all.
    """
    signatures = _Signatures(settings_files)
    top = os.path.abspath(root)
    polling = wants_polling()
    while stop is None or not stop.is_set():
        if not os.path.isdir(top):
            if _wait(stop):
                return
            if os.path.isdir(top):
                yield Changes(frozenset(), other=True)
            elif signatures.changed():
                yield Changes(frozenset(), settings=True)
            continue
        try:
            batches = _batches(top, stop, polling)
            first = next(batches)
        except OSError as error:
            if polling or not os.path.isdir(top):
                if os.path.isdir(top):
                    raise VaultError(f'cannot watch "{root}": {error}') from None
                continue
            polling = True
            if notice is not None:
                reason = str(error).split(". about ", 1)[0]
                notice(
                    f'cannot watch every folder of "{root}" ({reason}); looking for changes'
                    " by polling instead, which takes more time (on Linux, raising"
                    " fs.inotify.max_user_watches may help)"
                )
            continue
        except StopIteration:
            return  # stopped
        gone = False
        for batch in itertools.chain([first], batches):
            modified: set[str] = set()
            other = False
            for added_or_removed, path in batch:
                relative = _relative(top, path)
                if relative is None:
                    continue
                if relative == APP_FOLDER:
                    # Made, removed or renamed with the settings inside, perhaps before
                    # it was watched: the settings file's own event may never come.
                    other = other or added_or_removed
                    continue
                if not added_or_removed and relative != APP_CONFIG:
                    modified.add(relative)
                else:
                    other = True
            settings = signatures.changed()
            gone = not os.path.isdir(top)
            if modified or other or settings or gone:
                yield Changes(frozenset(modified), other=other or gone, settings=settings)
            if gone:
                break
        if not gone:
            return  # stopped


def _wait(stop: Event | None, seconds: float = POLL_MS / 1000) -> bool:
    """Wait ``seconds``; True when ``stop`` was set."""
    if stop is not None:
        return stop.wait(seconds)
    time.sleep(seconds)
    return False


def wants_polling() -> bool:
    """Whether to poll from the start: when ``WATCHFILES_FORCE_POLLING`` is set (to
    anything but ``false``, ``disable`` or ``disabled``, as watchfiles reads it), or under
    Windows's Subsystem for Linux, whose file events miss changes made on Windows drives."""
    setting = os.environ.get("WATCHFILES_FORCE_POLLING")
    if setting:
        return setting.lower() not in {"false", "disable", "disabled"}
    import platform

    system = platform.uname()
    return system.system == "Linux" and "microsoft-standard" in system.release.lower()


def snapshot(top: str) -> dict[str, Signature]:
    """Every file and folder under ``top`` that a watch reports, by path, with its
    :data:`Signature`. Names starting with a dot are left out, but for Obsidian's
    settings file and its folder; folders that cannot be read are passed over. A symlink
    to a folder counts as a folder and is not entered (the folders it leads to inside the
    vault are walked where they are); one to a file has its target's signature, and a
    broken one its own."""
    found: dict[str, Signature] = {}
    app_folder = os.path.join(top, APP_FOLDER)
    pending = [top]
    while pending:
        folder = pending.pop()
        try:
            listing = os.scandir(folder)
        except OSError:
            continue
        with listing:
            for entry in listing:
                path = entry.path
                if entry.name.startswith(".") and path != app_folder:
                    continue
                try:
                    if entry.is_dir():  # a folder, or a symlink to one
                        found[path] = (-1, 0, entry.inode())
                        if path != app_folder and not entry.is_symlink():
                            pending.append(path)
                        continue
                    try:
                        info = entry.stat()
                    except FileNotFoundError:  # a broken symlink: the scan reports it
                        info = entry.stat(follow_symlinks=False)
                except OSError:  # gone since it was listed
                    continue
                found[path] = (info.st_mtime_ns, info.st_size, info.st_ino)
    settings = os.path.join(top, APP_CONFIG)
    with contextlib.suppress(OSError):
        info = os.stat(settings)
        found[settings] = (info.st_mtime_ns, info.st_size, info.st_ino)
    return found


def _polled_batches(top: str, stop: Event | None) -> Iterator[list[tuple[bool, str]]]:
    """The changes under ``top`` found by polling: a batch after each look at the vault,
    empty when nothing changed. A file changed when its modification time (to the
    nanosecond), size or inode did; watchfiles' own polling compares whole seconds, and
    so misses a second save within the same second."""
    with os.scandir(top):  # a vault that cannot be listed cannot be watched
        pass
    seen = snapshot(top)
    pause = POLL_PAUSE_MS / 1000
    while not _wait(stop, pause):
        started = time.monotonic()
        now = snapshot(top)
        pause = max(POLL_PAUSE_MS / 1000, 4 * (time.monotonic() - started))
        batch = [(True, path) for path in seen.keys() ^ now.keys()]
        for path, signature in now.items():
            before = seen.get(path, signature)
            if before != signature:  # a folder's differs only when it was replaced
                batch.append((before[0] < 0 or signature[0] < 0, path))
        seen = now
        yield batch


def _batches(top: str, stop: Event | None, polling: bool) -> Iterator[list[tuple[bool, str]]]:
    """Batches of changes under ``top``, each change as (added or removed, path), and an
    empty batch about every :data:`POLL_MS` (every look, when polling). The watch is set
    up (and may raise OSError) at the first ``next``."""
    if polling:
        yield from _polled_batches(top, stop)
        return
    from watchfiles import Change, watch

    for batch in watch(
        top,
        watch_filter=None,
        debounce=LONGEST_MS,
        step=QUIET_MS,
        rust_timeout=POLL_MS,
        yield_on_timeout=True,
        raise_interrupt=True,
        stop_event=stop,
        force_polling=False,
        # A folder that cannot be watched (too many folders for the system's limit, or
        # one that cannot be read) must fail the watch, not leave that folder unwatched:
        # the caller then polls, where such folders are passed over.
        ignore_permission_denied=False,
    ):
        yield [(change != Change.modified, path) for change, path in batch]
