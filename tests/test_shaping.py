"""ToUnicode maps read, and checked against the fonts of a real handout."""

from __future__ import annotations

from conftest import REPO

from careleaf.shaping import parse_to_unicode, pdf_fonts

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
