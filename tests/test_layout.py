"""The layout: deterministic positions, a cache that keeps the picture when one note changes."""

from __future__ import annotations

import json
import math
from pathlib import Path

import networkx as nx
import pytest

from wikigraph.layout import (
    CACHE_FILE,
    CACHE_VERSION,
    EDGE_LENGTH,
    Layout,
    compute_layout,
    graph_layout,
    place_around,
    read_cached_layout,
    write_cached_layout,
)


def _ring(count: int) -> tuple[list[str], list[tuple[str, str, float]]]:
    nodes = [f"n{i:03}.md" for i in range(count)]
    edges = [(nodes[i], nodes[(i + 1) % count], 1.0) for i in range(count)]
    edges += [(nodes[0], nodes[i], 1.0) for i in range(2, count, 7)]
    return nodes, edges


def _distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def test_compute_layout__places_every_node_deterministically() -> None:
    nodes, edges = _ring(60)
    first = compute_layout(nodes, edges)
    second = compute_layout(list(reversed(nodes)), list(reversed(edges)))
    assert first.positions == second.positions
    assert set(first.positions) == set(nodes)
    assert all(math.isfinite(v) for xy in first.positions.values() for v in xy)
    assert first.iterations > 0 and first.reused == 0
    # Linked nodes end up closer than the average pair.
    linked = sum(_distance(first.positions[a], first.positions[b]) for a, b, _ in edges)
    pairs = [(a, b) for a in nodes[:20] for b in nodes[20:40]]
    spread = sum(_distance(first.positions[a], first.positions[b]) for a, b in pairs)
    assert linked / len(edges) < spread / len(pairs)


def test_compute_layout__edges_have_the_set_length() -> None:
    nodes, edges = _ring(40)
    layout = compute_layout(nodes, edges)
    lengths = sorted(_distance(layout.positions[a], layout.positions[b]) for a, b, _ in edges)
    assert lengths[len(lengths) // 2] == pytest.approx(EDGE_LENGTH, rel=0.05)


def test_compute_layout__reuses_a_complete_cache_unchanged() -> None:
    nodes, edges = _ring(30)
    first = compute_layout(nodes, edges)
    again = compute_layout(nodes, edges, previous=first)
    assert again.positions == first.positions
    assert again.iterations == 0 and again.reused == 30


def test_compute_layout__new_note_lands_near_its_neighbour_and_others_stay() -> None:
    nodes, edges = _ring(50)
    first = compute_layout(nodes, edges)
    grown = compute_layout([*nodes, "new.md"], [*edges, ("new.md", nodes[10], 1.0)], previous=first)
    for node in nodes:
        assert grown.positions[node] == first.positions[node]
    assert grown.reused == 50
    near = _distance(grown.positions["new.md"], grown.positions[nodes[10]])
    assert near < 3 * EDGE_LENGTH


def test_compute_layout__many_new_nodes_lay_out_again() -> None:
    nodes, edges = _ring(20)
    old = compute_layout(nodes[:5], [e for e in edges if e[0] in nodes[:5] and e[1] in nodes[:5]])
    fresh = compute_layout(nodes, edges, previous=old)
    assert fresh.reused == 0


def test_compute_layout__empty_and_single() -> None:
    assert compute_layout([], []).positions == {}
    assert set(compute_layout(["a"], []).positions) == {"a"}
    two = compute_layout(["a", "b"], [("a", "b", 1.0), ("a", "a", 1.0), ("a", "zz", 1.0)])
    assert set(two.positions) == {"a", "b"}


def test_place_around__puts_a_tag_near_its_notes() -> None:
    placed = place_around({"a": (0.0, 0.0), "b": (100.0, 0.0)}, {"tag:x": ["a", "b"], "tag:y": []})
    assert _distance(placed["tag:x"], (50.0, 0.0)) <= EDGE_LENGTH
    assert set(placed) == {"tag:x", "tag:y"}


def test_cache__round_trip_and_bad_files(tmp_path: Path) -> None:
    nodes, edges = _ring(10)
    layout = compute_layout(nodes, edges)
    assert write_cached_layout(tmp_path, layout) is True
    cached = read_cached_layout(tmp_path)
    assert cached is not None
    assert cached.positions == dict(layout.positions) and cached.scale == layout.scale
    assert read_cached_layout(None) is None
    assert write_cached_layout(None, layout) is False
    (tmp_path / CACHE_FILE).write_text("{not json", encoding="utf-8")
    assert read_cached_layout(tmp_path) is None
    positions = {"a": [1, 2], "b": ["x", 1], "c": [1e400, 1]}
    document = {"version": CACHE_VERSION, "scale": 3.0, "positions": positions}
    (tmp_path / CACHE_FILE).write_text(json.dumps(document), encoding="utf-8")
    assert read_cached_layout(tmp_path) == Layout(positions={"a": (1.0, 2.0)}, scale=3.0)
    for bad in ({**document, "version": 99}, {**document, "scale": 0}, {**document, "scale": "x"}):
        (tmp_path / CACHE_FILE).write_text(json.dumps(bad), encoding="utf-8")
        assert read_cached_layout(tmp_path) is None


def test_graph_layout__tags_stay_out_of_the_forces_and_the_cache(tmp_path: Path) -> None:
    graph: nx.DiGraph[str] = nx.DiGraph()
    for name in ("a.md", "b.md", "c.md"):
        graph.add_node(name, kind="note")
    graph.add_node("tag:t", kind="tag")
    graph.add_edge("a.md", "b.md")
    graph.add_edge("b.md", "c.md")
    graph.add_edge("a.md", "tag:t")
    graph.add_edge("c.md", "tag:t")
    first = graph_layout(graph, tmp_path)
    assert set(first.positions) == {"a.md", "b.md", "c.md", "tag:t"}
    cached = read_cached_layout(tmp_path)
    assert cached is not None and set(cached.positions) == {"a.md", "b.md", "c.md"}
    second = graph_layout(graph, tmp_path)
    assert second.positions == first.positions
    assert second.iterations == 0
