"""The parse stage: links, positions, headings, blocks, tags and properties."""

from __future__ import annotations

import json

import pytest
from markdown_it.utils import read_fixture_file

from conftest import FIXTURES
from wikigraph.model import Note
from wikigraph.parse import NoteParser, decode_note, split_destination, split_wikilink, tags_in_text

PARSER = NoteParser()
CASES = read_fixture_file(FIXTURES / "links.md")


def describe(note: Note) -> str:
    """The parse result in the fixture file's notation."""
    lines = []
    for link in note.links:
        parts = [f"link {link.line}:{link.column} {link.kind.value} {link.raw}"]
        parts.append(f"path={json.dumps(link.path, ensure_ascii=False)}")
        if link.subpath is not None:
            parts.append(f"subpath={json.dumps(link.subpath, ensure_ascii=False)}")
        if link.display is not None:
            parts.append(f"display={json.dumps(link.display, ensure_ascii=False)}")
        if link.property is not None:
            parts.append(f"property={link.property}")
        lines.append(" ".join(parts))
    lines.extend(f'heading {h.level} {h.line} "{h.text}"' for h in note.headings)
    lines.extend(f"block {b.line}:{b.column} {b.id}" for b in note.blocks)
    lines.extend(f"tag {tag}" for tag in note.tags)
    lines.extend(f"alias {alias}" for alias in note.aliases)
    lines.extend(f"problem {p.line}:{p.column} {p.code}" for p in note.problems)
    return "".join(line + "\n" for line in lines)


@pytest.mark.parametrize(
    ("line", "title", "text", "expected"), CASES, ids=[case[1] for case in CASES]
)
def test_parse__fixture_cases(line: int, title: str, text: str, expected: str) -> None:
    note = PARSER.parse_text("Note.md", text)
    assert describe(note) == expected, f"case at links.md line {line}: {title}"


def test_parse__fixture_file_has_dozens_of_cases() -> None:
    assert len(CASES) >= 50


@pytest.mark.parametrize(
    ("inner", "expected"),
    [
        ("Note", ("Note", None, None)),
        ("Note|x", ("Note", None, "x")),
        ("Note\\|x", ("Note", None, "x")),
        ("Note#A#B|x", ("Note", "A#B", "x")),
        ("#^id", ("", "^id", None)),
        ("|x", ("", None, "x")),
    ],
)
def test_parse__split_wikilink(inner: str, expected: tuple[str, str | None, str | None]) -> None:
    assert split_wikilink(inner) == expected


@pytest.mark.parametrize(
    ("dest", "expected"),
    [
        ("Note.md", ("Note.md", None, False)),
        ("a%20b.md#c%20d", ("a b.md", "c d", False)),
        ("https://x.org/a%20b#c", ("https://x.org/a%20b", "c", True)),
        ("mailto:me@x.org", ("mailto:me@x.org", None, True)),
        ("C:\\Windows\\x.md", ("C:\\Windows\\x.md", None, False)),
        ("100%25.md", ("100%.md", None, False)),
    ],
)
def test_parse__split_destination(dest: str, expected: tuple[str, str | None, bool]) -> None:
    assert split_destination(dest) == expected


def test_parse__crlf_keeps_line_numbers() -> None:
    note = PARSER.parse_bytes("n.md", b'---\r\nup: "[[A]]"\r\n---\r\nline\r\n\r\nx [[B]]\r\n')
    assert [(link.line, link.column, link.raw) for link in note.links] == [
        (2, 6, "[[A]]"),
        (6, 3, "[[B]]"),
    ]


def test_parse__old_mac_line_endings() -> None:
    note = PARSER.parse_bytes("n.md", b"a\rb [[A]]\r")
    assert [(link.line, link.column) for link in note.links] == [(2, 3)]


def test_parse__bom_is_not_a_column() -> None:
    note = PARSER.parse_bytes("n.md", "\ufeff[[A]]".encode())
    assert (note.links[0].line, note.links[0].column) == (1, 1)
    assert note.problems == ()


def test_parse__invalid_utf8_is_reported_and_read() -> None:
    note = PARSER.parse_bytes("n.md", b"ok\nbad \xff byte [[A]]\n")
    assert [p.code for p in note.problems] == ["unreadable-file"]
    assert (note.problems[0].line, note.problems[0].column) == (2, 5)
    assert [link.path for link in note.links] == ["A"]
    assert note.parsed


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ("\ufeff[[A]]".encode("utf-16"), "UTF-16"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    ],
)
def test_parse__undecodable_files(data: bytes, words: str) -> None:
    note = PARSER.parse_bytes("n.md", data)
    assert not note.parsed
    assert note.links == ()
    assert words in note.problems[0].message


def test_parse__decode_reports_nothing_for_clean_text() -> None:
    assert decode_note(b"plain") == ("plain", [])


def test_parse__empty_file() -> None:
    note = PARSER.parse_bytes("Empty.md", b"")
    assert note.parsed
    assert (note.title, note.links, note.headings, note.problems) == ("Empty", (), (), ())


def test_parse__nul_byte_after_the_start_is_text() -> None:
    data = b"x" * 9000 + b"\x00 [[A]]"
    note = PARSER.parse_bytes("n.md", data)
    assert [link.raw for link in note.links] == ["[[A]]"]


def test_parse__properties_are_plain_values() -> None:
    text = "---\ncreated: 2024-01-02\nn: 3\nf: 1.5\nflag: yes\nnested: {a: [1, 2]}\n---\n"
    note = PARSER.parse_text("n.md", text)
    assert note.properties == {
        "created": "2024-01-02",
        "n": 3,
        "f": 1.5,
        "flag": True,
        "nested": {"a": [1, 2]},
    }


def test_parse__aliases_and_tags_as_strings() -> None:
    note = PARSER.parse_text("n.md", "---\naliases: One\ntags: 'a, b #c'\n---\n")
    assert note.aliases == ("One",)
    assert note.tags == ("a", "b", "c")


def test_parse__yaml_alias_bomb_is_bounded() -> None:
    levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for index in range(1, 10):
        previous = chr(ord("a") + index - 1)
        name = chr(ord("a") + index)
        levels.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    note = PARSER.parse_text("n.md", "---\n" + "\n".join(levels) + "\n---\n[[Body]]\n")
    assert note.properties == {}
    assert [p.code for p in note.problems] == ["invalid-frontmatter"]
    assert "alias bomb" in note.problems[0].message
    assert [link.path for link in note.links] == ["Body"]


def test_parse__frontmatter_must_be_a_mapping() -> None:
    note = PARSER.parse_text("n.md", "---\n- a\n- b\n---\n")
    assert [p.code for p in note.problems] == ["invalid-frontmatter"]


def test_parse__ignore_comments_and_property() -> None:
    text = (
        "---\nwikigraph-ignore: [broken-link]\n---\n"
        "x %% wikigraph-ignore %%\ny %% wikigraph-ignore a, b %%\n"
    )
    note = PARSER.parse_text("n.md", text)
    assert note.ignored_checks == frozenset({"broken-link"})
    assert [(s.line, sorted(s.codes)) for s in note.suppressions] == [(4, []), (5, ["a", "b"])]


def test_parse__ignore_property_true_silences_everything() -> None:
    note = PARSER.parse_text("n.md", "---\nwikigraph-ignore: true\n---\n")
    assert note.ignored_checks == frozenset()


def test_parse__links_in_comments_can_be_ignored() -> None:
    parser = NoteParser(links_in_comments=False)
    text = (
        "a %% [[Hidden]] %% [[Shown]]\n\n%%\n[[Block hidden]]\n\n"
        "still hidden [[X]]\n%%\n\n[[After]]\n"
    )
    note = parser.parse_text("n.md", text)
    assert [link.path for link in note.links] == ["Shown", "After"]
    assert [(link.line, link.column) for link in note.links] == [(1, 20), (9, 1)]


def test_parse__excerpt_is_the_body_start() -> None:
    note = PARSER.parse_text("n.md", "---\na: 1\n---\n# Title\n\n" + "word " * 400)
    assert note.excerpt.startswith("# Title")
    assert len(note.excerpt) < 800


@pytest.mark.parametrize(
    ("text", "at_start", "expected"),
    [
        ("#a #b/c #1984 #x_y-z", True, ["a", "b/c", "x_y-z"]),
        ("#a", False, []),
        ("see #тег and #🚀launch", True, ["тег", "🚀launch"]),
        ("trailing #slash/", True, ["slash"]),
    ],
)
def test_parse__tags_in_text(text: str, at_start: bool, expected: list[str]) -> None:
    assert tags_in_text(text, at_start) == expected


def test_parse__deep_nesting_is_fine() -> None:
    note = PARSER.parse_text("n.md", "> " * 10_000 + "[[Deep]]\n" + "- " * 10_000 + "[[List]]\n")
    assert note.parsed


def test_parse__many_unclosed_brackets_stay_linear() -> None:
    note = PARSER.parse_text("n.md", "[[" * 100_000 + " [[Real]]")
    assert [link.path for link in note.links] == ["Real"]
