"""Format a :class:`~wikigraph.checks.CheckResult` for people and for CI systems.

Takes the result and :class:`ReportOptions`; returns the report as a string in one of
:data:`FORMATS`: ``text`` (``path:line:col: severity: message [code]``), ``json`` (schema
version 1, documented in docs/checks.md), ``github`` (workflow commands that become pull
request annotations), ``sarif`` (SARIF 2.1.0 for code scanning) and ``junit`` (XML for GitLab
and Jenkins). :func:`summary_line` gives the one-line summary printed on stderr.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import quote

from wikigraph import __version__
from wikigraph.checks import CHECKS, CheckResult, Diagnostic, Severity
from wikigraph.listing import escape_control

FORMATS = ("text", "json", "github", "sarif", "junit")
"""Every value of ``--format``."""
JSON_VERSION = 1
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://github.com/wikigraph/wikigraph"
HELP_URI = INFORMATION_URI + "/blob/main/docs/checks.md#"
SARIF_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
GITHUB_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
_COLORS = {
    Severity.ERROR: "\x1b[1;31m",
    Severity.WARNING: "\x1b[1;33m",
    Severity.INFO: "\x1b[1;36m",
}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """What a formatter needs besides the result."""

    vault: str = ""
    """The vault folder as the user gave it (POSIX); prefixed to paths in text output."""
    base: str = ""
    """The vault folder relative to the repository root (the current folder), POSIX; prefixed
    to paths in github, sarif and junit output, so that annotations land on the right file."""
    fail_level: Severity = Severity.ERROR
    """Diagnostics at or above it are failures in junit output."""
    color: bool = False
    """Colour the text output with ANSI escapes."""


def _join(prefix: str, path: str) -> str:
    prefix = prefix.rstrip("/")
    return path if prefix in ("", ".") else f"{prefix}/{path}"


def plural(count: int, word: str) -> str:
    """``count`` and ``word``, in the plural unless the count is one."""
    if word == "info":
        return f"{count} info"
    return f"{count} {word}" + ("" if count == 1 else "s")


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def summary_line(result: CheckResult) -> str:
    """One sentence for stderr, e.g. "Found 3 errors and 1 warning in 2 of 41 notes."."""
    notes = plural(result.notes, "note")
    hidden = []
    if result.baselined:
        hidden.append(f"{result.baselined} more in the baseline")
    if result.suppressed:
        hidden.append(f"{result.suppressed} suppressed")
    extra = f" ({_and(hidden)})" if hidden else ""
    if not result.diagnostics:
        new = "new " if result.baselined else ""
        return f"No {new}problems found in {notes}{extra.replace(' more', '')}."
    counts = [
        plural(result.count(severity), severity.value)
        for severity in Severity
        if result.count(severity)
    ]
    paths = result.paths
    if result.note_paths:
        checked = set(result.note_paths)
        other = len([p for p in paths if p not in checked])
    else:  # a result made without its notes' paths: tell notes by their extension
        other = len([p for p in paths if not p.lower().endswith(".md")])
    where = f"{len(paths) - other} of {notes}"
    if other:
        where += f" and {plural(other, 'other file')}"
    return f"Found {_and(counts)} in {where}{extra}."


# --- text ---------------------------------------------------------------------------------


def text_line(diagnostic: Diagnostic, options: ReportOptions) -> str:
    """One diagnostic as ``path:line:col: severity: message (hint) [code]``."""
    where = f"{_join(options.vault, diagnostic.path)}:{diagnostic.line}:{diagnostic.column}"
    where = escape_control(where)
    text = escape_control(diagnostic.text)
    severity = diagnostic.severity.value
    if options.color:
        color = _COLORS[diagnostic.severity]
        return (
            f"{_BOLD}{where}{_RESET}: {color}{severity}{_RESET}: {text}"
            f" {_DIM}[{diagnostic.code}]{_RESET}"
        )
    return f"{where}: {severity}: {text} [{diagnostic.code}]"


def format_text(result: CheckResult, options: ReportOptions) -> str:
    """One line per diagnostic, clickable in terminals and editors."""
    return "".join(text_line(d, options) + "\n" for d in result.diagnostics)


# --- json ---------------------------------------------------------------------------------


def diagnostic_record(diagnostic: Diagnostic) -> dict[str, object]:
    """One diagnostic as the JSON object documented in docs/checks.md."""
    return {
        "path": diagnostic.path,
        "line": diagnostic.line,
        "column": diagnostic.column,
        "end_line": diagnostic.end_line,
        "end_column": diagnostic.end_column,
        "severity": diagnostic.severity.value,
        "code": diagnostic.code,
        "message": diagnostic.message,
        "hint": diagnostic.hint,
        "suggestion": diagnostic.suggestion,
        "fingerprint": diagnostic.fingerprint,
    }


def format_json(result: CheckResult, options: ReportOptions) -> str:
    """The report as a JSON document (schema version 1)."""
    document = {
        "version": JSON_VERSION,
        "vault": options.vault or ".",
        "diagnostics": [diagnostic_record(d) for d in result.diagnostics],
        "summary": {
            "notes": result.notes,
            "files_with_problems": len(result.paths),
            "errors": result.count(Severity.ERROR),
            "warnings": result.count(Severity.WARNING),
            "info": result.count(Severity.INFO),
            "baselined": result.baselined,
            "suppressed": result.suppressed,
            "fail_level": options.fail_level.value,
            "failed": result.failed(options.fail_level),
        },
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


# --- github -------------------------------------------------------------------------------


def _github_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(text: str) -> str:
    return _github_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(result: CheckResult, options: ReportOptions) -> str:
    """GitHub Actions workflow commands: one ``::error file=...::message`` per diagnostic.

    Columns are 1-based code points; ``endColumn`` is the column of the last character.
    """
    lines = []
    for d in result.diagnostics:
        properties = [
            ("file", _join(options.base, d.path)),
            ("line", str(d.line)),
            ("endLine", str(d.end_line)),
        ]
        if d.end_line == d.line:
            properties.insert(2, ("col", str(d.column)))
            properties.append(("endColumn", str(max(d.end_column - 1, d.column))))
        properties.append(("title", f"wikigraph {d.code}"))
        joined = ",".join(f"{key}={_github_property(value)}" for key, value in properties)
        lines.append(f"::{GITHUB_COMMANDS[d.severity]} {joined}::{_github_data(d.text)}")
    return "".join(line + "\n" for line in lines)


# --- sarif --------------------------------------------------------------------------------


def _sarif_rule(code: str, severity: Severity) -> dict[str, object]:
    check = CHECKS[code]
    bad, good = textwrap.indent(check.bad, "    "), textwrap.indent(check.good, "    ")
    help_text = f"{check.explanation}\n\nBad:\n{bad}\n\nGood:\n{good}"
    help_markdown = (
        f"{check.explanation}\n\nBad:\n\n```markdown\n{check.bad}\n```\n\n"
        f"Good:\n\n```markdown\n{check.good}\n```"
    )
    return {
        "id": code,
        "name": "".join(part.capitalize() for part in code.split("-")),
        "shortDescription": {"text": check.summary},
        "fullDescription": {"text": check.explanation},
        "help": {"text": help_text, "markdown": help_markdown},
        "helpUri": HELP_URI + code,
        "defaultConfiguration": {"level": SARIF_LEVELS[severity]},
        "properties": {"tags": ["links" if "link" in code else "files"]},
    }


def format_sarif(result: CheckResult, options: ReportOptions) -> str:
    """A SARIF 2.1.0 log with one run; columns count Unicode code points."""
    codes = list(result.checks) or list(CHECKS)
    for d in result.diagnostics:
        if d.code not in codes:
            codes.append(d.code)
    index = {code: i for i, code in enumerate(codes)}
    rules = [_sarif_rule(code, result.checks.get(code, CHECKS[code].severity)) for code in codes]
    results = []
    for d in result.diagnostics:
        region: dict[str, int] = {"startLine": d.line, "startColumn": d.column}
        if (d.end_line, d.end_column) != (d.line, d.column):
            region["endLine"] = d.end_line
            region["endColumn"] = d.end_column
        entry: dict[str, object] = {
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": SARIF_LEVELS[d.severity],
            "message": {"text": d.text},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {
                            "uri": quote(_join(options.base, d.path), safe="/"),
                            "uriBaseId": "%SRCROOT%",
                        },
                        "region": region,
                    }
                }
            ],
            "partialFingerprints": {"wikigraph/v1": d.fingerprint},
        }
        if d.suggestion is not None:
            entry["fixes"] = [
                {
                    "description": {"text": d.hint or "replace the link"},
                    "artifactChanges": [
                        {
                            "artifactLocation": {
                                "uri": quote(_join(options.base, d.path), safe="/"),
                                "uriBaseId": "%SRCROOT%",
                            },
                            "replacements": [
                                {
                                    "deletedRegion": {
                                        "startLine": d.line,
                                        "startColumn": d.column,
                                        "endLine": d.end_line,
                                        "endColumn": d.end_column,
                                    },
                                    "insertedContent": {"text": d.suggestion},
                                }
                            ],
                        }
                    ],
                }
            ]
        results.append(entry)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "wikigraph",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, ensure_ascii=False, indent=2) + "\n"


# --- junit --------------------------------------------------------------------------------


def format_junit(result: CheckResult, options: ReportOptions) -> str:
    """JUnit XML: one test case per checked note (and per other file with findings).

    Diagnostics at or above the fail level make the case fail; the others are listed in
    its ``system-out``.
    """
    import xml.etree.ElementTree as ET  # here: every other format does without it

    by_path: dict[str, list[Diagnostic]] = {}
    for d in result.diagnostics:
        by_path.setdefault(d.path, []).append(d)
    paths = sorted({*result.note_paths, *by_path})
    rank = options.fail_level.rank
    failures = sum(
        1 for path in paths if any(d.severity.rank >= rank for d in by_path.get(path, ()))
    )
    suites = ET.Element(
        "testsuites",
        {"name": "wikigraph check", "tests": str(len(paths)), "failures": str(failures)},
    )
    suite = ET.SubElement(
        suites,
        "testsuite",
        {
            "name": "wikigraph check",
            "tests": str(len(paths)),
            "failures": str(failures),
            "errors": "0",
            "skipped": "0",
        },
    )
    plain = ReportOptions(vault=options.base)
    for path in paths:
        shown = escape_control(_join(options.base, path))
        case = ET.SubElement(
            suite,
            "testcase",
            {
                "classname": "wikigraph",
                "name": shown,
                "file": shown,
            },
        )
        found = by_path.get(path, [])
        failing = [d for d in found if d.severity.rank >= rank]
        passing = [d for d in found if d.severity.rank < rank]
        if failing:
            first = failing[0]
            failure = ET.SubElement(
                case,
                "failure",
                {
                    "type": first.code,
                    "message": escape_control(
                        f"{plural(len(failing), 'problem')}: {first.text} [{first.code}]"
                        if len(failing) > 1
                        else f"{first.text} [{first.code}]"
                    ),
                },
            )
            failure.text = "".join(text_line(d, plain) + "\n" for d in failing)
        if passing:
            output = ET.SubElement(case, "system-out")
            output.text = "".join(text_line(d, plain) + "\n" for d in passing)
    ET.indent(suites)
    body = ET.tostring(suites, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


FORMATTERS: Mapping[str, Callable[[CheckResult, ReportOptions], str]] = {
    "text": format_text,
    "json": format_json,
    "github": format_github,
    "sarif": format_sarif,
    "junit": format_junit,
}
"""The formatter of each ``--format``."""


def format_report(result: CheckResult, format: str, options: ReportOptions) -> str:
    """The report in ``format``, one of :data:`FORMATS`."""
    return FORMATTERS[format](result, options)
