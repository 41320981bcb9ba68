"""``wikigraph build``: write the interactive HTML graph of the vault.

Loads the vault, runs the checks (their summary goes to stderr), renders the page with
:func:`wikigraph.render.build_page` and writes ``DIR/graph.html`` atomically. The output
folder must lie outside the vault; an existing ``graph.html`` is only replaced when
wikigraph wrote it. Exit code 0 when the page is written, 1 with ``--strict`` when the
check found a warning or an error (the page is still written), 2 for usage errors.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wikigraph.cli import (
    EXIT_FINDINGS,
    EXIT_OK,
    add_vault_arguments,
    settings_from_args,
    vault_from_args,
)
from wikigraph.config import COLOR_MODES
from wikigraph.errors import OutputError
from wikigraph.render import GENERATOR, PageProblem, ViewOptions, build_helpers, build_page

if TYPE_CHECKING:
    from wikigraph.vault import Vault

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
MARKER = f'<meta name="generator" content="{GENERATOR}'.encode()


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "build",
        help=HELP,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_vault_arguments(parser)
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
    parser.add_argument("-q", "--quiet", action="store_true", help="print only errors, no summary")
    parser.set_defaults(run=run)


def output_page(folder: Path) -> Path:
    """The page path for an output folder (a path ending in ``.html`` is taken as the page)."""
    if folder.suffix.lower() in (".html", ".htm") and not folder.is_dir():
        return folder
    return folder / PAGE_NAME


def check_output(page: Path, vault_root: Path) -> None:
    """Refuse an output inside or around the vault, or a page that wikigraph did not write."""
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
    if page.exists():
        try:
            with page.open("rb") as handle:
                head = handle.read(4096)
        except OSError as error:
            raise OutputError(
                f'cannot read "{page.as_posix()}": {error.strerror or error}'
            ) from None
        if MARKER not in head:
            raise OutputError(
                f'"{page.as_posix()}" exists and was not written by wikigraph; not replacing it'
                " (remove it or pass -o with another folder)"
            )


def _page_problems(diagnostics: Sequence[Any]) -> Mapping[str, list[PageProblem]]:
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
    from wikigraph.checks import CheckResult, Severity, run_checks
    from wikigraph.report import summary_line

    settings = settings_from_args(args)
    folder = args.output or settings.output or DEFAULT_OUTPUT
    page = output_page(folder)
    vault_root = settings.vault if settings.vault is not None else Path(".")
    if vault_root.is_dir():
        check_output(page, vault_root)
    # Forked now, while this process is small: they lay out, compute the statistics and
    # render previews while this one checks the vault (see wikigraph.background).
    helpers = build_helpers()
    try:
        vault = vault_from_args(args, settings.with_overrides(vault=vault_root))
        check_output(page, vault.root)
    except BaseException:
        helpers.layout.close()
        helpers.previews.close()
        raise
    results: list[CheckResult] = []

    def findings(checked: Vault = vault) -> tuple[Mapping[str, list[PageProblem]], str]:
        result = run_checks(checked, settings)
        results.append(result)
        return _page_problems(result.diagnostics), summary_line(result)

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
    del vault, findings  # the page's data is made: let the notes and links go before writing it
    try:
        built.write(page)
    except OSError as error:
        raise OutputError(f'cannot write "{page.as_posix()}": {error.strerror or error}') from None
    if not args.quiet:
        for notice in built.notices:
            print(f"wikigraph: note: {notice}", file=sys.stderr)
        counts = built.view.config["counts"]
        assert isinstance(counts, dict)
        layout = (
            "layout from the cache"
            if not built.layout_iterations
            else f"{built.layout_reused} positions from the cache"
            if built.layout_reused
            else "new layout"
        )
        print(
            f"Wrote {page.as_posix()}: {counts['notes']} notes, {counts['links']} links"
            f" ({layout}).",
            file=sys.stderr,
        )
        print(summary, file=sys.stderr)
    if args.strict and result.failed(Severity.WARNING):
        return EXIT_FINDINGS
    return EXIT_OK
