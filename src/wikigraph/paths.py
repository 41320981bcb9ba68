"""Whether one real path lies inside another: the one rule by which the scan keeps
symlinks inside the vault and the cache keeps its files out of it.

A leaf module (only :mod:`os`), so that a warm ``wikigraph check`` can ask it without
importing the scan.
"""

from __future__ import annotations

import os


def is_inside(path: str, root: str) -> bool:
    """Whether the real path ``path`` is ``root`` or below it."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)
