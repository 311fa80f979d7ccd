"""What an output in one language shows of a block: each field and item, and each protected text.

One selection, read by the renderer (`careleaf.render.blocks.block_view` draws it) and by the
verifier (`careleaf.verify.expected` expects `protected_texts`, without the renderer): a field
or item a language has not (completely) translated is shown in the source language, and the
emergency instruction carries the clinic's emergency number.
"""

from __future__ import annotations

from dataclasses import dataclass

import lxml.html

from careleaf.content.blocks import BLOCK_FIELDS, MARKDOWN_FIELDS, NUMBER_PLACEHOLDER, Item
from careleaf.content.clinic import Clinic
from careleaf.content.markup import to_html
from careleaf.content.model import Library
from careleaf.content.project import split_key


@dataclass(frozen=True)
class Entry:
    """An item as one language shows it.

    Attributes:
        item: the translated item, or the source language's while it is not (completely)
            translated.
        fallback: True when ``item`` is the source language's (shown with its ``lang``).
        current_source: for a protected item translated from older English, today's English,
            shown beside the old translation with a notice.
    """

    item: Item
    fallback: bool = False
    current_source: str | None = None


@dataclass(frozen=True)
class Field:
    """A block field (intro, body, emergency instruction) as one language shows it."""

    text: str
    fallback: bool = False


def shown_field(
    library: Library, lang: str, block_id: str, name: str, clinic: Clinic | None = None
) -> Field | None:
    """A block field as this language shows it (None when the source language has none).

    Args:
        library: the loaded content.
        lang: language code.
        block_id: the block's id.
        name: the field: intro, body or emergency.
        clinic: whose emergency number the emergency instruction carries (default: the
            project's clinic).
    """
    english = getattr(library.content[library.source_language][block_id], name)
    if english is None:
        return None
    translated = library.translated_field(lang, block_id, name)
    text = translated or english
    if name == "emergency":
        clinic = clinic or library.clinics[library.project.default_clinic]
        # In the language's own digits, so that Bengali text does not mix two sets of digits.
        number = library.project.languages[lang].number(clinic.emergency_number)
        text = text.replace(NUMBER_PLACEHOLDER, number)
    return Field(text, fallback=translated is None and lang != library.source_language)


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


def shown_item(library: Library, lang: str, block_id: str, item_id: str) -> Item | None:
    """An item as this language shows it: its translation when it translates every field the
    source language's has, else the source language's (None: no such item)."""
    return library.translated_item(lang, block_id, item_id) or library.english_item(
        block_id, item_id
    )


def entries(library: Library, lang: str, block_id: str) -> list[Entry]:
    """The block's items in the source language's order, as this language shows them."""
    source = library.content[library.source_language][block_id]
    protected = block_id in library.project.protected
    result = []
    for english in source.items:
        item = library.translated_item(lang, block_id, english.id)
        if item is None:
            result.append(Entry(english, fallback=lang != library.source_language))
        elif protected and library.item_changes(lang, block_id, english.id):
            result.append(Entry(item, current_source=" ".join(english.fields().values())))
        else:
            result.append(Entry(item))
    return result


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
            item = shown_item(library, lang, block_id, item_id)
            value = getattr(item, name) if item else None
            if value:
                texts[key] = value
    return texts


def plain_text(markdown: str) -> str:
    """The text a reader sees of a Markdown field: its rendered HTML's text content."""
    return str(lxml.html.fragment_fromstring(to_html(markdown), create_parent="div").text_content())
