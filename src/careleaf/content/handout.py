"""A handout's definition (handouts/<id>.yml): which blocks it shows, how, and its form."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Annotated, Literal

from pydantic import Field
from pydantic import Strict as StrictType

from careleaf.content.blocks import Id, Strict

# Who may sign a handout, and the fill-in fields about the patient a handout may have.
Signer = Literal["patient", "clinician", "interpreter", "guardian"]
PatientField = Literal[
    "patient-name", "date-of-birth", "current-medicines", "treatment-area", "anything-else"
]
# What each signer writes besides a name, a signature and a date (its label's id).
SIGNER_DETAILS = {
    "clinician": "clinician-registration",
    "interpreter": "interpreter-language",
    "guardian": "guardian-relationship",
}
# The labels a signed form needs for its dates (each date says its format).
DATE_LABELS = ("date", "day", "month", "year")
# The labels of a handout with a clinic copy and a patient copy.
COPY_LABELS = ("clinic-copy", "patients-copy", "signed-copy", "consent-course")
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
        description="Only the items the clinic switches on (`Clinic.switches`).",
    )
    part: Literal["clinic", "patient"] = Field(
        default="clinic",
        description="In a handout with copies, the copy that shows it (statements go with "
        "the signatures; the patient copy repeats them, with what was filled in).",
    )
    heading: Id | None = Field(
        default=None,
        description="A label shown as the section's heading instead of the block's title.",
    )
    when: Id | None = Field(
        default=None,
        description="Shown only for a clinic that switches this on (`Clinic.switches`).",
    )
    unless: Id | None = Field(
        default=None,
        description="Left out for a clinic that switches this on (`Clinic.switches`).",
    )

    def shown_for(self, switches: frozenset[str]) -> bool:
        """Whether a clinic with these switches on shows this section (its `when`/`unless`)."""
        return (self.when is None or self.when in switches) and self.unless not in switches


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
    copies: Annotated[bool, StrictType()] = Field(
        default=False,
        description="A clinic copy (answers, statements and signatures, kept in the record) "
        "and a patient copy (the sections marked `part: patient`, then what was signed).",
    )

    def sections_for(self, switches: frozenset[str]) -> tuple[Section, ...]:
        """The sections a clinic with these switches on shows (`Section.shown_for`)."""
        return tuple(s for s in self.sections if s.shown_for(switches))

    def page_limit(self, edition: str) -> int:
        """How many pages the handout may have in an edition (`EDITIONS`)."""
        if edition == LARGE_PRINT:
            return self.large_print_max_pages or 2 * self.max_pages
        return self.max_pages

    def labels(self) -> list[str]:
        """The labels this handout's template needs beyond the required ones."""
        needed = list(self.patient_fields) + (list(COPY_LABELS) if self.copies else [])
        needed += [section.heading for section in self.sections if section.heading]
        for who in self.signatures:
            needed += [f"{who}-name", f"{who}-signature"]
            needed += [SIGNER_DETAILS[who]] if who in SIGNER_DETAILS else []
        if self.dated:
            needed += [label for label in DATE_LABELS if label not in needed]
        return needed

    @property
    def dated(self) -> bool:
        """Whether it asks for a date (a signature's, a date of birth), which shows its format."""
        return bool(self.signatures) or "date-of-birth" in self.patient_fields


def handout_path(handout_id: str, edition: str, suffix: str = ".pdf") -> str:
    """Where a handout's edition goes inside its language's folder: ``handouts/<id>.pdf``, the
    large-print edition ``handouts/large-print/<id>.pdf`` (``suffix``: ``.png`` for its
    thumbnail)."""
    folder = PurePosixPath(PUBLISHED_DIR)
    if edition != EDITIONS[0]:
        folder /= edition
    return (folder / f"{handout_id}{suffix}").as_posix()
