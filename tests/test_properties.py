"""Property tests: any text parses without error, positions point at the link, results are
deterministic, and resolution never leaves the set of vault files whatever their order."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from wikigraph.model import Link, LinkKind, Location, VaultFile
from wikigraph.parse import NoteParser
from wikigraph.preview import build_preview_parser
from wikigraph.resolve import VaultIndex, resolve_link
from wikigraph.syntax import build_parser

PARSER = NoteParser()
FRAGMENTS = [
    "[[", "]]", "![[", "[", "]", "(", ")", "](", "|", "\\|", "#", "#^", "^id", "\\", "`", "```",
    "~~~", "$", "$$", "%%", "<!--", "-->", "<div>", "</div>", "\n", "\n\n", "    ", "> ", "- ",
    "1. ", "| a | b |\n|---|---|\n", "---\n", "up: \"[[X]]\"\n", "a", "Note", "Ж", "🐟", " ",
    "\t", "*", "_", "<https://x.org>", "[t](a%20b.md)", "[^1]", "[^1]: x", "http://", "\x00",
    "===\n", "\n===", "\n---", "* * *\n", "# ", "\n    - ", "&amp;", "+ ", "2) ", "___\n",
    "[r]: /u\n", "[r]", "  ", "   ", "\n$$\n", "%%\n", ">", "\n\t- ", "|", ":-|",
]  # fmt: skip
markdownish = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=4), max_size=60).map("".join)


def source_text(raw_text: str) -> list[str]:
    return raw_text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd").split("\n")


def text_at(lines: list[str], link: Link) -> str:
    if link.line == link.end_line:
        return lines[link.line - 1][link.column - 1 : link.end_column - 1]
    parts = [lines[link.line - 1][link.column - 1 :]]
    parts.extend(lines[link.line : link.end_line - 1])
    parts.append(lines[link.end_line - 1][: link.end_column - 1])
    return "\n".join(parts)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(markdownish)
def test_properties__parse_never_raises_and_positions_point_at_links(text: str) -> None:
    note = PARSER.parse_text("Note.md", text)
    lines = source_text(text)
    for link in note.links:
        assert 1 <= link.line <= link.end_line <= len(lines)
        assert link.column >= 1
        assert text_at(lines, link) == link.raw
        if link.kind in (LinkKind.WIKILINK, LinkKind.EMBED):
            assert link.raw.endswith("]]")
            assert link.raw.startswith("![[" if link.kind is LinkKind.EMBED else "[[")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_properties__any_unicode_text_parses(text: str) -> None:
    note = PARSER.parse_text("Note.md", text)
    lines = source_text(text)
    for link in note.links:
        assert text_at(lines, link) == link.raw


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_properties__any_bytes_parse(data: bytes) -> None:
    note = PARSER.parse_bytes("Note.md", data)
    assert note.parsed or note.problems


@settings(max_examples=150, deadline=None)
@given(markdownish)
def test_properties__parsing_is_deterministic(text: str) -> None:
    assert PARSER.parse_text("n.md", text) == PARSER.parse_text("n.md", text)
    assert NoteParser().parse_text("n.md", text) == PARSER.parse_text("n.md", text)


names = st.sampled_from(["Note", "note", "Ж", "Café", "a b", "x.png", "Deep", "Plan", "..", "."])
paths = st.lists(names, min_size=1, max_size=4).map("/".join)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(paths, min_size=1, max_size=12, unique=True),
    st.lists(
        st.sampled_from(["", "/", "./", "../", "../../"]).flatmap(
            lambda prefix: paths.map(lambda p: prefix + p)
        ),
        max_size=10,
    ),
    st.randoms(use_true_random=False),
)
def test_properties__resolution_stays_in_the_vault_and_ignores_order(
    files: list[str], targets: list[str], rng: random.Random
) -> None:
    vault_files = [
        VaultFile(path if path.endswith(".png") else path + ".md", 1, 0, not path.endswith(".png"))
        for path in files
        if ".." not in path.split("/") and "." not in path.split("/")
    ]
    if not vault_files:
        return
    shuffled = vault_files[:]
    rng.shuffle(shuffled)
    index = VaultIndex.build(vault_files, [], [])
    other = VaultIndex.build(shuffled, [], [])
    known = {f.path for f in vault_files}
    source = vault_files[0].path
    for target in targets:
        link = Link(source, 1, 1, 1, 2, f"[[{target}]]", LinkKind.WIKILINK, Location.BODY, None,
                    target, None, None)  # fmt: skip
        first, second = resolve_link(link, index), resolve_link(link, other)
        assert first == second
        if first.target is not None:
            assert first.target in known
            assert set(first.candidates) <= known


def token_view(tokens: list[Token]) -> list[object]:
    """What the parse stage reads from a token stream, children included."""
    return [
        (
            token.type,
            token.tag,
            token.map,
            token.content,
            token.markup,
            sorted((token.attrs or {}).items()),
            sorted((token.meta or {}).items()),
            token_view(token.children or []),
        )
        for token in tokens
    ]


PARSER_PAIRS = {
    "notes": (build_parser(lean=True), build_parser(lean=False)),
    "notes, links in comments ignored": (
        build_parser(lean=True, links_in_comments=False),
        build_parser(lean=False, links_in_comments=False),
    ),
    "previews": (build_preview_parser(lean=True), build_preview_parser(lean=False)),
}


@pytest.mark.parametrize("parsers", PARSER_PAIRS.values(), ids=PARSER_PAIRS.keys())
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=markdownish)
def test_properties__lean_parser_gives_the_plain_parsers_tokens(
    parsers: tuple[MarkdownIt, MarkdownIt], text: str
) -> None:
    lean, plain = parsers
    assert token_view(lean.parse(text, {})) == token_view(plain.parse(text, {}))
