"""Hostile and broken vaults: every case ends with a clear diagnostic, a defined exit code and
no traceback, in bounded memory, and the rest of the vault is still checked.

The corpus is generated here, in a temporary folder, so that no test data holds symlink loops,
undecodable names or 20 MB files.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from wikigraph import load_vault
from wikigraph.config import Settings

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
MEMORY_LIMIT = 2 * 1024**3
"""Address-space limit for the commands run on the corpus: a blow-up fails instead of swapping."""
HANG_GUARD = 600
"""Seconds after which a command is considered hung (a safety net, not a timing check)."""


def _alias_bomb() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 12):
        name, previous = chr(ord("a") + level), chr(ord("a") + level - 1)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    return "---\n" + "\n".join(lines) + "\n---\nBody links to [[good]].\n"


# name on disk -> (content, codes expected for that path)
CASES: dict[str, tuple[bytes, set[str]]] = {
    "good.md": (
        b"# Good\n\nA broken link the checker must still find: [[Missing note]].\n",
        {"broken-link"},
    ),
    "invalid-utf8.md": (b"# Bad bytes\n\n\xff\xfe here, then [[good]]\n", {"unreadable-file"}),
    "utf16.md": ("# UTF-16\n\n[[good]]\n".encode("utf-16"), {"unreadable-file"}),
    "nul-bytes.md": (b"\x00\x00\x00 not text [[good]]", {"unreadable-file"}),
    "picture.md": (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01" + bytes(range(256)) * 8,
        {"unreadable-file"},
    ),
    "empty.md": (b"", set()),
    "huge-line.md": ((b"word [[good]] " * 1_500_000)[:20_000_000], {"unreadable-file"}),
    "unclosed.md": (b"[[" * 100_000 + b" and [[good]]\n", set()),
    "single-brackets.md": (b"[a " * 30_000 + b"\n\n[[good]]\n", set()),
    "nested-quotes.md": (b"> " * 10_000 + b"[[good]]\n", {"unreadable-file"}),
    "nested-lists.md": (
        b"".join(b"  " * i + b"- x\n" for i in range(2_000)) + b"[[good]]\n",
        {"unreadable-file"},
    ),
    "nested-but-fine.md": (b"> " * 40 + b"[[good]]\n", set()),
    "huge-frontmatter.md": (
        b"---\n"
        + b"".join(b"key%d: value %d\n" % (i, i) for i in range(60_000))
        + b"---\n[[good]]\n",
        {"invalid-frontmatter"},
    ),
    "alias-bomb.md": (_alias_bomb().encode(), {"invalid-frontmatter"}),
    "invalid-yaml.md": (b"---\ntitle: [unclosed\n---\n[[good]]\n", {"invalid-frontmatter"}),
    "duplicate-keys.md": (b"---\nup: a\nup: b\n---\n[[good]]\n", {"invalid-frontmatter"}),
    "deep-yaml.md": (
        b"---\nx: " + b"[" * 5_000 + b"]" * 5_000 + b"\n---\n[[good]]\n",
        {"invalid-frontmatter"},
    ),
    "escapes.md": (
        b"[[../../../../etc/passwd]] [x](/etc/passwd) [y](file:///etc/passwd)\n"
        b"[w](C:\\Windows\\win.ini) [[C:\\Windows\\System32]] [u](../../outside.md)\n",
        {"outside-vault", "broken-link"},
    ),
    "name\nwith newline.md": (b"[[good]]\n", {"unlinkable-name"}),
    "tab\tand bell\x07.md": (b"[[good]]\n", {"unlinkable-name"}),
    "<img src=x onerror=alert(1)>.md": (
        b"# <script>alert(1)</script>\n\n[[good|<b onmouseover=alert(1)>]]\n",
        set(),
    ),
    "a folder.md/inside.md": (b"[[good]]\n", set()),
    "Windows\\path.md": (b"[[good]]\n", set()),
}


def build_corpus(root: Path) -> Path:
    vault = root / "vault"
    for name, (data, _) in CASES.items():
        path = vault / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (vault / "loop").symlink_to(vault, target_is_directory=True)
    (vault / "sub").mkdir()
    (vault / "sub" / "back").symlink_to(vault / "sub", target_is_directory=True)
    outside = root / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text("[[good]] secret", encoding="utf-8")
    (vault / "outside-folder").symlink_to(outside, target_is_directory=True)
    (vault / "outside-note.md").symlink_to(outside / "secret.md")
    (vault / "dangling.md").symlink_to(vault / "no-such-file.md")
    (vault / "unreadable.md").write_bytes(b"[[good]]\n")
    (vault / "unreadable.md").chmod(0)
    with contextlib.suppress(OSError, UnicodeEncodeError):
        (vault / os.fsdecode(b"bad-name-\xff.md")).write_bytes(b"[[good]]\n")
    return vault


EXPECTED_EXTRA = {
    "loop": {"bad-symlink"},
    "sub/back": {"bad-symlink"},
    "outside-folder": {"outside-vault"},
    "outside-note.md": {"outside-vault"},
    "dangling.md": {"bad-symlink"},
    "unreadable.md": set() if IS_ROOT else {"unreadable-file"},
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("hostile")
    vault = build_corpus(root)
    yield vault
    (vault / "unreadable.md").chmod(0o644)


def snapshot(vault: Path) -> dict[str, tuple[bytes | str, int]]:
    """Every path's bytes (or link target) and modification time, without following links."""
    state: dict[str, tuple[bytes | str, int]] = {}
    for folder, dirs, files in os.walk(vault, followlinks=False):
        for name in dirs + files:
            path = Path(folder) / name
            info = path.lstat()
            if path.is_symlink():
                state[str(path)] = (os.readlink(path), info.st_mtime_ns)
            elif path.is_file():
                try:
                    state[str(path)] = (path.read_bytes(), info.st_mtime_ns)
                except PermissionError:
                    state[str(path)] = (b"<unreadable>", info.st_mtime_ns)
            else:
                state[str(path)] = (b"<folder>", info.st_mtime_ns)
    return state


def limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "WIKIGRAPH_CACHE_DIR": str(Path(cwd or ".") / ".cache")}
    return subprocess.run(
        [sys.executable, "-m", "wikigraph", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=HANG_GUARD,
        preexec_fn=limited,
        env=env,
        cwd=cwd,
        check=False,
    )


def test_hostile__check_reports_every_case(corpus: Path, tmp_path: Path) -> None:
    result = run_cli("check", str(corpus), "--format", "json", "--select", "all", cwd=tmp_path)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    found: dict[str, set[str]] = {}
    for diagnostic in report["diagnostics"]:
        found.setdefault(diagnostic["path"], set()).add(diagnostic["code"])
    expected = {name: codes for name, (_, codes) in CASES.items()} | EXPECTED_EXTRA
    for path, codes in expected.items():
        noise = {"orphan-note", "unused-attachment"}
        assert found.get(path, set()) - noise == codes, path
    assert "Missing note" in json.dumps(report["diagnostics"])  # the rest of the vault was checked
    bad_name = [path for path in found if path.startswith("bad-name-")]
    assert (
        bad_name == ["bad-name-\\xff.md"]
        or not (corpus / os.fsdecode(b"bad-name-\xff.md")).exists()
    )


def test_hostile__escapes_never_resolve(corpus: Path, tmp_path: Path) -> None:
    result = run_cli("links", str(corpus), "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    links = json.loads(result.stdout)["links"]
    escapes = [link for link in links if link["source"] == "escapes.md"]
    assert len(escapes) == 6
    assert all(link["status"] == "unresolved" and link["target"] is None for link in escapes)
    targets = {link["target"] for link in links if link["target"]}
    assert all(not target.startswith(("/", "..")) and "secret" not in target for target in targets)


@pytest.mark.parametrize(
    "command",
    [
        ["links", "--format", "json"],
        ["check", "--format", "sarif"],
        ["check", "--format", "github"],
        ["check", "--format", "junit"],
        ["stats", "--format", "json"],
        ["export", "-o", "{out}/graph.graphml"],
        ["build", "-o", "{out}/site"],
    ],
    ids=lambda command: command[0] + " " + command[-1].rsplit("/", 1)[-1],
)
def test_hostile__every_command_ends_cleanly_and_modifies_nothing(
    corpus: Path, tmp_path: Path, command: list[str]
) -> None:
    before = snapshot(corpus)
    args = [part.replace("{out}", str(tmp_path)) for part in command]
    result = run_cli(args[0], str(corpus), *args[1:], cwd=tmp_path)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1), result.stderr
    assert snapshot(corpus) == before


def test_hostile__vault_api_never_raises(corpus: Path) -> None:
    vault = load_vault(corpus, settings=Settings(no_cache=True))
    assert "good.md" in vault.note_by_path
    assert not vault.note_by_path["utf16.md"].parsed
    assert vault.note_by_path["invalid-utf8.md"].parsed  # read with replacement characters


def test_hostile__files_changing_during_the_run(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    for index in range(40):
        (vault / f"n{index}.md").write_text(f"[[n{index + 1}]] #tag\n", encoding="utf-8")
    stop = threading.Event()

    def churn() -> None:
        index = 0
        while not stop.is_set():
            target = vault / f"n{index % 40}.md"
            target.unlink(missing_ok=True)
            target.write_text("[[n0]]\n", encoding="utf-8")
            if index % 7 == 0:
                shutil.rmtree(vault / "sub", ignore_errors=True)
                (vault / "sub").mkdir(exist_ok=True)
                (vault / "sub" / "x.md").write_text("[[n1]]\n", encoding="utf-8")
            index += 1

    worker = threading.Thread(target=churn)
    worker.start()
    try:
        for _ in range(15):
            loaded = load_vault(vault, settings=Settings(no_cache=True))
            codes = {p.code for note in loaded.notes for p in note.problems}
            assert codes <= {"unreadable-file"}
    finally:
        stop.set()
        worker.join()


def test_hostile__build_refuses_output_that_holds_the_vault(tmp_path: Path) -> None:
    vault = tmp_path / "kb"
    vault.mkdir()
    (vault / "n.md").write_text("[[x]]\n", encoding="utf-8")
    before = snapshot(tmp_path)
    for output in (vault, tmp_path, vault / "site"):
        result = run_cli("build", str(vault), "-o", str(output), cwd=tmp_path)
        assert result.returncode == 2, (output, result.stderr)
        assert result.stderr.startswith("wikigraph: error: ")
        assert "Traceback" not in result.stderr
    assert snapshot(tmp_path) == before


def test_hostile__build_keeps_files_it_did_not_create(tmp_path: Path) -> None:
    vault = tmp_path / "kb"
    vault.mkdir()
    (vault / "n.md").write_text("[[x]]\n", encoding="utf-8")
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("mine", encoding="utf-8")
    (site / "notes.txt").write_text("also mine", encoding="utf-8")
    result = run_cli("build", str(vault), "-o", str(site), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (site / "index.html").read_text(encoding="utf-8") == "mine"
    assert (site / "notes.txt").read_text(encoding="utf-8") == "also mine"
    assert (site / "graph.html").stat().st_size > 0
    leftovers = [
        p.name for p in site.iterdir() if p.name not in {"index.html", "notes.txt", "graph.html"}
    ]
    assert leftovers == []


def test_hostile__two_builds_at_once(tmp_path: Path) -> None:
    vault = tmp_path / "kb"
    vault.mkdir()
    for index in range(200):
        (vault / f"n{index}.md").write_text(
            f"# N{index}\n\n[[n{(index * 7) % 200}]]\n", encoding="utf-8"
        )
    site = tmp_path / "site"
    cache = tmp_path / "cache"
    env = {**os.environ, "WIKIGRAPH_CACHE_DIR": str(cache), "NO_COLOR": "1"}
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "wikigraph", command, str(vault), "-o", str(site / name)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for command, name in [
            ("build", "."),
            ("build", "."),
            ("check", "check.txt"),
            ("check", "check2.txt"),
        ]
    ]
    results = [(run.wait(timeout=HANG_GUARD), run.communicate()) for run in runs]
    for code, (_, err) in results:
        assert code in (0, 1), err
        assert "Traceback" not in err
    html = (site / "graph.html").read_text(encoding="utf-8")
    assert html.rstrip().endswith("</html>")
    again = run_cli("check", str(vault), "--format", "json", cwd=tmp_path)
    assert "Traceback" not in again.stderr
    assert json.loads(again.stdout)["version"] == 1


def test_hostile__interrupted_builds_never_leave_half_a_page(tmp_path: Path) -> None:
    vault = tmp_path / "kb"
    vault.mkdir()
    for index in range(600):
        links = f"[[n{(index * 13) % 600}]] [[n{(index * 7) % 600}#Note {index}]]"
        text = f"# Note {index}\n\n{links} #t{index % 9}\n"
        (vault / f"n{index}.md").write_text(text, encoding="utf-8")
    site = tmp_path / "site"
    page = site / "graph.html"
    env = {**os.environ, "WIKIGRAPH_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1"}
    command = [sys.executable, "-m", "wikigraph", "build", str(vault), "-o", str(site), "-q"]
    assert subprocess.run(command, env=env, capture_output=True, check=False).returncode == 0
    complete = page.read_bytes()
    for attempt in range(8):
        run = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time_to_kill = 0.1 + 0.15 * attempt
        try:
            run.wait(timeout=time_to_kill)
        except subprocess.TimeoutExpired:
            run.kill()
            run.wait()
        text = page.read_bytes()
        assert text.rstrip().endswith(b"</html>")
        assert len(text) > len(complete) // 2
        leftovers = [p.name for p in site.iterdir() if p.name != "graph.html"]
        assert all(name.startswith(".graph.html.") for name in leftovers)
    result = subprocess.run(command, env=env, capture_output=True, check=False)
    assert result.returncode == 0
    assert page.read_bytes() == complete  # same vault, same page, byte for byte


def test_hostile__results_do_not_depend_on_file_creation_order(tmp_path: Path) -> None:
    import random

    files = {
        f"{folder}/{name}.md": f"# {name}\n\n[[{target}]] [[{folder}/{name}#{name}]]\n"
        for folder in ("a", "b", "c/d")
        for name, target in (("Same", "Other"), ("Other", "Same"), ("x", "missing"))
    }
    reports = []
    for seed in (1, 2, 3):
        order = list(files)
        random.Random(seed).shuffle(order)
        vault = tmp_path / f"v{seed}" / "kb"
        for name in order:
            path = vault / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(files[name], encoding="utf-8")
        outputs = [
            run_cli(*args, cwd=vault.parent).stdout
            for args in (["check", "kb", "--format", "json"], ["links", "kb", "--format", "json"])
        ]
        reports.append(outputs)
    assert reports[0] == reports[1] == reports[2]
    assert "ambiguous-link" in reports[0][0]


def test_hostile__folders_nested_deeper_than_the_call_stack(tmp_path: Path) -> None:
    """A vault whose folders nest deeper than Python's recursion limit is walked whole."""
    vault = tmp_path / "vault"
    vault.mkdir()
    chain = [vault]
    try:
        for _ in range(sys.getrecursionlimit() + 100):  # Path.mkdir(parents=True) would recurse
            chain.append(chain[-1] / "d")
            chain[-1].mkdir()
        _check_deep_vault(tmp_path, vault, chain[-1])
    finally:  # removed here, bottom up: pytest's own clean-up recurses, and would fail
        (chain[-1] / "bottom.md").unlink(missing_ok=True)
        for folder in reversed(chain[1:]):
            folder.rmdir()


def _check_deep_vault(tmp_path: Path, vault: Path, folder: Path) -> None:
    (folder / "bottom.md").write_text("Up to [[top]], and [[nowhere]].\n", encoding="utf-8")
    (vault / "top.md").write_text("Down to [[bottom]].\n", encoding="utf-8")
    bottom = (folder / "bottom.md").relative_to(vault).as_posix()

    result = run_cli("check", str(vault), "--format", "json", cwd=tmp_path)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stderr
    found = [(d["path"], d["code"]) for d in json.loads(result.stdout)["diagnostics"]]
    assert found == [(bottom, "broken-link")]
    for command in (["build", "-o", "site"], ["export", "-o", "graph.json"]):
        result = run_cli(command[0], str(vault), *command[1:], cwd=tmp_path)
        assert "Traceback" not in result.stderr, result.stderr
        assert result.returncode == 0, result.stderr
    edges = json.loads((tmp_path / "graph.json").read_text(encoding="utf-8"))["edges"]
    assert {"top.md", bottom} <= {edge["source"] for edge in edges}
