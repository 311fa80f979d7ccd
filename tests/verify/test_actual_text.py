"""Bengali in the handouts extracts as its text: each run carries it as /ActualText, the
verifier compares what pdfium extracts with the source, and a run whose /ActualText is not what
its glyphs draw fails."""

from __future__ import annotations

import re
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest
from conftest import REPO

from careleaf.content.load import load_library
from careleaf.render.handouts import handout_pdf
from careleaf.verify.actual_text import marked_runs, untrue_runs
from careleaf.verify.drawn import DrawnPdf
from careleaf.verify.expected import expected_items
from careleaf.verify.manifest import Output
from careleaf.verify.readback import locate, normalise
from careleaf.verify.shaping import pdf_fonts

ITEM = "precautions/pregnancy/text"


@pytest.fixture(scope="module")
def bengali_form(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The Bengali consent form of the US sample clinic, and the items it must show."""
    library = load_library(REPO)
    target = tmp_path_factory.mktemp("bn") / "consent-form.pdf"
    handout_pdf(
        library, "consent-form", "bn", library.clinics["lakeside"], "https://x.example", target
    )
    output = Output("bn/handouts/consent-form.pdf", "pdf", "bn", "lakeside", handout="consent-form")
    return target, expected_items(library, output)[0]


def check(pdf: Path, key: str, text: str) -> list[str]:
    with DrawnPdf(pdf, REPO) as drawn:
        return drawn.check(key, text, locate(key)[1])


def squeezed(text: str) -> str:
    return "".join(normalise(text).split())


def test_pdfium_extracts_every_bengali_item_as_its_source(bengali_form) -> None:
    path, expected = bengali_form
    bengali = {k: v for k, v in expected.items() if re.search("[\u0980-\u09ff]", v)}
    assert len(bengali) > 40
    document = pdfium.PdfDocument(str(path))
    try:
        text = squeezed("".join(page.get_textpage().get_text_range() for page in document))
    finally:
        document.close()
    for key, source in bengali.items():
        assert squeezed(source) in text, key
        assert check(path, key, source) == [], key
    # Each marked run is true to its glyphs.
    runs = marked_runs(path)
    assert runs and untrue_runs(runs, pdf_fonts(path, REPO)) == []


def plant(path: Path, target: Path, change) -> None:  # noqa: ANN001 (a function of operands)
    """A copy of the PDF with the first marked run that draws the item's first word changed."""
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            ops = list(pikepdf.parse_content_stream(page))
            for index, (operands, op) in enumerate(ops):
                if str(op) == "BDC" and "/ActualText" in operands[1]:
                    if change(ops, index, str(operands[1].ActualText)):
                        page.Contents = pdf.make_stream(pikepdf.unparse_content_stream(ops))
                        pdf.save(target)
                        return
    raise AssertionError("no run changed")


def test_a_wrong_actual_text_fails(bengali_form, tmp_path: Path) -> None:
    path, expected = bengali_form
    first, second = expected[ITEM], expected["precautions/metal-allergy/text"]

    def wrong(ops, index, text) -> bool:  # noqa: ANN001
        if squeezed(text) != squeezed(first):
            return False
        operands, op = ops[index]
        operands[1].ActualText = pikepdf.String(second)  # the glyphs still draw the first
        ops[index] = (operands, op)
        return True

    plant(path, tmp_path / "wrong.pdf", wrong)
    failures = check(tmp_path / "wrong.pdf", ITEM, first)
    assert any("the text drawn at its destination is" in f for f in failures), failures
    problems = untrue_runs(marked_runs(tmp_path / "wrong.pdf"), pdf_fonts(path, REPO))
    assert len(problems) == 1 and repr(second) in problems[0], problems


def test_glyphs_swapped_under_a_true_actual_text_fail(bengali_form, tmp_path: Path) -> None:
    path, expected = bengali_form

    def swap(ops, index, text) -> bool:  # noqa: ANN001
        if squeezed(text) != squeezed(expected[ITEM]):
            return False
        for j in range(index, len(ops)):
            operands, op = ops[j]
            if str(op) == "EMC":
                return False
            if str(op) != "TJ":
                continue
            # WeasyPrint writes each glyph as a string of its own: draw the first two of the
            # run the other way round (another word).
            parts = list(operands[0])
            glyphs = [k for k, part in enumerate(parts) if isinstance(part, pikepdf.String)]
            first, second = glyphs[0], glyphs[1]
            if bytes(parts[first]) != bytes(parts[second]):
                parts[first], parts[second] = parts[second], parts[first]
                ops[j] = ([pikepdf.Array(parts)], op)
                return True
        return False

    plant(path, tmp_path / "swapped.pdf", swap)
    # pdfium still reads the run's /ActualText: the extracted text is the same ...
    assert check(tmp_path / "swapped.pdf", ITEM, expected[ITEM]) == []
    # ... but the run no longer draws it.
    problems = untrue_runs(marked_runs(tmp_path / "swapped.pdf"), pdf_fonts(path, REPO))
    assert len(problems) == 1 and "does not draw that text" in problems[0], problems
