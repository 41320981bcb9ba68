"""The check state's key covers all the code that decides a check's report."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from wikigraph.checkstate import (
    CHECK_SOURCES,
    CHUNK_ITEMS,
    Section,
    StateError,
    StatePlace,
    dump_chunked,
    load_chunked,
    write_state,
)

SOURCE = Path(__file__).resolve().parents[1] / "src" / "wikigraph"

_PROBE = """
import json, sys
from wikigraph.cli import main
code = main(sys.argv[1:])
names = sorted(name for name in sys.modules if name.startswith("wikigraph"))
print(json.dumps([code, names]), file=sys.stderr)
"""


def _module_file(name: str) -> str:
    parts = name.split(".")[1:]
    if not parts:
        return "__init__.py"
    path = SOURCE.joinpath(*parts)
    return f"{'/'.join(parts)}/__init__.py" if path.is_dir() else f"{'/'.join(parts)}.py"


@pytest.mark.parametrize("format_", ["text", "json", "github", "sarif", "junit"])
def test_check_imports_only_the_modules_its_state_key_covers(
    fixture_vault: Path, tmp_path: Path, format_: str
) -> None:
    vault = fixture_vault("rules")
    command = [
        sys.executable, "-c", _PROBE, "check", str(vault), "--format", format_,
        "--select", "all", "--cache-dir", str(tmp_path / "cache"),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    code, names = json.loads(done.stderr.strip().splitlines()[-1])
    assert code in (0, 1), done.stderr
    imported = {_module_file(name) for name in names}
    assert "checks.py" in imported  # the probe really checked
    assert imported <= set(CHECK_SOURCES), sorted(imported - set(CHECK_SOURCES))


def test_every_listed_source_exists() -> None:
    for name in CHECK_SOURCES:
        assert (SOURCE / name).is_file(), name


_WARM_PROBE = """
import sys
from wikigraph.cli import main
code = main(sys.argv[1:])
print(repr([code, sorted(sys.modules)]), file=sys.stderr)
"""


def test_a_check_with_nothing_to_do_imports_only_what_it_needs(
    fixture_vault: Path, tmp_path: Path
) -> None:
    # A check whose stored report still holds lists the vault and prints that report:
    # it needs neither the parser, the scan and the data model, nor the costly standard
    # modules that only they use (dataclasses alone is a tenth of such a run), nor
    # hashlib (it loads OpenSSL) and shutil (argparse's way to the terminal's width).
    vault = fixture_vault("rules")
    command = [sys.executable, "-c", _WARM_PROBE, "check", str(vault), "--cache-dir",
               str(tmp_path / "cache")]  # fmt: skip
    first = subprocess.run(command, capture_output=True, text=True, check=False)
    second = subprocess.run(command, capture_output=True, text=True, check=False)
    assert second.stdout == first.stdout
    code, names = ast.literal_eval(second.stderr.strip().splitlines()[-1])
    assert code in (0, 1), second.stderr
    unneeded = {
        "dataclasses", "inspect", "json", "markdown_it", "yaml", "frontmatter",
        "wikigraph.model", "wikigraph.scan", "wikigraph.parse", "wikigraph.checks",
        "wikigraph.vault", "hashlib", "_hashlib", "shutil",
    }  # fmt: skip
    assert not unneeded & set(names), sorted(unneeded & set(names))


def test_state_file__sections_are_made_one_at_a_time_and_read_back(tmp_path: Path) -> None:
    made: list[str] = []

    def section(name: str, data: bytes) -> Callable[[], bytes]:
        def make() -> bytes:
            made.append(name)
            return data

        return make

    path = tmp_path / "check-k.state"
    sections: dict[str, Section] = {
        "a": section("a", b"first"),
        "b": b"",
        "c": section("c", b"third" * 1000),
    }
    write_state(path, {"key": "k", "renders": {}}, sections)
    assert made == ["a", "c"]
    stored = StatePlace(path, "k").open()
    assert stored is not None
    try:
        assert stored.sections() == {"a": b"first", "b": b"", "c": b"third" * 1000}
        assert StatePlace(path, "other key").open() is None
    finally:
        stored.close()


def test_state_file__a_large_mapping_is_written_a_piece_at_a_time(tmp_path: Path) -> None:
    mapping = {f"note {i}.md": bytes([i % 256]) * (i % 7) for i in range(3 * CHUNK_ITEMS + 5)}
    made: list[int] = []

    def pieces() -> Iterator[bytes]:
        for piece in dump_chunked(mapping.items()):
            made.append(len(piece))
            yield piece

    path = tmp_path / "check-k.state"
    write_state(path, {"key": "k", "renders": {}}, {"big": pieces, "small": b"x"})
    assert len(made) == 2 * 4, "four pieces, each its size and its bytes"
    stored = StatePlace(path, "k").open()
    assert stored is not None
    try:
        found = stored.chunked("big")
        assert found == mapping and list(found) == list(mapping)
        assert stored.raw("small") == b"x"
        with pytest.raises(StateError):
            stored.chunked("small")  # not a chunked section
    finally:
        stored.close()
    assert load_chunked(b"".join(dump_chunked([]))) == {}
    with pytest.raises(ValueError):
        load_chunked(b"".join(dump_chunked(mapping.items()))[:-3])


def test_state_file__a_section_that_fails_leaves_the_old_state(tmp_path: Path) -> None:
    path = tmp_path / "check-k.state"
    write_state(path, {"key": "k", "renders": {}}, {"a": b"old"})
    before = path.read_bytes()

    def broken() -> bytes:
        raise RuntimeError("no section")

    with pytest.raises(RuntimeError):
        write_state(path, {"key": "k", "renders": {}}, {"a": b"new", "b": broken})
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["check-k.state"]


@pytest.mark.parametrize("digest", [bytes(range(16)), None])
def test_note_record__its_digest_is_read_without_decoding_the_rest(digest: bytes | None) -> None:
    from wikigraph.checkstate import _NoteRecord

    memo = {("[[x]]", 1, 2): [("broken-link", "error", "no note named x", None)]}
    record = _NoteRecord(digest, b"surface", memo, b"f" * 12, None, ("x.md",), True, ("x",))
    blob = record.encode()
    assert _NoteRecord.digest_in(blob) == digest
    again = _NoteRecord.decode(blob)
    assert (again.digest, again.surface, again.memo, again.fine) == (
        digest, b"surface", {("[[x]]", 1, 2): (("broken-link", "error", "no note named x", None),)},
        b"f" * 12,
    )  # fmt: skip
    assert (again.suppression, again.targets, again.parsed) == (None, ("x.md",), True)
    assert again.reads == ("x",)
    for damaged in (b"", blob[:10], blob[:-2], None):
        with pytest.raises(StateError):
            _NoteRecord.decode(damaged)


def test_state_files__those_of_other_keys_unused_for_a_month_are_removed(tmp_path: Path) -> None:
    import os

    from wikigraph import buildstate, cachedir

    month_ago = os.stat(tmp_path).st_mtime - (cachedir.STALE_DAYS + 1) * 86400
    files = {name: tmp_path / name for name in ("check-old", "check-new", "build-old", "build-new")}
    for path in files.values():
        path.with_suffix(".state").write_bytes(b"x")
    for name in ("check-old", "build-old"):
        os.utime(files[name].with_suffix(".state"), (month_ago, month_ago))

    write_state(tmp_path / "check-k.state", {"key": "k", "renders": {}}, {"s": b"x"})
    left = sorted(path.name for path in tmp_path.iterdir())
    assert left == ["build-new.state", "build-old.state", "check-k.state", "check-new.state"]

    buildstate._write_state(tmp_path / "build-k.state", {"lines": []}, (b"", None))
    left = sorted(path.name for path in tmp_path.iterdir())
    assert left == ["build-k.state", "build-new.state", "check-k.state", "check-new.state"]
