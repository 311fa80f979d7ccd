"""Proves a handout's print on what is drawn: its body text size, the blocks its placement rules
want on page 1, and the emergency number's size against the body's.

The rules come from the model (careleaf.yml's ``placement.prominence``, the clinic's emergency
number, the handout's edition), never from the renderer: the glyphs are the ones
`careleaf.verify.drawn.DrawnPdf` found at each item's named destination.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from careleaf.content.model import Library
from careleaf.content.project import protected_key, split_key
from careleaf.content.shown import emergency_number
from careleaf.verify.glyphs import Glyph

# The smallest body text size of each edition of a handout, in points: clear print (12 pt or
# more) and large print (16 pt or more), as patient-information guidance asks.
BODY_MIN_PT = {"standard": 12.0, "large-print": 16.0}


@dataclass(frozen=True)
class PrintRules:
    """What a handout's print must show, whatever its bytes (plain data, for a worker).

    Attributes:
        body_min: the smallest body text size, in points.
        first_page: the protected keys that must be drawn on page 1.
        emergency: (the emergency instruction's key, the clinic's emergency number, the
            smallest size of the number as a multiple of the body size), or None.
    """

    body_min: float
    first_page: tuple[str, ...] = ()
    emergency: tuple[str, str, float] | None = None

    @classmethod
    def of(
        cls, library: Library, clinic_id: str, edition: str, expected: Iterable[str], lang: str
    ) -> PrintRules:
        """The rules of a handout of ``clinic_id`` in ``edition`` and ``lang`` that must show
        the protected keys ``expected`` (careleaf.yml's prominence rules for their blocks; the
        emergency number as the language writes it, in its digits)."""
        expected = sorted(expected)
        first_page: list[str] = []
        emergency = None
        for block_id, rule in sorted(library.project.placement.prominence.items()):
            keys = [key for key in expected if key.split("/")[0] == block_id]
            if not keys:
                continue
            if rule.first_page:
                # Its emergency instruction and its items: the block's intro and body (the
                # explanation) may go on to page 2.
                first_page += [key for key in keys if split_key(key)[2] not in ("intro", "body")]
            key = protected_key(block_id, "emergency")
            if rule.emergency_scale is not None and key in keys and clinic_id in library.clinics:
                number = emergency_number(library, lang, block_id, library.clinics[clinic_id])
                emergency = (key, number, rule.emergency_scale)
        return cls(BODY_MIN_PT[edition], tuple(first_page), emergency)


def body_size(texts: Iterable[Sequence[Glyph]]) -> float:
    """The body text size of some texts' glyphs (a handout's protected items), in points: the
    size most of them are drawn at (to a tenth of a point; whitespace and generated characters
    aside)."""
    counts = Counter(
        round(glyph.size, 1)
        for glyphs in texts
        for glyph in glyphs
        if not glyph.generated and glyph.char.strip()
    )
    if not counts:
        return 0.0
    # The largest of equally common sizes: a tie never makes the body look smaller.
    return max(counts.items(), key=lambda entry: (entry[1], entry[0]))[0]


def print_failures(
    rules: PrintRules, body: float, found: Mapping[str, Sequence[Glyph] | None]
) -> tuple[list[str], dict[str, list[str]]]:
    """What is wrong with a handout's print: problems of the whole document, and failures
    of each item (by key).

    Args:
        rules: the handout's `PrintRules`.
        body: its body text size (`body_size`).
        found: each protected key -> the glyphs drawn for it (None: not found where it
            must be; the item's own proof says why).
    """
    problems = []
    if body < rules.body_min:
        problems.append(f"body text drawn at {body:.1f} pt (at least {rules.body_min:g} pt)")
    items: dict[str, list[str]] = {}
    for key in rules.first_page:
        glyphs = found.get(key)
        pages = sorted({glyph.page + 1 for glyph in glyphs or ()})
        if glyphs and pages != [1]:
            where = " and ".join(str(page) for page in pages)
            items.setdefault(key, []).append(
                f"drawn on page {where}, its placement rule wants it on page 1"
            )
    if rules.emergency is not None:
        key, number, scale = rules.emergency
        glyphs = found.get(key)
        if glyphs:
            failure = _number_failure(glyphs, number, body, scale)
            if failure:
                items.setdefault(key, []).append(failure)
    return problems, items


def _number_failure(glyphs: Sequence[Glyph], number: str, body: float, scale: float) -> str:
    """Why the emergency number in an emergency instruction's glyphs is not drawn large enough
    (empty when it is): each of its digits must be at least ``scale`` times ``body``."""
    drawn = [glyph for glyph in glyphs if glyph.char.strip()]
    text = "".join(glyph.char for glyph in drawn)
    at = text.find(number)
    if at < 0:
        return f"the emergency number {number} is not drawn in it"
    small = min(glyph.size for glyph in drawn[at : at + len(number)])
    if small + 0.05 < scale * body:
        return (
            f"the emergency number {number} drawn at {small:.1f} pt, {small / body:.2f}x the "
            f"body size of {body:.1f} pt (at least {scale:g}x: {scale * body:.1f} pt)"
        )
    return ""
