"""Previews: markdown-it-py with raw HTML off, turned into a tree of allowed elements."""

from __future__ import annotations

from pathlib import Path

from wikigraph.model import Note
from wikigraph.preview import CACHE_FILE, TAGS, PreviewRenderer, note_previews, preview_refs


def _elements(tree: list[object]) -> list[list[object]]:
    found: list[list[object]] = []
    for node in tree:
        if isinstance(node, list):
            found.append(node)
            found.extend(_elements(node[2:]))
    return found


def test_preview__renders_markdown_to_a_tree() -> None:
    tree = PreviewRenderer().render(
        "# Title\n\nSome **bold** and *em* `code`.\n\n3. three\n4. four\n"
    )
    assert tree == [
        ["h1", {}, "Title"],
        [
            "p",
            {},
            "Some ",
            ["strong", {}, "bold"],
            " and ",
            ["em", {}, "em"],
            " ",
            ["code", {}, "code"],
            ".",
        ],
        ["ol", {"start": 3}, ["li", {}, "three"], ["li", {}, "four"]],
    ]


def test_preview__raw_html_stays_text() -> None:
    tree = PreviewRenderer().render(
        "<script>alert(1)</script>\n\nhi <img src=x onerror=alert(1)>\n"
    )
    assert all(element[0] in TAGS for element in _elements(tree))
    text = repr(tree)
    assert "<script>alert(1)</script>" in text and "<img src=x onerror=alert(1)>" in text
    assert not any(element[0] in ("script", "img") for element in _elements(tree))


def test_preview__links_are_refs_or_inert() -> None:
    tree = PreviewRenderer().render(
        "[[Plan#Goals|the plan]] [md](Other%20note.md) [x](javascript:alert(1)) "
        "[y](https://example.com) ![img](pic.png) ![[embed.png]] [[#Local]]\n"
    )
    refs = [element[1]["ref"] for element in preview_refs(tree)]  # type: ignore[index]
    assert refs == ["Plan", "Other note.md"]
    spans = [e for e in _elements(tree) if e[0] == "span"]
    assert [s[1]["cls"] for s in spans] == ["external", "image", "embed"]  # type: ignore[index]
    assert spans[0][1]["title"] == "https://example.com"  # type: ignore[index]
    # markdown-it refuses javascript: URLs: the link stays plain text.
    assert "[x](javascript:alert(1))" in repr(tree)
    assert "Local" in repr(tree)


def test_preview__tight_lists_tables_code_and_comments() -> None:
    tree = PreviewRenderer().render(
        "- a\n- b\n\n| x | y |\n|---|---|\n| 1 | 2 |\n\n```py\nprint()\n```\n\n%% secret %% shown\n"
    )
    assert tree[0] == ["ul", {}, ["li", {}, "a"], ["li", {}, "b"]]
    assert tree[1][0] == "table"
    assert ["pre", {}, ["code", {}, "print()"]] in tree
    assert "secret" not in repr(tree) and "shown" in repr(tree)


def test_preview__huge_input_is_bounded() -> None:
    tree = PreviewRenderer().render("*a* " * 5000)
    assert len(_elements(tree)) < 2100


def _note(path: str, excerpt: str) -> Note:
    return Note(path, path[:-3], {}, (), (), (), (), (), excerpt=excerpt)


def test_note_previews__caches_by_excerpt(tmp_path: Path) -> None:
    notes = [_note("a.md", "**a**"), _note("b.md", "**a**"), _note("c.md", ""), _note("d.md", "d")]
    first = note_previews(notes, tmp_path)
    assert set(first) == {"a.md", "b.md", "d.md"}
    assert first["a.md"] == [["p", {}, ["strong", {}, "a"]]]
    assert (tmp_path / CACHE_FILE).is_file()
    before = (tmp_path / CACHE_FILE).stat().st_mtime_ns
    assert note_previews(notes, tmp_path) == first
    assert (tmp_path / CACHE_FILE).stat().st_mtime_ns == before  # nothing new: not rewritten
    (tmp_path / CACHE_FILE).write_text("garbage", encoding="utf-8")
    assert note_previews(notes, tmp_path) == first
    assert note_previews(notes, None) == first


def test_note_previews__a_large_cache_is_written_and_read_a_slice_at_a_time(
    tmp_path: Path,
) -> None:
    """Thousands of previews, with surrogates, carriage returns and links: the cache file
    is one header and one line per excerpt, read back to the same previews."""
    notes = [
        _note(f"n{i}.md", f"**{i}** [[t{i % 7}]] \ud800 a\rb" if i % 3 else f"plain {i}")
        for i in range(4500)
    ]
    first = note_previews(notes, tmp_path)
    lines = (tmp_path / CACHE_FILE).read_bytes().split(b"\n")
    assert len(lines) == 1 + 4500
    assert all(line.count(b"\t") == 2 for line in lines[1:])
    before = (tmp_path / CACHE_FILE).stat().st_mtime_ns
    assert note_previews(notes, tmp_path) == first
    assert (tmp_path / CACHE_FILE).stat().st_mtime_ns == before  # every preview was found
    assert note_previews(notes, None) == first


def test_shorten__cuts_long_excerpts_at_a_line_end() -> None:
    from wikigraph.preview import PREVIEW_CHARS, shorten

    assert shorten("short") == "short"
    text = "first line\n" * 100
    cut = shorten(text)
    assert len(cut) <= PREVIEW_CHARS + 2 and cut.endswith("first line …")
    assert shorten("x" * 1000, 100) == "x" * 100 + " …"
