"""Proves protected items on what a PDF draws: glyphs found by position, rendered and measured."""

from __future__ import annotations

import bisect
import functools
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium

from careleaf.verify.glyphs import Glyph, page_glyphs, same_object
from careleaf.verify.legibility import legibility_failures
from careleaf.verify.readback import UnreadableOutput, complex_scripts, normalise, script_of
from careleaf.verify.readback_pdf import named_destinations
from careleaf.verify.shaping import GlyphComparisons, pdf_fonts, shaped_text

# How far below its destination's top an item's first baseline may be, in points, and how
# many glyphs of that line are tried as its first.
_LINE_WINDOW = 40.0
_STARTS = 60


class DrawnPdf:
    """One PDF opened with pdfium, for checking the items it draws.

    Use as a context manager (it closes the document).

    Attributes:
        doc: the document.
        fonts: its fonts by name, checked (`careleaf.verify.shaping.pdf_fonts`).
        destinations: each named destination: the 0-based page it points to (-1 for none)
            and the point on that page (`careleaf.verify.readback_pdf.named_destinations`).
        found: each item `check` was asked about -> the glyphs that draw it (at its
            destination, or elsewhere on its page), or None when it found none.
    """

    def __init__(self, path: Path, root: Path, compared: GlyphComparisons | None = None) -> None:
        """Open the PDF at ``path``, with its fonts checked against the project's at ``root``
        (``compared``: the glyphs compared already, see `careleaf.verify.shaping.pdf_fonts`).

        Raises:
            UnreadableOutput: the file cannot be read as a PDF.
        """
        try:
            self.doc = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as error:
            raise UnreadableOutput(f"{path}: cannot read the PDF: {error}") from None
        self.fonts = pdf_fonts(path, root, compared)
        self.destinations = named_destinations(self.doc)
        self._pages: dict[int, tuple[Any, Any, list[Glyph]]] = {}
        # Each page's drawn glyphs by height (their baselines' y), to find an item's lines.
        self._heights: dict[int, tuple[list[float], list[Glyph]]] = {}
        self.found: dict[str, list[Glyph] | None] = {}

    def __enter__(self) -> DrawnPdf:
        return self

    def __exit__(self, *exc: object) -> None:
        for page, text_page, _glyphs in self._pages.values():
            text_page.close()
            page.close()
        self.doc.close()

    def check(self, key: str, text: str, anchor: str) -> list[str]:
        """What is wrong with one item as drawn (empty when nothing is).

        The item is found at its named destination: its glyphs are the ones pdfium reads
        from the destination's point on, for as long as they spell the item's text
        (`careleaf.verify.readback.normalise`: line breaks, hyphenation and soft hyphens allowed
        for). Text in Bengali or Arabic is compared as glyphs: the expected text is shaped
        with HarfBuzz in the font the glyphs are drawn with (`careleaf.verify.shaping.shaped_text`).
        Then each glyph must be in a visible render mode, inside the crop box, at a readable
        size, extract through an honest ToUnicode map, and make a visible mark: the item's box
        is rasterised with and without its text, and each glyph must stand out at least
        `careleaf.verify.legibility.MIN_CONTRAST` to 1 from what is there without it.
        """
        where = self.destinations.get(anchor)
        if where is None:
            return [f"not found (no named destination {anchor})"]
        page_index, x, y = where
        if not 0 <= page_index < len(self.doc):
            return ["its named destination points to no page"]
        glyphs, drawn = self._match(page_index, x, y, text)
        self.found[key] = glyphs
        if glyphs is not None:
            return self._legibility(glyphs)
        failure = f"the text drawn at its destination is {drawn!r}, expected {normalise(text)!r}"
        # Drawn elsewhere on the page (moved off it, say): say what else is wrong with it.
        elsewhere = self.found[key] = self._find_anywhere(page_index, text)
        if elsewhere is None:
            return [failure]
        return ["not drawn at its named destination", *self._legibility(elsewhere)]

    def glyphs(self, index: int) -> list[Glyph]:
        """The glyphs page ``index`` draws, in the order it draws them
        (`careleaf.verify.glyphs.page_glyphs`)."""
        return self._page(index)[2]

    def _page(self, index: int) -> tuple[Any, Any, list[Glyph]]:
        """A page, its text page, and its glyphs (read once)."""
        if index not in self._pages:
            page = self.doc[index]
            text_page = page.get_textpage()
            self._pages[index] = (page, text_page, page_glyphs(page, text_page, index))
        return self._pages[index]

    def _match(
        self, page_index: int, x: float, y: float, text: str
    ) -> tuple[list[Glyph] | None, str]:
        """The glyphs that spell the item from its destination on, or None and what is there.

        The item's first glyph is on the first line below the destination's top, from its
        left edge on (right to left, the first glyph is at the line's other end).
        """
        if page_index not in self._heights:
            drawn = sorted(
                (g for g in self.glyphs(page_index) if not g.generated and g.char.strip()),
                key=lambda g: g.origin[1],
            )
            self._heights[page_index] = ([g.origin[1] for g in drawn], drawn)
        heights, drawn = self._heights[page_index]
        window = drawn[
            bisect.bisect_left(heights, y - _LINE_WINDOW) : bisect.bisect_right(heights, y + 0.5)
        ]
        below = [g for g in window if g.origin[0] >= x - 1.5]
        if not below:
            return None, ""
        # Its first line: the highest drawn from the destination's left edge (right to left,
        # where no glyph starts there, the highest to its right).
        at_edge = [g for g in below if g.origin[0] <= x + 1.5] or below
        first_line = max(g.origin[1] for g in at_edge)
        starts = sorted(
            # Marks raised or lowered by a text rise stay on their line.
            (g for g in below if abs(g.origin[1] - first_line) <= max(1.0, g.size / 2)),
            key=lambda g: (abs(g.origin[0] - x), g.index),
        )
        spelled = ""
        for number, glyph in enumerate(starts[:_STARTS]):
            found, tried = self._spell(page_index, glyph.index, text)
            if found is not None:
                return found, ""
            if number == 0:
                spelled = tried
        return None, spelled

    def _find_anywhere(self, page_index: int, text: str) -> list[Glyph] | None:
        """The glyphs that spell the item anywhere on this page, or None."""
        target = _compare_key(text, text)[:1]
        for glyph in self.glyphs(page_index):
            if glyph.char and _compare_key(glyph.char, text)[:1] == target:
                found, _tried = self._spell(page_index, glyph.index, text)
                if found is not None:
                    return found
        return None

    def _spell(self, page_index: int, start: int, text: str) -> tuple[list[Glyph] | None, str]:
        """The glyphs from ``start`` on that spell the text (line breaks allowed), or None and
        the text they spell instead."""
        limit = 4 * len(text) + 40
        glyphs = self.glyphs(page_index)
        following = glyphs[start : start + limit]
        if len(following) < limit and page_index + 1 < len(self.doc):
            following += self.glyphs(page_index + 1)[: limit - len(following)]
        targets = self.targets(text, following)
        shortest = min(len(target) for target in targets)
        longest = max(len(target) for target in targets)
        spelled = ""
        # The compared form is never longer than the characters' compatibility decompositions
        # (`normalise` only composes, joins and drops): until those reach the shortest target,
        # no form can match, and the growing text is not normalised again at every glyph.
        reach = 0
        for count, glyph in enumerate(following, 1):
            spelled += glyph.char
            reach += _decomposed_length(glyph.char)
            if reach < shortest:
                continue
            key = _compare_key(spelled, text)
            if key in targets and not _goes_on(glyph, following[count:]):
                return [g for g in following[:count] if g.char.strip() and not g.generated], ""
            if len(key) > longest + 2:
                break
        return None, _compare_key(spelled, text)[: len(normalise(text)) + 10]

    def targets(self, text: str, near: Sequence[Glyph]) -> set[str]:
        """The forms an item's text may take in the text of the glyphs that draw it: Bengali
        as it is (each run of it carries its text as /ActualText, which pdfium extracts, and
        `careleaf.verify.actual_text` proves true to the glyphs); Arabic as shaped in the
        font that draws it among the glyphs ``near`` it (`careleaf.verify.shaping.shaped_text`)."""
        if not complex_scripts(text) - {"Bengali"}:
            return {_compare_key(normalise(text), text)}
        # Shape each run of Arabic in the font that draws that script here.
        fonts = [
            self.fonts[g.font]
            for g in near
            if g.font in self.fonts and script_of(g.char) not in (None, "Bengali")
        ]
        shaped = []
        for run, is_complex in _runs(normalise(text)):
            font = fonts[0] if is_complex and fonts and "Arabic" in complex_scripts(run) else None
            shaped.append(shaped_text(font, run) if font else run)
        forms = {"".join(shaped)}
        return {_compare_key(form, text) for form in forms}

    def _legibility(self, glyphs: list[Glyph]) -> list[str]:
        """`careleaf.verify.legibility.legibility_failures` of an item's glyphs."""
        pages = {glyph.page: self._page(glyph.page)[0] for glyph in glyphs}
        return legibility_failures(glyphs, self.fonts, pages)


def _goes_on(last: Glyph, rest: Sequence[Glyph]) -> bool:
    """True when the text object of the item's last glyph draws more words after it: the item
    as drawn says more than its text (its element's text ends its text object)."""
    following = next((g for g in rest if g.char.strip()), None)
    return (
        following is not None and following.obj is not None and same_object(following.obj, last.obj)
    )


def _runs(text: str) -> list[tuple[str, bool]]:
    """The text cut into runs of complex-script characters (with the spaces between them)
    and of other characters."""
    runs: list[tuple[str, bool]] = []
    for char in text:
        is_complex = script_of(char) is not None or (char.isspace() and bool(runs) and runs[-1][1])
        if runs and runs[-1][1] == is_complex:
            runs[-1] = (runs[-1][0] + char, is_complex)
        else:
            runs.append((char, is_complex))
    return runs


def _compare_key(spelled: str, text: str) -> str:
    """The form in which drawn and expected text are compared: `normalise`d; for complex
    scripts without any whitespace (a line may break between any two clusters); for Arabic,
    whose extracted order pdfium rearranges (visual, logical, marks moved), as the sorted
    glyph texts, so that the same glyphs are required but not their order."""
    form = normalise(spelled)
    scripts = _scripts(text)
    if "Arabic" in scripts:
        return "".join(sorted("".join(form.split())))
    if scripts:
        return "".join(form.split())
    return form


@functools.lru_cache(maxsize=4096)
def _decomposed_length(char: str) -> int:
    """How many characters a glyph's text has in Unicode compatibility decomposition (NFKD)."""
    return len(unicodedata.normalize("NFKD", char))


@functools.lru_cache(maxsize=256)
def _scripts(text: str) -> frozenset[str]:
    """`complex_scripts`, once per item text: `_spell` asks for it at every glyph it reads."""
    return frozenset(complex_scripts(text))
