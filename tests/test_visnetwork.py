"""The pyvis model of the page's graph, and how it is read back as columns."""

from __future__ import annotations

from pyvis.network import Network

from wikigraph.visnetwork import (
    EDGE_FIELDS,
    NODE_FIELDS,
    edge_columns,
    network_options,
    node_columns,
    vis_network,
)


def _model(*, physics: bool = True, large: bool = False) -> Network:
    return vis_network(
        ["Alpha", "Beta", "Gamma"],
        [5.0, 7.5, 5.0],
        ["#111111", "#222222", "#111111"],
        [(0, 1, None), (1, 2, 2.2), (0, 1, None)],
        physics=physics,
        large=large,
    )


def test_model_is_a_pyvis_network_with_every_node_and_edge() -> None:
    network = _model()
    assert isinstance(network, Network)
    assert network.get_nodes() == [0, 1, 2]
    assert 2 in network.get_nodes() and 3 not in network.get_nodes()
    assert network.node_map[1]["label"] == "Beta"
    assert [(e["from"], e["to"]) for e in network.edges] == [(0, 1), (1, 2), (0, 1)]
    assert network.edges[1]["width"] == 2.2 and "width" not in network.edges[0]


def test_columns_keep_only_allowlisted_fields() -> None:
    network = _model()
    nodes = node_columns(network)
    assert nodes == {
        "length": 3,
        "id": [0, 1, 2],
        "label": ["Alpha", "Beta", "Gamma"],
        "shape": {"all": "dot"},
        "size": [5.0, 7.5, 5.0],
        "color": ["#111111", "#222222", "#111111"],
    }
    assert set(nodes) - {"length"} <= set(NODE_FIELDS)
    edges = edge_columns(network)
    assert edges == {
        "length": 3,
        "id": [0, 1, 2],
        "from": [0, 1, 0],
        "to": [1, 2, 1],
        "width": {"some": {"1": 2.2}},
    }
    assert "arrows" in network.edges[0]  # pyvis's own field, never sent
    assert set(edges) - {"length"} <= set(EDGE_FIELDS)


def test_empty_model() -> None:
    network = vis_network([], [], [], [], physics=False, large=False)
    assert node_columns(network) == {"length": 0}
    assert edge_columns(network) == {"length": 0}


def test_options_come_from_the_model() -> None:
    small = network_options(_model(physics=True, large=False), large=False, arrows=True)
    physics = small["physics"]
    assert physics["enabled"] is True and physics["solver"] == "forceAtlas2Based"
    assert physics["forceAtlas2Based"]["gravitationalConstant"] == -110
    assert physics["stabilization"]["enabled"] is True
    assert physics["stabilization"]["iterations"] == 200
    assert small["interaction"]["hideEdgesOnDrag"] is False
    assert small["edges"]["smooth"]["enabled"] is False
    assert small["edges"]["color"] == {"inherit": False, "opacity": 0.55}
    assert small["edges"]["arrows"]["to"]["enabled"] is True
    assert small["configure"] == {"enabled": False}

    large = network_options(_model(physics=False, large=True), large=True, arrows=False)
    assert large["physics"]["enabled"] is False
    assert large["physics"]["stabilization"]["enabled"] is False
    assert large["interaction"]["hideEdgesOnDrag"] is True
    assert large["interaction"]["hideEdgesOnZoom"] is True
    assert large["nodes"]["scaling"]["label"]["drawThreshold"] == 9
    assert large["edges"]["arrows"]["to"]["enabled"] is False
