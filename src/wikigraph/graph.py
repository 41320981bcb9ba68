"""Build the typed link graph (networkx) from parsed notes and resolved links.

Takes notes, attachment paths and resolved links; returns an ``nx.DiGraph`` whose nodes
are keyed by vault path (``unresolved:<name>`` and ``tag:<name>`` for the other kinds) and
whose edges count the links between two nodes by kind. Node and edge attributes are plain
values (str, int, lists and dicts of them), so the graph can be exported as it is.

Node attributes: ``kind`` (``note`` | ``attachment`` | ``unresolved`` | ``tag``),
``title``, ``folder`` (``""`` at the root), ``path`` (files only), ``tags``,
``properties`` (notes), ``aliases`` (notes).
Edge attributes: ``count`` (all links from source to target) and ``kinds`` (counts per
kind: ``link``, ``embed``, ``markdown``, ``markdown-embed``, ``property:<key>``, ``tag``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import networkx as nx

from wikigraph.model import LinkKind, LinkStatus, Location, Note, ResolvedLink
from wikigraph.resolve import name_key

UNRESOLVED_PREFIX = "unresolved:"
TAG_PREFIX = "tag:"

NOTE = "note"
ATTACHMENT = "attachment"
UNRESOLVED = "unresolved"
TAG = "tag"


def edge_kind(resolved: ResolvedLink) -> str:
    """The label under which a link is counted on its edge."""
    link = resolved.link
    if link.location is Location.FRONTMATTER:
        return f"property:{link.property}"
    return {
        LinkKind.WIKILINK: "link",
        LinkKind.EMBED: "embed",
        LinkKind.MARKDOWN: "markdown",
        LinkKind.MARKDOWN_EMBED: "markdown-embed",
    }[link.kind]


def unresolved_node(resolved: ResolvedLink) -> str:
    """The node id of an unresolved target: the written path, case- and NFC-folded."""
    path = resolved.link.path.strip()
    if path.lower().endswith(".md"):
        path = path[:-3]
    return UNRESOLVED_PREFIX + name_key(path)


def _folder(path: str) -> str:
    return path.rpartition("/")[0]


def _add_edge(graph: nx.DiGraph[str], source: str, target: str, kind: str) -> None:
    if graph.has_edge(source, target):
        data = graph.edges[source, target]
        data["count"] += 1
        data["kinds"][kind] = data["kinds"].get(kind, 0) + 1
    else:
        graph.add_edge(source, target, count=1, kinds={kind: 1})


def build_graph(
    notes: Sequence[Note],
    attachments: Iterable[str],
    links: Iterable[ResolvedLink],
) -> nx.DiGraph[str]:
    """The typed graph of the vault: every note, attachment, unresolved target and tag.

    ``notes`` and ``attachments`` are the drawable ones (excluded files left out); links
    from or to files outside that set are skipped, and so are links of a note to itself.
    """
    graph: nx.DiGraph[str] = nx.DiGraph()
    for note in notes:
        graph.add_node(
            note.path,
            kind=NOTE,
            title=note.title,
            folder=_folder(note.path),
            path=note.path,
            tags=list(note.tags),
            aliases=list(note.aliases),
            properties=dict(note.properties),
        )
    for path in attachments:
        name = path.rsplit("/", 1)[-1]
        graph.add_node(path, kind=ATTACHMENT, title=name, folder=_folder(path), path=path, tags=[])
    for resolved in links:
        source = resolved.link.source
        if source not in graph:
            continue
        if resolved.status is LinkStatus.RESOLVED and resolved.target is not None:
            if resolved.target == source or resolved.target not in graph:
                continue
            _add_edge(graph, source, resolved.target, edge_kind(resolved))
        elif resolved.status is LinkStatus.UNRESOLVED and resolved.link.path.strip():
            node = unresolved_node(resolved)
            if node not in graph:
                title = resolved.link.path.strip()
                graph.add_node(node, kind=UNRESOLVED, title=title, folder="", tags=[])
            _add_edge(graph, source, node, edge_kind(resolved))
    for note in notes:
        for tag in note.tags:
            node = TAG_PREFIX + tag.lower()
            if node not in graph:
                graph.add_node(node, kind=TAG, title="#" + tag, folder="", tags=[])
            _add_edge(graph, note.path, node, TAG)
    return graph
