"""Every translatable unit of a language: its key, today's English, its translation, and the
English the translation was made from when that has changed since."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from careleaf.content.blocks import BLOCK_FIELDS, MARKDOWN_FIELDS, NUMBER_PLACEHOLDER
from careleaf.content.model import Library
from careleaf.content.project import protected_key
from careleaf.editorial.status_pages import page_body, page_is_stale, recorded_source
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
    """

    key: str
    english: str
    translation: str
    previous: str | None
    stale: bool
    comments: tuple[str, ...]
    where: str


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
        theirs = library.content[lang].get(block_id)
        changes = {name: old for name, old, _ in library.block_changes(lang, block_id)}
        for name in BLOCK_FIELDS:
            english = getattr(block, name)
            if english is None:
                continue
            key = protected_key(block_id, name)
            comments = [f"Note for translators: {n}" for n in library.translator_notes(block_id)]
            comments += _field_comments(name, key in keys)
            yield _field_unit(key, english, theirs, name, changes, comments, where)
        for item in block.items:
            mine_item = theirs.item(item.id) if theirs else None
            changes = {n: old for n, old, _ in library.item_changes(lang, block_id, item.id)}
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
                yield _field_unit(key, english, mine_item, name, changes, comments, where)
    yield from _page_units(library, lang)


def _field_unit(
    key: str,
    english: str,
    translated: object | None,
    name: str,
    changes: dict[str, str | None],
    comments: list[str],
    where: str,
) -> Unit:
    """One field of a block or item: its English, its translation (empty while there is none)
    and the older English it was translated from, when that changed since."""
    mine = (getattr(translated, name) if translated else None) or ""
    stale = bool(mine) and name in changes
    return Unit(key, english, mine, changes.get(name), stale, tuple(comments), where)


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
        yield Unit(
            PAGE + name,
            english,
            mine,
            recorded_source(text) if stale else None,
            stale,
            (
                "A whole page, in Markdown. Keep every {{ ... }} call exactly as it is: "
                "it places a translated block or a handout link.",
            ),
            f"{DOCS_DIR}/{library.source_language}/{name}",
        )
