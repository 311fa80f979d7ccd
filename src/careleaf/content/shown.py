"""What an output in one language shows of a block: each field and item, and each protected text.

One selection, read by the renderer (`careleaf.render.blocks.block_view` draws it) and by the
verifier (`careleaf.verify.expected` expects `protected_texts`, without the renderer): a field
or item a language has not (completely) translated, or whose translation is held back (a
draft, or protected text made from older English: `Library.held_back`), is shown in the source
language, and the emergency instruction carries the clinic's emergency number.
"""

from __future__ import annotations

from dataclasses import dataclass

import lxml.html

from careleaf.content.blocks import BLOCK_FIELDS, MARKDOWN_FIELDS, NUMBER_PLACEHOLDER, Item
from careleaf.content.clinic import Clinic
from careleaf.content.markup import to_html
from careleaf.content.model import Library
from careleaf.content.project import split_key

# What a preview writes before a translation that is not shown as current (a draft, or safety
# text made from older English): previews are for translators, in English like their banner.
DRAFT_MARK = "DRAFT, not published (needs review):"
# The notice on a preview's page that is itself a draft.
DRAFT_PAGE = "DRAFT, not published (needs review): this page is marked fuzzy."


@dataclass(frozen=True)
class Entry:
    """An item as one language shows it.

    Attributes:
        item: the translated item, or the source language's while it is not (completely)
            translated or not current (see `entries`).
        fallback: True when ``item`` is the source language's (shown with its ``lang``).
        draft: the translation held back (a draft, or protected text made from older
            English): only a preview shows it, marked, beside ``item``.
    """

    item: Item
    fallback: bool = False
    draft: str | None = None


@dataclass(frozen=True)
class Field:
    """A block field (intro, body, emergency instruction) as one language shows it.

    ``draft`` is the translation held back, as for `Entry`.
    """

    text: str
    fallback: bool = False
    draft: str | None = None


def shown_field(
    library: Library, lang: str, block_id: str, name: str, clinic: Clinic | None = None
) -> Field | None:
    """A block field as this language shows it (None when the source language has none).

    Args:
        library: the loaded content.
        lang: language code.
        block_id: the block's id.
        name: the field: title, intro, body or emergency.
        clinic: whose emergency number the emergency instruction carries (default: the
            project's clinic).
    """
    english = getattr(library.content[library.source_language][block_id], name)
    if english is None:
        return None
    translated = library.translated_field(lang, block_id, name)
    draft = None
    if translated is not None and library.held_back(lang, block_id, None, name):
        translated, draft = None, translated
    text = translated or english
    if name == "emergency":
        clinic = clinic or library.clinics[library.project.default_clinic]
        # In the language's own digits, so that Bengali text does not mix two sets of digits
        # (English shown in its place keeps the English digits).
        digits = lang if translated is not None else library.source_language
        number = library.project.languages[digits].number(clinic.emergency_number)
        text = text.replace(NUMBER_PLACEHOLDER, number)
    return Field(text, translated is None and lang != library.source_language, draft)


def emergency_number(
    library: Library, lang: str, block_id: str, clinic: Clinic | None = None
) -> str:
    """The clinic's emergency number as the block's emergency instruction shows it in ``lang``
    (`shown_field`): in the language's digits, or in the source language's where the
    instruction is shown in the source language."""
    clinic = clinic or library.clinics[library.project.default_clinic]
    field = shown_field(library, lang, block_id, "emergency", clinic)
    digits = library.source_language if field is None or field.fallback else lang
    return library.project.languages[digits].number(clinic.emergency_number)


def shown_fields(
    library: Library, lang: str, block_id: str, clinic: Clinic | None = None
) -> dict[str, Field]:
    """Every field the block has (but its title), by name, as this language shows it."""
    fields = {}
    for name in BLOCK_FIELDS[1:]:
        field = shown_field(library, lang, block_id, name, clinic)
        if field is not None:
            fields[name] = field
    return fields


def shown_entry(library: Library, lang: str, block_id: str, english: Item) -> Entry:
    """An item as this language shows it: its translation when it translates every field the
    source language's has and is not held back (`Library.held_back`), else the source
    language's (with the translation held back as ``draft``)."""
    item = library.translated_item(lang, block_id, english.id)
    if item is None:
        return Entry(english, fallback=lang != library.source_language)
    if library.held_back(lang, block_id, english.id):
        return Entry(english, fallback=True, draft=" ".join(item.fields().values()))
    return Entry(item)


def entries(library: Library, lang: str, block_id: str) -> list[Entry]:
    """The block's items in the source language's order, as this language shows them."""
    source = library.content[library.source_language][block_id]
    return [shown_entry(library, lang, block_id, english) for english in source.items]


def protected_texts(
    library: Library, lang: str, block_id: str, clinic: Clinic | None = None
) -> dict[str, str]:
    """Every protected key of a block -> the text an output in this language must show.

    Markdown fields (intro, body) are their rendered HTML's text; the emergency instruction
    holds the clinic's number (default: the project's clinic). A key whose field or item the
    block does not have (or has empty) is left out.
    """
    texts = {}
    for key in library.project.protected_keys(block_id):
        _, item_id, name = split_key(key)
        if item_id is None:
            field = shown_field(library, lang, block_id, name, clinic)
            if field is None:
                continue
            text = field.text
            if name in MARKDOWN_FIELDS:
                text = plain_text(text)
            texts[key] = text
        else:
            item = library.shown_item(lang, block_id, item_id)
            value = getattr(item, name) if item else None
            if value:
                texts[key] = value
    return texts


def plain_text(markdown: str) -> str:
    """The text a reader sees of a Markdown field: its rendered HTML's text content."""
    return str(lxml.html.fragment_fromstring(to_html(markdown), create_parent="div").text_content())
