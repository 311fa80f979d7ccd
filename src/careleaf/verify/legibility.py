"""Whether the glyphs a PDF draws for an item can be read: honest text, visible, large enough,
inside the page, and standing out from what is behind them."""

from __future__ import annotations

import ctypes
from collections.abc import Mapping
from typing import Any

import pypdfium2.raw as raw
from PIL import Image, ImageChops

from careleaf.content.colour import contrast
from careleaf.verify.glyphs import Glyph, text_objects
from careleaf.verify.shaping import FontFacts

# The smallest text a patient must read (protected text, in every edition), in points: the
# clear-print floor (body text 12 pt or more, nothing a patient must read below 11 pt), and
# the contrast for body text.
MIN_FONT_PT = 11.0
MIN_CONTRAST = 4.5
# Pixels per point when an item's box is rasterised: a 10 pt stem is then more than 2 pixels
# wide, so each glyph has pixels fully inside it.
SCALE = 3.0
_INVISIBLE_MODES = {raw.FPDF_TEXTRENDERMODE_INVISIBLE, raw.FPDF_TEXTRENDERMODE_CLIP}


def legibility_failures(
    glyphs: list[Glyph], fonts: Mapping[str, FontFacts], pages: Mapping[int, Any]
) -> list[str]:
    """What keeps an item's glyphs from being read as its text (empty when nothing does).

    Each glyph must extract through an honest ToUnicode map, be drawn in a visible render
    mode, at a readable size, opaque and inside the crop box, and make a visible mark: the
    item's box is rasterised with and without its text, and each glyph must stand out at least
    `MIN_CONTRAST` to 1 from what is there without it.

    Args:
        glyphs: the item's glyphs, as drawn.
        fonts: the PDF's fonts by name, checked (`careleaf.verify.shaping.pdf_fonts`).
        pages: the pdfium page of each page the glyphs are on, by index.
    """
    failures: list[str] = []
    lies = [
        fonts[g.font].lies[g.char]
        for g in glyphs
        if g.font in fonts and g.char in fonts[g.font].lies
    ]
    unchecked = {
        f"font {g.font}: {fonts[g.font].unchecked}"
        for g in glyphs
        if g.font in fonts and fonts[g.font].unchecked
    }
    if lies:
        failures.append(f"ToUnicode does not match the font's glyphs ({lies[0]})")
    failures += sorted(f"its ToUnicode cannot be checked ({u})" for u in unchecked)
    # Render mode and fill are properties of a text object: read once for each.
    objects = text_objects(glyphs).values()
    modes = {raw.FPDFTextObj_GetTextRenderMode(obj) for obj in objects}
    if modes & _INVISIBLE_MODES:
        failures.append(f"drawn in an invisible text render mode ({min(modes)})")
    small = min(g.size for g in glyphs)
    # (A hundredth of a point spares the rounding of sizes drawn in pixels: 11pt is 14.67px.)
    if small + 0.01 < MIN_FONT_PT:
        failures.append(f"font size {small:.1f} pt (at least {MIN_FONT_PT} pt)")
    alphas = {_fill_alpha(obj) for obj in objects}
    if min(alphas) < 255:
        failures.append(f"fill opacity {min(alphas) / 255:.2f}")
    by_page: dict[int, list[Glyph]] = {}
    for glyph in glyphs:
        by_page.setdefault(glyph.page, []).append(glyph)
    explained = bool(modes & _INVISIBLE_MODES) or min(alphas) < 255
    for page_index, on_page in by_page.items():
        seen = _marks(pages[page_index], page_index, on_page)
        # An invisible or transparent glyph also makes no mark: say so once.
        failures += [f for f in seen if not explained or "crop box" in f]
    return failures


def _marks(page: Any, page_index: int, glyphs: list[Glyph]) -> list[str]:
    """Inside the crop box, and each glyph a visible mark against what is behind it."""
    crop = page.get_cropbox()
    outside = [g for g in glyphs if not _inside(g.box, crop)]
    if outside:
        return [f"{len(outside)} of its glyphs are outside the crop box on page {page_index + 1}"]
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
    objects = text_objects(glyphs)
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
        at = brightest_pixel(difference, box)
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


def brightest_pixel(image: Image.Image, box: tuple[int, int, int, int]) -> tuple[int, int] | None:
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


def _inside(box: tuple[float, float, float, float], crop: tuple[float, ...]) -> bool:
    return (
        box[0] >= crop[0] - 0.5
        and box[1] >= crop[1] - 0.5
        and box[2] <= crop[2] + 0.5
        and box[3] <= crop[3] + 0.5
    )


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


def _contrast(one: Any, other: Any) -> float:
    """The WCAG contrast of two RGB colours (`careleaf.content.colour.contrast`)."""
    return contrast(_hex(one), _hex(other))


def _hex(rgb: Any) -> str:
    red, green, blue = rgb[:3]
    return f"#{red:02x}{green:02x}{blue:02x}"
