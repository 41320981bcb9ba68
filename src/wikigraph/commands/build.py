"""``wikigraph build``: write the interactive HTML graph of the vault.

Loads the vault, runs the checks (their summary goes to stderr), renders the page with
:func:`wikigraph.render.build_page` and writes ``DIR/graph.html`` atomically. The output
folder must lie outside the vault; an existing ``graph.html`` is only replaced when
wikigraph wrote it. Exit code 0 when the page is written, 1 with ``--strict`` when the
check found a warning or an error (the page is still written), 2 for usage errors.

A build remembers what it wrote (:class:`BuildState`, in the vault's cache folder). When
the next build with the same settings and options finds the vault listed as before (names,
and the stat of every note: :func:`wikigraph.checkstate.list_vault`), the same
``.obsidian`` settings, the same code and its page untouched, the page is already what it
would write: it says so and repeats the stored summary, without loading the vault.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wikigraph.cli import (
    EXIT_FINDINGS,
    EXIT_OK,
    add_command,
    keep_watching,
    settings_from_args,
    vault_from_args,
)
from wikigraph.config import COLOR_MODES, Settings
from wikigraph.errors import OutputError

if TYPE_CHECKING:
    from wikigraph.checks import CheckResult
    from wikigraph.checkstate import Listing
    from wikigraph.model import Note
    from wikigraph.render import PageProblem
    from wikigraph.vault import Vault
    from wikigraph.watch import Changes

HELP = "write an interactive HTML graph"
DESCRIPTION = """\
Write DIR/graph.html: one self-contained page that draws the vault's notes and links, works
offline from disk, and lets you search, filter, colour and explore the graph. The check's
summary is printed on stderr."""
EPILOG = """\
examples:
  wikigraph build notes                  write output/graph.html
  wikigraph build notes -o site          write site/graph.html
  wikigraph build --color-by obsidian    use the colour groups of .obsidian/graph.json
  wikigraph build --strict               fail (exit 1) on any warning or error

exit codes:
  0  the page was written
  1  --strict and the check found a warning or an error (the page is still written)
  2  usage or configuration error (bad option, missing vault, output inside the vault)
"""
DEFAULT_OUTPUT = Path("output")
PAGE_NAME = "graph.html"
STATE_VERSION = 1
STALE_DAYS = 30
"""Build states of other settings that no build wrote for this long are removed."""


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = add_command(
        subparsers,
        "build",
        help=HELP,
        description=DESCRIPTION,
        epilog=EPILOG,
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="DIR",
        type=Path,
        help=f"folder to write {PAGE_NAME} into, outside the vault (default: the configured"
        f" output, else {DEFAULT_OUTPUT})",
    )
    parser.add_argument(
        "--title", metavar="TEXT", help="page title (default: the vault folder's name)"
    )
    parser.add_argument(
        "--color-by",
        choices=COLOR_MODES,
        help="initial colouring: folder, tag, community or obsidian (the colour groups of"
        " .obsidian/graph.json) (default: the configured color-by, else folder)",
    )
    parser.add_argument(
        "--obsidian-vault",
        metavar="NAME",
        help='vault name in the "Open in Obsidian" links (default: the vault folder\'s name)',
    )
    parser.add_argument(
        "--physics",
        choices=("auto", "on", "off"),
        default="auto",
        help="settle the layout in the browser (on) or draw the precomputed one (off);"
        " auto does the first for small vaults (default: auto)",
    )
    parser.add_argument(
        "--no-stats",
        action="store_true",
        help="leave out the statistics panel and the colouring by community (faster on very"
        " large vaults)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit with 1 when the check finds any warning or error (the page is still written)",
    )
    parser.add_argument(
        "-w",
        "--watch",
        action="store_true",
        help="keep running: build again whenever the vault, the config or the baseline changes"
        " (Ctrl-C to stop; the exit code is the last build's)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print only errors, no summary")
    parser.set_defaults(run=run)


def output_page(folder: Path) -> Path:
    """The page path for an output folder (a path ending in ``.html`` is taken as the page)."""
    if folder.suffix.lower() in (".html", ".htm") and not folder.is_dir():
        return folder
    return folder / PAGE_NAME


def check_output(page: Path, vault_root: Path) -> None:
    """Refuse an output inside or around the vault, or a page that wikigraph did not write."""
    check_place(page, vault_root)
    check_owner(page)


def check_place(page: Path, vault_root: Path) -> None:
    """Refuse an output inside or around the vault, or one that is not a file in a folder."""
    folder = page.parent.resolve()
    vault = vault_root.resolve()
    shown = page.parent.as_posix()
    if folder == vault or vault in folder.parents:
        raise OutputError(
            f'output folder "{shown}" is inside the vault "{vault_root.as_posix()}"'
            " (pass -o with a folder outside the vault)"
        )
    if folder in vault.parents:
        raise OutputError(
            f'output folder "{shown}" contains the vault "{vault_root.as_posix()}"'
            " (pass -o with a folder beside the vault, such as output)"
        )
    if page.parent.exists() and not page.parent.is_dir():
        raise OutputError(f'output "{shown}" is a file, not a folder')
    if page.is_dir():
        raise OutputError(f'"{page.as_posix()}" is a folder (pass -o with another folder)')


def check_owner(page: Path) -> None:
    """Refuse to replace an existing page that wikigraph did not write."""
    from wikigraph.render import GENERATOR

    if page.exists():
        try:
            with page.open("rb") as handle:
                head = handle.read(4096)
        except OSError as error:
            raise OutputError(
                f'cannot read "{page.as_posix()}": {error.strerror or error}'
            ) from None
        if f'<meta name="generator" content="{GENERATOR}'.encode() not in head:
            raise OutputError(
                f'"{page.as_posix()}" exists and was not written by wikigraph; not replacing it'
                " (remove it or pass -o with another folder)"
            )


def _file_digest(path: Path) -> str | None:
    try:
        return hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
    except FileNotFoundError:
        return None
    except OSError as error:
        return type(error).__name__


def _page_stat(page: Path) -> list[int] | None:
    try:
        info = page.stat()
    except OSError:
        return None
    return [info.st_size, info.st_mtime_ns, info.st_ino, info.st_ctime_ns]


def _view_code_digest() -> str:
    """A digest of what makes a page beyond what a check depends on: all of wikigraph's
    Python code, the page's own script, style and template, the vis-network that pyvis
    ships, and the libraries that lay out, render previews and fill the template."""
    from importlib import metadata, resources

    digest = hashlib.blake2b(digest_size=16)
    package = resources.files("wikigraph")
    for folder in (package, package / "commands"):
        for entry in sorted(folder.iterdir(), key=lambda item: item.name):
            if entry.name.endswith(".py"):
                digest.update(entry.name.encode())
                digest.update(entry.read_bytes())
    templates = package / "templates"
    for name in ("graph.css", "graph.html.j2", "graph.js"):
        digest.update((templates / name).read_bytes())
    for library in ("pyvis", "numpy", "Jinja2", "MarkupSafe"):
        try:
            digest.update(f"{library} {metadata.version(library)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(library.encode())
    return digest.hexdigest()


class BuildState:
    """What the last build with these settings and options wrote, in the vault's cache folder.

    It holds the vault's listing, the digest of ``.obsidian/graph.json``, the stat of the
    page just after it was written, and what the build printed and returned. It is stored
    only when no listed file changed in the two seconds before the build listed the vault
    (a change within the same timestamp tick would not show in a stat).
    """

    def __init__(self, path: Path, listing: Listing, graph_json: str | None) -> None:
        self.path = path
        self.listing = listing
        self.graph_json = graph_json

    @staticmethod
    def open(
        settings: Settings, vault_root: Path, page: Path, args: argparse.Namespace
    ) -> BuildState | None:
        """The state of this build's settings and options; None when there is no place for
        it (see :func:`wikigraph.cachedir.state_dir`)."""
        from wikigraph.cachedir import state_dir
        from wikigraph.checkstate import list_vault, state_key

        folder = state_dir(settings, vault_root)
        if folder is None:
            return None
        options = (
            STATE_VERSION,
            state_key(settings),
            _view_code_digest(),
            os.path.realpath(vault_root),
            os.path.realpath(page),
            repr(settings),
            args.title,
            args.color_by,
            args.obsidian_vault,
            args.physics,
            args.no_stats,
            args.strict,
        )
        key = hashlib.blake2b(
            repr(options).encode("utf-8", "surrogatepass"), digest_size=12
        ).hexdigest()
        graph_json = _file_digest(vault_root / ".obsidian" / "graph.json")
        listing = list_vault(os.fspath(vault_root))
        return BuildState(folder / f"build-{key}.state", listing, graph_json)

    def replay(self, page: Path) -> tuple[list[str], int] | None:
        """What the stored build printed and returned, when its page is still what this
        build would write; else None."""
        if not self.listing.safe:
            return None
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(stored, dict):
            return None
        if (
            stored.get("listing") != self.listing.digest.hex()
            or stored.get("graph") != self.graph_json
            or stored.get("page") != _page_stat(page)
        ):
            return None
        lines, code = stored.get("lines"), stored.get("exit")
        if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
            return None
        return (lines, code) if isinstance(code, int) else None

    def store(self, page: Path, lines: list[str], code: int, youngest_ns: int) -> None:
        """Remember this build, unless a file changed too close to the listing to be sure
        that the listing saw the change (``youngest_ns``: the newest mtime or ctime)."""
        from wikigraph.checkstate import RACY_NS

        if not self.listing.safe or youngest_ns >= self.listing.started_ns - RACY_NS:
            return
        state = {
            "listing": self.listing.digest.hex(),
            "graph": self.graph_json,
            "page": _page_stat(page),
            "lines": lines,
            "exit": code,
        }
        from wikigraph.files import write_atomic

        with contextlib.suppress(OSError):
            write_atomic(
                self.path, json.dumps(state, ensure_ascii=False).encode("utf-8", "surrogatepass")
            )
            limit = time.time() - STALE_DAYS * 86400
            for other in self.path.parent.glob("build-*.state"):
                if other != self.path and other.stat().st_mtime < limit:
                    other.unlink()


def _youngest(vault: Vault) -> int:
    """The newest mtime or ctime of the vault's files."""
    return max((max(f.mtime_ns, f.ctime_ns) for f in vault.files), default=0)


def _page_problems(diagnostics: Sequence[Any]) -> Mapping[str, list[PageProblem]]:
    from wikigraph.render import PageProblem

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


def run(args: argparse.Namespace) -> int:
    if args.watch:
        return _watch(args)
    return _run_once(args, settings_from_args(args))


def _watch(args: argparse.Namespace) -> int:
    """``build --watch``: build, then build again after every change, until Ctrl-C."""

    def run(settings: Settings, changes: Changes | None) -> int:
        return _run_once(args, settings, prefix=time.strftime("[%H:%M:%S] "))

    return keep_watching(
        settings_from_args(args), lambda: settings_from_args(args), run, quiet=args.quiet
    )


def _run_once(args: argparse.Namespace, settings: Settings, prefix: str = "") -> int:
    folder = args.output or settings.output or DEFAULT_OUTPUT
    page = output_page(folder)
    vault_root = settings.vault if settings.vault is not None else Path(".")
    state = None
    if vault_root.is_dir():
        check_place(page, vault_root)
        state = BuildState.open(settings, vault_root, page, args)
        replayed = state.replay(page) if state is not None else None
        if replayed is not None:
            lines, code = replayed
            if not args.quiet:
                for line in lines:
                    print(prefix + line, file=sys.stderr)
            return code
        check_owner(page)
    return _build(args, settings, page, vault_root, state, prefix)


def _build(
    args: argparse.Namespace,
    settings: Settings,
    page: Path,
    vault_root: Path,
    state: BuildState | None,
    prefix: str = "",
) -> int:
    """Build the page; ``prefix`` goes before each line printed on stderr."""
    from wikigraph.cachedir import vault_cache_dir
    from wikigraph.checks import Severity
    from wikigraph.checkstate import check
    from wikigraph.commands.check import shown_as
    from wikigraph.render import ViewOptions, build_helpers, build_page
    from wikigraph.report import plural, summary_line

    # Forked now, while this process is small: they lay out, compute the statistics and
    # render previews while this one checks the vault (see wikigraph.background). The
    # previews need only the notes' excerpts: they start while the links are resolved.
    helpers = build_helpers()
    settings = settings.with_overrides(vault=vault_root)
    cache_dir = vault_cache_dir(settings, vault_root)

    def parsed(checked_notes: tuple[Note, ...]) -> None:
        helpers.start_previews(checked_notes, cache_dir)

    try:
        vault = vault_from_args(args, settings, parsed=parsed)
        check_output(page, vault.root)
    except BaseException:
        helpers.layout.close()
        helpers.previews.close()
        raise
    results: list[CheckResult] = []

    def findings(checked: Vault = vault) -> tuple[Mapping[str, list[PageProblem]], str]:
        # Through the check state: after an edit, only the changed notes are checked again,
        # and a later `wikigraph check` finds its report already stored.
        report = check(
            checked.settings,
            shown_as(args, checked.settings, "text", color=False),
            lambda: checked,
            with_result=True,
        )
        assert report.result is not None
        results.append(report.result)
        return _page_problems(report.result.diagnostics), report.summary

    options = ViewOptions(
        title=args.title,
        color_by=args.color_by or settings.color_by,
        obsidian_vault=args.obsidian_vault,
        physics={"on": True, "off": False}.get(args.physics),
    )
    built = build_page(
        vault, options, checks=findings, statistics=not args.no_stats, helpers=helpers
    )
    result = results[0]
    summary = summary_line(result)
    youngest = _youngest(vault)
    del vault, findings  # the page's data is made: let the notes and links go before writing it
    try:
        built.write(page)
    except OSError as error:
        raise OutputError(f'cannot write "{page.as_posix()}": {error.strerror or error}') from None
    code = EXIT_FINDINGS if args.strict and result.failed(Severity.WARNING) else EXIT_OK
    notices = [f"wikigraph: note: {notice}" for notice in built.notices]
    counts = built.view.config["counts"]
    assert isinstance(counts, dict)
    drawn = f"{plural(counts['notes'], 'note')}, {plural(counts['links'], 'linked pair')}"
    if not args.quiet:
        layout = (
            "layout from the cache"
            if not built.layout_iterations
            else f"{built.layout_reused} positions from the cache"
            if built.layout_reused
            else "new layout"
        )
        for line in (*notices, f"Wrote {page.as_posix()}: {drawn} ({layout}).", summary):
            print(prefix + line, file=sys.stderr)
    if state is not None:
        unchanged = (
            f"{page.as_posix()} is up to date: {drawn} (nothing changed since it was written)."
        )
        state.store(page, [*notices, unchanged, summary], code, youngest)
    return code
