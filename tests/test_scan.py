"""The scan stage: which files are notes, attachments, excluded or skipped, and symlinks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from wikigraph.errors import VaultError
from wikigraph.scan import ExcludeRules, scan_vault


def make(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_scan__notes_and_attachments(tmp_path: Path) -> None:
    make(tmp_path, {"a.md": "", "B.MD": "", "img.png": "", "sub/c.Md": "", "sub/data.json": ""})
    scan = scan_vault(tmp_path)
    assert [(f.path, f.is_note) for f in scan.files] == [
        ("B.MD", True),
        ("a.md", True),
        ("img.png", False),
        ("sub/c.Md", True),
        ("sub/data.json", False),
    ]
    assert scan.folders == ("sub",)


def test_scan__skips_dot_files_and_folders(tmp_path: Path) -> None:
    make(
        tmp_path,
        {".obsidian/x.md": "", ".git/y.md": "", ".trash/z.md": "", ".hidden.md": "", "n.md": ""},
    )
    assert [f.path for f in scan_vault(tmp_path).files] == ["n.md"]


def test_scan__exclude_globs_and_obsidian_filters(tmp_path: Path) -> None:
    make(
        tmp_path,
        {
            ".obsidian/app.json": '{"userIgnoreFilters": ["Templates/", "/draft-\\\\d+/"]}',
            "Templates/t.md": "",
            "notes/draft-12.md": "",
            "notes/keep.md": "",
            "Archive/old/x.md": "",
            "x.excalidraw.md": "",
        },
    )
    scan = scan_vault(tmp_path, exclude=["Archive", "*.excalidraw.md"])
    excluded = {f.path for f in scan.files if f.excluded}
    assert excluded == {
        "Templates/t.md",
        "notes/draft-12.md",
        "Archive/old/x.md",
        "x.excalidraw.md",
    }
    assert "notes/keep.md" in {f.path for f in scan.files}


def test_scan__bad_obsidian_settings_are_reported(tmp_path: Path) -> None:
    make(tmp_path, {".obsidian/app.json": "{not json", "n.md": ""})
    scan = scan_vault(tmp_path)
    assert [p.code for p in scan.problems[".obsidian/app.json"]] == ["invalid-config"]
    assert [f.path for f in scan.files] == ["n.md"]


def test_scan__exclude_rules_match_folders_by_prefix() -> None:
    rules = ExcludeRules(globs=("drafts/",), prefixes=("Tmp",))
    assert rules.matches("drafts/a/b.md")
    assert rules.matches("Tmp/x.md")
    assert not rules.matches("notes/drafts.md")


def test_scan__folder_named_like_a_note(tmp_path: Path) -> None:
    make(tmp_path, {"x.md/inner.md": ""})
    scan = scan_vault(tmp_path)
    assert [f.path for f in scan.files] == ["x.md/inner.md"]
    assert scan.folders == ("x.md",)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_scan__symlinks(tmp_path: Path) -> None:
    outside = make(tmp_path / "outside", {"secret.md": "top secret"})
    vault = make(tmp_path / "vault", {"real/a.md": "", "n.md": ""})
    (vault / "loop").symlink_to(vault, target_is_directory=True)
    (vault / "real" / "up").symlink_to(vault / "real", target_is_directory=True)
    (vault / "escape").symlink_to(outside, target_is_directory=True)
    (vault / "escape.md").symlink_to(outside / "secret.md")
    (vault / "alias.md").symlink_to(vault / "n.md")
    (vault / "dangling.md").symlink_to(vault / "nothing.md")
    scan = scan_vault(vault)
    paths = [f.path for f in scan.files]
    assert paths == ["alias.md", "n.md", "real/a.md"]
    codes = {path: [p.code for p in problems] for path, problems in scan.problems.items()}
    assert codes == {
        "dangling.md": ["bad-symlink"],
        "escape": ["outside-vault"],
        "escape.md": ["outside-vault"],
        "loop": ["bad-symlink"],
        "real/up": ["bad-symlink"],
    }


def test_scan__symlinked_folder_inside_the_vault_is_walked_once(tmp_path: Path) -> None:
    vault = make(tmp_path, {".stash/kept.md": "", "n.md": ""})
    (tmp_path / "linked").symlink_to(tmp_path / ".stash", target_is_directory=True)
    assert [f.path for f in scan_vault(vault).files] == ["linked/kept.md", "n.md"]


@pytest.mark.skipif(
    os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root reads anything"
)
def test_scan__unreadable_folder(tmp_path: Path) -> None:
    make(tmp_path, {"locked/a.md": "", "n.md": ""})
    (tmp_path / "locked").chmod(0)
    try:
        scan = scan_vault(tmp_path)
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert [p.code for p in scan.problems["locked"]] == ["unreadable-file"]


def test_scan__missing_or_not_a_folder(tmp_path: Path) -> None:
    with pytest.raises(VaultError, match="does not exist"):
        scan_vault(tmp_path / "nope")
    (tmp_path / "file.md").write_text("")
    with pytest.raises(VaultError, match="not a folder"):
        scan_vault(tmp_path / "file.md")


def test_scan__undecodable_file_name(tmp_path: Path) -> None:
    name = os.fsencode(tmp_path) + b"/bad\xff.md"
    try:
        with open(name, "wb") as handle:
            handle.write(b"x")
    except OSError:
        pytest.skip("file system refuses non-UTF-8 names")
    make(tmp_path, {"ok.md": ""})
    scan = scan_vault(tmp_path)
    assert [f.path for f in scan.files] == ["ok.md"]
    assert [p.code for p in scan.problems["bad\\xff.md"]] == ["unreadable-file"]
