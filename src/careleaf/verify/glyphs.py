"""The glyphs a PDF page draws, as pdfium finds them, in the order its content stream draws them."""

from __future__ import annotations

import ctypes
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pypdfium2.raw as raw


@dataclass(frozen=True)
class Glyph:
    """One character pdfium found on a page, with where and how it is drawn."""

    index: int
    char: str
    box: tuple[float, float, float, float]  # left, bottom, right, top in points
    origin: tuple[float, float]  # where the glyph is drawn from (on its baseline)
    size: float  # as drawn, in points: the font size times its text object's scale
    generated: bool
    obj: Any
    font: str
    page: int


def page_glyphs(page: Any, text_page: Any, index: int) -> list[Glyph]:
    """The glyphs of a page opened with pdfium, in the order the content stream draws them.

    pdfium's own text order follows its reading-order guesses (it interleaves the lines
    of side-by-side columns); the drawing order keeps each element's lines together.
    A line break is put between two glyphs on different baselines.

    Args:
        page: the page (a ``pypdfium2.PdfPage``).
        text_page: its text page.
        index: its 0-based index in the document.
    """
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
                # pdfium's mark for a hyphen that ends a line (`readback.normalise`).
                "-" if code == 2 else chr(code) if code else "",
                (left.value, bottom.value, right.value, top.value),
                (x.value, y.value),
                raw.FPDFText_GetFontSize(text_page.raw, i),
                obj,
                address,
            )
        )
    found.sort(key=lambda entry: entry[0])
    _spread_marked_runs(page.raw, found)
    glyphs: list[Glyph] = []
    names: dict[int, str] = {}  # each text object's font, read once
    scales: dict[int, float] = {}  # and the scale its matrix draws it at
    for _order, char, box, origin, font_size, obj, address in found:
        if address not in names:
            names[address] = _font_name(obj)
            scales[address] = _scale(obj)
        # pdfium gives the size in text space: WeasyPrint draws in CSS pixels, scaled to
        # points by the matrix (0.75), so 12pt text has a text-space size of 16.
        size = font_size * scales[address]
        if glyphs and not glyphs[-1].generated and abs(glyphs[-1].origin[1] - origin[1]) > 1:
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
    return glyphs


def _spread_marked_runs(page: Any, found: list[Any]) -> None:
    """Put the characters of each run marked with /ActualText on the text objects that draw
    it, in place.

    pdfium reads such a run (Bengali, see `careleaf.compat.mark_actual_text`) as its
    /ActualText, every character of it on the run's first text object, with a slice of that
    object's box; the run's other text objects (WeasyPrint starts one at each raised or
    lowered mark) give no characters. So that every text object of the run is measured, its
    characters are shared out among them in drawing order, each with its object's box.
    """
    runs = _marked_runs(page)
    start = 0
    while start < len(found):
        address = found[start][6]
        end = start + 1
        while end < len(found) and found[end][6] == address:
            end += 1
        objects = runs.get(address)
        if objects:
            count = end - start
            for offset in range(count):
                obj = objects[offset * len(objects) // count]
                left, bottom, right, top = (ctypes.c_float() for _ in range(4))
                raw.FPDFPageObj_GetBounds(obj, left, bottom, right, top)
                box = (left.value, bottom.value, right.value, top.value)
                entry = found[start + offset]
                address_of = ctypes.cast(obj, ctypes.c_void_p).value or 0
                found[start + offset] = (
                    entry[0],
                    entry[1],
                    box,
                    entry[3],
                    entry[4],
                    obj,
                    address_of,
                )
        start = end


def _marked_runs(page: Any) -> dict[int, list[Any]]:
    """The first text object of each run marked with /ActualText (by address) -> the run's
    text objects, in drawing order. A run's objects share pdfium's content mark."""
    runs: dict[int, list[Any]] = {}
    first_of: dict[int, int] = {}  # a mark's address -> the address of its run's first object

    def walk(count: int, get: Any) -> None:
        for i in range(count):
            obj = get(i)
            kind = raw.FPDFPageObj_GetType(obj)
            if kind == raw.FPDF_PAGEOBJ_FORM:
                walk(
                    raw.FPDFFormObj_CountObjects(obj),
                    lambda j, form=obj: raw.FPDFFormObj_GetObject(form, j),
                )
            elif kind == raw.FPDF_PAGEOBJ_TEXT:
                mark = _actual_text_mark(obj)
                if mark is None:
                    continue
                address = ctypes.cast(obj, ctypes.c_void_p).value or 0
                first = first_of.setdefault(mark, address)
                runs.setdefault(first, []).append(obj)

    walk(raw.FPDFPage_CountObjects(page), lambda i: raw.FPDFPage_GetObject(page, i))
    return runs


def _actual_text_mark(obj: Any) -> int | None:
    """The address of the innermost content mark of a page object that has /ActualText."""
    for index in reversed(range(raw.FPDFPageObj_CountMarks(obj))):
        mark = raw.FPDFPageObj_GetMark(obj, index)
        if raw.FPDFPageObjMark_GetParamValueType(mark, b"ActualText") != raw.FPDF_OBJECT_UNKNOWN:
            return ctypes.cast(mark, ctypes.c_void_p).value
    return None


def text_objects(glyphs: Sequence[Glyph]) -> dict[int | None, Any]:
    """The text objects that draw some glyphs, each once, by address."""
    return {ctypes.cast(g.obj, ctypes.c_void_p).value: g.obj for g in glyphs}


def same_object(one: Any, other: Any) -> bool:
    """Whether two pdfium handles are the same page object."""
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


def _scale(obj: Any) -> float:
    """How much a text object's matrix (with the page's transformations before it) scales
    what it draws: the square root of its determinant's magnitude."""
    matrix = raw.FS_MATRIX()
    if not raw.FPDFPageObj_GetMatrix(obj, matrix):
        return 1.0
    return float(abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5)


def _font_name(obj: Any) -> str:
    font = raw.FPDFTextObj_GetFont(obj)
    length = raw.FPDFFont_GetBaseFontName(font, None, 0)
    buffer = ctypes.create_string_buffer(length)
    raw.FPDFFont_GetBaseFontName(font, buffer, length)
    return buffer.value.decode("utf-8", errors="replace")
