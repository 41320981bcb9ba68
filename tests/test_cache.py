"""The parse cache: what it trusts, what it survives, where it lives, and the progress bar."""

from __future__ import annotations

import io
import marshal
import multiprocessing
import os
import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from wikigraph import cache, cachedir
from wikigraph.cache import NOTE_CODEC, RESOLVED_CODEC, Codec, cache_key
from wikigraph.cachedir import ENV_VAR, vault_cache_dir
from wikigraph.cli import main
from wikigraph.config import Settings
from wikigraph.errors import ConfigError
from wikigraph.model import Heading, Note
from wikigraph.progress import DelayedBar, load_progress, wants_bar
from wikigraph.vault import Vault, load_vault

NOTES = {
    "Index.md": '---\naliases: [Start]\nup: "[[Plan]]"\n---\n# Index\n\nSee [[Plan#Goals]].\n',
    "Plan.md": "## Goals\n\nReach [[Index]] and [[Missing]] ^goal-1\n",
    "sub/Деталь.md": "Back to [[Plan#^goal-1]] and ![[pic.png]] #tag\n",
}


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    for name, text in NOTES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    (root / "pic.png").write_bytes(b"\x89PNG")
    return root


@pytest.fixture
def trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust the stat of files written a moment ago (as if they were older)."""
    monkeypatch.setattr(cache, "RACY_NS", 0)


def load(root: Path, cache_dir: Path, **options: object) -> Vault:
    return load_vault(root, settings=Settings(cache_dir=cache_dir, **options))  # type: ignore[arg-type]


def reference(root: Path) -> Vault:
    return load_vault(root, settings=Settings(no_cache=True), jobs=1)


def cache_files(cache_dir: Path) -> list[Path]:
    return sorted(cache_dir.rglob("parse-*.sqlite3"))


def test_cache__codec_round_trips_every_note_and_link(vault: Path) -> None:
    loaded = reference(vault)
    for note in loaded.notes:
        assert NOTE_CODEC.decode(NOTE_CODEC.encode(note)) == note
    for resolved in loaded.links:
        assert RESOLVED_CODEC.decode(RESOLVED_CODEC.encode(resolved), resolved.link) == resolved
    heading = Codec(Heading).decode(Codec(Heading).encode(Heading("Goals", 2, 1)))
    assert heading == Heading("Goals", 2, 1)


def test_cache__links_to_one_note_share_their_strings(tmp_path: Path) -> None:
    # Parsed in worker processes (a large vault's cold run) or read back from the cache:
    # every link to the same note holds the same target and source-text objects, one copy
    # in memory however many notes link to it.
    root = tmp_path / "vault"
    root.mkdir()
    for number in range(40):
        (root / f"n{number}.md").write_text(f"[[Hub]] and [[Hub#Part|part]] {number}\n" * 200)
    (root / "Hub.md").write_text("# Part\n")
    for run in ("workers", "cache"):
        loaded = load_vault(root, settings=Settings(cache_dir=tmp_path / "c"), jobs=2)
        stats = loaded.load_stats
        assert (stats.workers, stats.parsed) == ((2, 41) if run == "workers" else (2, 0))
        links = [link for note in loaded.notes for link in note.links]
        assert len(links) == 40 * 400
        for field in ("path", "raw", "subpath", "display"):
            values = [getattr(link, field) for link in links if getattr(link, field)]
            assert len({id(value) for value in values}) == len(set(values)), (run, field)


def test_cache__warm_run_reads_nothing(vault: Path, tmp_path: Path, trusted: None) -> None:
    cold = load(vault, tmp_path / "c")
    assert cold.load_stats.parsed == 3
    warm = load(vault, tmp_path / "c")
    assert (warm.load_stats.read, warm.load_stats.parsed, warm.load_stats.resolved) == (0, 0, 0)
    assert warm.notes == reference(vault).notes
    assert warm.links == reference(vault).links


@pytest.mark.parametrize("jobs", [1, 2])
def test_cache__a_load_without_previews_still_caches_them(
    vault: Path, tmp_path: Path, trusted: None, jobs: int
) -> None:
    full = reference(vault)
    settings = Settings(cache_dir=tmp_path / "c")
    lean = load_vault(vault, settings=settings, previews=False, jobs=jobs)
    assert lean.load_stats.workers == jobs
    assert all(not note.excerpt and not note.properties for note in lean.notes)
    expected = [replace(note, excerpt="", properties={}) for note in full.notes]
    assert list(lean.notes) == expected
    assert lean.links == full.links
    # A lean load from the cache, which stores one note again (read, not parsed): it
    # has only the bytes of that note's previews to store, and must store them.
    stat = (vault / "Index.md").stat()
    os.utime(vault / "Index.md", ns=(stat.st_atime_ns, stat.st_mtime_ns + 3_000_000_000))
    again = load_vault(vault, settings=settings, previews=False)
    assert (again.load_stats.read, again.load_stats.parsed) == (1, 0)
    assert list(again.notes) == expected
    warm = load_vault(vault, settings=settings)
    assert warm.load_stats.parsed == 0
    assert warm.notes == full.notes  # the cache kept what the lean loads left out
    assert any(note.excerpt for note in warm.notes) and any(n.properties for n in warm.notes)


def test_cache__previews_travel_and_are_stored_as_bytes_beside_the_note(vault: Path) -> None:
    for note in reference(vault).notes:
        values = NOTE_CODEC.encode(note)
        apart = cache.split_previews(values)
        assert isinstance(apart, bytes)
        assert NOTE_CODEC.decode(values) == replace(note, excerpt="", properties={})
        cache.join_previews(values, apart)
        assert NOTE_CODEC.decode(values) == note


def test_cache__touched_file_is_read_but_not_parsed(
    vault: Path, tmp_path: Path, trusted: None
) -> None:
    load(vault, tmp_path / "c")
    stat = (vault / "Plan.md").stat()
    os.utime(vault / "Plan.md", ns=(stat.st_atime_ns, stat.st_mtime_ns + 3_000_000_000))
    touched = load(vault, tmp_path / "c")
    assert (touched.load_stats.read, touched.load_stats.parsed) == (1, 0)
    assert touched.notes == reference(vault).notes


def test_cache__same_size_and_mtime_but_new_content_is_seen(
    vault: Path, tmp_path: Path, trusted: None
) -> None:
    path = vault / "Plan.md"
    load(vault, tmp_path / "c")
    before = path.stat()
    text = path.read_text(encoding="utf-8").replace("Missing", "Mislaid")
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    changed = load(vault, tmp_path / "c")
    assert changed.load_stats.parsed == 1, "ctime (and inode) changed, so the file was read"
    assert any(r.link.path == "Mislaid" for r in changed.links)
    assert changed.links == reference(vault).links


def test_cache__file_changed_within_the_timestamp_tick_is_read_again(
    vault: Path, tmp_path: Path
) -> None:
    """A fingerprint stored right after a change is not trusted, so a second change in the
    same tick, which the stat cannot show, is still found."""
    load(vault, tmp_path / "c")
    first = load(vault, tmp_path / "c")
    assert first.load_stats.read == 3, "files written a moment ago are read again"
    assert first.load_stats.parsed == 0


def test_cache__damaged_file_is_ignored_and_rebuilt(
    vault: Path, tmp_path: Path, trusted: None
) -> None:
    load(vault, tmp_path / "c")
    (stored,) = cache_files(tmp_path / "c")
    stored.write_bytes(b"this is not a database" * 100)
    again = load(vault, tmp_path / "c")
    assert again.load_stats.parsed == 3
    assert again.links == reference(vault).links
    assert load(vault, tmp_path / "c").load_stats.read == 0, "rebuilt and usable"


def test_cache__truncated_file_is_ignored(vault: Path, tmp_path: Path, trusted: None) -> None:
    load(vault, tmp_path / "c")
    (stored,) = cache_files(tmp_path / "c")
    data = stored.read_bytes()
    stored.write_bytes(data[: len(data) // 3])
    again = load(vault, tmp_path / "c")
    assert again.notes == reference(vault).notes
    assert again.links == reference(vault).links


def test_cache__row_with_flipped_bytes_is_parsed_again(
    vault: Path, tmp_path: Path, trusted: None
) -> None:
    load(vault, tmp_path / "c")
    (stored,) = cache_files(tmp_path / "c")
    with sqlite3.connect(stored) as connection:
        (blob,) = connection.execute("SELECT note FROM notes WHERE path = 'Plan.md'").fetchone()
        damaged = blob.replace(b"Missing", b"Mxssing")
        assert damaged != blob
        connection.execute("UPDATE notes SET note = ? WHERE path = 'Plan.md'", (damaged,))
    again = load(vault, tmp_path / "c")
    assert again.load_stats.parsed == 1
    assert again.links == reference(vault).links


def _rows(stored: Path) -> dict[str, tuple[bytes, bytes | None, int]]:
    with sqlite3.connect(stored) as connection:
        found = connection.execute("SELECT path, note, resolved_under, inode FROM notes")
        return {path: (note, under, inode) for path, note, under, inode in found}


def test_cache__a_new_file_rewrites_only_the_resolutions(
    vault: Path, tmp_path: Path, trusted: None
) -> None:
    load(vault, tmp_path / "c")
    (stored,) = cache_files(tmp_path / "c")
    before = _rows(stored)
    (vault / "New.md").write_text("Links to [[Plan]].\n", encoding="utf-8")
    grown = load(vault, tmp_path / "c")  # the index changed: every note is resolved again
    assert (grown.load_stats.parsed, grown.load_stats.resolved) == (1, 4)
    assert grown.links == reference(vault).links
    after = _rows(stored)
    assert set(after) == {*before, "New.md"}
    for path, (note, under, _) in before.items():
        assert after[path][0] == note  # the note was not written again
        assert after[path][1] not in (None, under)  # its resolutions were
    again = load(vault, tmp_path / "c")
    assert (again.load_stats.read, again.load_stats.resolved) == (0, 0)
    assert again.links == reference(vault).links


def test_cache__a_fresh_checkout_rewrites_only_the_stats(
    vault: Path, tmp_path: Path, trusted: None
) -> None:
    # The same notes written anew at the same place (a fresh checkout with the cache of
    # an earlier one, as in CI): every note is read, none is parsed, and only their
    # stats are stored.
    load(vault, tmp_path / "c")
    (stored,) = cache_files(tmp_path / "c")
    before = _rows(stored)
    checkout = vault
    shutil.move(vault, tmp_path / "earlier")
    shutil.copytree(tmp_path / "earlier", checkout)
    fresh = load(checkout, tmp_path / "c")
    assert (fresh.load_stats.read, fresh.load_stats.parsed, fresh.load_stats.resolved) == (3, 0, 0)
    after = _rows(stored)
    assert set(after) == set(before)
    for path, (note, under, inode) in before.items():
        assert after[path][:2] == (note, under)
        assert after[path][2] != inode
    again = load(checkout, tmp_path / "c")
    assert (again.load_stats.read, again.load_stats.parsed) == (0, 0)
    assert again.notes == reference(checkout).notes
    assert again.links == reference(checkout).links


def test_cache__refreshes_never_land_on_another_version_of_the_note(
    vault: Path, tmp_path: Path, trusted: None
) -> None:
    # A run found a note's new stat, or resolved its links again, while another run
    # stored a newer version of the note: neither may be stored with the newer note.
    load(vault, tmp_path / "c")
    (stored,) = cache_files(tmp_path / "c")
    before = _rows(stored)
    key = stored.name[len("parse-") : -len(".sqlite3")]
    opened = cache.ParseCache.open(stored.parent, key)
    assert opened is not None
    stale = [
        cache.Refresh("Plan.md", b"an older version", (1, 2, 3, 4)),
        cache.Refresh("Plan.md", b"an older version", (1, 2, 3, 4), (), b"another index"),
    ]
    opened.write([], [], 0, stale)
    opened.close()
    assert _rows(stored) == before


def test_cache__damaged_resolutions_are_made_again(
    vault: Path, tmp_path: Path, trusted: None
) -> None:
    load(vault, tmp_path / "c")
    (stored,) = cache_files(tmp_path / "c")
    with sqlite3.connect(stored) as connection:
        query = "SELECT resolved FROM notes WHERE path = 'Plan.md'"
        (blob,) = connection.execute(query).fetchone()
        damaged = blob.replace(b"Index.md", b"Indxx.md")
        assert damaged != blob
        connection.execute("UPDATE notes SET resolved = ? WHERE path = 'Plan.md'", (damaged,))
    again = load(vault, tmp_path / "c")
    assert (again.load_stats.parsed, again.load_stats.resolved) == (0, 1)
    assert again.links == reference(vault).links
    mended = load(vault, tmp_path / "c")
    assert mended.load_stats.resolved == 0
    assert mended.links == reference(vault).links


@pytest.mark.parametrize("previews", [True, False])
def test_cache__rows_from_workers_are_the_rows_one_process_writes(
    vault: Path, tmp_path: Path, trusted: None, previews: bool
) -> None:
    # Rows of notes parsed in workers are written as the vault loads, from the bytes the
    # workers sent, and get their resolutions afterwards.
    in_workers = load_vault(
        vault, settings=Settings(cache_dir=tmp_path / "w"), jobs=2, previews=previews
    )
    assert in_workers.load_stats.workers == 2
    load_vault(vault, settings=Settings(cache_dir=tmp_path / "p"), jobs=1, previews=previews)
    (from_workers,) = cache_files(tmp_path / "w")
    (from_one,) = cache_files(tmp_path / "p")
    # Marshal's bytes depend on how objects are shared in memory; what they hold may not.
    query = (
        "SELECT path, size, mtime_ns, inode, ctime_ns, digest, index_part, resolved_under,"
        " note, resolved, previews FROM notes ORDER BY path"
    )
    with sqlite3.connect(from_workers) as first, sqlite3.connect(from_one) as second:
        rows, expected = (
            [(*row[:8], *[marshal.loads(blob) for blob in row[8:]]) for row in db.execute(query)]
            for db in (first, second)
        )
    assert rows == expected
    assert len(rows) == 3 and all(row[9] for row in rows)  # resolutions stored
    warm = load(vault, tmp_path / "w")
    assert (warm.load_stats.read, warm.load_stats.parsed, warm.load_stats.resolved) == (0, 0, 0)
    assert warm.notes == reference(vault).notes


def test_cache__rows_without_resolutions_get_them(
    vault: Path, tmp_path: Path, trusted: None
) -> None:
    # What a run stopped between writing its rows and resolving their links leaves.
    load(vault, tmp_path / "c")
    (stored,) = cache_files(tmp_path / "c")
    with sqlite3.connect(stored) as connection:
        connection.execute("UPDATE notes SET resolved = NULL, resolved_under = NULL")
    again = load(vault, tmp_path / "c")
    assert (again.load_stats.parsed, again.load_stats.resolved) == (0, 3)
    assert again.links == reference(vault).links
    assert load(vault, tmp_path / "c").load_stats.resolved == 0


def _load_in_child(root: str, cache_dir: str, queue: multiprocessing.Queue[object]) -> None:
    loaded = load_vault(root, settings=Settings(cache_dir=Path(cache_dir)), jobs=1)
    queue.put([(r.link.source, r.link.line, r.link.column, r.target) for r in loaded.links])


def test_cache__runs_sharing_a_cache_at_once(vault: Path, tmp_path: Path) -> None:
    for index in range(40):
        (vault / f"extra {index}.md").write_text(f"[[Plan]] [[extra {index + 1}]]\n", "utf-8")
    expected = [
        (r.link.source, r.link.line, r.link.column, r.target) for r in reference(vault).links
    ]
    context = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[object] = context.Queue()
    children = [
        context.Process(target=_load_in_child, args=(str(vault), str(tmp_path / "c"), queue))
        for _ in range(4)
    ]
    for child in children:
        child.start()
    results = [queue.get(timeout=120) for _ in children]
    for child in children:
        child.join(timeout=60)
        assert child.exitcode == 0
    assert all(result == expected for result in results)
    assert load(vault, tmp_path / "c").links == reference(vault).links


def test_cache__key_changes_with_options() -> None:
    keys = {
        cache_key(links_in_comments=comments, alias_links=aliases)
        for comments in (True, False)
        for aliases in (True, False)
    }
    assert len(keys) == 4
    assert cache_key(links_in_comments=True, alias_links=False) == cache_key(
        links_in_comments=True, alias_links=False
    )


def test_cache__options_never_mix(vault: Path, tmp_path: Path, trusted: None) -> None:
    (vault / "Plan.md").write_text("%% [[Hidden]] %% [[Plan]]\n", encoding="utf-8")
    with_comments = load(vault, tmp_path / "c")
    without = load(vault, tmp_path / "c", links_in_comments=False)
    assert any(r.link.path == "Hidden" for r in with_comments.links)
    assert not any(r.link.path == "Hidden" for r in without.links)
    assert len(cache_files(tmp_path / "c")) == 2


def test_cache__undecodable_notes_are_cached_oversized_ones_are_not(
    vault: Path, tmp_path: Path, trusted: None
) -> None:
    (vault / "utf16.md").write_bytes("\ufeffhello".encode("utf-16"))
    (vault / "big.md").write_text("x" * 5000, encoding="utf-8")
    options = {"max_note_size": 4000}
    first = load(vault, tmp_path / "c", **options)
    second = load(vault, tmp_path / "c", **options)
    expected = load_vault(vault, settings=Settings(no_cache=True, max_note_size=4000))
    assert first.notes == second.notes == expected.notes
    assert second.load_stats.read == 1, "the oversized note is looked at (not read) every time"
    assert not second.note_by_path["utf16.md"].parsed
    assert not second.note_by_path["big.md"].parsed


def test_cache__lives_outside_the_vault(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "from-env"))
    load_vault(vault, settings=Settings())
    folder = vault_cache_dir(Settings(), vault)
    assert folder is not None and folder.is_relative_to(tmp_path / "from-env")
    assert cache_files(tmp_path / "from-env")
    assert not [p for p in vault.rglob("*") if "sqlite" in p.name]
    with pytest.raises(ConfigError, match="inside the vault"):
        load_vault(vault, settings=Settings(cache_dir=vault / ".cache"))


def test_cache__command_line_flags(
    vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["links", str(vault), "--cache-dir", str(tmp_path / "flag")]) == 0
    assert cache_files(tmp_path / "flag")
    assert main(["links", str(vault), "--no-cache", "--cache-dir", str(tmp_path / "off")]) == 0
    assert not (tmp_path / "off").exists()
    assert main(["links", str(vault), "--cache-dir", str(vault / "inside")]) == 2
    assert "inside the vault" in capsys.readouterr().err
    assert not (vault / "inside").exists()


def test_cache__unusable_cache_folder_is_noted_and_the_run_goes_on(
    vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["links", str(vault), "--no-cache"]) == 0
    expected = capsys.readouterr()
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder", encoding="utf-8")
    for cache_dir, reason in [
        (blocker, "it is not a folder"),
        (blocker / "sub" / "cache", f'"{blocker}" is not a folder'),
    ]:
        assert main(["links", str(vault), "--cache-dir", str(cache_dir)]) == 0
        out, err = capsys.readouterr()
        assert out == expected.out
        assert err == (
            f'wikigraph: note: cannot use the cache folder "{cache_dir}" ({reason});'
            " running without a cache (pass --cache-dir with another folder, or --no-cache)\n"
        )
    assert main(["check", str(vault), "-q", "--cache-dir", str(blocker / "x")]) == 1
    assert capsys.readouterr().err == ""  # quiet
    assert blocker.read_text(encoding="utf-8") == "not a folder"
    assert main(["links", str(vault), "--cache-dir", str(tmp_path / "new" / "cache")]) == 0
    assert capsys.readouterr().err == ""
    assert cache_files(tmp_path / "new" / "cache")


def test_cache__read_only_cache_folder_still_works(
    vault: Path, tmp_path: Path, trusted: None
) -> None:
    folder = tmp_path / "ro"
    load(vault, folder)
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        (vault / "Plan.md").write_text("[[Index]] only\n", encoding="utf-8")
        loaded = load(vault, folder)
        assert loaded.links == reference(vault).links
    finally:
        for path in [folder, *folder.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)


def test_cache__a_new_file_has_pages_that_hold_whole_rows(vault: Path, tmp_path: Path) -> None:
    load(vault, tmp_path / "c")
    (stored,) = cache_files(tmp_path / "c")
    with sqlite3.connect(stored) as connection:
        assert connection.execute("PRAGMA page_size").fetchone() == (cache.PAGE_SIZE,)


def test_cache__removed_notes_leave_the_cache(vault: Path, tmp_path: Path, trusted: None) -> None:
    load(vault, tmp_path / "c")
    (vault / "Plan.md").unlink()
    loaded = load(vault, tmp_path / "c")
    assert "Plan.md" not in loaded.note_by_path
    (stored,) = cache_files(tmp_path / "c")
    with sqlite3.connect(stored) as connection:
        paths = {row[0] for row in connection.execute("SELECT path FROM notes")}
    assert paths == {"Index.md", "sub/Деталь.md"}


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress__bar_on_a_terminal_after_the_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    stream = _Terminal()
    bar = DelayedBar(stream, delay=0.0)
    for done in range(0, 101, 10):
        bar.report("parse", done, 100)
    bar.report("resolve", 5, 10)
    shown = stream.getvalue()
    bar.close()
    assert "parsing notes" in shown and "resolving links" in shown


def test_progress__quick_loads_draw_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    stream = _Terminal()
    bar = DelayedBar(stream, delay=60.0)
    bar.report("parse", 1, 100)
    bar.close()
    assert stream.getvalue() == ""


def test_progress__silent_in_ci_and_when_not_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    assert wants_bar(_Terminal())
    assert not wants_bar(io.StringIO())
    monkeypatch.setenv("CI", "true")
    assert not wants_bar(_Terminal())
    with load_progress(_Terminal()) as progress:
        assert progress is None


def test_progress__load_reports_its_stages(vault: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    load_vault(vault, settings=Settings(no_cache=True), progress=lambda *r: seen.append(r))
    assert ("parse", 3, 3) in seen and ("resolve", 3, 3) in seen


def test_cache__note_from_another_path_is_never_reused(vault: Path, tmp_path: Path) -> None:
    """Rows are keyed by path: a row is only ever used for the note at that path."""
    loaded = load(vault, tmp_path / "c")
    plan: Note = loaded.note_by_path["Plan.md"]
    assert all(link.source == "Plan.md" for link in plan.links)


def test_cache__link_index_finds_every_trailing_part_of_every_path(vault: Path) -> None:
    """The index keys only file names; looking up any trailing part of a path (notes also
    without ``.md``) gives exactly the files that end with it, as a table of every trailing
    part would."""
    from wikigraph.resolve import VaultIndex, name_key

    loaded = reference(vault)
    index = VaultIndex.build(loaded.files, loaded.notes, loaded.folders)
    table: dict[str, set[str]] = {}
    whole: dict[str, list[str]] = {}
    for file in loaded.files:
        key = name_key(file.path)
        for variant in [key, key[:-3]] if file.is_note else [key]:
            whole.setdefault(variant, []).append(file.path)
            parts = variant.split("/")
            for start in range(len(parts)):
                table.setdefault("/".join(parts[start:]), set()).add(file.path)
    assert table
    for key, paths in table.items():
        assert index.by_suffix.get(key) == tuple(sorted(paths)), key
        assert index.by_path.get(key) == (tuple(whole[key]) if key in whole else None), key
    for missing in ("nothing", "sub/nothing.md", "vault/plan", "an.md"):
        assert index.by_suffix.get(missing) is None
        assert missing not in index.by_path


def test_cache__link_index_depends_only_on_paths_aliases_headings_and_blocks(
    vault: Path,
) -> None:
    """The cache reuses resolutions while resolve.index_part of every note is unchanged; if
    VaultIndex.build starts reading another note field, index_part must cover it too."""
    from dataclasses import fields, replace

    from wikigraph.resolve import VaultIndex

    loaded = reference(vault)
    covered = {"path", "title", "aliases", "headings", "blocks"}
    changed = []
    for note in loaded.notes:
        values: dict[str, object] = {}
        for spec in fields(note):
            if spec.name in covered:
                continue
            value = getattr(note, spec.name)
            values[spec.name] = {
                str: "changed",
                bool: not value if isinstance(value, bool) else value,
                tuple: (),
                dict: {"changed": 1},
            }.get(type(value), None if value is not None else frozenset())
        changed.append(replace(note, **values))
    assert [n.links for n in changed] != [n.links for n in loaded.notes]
    assert VaultIndex.build(loaded.files, changed, loaded.folders) == VaultIndex.build(
        loaded.files, loaded.notes, loaded.folders
    )


def test_cache__files_of_other_keys_unused_for_a_month_are_removed(
    vault: Path, tmp_path: Path
) -> None:
    folder = vault_cache_dir(Settings(cache_dir=tmp_path / "c"), vault)
    assert folder is not None
    folder.mkdir(parents=True)
    old, recent = folder / "parse-old.sqlite3", folder / "parse-recent.sqlite3"
    for path in (old, recent):
        path.write_bytes(b"")
    month_ago = os.stat(old).st_mtime - (cachedir.STALE_DAYS + 1) * 86400
    os.utime(old, (month_ago, month_ago))
    load(vault, tmp_path / "c")
    assert not old.exists()
    assert recent.exists()
