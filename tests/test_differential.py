"""Every fast path gives exactly what the plain path gives.

The plain path parses every note in this process with markdown-it's full inline parser
and no cache. Against it, on generated vaults of a few hundred notes and several seeds:
the lean parser, parsing in worker processes, a cold cache, a warm cache, and runs after
one edit, a heading change, added, removed, renamed and touched notes must give the same
notes, the same resolved links, and the same ``wikigraph links --format json`` output.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wikigraph import cache
from wikigraph.cli import main
from wikigraph.config import Settings
from wikigraph.listing import links_json
from wikigraph.parse import NoteParser
from wikigraph.vault import Vault, load_vault

GENERATOR = Path(__file__).parent.parent / "benchmarks" / "generate_vault.py"
SEEDS = (11, 12, 13)
NOTES = 250

FULL_PARSER = NoteParser(lean=False)
LEAN_PARSER = NoteParser()


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_vault", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module", params=SEEDS)
def template(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated vault for one seed (copied before each test changes it)."""
    out = tmp_path_factory.mktemp(f"seed{request.param}") / "vault"
    _generator().generate_vault(out, NOTES, request.param)
    return out


@pytest.fixture(autouse=True)
def _trust_fresh_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """The copies are seconds old; trust their stat as if they were older (test_cache
    checks what happens to files changed within the timestamp granularity)."""
    monkeypatch.setattr(cache, "RACY_NS", 0)


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
