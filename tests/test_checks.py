"""The checks: every code on a fixture vault, suggestions, selection, suppression, baselines."""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import VAULTS
from wikigraph.checks import (
    CHECKS,
    CheckResult,
    Diagnostic,
    KeyOwners,
    Severity,
    TypoIndex,
    _deletions,
    baseline_json,
    edit_distance,
    enabled_checks,
    read_baseline,
    run_checks,
    typo_of,
)
from wikigraph.config import Settings
from wikigraph.errors import ConfigError
from wikigraph.model import LinkStatus
from wikigraph.parse import NoteParser
from wikigraph.resolve import resolve_link
from wikigraph.vault import Vault, load_vault

ALL = Settings(select=("all",))


def check_all_vault() -> Vault:
    return load_vault(VAULTS / "check-all", settings=Settings())


def found(result: CheckResult) -> list[tuple[str, int, int, str]]:
    return [(d.path, d.line, d.column, d.code) for d in result.diagnostics]


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def check(root: Path, settings: Settings = ALL) -> CheckResult:
    return run_checks(load_vault(root, settings=settings), settings)


EXPECTED = [
    (".obsidian/app.json", 1, 1, "invalid-config"),
    ("Archive/Ideas.md", 1, 1, "orphan-note"),
    ("Attachments/diagram.png", 1, 1, "unused-attachment"),
    ("Attachments/unused.pdf", 1, 1, "unused-attachment"),
    ("Binary.md", 1, 1, "unreadable-file"),
    ("Broken frontmatter.md", 2, 12, "invalid-frontmatter"),
    ("Home.md", 3, 5, "unquoted-property-link"),
    ("Home.md", 4, 11, "broken-link"),
    ("Home.md", 8, 7, "broken-link"),
    ("Home.md", 8, 24, "broken-link"),
    ("Home.md", 8, 69, "broken-link"),
    ("Home.md", 9, 13, "broken-link"),
    ("Home.md", 9, 70, "broken-link"),
    ("Home.md", 11, 11, "missing-heading"),
    ("Home.md", 11, 26, "missing-heading"),
    ("Home.md", 11, 47, "missing-block"),
    ("Home.md", 11, 80, "missing-heading"),
    ("Home.md", 13, 12, "ambiguous-link"),
    ("Home.md", 13, 30, "alias-link"),
    ("Home.md", 13, 47, "folder-link"),
    ("Home.md", 13, 69, "empty-link"),
    ("Home.md", 14, 10, "outside-vault"),
    ("Home.md", 14, 50, "broken-link"),
    ("Home.md", 18, 35, "broken-link"),
    ("Lonely.md", 1, 1, "orphan-note"),
    ("Partly silenced.md", 4, 41, "missing-heading"),
    ("Projects/Plan.md", 10, 10, "duplicate-block-id"),
    ("Projects/Plan.md", 12, 22, "broken-link"),
    ("Q#A.md", 1, 1, "orphan-note"),
    ("Q#A.md", 1, 1, "unlinkable-name"),
]


def test_checks__every_check_on_the_fixture_vault() -> None:
    result = run_checks(check_all_vault(), ALL)
    assert found(result) == EXPECTED
    assert result.notes == 12
    assert result.suppressed == 4
    assert (result.count("error"), result.count("warning"), result.count("info")) == (19, 6, 5)
    # Every check of the registry that a committed file can trigger is triggered.
    portable = set(CHECKS) - {"bad-symlink"}
    assert {d.code for d in result.diagnostics} == portable


def test_checks__defaults_leave_out_orphans_and_unused_attachments() -> None:
    vault = check_all_vault()
    result = run_checks(vault, Settings())
    codes = {d.code for d in result.diagnostics}
    assert "orphan-note" not in codes
    assert "unused-attachment" not in codes
    off = {"orphan-note", "unused-attachment"}
    assert found(result) == [e for e in EXPECTED if e[3] not in off]


def test_checks__messages_hints_and_suggestions() -> None:
    result = run_checks(check_all_vault(), ALL)
    by_place = {(d.path, d.line, d.column): d for d in result.diagnostics}

    def at(path: str, line: int, column: int) -> Diagnostic:
        return by_place[(path, line, column)]

    typo = at("Home.md", 8, 7)
    assert typo.message == 'no note named "Plna"'
    assert typo.suggestion == "[[Plan]]"
    assert typo.text == 'no note named "Plna" (did you mean [[Plan]]?)'
    assert at("Home.md", 4, 11).suggestion == "[[Plan]]"  # a property link
    moved = at("Home.md", 8, 24)
    assert moved.message == 'no note at "Archive/Old/Plan"'
    assert moved.suggestion == "[[Projects/Plan|the plan]]"
    assert at("Home.md", 8, 69).suggestion == "![[diagram.png|300]]"
    url = at("Home.md", 9, 13)
    assert url.suggestion == "[the docs](https://example.com/docs)"
    assert url.hint is not None and "Markdown link" in url.hint
    nothing = at("Home.md", 9, 70)
    assert (nothing.hint, nothing.suggestion) == (None, None)
    assert at("Home.md", 11, 11).suggestion == "[[Plan#Goals]]"
    assert at("Home.md", 11, 26).suggestion == "[[Plan#Next steps]]"  # a web-style slug
    assert at("Home.md", 11, 47).suggestion == "[[Plan#^decision]]"
    assert at("Home.md", 11, 80).message == 'this note has no heading "Away"'
    ambiguous = at("Home.md", 13, 12)
    assert ambiguous.message == (
        '"Ideas" matches 2 files: Archive/Ideas.md, Ideas.md; linked to Ideas.md'
    )
    assert ambiguous.suggestion == "[[/Ideas]]"
    alias = at("Home.md", 13, 30)
    assert alias.message == '"GWM" is an alias of "Genie.md"; Obsidian does not resolve aliases'
    assert alias.suggestion == "[[Genie|GWM]]"
    assert at("Home.md", 13, 47).suggestion == "[[Projects/index]]"
    assert at("Home.md", 14, 50).suggestion == "[plan](Projects/Plan.md)"
    assert at("Home.md", 18, 35).suggestion == "[[Genie\\|Genie]]"  # in a table
    unlinkable = at("Projects/Plan.md", 12, 22)
    assert unlinkable.hint == (
        'the file "Q#A.md" cannot be linked because its name holds "#"; rename it'
    )
    duplicate = at("Projects/Plan.md", 10, 10)
    assert duplicate.message == 'block id "^DUP" is already declared on line 9'
    assert (duplicate.end_line, duplicate.end_column) == (10, 14)


def test_checks__every_suggested_link_resolves() -> None:
    vault = check_all_vault()
    result = run_checks(vault, ALL)
    parser = NoteParser()
    suggested = [d for d in result.diagnostics if d.suggestion and "https:" not in d.suggestion]
    assert len(suggested) >= 12
    for diagnostic in suggested:
        assert diagnostic.suggestion is not None
        links = parser.parse_text(diagnostic.path, diagnostic.suggestion).links
        assert len(links) == 1, diagnostic
        resolved = resolve_link(links[0], vault.index)
        assert resolved.status is LinkStatus.RESOLVED, diagnostic
        assert resolved.subpath_resolves is not False, diagnostic
        assert resolved.candidates == (), diagnostic


def test_checks__spans_match_the_link_text() -> None:
    vault = check_all_vault()
    result = run_checks(vault, ALL)
    lines = (VAULTS / "check-all" / "Home.md").read_text(encoding="utf-8").split("\n")
    for d in result.diagnostics:
        if d.path == "Home.md" and d.code not in ("unquoted-property-link",):
            assert d.end_line == d.line
            text = lines[d.line - 1][d.column - 1 : d.end_column - 1]
            assert text.startswith(("[", "!")) and text.endswith(("]]", ")")), d


def test_checks__sorted_unique_and_deterministic() -> None:
    first = run_checks(check_all_vault(), ALL)
    second = run_checks(check_all_vault(), ALL)
    assert first == second
    keys = [(d.path, d.line, d.column, d.code) for d in first.diagnostics]
    assert keys == sorted(keys)
    assert len({(k, d.message) for k, d in zip(keys, first.diagnostics, strict=True)}) == len(keys)
    fingerprints = [d.fingerprint for d in first.diagnostics]
    assert len(set(fingerprints)) == len(fingerprints)


def test_checks__registry_is_complete_and_documented() -> None:
    assert list(CHECKS)[:3] == ["broken-link", "missing-heading", "missing-block"]
    for code, entry in CHECKS.items():
        assert entry.code == code
        assert entry.summary.endswith(".") and entry.summary[0].isupper()
        assert len(entry.explanation) > 80
        assert entry.bad and entry.good and entry.bad != entry.good
    off = {code for code, entry in CHECKS.items() if not entry.enabled_by_default}
    assert off == {"orphan-note", "unused-attachment"}
    assert CHECKS["broken-link"].severity is Severity.ERROR
    assert CHECKS["ambiguous-link"].severity is Severity.WARNING
    assert CHECKS["orphan-note"].severity is Severity.INFO


def test_checks__select_ignore_and_severity_table() -> None:
    assert "orphan-note" not in enabled_checks(Settings())
    assert list(enabled_checks(Settings(select=("broken-link", "orphan-note")))) == [
        "broken-link",
        "orphan-note",
    ]
    assert "broken-link" not in enabled_checks(Settings(ignore=("broken-link",)))
    table = enabled_checks(
        Settings(severity={"broken-link": "warning", "orphan-note": "error", "empty-link": "off"})
    )
    assert table["broken-link"] is Severity.WARNING
    assert table["orphan-note"] is Severity.ERROR  # a severity turns an off check on
    assert "empty-link" not in table
    assert enabled_checks(Settings(select=("all",), ignore=("all",))) == {}
    default = enabled_checks(Settings(severity={"all": "warning", "broken-link": "error"}))
    assert default["broken-link"] is Severity.ERROR
    assert default["missing-heading"] is Severity.WARNING
    assert "orphan-note" not in default
    assert enabled_checks(Settings(severity={"all": "off"})) == {}


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (Settings(select=("broken-links",)), 'unknown check "broken-links" in select'),
        (Settings(ignore=("orphan",)), 'unknown check "orphan" in ignore'),
        (Settings(severity={"ambigous-link": "error"}), 'unknown check "ambigous-link"'),
    ],
)
def test_checks__unknown_check_names_are_config_errors(settings: Settings, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as error:
        enabled_checks(settings)
    assert "did you mean" in str(error.value)


def test_checks__severity_override_applies_to_results() -> None:
    settings = Settings(severity={"broken-link": "info", "unreadable-file": "warning"})
    result = run_checks(check_all_vault(), settings)
    assert {d.severity for d in result.diagnostics if d.code == "broken-link"} == {Severity.INFO}
    assert {d.severity for d in result.diagnostics if d.code == "unreadable-file"} == {
        Severity.WARNING
    }
    quiet = run_checks(check_all_vault(), Settings(severity={"all": "info"}))
    assert {d.severity for d in quiet.diagnostics} == {Severity.INFO}
    assert quiet.exit_code() == 0


def test_checks__exit_code_follows_the_fail_level(tmp_path: Path) -> None:
    write(tmp_path, {"a.md": "[[]] and [[b]]\n", "b.md": "[[a]]\n"})
    result = check(tmp_path, Settings())
    assert [d.code for d in result.diagnostics] == ["empty-link"]
    assert result.exit_code() == 0
    assert result.exit_code("warning") == 1
    assert result.exit_code(Severity.INFO) == 1
    assert not result.failed("error")


def test_checks__inline_suppression_silences_only_its_line_and_codes(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "a.md": (
                "[[x]] %% wikigraph-ignore broken-link %%\n"
                "[[y]] [[]] %% wikigraph-ignore empty-link %%\n"
                "[[z]] %% wikigraph-ignore %%\n"
                "[[w]]\n"
            )
        },
    )
    result = check(tmp_path, Settings())
    assert [(d.line, d.code) for d in result.diagnostics] == [
        (2, "broken-link"),
        (4, "broken-link"),
    ]
    assert result.suppressed == 3


def test_checks__property_silences_a_note(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "all.md": "---\nwikigraph-ignore: true\n---\n[[x]] [[]]\n",
            "some.md": "---\nwikigraph-ignore: [empty-link]\n---\n[[x]] [[]]\n",
        },
    )
    result = check(tmp_path, Settings())
    assert found(result) == [("some.md", 4, 1, "broken-link")]
    assert result.suppressed == 3


def test_checks__excluded_notes_are_never_sources(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "a.md": "[[Draft]]\n",
            "Drafts/Draft.md": "[[missing]] [[]]\n---\n",
            "Drafts/bad name #1.md": "x\n",
            ".obsidian/app.json": '{"userIgnoreFilters": ["Drafts/"]}',
        },
    )
    assert found(check(tmp_path)) == []
    (tmp_path / ".obsidian" / "app.json").unlink()
    assert {d.path for d in check(tmp_path).diagnostics} == {
        "Drafts/Draft.md",
        "Drafts/bad name #1.md",
    }
    configured = check(tmp_path, Settings(select=("all",), exclude=("Drafts/",)))
    assert found(configured) == []


def test_checks__alias_links_setting_silences_alias_link(tmp_path: Path) -> None:
    write(tmp_path, {"a.md": "[[GWM]]\n", "Genie.md": "---\naliases: [GWM]\n---\n[[a]]\n"})
    assert [d.code for d in check(tmp_path, Settings()).diagnostics] == ["alias-link"]
    accepted = Settings(alias_links=True)
    assert check(tmp_path, accepted).diagnostics == ()


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_checks__symlinks_outside_and_broken(tmp_path: Path) -> None:
    outside = write(tmp_path / "outside", {"secret.md": "x\n"})
    vault = write(tmp_path / "vault", {"a.md": "[[b]]\n", "b.md": "[[a]]\n"})
    (vault / "escape.md").symlink_to(outside / "secret.md")
    (vault / "dangling.md").symlink_to(vault / "nothing.md")
    result = check(vault, Settings())
    assert [(d.path, d.code, d.severity.value) for d in result.diagnostics] == [
        ("dangling.md", "bad-symlink", "warning"),
        ("escape.md", "outside-vault", "error"),
    ]


def test_checks__unlinkable_names_and_control_characters(tmp_path: Path) -> None:
    names = ["a|b.md", "c^d.md", "e:f.md", "g%%h.md", "i[[j.md", "k]]l.md", "m\tn.png", "ok.md"]
    write(tmp_path, dict.fromkeys(names, "x\n"))
    result = check(tmp_path, Settings(select=("unlinkable-name",)))
    assert sorted(d.path for d in result.diagnostics) == sorted(names[:-1])
    tab = next(d for d in result.diagnostics if d.path == "m\tn.png")
    assert '"\\t"' in tab.message


def test_checks__orphans_and_unused_attachments(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "hub.md": "![[pic.png]] [[self]]\n",
            "self.md": "[[self]] [[#top]]\n# top\n",
            "alone.md": "[[missing]]\n",
            "gallery.md": "![[pic.png]]\n",
            "pic.png": b"\x89PNG",
            "old.jpg": b"\xff\xd8",
            "board.canvas": "{}",
            "LICENSE": "MIT",
        },
    )
    result = check(tmp_path, Settings(select=("orphan-note", "unused-attachment")))
    assert found(result) == [
        ("alone.md", 1, 1, "orphan-note"),
        ("gallery.md", 1, 1, "orphan-note"),  # attachments do not connect notes
        ("old.jpg", 1, 1, "unused-attachment"),
    ]


def test_checks__duplicate_diagnostics_never_appear(tmp_path: Path) -> None:
    write(tmp_path, {"a.md": "[[x]] [[x]]\n[[x]]\n"})
    result = check(tmp_path, Settings())
    assert [(d.line, d.column) for d in result.diagnostics] == [(1, 1), (1, 7), (2, 1)]
    assert len({d.fingerprint for d in result.diagnostics}) == 3


def test_checks__fingerprints_ignore_line_numbers(tmp_path: Path) -> None:
    write(tmp_path, {"a.md": "[[x]]\n"})
    before = check(tmp_path, Settings())
    write(tmp_path, {"a.md": "New first line.\n\nThen [[x]]\n"})
    after = check(tmp_path, Settings())
    assert before.diagnostics[0].line != after.diagnostics[0].line
    assert before.diagnostics[0].fingerprint == after.diagnostics[0].fingerprint


def test_checks__baseline_hides_known_findings(tmp_path: Path) -> None:
    vault = write(tmp_path / "vault", {"a.md": "[[old]] [[old]]\n"})
    baseline = tmp_path / "baseline.json"
    baseline.write_text(baseline_json(check(vault, Settings())), encoding="utf-8")
    document = json.loads(baseline.read_text(encoding="utf-8"))
    assert document["version"] == 1
    assert [f["path"] for f in document["findings"]] == ["a.md", "a.md"]
    assert len(read_baseline(baseline)) == 2

    write(vault, {"a.md": "Moved down.\n\n[[old]] [[old]] [[new]] [[old]]\n"})
    result = check(vault, Settings(baseline=baseline))
    assert [(d.column, d.message) for d in result.diagnostics] == [
        (17, 'no note named "new"'),
        (25, 'no note named "old"'),
    ]
    assert result.baselined == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        ("{not json", "is not valid JSON"),
        ('{"version": 2, "findings": []}', "is not a wikigraph baseline"),
        ('{"version": 1, "findings": [{"code": "x"}]}', "is not a wikigraph baseline"),
    ],
)
def test_checks__bad_baselines_are_config_errors(
    tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "baseline.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        read_baseline(path)


def test_checks__typo_rule() -> None:
    assert edit_distance("plna", "plan", 2) == 1  # two neighbours swapped
    assert edit_distance("kitten", "sitting", 5) == 3
    assert edit_distance("a", "abcdef", 2) == 3  # capped at limit + 1
    assert typo_of("plna", ["apps", "plan"]) == "plan"
    assert typo_of("projcts/plan", ["projects/plan"]) == "projects/plan"
    assert typo_of("futurism", ["futurama"]) is None  # two edits in eight letters
    assert typo_of("plan", ["plan"]) is None


def test_checks__typo_ties_give_no_suggestion() -> None:
    assert typo_of("2024-02-6", ["2024-02-16", "2024-02-26"]) is None
    assert typo_of("2024-02-6", ["2024-02-16", "2024-03-17"]) == "2024-02-16"


@pytest.fixture(scope="module")
def generated(
    vault_generator: ModuleType, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, object]]:
    """A generated 400-note vault and its ground truth."""
    out = tmp_path_factory.mktemp("generated") / "vault"
    truth: dict[str, object] = vault_generator.generate_vault(out, 400, 5)
    return out, truth


def test_checks__generated_vault_matches_its_ground_truth(
    generated: tuple[Path, dict[str, object]],
) -> None:
    root, truth = generated
    vault = load_vault(root, settings=Settings())
    result = run_checks(vault, Settings())
    link_codes = {"broken-link", "alias-link", "folder-link", "empty-link", "outside-vault"}
    broken = {(d.path, d.line, d.column) for d in result.diagnostics if d.code in link_codes}
    expected_broken = truth["broken_links"]
    assert isinstance(expected_broken, list) and expected_broken
    assert broken == {(b["source"], b["line"], b["column"]) for b in expected_broken}
    subpaths = {
        (d.path, d.line, d.column)
        for d in result.diagnostics
        if d.code in ("missing-heading", "missing-block")
    }
    expected_subpaths = truth["missing_subpaths"]
    assert isinstance(expected_subpaths, list) and expected_subpaths
    assert subpaths == {(m["source"], m["line"], m["column"]) for m in expected_subpaths}
    # Every suggestion made on it resolves cleanly.
    parser = NoteParser()
    suggested = [d for d in result.diagnostics if d.suggestion]
    assert suggested
    for diagnostic in suggested:
        assert diagnostic.suggestion is not None
        link = parser.parse_text(diagnostic.path, diagnostic.suggestion).links[0]
        resolved = resolve_link(link, vault.index)
        assert resolved.status is LinkStatus.RESOLVED, diagnostic
        assert resolved.subpath_resolves is not False, diagnostic
        assert resolved.candidates == (), diagnostic


def test_checks__a_problem_may_lower_its_check_severity(tmp_path: Path) -> None:
    write(tmp_path, {"big.md": "x" * 100 + "\n", "small.md": "[[big]]\n"})
    settings = Settings(max_note_size=50)
    result = check(tmp_path, settings)
    assert [(d.path, d.code, d.severity) for d in result.diagnostics] == [
        ("big.md", "unreadable-file", Severity.WARNING)
    ]
    assert "max-note-size" in result.diagnostics[0].message
    configured = check(tmp_path, Settings(max_note_size=50, severity={"unreadable-file": "error"}))
    assert configured.diagnostics[0].severity is Severity.ERROR


def test_checks__documented_in_docs_checks_md() -> None:
    text = (Path(__file__).parent.parent / "docs" / "checks.md").read_text(encoding="utf-8")
    for code, entry in CHECKS.items():
        assert f"\n### `{code}`\n" in text, code
        on = "yes" if entry.enabled_by_default else "no"
        assert f"| [`{code}`](#{code}) | {entry.severity.value} | {on} |" in text, code


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.text("abé ", max_size=4), max_size=5), max_size=30), st.data())
def test_key_owners_give_every_owner_of_a_key_in_order(
    keys_of: list[list[str]], data: st.DataObject
) -> None:
    owners = KeyOwners(keys_of, len(keys_of), sum(len(keys) for keys in keys_of))
    wanted = data.draw(st.lists(st.text("abé ", max_size=4), max_size=4))
    found = owners.owners(wanted)
    assert found == sorted(set(found))
    holders = {n for n, keys in enumerate(keys_of) if set(keys) & set(wanted)}
    assert holders <= set(found) <= set(range(len(keys_of)))
    with pytest.raises(ValueError):
        KeyOwners([["a", "b"]], 1, 1)


@settings(max_examples=200, deadline=None)
@given(st.text("abé ", max_size=9), st.integers(0, 3))
def test_deletions_are_every_string_made_by_deleting_up_to_count_characters(
    word: str, count: int
) -> None:
    expected = {word}
    for _ in range(count):
        expected |= {w[:i] + w[i + 1 :] for w in expected for i in range(len(w))}
    assert _deletions(word, count) == expected


def _typo_by_comparing_all(word: str, choices: list[str]) -> str | None:
    """What :meth:`TypoIndex.find` means, the slow way: compare ``word`` with every name."""
    limit = min(2, max(1, len(word) // 6))
    mine = {word}
    for _ in range(limit):
        mine |= {w[:i] + w[i + 1 :] for w in mine for i in range(len(w))}
    ranked = []
    for choice in set(choices) - {word}:
        theirs = {choice} | {choice[:i] + choice[i + 1 :] for i in range(len(choice))}
        distance = edit_distance(word, choice, limit)
        if mine.isdisjoint(theirs) or distance > limit:
            continue
        ranked.append((distance, -difflib.SequenceMatcher(None, word, choice).ratio(), choice))
    ranked.sort()
    if not ranked or (len(ranked) > 1 and ranked[0][:2] == ranked[1][:2]):
        return None
    return ranked[0][2]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text("abcé-/ ", min_size=1, max_size=14), max_size=40),
    st.text("abcé-/ ", min_size=1, max_size=14),
)
def test_typo_index_gives_what_comparing_every_name_gives(choices: list[str], word: str) -> None:
    expected = _typo_by_comparing_all(word, choices)
    assert TypoIndex(choices).find(word) == expected
    assert typo_of(word, choices) == expected
