"""`wikigraph check` on the command line: exit codes, options, configuration, baseline, colour."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import REPO
from wikigraph.checks import CHECKS
from wikigraph.cli import help_width, main


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["check", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small vault in an empty working folder (so no configuration applies)."""
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "vault"
    root.mkdir()
    (root / "Home.md").write_text("# Home\n\n[[Plna]] and [[Ideas]]\n", encoding="utf-8")
    (root / "Plan.md").write_text("Back to [[Home]].\n", encoding="utf-8")
    (root / "Ideas.md").write_text("[[Home]] [[]]\n", encoding="utf-8")
    return root


def test_check_cli__findings_exit_1(vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["vault"], capsys)
    assert code == 1
    assert out == (
        'vault/Home.md:3:1: error: no note named "Plna" (did you mean [[Plan]]?) [broken-link]\n'
        'vault/Ideas.md:1:10: warning: empty link "[[]]" [empty-link]\n'
    )
    assert err == "Found 1 error and 1 warning in 2 of 3 notes.\n"


def test_check_cli__clean_vault_exit_0(vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (vault / "Home.md").write_text("[[Plan]] [[Ideas]]\n", encoding="utf-8")
    code, out, err = run(["vault", "--ignore", "empty-link"], capsys)
    assert (code, out, err) == (0, "", "No problems found in 3 notes.\n")


def test_check_cli__fail_level(vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (vault / "Home.md").write_text("[[Plan]]\n", encoding="utf-8")
    assert run(["vault"], capsys)[0] == 0  # only a warning
    assert run(["vault", "--fail-level", "warning"], capsys)[0] == 1
    assert run(["vault", "--fail-level", "info", "--ignore", "empty-link"], capsys)[0] == 0
    code, out, _ = run(["vault", "--fail-level", "info", "--select", "orphan-note"], capsys)
    assert (code, out) == (0, "")  # every note is linked
    (vault / "Lonely.md").write_text("alone\n", encoding="utf-8")
    code, out, _ = run(["vault", "--fail-level", "info", "--select", "orphan-note"], capsys)
    assert code == 1
    assert out == "vault/Lonely.md:1:1: info: no links to or from other notes [orphan-note]\n"


def test_check_cli__select_and_ignore(vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(["vault", "--select", "empty-link"], capsys)
    assert [line.rsplit(" ", 1)[1] for line in out.splitlines()] == ["[empty-link]"]
    _, out, _ = run(["vault", "--select", "empty-link,broken-link"], capsys)
    assert len(out.splitlines()) == 2
    _, out, _ = run(["vault", "--select", "empty-link", "--select", "broken-link"], capsys)
    assert len(out.splitlines()) == 2
    code, out, _ = run(["vault", "--ignore", "broken-link", "--ignore", "empty-link"], capsys)
    assert (code, out) == (0, "")
    _, out, _ = run(["vault", "--select", "all"], capsys)
    assert "[empty-link]" in out and "[broken-link]" in out


@pytest.mark.parametrize(
    ("option", "value", "close"),
    [("--select", "broken-links", "broken-link"), ("--ignore", "ambigous-link", "ambiguous-link")],
)
def test_check_cli__unknown_check_is_exit_2(
    vault: Path, capsys: pytest.CaptureFixture[str], option: str, value: str, close: str
) -> None:
    code, out, err = run(["vault", option, value], capsys)
    assert (code, out) == (2, "")
    assert err == (
        f'wikigraph: error: unknown check "{value}" in {option} (did you mean "{close}"?)'
        " (wikigraph check --list-checks shows every check)\n"
    )


def test_check_cli__usage_errors_are_exit_2(
    vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["missing-folder"], capsys)
    assert code == 2 and 'vault "missing-folder" does not exist' in err
    code, _, err = run(["vault", "--baseline", "nope.json"], capsys)
    assert code == 2
    assert err == (
        'wikigraph: error: baseline "nope.json" does not exist (create it with --update-baseline)\n'
    )
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "vault", "--format", "xml"])
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "vault", "--fail-level", "fatal"])
    assert exit_info.value.code == 2


def test_check_cli__output_file(vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["vault", "--format", "json", "--output", "reports/check.json"], capsys)
    assert (code, out) == (1, "")
    assert err == "Found 1 error and 1 warning in 2 of 3 notes.\n"
    document = json.loads(Path("reports/check.json").read_text(encoding="utf-8"))
    assert [d["code"] for d in document["diagnostics"]] == ["broken-link", "empty-link"]
    assert document["summary"]["failed"] is True
    code, _, err = run(["vault", "-o", "vault/Home.md/x.txt"], capsys)
    assert code == 2 and err.startswith('wikigraph: error: cannot write "vault/Home.md/x.txt"')


def test_check_cli__output_to_a_pipe_or_symlink(
    vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``-o`` writes through a named pipe (like ``/dev/null`` or ``/dev/stdout``) and a
    symlink's target; neither is replaced by a regular file."""
    os.mkfifo("pipe")
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(Path("pipe").read_text()), daemon=True)
    reader.start()
    code, out, _ = run(["vault", "-o", "pipe"], capsys)
    reader.join(timeout=10)
    assert (code, out) == (1, "")
    assert received and received[0].startswith("vault/Home.md:3:1: error: no note named")
    assert Path("pipe").is_fifo()
    Path("link.txt").symlink_to("report.txt")
    code, _, _ = run(["vault", "-o", "link.txt"], capsys)
    assert Path("link.txt").is_symlink() and Path("report.txt").read_text() == received[0]


def test_check_cli__quiet(vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["vault", "-q"], capsys)
    assert code == 1 and out and err == ""


def test_check_cli__list_checks(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["--list-checks"], capsys)
    assert (code, err) == (0, "")
    headers = [line for line in out.splitlines() if line and not line.startswith(" ")]
    assert [h.split(" ")[0] for h in headers] == list(CHECKS)
    assert "broken-link (error)" in headers
    assert "orphan-note (info, off by default)" in headers
    assert out.count("    Bad:  ") == out.count("    Good: ") == len(CHECKS)


def test_check_cli__help_documents_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "exit codes:" in out
    assert "0  nothing at or above --fail-level" in out
    assert "2  usage or configuration error" in out
    for fmt in ("text", "json", "github", "sarif", "junit"):
        assert fmt in out


def test_check_cli__help_is_wrapped_to_the_width_in_columns(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    usage_lines = {}
    for columns in (50, 120):
        monkeypatch.setenv("COLUMNS", str(columns))
        assert help_width() == columns - 2
        with pytest.raises(SystemExit):
            main(["check", "--help"])
        usage = capsys.readouterr().out.split("\n\n")[0].splitlines()
        # argparse breaks the usage between options only (the --format choices are longer)
        assert max(len(line) for line in usage) <= max(columns - 2, 64)
        usage_lines[columns] = len(usage)
    assert usage_lines[50] > usage_lines[120] > 1


def test_help_width__without_columns_or_terminal_is_78(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setattr(sys, "__stdout__", None)
    assert help_width() == 78
    monkeypatch.setenv("COLUMNS", "wide")
    assert help_width() == 78


def test_check_cli__baseline_workflow(vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["vault", "--baseline", "base.json", "--update-baseline"], capsys)
    assert (code, out) == (0, "")
    assert err == "Wrote 2 findings to the baseline base.json.\n"
    document = json.loads(Path("base.json").read_text(encoding="utf-8"))
    assert [(f["path"], f["code"]) for f in document["findings"]] == [
        ("Home.md", "broken-link"),
        ("Ideas.md", "empty-link"),
    ]
    code, out, err = run(["vault", "--baseline", "base.json"], capsys)
    assert (code, out) == (0, "")
    assert err == "No new problems found in 3 notes (2 in the baseline).\n"

    (vault / "Plan.md").write_text("A new line.\n\nBack to [[Home]], [[Missing]].\n")
    code, out, err = run(["vault", "--baseline", "base.json"], capsys)
    assert code == 1
    assert out == 'vault/Plan.md:3:19: error: no note named "Missing" [broken-link]\n'
    assert err == "Found 1 error in 1 of 3 notes (2 more in the baseline).\n"
    # Updating again never reads the old baseline.
    assert run(["vault", "--baseline", "base.json", "--update-baseline"], capsys)[0] == 0
    assert len(json.loads(Path("base.json").read_text(encoding="utf-8"))["findings"]) == 3


def test_check_cli__update_baseline_default_file(
    vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["vault", "--update-baseline", "-q"], capsys) == (0, "", "")
    assert json.loads(Path("wikigraph-baseline.json").read_text(encoding="utf-8"))["version"] == 1


def test_check_cli__configuration(vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Path("pyproject.toml").write_text(
        "[tool.wikigraph]\n"
        'vault = "vault"\n'
        'fail-level = "warning"\n'
        'ignore = ["broken-link"]\n'
        "[tool.wikigraph.severity]\n"
        'empty-link = "error"\n'
        'orphan-note = "warning"\n',
        encoding="utf-8",
    )
    (vault / "Lonely.md").write_text("alone\n", encoding="utf-8")
    code, out, _ = run([], capsys)
    assert code == 1
    assert out == (
        'vault/Ideas.md:1:10: error: empty link "[[]]" [empty-link]\n'
        "vault/Lonely.md:1:1: warning: no links to or from other notes [orphan-note]\n"
    )
    # The command line wins over the file; --ignore adds to it.
    code, out, _ = run(["--fail-level", "error", "--ignore", "empty-link"], capsys)
    assert code == 0 and out.endswith("[orphan-note]\n")
    code, out, _ = run(["--select", "broken-link"], capsys)
    assert (code, out) == (0, "")  # still ignored by the file


def test_check_cli__unknown_check_in_config(
    vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Path("wikigraph.toml").write_text('select = ["broken-link", "orphans"]\n', encoding="utf-8")
    code, out, err = run(["vault"], capsys)
    assert (code, out) == (2, "")
    assert 'unknown check "orphans" in select of ' in err
    assert "wikigraph.toml" in err


def test_check_cli__alias_links_config(vault: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (vault / "Plan.md").write_text("---\naliases: [Plna]\n---\n[[Home]]\n", encoding="utf-8")
    code, out, _ = run(["vault", "--ignore", "empty-link"], capsys)
    assert code == 1 and "[alias-link]" in out and "did you mean [[Plan|Plna]]?" in out
    Path("wikigraph.toml").write_text("alias-links = true\n", encoding="utf-8")
    assert run(["vault", "--ignore", "empty-link"], capsys)[:2] == (0, "")


def test_check_cli__paths_as_the_user_gave_them(
    vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run(["./vault", "--select", "empty-link"], capsys)
    assert out.startswith("vault/Ideas.md:1:10: ")
    _, out, _ = run([str(vault), "--select", "empty-link"], capsys)
    assert out.startswith(f"{vault.as_posix()}/Ideas.md:1:10: ")
    os.chdir(vault)
    _, out, _ = run([".", "--select", "empty-link"], capsys)
    assert out.startswith("Ideas.md:1:10: ")
    _, out, _ = run([".", "--select", "empty-link", "--format", "github"], capsys)
    assert out.startswith("::warning file=Ideas.md,line=1,col=10,")


def test_check_cli__github_paths_are_relative_to_the_current_folder(
    vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run([str(vault), "--select", "empty-link", "--format", "github"], capsys)
    assert out == (
        "::warning file=vault/Ideas.md,line=1,col=10,endLine=1,endColumn=13,"
        'title=wikigraph empty-link::empty link "[[]]"\n'
    )


def test_check_cli__the_repository_notes_have_no_errors(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(REPO)
    code, _, err = run(["notes", "-q", "--format", "json"], capsys)
    assert (code, err) == (0, "")


def _run_on_a_terminal(args: list[str], env: dict[str, str], cwd: Path) -> str:
    """Run the command with its stdout on a real pseudo-terminal; return what it printed."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "wikigraph", "check", *args],
        stdout=terminal,
        stderr=subprocess.DEVNULL,
        cwd=cwd,
        env=env,
    )
    os.close(terminal)
    chunks = []
    while True:
        ready, _, _ = select.select([controller], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the other side closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(controller)
    return b"".join(chunks).decode("utf-8")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_check_cli__colour_only_on_a_terminal_and_never_with_no_color(
    vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    env["TERM"] = "xterm"
    coloured = _run_on_a_terminal(["vault"], env, vault.parent)
    assert "\x1b[1;31merror\x1b[0m" in coloured
    assert "\x1b[1mvault/Home.md:3:1\x1b[0m" in coloured
    plain = _run_on_a_terminal(["vault"], {**env, "NO_COLOR": "1"}, vault.parent)
    assert "\x1b[" not in plain
    assert "vault/Home.md:3:1: error: " in plain
    # Not a terminal: no colour either.
    _, out, _ = run(["vault"], capsys)
    assert "\x1b[" not in out
