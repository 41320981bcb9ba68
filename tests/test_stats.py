"""`wikigraph stats`: exact numbers on a small vault, the documented JSON, the text tables."""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO, VAULTS, corpus
from wikigraph.cli import main
from wikigraph.config import Settings
from wikigraph.stats import (
    articulation_pieces,
    compute_stats,
    louvain,
    note_communities,
    pagerank,
    stats_text,
)
from wikigraph.vault import load_vault

BASIC = VAULTS / "stats-basic"
DOCS = REPO / "docs" / "stats.md"


def stats_of(path: Path, **options: Any) -> dict[str, Any]:
    return compute_stats(load_vault(path, settings=Settings()), **options).to_dict()


def run_stats(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["stats", *args])
    out, err = capsys.readouterr()
    return code, out, err


def doc_block(info: str) -> Any:
    """The first fenced block of docs/stats.md whose info string is ``info``, parsed."""
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(rf"^```{re.escape(info)}\n(.*?)^```$", text, re.MULTILINE | re.DOTALL)
    assert match, f"no ```{info} block in {DOCS.name}"
    return json.loads(match.group(1))


@pytest.fixture(scope="module")
def schema() -> Any:
    document = doc_block("json schema")
    jsonschema.Draft202012Validator.check_schema(document)
    return document


@pytest.fixture(scope="module")
def basic() -> dict[str, Any]:
    return stats_of(BASIC)


def test_stats__counts(basic: dict[str, Any]) -> None:
    assert basic["counts"] == {
        "notes": 8,
        "attachments": 2,
        "excluded": 0,
        "links": {
            "total": 17,
            "by_kind": {"link": 13, "embed": 1, "markdown": 2, "markdown-embed": 0, "property": 1},
            "by_status": {"resolved": 11, "unresolved": 5, "external": 1},
            "by_property": {"up": 1},
        },
        "tags": 2,
        "unresolved_targets": 3,
        "orphans": 1,
        "dead_ends": 3,
        "unlinked": 3,
        "unused_attachments": 1,
        "components": 3,
        "communities": 4,
        "bridges": 2,
    }


def test_stats__note_lists(basic: dict[str, Any]) -> None:
    # Lonely.md shares #topic with others and links to a missing note: still an orphan.
    assert basic["orphans"] == ["Lonely.md"]
    assert basic["dead_ends"] == ["C.md", "E.md", "Lonely.md"]
    assert basic["unlinked"] == ["D.md", "Lonely.md", "sub/F.md"]
    assert basic["unused_attachments"] == ["unused.pdf"]
    assert basic["components"] == {"count": 3, "sizes": [5, 2, 1]}


def test_stats__hubs(basic: dict[str, Any]) -> None:
    by_links = [(h["path"], h["notes"], h["links"]) for h in basic["hubs"]["by_links"]]
    # A.md links to Hub.md twice (property and body): one note, two links.
    assert by_links == [
        ("Hub.md", 3, 4), ("B.md", 2, 2), ("A.md", 1, 1), ("C.md", 1, 1), ("E.md", 1, 1),
    ]  # fmt: skip
    ranks = basic["hubs"]["by_pagerank"]
    assert [h["path"] for h in ranks] == [
        "Hub.md", "B.md", "A.md", "C.md", "E.md", "D.md", "Lonely.md", "sub/F.md",
    ]  # fmt: skip
    assert ranks[5]["pagerank"] == ranks[6]["pagerank"] == ranks[7]["pagerank"], "ties by path"
    assert sum(h["pagerank"] for h in ranks) == pytest.approx(1.0, abs=1e-5)


def test_stats__bridges(basic: dict[str, Any]) -> None:
    # B.md alone leads to C.md; Hub.md alone leads to sub/F.md; D-E is a single edge.
    assert basic["bridges"] == [
        {"path": "B.md", "title": "B", "cut_off": 1, "pieces": 2},
        {"path": "Hub.md", "title": "Hub", "cut_off": 1, "pieces": 2},
    ]


def test_stats__communities(basic: dict[str, Any]) -> None:
    communities = basic["communities"]
    assert [c["id"] for c in communities] == [0, 1, 2, 3]
    sizes = [c["size"] for c in communities]
    assert sizes == sorted(sizes, reverse=True)
    members = [m for c in communities for m in c["members"]]
    assert sorted(members) == sorted(basic["hubs"]["by_pagerank"][i]["path"] for i in range(8))
    groups = {tuple(c["members"]) for c in communities}
    assert ("D.md", "E.md") in groups, "a separate pair is its own community"
    assert ("Lonely.md",) in groups
    assert communities[0]["label"] == "Hub"


def test_stats__most_wanted(basic: dict[str, Any]) -> None:
    assert basic["most_wanted"] == [
        {
            "node": "unresolved:missing",
            "target": "Missing",
            "reason": "missing",
            "notes": 3,
            "links": 3,
            "sources": ["A.md", "B.md", "sub/F.md"],
        },
        {
            "node": "unresolved:gwm",
            "target": "GWM",
            "reason": "alias",
            "notes": 1,
            "links": 1,
            "sources": ["sub/F.md"],
        },
        {
            "node": "unresolved:nowhere",
            "target": "Nowhere",
            "reason": "missing",
            "notes": 1,
            "links": 1,
            "sources": ["Lonely.md"],
        },
    ]


def test_stats__tags(basic: dict[str, Any]) -> None:
    assert basic["tags"] == [{"tag": "topic", "notes": 3}, {"tag": "Other", "notes": 1}]


def test_stats__top_limits_rankings_only() -> None:
    limited = stats_of(BASIC, top=1)
    assert limited["top"] == 1
    assert len(limited["hubs"]["by_links"]) == 1
    assert len(limited["hubs"]["by_pagerank"]) == 1
    assert len(limited["bridges"]) == 1
    assert len(limited["most_wanted"]) == 1
    assert limited["counts"]["bridges"] == 2, "counts stay complete"
    assert limited["dead_ends"] == ["C.md", "E.md", "Lonely.md"], "JSON lists stay complete"
    assert len(limited["communities"]) == 4
    everything = stats_of(BASIC, top=0)
    assert len(everything["hubs"]["by_pagerank"]) == 8


def test_stats__note_communities_match_stats(basic: dict[str, Any]) -> None:
    graph = load_vault(BASIC, settings=Settings()).graph
    colours = note_communities(graph)
    expected = {m: c["id"] for c in basic["communities"] for m in c["members"]}
    assert colours == expected
    assert note_communities(graph, seed=0) == colours


def test_stats__json_matches_documented_schema(
    schema: Any, basic: dict[str, Any], tmp_path: Path
) -> None:
    jsonschema.validate(basic, schema)
    jsonschema.validate(stats_of(BASIC, top=0), schema)
    jsonschema.validate(stats_of(tmp_path), schema)  # an empty vault
    assert list(basic) == list(schema["required"]), "keys come in the documented order"


def test_stats__documented_example_is_real_output(basic: dict[str, Any]) -> None:
    example = doc_block("json")
    assert list(example) == list(basic)
    for key in ("counts", "orphans", "dead_ends", "unlinked", "unused_attachments", "tags"):
        assert example[key] == basic[key], key
    for key in ("bridges", "communities", "most_wanted"):
        assert example[key][0] == basic[key][0], key
    assert example["hubs"]["by_links"][0] == basic["hubs"]["by_links"][0]


@pytest.mark.parametrize("name", ["quartz-docs", "kepano-obsidian"])
def test_stats__real_vaults(name: str, schema: Any) -> None:
    document = stats_of(corpus(name), top=0)
    jsonschema.validate(document, schema)
    counts = document["counts"]
    assert counts["links"]["total"] == sum(counts["links"]["by_kind"].values())
    assert counts["links"]["total"] == sum(counts["links"]["by_status"].values())
    assert sum(document["components"]["sizes"]) == counts["notes"]
    assert sum(c["size"] for c in document["communities"]) == counts["notes"]
    assert set(document["orphans"]) <= set(document["dead_ends"]) & set(document["unlinked"])
    wanted_links = sum(w["links"] for w in document["most_wanted"])
    assert wanted_links <= counts["links"]["by_status"]["unresolved"]


def test_stats__quartz_docs_facts() -> None:
    document = stats_of(corpus("quartz-docs"))
    # The corpus README: 9 links do not resolve in Obsidian's semantics.
    assert document["counts"]["links"]["by_status"]["unresolved"] == 9
    assert document["hubs"]["by_links"][0]["path"] == "configuration.md"
    reasons = {w["target"]: w["reason"] for w in document["most_wanted"]}
    assert reasons["quartz layout.png"] == "missing"
    assert reasons["advanced/"] == "folder"


def test_stats__kepano_property_links() -> None:
    document = stats_of(corpus("kepano-obsidian"))
    links = document["counts"]["links"]
    assert links["by_status"]["unresolved"] == 62
    assert links["by_kind"]["property"] > links["by_kind"]["link"], "links live in properties"
    assert links["by_property"]["categories"] > 0


def test_stats__empty_vault(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = stats_of(tmp_path)
    assert document["counts"]["notes"] == 0
    assert document["components"] == {"count": 0, "sizes": []}
    assert document["communities"] == [] and document["hubs"]["by_pagerank"] == []
    code, out, _ = run_stats([str(tmp_path)], capsys)
    assert code == 0
    assert "0 notes" in out and "none" in out


# ---------------------------------------------------------------------------- command line


def test_stats_cli__text_golden(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], golden: Any
) -> None:
    monkeypatch.chdir(VAULTS)
    monkeypatch.delenv("NO_COLOR", raising=False)
    code, out, err = run_stats(["stats-basic"], capsys)
    assert code == 0 and err == ""
    assert "\x1b[" not in out, "no colour when standard output is not a terminal"
    golden("stats-basic.stats.txt", out)


def test_stats_cli__json_golden(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], golden: Any
) -> None:
    monkeypatch.chdir(VAULTS)
    code, out, _ = run_stats(["stats-basic", "--format", "json", "--top", "0"], capsys)
    assert code == 0
    assert json.loads(out)["vault"] == "stats-basic"
    golden("stats-basic.stats.json", out)


def test_stats_cli__text_reads_at_a_glance(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_stats([str(BASIC), "--top", "2"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].endswith(": 8 notes, 2 attachments, 17 links, 2 tags")
    for heading in (
        "Counts",
        "Links by kind",
        "Hubs by incoming links",
        "Hubs by PageRank",
        "Bridge notes (removing one splits its component)",
        "Communities (4, first 2; Louvain)",
        "Most wanted (unresolved targets)",
        "Tags (2)",
        "Orphans (1)",
        "Dead ends (3, first 2)",
    ):
        assert heading in lines, heading
    hubs = lines[lines.index("Hubs by incoming links") + 1 :][:3]
    assert hubs[0].split() == ["note", "from", "notes", "links", "pagerank"]
    assert hubs[1].split()[:3] == ["Hub.md", "3", "4"]
    assert hubs[2].split()[:3] == ["B.md", "2", "2"]
    # columns line up: the numbers end in the same column
    assert len(hubs[1]) == len(hubs[2])


def test_stats_cli__colour_only_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    _, out, _ = run_stats([str(BASIC)], capsys)
    assert "\x1b[1mCounts\x1b[0m" in out
    monkeypatch.setenv("NO_COLOR", "1")
    _, out, _ = run_stats([str(BASIC)], capsys)
    assert "\x1b[" not in out


def test_stats_cli__output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out" / "stats.json"
    code, out, _ = run_stats([str(BASIC), "--format", "json", "-o", str(target)], capsys)
    assert code == 0 and out == ""
    assert json.loads(target.read_text(encoding="utf-8"))["counts"]["notes"] == 8


@pytest.mark.parametrize("top", ["-1", "ten"])
def test_stats_cli__bad_top(top: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["stats", str(BASIC), "--top", top])
    assert exit_info.value.code == 2
    assert "--top" in capsys.readouterr().err


def test_stats_cli__missing_vault(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_stats([str(tmp_path / "nope")], capsys)
    assert code == 2 and out == ""
    assert err.startswith("wikigraph: error: ")


def test_stats_cli__odd_names_stay_on_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a\tb.md").write_text("[[漢字ノート]]", encoding="utf-8")
    (tmp_path / "漢字ノート.md").write_text("[[a\tb]]", encoding="utf-8")
    code, out, _ = run_stats([str(tmp_path), "--top", "0"], capsys)
    assert code == 0
    assert "a\\tb.md" in out and "\t" not in out
    hubs = out.split("Hubs by incoming links\n")[1].split("\n\n")[0].splitlines()
    # a wide name takes two columns per character, and the counts still line up
    assert hubs[1].index("1") + 1 == hubs[0].index("notes") + len("notes")


def test_stats__same_output_in_every_process(tmp_path: Path) -> None:
    """Louvain and every sort must not depend on Python's per-process string hashing."""
    outputs = set()
    for seed in ("1", "2", "3"):
        result = subprocess.run(
            [sys.executable, "-m", "wikigraph", "stats", str(BASIC), "--format", "json"],
            capture_output=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1


# ---------------------------------------------------------------------------- the algorithms

edges = st.lists(st.tuples(st.integers(0, 14), st.integers(0, 14)), max_size=40)


@given(edges)
@settings(max_examples=150, deadline=None)
def test_articulation_pieces__match_removing_the_node(pairs: list[tuple[int, int]]) -> None:
    graph: nx.Graph[int] = nx.Graph()
    graph.add_nodes_from(range(15))
    graph.add_edges_from((u, v) for u, v in pairs if u != v)
    found = articulation_pieces(graph)
    assert set(found) == set(nx.articulation_points(graph))
    for node, sizes in found.items():
        component = nx.node_connected_component(graph, node)
        rest = graph.subgraph(component - {node})
        expected = sorted(len(c) for c in nx.connected_components(rest))
        assert sorted(sizes) == expected


@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9), st.integers(1, 3)), max_size=30))
@settings(max_examples=100, deadline=None)
def test_pagerank__is_the_fixed_point(triples: list[tuple[int, int, int]]) -> None:
    graph: nx.DiGraph[str] = nx.DiGraph()
    graph.add_nodes_from(str(i) for i in range(10))
    for u, v, count in triples:
        if u != v:
            graph.add_edge(str(u), str(v), count=count)
    ranks = pagerank(graph)
    assert sum(ranks.values()) == pytest.approx(1.0)
    out = {n: sum(c for _, _, c in graph.out_edges(n, data="count")) for n in graph}
    dangling = sum(ranks[n] for n in graph if out[n] == 0)
    for node in graph:
        incoming = sum(ranks[u] * c / out[u] for u, _, c in graph.in_edges(node, data="count"))
        expected = 0.15 / 10 + 0.85 * (incoming + dangling / 10)
        assert ranks[node] == pytest.approx(expected, abs=1e-9)


def test_pagerank__empty_graph() -> None:
    assert pagerank(nx.DiGraph()) == {}


weighted = st.lists(
    st.tuples(st.integers(0, 24), st.integers(0, 24), st.integers(1, 4)), max_size=80
)


def _weighted_graph(size: int, pairs: list[tuple[int, int, int]]) -> nx.Graph[int]:
    """Nodes 0..size-1; the weights of repeated pairs add up, as louvain() adds them."""
    graph: nx.Graph[int] = nx.Graph()
    graph.add_nodes_from(range(size))
    for u, v, w in pairs:
        if graph.has_edge(u, v):
            graph.edges[u, v]["weight"] += w
        else:
            graph.add_edge(u, v, weight=w)
    return graph


@given(weighted, st.integers(0, 3))
@settings(max_examples=300, deadline=None)
def test_louvain__gives_exactly_what_networkx_gives(
    triples: list[tuple[int, int, int]], seed: int
) -> None:
    pairs = sorted((u, v, w) for u, v, w in triples if u != v)
    graph = _weighted_graph(25, pairs)
    expected = nx.community.louvain_communities(graph, weight="weight", seed=seed)
    found = louvain(25, pairs, seed=seed)
    assert sorted(found) == sorted(sorted(group) for group in expected)


def test_louvain__on_a_generated_vault_matches_networkx() -> None:
    """Hundreds of nodes and several levels: every move must be the one networkx makes."""
    rng = random.Random(7)
    triples = []
    for u in range(600):
        for _ in range(rng.choice((0, 1, 2, 3, 8))):
            v = int(rng.paretovariate(1.2)) % 600 if rng.random() < 0.5 else rng.randrange(600)
            if u != v:
                triples.append((u, v, rng.randint(1, 3)))
    pairs = sorted(triples)
    graph = _weighted_graph(600, pairs)
    for seed in (0, 1):
        expected = nx.community.louvain_communities(graph, weight="weight", seed=seed)
        assert sorted(louvain(600, pairs, seed=seed)) == sorted(sorted(g) for g in expected)


@pytest.mark.slow
def test_stats__ten_thousand_notes(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "generate_vault", REPO / "benchmarks" / "generate_vault.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    module.generate_vault(tmp_path / "vault", 10_000, 5, truth=tmp_path / "truth.json")
    vault = load_vault(tmp_path / "vault", settings=Settings())
    stats = compute_stats(vault)
    document = stats.to_dict()
    assert document["counts"]["notes"] == 10_000
    assert sum(document["components"]["sizes"]) == 10_000
    assert sum(c["size"] for c in document["communities"]) == 10_000
    assert len(document["hubs"]["by_pagerank"]) == 10
    assert stats_text(stats).count("\n") > 50
