"""What reading outputs back has worked out, kept by its caller so as not to work it out again."""

from __future__ import annotations

from dataclasses import dataclass, field

from careleaf.verify.readback_html import SeenPages
from careleaf.verify.shaping import GlyphComparisons


@dataclass
class Readings:
    """The memos of one caller's readings: a verification makes one for itself, and a caller
    that reads the same outputs more than once passes its own.

    A build writes a clinic's manifest and then verifies the clinic: one `Readings` for both
    (its ``pages`` to `careleaf.verify.manifest.build_manifest`, itself to
    `careleaf.verify.verifier.verify`) parses each page once; a build's worker that proves
    the handouts it renders (`careleaf.verify.pdf_proof.prove_pdf`) with one `Readings`
    compares each glyph of the fonts they share once.

    Attributes:
        pages: the HTML pages read, by their bytes and stylesheets.
        glyphs: the glyphs of embedded font subsets compared with the project's fonts.
    """

    pages: SeenPages = field(default_factory=SeenPages)
    glyphs: GlyphComparisons = field(default_factory=GlyphComparisons)
