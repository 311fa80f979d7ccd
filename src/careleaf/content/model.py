"""The Library: a project's content, handouts and clinics, validated and frozen as one whole.

No I/O here: `careleaf.content.load` reads the files into it (the site pages included, each
read and parsed once); the renderers, the verifier and the editorial tools read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from careleaf.content.blocks import (
    BLOCK_FIELDS,
    HANDOUT_TITLES,
    LABELS,
    Block,
    BlockSource,
    Item,
    ItemSource,
)
from careleaf.content.clinic import Clinic
from careleaf.content.handout import Handout
from careleaf.content.places import YDict
from careleaf.content.project import Project, protected_key
from careleaf.errors import Problem
from careleaf.paths import DOCS_DIR


@dataclass(frozen=True)
class Page:
    """A site page (``docs/<lang>/<uri>``) as read and checked once, when the project loads.

    Attributes:
        lang: the language folder it is in.
        uri: its path inside that folder, e.g. ``care/after.md``.
        file: its path in the project, e.g. ``docs/es/care/after.md``.
        text: the file's text (BOM dropped, newlines as ``\\n``; empty when not readable).
        markdown: the text without its front matter.
        offset: how many lines the front matter took (the line of ``markdown``'s first line,
            less one).
        blocks: the blocks its macro calls name, in order (`careleaf.content.pages.check_page`).
        handouts: the handouts its macro calls name, in order.
        problems: what is wrong with it: the file, its front matter, its template code, its
            Markdown (`careleaf.content.pages.read_pages`).
        readable: False when the file could not be read (its problems say why).
    """

    lang: str
    uri: str
    file: str
    text: str
    markdown: str
    offset: int
    blocks: tuple[str, ...] = ()
    handouts: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()
    readable: bool = True


@dataclass(frozen=True)
class Library:
    """Everything the renderers need, validated: content per language, handouts, clinics."""

    root: Path
    project: Project
    content: Mapping[str, Mapping[str, Block]]
    handouts: Mapping[str, Handout]
    clinics: Mapping[str, Clinic]
    # Each block file's YAML as read (untranslated items included), by its path: where every
    # key and list entry is in the file, for messages, without reading the file again.
    source_map: Mapping[str, YDict]
    # The site pages of each language, by their path inside ``docs/<lang>/``, in the order
    # of their paths (`careleaf.content.pages.read_pages`).
    pages: Mapping[str, Mapping[str, Page]] = field(default_factory=dict)

    def with_pages(self, pages: Mapping[str, Mapping[str, Page]]) -> Library:
        """The same content with these pages (read again after an edit of pages only)."""
        return replace(self, pages=pages)

    def page(self, lang: str, uri: str) -> Page | None:
        """A language's own page, or None."""
        return self.pages.get(lang, {}).get(uri)

    def shown_page(self, lang: str, uri: str) -> Page | None:
        """The page a language's site shows at ``uri``: its own, else the source language's."""
        return self.page(lang, uri) or self.page(self.source_language, uri)

    def page_at(self, file: str) -> Page | None:
        """The page whose project path is ``file`` (``docs/<lang>/<uri>``), or None."""
        parts = file.split("/", 2)
        if len(parts) < 3 or parts[0] != DOCS_DIR:
            return None
        return self.page(parts[1], parts[2])

    @property
    def source_language(self) -> str:
        """The language every translation is made from."""
        return self.project.source_language

    def block(self, lang: str, block_id: str) -> Block:
        """The block in this language, or the source language's while it is not translated."""
        translated = self.content.get(lang, {}).get(block_id)
        return translated or self.content[self.source_language][block_id]

    def is_translated(self, lang: str, block_id: str) -> bool:
        """Whether this language has its own version of the block."""
        return block_id in self.content.get(lang, {})

    def translated_item(self, lang: str, block_id: str, item_id: str) -> Item | None:
        """The translation of an item, only when it translates every field English has.

        A half-translated item counts as not translated: it is shown whole in the source
        language, never as a mix that silently drops a detail or a frequency.
        """
        if lang == self.source_language or not self.is_translated(lang, block_id):
            return None
        english = self.english_item(block_id, item_id)
        item = self.content[lang][block_id].item(item_id)
        if english is None or item is None:
            return None
        return item if set(english.fields()) <= set(item.fields()) else None

    def translated_field(self, lang: str, block_id: str, field: str) -> str | None:
        """A block field (title, intro, body, emergency) as translated, or None."""
        if lang == self.source_language or not self.is_translated(lang, block_id):
            return None
        value: str | None = getattr(self.content[lang][block_id], field)
        return value

    def item_changes(
        self, lang: str, block_id: str, item_id: str
    ) -> list[tuple[str, str | None, str]]:
        """The fields of a translated item made from English that has changed since.

        Returns:
            ``(field, recorded English or None, today's English)`` for each field English has
            whose recorded source differs from it (or is not recorded).
        """
        english = self.english_item(block_id, item_id)
        if (
            lang == self.source_language
            or english is None
            or not self.is_translated(lang, block_id)
        ):
            return []
        item = self.content[lang][block_id].item(item_id)
        if item is None:
            return []
        source = item.source or ItemSource()
        return [
            (name, getattr(source, name), new)
            for name, new in english.fields().items()
            if getattr(source, name) != new
        ]

    def block_changes(self, lang: str, block_id: str) -> list[tuple[str, str | None, str]]:
        """The block fields of a translation made from English that has changed since."""
        if lang == self.source_language or not self.is_translated(lang, block_id):
            return []
        english = self.content[self.source_language].get(block_id)
        if english is None:
            return []
        source = self.content[lang][block_id].source or BlockSource()
        return [
            (name, getattr(source, name), getattr(english, name))
            for name in BLOCK_FIELDS
            if getattr(english, name) is not None
            and getattr(source, name) != getattr(english, name)
        ]

    def held_back(self, lang: str, block_id: str, item_id: str | None, name: str = "") -> bool:
        """Whether a translated item (or, with ``item_id`` None, the block field ``name``) is
        held back: not shown as current, the source language's shown instead.

        Nothing that records no English (a draft: a translator marked it fuzzy) is published
        as current, and protected text made from English that changed since counts as
        missing until it is translated again, even when ``--allow-stale`` publishes the
        language. Other stale text is shown (its page says it may be out of date).
        """
        if item_id is None:
            changes = [c for c in self.block_changes(lang, block_id) if c[0] == name]
            key = protected_key(block_id, name)
        else:
            changes = self.item_changes(lang, block_id, item_id)
            key = protected_key(block_id, "text", item_id)
        protected = key in self.project.protected_keys(block_id)
        return bool(changes) and (protected or any(old is None for _, old, _ in changes))

    def shown_item(self, lang: str, block_id: str, item_id: str) -> Item | None:
        """An item as this language shows it: its translation when it translates every field
        English has and is not held back (`held_back`), else the source language's (None
        when English has no such item)."""
        item = self.translated_item(lang, block_id, item_id)
        if item is not None and not self.held_back(lang, block_id, item_id):
            return item
        return self.english_item(block_id, item_id)

    def stale_items(self, lang: str, block_id: str) -> set[str]:
        """Items translated from English that has changed since, in any field (or from none)."""
        if lang == self.source_language or not self.is_translated(lang, block_id):
            return set()
        return {
            item.id
            for item in self.content[lang][block_id].items
            if self.item_changes(lang, block_id, item.id)
        }

    def is_stale(self, lang: str, block_id: str) -> bool:
        """Whether any part of the block's translation was made from older English."""
        return bool(self.block_changes(lang, block_id) or self.stale_items(lang, block_id))

    def translator_notes(self, block_id: str, item_id: str | None = None) -> list[str]:
        """The source language's notes for translators on a block (and on one of its items)."""
        block = self.content[self.source_language].get(block_id)
        item = block.item(item_id) if block is not None and item_id else None
        return [note for note in (block and block.note, item and item.note) if note]

    def english_item(self, block_id: str, item_id: str) -> Item | None:
        """The source language's version of an item."""
        return self.content[self.source_language][block_id].item(item_id)

    def label(self, lang: str, label_id: str) -> str:
        """A UI label in this language (in the source language while it is not translated)."""
        item = self.shown_item(lang, LABELS, label_id)
        if item is None:
            raise KeyError(f"label '{label_id}' is not defined for '{lang}'")
        return item.text

    def handout_title(self, lang: str, handout_id: str) -> Item:
        """The title (text) and description (detail) of a handout in this language."""
        item = self.shown_item(lang, HANDOUT_TITLES, handout_id)
        if item is None:
            raise KeyError(f"handout '{handout_id}' has no title for '{lang}'")
        return item

    def safety_items(self, lang: str) -> dict[str, Item]:
        """Every protected item as this language shows it, by id.

        The ids are the source language's; an item not (completely) translated, or held
        back, is the source's own.
        """
        return {
            item.id: self.shown_item(lang, block_id, item.id) or item
            for block_id in self.project.protected
            for item in self.content[self.source_language][block_id].items
            if item.id in self.project.protected[block_id].items
        }

    def url(self, clinic: Clinic, lang: str, path: str = "") -> str:
        """An address on the clinic's site: source language at the root, others under /<lang>/."""
        base = clinic.website.rstrip("/") + "/"
        if lang != self.source_language:
            base += f"{lang}/"
        return base + path

    def clinic_logo(self, clinic: Clinic) -> Path:
        """The logo file of a clinic."""
        return self.root / Path(clinic.path).parent / clinic.logo
