"""Turn a note's bytes into a :class:`Note`: links with exact positions, headings, block ids,
tags, aliases and properties.

Takes the vault-relative path and the raw bytes; returns a :class:`Note`, never raises for
bad input. The body is tokenized by markdown-it-py (see :mod:`wikigraph.syntax`); a link's
line and column are found by mapping its offset in the token's text back to the original
line, so they count Unicode code points in the file as written, frontmatter included.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from markdown_it.token import Token

from wikigraph.model import Block, Heading, Link, LinkKind, Location, Note, Problem, Suppression
from wikigraph.properties import FrontmatterReader
from wikigraph.syntax import COMMENT, WIKILINK, build_inline_parser, build_parser

EXCERPT_CHARS = 700
BINARY_SNIFF_BYTES = 8192

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_DRIVE = re.compile(r"[A-Za-z]:[\\/]")
_BLOCK_ID = re.compile(r"(?:^|\s)\^([A-Za-z0-9-]+)$")
_SUPPRESS = re.compile(r"\s*wikigraph-ignore(?:\s+([A-Za-z0-9_,\s-]*?))?\s*")
_TAG_PUNCT = frozenset("_-/")


def split_wikilink(inner: str) -> tuple[str, str | None, str | None]:
    """Split the text between ``[[`` and ``]]`` into (path, subpath, display).

    Display text starts at the first ``|`` (``\\|`` in tables); the subpath at the first
    ``#`` of what comes before it.
    """
    bar = inner.find("|")
    if bar >= 0:
        target, display = inner[:bar], inner[bar + 1 :]
        if target.endswith("\\"):
            target = target[:-1]
    else:
        target, display = inner, None
    hash_at = target.find("#")
    if hash_at >= 0:
        return target[:hash_at].strip(), target[hash_at + 1 :].strip(), display
    return target.strip(), None, display


def split_destination(dest: str) -> tuple[str, str | None, bool]:
    """Split a Markdown link destination into (path, subpath, is_url); paths are decoded."""
    is_url = bool(_SCHEME.match(dest)) and not _DRIVE.match(dest)
    hash_at = dest.find("#")
    path, subpath = (dest[:hash_at], dest[hash_at + 1 :]) if hash_at >= 0 else (dest, None)
    if is_url:
        return path, subpath, True
    return unquote(path).strip(), (unquote(subpath).strip() if subpath is not None else None), False


def _is_tag_char(char: str) -> bool:
    if char.isalnum() or char in _TAG_PUNCT:
        return True
    category = unicodedata.category(char)
    return category[0] in "LNM" or category == "So"


def tags_in_text(text: str, at_start: bool) -> list[str]:
    """``#tags`` in a run of plain text; ``at_start`` says whether a tag may open the run."""
    found: list[str] = []
    index = text.find("#")
    while index >= 0:
        if (index == 0 and at_start) or (index > 0 and text[index - 1].isspace()):
            end = index + 1
            while end < len(text) and _is_tag_char(text[end]):
                end += 1
            tag = text[index + 1 : end].rstrip("/")
            if tag and not tag.isdigit():
                found.append(tag)
            index = text.find("#", end)
        else:
            index = text.find("#", index + 1)
    return found


@dataclass(frozen=True, slots=True)
class _Placed:
    """Where a token's content line sits in its source line."""

    base: int
    lead: int
    index_map: tuple[int, ...] | None = None

    def column(self, offset: int) -> int:
        """0-based source column of the content line's character at ``offset``."""
        if self.index_map is not None:
            position = offset - self.lead
            if 0 <= position < len(self.index_map):
                return self.index_map[position]
            return self.index_map[-1] + 1 + position - len(self.index_map) if self.index_map else 0
        return self.base + offset - self.lead


class _Source:
    """The note's lines, and where each token's content lines sit in them."""

    def __init__(self, text: str) -> None:
        self.lines = text.replace("\x00", "\ufffd").split("\n")
        self.cursor: dict[int, int] = {}

    def place(self, line_index: int, content_line: str, in_table: bool) -> _Placed:
        if line_index >= len(self.lines):
            return _Placed(0, 0)
        line = self.lines[line_index]
        needle = content_line.lstrip(" ")
        lead = len(content_line) - len(needle)
        if not in_table:
            if needle and line.endswith(needle):
                return _Placed(len(line) - len(needle), lead)
            stripped, tail = line.rstrip(), needle.rstrip()
            if tail and stripped.endswith(tail):
                return _Placed(len(stripped) - len(tail), lead)
        start = self.cursor.get(line_index, 0)
        found = line.find(needle, start)
        if found >= 0:
            self.cursor[line_index] = found + len(needle)
            return _Placed(found, lead)
        if "|" in needle:  # a table cell: the tokenizer turned `\|` into `|`
            kept = [
                i
                for i, char in enumerate(line)
                if not (char == "\\" and line[i + 1 : i + 2] == "|")
            ]
            unescaped = "".join(line[i] for i in kept)
            found = unescaped.find(needle, sum(1 for i in kept if i < start))
            if found >= 0 and needle:
                self.cursor[line_index] = kept[found + len(needle) - 1] + 1
                return _Placed(0, lead, tuple(kept[found : found + len(needle)]))
        return _Placed(max(line.find(needle.strip()), 0), lead)

    def text_between(self, line: int, column: int, end_line: int, end_column: int) -> str:
        """Source text from (line, column) to (end_line, end_column), 0-based, end exclusive."""
        if line == end_line:
            return self.lines[line][column:end_column]
        parts = [self.lines[line][column:]]
        parts.extend(self.lines[line + 1 : end_line])
        parts.append(self.lines[end_line][:end_column])
        return "\n".join(parts)


class _InlineMapper:
    """Maps offsets in one inline token's content to (line, column) in the file."""

    def __init__(self, source: _Source, token: Token, in_table: bool) -> None:
        self.source = source
        self.content = token.content
        self.first_line = token.map[0] if token.map else 0
        self.in_table = in_table
        self.placed: dict[int, _Placed] = {}
        self._line_starts: list[int] | None = None

    @property
    def line_starts(self) -> list[int]:
        """Offsets where the content's lines start (found when first needed)."""
        if self._line_starts is None:
            starts = [0]
            content = self.content
            index = content.find("\n")
            while index >= 0:
                starts.append(index + 1)
                index = content.find("\n", index + 1)
            self._line_starts = starts
        return self._line_starts

    def _line_of(self, offset: int) -> int:
        return max(bisect_right(self.line_starts, offset) - 1, 0)

    def _placed(self, content_line: int) -> _Placed:
        placed = self.placed.get(content_line)
        if placed is None:
            start = self.line_starts[content_line]
            end = self.content.find("\n", start)
            text = self.content[start : end if end >= 0 else len(self.content)]
            placed = self.source.place(self.first_line + content_line, text, self.in_table)
            self.placed[content_line] = placed
        return placed

    def position(self, offset: int) -> tuple[int, int]:
        """(0-based line, 0-based column) of the character at ``offset``."""
        content_line = self._line_of(offset)
        column = self._placed(content_line).column(offset - self.line_starts[content_line])
        return self.first_line + content_line, column

    def span(self, start: int, end: int) -> tuple[int, int, int, int]:
        """0-based (line, column, end_line, end_column) of content[start:end]."""
        line, column = self.position(start)
        end_line, last = self.position(max(end - 1, start))
        return line, column, end_line, last + 1 if end > start else last


def decode_note(data: bytes) -> tuple[str | None, list[Problem]]:
    """Decode a note's bytes as Obsidian does (UTF-8); say what is wrong with them."""
    problems: list[Problem] = []
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        message = (
            "file is UTF-16 (it starts with a UTF-16 byte-order mark);"
            " Obsidian reads notes as UTF-8: save it as UTF-8"
        )
        return None, [Problem("unreadable-file", message)]
    if b"\x00" in data[:BINARY_SNIFF_BYTES]:
        return None, [
            Problem(
                "unreadable-file", "file looks binary (it contains NUL bytes), not a Markdown note"
            )
        ]
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), problems
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = (
            len(
                data[data.rfind(b"\n", 0, error.start) + 1 : error.start].decode("utf-8", "replace")
            )
            + 1
        )
        message = (
            f"file is not valid UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start});"
            " read with replacement characters"
        )
        problems.append(Problem("unreadable-file", message, line, column))
        return data.decode("utf-8", "replace"), problems


def note_title(path: str) -> str:
    """A note's title: its file name without ``.md``."""
    name = path.rsplit("/", 1)[-1]
    return name[:-3] if name.lower().endswith(".md") else name


def unparsed_note(path: str, problems: Sequence[Problem]) -> Note:
    """A note that could not be read: no content, only its problems."""
    return Note(path=path, title=note_title(path), problems=tuple(problems), parsed=False)


class NoteParser:
    """Parses notes; build one and reuse it (building the markdown-it parser costs time)."""

    def __init__(self, *, links_in_comments: bool = True, lean: bool = True) -> None:
        self.md = build_parser(links_in_comments=links_in_comments, lean=lean)
        self.frontmatter = FrontmatterReader(build_inline_parser())

    def parse_bytes(self, path: str, data: bytes) -> Note:
        """Parse a note from the bytes of its file."""
        text, problems = decode_note(data)
        if text is None:
            return unparsed_note(path, problems)
        note = self.parse_text(path, text)
        if problems:
            return _with_problems(note, problems)
        return note

    def parse_text(self, path: str, text: str) -> Note:
        """Parse a note from its text (BOM already removed)."""
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        tokens = self.md.parse(text, {})
        source = _Source(text)
        links: list[Link] = []
        headings: list[Heading] = []
        blocks: list[Block] = []
        tags: list[str] = []
        suppressions: list[Suppression] = []
        problems: list[Problem] = []
        body_start = 0
        properties: dict[str, object] = {}
        aliases: tuple[str, ...] = ()
        ignored: frozenset[str] | None = None

        in_table = 0
        heading_level = 0
        too_deep_at = 0
        deepest_allowed = self.md.options["maxNesting"] - 1
        for index, token in enumerate(tokens):
            kind = token.type
            if token.level >= deepest_allowed and not too_deep_at:
                too_deep_at = token.map[0] + 1 if token.map else 1
            if kind == "front_matter" and index == 0:
                body_start = token.map[1] if token.map else 0
                fm = self.frontmatter.read(path, token.content, 2)
                properties = dict(fm.properties)
                links.extend(fm.links)
                problems.extend(fm.problems)
                aliases = fm.aliases
                tags.extend(fm.tags)
                ignored = fm.ignored_checks
            elif kind == "table_open":
                in_table += 1
            elif kind == "table_close":
                in_table -= 1
            elif kind == "heading_open":
                heading_level = int(token.tag[1:])
            elif kind == "inline":
                mapper = _InlineMapper(source, token, in_table > 0)
                if heading_level and token.map:
                    headings.append(Heading(token.content.strip(), heading_level, token.map[0] + 1))
                    heading_level = 0
                elif index > 0 and tokens[index - 1].type == "paragraph_open":
                    block = self._block_id(token, mapper)
                    if block is not None:
                        blocks.append(block)
                if in_table:  # keep the per-line cursor in step across every cell of a row
                    for content_line in range(len(mapper.line_starts)):
                        mapper._placed(content_line)
                self._inline(path, token, mapper, source, links, tags, suppressions)
        if too_deep_at:
            message = (
                f"blocks are nested more than {deepest_allowed} levels deep (quotes or lists);"
                " what lies deeper was not read, so its links are missed"
            )
            problems.append(Problem("unreadable-file", message, too_deep_at, severity="warning"))
        body = "\n".join(source.lines[body_start:]).strip()
        return Note(
            path=path,
            title=note_title(path),
            properties=properties,
            aliases=aliases,
            tags=tuple(dict.fromkeys(tags)),
            headings=tuple(headings),
            blocks=tuple(blocks),
            links=tuple(sorted(links, key=lambda link: (link.line, link.column))),
            problems=tuple(problems),
            suppressions=tuple(suppressions),
            ignored_checks=ignored,
            excerpt=_excerpt(body),
        )

    @staticmethod
    def _block_id(token: Token, mapper: _InlineMapper) -> Block | None:
        content = token.content.rstrip()
        last_line = content.rsplit("\n", 1)[-1]
        match = _BLOCK_ID.search(last_line)
        if match is None:
            return None
        offset = len(content) - len(last_line) + match.start(1) - 1
        line, column = mapper.position(offset)
        return Block(match.group(1), line + 1, column + 1)

    def _inline(
        self,
        path: str,
        token: Token,
        mapper: _InlineMapper,
        source: _Source,
        links: list[Link],
        tags: list[str],
        suppressions: list[Suppression],
    ) -> None:
        link_depth = 0
        previous: Token | None = None
        for child in token.children or ():
            kind = child.type
            if kind == WIKILINK:
                inner_path, subpath, display = split_wikilink(child.content)
                embed = bool(child.meta["embed"])
                links.append(
                    self._link(
                        path,
                        mapper,
                        source,
                        child,
                        LinkKind.EMBED if embed else LinkKind.WIKILINK,
                        inner_path,
                        subpath,
                        display,
                        False,
                    )
                )
            elif kind in ("link_open", "image") and "start" in child.meta:
                if kind == "link_open":
                    link_depth += 1
                dest = str(child.attrs.get("href" if kind == "link_open" else "src", ""))
                dest_path, subpath, is_url = split_destination(dest)
                link_kind = LinkKind.MARKDOWN if kind == "link_open" else LinkKind.MARKDOWN_EMBED
                links.append(
                    self._link(
                        path, mapper, source, child, link_kind, dest_path, subpath, None, is_url
                    )
                )
            elif kind == "link_open":
                link_depth += 1
            elif kind == "link_close":
                link_depth = max(link_depth - 1, 0)
            elif kind == "text" and not link_depth:
                if "#" in child.content:
                    tags.extend(tags_in_text(child.content, previous is None))
            elif kind == COMMENT:
                match = _SUPPRESS.fullmatch(child.content)
                if match is not None:
                    line, _ = mapper.position(child.meta["start"])
                    codes = frozenset((match.group(1) or "").replace(",", " ").split())
                    suppressions.append(Suppression(line + 1, codes))
            previous = child

    @staticmethod
    def _link(
        path: str,
        mapper: _InlineMapper,
        source: _Source,
        child: Token,
        kind: LinkKind,
        target: str,
        subpath: str | None,
        display: str | None,
        is_url: bool,
    ) -> Link:
        line, column, end_line, end_column = mapper.span(child.meta["start"], child.meta["end"])
        return Link(
            source=path,
            line=line + 1,
            column=column + 1,
            end_line=end_line + 1,
            end_column=end_column + 1,
            raw=source.text_between(line, column, end_line, end_column),
            kind=kind,
            location=Location.BODY,
            property=None,
            path=target,
            subpath=subpath,
            display=display,
            is_url=is_url,
        )


def _excerpt(body: str) -> str:
    if len(body) <= EXCERPT_CHARS:
        return body
    cut = body.rfind("\n", 0, EXCERPT_CHARS)
    return body[: cut if cut > EXCERPT_CHARS // 2 else EXCERPT_CHARS].rstrip() + "\n\n…"


def _with_problems(note: Note, problems: Sequence[Problem]) -> Note:
    from dataclasses import replace

    return replace(note, problems=(*problems, *note.problems))
