"""Write the typed graph in formats other tools open, and read those files back.

Takes the graph from :func:`wikigraph.graph.build_graph`; :func:`graph_bytes` returns a file's
content, :func:`export_graph` writes it atomically, and :func:`read_graph` turns any export
back into the typed graph. The format follows the file's suffix (:data:`FORMATS`).

* ``.json``: networkx node-link data (``{"directed", "multigraph", "graph", "nodes",
  "edges"}``); lists and dicts stay JSON.
* ``.graphml`` and ``.gexf`` (GEXF 1.2, for Gephi): every node also gets ``label`` (its
  title, what Gephi shows). XML cannot hold lists or dicts, so ``tags``, ``aliases``,
  ``properties`` and ``kinds`` are written as JSON text; characters XML 1.0 cannot hold
  (control characters other than tab and newline, lone surrogates, U+FFFE and U+FFFF)
  are written as ``\\xNN`` / ``\\uNNNN`` escapes.
* ``.csv``: an edge list with the columns ``source,target,count,kinds`` (``kinds`` as
  JSON text). Nodes without any edge are not in it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import networkx as nx
from networkx.readwrite.gexf import GEXFWriter

from wikigraph import __version__
from wikigraph.errors import OutputError, WikigraphError

FORMATS: Mapping[str, str] = {
    ".csv": "CSV edge list",
    ".gexf": "GEXF 1.2 (Gephi)",
    ".graphml": "GraphML",
    ".json": "networkx node-link JSON",
}
"""Each supported suffix and what it writes."""

JSON_NODE_ATTRIBUTES = ("tags", "aliases", "properties")
"""Node attributes holding lists or dicts, written as JSON text in GraphML, GEXF and CSV."""
JSON_EDGE_ATTRIBUTES = ("kinds",)
"""Edge attributes holding dicts, written as JSON text in GraphML, GEXF and CSV."""
CSV_COLUMNS = ("source", "target", "count", "kinds")

_NOT_XML = re.compile("[^\t\n\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class ExportError(WikigraphError):
    """The graph cannot be written in the asked format."""


def export_format(path: Path) -> str:
    """The format suffix of ``path`` (lower case); raises ExportError for an unknown one."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(FORMATS)
        shown = f'"{suffix}"' if suffix else "no suffix"
        raise ExportError(f'cannot export to "{path}": unknown format {shown} (use one of {known})')
    return suffix


def xml_text(text: str) -> str:
    """``text`` with every character XML 1.0 cannot hold written as an escape."""
    return _NOT_XML.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _scalar(value: object, *, xml: bool) -> str | int | float | bool:
    if isinstance(value, bool | int | float):
        return value
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return xml_text(text) if xml else text


def _flat(data: Mapping[str, Any], *, xml: bool) -> dict[str, Any]:
    return {key: _scalar(value, xml=xml) for key, value in data.items()}


def flat_graph(graph: nx.DiGraph[str], *, xml: bool, label: bool) -> nx.DiGraph[str]:
    """A copy whose attributes are all scalars: lists and dicts become JSON text.

    ``xml`` also escapes the characters XML cannot hold (node ids included); ``label``
    adds a ``label`` attribute with the node's title.
    """
    ids = {node: xml_text(node) if xml else node for node in graph}
    if len(set(ids.values())) < len(ids):
        seen: dict[str, str] = {}
        for node, new in ids.items():
            if new in seen:
                raise ExportError(
                    f'cannot export: "{_show(seen[new])}" and "{_show(node)}" become the same'
                    " name once the characters XML cannot hold are escaped"
                    " (rename one, or export to .json)"
                )
            seen[new] = node
    flat: nx.DiGraph[str] = nx.DiGraph()
    for node, data in graph.nodes(data=True):
        attributes = _flat(data, xml=xml)
        if label:
            attributes["label"] = attributes.get("title", ids[node])
        flat.add_node(ids[node], **attributes)
    for source, target, data in graph.edges(data=True):
        flat.add_edge(ids[source], ids[target], **_flat(data, xml=xml))
    return flat


def _show(text: str) -> str:
    return text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text


def graphml_bytes(graph: nx.DiGraph[str]) -> bytes:
    """The graph as GraphML (UTF-8)."""
    buffer = io.BytesIO()
    nx.write_graphml_xml(flat_graph(graph, xml=True, label=True), buffer, encoding="utf-8")
    return buffer.getvalue()


def gexf_bytes(graph: nx.DiGraph[str]) -> bytes:
    """The graph as GEXF 1.2 (UTF-8), without a date so the same graph gives the same bytes."""
    writer = GEXFWriter(encoding="utf-8", prettyprint=True, version="1.2draft")
    writer.add_graph(flat_graph(graph, xml=True, label=True))
    meta = writer.xml.find("meta")
    if meta is not None:
        meta.attrib.pop("lastmodifieddate", None)
        creator = meta.find("creator")
        if creator is not None:
            creator.text = f"wikigraph {__version__}"
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def node_link_bytes(graph: nx.DiGraph[str]) -> bytes:
    """The graph as networkx node-link JSON (UTF-8, indented)."""
    data = nx.node_link_data(graph, edges="edges")
    try:
        return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: keep it, as a JSON escape
        return (json.dumps(data, ensure_ascii=True, indent=2) + "\n").encode("ascii")


def csv_bytes(graph: nx.DiGraph[str]) -> bytes:
    """The edges as CSV (UTF-8, a header row, RFC 4180 quoting)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for source, target, data in graph.edges(data=True):
        kinds = json.dumps(data.get("kinds", {}), ensure_ascii=False)
        writer.writerow((source, target, data.get("count", 1), kinds))
    return buffer.getvalue().encode("utf-8", "backslashreplace")


_WRITERS = {
    ".csv": csv_bytes,
    ".gexf": gexf_bytes,
    ".graphml": graphml_bytes,
    ".json": node_link_bytes,
}


def graph_bytes(graph: nx.DiGraph[str], suffix: str) -> bytes:
    """The file content of the graph in the format named by ``suffix`` (``.gexf``...)."""
    if suffix.lower() not in _WRITERS:
        raise ExportError(f'unknown format "{suffix}" (use one of {", ".join(FORMATS)})')
    return _WRITERS[suffix.lower()](graph)


def export_graph(graph: nx.DiGraph[str], path: Path) -> None:
    """Write the graph to ``path`` (atomically) in the format its suffix names."""
    from wikigraph.files import write_atomic

    data = graph_bytes(graph, export_format(path))
    try:
        write_atomic(path, data)
    except OSError as error:
        raise OutputError(f'cannot write "{path}": {error.strerror or error}') from None


# ---------------------------------------------------------------------------- reading back


def _decoded(data: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    result = dict(data)
    for key in keys:
        if isinstance(result.get(key), str):
            result[key] = json.loads(result[key])
    return result


def _typed(
    flat: nx.DiGraph[str], drop_node: tuple[str, ...], drop_edge: tuple[str, ...]
) -> nx.DiGraph[str]:
    graph: nx.DiGraph[str] = nx.DiGraph()
    for node, data in flat.nodes(data=True):
        kept = {k: v for k, v in data.items() if k not in drop_node}
        graph.add_node(node, **_decoded(kept, JSON_NODE_ATTRIBUTES))
    for source, target, data in flat.edges(data=True):
        kept = {k: v for k, v in data.items() if k not in drop_edge}
        graph.add_edge(source, target, **_decoded(kept, JSON_EDGE_ATTRIBUTES))
    return graph


def _csv_rows(text: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    for row in reader:
        yield row["source"], row["target"], {"count": int(row["count"]), "kinds": row["kinds"]}


def read_graph(path: Path) -> nx.DiGraph[str]:
    """Read an export back into the typed graph (JSON text decoded, ``label`` dropped).

    GraphML and GEXF names keep their escapes; a CSV gives only nodes that have edges,
    without node attributes.
    """
    suffix = export_format(path)
    try:
        read = _read_flat(path, suffix)
    except OSError as error:
        raise ExportError(f'cannot read "{path}": {error.strerror or error}') from None
    except (ValueError, KeyError, TypeError, SyntaxError, nx.NetworkXError) as error:
        raise ExportError(
            f'cannot read "{path}": not a valid {FORMATS[suffix]} file ({error})'
        ) from None
    if not isinstance(read, nx.DiGraph):
        raise ExportError(f'cannot read "{path}": it holds an undirected graph')
    if suffix == ".json":
        return read
    return _typed(read, ("label",), ("id",) if suffix == ".gexf" else ())


def _read_flat(path: Path, suffix: str) -> nx.Graph[Any]:
    if suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        return nx.node_link_graph(data, directed=True, multigraph=False, edges="edges")
    if suffix == ".graphml":
        return nx.read_graphml(path)
    if suffix == ".gexf":
        return nx.read_gexf(path)
    flat: nx.DiGraph[str] = nx.DiGraph()
    with path.open(encoding="utf-8", newline="") as stream:
        flat.add_edges_from(_csv_rows(stream.read()))
    return flat
