"""What a translation status is made of: an entry per unit that is missing, stale or extra."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["item", "field", "page", "block"]
State = Literal["missing", "stale", "extra"]
Reason = Literal[
    "not-translated",
    "no-file",
    "title-not-translated",
    "partly-translated",
    "english-changed",
    "needs-review",
    "not-in-source",
]

# Why a unit is not current, in words: `careleaf status` and the PO file's comments say the same.
REASONS: dict[str, str] = {
    "not-translated": "not translated yet",
    "no-file": "the block's file does not exist yet",
    "title-not-translated": "the block's title is not translated: nothing of the block is "
    "shown in this language until it is",
    "partly-translated": "the item is partly translated: it is shown in the source language "
    "until every field is",
    "english-changed": "out of date: the English changed since it was translated",
    "needs-review": "needs review: marked fuzzy (or no English recorded), a draft that is not "
    "published until it is confirmed",
    "not-in-source": "not in the source language any more",
}


@dataclass(frozen=True)
class Entry:
    """One unit of a translation that is missing, stale or extra.

    Attributes:
        kind: "item", "field" (a block's title, intro, body or emergency instruction), "page"
            or "block".
        state: "missing", "stale" or "extra".
        file: the translation's file, e.g. ``content/es/side-effects.yml``.
        block: the block id, for items, fields and blocks.
        item: the item id, or the field name for a field.
        field: for a stale item, the field whose English changed.
        safety: True for a protected item or field.
        old_english: the English the translation was made from (None when not recorded).
        new_english: today's English.
        key: the key path in the translation's file, when there is one.
        line: the line in the translation's file, when known.
        diff: for a stale page, a unified diff from the recorded English page to today's.
        note: anything else worth saying.
        translator_notes: the source language's notes for translators on the block or item.
        reason: why it is not current, one of `REASONS` (the words for each).
    """

    kind: Kind
    state: State
    file: str
    block: str | None = None
    item: str | None = None
    field: str | None = None
    safety: bool = False
    old_english: str | None = None
    new_english: str | None = None
    key: str | None = None
    line: int | None = None
    diff: str | None = None
    note: str | None = None
    translator_notes: tuple[str, ...] = ()
    reason: Reason | None = None


@dataclass(frozen=True)
class LanguageStatus:
    """How far a translation is from the source language.

    Attributes:
        lang: the language code.
        name: the language's name, from careleaf.yml.
        published: whether the language is published.
        entries: every unit that is missing, stale or extra.
        total: units the source language has (items, block fields and pages).
        current: units that are translated and not stale.
        percent: ``current`` as a percentage of ``total``, rounded to one decimal.
    """

    lang: str
    name: str
    published: bool
    entries: tuple[Entry, ...] = field(default_factory=tuple)
    total: int = 0
    current: int = 0
    percent: float = 100.0
