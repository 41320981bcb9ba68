"""Read a note's YAML frontmatter: its properties, and the links inside property values.

Takes the YAML text between the ``---`` fences; returns :class:`Frontmatter`, whose
properties are plain JSON-compatible values (dates become ISO strings) and whose links
carry the property key and their true line and column in the file. python-frontmatter
loads the values; PyYAML's node tree gives the positions. Every walk over the YAML is
bounded, so an alias bomb or a huge block costs linear time and a clear problem.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler
from markdown_it import MarkdownIt

from wikigraph.model import Link, LinkKind, Location, Problem

MAX_VALUES = 20_000
"""Most values (scalars, lists, mappings) a frontmatter block may expand to."""
MAX_DEPTH = 64
"""Deepest nesting of lists and mappings accepted in properties."""

IGNORE_KEY = "wikigraph-ignore"

try:  # libyaml is much faster; PyYAML falls back to pure Python without it
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

_YAML = YAMLHandler()


class _PropertiesLoader(_Loader):  # type: ignore[misc,valid-type]
    """Reads YAML as Obsidian does: an unhashable key (``{{date}}`` in a template) becomes text."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[object, object]:
        mapping: dict[object, object] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                key = str(key)
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


_PropertiesLoader.add_constructor("tag:yaml.org,2002:map", _PropertiesLoader.construct_yaml_map)


class _TooLarge(Exception):
    """A frontmatter block past :data:`MAX_VALUES` or :data:`MAX_DEPTH`; the message says which."""


@dataclass(frozen=True, slots=True)
class Frontmatter:
    """What a frontmatter block holds."""

    properties: Mapping[str, object]
    links: tuple[Link, ...]
    problems: tuple[Problem, ...]
    aliases: tuple[str, ...]
    tags: tuple[str, ...]
    ignored_checks: frozenset[str] | None


EMPTY = Frontmatter({}, (), (), (), (), None)


def _plain(value: object, budget: list[int], depth: int = 0) -> object:
    """A JSON-compatible copy of a loaded YAML value; raises _TooLarge past the limits."""
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooLarge(f"expands to more than {MAX_VALUES} values (a YAML alias bomb?)")
    if depth > MAX_DEPTH:
        raise _TooLarge(f"is nested more than {MAX_DEPTH} levels deep")
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return (
            value if value == value and value not in (float("inf"), float("-inf")) else str(value)
        )
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"<{len(value)} bytes of binary data>"
    if isinstance(value, Mapping):
        return {str(k): _plain(v, budget, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        return [_plain(v, budget, depth + 1) for v in items]
    return str(value)


def _strings(value: object) -> tuple[str, ...]:
    """A property that may be one string or a list of strings, as a tuple of strings."""
    if isinstance(value, str):
        return (value,) if value.strip() else ()
    if isinstance(value, list):
        return tuple(str(v) for v in value if isinstance(v, str | int | float) and str(v).strip())
    return ()


def _tag_values(value: object) -> tuple[str, ...]:
    found: list[str] = []
    items = value.replace(",", " ").split() if isinstance(value, str) else _strings(value)
    for item in items:
        tag = item.strip().lstrip("#").strip()
        if tag and " " not in tag:
            found.append(tag)
    return tuple(found)


def _ignored(value: object) -> frozenset[str] | None:
    if value is True:
        return frozenset()
    codes = (
        _strings(value) if not isinstance(value, str) else tuple(value.replace(",", " ").split())
    )
    return frozenset(codes) if codes else None


def _line_starts(text: str) -> list[int]:
    starts = [0]
    index = text.find("\n")
    while index >= 0:
        starts.append(index + 1)
        index = text.find("\n", index + 1)
    return starts


def _walk_scalars(node: yaml.Node, budget: list[int]) -> Iterator[yaml.ScalarNode]:
    """Every scalar under ``node``, each once (aliases share nodes), within the budget."""
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, int]] = [(node, 0)]
    while stack:
        current, depth = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        budget[0] -= 1
        if budget[0] < 0 or depth > MAX_DEPTH:
            raise _TooLarge("too large")
        if isinstance(current, yaml.ScalarNode):
            yield current
        elif isinstance(current, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in reversed(current.value))
        elif isinstance(current, yaml.MappingNode):
            for key, child in reversed(current.value):
                stack.append((child, depth + 1))
                stack.append((key, depth + 1))


def _unquoted_links(key: str, value: yaml.Node, first_line: int) -> Iterator[Problem]:
    """``up: [[X]]`` or ``- [[X]]``: YAML reads an unquoted link as a list in a list."""
    nested: list[yaml.Node] = []
    if isinstance(value, yaml.SequenceNode):
        if value.flow_style and any(isinstance(c, yaml.SequenceNode) for c in value.value):
            nested.append(value)
        else:
            nested.extend(
                child
                for child in value.value
                if isinstance(child, yaml.SequenceNode)
                and child.flow_style
                and any(isinstance(c, yaml.SequenceNode) for c in child.value)
            )
    for node in nested:
        mark = node.start_mark
        message = (
            f'property "{key}" holds an unquoted [[link]], which YAML reads as a nested list,'
            ' not a link; put it in quotes: "[[...]]"'
        )
        yield Problem("unquoted-property-link", message, mark.line + first_line, mark.column + 1)


class FrontmatterReader:
    """Reads frontmatter blocks; holds the small parser used for links in property values."""

    def __init__(self, inline_parser: MarkdownIt) -> None:
        self.inline = inline_parser

    def read(self, source: str, yaml_text: str, first_line: int) -> Frontmatter:
        """Read ``yaml_text``, whose first line is line ``first_line`` (1-based) of the file."""
        try:
            loaded: Any = _YAML.load(yaml_text, Loader=_PropertiesLoader)
        except yaml.YAMLError as error:
            return Frontmatter({}, (), (_yaml_problem(error, first_line),), (), (), None)
        except RecursionError:
            problem = Problem(
                "invalid-frontmatter", "front matter is nested too deeply to read", first_line - 1
            )
            return Frontmatter({}, (), (problem,), (), (), None)
        if loaded is None:
            return EMPTY
        if not isinstance(loaded, Mapping):
            kind = type(loaded).__name__
            message = f"front matter must be a list of properties (key: value), not a {kind}"
            return Frontmatter(
                {}, (), (Problem("invalid-frontmatter", message, first_line),), (), (), None
            )
        budget = [MAX_VALUES]
        try:
            properties = {str(k): _plain(v, budget) for k, v in loaded.items()}
        except _TooLarge as error:
            message = f"front matter {error}; properties ignored"
            problem = Problem("invalid-frontmatter", message, first_line - 1)
            return Frontmatter({}, (), (problem,), (), (), None)
        problems: list[Problem] = []
        links: list[Link] = []
        # The values loaded within limits, so a failure here can only cost link positions.
        with contextlib.suppress(_TooLarge, yaml.YAMLError, RecursionError):
            self._scan_nodes(source, yaml_text, first_line, links, problems)
        aliases = _strings(properties.get("aliases", properties.get("alias")))
        tags = _tag_values(properties.get("tags", properties.get("tag")))
        return Frontmatter(
            properties=properties,
            links=tuple(links),
            problems=tuple(problems),
            aliases=aliases,
            tags=tags,
            ignored_checks=_ignored(properties.get(IGNORE_KEY)),
        )

    def _scan_nodes(
        self,
        source: str,
        yaml_text: str,
        first_line: int,
        links: list[Link],
        problems: list[Problem],
    ) -> None:
        root = yaml.compose(yaml_text, Loader=_Loader)
        if not isinstance(root, yaml.MappingNode):
            return
        starts = _line_starts(yaml_text)
        seen_keys: dict[str, int] = {}
        budget = [MAX_VALUES * 2]
        for key_node, value_node in root.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + first_line
            if key in seen_keys:
                message = (
                    f'duplicate property "{key}" (first on line {seen_keys[key]});'
                    " Obsidian cannot read these properties"
                )
                column = key_node.start_mark.column + 1
                problems.append(Problem("invalid-frontmatter", message, line, column))
            else:
                seen_keys[key] = line
            for scalar in _walk_scalars(value_node, budget):
                if isinstance(scalar.value, str) and "[[" in scalar.value:
                    links.extend(
                        self._links_in_scalar(source, key, scalar, yaml_text, starts, first_line)
                    )
            problems.extend(_unquoted_links(key, value_node, first_line))

    def _links_in_scalar(
        self,
        source: str,
        key: str,
        scalar: yaml.ScalarNode,
        yaml_text: str,
        starts: list[int],
        first_line: int,
    ) -> Iterator[Link]:
        from wikigraph.parse import split_wikilink  # local: parse imports this module

        value: str = scalar.value
        begin = starts[scalar.start_mark.line] + scalar.start_mark.column
        end = (
            starts[scalar.end_mark.line] + scalar.end_mark.column
            if scalar.end_mark.line < len(starts)
            else len(yaml_text)
        )
        written = yaml_text[begin:end]
        cursor = 0
        for token in self.inline.parseInline(value):
            for child in token.children or ():
                if child.type != "wikilink":
                    continue
                raw = value[child.meta["start"] : child.meta["end"]]
                found = written.find(raw, cursor)
                if found >= 0:
                    cursor = found + len(raw)
                    offset = begin + found
                else:  # escapes in a quoted string: point at the value itself
                    offset = begin
                line_index = _bisect(starts, offset)
                line = line_index + first_line
                column = offset - starts[line_index] + 1
                path, subpath, display = split_wikilink(child.content)
                yield Link(
                    source=source,
                    line=line,
                    column=column,
                    end_line=line,
                    end_column=column + len(raw),
                    raw=raw,
                    kind=LinkKind.EMBED if child.meta["embed"] else LinkKind.WIKILINK,
                    location=Location.FRONTMATTER,
                    property=key,
                    path=path,
                    subpath=subpath,
                    display=display,
                )


def _bisect(starts: list[int], offset: int) -> int:
    low, high = 0, len(starts) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if starts[middle] <= offset:
            low = middle
        else:
            high = middle - 1
    return low


def _yaml_problem(error: yaml.YAMLError, first_line: int) -> Problem:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    line = first_line + mark.line if mark is not None else first_line - 1
    column = mark.column + 1 if mark is not None else 1
    text = " ".join(str(problem).split())
    return Problem("invalid-frontmatter", f"front matter is not valid YAML: {text}", line, column)
