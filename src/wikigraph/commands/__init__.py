"""The subcommands of ``wikigraph``: each module has ``add_parser(subparsers)`` and ``run``."""

from __future__ import annotations

from types import ModuleType

from wikigraph.commands import build, check, export, links, stats

COMMANDS: tuple[ModuleType, ...] = (check, build, links, stats, export)
