"""`wikigraph export`: every format reads back with the same graph, and the XML is valid."""

from __future__ import annotations

import csv
import datetime
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from conftest import VAULTS, corpus
from wikigraph.cli import main
from wikigraph.config import Settings
from wikigraph.export import (
    FORMATS,
    JSON_EDGE_ATTRIBUTES,
    JSON_NODE_ATTRIBUTES,
    ExportError,
    export_graph,
    graph_bytes,
    read_graph,
    xml_text,
)
from wikigraph.vault import load_vault

BASIC = VAULTS / "stats-basic"
SUFFIXES = [".graphml", ".gexf", ".json", ".csv"]
GRAPHML = "{http://graphml.graphdrawing.org/xmlns}"
GEXF = "{http://www.gexf.net/1.2draft}"

ODD_NAMES = [
    "bell \x07",
    "tab\tname",
    "carriage\rreturn",
    "quote \"&<>'",
    "rtl \u202e",
    "emoji 🚀",
    "漢字",
    "nonchar \ufffe",
    "zero\u200bwidth",
    "nfd e\u0301",
    "]]> cdata",
]


def basic_graph() -> nx.DiGraph[str]:
    return load_vault(BASIC, settings=Settings()).graph


def odd_vault(root: Path) -> Path:
    """Notes with names XML cannot hold as they are, linked in a ring, with odd properties."""
    root.mkdir()
    for i, name in enumerate(ODD_NAMES):
        following = ODD_NAMES[(i + 1) % len(ODD_NAMES)]
        text = f'---\nnote: "x\\x01y\\uFFFEz"\nlist: [1, "two"]\n---\n[[{following}]] #t{i}\n'
        (root / f"{name}.md").write_text(text, encoding="utf-8")
    (root / "ctrl\x01.png").write_bytes(b"png")
    return root


def as_lists(graph: nx.DiGraph[str]) -> tuple[list[Any], list[Any]]:
    nodes = sorted(graph.nodes(data=True), key=lambda item: item[0])
    edges = sorted(graph.edges(data=True), key=lambda item: (item[0], item[1]))
    return nodes, edges


def xml_expected(graph: nx.DiGraph[str]) -> nx.DiGraph[str]:
    """The graph as the XML formats give it back: plain strings with XML's escapes."""

    def clean(data: dict[str, Any], json_keys: tuple[str, ...]) -> dict[str, Any]:
        return {
            k: xml_text(v) if isinstance(v, str) and k not in json_keys else v
            for k, v in data.items()
        }

    expected: nx.DiGraph[str] = nx.DiGraph()
    for node, data in graph.nodes(data=True):
        expected.add_node(xml_text(node), **clean(data, JSON_NODE_ATTRIBUTES))
    for u, v, data in graph.edges(data=True):
        expected.add_edge(xml_text(u), xml_text(v), **clean(data, JSON_EDGE_ATTRIBUTES))
    return expected


# ------------------------------------------------------------------- structural XML checks

GRAPHML_TYPES = {
    "boolean": lambda v: v in ("true", "false"),
    "int": int,
    "long": int,
    "float": float,
    "double": float,
    "string": str,
}


def check_graphml(data: bytes) -> None:
    """Check a GraphML file against the structure of the graphdrawing.org schema."""
    root = ET.fromstring(data)  # well-formed XML 1.0, legal characters only
    assert root.tag == f"{GRAPHML}graphml"
    keys: dict[str, tuple[str, str]] = {}
    children = list(root)
    for child in children:
        assert child.tag in (f"{GRAPHML}key", f"{GRAPHML}graph", f"{GRAPHML}desc"), child.tag
    order = [c.tag for c in children]
    assert order.index(f"{GRAPHML}graph") > max(
        (i for i, t in enumerate(order) if t == f"{GRAPHML}key"), default=-1
    ), "keys come before the graph"
    for key in root.iter(f"{GRAPHML}key"):
        assert set(key.attrib) <= {"id", "for", "attr.name", "attr.type"}
        assert key.get("for") in ("all", "graphml", "graph", "node", "edge")
        assert key.get("attr.type") in GRAPHML_TYPES
        assert key.get("id") not in keys, "key ids are unique"
        keys[key.get("id", "")] = (key.get("for", ""), key.get("attr.type", ""))
    graphs = root.findall(f"{GRAPHML}graph")
    assert len(graphs) == 1
    graph = graphs[0]
    assert graph.get("edgedefault") in ("directed", "undirected")
    nodes: set[str] = set()
    for element in graph:
        assert element.tag in (f"{GRAPHML}node", f"{GRAPHML}edge", f"{GRAPHML}data")
        if element.tag == f"{GRAPHML}node":
            node_id = element.get("id")
            assert node_id is not None and node_id not in nodes
            nodes.add(node_id)
    for element in graph:
        if element.tag == f"{GRAPHML}edge":
            assert element.get("source") in nodes and element.get("target") in nodes
    for element in graph:
        kind = element.tag.removeprefix(GRAPHML)
        for data_element in element:
            assert data_element.tag == f"{GRAPHML}data"
            assert len(data_element) == 0
            key_for, key_type = keys[data_element.get("key", "")]
            assert key_for in (kind, "all")
            GRAPHML_TYPES[key_type](data_element.text or "")


GEXF_TYPES = {
    "integer": int,
    "long": int,
    "float": float,
    "double": float,
    "boolean": lambda v: v in ("true", "false"),
    "string": str,
}


def check_gexf(data: bytes) -> None:
    """Check a GEXF file against the structure of the GEXF 1.2 schema as networkx writes it."""
    root = ET.fromstring(data)
    assert root.tag == f"{GEXF}gexf" and root.get("version") == "1.2"
    assert [c.tag for c in root] == [f"{GEXF}meta", f"{GEXF}graph"]
    meta = root.find(f"{GEXF}meta")
    assert meta is not None
    if "lastmodifieddate" in meta.attrib:
        datetime.date.fromisoformat(meta.attrib["lastmodifieddate"])
    for child in meta:
        assert child.tag in (f"{GEXF}creator", f"{GEXF}keywords", f"{GEXF}description")
    graph = root.find(f"{GEXF}graph")
    assert graph is not None
    assert graph.get("defaultedgetype") in ("directed", "undirected", "mutual")
    assert graph.get("mode") in ("static", "dynamic")
    tags = [c.tag for c in graph]
    assert tags[-2:] == [f"{GEXF}nodes", f"{GEXF}edges"]
    assert set(tags[:-2]) <= {f"{GEXF}attributes"}
    declared: dict[tuple[str, str], str] = {}
    for attributes in graph.findall(f"{GEXF}attributes"):
        assert attributes.get("class") in ("node", "edge")
        for attribute in attributes:
            assert attribute.tag == f"{GEXF}attribute"
            assert attribute.get("type") in GEXF_TYPES and attribute.get("title")
            key = (attributes.get("class", ""), attribute.get("id", ""))
            assert key not in declared
            declared[key] = attribute.get("type", "")

    def check_values(element: ET.Element, cls: str) -> None:
        for child in element:
            assert child.tag == f"{GEXF}attvalues"
            for value in child:
                assert value.tag == f"{GEXF}attvalue"
                GEXF_TYPES[declared[(cls, value.get("for", ""))]](value.get("value", ""))

    nodes: set[str] = set()
    for node in graph.find(f"{GEXF}nodes") or []:
        assert node.tag == f"{GEXF}node"
        node_id = node.get("id")
        assert node_id is not None and node_id not in nodes and node.get("label") is not None
        nodes.add(node_id)
        check_values(node, "node")
    edge_ids: set[str] = set()
    for edge in graph.find(f"{GEXF}edges") or []:
        assert edge.tag == f"{GEXF}edge"
        assert edge.get("source") in nodes and edge.get("target") in nodes
        edge_id = edge.get("id")
        assert edge_id is not None and edge_id not in edge_ids
        edge_ids.add(edge_id)
        if "weight" in edge.attrib:
            float(edge.attrib["weight"])
        check_values(edge, "edge")


# ------------------------------------------------------------------------------ round trips


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_export__reads_back_the_same_graph(suffix: str, tmp_path: Path) -> None:
    graph = basic_graph()
    path = tmp_path / f"vault{suffix}"
    export_graph(graph, path)
    back = read_graph(path)
    if suffix == ".csv":
        assert as_lists(back)[1] == as_lists(graph)[1]
        assert set(back) == {n for e in graph.edges for n in e}
    else:
        assert as_lists(back) == as_lists(graph)
        assert list(back) == list(graph), "node order is kept"


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_export__odd_names(suffix: str, tmp_path: Path) -> None:
    graph = load_vault(odd_vault(tmp_path / "vault"), settings=Settings()).graph
    assert "ctrl\x01.png" in graph and "nonchar \ufffe.md" in graph
    path = tmp_path / f"odd{suffix}"
    export_graph(graph, path)
    data = path.read_bytes()
    data.decode("utf-8")
    back = read_graph(path)
    if suffix == ".graphml":
        check_graphml(data)
    elif suffix == ".gexf":
        check_gexf(data)
    if suffix in (".graphml", ".gexf"):
        assert as_lists(back) == as_lists(xml_expected(graph))
        assert "bell \\x07.md" in back and "nonchar \\ufffe.md" in back
        assert back.nodes["漢字.md"]["properties"] == {"note": "x\x01y\ufffez", "list": [1, "two"]}
    elif suffix == ".json":
        assert as_lists(back) == as_lists(graph)
    else:
        assert as_lists(back)[1] == as_lists(graph)[1]


def test_export__networkx_readers_see_the_documented_attributes(tmp_path: Path) -> None:
    graph = basic_graph()
    for suffix in (".graphml", ".gexf"):
        path = tmp_path / f"vault{suffix}"
        export_graph(graph, path)
        raw = nx.read_graphml(path) if suffix == ".graphml" else nx.read_gexf(path)
        assert set(raw) == set(graph)
        assert raw.nodes["A.md"]["label"] == "A"
        assert json.loads(raw.nodes["A.md"]["tags"]) == ["topic", "Other"]
        assert json.loads(raw.nodes["A.md"]["properties"]) == {
            "up": "[[Hub]]",
            "tags": ["topic", "Other"],
        }
        edge = raw.edges["A.md", "Hub.md"]
        assert edge["count"] == 2 and isinstance(edge["count"], int)
        assert json.loads(edge["kinds"]) == {"property:up": 1, "link": 1}
    path = tmp_path / "vault.json"
    export_graph(graph, path)
    document = json.loads(path.read_text(encoding="utf-8"))
    assert list(document) == ["directed", "multigraph", "graph", "nodes", "edges"]
    raw = nx.node_link_graph(document, edges="edges")
    assert raw.nodes["A.md"]["tags"] == ["topic", "Other"]


@pytest.mark.parametrize("suffix", [".graphml", ".gexf"])
def test_export__xml_is_valid(suffix: str) -> None:
    data = graph_bytes(basic_graph(), suffix)
    (check_graphml if suffix == ".graphml" else check_gexf)(data)


@pytest.mark.parametrize("name", ["quartz-docs", "kepano-obsidian"])
def test_export__real_vaults(name: str, tmp_path: Path) -> None:
    graph = load_vault(corpus(name), settings=Settings()).graph
    for suffix in SUFFIXES:
        path = tmp_path / f"vault{suffix}"
        export_graph(graph, path)
        if suffix == ".graphml":
            check_graphml(path.read_bytes())
        if suffix == ".gexf":
            check_gexf(path.read_bytes())
        back = read_graph(path)
        expected = as_lists(graph)
        assert as_lists(back)[1] == expected[1], suffix
        if suffix != ".csv":
            assert as_lists(back)[0] == expected[0], suffix


def test_export__csv_layout(tmp_path: Path) -> None:
    graph = load_vault(odd_vault(tmp_path / "vault"), settings=Settings()).graph
    text = graph_bytes(graph, ".csv").decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == ["source", "target", "count", "kinds"]
    assert len(rows) == graph.number_of_edges() + 1
    assert ["carriage\rreturn.md", "quote \"&<>'.md", "1", '{"link": 1}'] in rows
    assert text.endswith("\r\n")


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_export__same_graph_same_bytes(suffix: str) -> None:
    assert graph_bytes(basic_graph(), suffix) == graph_bytes(basic_graph(), suffix)


def test_export__gexf_has_no_date() -> None:
    meta = ET.fromstring(graph_bytes(basic_graph(), ".gexf")).find(f"{GEXF}meta")
    assert meta is not None and "lastmodifieddate" not in meta.attrib
    creator = meta.find(f"{GEXF}creator")
    assert creator is not None and (creator.text or "").startswith("wikigraph ")


def test_export__escaped_names_must_stay_distinct(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    root.mkdir()
    (root / "a\x01.md").write_text("", encoding="utf-8")
    (root / "a\\x01.md").write_text("", encoding="utf-8")
    graph = load_vault(root, settings=Settings()).graph
    with pytest.raises(ExportError, match="become the same name"):
        graph_bytes(graph, ".graphml")
    assert set(json.loads(graph_bytes(graph, ".json"))["nodes"][0]) >= {"id", "kind"}


def test_read_graph__bad_files(tmp_path: Path) -> None:
    bad = tmp_path / "bad.graphml"
    bad.write_text("<graphml", encoding="utf-8")
    with pytest.raises(ExportError, match="not a valid GraphML file"):
        read_graph(bad)
    with pytest.raises(ExportError, match="cannot read"):
        read_graph(tmp_path / "missing.json")
    with pytest.raises(ExportError, match="unknown format"):
        read_graph(tmp_path / "x.dot")


# ---------------------------------------------------------------------------- command line


def test_export_cli__writes_each_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for suffix in SUFFIXES:
        target = tmp_path / "deep" / "folder" / f"vault{suffix.upper()}"
        code = main(["export", str(BASIC), "-o", str(target)])
        _, err = capsys.readouterr()
        assert code == 0
        assert target.is_file()
        assert f'wrote "{target}"' in err
    assert sorted(p.name for p in (tmp_path / "deep" / "folder").iterdir()) == sorted(
        f"vault{s.upper()}" for s in SUFFIXES
    ), "no temporary files left behind"


def test_export_cli__replaces_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "vault.json"
    target.write_text("old", encoding="utf-8")
    assert main(["export", str(BASIC), "-o", str(target)]) == 0
    assert json.loads(target.read_text(encoding="utf-8"))["directed"] is True


def test_export_cli__unknown_suffix(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "graph.dot"
    # The suffix is checked before the vault is read: a missing vault is not the error.
    code = main(["export", str(tmp_path / "no-vault"), "-o", str(target)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err == (
        f'wikigraph: error: cannot export to "{target}": unknown format ".dot"'
        f" (use one of {', '.join(FORMATS)})\n"
    )
    assert not target.exists()
    code = main(["export", str(BASIC), "-o", str(tmp_path / "graph")])
    assert code == 2
    assert "no suffix" in capsys.readouterr().err


def test_export_cli__output_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["export", str(BASIC)])
    assert exit_info.value.code == 2
    assert "-o/--output" in capsys.readouterr().err


def test_export_cli__without_kinds(tmp_path: Path) -> None:
    target = tmp_path / "files.json"
    code = main(
        ["export", str(BASIC), "-o", str(target), "--without", "tag", "--without", "unresolved"]
    )
    assert code == 0
    back = read_graph(target)
    assert {d["kind"] for _, d in back.nodes(data=True)} == {"note", "attachment"}
    assert back.number_of_edges() == 9, "8 note links and one embed"


def test_export_cli__unwritable_target(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    code = main(["export", str(BASIC), "-o", str(blocker / "vault.json")])
    assert code == 2
    assert capsys.readouterr().err.startswith("wikigraph: error: ")


def test_xml_checks__catch_what_they_are_for() -> None:
    unsafe: nx.DiGraph[str] = nx.DiGraph()
    unsafe.add_edge("bell \x07", "b", count=1)
    buffer = io.BytesIO()
    nx.write_graphml_xml(unsafe, buffer)  # networkx alone writes a control character as is
    with pytest.raises(ET.ParseError):
        check_graphml(buffer.getvalue())
    good = graph_bytes(basic_graph(), ".gexf")
    with pytest.raises(AssertionError):
        check_gexf(good.replace(b'target="B.md"', b'target="nowhere.md"', 1))
    good = graph_bytes(basic_graph(), ".graphml")
    with pytest.raises(KeyError):
        check_graphml(good.replace(b'<data key="d0">', b'<data key="d99">', 1))
