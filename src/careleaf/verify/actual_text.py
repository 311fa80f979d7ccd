"""Whether each run of text a PDF marks with /ActualText draws that text.

A reader that extracts text (pdfium, copy and paste, a screen reader) takes a marked run's
``/ActualText`` instead of its glyphs' ToUnicode text: the renderer writes it for every run of
Bengali (`careleaf.compat.mark_actual_text`), whose glyphs do not extract as their text. So the
text the verifier compares with the source is only as good as the ActualText is true to the
glyphs. This module reads every marked run from the content streams (pikepdf) and checks it:
the run's Bengali, shaped with HarfBuzz in the project font its glyphs come from
(`careleaf.verify.shaping.shaped_text`'s shaper), must give the Bengali glyphs drawn, in order;
its other characters must be what the run's other glyphs extract as (their ToUnicode text,
itself checked by `careleaf.verify.shaping.pdf_fonts`). Whitespace is left out on both sides.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pikepdf

from careleaf.verify.readback import UnreadableOutput, script_of
from careleaf.verify.shaping import FontFacts, glyph_ids

# The operators a marked run's text depends on (only these are parsed).
_OPERATORS = "BDC BMC EMC Tf TJ Tj ' \" Do"
# A run of Bengali letters and the joiners inside it: what HarfBuzz shapes as one piece.
_BENGALI_RUN = re.compile("[\u0980-\u09ff\u200c\u200d]+")


@dataclass
class MarkedRun:
    """A run of text marked with /ActualText, and the glyphs drawn inside it.

    Attributes:
        page: its 0-based page.
        text: its /ActualText.
        glyphs: each glyph drawn inside it: the name of its font (/BaseFont) and its id.
    """

    page: int
    text: str
    glyphs: list[tuple[str, int]] = field(default_factory=list)


def marked_runs(path: Path) -> list[MarkedRun]:
    """Every run of text marked with /ActualText in a PDF, in drawing order.

    Raises:
        UnreadableOutput: the PDF cannot be opened.
    """
    try:
        pdf = pikepdf.open(path)
    except (pikepdf.PdfError, OSError) as error:
        raise UnreadableOutput(f"{path}: cannot read the PDF: {error}") from None
    with pdf:
        runs: list[MarkedRun] = []
        for number, page in enumerate(pdf.pages):
            runs += _runs(page.obj, page.obj.get("/Resources"), number, set())
        return runs


def _runs(owner: Any, resources: Any, page: int, seen: set[tuple[int, int]]) -> list[MarkedRun]:
    """The marked runs of a page's or a form's content stream (forms it draws included)."""
    found: list[MarkedRun] = []
    open_runs: list[MarkedRun | None] = []  # one entry per open marked-content sequence
    fonts = resources.get("/Font", {}) if resources is not None else {}
    font = ""
    for instruction in pikepdf.parse_content_stream(owner, _OPERATORS):
        operands, operator = instruction.operands, instruction.operator
        op = str(operator)
        if op in ("BDC", "BMC"):
            actual = None
            if op == "BDC" and isinstance(operands[1], pikepdf.Dictionary):
                actual = operands[1].get("/ActualText")
            run = MarkedRun(page, str(actual)) if actual is not None else None
            open_runs.append(run)
            if run is not None:
                found.append(run)
        elif op == "EMC" and open_runs:
            open_runs.pop()
        elif op == "Tf":
            font_dict = fonts.get(str(operands[0])) if fonts is not None else None
            font = str(font_dict.get("/BaseFont", "")).lstrip("/") if font_dict else ""
        elif op in ("TJ", "Tj", "'", '"'):
            current = next((r for r in reversed(open_runs) if r is not None), None)
            if current is not None:
                current.glyphs += [(font, gid) for gid in _codes(operands, op)]
        elif op == "Do" and resources is not None:
            xobject = resources.get("/XObject", {}).get(str(operands[0]))
            if xobject is not None and xobject.get("/Subtype") == "/Form":
                if xobject.objgen not in seen:  # a form drawn twice is read once
                    seen.add(xobject.objgen)
                    found += _runs(xobject, xobject.get("/Resources", resources), page, seen)
    return found


def _codes(operands: Any, op: str) -> Iterator[int]:
    """The two-byte codes (glyph ids, in Identity-H fonts) a text-showing operator draws."""
    parts = operands[0] if op == "TJ" else [operands[-1]]
    for part in parts:
        if isinstance(part, pikepdf.String):
            data = bytes(part)
            for index in range(0, len(data) - 1, 2):
                yield int.from_bytes(data[index : index + 2], "big")


def untrue_runs(runs: list[MarkedRun], fonts: dict[str, FontFacts]) -> list[str]:
    """What is wrong with each marked run whose /ActualText is not the text its glyphs draw
    (see the module's docstring), one sentence per run; empty when every run is true.

    Args:
        runs: the PDF's marked runs (`marked_runs`).
        fonts: its fonts by name, checked (`careleaf.verify.shaping.pdf_fonts`).
    """
    problems = []
    bengali_fonts = {name for name, facts in fonts.items() if _draws_bengali(facts)}
    for run in runs:
        bengali_font = None
        drawn: list[int] = []  # the Bengali glyphs drawn
        other = ""  # what the other glyphs extract as
        for name, gid in run.glyphs:
            facts = fonts.get(name)
            text = facts.to_unicode.get(gid, "") if facts is not None else chr(gid)
            if facts is not None and name in bengali_fonts and (not text or _bengali(text)):
                bengali_font = bengali_font or facts
                drawn.append(gid)
            else:
                other += text
        expected: list[int] | None = []
        for piece in _BENGALI_RUN.findall(run.text):
            shaped = glyph_ids(bengali_font, piece) if bengali_font else None
            if shaped is None or expected is None or bengali_font is None:
                expected = None  # Bengali, but no glyph of a Bengali font drawn
                break
            # Glyphs that extract as whitespace are whitespace, left out on both sides.
            to_unicode = bengali_font.to_unicode
            expected += [g for g in shaped if _bengali(to_unicode.get(g) or "\u0980")]
        plain = "".join(_BENGALI_RUN.sub("", run.text).split())
        if expected != drawn or plain != "".join(other.split()):
            problems.append(
                f"page {run.page + 1}: the run marked as {run.text!r} does not draw that text "
                "(its /ActualText is what copying, search and screen readers read)"
            )
    return problems


def _bengali(text: str) -> bool:
    return any(script_of(ch) == "Bengali" for ch in text)


def _draws_bengali(facts: FontFacts) -> bool:
    """A font that draws Bengali: some glyph of it extracts as Bengali."""
    return any(_bengali(text) for text in facts.to_unicode.values())
