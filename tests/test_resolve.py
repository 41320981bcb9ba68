"""Resolution follows the rulebook: one test (or more) per numbered rule of section 2."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import VAULTS
from wikigraph import load_vault
from wikigraph.config import Settings
from wikigraph.model import Link, LinkKind, LinkStatus, Location, ResolvedLink, Unresolved
from wikigraph.resolve import (
    ResolveOptions,
    VaultIndex,
    file_names,
    heading_key,
    lookup_names,
    resolve_link,
)
from wikigraph.vault import Vault

RULES = VAULTS / "rules"


@pytest.fixture(scope="module")
def vault() -> Vault:
    return load_vault(RULES, settings=Settings())


def link(vault: Vault, raw: str, source: str = "Home.md") -> ResolvedLink:
    found = [r for r in vault.links if r.link.raw == raw and r.link.source == source]
    assert found, f"no link {raw} in {source}"
    return found[0]


def resolves_to(vault: Vault, raw: str, target: str, source: str = "Home.md") -> None:
    resolved = link(vault, raw, source)
    assert resolved.status is LinkStatus.RESOLVED, resolved
    assert resolved.target == target


def unresolved(vault: Vault, raw: str, reason: Unresolved, source: str = "Home.md") -> None:
    resolved = link(vault, raw, source)
    assert resolved.status is LinkStatus.UNRESOLVED, resolved
    assert resolved.target is None
    assert resolved.reason is reason


# 2.1 Match by name anywhere: case, extension case and NFC are ignored.
@pytest.mark.parametrize("raw", ["[[Note]]", "[[note]]", "[[NOTE.MD]]", "[[Note.md|shown text]]"])
def test_resolve__name_ignores_case_and_md(vault: Vault, raw: str) -> None:
    resolves_to(vault, raw, "Note.md")


def test_resolve__markdown_link_by_name(vault: Vault) -> None:
    resolves_to(vault, "[t](Note.md)", "Note.md")


def test_resolve__nfd_file_name_matches_nfc_link(vault: Vault) -> None:
    on_disk = [f.path for f in vault.files if f.path.startswith("Cafe")]
    assert on_disk and unicodedata.is_normalized("NFD", on_disk[0])
    for raw in ("[[Café]]", "[[café]]"):
        resolved = link(vault, raw)
        assert resolved.target == on_disk[0]  # spelled as on disk


def test_resolve__cyrillic_case_insensitive(vault: Vault) -> None:
    resolves_to(vault, "[[Заметка]]", "Заметка.md")
    resolves_to(vault, "[[заметка|по-русски]]", "Заметка.md")


def test_resolve__upper_case_md_extension_is_a_note(vault: Vault) -> None:
    assert "Shouty.MD" in vault.note_by_path
    resolves_to(vault, "[[Home]]", "Home.md", source="Shouty.MD")


# 2.2 Non-Markdown targets must carry their extension.
def test_resolve__attachments_need_extension(vault: Vault) -> None:
    resolves_to(vault, "![[diagram.png]]", "attachments/diagram.png")
    resolves_to(vault, "![[diagram.PNG|300]]", "attachments/diagram.png")
    resolves_to(vault, "[[Board.canvas]]", "Board.canvas")
    unresolved(vault, "[[diagram]]", Unresolved.MISSING)


# 2.3 Paths: root, leading slash, unique suffix, relative.
def test_resolve__root_paths(vault: Vault) -> None:
    resolves_to(vault, "[[Projects/Plan]]", "Projects/Plan.md")
    resolves_to(vault, "[[/Projects/Plan]]", "Projects/Plan.md")
    resolves_to(vault, "[[a/b/Deep]]", "a/b/Deep.md")


def test_resolve__partial_suffix_path(vault: Vault) -> None:
    resolves_to(vault, "[[Plans/Sub plan]]", "Projects/Plans/Sub plan.md")


def test_resolve__relative_paths(vault: Vault) -> None:
    resolves_to(vault, "[[./Note]]", "Note.md")
    resolves_to(vault, "[[./Projects/Plan]]", "Projects/Plan.md")
    resolves_to(vault, "[[../Home|home by relative path]]", "Home.md", source="Projects/Plan.md")


def test_resolve__bare_name_finds_same_folder_note(vault: Vault) -> None:
    resolves_to(vault, "[[Sibling]]", "Projects/Sibling.md", source="Projects/Plan.md")
    resolves_to(vault, "[[Plan]]", "Projects/Plan.md", source="Projects/Sibling.md")


def test_resolve__markdown_destinations_are_decoded(vault: Vault) -> None:
    resolves_to(vault, "[enc](Projects/Plan%20notes.md)", "Projects/Plan notes.md")
    resolves_to(vault, "[angle](<Projects/Plan notes.md>)", "Projects/Plan notes.md")
    hashed = link(vault, "[hash](Note.md#Section%20One)")
    assert hashed.link.subpath == "Section One"
    assert hashed.subpath_resolves is True


# 2.4 Duplicate names: same folder, then fewest folders, then alphabetical; all candidates kept.
def test_resolve__duplicate_name_keeps_candidates(vault: Vault) -> None:
    deep = link(vault, "[[Deep]]")
    assert deep.target == "a/b/Deep.md"
    assert deep.candidates == ("a/b/Deep.md", "c/b/Deep.md")
    suffix = link(vault, "[[b/Deep]]")
    assert suffix.target == "a/b/Deep.md"
    assert suffix.candidates == ("a/b/Deep.md", "c/b/Deep.md")


def test_resolve__exact_root_path_is_not_ambiguous(vault: Vault) -> None:
    assert link(vault, "[[a/b/Deep]]").candidates == ()


def test_resolve__duplicate_name_prefers_linking_notes_folder(vault: Vault) -> None:
    from_root = link(vault, "[[Shared]]")
    assert from_root.target == "docs/Shared.md"  # same depth: alphabetical after folder count
    assert from_root.candidates == ("Archive/Shared.md", "docs/Shared.md")
    resolves_to(vault, "[[Shared]]", "docs/Shared.md", source="docs/Shared.md")


def test_resolve__duplicate_tie_breaks() -> None:
    from wikigraph.model import VaultFile

    files = [VaultFile(p, 1, 0, True) for p in ("x/y/N.md", "b/N.md", "a/N.md", "long-folder/N.md")]
    index = VaultIndex.build(files, [], ["x", "x/y", "b", "a", "long-folder"])
    ref = Link(
        "x/y/Source.md",
        1,
        1,
        1,
        6,
        "[[N]]",
        LinkKind.WIKILINK,
        Location.BODY,
        None,
        "N",
        None,
        None,
    )
    assert resolve_link(ref, index).target == "x/y/N.md"  # the linking note's folder
    elsewhere = Link(
        "q/S.md", 1, 1, 1, 6, "[[N]]", LinkKind.WIKILINK, Location.BODY, None, "N", None, None
    )
    result = resolve_link(elsewhere, index)
    assert result.target == "a/N.md"  # fewest folders, then shortest, then alphabetical
    assert result.candidates == ("a/N.md", "b/N.md", "long-folder/N.md", "x/y/N.md")


# 2.5 Aliases do not resolve (unless accepted in the settings).
def test_resolve__alias_does_not_resolve(vault: Vault) -> None:
    unresolved(vault, "[[GWM]]", Unresolved.ALIAS)
    assert link(vault, "[[GWM]]").alias_of == ("docs/guide/Guide.md",)
    unresolved(vault, "[[Start]]", Unresolved.ALIAS)


def test_resolve__alias_links_accepted_by_option() -> None:
    vault = load_vault(RULES, settings=Settings(alias_links=True))
    resolved = link(vault, "[[GWM]]")
    assert resolved.status is LinkStatus.RESOLVED
    assert resolved.target == "docs/guide/Guide.md"
    assert resolved.reason is Unresolved.ALIAS


# 2.6 A URL inside a wikilink is a note link that does not resolve.
def test_resolve__url_in_wikilink_is_unresolved(vault: Vault) -> None:
    unresolved(vault, "[[https://example.com]]", Unresolved.MISSING)


def test_resolve__markdown_urls_are_external(vault: Vault) -> None:
    site = link(vault, "[site](https://example.com/page#part)")
    assert site.status is LinkStatus.EXTERNAL
    assert site.link.path == "https://example.com/page"
    assert link(vault, "<mailto:someone@example.com>").status is LinkStatus.EXTERNAL


# 2.7 Folders do not resolve.
@pytest.mark.parametrize("raw", ["[[Folder Only]]", "[[Folder Only/]]", "[[Projects/]]"])
def test_resolve__folder_links(vault: Vault, raw: str) -> None:
    unresolved(vault, raw, Unresolved.FOLDER)


# 2.8 Subpaths: headings (normalised, chains) and blocks.
@pytest.mark.parametrize(
    ("raw", "exists"),
    [
        ("[[Note#Section One]]", True),
        ("[[Note#section   one]]", True),
        ("[[Note#Section One#Child]]", True),
        ("[[Note#Parent#Child]]", True),
        ("[[Note#Child]]", True),
        ("[[Note#Nope]]", False),
        ("[[#Local heading]]", True),
        ("[[#Missing local]]", False),
        ("[[Note#^para-1]]", True),
        ("[[Note#^missing-block]]", False),
        ("[[#^home-block]]", True),
    ],
)
def test_resolve__subpaths(vault: Vault, raw: str, exists: bool) -> None:
    resolved = link(vault, raw)
    assert resolved.status is LinkStatus.RESOLVED  # a missing heading never unresolves the file
    assert resolved.subpath_resolves is exists


def test_resolve__same_note_links_point_at_the_source(vault: Vault) -> None:
    assert link(vault, "[[#Local heading]]").target == "Home.md"


def test_resolve__heading_chain_order_matters() -> None:
    from wikigraph.resolve import _HeadingEntry, heading_chain_exists

    entries = [_HeadingEntry("a", 1), _HeadingEntry("b", 2), _HeadingEntry("c", 1)]
    assert heading_chain_exists(entries, ["A", "B"])
    assert not heading_chain_exists(entries, ["C", "B"])  # B is not under C
    assert not heading_chain_exists(entries, ["B", "A"])


@pytest.mark.parametrize(
    ("heading", "written"),
    [
        ("Section One", "section one"),
        ("What is it?", "What is it"),
        ("A: the [[link]] | pipe", "A the link pipe"),
        ("**Bold** and `code`", "Bold and code"),
        ("🪴 Get Started", "🪴 get started"),
    ],
)
def test_resolve__heading_normalisation(heading: str, written: str) -> None:
    assert heading_key(heading) == heading_key(written)


def test_resolve__file_specific_subpaths_are_not_headings(vault: Vault) -> None:
    for raw in ("![[paper.pdf#page=3]]", "![[icon.svg#icon]]"):
        resolved = link(vault, raw)
        assert resolved.subpath_kind is not None
        assert resolved.subpath_kind.value == "file-specific"
        assert resolved.subpath_resolves is None


# 2.9 Nothing escapes the vault.
@pytest.mark.parametrize(
    "raw",
    [
        "[[../../../../etc/passwd]]",
        "[x](file:///etc/passwd)",
        "[w](C:\\Windows\\win.ini)",
        "[[C:\\Users\\me\\Note]]",
        "[[../Home]]",
        "[up](../Home.md)",
    ],
)
def test_resolve__never_outside_the_vault(vault: Vault, raw: str) -> None:
    unresolved(vault, raw, Unresolved.OUTSIDE)


def test_resolve__absolute_path_is_the_vault_root(vault: Vault) -> None:
    unresolved(vault, "[x](/etc/passwd)", Unresolved.MISSING)


def test_resolve__every_target_is_a_vault_file(vault: Vault) -> None:
    paths = {f.path for f in vault.files}
    for resolved in vault.links:
        if resolved.target is not None:
            assert resolved.target in paths
            assert not Path(resolved.target).is_absolute()


# Empty links are reported, not resolved.
@pytest.mark.parametrize("raw", ["[[]]", "[[|alone]]", "[]()"])
def test_resolve__empty_links(vault: Vault, raw: str) -> None:
    unresolved(vault, raw, Unresolved.EMPTY)


# Property links resolve like body links and keep their key.
def test_resolve__property_links(vault: Vault) -> None:
    up = link(vault, "[[Projects/Plan]]")
    props = [r for r in vault.links if r.link.location is Location.FRONTMATTER]
    assert {r.link.property for r in props} == {"up", "related", "nested"}
    assert up.target == "Projects/Plan.md"
    unresolved(vault, "[[Missing in property]]", Unresolved.MISSING)


# Excluded files: still targets, never sources; dot-folders are not part of the vault.
def test_resolve__excluded_and_hidden_files(vault: Vault) -> None:
    assert "Excluded/Drafted.md" in vault.excluded
    assert all(r.link.source != "Excluded/Drafted.md" for r in vault.links)
    assert not any(f.path.startswith((".trash", ".obsidian")) for f in vault.files)


def test_resolve__folder_named_like_a_note(vault: Vault) -> None:
    assert "folder.md/Inner.md" in vault.note_by_path
    assert "folder.md" not in vault.note_by_path


# Which files a link's resolution depends on (the check state's incremental checks).
_PATHS = ["N.md", "a/N.md", "a/b/N.md", "N.md.md", "a/N.MD", "N", "n.png", "a/n.png",
          "sub.md", "a/sub.md", "Ünï.md", "a/Ünï.md", "x/y.md"]  # fmt: skip
_LINKS = ["N", "n.md", "N.md", "a/N", "/N", "./N", "../N", "b/N", "N.png", "n.png", "sub",
          "a/..", "./..", "..", ".", "x/../N", "a/b/../N", "ÜNÏ", "Alias", "y", "./y",
          "x/y.md", "N.MD", " N ", "a/N "]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(
    files=st.sets(st.sampled_from(_PATHS), min_size=1, max_size=4),
    aliased=st.sampled_from(_PATHS),
    written=st.sampled_from(_LINKS),
    source=st.sampled_from(["Home.md", "a/Home.md", "a/b/Home.md", "x/Home.md"]),
    alias_links=st.booleans(),
)
def test_lookup_names__a_file_under_no_name_looked_up_changes_nothing(
    files: set[str], aliased: str, written: str, source: str, alias_links: bool
) -> None:
    from wikigraph.model import Note, VaultFile

    def index_of(paths: set[str]) -> VaultIndex:
        found = [VaultFile(p, 1, 0, p.lower().endswith(".md")) for p in sorted(paths)]
        notes = [
            Note(path=p, title="", aliases=("alias",) if p == aliased else ())
            for p in sorted(paths)
            if p.lower().endswith(".md")
        ]
        folders = sorted({p.rpartition("/")[0] for p in paths if "/" in p} | {"a", "a/b", "x"})
        return VaultIndex.build(found, notes, folders)

    ref = Link(source, 1, 1, 1, 9, f"[[{written}]]", LinkKind.WIKILINK, Location.BODY, None,
               written, None, None)  # fmt: skip
    options = ResolveOptions(alias_links=alias_links)
    everything = resolve_link(ref, index_of(files), options)
    looked_up = lookup_names(ref)
    for path in files:
        is_note = path.lower().endswith(".md")
        aliases = ("alias",) if path == aliased and is_note else ()
        if not file_names(path, is_note, aliases).isdisjoint(looked_up):
            continue
        assert resolve_link(ref, index_of(files - {path}), options) == everything, path
