"""Measure ``wikigraph build`` and the page it writes, on generated vaults of growing size.

    python benchmarks/bench_view.py [--sizes 1000,10000,50000] [--work DIR] [--runs 3]

For each size it generates a vault with ``benchmarks/generate_vault.py`` (kept in the work
folder and reused), then times, each in a fresh process:

* ``check`` and ``build`` with empty caches (a first build, with a new layout);
* ``check`` and ``build`` after one note was edited, with the caches the first runs left
  (every later build: the parse cache, the cached layout and previews);
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

from headless_chromium import ARGS, CHROMIUM  # beside this script

HERE = Path(__file__).resolve().parent
GENERATOR = HERE / "generate_vault.py"


@dataclass(frozen=True, slots=True)
class Row:
    """The measurements for one vault size."""

    notes: int
    nodes: int
    edges: int
    page_mb: float
    check_cold_s: float
    build_cold_s: float
    check_edit_s: float
    build_edit_s: float
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
            executable_path=str(CHROMIUM), headless=True, args=ARGS
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


def _edit(vault: Path, run: int) -> None:
    """Append a line to one note (the same note every time)."""
    notes = sorted(vault.rglob("*.md"))
    with notes[len(notes) // 2].open("a", encoding="utf-8") as handle:
        handle.write(f"\nEdited for the benchmark, run {run}.\n")


def measure(work: Path, notes: int, seed: int, runs: int) -> Row:
    """Generate (or reuse) a vault of ``notes`` notes and measure it.

    The measured vault is a copy, since the edits change it."""
    generated = _vault(work, notes, seed)
    vault = work / f"edited-{notes}"
    shutil.rmtree(vault, ignore_errors=True)
    shutil.copytree(generated, vault, symlinks=True)
    cache = work / f"cache-{notes}"
    out = work / f"out-{notes}"
    env = {**os.environ, "WIKIGRAPH_CACHE_DIR": str(cache), "NO_COLOR": "1"}
    check = ["check", str(vault), "-q"]
    build = ["build", str(vault), "-o", str(out), "-q"]
    shutil.rmtree(cache, ignore_errors=True)
    check_cold = _run(check, env)
    shutil.rmtree(cache, ignore_errors=True)
    build_cold = _run(build, env)
    _run(check, env)  # the check state of the unedited vault
    check_edit, build_edit = [], []
    for run in range(2):
        _edit(vault, 2 * run)
        check_edit.append(_run(check, env))
        _edit(vault, 2 * run + 1)
        build_edit.append(_run(build, env))
    page = out / "graph.html"
    draw, nodes, edges = _first_draw(page, runs)
    return Row(
        notes,
        nodes,
        edges,
        page.stat().st_size / 1e6,
        check_cold,
        build_cold,
        min(check_edit),
        min(build_edit),
        draw,
    )


def table(rows: list[Row]) -> str:
    """The rows as a Markdown table."""
    head = (
        "| notes | nodes | edges | page MB | check s, cold | build s, cold | check s, one edit"
        " | build s, one edit | build - check s, one edit | first draw s |"
    )
    lines = [head, "|" + "---:|" * 10]
    for r in rows:
        lines.append(
            f"| {r.notes:,} | {r.nodes:,} | {r.edges:,} | {r.page_mb:.1f} |"
            f" {r.check_cold_s:.2f} | {r.build_cold_s:.2f} | {r.check_edit_s:.2f} |"
            f" {r.build_edit_s:.2f} | {r.build_edit_s - r.check_edit_s:.2f} | {r.draw_s:.2f} |"
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
