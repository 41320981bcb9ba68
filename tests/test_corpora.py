"""`wikigraph check` on real public vaults: exactly the problems a careful reader finds.

Every expected finding below was checked by reading the note it points at; anything else
the checker reported would be a false positive.
"""

from __future__ import annotations

import pytest

from conftest import corpus
from wikigraph.checks import CheckResult, Severity, run_checks
from wikigraph.cli import main
from wikigraph.config import Settings
from wikigraph.report import summary_line
from wikigraph.vault import load_vault


def check(name: str, settings: Settings | None = None) -> CheckResult:
    settings = settings or Settings()
    return run_checks(load_vault(corpus(name), settings=settings), settings)


QUARTZ = [
    # The section moved into a note of its own (layout.md, title "Layout").
    (
        "advanced/creating components.md", 212, 110, "missing-heading",
        '"configuration.md" has no heading "Layout"', "[[layout|layout]]",
    ),
    # Four index.md files: Obsidian picks the one at the root, the heading exists there.
    (
        "authoring content.md", 5, 155, "ambiguous-link",
        '"index" matches 4 files: advanced/index.md, features/index.md, index.md,'
        " plugins/index.md; linked to index.md",
        "[[/index#🪴 Get Started|setup Quartz]]",
    ),
    (
        "build.md", 5, 13, "ambiguous-link",
        '"index" matches 4 files: advanced/index.md, features/index.md, index.md,'
        " plugins/index.md; linked to index.md",
        "[[/index#🪴 Get Started|initialized]]",
    ),
    # Tag pages exist only in the published Quartz site.
    ("configuration.md", 74, 3, "broken-link", 'no note at "tags/plugin/transformer"', None),
    ("configuration.md", 75, 3, "broken-link", 'no note at "tags/plugin/filter"', None),
    ("configuration.md", 76, 3, "broken-link", 'no note at "tags/plugin/emitter"', None),
    ("configuration.md", 83, 147, "broken-link", 'no note at "tags/plugin/filter"', None),
    # Slug anchors: Quartz slugs headings, Obsidian matches their text.
    (
        "features/explorer.md", 245, 142, "missing-heading",
        'this note has no heading "remove-list-of-elements-filter"',
        "[[#Remove list of elements (`filter`)| filter out some folders]]",
    ),
    (
        "features/explorer.md", 245, 207, "missing-heading",
        'this note has no heading "use-sort-to-put-files-first"',
        "[[#Use `sort` to put files first| sort with files above folders]]",
    ),
    # Folder pages exist only in the published site; each folder has an index.md.
    (
        "features/folder and tag listings.md", 15, 123, "folder-link",
        '"advanced/" is a folder; Obsidian links only to files', "[[advanced/index]]",
    ),
    # The image is missing at this commit of the Quartz docs.
    (
        "features/popover previews.md", 11, 22, "broken-link",
        'no file named "quartz layout.png"', None,
    ),
    (
        "index.md", 34, 259, "folder-link",
        '"./features" is a folder; Obsidian links only to files', "[many more](./features/index)",
    ),
    (
        "index.md", 40, 49, "folder-link",
        '"/features" is a folder; Obsidian links only to files',
        "[features page](/features/index)",
    ),
    (
        "plugins/FolderPage.md", 9, 10, "folder-link",
        '"advanced/" is a folder; Obsidian links only to files', "[[advanced/index|Advanced]]",
    ),
    (
        "setting up your GitHub repository.md", 5, 34, "ambiguous-link",
        '"index" matches 4 files: advanced/index.md, features/index.md, index.md,'
        " plugins/index.md; linked to index.md",
        "[[/index#🪴 Get Started|cloned and setup locally]]",
    ),
]  # fmt: skip


def test_corpora__quartz_docs_exactly() -> None:
    result = check("quartz-docs")
    assert [
        (d.path, d.line, d.column, d.code, d.message, d.suggestion) for d in result.diagnostics
    ] == QUARTZ
    assert summary_line(result) == "Found 12 errors and 3 warnings in 10 of 70 notes."
    assert result.exit_code() == 1


# Entity and category notes that the template deliberately leaves out: every link below
# names a note that exists nowhere in the vault, under no name, path or alias.
KEPANO = [
    ("Categories/Evergreen.md", 5, 99, "Composability"),
    ("Clippings/Buy wisely.md", 11, 6, "Published"),
    ("Clippings/In good hands.md", 11, 6, "Published"),
    ("Notes/2023 Japan Trip.md", 8, 6, "Japan"),
    ("Notes/2023-09-12 Meeting with Steph.md", 13, 6, "Emergence"),
    ("Notes/2023-09-12 Meeting with Steph.md", 15, 57, "Emergence"),
    (
        "Notes/Evergreen notes turn ideas into objects that you can manipulate.md",
        15,
        6,
        "Published",
    ),
    (
        "Notes/Evergreen notes turn ideas into objects that you can manipulate.md",
        23,
        3,
        "A company is a superorganism",
    ),
    (
        "Notes/Evergreen notes turn ideas into objects that you can manipulate.md",
        24,
        3,
        "All input is error",
    ),
    (
        "Notes/Evergreen notes turn ideas into objects that you can manipulate.md",
        25,
        3,
        "Calmness is a superpower",
    ),
    (
        "Notes/Evergreen notes turn ideas into objects that you can manipulate.md",
        26,
        3,
        "Cross the chasm",
    ),
    (
        "Notes/Evergreen notes turn ideas into objects that you can manipulate.md",
        27,
        3,
        "Everything is a remix",
    ),
    (
        "Notes/Evergreen notes turn ideas into objects that you can manipulate.md",
        28,
        3,
        "Writing is telepathy",
    ),
    (
        "Notes/Evergreen notes turn ideas into objects that you can manipulate.md",
        29,
        3,
        "You have no obligation to your former self",
    ),
    (
        "Notes/Evergreen notes turn ideas into objects that you can manipulate.md",
        34,
        33,
        "Creativity is combinatory uniqueness",
    ),
    (
        "Notes/Evergreen notes turn ideas into objects that you can manipulate.md",
        36,
        18,
        "Everything is a remix",
    ),
    ("Notes/Minimal Theme.md", 5, 6, "UI"),
    ("Notes/Minimal Theme.md", 11, 6, "Active"),
    ("References/Blade Runner.md", 8, 6, "Ridley Scott"),
    ("References/Blade Runner.md", 10, 6, "Harrison Ford"),
    ("References/Brown butter nectarine tart.md", 6, 6, "American"),
    ("References/Brown butter nectarine tart.md", 8, 6, "Dessert"),
    ("References/Brown butter nectarine tart.md", 10, 6, "Nectarine"),
    ("References/Fushimi Inari.md", 6, 6, "Shrines"),
    ("References/Fushimi Inari.md", 9, 6, "Japan"),
    ("References/Kevin Kelly.md", 5, 6, "Authors"),
    ("References/Kyoto.md", 5, 6, "Cities"),
    ("References/Kyoto.md", 7, 6, "Japan"),
    ("References/Obsidian.md", 4, 6, "Apps"),
    ("References/Obsidian.md", 6, 6, "Apps"),
    ("References/Out of Control.md", 12, 6, "Futurism"),
    ("References/Out of Control.md", 13, 6, "Nonfiction"),
    ("References/Out of Control.md", 15, 6, "Emergence"),
    ("References/Paul Chambers.md", 5, 6, "Musicians"),
    ("References/Steph Ango.md", 5, 6, "Authors"),
    ("References/The Legend of Zelda Breath of the Wild.md", 4, 10, "Nintendo Switch"),
    ("References/The Legend of Zelda Breath of the Wild.md", 5, 9, "Nintendo"),
    ("References/The Legend of Zelda Breath of the Wild.md", 7, 6, "Open world"),
    ("References/The Legend of Zelda Breath of the Wild.md", 10, 8, "2022-04"),
    ("References/The Machine Stops.md", 5, 6, "E. M. Forster"),
    ("References/The Machine Stops.md", 12, 6, "Humanism"),
    ("Templates/Actor Template.md", 4, 6, "Actors"),
    ("Templates/App Template.md", 2, 14, "Apps"),
    ("Templates/Author Template.md", 4, 6, "Authors"),
    ("Templates/City Template.md", 5, 6, "Cities"),
    ("Templates/Coffee Template.md", 3, 6, "Coffee"),
    ("Templates/Conference Session Template.md", 3, 6, "Conference sessions"),
    ("Templates/Conference Template.md", 4, 8, "Conferences"),
    ("Templates/Director Template.md", 5, 6, "Directors"),
    ("Templates/Email Template.md", 3, 6, "Emails"),
    ("Templates/Food Template.md", 3, 6, "Food"),
    ("Templates/Game Studio Template.md", 5, 6, "Game studios"),
    ("Templates/Hosting Template.md", 3, 6, "Hosting"),
    ("Templates/Job Interview Template.md", 5, 6, "Job Interviews"),
    ("Templates/Meditation Template.md", 3, 6, "Meditations"),
    ("Templates/Monthly Note Template.md", 4, 12, "2023-06"),
    ("Templates/Monthly Note Template.md", 5, 8, "2023-08"),
    ("Templates/Musician Template.md", 4, 6, "Musicians"),
    ("Templates/Post Template.md", 5, 6, "Me"),
    ("Templates/Quote Template.md", 3, 6, "Quotes"),
    ("Templates/Restaurant Template.md", 5, 6, "Restaurants"),
    ("Templates/Show Episode Template.md", 3, 6, "Show episodes"),
]


def test_corpora__kepano_obsidian_exactly() -> None:
    result = check("kepano-obsidian")
    assert [
        (d.path, d.line, d.column, d.message.removeprefix("no note named ").strip('"'))
        for d in result.diagnostics
    ] == KEPANO
    assert len(KEPANO) == 62
    assert {(d.code, d.severity) for d in result.diagnostics} == {("broken-link", Severity.ERROR)}
    # No close match exists for any of them, so no "did you mean" leads the reader astray.
    assert {d.hint for d in result.diagnostics} == {None}


def test_corpora__kepano_bases_and_attachments_resolve() -> None:
    result = check("kepano-obsidian", Settings(select=("all",)))
    unused = [d.path for d in result.diagnostics if d.code == "unused-attachment"]
    assert unused == []  # the one image in Attachments/ is embedded; .base files are views
    paths = {d.path for d in result.diagnostics}
    assert not any(path.endswith(".base") for path in paths)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("quartz-docs", (1, "Found 12 errors and 3 warnings in 10 of 70 notes.\n")),
        ("kepano-obsidian", (1, "Found 62 errors in 38 of 103 notes.\n")),
    ],
)
def test_corpora__command_line(
    name: str, expected: tuple[int, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["check", str(corpus(name)), "--format", "github"])
    out, err = capsys.readouterr()
    assert (code, err) == expected
    assert all(line.startswith(("::error ", "::warning ")) for line in out.splitlines())


def test_corpora__quartz_orphans() -> None:
    result = check("quartz-docs", Settings(select=("all",)))
    orphans = sorted(d.path for d in result.diagnostics if d.code == "orphan-note")
    # Each is reachable only through folder links or from no note at all.
    assert orphans == [
        "advanced/index.md",
        "features/darkmode.md",
        "features/index.md",
        "features/upcoming features.md",
        "plugins/index.md",
    ]
