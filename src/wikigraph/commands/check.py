"""``wikigraph check``: report broken links and other problems, with CI-friendly output.

Checks the vault through :mod:`wikigraph.checkstate` (which prints a stored report when
nothing changed, re-checks only changed notes when it can, and otherwise loads the vault
and runs :func:`wikigraph.checks.run_checks`), and prints the report on stdout (or into
``--output``) and a summary line on stderr. Exit code 0 when nothing is at or above
``--fail-level``, 1 when something is, 2 for usage or configuration errors. Heavy modules
are imported only when they are needed.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from wikigraph.cli import (
    EXIT_OK,
    add_command,
    keep_watching,
    settings_from_args,
    vault_from_args,
    write_text,
)
from wikigraph.config import SEVERITIES, Settings
from wikigraph.errors import WikigraphError

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from wikigraph.checkstate import Report, Shown
    from wikigraph.vault import Vault
    from wikigraph.watch import Changes

FORMATS = ("text", "json", "github", "sarif", "junit")
"""Every value of ``--format`` (as :data:`wikigraph.report.FORMATS`, which imports more)."""
HELP = "report broken links and other problems"
DESCRIPTION = """\
Check every link of the vault the way Obsidian resolves it, and report broken links,
missing headings and blocks, ambiguous, alias and folder links, and problems with files.
Each finding has a stable code; --list-checks describes them all."""
EPILOG = """\
examples:
  wikigraph check notes                         report problems in notes/
  wikigraph check --format github               annotate a pull request from GitHub Actions
  wikigraph check --format sarif -o check.sarif for GitHub code scanning
  wikigraph check --select all --ignore orphan-note
  wikigraph check --baseline wikigraph-baseline.json --update-baseline

exit codes:
  0  nothing at or above --fail-level (default: error)
  1  findings at or above --fail-level
  2  usage or configuration error (bad option, unknown check, missing vault, invalid config)
"""
DEFAULT_BASELINE = Path("wikigraph-baseline.json")


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = add_command(
        subparsers,
        "check",
        help=HELP,
        description=DESCRIPTION,
        epilog=EPILOG,
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="report format: " + ", ".join(FORMATS) + " (default: text)",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        type=Path,
        help="write the report to FILE instead of standard output",
    )
    parser.add_argument(
        "--select",
        metavar="CODES",
        action="append",
        help="run only these checks, comma-separated; 'all' for every check (default: the"
        " checks that are on by default)",
    )
    parser.add_argument(
        "--ignore",
        metavar="CODES",
        action="append",
        help="skip these checks, comma-separated (added to the configured ignore list)",
    )
    parser.add_argument(
        "--fail-level",
        choices=SEVERITIES,
        help="exit with 1 when a finding has this severity or a higher one (default: error)",
    )
    parser.add_argument(
        "--baseline",
        metavar="FILE",
        type=Path,
        help="hide the findings listed in FILE, so that only new ones are reported",
    )
    parser.add_argument(
        "--update-baseline",
        action="store_true",
        help="write every current finding to the baseline file (--baseline, the configured"
        f" one, or {DEFAULT_BASELINE}) and exit with 0",
    )
    parser.add_argument(
        "--list-checks",
        action="store_true",
        help="describe every check, its code and default severity, and exit",
    )
    parser.add_argument(
        "-w",
        "--watch",
        action="store_true",
        help="keep running: check again whenever a note, the config or the baseline changes"
        " (Ctrl-C to stop; the exit code is the last check's)",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="do not print the summary line on stderr"
    )
    parser.set_defaults(run=run)


def _codes(values: list[str] | None, option: str) -> tuple[str, ...]:
    if not values:
        return ()
    from wikigraph.checks import validate_codes

    names = [name for value in values for name in value.split(",") if name.strip()]
    return validate_codes(names, option)


def list_checks() -> str:
    """The help text of every check, for ``--list-checks``."""
    import textwrap

    from wikigraph.checks import CHECKS

    blocks = []
    for check in CHECKS.values():
        state = "" if check.enabled_by_default else ", off by default"
        lines = [f"{check.code} ({check.severity.value}{state})", f"    {check.summary}"]
        lines.extend(
            textwrap.wrap(check.explanation, 88, initial_indent="    ", subsequent_indent="    ")
        )
        for label, example in (("Bad: ", check.bad), ("Good:", check.good)):
            lines.append(f"    {label} " + example.replace("\n", "\n          "))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def _settings(args: argparse.Namespace) -> Settings:
    settings = settings_from_args(args)
    changes: dict[str, object] = {}
    select = _codes(args.select, "--select")
    if select:
        changes["select"] = select
    ignore = _codes(args.ignore, "--ignore")
    if ignore:
        changes["ignore"] = (*settings.ignore, *ignore)
    if args.fail_level is not None:
        changes["fail_level"] = args.fail_level
    if args.baseline is not None:
        changes["baseline"] = args.baseline
    return settings.with_overrides(**changes) if changes else settings


def _base(root: Path) -> str:
    """The vault folder relative to the current folder (the repository root in CI)."""
    try:
        relative = os.path.relpath(root.resolve(), Path.cwd())
    except ValueError:  # another drive on Windows
        return root.resolve().as_posix()
    return Path(relative).as_posix()


def _shown_root(root: Path, args: argparse.Namespace) -> str:
    """The vault as the user named it; a configured vault relative to the current folder."""
    if args.vault is None and root.is_absolute():
        relative = _base(root)
        if not relative.startswith("../"):
            return "" if relative == "." else relative
    text = root.as_posix()
    return "" if text == "." else text


def shown_as(args: argparse.Namespace, settings: Settings, format: str, color: bool) -> Shown:
    """How a report of the vault named by ``args`` and ``settings`` is shown in ``format``."""
    from wikigraph.checkstate import Shown

    root = Path(settings.vault) if settings.vault is not None else Path()
    return Shown(
        format=format,
        vault=_shown_root(root, args),
        base=_base(root),
        fail_level=settings.fail_level,
        color=color,
    )


def _use_color(output: Path | None) -> bool:
    if output is not None or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return sys.stdout.isatty()


def _write_utf8(data: bytes) -> bool:
    """Write UTF-8 text to standard output as it is, when that is what writing it as text
    would do (saves decoding a stored report to encode it again); False when it is not."""
    import codecs

    stream = sys.stdout
    buffer = getattr(stream, "buffer", None)
    encoding = getattr(stream, "encoding", None) or ""
    try:
        utf8 = codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        utf8 = False
    if buffer is None or not utf8 or os.linesep != "\n":
        return False
    stream.flush()
    buffer.write(data)
    buffer.flush()
    return True


def _update_baseline(args: argparse.Namespace, settings: Settings, vault: Vault) -> int:
    from wikigraph.checks import baseline_json, run_checks, without_baseline

    path = settings.baseline or DEFAULT_BASELINE
    result = run_checks(vault, without_baseline(settings))
    write_text(baseline_json(result), path)
    if not args.quiet:
        count = len(result.diagnostics)
        print(
            f"Wrote {count} finding{'' if count == 1 else 's'} to the baseline {path}.",
            file=sys.stderr,
        )
    return EXIT_OK


def _show(args: argparse.Namespace, report: Report, prefix: str = "") -> None:
    """Write the report where ``args`` asks, and the summary line on stderr."""
    if report.data is None or args.output is not None or not _write_utf8(report.data):
        write_text(report.text, args.output)
    if not args.quiet:
        print(prefix + report.summary, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    if args.list_checks:
        write_text(list_checks(), None)
        return EXIT_OK
    if args.watch and args.update_baseline:
        raise WikigraphError("--watch and --update-baseline cannot be used together")
    settings = _settings(args)
    if args.update_baseline:
        return _update_baseline(args, settings, vault_from_args(args, settings))
    if args.watch:
        return _watch(args, settings)
    from wikigraph.checkstate import check

    color = args.format == "text" and _use_color(args.output)
    shown = shown_as(args, settings, args.format, color)
    report = check(settings, shown, lambda: vault_from_args(args, settings, previews=False))
    _show(args, report)
    return report.exit_code


CLEAR_SCREEN = "\x1b[H\x1b[2J"


def _watch(args: argparse.Namespace, settings: Settings) -> int:
    """``check --watch``: check, then check again after every change, until Ctrl-C."""
    import time

    from wikigraph.cachedir import is_inside_vault
    from wikigraph.checkstate import Watching

    root = Path(settings.vault) if settings.vault is not None else Path()
    if args.output is not None and is_inside_vault(args.output, root):
        # Each report written there would be a change to the vault, and start a check.
        raise WikigraphError(f'with --watch, the report "{args.output}" must be outside the vault')
    color = args.format == "text" and _use_color(args.output)
    watching = Watching()

    def run(settings: Settings, changes: Changes | None, decided: Callable[[int], None]) -> int:
        report = watching.check(
            settings,
            shown_as(args, settings, args.format, color),
            lambda: vault_from_args(args, settings, previews=False),
            changes.only_modified if changes is not None else None,
        )
        decided(report.exit_code)
        if color:  # a terminal showing text: show the current report only
            sys.stdout.write(CLEAR_SCREEN)
        _show(args, report, "" if args.quiet else time.strftime("[%H:%M:%S] "))
        return report.exit_code

    return keep_watching(
        settings, lambda: _settings(args), run, quiet=args.quiet, after=watching.flush
    )
