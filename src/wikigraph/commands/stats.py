"""``wikigraph stats``: what the vault's graph looks like, as tables or as JSON.

Loads the vault, runs :func:`wikigraph.stats.compute_stats` and prints the result: aligned
tables for a terminal (bold headings only on a terminal without ``NO_COLOR``) or the
documented JSON document.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from pathlib import Path
from typing import Any

from wikigraph.cli import EXIT_OK, add_command, vault_from_args, write_text
from wikigraph.stats import compute_stats, stats_text

HELP = "counts, orphans, hubs, bridges, communities, wanted notes and tags"
DESCRIPTION = (
    "Describe the vault's link graph: counts of notes, attachments and links by kind and"
    " status; orphans, dead ends and notes nothing links to; unused attachments; connected"
    " components; hubs by incoming links and by PageRank; bridge notes; communities"
    " (Louvain, seeded); the most wanted missing notes; and tags."
)
EPILOG = """\
examples:
  wikigraph stats notes                  tables for a terminal
  wikigraph stats --top 25               longer rankings
  wikigraph stats --format json -o stats.json
"""


def _count(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f'"{value}" is not a whole number') from None
    if number < 0:
        raise argparse.ArgumentTypeError(f'"{value}" is negative')
    return number


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = add_command(
        subparsers,
        "stats",
        help=HELP,
        description=textwrap.fill(DESCRIPTION, 80),
        epilog=EPILOG,
    )
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="output format: text, aligned tables, or json (default: text)",
    )
    parser.add_argument(
        "--top",
        type=_count,
        default=10,
        metavar="N",
        help="how many entries each ranking and list shows; 0 shows all (default: 10)",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        type=Path,
        help="write to FILE instead of standard output",
    )
    parser.set_defaults(run=run)


def _style(output: Path | None) -> bool:
    """Bold headings only for a terminal that accepts them."""
    if output is not None or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return sys.stdout.isatty()


def run(args: argparse.Namespace) -> int:
    vault = vault_from_args(args)
    stats = compute_stats(vault, top=args.top)
    if args.format == "json":
        text = json.dumps(stats.to_dict(), ensure_ascii=False, indent=2) + "\n"
    else:
        text = stats_text(stats, style=_style(args.output))
    write_text(text, args.output)
    return EXIT_OK
