"""Where wikigraph keeps what it can rebuild: parse results and graph layouts.

The cache lives outside the vault, so that nothing is ever written into the user's notes:
``--cache-dir``, else ``cache-dir`` in the config, else ``$WIKIGRAPH_CACHE_DIR``, else
``$XDG_CACHE_HOME/wikigraph``, else ``~/.cache/wikigraph``. Each vault gets its own
sub-folder, named by a hash of its real path.
"""

from __future__ import annotations

import contextlib
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

from wikigraph.config import Settings
from wikigraph.digests import sha256
from wikigraph.paths import is_inside

ENV_VAR = "WIKIGRAPH_CACHE_DIR"
STALE_DAYS = 30
"""Files of other keys (parse caches, check and build states) that no run has used for
this long are removed."""


def stale_files(current: Path, pattern: str) -> Iterator[Path]:
    """The files beside ``current`` that match ``pattern`` and that no run has used
    (written, or touched) for :data:`STALE_DAYS`; none when the folder cannot be read."""
    limit = time.time() - STALE_DAYS * 86400
    with contextlib.suppress(OSError):
        for other in current.parent.glob(pattern):
            if other != current and other.stat().st_mtime < limit:
                yield other


def remove_stale(current: Path, pattern: str) -> None:
    """Remove the :func:`stale_files` beside ``current``, as far as they can be removed."""
    for stale in stale_files(current, pattern):
        with contextlib.suppress(OSError):
            stale.unlink()


def cache_root(settings: Settings) -> Path | None:
    """The cache folder for all vaults, or None when caching is switched off."""
    if settings.no_cache:
        return None
    if settings.cache_dir is not None:
        return settings.cache_dir
    from_env = os.environ.get(ENV_VAR)
    if from_env:
        return Path(from_env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "wikigraph"


def unusable_cache_root(settings: Settings) -> str | None:
    """Why the cache folder cannot be used: it, or the nearest of its parents that exists,
    is not a folder, or it is missing and cannot be made there. None when it can be used
    (also read-only: the cache is then read, not written), or caching is off. Nothing is
    created here."""
    root = cache_root(settings)
    if root is None:
        return None
    reason = None
    for folder in (root, *root.parents):
        try:
            found = os.stat(folder)
        except (FileNotFoundError, NotADirectoryError):
            continue  # to be made; a parent that is a file says why it cannot be
        except OSError as error:
            reason = str(error.strerror or error)
        else:
            if not stat.S_ISDIR(found.st_mode):
                reason = "it is not a folder" if folder == root else f'"{folder}" is not a folder'
            elif folder != root and not os.access(folder, os.W_OK | os.X_OK):
                reason = f'it cannot be made in "{folder}": permission denied'
        break
    if reason is None:
        return None
    return (
        f'cannot use the cache folder "{root}" ({reason}); running without a cache'
        " (pass --cache-dir with another folder, or --no-cache)"
    )


def vault_cache_dir(settings: Settings, vault_root: Path) -> Path | None:
    """The cache folder of one vault (not created here), or None when caching is off."""
    root = cache_root(settings)
    if root is None:
        return None
    path = os.path.realpath(vault_root).encode("utf-8", "surrogateescape")
    return root / sha256(path).hexdigest()[:20]


def is_inside_vault(folder: Path, vault_root: Path) -> bool:
    """Whether ``folder`` is the vault's folder or inside it (symlinks followed), where
    wikigraph never writes."""
    return is_inside(os.path.realpath(folder), os.path.realpath(vault_root))


def state_dir(settings: Settings, vault_root: Path) -> Path | None:
    """The vault's cache folder for the stored check and build states; None when caching
    is off or the folder would lie inside the vault (loading the vault then says why)."""
    folder = vault_cache_dir(settings, vault_root)
    if folder is None or is_inside_vault(folder, vault_root):
        return None
    return folder
