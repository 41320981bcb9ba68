"""The synthetic vault generator: deterministic, realistic, and its truth matches wikigraph."""

from __future__ import annotations

import json
import statistics
import unicodedata
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from wikigraph.config import Settings
from wikigraph.model import LinkStatus, Location, Unresolved
from wikigraph.vault import load_vault


@pytest.fixture(scope="module")
def generated(vault_generator: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 400-note vault (seed 3) with its truth file beside it."""
    out = tmp_path_factory.mktemp("generated") / "vault"
    vault_generator.generate_vault(out, 400, 3)
    return out


def _tree(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _truth(vault: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads(
        (vault.parent / f"{vault.name}.truth.json").read_text(encoding="utf-8")
    )
    return data


def _places(entries: object) -> set[tuple[str, int, int, str]]:
    assert isinstance(entries, list)
    return {(e["source"], e["line"], e["column"], e["raw"]) for e in entries}


def test_generator__same_seed_gives_identical_bytes(
    vault_generator: ModuleType, tmp_path: Path
) -> None:
    vault_generator.generate_vault(tmp_path / "a", 120, 7)
    vault_generator.generate_vault(tmp_path / "b", 120, 7)
    first, second = _tree(tmp_path / "a"), _tree(tmp_path / "b")
    assert len(first) > 120
    assert first == second
    assert (tmp_path / "a.truth.json").read_bytes() == (tmp_path / "b.truth.json").read_bytes()


def test_generator__other_seed_gives_other_vault(
    vault_generator: ModuleType, tmp_path: Path
) -> None:
    vault_generator.generate_vault(tmp_path / "a", 120, 7)
    vault_generator.generate_vault(tmp_path / "b", 120, 8)
    assert _tree(tmp_path / "a") != _tree(tmp_path / "b")


def test_generator__truth_matches_wikigraph(generated: Path) -> None:
    truth = _truth(generated)
    vault = load_vault(generated, settings=Settings(no_cache=True))
    assert len(vault.notes) == truth["notes"]
    assert len(vault.attachments) == truth["attachments"]
    assert len(vault.links) == truth["links"]
    unresolved = [r for r in vault.links if r.status is LinkStatus.UNRESOLVED]
    assert {r.reason for r in unresolved} == {Unresolved.MISSING}
    found = {(r.link.source, r.link.line, r.link.column, r.link.raw) for r in unresolved}
    assert found == _places(truth["broken_links"])
    missing = {
        (r.link.source, r.link.line, r.link.column, r.link.raw)
        for r in vault.links
        if r.subpath_resolves is False
    }
    assert missing == _places(truth["missing_subpaths"])
    assert not any(note.problems for note in vault.notes)
    assert not vault.scan_problems


def test_generator__vault_is_realistic(generated: Path) -> None:
    truth = _truth(generated)
    vault = load_vault(generated, settings=Settings(no_cache=True))
    paths = [note.path for note in vault.notes]
    assert max(path.count("/") for path in paths) >= 3, "nested folders"
    cyrillic = [p for p in paths if any("CYRILLIC" in unicodedata.name(ch, "") for ch in p)]
    assert len(cyrillic) > len(paths) / 20, "Cyrillic names"
    assert sum(" " in path.rsplit("/", 1)[-1] for path in paths) > len(paths) / 3, "spaced names"
    names = Counter(path.rsplit("/", 1)[-1].lower() for path in paths)
    assert any(count > 1 for count in names.values()), "duplicate basenames"
    assert any(r.candidates for r in vault.links), "links to duplicate names"
    assert any(path != unicodedata.normalize("NFC", path) for path in paths), "an NFD name"
    property_links = [r for r in vault.links if r.link.location is Location.FRONTMATTER]
    assert property_links and any(r.link.property == "related" for r in property_links)
    assert int(str(truth["fake_links"])) > 50, "fake links in code"
    broken = len(truth["broken_links"])  # type: ignore[arg-type]
    assert 0.01 < broken / int(str(truth["links"])) < 0.035, "about 2% broken links"
    assert vault.attachments and any(r.target in vault.attachments for r in vault.links)
    assert any(r.status is LinkStatus.EXTERNAL for r in vault.links)
    assert any(r.subpath_resolves is True for r in vault.links), "heading and block links"
    out_degree = Counter(r.link.source for r in vault.links)
    degrees = [out_degree.get(path, 0) for path in paths]
    assert max(degrees) > 8 * statistics.median(degrees), "power-law link counts"
    mean_size = int(str(truth["note_bytes"])) / len(paths)
    assert 3500 < mean_size < 5500, f"mean note size {mean_size:.0f} bytes"
    tags = Counter(tag.lower() for note in vault.notes for tag in note.tags)
    assert 20 <= len(tags) <= 100, f"{len(tags)} distinct tags: tens, as in real vaults"
    assert sum("/" in tag for tag in tags) >= 5, "some nested tags"
    uses = sorted(tags.values(), reverse=True)
    assert uses[0] > 10 * statistics.median(uses), "a few tags are used far more than most"


def test_generator__never_replaces_a_folder_it_did_not_make(
    vault_generator: ModuleType, tmp_path: Path
) -> None:
    precious = tmp_path / "notes"
    precious.mkdir()
    (precious / "mine.md").write_text("keep me", encoding="utf-8")
    with pytest.raises(SystemExit, match="not made by this script"):
        vault_generator.generate_vault(precious, 10, 1)
    assert (precious / "mine.md").read_text(encoding="utf-8") == "keep me"
    with pytest.raises(SystemExit, match="must not be inside the vault"):
        vault_generator.generate_vault(tmp_path / "v", 10, 1, tmp_path / "v" / "truth.json")


def test_generator__regenerates_its_own_folder(vault_generator: ModuleType, tmp_path: Path) -> None:
    out = tmp_path / "v"
    vault_generator.generate_vault(out, 30, 1)
    (out / "stray.md").write_text("left over", encoding="utf-8")
    vault_generator.generate_vault(out, 30, 1)
    assert not (out / "stray.md").exists()
    assert vault_generator.main([str(out), "--notes", "30", "--seed", "1"]) == 0
    assert len(list(out.rglob("*.md"))) == 30
