"""Render the start of a note as a safe preview for the HTML view.

Takes Markdown text (a note's excerpt); returns a small JSON tree the page turns into DOM
nodes with ``createElement`` and ``textContent``, so no note text is ever parsed as HTML.

The text is parsed by markdown-it-py with raw HTML disabled (``html=False``: tags in the
note stay literal text). A tree node is either a string (text) or a list
``[tag, attributes, *children]`` where ``tag`` is one of :data:`TAGS` and the attributes
can only be:

* ``{"start": n}`` on ``ol``;
* ``{"ref": path}`` on ``a``: a link to another file of the vault, as written; the page
  looks it up in the note's ``refs`` (see :mod:`wikigraph.render`) to find the node it
  leads to (a click selects that node). It is never used as a URL;
* ``{"cls": name}`` on ``span`` with a name from :data:`CLASSES` (an external link,
  an embed, an image placeholder), and ``{"title": text}`` on it (the URL, shown as a
  tooltip, never followed).

Images are never loaded and external links are not clickable: a preview makes no request.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

from wikigraph.digests import blake2b
from wikigraph.files import write_atomic_pieces
from wikigraph.model import Note
from wikigraph.parse import split_destination, split_wikilink
from wikigraph.syntax import (
    WIKILINK,
    plain_inline_core,
    use_lean_block_rules,
    wikilink_rule,
)

PreviewNode = object
"""A text (``str``) or an element (``list``: tag, attributes, children...)."""

TAGS = frozenset(
    {
        "p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre",
        "code", "em", "strong", "s", "hr", "br", "table", "thead", "tbody", "tr", "th",
        "td", "a", "span",
    }
)  # fmt: skip
"""Every element a preview may contain."""
CLASSES = frozenset({"external", "embed", "image"})
_COMMENT = re.compile(r"%%.*?%%", re.DOTALL)
PREVIEW_CHARS = 480
"""A preview shows at most about this much of the note's start (its excerpt)."""
MAX_NODES = 2000
"""Stop adding elements beyond this many (a pathological excerpt stays small)."""


def shorten(text: str, limit: int = PREVIEW_CHARS) -> str:
    """The start of ``text``, cut at a line end before ``limit`` characters when it is longer."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit)
    if cut < limit // 2:
        cut = text.rfind(" ", 0, limit)
    if cut < limit // 2:
        cut = limit
    return text[:cut].rstrip() + " …"


_INLINE_RULES = frozenset(
    {"text", "newline", "escape", "backticks", "strikethrough", "emphasis", WIKILINK}
    | {"link", "image", "autolink", "html_inline", "entity"}
)
"""The inline rules of the preview parser whose first characters are all in :data:`_STARTS`."""
_STARTS = "\n!&*<[\\]_`~"
"""Every character at which one of :data:`_INLINE_RULES` can match."""


def build_preview_parser(*, lean: bool = True) -> MarkdownIt:
    """The markdown-it-py parser for previews: CommonMark, tables, wikilinks, no raw HTML.

    ``lean`` gives inline content where no rule can match its text token directly, and
    finds setext headings and paragraphs in one pass; the tokens are the same either way.
    """
    md = MarkdownIt("commonmark", {"html": False, "maxNesting": 20}).enable(
        ["table", "strikethrough"]
    )
    md.inline.ruler.before("link", WIKILINK, wikilink_rule)
    if lean and set(md.inline.ruler.get_active_rules()) <= _INLINE_RULES:
        md.core.ruler.at("inline", plain_inline_core(_STARTS))
    if lean:
        use_lean_block_rules(md)
    return md


class PreviewRenderer:
    """Turns Markdown into preview trees; build one and reuse it."""

    def __init__(self, *, lean: bool = True) -> None:
        self.md = build_preview_parser(lean=lean)

    def render(self, markdown: str) -> list[PreviewNode]:
        """The preview tree (a list of top-level nodes) of ``markdown``."""
        text = _COMMENT.sub("", markdown)
        tokens = self.md.parse(text)
        budget = [MAX_NODES]
        root: list[object] = []
        stack: list[list[object]] = [root]
        for token in tokens:
            self._block(token, stack, budget)
        return root

    def _block(self, token: Token, stack: list[list[object]], budget: list[int]) -> None:
        kind = token.type
        if kind == "inline":
            stack[-1].extend(_inline(token.children or [], budget))
        elif kind in ("fence", "code_block"):
            stack[-1].append(["pre", {}, ["code", {}, token.content.rstrip("\n")]])
        elif kind == "hr":
            stack[-1].append(["hr", {}])
        elif kind == "html_block":
            stack[-1].append(["p", {}, token.content.rstrip("\n")])
        elif token.hidden and kind in ("paragraph_open", "paragraph_close"):
            return  # tight list: the text goes straight into the item
        elif token.nesting == 1:
            attributes: dict[str, object] = {}
            if token.tag == "ol":
                start = token.attrGet("start")
                if isinstance(start, int | str) and str(start).isdigit() and int(start) != 1:
                    attributes["start"] = int(start)
            element: list[object] = [token.tag if token.tag in TAGS else "p", attributes]
            if budget[0] > 0:
                budget[0] -= 1
                stack[-1].append(element)
            stack.append(element)
        elif token.nesting == -1 and len(stack) > 1:
            stack.pop()


def _text_of(tokens: Sequence[Token]) -> str:
    return "".join(t.content for t in tokens if t.type in ("text", "code_inline"))


def _inline(tokens: Sequence[Token], budget: list[int]) -> Iterator[PreviewNode]:
    """Inline tokens as tree nodes; nested ``*_open``/``*_close`` pairs become elements."""
    stack: list[list[object]] = [[]]
    for token in tokens:
        kind = token.type
        out = stack[-1]
        if kind == "text":
            if token.content:
                out.append(token.content)
        elif kind == "code_inline":
            out.append(["code", {}, token.content])
        elif kind == "softbreak":
            out.append("\n")
        elif kind == "hardbreak":
            out.append(["br", {}])
        elif kind in ("html_inline",):
            out.append(token.content)
        elif kind == WIKILINK:
            out.append(_wikilink(token))
        elif kind == "image":
            alt = _text_of(token.children or []) or token.content
            out.append(["span", {"cls": "image"}, "🖼 " + (alt or "image")])
        elif kind == "link_open":
            href = str(token.attrGet("href") or "")
            path, _subpath, is_url = split_destination(href)
            if is_url or not path:
                element: list[object] = ["span", {"cls": "external", "title": href}]
            else:
                element = ["a", {"ref": path}]
            out.append(element)
            stack.append(element)
        elif token.nesting == 1:
            tag = {"em_open": "em", "strong_open": "strong", "s_open": "s"}.get(kind, "span")
            element = [tag, {}]
            out.append(element)
            stack.append(element)
        elif token.nesting == -1 and len(stack) > 1:
            stack.pop()
        budget[0] -= 1
        if budget[0] <= 0:
            break
    yield from stack[0]


def _wikilink(token: Token) -> PreviewNode:
    path, subpath, display = split_wikilink(token.content)
    shown = display or (path + (f" > {subpath}" if subpath else "")) or token.content
    if token.meta.get("embed"):
        return ["span", {"cls": "embed"}, "⧉ " + (path or token.content)]
    if not path:
        return shown
    return ["a", {"ref": path}, shown]


def preview_refs(tree: Sequence[PreviewNode]) -> Iterator[list[object]]:
    """Every ``a`` element of a tree that carries a ``ref``."""
    for node in tree:
        if isinstance(node, list):
            attributes = node[1]
            if node[0] == "a" and isinstance(attributes, dict) and "ref" in attributes:
                yield node
            yield from preview_refs(node[2:])


CACHE_FILE = "previews.txt"
CACHE_HEADER = "wikigraph previews 3"
"""The first line of the cache file; then a line per preview: key, refs and tree, tab-separated."""
_OLD_CACHE_FILES = ("previews.json",)


@dataclass(frozen=True, slots=True)
class PreviewText:
    """A preview tree as compact JSON text, and the links it holds."""

    tree: str
    """The tree as JSON (``json.dumps`` without spaces; not yet made safe for a page)."""
    refs: tuple[str, ...]
    """The ``ref`` of every ``a`` element, in document order."""


def preview_text(tree: Sequence[PreviewNode]) -> PreviewText:
    """The :class:`PreviewText` of a preview tree."""
    refs = []
    for element in preview_refs(tree):
        attributes = element[1]
        if isinstance(attributes, dict):
            refs.append(str(attributes.get("ref")))
    return PreviewText(_dumps(tree), tuple(refs))


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _excerpt_key(text: str) -> str:
    return blake2b(text.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def _read_cache(cache_dir: Path | None) -> dict[str, tuple[str, str]]:
    """Cached ``(refs, tree)`` JSON texts by excerpt key; empty when unreadable."""
    if cache_dir is None:
        return {}
    entries: dict[str, tuple[str, str]] = {}
    try:
        # Line by line: the file of a large vault is a hundred megabytes or more.
        with open(
            cache_dir / CACHE_FILE, encoding="utf-8", errors="surrogatepass", newline="\n"
        ) as lines:
            if lines.readline().rstrip("\n") != CACHE_HEADER:
                return {}
            for line in lines:
                parts = line.rstrip("\n").split("\t")
                if len(parts) == 3:
                    entries[parts[0]] = (parts[1], parts[2])
    except (OSError, UnicodeDecodeError):
        return {}
    return entries


def _cached(refs: str, tree: str) -> PreviewText | None:
    """A cache entry as a :class:`PreviewText`, or None when it does not hold one."""
    try:
        found = json.loads(refs)
    except ValueError:
        return None
    if not isinstance(found, list) or not all(isinstance(ref, str) for ref in found):
        return None
    if not tree.startswith("[") or not tree.endswith("]"):
        return None
    return PreviewText(tree, tuple(found))


@dataclass(frozen=True, slots=True)
class PreviewPlan:
    """What the previews of some notes need: the cached ones, and the texts to render."""

    keys: dict[str, str]
    """The excerpt key of every note with an excerpt, by path."""
    found: dict[str, PreviewText]
    """Previews by excerpt key, from the cache."""
    missing: dict[str, str]
    """Shortened excerpts to render, by key."""
    cached: int
    """How many previews the cache held."""


def preview_source(note: Note) -> str | None:
    """The Markdown a note's preview is rendered from: its excerpt, shortened; None when
    it has none."""
    return shorten(note.excerpt) if note.excerpt else None


def plan_previews(notes: Iterable[Note], cache_dir: Path | None = None) -> PreviewPlan:
    """Look up the preview of every note with an excerpt in the cache in ``cache_dir``."""
    cached = _read_cache(cache_dir)
    keys: dict[str, str] = {}
    found: dict[str, PreviewText] = {}
    missing: dict[str, str] = {}
    for note in notes:
        text = preview_source(note)
        if text is None:
            continue
        key = _excerpt_key(text)
        keys[note.path] = key
        if key in found or key in missing:
            continue
        entry = cached.get(key)
        preview = _cached(*entry) if entry is not None else None
        if preview is None:
            missing[key] = text
        else:
            found[key] = preview
    return PreviewPlan(keys, found, missing, len(cached))


def render_previews(texts: Sequence[str]) -> list[PreviewText]:
    """The previews of Markdown texts (shortened excerpts)."""
    renderer = PreviewRenderer()
    return [preview_text(renderer.render(text)) for text in texts]


def finish_previews(
    plan: PreviewPlan, rendered: Sequence[PreviewText], cache_dir: Path | None = None
) -> dict[str, PreviewText]:
    """Every note's preview, by path, from the plan and the rendered ``missing`` texts (in
    their order); the cache in ``cache_dir`` is rewritten when it changed."""
    found = dict(plan.found)
    found.update(zip(plan.missing, rendered, strict=True))
    if cache_dir is not None and (plan.missing or len(found) != plan.cached):
        with contextlib.suppress(OSError):
            write_atomic_pieces(cache_dir / CACHE_FILE, _cache_pieces(found))
            for old in _OLD_CACHE_FILES:
                (cache_dir / old).unlink(missing_ok=True)
    return {path: found[key] for path, key in plan.keys.items()}


def _cache_pieces(previews: Mapping[str, PreviewText]) -> Iterator[bytes]:
    """The preview cache file for previews by excerpt key, a few thousand lines at a time."""
    lines = [CACHE_HEADER]
    for key in sorted(previews):
        preview = previews[key]
        lines.append(f"{key}\t{_dumps(list(preview.refs))}\t{preview.tree}")
        if len(lines) >= 2000:
            yield "\n".join(lines).encode("utf-8", "surrogatepass")
            lines = [""]
    yield "\n".join(lines).encode("utf-8", "surrogatepass")


def preview_texts(notes: Iterable[Note], cache_dir: Path | None = None) -> dict[str, PreviewText]:
    """The preview of every note with an excerpt (:func:`shorten`-ed), as JSON text, reusing
    what the cache in ``cache_dir`` holds (and storing what it did not)."""
    plan = plan_previews(notes, cache_dir)
    return finish_previews(plan, render_previews(list(plan.missing.values())), cache_dir)


def note_previews(
    notes: Iterable[Note], cache_dir: Path | None = None
) -> dict[str, list[PreviewNode]]:
    """The preview tree of every note with an excerpt (:func:`shorten`-ed), reusing trees cached
    in ``cache_dir``."""
    return {path: json.loads(p.tree) for path, p in preview_texts(notes, cache_dir).items()}
