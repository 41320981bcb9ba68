"""Render the vault's graph as one self-contained, offline, script-safe HTML page.

Takes a loaded :class:`~wikigraph.vault.Vault` (plus what a build gathered: positions,
colour groups, statistics, diagnostics, previews) and returns the page as a string.

pyvis is the graph and options model (:mod:`wikigraph.visnetwork`), and the source of the
vis-network script and style, which are inlined from the installed package; the page itself
comes from wikigraph's own Jinja template with autoescaping on. Security rules, all applied
here:

* every piece of data (nodes, edges, options, panel data) goes through one encoder,
  :func:`json_for_script`, into ``<script type="application/json">`` blocks that the page
  reads with ``JSON.parse``; the encoder escapes ``<``, ``>``, ``&``, ``'``, U+2028 and
  U+2029, so no note text can end a script element;
* only allowlisted node and edge fields reach vis-network
  (:data:`~wikigraph.visnetwork.NODE_FIELDS`, :data:`~wikigraph.visnetwork.EDGE_FIELDS`),
  with colours from wikigraph's own palette;
* the page builds its DOM with ``createElement`` and ``textContent`` only; previews are
  trees from :mod:`wikigraph.preview`, never HTML;
* the only URLs the page makes are ``obsidian://open?vault=...&file=...``, percent-encoded
  here, and in-page anchors;
* a Content-Security-Policy ``<meta>`` allows exactly the inline scripts of the page, by
  their sha256 hashes, and no network at all.
"""

from __future__ import annotations

import base64
import json
import math
import re
import secrets
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from wikigraph import __version__
from wikigraph.background import Helper
from wikigraph.digests import sha256
from wikigraph.files import write_atomic_pieces
from wikigraph.graph import (
    ATTACHMENT,
    NODE_KINDS,
    NOTE,
    TAG,
    UNRESOLVED,
    GraphTable,
    unresolved_node,
    vault_table,
)
from wikigraph.model import Note, ResolvedLink
from wikigraph.obsidian_graph import FileFacts, ObsidianGraph, match_groups
from wikigraph.preview import PreviewPlan, PreviewText
from wikigraph.resolve import name_key
from wikigraph.visnetwork import (
    column,
    edge_columns,
    network_options,
    node_columns,
    vis_network,
)

if TYPE_CHECKING:
    from wikigraph.checks import Diagnostic
    from wikigraph.layout import Layout
    from wikigraph.vault import Vault

GENERATOR = "wikigraph"
"""The ``<meta name="generator">`` of every page; build only overwrites pages that carry it."""
VIS_FOLDER = "templates/lib/vis-9.1.2"
KIND_CODES = {NOTE: 0, ATTACHMENT: 1, UNRESOLVED: 2, TAG: 3}
COLOR_MODES = ("folder", "tag", "community", "obsidian")
PHYSICS_MAX_NODES = 800
"""Up to this many nodes the page settles the layout itself; above, positions are fixed."""
LARGE_NODES = 3000
"""From this many nodes on, labels appear only when zoomed in and hover dims nothing."""
LOCAL_START_NODES = 20000
LOCAL_START_LINKS = 200000
"""Above this many nodes or links shown at first, the page opens in the local graph of the
most linked note: drawing everything at once would take the browser many seconds."""
PALETTE = (
    "#5b8def",
    "#f0883e",
    "#46b55a",
    "#e5534b",
    "#a371f7",
    "#2fb7c4",
    "#d4a72c",
    "#e46bb1",
    "#a87b5a",
    "#8cc152",
    "#6f7bd8",
    "#3d9e8f",
)
"""Group colours, readable on light and dark backgrounds."""
NEUTRAL = "#8b949e"
KIND_COLORS = {
    ATTACHMENT: "#c9a227",
    UNRESOLVED: "#8b949e",
    TAG: "#56c26a",
}
MAX_PROPERTIES = 40
STATS_LIST_LIMIT = 50
SHOWN_PROPERTIES = frozenset({"tags", "tag", "aliases", "alias"})
"""Properties the panel shows in their own sections, not in the properties list."""
MAX_PROPERTY_TEXT = 300
_SCRIPT_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "'": "\\u0027",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_SCRIPT_UNSAFE = re.compile("[<>&'\u2028\u2029\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
_URL_UNSAFE = re.compile(r"[^A-Za-z0-9_.~-]+")
"""Runs of characters that ``quote`` percent-encodes (all but its always-safe ones)."""


@dataclass(frozen=True, slots=True)
class ViewOptions:
    """Choices for the page."""

    title: str | None = None
    """Page title; defaults to the vault folder's name."""
    color_by: str = "folder"
    """Initial colouring: ``folder``, ``tag``, ``community`` or ``obsidian``."""
    obsidian_vault: str | None = None
    """Vault name for ``obsidian://`` links; defaults to the vault folder's name."""
    physics: bool | None = None
    """Settle the layout in the browser; None decides by size (:data:`PHYSICS_MAX_NODES`)."""


@dataclass(frozen=True, slots=True)
class PageProblem:
    """A diagnostic shown in a note's panel."""

    line: int
    column: int
    severity: str
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class PageInputs:
    """Everything the page shows besides the vault itself."""

    positions: Mapping[str, tuple[float, float]]
    """``(x, y)`` per graph node."""
    obsidian: ObsidianGraph = field(default_factory=ObsidianGraph)
    stats: Mapping[str, object] | None = None
    """``VaultStats.to_dict()``, when available."""
    communities: Mapping[str, int] | None = None
    """Community id per note."""
    problems: Mapping[str, Sequence[PageProblem]] = field(default_factory=dict)
    """Diagnostics per file path."""
    previews: Mapping[str, PreviewText] = field(default_factory=dict)
    """Preview per note path (see :func:`wikigraph.preview.preview_texts`)."""
    summary: str | None = None
    """The check summary line."""


@dataclass(frozen=True, slots=True)
class GraphView:
    """The page's data, each part one JSON block.

    ``nodes`` and ``edges`` are columns (see :func:`columns`); a column may be a numpy
    array. ``previews`` holds each node's preview tree as JSON text (None for none).
    """

    config: dict[str, object]
    options: dict[str, object]
    nodes: dict[str, object]
    edges: dict[str, object]
    meta: dict[str, object]
    panels: list[dict[str, object]]
    previews: list[str | None]
    stats: object
    ids: list[str] = field(default_factory=list, repr=False)
    """The graph's node ids in the page's order (not written to the page)."""


# --- encoding -------------------------------------------------------------------------------


def _escape_script_char(match: re.Match[str]) -> str:
    char = match.group(0)
    return _SCRIPT_ESCAPES.get(char) or f"\\u{ord(char):04x}"


def json_for_script(value: object) -> str:
    """JSON that is safe inside ``<script type="application/json">``: no ``<``, ``>``, ``&``,
    ``'``, U+2028, U+2029 or lone surrogate appears literally."""
    return _SCRIPT_UNSAFE.sub(_escape_script_char, _dumps(value))


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def clean_text(text: str) -> str:
    """Text that can be written as UTF-8: lone surrogates (undecodable file names) become U+FFFD."""
    return text if text.isascii() else _SURROGATE.sub("\ufffd", text)


def percent_encode(text: str) -> str:
    """``urllib.parse.quote(text, safe="")`` of text without lone surrogates, a run of
    characters to encode at a time (several times faster on paths)."""
    return _URL_UNSAFE.sub(_encode_match, text)


def _encode_match(match: re.Match[str]) -> str:
    return _encode_run(match.group())


@lru_cache(maxsize=4096)
def _encode_run(run: str) -> str:
    return "".join(f"%{byte:02X}" for byte in run.encode("utf-8"))


def obsidian_url(vault_name: str, path: str) -> str:
    """The ``obsidian://open`` URL of a file, every value percent-encoded."""
    vault = percent_encode(clean_text(vault_name))
    file = percent_encode(clean_text(path))
    return f"obsidian://open?vault={vault}&file={file}"


def script_hash(script: str) -> str:
    """The CSP source for one inline script: ``'sha256-...'`` of its UTF-8 text."""
    digest = sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def content_security_policy(scripts: Sequence[str]) -> str:
    """The page's policy: only these inline scripts run, nothing is fetched from anywhere."""
    hashes = " ".join(sorted({script_hash(s) for s in scripts}))
    return (
        f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


def inline_scripts(page: str) -> list[str]:
    """The bodies of the page's executable inline scripts (``<script>`` with no attributes)."""
    return _INLINE_SCRIPT.findall(page)


# --- assets ---------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _assets() -> dict[str, str]:
    """vis-network (from the installed pyvis) and the page's own script and style."""
    pyvis_files = resources.files("pyvis")
    own = resources.files("wikigraph") / "templates"
    return {
        "vis_js": (pyvis_files / VIS_FOLDER / "vis-network.min.js").read_text(encoding="utf-8"),
        "vis_css": (pyvis_files / VIS_FOLDER / "vis-network.css").read_text(encoding="utf-8"),
        "app_js": (own / "graph.js").read_text(encoding="utf-8"),
        "app_css": (own / "graph.css").read_text(encoding="utf-8"),
    }


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("wikigraph", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


# --- JSON for the page --------------------------------------------------------------------

_ARRAY_SLICE = 65536


def _array_json(values: npt.NDArray[Any]) -> Iterator[str]:
    """A numeric array as JSON, a slice at a time."""
    yield "["
    for start in range(0, len(values), _ARRAY_SLICE):
        part = ",".join(map(str, values[start : start + _ARRAY_SLICE].tolist()))
        yield ("," + part) if start else part
    yield "]"


def json_pieces(value: object) -> Iterator[str]:
    """``value`` as script-safe JSON (see :func:`json_for_script`), in pieces.

    Numpy arrays (in dicts, at any depth) are written a slice at a time, so that a large
    column is never one huge string.
    """
    if isinstance(value, np.ndarray):
        yield from _array_json(value)
    elif isinstance(value, dict) and any(isinstance(v, np.ndarray | dict) for v in value.values()):
        yield "{"
        for number, (key, item) in enumerate(value.items()):
            yield ("," if number else "") + json_for_script(str(key)) + ":"
            yield from json_pieces(item)
        yield "}"
    else:
        yield json_for_script(value)


def block_json(value: object) -> str:
    """A data block as the page holds it (see :func:`json_pieces`)."""
    return "".join(json_pieces(value))


_PANEL_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def panel_json(entry: Mapping[str, object]) -> str:
    """One node's panel entry as the page holds it: JSON with its text cleaned as
    :func:`clean_text` cleans it, safe inside a script element."""
    return _SCRIPT_UNSAFE.sub(_escape_script_char, clean_text(_PANEL_ENCODER.encode(entry)))


def preview_json(tree: str | None) -> str:
    """One node's preview tree (see :class:`~wikigraph.preview.PreviewText`) as the page
    holds it."""
    return "null" if tree is None else _SCRIPT_UNSAFE.sub(_escape_script_char, tree)


def _entry_pieces(entries: Iterable[str]) -> Iterator[str]:
    """A JSON list, one piece per entry (each but the first with its comma in front), so
    that a later build can replace one entry's bytes (see :class:`PageMap`)."""
    yield "["
    for number, text in enumerate(entries):
        yield ("," + text) if number else text
    yield "]"


def _plain(value: object) -> object:
    """A view value with its numpy arrays as lists (what the page's JSON holds)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


# --- the view model -------------------------------------------------------------------------


def _top_folder(path: str) -> str:
    return path.split("/", 1)[0] if "/" in path else ""


def _legend(
    values: Sequence[str | None], labels: Mapping[str, str] | None = None
) -> tuple[list[int], list[dict[str, object]]]:
    """Colour indices per node and legend entries: the biggest groups get the palette."""
    counts = Counter(v for v in values if v is not None)
    ranked = sorted(counts, key=lambda v: (-counts[v], v))
    shown = ranked[: len(PALETTE)]
    index = {value: i for i, value in enumerate(shown)}
    legend: list[dict[str, object]] = [
        {"label": (labels or {}).get(v, v), "color": PALETTE[i], "count": counts[v]}
        for i, v in enumerate(shown)
    ]
    rest = sum(counts[v] for v in ranked[len(PALETTE) :])
    if rest:
        legend.append({"label": "other", "color": NEUTRAL, "count": rest, "other": True})
    return [index.get(v, -1) if v is not None else -1 for v in values], legend


def _property_text(value: object) -> str:
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, list):
        text = ", ".join(_property_text(v) for v in value)
    elif isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False, sort_keys=False, default=str)
    else:
        text = str(value)
    if len(text) > MAX_PROPERTY_TEXT:
        text = text[: MAX_PROPERTY_TEXT - 1] + "…"
    return text


def _size(incoming: int, kind: str) -> float:
    base = 5.0 + 1.8 * math.sqrt(incoming)
    if kind in (TAG, UNRESOLVED, ATTACHMENT):
        base = 4.0 + 1.2 * math.sqrt(incoming)
    return round(min(base, 36.0), 1)


def _communities_from_stats(
    stats: Mapping[str, object] | None,
) -> tuple[dict[str, int], dict[str, str]]:
    """Community id per note and labels, read defensively from ``VaultStats.to_dict()``."""
    members: dict[str, int] = {}
    labels: dict[str, str] = {}
    raw = stats.get("communities") if stats else None
    if not isinstance(raw, list):
        return members, labels
    for entry in raw:
        if not isinstance(entry, dict):
            continue
        ident = entry.get("id")
        if not isinstance(ident, int) or isinstance(ident, bool):
            continue
        label = entry.get("label")
        if isinstance(label, str) and label:
            labels[str(ident)] = label
        paths = entry.get("members")
        if isinstance(paths, list):
            for path in paths:
                if isinstance(path, str):
                    members[path] = ident
    return members, labels


def graph_view(
    vault: Vault,
    inputs: PageInputs,
    options: ViewOptions = ViewOptions(),
    *,
    table: GraphTable | None = None,
) -> GraphView:
    """The page's data for ``vault``: vis nodes, edges and options, and the panels' data.

    ``table`` is the vault's :func:`~wikigraph.graph.vault_table`, when already made.
    """
    if table is None:
        table = vault_table(vault)
    notes = vault.checked_notes
    table_ids = table.ids
    count = table.size
    # Nodes are numbered by id, in the page; ``order`` gives the table's number of each.
    order = sorted(range(count), key=table_ids.__getitem__)
    number = np.empty(count, dtype=np.int64)
    number[order] = np.arange(count)
    ids = [table_ids[i] for i in order]
    codes = table.kinds[order] if count else np.zeros(0, dtype=np.int8)
    kinds = [NODE_KINDS[code] for code in codes.tolist()]
    note_of: list[Note | None] = [notes[i] if i < table.notes else None for i in order]
    physics = options.physics if options.physics is not None else count <= PHYSICS_MAX_NODES
    large = count >= LARGE_NODES
    obsidian = inputs.obsidian
    show_arrows = obsidian.show_arrow if obsidian.show_arrow is not None else True

    # Degrees: incoming links size a node; tag edges never make a note less of an orphan.
    edge_from = number[table.source]
    edge_to = number[table.target]
    incoming = np.bincount(edge_to, minlength=count).tolist()
    to_tag = codes[edge_to] == KIND_CODES[TAG]
    is_linked = np.zeros(count, dtype=bool)
    is_linked[edge_from[~to_tag]] = True
    is_linked[edge_to[~to_tag]] = True
    linked = is_linked.tolist()

    # Colour groups per mode.
    folder_values = [
        (_top_folder(ids[i]) or "/") if kinds[i] == NOTE else None for i in range(count)
    ]
    folder_colors, folder_legend = _legend(folder_values, {"/": "(top level)"})
    tag_values: list[str | None] = []
    for note in note_of:
        tags = note.tags if note is not None else ()
        tag_values.append("#" + str(tags[0]).split("/")[0].casefold() if tags else None)
    tag_colors, tag_legend = _legend(tag_values)
    modes: dict[str, tuple[list[int], list[dict[str, object]]]] = {
        "folder": (folder_colors, folder_legend),
        "tag": (tag_colors, tag_legend),
    }
    if obsidian.groups:
        facts = []
        for i in range(count):
            if kinds[i] in (NOTE, ATTACHMENT):
                note = note_of[i]
                facts.append(
                    FileFacts(
                        path=ids[i],
                        tags=tuple(str(t) for t in note.tags) if note is not None else (),
                        properties=dict(note.properties) if note is not None else {},
                        content=_content_reader(vault.root, ids[i]),
                    )
                )
        matched = match_groups(obsidian.groups, facts)
        matches = Counter(matched.values())
        modes["obsidian"] = (
            [matched.get(ids[i], -1) for i in range(count)],
            [
                {
                    "label": g.query,
                    "color": g.color,
                    "count": matches[n],
                    "unsupported": not g.supported,
                }
                for n, g in enumerate(obsidian.groups)
            ],
        )
    color_by = options.color_by if options.color_by in modes else "folder"

    def node_color(i: int, mode: str) -> str:
        if kinds[i] in (UNRESOLVED, TAG) or (kinds[i] == ATTACHMENT and mode != "obsidian"):
            return KIND_COLORS[kinds[i]]
        colors, legend = modes[mode]
        slot = colors[i]
        return str(legend[slot]["color"]) if slot >= 0 else NEUTRAL

    titles = table.titles
    labels = [clean_text(str(titles[i] or table_ids[i])) or " " for i in order]
    sizes = [_size(incoming[i], kinds[i]) for i in range(count)]
    colors = [node_color(i, color_by) for i in range(count)]

    # Edges, by source and then target number, each pair of nodes once; a link made more
    # than once is drawn wider.
    edge_order = np.lexsort((edge_to, edge_from))
    edge_count = len(edge_order)
    counts = table.count[edge_order].tolist()
    width = {c: round(min(0.8 + math.log2(c) * 0.7, 4.0), 2) for c in set(counts) if c > 1}
    network = vis_network(
        labels,
        sizes,
        colors,
        zip(
            edge_from[edge_order].tolist(),
            edge_to[edge_order].tolist(),
            [width.get(c) for c in counts],
            strict=True,
        ),
        physics=physics,
        large=large,
    )
    nodes = node_columns(network)
    if count:
        nodes["x"] = nodes["y"] = {"all": 0}
    edges = edge_columns(network)
    options_of_network = network_options(network, large=large, arrows=show_arrows)
    del network  # a dict per node and edge: let them go before the panels are made
    edge_kinds = _edge_kinds(table, table.combo[edge_order])

    # Panel data, one entry per node; previews come later, in a block of their own.
    open_prefix = open_prefix_of(vault, options)
    panels = [panel_entry(node, kinds[i], note_of[i], open_prefix) for i, node in enumerate(ids)]

    meta = {
        "kinds": codes.astype(np.int64),
        "paths": [clean_text(node) for node in ids],
        "orphans": [i for i in range(count) if kinds[i] in (NOTE, ATTACHMENT) and not linked[i]],
        "edgeKinds": edge_kinds,
        "aliases": {
            str(i): [clean_text(str(a)) for a in note.aliases]
            for i, note in enumerate(note_of)
            if note is not None and note.aliases
        },
        "colors": {mode: colors for mode, (colors, _) in modes.items()},
        "community": None,
        "legends": {
            mode: [{**item, "label": clean_text(str(item["label"]))} for item in legend]
            for mode, (_, legend) in modes.items()
        },
        "kindColors": {
            "attachment": KIND_COLORS[ATTACHMENT],
            "unresolved": KIND_COLORS[UNRESOLVED],
            "tag": KIND_COLORS[TAG],
            "neutral": NEUTRAL,
        },
    }
    toggles = {
        "unresolved": not obsidian.hide_unresolved,
        "tags": bool(obsidian.show_tags),
        "attachments": bool(obsidian.show_attachments),
        "orphans": obsidian.show_orphans if obsidian.show_orphans is not None else True,
        "arrows": show_arrows,
    }
    kind_counts = Counter(kinds)
    title = options.title or vault.root.resolve().name or "vault"
    config: dict[str, object] = {
        "title": clean_text(title),
        "generator": f"{GENERATOR} {__version__}",
        "colorBy": color_by,
        "modes": [m for m in COLOR_MODES if m in modes],
        "physics": physics,
        "large": large,
        "start": _start_node(kinds, incoming, linked, toggles, edge_count, ids),
        "toggles": toggles,
        "counts": {
            "notes": kind_counts[NOTE],
            "attachments": kind_counts[ATTACHMENT],
            "unresolved": kind_counts[UNRESOLVED],
            "tags": kind_counts[TAG],
            "edges": edge_count,
            "links": int(edge_count - np.count_nonzero(to_tag)),
        },
        "summary": None,
        "groupProblems": [clean_text(p) for p in obsidian.problems],
    }
    view = GraphView(
        config=config,
        options=options_of_network,
        nodes=nodes,
        edges=edges,
        meta=meta,
        panels=panels,
        previews=[None] * count,
        stats=None,
        ids=ids,
    )
    view = add_positions(view, inputs.positions)
    if inputs.previews:
        view = add_previews(view, inputs.previews, vault.links)
    if inputs.problems or inputs.summary:
        view = add_problems(view, inputs.problems, inputs.summary)
    if inputs.stats is not None or inputs.communities is not None:
        view = add_statistics(view, inputs.stats, options.color_by, inputs.communities)
    return view


def open_prefix_of(vault: Vault, options: ViewOptions) -> str:
    """The start of every "Open in Obsidian" URL of the page (the file's path follows)."""
    return obsidian_url(options.obsidian_vault or vault.root.resolve().name, "")


def panel_entry(node: str, kind: str, note: Note | None, open_prefix: str) -> dict[str, object]:
    """The panel data of one node, before its preview's links and its problems are added
    (see :func:`add_previews` and :func:`add_problems`). Its text is cleaned (see
    :func:`clean_text`) when the panels are encoded."""
    entry: dict[str, object] = {}
    if kind in (NOTE, ATTACHMENT):
        entry["open"] = open_prefix + percent_encode(clean_text(node))
    if note is not None:
        properties = note.properties or {}
        entry["tags"] = list(note.tags)
        entry["aliases"] = list(note.aliases)
        entry["props"] = [
            [str(k), _property_text(v)]
            for k, v in list(properties.items())[:MAX_PROPERTIES]
            if str(k).casefold() not in SHOWN_PROPERTIES
        ]
    return entry


def add_positions(view: GraphView, positions: Mapping[str, tuple[float, float]]) -> GraphView:
    """The view with its nodes at these positions (``(0, 0)`` for a node without one)."""
    if not view.ids:
        return view
    origin = (0.0, 0.0)
    places = [positions.get(node, origin) for node in view.ids]
    # Whole units: vis-network truncates positions to integers when it reads them.
    nodes = {
        **view.nodes,
        "x": column(np.array([round(xy[0]) for xy in places], dtype=np.int64)),
        "y": column(np.array([round(xy[1]) for xy in places], dtype=np.int64)),
    }
    return replace(view, nodes=nodes)


def add_previews(
    view: GraphView, previews: Mapping[str, PreviewText], links: Iterable[ResolvedLink]
) -> GraphView:
    """The view with the notes' previews, and where each link in a preview leads (found
    among ``links``, the vault's resolved links)."""
    with_refs = {path for path, preview in previews.items() if preview.refs}
    link_targets = link_targets_of(links, with_refs) if with_refs else {}
    number = {node: i for i, node in enumerate(view.ids)}
    kinds = np.asarray(view.meta["kinds"]).tolist()
    note = KIND_CODES[NOTE]
    trees = list(view.previews)
    panels = view.panels
    copied = False
    for i, node in enumerate(view.ids):
        preview = previews.get(node) if kinds[i] == note else None
        tree, refs = preview_parts(preview, link_targets.get(node, {}), number)
        if tree is None:
            continue
        trees[i] = tree
        if refs:
            if not copied:
                panels, copied = list(panels), True
            panels[i] = {**panels[i], "refs": refs}
    return replace(view, previews=trees, panels=panels)


def _edge_kinds(table: GraphTable, combos: npt.NDArray[np.int32]) -> dict[str, object]:
    """How each edge was made (``link``, ``embed,link``...), as ``{"names", "of"}``: the
    distinct texts in the order first used, and the text's number per edge."""
    texts: dict[str, int] = {}
    text_of_combo = np.array(
        [
            texts.setdefault(",".join(sorted(k for k, _ in combo)), len(texts))
            for combo in table.combos
        ]
        or [0],
        dtype=np.int64,
    )
    of = text_of_combo[combos]
    names = list(texts)
    found, first = np.unique(of, return_index=True)
    used = found[np.argsort(first)]
    renumber = np.zeros(max(len(names), 1), dtype=np.int64)
    renumber[used] = np.arange(len(used))
    return {"names": [names[i] for i in used.tolist()], "of": renumber[of]}


def page_problems(diagnostics: Iterable[Diagnostic]) -> dict[str, list[PageProblem]]:
    """The check's diagnostics as the panels show them, by path."""
    problems: dict[str, list[PageProblem]] = {}
    for diagnostic in diagnostics:
        problems.setdefault(diagnostic.path, []).append(
            PageProblem(
                line=diagnostic.line,
                column=diagnostic.column,
                severity=str(diagnostic.severity.value),
                code=diagnostic.code,
                message=diagnostic.text,
            )
        )
    return problems


def problems_by_node(
    paths: Sequence[str], problems: Mapping[str, Sequence[PageProblem]]
) -> dict[int, Sequence[PageProblem]]:
    """The problems of every node that has some, by its number in the page; ``paths`` are
    the page's node paths (``meta["paths"]``)."""
    index = {path: i for i, path in enumerate(paths)} if problems else {}
    found: dict[int, Sequence[PageProblem]] = {}
    for path, listed in problems.items():
        i = index.get(path)
        if i is not None and listed:
            found[i] = listed
    return found


def add_problems(
    view: GraphView, problems: Mapping[str, Sequence[PageProblem]], summary: str | None
) -> GraphView:
    """The view with the check's diagnostics in the panels and its summary line."""
    panels = list(view.panels)
    for i, found in problems_by_node(cast("list[str]", view.meta["paths"]), problems).items():
        panels[i] = {**panels[i], "problems": problem_rows(found)}
    config = {**view.config, "summary": clean_text(summary) if summary else None}
    return replace(view, panels=panels, config=config)


def problem_rows(problems: Iterable[PageProblem]) -> list[list[object]]:
    """A node's problems as its panel entry holds them."""
    return [[p.line, p.column, p.severity, p.code, p.message] for p in problems]


def add_statistics(
    view: GraphView,
    stats: Mapping[str, object] | None,
    color_by: str = "folder",
    communities: Mapping[str, int] | None = None,
) -> GraphView:
    """The view with the statistics panel and the colouring by community added.

    ``stats`` is ``VaultStats.to_dict()``; communities come from it unless given. When
    ``color_by`` is ``community`` the nodes are coloured by it.
    """
    members, labels = _communities_from_stats(stats)
    if communities is None:
        communities = members
    meta = dict(view.meta)
    config = dict(view.config)
    nodes = view.nodes
    if communities:
        paths = cast("list[str]", meta["paths"])
        kinds = np.asarray(meta["kinds"]).tolist()
        note = KIND_CODES[NOTE]
        values = [
            str(communities[path]) if kind == note and path in communities else None
            for path, kind in zip(paths, kinds, strict=True)
        ]
        colors, legend = _legend(values, labels or None)
        meta["colors"] = {**cast("dict[str, object]", meta["colors"]), "community": colors}
        meta["legends"] = {
            **cast("dict[str, object]", meta["legends"]),
            "community": [{**item, "label": clean_text(str(item["label"]))} for item in legend],
        }
        meta["community"] = [
            communities.get(path, -1) if kind == note else -1
            for path, kind in zip(paths, kinds, strict=True)
        ]
        config["modes"] = [m for m in COLOR_MODES if m in meta["legends"]]  # type: ignore[operator]
        if color_by == "community":
            config["colorBy"] = "community"
            old = nodes.get("color")
            count = int(cast(int, nodes["length"]))
            before = [old["all"]] * count if isinstance(old, dict) else list(cast("list[str]", old))
            after = [
                (str(legend[slot]["color"]) if slot >= 0 else NEUTRAL)
                if kinds[i] == note
                else before[i]
                for i, slot in enumerate(colors)
            ]
            nodes = {**nodes, "color": column(after)} if count else nodes
    return replace(view, config=config, meta=meta, nodes=nodes, stats=_clean_stats(stats))


def _start_node(
    kinds: Sequence[str],
    incoming: Sequence[int],
    linked: Sequence[bool],
    toggles: Mapping[str, bool],
    edge_count: int,
    ids: Sequence[str],
) -> int | None:
    """The node whose local graph the page opens with, or None to draw the whole graph."""
    hidden = {TAG} if not toggles["tags"] else set()
    if not toggles["unresolved"]:
        hidden.add(UNRESOLVED)
    if not toggles["attachments"]:
        hidden.add(ATTACHMENT)
    shown = sum(
        1
        for kind, has_links in zip(kinds, linked, strict=True)
        if kind not in hidden and (has_links or toggles["orphans"] or kind in (TAG, UNRESOLVED))
    )
    if shown <= LOCAL_START_NODES and edge_count <= LOCAL_START_LINKS:
        return None
    notes = [i for i, kind in enumerate(kinds) if kind == NOTE]
    if not notes:
        return None
    return min(notes, key=lambda i: (-incoming[i], ids[i]))


def _content_reader(root: Path, path: str) -> Callable[[], str]:
    def read() -> str:
        try:
            with open(root / path, encoding="utf-8", errors="replace") as handle:
                return handle.read(2_000_000)
        except OSError:
            return ""

    return read


def _clean_stats(stats: Mapping[str, object] | None) -> object:
    """The statistics for the page: plain JSON, long lists cut to :data:`STATS_LIST_LIMIT`.

    Community members are left out (the page knows each node's community from ``meta``);
    ``totals`` keeps the full length of every list that was cut.
    """
    if stats is None:
        return None
    try:
        plain = json.loads(json.dumps(stats, ensure_ascii=False, default=str))
    except (TypeError, ValueError):
        return None
    if not isinstance(plain, dict):
        return None
    totals: dict[str, int] = {}
    for key, value in plain.items():
        if key == "communities" and isinstance(value, list):
            for community in value:
                if isinstance(community, dict):
                    community.pop("members", None)
        if isinstance(value, list) and len(value) > STATS_LIST_LIMIT:
            totals[key] = len(value)
            plain[key] = value[:STATS_LIST_LIMIT]
    plain["totals"] = totals
    return plain


def link_targets_of(links: Iterable[ResolvedLink], sources: Set[str]) -> dict[str, dict[str, str]]:
    """For these notes, what each link path they write leads to (a file or an unresolved
    node), from their resolved ``links``."""
    targets: dict[str, dict[str, str]] = {}
    for resolved in links:
        link = resolved.link
        if link.source not in sources:
            continue
        written = link.path.strip()
        if not written:
            continue
        own = targets.setdefault(link.source, {})
        key = name_key(written)
        if key not in own:
            own[key] = resolved.target if resolved.target is not None else unresolved_node(resolved)
    return targets


def preview_parts(
    preview: PreviewText | None, targets: Mapping[str, str], number: Mapping[str, int]
) -> tuple[str | None, dict[str, int]]:
    """A note's preview tree as the page holds it (None for no preview, or an empty one)
    and the graph node each of its links leads to (see :func:`preview_refs_of`)."""
    if preview is None or preview.tree == "[]":
        return None, {}
    return preview.tree, preview_refs_of(preview.refs, targets, number)


def preview_refs_of(
    refs: Sequence[str], targets: Mapping[str, str], number: Mapping[str, int]
) -> dict[str, int]:
    """The graph node each link of a preview leads to, keyed by the link as written."""
    found: dict[str, int] = {}
    for ref in refs:
        target = targets.get(name_key(ref.strip()))
        if target is not None and target in number:
            found[ref] = number[target]
    return found


# --- the page -------------------------------------------------------------------------------

_BLOCKS = (
    "wg-data-config",
    "wg-data-options",
    "wg-data-nodes",
    "wg-data-edges",
    "wg-data-meta",
    "wg-data-panels",
    "wg-data-previews",
    "wg-data-stats",
)


def _block_pieces(view: GraphView, name: str) -> Iterator[str]:
    if name == "wg-data-panels":
        return _entry_pieces(map(panel_json, view.panels))
    if name == "wg-data-previews":
        return _entry_pieces(map(preview_json, view.previews))
    value = {
        "wg-data-config": view.config,
        "wg-data-options": view.options,
        "wg-data-nodes": view.nodes,
        "wg-data-edges": view.edges,
        "wg-data-meta": view.meta,
        "wg-data-stats": view.stats,
    }[name]
    return json_pieces(value)


def _page_parts(view: GraphView) -> Iterator[tuple[str | None, Iterator[str]]]:
    """The HTML page for a view, part by part: the name of each data block with its
    pieces, and the template's text around them (named None)."""
    assets = _assets()
    scripts = [assets["vis_js"], assets["app_js"]]
    marker = f"wg-{secrets.token_hex(16)}-"
    template = _environment().get_template("graph.html.j2")
    page = template.render(
        title=view.config["title"],
        generator=view.config["generator"],
        csp=content_security_policy(scripts),
        vis_css=Markup(assets["vis_css"]),
        app_css=Markup(assets["app_css"]),
        vis_js=Markup(assets["vis_js"]),
        app_js=Markup(assets["app_js"]),
        blocks={name: Markup(f"{marker}{number}") for number, name in enumerate(_BLOCKS)},
        counts=view.config["counts"],
    )
    rest = page
    for number, name in enumerate(_BLOCKS):
        before, _, rest = rest.partition(f"{marker}{number}")
        yield None, iter((before,))
        yield name, _block_pieces(view, name)
    yield None, iter((rest,))


def page_pieces(view: GraphView) -> Iterator[str]:
    """The HTML page for a view, in pieces: one UTF-8 document, every script inline and
    hashed in its CSP, the data blocks written a slice at a time."""
    for _, pieces in _page_parts(view):
        yield from pieces


def render_page(view: GraphView) -> str:
    """The HTML page for a view: one UTF-8 document, every script inline and hashed in its CSP."""
    return "".join(page_pieces(view))


@dataclass(frozen=True, slots=True)
class PageMap:
    """Where a written page holds what a later build may replace in it without making
    the page again (see :mod:`wikigraph.buildstate`): offsets of bytes in the file."""

    config: tuple[int, int]
    """Where the config block's JSON starts and ends."""
    panels: npt.NDArray[np.int64]
    """Where each node's panel entry starts (its comma included), in the page's node
    order, then where the last one ends."""
    previews: npt.NDArray[np.int64]
    """The same for each node's preview."""


_MAPPED = ("wg-data-config", "wg-data-panels", "wg-data-previews")


def _page_bytes(view: GraphView, marks: dict[str, list[int]]) -> Iterator[bytes]:
    """The page as UTF-8, in slices of about a megabyte; ``marks`` gets, for each block
    of :data:`_MAPPED`, where each of its pieces starts, then where it ends."""
    pending: list[bytes] = []
    size = position = 0
    for name, pieces in _page_parts(view):
        found = marks.setdefault(name, []) if name in _MAPPED else None
        for piece in pieces:
            data = piece.encode("utf-8")
            if found is not None:
                found.append(position)
            position += len(data)
            pending.append(data)
            size += len(data)
            if size >= 1 << 20:
                yield b"".join(pending)
                pending.clear()
                size = 0
        if found is not None:
            found.append(position)
    yield b"".join(pending)


def write_page(view: GraphView, path: Path) -> PageMap:
    """Write the page for a view to ``path`` atomically, a piece at a time (never the whole
    page in memory): readers see the old file or the new one, never a part."""
    marks: dict[str, list[int]] = {}
    write_atomic_pieces(path, _page_bytes(view, marks))
    config = marks["wg-data-config"]
    # The list blocks are "[", one piece per node, "]": skip the bracket at each end.
    return PageMap(
        config=(config[0], config[-1]),
        panels=np.array(marks["wg-data-panels"][1:-1], dtype=np.int64),
        previews=np.array(marks["wg-data-previews"][1:-1], dtype=np.int64),
    )


# --- everything at once ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BuiltPage:
    """A page's data, ready to be written, and what went into it."""

    view: GraphView
    layout_reused: int
    """Nodes whose position came from the cache."""
    layout_iterations: int
    """Force iterations run to place the others (0: the cached picture was reused)."""
    notices: tuple[str, ...] = ()
    """Things the user may want to know (a colour group that colours nothing, no statistics)."""

    @property
    def html(self) -> str:
        """The page as one string (:func:`write` writes it without holding it whole)."""
        return render_page(self.view)

    def write(self, path: Path) -> PageMap:
        """Write the page to ``path`` atomically; where its parts are in the file."""
        return write_page(self.view, path)


@dataclass(slots=True)
class BuildHelpers:
    """Processes forked before the vault was loaded, for the parts of a build that need only
    the graph's columns or the excerpts (see :mod:`wikigraph.background`)."""

    layout: Helper[tuple[Layout, dict[str, object] | None]]
    """Lays out the graph and computes its statistics."""
    previews: Helper[list[PreviewText]]
    """Renders the previews the cache does not hold."""
    preview_plan: PreviewPlan | None = None
    """The previews asked of :attr:`previews`, once :meth:`start_previews` was called."""

    def start_previews(self, notes: Iterable[Note], cache_dir: Path | None) -> None:
        """Look the previews of ``notes`` up in the cache, and have the helper render the
        others (the notes need not have their links resolved yet)."""
        from wikigraph.preview import plan_previews, render_previews

        self.preview_plan = plan = plan_previews(notes, cache_dir)
        if plan.missing:
            self.previews.start(render_previews, list(plan.missing.values()))
        else:
            self.previews.close()

    def previews_ready(self) -> bool:
        """Whether :meth:`finished_previews` would return without waiting for the helper."""
        plan = self.preview_plan
        return plan is not None and (not plan.missing or self.previews.ready())

    def finished_previews(self, cache_dir: Path | None) -> dict[str, PreviewText]:
        """The previews :meth:`start_previews` asked for, by path (stored in the cache)."""
        from wikigraph.preview import finish_previews

        plan = self.preview_plan
        assert plan is not None
        rendered = self.previews.result() if plan.missing else []
        return finish_previews(plan, rendered, cache_dir)


def build_helpers(*, background: bool = True) -> BuildHelpers:
    """Fork the helpers of :func:`build_page` now, before the vault is loaded."""
    return BuildHelpers(Helper(background=background), Helper(background=background))


def _layout_and_statistics(
    table: GraphTable, vault: str, excluded: int, cache_dir: Path | None, statistics: bool
) -> tuple[Layout, dict[str, object] | None]:
    from wikigraph.layout import table_layout
    from wikigraph.stats import cached_stats

    layout = table_layout(table, cache_dir)
    return layout, cached_stats(table, vault, excluded, cache_dir) if statistics else None


def build_page(
    vault: Vault,
    options: ViewOptions = ViewOptions(),
    *,
    problems: Mapping[str, Sequence[PageProblem]] | None = None,
    summary: str | None = None,
    checks: Callable[[], tuple[Mapping[str, Sequence[PageProblem]], str | None]] | None = None,
    statistics: bool = True,
    helpers: BuildHelpers | None = None,
) -> BuiltPage:
    """Lay out, gather statistics, colour groups and previews, and make the page of ``vault``.

    The check's findings come as ``problems`` and ``summary``, or from ``checks``, called
    while the ``helpers`` (made by :func:`build_helpers` before the vault was loaded) lay
    out the graph, compute its statistics and render the previews. Without helpers all
    of it happens here, one after the other. Layout, previews and statistics are cached in
    the vault's cache folder.
    """
    from wikigraph.cachedir import vault_cache_dir
    from wikigraph.obsidian_graph import read_obsidian_graph

    if helpers is None:
        helpers = build_helpers(background=False)
    notices: list[str] = []
    cache_dir = vault_cache_dir(vault.settings, vault.root)
    table = vault_table(vault)
    placing = helpers.layout.start(
        _layout_and_statistics,
        table,
        vault.root.as_posix(),
        len(vault.excluded),
        cache_dir,
        statistics,
    )
    if helpers.preview_plan is None:
        helpers.start_previews(vault.checked_notes, cache_dir)
    obsidian = read_obsidian_graph(vault.root)
    notices.extend(obsidian.problems)
    if options.color_by == "obsidian" and not obsidian.groups:
        notices.append('no colour groups in ".obsidian/graph.json"; colouring by folder')
    if checks is not None:
        problems, summary = checks()
    # Previews already rendered are taken now, so that their helper exits before the
    # page's data is made (on a large vault it holds a few hundred megabytes).
    previews = helpers.finished_previews(cache_dir) if helpers.previews_ready() else None
    view = graph_view(vault, PageInputs(positions={}, obsidian=obsidian), options, table=table)
    if previews is None:
        previews = helpers.finished_previews(cache_dir)
    view = add_previews(view, previews, vault.links)
    layout, stats = placing.result()
    view = add_positions(view, layout.positions)
    view = add_problems(view, problems or {}, summary)
    if options.color_by == "community":
        if stats is None:
            notices.append("no statistics, so no communities; colouring by folder")
        elif not stats.get("communities"):
            notices.append("no communities in this vault; colouring by folder")
    view = add_statistics(view, stats, options.color_by)
    return BuiltPage(
        view=view,
        layout_reused=layout.reused,
        layout_iterations=layout.iterations,
        notices=tuple(notices),
    )
