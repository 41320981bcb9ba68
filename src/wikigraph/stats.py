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

import operator
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar, cast

import networkx as nx

from wikigraph.graph import (
    ATTACHMENT,
    PROPERTY_PREFIX,
    TAG,
    UNRESOLVED,
    edge_kind,
    nodes_of_kind,
    note_graph,
)
from wikigraph.model import LinkStatus
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
    count = len(nodes)
    if count == 0:
        return {}
    index = {node: i for i, node in enumerate(nodes)}
    out_weight = [0.0] * count
    for source, _, value in graph.edges(data=weight, default=1):
        out_weight[index[source]] += float(value)
    sources: list[list[int]] = [[] for _ in nodes]
    shares: list[list[float]] = [[] for _ in nodes]
    for source, target, value in graph.edges(data=weight, default=1):
        i, j = index[source], index[target]
        sources[j].append(i)
        shares[j].append(PAGERANK_ALPHA * float(value) / out_weight[i])
    dangling = [i for i in range(count) if out_weight[i] == 0.0]
    rank = [1.0 / count] * count
    for _ in range(PAGERANK_MAX_ITERATIONS):
        base = (1.0 - PAGERANK_ALPHA + PAGERANK_ALPHA * sum(rank[i] for i in dangling)) / count
        current = rank.__getitem__
        new = [
            base + sum(map(operator.mul, map(current, sources[j]), shares[j])) for j in range(count)
        ]
        change = sum(map(abs, map(operator.sub, new, rank)))
        rank = new
        if change < PAGERANK_TOLERANCE:
            break
    return dict(zip(nodes, rank, strict=True))


def _undirected(notes: nx.DiGraph[str]) -> nx.Graph[int]:
    """The note graph without direction, on integer ids in path order, weights summed.

    Integer ids keep Louvain independent of string hashing (which changes per process).
    """
    order = sorted(notes)
    index = {node: i for i, node in enumerate(order)}
    graph: nx.Graph[int] = nx.Graph()
    graph.add_nodes_from(range(len(order)))
    for source, target, count in sorted(
        (index[u], index[v], c) for u, v, c in notes.edges(data="count", default=1)
    ):
        if graph.has_edge(source, target):
            graph.edges[source, target]["weight"] += count
        else:
            graph.add_edge(source, target, weight=count)
    return graph


def _communities(
    notes: nx.DiGraph[str], seed: int, undirected: nx.Graph[int] | None = None
) -> list[list[str]]:
    """Louvain communities of the note graph, largest first, members sorted."""
    order = sorted(notes)
    if undirected is None:
        undirected = _undirected(notes)
    groups = nx.community.louvain_communities(undirected, weight="weight", seed=seed)
    members = [sorted(order[i] for i in group) for group in groups]
    return sorted(members, key=lambda group: (-len(group), group[0]))


def note_communities(graph: nx.DiGraph[str], *, seed: int = 0) -> dict[str, int]:
    """The community id of every note (0 = the largest community), for colouring."""
    groups = _communities(note_graph(graph), seed)
    return {path: number for number, group in enumerate(groups) for path in group}


def articulation_pieces(undirected: nx.Graph[int]) -> dict[int, list[int]]:
    """For every articulation point, the sizes of the pieces its removal leaves.

    Uses the block-cut tree: a node per biconnected block and per cut vertex. Each
    block counts its vertices that are not cut vertices, each cut vertex counts one;
    the pieces around a cut vertex are the subtrees hanging off it.
    """
    # The type stubs say lists of sets; networkx yields one set of nodes per block.
    found = cast("Iterable[set[int]]", nx.biconnected_components(undirected))
    blocks = [sorted(block) for block in found]
    membership: Counter[int] = Counter(vertex for block in blocks for vertex in block)
    cuts = sorted(vertex for vertex, times in membership.items() if times > 1)
    tree: nx.Graph[tuple[str, int]] = nx.Graph()
    for number, block in enumerate(blocks):
        own = sum(1 for vertex in block if membership[vertex] == 1)
        tree.add_node(("block", number), weight=own)
        for vertex in block:
            if membership[vertex] > 1:
                tree.add_node(("cut", vertex), weight=1)
                tree.add_edge(("block", number), ("cut", vertex))
    pieces: dict[int, list[int]] = {}
    for component in nx.connected_components(tree):
        root = min(component)
        parents = nx.dfs_predecessors(tree, root)
        below: dict[tuple[str, int], int] = {}
        for item in nx.dfs_postorder_nodes(tree, root):
            below[item] = tree.nodes[item]["weight"] + sum(
                below[child] for child in tree[item] if parents.get(child) == item
            )
        total = below[root]
        for item in component:
            if item[0] != "cut":
                continue
            sizes = [below[child] for child in tree[item] if parents.get(child) == item]
            if item != root:
                sizes.append(total - below[item])
            pieces[item[1]] = sizes
    return {cut: pieces[cut] for cut in cuts}


def _link_counts(vault: Vault) -> LinkCounts:
    by_kind = dict.fromkeys(LINK_KINDS, 0)
    by_status = dict.fromkeys(LINK_STATUSES, 0)
    by_property: Counter[str] = Counter()
    for resolved in vault.links:
        kind = edge_kind(resolved)
        if kind.startswith(PROPERTY_PREFIX):
            by_property[kind.removeprefix(PROPERTY_PREFIX)] += 1
            kind = "property"
        by_kind[kind] += 1
        by_status[resolved.status.value] += 1
    return LinkCounts(
        total=len(vault.links),
        by_kind=by_kind,
        by_status=by_status,
        by_property=dict(sorted(by_property.items())),
    )


def _limit(items: Sequence[_T], top: int) -> tuple[_T, ...]:
    return tuple(items[:top] if top > 0 else items)


def compute_stats(vault: Vault, *, top: int = 10, seed: int = 0) -> VaultStats:
    """Measure the vault; ``top`` limits hubs, bridges and most wanted (0 = no limit)."""
    graph = vault.graph
    notes = note_graph(graph)
    paths = sorted(notes)
    titles: dict[str, str] = {path: notes.nodes[path]["title"] for path in paths}

    orphans = tuple(p for p in paths if notes.degree(p) == 0)
    dead_ends = tuple(p for p in paths if notes.out_degree(p) == 0)
    unlinked = tuple(p for p in paths if notes.in_degree(p) == 0)
    attachments = nodes_of_kind(graph, ATTACHMENT)
    unused = tuple(sorted(a for a in attachments if graph.in_degree(a) == 0))
    component_sizes = tuple(
        sorted((len(c) for c in nx.weakly_connected_components(notes)), reverse=True)
    )

    scores = {path: round(score, SCORE_DIGITS) for path, score in pagerank(notes).items()}
    incoming = {p: int(notes.in_degree(p, weight="count")) for p in paths}
    hubs = {p: Hub(p, titles[p], int(notes.in_degree(p)), incoming[p], scores[p]) for p in paths}
    by_links = sorted(
        (hub for hub in hubs.values() if hub.notes > 0),
        key=lambda hub: (-hub.notes, -hub.links, hub.path),
    )
    by_pagerank = sorted(hubs.values(), key=lambda hub: (-hub.pagerank, hub.path))

    undirected = _undirected(notes)
    bridges = []
    for index, sizes in articulation_pieces(undirected).items():
        path = paths[index]
        bridges.append(Bridge(path, titles[path], sum(sizes) - max(sizes), len(sizes)))
    bridges.sort(key=lambda b: (-b.cut_off, -b.pieces, b.path))

    communities = tuple(
        Community(
            id=number,
            size=len(group),
            label=titles[min(group, key=lambda p: (-scores[p], p))],
            members=tuple(group),
        )
        for number, group in enumerate(_communities(notes, seed, undirected))
    )

    wanted = []
    for node in nodes_of_kind(graph, UNRESOLVED):
        data = graph.nodes[node]
        sources = tuple(sorted(graph.predecessors(node)))
        links = int(graph.in_degree(node, weight="count"))
        wanted.append(
            WantedTarget(
                node, data["title"], data.get("reason", "missing"), len(sources), links, sources
            )
        )
    wanted.sort(key=lambda w: (-w.notes, -w.links, w.target.casefold(), w.node))

    tags = sorted(
        (
            TagCount(graph.nodes[node]["title"].removeprefix("#"), graph.in_degree(node))
            for node in nodes_of_kind(graph, TAG)
        ),
        key=lambda t: (-t.notes, t.tag.casefold(), t.tag),
    )

    counts = Counts(
        notes=len(paths),
        attachments=len(attachments),
        excluded=len(vault.excluded),
        links=_link_counts(vault),
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
        vault=vault.root.as_posix(),
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
