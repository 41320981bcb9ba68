"""The HTML page as text: safe encoding, the CSP, the allowlists, determinism, the view model."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wikigraph.background import fork_is_safe
from wikigraph.config import Settings
from wikigraph.render import (
    PHYSICS_MAX_NODES,
    PageInputs,
    ViewOptions,
    build_helpers,
    build_page,
    clean_text,
    content_security_policy,
    graph_view,
    inline_scripts,
    json_for_script,
    obsidian_url,
    percent_encode,
    render_page,
)
from wikigraph.vault import Vault, load_vault
from wikigraph.visnetwork import EDGE_FIELDS, NODE_FIELDS

TRICKY = [
    "</script><script>alert(1)</script>",
    "<!-- <script>",
    "a & b ' \" \\ `",
    "line\u2028separator\u2029paragraph",
    "\ud800 lone surrogate",
    "emoji 🙂 and ünïcödé",
]


def _load(path: Path) -> Vault:
    return load_vault(path, settings=Settings(no_cache=True))


def items_from_columns(columns: dict[str, Any]) -> list[dict[str, Any]]:
    """Undo the page's column encoding (as the page's script does)."""
    items: list[dict[str, Any]] = [{} for _ in range(columns["length"])]
    for name, column in columns.items():
        if name == "length":
            continue
        if isinstance(column, list):
            for item, value in zip(items, column, strict=True):
                item[name] = value
        elif "all" in column:
            for item in items:
                item[name] = column["all"]
        else:
            for index, value in column["some"].items():
                items[int(index)][name] = value
    return items


def _blocks(page: str) -> dict[str, Any]:
    found = re.findall(r'<script type="application/json" id="([\w-]+)">(.*?)</script>', page, re.S)
    blocks = {name: json.loads(text) for name, text in found}
    for name in ("wg-data-nodes", "wg-data-edges"):
        blocks[name] = items_from_columns(blocks[name])
    return blocks


@pytest.fixture(scope="module")
def basic() -> tuple[Vault, str]:
    vault = _load(Path(__file__).parent / "fixtures" / "vaults" / "view-basic")
    return vault, build_page(vault).html


# --- encoding ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", TRICKY)
def test_json_for_script__escapes_what_could_end_a_script(text: str) -> None:
    encoded = json_for_script({"key": text, "list": [text]})
    for char in "<>&'\u2028\u2029\ud800":
        assert char not in encoded
    assert json.loads(encoded) == {"key": text, "list": [text]}
    encoded.encode("utf-8")  # always writable


@given(st.text(alphabet=st.characters(exclude_categories=("Cs",))))
@settings(max_examples=300, deadline=None)
def test_percent_encode__is_quote_without_safe_characters(text: str) -> None:
    assert percent_encode(text) == quote(text, safe="")
    assert clean_text(text) == text


def test_obsidian_url__encodes_every_value() -> None:
    url = obsidian_url("My vault & co", "Folder/Note #1?.md")
    assert url == "obsidian://open?vault=My%20vault%20%26%20co&file=Folder%2FNote%20%231%3F.md"
    assert obsidian_url("v", "\udcff.md").startswith("obsidian://open?vault=v&file=%EF%BF%BD")


def test_content_security_policy__allows_only_the_hashed_scripts() -> None:
    policy = content_security_policy(["a", "b", "a"])
    digest = base64.b64encode(hashlib.sha256(b"a").digest()).decode()
    assert f"'sha256-{digest}'" in policy
    assert policy.count("sha256-") == 2
    assert "default-src 'none'" in policy
    assert "unsafe-eval" not in policy and "unsafe-inline' " not in policy.split("style-src")[0]


# --- the page ---------------------------------------------------------------------------------


def test_render__every_inline_script_is_hashed_in_the_csp(basic: tuple[Vault, str]) -> None:
    _, page = basic
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert policy is not None
    scripts = inline_scripts(page)
    assert len(scripts) == 2  # vis-network and the page's own script
    for script in scripts:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in html.unescape(policy.group(1))
    # The policy comes before any script, so it applies to all of them.
    assert page.index("Content-Security-Policy") < page.index("<script")


def test_render__nothing_is_loaded_from_anywhere(basic: tuple[Vault, str]) -> None:
    _, page = basic
    assert re.search(r"<(script|img|iframe|link)\b[^>]*\b(src|href)=", page) is None
    assert "@import" not in page
    assert re.search(r"url\(\s*['\"]?(https?:|//)", page) is None
    assert "lib/" not in re.sub(r"<script>.*?</script>", "", page, flags=re.S)


def test_render__page_is_one_utf8_document_with_every_node(basic: tuple[Vault, str]) -> None:
    vault, page = basic
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in page
    blocks = _blocks(page)
    assert set(blocks) == {
        "wg-data-config",
        "wg-data-options",
        "wg-data-nodes",
        "wg-data-edges",
        "wg-data-meta",
        "wg-data-panels",
        "wg-data-previews",
        "wg-data-stats",
    }
    labels = sorted(node["label"] for node in blocks["wg-data-nodes"])
    titles = sorted(str(data["title"]) for _, data in vault.graph.nodes(data=True))
    assert labels == titles
    assert len(blocks["wg-data-edges"]) == vault.graph.number_of_edges()
    assert blocks["wg-data-meta"]["paths"] == sorted(vault.graph.nodes)


def test_render__only_allowlisted_fields_reach_vis(tmp_path: Path) -> None:
    (tmp_path / "vault").mkdir()
    (tmp_path / "vault" / "Evil.md").write_text(
        "---\nimage: https://example.com/x.png\nshape: image\nbrokenImage: x\nfont: {face: x}\n"
        "title: <b>x</b>\ncolor: red\n---\n[[Other]]\n",
        encoding="utf-8",
    )
    (tmp_path / "vault" / "Other.md").write_text("", encoding="utf-8")
    page = build_page(_load(tmp_path / "vault")).html
    blocks = _blocks(page)
    for node in blocks["wg-data-nodes"]:
        assert set(node) <= set(NODE_FIELDS)
        assert node["shape"] == "dot"
        assert str(node["color"]).startswith("#")
    for edge in blocks["wg-data-edges"]:
        assert set(edge) <= set(EDGE_FIELDS)
    assert "example.com" not in json.dumps(blocks["wg-data-nodes"])


def test_render__same_vault_gives_the_same_bytes(tmp_path: Path, fixture_vault: Any) -> None:
    settings = Settings(cache_dir=tmp_path / "cache")
    first = build_page(load_vault(fixture_vault("view-basic"), settings=settings)).html
    second = build_page(load_vault(fixture_vault("view-basic"), settings=settings)).html
    assert first == second
    uncached = build_page(_load(fixture_vault("view-basic"))).html
    assert uncached == first


def test_render__title_and_vault_name_are_escaped(fixture_vault: Any) -> None:
    vault = _load(fixture_vault("view-basic"))
    payload = "</title><script>alert(1)</script>"
    page = build_page(vault, ViewOptions(title=payload, obsidian_vault="a&b <c>")).html
    assert payload not in page
    assert "&lt;/title&gt;&lt;script&gt;" in page
    panels = _blocks(page)["wg-data-panels"]
    assert panels[0]["open"] == "obsidian://open?vault=a%26b%20%3Cc%3E&file=Home.md"


# --- the view model ---------------------------------------------------------------------------


def test_graph_view__sizes_follow_incoming_links(basic: tuple[Vault, str]) -> None:
    blocks = _blocks(basic[1])
    size = {node["label"]: node["size"] for node in blocks["wg-data-nodes"]}
    assert size["Home"] > size["Ideas"] > size["Old"]  # 3, 2 and 0 links in
    assert size["Old"] == size["Lonely"]


def test_graph_view__counts_orphans_and_kinds(basic: tuple[Vault, str]) -> None:
    blocks = _blocks(basic[1])
    config, meta = blocks["wg-data-config"], blocks["wg-data-meta"]
    assert config["counts"] == {
        "notes": 6,
        "attachments": 2,
        "unresolved": 1,
        "tags": 4,
        "edges": 14,
        "links": 10,
    }
    orphans = {meta["paths"][i] for i in meta["orphans"]}
    assert orphans == {"Lonely.md", "assets/unused.pdf"}
    assert sorted(meta["kinds"]) == [0] * 6 + [1] * 2 + [2] + [3] * 4
    assert meta["aliases"] == {str(meta["paths"].index("Home.md")): ["Start"]}


def test_graph_view__colour_modes_and_toggles_follow_graph_json(basic: tuple[Vault, str]) -> None:
    blocks = _blocks(basic[1])
    config, meta = blocks["wg-data-config"], blocks["wg-data-meta"]
    assert config["modes"] == ["folder", "tag", "community", "obsidian"]
    assert config["toggles"] == {
        "unresolved": True,
        "tags": False,
        "attachments": False,
        "orphans": True,
        "arrows": True,
    }
    groups = meta["legends"]["obsidian"]
    assert [g["label"] for g in groups] == ["path:Projects", "tag:#idea", "line:(nothing)"]
    assert [g["count"] for g in groups] == [2, 1, 0]
    assert groups[2]["unsupported"] is True
    folders = {g["label"]: g["count"] for g in meta["legends"]["folder"]}
    assert folders == {"(top level)": 3, "Projects": 2, "Journal": 1}


def test_graph_view__panels_carry_problems_and_bound_previews(fixture_vault: Any) -> None:
    from wikigraph.preview import PreviewRenderer, preview_text
    from wikigraph.render import PageProblem

    vault = _load(fixture_vault("view-basic"))
    home = vault.note_by_path["Home.md"]
    tree = PreviewRenderer().render(home.excerpt)
    inputs = PageInputs(
        positions={},
        problems={"Home.md": [PageProblem(9, 1, "error", "broken-link", "no note")]},
        previews={"Home.md": preview_text(tree)},
    )
    view = graph_view(vault, inputs)
    paths = view.meta["paths"]
    assert isinstance(paths, list)
    panel = view.panels[paths.index("Home.md")]
    assert isinstance(panel, dict)
    assert panel["problems"] == [[9, 1, "error", "broken-link", "no note"]]
    assert json.loads(str(view.previews[paths.index("Home.md")])) == tree
    assert [p for p in view.previews if p is not None] == [view.previews[paths.index("Home.md")]]
    # Each link of the preview, as written, leads to a node of the graph.
    assert {ref: paths[node] for ref, node in panel["refs"].items()} == {
        "Projects/Plan": "Projects/Plan.md",
        "Ideas": "Ideas.md",
        "Missing note": "unresolved:missing note",
    }


def test_graph_view__physics_only_for_small_vaults(fixture_vault: Any) -> None:
    vault = _load(fixture_vault("view-basic"))
    inputs = PageInputs(positions={})
    assert graph_view(vault, inputs).config["physics"] is True
    assert graph_view(vault, inputs, ViewOptions(physics=False)).config["physics"] is False
    options = graph_view(vault, inputs, ViewOptions(physics=False)).options
    assert options["physics"]["enabled"] is False  # type: ignore[index]
    assert PHYSICS_MAX_NODES >= 500


def _plain(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def test_render_page__data_round_trips(basic: tuple[Vault, str]) -> None:
    vault, _ = basic
    view = build_page(vault).view
    blocks = _blocks(render_page(view))
    assert blocks["wg-data-nodes"] == items_from_columns(_plain(view.nodes))
    assert blocks["wg-data-edges"] == items_from_columns(_plain(view.edges))
    assert blocks["wg-data-meta"] == _plain(view.meta)
    assert blocks["wg-data-panels"] == view.panels
    assert blocks["wg-data-previews"] == [
        None if p is None else json.loads(p) for p in view.previews
    ]


def test_render_page__written_page_is_the_rendered_page(
    basic: tuple[Vault, str], tmp_path: Path
) -> None:
    vault, page = basic
    built = build_page(vault)
    built.write(tmp_path / "out" / "graph.html")
    written = (tmp_path / "out" / "graph.html").read_text(encoding="utf-8")
    assert _blocks(written) == _blocks(page)
    assert list(tmp_path.joinpath("out").iterdir()) == [tmp_path / "out" / "graph.html"]


def test_render_page__large_columns_are_written_in_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    import wikigraph.render

    monkeypatch.setattr(wikigraph.render, "_ARRAY_SLICE", 3)
    values = np.arange(10)
    pieces = list(wikigraph.render.json_pieces({"a": values, "b": {"c": values[:2]}, "d": "<"}))
    assert len(pieces) > 4
    assert json.loads("".join(pieces)) == {"a": list(range(10)), "b": {"c": [0, 1]}, "d": "<"}
    assert "<" not in "".join(pieces)


def test_graph_view__huge_vaults_start_in_a_local_graph(
    fixture_vault: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import wikigraph.render

    vault = _load(fixture_vault("view-basic"))
    view = graph_view(vault, PageInputs(positions={}))
    assert view.config["start"] is None
    monkeypatch.setattr(wikigraph.render, "LOCAL_START_NODES", 6)
    view = graph_view(vault, PageInputs(positions={}))
    paths = view.meta["paths"]
    assert isinstance(paths, list)
    assert paths[int(str(view.config["start"]))] == "Home.md"  # the most linked note


def test_page_script__never_parses_html_or_code() -> None:
    from importlib import resources

    script = (resources.files("wikigraph") / "templates" / "graph.js").read_text("utf-8")
    for forbidden in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert forbidden not in script
    assert "new Function" not in script
    # The only hrefs it sets are in-page anchors and checked obsidian:// links.
    assert re.findall(r"\.href = ([^;]+);", script) == ['"#"', "data.open", "data.open"]


@pytest.mark.skipif(not fork_is_safe(), reason="the helpers fork only on Linux")
def test_build_page__takes_rendered_previews_before_making_the_pages_data(
    basic: tuple[Vault, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A preview helper that is done is let go before the page's data is made (it holds
    what it rendered), and the page is the same as when the previews come last."""
    import wikigraph.render as render

    vault, page = basic
    helpers = build_helpers()
    assert helpers.previews.forked
    helpers.start_previews(vault.checked_notes, None)
    deadline = time.monotonic() + 60
    while not helpers.previews_ready():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    forked_while_making_data: list[bool] = []
    make_view = render.graph_view

    def making_view(*args: Any, **kwargs: Any) -> Any:
        forked_while_making_data.append(helpers.previews.forked)
        return make_view(*args, **kwargs)

    monkeypatch.setattr(render, "graph_view", making_view)
    assert build_page(vault, helpers=helpers).html == page
    assert forked_while_making_data == [False]
