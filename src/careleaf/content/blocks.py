"""Content as its YAML files hold it: items and blocks (one file each), and their review.

No I/O here: `careleaf.content.load` reads files into these types; the renderers and the
verifier read them through the `careleaf.content.model.Library`.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic import Strict as StrictType

# Characters that show nothing although they are not whitespace to str.strip().
BLANKS = frozenset("\u115f\u1160\u034f\u2800\u3164\uffa0")


def visible(text: str) -> str:
    """Refuse text made only of whitespace and invisible characters (zero-width space...)."""
    if not any(
        not ch.isspace() and ch not in BLANKS and unicodedata.category(ch) not in ("Cf", "Cc", "Zs")
        for ch in text
    ):
        raise ValueError("has no visible characters (only spaces or invisible characters)")
    return text


Id = Annotated[str, StrictType(), StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
Text = Annotated[
    str,
    StrictType(),
    StringConstraints(min_length=1, max_length=20_000, strip_whitespace=True),
    AfterValidator(visible),
]
LangCode = Annotated[
    str, StrictType(), StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
]

# The fields of a block and of an item that are translated (and may be protected).
BLOCK_FIELDS = ("title", "intro", "body", "emergency")
ITEM_FIELDS = ("text", "detail", "frequency")
# Block fields that hold Markdown: their shown text is that of the rendered HTML.
MARKDOWN_FIELDS = ("intro", "body")
# Where the clinic's emergency number goes in a block's emergency instruction.
NUMBER_PLACEHOLDER = "{number}"

# Block ids with a fixed role: UI labels and handout titles are translated like blocks.
LABELS = "labels"
HANDOUT_TITLES = "handouts"
# The statements a clinic switches on for its jurisdiction (clinic.yml: consent_statements).
CONSENT_STATEMENTS = "consent-statements"
# Every label the templates use; the source language must define them all.
REQUIRED_LABELS = (
    "draft-notice",
    "review-overdue",
    "how-common",
    "applies-to-you",
    "yes",
    "no",
    "patient-name",
    "patient-signature",
    "clinician-name",
    "clinician-signature",
    "date",
    "page",
    "of",
    "reviewed",
    "version",
    "scan-for-online",
    "download",
    "download-pdf",
    "contact",
    "book",
    "phone",
    "email",
    "address",
    "website",
    "stale-translation",
    "fallback-page",
    "translation-draft",
    "language",
    "not-found",
    "not-found-help",
    "home",
    "page-address",
    "sources",
    "large-print",
    "call-the-clinic",
)


class Strict(BaseModel):
    """Base of every model read from a file: unknown keys and wrong types are errors."""

    # Scalars are strict (a number is not a string); lists may fill tuples.
    model_config = ConfigDict(extra="forbid", frozen=True)


class ItemSource(Strict):
    """In a translation: the English of each field the item was made from."""

    text: Text | None = None
    detail: Text | None = None
    frequency: Text | None = None


class Item(Strict):
    """One entry of a block: a side effect, a contraindication, a step, a label."""

    id: Id
    text: Text
    detail: Text | None = None
    frequency: Text | None = None
    source: ItemSource | None = Field(
        default=None, description="In a translation: the English each field was made from."
    )
    note: Text | None = Field(
        default=None, description="In the source language: a note for translators."
    )

    def fields(self) -> dict[str, str]:
        """The item's translatable fields that have a value, by name."""
        return {name: getattr(self, name) for name in ITEM_FIELDS if getattr(self, name)}


class Review(Strict):
    """Clinical review metadata; it lives with the content, not in git dates.

    Draft content needs no dates (outputs say "not yet reviewed" and show none); approved
    content says who reviewed it, when, and when it is next due.
    """

    status: Literal["draft", "approved"]
    reviewed_on: date | None = None
    reviewed_by: Text | None = None
    next_review_due: date | None = None
    references: tuple[Text, ...] = ()

    @model_validator(mode="after")
    def _approved_is_dated(self) -> Review:
        if self.status == "approved":
            absent = [
                name
                for name in ("reviewed_on", "reviewed_by", "next_review_due")
                if getattr(self, name) is None
            ]
            if absent:
                raise ValueError(f"approved content needs {', '.join(absent)}")
        return self


class BlockSource(Strict):
    """In a translation: the English title, intro, body and emergency instruction it was
    made from."""

    title: Text | None = None
    intro: Text | None = None
    body: Text | None = None
    emergency: Text | None = None


class Block(Strict):
    """One single-sourced block of content in one language (one YAML file)."""

    id: Id
    lang: LangCode
    path: str
    title: Text
    intro: Text | None = None
    body: Text | None = None
    emergency: Text | None = Field(
        default=None,
        description="What to do in an emergency; {number} stands for the clinic's number.",
    )
    items: tuple[Item, ...] = ()
    review: Review | None = None
    source: BlockSource | None = None
    note: Text | None = Field(
        default=None, description="In the source language: a note for translators."
    )

    @property
    def is_draft(self) -> bool:
        """True while no clinician has signed the block off."""
        return self.review is None or self.review.status == "draft"

    def item(self, item_id: str) -> Item | None:
        """The item with this id, or None."""
        return next((i for i in self.items if i.id == item_id), None)

    def plain_texts(self) -> list[tuple[tuple[str | int, ...], str, str]]:
        """The fields shown as typed (not Markdown): ``(key path, text, item or block id)``
        for the title and emergency instruction, and each item's text, detail and frequency."""
        found: list[tuple[tuple[str | int, ...], str, str]] = [
            ((name,), getattr(self, name), self.id)
            for name in BLOCK_FIELDS
            if name not in MARKDOWN_FIELDS and getattr(self, name)
        ]
        for index, item in enumerate(self.items):
            found += [
                (("items", index, name), text, item.id) for name, text in item.fields().items()
            ]
        return found
