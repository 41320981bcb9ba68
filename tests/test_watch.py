"""``--watch``: the file watcher on real files, the checks a watching process runs
(each must give the report a fresh ``wikigraph check --no-cache`` gives), and the commands
run as the user runs them, stopped with Ctrl-C."""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

from conftest import trust_fresh_files
from wikigraph import checkstate
from wikigraph import watch as watch_module
from wikigraph.checkstate import HeldPlace, Report, Watching, list_vault
from wikigraph.cli import EXIT_FINDINGS, build_parser, keep_watching, main, vault_from_args
from wikigraph.commands import check as check_command
from wikigraph.config import Settings
from wikigraph.errors import VaultError
from wikigraph.watch import Changes, _relative, snapshot, wants_polling, watch_vault

FORMATS = ("text", "json", "github", "sarif", "junit")


# --- the watcher --------------------------------------------------------------------


def test_relative__dot_names_are_left_out_but_obsidian_settings() -> None:
    root = os.path.join(os.sep, "v")
    assert _relative(root, os.path.join(root, "a", "b.md")) == "a/b.md"
    assert _relative(root, os.path.join(root, ".git", "index")) is None
    assert _relative(root, os.path.join(root, "a", ".hidden.md")) is None
    assert _relative(root, os.path.join(root, ".obsidian", "app.json")) == ".obsidian/app.json"
    assert _relative(root, os.path.join(root, ".obsidian", "graph.json")) is None
    assert _relative(root, os.path.join(root, ".obsidian")) == ".obsidian"
    assert _relative(root, root) is None
    assert _relative(root, os.path.join(os.sep, "elsewhere", "a.md")) is None


def test_changes__only_modified_when_nothing_else_changed() -> None:
    assert Changes(frozenset({"a.md"})).only_modified == {"a.md"}
    assert Changes(frozenset({"a.md"}), other=True).only_modified is None
    assert Changes(frozenset(), settings=True).only_modified is None


class Watcher:
    """:func:`watch_vault` running in a thread, its changes in a queue."""

    def __init__(
        self, root: Path, files: list[Path], notice: Callable[[str], None] | None = None
    ) -> None:
        self.stop = threading.Event()
        self.changes: queue.Queue[Changes] = queue.Queue()

        def run() -> None:
            for changes in watch_vault(root, files, stop=self.stop, notice=notice):
                self.changes.put(changes)

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        self.ready(root)

    def ready(self, root: Path) -> None:
        """Wait until the vault is watched (a busy machine takes its time): write a probe
        file until its change comes, then remove it and let its changes pass."""
        probe = root / "watch-probe"
        deadline = time.monotonic() + 30
        while self.changes.empty():
            assert time.monotonic() < deadline, "the vault is not watched"
            probe.write_text(str(time.monotonic()), "utf-8")
            time.sleep(0.2)
        probe.unlink()
        with contextlib.suppress(queue.Empty):
            while True:
                self.next(0.5)

    def next(self, timeout: float = 10) -> Changes:
        return self.changes.get(timeout=timeout)

    def settled(self, timeout: float = 10) -> Changes:
        """Every change that comes within half a second, merged."""
        first = self.next(timeout)
        modified, other, settings = set(first.modified), first.other, first.settings
        while True:
            try:
                more = self.next(0.5)
            except queue.Empty:
                return Changes(frozenset(modified), other, settings)
            modified |= more.modified
            other |= more.other
            settings |= more.settings

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        assert not self.thread.is_alive()


@pytest.fixture
def watcher(tmp_path: Path) -> Iterator[Callable[..., Watcher]]:
    made: list[Watcher] = []

    def make(
        root: Path, files: list[Path] | None = None, notice: Callable[[str], None] | None = None
    ) -> Watcher:
        made.append(Watcher(root, files or [], notice))
        return made[-1]

    yield make
    for each in made:
        each.close()


def poll_if(polling: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Watch by polling (as where the system's file events do not work), or with events."""
    if polling:
        monkeypatch.setenv("WATCHFILES_FORCE_POLLING", "1")
    else:
        monkeypatch.delenv("WATCHFILES_FORCE_POLLING", raising=False)


@pytest.mark.parametrize(
    ("setting", "polling"),
    [("1", True), ("true", True), ("false", False), ("Disabled", False), ("disable", False)],
)
def test_wants_polling__as_watchfiles_reads_its_setting(
    monkeypatch: pytest.MonkeyPatch, setting: str, polling: bool
) -> None:
    monkeypatch.setenv("WATCHFILES_FORCE_POLLING", setting)
    assert wants_polling() is polling


def test_wants_polling__under_wsl_only_when_not_set(monkeypatch: pytest.MonkeyPatch) -> None:
    import platform

    monkeypatch.delenv("WATCHFILES_FORCE_POLLING", raising=False)
    wsl = platform.uname()._replace(system="Linux", release="5.15.153.1-microsoft-standard-WSL2")
    monkeypatch.setattr(platform, "uname", lambda: wsl)
    assert wants_polling()
    monkeypatch.setattr(platform, "uname", lambda: wsl._replace(release="6.1.0-28-amd64"))
    assert not wants_polling()


def test_snapshot__what_polling_compares(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "a.md").write_text("A\n", "utf-8")
    (root / "img.png").write_bytes(b"png")
    (root / ".git").mkdir()
    (root / ".git" / "index").write_bytes(b"x")
    (root / "sub" / ".hidden.md").write_text("H\n", "utf-8")
    (root / ".obsidian" / "plugins").mkdir(parents=True)
    (root / ".obsidian" / "app.json").write_text("{}", "utf-8")
    (root / ".obsidian" / "workspace.json").write_text("{}", "utf-8")
    (root / "loop").symlink_to(root, target_is_directory=True)
    (root / "gone.md").symlink_to(root / "nothing.md")
    found = snapshot(str(root))
    assert sorted(os.path.relpath(path, root) for path in found) == sorted(
        ["sub", os.path.join("sub", "a.md"), "img.png", ".obsidian",
         os.path.join(".obsidian", "app.json"), "loop", "gone.md"]
    )  # fmt: skip
    info = (root / "sub" / "a.md").stat()
    assert found[str(root / "sub" / "a.md")] == (info.st_mtime_ns, info.st_size, info.st_ino)
    assert found[str(root / "sub")][:2] == (-1, 0)
    assert found[str(root / "loop")][:2] == (-1, 0)  # a folder, not entered
    assert found[str(root / "gone.md")][2] == (root / "gone.md").lstat().st_ino
    assert snapshot(str(tmp_path / "missing")) == {}


def test_watch_vault__polling_sees_every_save_within_one_second(
    tmp_path: Path, watcher: Callable[..., Watcher], monkeypatch: pytest.MonkeyPatch
) -> None:
    # watchfiles' own polling compares modification times in whole seconds, and so
    # never reports the second save below.
    poll_if(True, monkeypatch)
    root = tmp_path / "vault"
    root.mkdir()
    note = root / "a.md"
    second = 1_700_000_000 * 10**9

    def save(text: str, nanoseconds: int) -> None:
        note.write_text(text, "utf-8")
        os.utime(note, ns=(second + nanoseconds, second + nanoseconds))

    save("A\n", 1_000)
    (root / "real").mkdir()
    (root / "real" / "b.md").write_text("B\n", "utf-8")
    (root / "link").symlink_to(root / "real", target_is_directory=True)
    watching = watcher(root)
    save("A, edited\n", 2_000)
    assert watching.settled() == Changes(frozenset({"a.md"}))
    save("A, EDITED\n", 3_000)  # the same size, within the same second
    assert watching.settled() == Changes(frozenset({"a.md"}))
    # A file in a folder that a symlink leads to: reported where it is, once.
    (root / "real" / "b.md").write_text("B, edited\n", "utf-8")
    assert watching.settled() == Changes(frozenset({"real/b.md"}))
    note.unlink()
    (root / "a.md").mkdir()  # a file replaced by a folder
    assert watching.settled().other


@pytest.mark.parametrize("polling", [False, True], ids=["events", "polling"])
def test_watch_vault__modified_added_removed_and_hidden(
    tmp_path: Path, watcher: Callable[..., Watcher], monkeypatch: pytest.MonkeyPatch, polling: bool
) -> None:
    poll_if(polling, monkeypatch)
    root = tmp_path / "vault"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "a.md").write_text("A\n", "utf-8")
    (root / ".git").mkdir()
    watching = watcher(root)

    (root / "sub" / "a.md").write_text("A, edited\n", "utf-8")
    assert watching.settled() == Changes(frozenset({"sub/a.md"}))

    (root / ".git" / "index").write_bytes(b"not part of the vault")
    (root / "b.md").write_text("B\n", "utf-8")
    changes = watching.settled()
    assert changes.other and changes.only_modified is None
    assert not any(path.startswith(".git") for path in changes.modified)

    (root / "b.md").unlink()
    assert watching.settled().other

    # The folder and the settings at once: the file's own event may come before the
    # new folder is watched, the folder's must do.
    (root / ".obsidian").mkdir()
    (root / ".obsidian" / "app.json").write_text("{}", "utf-8")
    assert watching.settled().other

    (root / ".obsidian" / "app.json").write_text('{"userIgnoreFilters": ["x"]}', "utf-8")
    changes = watching.settled()
    assert changes.other and not changes.modified

    (root / ".obsidian" / "workspace.json").write_text("{}", "utf-8")
    with pytest.raises(queue.Empty):
        watching.next(1.5)

    (root / ".git" / "index").write_bytes(b"changed, still not part of the vault")
    with pytest.raises(queue.Empty):
        watching.next(1.5)


@pytest.mark.parametrize("polling", [False, True], ids=["events", "polling"])
def test_watch_vault__settings_files_outside_the_vault(
    tmp_path: Path, watcher: Callable[..., Watcher], monkeypatch: pytest.MonkeyPatch, polling: bool
) -> None:
    poll_if(polling, monkeypatch)
    root = tmp_path / "vault"
    root.mkdir()
    config = tmp_path / "wikigraph.toml"
    config.write_text("", encoding="utf-8")
    watching = watcher(root, [config])
    config.write_text('fail-level = "warning"\n', encoding="utf-8")
    assert watching.settled(timeout=5) == Changes(frozenset(), settings=True)


@pytest.mark.parametrize("polling", [False, True], ids=["events", "polling"])
def test_watch_vault__the_vault_goes_away_and_comes_back(
    tmp_path: Path, watcher: Callable[..., Watcher], monkeypatch: pytest.MonkeyPatch, polling: bool
) -> None:
    poll_if(polling, monkeypatch)
    root = tmp_path / "vault"
    root.mkdir()
    (root / "a.md").write_text("A\n", "utf-8")
    watching = watcher(root)
    shutil.rmtree(root)
    assert watching.settled(timeout=5).other
    root.mkdir()
    (root / "a.md").write_text("A again\n", "utf-8")
    assert watching.settled(timeout=5).other
    watching.ready(root)
    (root / "a.md").write_text("A, edited after it came back\n", "utf-8")
    assert watching.settled(timeout=5) == Changes(frozenset({"a.md"}))


# --- the checks of a watching process ---------------------------------------------------


@pytest.fixture(autouse=True)
def _trust_fresh_files(monkeypatch: pytest.MonkeyPatch) -> None:
    trust_fresh_files(monkeypatch)


class WatchedVault:
    """One :class:`Watching`, told of changes as a watcher would tell of them, whose every
    report is compared with the one of ``wikigraph check --no-cache``."""

    def __init__(
        self, root: Path, work: Path, capsys: pytest.CaptureFixture[str], *extra: str
    ) -> None:
        self.root = root
        self.cache = work / "cache"
        self.capsys = capsys
        self.extra = extra
        self.watching = Watching()

    def _args(self, fmt: str, *where: str) -> list[str]:
        return ["check", str(self.root), "--format", fmt, *self.extra, *where]

    def check(self, modified: set[str] | None, fmt: str = "text") -> Report:
        args = build_parser(["check"]).parse_args(self._args(fmt, "--cache-dir", str(self.cache)))
        settings = check_command._settings(args)
        shown = check_command.shown_as(args, settings, fmt, False)
        report = self.watching.check(
            settings, shown, lambda: vault_from_args(args, settings, previews=False), modified
        )
        code = main(self._args(fmt, "--no-cache"))
        out, _ = self.capsys.readouterr()
        assert (report.exit_code, report.text) == (code, out), fmt
        self.watching.flush()
        return report

    def plain_with_cache(self, fmt: str = "text") -> Report:
        args = build_parser(["check"]).parse_args(self._args(fmt, "--cache-dir", str(self.cache)))
        settings = check_command._settings(args)
        shown = check_command.shown_as(args, settings, fmt, False)
        return checkstate.check(settings, shown, lambda: vault_from_args(args, settings))


@pytest.fixture
def watched(
    tmp_path: Path, vault_generator: ModuleType, capsys: pytest.CaptureFixture[str]
) -> WatchedVault:
    root = tmp_path / "vault"
    vault_generator.generate_vault(root, 120, 31)
    return WatchedVault(root, tmp_path, capsys)


def _notes(root: Path) -> list[Path]:
    return sorted(root.rglob("*.md"))


def _rewrite(path: Path, text: str) -> None:
    """Write new content so that the stat surely changes (mtime moves on)."""
    before = path.stat()
    path.write_text(text, "utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 5_000_000_000))


def _append(path: Path, text: str) -> None:
    _rewrite(path, path.read_text("utf-8") + text)


def _relative_to(root: Path, *paths: Path) -> set[str]:
    return {path.relative_to(root).as_posix() for path in paths}


def test_watching__every_report_is_the_plain_report(watched: WatchedVault) -> None:
    root = watched.root
    notes = _notes(root)
    assert watched.check(None).how == "full"

    _append(notes[3], "\nA new paragraph without links.\n")
    assert watched.check(_relative_to(root, notes[3])).how == "notes:1"
    # The held state was written: a later check finds its report stored.
    assert watched.plain_with_cache().how == "stored"

    target = notes[7].stem
    _append(notes[3], f"\nSee [[{target}]], [[{target}x]] and [[Nowhere#Part]].\n")
    _append(notes[11], f"\nAlso [[{notes[3].stem}#No such heading]].\n")
    for fmt in FORMATS:
        modified = _relative_to(root, notes[3], notes[11]) if fmt == "text" else set()
        assert watched.check(modified, fmt).how == ("notes:2" if fmt == "text" else "stored")

    headed = next(p for p in notes[12:] if "\n## " in p.read_text("utf-8"))
    text = headed.read_text("utf-8")
    start = text.index("\n## ") + 4
    _rewrite(headed, text[:start] + "Renamed " + text[start:])
    # Other notes may resolve otherwise: those whose findings may change are checked too.
    assert watched.check(_relative_to(root, headed), "json").how.startswith("vault:")

    (root / "Fresh note.md").write_text(f"Links to [[{notes[1].stem}]].\n", "utf-8")
    assert watched.check(None).how.startswith("vault:")

    notes[20].unlink()
    attachment = next(p for p in sorted(root.rglob("*.png")) if p.is_file())
    # A watcher that saw only the attachment: its stat cannot stand in for a listing,
    # which finds the note removed.
    _append(notes[21], "\nOne more line.\n")
    assert watched.check(_relative_to(root, attachment, notes[21])).how.startswith("vault:")
    attachment.unlink()
    assert watched.check(None).how.startswith("vault:")
    (root / "New folder").mkdir()
    assert watched.check(None).how == "full"

    _append(notes[22], "\nAnd one more.\n")
    assert watched.check(_relative_to(root, notes[22]), "sarif").how == "notes:1"
    assert watched.plain_with_cache("sarif").how == "stored"


def test_watching__settings_change_between_checks(
    tmp_path: Path, vault_generator: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "vault"
    vault_generator.generate_vault(root, 60, 32)
    watched = WatchedVault(root, tmp_path, capsys)
    assert watched.check(None).how == "full"
    watched.extra = ("--select", "all", "--fail-level", "warning")
    assert watched.check(None).how == "full"
    note = _notes(root)[5]
    _append(note, "\n[[Not a note anywhere]]\n")
    assert watched.check(_relative_to(root, note)).how == "notes:1"


def test_watching__without_a_cache_the_state_stays_in_memory(
    tmp_path: Path, vault_generator: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "vault"
    vault_generator.generate_vault(root, 60, 33)
    watched = WatchedVault(root, tmp_path, capsys, "--no-cache")
    assert watched.check(None).how == "full"
    note = _notes(root)[2]
    _append(note, "\nA line.\n")
    assert watched.check(_relative_to(root, note)).how == "notes:1"
    assert not watched.cache.exists()


def test_listing_restat__same_as_listing_again(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    (root / "sub").mkdir(parents=True)
    for name in ("a.md", "sub/b.md", "sub/c.md"):
        (root / name).write_text(name, "utf-8")
    (root / "picture.png").write_bytes(b"png")
    before = list_vault(str(root))
    _append(root / "sub" / "b.md", " edited")
    restat = before.restat(str(root), ["sub/b.md"])
    assert restat is not None
    again = list_vault(str(root))
    assert (restat.paths, restat.kinds, restat.stats) == (again.paths, again.kinds, again.stats)
    assert restat.digest == again.digest
    assert before.restat(str(root), ["picture.png"]) is None
    assert before.restat(str(root), ["sub"]) is None
    (root / "a.md").unlink()
    assert before.restat(str(root), ["a.md"]) is None


def test_held_place__flush_writes_once(tmp_path: Path) -> None:
    path = tmp_path / "check-k.state"
    place = HeldPlace(path, "k")
    assert place.open() is None
    place.write({"key": "k", "renders": {}}, {"a": b"one", "b": lambda: [b"t", b"wo"]})
    held = place.open()
    assert held is not None and held.raw("b") == b"two" and held.raw("a") == b"one"
    assert not path.exists()
    place.flush()
    stored = checkstate.StatePlace(path, "k").open()
    assert stored is not None
    try:
        assert stored.sections() == {"a": b"one", "b": b"two"}
    finally:
        stored.close()
    written = path.stat().st_mtime_ns
    place.flush()  # nothing new: not written again
    assert path.stat().st_mtime_ns == written


# --- the commands -----------------------------------------------------------------------


class Command:
    """A ``wikigraph ... --watch`` process, its stderr lines in a queue."""

    def __init__(self, *args: str, cwd: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "wikigraph", *args, "--watch"],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            # A shell running the tests in the background starts them with Ctrl-C
            # ignored, which its children would inherit.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.out: list[str] = []
        assert self.process.stderr is not None and self.process.stdout is not None
        threading.Thread(target=self._read, args=(self.process.stderr, self.lines.put)).start()
        threading.Thread(target=self._read, args=(self.process.stdout, self.out.append)).start()

    @staticmethod
    def _read(stream: object, put: Callable[[str], None]) -> None:
        for line in stream:  # type: ignore[attr-defined]
            put(line)

    def line(self, timeout: float = 30) -> str:
        return self.lines.get(timeout=timeout)

    def until(self, start: str, timeout: float = 30) -> list[str]:
        seen = []
        while not seen or not seen[-1].startswith(start):
            seen.append(self.line(timeout))
        return seen

    def interrupt(self, number: int = signal.SIGINT) -> int:
        self.process.send_signal(number)
        code = self.process.wait(timeout=30)
        time.sleep(0.2)
        rest = []
        while not self.lines.empty():
            rest.append(self.lines.get())
        assert rest == []
        return code


def _vault(tmp_path: Path) -> Path:
    root = tmp_path / "notes"
    root.mkdir()
    (root / "a.md").write_text("Link to [[b]] and [[missing]].\n", "utf-8")
    (root / "b.md").write_text("# B\n", "utf-8")
    return root


def test_keep_watching__ctrl_c_once_a_result_is_out_exits_with_its_code(tmp_path: Path) -> None:
    """A Ctrl-C pressed as soon as a report is out may land before the run returns: the
    exit code is still that of the report shown (this happened on a loaded machine)."""
    settings = Settings(vault=tmp_path)
    ended: list[str] = []

    def run(settings: Settings, changes: Changes | None, decided: Callable[[int], None]) -> int:
        decided(EXIT_FINDINGS)
        raise KeyboardInterrupt  # after the report was printed, before returning its code

    code = keep_watching(
        settings, lambda: settings, run, quiet=True, after=lambda: ended.append("after")
    )
    assert (code, ended) == (EXIT_FINDINGS, ["after"])


@pytest.mark.skipif(sys.platform == "win32", reason="Ctrl-C is a POSIX signal here")
@pytest.mark.parametrize("polling", [False, True], ids=["events", "polling"])
def test_check_watch__reports_again_after_each_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, polling: bool
) -> None:
    poll_if(polling, monkeypatch)  # the process inherits the environment
    _vault(tmp_path)
    (tmp_path / "wikigraph.toml").write_text("", "utf-8")
    command = Command("check", "--cache-dir", str(tmp_path / "cache"), cwd=tmp_path)
    first = command.until("Watching notes for changes")
    assert "Found 1 error in 1 of 2 notes." in first[0]
    assert first[0].startswith("[")

    def write(path: Path, text: str) -> None:
        # Whole at once: a watcher that looked at a file truncated and not yet written
        # would rightly report that too, one more line than this test reads.
        scratch = tmp_path / "scratch"
        scratch.write_text(text, "utf-8")
        os.replace(scratch, path)

    time.sleep(0.3)
    write(tmp_path / "notes" / "a.md", "Link to [[b]].\n")
    assert command.line().endswith("] No problems found in 2 notes.\n")

    write(tmp_path / "notes" / "c.md", "[[gone]] [[b#Nope]]\n")
    assert command.line().endswith("] Found 2 errors in 1 of 3 notes.\n")

    write(tmp_path / "wikigraph.toml", "[severity]\nmissing-heading = 'warning'\n")
    assert command.line().endswith("] Found 1 error and 1 warning in 1 of 3 notes.\n")

    write(tmp_path / "wikigraph.toml", "fail-level = 'sometimes'\n")
    assert command.line().startswith("wikigraph: error: ")
    write(tmp_path / "wikigraph.toml", "")
    assert command.line().endswith("] Found 2 errors in 1 of 3 notes.\n")

    assert command.interrupt() == 1  # the last check's exit code
    report = "".join(command.out)
    assert report.count('notes/a.md:1:19: error: no note named "missing"') == 1
    assert report.endswith(
        'notes/c.md:1:1: error: no note named "gone" [broken-link]\n'
        'notes/c.md:1:10: error: "b.md" has no heading "Nope" [missing-heading]\n'
    )
    assert "Traceback" not in report


@pytest.mark.skipif(sys.platform == "win32", reason="Ctrl-C is a POSIX signal here")
def test_build_watch__builds_again_after_each_change(tmp_path: Path) -> None:
    _vault(tmp_path)
    command = Command(
        "build", "notes", "-o", "site", "--cache-dir", str(tmp_path / "cache"), cwd=tmp_path
    )
    first = command.until("Watching notes for changes")
    assert any("Wrote site/graph.html: 2 notes" in line for line in first)
    page = tmp_path / "site" / "graph.html"
    written = page.read_bytes()

    time.sleep(0.3)
    (tmp_path / "notes" / "c.md").write_text("A third note, linking [[a]].\n", "utf-8")
    lines = command.until("[")  # the "Wrote" line
    lines += [command.line()]  # the summary
    assert "Wrote site/graph.html: 3 notes" in lines[-2]
    assert lines[-1].endswith("Found 1 error in 1 of 3 notes.\n")
    assert page.read_bytes() != written
    assert command.interrupt(signal.SIGTERM) == 0  # as a service manager stops it


def test_watch__not_with_update_baseline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _vault(tmp_path)
    assert main(["check", str(root), "--watch", "--update-baseline"]) == 2
    assert "--watch and --update-baseline cannot be used together" in capsys.readouterr().err


def test_check_watch__report_inside_the_vault_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _vault(tmp_path)
    assert main(["check", str(root), "--watch", "-o", str(root / "report.txt")]) == 2
    assert "must be outside the vault" in capsys.readouterr().err
    assert not (root / "report.txt").exists()


def test_watch_vault__polls_when_the_system_cannot_watch_every_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, watcher: Callable[..., Watcher]
) -> None:
    root = tmp_path / "vault"
    (root / "deep" / "er").mkdir(parents=True)
    note = root / "deep" / "er" / "a.md"
    note.write_text("A\n", "utf-8")
    real = watch_module._batches

    def limited(top: str, stop: threading.Event | None, polling: bool) -> Iterator[object]:
        if not polling:
            raise OSError("OS file watch limit reached. about [deep/er]")
        yield from real(top, stop, polling)

    monkeypatch.setattr(watch_module, "_batches", limited)
    notices: list[str] = []
    watching = watcher(root, notice=notices.append)
    note.write_text("A, edited\n", "utf-8")
    assert watching.settled() == Changes(frozenset({"deep/er/a.md"}))
    assert notices == [
        f'cannot watch every folder of "{root}" (OS file watch limit reached); looking for'
        " changes by polling instead, which takes more time (on Linux, raising"
        " fs.inotify.max_user_watches may help)"
    ]


def test_watch_vault__a_vault_that_cannot_be_watched_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(top: str, stop: threading.Event | None, polling: bool) -> Iterator[object]:
        raise OSError("no watching here")
        yield  # a generator, as the real one

    monkeypatch.setattr(watch_module, "_batches", broken)
    with pytest.raises(VaultError, match=r'cannot watch ".*": no watching here'):
        next(watch_vault(tmp_path))


@pytest.mark.parametrize("command", ["check", "build"])
def test_watch__a_vault_that_is_not_there_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    missing = tmp_path / "not here"
    assert main([command, str(missing), "--watch", "-q"]) == 2
    assert f'vault "{missing}" does not exist' in capsys.readouterr().err
