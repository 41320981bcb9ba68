"""The graph as vis-network draws it, modelled with pyvis.

:func:`vis_network` makes a :class:`pyvis.network.Network` of the page's nodes and edges
and sets its physics and interaction through pyvis's own options; :func:`node_columns`,
:func:`edge_columns` and :func:`network_options` read the model back as the page sends it:
only the allowlisted fields, one list per field. pyvis's HTML template is never used (see
:mod:`wikigraph.render` for why).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from pyvis.network import Network

NODE_FIELDS = ("id", "label", "shape", "size", "x", "y", "color")
"""The only node fields sent to vis-network (the page adds a plain-text tooltip)."""
EDGE_FIELDS = ("id", "from", "to", "width")
"""The only edge fields sent to vis-network."""

STABILIZATION_ITERATIONS = 200


class _NodeIds(list[int]):
    """pyvis's list of node ids, answering ``in`` from a set.

    pyvis asks whether an id is in this list for every node and both ends of every edge
    it adds; on a plain list that is a scan of all nodes each time.
    """

    def __init__(self) -> None:
        super().__init__()
        self._members: set[int] = set()

    def append(self, item: int) -> None:
        super().append(item)
        self._members.add(item)

    def __contains__(self, item: object) -> bool:
        return item in self._members


def vis_network(
    labels: Sequence[str],
    sizes: Sequence[float],
    colors: Sequence[str],
    edges: Iterable[tuple[int, int, float | None]],
    *,
    physics: bool,
    large: bool,
) -> Network:
    """The model: node ``i`` has ``labels[i]``, ``sizes[i]`` and ``colors[i]``; each edge is
    ``(from, to, width)``, with None for the default width."""
    network = Network(directed=True)
    network.node_ids = _NodeIds()
    for i, (label, size, color) in enumerate(zip(labels, sizes, colors, strict=True)):
        network.add_node(i, label=label, shape="dot", color=color, size=size)
    for source, target, width in edges:
        if width is None:
            network.add_edge(source, target)
        else:
            network.add_edge(source, target, width=width)
    network.force_atlas_2based(
        gravity=-110,
        central_gravity=0.012,
        spring_length=110,
        spring_strength=0.08,
        damping=0.5,
        overlap=0,
    )
    network.toggle_physics(physics)
    network.toggle_stabilization(physics)
    network.options.physics.stabilization.iterations = STABILIZATION_ITERATIONS
    network.toggle_hide_edges_on_drag(large)
    network.options.interaction.hideEdgesOnZoom = large
    network.options.interaction.hover = True
    network.options.edges.smooth.enabled = False
    network.options.edges.color.inherit = False
    return network


def _merged(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        current = merged.get(key)
        if isinstance(current, dict) and isinstance(value, Mapping):
            merged[key] = _merged(current, value)
        else:
            merged[key] = value
    return merged


def network_options(network: Network, *, large: bool, arrows: bool) -> dict[str, Any]:
    """vis-network's options: the model's, with what pyvis has no setting for."""
    options: dict[str, Any] = json.loads(network.options.to_json())
    return _merged(
        options,
        {
            "autoResize": True,
            "layout": {"improvedLayout": False, "randomSeed": 0},
            "nodes": {
                "shape": "dot",
                "borderWidth": 1,
                "borderWidthSelected": 3,
                "font": {
                    "size": 13,
                    "face": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
                    "strokeWidth": 3,
                },
                "scaling": {"label": {"enabled": False, "drawThreshold": 9 if large else 6}},
            },
            "edges": {
                "width": 0.8,
                "selectionWidth": 1.2,
                "hoverWidth": 0.8,
                "arrows": {"to": {"enabled": arrows, "scaleFactor": 0.45}},
                "color": {"opacity": 0.55},
            },
            "physics": {"maxVelocity": 60, "minVelocity": 0.8, "timestep": 0.5},
            "interaction": {
                "hoverConnectedEdges": True,
                "tooltipDelay": 350,
                "multiselect": False,
                "navigationButtons": False,
                "keyboard": False,
            },
        },
    )


def column(values: Sequence[object] | npt.NDArray[Any]) -> object:
    """A field of every item: its values, or ``{"all": value}`` when all are the same.

    Items as one list per field are smaller to send and faster to read than objects.
    """
    if isinstance(values, np.ndarray):
        if len(values) and bool((values == values[0]).all()):
            return {"all": values[0].item()}
        return values
    first = values[0]
    if all(type(v) is type(first) and v == first for v in values):
        return {"all": first}
    return list(values)


def _columns(
    items: Sequence[Mapping[str, Any]], fields: Sequence[str], ids: bool = False
) -> dict[str, object]:
    """Allowlisted fields of ``items`` as columns: every item's value, or, for a field
    only some items have, ``{"some": {index: value}}``. With ``ids``, each item's ``id``
    is its number."""
    count = len(items)
    columns: dict[str, object] = {"length": count}
    if not count:
        return columns
    for name in fields:
        if ids and name == "id":
            columns[name] = list(range(count))
            continue
        values = [item.get(name) for item in items]
        missing = values.count(None)
        if not missing:
            columns[name] = column(values)
        elif missing < count:
            columns[name] = {
                "some": {str(i): value for i, value in enumerate(values) if value is not None}
            }
    return columns


def node_columns(network: Network) -> dict[str, object]:
    """The model's nodes as the page sends them (positions are added by the build)."""
    return _columns(network.nodes, NODE_FIELDS)


def edge_columns(network: Network) -> dict[str, object]:
    """The model's edges, numbered in the order they were added."""
    return _columns(network.edges, EDGE_FIELDS, ids=True)
