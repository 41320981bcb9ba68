"""The ``wikigraph`` command line: argument parsing, configuration and exit codes.

Each subcommand lives in :mod:`wikigraph.commands` as a module with ``add_parser`` and
``run``. This module only builds the parser, loads settings, maps expected errors to exit
code 2 with a one-line message, and offers the few helpers the commands share.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from wikigraph import __version__
from wikigraph.config import DEFAULT_VAULT, Settings, load_settings
from wikigraph.errors import OutputError, WikigraphError

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing
if TYPE_CHECKING:
    from typing import Any

    from wikigraph.model import Note
    from wikigraph.vault import Vault
    from wikigraph.watch import Changes

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2

DESCRIPTION = "Check and visualise the links of an Obsidian-style Markdown vault."
EPILOG = """\
examples:
  wikigraph check notes                 report broken links in notes/
  wikigraph check --format github       annotate a pull request from GitHub Actions
  wikigraph build notes -o output       write output/graph.html
  wikigraph links notes --format json   every link, its position and its target

exit codes:
  0  success (check: nothing at or above --fail-level)
  1  check found problems at or above --fail-level; build --strict saw problems
  2  usage or configuration error (bad option, missing vault, invalid config)
"""

VAULT_HELP = "the vault folder (default: the configured vault, else notes)"
CONFIG_HELP = "read settings from this file instead of the nearest wikigraph.toml or pyproject.toml"
CACHE_DIR_HELP = (
    "keep the parse cache in DIR (default: cache-dir in the config, else $WIKIGRAPH_CACHE_DIR,"
    " else the user cache folder)"
)
NO_CACHE_HELP = "do not read or write the parse cache: parse every note"


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Help texts kept as written, wrapped to the terminal's width.

    argparse makes a formatter for every argument added, and its own finds the width with
    ``shutil``, whose import is a fortieth of a ``check`` that finds nothing changed; this
    one finds it the same way ($COLUMNS, else the terminal of standard output, else 80)
    with ``os`` alone.
    """

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=help_width())


def help_width() -> int:
    """The width help is wrapped to: the terminal's, less argparse's margin of 2."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns <= 0:
        stream = sys.__stdout__
        try:
            columns = os.get_terminal_size(stream.fileno()).columns if stream else 0
        except (ValueError, OSError):  # not a terminal, or closed
            columns = 0
    return (columns or 80) - 2


def add_command(
    subparsers: argparse._SubParsersAction[Any],
    name: str,
    *,
    help: str,
    description: str,
    epilog: str | None = None,
) -> argparse.ArgumentParser:
    """A command's parser, with its help texts kept as written and the vault arguments."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name,
        help=help,
        description=description,
        epilog=epilog,
        formatter_class=HelpFormatter,
    )
    add_vault_arguments(parser)
    return parser


def add_vault_arguments(parser: argparse.ArgumentParser) -> None:
    """The positional VAULT and ``--config``, shared by every command that reads a vault."""
    parser.add_argument("vault", nargs="?", metavar="VAULT", help=VAULT_HELP)
    parser.add_argument("--config", metavar="FILE", type=Path, help=CONFIG_HELP)
    parser.add_argument("--cache-dir", metavar="DIR", type=Path, help=CACHE_DIR_HELP)
    parser.add_argument("--no-cache", action="store_true", help=NO_CACHE_HELP)


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Settings from the config file, with the command line's vault applied."""
    settings = load_settings(config_file=args.config)
    if args.vault is not None:
        settings = settings.with_overrides(vault=Path(args.vault))
    elif settings.vault is None:
        settings = settings.with_overrides(vault=DEFAULT_VAULT)
    if getattr(args, "cache_dir", None) is not None:
        settings = settings.with_overrides(cache_dir=args.cache_dir)
    if getattr(args, "no_cache", False):
        settings = settings.with_overrides(no_cache=True)
    from wikigraph.cachedir import unusable_cache_root

    problem = unusable_cache_root(settings)
    if problem is not None:
        settings = settings.with_overrides(no_cache=True)
        if problem not in _NOTED and not getattr(args, "quiet", False):
            _NOTED.add(problem)  # once, not after every change a watch sees
            print(f"wikigraph: note: {problem}", file=sys.stderr)
    return settings


_NOTED: set[str] = set()
"""The notes already printed by this process."""


def vault_from_args(
    args: argparse.Namespace,
    settings: Settings | None = None,
    *,
    previews: bool = True,
    parsed: Callable[[tuple[Note, ...]], None] | None = None,
) -> Vault:
    """Load the vault named on the command line (or in the settings); ``previews`` and
    ``parsed`` as :func:`wikigraph.load_vault` has them."""
    from wikigraph.progress import load_progress
    from wikigraph.vault import load_vault

    settings = settings if settings is not None else settings_from_args(args)
    # The vault lives until the command ends and holds no reference cycles: freeze it, so
    # that the cyclic collector never walks its million objects (the collector stays off
    # until then, or its first collection would walk them all once).
    enabled = gc.isenabled()
    gc.disable()
    try:
        with load_progress() as progress:
            vault = load_vault(
                settings.vault,
                settings=settings,
                progress=progress,
                previews=previews,
                parsed=parsed,
            )
        gc.freeze()
    finally:
        if enabled:
            gc.enable()
    return vault


@contextlib.contextmanager
def _stopped_by_sigterm() -> Iterator[None]:
    """SIGTERM (a service manager stopping the watch) ends it as Ctrl-C does, so that the
    last state is written."""
    import signal

    def interrupt(number: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _notice(text: str) -> None:
    print(f"wikigraph: note: {text}", file=sys.stderr, flush=True)


def keep_watching(
    settings: Settings,
    reload: Callable[[], Settings],
    run: Callable[[Settings, Changes | None, Callable[[int], None]], int],
    *,
    quiet: bool,
    after: Callable[[], None] = lambda: None,
) -> int:
    """``--watch``: ``run(settings, None, decided)``, then ``run(settings, changes,
    decided)`` after each change to the vault and to the settings files, until Ctrl-C or
    SIGTERM; return the exit code of the last run whose result was shown. ``run`` passes
    its exit code to ``decided`` before it shows its result, so that a Ctrl-C pressed as
    soon as a result is out (while ``run`` ends) still exits with that result's code.

    When a settings file changed, the settings are read again with ``reload`` first (they
    may name another vault, which is then watched instead). An error (an invalid config,
    a vault gone) is printed and the watch goes on; its exit code is 2 until a run
    succeeds. ``after`` is called after each run that returned, and once more at the end:
    work that may wait until the result is shown (writing a state).

    Raises:
        VaultError: the vault is not a readable folder when watching begins.
    """
    from wikigraph.scan import check_vault_folder
    from wikigraph.watch import watch_vault

    code = EXIT_OK

    def decided(found: int) -> None:
        nonlocal code
        code = found

    def once(changes: Changes | None) -> None:
        nonlocal settings, code
        try:
            if changes is not None and changes.settings:
                settings = reload()
            code = run(settings, changes, decided)
        except WikigraphError as error:
            print(f"wikigraph: error: {error}", file=sys.stderr, flush=True)
            code = EXIT_USAGE
        else:
            after()
        finally:
            gc.unfreeze()  # a full run freezes its vault (see vault_from_args): let it go

    def watched() -> tuple[Path, list[Path]]:
        root = Path(settings.vault) if settings.vault is not None else DEFAULT_VAULT
        files = [path for path in (settings.config_file, settings.baseline) if path is not None]
        return root, files

    check_vault_folder(watched()[0])
    try:
        with contextlib.suppress(KeyboardInterrupt), _stopped_by_sigterm():
            once(None)
            where = None
            while where != watched():
                where = root, files = watched()
                if not quiet:
                    print(
                        f"Watching {root.as_posix()} for changes; Ctrl-C to stop.",
                        file=sys.stderr,
                    )
                for changes in watch_vault(root, files, notice=_notice):
                    once(changes)
                    if watched() != where:
                        break
    finally:
        after()
    return code


def display_root(vault: Vault) -> str:
    """The vault path as the user gave it, for clickable ``path:line:col`` output."""
    text = vault.root.as_posix()
    return "" if text == "." else text


def write_text(text: str, output: Path | None, stream: io.TextIOBase | None = None) -> None:
    """Write a report to ``output`` (atomically, UTF-8) or to standard output."""
    if output is None:
        target = stream if stream is not None else sys.stdout
        target.write(text)
        target.flush()
        return
    from wikigraph.files import write_atomic

    try:
        write_atomic(output, text.encode("utf-8"))
    except OSError as error:
        raise OutputError(f'cannot write "{output}": {error.strerror or error}') from None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser, with every subcommand, or only the one ``argv`` names."""
    from wikigraph.commands import NAMES, load

    first = next((arg for arg in argv or () if not arg.startswith("-")), None)
    chosen = [first] if first in NAMES else NAMES

    parser = argparse.ArgumentParser(
        prog="wikigraph",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"wikigraph {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in load(chosen):
        command.add_parser(subparsers)
    return parser


def _safe_streams() -> None:
    """Never die on a character the terminal cannot show."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    _safe_streams()
    parser = build_parser(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        code: int = args.run(args)
    except WikigraphError as error:
        print(f"wikigraph: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("wikigraph: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`); don't let Python complain on exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    finally:
        gc.unfreeze()  # undo vault_from_args's freeze when main runs inside another program
    return code
