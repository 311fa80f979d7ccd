"""WCAG 2 colour contrast, and the brand-colour pairs every output draws with a clinic's colours."""

from __future__ import annotations

from dataclasses import dataclass

from careleaf.content.clinic import Clinic
from careleaf.errors import ContentError, Problem

# WCAG 2.x, 1.4.3 (AA): normal-size text needs 4.5:1 against its background.
MINIMUM = 4.5
WHITE = "#ffffff"
# The tinted background of a safety box in the handouts (handouts/print.css, .careleaf-safety).
SAFETY_BOX = "#fffaf5"


@dataclass(frozen=True)
class Pair:
    """Text in one colour on a background in another, as an output draws it."""

    where: str
    text: str  # a "#rrggbb" colour, or the name of a brand colour ("primary", "accent")
    background: str


# Every text/background pair the site theme (Material with brand.css) and the handouts
# (handouts/print.css) draw with a brand colour. Keep in step with brand.css and print.css.
PAIRS = (
    Pair("site header and primary buttons: white text on the primary colour", WHITE, "primary"),
    Pair("site links: the primary colour on the white page", "primary", WHITE),
    Pair("site links and buttons on hover: the accent colour on the white page", "accent", WHITE),
    Pair("site buttons on hover: white text on the accent colour", WHITE, "accent"),
    Pair("handout clinic name and section titles: the primary colour on paper", "primary", WHITE),
    Pair("handout safety box titles: the primary colour on its tint", "primary", SAFETY_BOX),
)


def luminance(colour: str) -> float:
    """Relative luminance of a ``#rrggbb`` colour (WCAG 2 definition), from 0 to 1."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """The WCAG contrast ratio of two ``#rrggbb`` colours, from 1 to 21."""
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def darker(colour: str, amount: float) -> str:
    """``colour`` mixed with black; ``amount`` 0 keeps it, 1 gives black."""
    channels = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(c * (1 - amount)):02x}" for c in channels)


def readable_shade(colour: str, backgrounds: tuple[str, ...] = (WHITE, SAFETY_BOX)) -> str:
    """The lightest darker shade of ``colour`` that reaches 4.5:1 against every background.

    Dark text or a dark background both need the same shade here, since every pair the
    outputs draw sets a brand colour against white or a near-white tint.
    """
    for step in range(101):
        shade = darker(colour, step / 100)
        if all(contrast(shade, background) >= MINIMUM for background in backgrounds):
            return shade
    return "#000000"


def brand_problems(clinic: Clinic) -> list[Problem]:
    """Every pair drawn with this clinic's colours below 4.5:1, each named with its ratio.

    A low-contrast colour is refused rather than silently changed: the clinic's brand is
    theirs to decide, so the message offers a readable shade of the same colour to put in.
    """
    brand = {"primary": clinic.colors.primary, "accent": clinic.colors.accent}
    problems = []
    for pair in PAIRS:
        text = brand.get(pair.text, pair.text)
        background = brand.get(pair.background, pair.background)
        ratio = contrast(text, background)
        if ratio >= MINIMUM:
            continue
        name = pair.text if pair.text in brand else pair.background
        problems.append(
            Problem(
                clinic.path,
                f"{pair.where} ({text} on {background}) has a contrast of {ratio:.2f}:1, "
                f"below the {MINIMUM}:1 that text needs; a readable shade of {brand[name]} "
                f"is {readable_shade(brand[name])}",
                key=f"colors.{name}",
                item=clinic.id,
            )
        )
    return problems


def require_readable(clinic: Clinic) -> None:
    """Refuse a clinic whose colours make any text of the outputs unreadable.

    Raises:
        ContentError: one problem per pair below 4.5:1.
    """
    problems = brand_problems(clinic)
    if problems:
        raise ContentError(problems)
