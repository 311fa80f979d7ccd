"""Proves protected items on what a PDF draws: glyphs found by position, rendered and measured."""

from __future__ import annotations

import bisect
import ctypes
import functools
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as raw
from PIL import Image, ImageChops

from careleaf.verify.readback import (
    UnreadableOutput,
    complex_scripts,
    named_destinations,
    normalise,
    script_of,
)
from careleaf.verify.shaping import pdf_fonts, shaped_text

# The smallest text a patient is expected to read, in points, and the contrast for body text.
MIN_FONT_PT = 6.0
MIN_CONTRAST = 4.5
# Pixels per point when an item's box is rasterised: a 10 pt stem is then more than 2 pixels
# wide, so each glyph has pixels fully inside it.
SCALE = 3.0
_INVISIBLE_MODES = {raw.FPDF_TEXTRENDERMODE_INVISIBLE, raw.FPDF_TEXTRENDERMODE_CLIP}
# How far below its destination's top an item's first baseline may be, in points, and how
# many glyphs of that line are tried as its first.
_LINE_WINDOW = 40.0
_STARTS = 60


@dataclass(frozen=True)
class Glyph:
    """One character pdfium found on a page, with where and how it is drawn."""

    index: int
    char: str
    box: tuple[float, float, float, float]  # left, bottom, right, top in points
    origin: tuple[float, float]  # where the glyph is drawn from (on its baseline)
    size: float
    generated: bool
    obj: Any
    font: str
    page: int


class DrawnPdf:
    """One PDF opened with pdfium, for checking the items it draws.

    Use as a context manager (it closes the document).
    """

    def __init__(self, path: Path, root: Path) -> None:
        try:
            self.doc = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as error:
            raise UnreadableOutput(f"{path}: cannot read the PDF: {error}") from None
        self.fonts = pdf_fonts(path, root)
        self._destinations = named_destinations(self.doc)
        self._pages: dict[int, tuple[Any, Any, list[Glyph]]] = {}
        # Each page's drawn glyphs by height (their baselines' y), to find an item's lines.
        self._heights: dict[int, tuple[list[float], list[Glyph]]] = {}

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
        `MIN_CONTRAST` to 1 from what is there without it.
        """
        where = self._destinations.get(anchor)
        if where is None:
            return [f"not found (no named destination {anchor})"]
        page_index, x, y = where
        if not 0 <= page_index < len(self.doc):
            return ["its named destination points to no page"]
        glyphs, drawn = self._match(page_index, x, y, text)
        if glyphs is not None:
            return self._inspect(glyphs)
        failure = f"the text drawn at its destination is {drawn!r}, expected {normalise(text)!r}"
        # Drawn elsewhere on the page (moved off it, say): say what else is wrong with it.
        elsewhere = self._find_anywhere(page_index, text)
        if elsewhere is None:
            return [failure]
        return ["not drawn at its named destination", *self._inspect(elsewhere)]

    def _page(self, index: int) -> tuple[Any, Any, list[Glyph]]:
        """A page, its text page, and its glyphs in the order the content stream draws them.

        pdfium's own text order follows its reading-order guesses (it interleaves the lines
        of side-by-side columns); the drawing order keeps each element's lines together.
        A line break is put between two glyphs on different baselines.
        """
        if index not in self._pages:
            page = self.doc[index]
            text_page = page.get_textpage()
            order = _drawing_order(page.raw)
            found = []
            left, bottom, right, top = (ctypes.c_double() for _ in range(4))
            x, y = ctypes.c_double(), ctypes.c_double()
            for i in range(text_page.count_chars()):
                if raw.FPDFText_IsGenerated(text_page.raw, i):
                    continue
                code = raw.FPDFText_GetUnicode(text_page.raw, i)
                raw.FPDFText_GetCharBox(text_page.raw, i, left, right, bottom, top)
                raw.FPDFText_GetCharOrigin(text_page.raw, i, x, y)
                obj = raw.FPDFText_GetTextObject(text_page.raw, i)
                address = ctypes.cast(obj, ctypes.c_void_p).value or 0
                found.append(
                    (
                        (order.get(address, len(order)), i),
                        chr(code) if code else "",
                        (left.value, bottom.value, right.value, top.value),
                        (x.value, y.value),
                        raw.FPDFText_GetFontSize(text_page.raw, i),
                        obj,
                        address,
                    )
                )
            found.sort(key=lambda entry: entry[0])
            glyphs: list[Glyph] = []
            names: dict[int, str] = {}  # each text object's font, read once
            for _order, char, box, origin, size, obj, address in found:
                if address not in names:
                    names[address] = _font_name(obj)
                if (
                    glyphs
                    and not glyphs[-1].generated
                    and abs(glyphs[-1].origin[1] - origin[1]) > 1
                ):
                    last = glyphs[-1]
                    glyphs.append(
                        Glyph(
                            len(glyphs),
                            "\n",
                            last.box,
                            last.origin,
                            last.size,
                            True,
                            None,
                            "",
                            index,
                        )
                    )
                glyphs.append(
                    Glyph(len(glyphs), char, box, origin, size, False, obj, names[address], index)
                )
            self._pages[index] = (page, text_page, glyphs)
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
                (g for g in self._page(page_index)[2] if not g.generated and g.char.strip()),
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
        for glyph in self._page(page_index)[2]:
            if glyph.char and _compare_key(glyph.char, text)[:1] == target:
                found, _tried = self._spell(page_index, glyph.index, text)
                if found is not None:
                    return found
        return None

    def _spell(self, page_index: int, start: int, text: str) -> tuple[list[Glyph] | None, str]:
        """The glyphs from ``start`` on that spell the text (line breaks allowed), or None and
        the text they spell instead."""
        limit = 4 * len(text) + 40
        glyphs = self._page(page_index)[2]
        following = glyphs[start : start + limit]
        if len(following) < limit and page_index + 1 < len(self.doc):
            following += self._page(page_index + 1)[2][: limit - len(following)]
        targets = self._targets(text, following)
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

    def _targets(self, text: str, near: Sequence[Glyph]) -> set[str]:
        """The forms the item's text may take in the extracted glyph text."""
        if not complex_scripts(text):
            return {normalise(text)}
        # Shape each run of a complex script in the font that draws that script here.
        fonts = [self.fonts[g.font] for g in near if g.font in self.fonts and script_of(g.char)]
        shaped = []
        for run, is_complex in _runs(normalise(text)):
            font = fonts[0] if is_complex and fonts else None
            shaped.append(shaped_text(font, run) if font else run)
        forms = {"".join(shaped)}
        return {_compare_key(form, text) for form in forms}

    def _inspect(self, glyphs: list[Glyph]) -> list[str]:
        failures: list[str] = []
        lies = [
            self.fonts[g.font].lies[g.char]
            for g in glyphs
            if g.font in self.fonts and g.char in self.fonts[g.font].lies
        ]
        unchecked = {
            f"font {g.font}: {self.fonts[g.font].unchecked}"
            for g in glyphs
            if g.font in self.fonts and self.fonts[g.font].unchecked
        }
        if lies:
            failures.append(f"ToUnicode does not match the font's glyphs ({lies[0]})")
        failures += sorted(f"its ToUnicode cannot be checked ({u})" for u in unchecked)
        # Render mode and fill are properties of a text object: read once for each.
        objects = _text_objects(glyphs).values()
        modes = {raw.FPDFTextObj_GetTextRenderMode(obj) for obj in objects}
        if modes & _INVISIBLE_MODES:
            failures.append(f"drawn in an invisible text render mode ({min(modes)})")
        small = min(g.size for g in glyphs)
        if small < MIN_FONT_PT:
            failures.append(f"font size {small:.1f} pt (at least {MIN_FONT_PT} pt)")
        alphas = {_fill_alpha(obj) for obj in objects}
        if min(alphas) < 255:
            failures.append(f"fill opacity {min(alphas) / 255:.2f}")
        by_page: dict[int, list[Glyph]] = {}
        for glyph in glyphs:
            by_page.setdefault(glyph.page, []).append(glyph)
        explained = bool(modes & _INVISIBLE_MODES) or min(alphas) < 255
        for page_index, on_page in by_page.items():
            seen = self._visible(page_index, on_page)
            # An invisible or transparent glyph also makes no mark: say so once.
            failures += [f for f in seen if not explained or "crop box" in f]
        return failures

    def _visible(self, page_index: int, glyphs: list[Glyph]) -> list[str]:
        """Inside the crop box, and each glyph a visible mark against what is behind it."""
        page = self._page(page_index)[0]
        crop = page.get_cropbox()
        outside = [g for g in glyphs if not _inside(g.box, crop)]
        if outside:
            return [
                f"{len(outside)} of its glyphs are outside the crop box on page {page_index + 1}"
            ]
        left = min(g.box[0] for g in glyphs) - 1
        bottom = min(g.box[1] for g in glyphs) - 1
        right = max(g.box[2] for g in glyphs) + 1
        top = max(g.box[3] for g in glyphs) + 1
        cropping = (
            max(0.0, left - crop[0]),
            max(0.0, bottom - crop[1]),
            max(0.0, crop[2] - right),
            max(0.0, crop[3] - top),
        )
        objects = _text_objects(glyphs)
        with_text = page.render(scale=SCALE, crop=cropping, may_draw_forms=False).to_pil()
        modes = {key: raw.FPDFTextObj_GetTextRenderMode(obj) for key, obj in objects.items()}
        for obj in objects.values():
            raw.FPDFTextObj_SetTextRenderMode(obj, raw.FPDF_TEXTRENDERMODE_INVISIBLE)
        try:
            without = page.render(scale=SCALE, crop=cropping, may_draw_forms=False).to_pil()
        finally:
            for key, obj in objects.items():
                raw.FPDFTextObj_SetTextRenderMode(obj, modes[key])
        with_text, without = with_text.convert("RGB"), without.convert("RGB")
        difference = ImageChops.difference(with_text.convert("L"), without.convert("L"))
        worst: tuple[float, Glyph, tuple[int, int]] | None = None
        for glyph in glyphs:
            box = (
                int((glyph.box[0] - left) * SCALE),
                int((top - glyph.box[3]) * SCALE),
                int((glyph.box[2] - left) * SCALE) + 1,
                int((top - glyph.box[1]) * SCALE) + 1,
            )
            at = _brightest(difference, box)
            if at is None:
                continue
            ratio = _contrast(with_text.getpixel(at), without.getpixel(at))
            if worst is None or ratio < worst[0]:
                worst = (ratio, glyph, at)
        if worst is None or worst[0] >= MIN_CONTRAST:
            return []
        ratio, glyph, at = worst
        # Its own colour against what is there without it: if that would stand out, what
        # hides the glyph was painted after it.
        if _contrast(_fill_colour(glyph.obj), without.getpixel(at)) >= MIN_CONTRAST:
            return [
                f"painted over: its glyph {glyph.char!r} on page {page_index + 1} shows at "
                f"{ratio:.2f}:1 although its colour would stand out"
            ]
        return [
            f"fill colour contrast {ratio:.2f}:1 against what is behind its glyph "
            f"{glyph.char!r} on page {page_index + 1} (at least {MIN_CONTRAST}:1)"
        ]


def _brightest(image: Image.Image, box: tuple[int, int, int, int]) -> tuple[int, int] | None:
    """Where a box of a greyscale image is brightest: the first such pixel, row by row; its
    top left corner when it is black or outside the image; None for an empty box."""
    x0, y0, x1, y1 = box
    if x1 <= x0 or y1 <= y0:
        return None
    width, height = image.size
    left, top, right, bottom = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
    if right <= left or bottom <= top:
        return (x0, y0)
    region = image.crop((left, top, right, bottom))
    peak = int(region.getextrema()[1])  # type: ignore[arg-type]  # (min, max) of one band
    if not peak:
        return (x0, y0)
    offset = region.tobytes().index(peak)
    return (left + offset % (right - left), top + offset // (right - left))


def _goes_on(last: Glyph, rest: Sequence[Glyph]) -> bool:
    """True when the text object of the item's last glyph draws more words after it: the item
    as drawn says more than its text (its element's text ends its text object)."""
    following = next((g for g in rest if g.char.strip()), None)
    return following is not None and following.obj is not None and _same(following.obj, last.obj)


def _text_objects(glyphs: Sequence[Glyph]) -> dict[int | None, Any]:
    """The text objects that draw some glyphs, each once, by address."""
    return {ctypes.cast(g.obj, ctypes.c_void_p).value: g.obj for g in glyphs}


def _same(one: Any, other: Any) -> bool:
    return bool(
        ctypes.cast(one, ctypes.c_void_p).value == ctypes.cast(other, ctypes.c_void_p).value
    )


def _drawing_order(page: Any) -> dict[int, int]:
    """Each page object (and each object inside a form) -> its place in the drawing order."""
    order: dict[int, int] = {}

    def walk(count: int, get: Any) -> None:
        for i in range(count):
            obj = get(i)
            order[ctypes.cast(obj, ctypes.c_void_p).value or 0] = len(order)
            if raw.FPDFPageObj_GetType(obj) == raw.FPDF_PAGEOBJ_FORM:
                walk(
                    raw.FPDFFormObj_CountObjects(obj),
                    lambda j, form=obj: raw.FPDFFormObj_GetObject(form, j),
                )

    walk(raw.FPDFPage_CountObjects(page), lambda i: raw.FPDFPage_GetObject(page, i))
    return order


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


def _inside(box: tuple[float, float, float, float], crop: tuple[float, ...]) -> bool:
    return (
        box[0] >= crop[0] - 0.5
        and box[1] >= crop[1] - 0.5
        and box[2] <= crop[2] + 0.5
        and box[3] <= crop[3] + 0.5
    )


def _font_name(obj: Any) -> str:
    font = raw.FPDFTextObj_GetFont(obj)
    length = raw.FPDFFont_GetBaseFontName(font, None, 0)
    buffer = ctypes.create_string_buffer(length)
    raw.FPDFFont_GetBaseFontName(font, buffer, length)
    return buffer.value.decode("utf-8", errors="replace")


def _fill_alpha(obj: Any) -> int:
    return _fill_rgba(obj)[3]


def _fill_colour(obj: Any) -> tuple[int, int, int]:
    r, g, b, _a = _fill_rgba(obj)
    return (r, g, b)


def _fill_rgba(obj: Any) -> tuple[int, int, int, int]:
    parts = [ctypes.c_uint() for _ in range(4)]
    raw.FPDFPageObj_GetFillColor(obj, *parts)
    r, g, b, a = (part.value for part in parts)
    return r, g, b, a


def _luminance(rgb: Any) -> float:
    def channel(value: int) -> float:
        v = value / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = rgb[:3]
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _contrast(one: Any, other: Any) -> float:
    a, b = _luminance(one), _luminance(other)
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)
