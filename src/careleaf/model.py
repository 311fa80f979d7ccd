"""The validated, frozen content model: items, blocks, handouts, clinics and the library.

No I/O here: `load` reads files into these types, the renderers and the verifier read them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
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

# Block ids with a fixed role: UI labels and handout titles are translated like blocks.
LABELS = "labels"
HANDOUT_TITLES = "handouts"
# Every label the templates use; the source language must define them all.
REQUIRED_LABELS = (
    "draft-notice",
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


class Item(Strict):
    """One entry of a block: a side effect, a contraindication, a step, a label."""

    id: Id
    text: Text
    detail: Text | None = None
    frequency: Text | None = None
    source: Text | None = Field(
        default=None, description="In a translation: the English text it was made from."
    )


class Review(Strict):
    """Clinical review metadata; it lives with the content, not in git dates."""

    status: Literal["draft", "approved"]
    reviewed_on: date
    reviewed_by: Text
    next_review: date
    references: tuple[Text, ...] = ()


class BlockSource(Strict):
    """In a translation: the English title, intro and body the translation was made from."""

    title: Text | None = None
    intro: Text | None = None
    body: Text | None = None


class Block(Strict):
    """One single-sourced block of content in one language (one YAML file)."""

    id: Id
    lang: LangCode
    path: str
    title: Text
    intro: Text | None = None
    body: Text | None = None
    items: tuple[Item, ...] = ()
    review: Review | None = None
    source: BlockSource | None = None

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


class Project(Strict):
    """Project settings (careleaf.yml): languages, the protected safety items, the version."""

    content_version: Text
    source_language: LangCode = "en"
    default_clinic: Id
    languages: dict[LangCode, Language]
    safety: dict[Id, tuple[Id, ...]] = Field(
        description="Safety block id -> item ids that must never be missing from it."
    )


class Section(Strict):
    """One block placed in a handout, and how it is shown there."""

    block: Id
    style: Literal["default", "screening", "risks", "statements"] = "default"


class Handout(Strict):
    """A handout definition (handouts/<id>.yml)."""

    id: Id
    path: str
    max_pages: Annotated[int, StrictType()] = Field(ge=1, le=20)
    sections: tuple[Section, ...] = Field(min_length=1)
    signatures: tuple[Literal["patient", "clinician"], ...] = ()


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

    def stale_items(self, lang: str, block_id: str) -> set[str]:
        """Items translated from an English text that has changed since (or from none)."""
        if lang == self.source_language or not self.is_translated(lang, block_id):
            return set()
        english = self.content[self.source_language].get(block_id)
        if english is None:
            return set()
        current = {item.id: item.text for item in english.items}
        return {
            item.id
            for item in self.content[lang][block_id].items
            if item.id in current and item.source != current[item.id]
        }

    def is_stale(self, lang: str, block_id: str) -> bool:
        """Whether any part of the block's translation was made from older English."""
        if lang == self.source_language or not self.is_translated(lang, block_id):
            return False
        english = self.content[self.source_language][block_id]
        source = self.content[lang][block_id].source or BlockSource()
        fields = any(
            getattr(english, name) != getattr(source, name) for name in ("title", "intro", "body")
        )
        return fields or bool(self.stale_items(lang, block_id))

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
        """Every item of every safety block as this language shows it, by id.

        The ids are the source language's; an item not yet translated is the source's own.
        """
        return {
            item.id: self.block(lang, block_id).item(item.id) or item
            for block_id in self.project.safety
            for item in self.content[self.source_language][block_id].items
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
