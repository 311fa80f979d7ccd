"""Every translatable unit of a language: its key, today's English, its translation, and the
English the translation was made from when that has changed since."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from careleaf.content.blocks import BLOCK_FIELDS, MARKDOWN_FIELDS, NUMBER_PLACEHOLDER
from careleaf.content.model import Library
from careleaf.content.project import protected_key
from careleaf.editorial.status_entries import REASONS
from careleaf.editorial.status_pages import SOURCE_KEY, page_body, page_is_stale, recorded_source
from careleaf.paths import CONTENT_DIR, DOCS_DIR

# The key of a whole page: this prefix and its path under docs/<lang>/.
PAGE = "page:"


@dataclass(frozen=True)
class Unit:
    """One translatable unit of a language, as a PO entry shows it.

    Attributes:
        key: the entry's context: ``block/item/field``, ``block/field`` or ``page:<path>``.
        english: today's English.
        translation: the translation ("" when there is none).
        previous: the English the translation was made from, when that is not today's
            (None when it is, or when nothing is recorded).
        stale: the translation was made from other (or unrecorded) English.
        comments: what a translator should know: notes, safety, format.
        where: the English file the unit comes from.
        why: why a translation is not current, or not shown (`status_entries.REASONS`
            words), for the PO's comments; None when nothing needs saying.
    """

    key: str
    english: str
    translation: str
    previous: str | None
    stale: bool
    comments: tuple[str, ...]
    where: str
    why: str | None = None


def units(library: Library, lang: str) -> Iterator[Unit]:
    """Every translatable unit of a language, in the source language's order.

    Args:
        library: the loaded project.
        lang: a translation of the project.

    Yields:
        The blocks' fields and items' fields, then the pages.
    """
    source = library.source_language
    for block_id, block in library.content[source].items():
        where = f"{CONTENT_DIR}/{source}/{block_id}.yml"
        keys = set(library.project.protected_keys(block_id))
        # The file as written, not the loaded block: the loader leaves out a block whose title
        # is not translated yet and an item without its text, but what a translator wrote in
        # them is still theirs to export (and must survive export, import, export).
        theirs = raw_block(library, lang, block_id)
        # Translations of a block without a title are kept but not shown: say so on each.
        untitled = [REASONS["title-not-translated"]] if untitled_draft(theirs) else []
        for name in BLOCK_FIELDS:
            english = getattr(block, name)
            if english is None:
                continue
            key = protected_key(block_id, name)
            comments = [f"Note for translators: {n}" for n in library.translator_notes(block_id)]
            comments += _field_comments(name, key in keys)
            why = [] if name == "title" else untitled
            yield _field_unit(key, english, theirs, name, comments, where, why)
        for item in block.items:
            mine_item = _raw_item(theirs, item.id)
            absent = [name for name in item.fields() if not _text(mine_item.get(name))]
            part = []
            if mine_item and len(absent) < len(item.fields()) and absent:
                part = [f"{REASONS['partly-translated']} (not translated: {', '.join(absent)})"]
            for name, english in item.fields().items():
                key = protected_key(block_id, name, item.id)
                comments = [
                    f"Note for translators: {n}"
                    for n in library.translator_notes(block_id, item.id)
                ]
                if key in keys:
                    comments.append(
                        "Safety text (protected in careleaf.yml): translate every field of this "
                        "item; until all of them are, the item is shown in English."
                    )
                yield _field_unit(key, english, mine_item, name, comments, where, untitled + part)
    yield from _page_units(library, lang)


def untitled_draft(block: dict[str, Any]) -> bool:
    """Whether a translated block's data holds translations but no title: the loader leaves
    such a block out (nothing of it is shown) until its title is translated too."""
    if _text(block.get("title")):
        return False
    items = block.get("items")
    texts = [block.get(name) for name in BLOCK_FIELDS] + [
        value
        for item in (items if isinstance(items, list) else [])
        if isinstance(item, dict)
        for key, value in item.items()
        if key not in ("id", SOURCE_KEY)
    ]
    return any(_text(text) for text in texts)


def raw_block(library: Library, lang: str, block_id: str) -> dict[str, Any]:
    """A translated block's data as its file holds it ({} when there is none)."""
    path = library.root / CONTENT_DIR / lang / f"{block_id}.yml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None
    except yaml.YAMLError:
        data = None  # the loader reports it, with its line
    return data if isinstance(data, dict) else {}


def _raw_item(block: dict[str, Any], item_id: str) -> dict[str, Any]:
    """An item's data in a block's data ({} when there is none)."""
    items = block.get("items")
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and item.get("id") == item_id:
            return item
    return {}


def _text(value: Any) -> str:
    """A text as the loader reads it (stripped); "" for anything that is not a text."""
    return value.strip() if isinstance(value, str) else ""


def _field_unit(
    key: str,
    english: str,
    data: dict[str, Any],
    name: str,
    comments: list[str],
    where: str,
    why: list[str],
) -> Unit:
    """One field of a block or item: its English, its translation (empty while there is none)
    and the English it was translated from, when that is not today's.

    A field whose recorded English is absent is stale too: that is how an entry a translator
    marked fuzzy is kept (see `careleaf.editorial.po`).
    """
    mine = _text(data.get(name))
    recorded_all = data.get(SOURCE_KEY)
    recorded = _text(recorded_all.get(name)) if isinstance(recorded_all, dict) else ""
    stale = bool(mine) and recorded != english.strip()
    previous = recorded if stale and recorded else None
    reasons = [*why, _stale_reason(previous)] if stale else why
    return Unit(
        key, english, mine, previous, stale, tuple(comments), where, "; ".join(reasons) or None
    )


def _stale_reason(previous: str | None) -> str:
    """Why a stale translation is: the English changed, or it records none (marked fuzzy)."""
    return REASONS["english-changed" if previous else "needs-review"]


def _field_comments(name: str, safety: bool) -> list[str]:
    comments = []
    if safety:
        comments.append("Safety text (protected in careleaf.yml): keep its meaning exactly.")
    if name in MARKDOWN_FIELDS:
        comments.append("Markdown: keep the list marks, emphasis and links.")
    if name == "emergency":
        comments.append(f"Keep {NUMBER_PLACEHOLDER} once: the clinic's emergency number goes here.")
    return comments


def _page_units(library: Library, lang: str) -> Iterator[Unit]:
    english_dir = library.root / DOCS_DIR / library.source_language
    for path in sorted(english_dir.rglob("*.md")):
        name = path.relative_to(english_dir).as_posix()
        english_text = path.read_text(encoding="utf-8")
        english = page_body(english_text)
        theirs = library.root / DOCS_DIR / lang / name
        text = theirs.read_text(encoding="utf-8") if theirs.is_file() else ""
        mine = page_body(text) if text else ""
        if mine.strip() == english.strip():
            mine = ""  # `careleaf translate` starts every page as a copy of the English one
        stale = bool(mine) and page_is_stale(english_text, text)
        previous = recorded_source(text) if stale else None
        yield Unit(
            PAGE + name,
            english,
            mine,
            previous,
            stale,
            (
                "A whole page, in Markdown. Keep every {{ ... }} call exactly as it is: "
                "it places a translated block or a handout link.",
            ),
            f"{DOCS_DIR}/{library.source_language}/{name}",
            _stale_reason(previous) if stale else None,
        )
