"""wikigraph: check and visualise the links of an Obsidian-style Markdown vault.

The public API is small::

    import wikigraph
    vault = wikigraph.load_vault("notes")
    vault.notes, vault.links, vault.graph

The names below are imported when first used (PEP 562), so that ``import wikigraph`` and
a ``wikigraph check`` that finds nothing changed do not pay for the parser, the resolver
or the data model.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing

if TYPE_CHECKING:
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

_HOMES = {
    "ConfigError": "wikigraph.errors",
    "VaultError": "wikigraph.errors",
    "WikigraphError": "wikigraph.errors",
    "Heading": "wikigraph.model",
    "Link": "wikigraph.model",
    "LinkKind": "wikigraph.model",
    "LinkStatus": "wikigraph.model",
    "Location": "wikigraph.model",
    "Note": "wikigraph.model",
    "ResolvedLink": "wikigraph.model",
    "SubpathKind": "wikigraph.model",
    "Vault": "wikigraph.vault",
    "load_vault": "wikigraph.vault",
}
"""Each public name and the module that defines it."""

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


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
