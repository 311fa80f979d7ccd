"""Translation status: what each language is missing, what went stale, what is extra."""

from __future__ import annotations

import dataclasses

from careleaf.content.model import Library
from careleaf.content.project import protected_key
from careleaf.editorial.status_blocks import block_entries
from careleaf.editorial.status_entries import Entry, LanguageStatus
from careleaf.editorial.status_pages import page_entries
from careleaf.errors import Problem
from careleaf.paths import CONTENT_DIR, DOCS_DIR, PROJECT_FILE


def translation_status(library: Library, lang: str) -> LanguageStatus:
    """Compare one translation with the source language: content blocks and site pages.

    Args:
        library: the loaded project.
        lang: a language of the project other than the source language.

    Returns:
        The language's status, with an entry for every missing, stale or extra unit.

    Raises:
        ValueError: if ``lang`` is unknown or is the source language.
    """
    source = library.source_language
    if lang == source:
        raise ValueError(f"'{lang}' is the source language")
    if lang not in library.content or lang not in library.project.languages:
        raise ValueError(f"unknown language '{lang}'")
    entries: list[Entry] = []
    counts = [0, 0]  # [total, current]
    block_entries(library, lang, entries, counts)
    entries = [
        dataclasses.replace(
            entry,
            translator_notes=tuple(
                library.translator_notes(entry.block, entry.item if entry.kind == "item" else None)
            ),
        )
        if entry.block is not None and entry.block in library.content[source]
        else entry
        for entry in entries
    ]
    page_entries(library, lang, entries, counts)
    total, current = counts
    language = library.project.languages[lang]
    return LanguageStatus(
        lang=lang,
        name=language.name,
        published=language.published,
        entries=tuple(entries),
        total=total,
        current=current,
        percent=round(100 * current / total, 1) if total else 100.0,
    )


def touched_languages(library: Library, paths: list[str]) -> list[str]:
    """The translations a change to these files concerns (for a pull request's status).

    A file under ``content/<lang>/`` or ``docs/<lang>/`` concerns that language; a change to
    the source language's files or to careleaf.yml concerns every translation.

    Args:
        library: the loaded project.
        paths: the changed files, relative to the project (``/``-separated).

    Returns:
        Language codes, in careleaf.yml's order.
    """
    source = library.source_language
    translations = [code for code in library.project.languages if code != source]
    touched: set[str] = set()
    for path in paths:
        parts = path.strip().lstrip("./").split("/")
        if parts == [PROJECT_FILE] or (
            len(parts) > 2 and parts[0] in (CONTENT_DIR, DOCS_DIR) and parts[1] == source
        ):
            return translations
        if len(parts) > 2 and parts[0] in (CONTENT_DIR, DOCS_DIR):
            touched.add(parts[1])
    return [code for code in translations if code in touched]


def safety_problems(library: Library, lang: str) -> list[Problem]:
    """Every safety item of a language that is missing or stale, as a problem to report.

    Args:
        library: the loaded project.
        lang: a language of the project other than the source language.

    Returns:
        One problem per missing or stale safety item, naming its file, key and item id.
        An empty list when every safety item is translated from today's English.
    """
    status = translation_status(library, lang)
    who = f"{status.name} ({lang})"
    problems = []
    for entry in status.entries:
        if not entry.safety or entry.state == "extra":
            continue
        what = "safety item" if entry.kind == "item" else "safety text"
        if entry.state == "missing" and entry.field is None:
            message = f"{who}: {what} is missing"
        elif entry.state == "missing":
            message = f"{who}: {what} is not completely translated ({entry.note})"
        elif entry.old_english is None:
            message = (
                f"{who}: {what} is stale: it records no English source (a draft, or marked "
                "fuzzy); "
                f"English is now {entry.new_english!r}"
            )
        else:
            message = (
                f"{who}: {what} is stale: English changed from "
                f"{entry.old_english!r} to {entry.new_english!r}"
            )
        problems.append(
            Problem(entry.file, message, line=entry.line, key=entry.key, item=_entry_key(entry))
        )
    return problems


def _entry_key(entry: Entry) -> str | None:
    """The protected key an entry is about (``block/item`` for a whole missing item)."""
    if entry.block is None or entry.item is None:
        return entry.item
    if entry.kind == "field":
        return protected_key(entry.block, entry.item)
    if entry.field is None:
        return f"{entry.block}/{entry.item}"
    return protected_key(entry.block, entry.field, entry.item)
