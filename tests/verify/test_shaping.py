"""ToUnicode maps read, and checked against the fonts of a real handout."""

from __future__ import annotations

import io

from conftest import REPO

from careleaf.verify.shaping import GlyphComparisons, parse_to_unicode, pdf_fonts

CMAP = b"""/CIDInit /ProcSet findresource begin
2 beginbfchar
<0003> <0041>
<0010> <00660069>
endbfchar
2 beginbfrange
<0020> <0022> <0061>
<0030> <0031> [<0078> <0079007A>]
endbfrange
endcmap"""


def test_parse_to_unicode_reads_chars_and_both_kinds_of_range() -> None:
    assert parse_to_unicode(CMAP) == {
        3: "A",
        16: "fi",
        32: "a",
        33: "b",
        34: "c",
        48: "x",
        49: "yz",
    }


def test_the_fonts_of_a_real_handout_are_honest_and_bound_to_the_project_fonts(real_site) -> None:
    _project, site = real_site
    for handout in ("handouts/aftercare.pdf", "bn/handouts/aftercare.pdf"):
        fonts = pdf_fonts(site / handout, REPO)
        assert fonts and all(font.unchecked is None for font in fonts.values())
        assert all(font.source is not None for font in fonts.values()), fonts
        assert {name: font.lies for name, font in fonts.items() if font.lies} == {}


def test_a_glyph_with_other_bytes_is_compared_again() -> None:
    """A simple glyph's verdict is kept by its bytes: the project's own glyph passes (again,
    from what was kept), and a redrawn one with the same id fails."""
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.tables._g_l_y_f import Glyph

    path = REPO / "fonts/NotoSans-Regular.ttf"

    def load() -> TTFont:
        return TTFont(io.BytesIO(path.read_bytes()), lazy=True)

    compared = GlyphComparisons()
    honest = load()
    name = honest.getBestCmap()[ord("a")]
    gid = honest.getGlyphID(name)
    assert compared.same(honest["glyf"], name, str(path), gid)
    assert compared.same(load()["glyf"], name, str(path), gid)

    redrawn = load()
    glyf = redrawn["glyf"]
    glyph = glyf[name]
    x, y = glyph.coordinates[0]
    glyph.coordinates[0] = (x + 40, y)
    glyf.glyphs[name] = Glyph(glyph.compile(glyf))
    assert not compared.same(glyf, name, str(path), gid)
