"""The typed graph: node kinds and attributes, edge kinds and counts, plain values."""

from __future__ import annotations

import doctest
import json
from pathlib import Path

import networkx as nx
import pytest

from conftest import REPO, VAULTS
from wikigraph.config import Settings
from wikigraph.graph import (
    ATTACHMENT,
    NODE_KINDS,
    NOTE,
    TAG,
    UNRESOLVED,
    nodes_of_kind,
    note_graph,
)
from wikigraph.vault import load_vault

BASIC = VAULTS / "stats-basic"


@pytest.fixture(scope="module")
def graph() -> nx.DiGraph[str]:
    return load_vault(BASIC, settings=Settings()).graph


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_graph__nodes_by_kind(graph: nx.DiGraph[str]) -> None:
    assert nodes_of_kind(graph, NOTE) == [
        "A.md", "B.md", "C.md", "D.md", "E.md", "Hub.md", "Lonely.md", "sub/F.md",
    ]  # fmt: skip
    assert nodes_of_kind(graph, ATTACHMENT) == ["pic.png", "unused.pdf"]
    assert sorted(nodes_of_kind(graph, UNRESOLVED)) == [
        "unresolved:gwm",
        "unresolved:missing",
        "unresolved:nowhere",
    ]
    assert sorted(nodes_of_kind(graph, TAG)) == ["tag:other", "tag:topic"]
    assert {data["kind"] for _, data in graph.nodes(data=True)} == set(NODE_KINDS)


def test_graph__note_attributes(graph: nx.DiGraph[str]) -> None:
    assert graph.nodes["A.md"] == {
        "kind": "note",
        "title": "A",
        "folder": "",
        "tags": ["topic", "Other"],
        "path": "A.md",
        "aliases": [],
        "properties": {"up": "[[Hub]]", "tags": ["topic", "Other"]},
    }
    assert graph.nodes["Hub.md"]["aliases"] == ["GWM"]
    assert graph.nodes["sub/F.md"]["folder"] == "sub"


def test_graph__other_node_attributes(graph: nx.DiGraph[str]) -> None:
    assert graph.nodes["pic.png"] == {
        "kind": "attachment",
        "title": "pic.png",
        "folder": "",
        "tags": [],
        "path": "pic.png",
    }
    # Merged case-insensitively; titled as first written (A.md comes first).
    assert graph.nodes["unresolved:missing"] == {
        "kind": "unresolved",
        "title": "Missing",
        "folder": "",
        "tags": [],
        "reason": "missing",
    }
    assert graph.nodes["unresolved:gwm"]["reason"] == "alias"
    assert graph.nodes["tag:other"] == {"kind": "tag", "title": "#Other", "folder": "", "tags": []}


def test_graph__edges_count_links_by_kind(graph: nx.DiGraph[str]) -> None:
    assert graph.edges["A.md", "Hub.md"] == {"count": 2, "kinds": {"property:up": 1, "link": 1}}
    assert graph.edges["Hub.md", "pic.png"] == {"count": 1, "kinds": {"embed": 1}}
    assert graph.edges["B.md", "C.md"] == {"count": 1, "kinds": {"markdown": 1}}
    assert graph.edges["sub/F.md", "unresolved:missing"] == {"count": 1, "kinds": {"link": 1}}
    assert graph.edges["A.md", "tag:topic"] == {"count": 1, "kinds": {"tag": 1}}
    assert not graph.has_edge("A.md", "A.md"), "a link of a note to itself is no edge"
    # 11 resolved links, one of them to itself; A→Hub holds two.
    link_edges = [
        (u, v) for u, v, d in graph.edges(data=True) if graph.nodes[v]["kind"] in (NOTE, ATTACHMENT)
    ]
    assert sum(graph.edges[e]["count"] for e in link_edges) == 10


def test_graph__tags_never_connect_notes(graph: nx.DiGraph[str]) -> None:
    notes = note_graph(graph)
    assert set(notes) == set(nodes_of_kind(graph, NOTE))
    assert all(notes.nodes[n]["kind"] == NOTE for n in notes)
    # Hub, A and Lonely share #topic but Lonely has no link to a note.
    assert notes.degree("Lonely.md") == 0
    assert sorted(notes.edges) == [
        ("A.md", "B.md"), ("A.md", "Hub.md"), ("B.md", "C.md"), ("B.md", "Hub.md"),
        ("D.md", "E.md"), ("Hub.md", "A.md"), ("Hub.md", "B.md"), ("sub/F.md", "Hub.md"),
    ]  # fmt: skip


def test_graph__attributes_are_plain_values(graph: nx.DiGraph[str]) -> None:
    for _, data in graph.nodes(data=True):
        assert json.loads(json.dumps(data)) == data
    for _, _, data in graph.edges(data=True):
        assert json.loads(json.dumps(data)) == data


def test_graph__owns_its_properties(tmp_path: Path) -> None:
    vault = load_vault(write(tmp_path, {"N.md": "---\nlist: [1, 2]\n---\n"}), settings=Settings())
    vault.graph.nodes["N.md"]["properties"]["list"].append(3)
    assert vault.note_by_path["N.md"].properties["list"] == [1, 2]


def test_graph__excluded_files_are_not_nodes(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {"A.md": "[[T]] [[B]]", "B.md": "[[A]]", "templates/T.md": "[[A]]", "x.png": "x"},
    )
    graph = load_vault(root, settings=Settings(exclude=("templates/",))).graph
    assert "templates/T.md" not in graph
    assert sorted(graph.successors("A.md")) == ["B.md"], "a link to an excluded note is no edge"
    assert graph.in_degree("A.md") == 1


def test_graph__virtual_nodes_never_take_a_file_id(tmp_path: Path) -> None:
    # Obsidian cannot create such names, but other tools can.
    root = write(tmp_path, {"A.md": "#idea [[missing]]", "tag:idea": "", "unresolved:missing": ""})
    graph = load_vault(root, settings=Settings()).graph
    assert graph.nodes["tag:idea"]["kind"] == ATTACHMENT
    assert graph.nodes["tag:idea~"]["kind"] == TAG
    assert graph.nodes["unresolved:missing~"]["kind"] == UNRESOLVED
    assert graph.has_edge("A.md", "tag:idea~")
    assert graph.in_degree("tag:idea") == 0


def test_graph__same_vault_same_graph() -> None:
    first = load_vault(BASIC, settings=Settings()).graph
    second = load_vault(BASIC, settings=Settings()).graph
    assert list(first.nodes(data=True)) == list(second.nodes(data=True))
    assert list(first.edges(data=True)) == list(second.edges(data=True))


def test_python_api_doc__session_runs_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    """The notebook session in docs/python-api.md is real output."""
    monkeypatch.chdir(REPO)
    result = doctest.testfile(
        str(REPO / "docs" / "python-api.md"),
        module_relative=False,
        optionflags=doctest.NORMALIZE_WHITESPACE,
        report=True,
    )
    assert result.attempted >= 25
    assert result.failed == 0
