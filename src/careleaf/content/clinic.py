"""A clinic's brand profile (clinics/<id>/clinic.yml): name, logo, colours, contact details."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints
from pydantic import Strict as StrictType

from careleaf.content.blocks import Id, Strict, Text

Color = Annotated[str, StrictType(), StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]
Length = Annotated[str, StrictType(), StringConstraints(pattern=r"^\d+(\.\d+)?(mm|cm|in|pt)$")]
WebUrl = Annotated[
    str, StrictType(), StringConstraints(pattern=r"^https?://[^\s<>\"']+$", max_length=500)
]
Email = Annotated[str, StrictType(), StringConstraints(pattern=r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")]
# A short-dial emergency number: 999, 112, 911, 000, 15...
EmergencyNumber = Annotated[str, StrictType(), StringConstraints(pattern=r"^[0-9]{2,6}$")]
# The switch `electrical_stimulation` turns on (else its "no-" form is on).
ESTIM = "electrical-stimulation"
SWITCHES = (ESTIM, f"no-{ESTIM}")


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
    date_format: Literal["DD/MM/YYYY", "MM/DD/YYYY", "YYYY-MM-DD"] = Field(
        default="DD/MM/YYYY",
        description="How dates are written where the clinic is: each date field of a form "
        "shows it (in the form's language: DD, MM and YYYY are labels).",
    )
    electrical_stimulation: Annotated[bool, StrictType()] = Field(
        default=False,
        description="Whether the clinic passes an electric current through the needles.",
    )
    page_size: Literal["A4", "Letter"] = "A4"
    margin: Length = "16mm"

    @property
    def switches(self) -> frozenset[str]:
        """What the clinic switches on, as the names handout sections and clinic items use:
        its consent statements, and ``electrical-stimulation`` or ``no-electrical-stimulation``
        (so that a clinic that does not use it can say so)."""
        stimulation = ESTIM if self.electrical_stimulation else f"no-{ESTIM}"
        return frozenset((*self.consent_statements, stimulation))
