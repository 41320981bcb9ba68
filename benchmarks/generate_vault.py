"""Generate a realistic synthetic Obsidian vault, and the truth about its broken links.

    python benchmarks/generate_vault.py OUT_DIR --notes 10000 --seed 1 [--truth FILE]

The vault has nested folders, Cyrillic and spaced names (a few stored in NFD form),
duplicate basenames, frontmatter with property links, headings and block ids that links
point at, tables, lists, quotes and callouts, fenced/indented code, inline code, math and
HTML comments holding fake links, power-law link counts (a few hub notes, many leaves),
about 2% broken links and a few links to missing headings or blocks, and attachments. An
average note is about 4.3 KB, so 10,000 notes make about 43 MB.

The ground truth is written outside the vault (``OUT_DIR/../<name>.truth.json`` unless
``--truth`` says where): every link the generator wrote that resolves to no file, and every
link whose heading or block is missing, each with its source path (as stored on disk),
1-based line, 1-based column in code points and raw text; plus counts of notes,
attachments, links and fake links. The same arguments always give byte-identical files.

The generator depends only on the standard library, so it can describe a vault
independently of the code under test.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import struct
import sys
import unicodedata
import zlib
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from itertools import accumulate
from pathlib import Path
from urllib.parse import quote

GENERATOR_VERSION = 2
MARKER = ".wikigraph-generated"
"""A dot-file (skipped by vault scans) that marks a folder this script may overwrite."""


def words_of(text: str) -> list[str]:
    """The words of a block of text."""
    return text.split()


BROKEN_SHARE = 0.02
TAG_ZIPF = 1.1
"""Exponent of the tags' Zipf distribution: the n-th most used tag is used about
1/n**1.1 as often as the most used one."""
NESTED_TAG_SHARE = 0.3
"""Share of the tag vocabulary that is nested under another tag (``parent/child``)."""
MISSING_SUBPATH_SHARE = 0.004

EN_WORDS = words_of(
    """
system model memory graph note idea project review draft research method design signal
network pattern theory practice history garden river market energy language reading
writing summary question answer example problem solution habit focus meeting planning
budget travel recipe health sleep exercise music film book paper article course lecture
lesson concept principle framework process workflow template archive inbox journal goal
task value decision risk strategy feedback team client product feature release test data
analysis chart table index outline structure layer function variable algorithm search
cache server protocol security privacy ethics philosophy economics biology physics
chemistry geometry statistics probability evidence argument claim source citation insight
observation experiment result conclusion update change version context attention learning
teaching practice reflection routine morning evening weekend season winter summer autumn
spring mountain forest ocean city village street bridge tower window garden kitchen
library museum theatre concert painting sketch poem story chapter scene character author
editor reader publisher interview survey sample measure metric baseline target estimate
forecast trend cycle growth decline balance tension friction leverage constraint tradeoff
"""
)

RU_WORDS = words_of(
    """
заметка проект идея память система модель граф связь книга статья обзор план задача цель
встреча неделя день чтение письмо язык история теория практика метод пример вопрос ответ
решение привычка здоровье сон музыка фильм курс лекция урок понятие принцип процесс архив
журнал итоги выбор риск стратегия команда продукт выпуск ошибка тест данные анализ таблица
карта структура поиск сервер философия экономика биология физика химия геометрия статистика
вероятность довод источник цитата наблюдение опыт результат вывод изменение ёлка йогурт
объём учёба зеркало дорога город море лес ветер звезда весна осень зима лето утро вечер
"""
)

HEADING_WORDS = """
Overview Background Key ideas|Open questions|References|Summary|Details|Examples|Next steps|
Related|Log|Timeline|Criticism|Method|Results|Discussion|Context|Definitions|Sources|
Highlights|Quotes|Action items|Decisions|Reading list|Glossary|Takeaways|Problems|
Solutions|Comparison|History|Motivation|Design|Implementation|Evaluation|Limitations|
Обзор|Итоги|Вопросы|Ссылки|Примеры|Выводы|Контекст|Определения|Источники
"""
HEADINGS = [part.strip() for part in HEADING_WORDS.replace("\n", "").split("|") if part.strip()]

TOP_FOLDERS = [
    "Projects", "Areas", "Resources", "Archive", "Daily", "Meetings", "Reading notes",
    "People", "Ideas", "Заметки", "Проекты", "Учёба", "Work log", "Zettelkasten",
]  # fmt: skip

CODE_LANGUAGES = ["python", "js", "bash", "yaml", "", "text", "sql"]
EXTERNAL_URLS = [
    "https://example.org/articles/knowledge-graphs",
    "https://example.com/docs/getting-started",
    "https://example.net/wiki/Zettelkasten",
    "mailto:someone@example.org",
    "https://example.org/путь/страница",
]

WRAP_WIDTH = 80


@dataclass(slots=True)
class PlannedNote:
    """A note decided in the first pass: where it lives and what others may link to."""

    disk_path: str
    """Vault-relative path as stored on disk (NFD for a few Cyrillic names)."""
    link_path: str
    """The same path in NFC without ``.md``: how links spell it."""
    title: str
    """The name in NFC: how bare links spell it."""
    folder: str
    duplicate: bool = False
    """Another note elsewhere has the same name, so links use the path."""
    headings: list[tuple[int, str]] = field(default_factory=list)
    blocks: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    out_degree: int = 0
    target_bytes: int = 0
    crlf: bool = False


@dataclass(frozen=True, slots=True)
class OutLink:
    """A link to write: its text in prose, its text in a table cell, what it is."""

    raw: str
    table_raw: str
    path: str
    """The target as written, decoded."""
    broken: bool = False
    missing_subpath: bool = False
    external: bool = False
    before: str = ""
    """Text written right before the link (``**``, a quote), not part of it."""
    after: str = ""

    def wrapped(self, before: str, after: str) -> OutLink:
        """The same link written between ``before`` and ``after``."""
        return replace(self, before=before, after=after)


@dataclass(slots=True)
class Truth:
    """What the generator knows about the vault it wrote."""

    broken: list[dict[str, object]] = field(default_factory=list)
    missing_subpaths: list[dict[str, object]] = field(default_factory=list)
    links: int = 0
    fake_links: int = 0
    note_bytes: int = 0


class NoteWriter:
    """Builds a note line by line and records where each link lands."""

    def __init__(self, source: str, truth: Truth) -> None:
        self.source = source
        self.truth = truth
        self.lines: list[str] = []
        self.size = 0

    def add(self, line: str) -> None:
        """Append a line that holds no links."""
        self.lines.append(line)
        self.size += len(line.encode("utf-8")) + 1

    def add_pieces(
        self, prefix: str, pieces: Sequence[str | OutLink], *, table: bool = False
    ) -> None:
        """Append one line made of ``prefix`` and space-separated pieces; record the links."""
        line = prefix
        for index, piece in enumerate(pieces):
            if index:
                line += " "
            if isinstance(piece, OutLink):
                line += piece.before
                self.record(piece, len(self.lines) + 1, len(line) + 1, table)
                line += (piece.table_raw if table else piece.raw) + piece.after
            else:
                line += piece
        self.add(line)

    def add_cells(self, cells: Sequence[Sequence[str | OutLink]]) -> None:
        """Append a table row whose cells are lists of pieces."""
        line = "|"
        for cell in cells:
            line += " "
            for index, piece in enumerate(cell):
                if index:
                    line += " "
                if isinstance(piece, OutLink):
                    line += piece.before
                    self.record(piece, len(self.lines) + 1, len(line) + 1, True)
                    line += piece.table_raw + piece.after
                else:
                    line += piece
            line += " |"
        self.add(line)

    def add_wrapped(
        self, first: str, rest: str, pieces: Sequence[str | OutLink], width: int
    ) -> None:
        """Append pieces as a paragraph wrapped at ``width``; links never break."""
        line: list[str | OutLink] = []
        length = len(first)
        prefix = first
        for piece in pieces:
            text = piece.before + piece.raw + piece.after if isinstance(piece, OutLink) else piece
            if line and length + 1 + len(text) > width:
                self.add_pieces(prefix, line)
                prefix, line, length = rest, [], len(rest)
            length += len(text) + (1 if line else 0)
            line.append(piece)
        if line:
            self.add_pieces(prefix, line)

    def record(self, link: OutLink, line: int, column: int, table: bool) -> None:
        self.truth.links += 1
        if link.broken or link.missing_subpath:
            entry = {
                "source": self.source,
                "line": line,
                "column": column,
                "raw": link.table_raw if table else link.raw,
                "path": link.path,
            }
            (self.truth.broken if link.broken else self.truth.missing_subpaths).append(entry)

    def text(self, crlf: bool) -> bytes:
        body = "\n".join(self.lines) + "\n"
        if crlf:
            body = body.replace("\n", "\r\n")
        return body.encode("utf-8")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def key_of(text: str) -> str:
    """How a resolver compares names: NFC, lower case."""
    return nfc(text).lower()


def suffixes(path: str) -> list[str]:
    parts = key_of(path).split("/")
    return ["/".join(parts[start:]) for start in range(len(parts))]


class VaultGenerator:
    """Plans and writes one vault."""

    def __init__(self, notes: int, seed: int) -> None:
        self.count = notes
        self.rng = random.Random(seed)
        self.seed = seed
        self.folders: list[str] = []
        self.notes: list[PlannedNote] = []
        self.attachments: list[str] = []
        self.taken: set[str] = set()
        self.truth = Truth()
        self.target_cum: list[float] = []
        self.broken_names: list[str] = []
        self.tags: list[str] = []
        self.tag_cum: list[float] = []

    # ---- first pass: names, folders, headings ------------------------------------------

    def words(self, count: int, cyrillic: float = 0.12) -> list[str]:
        rng = self.rng
        pool = RU_WORDS if rng.random() < cyrillic else EN_WORDS
        return rng.choices(pool, k=count)

    def date(self) -> str:
        rng = self.rng
        return f"{rng.randrange(2019, 2027)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"

    def plan_folders(self) -> None:
        rng = self.rng
        wanted = max(8, self.count // 35)
        tops = TOP_FOLDERS[: max(3, min(len(TOP_FOLDERS), 3 + self.count // 400))]
        folders = list(tops)
        seen = {key_of(folder) for folder in folders}
        while len(folders) < wanted:
            # now and then go deeper under a recent folder, so that some paths nest deeply
            parent = rng.choice(folders[-4:] if rng.random() < 0.35 else folders)
            if parent.count("/") >= 4:
                continue
            words = self.words(rng.choice((1, 1, 2, 3)))
            name = " ".join(words).capitalize()
            if rng.random() < 0.15:
                name = f"{rng.randrange(2015, 2027)} {name}"
            candidate = f"{parent}/{name}"
            if key_of(candidate) not in seen:
                seen.add(key_of(candidate))
                folders.append(candidate)
        self.folders = sorted(folders)

    def title(self, used: set[str]) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.08:
            title = (
                f"{rng.randrange(2019, 2027)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
            )
        elif roll < 0.25:
            title = " ".join(rng.choices(RU_WORDS, k=rng.choice((1, 2, 2, 3)))).capitalize()
        elif roll < 0.45:
            title = " ".join(w.capitalize() for w in self.words(rng.choice((2, 3)), 0))
        elif roll < 0.52:
            title = f"{'-'.join(self.words(2, 0)).capitalize()} {rng.randrange(1, 99)}"
        else:
            title = " ".join(self.words(rng.choice((1, 2, 2, 3, 4)), 0)).capitalize()
        base, number = title, 2
        while key_of(title) in used:
            title = f"{base} {number}"
            number += 1
        used.add(key_of(title))
        return title

    def plan_notes(self) -> None:
        rng = self.rng
        weights = [1.0 / (rank + 1) ** 0.7 for rank in range(len(self.folders) + 1)]
        places = ["", *self.folders]
        rng.shuffle(places)
        cum = list(accumulate(weights))
        used_titles: set[str] = set()
        in_folder: dict[str, set[str]] = {}
        for _ in range(self.count):
            folder = places[bisect_right(cum, rng.random() * cum[-1])]
            duplicate_of: PlannedNote | None = None
            if folder and self.notes and rng.random() < 0.03:
                other = self.notes[rng.randrange(len(self.notes))]
                if other.folder and other.folder != folder:
                    duplicate_of = other
            if duplicate_of is not None and key_of(duplicate_of.title) not in in_folder.get(
                folder, set()
            ):
                title = duplicate_of.title
                duplicate_of.duplicate = True
            else:
                duplicate_of = None
                title = self.title(used_titles)
            in_folder.setdefault(folder, set()).add(key_of(title))
            link_path = f"{folder}/{title}" if folder else title
            disk_name = title
            if ("ё" in title or "й" in title) and rng.random() < 0.5:
                disk_name = unicodedata.normalize("NFD", title)
            disk_path = f"{folder}/{disk_name}.md" if folder else f"{disk_name}.md"
            note = PlannedNote(disk_path, link_path, title, folder)
            note.duplicate = duplicate_of is not None
            self.plan_contents(note)
            self.notes.append(note)

    def plan_contents(self, note: PlannedNote) -> None:
        rng = self.rng
        names = rng.sample(HEADINGS, rng.randrange(2, 7))
        level = 2
        for name in names:
            note.headings.append((level, name))
            level = rng.choice((2, 3)) if level == 2 else rng.choice((2, 3, 3))
        note.blocks = [
            f"{rng.choice(EN_WORDS)}-{rng.randrange(16**4):04x}"
            for _ in range(rng.choice((0, 0, 1, 2)))
        ]
        note.blocks = list(dict.fromkeys(note.blocks))
        if rng.random() < 0.1:
            note.aliases = [" ".join(w.capitalize() for w in self.words(2, 0)) + " (alias)"]
        # Power-law out-degree: most notes link a few times, a few hubs link hundreds.
        note.out_degree = min(int(rng.paretovariate(1.35) * 3.2) - 2, 600)
        note.out_degree = max(note.out_degree, 0)
        note.target_bytes = int(rng.lognormvariate(7.93, 0.55))
        note.crlf = rng.random() < 0.01

    def plan_attachments(self) -> None:
        rng = self.rng
        count = max(3, self.count // 15)
        homes = [f"{top}/attachments" for top in self.folders if "/" not in top][:6]
        homes.append("Вложения")
        kinds = ("png", "png", "png", "jpg", "svg", "pdf")
        names: set[str] = set()
        while len(self.attachments) < count:
            stem = "-".join(self.words(rng.choice((1, 2)), 0.1))
            name = f"{stem} {rng.randrange(1000)}.{rng.choice(kinds)}"
            if rng.random() < 0.3:
                name = name.replace(" ", "_")
            if key_of(name) in names:
                continue
            names.add(key_of(name))
            home = rng.choice(homes) if rng.random() < 0.8 else rng.choice(self.folders)
            self.attachments.append(f"{home}/{name}")
        self.attachments.sort()

    def index_names(self) -> None:
        """Every key a link could resolve by, so broken names can avoid them."""
        taken = self.taken
        for note in self.notes:
            taken.update(suffixes(note.link_path))
            taken.update(suffixes(note.link_path + ".md"))
            taken.update(key_of(alias) for alias in note.aliases)
        for path in self.attachments:
            taken.update(suffixes(path))
        for folder in {*self.folders, *(path.rsplit("/", 1)[0] for path in self.attachments)}:
            taken.update(suffixes(folder))
        ranks = list(range(len(self.notes)))
        self.rng.shuffle(ranks)
        weights = [0.0] * len(self.notes)
        for position, index in enumerate(ranks):
            weights[index] = 1.0 / (position + 1) ** 0.85
        self.target_cum = list(accumulate(weights))

    def plan_tags(self) -> None:
        """The vault's tag vocabulary: tens to a few hundred tags, some nested, used with a
        Zipf distribution (a few tags everywhere, most tags on a handful of notes).

        The vocabulary has its own random stream, so that planning it leaves the rest of
        the vault as it was; which tag each note uses comes from the main stream.
        """
        rng = random.Random(f"tags-{self.seed}")
        wanted = min(320, 12 + int(2.5 * self.count**0.5))
        tops: list[str] = []
        tags: list[str] = []
        seen: set[str] = set()
        while len(tags) < wanted:
            if tops and rng.random() < NESTED_TAG_SHARE:
                # nest under one of the more popular tags, sometimes two levels deep
                parent = rng.choice(tags[: max(4, len(tags) // 3)])
                if parent.count("/") >= 2:
                    continue
                tag = f"{parent}/{rng.choice(EN_WORDS)}"
            else:
                pool = RU_WORDS if rng.random() < 0.08 else EN_WORDS
                tag = rng.choice(pool)
                if rng.random() < 0.15:
                    tag = f"{tag}-{rng.choice(EN_WORDS)}"
            if tag.lower() in seen:
                continue
            seen.add(tag.lower())
            tags.append(tag)
            if "/" not in tag:
                tops.append(tag)
        self.tags = tags
        self.tag_cum = list(accumulate(1.0 / (rank + 1) ** TAG_ZIPF for rank in range(len(tags))))

    def tag(self) -> str:
        """A tag of the vocabulary, drawn by popularity."""
        cum = self.tag_cum
        return self.tags[bisect_right(cum, self.rng.random() * cum[-1])]

    def tag_set(self, count: int) -> list[str]:
        """Up to ``count`` different tags, drawn by popularity."""
        chosen: list[str] = []
        for _ in range(count * 3):
            if len(chosen) == count:
                break
            tag = self.tag()
            if tag not in chosen:
                chosen.append(tag)
        return chosen

    # ---- second pass: links and text ---------------------------------------------------

    def missing_name(self) -> str:
        rng = self.rng
        while True:
            base = rng.choice(self.notes).title
            roll = rng.random()
            if roll < 0.4 and len(base) > 3:
                cut = rng.randrange(1, len(base) - 1)
                name = base[:cut] + base[cut + 1 :]
            elif roll < 0.7:
                name = f"{base} {rng.choice(EN_WORDS)}"
            else:
                name = " ".join(self.words(rng.choice((1, 2, 3)))).capitalize()
            name = name.strip()
            if (
                name
                and key_of(name) not in self.taken
                and key_of(name + ".md") not in self.taken
                and not name.endswith(".")
            ):
                return name

    def pick_target(self, source: PlannedNote) -> PlannedNote:
        for _ in range(4):
            found = self.notes[
                bisect_right(self.target_cum, self.rng.random() * self.target_cum[-1])
            ]
            if found is not source:
                return found
        return found

    def note_ref(self, target: PlannedNote, source: PlannedNote) -> str:
        """How a wikilink spells ``target``: mostly its name; mostly its path when the name
        is shared (a bare name then resolves to one of the notes, never to nothing)."""
        if self.rng.random() < (0.7 if target.duplicate else 0.08):
            return target.link_path
        return target.title

    def markdown_dest(self, path: str, source: PlannedNote) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.2 and source.folder:
            relative = os.path.relpath(path, source.folder or ".").replace(os.sep, "/")
            path = relative if relative.startswith("../") else "./" + relative
        if roll > 0.85:
            return f"<{path}>"
        if rng.random() < 0.5:
            return quote(path, safe="/")
        return path.replace(" ", "%20")

    def display(self) -> str:
        return " ".join(self.words(self.rng.choice((1, 2, 3))))

    @staticmethod
    def wikilink(
        inner: str, *, embed: bool = False, broken: bool = False, missing_subpath: bool = False
    ) -> OutLink:
        """``[[inner]]`` (or ``![[inner]]``); in a table its ``|`` is written ``\\|``."""
        bang = "!" if embed else ""
        path = inner.split("|", 1)[0].split("#", 1)[0]
        escaped = inner.replace("|", "\\|")
        return OutLink(f"{bang}[[{inner}]]", f"{bang}[[{escaped}]]", path, broken, missing_subpath)

    @staticmethod
    def mdlink(
        text: str,
        dest: str,
        path: str,
        *,
        image: bool = False,
        broken: bool = False,
        external: bool = False,
    ) -> OutLink:
        """``[text](dest)`` (or ``![text](dest)``)."""
        raw = f"{'!' if image else ''}[{text}]({dest})"
        return OutLink(raw, raw, path, broken=broken, external=external)

    def good_link(self, source: PlannedNote) -> OutLink:
        rng = self.rng
        roll = rng.random()
        if roll < 0.09:
            attachment = rng.choice(self.attachments)
            name = attachment.rsplit("/", 1)[1]
            choice = rng.random()
            if choice < 0.5:
                return self.wikilink(name, embed=True)
            if choice < 0.7:
                size = f"|{rng.choice((200, 300, 480))}" if not name.endswith(".pdf") else "#page=2"
                return self.wikilink(name + size, embed=True)
            dest = self.markdown_dest(attachment, source)
            return self.mdlink(rng.choice(EN_WORDS), dest, attachment, image=True)
        if roll < 0.12:
            url = rng.choice(EXTERNAL_URLS)
            if rng.random() < 0.3 and url.startswith("https") and url.isascii():
                return OutLink(f"<{url}>", f"<{url}>", url, external=True)
            return self.mdlink(self.display(), url, url, external=True)
        target = self.pick_target(source)
        ref = self.note_ref(target, source)
        if roll < 0.55:
            return self.wikilink(ref)
        if roll < 0.67:
            return self.wikilink(f"{ref}|{self.display()}")
        if roll < 0.75:
            heading = rng.choice(target.headings)[1]
            return self.wikilink(f"{target.link_path if target.duplicate else ref}#{heading}")
        if roll < 0.77:
            chain = self.heading_chain(target)
            if chain:
                return self.wikilink(f"{target.link_path if target.duplicate else ref}#{chain}")
            return self.wikilink(ref)
        if roll < 0.8 and target.blocks:
            block = rng.choice(target.blocks)
            return self.wikilink(f"{target.link_path if target.duplicate else ref}#^{block}")
        if roll < 0.84:
            return self.wikilink(ref, embed=True)
        if roll < 0.86:
            return self.wikilink(f"{ref}.md")
        dest = self.markdown_dest(target.link_path + ".md", source)
        return self.mdlink(self.display(), dest, target.link_path + ".md")

    @staticmethod
    def heading_chain(target: PlannedNote) -> str | None:
        parent: str | None = None
        for level, text in target.headings:
            if level == 2:
                parent = text
            elif parent is not None:
                return f"{parent}#{text}"
        return None

    def broken_link(self, source: PlannedNote) -> OutLink:
        rng = self.rng
        roll = rng.random()
        if roll < 0.1:
            name = f"{'-'.join(self.words(2, 0))} {rng.randrange(1000, 9999)}.png"
            while key_of(name) in self.taken:
                name = "missing " + name
            return self.wikilink(name, embed=True, broken=True)
        name = self.missing_name()
        if roll < 0.55:
            return self.wikilink(name, broken=True)
        if roll < 0.75:
            return self.wikilink(f"{name}|{self.display()}", broken=True)
        if roll < 0.82:
            return self.wikilink(f"{name}#{rng.choice(HEADINGS)}", broken=True)
        dest = quote(name, safe="/") + ".md"
        return self.mdlink(self.display(), dest, name + ".md", broken=True)

    def missing_subpath_link(self, source: PlannedNote) -> OutLink:
        target = self.pick_target(source)
        ref = target.link_path if target.duplicate else self.note_ref(target, source)
        if self.rng.random() < 0.7:
            return self.wikilink(
                f"{ref}#Section removed in {self.rng.randrange(2000, 2030)}", missing_subpath=True
            )
        return self.wikilink(
            f"{ref}#^deleted-{self.rng.randrange(16**4):04x}", missing_subpath=True
        )

    def out_links(self, source: PlannedNote) -> list[OutLink]:
        links = []
        for _ in range(source.out_degree):
            roll = self.rng.random()
            if roll < BROKEN_SHARE:
                links.append(self.broken_link(source))
            elif roll < BROKEN_SHARE + MISSING_SUBPATH_SHARE:
                links.append(self.missing_subpath_link(source))
            else:
                links.append(self.good_link(source))
        return links

    def fake_name(self) -> str:
        self.truth.fake_links += 1
        return f"{self.missing_name()}"

    def filler(self, count: int, links: list[OutLink], take: int) -> list[str | OutLink]:
        """Words of prose with inline decorations and ``take`` links from ``links``."""
        rng = self.rng
        pieces: list[str | OutLink] = []
        words = self.words(count, 0.1)
        sentence_start = True
        for index, word in enumerate(words):
            roll = rng.random()
            if sentence_start:
                word = word.capitalize()
                sentence_start = False
            elif roll < 0.03:
                word = f"**{word}**"
            elif roll < 0.05:
                word = f"_{word}_"
            elif roll < 0.055:
                word = f"=={word}=="
            elif roll < 0.07:
                word = f"#{self.tag()}"
            elif roll < 0.08:
                word = f"`{word}()`"
            elif roll < 0.085:
                word = f"`[[{self.fake_name()}]]`"
            elif roll < 0.087:
                word = f"\\[[{rng.choice(EN_WORDS)}]]"
            elif roll < 0.089:
                word = f"${rng.choice('xyz')}^2$"
            elif roll < 0.12:
                word += ","
            elif roll < 0.16 and index < len(words) - 1:
                word += "."
                sentence_start = True
            pieces.append(word)
        for _ in range(min(take, len(links))):
            link = links.pop()
            position = rng.randrange(1, len(pieces) + 1)
            if rng.random() < 0.03 and not link.external:
                link = link.wrapped("**", "**")  # emphasis around a link keeps it a link
            pieces.insert(position, link)
        if pieces and isinstance(pieces[-1], str):
            pieces[-1] += "."
        return pieces

    def write_note(self, note: PlannedNote) -> bytes:
        rng = self.rng
        writer = NoteWriter(note.disk_path, self.truth)
        links = self.out_links(note)
        rng.shuffle(links)
        if rng.random() < 0.75:
            self.frontmatter(writer, note, links)
        if rng.random() < 0.6:
            writer.add(f"# {note.title}")
            writer.add("")
        self.paragraph(writer, links, take=self.share(links, writer, note))
        headings = list(note.headings)
        blocks = list(note.blocks)
        while headings or links or writer.size < note.target_bytes:
            if headings:
                level, text = headings.pop(0)
                writer.add(f"{'#' * level} {text}")
                writer.add("")
            for _ in range(rng.randrange(1, 4)):
                self.block(writer, note, links, blocks)
        while blocks:
            self.paragraph(writer, links, take=0, block_id=blocks.pop())
        data = writer.text(note.crlf)
        self.truth.note_bytes += len(data)
        return data

    def share(self, links: list[OutLink], writer: NoteWriter, note: PlannedNote) -> int:
        """How many links the next block should hold so that all fit in the note."""
        if not links:
            return 0
        blocks_left = max(1.0, (note.target_bytes - writer.size) / 260)
        expected = len(links) / blocks_left
        whole = int(expected)
        return whole + (1 if self.rng.random() < expected - whole else 0)

    def frontmatter(self, writer: NoteWriter, note: PlannedNote, links: list[OutLink]) -> None:
        rng = self.rng
        writer.add("---")
        if rng.random() < 0.3:
            writer.add(f"title: {json.dumps(note.title, ensure_ascii=False)}")
        if note.aliases:
            writer.add("aliases:")
            for alias in note.aliases:
                writer.add(f"  - {json.dumps(alias, ensure_ascii=False)}")
        tags = self.tag_set(rng.randrange(0, 4))
        if tags:
            writer.add(f"tags: [{', '.join(tags)}]")
        writer.add(f"created: {self.date()}")
        wikilinks = [link for link in links if link.raw.startswith("[[") and "|" not in link.raw]
        if wikilinks and rng.random() < 0.6:
            link = wikilinks[0]
            links.remove(link)
            writer.add_pieces("up: ", [link.wrapped('"', '"')])
        more = [link for link in links if link.raw.startswith("[[")][: rng.choice((0, 0, 1, 2, 3))]
        if more:
            if rng.random() < 0.5:
                writer.add("related:")
                for link in more:
                    links.remove(link)
                    writer.add_pieces("  - ", [link.wrapped('"', '"')])
            else:
                line = "related: ["
                for index, link in enumerate(more):
                    links.remove(link)
                    if index:
                        line += ", "
                    line += '"'
                    writer.record(link, len(writer.lines) + 1, len(line) + 1, False)
                    line += link.raw + '"'
                writer.add(line + "]")
        writer.add(f"status: {rng.choice(('draft', 'done', 'seed', 'evergreen'))}")
        writer.add("---")
        writer.add("")

    def paragraph(
        self, writer: NoteWriter, links: list[OutLink], take: int, block_id: str | None = None
    ) -> None:
        rng = self.rng
        pieces = self.filler(rng.randrange(12, 70), links, take)
        if block_id is not None:
            pieces.append(f"^{block_id}")
        if rng.random() < 0.5:
            writer.add_pieces("", pieces)
        else:
            writer.add_wrapped("", "", pieces, WRAP_WIDTH)
        writer.add("")

    def block(
        self, writer: NoteWriter, note: PlannedNote, links: list[OutLink], blocks: list[str]
    ) -> None:
        rng = self.rng
        take = self.share(links, writer, note)
        roll = rng.random()
        if roll < 0.45:
            block_id = blocks.pop() if blocks and rng.random() < 0.4 else None
            self.paragraph(writer, links, take, block_id)
        elif roll < 0.65:
            self.list_block(writer, links, take)
        elif roll < 0.72:
            self.quote(writer, links, take)
        elif roll < 0.77:
            self.table(writer, links, take)
        elif roll < 0.86:
            self.fenced_code(writer)
        elif roll < 0.88:
            # an indented code block; the plain paragraph first ends any list above
            writer.add(" ".join(self.words(8)).capitalize() + ":")
            writer.add("")
            writer.add(f"    see [[{self.fake_name()}]] for details")
            writer.add(f"    {rng.choice(EN_WORDS)} = [[{self.fake_name()}]]")
            writer.add("")
        elif roll < 0.9:
            writer.add(f"<!-- todo: merge with [[{self.fake_name()}]] -->")
            writer.add("")
        elif roll < 0.92:
            writer.add("$$")
            writer.add(f"\\sum_{{i}} [[{self.fake_name()}]] x_i")
            writer.add("$$")
            writer.add("")
        elif roll < 0.94:
            writer.add("---" if rng.random() < 0.5 else "***")
            writer.add("")
        else:
            self.paragraph(writer, links, take)

    def list_block(self, writer: NoteWriter, links: list[OutLink], take: int) -> None:
        rng = self.rng
        items = max(2, min(take, 400) + rng.randrange(0, 3))
        style = rng.random()
        for number in range(items):
            per_item = take // items + (1 if number < take % items else 0)
            if style < 0.15:
                marker = f"{number + 1}. "
            elif style < 0.3:
                marker = rng.choice(("- [ ] ", "- [x] "))
            else:
                marker = "- "
            indent = "  " if number and not style < 0.15 and rng.random() < 0.2 else ""
            count = rng.randrange(2, 14) if per_item else rng.randrange(3, 16)
            writer.add_pieces(indent + marker, self.filler(count, links, per_item))
            if rng.random() < 0.04:
                # fenced code inside the item: indented to the item's content
                pad = indent + " " * (len(marker) if style < 0.15 else 2)
                writer.add(f"{pad}```")
                writer.add(f"{pad}link = '[[{self.fake_name()}]]'")
                writer.add(f"{pad}```")
        writer.add("")

    def quote(self, writer: NoteWriter, links: list[OutLink], take: int) -> None:
        rng = self.rng
        if rng.random() < 0.5:
            kind = rng.choice(("note", "tip", "warning", "info", "quote"))
            writer.add(f"> [!{kind}] {' '.join(self.words(2)).capitalize()}")
        pieces = self.filler(rng.randrange(10, 50), links, take)
        writer.add_wrapped("> ", "> ", pieces, WRAP_WIDTH)
        writer.add("")

    def table(self, writer: NoteWriter, links: list[OutLink], take: int) -> None:
        rng = self.rng
        rows = max(2, min(take, 30) + rng.randrange(0, 2))
        writer.add("| Name | Link | Comment |")
        writer.add("| --- | :-- | --- |")
        for row in range(rows):
            cell_links: list[str | OutLink] = []
            if take and links:
                cell_links = [links.pop()]
                take -= 1
            elif not row and rng.random() < 0.3:
                cell_links = [f"`[[{self.fake_name()}]]`"]
            else:
                cell_links = [rng.choice(EN_WORDS)]
            writer.add_cells(
                [
                    [" ".join(self.words(rng.randrange(1, 3))).capitalize()],
                    cell_links,
                    list(self.words(rng.randrange(1, 6))),
                ]
            )
        writer.add("")

    def fenced_code(self, writer: NoteWriter) -> None:
        rng = self.rng
        fence = rng.choice(("```", "```", "~~~", "````"))
        writer.add(f"{fence}{rng.choice(CODE_LANGUAGES)}")
        for _ in range(rng.randrange(2, 9)):
            roll = rng.random()
            if roll < 0.25:
                writer.add(f"# see [[{self.fake_name()}]]")
            elif roll < 0.35:
                writer.add(f"url = '[{rng.choice(EN_WORDS)}]({self.fake_name()}.md)'")
            else:
                name, call = rng.choice(EN_WORDS), rng.choice(EN_WORDS)
                writer.add(f"{name}_{rng.randrange(9)} = {call}({rng.randrange(100)})")
        writer.add(fence)
        writer.add("")

    # ---- output --------------------------------------------------------------------------

    def generate(self, out: Path) -> dict[str, object]:
        self.plan_folders()
        self.plan_notes()
        self.plan_attachments()
        self.index_names()
        self.plan_tags()
        for folder in self.folders:
            (out / folder).mkdir(parents=True, exist_ok=True)
        for note in self.notes:
            path = out / note.disk_path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(self.write_note(note))
        for index, attachment in enumerate(self.attachments):
            path = out / attachment
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(attachment_bytes(attachment, index))
        order = lambda entry: (entry["source"], entry["line"], entry["column"])  # noqa: E731
        return {
            "generator": GENERATOR_VERSION,
            "seed": self.seed,
            "notes": len(self.notes),
            "attachments": len(self.attachments),
            "folders": len(self.folders),
            "note_bytes": self.truth.note_bytes,
            "links": self.truth.links,
            "fake_links": self.truth.fake_links,
            "broken_links": sorted(self.truth.broken, key=order),
            "missing_subpaths": sorted(self.truth.missing_subpaths, key=order),
        }


def png_bytes(seed: int) -> bytes:
    """A valid 2x2 PNG whose colour depends on ``seed``."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    colour = bytes(((seed * 37) % 256, (seed * 91) % 256, (seed * 53) % 256))
    raw = b"".join(b"\x00" + colour * 2 for _ in range(2))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def attachment_bytes(path: str, index: int) -> bytes:
    extension = path.rsplit(".", 1)[1]
    if extension in ("png", "jpg"):
        return png_bytes(index)
    if extension == "svg":
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
            f'<rect width="10" height="10" fill="#{index % 4096:03x}"/></svg>\n'
        ).encode()
    return f"%PDF-1.4\n% synthetic attachment {index}\n%%EOF\n".encode()


def default_truth_path(out: Path) -> Path:
    """Where the truth goes unless told: beside the vault, never inside it."""
    resolved = out.resolve()
    return resolved.parent / f"{resolved.name}.truth.json"


def prepare(out: Path) -> None:
    """Make ``out`` an empty folder; only a folder this script made is ever deleted."""
    if out.exists():
        if (out / MARKER).is_file():
            shutil.rmtree(out)
        elif not out.is_dir() or any(out.iterdir()):
            raise SystemExit(
                f'error: "{out}" exists and was not made by this script (choose another folder)'
            )
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER).write_text(
        "made by benchmarks/generate_vault.py; safe to delete\n", encoding="utf-8"
    )


def generate_vault(
    out: Path, notes: int, seed: int, truth: Path | None = None
) -> dict[str, object]:
    """Write a vault of ``notes`` notes to ``out`` and its truth file; return the truth."""
    out = Path(out)
    truth_path = Path(truth) if truth is not None else default_truth_path(out)
    if truth_path.resolve().is_relative_to(out.resolve()):
        raise SystemExit("error: the truth file must not be inside the vault")
    prepare(out)
    document = VaultGenerator(notes, seed).generate(out)
    truth_path.parent.mkdir(parents=True, exist_ok=True)
    truth_path.write_text(
        json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return document


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Write a deterministic synthetic Obsidian vault and its ground truth."
    )
    parser.add_argument("out", type=Path, metavar="OUT_DIR", help="folder to create")
    parser.add_argument("--notes", type=int, default=1000, help="number of notes (default: 1000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument(
        "--truth",
        type=Path,
        metavar="FILE",
        help="truth file (default: OUT_DIR/../NAME.truth.json)",
    )
    args = parser.parse_args(argv)
    if args.notes < 1:
        parser.error("--notes must be at least 1")
    document = generate_vault(args.out, args.notes, args.seed, args.truth)
    megabytes = int(str(document["note_bytes"])) / 1e6
    broken = document["broken_links"]
    print(
        f"{args.out}: {document['notes']} notes, {document['attachments']} attachments,"
        f" {megabytes:.1f} MB of notes, {document['links']} links,"
        f" {len(broken) if isinstance(broken, list) else 0} broken"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
