"""Serialise resolved links for ``wikigraph links``: a stable JSON schema and a text listing.

The JSON is an object ``{"vault": ..., "links": [...]}``; each link has exactly the keys
of :data:`LINK_KEYS`, in that order, and the list is sorted by (source, line, column).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from wikigraph.model import ResolvedLink
from wikigraph.vault import Vault

LINK_KEYS = (
    "source",
    "line",
    "column",
    "raw",
    "kind",
    "location",
    "property",
    "path",
    "subpath",
    "subpath_kind",
    "display",
    "status",
    "target",
    "subpath_resolves",
    "candidates",
)


def link_record(resolved: ResolvedLink) -> dict[str, object]:
    """One link as a JSON-ready dict with the documented keys."""
    link = resolved.link
    return {
        "source": link.source,
        "line": link.line,
        "column": link.column,
        "raw": link.raw,
        "kind": link.kind.value,
        "location": link.location.value,
        "property": link.property,
        "path": link.path,
        "subpath": link.subpath,
        "subpath_kind": resolved.subpath_kind.value if resolved.subpath_kind else None,
        "display": link.display,
        "status": resolved.status.value,
        "target": resolved.target,
        "subpath_resolves": resolved.subpath_resolves,
        "candidates": list(resolved.candidates),
    }


def vault_label(vault: Vault) -> str:
    """The vault folder as the user named it, with ``/`` separators."""
    return vault.root.as_posix()


def links_json(vault: Vault) -> str:
    """The ``wikigraph links --format json`` document."""
    document = {"vault": vault_label(vault), "links": [link_record(r) for r in vault.links]}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def escape_control(text: str) -> str:
    """Show control characters (a newline in a file name, say) as escapes on one line."""
    if text.isprintable():
        return text
    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text
    )


def _describe(resolved: ResolvedLink) -> str:
    if resolved.status.value == "external":
        return "external"
    if resolved.target is None:
        reason = resolved.reason.value if resolved.reason else "missing"
        return f"unresolved ({reason})"
    target = escape_control(resolved.target)
    if resolved.link.subpath and resolved.subpath_resolves is not None:
        target += f"#{escape_control(resolved.link.subpath)}"
        if not resolved.subpath_resolves:
            target += (
                f" (no such {resolved.subpath_kind.value if resolved.subpath_kind else 'subpath'})"
            )
    if resolved.candidates:
        target += f" (chosen among {len(resolved.candidates)})"
    return target


def links_text(vault: Vault, links: Iterable[ResolvedLink] | None = None) -> str:
    """One line per link: ``path:line:col: kind raw -> target``."""
    prefix = vault_label(vault)
    prefix = "" if prefix == "." else prefix.rstrip("/") + "/"
    lines = []
    for resolved in vault.links if links is None else links:
        link = resolved.link
        where = f"{prefix}{escape_control(link.source)}:{link.line}:{link.column}"
        raw = escape_control(link.raw)
        lines.append(f"{where}: {link.kind.value} {raw} -> {_describe(resolved)}")
    return "".join(line + "\n" for line in lines)
