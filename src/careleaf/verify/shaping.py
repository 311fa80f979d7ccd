"""What a PDF font's glyphs really draw: ToUnicode checked against the font, text shaped."""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pikepdf
import uharfbuzz as hb
from fontTools.ttLib import TTFont

from careleaf.render.fonts import font_files
from careleaf.verify.readback import UnreadableOutput, complex_scripts
from careleaf.verify.readback_pdf import pdf_font_dictionaries

_HEX_PAIR = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]*)>")
_BFCHAR = re.compile(rb"beginbfchar(.*?)endbfchar", re.S)
_BFRANGE = re.compile(rb"beginbfrange(.*?)endbfrange", re.S)
_RANGE_ENTRY = re.compile(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(<[0-9a-fA-F]*>|\[[^\]]*\])")


@dataclass
class FontFacts:
    """One embedded font of a PDF, checked.

    Attributes:
        name: its ``/BaseFont`` (with the subset prefix, as pdfium names it).
        to_unicode: glyph id -> the text its ToUnicode map gives.
        lies: text -> why the glyphs mapped to it do not draw it (a lying ToUnicode map).
        source: the project font it was subset from (same PostScript name, same outlines),
            which still has the shaping tables the subset lost; None when there is none.
        unchecked: why the font could not be checked, else None.
    """

    name: str
    to_unicode: dict[int, str] = field(default_factory=dict)
    lies: dict[str, str] = field(default_factory=dict)
    source: Path | None = None
    unchecked: str | None = None


class GlyphComparisons:
    """Simple glyphs of embedded subsets already compared with the project font's, by their
    bytes: the handouts one caller proves (a verification, a build's worker) embed subsets of
    the same fonts, sharing most of their glyphs. The caller owns it for as long as it proves
    handouts; a fresh one has compared nothing.
    """

    def __init__(self) -> None:
        # (project font, glyph id, the subset's glyph bytes) -> whether they compile the same.
        self._verdicts: dict[tuple[str, int, bytes], bool] = {}

    def same(self, kept: Any, name: str, path: str, gid: int) -> bool:
        """Whether a subset's glyph compiles to the project font's glyph ``gid``.

        A simple glyph's program depends on its own bytes only, so its verdict is kept by those
        bytes; a composite glyph's bounding box depends on its components: compared every time.

        Args:
            kept: the subset's ``glyf`` table.
            name: the glyph's name in the subset.
            path: the project font's file.
            gid: the glyph's id, the same in both fonts.
        """
        data = getattr(kept.glyphs[name], "data", None)  # bytes until fontTools expands it
        # A glyph's first two bytes are its number of contours, negative for a composite glyph.
        if data is None or int.from_bytes(data[:2] or b"\xff\xff", "big", signed=True) < 0:
            return bool(kept[name].compile(kept) == _glyph_program(path, gid))
        key = (path, gid, data)
        if key not in self._verdicts:
            self._verdicts[key] = bool(kept[name].compile(kept) == _glyph_program(path, gid))
        return self._verdicts[key]


def pdf_fonts(
    path: Path, root: Path, compared: GlyphComparisons | None = None
) -> dict[str, FontFacts]:
    """Check every font of a PDF: each glyph's ToUnicode text must be what the glyph draws.

    A glyph the font's own cmap maps from characters must have one of those characters as its
    ToUnicode text; a glyph no character maps to (a ligature, a conjunct, a contextual form)
    must be produced when its ToUnicode text is shaped with HarfBuzz in the font it came
    from. WeasyPrint subsets fonts keeping glyph ids but dropping GSUB, so the font it came
    from is found among the project's fonts by PostScript name and bound to the embedded one
    by comparing the outlines of every glyph used.

    Args:
        path: the PDF.
        root: the project whose fonts the PDF's were subset from.
        compared: the glyphs compared already (by default, none).

    Raises:
        UnreadableOutput: the PDF cannot be opened.
    """
    try:
        pdf = pikepdf.open(path)
    except (pikepdf.PdfError, OSError) as error:
        raise UnreadableOutput(f"{path}: cannot read the PDF: {error}") from None
    compared = compared if compared is not None else GlyphComparisons()
    with pdf:
        facts = {}
        for font in pdf_font_dictionaries(pdf):
            name = str(font.get("/BaseFont", "(unnamed)")).lstrip("/")
            if name not in facts:
                facts[name] = _check_font(name, font, root, compared)
        return facts


def _check_font(name: str, font: Any, root: Path, compared: GlyphComparisons) -> FontFacts:
    facts = FontFacts(name)
    if font.get("/Subtype") != "/Type0" or font.get("/Encoding") != "/Identity-H":
        facts.unchecked = "not an Identity-H composite font"
        return facts
    descendant = font.DescendantFonts[0]
    mapping = descendant.get("/CIDToGIDMap")
    program = descendant.get("/FontDescriptor", {}).get("/FontFile2")
    unicode_map = font.get("/ToUnicode")
    if mapping is not None and mapping != "/Identity":
        facts.unchecked = "its glyphs are mapped by a CIDToGIDMap stream"
        return facts
    if program is None or unicode_map is None:
        facts.unchecked = "no embedded TrueType program or no ToUnicode map"
        return facts
    try:
        data = program.read_bytes()
        embedded = TTFont(io.BytesIO(data), lazy=True)
        facts.to_unicode = parse_to_unicode(unicode_map.read_bytes())
    except Exception as error:  # a damaged font or map: all mean it cannot be trusted
        facts.unchecked = f"cannot read it: {error}"
        return facts
    facts.source = _source_font(embedded, root, sorted(facts.to_unicode), compared)
    cmap_font = _project_font(str(facts.source)) if facts.source else embedded
    reverse: dict[int, set[str]] = {}
    glyph_ids = {glyph: index for index, glyph in enumerate(cmap_font.getGlyphOrder())}
    for code, glyph in (cmap_font.getBestCmap() or {}).items():
        reverse.setdefault(glyph_ids[glyph], set()).add(chr(code))
    shaper = _shaper(str(facts.source)) if facts.source else _shaper_of(data)
    for gid, text in facts.to_unicode.items():
        drawn = reverse.get(gid, set())
        if text in drawn or (not text and not drawn):
            continue
        if text and (gid in shaper(text) or gid in shaper(text, "rtl")):
            continue  # a ligature, a contextual form, a mirrored bracket right to left
        if _within_complex_script(text, drawn):
            continue
        what = "/".join(sorted(drawn)) if drawn else f"glyph {gid}"
        facts.lies[text] = f"font {name}: glyph {gid} draws {what!r} but extracts as {text!r}"
    return facts


def _within_complex_script(text: str, drawn: set[str]) -> bool:
    """A glyph of Bengali or Arabic whose ToUnicode text is (part of) its cluster's.

    WeasyPrint maps each glyph to the text from its cluster to the next glyph's, so in these
    scripts a glyph may extract as a neighbouring letter of its cluster, or as nothing. Text
    and glyph must still be in the same complex script; the item's glyph sequence itself is
    compared by shaping (`shaped_text`).
    """
    scripts = complex_scripts(text + "".join(drawn))
    return bool(scripts) and all(
        not part or complex_scripts(part) == scripts for part in (text, "".join(drawn))
    )


def parse_to_unicode(cmap: bytes) -> dict[int, str]:
    """A ToUnicode CMap's ``bfchar`` and ``bfrange`` entries: code -> text."""
    mapping: dict[int, str] = {}
    for block in _BFCHAR.findall(cmap):
        for code, text in _HEX_PAIR.findall(block):
            mapping[int(code, 16)] = _utf16(text)
    for block in _BFRANGE.findall(cmap):
        for low, high, target in _RANGE_ENTRY.findall(block):
            first, last = int(low, 16), int(high, 16)
            if target.startswith(b"["):
                texts = re.findall(rb"<([0-9a-fA-F]*)>", target)
                for offset, text in enumerate(texts[: last - first + 1]):
                    mapping[first + offset] = _utf16(text)
            else:
                start = _utf16(target.strip(b"<>"))
                for offset in range(last - first + 1):
                    mapping[first + offset] = start[:-1] + chr(ord(start[-1]) + offset)
    return mapping


def _utf16(hexa: bytes) -> str:
    return bytes.fromhex(hexa.decode("ascii")).decode("utf-16-be", errors="replace")


def _source_font(
    embedded: Any, root: Path, glyphs: list[int], compared: GlyphComparisons
) -> Path | None:
    """The project font an embedded subset was made from, or None."""
    name = _postscript_name(embedded)
    for path in font_files(root):
        source = _project_font(str(path))
        if _postscript_name(source) != name:
            continue
        if "glyf" not in embedded or "glyf" not in source:
            return None
        kept, order = embedded["glyf"], embedded.getGlyphOrder()
        try:
            same = all(
                compared.same(kept, order[gid], str(path), gid)
                for gid in glyphs
                if gid < len(order)
            )
        except (IndexError, KeyError):
            same = False
        return path if same else None
    return None


@functools.lru_cache(maxsize=8192)
def _glyph_program(path: str, gid: int) -> bytes:
    """One glyph of a project font, compiled (what a subset that kept it holds)."""
    font = _project_font(path)
    glyf = font["glyf"]
    return bytes(glyf[font.getGlyphOrder()[gid]].compile(glyf))


def _postscript_name(font: Any) -> str | None:
    return font["name"].getDebugName(6) if "name" in font else None


@functools.lru_cache(maxsize=32)
def _project_font(path: str) -> Any:
    """A project font, read once per run (read from bytes: no file is left open)."""
    return TTFont(io.BytesIO(Path(path).read_bytes()))


@functools.cache
def _shaper(path: str) -> Any:
    return _shaper_of(Path(path).read_bytes())


def _shaper_of(data: bytes) -> Any:
    """A function: text -> the glyph ids HarfBuzz shapes it into with this font, in order."""
    font = hb.Font(hb.Face(data))

    @functools.cache
    def shape(text: str, direction: str | None = None) -> tuple[int, ...]:
        buffer = hb.Buffer()
        buffer.add_str(text)
        buffer.guess_segment_properties()
        if direction:
            buffer.direction = direction
        hb.shape(font, buffer)
        return tuple(info.codepoint for info in buffer.glyph_infos)

    return shape


def glyph_ids(facts: FontFacts, text: str) -> tuple[int, ...] | None:
    """The glyph ids HarfBuzz shapes ``text`` into in the project font ``facts`` was subset
    from, in drawing order; None without that font (the text cannot be shaped)."""
    return _shaper(str(facts.source))(text) if facts.source else None


def shaped_text(facts: FontFacts, text: str) -> str:
    """The text a PDF extracts for ``text`` shaped in this font: each glyph's ToUnicode text,
    in the order HarfBuzz draws the glyphs (visual order).

    Comparing it with the text extracted for an item compares the drawn glyph sequence with
    the shaped one, through the font's (checked) ToUnicode map. Without the project font it
    was subset from the text cannot be shaped, and comes back unchanged (so it fails).
    """
    shaped = glyph_ids(facts, text)
    if shaped is None:
        return text
    # A glyph the map leaves out (WeasyPrint maps a cluster's text to one of its glyphs)
    # extracts, in pdfium, as the character of its code.
    return "".join(facts.to_unicode.get(gid) or chr(gid) for gid in shaped)
