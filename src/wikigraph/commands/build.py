"""``wikigraph build``: write the interactive HTML graph of the vault.

Loads the vault, runs the checks (their summary goes to stderr), renders the page with
:func:`wikigraph.render.build_page` and writes ``DIR/graph.html`` atomically. The output
folder must lie outside the vault; an existing ``graph.html`` is only replaced when
wikigraph wrote it. Exit code 0 when the page is written, 1 with ``--strict`` when the
check found a warning or an error (the page is still written), 2 for usage errors.

A build remembers what it wrote (:class:`wikigraph.buildstate.BuildState`, in the vault's
cache folder). When nothing changed since, the next build with the same settings and options
says so and repeats the stored summary, without loading the vault; when only the text of a
few notes changed, it updates their parts of the page in place.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Mapping, Sequence
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
    from wikigraph.buildstate import BuildState
    from wikigraph.checks import CheckResult
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


def run(args: argparse.Namespace) -> int:
    if args.watch:
        return _watch(args)
    return _run_once(args, settings_from_args(args))


def _watch(args: argparse.Namespace) -> int:
    """``build --watch``: build, then build again after every change, until Ctrl-C."""

    def run(settings: Settings, changes: Changes | None, decided: Callable[[int], None]) -> int:
        return _run_once(args, settings, time.strftime("[%H:%M:%S] "), decided)

    return keep_watching(
        settings_from_args(args), lambda: settings_from_args(args), run, quiet=args.quiet
    )


def _state_options(args: argparse.Namespace) -> tuple[object, ...]:
    """The options besides the settings that change the page, what is printed or the
    exit code: a build state holds for one set of them."""
    return (
        args.title,
        args.color_by,
        args.obsidian_vault,
        args.physics,
        args.no_stats,
        args.strict,
    )


def _run_once(
    args: argparse.Namespace,
    settings: Settings,
    prefix: str = "",
    decided: Callable[[int], None] = lambda code: None,
) -> int:
    """Build once; ``decided`` gets the exit code before the result is printed."""
    folder = args.output or settings.output or DEFAULT_OUTPUT
    page = output_page(folder)
    vault_root = settings.vault if settings.vault is not None else Path(".")
    state = None
    if vault_root.is_dir():
        from wikigraph.buildstate import BuildState

        check_place(page, vault_root)
        state = BuildState.open(settings, vault_root, page, _state_options(args))
        replayed = state.replay(page) if state is not None else None
        if replayed is not None:
            lines, code = replayed
            decided(code)
            _say(args, prefix, lines)
            return code
        check_owner(page)
        if state is not None:
            updated = _update(
                args, settings.with_overrides(vault=vault_root), page, state, prefix, decided
            )
            if updated is not None:
                return updated
    return _build(args, settings, page, vault_root, state, prefix, decided)


def _say(args: argparse.Namespace, prefix: str, lines: Sequence[str]) -> None:
    if not args.quiet:
        for line in lines:
            print(prefix + line, file=sys.stderr)


def _exit_code(args: argparse.Namespace, result: CheckResult) -> int:
    from wikigraph.checks import Severity

    return EXIT_FINDINGS if args.strict and result.failed(Severity.WARNING) else EXIT_OK


def _up_to_date(page: Path, drawn: str) -> str:
    return f"{page.as_posix()} is up to date: {drawn} (nothing changed since it was written)."


def _update(
    args: argparse.Namespace,
    settings: Settings,
    page: Path,
    state: BuildState,
    prefix: str,
    decided: Callable[[int], None],
) -> int | None:
    """Update the page in place when only the text of a few notes changed (see
    :mod:`wikigraph.buildstate`); None when it must be built in full."""
    from wikigraph.commands.check import shown_as
    from wikigraph.report import plural

    updated = state.update(page, settings, shown_as(args, settings, "text", color=False))
    if updated is None:
        return None
    code = _exit_code(args, updated.result)
    changed = plural(updated.changed, "note")
    wrote = f"Updated {page.as_posix()}: {updated.drawn} ({changed} made again)."
    decided(code)
    _say(args, prefix, [*updated.notices, wrote, updated.summary])
    state.store(
        page, [*updated.notices, _up_to_date(page, updated.drawn), updated.summary], code, updated
    )
    return code


def _build(
    args: argparse.Namespace,
    settings: Settings,
    page: Path,
    vault_root: Path,
    state: BuildState | None,
    prefix: str,
    decided: Callable[[int], None],
) -> int:
    """Build the page; ``prefix`` goes before each line printed on stderr, ``decided``
    gets the exit code before they are printed."""
    from wikigraph.cachedir import vault_cache_dir
    from wikigraph.checkstate import check
    from wikigraph.commands.check import shown_as
    from wikigraph.render import (
        ViewOptions,
        build_helpers,
        build_page,
        open_prefix_of,
        page_problems,
    )
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
    problems_seen: list[Mapping[str, Sequence[PageProblem]]] = []

    def findings(checked: Vault = vault) -> tuple[Mapping[str, Sequence[PageProblem]], str]:
        # Through the check state: after an edit, only the changed notes are checked again,
        # and a later `wikigraph check` finds its report already stored.
        report = check(
            checked.settings,
            shown_as(args, checked.settings, "text", color=False),
            lambda: checked,
            with_result=True,
            listing=state.listing if state is not None else None,
        )
        assert report.result is not None
        results.append(report.result)
        problems_seen.append(page_problems(report.result.diagnostics))
        return problems_seen[-1], report.summary

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
    note_digests = vault.note_digests
    open_prefix = open_prefix_of(vault, options)
    del vault, findings  # the page's data is made: let the notes and links go before writing it
    try:
        page_map = built.write(page)
    except OSError as error:
        raise OutputError(f'cannot write "{page.as_posix()}": {error.strerror or error}') from None
    code = _exit_code(args, result)
    notices = [f"wikigraph: note: {notice}" for notice in built.notices]
    counts = built.view.config["counts"]
    assert isinstance(counts, dict)
    drawn = f"{plural(counts['notes'], 'note')}, {plural(counts['links'], 'linked pair')}"
    layout = (
        "layout from the cache"
        if not built.layout_iterations
        else f"{built.layout_reused} positions from the cache"
        if built.layout_reused
        else "new layout"
    )
    decided(code)
    _say(args, prefix, [*notices, f"Wrote {page.as_posix()}: {drawn} ({layout}).", summary])
    if state is not None:
        from wikigraph.buildstate import Written

        written = Written(
            page_map=page_map,
            view=built.view,
            note_digests=note_digests,
            problems=problems_seen[0],
            open_prefix=open_prefix,
            patchable="obsidian" not in built.view.config["modes"],  # type: ignore[operator]
            drawn=drawn,
            notices=tuple(notices),
        )
        state.store(page, [*notices, _up_to_date(page, drawn), summary], code, written)
    return code
