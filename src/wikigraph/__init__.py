"""wikigraph: check and visualise the links of an Obsidian-style Markdown vault.

The public API is small::

    import wikigraph
    vault = wikigraph.load_vault("notes")
    vault.notes, vault.links, vault.graph
"""

from __future__ import annotations

from wikigraph.errors import ConfigError, VaultError, WikigraphError
from wikigraph.model import (
    Heading,
    Link,
    LinkKind,
    LinkStatus,
    Location,
    Note,
    ResolvedLink,
    SubpathKind,
)
from wikigraph.vault import Vault, load_vault

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "Heading",
    "Link",
    "LinkKind",
    "LinkStatus",
    "Location",
    "Note",
    "ResolvedLink",
    "SubpathKind",
    "Vault",
    "VaultError",
    "WikigraphError",
    "__version__",
    "load_vault",
]
