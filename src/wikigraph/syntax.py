"""Obsidian syntax for markdown-it-py: wikilinks, embeds, ``%%`` comments, math, footnotes.

:func:`build_parser` returns the one configured ``MarkdownIt`` used for every note. Links
are found only by its tokenizer, so code spans, fenced and indented code, math, HTML
comments and HTML blocks never yield links. Every rule here records the offset of what it
matched in ``token.meta`` (``start`` and ``end`` in the inline source) so that the parse
stage can give each link its exact line and column.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

from markdown_it import MarkdownIt, rules_block, rules_inline
from markdown_it.common.utils import mdTrim
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

InlineRule = Callable[[StateInline, bool], bool]

WIKILINK = "wikilink"
COMMENT = "obsidian_comment"
COMMENT_BLOCK = "obsidian_comment_block"

RULE_STARTS = "!$%<[\\]^`"
"""Every character at which an enabled inline rule can match: ``!`` images and embeds, ``$``
math, ``%`` comments, ``<`` autolinks and HTML, ``[`` links, wikilinks and footnotes, ``\\``
escapes, ``^`` inline footnotes, a backtick for code spans, and ``]``, where link labels end.
Text between two of them can never start a token, so the lean parser skips it in one step."""
_RULE_START = re.compile("[" + re.escape(RULE_STARTS) + "]")
_KNOWN_INLINE_RULES = frozenset(
    {"text", "math_inline", "escape", "backticks", WIKILINK, COMMENT, "link", "image"}
    | {"footnote_inline", "footnote_ref", "autolink", "html_inline"}
)
"""The inline rules whose first characters are all in :data:`RULE_STARTS`."""


def wikilink_rule(state: StateInline, silent: bool) -> bool:
    """Match ``[[...]]`` or ``![[...]]`` on one line; ``[[`` inside starts a new attempt.

    Each attempt looks no further than the next ``[[``, so a line of many unclosed
    ``[[`` is scanned in linear time.
    """
    src = state.src
    start = state.pos
    if src.startswith("![[", start):
        inner = start + 3
        embed = True
    elif src.startswith("[[", start):
        inner = start + 2
        embed = False
    else:
        return False
    if inner < state.posMax and src[inner] == "[":
        return False  # `[[[x]]]`: the link starts one bracket later
    limit = src.find("[[", inner, state.posMax)
    if limit < 0:
        limit = state.posMax
    close = src.find("]]", inner, limit)
    if close < 0 or src.find("\n", inner, close) >= 0:
        return False
    end = close + 2
    if not silent:
        token = state.push(WIKILINK, "", 0)
        token.content = src[inner:close]
        token.markup = "![[" if embed else "[["
        token.meta = {"start": start, "end": end, "embed": embed}
    state.pos = end
    return True


def _comment_rule(links_in_comments: bool) -> InlineRule:
    """``%% ... %%`` inside a paragraph: recorded; its text is skipped unless links count."""

    def comment(state: StateInline, silent: bool) -> bool:
        src = state.src
        start = state.pos
        if not src.startswith("%%", start):
            return False
        closes: set[int] = state.__dict__.setdefault("wg_comment_closes", set())
        if start in closes:
            if not silent:
                state.append_pending("%%")
            state.pos = start + 2
            return True
        close = src.find("%%", start + 2, state.posMax)
        if close < 0:
            return False
        if not silent:
            token = state.push(COMMENT, "", 0)
            token.content = src[start + 2 : close]
            token.meta = {"start": start, "end": close + 2}
        if links_in_comments:
            closes.add(close)
            state.pos = start + 2
        else:
            state.pos = close + 2
        return True

    return comment


def _comment_block_rule(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """A ``%%`` comment that starts a line and runs over several lines (links ignored)."""
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False
    begin = state.bMarks[start_line] + state.tShift[start_line]
    line_end = state.eMarks[start_line]
    if not state.src.startswith("%%", begin):
        return False
    if state.src.find("%%", begin + 2, line_end) >= 0:
        return False  # opens and closes on one line: the inline rule handles it
    line = start_line + 1
    while line < end_line:
        if state.src.find("%%", state.bMarks[line], state.eMarks[line]) >= 0:
            break
        line += 1
    if line >= end_line:
        return False  # never closed: plain text, as in Obsidian's editor
    if silent:
        return True
    token = state.push(COMMENT_BLOCK, "", 0)
    token.content = state.src[begin + 2 : state.eMarks[line]]
    token.map = [start_line, line + 1]
    state.line = line + 1
    return True


def _recording(rule: InlineRule, kinds: tuple[str, ...], skip: str | None = None) -> InlineRule:
    """Wrap a built-in rule so the token it opens remembers where its source starts and ends.

    ``skip`` is a prefix at which the rule is not tried: a ``[[`` that the wikilink rule
    declined is unclosed, and a Markdown label starting with ``[`` would cost a rescan of
    the rest of the paragraph at every such bracket.
    """

    def recorded(state: StateInline, silent: bool) -> bool:
        start = state.pos
        if skip is not None and state.src.startswith(skip, start):
            return False
        first = len(state.tokens)
        if not rule(state, silent):
            return False
        if not silent:
            for token in state.tokens[first:]:
                if token.type in kinds:
                    token.meta = {**(token.meta or {}), "start": start, "end": state.pos}
                    break
        return True

    return recorded


def lean_text_rule(state: StateInline, silent: bool) -> bool:
    """Skip plain text up to the next character where an enabled rule can match.

    markdown-it's own text rule also stops at characters of rules that are switched off
    here (emphasis, entities, line breaks...); each such stop costs a pass over every rule.
    Since no rule can match at the skipped characters, the tokens are the same.
    """
    start = state.pos
    found = _RULE_START.search(state.src, start, state.posMax)
    end = found.start() if found else state.posMax
    if end == start:
        return False
    if not silent:
        state.append_pending(state.src[start:end])
    state.pos = end
    return True


def plain_inline_core(starts: str) -> Callable[[StateCore], None]:
    """markdown-it's ``inline`` core rule, skipping content where no inline rule can match.

    ``starts`` holds every character at which an enabled inline rule can match. Content
    without any of them (a heading or list item of plain words, say) becomes the single
    text token the full inline parser would give it, without building a parser state.
    """
    pattern = re.compile("[" + re.escape(starts) + "]")

    def inline(state: StateCore) -> None:
        md = state.md
        for token in state.tokens:
            if token.type != "inline":
                continue
            if token.children is None:
                token.children = []
            content = token.content
            if pattern.search(content) is not None:
                md.inline.parse(content, md, state.env, token.children)
            elif content:
                text = Token("text", "", 0)
                text.content = content
                token.children.append(text)

    return inline


lean_inline_core = plain_inline_core(RULE_STARTS)
"""The ``inline`` core rule of the lean note parser (see :func:`plain_inline_core`)."""


BlockRule = Callable[[StateBlock, int, int, bool], bool]

BLOCK_RULE_STARTS = {
    "front_matter": "-",
    "code": "",
    "math_block": "$",
    "fence": "`~",
    "blockquote": ">",
    "hr": "*-_",
    "list": "*+-0123456789",
    "footnote_def": "[",
    "reference": "[",
    "html_block": "<",
    "heading": "#",
    COMMENT_BLOCK: "%",
}
"""For these block rules, every character that can start a line they match (after its
indent), unless the line is indented as code, where every rule is tried. The ``code`` rule
matches only such lines. A rule not named here (``table``, which looks at the next line,
``paragraph``...) may match a line starting with any character."""


class RulesByStart:
    """The rules of one of markdown-it's block chains, narrowed by a line's first character.

    markdown-it tries every rule of a chain, in order, at the start of each block and, for
    the paragraph's terminators, at each of its lines; nearly all of them return at once
    because the line does not start with their marker. :meth:`at` gives only the rules that
    can match, still in order, so the first that matches is the same rule.
    """

    def __init__(self, md: MarkdownIt, chain: str) -> None:
        ruler = md.block.ruler
        names = dict(zip(ruler.getRules(""), ruler.get_active_rules(), strict=True))
        rules = ruler.getRules(chain)
        starts = [(rule, BLOCK_RULE_STARTS.get(names.get(rule, ""))) for rule in rules]
        self.every: tuple[BlockRule, ...] = tuple(rules)
        self.anywhere = tuple(rule for rule, start in starts if start is None)
        self.by_start = {
            char: tuple(rule for rule, start in starts if start is None or char in start)
            for _, start in starts
            for char in start or ""
        }

    def at(self, state: StateBlock, line: int) -> tuple[BlockRule, ...]:
        """The rules that can match at ``line``, which is not empty."""
        if state.sCount[line] - state.blkIndent >= 4:
            return self.every
        char = state.src[state.bMarks[line] + state.tShift[line]]
        return self.by_start.get(char, self.anywhere)


def block_tokenizer(rules: RulesByStart) -> Callable[[StateBlock, int, int], None]:
    """markdown-it's block tokenizer, trying at each block only the rules that can match."""

    def tokenize(state: StateBlock, start_line: int, end_line: int) -> None:
        max_nesting = state.md.options.maxNesting
        after_empty = False
        line = start_line
        while line < end_line:
            line = state.line = state.skipEmptyLines(line)
            if line >= end_line or state.sCount[line] < state.blkIndent:
                break  # the end of the range, or of the list item or quote being parsed
            if state.level >= max_nesting:
                state.line = end_line
                break
            for rule in rules.at(state, line):
                if rule(state, line, end_line, False):
                    if state.line <= line:
                        raise RuntimeError("block rule didn't increment state.line")
                    break
            else:
                raise RuntimeError("none of the block rules matched")
            # Lists read this: no empty line between the blocks parsed so far.
            state.tight = not after_empty
            line = state.line
            if line - 1 < end_line and state.isEmpty(line - 1):
                after_empty = True  # a paragraph in a list item can take one empty line
            if line < end_line and state.isEmpty(line):
                after_empty = True
                line += 1
                state.line = line

    return tokenize


def _setext_marker(state: StateBlock, line: int) -> str:
    """``=`` or ``-`` when ``line`` underlines a setext heading, else an empty string."""
    if state.sCount[line] < state.blkIndent or state.sCount[line] - state.blkIndent > 3:
        return ""
    start = state.bMarks[line] + state.tShift[line]
    end = state.eMarks[line]
    if start >= end or state.src[start] not in "-=":
        return ""
    marker = state.src[start]
    after = state.skipSpaces(state.skipCharsStr(start, marker))
    return marker if after >= end else ""


def setext_or_paragraph(terminators: RulesByStart) -> BlockRule:
    """markdown-it's ``lheading`` and ``paragraph`` rules, in one pass over the lines.

    markdown-it first runs ``lheading``, which scans the paragraph's lines for a setext
    underline (``===`` or ``---``), and, when there is none (nearly always), runs
    ``paragraph``, which scans the same lines again with the same checks. This rule scans
    once and gives the same tokens, and leaves ``parentType`` as that pair does. Where a
    paragraph may run past ``end_line`` (never with markdown-it's own callers), it defers
    to the two rules. ``terminators`` is the parser's ``paragraph`` chain: the rules that
    can end a paragraph.
    """

    def rule(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        if end_line != state.lineMax:
            return rules_block.lheading(state, start_line, end_line, silent) or (
                rules_block.paragraph(state, start_line, end_line, silent)
            )
        return _setext_or_paragraph(state, start_line, end_line, terminators)

    return rule


def _setext_or_paragraph(
    state: StateBlock, start_line: int, end_line: int, terminators: RulesByStart
) -> bool:
    if state.is_code_block(start_line):
        return False
    old_parent = state.parentType
    state.parentType = "paragraph"
    line = start_line + 1
    marker = ""
    while line < end_line and not state.isEmpty(line):
        indent = state.sCount[line] - state.blkIndent
        if indent <= 3:
            marker = _setext_marker(state, line)
            if marker:
                break
            if state.sCount[line] >= 0 and any(
                rule(state, line, end_line, True) for rule in terminators.at(state, line)
            ):
                break
        line += 1
    content = mdTrim(state.getLines(start_line, line, state.blkIndent, False))
    if marker:
        tag = "h1" if marker == "=" else "h2"
        state.line = line + 1
        token = state.push("heading_open", tag, 1)
        token.markup = marker
        token.map = [start_line, state.line]
        token = state.push("inline", "", 0)
        token.content = content
        token.map = [start_line, state.line - 1]
        token.children = []
        token = state.push("heading_close", tag, -1)
        token.markup = marker
        state.parentType = old_parent
        return True
    state.line = line
    token = state.push("paragraph_open", "p", 1)
    token.map = [start_line, line]
    token = state.push("inline", "", 0)
    token.content = content
    token.map = [start_line, line]
    token.children = []
    state.push("paragraph_close", "p", -1)
    # A failed lheading leaves "paragraph" behind, and paragraph restores that.
    state.parentType = "paragraph"
    return True


def build_parser(*, links_in_comments: bool = True, lean: bool = True) -> MarkdownIt:
    """The markdown-it-py parser for notes: CommonMark, tables, footnotes, math, Obsidian links.

    Link destinations are kept as written (no normalisation, no URL validation): the
    resolve stage decodes them and decides what is safe. ``lean`` skips text that no rule
    can match (:func:`lean_text_rule`, :func:`lean_inline_core`); the tokens are the same
    either way, the lean parser is only faster.
    """
    md = MarkdownIt("commonmark", {"maxNesting": 64}).enable("table")
    md.use(front_matter_plugin)
    md.use(footnote_plugin)
    md.use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True)
    # Emphasis, entities and line breaks never change what is a link; skipping them is faster.
    md.disable(["emphasis", "entity", "newline", "text_join"])
    md.inline.ruler2.disable(["balance_pairs", "fragments_join"], ignoreInvalid=True)
    md.inline.ruler.before("link", WIKILINK, wikilink_rule)
    md.inline.ruler.before("link", COMMENT, _comment_rule(links_in_comments))
    if not links_in_comments:
        md.block.ruler.before(
            "paragraph", COMMENT_BLOCK, _comment_block_rule, {"alt": ["paragraph"]}
        )
    md.inline.ruler.at("link", _recording(rules_inline.link, ("link_open",), "[["))
    md.inline.ruler.at("image", _recording(rules_inline.image, ("image",), "![["))
    md.inline.ruler.at("autolink", _recording(rules_inline.autolink, ("link_open",)))
    md.normalizeLink = lambda url: url  # type: ignore[method-assign]
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    if lean and set(md.inline.ruler.get_active_rules()) <= _KNOWN_INLINE_RULES:
        md.inline.ruler.at("text", lean_text_rule)
        md.core.ruler.at("inline", lean_inline_core)
    if lean:
        use_lean_block_rules(md)
    return md


def use_lean_block_rules(md: MarkdownIt) -> None:
    """Make ``md``'s block parser try only the rules that can match the line at hand.

    Call it once ``md`` is set up: it reads the rules then enabled. Setext headings and
    paragraphs are found in one pass when ``paragraph`` follows ``lheading``.
    """
    ruler = md.block.ruler
    names = ruler.get_active_rules()
    if ("lheading", "paragraph") in itertools.pairwise(names):
        ruler.at("lheading", setext_or_paragraph(RulesByStart(md, "paragraph")))
    md.block.tokenize = block_tokenizer(RulesByStart(md, ""))  # type: ignore[method-assign,assignment]


def build_inline_parser() -> MarkdownIt:
    """A parser for the text of frontmatter properties: wikilinks and embeds only."""
    md = MarkdownIt("zero")
    md.inline.ruler.before("text", WIKILINK, wikilink_rule)
    return md
