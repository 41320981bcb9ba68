"""Report formats: golden files, the SARIF and JSON schemas, escaping, the summary line."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from conftest import FIXTURES, REPO, VAULTS
from wikigraph import __version__
from wikigraph.checks import CheckResult, Diagnostic, Severity, run_checks
from wikigraph.cli import main
from wikigraph.config import Settings
from wikigraph.report import FORMATS, ReportOptions, format_report, summary_line, text_line
from wikigraph.vault import load_vault

SARIF_SCHEMA = FIXTURES / "check-schemas" / "sarif-schema-2.1.0.json"
GOLDEN_NAMES = {
    "text": "check-all.check.txt",
    "json": "check-all.check.json",
    "github": "check-all.check.github.txt",
    "sarif": "check-all.check.sarif.json",
    "junit": "check-all.check.junit.xml",
}


def report(fmt: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> str:
    monkeypatch.chdir(VAULTS)
    code = main(["check", "check-all", "--select", "all", "--format", fmt])
    out, err = capsys.readouterr()
    assert code == 1
    assert err == (
        "Found 19 errors, 6 warnings and 5 info in 8 of 12 notes and 3 other files"
        " (4 suppressed).\n"
    )
    return out


def diagnostic(**changes: object) -> Diagnostic:
    values: dict[str, object] = {
        "path": "a.md",
        "line": 1,
        "column": 1,
        "end_line": 1,
        "end_column": 6,
        "severity": Severity.ERROR,
        "code": "broken-link",
        "message": 'no note named "x"',
        "fingerprint": "0" * 20,
    }
    values.update(changes)
    return Diagnostic(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", FORMATS)
def test_report__golden(
    fmt: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    golden: object,
) -> None:
    out = report(fmt, monkeypatch, capsys)
    out = out.replace(f'"version": "{__version__}"', '"version": "VERSION"')
    golden(GOLDEN_NAMES[fmt], out)  # type: ignore[operator]


def test_report__golden_files_cover_every_format() -> None:
    assert set(GOLDEN_NAMES) == set(FORMATS) == {"text", "json", "github", "sarif", "junit"}


def test_report__sarif_validates_against_the_official_schema(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    log = json.loads(report("sarif", monkeypatch, capsys))
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(log, schema)
    run = log["runs"][0]
    assert log["version"] == "2.1.0"
    assert run["columnKind"] == "unicodeCodePoints"
    driver = run["tool"]["driver"]
    assert driver["name"] == "wikigraph" and driver["version"] == __version__
    rules = {rule["id"]: rule for rule in driver["rules"]}
    assert "broken-link" in rules and "orphan-note" in rules
    assert "Bad:" in rules["broken-link"]["help"]["text"]
    assert rules["ambiguous-link"]["defaultConfiguration"]["level"] == "warning"
    results = run["results"]
    assert len(results) == 30
    for result in results:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"].startswith("check-all/")
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    levels = {r["level"] for r in results}
    assert levels == {"error", "warning", "note"}
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert "check-all/Q%23A.md" in uris  # percent-encoded
    assert "check-all/Partly%20silenced.md" in uris


def _documented_schema() -> dict[str, object]:
    text = (REPO / "docs" / "checks.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- check-report-schema -->\n```json\n(.*?)\n```", text, re.S)
    assert match, "docs/checks.md lost its JSON schema"
    schema: dict[str, object] = json.loads(match.group(1))
    return schema


def test_report__json_matches_the_documented_schema(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads(report("json", monkeypatch, capsys))
    schema = _documented_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)
    assert list(document) == ["version", "vault", "diagnostics", "summary"]
    assert document["vault"] == "check-all"
    assert document["summary"] == {
        "notes": 12,
        "files_with_problems": 11,
        "errors": 19,
        "warnings": 6,
        "info": 5,
        "baselined": 0,
        "suppressed": 4,
        "fail_level": "error",
        "failed": True,
    }


def test_report__documented_json_example_is_valid() -> None:
    text = (REPO / "docs" / "checks.md").read_text(encoding="utf-8")
    example = re.search(r"One JSON document.*?```json\n(.*?)\n```", text, re.S)
    assert example
    jsonschema.validate(
        json.loads(example.group(1)), _documented_schema(), cls=jsonschema.Draft202012Validator
    )


def test_report__github_escaping() -> None:
    result = CheckResult(
        (
            diagnostic(
                path="dir, with: odd%/a.md",
                message="line one\nline two 100% done, ok: yes\r",
                hint=None,
            ),
            diagnostic(path="b.md", severity=Severity.INFO, end_line=2, end_column=3),
        ),
        2,
    )
    out = format_report(result, "github", ReportOptions(base="vault"))
    first, second = out.splitlines()
    assert first == (
        "::error file=vault/dir%2C with%3A odd%25/a.md,line=1,col=1,endLine=1,endColumn=5,"
        "title=wikigraph broken-link::line one%0Aline two 100%25 done, ok: yes%0D"
    )
    # A span over several lines has no columns; info becomes a notice.
    assert second == "::notice file=vault/b.md,line=1,endLine=2,title=wikigraph broken-link::" + (
        'no note named "x"'
    )


def test_report__text_paths_colour_and_control_characters() -> None:
    plain = ReportOptions(vault="my vault")
    d = diagnostic(path="new\nline.md", message='no note named "a\tb"', hint="did you mean [[ab]]?")
    assert text_line(d, plain) == (
        'my vault/new\\nline.md:1:1: error: no note named "a\\tb" (did you mean [[ab]]?)'
        " [broken-link]"
    )
    assert text_line(d, ReportOptions()).startswith("new\\nline.md:1:1: ")
    assert text_line(d, ReportOptions(vault=".")).startswith("new\\nline.md:1:1: ")
    coloured = text_line(diagnostic(), ReportOptions(color=True))
    assert "\x1b[1;31merror\x1b[0m" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == text_line(diagnostic(), ReportOptions())


@pytest.mark.parametrize(
    ("diagnostics", "notes", "baselined", "suppressed", "expected"),
    [
        ((), 41, 0, 0, "No problems found in 41 notes."),
        ((), 1, 0, 0, "No problems found in 1 note."),
        ((), 41, 3, 2, "No new problems found in 41 notes (3 in the baseline and 2 suppressed)."),
        (
            (diagnostic(), diagnostic(line=2), diagnostic(path="b.md", severity=Severity.WARNING)),
            41,
            0,
            0,
            "Found 2 errors and 1 warning in 2 of 41 notes.",
        ),
        (
            (diagnostic(severity=Severity.INFO), diagnostic(path="x.png")),
            2,
            5,
            0,
            "Found 1 error and 1 info in 1 of 2 notes and 1 other file (5 more in the baseline).",
        ),
    ],
)
def test_report__summary_line(
    diagnostics: tuple[Diagnostic, ...],
    notes: int,
    baselined: int,
    suppressed: int,
    expected: str,
) -> None:
    result = CheckResult(diagnostics, notes, baselined=baselined, suppressed=suppressed)
    assert summary_line(result) == expected


def test_report__summary_line_counts_only_checked_notes_as_notes() -> None:
    # A skipped ".md" file (its name is not UTF-8) and an excluded note are not among
    # the checked notes: they count as other files, never as more notes than there are.
    diagnostics = (
        diagnostic(path="a.md"),
        diagnostic(path="bad-name-\\xff.md"),
        diagnostic(path="excluded.md", severity=Severity.WARNING),
    )
    result = CheckResult(diagnostics, 2, note_paths=("a.md", "b.md"))
    assert summary_line(result) == "Found 2 errors and 1 warning in 1 of 2 notes and 2 other files."


def test_report__junit_structure(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = ET.fromstring(report("junit", monkeypatch, capsys))
    assert root.tag == "testsuites"
    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    names = [case.get("name", "") for case in cases]
    assert names == sorted(names)
    assert len(cases) == int(suite.get("tests", "0")) == 15  # 12 notes and 3 other files
    failed = [case.get("name") for case in cases if case.find("failure") is not None]
    assert failed == [
        "check-all/Binary.md",
        "check-all/Broken frontmatter.md",
        "check-all/Home.md",
        "check-all/Partly silenced.md",
        "check-all/Projects/Plan.md",
    ]
    assert suite.get("failures") == "5"
    passing = next(case for case in cases if case.get("name") == "check-all/Genie.md")
    assert list(passing) == []
    lonely = next(case for case in cases if case.get("name") == "check-all/Lonely.md")
    output = lonely.find("system-out")
    assert output is not None and "[orphan-note]" in (output.text or "")


def test_report__junit_failures_follow_the_fail_level(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("[[]]\n", encoding="utf-8")
    vault = load_vault(tmp_path, settings=Settings())
    result = run_checks(vault, Settings())
    as_error = ET.fromstring(format_report(result, "junit", ReportOptions()))
    as_warning = ET.fromstring(
        format_report(result, "junit", ReportOptions(fail_level=Severity.WARNING))
    )
    assert as_error.get("failures") == "0"
    assert as_warning.get("failures") == "1"
