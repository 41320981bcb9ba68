"""Build the typed link graph (networkx) from parsed notes and resolved links.

Takes notes, attachment paths and resolved links; returns an ``nx.DiGraph`` whose nodes
are keyed by vault path (``unresolved:<name>`` and ``tag:<name>`` for the other kinds) and
whose edges count the links between two nodes by kind. Node and edge attributes are plain
values (str, int, lists and dicts of them), so the graph can be exported as it is.

Node attributes, on every node: ``kind`` (``note`` | ``attachment`` | ``unresolved`` |
``tag``), ``title``, ``folder`` (``""`` at the root and for unresolved targets and tags) and
``tags`` (a list). Files also have ``path``; notes also have ``aliases`` (a list) and
``properties`` (the frontmatter as a dict of plain values); unresolved targets also have
``reason`` (``missing``, ``alias``, ``folder`` or ``outside-vault``).

Edge attributes: ``count`` (all links from source to target) and ``kinds`` (counts per
kind: ``link``, ``embed``, ``markdown``, ``markdown-embed``, ``property:<key>``, ``tag``).
Tag edges go from a note to a tag node and are the only edges that are not links.
"""

from __future__ import annotations

import copy
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
NODE_KINDS = (NOTE, ATTACHMENT, UNRESOLVED, TAG)
"""Every value of the ``kind`` node attribute."""

LINK = "link"
EMBED = "embed"
MARKDOWN = "markdown"
MARKDOWN_EMBED = "markdown-embed"
PROPERTY_PREFIX = "property:"
TAG_EDGE = TAG
"""The edge kind of a note's tag; every other edge kind is a link."""

_BODY_KINDS = {
    LinkKind.WIKILINK: LINK,
    LinkKind.EMBED: EMBED,
    LinkKind.MARKDOWN: MARKDOWN,
    LinkKind.MARKDOWN_EMBED: MARKDOWN_EMBED,
}


def edge_kind(resolved: ResolvedLink) -> str:
    """The label under which a link is counted on its edge."""
    link = resolved.link
    if link.location is Location.FRONTMATTER:
        return f"{PROPERTY_PREFIX}{link.property}"
    return _BODY_KINDS[link.kind]


def unresolved_node(resolved: ResolvedLink) -> str:
    """The node id of an unresolved target: the written path, case- and NFC-folded."""
    path = resolved.link.path.strip()
    if path.lower().endswith(".md"):
        path = path[:-3]
    return UNRESOLVED_PREFIX + name_key(path)


def tag_node(tag: str) -> str:
    """The node id of a tag (tags are case-insensitive)."""
    return TAG_PREFIX + tag.lower()


def _folder(path: str) -> str:
    return path.rpartition("/")[0]


def _add_edge(graph: nx.DiGraph[str], source: str, target: str, kind: str) -> None:
    if graph.has_edge(source, target):
        data = graph.edges[source, target]
        data["count"] += 1
        data["kinds"][kind] = data["kinds"].get(kind, 0) + 1
    else:
        graph.add_edge(source, target, count=1, kinds={kind: 1})


class _VirtualNodes:
    """Adds unresolved-target and tag nodes, never reusing the id of a file.

    A file may (outside Obsidian) be called ``tag:x``; the virtual node then gets ``~``
    appended to its id until the id is free, so a tag never merges with a file.
    """

    def __init__(self, graph: nx.DiGraph[str]) -> None:
        self.graph = graph
        self.ids: dict[str, str] = {}

    def node(self, wanted: str, kind: str, title: str, **extra: object) -> str:
        node = self.ids.get(wanted)
        if node is None:
            node = wanted
            while node in self.graph:
                node += "~"
            self.graph.add_node(node, kind=kind, title=title, folder="", tags=[], **extra)
            self.ids[wanted] = node
        return node


def build_graph(
    notes: Sequence[Note],
    attachments: Iterable[str],
    links: Iterable[ResolvedLink],
) -> nx.DiGraph[str]:
    """The typed graph of the vault: every note, attachment, unresolved target and tag.

    ``notes`` and ``attachments`` are the drawable ones (excluded files left out); links
    from or to files outside that set are skipped, and so are links of a note to itself.
    Nodes are added in a fixed order (notes, attachments, then unresolved targets and
    tags as first met), so the same vault always gives the same graph.
    """
    graph: nx.DiGraph[str] = nx.DiGraph()
    for note in notes:
        graph.add_node(
            note.path,
            kind=NOTE,
            title=note.title,
            folder=_folder(note.path),
            tags=list(note.tags),
            path=note.path,
            aliases=list(note.aliases),
            properties=copy.deepcopy(dict(note.properties)),
        )
    for path in attachments:
        name = path.rsplit("/", 1)[-1]
        graph.add_node(path, kind=ATTACHMENT, title=name, folder=_folder(path), tags=[], path=path)
    virtual = _VirtualNodes(graph)
    for resolved in links:
        source = resolved.link.source
        if source not in graph or graph.nodes[source]["kind"] != NOTE:
            continue
        if resolved.status is LinkStatus.RESOLVED and resolved.target is not None:
            if resolved.target == source or resolved.target not in graph:
                continue
            _add_edge(graph, source, resolved.target, edge_kind(resolved))
        elif resolved.status is LinkStatus.UNRESOLVED and resolved.link.path.strip():
            reason = resolved.reason.value if resolved.reason is not None else "missing"
            title = resolved.link.path.strip()
            node = virtual.node(unresolved_node(resolved), UNRESOLVED, title, reason=reason)
            _add_edge(graph, source, node, edge_kind(resolved))
    for note in notes:
        for tag in note.tags:
            node = virtual.node(tag_node(tag), TAG, "#" + tag)
            _add_edge(graph, note.path, node, TAG_EDGE)
    return graph


def nodes_of_kind(graph: nx.DiGraph[str], kind: str) -> list[str]:
    """The nodes of one kind, in graph order."""
    return [node for node, data in graph.nodes(data=True) if data.get("kind") == kind]


def note_graph(graph: nx.DiGraph[str]) -> nx.DiGraph[str]:
    """A new graph of only the notes and the links between them (tags never connect notes).

    Node and edge attribute dicts are copied; the values inside them are shared.
    """
    notes: nx.DiGraph[str] = nx.DiGraph()
    notes.add_nodes_from((n, dict(d)) for n, d in graph.nodes(data=True) if d.get("kind") == NOTE)
    notes.add_edges_from(
        (u, v, dict(d)) for u, v, d in graph.edges(data=True) if u in notes and v in notes
    )
    return notes
