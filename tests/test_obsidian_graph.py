"""Obsidian's graph settings: colour groups, their search queries, the display toggles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from wikigraph.obsidian_graph import (
    ColorGroup,
    FileFacts,
    QueryError,
    compile_query,
    match_groups,
    read_obsidian_graph,
)

NOTE = FileFacts(
    path="Projects/Big Plan.md",
    tags=("work/urgent", "idea"),
    properties={"status": "draft", "owners": ["Ann", "Bob"]},
    content=lambda: "The body mentions Zebra crossings.",
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("path:Projects", True),
        ("path:projects/big", True),
        ('path:"Big Plan"', True),
        ("path:Daily", False),
        ("file:plan", True),
        ("file:Projects", False),
        ("tag:#work", True),
        ("tag:work/urgent", True),
        ("tag:#wor", False),
        ("tag:#urgent", False),
        ("[status]", True),
        ("[status:draft]", True),
        ("[status:done]", False),
        ("[owners:bob]", True),
        ("[missing]", False),
        ("zebra", True),
        ("content:zebra", True),
        ("plan", True),
        ("giraffe", False),
        ("path:Projects tag:#idea", True),
        ("path:Projects tag:#nope", False),
        ("tag:#nope OR file:plan", True),
        ("-path:Daily", True),
        ("-tag:#idea", False),
        ("(tag:#nope OR tag:#idea) -file:old", True),
        ("/z[a-e]bra/", True),
        ("path:/^Projects/", True),
        ("-[status:draft]", False),
    ],
)
def test_compile_query__matches_like_obsidian(query: str, expected: bool) -> None:
    assert compile_query(query)(NOTE) is expected


@pytest.mark.parametrize("query", ["", "line:x", "section:(a)", "(path:a", "path:", "/[/", "OR"])
def test_compile_query__rejects_what_it_does_not_support(query: str) -> None:
    with pytest.raises(QueryError):
        compile_query(query)


def test_match_groups__first_group_wins() -> None:
    groups = [
        ColorGroup("tag:#idea", "#ff0000"),
        ColorGroup("path:Projects", "#00ff00"),
        ColorGroup("line:x", "#0000ff", supported=False),
    ]
    other = FileFacts(path="Projects/Other.md")
    nothing = FileFacts(path="Daily/Today.md")
    assert match_groups(groups, [NOTE, other, nothing]) == {
        "Projects/Big Plan.md": 0,
        "Projects/Other.md": 1,
    }


def test_read_obsidian_graph__reads_groups_and_toggles(fixture_vault: object) -> None:
    settings = read_obsidian_graph(fixture_vault("view-basic"))  # type: ignore[operator]
    assert [(g.query, g.color, g.supported) for g in settings.groups] == [
        ("path:Projects", "#e05252", True),
        ("tag:#idea", "#52e052", True),
        ("line:(nothing)", "#0000ff", False),
    ]
    assert settings.show_tags is False and settings.show_arrow is True
    assert settings.hide_unresolved is False and settings.show_orphans is True
    assert len(settings.problems) == 1 and "line:" in settings.problems[0]


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "[1, 2]",
        json.dumps({"colorGroups": [{"query": 1}, {"query": "x", "color": {"rgb": -1}}, "x"]}),
        json.dumps({"colorGroups": "nope", "showTags": "yes"}),
    ],
)
def test_read_obsidian_graph__bad_files_give_problems_not_errors(
    tmp_path: Path, content: str
) -> None:
    (tmp_path / ".obsidian").mkdir()
    (tmp_path / ".obsidian" / "graph.json").write_text(content, encoding="utf-8")
    settings = read_obsidian_graph(tmp_path)
    assert settings.groups == ()
    assert settings.show_tags is None
    if content.startswith(("{not", "[")) or "query" in content:
        assert settings.problems


def test_read_obsidian_graph__no_file_means_defaults(tmp_path: Path) -> None:
    assert read_obsidian_graph(tmp_path) == read_obsidian_graph(tmp_path / "missing")
    assert read_obsidian_graph(tmp_path).groups == ()
