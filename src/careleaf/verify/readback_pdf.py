"""Reads a PDF back: its text and named destinations with pdfium, its metadata and fonts with
pikepdf."""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as raw

from careleaf.content.project import anchor_key
from careleaf.verify.readback import PDFIUM, UnreadableOutput


@dataclass(frozen=True)
class PdfSeen:
    """What a PDF holds: its text and named destinations read with pdfium, the rest with pikepdf.

    Attributes:
        destinations: named destination -> 0-based page index (-1 when it points nowhere).
        page_texts: the extracted text of each page.
        title, author, subject, keywords: the document information, when set.
        lang: the catalog's /Lang, when set.
        fonts: the name (/BaseFont) of every font the pages use.
        unembedded_fonts: those of them whose program is not in the file.
    """

    destinations: dict[str, int]
    page_texts: list[str]
    title: str | None = None
    author: str | None = None
    subject: str | None = None
    keywords: str | None = None
    lang: str | None = None
    fonts: list[str] = field(default_factory=list)
    unembedded_fonts: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        """The page count."""
        return len(self.page_texts)

    @property
    def text(self) -> str:
        """The extracted text of all pages, one page after the other."""
        return "\n".join(self.page_texts)

    @property
    def fonts_embedded(self) -> bool:
        """True when every font's program is embedded in the file."""
        return not self.unembedded_fonts

    @property
    def item_ids(self) -> list[str]:
        """The protected keys that have a named destination (`model.protected_anchor`), sorted."""
        return sorted(key for key in map(anchor_key, self.destinations) if key is not None)


# The document information PdfSeen holds.
_INFO_KEYS = ("/Title", "/Author", "/Subject", "/Keywords")


def pdf_items(path: Path) -> PdfSeen:
    """Read a PDF back: named destinations, text, page count, metadata and fonts.

    Raises:
        UnreadableOutput: the file cannot be read or parsed as a PDF.
    """
    try:
        page_texts, destinations = _read_with_pdfium(path)
        if not page_texts:
            raise UnreadableOutput(f"{path}: the PDF has no pages")
        with pikepdf.open(path) as pdf:
            info = {key: str(pdf.docinfo[key]) for key in _INFO_KEYS if key in pdf.docinfo}
            found = pdf.Root.get("/Lang")
            lang = str(found) if found is not None else None
            fonts: dict[str, bool] = {}
            for font in pdf_font_dictionaries(pdf):
                name = str(font.get("/BaseFont", "(unnamed)")).lstrip("/")
                fonts[name] = fonts.get(name, True) and _font_embedded(font)
    except UnreadableOutput:
        raise
    except Exception as error:  # a damaged file raises many kinds: all mean unreadable
        raise UnreadableOutput(f"{path}: cannot read the PDF: {error}") from None
    return PdfSeen(
        destinations={name: page for name, (page, _x, _y) in destinations.items()},
        page_texts=page_texts,
        title=info.get("/Title"),
        author=info.get("/Author"),
        subject=info.get("/Subject"),
        keywords=info.get("/Keywords"),
        lang=lang,
        fonts=sorted(fonts),
        unembedded_fonts=sorted(name for name, embedded in fonts.items() if not embedded),
    )


def _read_with_pdfium(path: Path) -> tuple[list[str], dict[str, tuple[int, float, float]]]:
    """The text of each page and the named destinations, read by pdfium (many times faster
    than pypdf, whose text extraction once made up most of the verifier's time, and whose
    reading of the destinations' name tree was a tenth of a PDF's proof): lines end with a line
    break, a hyphen pdfium marks as a line-end hyphen (U+0002) is kept as a hyphen."""
    with PDFIUM:
        document = pdfium.PdfDocument(str(path))
        try:
            texts = []
            for page in document:
                text_page = page.get_textpage()
                text = text_page.get_text_range()
                texts.append(text.replace("\r\n", "\n").replace("\x02", "-"))
                text_page.close()
                page.close()
            return texts, named_destinations(document)
        finally:
            document.close()


def named_destinations(document: pdfium.PdfDocument) -> dict[str, tuple[int, float, float]]:
    """Each named destination of a PDF opened with pdfium (its /Dests and its name tree):
    the 0-based page it points to (-1 for none) and the point on that page, in points."""
    found = {}
    pdf = document.raw
    for index in range(raw.FPDF_CountNamedDests(pdf)):
        length = ctypes.c_long(0)
        raw.FPDF_GetNamedDest(pdf, index, None, ctypes.byref(length))
        buffer = ctypes.create_string_buffer(length.value)
        dest = raw.FPDF_GetNamedDest(pdf, index, buffer, ctypes.byref(length))
        if not dest:
            continue
        name = buffer.raw[: length.value].decode("utf-16-le").rstrip("\0")
        has = [ctypes.c_int() for _ in range(3)]
        where = [ctypes.c_float() for _ in range(3)]
        raw.FPDFDest_GetLocationInPage(dest, *has, *where)
        page = raw.FPDFDest_GetDestPageIndex(pdf, dest)
        found[name] = (page, where[0].value, where[1].value)
    return found


def pdf_font_dictionaries(pdf: pikepdf.Pdf) -> Iterator[Any]:
    """Every font dictionary of a PDF opened with pikepdf: in its pages' resources and in the
    forms and patterns they use, each indirect one once."""
    seen: set[tuple[int, int]] = set()

    def first_time(obj: Any) -> bool:
        if not obj.is_indirect:
            return True
        if obj.objgen in seen:
            return False
        seen.add(obj.objgen)
        return True

    def walk(resources: Any) -> Iterator[Any]:
        if not isinstance(resources, pikepdf.Dictionary) or not first_time(resources):
            return
        yield from (font for font in _values(resources.get("/Font")) if first_time(font))
        for key in ("/XObject", "/Pattern"):
            for child in _values(resources.get(key)):
                # A form or pattern is walked once (one that uses itself, once too).
                if first_time(child):
                    yield from walk(child.get("/Resources"))

    for page in pdf.pages:
        yield from walk(page.obj.get("/Resources"))


def _values(dictionary: Any) -> list[Any]:
    """The dictionaries and streams a PDF dictionary holds as values."""
    if not isinstance(dictionary, pikepdf.Dictionary):
        return []
    return [
        value
        for value in dictionary.values()
        if isinstance(value, (pikepdf.Dictionary, pikepdf.Stream))
    ]


def _font_embedded(font: Any) -> bool:
    """A font's program is in the file (a Type3 font is drawn by the file itself)."""
    subtype = font.get("/Subtype")
    if subtype == "/Type3":
        return True
    if subtype == "/Type0":
        descendants = font.get("/DescendantFonts")
        return (
            isinstance(descendants, pikepdf.Array)
            and len(descendants) > 0
            and all(
                isinstance(child, pikepdf.Dictionary) and _font_embedded(child)
                for child in descendants
            )
        )
    descriptor = font.get("/FontDescriptor")
    return isinstance(descriptor, pikepdf.Dictionary) and any(
        key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
    )
