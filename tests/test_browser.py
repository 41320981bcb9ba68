"""The HTML graph view in a real browser: Debian's Chromium driven by Playwright, offline.

Every page is opened from disk with every request that is not ``file:`` or ``data:``
aborted (and recorded), and every test checks that none was attempted, that the console
shows no error and that the Content-Security-Policy reported no violation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from wikigraph.cli import main
from wikigraph.config import Settings
from wikigraph.render import ViewOptions, build_page
from wikigraph.vault import load_vault

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1400, "height": 900}
VIEW_BASIC = Path(__file__).parent / "fixtures" / "vaults" / "view-basic"
READY = "html[data-wg-state=ready], html[data-wg-state=error]"
WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def _playwright(chromium: Path) -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    if not chromium.exists():
        pytest.skip(f"no Chromium at {chromium} (apt-get install chromium)")
    return sync_playwright


@pytest.fixture(scope="module")
def browser(headless_chromium: ModuleType) -> Iterator[Any]:
    sync_playwright = _playwright(headless_chromium.CHROMIUM)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(headless_chromium.CHROMIUM),
            headless=True,
            args=headless_chromium.ARGS,
        )
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class Page:
    """An open graph page and everything it tried to do."""

    page: Any
    blocked: list[str] = field(default_factory=list)
    console: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def js(self, expression: str, arg: object = None) -> Any:
        return self.page.evaluate(expression, arg)

    def node_id(self, label: str) -> int:
        found = self.js(
            "(label) => wikigraph.nodes.get({filter: (n) => n.label === label}).map((n) => n.id)",
            label,
        )
        assert len(found) == 1, f"{len(found)} nodes labelled {label!r}"
        return int(found[0])

    def centre_on(self, node: int) -> tuple[float, float]:
        """Put a node in the middle of the screen; return its screen position."""
        self.js(
            """(id) => {
              const network = wikigraph.network;
              network.moveTo({position: network.getPosition(id), scale: 1.2});
            }""",
            node,
        )
        self.page.wait_for_timeout(50)
        point = self.js(
            "(id) => wikigraph.network.canvasToDOM(wikigraph.network.getPosition(id))", node
        )
        return float(point["x"]), float(point["y"])

    def click_node(self, node: int) -> None:
        x, y = self.centre_on(node)
        self.page.mouse.click(x, y)

    def hover_node(self, node: int) -> None:
        x, y = self.centre_on(node)
        self.page.mouse.move(x + 40, y + 40)
        self.page.mouse.move(x, y, steps=3)
        self.page.wait_for_timeout(120)

    def visible_nodes(self) -> set[int]:
        return {int(i) for i in self.js("() => wikigraph.view.nodes.getIds()")}

    def assert_clean(self) -> None:
        """Nothing left the page, nothing failed, the CSP blocked nothing."""
        assert self.blocked == []
        assert self.errors == []
        assert [text for kind, text in self.console if kind == "error"] == []
        assert [text for _, text in self.console if "Content Security Policy" in text] == []
        assert self.js("() => window.__violations") == []
        assert self.dialogs == []


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    contexts: list[Any] = []

    def open_(path: Path, *, color_scheme: str = "light", wait: bool = True) -> Page:
        context = browser.new_context(viewport=VIEWPORT, color_scheme=color_scheme)
        contexts.append(context)
        page = context.new_page()
        result = Page(page)

        def offline_only(route: Any) -> None:
            url = route.request.url
            if url.startswith(("file:", "data:")):
                route.continue_()
            else:
                result.blocked.append(url)
                route.abort()

        def on_dialog(dialog: Any) -> None:
            result.dialogs.append(dialog.message)
            dialog.dismiss()

        page.route("**/*", offline_only)
        page.on("console", lambda message: result.console.append((message.type, message.text)))
        page.on("pageerror", lambda error: result.errors.append(str(error)))
        page.on("dialog", on_dialog)
        page.add_init_script(WATCH_VIOLATIONS)
        page.goto(path.resolve().as_uri(), wait_until="load")
        if wait:
            page.wait_for_selector(READY, state="attached", timeout=60_000)
            assert page.evaluate("document.documentElement.dataset.wgState") == "ready"
        return result

    yield open_
    for context in contexts:
        context.close()


def _build(vault: Path, out: Path, **options: Any) -> Path:
    loaded = load_vault(vault, settings=Settings(no_cache=True))
    page = out / "graph.html"
    out.mkdir(parents=True, exist_ok=True)
    page.write_text(build_page(loaded, ViewOptions(**options)).html, encoding="utf-8")
    return page


@pytest.fixture(scope="module")
def basic_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``view-basic`` built with the command line, as a user would."""
    out = tmp_path_factory.mktemp("basic-out")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WIKIGRAPH_CACHE_DIR", str(out / "cache"))
        assert main(["build", str(VIEW_BASIC), "-o", str(out / "site")]) == 0
    return out / "site" / "graph.html"


# --- drawing --------------------------------------------------------------------------------


def test_browser__draws_every_node_and_edge(open_page: Any, basic_page: Path) -> None:
    page = open_page(basic_page)
    assert page.js("() => [wikigraph.nodes.length, wikigraph.edges.length]") == [13, 14]
    # Tags and attachments start hidden, as in Obsidian: 6 notes + 1 unresolved target.
    assert page.js("() => [wikigraph.view.nodes.length, wikigraph.view.edges.length]") == [7, 9]
    drawn = page.js("() => Object.keys(wikigraph.network.getPositions()).length")
    assert drawn == 7
    assert page.page.locator("#wg-graph canvas").count() == 1
    assert page.page.locator("#wg-counts").inner_text() == "7 nodes · 9 links"
    assert page.js("() => typeof wikigraph.ready.then") == "function"
    assert page.js("() => wikigraph.ready.then((api) => api === wikigraph)") is True
    page.assert_clean()


def test_browser__no_request_leaves_the_page(open_page: Any, basic_page: Path) -> None:
    page = open_page(basic_page)
    resources = page.js("() => performance.getEntriesByType('resource').map((r) => r.name)")
    assert [url for url in resources if not url.startswith(("file:", "data:"))] == []
    # Interacting fetches nothing either.
    page.click_node(page.node_id("Home"))
    page.page.locator("#wg-stats-button").click()
    page.assert_clean()


def test_browser__csp_blocks_a_script_that_was_not_hashed(
    open_page: Any, basic_page: Path, tmp_path: Path
) -> None:
    html = basic_page.read_text(encoding="utf-8")
    tampered = tmp_path / "graph.html"
    injected = html.replace("<body>", '<body><script>window.__pwned = "inline"</script>', 1)
    tampered.write_text(injected, encoding="utf-8")
    page = open_page(tampered)
    assert page.js("() => window.__pwned") is None
    assert any("script-src" in v for v in page.js("() => window.__violations"))
    assert page.js("() => wikigraph.nodes.length") == 13  # the page itself still works


def test_browser__precomputed_layout_without_physics(
    open_page: Any, fixture_vault: Any, tmp_path: Path
) -> None:
    page_path = _build(fixture_vault("view-basic"), tmp_path, physics=False)
    page = open_page(page_path)
    positions = page.js("() => wikigraph.network.getPositions()")
    stored = page.js("() => wikigraph.nodes.get({fields: ['id', 'x', 'y']})")
    for item in stored:
        key = str(item["id"])
        if key in positions:
            assert (positions[key]["x"], positions[key]["y"]) == (item["x"], item["y"])
    assert page.js("() => wikigraph.network.physics.physicsEnabled") is False
    page.assert_clean()


def test_browser__physics_stops_after_settling(open_page: Any, basic_page: Path) -> None:
    page = open_page(basic_page)
    assert page.js("() => wikigraph.network.physics.physicsEnabled") is False


# --- interaction ------------------------------------------------------------------------------


def test_browser__search_finds_and_focuses_as_you_type(open_page: Any, basic_page: Path) -> None:
    page = open_page(basic_page)
    plan = page.node_id("Plan")
    page.page.keyboard.press("/")
    assert page.js("() => document.activeElement.id") == "wg-search"
    page.page.keyboard.type("pla")
    results = page.page.locator("#wg-results li[role=option]")
    results.first.wait_for()
    assert results.first.locator(".wg-result-title").inner_text() == "Plan"
    assert page.js("() => wikigraph.network.getSelectedNodes()") == [plan]
    page.page.keyboard.press("Enter")
    panel = page.page.locator("#wg-panel")
    panel.wait_for()
    assert panel.locator(".wg-panel-head h2").inner_text() == "Plan"
    page.assert_clean()


def test_browser__search_matches_paths_and_aliases(open_page: Any, basic_page: Path) -> None:
    page = open_page(basic_page)
    search = page.page.locator("#wg-search")
    search.fill("start")  # an alias of Home
    page.page.locator("#wg-results li[role=option]").first.wait_for()
    titles = page.page.locator("#wg-results .wg-result-title").all_inner_texts()
    assert "Home" in titles
    search.fill("journal/")
    page.page.wait_for_function(
        "() => [...document.querySelectorAll('#wg-results .wg-result-title')]"
        ".some((e) => e.textContent === '2024-01-01')"
    )
    search.fill("zzzz-nothing")
    page.page.locator("#wg-results .wg-empty").wait_for()
    page.page.keyboard.press("Escape")
    assert search.input_value() == ""
    page.assert_clean()


def test_browser__click_opens_the_panel(open_page: Any, basic_page: Path) -> None:
    page = open_page(basic_page)
    page.click_node(page.node_id("Home"))
    panel = page.page.locator("#wg-panel")
    panel.wait_for()
    assert panel.locator(".wg-panel-head h2").inner_text() == "Home"
    assert panel.locator(".wg-path").inner_text() == "Home.md"
    assert panel.locator(".wg-chip").all_inner_texts() == ["#hub", "#start"]
    props = panel.locator(".wg-props")
    assert props.locator("dt").all_inner_texts() == ["up", "status"]  # tags, aliases: above
    assert "[[Ideas]]" in props.locator("dd").all_inner_texts()
    open_link = panel.locator("a.wg-primary")
    assert open_link.inner_text() == "Open in Obsidian"
    assert open_link.get_attribute("href") == "obsidian://open?vault=view-basic&file=Home.md"
    sections = {
        s.locator("h3").evaluate("(h) => h.firstChild.textContent"): s
        for s in panel.locator("section.wg-section").all()
    }
    backlinks = sections["Backlinks"].locator(".wg-link").all_inner_texts()
    assert backlinks == ["2024-01-01", "Ideas", "Plan"]
    outgoing = sections["Outgoing links"].locator("li").all_inner_texts()
    assert outgoing == ["diagram.png\nembed", "Ideas\nproperty up", "Missing note", "Plan"]
    problems = sections["Problems"].locator("li").all_inner_texts()
    assert len(problems) == 1
    assert 'no note named "Missing note"' in problems[0]
    assert "[broken-link]" in problems[0]
    preview = sections["Preview"].locator(".wg-preview")
    assert preview.locator("strong").inner_text() == "home"
    assert preview.locator("li code").inner_text() == "code"
    # Raw HTML stays text; the external link is shown, not followed.
    assert "<b>raw html</b>" in preview.inner_text()
    assert preview.locator("b").count() == 0
    assert preview.locator(".wg-external").get_attribute("title") == "https://example.com/page"
    assert preview.locator("a[href^=http]").count() == 0
    # A link in the preview selects its note.
    preview.locator("a", has_text="my ideas").click()
    assert panel.locator(".wg-panel-head h2").inner_text() == "Ideas"
    page.assert_clean()


def test_browser__panel_links_navigate(open_page: Any, basic_page: Path) -> None:
    page = open_page(basic_page)
    page.js("(id) => wikigraph.select(id)", page.node_id("Plan"))
    panel = page.page.locator("#wg-panel")
    panel.locator(".wg-link", has_text="Old").click()
    assert panel.locator(".wg-panel-head h2").inner_text() == "Old"
    assert page.js("() => wikigraph.network.getSelectedNodes()") == [page.node_id("Old")]
    page.page.keyboard.press("Escape")
    assert panel.is_hidden()
    assert page.js("() => wikigraph.network.getSelectedNodes()") == []
    page.assert_clean()


def test_browser__hover_highlights_neighbours(open_page: Any, basic_page: Path) -> None:
    page = open_page(basic_page)
    old = page.node_id("Old")
    page.hover_node(old)
    opacity = page.js(
        "() => Object.fromEntries(wikigraph.view.nodes.get().map((n) => [n.label, n.opacity]))"
    )
    assert opacity["Old"] == 1 and opacity["Plan"] == 1
    assert opacity["Lonely"] < 1 and opacity["Ideas"] < 1
    faded = page.js(
        """(id) => wikigraph.view.edges.get().map(
             (e) => [e.from === id || e.to === id, e.color.opacity])""",
        old,
    )
    assert {tuple(pair) for pair in faded} == {(True, 1), (False, 0.07)}
    page.page.mouse.move(5, 450)
    page.page.wait_for_function(
        "() => wikigraph.view.nodes.get().every((n) => n.opacity === undefined || n.opacity === 1)"
    )
    restored = page.js("() => wikigraph.view.edges.get().map((e) => e.color.opacity)")
    assert set(restored) == {0.55}
    page.assert_clean()


def test_browser__toggles(open_page: Any, basic_page: Path) -> None:
    page = open_page(basic_page)
    home, lonely = page.node_id("Home"), page.node_id("Lonely")
    missing = page.node_id("Missing note")
    assert len(page.visible_nodes()) == 7
    page.page.locator("#wg-toggle-tags").check()
    assert len(page.visible_nodes()) == 11
    assert page.page.locator("#wg-counts").inner_text() == "11 nodes · 13 links"
    page.page.locator("#wg-toggle-attachments").check()
    assert len(page.visible_nodes()) == 13
    page.page.locator("#wg-toggle-unresolved").uncheck()
    assert missing not in page.visible_nodes()
    page.page.locator("#wg-toggle-orphans").uncheck()
    visible = page.visible_nodes()
    assert lonely not in visible and home in visible
    assert page.node_id("unused.pdf") not in visible  # an attachment nothing links to
    page.page.locator("#wg-toggle-arrows").uncheck()
    assert page.js("() => wikigraph.network.body.edges[0].options.arrows.to.enabled") is False
    # Searching for a hidden note shows it again.
    page.js("(id) => wikigraph.select(id)", lonely)
    assert lonely in page.visible_nodes()
    assert page.page.locator("#wg-toggle-orphans").is_checked()
    page.assert_clean()


def test_browser__local_graph(open_page: Any, basic_page: Path) -> None:
    page = open_page(basic_page)
    old, plan = page.node_id("Old"), page.node_id("Plan")
    local = page.page.locator("#wg-toggle-local")
    assert local.is_disabled()  # nothing selected yet
    page.js("(id) => wikigraph.select(id)", old)
    page.page.locator("#wg-local-section summary").click()
    local.check()
    assert page.visible_nodes() == {old, plan}
    page.page.locator("#wg-depth").fill("2")
    expected = {old, plan, page.node_id("Home"), page.node_id("Ideas")}
    assert page.visible_nodes() == expected
    assert "4 nodes" in page.page.locator("#wg-local-hint").inner_text()
    local.uncheck()
    assert len(page.visible_nodes()) == 7
    page.assert_clean()


def test_browser__local_graph_settles_and_restores_a_fixed_layout(
    open_page: Any, fixture_vault: Any, tmp_path: Path
) -> None:
    page = open_page(_build(fixture_vault("view-basic"), tmp_path, physics=False))
    home = page.node_id("Home")
    before = page.js("() => wikigraph.network.getPositions()")
    page.js("(id) => wikigraph.select(id)", home)
    page.page.locator("#wg-local-section summary").click()
    page.page.locator("#wg-toggle-local").check()
    members = page.visible_nodes()
    assert home in members and len(members) == 5  # Home, its 3 note neighbours, Missing note
    assert page.page.locator("#wg-force-repel").is_enabled()  # forces work in the local graph
    page.page.wait_for_function("() => !wikigraph.network.physics.physicsEnabled")
    page.page.locator("#wg-toggle-local").uncheck()
    after = page.js("() => wikigraph.network.getPositions()")
    assert after == before  # leaving the local graph puts every node back
    assert page.page.locator("#wg-force-repel").is_disabled()
    page.assert_clean()


def test_browser__a_huge_vault_opens_in_a_local_graph(
    open_page: Any, fixture_vault: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import wikigraph.render

    monkeypatch.setattr(wikigraph.render, "LOCAL_START_NODES", 3)
    page = open_page(_build(fixture_vault("view-basic"), tmp_path, physics=False))
    home = page.node_id("Home")  # the most linked note
    assert page.js("() => wikigraph.network.getSelectedNodes()") == [home]
    assert page.visible_nodes() == {
        home,
        page.node_id("Ideas"),
        page.node_id("Plan"),
        page.node_id("2024-01-01"),
        page.node_id("Missing note"),
    }
    assert page.page.locator("#wg-toggle-local").is_checked()
    assert "opens around its most linked note" in page.page.locator("#wg-local-hint").inner_text()
    # Searching moves the local graph; turning it off draws everything.
    page.page.locator("#wg-search").fill("Lonely")
    page.page.keyboard.press("Enter")
    assert page.visible_nodes() == {page.node_id("Lonely")}
    page.page.locator("#wg-toggle-local").uncheck()
    assert len(page.visible_nodes()) == 7
    page.assert_clean()


def test_browser__colour_modes_and_legend(open_page: Any, basic_page: Path) -> None:
    page = open_page(basic_page)
    plan, ideas = page.node_id("Plan"), page.node_id("Ideas")
    legend = page.page.locator("#wg-legend")
    assert legend.locator("h2").inner_text().lower() == "folders"
    labels = legend.locator(".wg-legend-label").all_inner_texts()
    assert "Projects" in labels and "(top level)" in labels
    select = page.page.locator("#wg-color-by")
    select.select_option("obsidian")
    colors = page.js("() => Object.fromEntries(wikigraph.nodes.get().map((n) => [n.id, n.color]))")
    assert colors[str(plan)] == "#e05252"  # path:Projects
    assert colors[str(ideas)] == "#52e052"  # tag:#idea
    assert "(query not supported)" in legend.inner_text()  # line:(...) is not supported
    select.select_option("tag")
    assert legend.locator("h2").inner_text().lower() == "tags"
    assert "#idea" in legend.locator(".wg-legend-label").all_inner_texts()
    page.assert_clean()


def test_browser__statistics_panel(open_page: Any, basic_page: Path) -> None:
    page = open_page(basic_page)
    page.page.locator("#wg-stats-button").click()
    stats = page.page.locator("#wg-stats")
    stats.wait_for()
    assert "Found 2 errors" in stats.locator(".wg-summary").inner_text()
    numbers = dict(
        zip(
            stats.locator(".wg-stat span").all_inner_texts(),
            stats.locator(".wg-stat b").all_inner_texts(),
            strict=True,
        )
    )
    assert numbers["notes"] == "6"
    page.page.keyboard.press("Escape")
    assert stats.is_hidden()
    page.assert_clean()


def test_browser__dark_theme_follows_the_system(open_page: Any, basic_page: Path) -> None:
    light = open_page(basic_page)
    dark = open_page(basic_page, color_scheme="dark")
    script = "() => getComputedStyle(document.body).backgroundColor"
    assert light.js(script) != dark.js(script)
    font = "() => wikigraph.network.body.nodes[0].options.font.color"
    assert light.js(font) != dark.js(font)
    dark.assert_clean()


# --- the XSS corpus ---------------------------------------------------------------------------

PAYLOADS = [
    "<img src=x onerror=window.__pwned='img'>",
    "\"><svg onload=window.__pwned='svg'>",
    "' onmouseover='window.__pwned=1' x='",
    "javascript:window.__pwned='js'",
    "{{ 7*7 }} ${window.__pwned='tpl'}",
]
SCRIPT_BREAK = "</script><script>window.__pwned='break'</script>"


def _xss_vault(root: Path) -> Path:
    """A vault whose names, headings, tags, properties, aliases and links all carry payloads."""
    vault = root / "<img src=x onerror=window.__pwned='vault'>"
    folder = vault / "\"><svg onload=window.__pwned='folder'>"
    folder.mkdir(parents=True)
    (vault / ".obsidian").mkdir()
    (vault / ".obsidian" / "graph.json").write_text(
        json.dumps(
            {
                "colorGroups": [
                    {"query": f"path:{SCRIPT_BREAK}", "color": {"a": 1, "rgb": 255}},
                    {"query": "file:<img", "color": {"a": 1, "rgb": 65280}},
                ]
            }
        ),
        encoding="utf-8",
    )
    for number, payload in enumerate(PAYLOADS):
        name = payload  # a file name: no payload holds "/"
        target = PAYLOADS[(number + 1) % len(PAYLOADS)]
        body = f"""---
title: "{SCRIPT_BREAK}"
aliases: ["{payload.replace('"', "'")}"]
tags: ["x{number}<b>"]
link: "[[{target}]]"
html: "<iframe src=javascript:window.__pwned='prop'>"
---
# {SCRIPT_BREAK} {payload}

[[{target}|{payload}]] and [[{name}#{payload}]] and [[missing {payload}]]
[click](javascript:window.__pwned='md') ![img](javascript:window.__pwned='image')
<script>window.__pwned='raw'</script> <img src=x onerror=window.__pwned='rawimg'>
[data](data:text/html,<script>window.__pwned='data'</script>) #tag{number}
\u2028{SCRIPT_BREAK}\u2029
"""
        (folder if number % 2 else vault).joinpath(name + ".md").write_text(body, "utf-8")
    return vault


@pytest.fixture(scope="module")
def xss_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("xss")
    vault = _xss_vault(root)
    out = root / "out"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WIKIGRAPH_CACHE_DIR", str(root / "cache"))
        code = main(["build", str(vault), "-o", str(out), "--title", SCRIPT_BREAK + PAYLOADS[0]])
    assert code == 0
    return out / "graph.html"


def test_browser__xss_corpus_never_runs(open_page: Any, xss_page: Path) -> None:
    page = open_page(xss_page)
    assert page.js("() => window.__pwned") is None
    assert page.page.title().startswith(SCRIPT_BREAK)
    page.page.locator("#wg-toggle-tags").check()
    ids = sorted(int(i) for i in page.js("() => wikigraph.nodes.getIds()"))
    assert len(ids) >= 10
    for node in ids:
        page.hover_node(node)
        page.click_node(node)
        panel = page.page.locator("#wg-panel")
        panel.wait_for()
        for link in panel.locator(".wg-preview a").all()[:3]:
            link.click()
        assert page.js("() => window.__pwned") is None
    for payload in [*PAYLOADS, SCRIPT_BREAK, "<"]:
        page.page.locator("#wg-search").fill(payload)
        page.page.wait_for_timeout(80)
        page.page.keyboard.press("Enter")
    for mode in ("folder", "tag", "community", "obsidian"):
        page.page.locator("#wg-color-by").select_option(mode)
    for index in range(6):
        if page.page.locator("#wg-stats").is_hidden():
            page.page.locator("#wg-stats-button").click()
        links = page.page.locator("#wg-stats .wg-link")
        if index < links.count():
            links.nth(index).click()
    page.page.locator("#wg-legend button").first.click()
    assert page.js("() => window.__pwned") is None
    # No element from a note became markup: every preview element is one we allow.
    tags = page.js(
        "() => [...document.querySelectorAll('#wg-panel *')].map((e) => e.tagName.toLowerCase())"
    )
    assert not {"img", "svg", "script", "iframe", "style"} & set(tags)
    hrefs = page.js("() => [...document.querySelectorAll('a[href]')].map((a) => a.href)")
    assert all(re.match(r"^(obsidian://open\?|file:.*#$)", href) for href in hrefs), hrefs
    page.assert_clean()


def test_browser__xss_labels_are_shown_as_text(open_page: Any, xss_page: Path) -> None:
    page = open_page(xss_page)
    labels = page.js("() => wikigraph.nodes.get().map((n) => n.label)")
    assert PAYLOADS[0] in labels
    page.js(
        "(id) => wikigraph.select(id)",
        page.node_id(PAYLOADS[0]),
    )
    assert page.page.locator("#wg-panel h2").inner_text() == PAYLOADS[0]
    heading = page.page.locator("#wg-panel .wg-preview h4").inner_text()
    assert SCRIPT_BREAK in heading
    assert page.js("() => window.__pwned") is None
    page.assert_clean()


def test_browser__screenshot_smoke(open_page: Any, basic_page: Path, tmp_path: Path) -> None:
    page = open_page(basic_page)
    shot = tmp_path / "shot.png"
    page.page.screenshot(path=str(shot))
    assert shot.read_bytes().startswith(b"\x89PNG")
    assert shot.stat().st_size > 10_000
