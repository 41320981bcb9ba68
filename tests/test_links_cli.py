"""`wikigraph links`: the stable JSON schema, the text listing, and errors."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from conftest import CORPORA, VAULTS
from wikigraph.cli import main
from wikigraph.listing import LINK_KEYS

KEYS = [
    "source", "line", "column", "raw", "kind", "location", "property", "path", "subpath",
    "subpath_kind", "display", "status", "target", "subpath_resolves", "candidates",
]  # fmt: skip


def run_links(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["links", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_links__json_schema(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(VAULTS)
    code, out, _ = run_links(["rules", "--format", "json"], capsys)
    assert code == 0
    document = json.loads(out)
    assert list(document) == ["vault", "links"]
    assert document["vault"] == "rules"
    assert list(LINK_KEYS) == KEYS
    for record in document["links"]:
        assert list(record) == KEYS
        assert record["kind"] in {"wikilink", "embed", "markdown", "markdown-embed"}
        assert record["location"] in {"body", "frontmatter"}
        assert record["status"] in {"resolved", "unresolved", "external"}
        assert record["subpath_kind"] in {None, "heading", "block", "file-specific"}
        assert (record["property"] is None) == (record["location"] == "body")
    order = [(r["source"], r["line"], r["column"]) for r in document["links"]]
    assert order == sorted(order)


def test_links__json_golden(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], golden: object
) -> None:
    monkeypatch.chdir(VAULTS)
    _, out, _ = run_links(["rules", "--format", "json"], capsys)
    golden("rules.links.json", out)  # type: ignore[operator]


def test_links__text_golden(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], golden: object
) -> None:
    monkeypatch.chdir(VAULTS)
    _, out, _ = run_links(["rules"], capsys)
    golden("rules.links.txt", out)  # type: ignore[operator]
    assert out.splitlines()[0].startswith("rules/Home.md:5:6: wikilink [[Projects/Plan]]")


def test_links__output_is_deterministic(capsys: pytest.CaptureFixture[str]) -> None:
    first = run_links([str(VAULTS / "rules"), "--format", "json"], capsys)[1]
    second = run_links([str(VAULTS / "rules"), "--format", "json"], capsys)[1]
    assert first == second


def test_links__output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out" / "links.json"
    code, out, _ = run_links([str(VAULTS / "rules"), "--format", "json", "-o", str(target)], capsys)
    assert (code, out) == (0, "")
    assert json.loads(target.read_text(encoding="utf-8"))["links"]


def test_links__missing_vault_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_links([str(tmp_path / "nope")], capsys)
    assert code == 2
    assert out == ""
    assert err == (
        f'wikigraph: error: vault "{tmp_path / "nope"}" does not exist'
        " (pass an existing folder, or set vault in [tool.wikigraph])\n"
    )


def test_links__bad_format_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["links", "--format", "xml"])
    assert exit_info.value.code == 2


def test_links__control_characters_in_names_stay_on_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bad\nname.md").write_text("[[x]]\n")
    code, out, _ = run_links([str(tmp_path)], capsys)
    assert code == 0
    assert out.count("\n") == 1
    assert "bad\\nname.md:1:1" in out


@pytest.mark.parametrize(
    ("corpus", "expected"),
    [
        # Counted by reading every note: links in code blocks and inline code excluded.
        ("kepano-obsidian", {"resolved": 147, "unresolved": 62, "external": 6}),
        ("quartz-docs", {"resolved": 213, "unresolved": 9, "external": 170}),
    ],
)
def test_links__real_vaults(
    corpus: str, expected: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_links([str(CORPORA / corpus), "--format", "json"], capsys)
    assert code == 0
    links = json.loads(out)["links"]
    assert Counter(link["status"] for link in links) == expected


def test_links__kepano_property_links_and_bases(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run_links([str(CORPORA / "kepano-obsidian"), "--format", "json"], capsys)
    links = json.loads(out)["links"]
    properties = [link for link in links if link["location"] == "frontmatter"]
    assert len(properties) > len(links) / 2  # most links live in properties
    bases = [link for link in links if link["path"].endswith(".base")]
    assert bases and all(link["status"] == "resolved" for link in bases)
    assert all(link["subpath_kind"] in (None, "file-specific") for link in bases)


def test_links__quartz_unresolved_are_exactly_these(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run_links([str(CORPORA / "quartz-docs"), "--format", "json"], capsys)
    unresolved = sorted(
        (link["source"], link["raw"])
        for link in json.loads(out)["links"]
        if link["status"] == "unresolved"
    )
    assert unresolved == [
        ("configuration.md", "[[tags/plugin/emitter|Emitters]]"),
        ("configuration.md", "[[tags/plugin/filter|Filter]]"),
        ("configuration.md", "[[tags/plugin/filter|Filters]]"),
        ("configuration.md", "[[tags/plugin/transformer|Transformers]]"),
        ("features/folder and tag listings.md", "[[advanced/]]"),
        ("features/popover previews.md", "[[quartz layout.png|images referenced using wikilinks]]"),
        ("index.md", "[features page](/features)"),
        ("index.md", "[many more](./features)"),
        ("plugins/FolderPage.md", "[[advanced/|Advanced]]"),
    ]


def test_links__console_script_and_module(tmp_path: Path) -> None:
    (tmp_path / "n.md").write_text("[[Other]]\n", encoding="utf-8")
    (tmp_path / "Other.md").write_text("", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "wikigraph", "links", str(tmp_path), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["links"][0]["target"] == "Other.md"
    script = Path(sys.executable).parent / "wikigraph"
    if script.exists():
        version = subprocess.run(
            [str(script), "--version"], capture_output=True, text=True, check=True
        )
        assert version.stdout.startswith("wikigraph ")
