"""Clear print, large print and warnings first, read back from the built PDFs of both sample
clinics in every language: the urgent-help block's first item and the emergency number drawn
on page 1, the number at 1.3 times the body size or more, body text of 12 pt (16 pt in the
large-print edition), no text below 11 pt, and no last page under 40% full."""

from __future__ import annotations

import ctypes
from collections import Counter
from pathlib import Path

import pypdfium2
import pypdfium2.raw as raw
import pytest
from bs4 import BeautifulSoup

from careleaf.content.handout import EDITIONS, LARGE_PRINT, handout_path
from careleaf.content.load import load_library
from careleaf.content.project import protected_anchor, protected_key
from careleaf.content.shown import emergency_number
from careleaf.render.blocks import content_area
from careleaf.render.fill import MIN_LAST_PAGE_FILL, last_page_fill

LANGUAGES = ("en", "es", "bn")
HANDOUTS = ("about-dry-needling", "aftercare", "consent-form")
CLINICS = ("example", "lakeside")
BODY = {"standard": 12.0, LARGE_PRINT: 16.0}


def size_in_points(text: pypdfium2.PdfTextPage, index: int) -> float:
    """A character's font size as drawn: in text space, scaled by its text object's matrix
    (WeasyPrint draws in CSS pixels, which the matrix makes points)."""
    matrix = raw.FS_MATRIX()
    raw.FPDFPageObj_GetMatrix(raw.FPDFText_GetTextObject(text.raw, index), matrix)
    scale = abs(matrix.a * matrix.d - matrix.b * matrix.c) ** 0.5
    return float(raw.FPDFText_GetFontSize(text.raw, index) * scale)


def drawn(path: Path) -> tuple[list[list[tuple[str, float]]], dict[str, int]]:
    """Each page's characters with their font sizes, and each named destination's page."""
    document = pypdfium2.PdfDocument(str(path))
    pages = []
    for page in document:
        text = page.get_textpage()
        pages.append(
            [
                (chr(raw.FPDFText_GetUnicode(text.raw, i)), size_in_points(text, i))
                for i in range(text.count_chars())
                if not raw.FPDFText_IsGenerated(text.raw, i)
            ]
        )
    destinations = {}
    for index in range(raw.FPDF_CountNamedDests(document.raw)):
        length = ctypes.c_long(0)
        raw.FPDF_GetNamedDest(document.raw, index, None, ctypes.byref(length))
        buffer = ctypes.create_string_buffer(length.value)
        dest = raw.FPDF_GetNamedDest(document.raw, index, buffer, ctypes.byref(length))
        name = buffer.raw[: length.value].decode("utf-16-le").rstrip("\0")
        destinations[name] = raw.FPDFDest_GetDestPageIndex(document.raw, dest)
    document.close()
    return pages, destinations


@pytest.mark.parametrize("clinic", CLINICS)
@pytest.mark.parametrize("edition", EDITIONS)
def test_warnings_first_in_clear_or_large_print(all_clinics: Path, clinic: str, edition: str):
    library = load_library(all_clinics.parent)
    urgent = library.content["en"]["urgent-help"]
    first_item = protected_anchor(protected_key("urgent-help", "text", urgent.items[0].id))
    emergency = protected_anchor(protected_key("urgent-help", "emergency"))
    for lang in LANGUAGES:
        # As the language writes it (Bengali in its own digits).
        number = emergency_number(library, lang, "urgent-help", library.clinics[clinic])
        for handout in HANDOUTS:
            folder = all_clinics / clinic / ("" if lang == "en" else lang)
            path = folder / handout_path(handout, edition)
            where = f"{clinic}/{lang}/{handout} ({edition})"
            pages, destinations = drawn(path)
            sizes = Counter(round(size, 1) for page in pages for char, size in page if char.strip())
            body = sizes.most_common(1)[0][0]
            assert body >= BODY[edition], where
            assert min(sizes) >= 11.0, f"{where}: text at {min(sizes)} pt"
            assert max(sizes) < 40, f"{where}: text at {max(sizes)} pt: sizes not in points?"
            assert destinations[first_item] == 0 and destinations[emergency] == 0, where
            first = "".join(char for char, _size in pages[0])
            at = first.index(number)
            assert all(size >= 1.3 * body for _c, size in pages[0][at : at + len(number)]), where
            count, fill = last_page_fill(
                path.read_bytes(), content_area(library.clinics[clinic], edition)
            )
            assert count == 1 or fill >= MIN_LAST_PAGE_FILL, f"{where}: last page {fill:.0%}"


def test_handouts_page_links_the_large_print_edition_beside_each(all_clinics: Path) -> None:
    for lang in LANGUAGES:
        folder = all_clinics / "lakeside" / ("" if lang == "en" else lang) / "handouts"
        page = BeautifulSoup((folder / "index.html").read_text(), "html.parser")
        for handout in HANDOUTS:
            card = page.select_one(f'[data-handout="{handout}"]')
            # Checked by where they lead: the composed page writes them relative to the page.
            links = [(folder / a["href"]).resolve() for a in card.select("a[download]")]
            expected = [folder / f"{handout}.pdf", folder / "large-print" / f"{handout}.pdf"]
            assert links == [path.resolve() for path in expected], links
            assert (folder / "large-print" / f"{handout}.pdf").is_file()
