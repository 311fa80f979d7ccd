"""Translated pages: the English page each records in its front matter, and their status.

The pages are the Library's, as read when the project was loaded (`careleaf.content.model.Page`).
"""

from __future__ import annotations

import difflib

import yaml

from careleaf.content.model import Library
from careleaf.content.pages import FRONT_MATTER, split_front_matter
from careleaf.editorial.status_entries import Entry
from careleaf.paths import DOCS_DIR

# The front-matter key of a translated page that holds the English page it was made from.
SOURCE_KEY = "source"


def page_body(text: str) -> str:
    """A page's text without its front matter, as a translated page records it."""
    return split_front_matter(text)[0].strip("\n") + "\n"


def recorded_source(page_text: str) -> str | None:
    """The English page text a translated page's front matter records (``source:``), or None."""
    match = FRONT_MATTER.match(page_text)
    if not match:
        return None
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return None
    value = data.get(SOURCE_KEY) if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def page_is_stale(english_text: str, translated_text: str) -> bool:
    """Whether a translated page records English other than its English page's today."""
    recorded = recorded_source(translated_text)
    return recorded is None or recorded.strip() != page_body(english_text).strip()


def page_is_draft(english_text: str, translated_text: str) -> bool:
    """Whether a translated page is a draft: it records no English page (a translator marked
    it fuzzy) and is not the English page itself. The sites show the English page instead;
    only a preview shows the draft."""
    return (
        recorded_source(translated_text) is None
        and page_body(translated_text).strip() != page_body(english_text).strip()
    )


def page_diff(old: str | None, new: str, file: str) -> str:
    """A unified diff from the recorded English page to today's (all of it when not recorded)."""
    lines = difflib.unified_diff(
        (old or "").splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=f"{file} (recorded English)",
        tofile=f"{file} (English today)",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def page_entries(library: Library, lang: str, entries: list[Entry], counts: list[int]) -> None:
    """Compare a translation's pages with the source language's, page by page.

    Args:
        library: the loaded project (its pages as read when it was loaded).
        lang: a translation of the project.
        entries: where an entry is added for every missing, stale or extra page.
        counts: ``[total, current]``, as `careleaf.editorial.status_blocks.block_entries`.
    """
    source = library.source_language
    english = library.pages.get(source, {})
    translated = library.pages.get(lang, {})
    for name, page in english.items():
        counts[0] += 1
        file = f"{DOCS_DIR}/{lang}/{name}"
        new = page_body(page.text)
        theirs = translated.get(name)
        if theirs is None:
            entries.append(Entry("page", "missing", file, new_english=new, reason="not-translated"))
            continue
        text = theirs.text
        if theirs.markdown.strip() == page.markdown.strip():
            # `careleaf translate` starts every page as a copy of the English one.
            entries.append(
                Entry(
                    "page",
                    "missing",
                    file,
                    new_english=new,
                    note="the page is still the English text",
                    reason="not-translated",
                )
            )
            continue
        if page_is_stale(page.text, text):
            old = recorded_source(text)
            entries.append(
                Entry(
                    "page",
                    "stale",
                    file,
                    old_english=old,
                    new_english=new,
                    key=SOURCE_KEY,
                    line=_front_matter_line(text, SOURCE_KEY),
                    diff=page_diff(old, new, page.file),
                    note=None if old is not None else f"no {SOURCE_KEY} in the front matter",
                    reason="english-changed" if old is not None else "needs-review",
                )
            )
        else:
            counts[1] += 1
    for name, page in translated.items():
        if name not in english:
            entries.append(
                Entry(
                    "page",
                    "extra",
                    page.file,
                    note=f"no {DOCS_DIR}/{source}/{name}",
                    reason="not-in-source",
                )
            )


def _front_matter_line(text: str, key: str) -> int | None:
    """The line of a top-level front-matter key, or None."""
    match = FRONT_MATTER.match(text)
    if not match:
        return None
    # The YAML starts on the line after the opening "---".
    for number, line in enumerate(match.group(1).splitlines(), start=2):
        if line.startswith(f"{key}:"):
            return number
    return None
