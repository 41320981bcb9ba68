"""Place the nodes of the graph on a plane, fast enough for large vaults, and remember where.

Takes node ids and weighted edges (and, optionally, the positions of an earlier build);
returns a :class:`Layout` with an ``(x, y)`` per node. The force model is ForceAtlas2's
(linear attraction along edges, repulsion between every pair of nodes growing with their
degrees, gravity towards the centre). The all-pairs repulsion is computed on a grid with a
fast Fourier transform (particle-mesh), so one iteration costs O(nodes + edges + grid), and
10,000 notes lay out in well under a second with numpy.

Positions are cached per vault (:func:`read_cached_layout` / :func:`write_cached_layout`),
keyed by node id. When every node is known the old picture is reused as it is; new nodes are
placed next to their neighbours and only they move, so one edited note never reshuffles the
whole graph.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from wikigraph.digests import blake2b
from wikigraph.files import write_atomic
from wikigraph.graph import NODE_KINDS, TAG, GraphTable

if TYPE_CHECKING:
    import networkx as nx

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

CACHE_FILE = "layout.json"
CACHE_VERSION = 4
EDGE_LENGTH = 70.0
"""Median length of an edge in the final picture, in vis-network's units (pixels at zoom 1)."""
NODE_SPACING = 36.0
"""Room per node, in picture units: a dense vault is spread until nodes have this much."""
REPEL = 1.0
RADIUS = 3.0
"""Radius of the picture, in model units per square root of the node count.

A node at distance ``r`` from the rest of the graph feels ``REPEL * total_mass / r`` of
repulsion; gravity is set so that this balances at ``RADIUS * sqrt(count)``, which keeps
the density of the picture the same at any vault size.
"""
RELAYOUT_SHARE = 0.3
"""Lay everything out again when more than this share of the nodes is new."""


@dataclass(frozen=True, slots=True)
class Layout:
    """Where every node goes, and how the positions were found."""

    positions: Mapping[str, tuple[float, float]]
    """``(x, y)`` per node id, rounded to 0.1."""
    scale: float = 1.0
    """Picture units per unit of the force model: lets a later build extend this picture."""
    reused: int = 0
    """Nodes whose position came from the cache unchanged."""
    iterations: int = 0
    """Force iterations run (0 when the cached picture was reused as it is)."""


def _unit_hash(text: str, seed: int) -> tuple[float, float]:
    """Two numbers in [0, 1) that depend only on ``text`` and ``seed``: stable jitter."""
    digest = blake2b(f"{seed}:{text}".encode("utf-8", "surrogateescape"), digest_size=8)
    value = int.from_bytes(digest.digest(), "little")
    return (value & 0xFFFFFFFF) / 2**32, (value >> 32) / 2**32


def _grid_size(count: int) -> int:
    if count <= 300:
        return 32
    if count <= 3000:
        return 64
    return 128


def _kernel(size: int) -> npt.NDArray[np.complex128]:
    """The Fourier transform of the repulsion field of a unit mass, as ``Fx + i Fy``.

    The field of a mass at the origin is ``r / |r|²`` (ForceAtlas2's ``1 / distance``
    repulsion), softened within one cell; it is laid out on a grid twice the size so the
    convolution does not wrap around.
    """
    padded = 2 * size
    offsets = np.fft.fftfreq(padded, 1.0 / padded)
    dx, dy = np.meshgrid(offsets, offsets, indexing="ij")
    r2 = dx * dx + dy * dy + 0.5
    field = (dx + 1j * dy) / r2
    field[0, 0] = 0
    result: npt.NDArray[np.complex128] = np.fft.fft2(field)
    return result


class _ForceModel:
    """ForceAtlas2 on arrays: particle-mesh repulsion, linear attraction, gravity."""

    def __init__(self, count: int, source: IntArray, target: IntArray, weight: FloatArray) -> None:
        self.count = count
        self.source = source
        self.target = target
        self.weight = weight
        degree = np.bincount(source, minlength=count) + np.bincount(target, minlength=count)
        self.mass = degree.astype(np.float64) + 1.0
        self.size = _grid_size(count)
        self.kernel = _kernel(self.size)
        self.gravity = REPEL * float(self.mass.sum()) / (RADIUS * math.sqrt(count))

    def forces(self, pos: FloatArray) -> FloatArray:
        """The total force on every node at these positions."""
        size = self.size
        low = pos.min(axis=0)
        span = float((pos.max(axis=0) - low).max()) * 1.02 + 1e-9
        cell = span / (size - 1)
        grid = (pos - low) / cell
        corner = np.clip(np.floor(grid).astype(np.int64), 0, size - 2)
        frac = grid - corner
        fx, fy = frac[:, 0], frac[:, 1]
        weights = (
            (1 - fx) * (1 - fy),
            fx * (1 - fy),
            (1 - fx) * fy,
            fx * fy,
        )
        cells = (
            corner[:, 0] * size + corner[:, 1],
            (corner[:, 0] + 1) * size + corner[:, 1],
            corner[:, 0] * size + corner[:, 1] + 1,
            (corner[:, 0] + 1) * size + corner[:, 1] + 1,
        )
        density = np.zeros(size * size)
        for index, share in zip(cells, weights, strict=True):
            density += np.bincount(index, weights=share * self.mass, minlength=size * size)
        padded = np.zeros((2 * size, 2 * size))
        padded[:size, :size] = density.reshape(size, size)
        field = np.fft.ifft2(np.fft.fft2(padded) * self.kernel)[:size, :size].reshape(-1)
        at_node = sum(
            (field[index] * share for index, share in zip(cells, weights, strict=True)),
            start=np.zeros(self.count, dtype=np.complex128),
        )
        repulsion = REPEL * self.mass[:, None] * np.stack((at_node.real, at_node.imag), axis=1)
        repulsion /= cell
        # Attraction: linear in the distance along every edge, scaled by its weight (one
        # axis at a time: gathering from a column is several times faster than from rows).
        attraction = np.empty_like(pos)
        for axis in (0, 1):
            along = np.ascontiguousarray(pos[:, axis])
            delta = (along[self.target] - along[self.source]) * self.weight
            attraction[:, axis] = np.bincount(
                self.source, weights=delta, minlength=self.count
            ) - np.bincount(self.target, weights=delta, minlength=self.count)
        # Gravity: a pull of constant strength towards the centre, stronger for hubs.
        centre = pos - pos.mean(axis=0)
        distance = np.sqrt(centre[:, 0] * centre[:, 0] + centre[:, 1] * centre[:, 1]) + 1e-9
        gravity = -self.gravity * self.mass[:, None] * centre / distance[:, None]
        total: FloatArray = repulsion + attraction + gravity
        return total


def _run(
    model: _ForceModel,
    pos: FloatArray,
    movable: npt.NDArray[np.bool_],
    iterations: int,
    start_share: float = 0.1,
) -> FloatArray:
    """Move the movable nodes for ``iterations`` steps with a cooling step size."""
    scale = RADIUS * math.sqrt(model.count) + 1.0
    start, end = scale * start_share, scale * 0.002
    everything = bool(movable.all())
    for step in range(iterations):
        temperature = start * (end / start) ** (step / max(iterations - 1, 1))
        force = model.forces(pos)
        length = np.sqrt(force[:, 0] * force[:, 0] + force[:, 1] * force[:, 1]) + 1e-12
        move = force / length[:, None] * np.minimum(length, temperature)[:, None]
        if everything:
            pos += move
        else:
            pos[movable] += move[movable]
    return pos


def _iterations(count: int) -> int:
    if count <= 2000:
        return 300
    if count <= 8000:
        return 200
    if count <= 30000:
        return 140
    return 100


def _initial(
    ids: Sequence[str],
    neighbours: Sequence[Sequence[int]],
    known: Mapping[int, tuple[float, float]],
    seed: int,
    spread: float,
) -> FloatArray:
    """Known nodes where they were; new ones beside their placed neighbours, else at random."""
    pos = np.zeros((len(ids), 2))
    placed = np.zeros(len(ids), dtype=bool)
    for index, xy in known.items():
        pos[index] = xy
        placed[index] = True
    pending = [index for index in range(len(ids)) if not placed[index]]
    # Place in waves, so a chain of new notes grows out from the part already placed.
    while pending:
        later: list[int] = []
        progressed = False
        for index in pending:
            around = [n for n in neighbours[index] if placed[n]]
            u, v = _unit_hash(ids[index], seed)
            if around:
                angle = 2 * math.pi * u
                radius = 0.3 + 0.3 * v
                pos[index] = pos[around].mean(axis=0) + radius * np.array(
                    [math.cos(angle), math.sin(angle)]
                )
                placed[index] = True
                progressed = True
            else:
                later.append(index)
        if not progressed:
            for index in later:
                u, v = _unit_hash(ids[index], seed)
                angle = 2 * math.pi * u
                radius = spread * math.sqrt(v)
                pos[index] = (radius * math.cos(angle), radius * math.sin(angle))
                placed[index] = True
            later = []
        pending = later
    return pos


def _normalise(pos: FloatArray, source: IntArray, target: IntArray) -> tuple[FloatArray, float]:
    """Scale the picture to a readable size, centred on the origin.

    The median edge becomes :data:`EDGE_LENGTH` long, unless the nodes would then be
    crowded (dense vaults, where most links cross the picture): then the picture grows
    until each node has about :data:`NODE_SPACING` of room. Returns the positions and the
    factor applied.
    """
    pos = pos - pos.mean(axis=0)
    radius = np.sqrt((pos * pos).sum(axis=1))
    extent = float(np.percentile(radius, 90)) if len(pos) > 1 else 0.0
    if extent <= 1e-9:
        return pos * 0.0, 1.0
    # A disc holding every node with NODE_SPACING² of room each.
    crowded = NODE_SPACING * math.sqrt(len(pos) / math.pi) / extent
    if len(source):
        lengths = np.sqrt(((pos[source] - pos[target]) ** 2).sum(axis=1))
        median = float(np.median(lengths))
    else:
        median = 0.0
    factor = max(EDGE_LENGTH / median if median > 1e-9 else 0.0, crowded)
    scaled: FloatArray = pos * factor
    return scaled, factor


def compute_layout(
    nodes: Sequence[str],
    edges: Iterable[tuple[str, str, float]],
    *,
    previous: Layout | None = None,
    seed: int = 0,
) -> Layout:
    """Lay out ``nodes`` joined by weighted ``edges``, keeping the ``previous`` picture if given."""
    ids = sorted(nodes)
    index = {node: i for i, node in enumerate(ids)}
    pairs = [
        (index[a], index[b], float(w)) for a, b, w in edges if a in index and b in index and a != b
    ]
    pairs.sort()
    source = np.array([p[0] for p in pairs], dtype=np.int64)
    target = np.array([p[1] for p in pairs], dtype=np.int64)
    weight = np.array([p[2] for p in pairs], dtype=np.float64)
    return _layout(ids, source, target, weight, previous, seed)


def _layout(
    ids: Sequence[str],
    source: IntArray,
    target: IntArray,
    weight: FloatArray,
    previous: Layout | None,
    seed: int,
) -> Layout:
    """:func:`compute_layout` of sorted ``ids`` and edges sorted by (source, target)."""
    count = len(ids)
    if count == 0:
        return Layout(positions={})
    old = previous.positions if previous is not None else {}
    if previous is not None and all(node in old for node in ids):
        positions = {n: (round(old[n][0], 1), round(old[n][1], 1)) for n in ids}
        return Layout(positions=positions, scale=previous.scale, reused=count)
    known = {i: old[node] for i, node in enumerate(ids) if node in old}
    if previous is None or len(known) < (1 - RELAYOUT_SHARE) * count or previous.scale <= 0:
        known = {}
    neighbours: list[list[int]] = [[] for _ in ids]
    for a, b in zip(source.tolist(), target.tolist(), strict=True):
        neighbours[a].append(b)
        neighbours[b].append(a)
    model = _ForceModel(count, source, target, weight)
    movable = np.ones(count, dtype=bool)
    if known and previous is not None:
        # Extend the old picture in the model's units; only the new nodes move, gently.
        unit = previous.scale
        start = {i: (x / unit, y / unit) for i, (x, y) in known.items()}
        pos = _initial(ids, neighbours, start, seed, RADIUS * math.sqrt(count))
        movable[list(known)] = False
        iterations = 60
        pos = _run(model, pos, movable, iterations, start_share=0.02) * unit
        scale = unit
    else:
        pos = _initial(ids, neighbours, {}, seed, RADIUS * math.sqrt(count))
        iterations = _iterations(count)
        pos, scale = _normalise(_run(model, pos, movable, iterations), source, target)
    positions = {
        node: (round(float(pos[i, 0]), 1), round(float(pos[i, 1]), 1)) for i, node in enumerate(ids)
    }
    for i in known:
        positions[ids[i]] = (round(old[ids[i]][0], 1), round(old[ids[i]][1], 1))
    return Layout(positions=positions, scale=scale, reused=len(known), iterations=iterations)


def place_around(
    positions: Mapping[str, tuple[float, float]],
    members: Mapping[str, Sequence[str]],
    *,
    seed: int = 0,
) -> dict[str, tuple[float, float]]:
    """Positions for nodes kept out of the force model (tags): near the middle of their members."""
    placed: dict[str, tuple[float, float]] = {}
    for node in sorted(members):
        points = [positions[m] for m in members[node] if m in positions]
        u, v = _unit_hash(node, seed)
        angle = 2 * math.pi * u
        offset = EDGE_LENGTH * (0.4 + 0.4 * v)
        if points:
            x = sum(p[0] for p in points) / len(points)
            y = sum(p[1] for p in points) / len(points)
        else:
            x = y = 0.0
        placed[node] = (
            round(x + offset * math.cos(angle), 1),
            round(y + offset * math.sin(angle), 1),
        )
    return placed


def read_cached_layout(cache_dir: Path | None) -> Layout | None:
    """The picture saved by an earlier build; None when there is none or it is unusable."""
    if cache_dir is None:
        return None
    try:
        data = json.loads((cache_dir / CACHE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
        return None
    raw = data.get("positions")
    scale = data.get("scale")
    if not isinstance(raw, dict) or not isinstance(scale, int | float) or not _finite(scale):
        return None
    if scale <= 0:
        return None
    positions: dict[str, tuple[float, float]] = {}
    for node, xy in raw.items():
        if isinstance(xy, list) and len(xy) == 2 and all(_finite(v) for v in xy):
            positions[str(node)] = (float(xy[0]), float(xy[1]))
    return Layout(positions=positions, scale=float(scale))


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def write_cached_layout(cache_dir: Path | None, layout: Layout) -> bool:
    """Save the picture for the next build; return False when the cache cannot be written."""
    if cache_dir is None:
        return False
    document = {
        "version": CACHE_VERSION,
        "scale": layout.scale,
        "positions": {node: list(xy) for node, xy in sorted(layout.positions.items())},
    }
    data = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    try:
        write_atomic(cache_dir / CACHE_FILE, data)
    except OSError:
        return False
    return True


def graph_layout(graph: nx.DiGraph[str], cache_dir: Path | None = None, *, seed: int = 0) -> Layout:
    """Positions for every node of a vault graph, reusing and updating the cache in ``cache_dir``.

    Notes, attachments and unresolved targets are laid out by force along the links; tags
    stay out of the force model (a tag on every note would pull everything together) and
    are placed beside the notes that carry them.
    """
    from wikigraph.graph import graph_table_of

    return table_layout(graph_table_of(graph), cache_dir, seed=seed)


def table_layout(table: GraphTable, cache_dir: Path | None = None, *, seed: int = 0) -> Layout:
    """:func:`graph_layout` of the graph as a :class:`~wikigraph.graph.GraphTable`."""
    ids = table.ids
    tag = NODE_KINDS.index(TAG)
    is_tag = table.kinds == tag
    forced = np.flatnonzero(~is_tag).tolist()
    forced.sort(key=ids.__getitem__)
    number = np.full(table.size, -1, dtype=np.int64)
    number[forced] = np.arange(len(forced))
    keep = ~is_tag[table.source] & ~is_tag[table.target] & (table.source != table.target)
    source = number[table.source[keep]]
    target = number[table.target[keep]]
    order = np.lexsort((target, source))
    source, target = source[order], target[order]
    previous = read_cached_layout(cache_dir)
    layout = _layout([ids[i] for i in forced], source, target, np.ones(len(source)), previous, seed)
    stale = previous is not None and len(previous.positions) > 2 * len(forced) + 100
    if layout.iterations or stale:
        write_cached_layout(cache_dir, layout)
    positions = dict(layout.positions)
    into_tag = is_tag[table.target]
    members: dict[str, list[str]] = {ids[i]: [] for i in np.flatnonzero(is_tag).tolist()}
    member_of = table.source[into_tag]
    for member, node in sorted(
        zip(number[member_of].tolist(), table.target[into_tag].tolist(), strict=True)
    ):
        members[ids[node]].append(ids[forced[member]])
    positions.update(place_around(positions, members, seed=seed))
    return Layout(
        positions=positions, scale=layout.scale, reused=layout.reused, iterations=layout.iterations
    )
