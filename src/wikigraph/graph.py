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

:func:`graph_table` gives the same graph as columns (:class:`GraphTable`: node ids, kinds
and titles, and numpy arrays of edges), made without networkx in a fraction of the time
and memory; the graph view, the layout and the statistics read that, and
:func:`build_graph` makes the networkx graph from it.
"""

from __future__ import annotations

import copy
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from wikigraph.model import LinkKind, LinkStatus, Location, Note, ResolvedLink
from wikigraph.resolve import name_key

if TYPE_CHECKING:
    import networkx as nx

    from wikigraph.vault import Vault

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


def link_contributions(links: Iterable[ResolvedLink]) -> list[tuple[object, ...]]:
    """What each of a note's links adds to :func:`graph_table`, in order: its kind and
    status, and the node it leads to (a file; or an unresolved target, with the title and
    reason it is drawn with). A note whose links give the same contributions, and whose
    tags are the same, leaves the table as it was."""
    found: list[tuple[object, ...]] = []
    for resolved in links:
        link = resolved.link
        status = resolved.status
        if status is LinkStatus.RESOLVED and resolved.target is not None:
            found.append((edge_kind(resolved), status, resolved.target))
        elif status is LinkStatus.UNRESOLVED and link.path.strip():
            reason = resolved.reason.value if resolved.reason is not None else "missing"
            target = unresolved_node(resolved)
            found.append((edge_kind(resolved), status, target, link.path.strip(), reason))
        else:
            found.append((edge_kind(resolved), status))
    return found


def tag_node(tag: str) -> str:
    """The node id of a tag (tags are case-insensitive)."""
    return TAG_PREFIX + tag.lower()


def _folder(path: str) -> str:
    return path.rpartition("/")[0]


@dataclass(frozen=True, slots=True, eq=False)
class GraphTable:
    """The typed graph as columns: what the graph view, the layout and the statistics read.

    Nodes are numbered in graph order (notes, attachments, then unresolved targets and tags
    as first met); edges in the order they were first met, which is the order
    :func:`build_graph` adds them in. It also tallies every link by kind and status.
    """

    ids: tuple[str, ...]
    """Node ids, as in :func:`build_graph`."""
    kinds: npt.NDArray[np.int8]
    """Index into :data:`NODE_KINDS` per node."""
    titles: tuple[str, ...]
    reasons: Mapping[int, str]
    """Why each unresolved target does not resolve, by node number."""
    notes: int
    """Nodes ``0 .. notes - 1`` are the notes, in the order given."""
    source: npt.NDArray[np.int32]
    target: npt.NDArray[np.int32]
    count: npt.NDArray[np.int32]
    """How many links (or tag uses) each edge stands for."""
    combo: npt.NDArray[np.int32]
    """Index into :attr:`combos` per edge."""
    combos: tuple[tuple[tuple[str, int], ...], ...]
    """Distinct ``kinds`` of edges: (kind, count) pairs in the order first met."""
    link_kinds: Mapping[str, int]
    """Every link given, counted by :func:`edge_kind`."""
    link_statuses: Mapping[str, int]
    """Every link given, counted by status."""
    link_total: int

    @property
    def size(self) -> int:
        """The number of nodes."""
        return len(self.ids)


_KIND_CODE = {kind: code for code, kind in enumerate(NODE_KINDS)}


def graph_table(
    notes: Sequence[Note],
    attachments: Iterable[str],
    links: Iterable[ResolvedLink],
) -> GraphTable:
    """The graph of :func:`build_graph` as columns, made without networkx.

    ``notes`` and ``attachments`` are the drawable ones (excluded files left out); links
    from or to files outside that set are skipped, and so are links of a note to itself.
    A virtual node never takes the id of a file: ``~`` is appended until the id is free.
    """
    ids: list[str] = [note.path for note in notes]
    titles: list[str] = [note.title for note in notes]
    note_count = len(ids)
    for path in attachments:
        ids.append(path)
        titles.append(path.rsplit("/", 1)[-1])
    kinds = bytearray([_KIND_CODE[NOTE]]) * note_count
    kinds += bytearray([_KIND_CODE[ATTACHMENT]]) * (len(ids) - note_count)
    index = {node: number for number, node in enumerate(ids)}
    virtual: dict[str, int] = {}
    reasons: dict[int, str] = {}

    def virtual_node(wanted: str, kind: str, title: str) -> int:
        node = wanted
        while node in index:
            node += "~"
        number = index[node] = virtual[wanted] = len(ids)
        ids.append(node)
        titles.append(title)
        kinds.append(_KIND_CODE[kind])
        return number

    sources = array("i")
    targets = array("i")
    codes = array("i")
    kind_code: dict[str, int] = {}
    link_kinds: dict[str, int] = {}
    link_statuses: dict[str, int] = {}
    total = 0
    resolved_status, unresolved_status = LinkStatus.RESOLVED, LinkStatus.UNRESOLVED
    frontmatter = Location.FRONTMATTER
    for resolved in links:
        total += 1
        link = resolved.link
        if link.location is frontmatter:
            kind = f"{PROPERTY_PREFIX}{link.property}"
        else:
            kind = _BODY_KINDS[link.kind]
        link_kinds[kind] = link_kinds.get(kind, 0) + 1
        status = resolved.status
        link_statuses[status] = link_statuses.get(status, 0) + 1
        source = index.get(link.source)
        if source is None or source >= note_count:
            continue
        if status is resolved_status and resolved.target is not None:
            target = index.get(resolved.target)
            if target is None or target == source:
                continue
        elif status is unresolved_status and link.path.strip():
            wanted = unresolved_node(resolved)
            found = virtual.get(wanted)
            if found is None:
                found = virtual_node(wanted, UNRESOLVED, link.path.strip())
                reasons[found] = resolved.reason.value if resolved.reason is not None else "missing"
            target = found
        else:
            continue
        code = kind_code.get(kind)
        if code is None:
            code = kind_code[kind] = len(kind_code)
        sources.append(source)
        targets.append(target)
        codes.append(code)
    tag_code = kind_code.setdefault(TAG_EDGE, len(kind_code))
    for number, note in enumerate(notes):
        for tag in note.tags:
            wanted = tag_node(tag)
            found = virtual.get(wanted)
            if found is None:
                found = virtual_node(wanted, TAG, "#" + tag)
            sources.append(number)
            targets.append(found)
            codes.append(tag_code)
    edge_source, edge_target, count, combo, combos = _edges(
        sources, targets, codes, list(kind_code), len(ids)
    )
    return GraphTable(
        ids=tuple(ids),
        kinds=np.frombuffer(bytes(kinds), dtype=np.int8),
        titles=tuple(titles),
        reasons=reasons,
        notes=note_count,
        source=edge_source,
        target=edge_target,
        count=count,
        combo=combo,
        combos=combos,
        link_kinds=link_kinds,
        link_statuses={str(status): n for status, n in link_statuses.items()},
        link_total=total,
    )


def _edges(
    sources: array[int], targets: array[int], codes: array[int], names: list[str], size: int
) -> tuple[
    npt.NDArray[np.int32],
    npt.NDArray[np.int32],
    npt.NDArray[np.int32],
    npt.NDArray[np.int32],
    tuple[tuple[tuple[str, int], ...], ...],
]:
    """Merge the links of each (source, target) pair into one edge, in the order first met."""
    link_source = np.frombuffer(sources, dtype=np.int32) if sources else np.zeros(0, np.int32)
    link_target = np.frombuffer(targets, dtype=np.int32) if targets else np.zeros(0, np.int32)
    link_code = np.frombuffer(codes, dtype=np.int32) if codes else np.zeros(0, np.int32)
    pair = link_source.astype(np.int64) * max(size, 1) + link_target
    _, first, inverse, counts = np.unique(
        pair, return_index=True, return_inverse=True, return_counts=True
    )
    order = np.argsort(first, kind="stable")
    number = np.empty_like(order)
    number[order] = np.arange(len(order))
    edge_of_link = number[inverse.reshape(-1)]
    firsts = first[order]
    count = counts[order].astype(np.int32)
    # Most edges stand for one link: their kinds are that link's kind, counted once.
    combos: list[tuple[tuple[str, int], ...]] = [((name, 1),) for name in names]
    combo = link_code[firsts].astype(np.int32)
    repeated = np.flatnonzero(count[edge_of_link] > 1)
    merged: dict[int, dict[str, int]] = {}
    for link, edge in zip(repeated.tolist(), edge_of_link[repeated].tolist(), strict=True):
        kinds = merged.setdefault(edge, {})
        name = names[link_code[link]]
        kinds[name] = kinds.get(name, 0) + 1
    known: dict[tuple[tuple[str, int], ...], int] = {c: i for i, c in enumerate(combos)}
    for edge, kinds in merged.items():
        key = tuple(kinds.items())
        found = known.get(key)
        if found is None:
            found = known[key] = len(combos)
            combos.append(key)
        combo[edge] = found
    return (
        link_source[firsts].astype(np.int32),
        link_target[firsts].astype(np.int32),
        count,
        combo,
        tuple(combos),
    )


def vault_table(vault: Vault) -> GraphTable:
    """The :class:`GraphTable` of a loaded vault: its checked notes and drawable attachments."""
    excluded = vault.excluded
    attachments = [path for path in vault.attachments if path not in excluded]
    return graph_table(vault.checked_notes, attachments, vault.links)


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
    table = graph_table(notes, attachments, links)
    return table_graph(table, notes)


def table_graph(table: GraphTable, notes: Sequence[Note]) -> nx.DiGraph[str]:
    """The networkx graph of a table made from ``notes`` (which give the notes' attributes)."""
    import networkx as nx

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
    ids, titles = table.ids, table.titles
    for number in range(table.notes, table.size):
        node = ids[number]
        kind = NODE_KINDS[table.kinds[number]]
        if kind == ATTACHMENT:
            graph.add_node(
                node,
                kind=ATTACHMENT,
                title=titles[number],
                folder=_folder(node),
                tags=[],
                path=node,
            )
        elif kind == UNRESOLVED:
            graph.add_node(
                node,
                kind=UNRESOLVED,
                title=titles[number],
                folder="",
                tags=[],
                reason=table.reasons[number],
            )
        else:
            graph.add_node(node, kind=kind, title=titles[number], folder="", tags=[])
    combos = table.combos
    graph.add_edges_from(
        (ids[s], ids[t], {"count": c, "kinds": dict(combos[k])})
        for s, t, c, k in zip(
            table.source.tolist(),
            table.target.tolist(),
            table.count.tolist(),
            table.combo.tolist(),
            strict=True,
        )
    )
    return graph


def graph_table_of(graph: nx.DiGraph[str]) -> GraphTable:
    """The :class:`GraphTable` of a typed graph (one made by :func:`build_graph`, or alike).

    Nodes without a ``kind`` count as notes; link tallies are empty (the graph has no links).
    """
    ids = tuple(graph)
    index = {node: i for i, node in enumerate(ids)}
    kinds = [_KIND_CODE.get(str(data.get("kind", NOTE)), 0) for data in graph.nodes.values()]
    titles = tuple(str(data.get("title", node)) for node, data in graph.nodes(data=True))
    reasons = {
        index[node]: str(data.get("reason", "missing"))
        for node, data in graph.nodes(data=True)
        if data.get("kind") == UNRESOLVED
    }
    known: dict[tuple[tuple[str, int], ...], int] = {}
    rows = []
    for u, v, data in graph.edges(data=True):
        combo = tuple((str(k), int(n)) for k, n in dict(data.get("kinds") or {}).items())
        rows.append(
            (index[u], index[v], int(data.get("count", 1)), known.setdefault(combo, len(known)))
        )
    columns = np.array(rows, dtype=np.int32).reshape(-1, 4)
    return GraphTable(
        ids=ids,
        kinds=np.array(kinds, dtype=np.int8),
        titles=titles,
        reasons=reasons,
        notes=sum(1 for kind in kinds if kind == _KIND_CODE[NOTE]),
        source=columns[:, 0].copy(),
        target=columns[:, 1].copy(),
        count=columns[:, 2].copy(),
        combo=columns[:, 3].copy(),
        combos=tuple(known),
        link_kinds={},
        link_statuses={},
        link_total=0,
    )


def nodes_of_kind(graph: nx.DiGraph[str], kind: str) -> list[str]:
    """The nodes of one kind, in graph order."""
    return [node for node, data in graph.nodes(data=True) if data.get("kind") == kind]


def note_graph(graph: nx.DiGraph[str]) -> nx.DiGraph[str]:
    """A new graph of only the notes and the links between them (tags never connect notes).

    Node and edge attribute dicts are copied; the values inside them are shared.
    """
    import networkx as nx

    notes: nx.DiGraph[str] = nx.DiGraph()
    notes.add_nodes_from((n, dict(d)) for n, d in graph.nodes(data=True) if d.get("kind") == NOTE)
    notes.add_edges_from(
        (u, v, dict(d)) for u, v, d in graph.edges(data=True) if u in notes and v in notes
    )
    return notes
