"""A handout's definition (handouts/<id>.yml): which blocks it shows, how, and its form."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Annotated, Literal

from pydantic import Field
from pydantic import Strict as StrictType

from careleaf.content.blocks import Id, Strict

# Who may sign a handout, and the fill-in fields about the patient a handout may have.
Signer = Literal["patient", "clinician", "interpreter", "guardian"]
PatientField = Literal["patient-name", "date-of-birth", "current-medicines", "treatment-area"]
# Every handout comes in each edition, from the same blocks: clear print (body text 12 pt or
# more) and large print (16 pt or more), the latter in a folder of its own beside the first.
EDITIONS = ("standard", "large-print")
LARGE_PRINT = "large-print"
# Where a language's handouts are published, inside its folder of the site.
PUBLISHED_DIR = "handouts"


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
    large_print_max_pages: Annotated[int, StrictType()] | None = Field(
        default=None,
        ge=1,
        le=40,
        description="The page limit of the large-print edition (default: twice max_pages).",
    )
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

    def page_limit(self, edition: str) -> int:
        """How many pages the handout may have in an edition (`EDITIONS`)."""
        if edition == LARGE_PRINT:
            return self.large_print_max_pages or 2 * self.max_pages
        return self.max_pages

    def labels(self) -> list[str]:
        """The labels this handout's template needs beyond the required ones."""
        needed = list(self.patient_fields) + (["patients-copy"] if self.patient_copy else [])
        for who in self.signatures:
            needed += [f"{who}-name", f"{who}-signature"]
        return needed


def handout_path(handout_id: str, edition: str, suffix: str = ".pdf") -> str:
    """Where a handout's edition goes inside its language's folder: ``handouts/<id>.pdf``, the
    large-print edition ``handouts/large-print/<id>.pdf`` (``suffix``: ``.png`` for its
    thumbnail)."""
    folder = PurePosixPath(PUBLISHED_DIR)
    if edition != EDITIONS[0]:
        folder /= edition
    return (folder / f"{handout_id}{suffix}").as_posix()
