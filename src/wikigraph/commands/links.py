"""``wikigraph links``: every link of the vault, where it is and what it points to."""

from __future__ import annotations

import argparse
from typing import Any

from wikigraph.cli import EXIT_OK, add_command, vault_from_args, write_text
from wikigraph.listing import links_json, links_text

HELP = "list every link with its position and target"


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = add_command(
        subparsers,
        "links",
        help=HELP,
        description=(
            "List every link of the vault (wikilinks, embeds, Markdown links, links in\n"
            "properties) with its exact line and column and what it resolves to."
        ),
    )
    parser.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="output format: text, one line per link, or json (default: text)",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        type=_path,
        help="write to FILE instead of standard output",
    )
    parser.set_defaults(run=run)


def _path(value: str) -> Any:
    from pathlib import Path

    return Path(value)


def run(args: argparse.Namespace) -> int:
    vault = vault_from_args(args)
    text = links_json(vault) if args.format == "json" else links_text(vault)
    write_text(text, args.output)
    return EXIT_OK
