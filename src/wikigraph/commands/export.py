"""``wikigraph export``: write the typed link graph for Gephi, yEd, spreadsheets or networkx.

Checks the output suffix first (an unknown one is a usage error, exit 2), loads the vault
and writes the graph with :func:`wikigraph.export.export_graph`.
"""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path
from typing import Any

from wikigraph.cli import EXIT_OK, add_command, vault_from_args
from wikigraph.export import FORMATS, export_format, export_graph
from wikigraph.graph import ATTACHMENT, TAG, UNRESOLVED

HELP = "write the link graph as GraphML, GEXF, node-link JSON or CSV"
DESCRIPTION = (
    "Write the vault's typed link graph (notes, attachments, unresolved targets and tags,"
    " with link kinds and counts on the edges) to FILE. The suffix picks the format."
)
EPILOG = "formats:\n" + "\n".join(f"  {suffix:<10} {name}" for suffix, name in FORMATS.items())
EPILOG += """

examples:
  wikigraph export notes -o vault.gexf               open in Gephi
  wikigraph export -o vault.json --without tag       networkx node-link, no tag nodes
"""
SKIPPABLE = (ATTACHMENT, UNRESOLVED, TAG)


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = add_command(
        subparsers,
        "export",
        help=HELP,
        description=textwrap.fill(DESCRIPTION, 80),
        epilog=EPILOG,
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        type=Path,
        required=True,
        help="the file to write; its suffix (.graphml, .gexf, .json, .csv) picks the format",
    )
    parser.add_argument(
        "--without",
        metavar="KIND",
        action="append",
        choices=SKIPPABLE,
        default=[],
        help="leave out one kind of node: attachment, unresolved or tag (repeatable)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    export_format(args.output)
    vault = vault_from_args(args)
    graph = vault.graph
    if args.without:
        skipped = set(args.without)
        graph = graph.subgraph(n for n, d in graph.nodes(data=True) if d["kind"] not in skipped)
    export_graph(graph, args.output)
    nodes, edges = graph.number_of_nodes(), graph.number_of_edges()
    print(f'wrote "{args.output}": {nodes} nodes, {edges} edges', file=sys.stderr)
    return EXIT_OK
