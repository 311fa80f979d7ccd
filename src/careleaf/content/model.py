"""The validated, frozen content model: items, blocks, handouts, clinics and the library.

No I/O here: `load` reads files into these types, the renderers and the verifier read them.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
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
Color = Annotated[str, StrictType(), StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]
LangCode = Annotated[
    str, StrictType(), StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
]
Length = Annotated[str, StrictType(), StringConstraints(pattern=r"^\d+(\.\d+)?(mm|cm|in|pt)$")]
WebUrl = Annotated[
    str, StrictType(), StringConstraints(pattern=r"^https?://[^\s<>\"']+$", max_length=500)
]
Email = Annotated[str, StrictType(), StringConstraints(pattern=r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")]
# A short-dial emergency number: 999, 112, 911, 000, 15...
EmergencyNumber = Annotated[str, StrictType(), StringConstraints(pattern=r"^[0-9]{2,6}$")]
# The approved English of a protected field: "sha256:" and the first 16 hex digits.
Pin = Annotated[str, StrictType(), StringConstraints(pattern=r"^sha256:[0-9a-f]{16}$")]
# A page path inside docs/<lang>/, e.g. "is-it-safe.md".
PagePath = Annotated[
    str, StrictType(), StringConstraints(pattern=r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*\.md$")
]

# The fields of a block and of an item that are translated (and may be protected).
BLOCK_FIELDS = ("title", "intro", "body", "emergency")
ITEM_FIELDS = ("text", "detail", "frequency")
# Block fields that hold Markdown: their shown text is that of the rendered HTML.
MARKDOWN_FIELDS = ("intro", "body")
# Where the clinic's emergency number goes in a block's emergency instruction.
NUMBER_PLACEHOLDER = "{number}"
PROTECTED_ANCHOR = "p-"

# Block ids with a fixed role: UI labels and handout titles are translated like blocks.
LABELS = "labels"
HANDOUT_TITLES = "handouts"
# The statements a clinic switches on for its jurisdiction (clinic.yml: consent_statements).
CONSENT_STATEMENTS = "consent-statements"
# Who may sign a handout, and the fill-in fields about the patient a handout may have.
Signer = Literal["patient", "clinician", "interpreter", "guardian"]
PatientField = Literal["patient-name", "date-of-birth", "current-medicines", "treatment-area"]
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
    "outdated-item",
    "fallback-page",
    "translation-draft",
    "language",
    "not-found",
    "not-found-help",
    "home",
    "page-address",
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


class Language(Strict):
    """A language the project offers."""

    name: Text
    direction: Literal["ltr", "rtl"] = "ltr"
    published: Annotated[bool, StrictType()] = True
    status: Literal["draft", "reviewed"] = "draft"


class ProtectedBlock(Strict):
    """A protected block in the registry: its protected fields and items, each field pinned
    to the SHA-256 of its approved English (see `pin`)."""

    title: Pin | None = None
    intro: Pin | None = None
    body: Pin | None = None
    emergency: Pin | None = None
    items: dict[Id, dict[Literal["text", "detail", "frequency"], Pin]] = {}

    def field_pins(self) -> dict[str, str]:
        """The block's own pinned fields (not its items'), by field name."""
        return {name: getattr(self, name) for name in BLOCK_FIELDS if getattr(self, name)}


class Placement(Strict):
    """Which protected blocks each page and each handout must carry."""

    pages: dict[PagePath, tuple[Id, ...]] = Field(
        default={}, description="Page path inside docs/<lang>/ -> protected block ids."
    )
    handouts: dict[Id, tuple[Id, ...]] = Field(
        default={}, description="Handout id -> protected block ids."
    )


class Project(Strict):
    """Project settings (careleaf.yml): languages, the protected-content registry and its
    placement rules, the version."""

    content_version: Text
    source_language: LangCode = "en"
    default_clinic: Id
    languages: dict[LangCode, Language]
    protected: dict[Id, ProtectedBlock] = Field(
        description="The protected-content registry: block id -> its pinned fields and items."
    )
    placement: Placement = Placement()

    @property
    def safety(self) -> dict[str, tuple[str, ...]]:
        """Protected block id -> its protected item ids."""
        return {block_id: tuple(block.items) for block_id, block in self.protected.items()}

    def protected_keys(self, block_id: str) -> list[str]:
        """Every protected key of a block: its own fields first, then each item's fields."""
        block = self.protected.get(block_id)
        if block is None:
            return []
        keys = [protected_key(block_id, name) for name in block.field_pins()]
        for item_id, fields in block.items.items():
            keys += [protected_key(block_id, name, item_id) for name in fields]
        return keys

    def pins(self) -> dict[str, str]:
        """Every protected key -> its pin."""
        pins = {}
        for block_id, block in self.protected.items():
            for name, value in block.field_pins().items():
                pins[protected_key(block_id, name)] = value
            for item_id, fields in block.items.items():
                for name, value in fields.items():
                    pins[protected_key(block_id, name, item_id)] = value
        return pins


def protected_key(block_id: str, field: str, item_id: str | None = None) -> str:
    """The one key of a protected field: ``block/item/field`` or ``block/field``."""
    return f"{block_id}/{item_id}/{field}" if item_id else f"{block_id}/{field}"


def split_key(key: str) -> tuple[str, str | None, str]:
    """``(block, item or None, field)`` of a protected key."""
    parts = key.split("/")
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    return parts[0], None, parts[-1]


def protected_anchor(key: str) -> str:
    """The element id (and PDF named destination) of a protected key.

    ``side-effects/pneumothorax/detail`` -> ``p-side-effects--pneumothorax--detail``. Ids never
    hold "--" (the loader refuses it in protected blocks), so the mapping is reversible.
    """
    return PROTECTED_ANCHOR + key.replace("/", "--")


def anchor_key(anchor: str) -> str | None:
    """The protected key of an element id made by `protected_anchor`, or None."""
    if not anchor.startswith(PROTECTED_ANCHOR):
        return None
    return anchor[len(PROTECTED_ANCHOR) :].replace("--", "/")


def pin(text: str) -> str:
    """The pin of a protected field's approved English: ``sha256:`` and 16 hex digits."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class Section(Strict):
    """One block placed in a handout, and how it is shown there."""

    block: Id
    style: Literal["default", "screening", "risks", "statements"] = "default"
    clinic_items: Annotated[bool, StrictType()] = Field(
        default=False,
        description="Only the items the clinic switches on (clinic.yml: consent_statements).",
    )


class Handout(Strict):
    """A handout definition (handouts/<id>.yml)."""

    id: Id
    path: str
    max_pages: Annotated[int, StrictType()] = Field(ge=1, le=20)
    sections: tuple[Section, ...] = Field(min_length=1)
    signatures: tuple[Signer, ...] = ()
    patient_fields: tuple[PatientField, ...] = Field(
        default=(), description="Fill-in fields about the patient, before the sections."
    )
    fillable: Annotated[bool, StrictType()] = Field(
        default=False, description="A PDF form: answers, statements and fields can be filled in."
    )
    patient_copy: Annotated[bool, StrictType()] = Field(
        default=False, description="Say that the patient keeps a copy of it."
    )

    def labels(self) -> list[str]:
        """The labels this handout's template needs beyond the required ones."""
        needed = list(self.patient_fields) + (["patients-copy"] if self.patient_copy else [])
        for who in self.signatures:
            needed += [f"{who}-name", f"{who}-signature"]
        return needed


class Colors(Strict):
    """Brand colours as #rrggbb."""

    primary: Color
    accent: Color


class Clinic(Strict):
    """A clinic's brand profile (clinics/<id>/clinic.yml)."""

    id: Id
    path: str
    name: Text
    logo: Text
    colors: Colors
    address: Text
    phone: Text
    email: Email
    website: WebUrl
    booking: WebUrl | None = None
    emergency_number: EmergencyNumber = Field(
        description="The number to call in an emergency where the clinic is (999, 112, 911...)."
    )
    consent_statements: tuple[Id, ...] = Field(
        default=(),
        description="Items of the consent-statements block the clinic's jurisdiction requires.",
    )
    page_size: Literal["A4", "Letter"] = "A4"
    margin: Length = "16mm"


@dataclass(frozen=True)
class Library:
    """Everything the renderers need, validated: content per language, handouts, clinics."""

    root: Path
    project: Project
    content: Mapping[str, Mapping[str, Block]]
    handouts: Mapping[str, Handout]
    clinics: Mapping[str, Clinic]

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
        item = self.block(lang, LABELS).item(label_id) or self.block(
            self.source_language, LABELS
        ).item(label_id)
        if item is None:
            raise KeyError(f"label '{label_id}' is not defined for '{lang}'")
        return item.text

    def handout_title(self, lang: str, handout_id: str) -> Item:
        """The title (text) and description (detail) of a handout in this language."""
        item = self.block(lang, HANDOUT_TITLES).item(handout_id) or self.block(
            self.source_language, HANDOUT_TITLES
        ).item(handout_id)
        if item is None:
            raise KeyError(f"handout '{handout_id}' has no title for '{lang}'")
        return item

    def safety_items(self, lang: str) -> dict[str, Item]:
        """Every protected item as this language shows it, by id.

        The ids are the source language's; an item not (completely) translated is the
        source's own.
        """
        return {
            item.id: self.translated_item(lang, block_id, item.id) or item
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
