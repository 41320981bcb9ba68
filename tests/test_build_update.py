"""A build after a few notes' text changed updates the page in place, and writes exactly
the page a build in full writes.

On generated vaults, a series of edits (text at the end and at the start of a note, a
property, two notes at once, a note changed back, then changes that move the graph: a new
link, a tag, a heading) is built after each step both ways: by the build that keeps its
state (which updates the page in place when it can) and by a build in full into a fresh
folder, with the same cache. The pages must be the same bytes. Other tests show when the
page is made in full instead: a page edited by hand, Obsidian's colour groups, a damaged
state, a note the parse cache no longer holds.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from conftest import check_out_again, generated_template, trust_fresh_files
from wikigraph import buildstate, checkstate, parallel
from wikigraph.cli import main

SEEDS = (21, 22)
NOTES = 120


@pytest.fixture(scope="module", params=SEEDS)
def template(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    vault_generator: ModuleType,
) -> Path:
    return generated_template(request, tmp_path_factory, vault_generator, NOTES)


@pytest.fixture(autouse=True)
def _trust_fresh_files(monkeypatch: pytest.MonkeyPatch) -> None:
    trust_fresh_files(monkeypatch)


class Builds:
    """Builds of one vault copy: ``page`` kept up to date, references made in full."""

    def __init__(self, root: Path, work: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.root = root
        self.work = work
        self.capsys = capsys
        self.cache = work / "cache"
        self.page = work / "site" / "graph.html"
        self.references = 0

    def build(self, *extra: str) -> str:
        """Build into ``site``; what it printed."""
        self.capsys.readouterr()
        args = ["build", str(self.root), "-o", str(self.page.parent), "--cache-dir"]
        assert main([*args, str(self.cache), *extra]) == 0
        return self.capsys.readouterr().err

    def reference(self) -> bytes:
        """The page a build in full writes now (into a folder no build wrote before)."""
        self.references += 1
        out = self.work / f"reference-{self.references}"
        self.capsys.readouterr()
        args = ["build", str(self.root), "-o", str(out), "--cache-dir", str(self.cache)]
        assert main(args) == 0
        assert "Wrote " in self.capsys.readouterr().err
        return (out / "graph.html").read_bytes()

    def notes(self) -> list[Path]:
        """The vault's notes of middle size, which have some text and links."""
        found = sorted(self.root.rglob("*.md"), key=lambda p: (p.stat().st_size, p.as_posix()))
        return found[len(found) // 3 : 2 * len(found) // 3]


@pytest.fixture
def builds(template: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Builds:
    root = tmp_path / "vault"
    shutil.copytree(template, root)
    return Builds(root, tmp_path, capsys)


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def _body_start(path: Path, text: str) -> None:
    """Put ``text`` before the first line of the body (after the frontmatter)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    at = 0
    if lines[0] == "---":
        at = lines.index("---", 1) + 1
    lines.insert(at, text)
    path.write_text("\n".join(lines), encoding="utf-8")


def _property(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if text.startswith("---\n"):
        path.write_text("---\nrating: 5\n" + text[4:], encoding="utf-8")
    else:
        path.write_text("---\nrating: 5\n---\n" + text, encoding="utf-8")


def _two_notes(notes: list[Path]) -> None:
    _append(notes[3], "\nx\n")
    _append(notes[4], "\ny\n")


Edit = Callable[[list[Path]], None]
STEPS: list[tuple[str, Edit, str]] = [
    ("text at the end", lambda n: _append(n[0], "\nOne more line.\n"), "Updated"),
    ("text at the start", lambda n: _body_start(n[1], "A new first line, *stressed*."), "Updated"),
    ("the same note again", lambda n: _body_start(n[1], "More <b>text</b> & more."), "Updated"),
    ("a property", lambda n: _property(n[2]), "Updated"),
    ("two notes", _two_notes, "Updated"),
    ("a new broken link", lambda n: _append(n[5], "\nSee [[No such note at all]].\n"), "Wrote"),
    ("text after a graph change", lambda n: _append(n[0], "\nStill more.\n"), "Updated"),
    ("a tag", lambda n: _append(n[6], "\nNow #fresh-tag here.\n"), "Wrote"),
    ("a heading", lambda n: _append(n[7], "\n## A new heading\n"), "Wrote"),
]


def test_build_update__every_step_gives_the_page_a_full_build_gives(builds: Builds) -> None:
    builds.build()
    notes = builds.notes()
    for name, edit, route in STEPS:
        edit(notes)
        said = builds.build()
        assert said.startswith(route), (name, said)
        assert builds.page.read_bytes() == builds.reference(), name
    assert "is up to date" in builds.build()


@pytest.mark.usefixtures("workers")  # in one process, then on all cores
def test_build_update__after_a_fresh_checkout_only_the_edited_note_is_made_again(
    builds: Builds,
) -> None:
    builds.build()
    assert len(list(builds.root.rglob("*.md"))) > buildstate.MAX_CHANGED_NOTES
    check_out_again(builds.root)
    said = builds.build()
    assert said.startswith("Updated") and "(0 notes made again)" in said, said
    check_out_again(builds.root)
    _append(builds.notes()[0], "\nEdited on a branch.\n")
    said = builds.build()
    assert said.startswith("Updated") and "(1 note made again)" in said, said
    assert builds.page.read_bytes() == builds.reference()
    assert "is up to date" in builds.build()


def test_build_update__after_a_fresh_checkout_every_note_is_read_once(
    builds: Builds, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds.build()
    check_out_again(builds.root)
    _append(builds.notes()[0], "\nEdited on a branch.\n")
    read: list[str] = []
    read_notes = parallel.read_notes

    def counted(tasks: Sequence[parallel.Task], *args: Any, **kwargs: Any) -> Any:
        read.extend(task.path for task in tasks)
        return read_notes(tasks, *args, **kwargs)

    monkeypatch.setattr(parallel, "read_notes", counted)
    said = builds.build()
    assert said.startswith("Updated") and "(1 note made again)" in said, said
    notes = sorted(path.relative_to(builds.root).as_posix() for path in builds.root.rglob("*.md"))
    assert sorted(read) == notes  # by the build; the check it runs takes them from there
    monkeypatch.undo()
    assert builds.page.read_bytes() == builds.reference()


def test_build_update__a_check_between_builds_then_a_fresh_checkout(builds: Builds) -> None:
    """The check state saw the edit, the build state did not: the build makes the note
    again, and its check finds the note's bytes as it stored them."""
    builds.build()
    _append(builds.notes()[0], "\nEdited, then checked.\n")
    args = ["check", str(builds.root), "--cache-dir", str(builds.cache), "-q"]
    assert main(args) in (0, 1)
    check_out_again(builds.root)
    said = builds.build()
    assert said.startswith("Updated") and "(1 note made again)" in said, said
    assert builds.page.read_bytes() == builds.reference()


def test_build_update__more_notes_edited_than_the_limit_builds_in_full(builds: Builds) -> None:
    builds.build()
    notes = sorted(builds.root.rglob("*.md"))[: buildstate.MAX_CHANGED_NOTES + 1]
    for note in notes:
        _append(note, "\nEdited with many others.\n")
    assert builds.build().startswith("Wrote")
    assert builds.page.read_bytes() == builds.reference()


def test_build_update__a_note_changed_back_is_updated_again(builds: Builds) -> None:
    builds.build()
    note = builds.notes()[0]
    original = note.read_bytes()
    first = builds.page.read_bytes()
    _body_start(note, "Changed for a moment.")
    assert builds.build().startswith("Updated")
    note.write_bytes(original)
    assert builds.build().startswith("Updated")
    assert builds.page.read_bytes() == first


def test_build_update__a_page_edited_by_hand_is_made_again(builds: Builds) -> None:
    builds.build()
    written = builds.page.read_bytes()
    builds.page.write_bytes(written.replace(b"</body>", b"<!-- mine --></body>"))
    _append(builds.notes()[0], "\nmore\n")
    assert builds.build().startswith("Wrote")
    assert builds.page.read_bytes() == builds.reference()


def test_build_update__a_damaged_state_is_ignored(builds: Builds) -> None:
    builds.build()
    (state,) = builds.cache.rglob("build-*.state")
    data = bytearray(state.read_bytes())
    data[len(data) // 2] ^= 0xFF
    state.write_bytes(bytes(data))
    _append(builds.notes()[0], "\nmore\n")
    assert builds.build().startswith("Wrote")
    assert builds.page.read_bytes() == builds.reference()


def test_build_update__without_the_old_note_in_the_parse_cache_builds_in_full(
    builds: Builds,
) -> None:
    builds.build()
    for parse_cache in builds.cache.rglob("parse-*.sqlite3"):
        parse_cache.unlink()
    _append(builds.notes()[0], "\nmore\n")
    assert builds.build().startswith("Wrote")
    assert builds.page.read_bytes() == builds.reference()


def test_build_update__obsidian_colour_groups_always_build_in_full(builds: Builds) -> None:
    settings = builds.root / ".obsidian"
    settings.mkdir(exist_ok=True)
    groups = '{"colorGroups": [{"query": "path:Projects", "color": {"a": 1, "rgb": 255}}]}'
    (settings / "graph.json").write_text(groups, encoding="utf-8")
    builds.build()
    _append(builds.notes()[0], "\nmore\n")
    assert builds.build().startswith("Wrote")
    assert builds.page.read_bytes() == builds.reference()


def test_build_update__strict_exit_code_and_summary_follow_the_check(builds: Builds) -> None:
    builds.capsys.readouterr()
    args = ["build", str(builds.root), "-o", str(builds.page.parent), "--cache-dir"]
    assert main([*args, str(builds.cache), "--strict"]) == 1  # the generated vault has errors
    _append(builds.notes()[0], "\nmore\n")
    assert main([*args, str(builds.cache), "--strict"]) == 1
    err = builds.capsys.readouterr().err
    assert "Updated " in err
    assert err.rstrip().splitlines()[-1].startswith("Found ")


def test_build_update__racy_notes_are_stored_with_their_digest(
    builds: Builds, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A note changed within the timestamp tick of the listing is read again by the next
    build: the stored build is repeated only while it holds the same bytes."""
    monkeypatch.setattr(checkstate, "RACY_NS", 10**15)  # every note counts as just changed
    builds.build()
    (path,) = builds.cache.rglob("build-*.state")
    listing = checkstate.list_vault(str(builds.root))
    state = buildstate.BuildState(path, builds.root, listing, None, path.parent)
    stored = state.stored()
    assert stored is not None
    assert {path for path, _ in stored["racy"]} == {
        p.relative_to(builds.root).as_posix() for p in builds.root.rglob("*.md")
    }
    assert state.replay(builds.page) is not None
    # The same stat, other bytes: only the stored digest tells.
    note = builds.notes()[0].relative_to(builds.root).as_posix()
    other = b"\0" * 16
    assert dict(stored["racy"])[note] != other
    stored["racy"] = tuple((p, other if p == note else d) for p, d in stored["racy"])
    assert state.replay(builds.page) is None
