"""Measure a loaded vault: counts, orphans, hubs, bridges, communities, wanted notes, tags.

Takes a :class:`~wikigraph.vault.Vault`; returns :class:`VaultStats`, whose ``to_dict()`` is
the ``wikigraph stats --format json`` document and :func:`stats_text` its terminal tables.

Which graph each number is computed on:

* Link counts come from every link of every checked note (external links included).
* Structure (orphans, dead ends, unlinked notes, components, hubs, PageRank, bridges,
  communities) uses the **note graph**: notes as nodes, resolved links between two
  different notes as edges, whatever their kind (body link, embed, Markdown link,
  property). Attachments, unresolved targets and tags are left out, so two notes that
  share a tag or an image are not connected by it.
* Unused attachments are attachments no checked note links to or embeds.
* Most wanted targets are the unresolved-target nodes, ranked by how many notes link to them.
* Tags are counted by the number of notes that carry them (case-insensitive).

Every list is sorted with explicit tie-breaks (ending with the path), and scores are
rounded, so the same vault always gives the same document.
"""

from __future__ import annotations

import contextlib
import json
import random
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import numpy.typing as npt

from wikigraph.digests import blake2b
from wikigraph.files import write_atomic
from wikigraph.graph import (
    ATTACHMENT,
    NODE_KINDS,
    PROPERTY_PREFIX,
    TAG,
    UNRESOLVED,
    GraphTable,
    note_graph,
    vault_table,
)
from wikigraph.model import LinkStatus

if TYPE_CHECKING:
    import networkx as nx

    from wikigraph.vault import Vault

_T = TypeVar("_T")

SCHEMA_VERSION = 1
"""Version of the JSON document; it changes only when a key changes meaning or goes away."""

LINK_KINDS = ("link", "embed", "markdown", "markdown-embed", "property")
LINK_STATUSES = tuple(status.value for status in LinkStatus)

PAGERANK_ALPHA = 0.85
PAGERANK_TOLERANCE = 1e-9
"""Stop when the ranks change by less than this in total (sum of absolute changes)."""
PAGERANK_MAX_ITERATIONS = 500
SCORE_DIGITS = 6
"""PageRank scores are rounded to this many decimals, so ties sort by path everywhere."""


@dataclass(frozen=True, slots=True)
class LinkCounts:
    """How many links the checked notes hold, by kind and by status."""

    total: int
    by_kind: Mapping[str, int]
    """``link``, ``embed``, ``markdown``, ``markdown-embed`` and ``property`` (always all)."""
    by_status: Mapping[str, int]
    """``resolved``, ``unresolved`` and ``external`` (always all)."""
    by_property: Mapping[str, int]
    """Property links per frontmatter key, sorted by key."""


@dataclass(frozen=True, slots=True)
class Counts:
    """The vault at a glance."""

    notes: int
    attachments: int
    excluded: int
    """Files matched by ``exclude`` or Obsidian's "Excluded files" (not counted elsewhere)."""
    links: LinkCounts
    tags: int
    unresolved_targets: int
    orphans: int
    dead_ends: int
    unlinked: int
    unused_attachments: int
    components: int
    communities: int
    bridges: int


@dataclass(frozen=True, slots=True)
class Hub:
    """A note ranked by the links it receives."""

    path: str
    title: str
    notes: int
    """How many other notes link to it."""
    links: int
    """How many links point at it (several from one note all count)."""
    pagerank: float


@dataclass(frozen=True, slots=True)
class Bridge:
    """A note whose removal splits its component of the note graph."""

    path: str
    title: str
    cut_off: int
    """Notes separated from the largest remaining piece when it is removed."""
    pieces: int
    """How many pieces its component falls into without it."""


@dataclass(frozen=True, slots=True)
class Community:
    """A group of notes more linked to each other than to the rest (Louvain)."""

    id: int
    """0 for the largest community, then by size; ties by first member path."""
    size: int
    label: str
    """The title of the member with the highest PageRank."""
    members: tuple[str, ...]
    """Paths, sorted."""


@dataclass(frozen=True, slots=True)
class WantedTarget:
    """An unresolved link target and who links to it."""

    node: str
    """Its node id in the graph (``unresolved:<name>``)."""
    target: str
    """The target as first written."""
    reason: str
    notes: int
    links: int
    sources: tuple[str, ...]
    """The notes that link to it, sorted."""


@dataclass(frozen=True, slots=True)
class TagCount:
    """A tag and how many notes carry it."""

    tag: str
    """As first written, without ``#``."""
    notes: int


@dataclass(frozen=True, slots=True)
class VaultStats:
    """Everything ``wikigraph stats`` reports; ``top`` limits the ranked lists."""

    vault: str
    top: int
    counts: Counts
    orphans: tuple[str, ...]
    dead_ends: tuple[str, ...]
    unlinked: tuple[str, ...]
    unused_attachments: tuple[str, ...]
    component_sizes: tuple[int, ...]
    hubs_by_links: tuple[Hub, ...]
    hubs_by_pagerank: tuple[Hub, ...]
    bridges: tuple[Bridge, ...]
    communities: tuple[Community, ...]
    most_wanted: tuple[WantedTarget, ...]
    tags: tuple[TagCount, ...]

    def to_dict(self) -> dict[str, object]:
        """The documented ``wikigraph stats --format json`` document."""
        links = self.counts.links
        return {
            "version": SCHEMA_VERSION,
            "vault": self.vault,
            "top": self.top,
            "counts": {
                "notes": self.counts.notes,
                "attachments": self.counts.attachments,
                "excluded": self.counts.excluded,
                "links": {
                    "total": links.total,
                    "by_kind": dict(links.by_kind),
                    "by_status": dict(links.by_status),
                    "by_property": dict(links.by_property),
                },
                "tags": self.counts.tags,
                "unresolved_targets": self.counts.unresolved_targets,
                "orphans": self.counts.orphans,
                "dead_ends": self.counts.dead_ends,
                "unlinked": self.counts.unlinked,
                "unused_attachments": self.counts.unused_attachments,
                "components": self.counts.components,
                "communities": self.counts.communities,
                "bridges": self.counts.bridges,
            },
            "orphans": list(self.orphans),
            "dead_ends": list(self.dead_ends),
            "unlinked": list(self.unlinked),
            "unused_attachments": list(self.unused_attachments),
            "components": {
                "count": len(self.component_sizes),
                "sizes": list(self.component_sizes),
            },
            "hubs": {
                "by_links": [_hub_dict(hub) for hub in self.hubs_by_links],
                "by_pagerank": [_hub_dict(hub) for hub in self.hubs_by_pagerank],
            },
            "bridges": [
                {"path": b.path, "title": b.title, "cut_off": b.cut_off, "pieces": b.pieces}
                for b in self.bridges
            ],
            "communities": [
                {"id": c.id, "size": c.size, "label": c.label, "members": list(c.members)}
                for c in self.communities
            ],
            "most_wanted": [
                {
                    "node": w.node,
                    "target": w.target,
                    "reason": w.reason,
                    "notes": w.notes,
                    "links": w.links,
                    "sources": list(w.sources),
                }
                for w in self.most_wanted
            ],
            "tags": [{"tag": t.tag, "notes": t.notes} for t in self.tags],
        }


def _hub_dict(hub: Hub) -> dict[str, object]:
    return {
        "path": hub.path,
        "title": hub.title,
        "notes": hub.notes,
        "links": hub.links,
        "pagerank": hub.pagerank,
    }


def pagerank(graph: nx.DiGraph[str], *, weight: str = "count") -> dict[str, float]:
    """PageRank of every node (damping 0.85), edges weighted by ``weight``.

    A plain power iteration: networkx's own ``pagerank`` needs SciPy, which would be a
    large dependency for one number. Nodes without outgoing links spread their rank
    evenly over all nodes, as in networkx.
    """
    nodes = list(graph)
    index = {node: i for i, node in enumerate(nodes)}
    triples = [(index[u], index[v], value) for u, v, value in graph.edges(data=weight, default=1)]
    ranks = _pagerank(
        len(nodes),
        np.array([t[0] for t in triples], dtype=np.int64),
        np.array([t[1] for t in triples], dtype=np.int64),
        np.array([float(t[2]) for t in triples], dtype=np.float64),
    )
    return dict(zip(nodes, ranks.tolist(), strict=True))


def _sequential_sum(values: npt.NDArray[np.float64]) -> float:
    """The sum of ``values`` added one after the other (as Python's ``sum`` adds floats)."""
    return float(np.cumsum(values)[-1]) if len(values) else 0.0


def _pagerank(
    count: int,
    source: npt.NDArray[np.int64],
    target: npt.NDArray[np.int64],
    weight: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """PageRank on arrays; each node's incoming shares are added in the order of the edges."""
    if count == 0:
        return np.zeros(0)
    out_weight = np.bincount(source, weights=weight, minlength=count)
    share = PAGERANK_ALPHA * weight / out_weight[source]
    dangling = np.flatnonzero(out_weight == 0.0)
    rank = np.full(count, 1.0 / count)
    for _ in range(PAGERANK_MAX_ITERATIONS):
        base = (1.0 - PAGERANK_ALPHA + PAGERANK_ALPHA * _sequential_sum(rank[dangling])) / count
        new = base + np.bincount(target, weights=rank[source] * share, minlength=count)
        change = _sequential_sum(np.abs(new - rank))
        rank = new
        if change < PAGERANK_TOLERANCE:
            break
    return rank


# ------------------------------------------------------------------- the note graph as arrays

Adjacency = list[dict[int, int]]
"""Neighbour → weight per node, in the order networkx would hold them."""


@dataclass(frozen=True, slots=True)
class _Notes:
    """The note graph of a :class:`GraphTable`, numbered by sorted path."""

    paths: list[str]
    titles: list[str]
    source: npt.NDArray[np.int64]
    """Edges between two notes, sorted by (source, target) number."""
    target: npt.NDArray[np.int64]
    count: npt.NDArray[np.int64]
    order: npt.NDArray[np.int64]
    """Table number of each note, by sorted-path number."""


def _notes_of(table: GraphTable) -> _Notes:
    ids, titles = table.ids, table.titles
    order = sorted(range(table.notes), key=ids.__getitem__)
    number = np.empty(table.notes, dtype=np.int64)
    number[order] = np.arange(table.notes)
    between = (table.source < table.notes) & (table.target < table.notes)
    source = number[table.source[between]]
    target = number[table.target[between]]
    count = table.count[between].astype(np.int64)
    sort = np.lexsort((target, source))
    return _Notes(
        paths=[ids[i] for i in order],
        titles=[titles[i] for i in order],
        source=source[sort],
        target=target[sort],
        count=count[sort],
        order=np.array(order, dtype=np.int64),
    )


def _adjacency(size: int, triples: Iterable[tuple[int, int, int]]) -> Adjacency:
    """The undirected graph of weighted pairs, weights of both directions summed.

    Pairs are added in the order given, as ``nx.Graph.add_edge`` adds them, so that every
    neighbour list has the order networkx would give it.
    """
    adjacency: Adjacency = [{} for _ in range(size)]
    for u, v, weight in triples:
        own = adjacency[u]
        if v in own:
            own[v] += weight
            adjacency[v][u] = own[v]
        else:
            own[v] = weight
            adjacency[v][u] = weight
    return adjacency


def _edge_list(adjacency: Adjacency) -> Iterator[tuple[int, int, int]]:
    """Every edge once, in ``nx.Graph.edges`` order."""
    seen: set[int] = set()
    for node, neighbours in enumerate(adjacency):
        for other, weight in neighbours.items():
            if other not in seen:
                yield node, other, weight
        seen.add(node)


def _degrees(adjacency: Adjacency) -> list[int]:
    """Weighted degrees, a self-loop counted twice (as networkx counts it)."""
    return [
        sum(neighbours.values()) + neighbours.get(node, 0)
        for node, neighbours in enumerate(adjacency)
    ]


def _modularity(adjacency: Adjacency, community: Sequence[int], size: int) -> float:
    """Modularity of a partition (``community`` per node, ``size`` communities), computed
    with the same operations as ``nx.community.modularity``."""
    degrees = _degrees(adjacency)
    degree_sum = sum(degrees)
    m = degree_sum / 2
    norm = 1 / degree_sum**2
    inside = [0] * size
    totals = [0] * size
    for node, neighbours in enumerate(adjacency):
        own = community[node]
        totals[own] += degrees[node]
        for other, weight in neighbours.items():
            if other >= node and community[other] == own:
                inside[own] += weight
    used = sorted(set(community))
    return sum(inside[c] / m - totals[c] * totals[c] * norm for c in used)


def _one_level(adjacency: Adjacency, m: float, rng: random.Random) -> tuple[list[int], bool]:
    """One level of Louvain: move nodes to the neighbouring community that gains the most.

    The same moves, in the same order, with the same arithmetic as networkx's
    ``louvain_communities`` (resolution 1), so the same seed gives the same communities.
    """
    size = len(adjacency)
    community = list(range(size))
    degrees = _degrees(adjacency)
    totals = list(degrees)
    neighbours = [[v for v in adj if v != u] for u, adj in enumerate(adjacency)]
    weights = [[w for v, w in adj.items() if v != u] for u, adj in enumerate(adjacency)]
    order = list(range(size))
    rng.shuffle(order)
    twice_m2 = 2 * m**2
    improvement = False
    moves = 1
    while moves > 0:
        moves = 0
        for u in order:
            best_gain: float = 0
            best = own = community[u]
            to_community: dict[int, float] = {}
            for v, w in zip(neighbours[u], weights[u]):  # noqa: B905 (same lengths)
                c = community[v]
                to_community[c] = to_community.get(c, 0.0) + w
            degree = degrees[u]
            totals[own] -= degree
            if own not in to_community:
                to_community[own] = 0.0
            remove_cost = -to_community[own] / m + (totals[own] * degree) / twice_m2
            for c, weight in to_community.items():
                gain = remove_cost + weight / m - (totals[c] * degree) / twice_m2
                if gain > best_gain:
                    best_gain = gain
                    best = c
            totals[best] += degree
            if best != own:
                community[u] = best
                improvement = True
                moves += 1
    return community, improvement


LOUVAIN_THRESHOLD = 0.0000001


def louvain(
    size: int, triples: Iterable[tuple[int, int, int]], *, seed: int = 0
) -> list[list[int]]:
    """Louvain communities of nodes ``0 .. size - 1`` joined by weighted pairs.

    Gives exactly what ``nx.community.louvain_communities(graph, weight="weight",
    seed=seed)`` gives for the graph that adds these pairs in this order (both directions
    of a pair summed), on plain lists, several times faster. Communities come in no
    particular order; members are sorted.
    """
    original = _adjacency(size, triples)
    if not any(original):
        return [[u] for u in range(size)]
    rng = random.Random(seed)
    modularity = _modularity(original, list(range(size)), size)
    adjacency = _adjacency(size, _edge_list(original))
    m = sum(_degrees(adjacency)) / 2
    members: list[list[int]] = [[u] for u in range(size)]
    community, _ = _one_level(adjacency, m, rng)
    while True:
        used = sorted(set(community))
        renumber = {c: i for i, c in enumerate(used)}
        grouped: list[list[int]] = [[] for _ in used]
        for node, c in enumerate(community):
            grouped[renumber[c]].extend(members[node])
        new_modularity = _modularity(adjacency, community, len(adjacency))
        if new_modularity - modularity <= LOUVAIN_THRESHOLD:
            break
        modularity = new_modularity
        adjacency = _adjacency(
            len(used),
            (
                (renumber[community[u]], renumber[community[v]], w)
                for u, v, w in _edge_list(adjacency)
            ),
        )
        members = grouped
        community, improved = _one_level(adjacency, m, rng)
        if not improved:
            break
    return [sorted(group) for group in grouped]


def _undirected_pairs(notes: _Notes) -> Iterator[tuple[int, int, int]]:
    """The note graph's edges as the weighted pairs of its undirected graph, in sorted order."""
    yield from zip(notes.source.tolist(), notes.target.tolist(), notes.count.tolist(), strict=True)


def _communities(notes: _Notes, seed: int) -> list[list[int]]:
    """Louvain communities of the note graph, largest first, members (numbers) sorted."""
    groups = louvain(len(notes.paths), _undirected_pairs(notes), seed=seed)
    paths = notes.paths
    return sorted(groups, key=lambda group: (-len(group), paths[group[0]]))


def note_communities(graph: nx.DiGraph[str], *, seed: int = 0) -> dict[str, int]:
    """The community id of every note (0 = the largest community), for colouring."""
    notes = note_graph(graph)
    order = sorted(notes)
    index = {node: i for i, node in enumerate(order)}
    triples = sorted((index[u], index[v], c) for u, v, c in notes.edges(data="count", default=1))
    groups = louvain(len(order), triples, seed=seed)
    members = sorted(
        ([order[i] for i in group] for group in groups), key=lambda group: (-len(group), group[0])
    )
    return {path: number for number, group in enumerate(members) for path in group}


def articulation_pieces(undirected: nx.Graph[int]) -> dict[int, list[int]]:
    """For every articulation point, the sizes of the pieces its removal leaves."""
    nodes = sorted(undirected)
    index = {node: i for i, node in enumerate(nodes)}
    neighbours = [[index[v] for v in undirected[u] if v != u] for u in nodes]
    return {nodes[cut]: sizes for cut, sizes in _cut_pieces(neighbours).items()}


def _cut_pieces(neighbours: Sequence[Sequence[int]]) -> dict[int, list[int]]:
    """For every articulation point of a simple undirected graph, the sizes of the pieces
    its removal leaves, sorted by node.

    One depth-first search: a child whose subtree reaches no higher than its parent (its
    low point) becomes a piece of its own when the parent goes; what remains of the
    parent's component is one more piece, unless the parent is the root.
    """
    size = len(neighbours)
    found = [-1] * size
    low = [0] * size
    below = [1] * size
    parent = [-1] * size
    pieces: dict[int, list[int]] = {}
    clock = 0
    for root in range(size):
        if found[root] >= 0:
            continue
        start = clock
        found[root] = low[root] = clock
        clock += 1
        cuts: list[int] = []
        stack = [(root, iter(neighbours[root]))]
        while stack:
            node, pending = stack[-1]
            for other in pending:
                if found[other] < 0:
                    parent[other] = node
                    found[other] = low[other] = clock
                    clock += 1
                    stack.append((other, iter(neighbours[other])))
                    break
                if other != parent[node] and found[other] < low[node]:
                    low[node] = found[other]
            else:
                stack.pop()
                if stack:
                    up = stack[-1][0]
                    below[up] += below[node]
                    if low[node] < low[up]:
                        low[up] = low[node]
                    if low[node] >= found[up]:
                        if up not in pieces:
                            pieces[up] = []
                            cuts.append(up)
                        pieces[up].append(below[node])
        component = clock - start
        for node in cuts:
            if node != root:
                pieces[node].append(component - 1 - sum(pieces[node]))
            elif len(pieces[node]) < 2:
                del pieces[node]
    return {node: pieces[node] for node in sorted(pieces)}


def _link_counts(table: GraphTable) -> LinkCounts:
    by_kind = dict.fromkeys(LINK_KINDS, 0)
    by_status = dict.fromkeys(LINK_STATUSES, 0)
    by_property: Counter[str] = Counter()
    for kind, number in table.link_kinds.items():
        if kind.startswith(PROPERTY_PREFIX):
            by_property[kind.removeprefix(PROPERTY_PREFIX)] += number
            kind = "property"
        by_kind[kind] += number
    for status, number in table.link_statuses.items():
        by_status[status] += number
    return LinkCounts(
        total=table.link_total,
        by_kind=by_kind,
        by_status=by_status,
        by_property=dict(sorted(by_property.items())),
    )


def _limit(items: Sequence[_T], top: int) -> tuple[_T, ...]:
    return tuple(items[:top] if top > 0 else items)


def compute_stats(vault: Vault, *, top: int = 10, seed: int = 0) -> VaultStats:
    """Measure the vault; ``top`` limits hubs, bridges and most wanted (0 = no limit)."""
    return table_stats(
        vault_table(vault), vault.root.as_posix(), len(vault.excluded), top=top, seed=seed
    )


def table_stats(
    table: GraphTable, vault: str, excluded: int, *, top: int = 10, seed: int = 0
) -> VaultStats:
    """:func:`compute_stats` from a vault's :class:`~wikigraph.graph.GraphTable`; ``vault``
    is the vault's name and ``excluded`` its number of excluded files."""
    notes = _notes_of(table)
    paths, titles = notes.paths, notes.titles
    size = len(paths)
    in_degree = np.bincount(notes.target, minlength=size)
    out_degree = np.bincount(notes.source, minlength=size)
    linked_in = in_degree.tolist()
    degree = (in_degree + out_degree).tolist()
    orphans = tuple(p for p, d in zip(paths, degree, strict=True) if d == 0)
    dead_ends = tuple(p for p, d in zip(paths, out_degree.tolist(), strict=True) if d == 0)
    unlinked = tuple(p for p, d in zip(paths, linked_in, strict=True) if d == 0)

    ids, kinds = table.ids, table.kinds
    all_in = np.bincount(table.target, minlength=table.size).tolist()
    all_links_in = np.bincount(table.target, weights=table.count, minlength=table.size).tolist()
    attachment_nodes = np.flatnonzero(kinds == NODE_KINDS.index(ATTACHMENT)).tolist()
    unused = tuple(sorted(ids[i] for i in attachment_nodes if all_in[i] == 0))

    neighbours: list[list[int]] = [[] for _ in range(size)]
    for u, v in _pairs(notes):
        neighbours[u].append(v)
        neighbours[v].append(u)
    component_sizes = tuple(sorted(_component_sizes(neighbours), reverse=True))

    ranks = _pagerank(size, notes.source, notes.target, notes.count.astype(np.float64))
    scores = [round(score, SCORE_DIGITS) for score in ranks.tolist()]
    links_in = np.bincount(notes.target, weights=notes.count, minlength=size).tolist()
    hubs = [
        Hub(paths[i], titles[i], linked_in[i], int(links_in[i]), scores[i]) for i in range(size)
    ]
    by_links = sorted(
        (hub for hub in hubs if hub.notes > 0),
        key=lambda hub: (-hub.notes, -hub.links, hub.path),
    )
    by_pagerank = sorted(hubs, key=lambda hub: (-hub.pagerank, hub.path))

    bridges = []
    for index, sizes in _cut_pieces(neighbours).items():
        bridges.append(Bridge(paths[index], titles[index], sum(sizes) - max(sizes), len(sizes)))
    bridges.sort(key=lambda b: (-b.cut_off, -b.pieces, b.path))

    communities = tuple(
        Community(
            id=number,
            size=len(group),
            label=titles[min(group, key=lambda i: (-scores[i], paths[i]))],
            members=tuple(paths[i] for i in group),
        )
        for number, group in enumerate(_communities(notes, seed))
    )

    unresolved_nodes = np.flatnonzero(kinds == NODE_KINDS.index(UNRESOLVED)).tolist()
    into = np.isin(table.target, unresolved_nodes)
    sources_of: dict[int, list[str]] = {}
    for source, target in zip(
        table.source[into].tolist(), table.target[into].tolist(), strict=True
    ):
        sources_of.setdefault(target, []).append(ids[source])
    wanted = []
    for node in unresolved_nodes:
        sources = tuple(sorted(sources_of.get(node, ())))
        wanted.append(
            WantedTarget(
                ids[node],
                table.titles[node],
                table.reasons.get(node, "missing"),
                len(sources),
                int(all_links_in[node]),
                sources,
            )
        )
    wanted.sort(key=lambda w: (-w.notes, -w.links, w.target.casefold(), w.node))

    tag_nodes = np.flatnonzero(kinds == NODE_KINDS.index(TAG)).tolist()
    tags = sorted(
        (TagCount(table.titles[node].removeprefix("#"), all_in[node]) for node in tag_nodes),
        key=lambda t: (-t.notes, t.tag.casefold(), t.tag),
    )

    counts = Counts(
        notes=size,
        attachments=len(attachment_nodes),
        excluded=excluded,
        links=_link_counts(table),
        tags=len(tags),
        unresolved_targets=len(wanted),
        orphans=len(orphans),
        dead_ends=len(dead_ends),
        unlinked=len(unlinked),
        unused_attachments=len(unused),
        components=len(component_sizes),
        communities=len(communities),
        bridges=len(bridges),
    )
    return VaultStats(
        vault=vault,
        top=top,
        counts=counts,
        orphans=orphans,
        dead_ends=dead_ends,
        unlinked=unlinked,
        unused_attachments=unused,
        component_sizes=component_sizes,
        hubs_by_links=_limit(by_links, top),
        hubs_by_pagerank=_limit(by_pagerank, top),
        bridges=_limit(bridges, top),
        communities=communities,
        most_wanted=_limit(wanted, top),
        tags=tuple(tags),
    )


def _pairs(notes: _Notes) -> Iterator[tuple[int, int]]:
    """Each pair of linked notes once, whatever the direction of its links, in sorted order."""
    size = max(len(notes.paths), 1)
    low = np.minimum(notes.source, notes.target)
    high = np.maximum(notes.source, notes.target)
    keys = np.unique(low * size + high)
    yield from zip((keys // size).tolist(), (keys % size).tolist(), strict=True)


def _component_sizes(neighbours: Sequence[Sequence[int]]) -> list[int]:
    """The size of every connected component."""
    seen = bytearray(len(neighbours))
    sizes = []
    for start in range(len(neighbours)):
        if seen[start]:
            continue
        seen[start] = 1
        pending = [start]
        count = 0
        while pending:
            node = pending.pop()
            count += 1
            for other in neighbours[node]:
                if not seen[other]:
                    seen[other] = 1
                    pending.append(other)
        sizes.append(count)
    return sizes


STATS_CACHE_FILE = "stats.json"
STATS_CACHE_VERSION = 1


def stats_key(table: GraphTable, vault: str, excluded: int, *, top: int, seed: int) -> str:
    """A digest of everything :func:`table_stats` reads: equal keys, equal statistics."""
    from wikigraph import __version__

    digest = blake2b(digest_size=20)
    header = [STATS_CACHE_VERSION, SCHEMA_VERSION, __version__, vault, excluded, top, seed]
    header += [table.notes, table.link_total, sorted(table.link_kinds.items())]
    header += [sorted(table.link_statuses.items()), sorted(table.reasons.items())]
    digest.update(json.dumps(header, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    for texts in (table.ids, table.titles):
        digest.update("\0".join(texts).encode("utf-8", "surrogatepass"))
        digest.update(b"\1")
    for column in (table.kinds, table.source, table.target, table.count):
        digest.update(np.ascontiguousarray(column).tobytes())
        digest.update(b"\1")
    return digest.hexdigest()


def cached_stats(
    table: GraphTable,
    vault: str,
    excluded: int,
    cache_dir: Path | None,
    *,
    top: int = 10,
    seed: int = 0,
) -> dict[str, object]:
    """``table_stats(...).to_dict()``, read from ``cache_dir`` when it holds them for the
    same graph (see :func:`stats_key`), else computed and stored there."""
    key = stats_key(table, vault, excluded, top=top, seed=seed)
    path = cache_dir / STATS_CACHE_FILE if cache_dir is not None else None
    if path is not None:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            document = None
        if isinstance(document, dict) and document.get("key") == key:
            found = document.get("stats")
            if isinstance(found, dict):
                return found
    stats = table_stats(table, vault, excluded, top=top, seed=seed).to_dict()
    if path is not None:
        data = json.dumps({"key": key, "stats": stats}, ensure_ascii=False, separators=(",", ":"))
        with contextlib.suppress(OSError):
            write_atomic(path, data.encode("utf-8", "surrogatepass"))
    return stats


# ----------------------------------------------------------------------------- text output

MAX_CELL = 60
"""Widest a table cell is drawn on a terminal; longer text ends with an ellipsis."""


def _width(text: str) -> int:
    """Terminal columns taken by ``text`` (wide East Asian characters take two)."""
    return sum(
        0
        if unicodedata.combining(ch)
        else 2
        if unicodedata.east_asian_width(ch) in ("W", "F")
        else 1
        for ch in text
    )


def _cell(value: object) -> str:
    text = str(value)
    if not text.isprintable():
        text = "".join(
            ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text
        )
    if _width(text) <= MAX_CELL:
        return text
    while _width(text) > MAX_CELL - 1:
        text = text[:-1]
    return text + "…"


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]], numeric: set[int]) -> str:
    """Rows under a header, columns aligned (numbers right, text left), two-space indent."""
    cells = [[_cell(h) for h in headers], *([_cell(v) for v in row] for row in rows)]
    widths = [max(_width(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for row in cells:
        parts = []
        for i, text in enumerate(row):
            pad = " " * (widths[i] - _width(text))
            parts.append(pad + text if i in numeric else text + pad)
        lines.append(("  " + "  ".join(parts)).rstrip())
    return "\n".join(lines)


def _paths(title: str, items: Sequence[str], top: int, style: bool) -> list[str]:
    shown = items[:top] if top > 0 else items
    more = f", first {len(shown)}" if len(shown) < len(items) else ""
    lines = [_heading(f"{title} ({len(items)}{more})", style)]
    lines += [f"  {_cell(item)}" for item in shown] or ["  none"]
    return lines


def _heading(text: str, style: bool) -> str:
    return f"\x1b[1m{text}\x1b[0m" if style else text


def stats_text(stats: VaultStats, *, style: bool = False) -> str:
    """The stats as aligned plain-text tables; ``style`` adds bold headings (ANSI)."""
    c = stats.counts
    links = c.links
    top = stats.top
    out: list[str] = []

    def section(title: str, body: str) -> None:
        out.extend(["", _heading(title, style), body])

    out.append(
        _heading(f"Vault {_cell(stats.vault)}", style)
        + f": {c.notes} notes, {c.attachments} attachments, {links.total} links, {c.tags} tags"
    )
    status = links.by_status
    section(
        "Counts",
        _table(
            ("what", "count"),
            [
                ("notes", c.notes),
                ("attachments", c.attachments),
                ("excluded files", c.excluded),
                ("links", links.total),
                ("  resolved", status["resolved"]),
                ("  unresolved", status["unresolved"]),
                ("  external", status["external"]),
                ("unresolved targets", c.unresolved_targets),
                ("tags", c.tags),
            ],
            {1},
        ),
    )
    kind_rows: list[tuple[str, int]] = []
    for kind, number in links.by_kind.items():
        kind_rows.append((kind, number))
        if kind == "property":
            kind_rows += [(f"  {key}", n) for key, n in links.by_property.items()]
    section("Links by kind", _table(("kind", "links"), kind_rows, {1}))
    largest = stats.component_sizes[0] if stats.component_sizes else 0
    section(
        "Structure (notes and the links between them)",
        _table(
            ("what", "notes"),
            [
                ("orphans: no links in or out", c.orphans),
                ("dead ends: no outgoing links", c.dead_ends),
                ("unlinked: nothing links to them", c.unlinked),
                ("components", c.components),
                ("  largest component", largest),
                ("communities", c.communities),
                ("bridge notes", c.bridges),
                ("unused attachments", c.unused_attachments),
            ],
            {1},
        ),
    )
    hub_rows = [(h.path, h.notes, h.links, f"{h.pagerank:.6f}") for h in stats.hubs_by_links]
    section(
        "Hubs by incoming links",
        _table(("note", "from notes", "links", "pagerank"), hub_rows, {1, 2, 3})
        if hub_rows
        else "  none",
    )
    rank_rows = [(h.path, f"{h.pagerank:.6f}", h.notes) for h in stats.hubs_by_pagerank]
    section(
        "Hubs by PageRank",
        _table(("note", "pagerank", "from notes"), rank_rows, {1, 2}) if rank_rows else "  none",
    )
    bridge_rows = [(b.path, b.cut_off, b.pieces) for b in stats.bridges]
    section(
        "Bridge notes (removing one splits its component)",
        _table(("note", "cuts off", "pieces"), bridge_rows, {1, 2}) if bridge_rows else "  none",
    )
    shown = stats.communities[:top] if top > 0 else stats.communities
    community_rows = [
        (
            community.id,
            community.size,
            community.label,
            ", ".join(community.members[:3]) + (", …" if community.size > 3 else ""),
        )
        for community in shown
    ]
    more = f", first {len(shown)}" if len(shown) < len(stats.communities) else ""
    section(
        f"Communities ({len(stats.communities)}{more}; Louvain)",
        _table(("id", "notes", "label", "members"), community_rows, {0, 1})
        if community_rows
        else "  none",
    )
    wanted_rows = [(w.target, w.reason, w.notes, w.links) for w in stats.most_wanted]
    section(
        "Most wanted (unresolved targets)",
        _table(("target", "reason", "notes", "links"), wanted_rows, {2, 3})
        if wanted_rows
        else "  none",
    )
    tags = stats.tags[:top] if top > 0 else stats.tags
    more = f", first {len(tags)}" if len(tags) < len(stats.tags) else ""
    section(
        f"Tags ({len(stats.tags)}{more})",
        _table(("tag", "notes"), [("#" + t.tag, t.notes) for t in tags], {1}) if tags else "  none",
    )
    for title, items in (
        ("Orphans", stats.orphans),
        ("Dead ends", stats.dead_ends),
        ("Unlinked notes", stats.unlinked),
        ("Unused attachments", stats.unused_attachments),
    ):
        out.append("")
        out.extend(_paths(title, items, top, style))
    return "\n".join(out) + "\n"
