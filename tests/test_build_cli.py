"""``wikigraph build`` from the command line: what it writes, where, and its exit codes."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from wikigraph.cli import main
from wikigraph.layout import CACHE_FILE


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("WIKIGRAPH_CACHE_DIR", str(cache))
    return cache


@pytest.fixture
def vault(tmp_path: Path, fixture_vault: Any) -> Path:
    copy = tmp_path / "vault"
    shutil.copytree(fixture_vault("view-basic"), copy)
    return copy


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _nodes(page: Path) -> list[dict[str, object]]:
    match = re.search(
        r'<script type="application/json" id="wg-data-nodes">(.*?)</script>',
        page.read_text(encoding="utf-8"),
        re.S,
    )
    assert match is not None
    columns = json.loads(match.group(1))
    return [
        {"label": label, "x": x, "y": y}
        for label, x, y in zip(columns["label"], columns["x"], columns["y"], strict=True)
    ]


def test_build__writes_the_page_and_prints_the_summary(
    vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "site"
    assert main(["build", str(vault), "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    page = out / "graph.html"
    assert f"Wrote {page.as_posix()}: 6 notes, 10 linked pairs (new layout)." in captured.err
    assert "Found 2 errors in 2 of 6 notes." in captured.err
    assert 'colour group "line:(nothing)" colours nothing' in captured.err
    assert sorted(p.name for p in out.iterdir()) == ["graph.html"]
    assert len(_nodes(page)) == 13
    text = page.read_text(encoding="utf-8")
    assert "<title>vault · wikigraph</title>" in text


def test_build__second_run_reuses_the_layout_and_is_identical(
    vault: Path, tmp_path: Path, _cache: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["build", str(vault), "-o", str(out)]) == 0
    first = (out / "graph.html").read_bytes()
    assert list(_cache.rglob(CACHE_FILE))
    capsys.readouterr()
    assert main(["build", str(vault), "-o", str(out)]) == 0
    assert "is up to date" in capsys.readouterr().err  # the stored build, repeated
    for state in _cache.rglob("build-*.state"):
        state.unlink()
    assert main(["build", str(vault), "-o", str(out)]) == 0
    assert "(layout from the cache)" in capsys.readouterr().err
    assert (out / "graph.html").read_bytes() == first


def test_build__one_new_note_keeps_every_other_position(
    vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["build", str(vault), "-o", str(out)]) == 0
    before = {n["label"]: (n["x"], n["y"]) for n in _nodes(out / "graph.html")}
    (vault / "Fresh.md").write_text("Links to [[Lonely]].\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["build", str(vault), "-o", str(out)]) == 0
    assert "positions from the cache" in capsys.readouterr().err
    after = {n["label"]: (n["x"], n["y"]) for n in _nodes(out / "graph.html")}
    assert set(after) - set(before) == {"Fresh"}
    moved = [label for label in before if label in after and before[label] != after[label]]
    assert [m for m in moved if not m.startswith("#")] == []  # tags follow their notes


def test_build__never_touches_the_vault_or_other_files(vault: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine", encoding="utf-8")
    before_vault, before_out = _snapshot(vault), _snapshot(out)
    assert main(["build", str(vault), "-o", str(out)]) == 0
    assert _snapshot(vault) == before_vault
    after_out = _snapshot(out)
    assert after_out["keep.txt"] == before_out["keep.txt"]
    assert sorted(after_out) == ["graph.html", "keep.txt"]


@pytest.mark.parametrize("where", ["vault", "vault/sub", "."])
def test_build__refuses_an_output_inside_or_around_the_vault(
    vault: Path, where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / where
    before = _snapshot(vault)
    assert main(["build", str(vault), "-o", str(output)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("wikigraph: error: output folder")
    assert ("inside the vault" in error) if where != "." else ("contains the vault" in error)
    assert _snapshot(vault) == before
    assert not (output / "graph.html").exists()


def test_build__refuses_to_replace_a_page_it_did_not_write(
    vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "graph.html").write_text("<html>my own page</html>", encoding="utf-8")
    assert main(["build", str(vault), "-o", str(out)]) == 2
    assert "was not written by wikigraph" in capsys.readouterr().err
    assert (out / "graph.html").read_text(encoding="utf-8") == "<html>my own page</html>"


def test_build__output_may_name_the_page(vault: Path, tmp_path: Path) -> None:
    page = tmp_path / "pages" / "vault.html"
    assert main(["build", str(vault), "-o", str(page)]) == 0
    assert page.is_file() and not (page / "graph.html").exists()


def test_build__strict_fails_on_problems_but_writes_the_page(
    vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["build", str(vault), "-o", str(out), "--strict"]) == 1
    assert (out / "graph.html").is_file()
    assert "Found 2 errors" in capsys.readouterr().err
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "A.md").write_text("[[B]]\n", encoding="utf-8")
    (clean / "B.md").write_text("[[A]]\n", encoding="utf-8")
    assert main(["build", str(clean), "-o", str(out), "--strict"]) == 0


def test_build__missing_vault_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build", str(tmp_path / "nope"), "-o", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.startswith("wikigraph: error:")
    assert not (tmp_path / "out").exists()


def test_build__options_reach_the_page(
    vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = ["build", str(vault), "-o", str(out), "--title", "My <notes>", "--color-by", "tag"]
    args += ["--obsidian-vault", "Work Vault", "--physics", "off", "-q"]
    assert main(args) == 0
    assert capsys.readouterr().err == ""
    text = (out / "graph.html").read_text(encoding="utf-8")
    assert "<title>My &lt;notes&gt; · wikigraph</title>" in text
    assert '"colorBy":"tag"' in text and '"physics":false' in text
    assert "obsidian://open?vault=Work%20Vault\\u0026file=" in text


def test_build__color_by_obsidian_without_groups_falls_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "A.md").write_text("hello\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["build", str(plain), "-o", str(out), "--color-by", "obsidian"]) == 0
    assert "no colour groups" in capsys.readouterr().err
    assert '"colorBy":"folder"' in (out / "graph.html").read_text(encoding="utf-8")


def test_build__uses_the_configured_vault_and_output(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "wikigraph.toml").write_text(
        f'vault = "{vault.as_posix()}"\noutput = "public"\ncolor-by = "obsidian"\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(project)
    assert main(["build"]) == 0
    text = (project / "public" / "graph.html").read_text(encoding="utf-8")
    assert '"colorBy":"obsidian"' in text


def test_build__help_lists_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["build", "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for option in ("--output", "--title", "--color-by", "--obsidian-vault", "--physics"):
        assert option in text
    assert "--strict" in text and "exit codes:" in text


@pytest.mark.skipif(os.name != "posix", reason="permissions")
def test_build__unwritable_output_is_a_clear_error(
    vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "locked"
    out.mkdir()
    (out / "graph.html").mkdir()  # a folder where the page should go
    assert main(["build", str(vault), "-o", str(out)]) == 2
    assert "is a folder" in capsys.readouterr().err


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust stats at once (files in a test are always younger than the racy window)."""
    import wikigraph.checkstate

    monkeypatch.setattr(wikigraph.checkstate, "RACY_NS", 0)


def test_build__nothing_changed_means_nothing_to_write(
    vault: Path, tmp_path: Path, settled: None, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["build", str(vault), "-o", str(out), "--strict"]) == 1
    first = capsys.readouterr().err
    page = out / "graph.html"
    stat = page.stat()
    assert main(["build", str(vault), "-o", str(out), "--strict"]) == 1
    again = capsys.readouterr().err
    assert f"{page.as_posix()} is up to date: 6 notes, 10 linked pairs" in again
    assert "Wrote" not in again
    assert again.splitlines()[-1] == first.splitlines()[-1]  # the check's summary
    assert 'colour group "line:(nothing)" colours nothing' in again
    assert page.stat().st_mtime_ns == stat.st_mtime_ns
    assert main(["build", str(vault), "-o", str(out), "--strict", "-q"]) == 1
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    "change",
    [
        "edit a note",
        "add a file",
        "graph settings",
        "other options",
        "touch the page",
        "no page",
        "damaged state",
    ],
)
def test_build__any_change_builds_again(
    change: str,
    vault: Path,
    tmp_path: Path,
    _cache: Path,
    settled: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "out"
    page = out / "graph.html"
    assert main(["build", str(vault), "-o", str(out)]) == 0
    before = page.read_bytes()
    args = ["build", str(vault), "-o", str(out)]
    if change == "edit a note":
        (vault / "Lonely.md").write_text("Now links to [[Ideas]].\n", encoding="utf-8")
    elif change == "add a file":
        (vault / "assets" / "new.png").write_bytes(b"png")
    elif change == "graph settings":
        (vault / ".obsidian" / "graph.json").write_text('{"showTags": true}', encoding="utf-8")
    elif change == "other options":
        args += ["--title", "Other"]
    elif change == "touch the page":
        page.write_text(page.read_text(encoding="utf-8") + " ", encoding="utf-8")
    elif change == "no page":
        page.unlink()
    else:
        states = list(_cache.rglob("build-*.state"))
        assert len(states) == 1
        states[0].write_text("{not json", encoding="utf-8")
    capsys.readouterr()
    assert main(args) == 0
    err = capsys.readouterr().err
    assert f"Wrote {page.as_posix()}" in err and "is up to date" not in err
    if change in ("edit a note", "graph settings", "other options"):
        assert page.read_bytes() != before


def test_build__no_cache_never_remembers(
    vault: Path, tmp_path: Path, settled: None, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    for _ in range(2):
        assert main(["build", str(vault), "-o", str(out), "--no-cache"]) == 0
        assert "Wrote" in capsys.readouterr().err


def test_build__state_covers_the_code_that_draws_the_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build state is keyed on every module, not only those a check imports."""
    import importlib.resources
    import shutil

    import wikigraph
    from wikigraph import buildstate

    copy = tmp_path / "wikigraph"
    shutil.copytree(Path(wikigraph.__file__).parent, copy)
    monkeypatch.setattr(importlib.resources, "files", lambda _package: copy)
    before = buildstate.view_code_digest()
    assert buildstate.view_code_digest() == before
    for module in ("visnetwork.py", "render.py", "commands/build.py"):
        with (copy / module).open("a", encoding="utf-8") as handle:
            handle.write("\n# changed\n")
        after = buildstate.view_code_digest()
        assert after != before, module
        before = after


def _panels(page: Path) -> object:
    match = re.search(
        r'<script type="application/json" id="wg-data-panels">(.*?)</script>',
        page.read_text(encoding="utf-8"),
        re.S,
    )
    assert match is not None
    return json.loads(match.group(1))


def test_build__checks_through_the_check_state(
    vault: Path, tmp_path: Path, settled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import wikigraph.checkstate

    hows: list[str] = []
    check = wikigraph.checkstate.check

    def recording(*args: Any, **kwargs: Any) -> Any:
        report = check(*args, **kwargs)
        hows.append(report.how)
        return report

    monkeypatch.setattr(wikigraph.checkstate, "check", recording)
    out = tmp_path / "out"
    assert main(["build", str(vault), "-o", str(out), "-q"]) == 0
    assert main(["check", str(vault), "-q"]) == 1  # a broken link and a missing heading
    assert hows == ["full", "stored"]  # the build stored the check's state
    (vault / "Lonely.md").write_text("# Lonely\n\nNow links [[Nowhere]].\n", encoding="utf-8")
    assert main(["build", str(vault), "-o", str(out), "-q"]) == 0
    assert hows[-1] == "notes:1"  # only the edited note was checked again
    fresh = tmp_path / "fresh"
    assert main(["build", str(vault), "-o", str(fresh), "-q", "--no-cache"]) == 0
    assert hows[-1] == "full"
    panels = _panels(out / "graph.html")
    assert panels == _panels(fresh / "graph.html")
    assert "Nowhere" in json.dumps(panels)


def test_build__previews_start_before_links_are_resolved(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The previews need only the excerpts: their helper starts rendering while this
    process resolves the links, and gets every checked note."""
    import wikigraph.render as render
    import wikigraph.vault as vault_module

    steps: list[object] = []
    resolve, start = vault_module._resolve, render.BuildHelpers.start_previews

    def resolving(*args: Any, **kwargs: Any) -> Any:
        steps.append("resolve")
        return resolve(*args, **kwargs)

    def starting(self: render.BuildHelpers, notes: Any, cache_dir: Path | None) -> None:
        listed = list(notes)
        steps.append(sorted(note.path for note in listed if note.excerpt))
        start(self, listed, cache_dir)

    monkeypatch.setattr(vault_module, "_resolve", resolving)
    monkeypatch.setattr(render.BuildHelpers, "start_previews", starting)
    assert main(["build", str(vault), "-o", str(tmp_path / "out"), "-q"]) == 0
    notes = sorted(p.relative_to(vault).as_posix() for p in vault.rglob("*.md"))
    assert steps == [notes, "resolve"]
    page = (tmp_path / "out" / "graph.html").read_text(encoding="utf-8")
    match = re.search(
        r'<script type="application/json" id="wg-data-previews">(.*?)</script>', page, re.S
    )
    assert match is not None
    previews = [tree for tree in json.loads(match.group(1)) if tree is not None]
    assert len(previews) == len(notes)  # every note of this vault starts with text
