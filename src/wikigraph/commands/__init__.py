"""The subcommands of ``wikigraph``: each module has ``add_parser(subparsers)`` and ``run``.

A module is imported only when its command is needed (:func:`load`), so that running one
command does not pay for importing what the others use (networkx, Jinja2...).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from types import ModuleType

NAMES: tuple[str, ...] = ("check", "build", "links", "stats", "export")
"""Every subcommand, in the order help lists them; each is the module of the same name."""


def load(names: Iterable[str] = NAMES) -> tuple[ModuleType, ...]:
    """Import the modules of the named subcommands."""
    return tuple(importlib.import_module(f"{__name__}.{name}") for name in names)


def __getattr__(name: str) -> object:
    if name == "COMMANDS":  # every command module, imported on first use
        return load()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
