"""Every fast path gives exactly what the plain path gives.

The plain path parses every note in this process with markdown-it's full inline parser
and no cache. Against it, on generated vaults of a few hundred notes and several seeds:
the lean parser, parsing in worker processes, a cold cache, a warm cache, and runs after
one edit, a heading change, added, removed, renamed and touched notes must give the same
notes, the same resolved links, and the same ``wikigraph links --format json`` output.

``wikigraph check`` has fast paths of its own (:mod:`wikigraph.checkstate`): a stored
report when nothing changed, and a check of only the changed notes. After each of many
kinds of change (a body edit, links added, removed and broken, headings, aliases and block
ids, notes added, removed and renamed, folders, attachments, configuration, selection,
severities, baselines, excluded files, the graph checks), its report, summary and exit code
in every output format are those of ``wikigraph check --no-cache``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import check_out_again, generated_template, trust_fresh_files
from wikigraph import checkstate
from wikigraph.cli import main
from wikigraph.config import Settings
from wikigraph.listing import links_json
from wikigraph.parse import NoteParser
from wikigraph.preview import PreviewRenderer
from wikigraph.vault import Vault, load_vault

SEEDS = (11, 12, 13)
NOTES = 250

FULL_PARSER = NoteParser(lean=False)
LEAN_PARSER = NoteParser()
FULL_PREVIEWS = PreviewRenderer(lean=False)
LEAN_PREVIEWS = PreviewRenderer()


@pytest.fixture(scope="module", params=SEEDS)
def template(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    vault_generator: ModuleType,
) -> Path:
    """A generated vault for one seed (copied before each test changes it)."""
    return generated_template(request, tmp_path_factory, vault_generator, NOTES)


@pytest.fixture(autouse=True)
def _trust_fresh_files(monkeypatch: pytest.MonkeyPatch) -> None:
    trust_fresh_files(monkeypatch)


@pytest.fixture
def vault_dir(template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the generated vault that a test may change."""
    copy = tmp_path / "vault"
    shutil.copytree(template, copy, symlinks=True)
    return copy


def plain(root: Path) -> Vault:
    """The reference: one process, no cache, full parser (checked against the lean one)."""
    vault = load_vault(root, settings=Settings(no_cache=True), jobs=1)
    for note in vault.notes:
        if note.parsed:
            data = (root / note.path).read_bytes()
            assert FULL_PARSER.parse_bytes(note.path, data) == note, note.path
    return vault


def assert_same(fast: Vault, reference: Vault) -> None:
    assert fast.files == reference.files
    assert fast.folders == reference.folders
    assert fast.notes == reference.notes
    assert fast.links == reference.links
    assert dict(fast.scan_problems) == dict(reference.scan_problems)
    assert links_json(fast) == links_json(reference)


def cached(root: Path, cache: Path, jobs: int | None = None) -> Vault:
    return load_vault(root, settings=Settings(cache_dir=cache), jobs=jobs)


def _edit(path: Path, text: str) -> None:
    """Change a file so that its stat surely changes too (size and mtime)."""
    before = path.stat()
    path.write_bytes(path.read_bytes() + text.encode("utf-8"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 5_000_000_000))


def _some_note(root: Path, index: int = 0) -> Path:
    notes = sorted(root.rglob("*.md"))
    return notes[index * 37 % len(notes)]


def test_differential__lean_parser_matches_full_parser(vault_dir: Path) -> None:
    for path in sorted(vault_dir.rglob("*.md")):
        data = path.read_bytes()
        name = path.relative_to(vault_dir).as_posix()
        assert LEAN_PARSER.parse_bytes(name, data) == FULL_PARSER.parse_bytes(name, data)


def test_differential__workers_match_plain(vault_dir: Path) -> None:
    reference = plain(vault_dir)
    fast = load_vault(vault_dir, settings=Settings(no_cache=True), jobs=2)
    assert fast.load_stats.workers == 2
    assert_same(fast, reference)


def test_differential__cold_warm_and_workers_with_cache(vault_dir: Path, tmp_path: Path) -> None:
    reference = plain(vault_dir)
    cold = cached(vault_dir, tmp_path / "cache", jobs=2)
    assert cold.load_stats.parsed == len(reference.notes)
    assert_same(cold, reference)
    warm = cached(vault_dir, tmp_path / "cache")
    assert (warm.load_stats.read, warm.load_stats.parsed, warm.load_stats.resolved) == (0, 0, 0)
    assert_same(warm, reference)


def test_differential__one_edited_note(vault_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cached(vault_dir, cache)
    note = _some_note(vault_dir)
    _edit(note, "\nA new line with [[Somewhere else]] and [[#Overview]] and #fresh-tag.\n")
    fast = cached(vault_dir, cache)
    assert (fast.load_stats.read, fast.load_stats.parsed) == (1, 1)
    assert fast.load_stats.resolved == 1, "only the edited note is resolved again"
    assert_same(fast, plain(vault_dir))


def test_differential__heading_change_resolves_everything_again(
    vault_dir: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    cached(vault_dir, cache)
    _edit(_some_note(vault_dir, 3), "\n## A brand new heading\n\nText ^new-block\n")
    fast = cached(vault_dir, cache)
    assert fast.load_stats.parsed == 1
    assert fast.load_stats.resolved == len(fast.checked_notes)
    assert_same(fast, plain(vault_dir))


def test_differential__added_removed_renamed_and_touched_notes(
    vault_dir: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    cached(vault_dir, cache)
    first, second, third = (_some_note(vault_dir, i) for i in (1, 2, 4))
    (vault_dir / "Brand new note.md").write_text("Links to [[Brand new note]].\n", "utf-8")
    removed = second.relative_to(vault_dir).as_posix()
    second.unlink()
    first.rename(first.with_name("Renamed " + first.name))
    stat = third.stat()
    os.utime(third, ns=(stat.st_atime_ns, stat.st_mtime_ns + 7_000_000_000))
    fast = cached(vault_dir, cache)
    assert removed not in {note.path for note in fast.notes}
    assert fast.load_stats.parsed == 2, "the new and the renamed note"
    assert fast.load_stats.read == 3, "and the touched one, which is read but not parsed"
    assert_same(fast, plain(vault_dir))
    again = cached(vault_dir, cache)
    assert again.load_stats.read == 0
    assert_same(again, plain(vault_dir))


def test_differential__excluded_notes_and_options(vault_dir: Path, tmp_path: Path) -> None:
    folder = sorted(p for p in vault_dir.iterdir() if p.is_dir())[0].name
    for options in (
        {"exclude": (f"{folder}/**",)},
        {"links_in_comments": False},
        {"alias_links": True},
    ):
        reference = load_vault(vault_dir, settings=Settings(no_cache=True, **options), jobs=1)  # type: ignore[arg-type]
        cache_settings = Settings(cache_dir=tmp_path / "cache", **options)  # type: ignore[arg-type]
        for _ in range(2):  # cold, then warm
            assert_same(load_vault(vault_dir, settings=cache_settings), reference)


def test_differential__links_json_from_the_command_line(
    vault_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outputs = []
    for extra in (
        ["--no-cache"],
        ["--cache-dir", str(tmp_path / "c")],
        ["--cache-dir", str(tmp_path / "c")],
    ):
        assert main(["links", str(vault_dir), "--format", "json", *extra]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] == outputs[2]
    assert '"status": "unresolved"' in outputs[0]


FRAGMENTS = st.sampled_from(
    [
        "[[", "]]", "[", "]", "(", ")", "![[", "|", "\\|", "#", "^", "%%", "`", "```", "~~~",
        "$", "$$", "<", ">", "<!--", "-->", "\\", "*", "_", "=", "&amp;", "!", ":", "-", "+",
        "1.", "- ", "> ", "    ", "\n", "\n\n", " ", "\t", "note", "Заметка", "a.md",
        "https://x.org", "<https://x.org>", "[^1]", "^[x]", "[x]: y", "| a | b |\n|---|---|\n",
        "---\n", "title: x\n", "up: \"[[A]]\"\n", "^block-1", "#tag/sub", "%%x%%", "==h==",
        "===\n", "Title\n---\n", "Title\n===\n", "  - ", "> > ", "   ", "     x\n", "* * *\n",
    ]
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(FRAGMENTS, max_size=40).map("".join))
def test_differential__lean_parser_on_random_markdown(text: str) -> None:
    assert LEAN_PARSER.parse_text("n.md", text) == FULL_PARSER.parse_text("n.md", text)


def test_differential__lean_previews_match_full_previews(template: Path) -> None:
    vault = load_vault(template, settings=Settings(no_cache=True), jobs=1)
    excerpts = [note.excerpt for note in vault.notes if note.excerpt]
    assert len(excerpts) > NOTES // 2
    for text in excerpts:
        assert LEAN_PREVIEWS.md.parse(text) == FULL_PREVIEWS.md.parse(text)
        assert LEAN_PREVIEWS.render(text) == FULL_PREVIEWS.render(text)


PREVIEW_FRAGMENTS = st.one_of(
    FRAGMENTS,
    st.sampled_from(["**", "__", "~~", "&", "&#x41;", "  \n", "\\\n", "Plain words", "#"]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PREVIEW_FRAGMENTS, max_size=40).map("".join))
def test_differential__lean_previews_on_random_markdown(text: str) -> None:
    assert LEAN_PREVIEWS.md.parse(text) == FULL_PREVIEWS.md.parse(text)


# --- wikigraph check: the stored report and the check of changed notes -----------------

FORMATS = ("text", "json", "github", "sarif", "junit")
LINK = re.compile(r"!?\[\[[^\]\n]*\]\]|!?\[[^\]\n]*\]\([^)\n]*\)")
"""Wikilinks, embeds and Markdown links, roughly: enough to take a note's links away."""
STATE_NOTES = 100
STATE_SEED = 21


class CheckRuns:
    """Runs ``wikigraph check`` on one vault with the check state, and without any cache,
    and tells how the cached run was done (``stored``, ``notes:N`` or ``full``)."""

    def __init__(
        self,
        root: Path,
        work: Path,
        capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        self.root = root
        self.cache = work / "cache"
        self.config = work / "wikigraph.toml"
        self.config.write_text("", encoding="utf-8")
        self.capsys = capsys
        self.hows: list[str] = []
        real = checkstate.check

        def spy(*args: object) -> checkstate.Report:
            report = real(*args)  # type: ignore[arg-type]
            self.hows.append(report.how)
            return report

        monkeypatch.setattr(checkstate, "check", spy)

    def run(self, fmt: str, *extra: str, cached: bool = True) -> tuple[int, str, str]:
        where = ["--cache-dir", str(self.cache)] if cached else ["--no-cache"]
        args = ["check", str(self.root), "--config", str(self.config), "--format", fmt]
        code = main([*args, *where, *extra])
        out, err = self.capsys.readouterr()
        return code, out, err

    @property
    def how(self) -> str:
        return self.hows[-1]

    def same_as_plain(self, *extra: str, first: str = "text") -> str:
        """Check with the state in every format (``first`` first) and compare each report
        with the one of ``--no-cache``; return how the first cached run was done."""
        order = [first, *(fmt for fmt in FORMATS if fmt != first)]
        hows = []
        for fmt in order:
            cached = self.run(fmt, *extra)
            hows.append(self.how)
            assert cached == self.run(fmt, *extra, cached=False), (fmt, hows[-1])
        assert all(how == "stored" for how in hows[1:]), hows
        again = self.run(first, *extra)
        assert self.how == "stored"
        assert again == self.run(first, *extra, cached=False)
        return hows[0]


@pytest.fixture(scope="module")
def state_template(tmp_path_factory: pytest.TempPathFactory, vault_generator: ModuleType) -> Path:
    out = tmp_path_factory.mktemp("state") / "vault"
    vault_generator.generate_vault(out, STATE_NOTES, STATE_SEED)
    return out


@pytest.fixture
def runs(
    state_template: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> CheckRuns:
    """A fresh copy of the generated vault and a check state primed on it."""
    root = tmp_path / "vault"
    shutil.copytree(state_template, root, symlinks=True)
    checks = CheckRuns(root, tmp_path, capsys, monkeypatch)
    checks.run("text")
    assert checks.how == "full"
    return checks


def _notes(root: Path) -> list[Path]:
    return sorted(root.rglob("*.md"))


def _with_links(root: Path) -> list[Path]:
    return [p for p in _notes(root) if "[[" in p.read_text("utf-8")]


def _replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, (path, old)
    _rewrite(path, text.replace(old, new, 1))


def _rewrite(path: Path, text: str) -> None:
    """Write new content so that the stat surely changes (mtime moves on)."""
    before = path.stat()
    path.write_text(text, "utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 5_000_000_000))


def test_check_state__nothing_changed(runs: CheckRuns) -> None:
    assert runs.same_as_plain() == "stored"


def test_check_state__body_edit(runs: CheckRuns) -> None:
    _edit(_some_note(runs.root, 2), "\nA plain new paragraph, with no link.\n")
    assert runs.same_as_plain(first="json") == "notes:1"


def test_check_state__touched_note(runs: CheckRuns) -> None:
    note = _some_note(runs.root, 5)
    stat = note.stat()
    os.utime(note, ns=(stat.st_atime_ns, stat.st_mtime_ns + 3_000_000_000))
    assert runs.same_as_plain(first="sarif") == "notes:0"


def test_check_state__links_added_and_broken(runs: CheckRuns) -> None:
    notes = _notes(runs.root)
    target = notes[7].stem
    typo = target[:-1] if len(target) > 4 else target + "x"
    _edit(notes[3], f"\nSee [[{target}]], [[{typo}]] and [[Nowhere at all#Part]].\n")
    _edit(notes[11], f"\nAlso [[{notes[3].stem}#No such heading]] and [[#^no-such-block]].\n")
    assert runs.same_as_plain(first="github") == "notes:2"


def test_check_state__link_removed(runs: CheckRuns) -> None:
    note = _with_links(runs.root)[4]
    text = note.read_text("utf-8")
    start = text.index("[[")
    end = text.index("]]", start) + 2
    _rewrite(note, text[:start] + "plain words" + text[end:])
    assert runs.same_as_plain(first="junit") == "notes:1"


def test_check_state__broken_link_fixed(runs: CheckRuns) -> None:
    reference = runs.run("json", cached=False)[1]
    broken = [d for d in json.loads(reference)["diagnostics"] if d["code"] == "broken-link"]
    assert broken
    first = broken[0]
    note = runs.root / first["path"]
    lines = note.read_text("utf-8").split("\n")
    line = lines[first["line"] - 1]
    column = first["column"] - 1
    end = line.index("]]", column) + 2 if line[column] in "[!" else len(line)
    lines[first["line"] - 1] = line[:column] + "fixed" + line[end:]
    _rewrite(note, "\n".join(lines))
    assert runs.same_as_plain() == "notes:1"


@pytest.mark.parametrize(
    "change",
    ["heading renamed", "heading added", "alias added", "block id added", "block id removed"],
)
def test_check_state__surface_changes_check_the_notes_they_may_touch(
    runs: CheckRuns, change: str
) -> None:
    notes = _notes(runs.root)
    headed = next(p for p in notes[10:] if "\n## " in p.read_text("utf-8"))
    if change == "heading renamed":
        text = headed.read_text("utf-8")
        start = text.index("\n## ") + 4
        _rewrite(headed, text[:start] + "Renamed " + text[start:])
    elif change == "heading added":
        _edit(headed, "\n## A heading of its own\n\nText.\n")
    elif change == "alias added":
        plain = next(p for p in notes if not p.read_text("utf-8").startswith("---"))
        _rewrite(plain, "---\naliases: [Another name]\n---\n" + plain.read_text("utf-8"))
        _edit(notes[0], "\nBy alias: [[Another name]].\n")
    elif change == "block id added":
        _edit(headed, "\nA new block of text ^brand-new-block\n")
    else:
        blocked = next(p for p in notes if re.search(r" \^[a-z]+-[0-9a-f]{4}\n", p.read_text()))
        text = blocked.read_text("utf-8")
        _rewrite(blocked, re.sub(r" \^[a-z]+-[0-9a-f]{4}\n", "\n", text, count=1))
    assert _rechecked(runs.same_as_plain(first="json")) < STATE_NOTES // 2


def _rechecked(how: str) -> int:
    """How many notes a check that updated the link index checked again."""
    kind, _, count = how.partition(":")
    assert kind == "vault", how
    return int(count)


def _linked(root: Path) -> dict[str, set[str]]:
    """The notes that link to each file, by the file's path."""
    from wikigraph.model import LinkStatus

    linkers: dict[str, set[str]] = {}
    for resolved in load_vault(root, settings=Settings(no_cache=True)).links:
        if resolved.status is LinkStatus.RESOLVED and resolved.target != resolved.link.source:
            linkers.setdefault(str(resolved.target), set()).add(resolved.link.source)
    return linkers


CONFIGS = {
    "default": ("", ()),
    "every check": ("", ("--select", "all")),
    "alias links": ("alias-links = true\n", ("--select", "all")),
}


@pytest.mark.parametrize("config", sorted(CONFIGS))
@pytest.mark.parametrize(
    "change",
    [
        "note added",
        "note added under a name in use",
        "note added under a broken link's name",
        "note added with a broken link's name as alias",
        "linked note removed",
        "note renamed",
        "notes added and removed",
    ],
)
def test_check_state__notes_added_or_removed_check_the_notes_they_may_touch(
    runs: CheckRuns, change: str, config: str
) -> None:
    text, extra = CONFIGS[config]
    if text:
        runs.config.write_text(text, "utf-8")
    assert runs.same_as_plain(*extra) == ("full" if text or extra else "stored")
    root = runs.root
    notes = _notes(root)
    reference = json.loads(runs.run("json", *extra, cached=False)[1])
    broken = sorted(
        {d["message"].split('"')[1] for d in reference["diagnostics"] if d["code"] == "broken-link"}
    )
    if change == "note added":
        (root / "Fresh note.md").write_text(f"Links to [[{notes[1].stem}]].\n", "utf-8")
    elif change == "note added under a name in use":
        folder = next(p for p in sorted(root.iterdir()) if p.is_dir())
        (folder / notes[20].name).write_text("A second note of this name.\n", "utf-8")
    elif change == "note added under a broken link's name":
        name = Path(broken[0]).name
        (root / f"{name}.md").write_text("## Part\n\nNow it exists. ^block\n", "utf-8")
    elif change == "note added with a broken link's name as alias":
        alias = Path(broken[1]).name
        (root / "Aliased.md").write_text(f"---\naliases: [{alias!r}]\n---\nText.\n", "utf-8")
    elif change == "linked note removed":
        linkers = _linked(root)
        target = max((t for t in linkers if t.endswith(".md")), key=lambda t: len(linkers[t]))
        (root / target).unlink()
    elif change == "note renamed":
        notes[8].rename(notes[8].with_name("Renamed " + notes[8].name))
    else:
        for index in (3, 30, 60):
            notes[index].unlink()
        for index in range(5):
            (root / f"New {index}.md").write_text(f"[[{notes[index * 7].stem}]]\n", "utf-8")
    assert _rechecked(runs.same_as_plain(*extra, first="sarif")) < STATE_NOTES // 2
    _edit(notes[2], f"\nAfter the change: [[{notes[9].stem}]] and [[Not there]].\n")
    assert runs.same_as_plain(*extra, first="json") == "notes:1"


HINTED = {
    "Home.md": "[[GWN]] [[Plan#Goals later]] [[Plan#^idea1]] [[Projects/]] [[Q&A #3]]"
    " [[Genei]] [[Archive/Nowhere]]\n",
    "Characters/Genie.md": "---\naliases: [GWM]\n---\n# Genie\n",
    "Plan.md": "# Plan\n\nText.\n",
    "Projects/Alpha.md": "[[Home]]\n",
    "Archive/Old.md": "[[Home]]\n",
}
"""A vault whose findings all carry a "did you mean" that other notes decide."""


@pytest.mark.parametrize(
    "added",
    [
        ("Other/Genie.md", "A second Genie: the hints must spell the path.\n"),
        ("Notes/Goals later.md", "The section became a note.\n"),
        ("Notes/Moved.md", "## Goals later\n\nHere now. ^idea1\n"),
        ("Projects/index.md", "The folder's index.\n"),
        ("Q&A #3.md", "A name that links cannot spell.\n"),
        ("Archive/Nowhere.md", "Now it exists.\n"),
        ("Aliased.md", "---\naliases: [GWN]\n---\nText.\n"),
    ],
)
def test_check_state__hints_that_an_added_note_changes(
    added: tuple[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = tmp_path / "vault"
    for name, text in HINTED.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, "utf-8")
    (root / "Other").mkdir()
    (root / "Notes").mkdir()
    checks = CheckRuns(root, tmp_path, capsys, monkeypatch)
    before = checks.run("text", cached=False)[1]
    assert checks.same_as_plain() == "full"
    name, text = added
    (root / name).write_text(text, "utf-8")
    assert checks.same_as_plain(first="json").startswith("vault:")
    assert checks.run("text", cached=False)[1] != before  # the new note changed a finding
    (root / name).unlink()
    assert checks.same_as_plain(first="json").startswith("vault:")
    assert checks.run("text", cached=False)[1] == before


def test_check_state__notes_added_where_excluded(runs: CheckRuns) -> None:
    folder = next(p for p in sorted(runs.root.iterdir()) if p.is_dir())
    runs.config.write_text(f'exclude = ["{folder.name}/**"]\n', "utf-8")
    assert runs.same_as_plain("--select", "all") == "full"
    (folder / "Hidden.md").write_text("[[Nowhere at all]] and [[#No heading]]\n", "utf-8")
    (runs.root / "Seen.md").write_text("[[Hidden]] and [[Also nowhere]]\n", "utf-8")
    assert _rechecked(runs.same_as_plain("--select", "all", first="github")) < STATE_NOTES // 2
    (folder / "Hidden.md").unlink()
    assert _rechecked(runs.same_as_plain("--select", "all")) < STATE_NOTES // 2


def test_check_state__many_added_notes_check_everything(runs: CheckRuns) -> None:
    for index in range(checkstate.MAX_CHANGED_NOTES + 1):
        (runs.root / f"Added {index}.md").write_text(f"[[Added {index + 1}]]\n", "utf-8")
    assert runs.same_as_plain() == "full"


@pytest.mark.parametrize("config", sorted(CONFIGS))
@pytest.mark.parametrize(
    "change",
    [
        "attachment added",
        "attachment added under a broken link's name",
        "linked attachment removed",
        "attachment renamed",
        "file of a new kind added",
        "file of a new kind removed",
        "folder added",
    ],
)
def test_check_state__other_files_added_or_removed(
    runs: CheckRuns, change: str, config: str
) -> None:
    """Files other than notes come and go as notes do; a folder, or a file whose
    extension no other file has (it decides whether a link asks for a file), checks
    the whole vault."""
    text, extra = CONFIGS[config]
    runs.config.write_text(text, "utf-8")
    root = runs.root
    (root / "table.tsv").write_text("a\tb\n", "utf-8")
    runs.same_as_plain(*extra)
    notes = _notes(root)
    media = [p for p in sorted(root.rglob("*.png")) if p.is_file()]
    whole = change.startswith(("folder", "file of a new kind"))
    if change == "attachment added":
        (root / "picture.png").write_bytes(b"\x89PNG\r\n")
    elif change == "attachment added under a broken link's name":
        reference = json.loads(runs.run("json", *extra, cached=False)[1])
        wanted = sorted(
            d["message"].split('"')[1]
            for d in reference["diagnostics"]
            if d["code"] == "broken-link"
        )[0]
        (root / f"{Path(wanted).name}.png").write_bytes(b"\x89PNG\r\n")
        _edit(notes[2], f"\nNow an image: ![[{Path(wanted).name}.png]]\n")
    elif change == "linked attachment removed":
        linkers = _linked(root)
        max((root / t for t in linkers if t.endswith(".png")), key=lambda p: p.name).unlink()
    elif change == "attachment renamed":
        media[1].rename(media[1].with_name("renamed " + media[1].name))
    elif change == "file of a new kind added":
        (root / "drawing.xyz").write_bytes(b"xyz")
        _edit(notes[2], "\nSee [[drawing.xyz]] and [[sketch.xyz]].\n")
    elif change == "file of a new kind removed":
        (root / "table.tsv").unlink()
    else:
        folder = next(p for p in sorted(root.iterdir()) if p.is_dir())
        (folder / "New empty folder").mkdir()
        _edit(notes[2], f"\nA folder link: [[{folder.name}/New empty folder/]].\n")
    how = runs.same_as_plain(*extra, first="sarif")
    if whole:
        assert how == "full"
    else:
        assert _rechecked(how) < STATE_NOTES // 2


def test_check_state__settings_changes(runs: CheckRuns) -> None:
    note = _some_note(runs.root, 9)
    for extra in (
        ["--select", "all"],
        ["--ignore", "ambiguous-link"],
        ["--fail-level", "warning"],
        ["--select", "broken-link,missing-heading", "--fail-level", "info"],
    ):
        assert runs.same_as_plain(*extra) == "full"
        _edit(note, "\nOne more line.\n")
        assert runs.same_as_plain(*extra, first="junit") == "notes:1"
    runs.config.write_text('severity = { ambiguous-link = "error", all = "info" }\n', "utf-8")
    assert runs.same_as_plain() == "full"
    runs.config.write_text("alias-links = true\nlinks-in-comments = false\n", "utf-8")
    assert runs.same_as_plain(first="github") == "full"


def test_check_state__baseline_changes(runs: CheckRuns, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    assert runs.run("text", "--baseline", str(baseline), "--update-baseline")[0] == 0
    assert runs.same_as_plain("--baseline", str(baseline)) == "full"
    note = _some_note(runs.root, 1)
    _edit(note, "\nNew: [[Not there either]].\n")
    assert runs.same_as_plain("--baseline", str(baseline)) == "notes:1"
    document = json.loads(baseline.read_text("utf-8"))
    document["findings"] = document["findings"][::2]
    baseline.write_text(json.dumps(document), "utf-8")
    assert runs.same_as_plain("--baseline", str(baseline), first="json") == "full"


def test_check_state__excluded_files_change(runs: CheckRuns) -> None:
    folder = next(p for p in sorted(runs.root.iterdir()) if p.is_dir()).name
    runs.config.write_text(f'exclude = ["{folder}/**"]\n', "utf-8")
    assert runs.same_as_plain() == "full"
    excluded = sorted((runs.root / folder).rglob("*.md"))[0]
    _edit(excluded, "\nAn edit in an excluded note: [[Nothing like it]].\n")
    assert runs.same_as_plain(first="json") == "notes:1"
    obsidian = runs.root / ".obsidian"
    obsidian.mkdir()
    (obsidian / "app.json").write_text('{"userIgnoreFilters": ["Daily/"]}', "utf-8")
    assert runs.same_as_plain() == "full"
    (obsidian / "app.json").write_text('{"userIgnoreFilters": ["/[/"]}', "utf-8")
    assert runs.same_as_plain(first="sarif") == "full"


def test_check_state__graph_checks(runs: CheckRuns) -> None:
    """With orphan-note and unused-attachment on, an edit that takes away or adds the only
    links to a note or an attachment changes their findings, and only those notes are
    checked again."""
    everything = ("--select", "all")
    root = runs.root
    linkers = _linked(root)
    lonely = sorted(t for t, s in linkers.items() if len(s) == 1 and t.endswith(".md"))
    target = lonely[0]
    (source,) = linkers[target]
    # The target links nowhere, and a comment on its line 1 hides its orphan finding.
    text = re.sub(LINK, "x", (root / target).read_text("utf-8"))
    _rewrite(root / target, "%% wikigraph-ignore orphan-note %%\n" + text)
    assert runs.same_as_plain(*everything) == "full"
    assert "suppressed" not in runs.run("text", *everything)[2]
    text = (root / source).read_text("utf-8")
    _rewrite(root / source, re.sub(LINK, "x", text))
    assert runs.same_as_plain(*everything, first="json") == "notes:1"
    _, out, err = runs.run("text", *everything)
    assert f"{target}:1:1: info" not in out and "(1 suppressed)" in err  # an orphan, hidden
    _rewrite(root / source, text)
    assert runs.same_as_plain(*everything, first="junit") == "notes:1"
    assert "suppressed" not in runs.run("text", *everything)[2]
    media = [t for t in linkers if t.endswith((".png", ".jpg", ".svg", ".pdf"))]
    attachment = min(media, key=lambda t: (len(linkers[t]), t))
    for linker in sorted(linkers[attachment]):
        text = (root / linker).read_text("utf-8")
        _rewrite(root / linker, re.sub(LINK, "x", text))
    assert runs.same_as_plain(*everything, first="sarif") == f"notes:{len(linkers[attachment])}"
    assert (
        f"{attachment}:1:1: info: no note links to it [unused-attachment]"
        in runs.run("text", *everything)[1]
    )
    _edit(_some_note(root, 3), f"\nNow linked: [[{Path(target).stem}]] ![[{attachment}]]\n")
    assert runs.same_as_plain(*everything) == "notes:1"
    assert f"{attachment}:1:1" not in runs.run("text", *everything)[1]


def test_check_state__damaged_or_foreign_state_is_ignored(runs: CheckRuns) -> None:
    (state,) = runs.cache.rglob("check-*.state")
    data = state.read_bytes()
    tail = len(checkstate.MAGIC) + 16  # the magic, format, header's size and offset
    in_header = data[: -tail - 60] + b"x" * 50 + data[-tail - 10 :]  # just before the tail
    in_magic = data[:-tail] + b"x" + data[1 - tail :]
    in_offset = data[:-1] + bytes([data[-1] ^ 1])
    for damaged in (data[: len(data) // 2], in_header, in_magic, in_offset, b"junk"):
        state.write_bytes(damaged)
        assert runs.same_as_plain() in ("full", "stored")
    # A damaged section is noticed when it is read (each has a CRC): until then the stored
    # report stands, and every report is still the plain one.
    state.write_bytes(data[:200] + b"x" * 50 + data[250:])
    hows = []
    for fmt in FORMATS:
        cached = runs.run(fmt)
        hows.append(runs.how)
        assert cached == runs.run(fmt, cached=False)
    assert "full" in hows, hows  # a format that needed the damaged section checked again
    assert runs.same_as_plain() == "stored"  # and stored a sound state
    state.write_bytes(data[:-10] + bytes(10))
    _edit(_some_note(runs.root, 4), "\nAfter damage.\n")
    assert runs.same_as_plain(first="json") in ("full", "notes:1")


def test_check_state__many_changed_notes_check_everything(runs: CheckRuns) -> None:
    for note in _notes(runs.root)[: checkstate.MAX_CHANGED_NOTES + 1]:
        _edit(note, "\nEdited.\n")
    assert runs.same_as_plain() == "full"


@pytest.mark.usefixtures("workers")  # in one process, then on all cores
def test_check_state__fresh_checkout_reads_every_note_and_checks_none(runs: CheckRuns) -> None:
    notes = len(_notes(runs.root))
    assert notes > checkstate.MAX_CHANGED_NOTES
    check_out_again(runs.root)
    assert runs.same_as_plain(first="json") == "notes:0"


@pytest.mark.usefixtures("workers")  # in one process, then on all cores
def test_check_state__fresh_checkout_with_edits_checks_only_those(runs: CheckRuns) -> None:
    # The pipeline of a pull request: the cache of the main branch, a checkout of the
    # branch, where a few notes differ.
    notes = _notes(runs.root)
    check_out_again(runs.root)
    _edit(notes[3], f"\nA new link: [[{notes[9].stem}]], and one to [[Nowhere at all]].\n")
    _edit(notes[40], "\nA plain new paragraph.\n")
    assert runs.same_as_plain(first="sarif") == "notes:2"


def test_check_state__fresh_checkout_with_a_surface_change(runs: CheckRuns) -> None:
    notes = _notes(runs.root)
    check_out_again(runs.root)
    _edit(notes[5], "\n## A heading no note had\n")
    assert _rechecked(runs.same_as_plain()) < STATE_NOTES // 2


def test_check_state__every_seed_after_notes_come_and_go(
    vault_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Notes added (one under a name in use, one under a broken link's name, with a
    heading and a block others ask for), a much-linked note removed, one renamed and one
    given another heading, one after the other with every check on: each report is the
    plain one, and only some notes are checked again."""
    checks = CheckRuns(vault_dir, tmp_path, capsys, monkeypatch)
    everything = ("--select", "all")
    assert checks.same_as_plain(*everything) == "full"
    reference = json.loads(checks.run("json", *everything, cached=False)[1])
    diagnostics = reference["diagnostics"]
    broken = sorted(d["message"].split('"')[1] for d in diagnostics if d["code"] == "broken-link")
    headings = [d for d in diagnostics if d["code"] == "missing-heading"]
    notes = _notes(vault_dir)
    folder = next(p for p in sorted(vault_dir.iterdir()) if p.is_dir())
    linkers = _linked(vault_dir)
    popular = max((t for t in linkers if t.endswith(".md")), key=lambda t: len(linkers[t]))
    wanted = headings[0]["message"].split('"')[-2] if headings else "Part"

    def added_again(path: Path, text: str) -> None:
        path.write_text(text, "utf-8")
        assert _rechecked(checks.same_as_plain(*everything, first="json")) < len(notes) // 2

    added_again(folder / notes[len(notes) // 3].name, f"# {wanted}\n\nText ^{wanted[:4]}\n")
    added_again(vault_dir / f"{Path(broken[0]).name}.md", "[[Nowhere at all]]\n")
    (vault_dir / popular).unlink()
    assert _rechecked(checks.same_as_plain(*everything, first="github")) < len(notes)
    notes[5].rename(notes[5].with_name("Moved " + notes[5].name))
    assert _rechecked(checks.same_as_plain(*everything)) < len(notes) // 2
    _edit(notes[40], f"\n## {wanted}\n")
    assert _rechecked(checks.same_as_plain(*everything, first="sarif")) < len(notes) // 2


def test_check_state__every_seed_after_an_edit(
    vault_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    checks = CheckRuns(vault_dir, tmp_path, capsys, monkeypatch)
    assert checks.same_as_plain() == "full"
    notes = _notes(vault_dir)
    _edit(notes[len(notes) // 2], f"\nEdited, with [[{notes[3].stem}]] and [[Missing one]].\n")
    assert checks.same_as_plain(first="json") == "notes:1"
