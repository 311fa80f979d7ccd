"""The editors' report: reading grade, words, review and translation state of pages and handouts.

The reading grades come from `careleaf.editorial.readability`.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

import markdown as markdown_lib

from careleaf.content.blocks import Block
from careleaf.content.model import Library
from careleaf.editorial.readability import ReadabilityCounts
from careleaf.editorial.status_pages import page_is_stale

Kind = Literal["page", "handout", "block"]
FORMATS = ("table", "json", "markdown")
# The targets for English patient information (issue 12): grade 8 at most.
MAX_GRADE = 8.0
MAX_SMOG = 9.0
# Protected (safety) blocks are held to more (issue 28): the text a patient must act on,
# the emergency instruction included, at grade 6 and SMOG 8 at most.
MAX_PROTECTED_GRADE = 6.0
MAX_PROTECTED_SMOG = 8.0
MACRO_CALL = re.compile(r"\{\{.*?\}\}", re.DOTALL)


@dataclass(frozen=True)
class Entry:
    """One page, handout or protected block in one language.

    Attributes:
        lang: the language code.
        kind: "page", "handout" or "block" (a protected block on its own).
        name: the page's path under docs/<lang>/, the handout id or the block id.
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
    def limits(self) -> tuple[float, float]:
        """The highest Flesch–Kincaid grade and SMOG grade allowed for this entry's English."""
        if self.kind == "block":
            return MAX_PROTECTED_GRADE, MAX_PROTECTED_SMOG
        return MAX_GRADE, MAX_SMOG

    @property
    def too_hard(self) -> bool:
        """English text above its `limits`: grade 8 (Flesch–Kincaid) or SMOG 9 for pages and
        handouts, grade 6 or SMOG 8 for a protected block."""
        grade, smog = self.limits
        return (self.grade or 0) > grade or (self.smog or 0) > smog


def block_text(block: Block) -> str:
    """The Markdown a reader reads in a block: title, intro, body, every item and the
    emergency instruction."""
    parts = [f"# {block.title}", block.intro or "", block.body or ""]
    for item in block.items:
        parts.append(f"- {item.text}")
        parts += [f"  {extra}" for extra in (item.detail, item.frequency) if extra]
    parts.append(block.emergency or "")
    return "\n\n".join(part for part in parts if part)


def review_state(blocks: list[Block]) -> tuple[str, date | None, date | None]:
    """The clinical review of what a page or handout shows, from its blocks' reviews.

    Returns:
        ``(review, reviewed_on, next_review)``: "approved" only when every block is (else
        "draft"; "none" without blocks), the oldest review date and the earliest next review
        date among them.
    """
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
    library: Library,
    counts: ReadabilityCounts,
    lang: str,
    kind: Kind,
    name: str,
    prose: str,
    block_ids: list[str],
) -> Entry:
    blocks = [library.block(lang, b) for b in block_ids]
    text = "\n\n".join([prose, *(block_text(b) for b in blocks)])
    words, grade, smog, ease = counts.of(text, lang)
    # The clinical review is of the source content; a translation's own state is separate.
    source = library.source_language
    review, reviewed_on, next_review = review_state([library.block(source, b) for b in block_ids])
    return Entry(
        lang, kind, name, words, grade, smog, ease, review, reviewed_on, next_review, "source"
    )


# The editors' report's page: in the source language's site, left out of the navigation.
EDITORS_PAGE = "editors.md"


def build_report(library: Library, counts: ReadabilityCounts | None = None) -> list[Entry]:
    """One entry per page, per handout and per protected block in every language of the
    project.

    A language without its own page gets an entry for the English page it falls back to.

    Args:
        library: the loaded project (its pages as read when it was loaded).
        counts: the texts' readability counted before (by an earlier report of this build, or
            loaded from the last build's); the texts counted now are added to it. Default: a
            fresh one, every text counted.
    """
    counts = ReadabilityCounts() if counts is None else counts
    source = library.source_language
    source_pages = library.pages.get(source, {})
    entries = []
    for lang in library.project.languages:
        names = sorted({*source_pages, *library.pages.get(lang, {})})
        for name in names:
            own = library.page(lang, name)
            page = own or source_pages[name]
            blocks = list(page.blocks)
            prose = MACRO_CALL.sub("", page.markdown)
            entry = _entry(library, counts, lang, "page", name, prose, blocks)
            english = source_pages.get(name)
            stale = (
                lang != source
                and english is not None
                and own is not None
                and page_is_stale(english.text, own.text)
            )
            translation = (
                "English fallback"
                if own is None and lang != source
                else _translation(library, lang, blocks, stale)
            )
            entries.append(dataclasses.replace(entry, translation=translation))
        for handout_id, handout in library.handouts.items():
            title = library.handout_title(lang, handout_id)
            blocks = [section.block for section in handout.sections]
            prose = f"# {title.text}\n\n{title.detail or ''}"
            entry = _entry(library, counts, lang, "handout", handout_id, prose, blocks)
            translation = _translation(library, lang, blocks, page_stale=False)
            entries.append(dataclasses.replace(entry, translation=translation))
        for block_id in library.project.protected:
            entry = _entry(library, counts, lang, "block", block_id, "", [block_id])
            translation = _translation(library, lang, [block_id], page_stale=False)
            entries.append(dataclasses.replace(entry, translation=translation))
    return entries


def _columns(entry: Entry) -> list[str]:
    def number(value: float | None) -> str:
        return "" if value is None else f"{value:g}"

    grade = number(entry.grade) + (f" (above {entry.limits[0]:g})" if entry.too_hard else "")
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
        f"{len(hard)} English text{'s are' if len(hard) != 1 else ' is'} harder than its target."
        if hard
        else "Every English page and handout reads at grade 8 or below (SMOG 9), and every "
        "protected block at grade 6 or below (SMOG 8)."
    )
    table = markdown_lib.markdown(format_report(entries, "markdown"), extensions=["tables"])
    table = table.replace("<table>", '<table class="careleaf-report">', 1)
    return (
        "# Editors' report\n\n"
        f"Content version {content_version}. {summary} "
        "Reading grades use Flesch–Kincaid and SMOG for English and Fernández-Huerta reading "
        "ease for Spanish (higher is easier); other languages show word counts.\n\n"
        '<div class="careleaf-report-scroll" role="region" tabindex="0" '
        'aria-label="Readability, review and translation of every page, handout and '
        'protected block">\n'
        f"{table}\n</div>\n"
    )
