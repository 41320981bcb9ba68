"""How the browser tests and ``bench_view.py`` start Chromium: Debian's package, headless,
with nothing that reaches the network on its own and no sandbox (test machines run as
root, where Chromium's sandbox refuses to start)."""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
"""Debian's ``chromium`` package (``apt-get install chromium``)."""
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
"""The command-line switches Chromium is started with."""
