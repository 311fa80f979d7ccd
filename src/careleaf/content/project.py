"""The project's settings (careleaf.yml): its languages, and the protected-content registry
with its placement rules; the keys, anchors and pins of protected fields."""

from __future__ import annotations

import hashlib
from typing import Annotated, Literal

from pydantic import Field, StringConstraints
from pydantic import Strict as StrictType

from careleaf.content.blocks import BLOCK_FIELDS, Id, LangCode, Strict, Text

# The approved English of a protected field: "sha256:" and the first 16 hex digits.
Pin = Annotated[str, StrictType(), StringConstraints(pattern=r"^sha256:[0-9a-f]{16}$")]
# A page path inside docs/<lang>/, e.g. "is-it-safe.md".
PagePath = Annotated[
    str, StrictType(), StringConstraints(pattern=r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*\.md$")
]
# The prefix of a protected field's element id and PDF named destination (`protected_anchor`).
PROTECTED_ANCHOR = "p-"


class Language(Strict):
    """A language the project offers."""

    name: Text
    direction: Literal["ltr", "rtl"] = "ltr"
    published: Annotated[bool, StrictType()] = True
    status: Literal["draft", "reviewed"] = "draft"
    digits: Annotated[str, StrictType(), StringConstraints(pattern=r"^\d{10}$")] | None = Field(
        default=None,
        description="The language's own digits, 0 to 9, for the numbers careleaf writes "
        "into its text (the emergency number); default: 0123456789.",
    )

    def number(self, number: str) -> str:
        """A number (of ASCII digits) written in this language's digits."""
        return number.translate(str.maketrans("0123456789", self.digits)) if self.digits else number


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


class Prominence(Strict):
    """Where a protected block must be drawn on every handout that carries it, and how
    prominently: what the verifier proves on the drawn PDF (`careleaf.verify.print_proof`)."""

    first_page: Annotated[bool, StrictType()] = Field(
        default=False,
        description="The block's emergency instruction and every field of its items are drawn "
        "on page 1 of the handout (its intro and body may go on to page 2).",
    )
    emergency_scale: Annotated[float, StrictType()] | None = Field(
        default=None,
        ge=1.0,
        le=4.0,
        description="The clinic's emergency number, in the block's emergency instruction, is "
        "drawn at least this many times the handout's body text size.",
    )


class Placement(Strict):
    """Which protected blocks each page and each handout must carry, and where and how
    prominently a block must be drawn on a handout."""

    pages: dict[PagePath, tuple[Id, ...]] = Field(
        default={}, description="Page path inside docs/<lang>/ -> protected block ids."
    )
    handouts: dict[Id, tuple[Id, ...]] = Field(
        default={}, description="Handout id -> protected block ids."
    )
    prominence: dict[Id, Prominence] = Field(
        default={},
        description="Protected block id -> where and how prominently every handout draws it.",
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
    engine: Literal["mkdocs", "zensical"] = Field(
        default="mkdocs", description="The site engine (`careleaf build --engine` overrides it)."
    )

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
