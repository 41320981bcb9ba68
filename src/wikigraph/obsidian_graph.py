"""Read the vault's own graph settings (``.obsidian/graph.json``) and match its colour groups.

Takes the vault root; returns :class:`ObsidianGraph` with the colour groups (an Obsidian
search query and a colour each) and the display toggles (tags, attachments, unresolved
links, orphans, arrows). :func:`match_groups` gives each file the first group whose
query matches it, as Obsidian does.

Queries use a subset of Obsidian's search syntax:

* ``path:text``: the vault path contains ``text``; ``file:text``: the file name does;
* ``tag:#x``: the note has tag ``x`` or a tag nested under it (``x/y``);
* ``[key]`` and ``[key:value]``: the note has that property (with a value containing
  ``value``);
* ``content:text`` and plain words: the note's text or its file name contains them;
* ``"quoted phrases"``, ``/regular expressions/``, ``-`` to negate, ``OR``, parentheses;
  words side by side must all match.

Matching ignores case. A query with anything else (``line:``, ``section:``, ``task:``...)
is reported as unsupported and colours nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

GRAPH_FILE = ".obsidian/graph.json"
MAX_FILE_SIZE = 1_000_000


@dataclass(frozen=True, slots=True)
class ColorGroup:
    """One colour group of Obsidian's graph view."""

    query: str
    color: str
    """``#rrggbb``."""
    supported: bool = True
    """False when the query uses search syntax wikigraph does not know (it then matches nothing)."""


@dataclass(frozen=True, slots=True)
class ObsidianGraph:
    """The parts of ``.obsidian/graph.json`` that the HTML view follows."""

    groups: tuple[ColorGroup, ...] = ()
    show_tags: bool | None = None
    show_attachments: bool | None = None
    hide_unresolved: bool | None = None
    show_orphans: bool | None = None
    show_arrow: bool | None = None
    problems: tuple[str, ...] = ()
    """What could not be read, as messages (the rest is still used)."""


@dataclass(frozen=True, slots=True)
class FileFacts:
    """What a query can look at for one file."""

    path: str
    tags: tuple[str, ...] = ()
    properties: Mapping[str, object] | None = None
    content: Callable[[], str] | None = None
    """Returns the file's text, read only when a query needs it."""


class QueryError(ValueError):
    """The query uses syntax that is not supported."""


# --- the query language -------------------------------------------------------------------

Matcher = Callable[[FileFacts], bool]
_TOKEN = re.compile(
    r"""\s*(?:
        (?P<open>\() | (?P<close>\)) |
        (?P<prop>\[[^\]]*\]) |
        (?P<word>-?(?:[A-Za-z-]+:)?(?:"[^"]*"|/(?:\\.|[^/\\])+/|[^\s()"]+)) |
        (?P<bad>\S)
    )""",
    re.VERBOSE,
)
_OPERATORS = frozenset({"path", "file", "tag", "content"})


def _lower(text: str) -> str:
    return text.casefold()


def _tokens(query: str) -> list[str]:
    tokens: list[str] = []
    for match in _TOKEN.finditer(query):
        if match.group("bad"):
            raise QueryError(f'unexpected "{match.group("bad")}"')
        token = match.group(0).strip()
        if token:
            tokens.append(token)
    return tokens


def _text_test(value: str) -> Callable[[str], bool]:
    """A test for one search value: a quoted phrase, a /regex/ or a plain word."""
    if len(value) >= 2 and value.startswith("/") and value.endswith("/"):
        try:
            pattern = re.compile(value[1:-1], re.IGNORECASE)
        except re.error as error:
            raise QueryError(f"bad regular expression {value}: {error}") from None
        return lambda text: pattern.search(text) is not None
    if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
        value = value[1:-1]
    needle = _lower(value)
    return lambda text: needle in _lower(text)


def _file_name(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def _tag_test(value: str) -> Matcher:
    wanted = _lower(value.strip('"').lstrip("#"))
    if not wanted:
        raise QueryError("empty tag")

    def test(facts: FileFacts) -> bool:
        for tag in facts.tags:
            folded = _lower(tag)
            if folded == wanted or folded.startswith(wanted + "/"):
                return True
        return False

    return test


def _property_test(token: str) -> Matcher:
    inner = token[1:-1]
    key, colon, value = inner.partition(":")
    key = _lower(key.strip().strip('"'))
    if not key:
        raise QueryError(f'empty property in "{token}"')
    test_value = _text_test(value.strip()) if colon and value.strip() else None

    def test(facts: FileFacts) -> bool:
        for name, data in (facts.properties or {}).items():
            if _lower(str(name)) != key:
                continue
            if test_value is None:
                return True
            values = data if isinstance(data, list) else [data]
            return any(test_value(json.dumps(v) if isinstance(v, dict) else str(v)) for v in values)
        return False

    return test


def _word(token: str) -> Matcher:
    operator, colon, value = token.partition(":")
    if colon and operator.isalpha() and not operator.startswith(('"', "/")):
        name = _lower(operator)
        if name not in _OPERATORS:
            raise QueryError(f'"{operator}:" is not supported')
        if not value:
            raise QueryError(f'"{operator}:" needs a value')
        if name == "tag":
            return _tag_test(value)
        test = _text_test(value)
        if name == "path":
            return lambda facts: test(facts.path)
        if name == "file":
            return lambda facts: test(_file_name(facts.path))
        return lambda facts: facts.content is not None and test(facts.content())
    test = _text_test(token)
    return lambda facts: (
        test(_file_name(facts.path)) or (facts.content is not None and test(facts.content()))
    )


class _Parser:
    def __init__(self, tokens: Sequence[str]) -> None:
        self.tokens = list(tokens)
        self.at = 0

    def peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def parse(self) -> Matcher:
        matcher = self.either()
        if self.peek() is not None:
            raise QueryError(f'unexpected "{self.peek()}"')
        return matcher

    def either(self) -> Matcher:
        options = [self.all_of()]
        while self.peek() == "OR":
            self.at += 1
            options.append(self.all_of())
        if len(options) == 1:
            return options[0]
        return lambda facts: any(option(facts) for option in options)

    def all_of(self) -> Matcher:
        parts: list[Matcher] = []
        while (token := self.peek()) is not None and token not in ("OR", ")"):
            parts.append(self.one())
        if not parts:
            raise QueryError("empty query" if self.peek() is None else "nothing before OR")
        if len(parts) == 1:
            return parts[0]
        return lambda facts: all(part(facts) for part in parts)

    def one(self) -> Matcher:
        token = self.tokens[self.at]
        self.at += 1
        if token == "(":
            inner = self.either()
            if self.peek() != ")":
                raise QueryError("missing )")
            self.at += 1
            return inner
        if token == ")":
            raise QueryError('unexpected ")"')
        if token.startswith("-") and len(token) > 1:
            positive = (
                _word(token[1:]) if not token[1:].startswith("[") else _property_test(token[1:])
            )
            return lambda facts: not positive(facts)
        if token == "-" and self.peek() is not None:
            inner_matcher = self.one()
            return lambda facts: not inner_matcher(facts)
        if token.startswith("["):
            return _property_test(token)
        return _word(token)


def compile_query(query: str) -> Matcher:
    """Turn an Obsidian search query into a test on a file; raise QueryError if unsupported."""
    tokens = _tokens(query)
    if not tokens:
        raise QueryError("empty query")
    return _Parser(tokens).parse()


# --- graph.json -----------------------------------------------------------------------------


def _color(value: object) -> str | None:
    if isinstance(value, dict):
        rgb = value.get("rgb")
        if isinstance(rgb, int) and not isinstance(rgb, bool) and 0 <= rgb <= 0xFFFFFF:
            return f"#{rgb:06x}"
    return None


def _flag(data: Mapping[str, object], key: str) -> bool | None:
    value = data.get(key)
    return value if isinstance(value, bool) else None


def read_obsidian_graph(root: Path) -> ObsidianGraph:
    """Read ``.obsidian/graph.json`` of the vault at ``root``; a missing file gives defaults."""
    path = root / GRAPH_FILE
    try:
        if not path.is_file():
            return ObsidianGraph()
        if path.stat().st_size > MAX_FILE_SIZE:
            return ObsidianGraph(problems=(f"{GRAPH_FILE} is too large; ignored",))
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        return ObsidianGraph(problems=(f"cannot read {GRAPH_FILE}: {error}",))
    if not isinstance(data, dict):
        return ObsidianGraph(problems=(f"{GRAPH_FILE} is not a JSON object; ignored",))
    groups: list[ColorGroup] = []
    problems: list[str] = []
    raw_groups = data.get("colorGroups", [])
    for number, raw in enumerate(raw_groups if isinstance(raw_groups, list) else [], start=1):
        query = raw.get("query") if isinstance(raw, dict) else None
        color = _color(raw.get("color")) if isinstance(raw, dict) else None
        if not isinstance(query, str) or color is None:
            problems.append(
                f"colour group {number} in {GRAPH_FILE} has no query or colour; skipped"
            )
            continue
        try:
            compile_query(query)
            supported = True
        except QueryError as error:
            problems.append(f'colour group "{query.strip()}" colours nothing: {error}')
            supported = False
        groups.append(ColorGroup(query=query.strip(), color=color, supported=supported))
    return ObsidianGraph(
        groups=tuple(groups),
        show_tags=_flag(data, "showTags"),
        show_attachments=_flag(data, "showAttachments"),
        hide_unresolved=_flag(data, "hideUnresolved"),
        show_orphans=_flag(data, "showOrphans"),
        show_arrow=_flag(data, "showArrow"),
        problems=tuple(problems),
    )


def match_groups(groups: Sequence[ColorGroup], files: Sequence[FileFacts]) -> dict[str, int]:
    """The index of the first group matching each file (files matching none are left out)."""
    matchers: list[Matcher | None] = []
    for group in groups:
        try:
            matchers.append(compile_query(group.query) if group.supported else None)
        except QueryError:
            matchers.append(None)
    found: dict[str, int] = {}
    if not any(matchers):
        return found
    for facts in files:
        for number, matcher in enumerate(matchers):
            if matcher is not None and matcher(facts):
                found[facts.path] = number
                break
    return found
