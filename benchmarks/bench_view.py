"""Measure ``wikigraph build`` and the page it writes, on generated vaults of growing size.

    python benchmarks/bench_view.py [--sizes 1000,10000,50000] [--work DIR] [--runs 3]

For each size it generates a vault with ``benchmarks/generate_vault.py`` (kept in the work
folder and reused), then times, each in a fresh process:

* ``check`` with a warm parse cache (what CI runs anyway: the baseline);
* ``build`` with a cold layout cache (a first build) and with a warm one (every later build);
* the time to first draw of the page in headless Chromium (Debian's ``/usr/bin/chromium``,
  offline), from navigation start to the first frame of the graph, median of ``--runs``.

and prints one table row per size. Nothing is asserted: the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
GENERATOR = HERE / "generate_vault.py"
CHROMIUM = "/usr/bin/chromium"
BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass(frozen=True, slots=True)
class Row:
    """The measurements for one vault size."""

    notes: int
    nodes: int
    edges: int
    page_mb: float
    check_s: float
    build_cold_s: float
    build_warm_s: float
    draw_s: float


def _run(args: list[str], env: dict[str, str]) -> float:
    """Run ``python -m wikigraph ARGS`` and return its wall time in seconds."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "wikigraph", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if result.returncode not in (0, 1):
        raise SystemExit(f"wikigraph {' '.join(args)} failed:\n{result.stderr}")
    return elapsed


def _vault(work: Path, notes: int, seed: int) -> Path:
    vault = work / f"vault-{notes}"
    if not (vault / ".wikigraph-generated").exists():
        subprocess.run(
            [
                sys.executable,
                str(GENERATOR),
                str(vault),
                "--notes",
                str(notes),
                "--seed",
                str(seed),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return vault


def _first_draw(page: Path, runs: int) -> tuple[float, int, int]:
    """Median seconds to the first draw, and the node and edge counts the page holds."""
    from playwright.sync_api import Route, sync_playwright

    def offline(route: Route) -> None:
        if route.request.url.startswith(("file:", "data:")):
            route.continue_()
        else:
            route.abort()

    times: list[float] = []
    counts = (0, 0)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=BROWSER_ARGS
        )
        try:
            for _ in range(runs):
                tab = browser.new_page(viewport={"width": 1400, "height": 900})
                tab.route("**/*", offline)
                tab.goto(page.as_uri(), wait_until="commit")
                tab.wait_for_selector(
                    "html[data-wg-state=ready]", state="attached", timeout=600_000
                )
                times.append(int(tab.evaluate("document.documentElement.dataset.wgReadyMs")) / 1000)
                counts = tuple(tab.evaluate("[wikigraph.nodes.length, wikigraph.edges.length]"))  # type: ignore[assignment]
                tab.close()
        finally:
            browser.close()
    return statistics.median(times), counts[0], counts[1]


def measure(work: Path, notes: int, seed: int, runs: int) -> Row:
    """Generate (or reuse) a vault of ``notes`` notes and measure it."""
    vault = _vault(work, notes, seed)
    cache = work / f"cache-{notes}"
    out = work / f"out-{notes}"
    shutil.rmtree(cache, ignore_errors=True)
    env = {**os.environ, "WIKIGRAPH_CACHE_DIR": str(cache), "NO_COLOR": "1"}
    _run(["check", str(vault)], env)  # fills the parse cache
    check = min(_run(["check", str(vault)], env) for _ in range(2))
    layout_cache = list(cache.rglob("layout.json"))
    for path in layout_cache:
        path.unlink()
    cold = _run(["build", str(vault), "-o", str(out), "-q"], env)
    warm = min(_run(["build", str(vault), "-o", str(out), "-q"], env) for _ in range(2))
    page = out / "graph.html"
    draw, nodes, edges = _first_draw(page, runs)
    return Row(notes, nodes, edges, page.stat().st_size / 1e6, check, cold, warm, draw)


def table(rows: list[Row]) -> str:
    """The rows as a Markdown table."""
    head = (
        "| notes | nodes | edges | page MB | check s | build s (new layout) | build s (cached)"
        " | build - check s | first draw s |"
    )
    lines = [head, "|" + "---:|" * 9]
    for r in rows:
        lines.append(
            f"| {r.notes:,} | {r.nodes:,} | {r.edges:,} | {r.page_mb:.1f} | {r.check_s:.2f} |"
            f" {r.build_cold_s:.2f} | {r.build_warm_s:.2f} | {r.build_warm_s - r.check_s:.2f} |"
            f" {r.draw_s:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,50000", help="note counts, comma-separated")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default: 1)")
    parser.add_argument("--runs", type=int, default=3, help="page loads per size (default: 3)")
    parser.add_argument(
        "--work", type=Path, help="folder for vaults, caches and pages (default: a temporary one)"
    )
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    work = args.work or Path(tempfile.mkdtemp(prefix="wikigraph-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {os.cpu_count()} cores; work folder: {work}", file=sys.stderr)
    rows = []
    for size in sizes:
        print(f"measuring {size:,} notes…", file=sys.stderr)
        rows.append(measure(work, size, args.seed, args.runs))
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
