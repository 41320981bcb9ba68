"""Regenerate ``docs/graph.png``: the graph of ``notes/`` as the README shows it.

    python scripts/screenshot.py [--vault notes] [--out docs/graph.png] [--select NOTE]
                                 [--theme light|dark]

Builds the page into a temporary folder, opens it offline in headless Chromium (Debian's
``/usr/bin/chromium``, driven by Playwright), selects a well-linked note (the one a fifth of
the way down by size, or ``--select NOTE``) and hovers it, so that the side panel and the
highlighted neighbours show, and saves a PNG.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
SELECT = """(wanted) => {
  const shown = new Set(wikigraph.view.nodes.getIds());
  const notes = wikigraph.nodes.get()
    .filter((n) => shown.has(n.id) && (!wanted || n.label === wanted));
  notes.sort((a, b) => b.size - a.size || (a.label < b.label ? -1 : 1));
  // A well-linked note, but not the biggest hub (around it nothing would fade).
  return notes.length ? notes[Math.floor(notes.length / 5)].id : null;
}"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vault", type=Path, default=ROOT / "notes", help="vault to draw")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "graph.png", help="PNG file")
    parser.add_argument(
        "--select",
        metavar="NOTE",
        help="note to select (default: one a fifth of the way down by size)",
    )
    parser.add_argument("--theme", choices=("light", "dark"), default="light")
    parser.add_argument("--width", type=int, default=1600)
    parser.add_argument("--height", type=int, default=1000)
    args = parser.parse_args(argv)

    from playwright.sync_api import Route, sync_playwright

    with tempfile.TemporaryDirectory() as work:
        site = Path(work) / "site"
        subprocess.run(
            [sys.executable, "-m", "wikigraph", "build", str(args.vault), "-o", str(site), "-q"],
            check=False,
            env={**os.environ, "WIKIGRAPH_CACHE_DIR": str(Path(work) / "cache")},
        )
        page_path = site / "graph.html"
        if not page_path.is_file():
            print("screenshot: the build wrote no page", file=sys.stderr)
            return 1

        def offline(route: Route) -> None:
            if route.request.url.startswith(("file:", "data:")):
                route.continue_()
            else:
                route.abort()

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            try:
                page = browser.new_page(
                    viewport={"width": args.width, "height": args.height},
                    color_scheme=args.theme,
                    device_scale_factor=1,
                )
                page.route("**/*", offline)
                page.goto(page_path.as_uri())
                page.wait_for_selector("html[data-wg-state=ready]", state="attached")
                node = page.evaluate(SELECT, args.select)
                if node is not None:
                    page.evaluate("(id) => wikigraph.select(id)", node)
                    page.wait_for_timeout(700)
                    point = page.evaluate(
                        "(id) => wikigraph.network.canvasToDOM(wikigraph.network.getPosition(id))",
                        node,
                    )
                    page.mouse.move(point["x"], point["y"])
                    page.wait_for_timeout(200)  # before the tooltip (350 ms) shows
                args.out.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(args.out))
            finally:
                browser.close()
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
