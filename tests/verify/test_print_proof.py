"""The print proofs of handouts, on real PDFs: the warning box and the emergency number on page
1, the number at least 1.3 times the body size, body text of 12 pt (16 pt in large print) and
protected text of 11 pt or more. Each failure is planted in a handout rendered from a changed
copy of the project, put in a copy of the built site, and `careleaf verify` names it."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, copy_project, edit
from test_verify_real import copied, rehash  # noqa: F401 (a fixture)

from careleaf.cli.main import main
from careleaf.content.handout import LARGE_PRINT, handout_path
from careleaf.content.load import load_library
from careleaf.render.handouts import Renderer, handout_job
from careleaf.verify.glyphs import Glyph
from careleaf.verify.manifest import Output
from careleaf.verify.print_proof import body_size
from careleaf.verify.verifier import check_output


def box_last(project: Path) -> None:
    """The warning box moved to the end of the aftercare sheet."""
    edit(project / "handouts" / "aftercare.yml", "  - block: urgent-help\n", "")
    path = project / "handouts" / "aftercare.yml"
    path.write_text(path.read_text() + "  - block: urgent-help\n")


def css(rule: str) -> Callable[[Path], None]:
    """A rule added to the end of the handouts' stylesheet."""

    def change(project: Path) -> None:
        path = project / "handouts" / "print.css"
        path.write_text(path.read_text() + "\n" + rule + "\n")

    return change


NUMBER_AT_BODY_SIZE = css(".careleaf-emergency, .careleaf-emergency-number { font-size: 1rem }")
DETAIL_AT_10PT = css(".careleaf-item-detail { font-size: 10pt }")


def plant(
    project: Path, site: Path, tmp_path: Path, change: Callable[[Path], None], output: Output
) -> None:
    """Render ``output`` from a copy of ``project`` changed by ``change`` (whatever its page
    count and fill: the build's own layout checks are not what is tested) into ``site``."""
    planted = copy_project(REPO, tmp_path / f"planted-{output.lang}-{output.handout}")
    change(planted)
    library = load_library(planted)
    clinic = library.clinics[output.clinic]
    edition = output.edition or "standard"
    url = library.url(clinic, output.lang, handout_path(str(output.handout), edition))
    job = handout_job(
        library, str(output.handout), output.lang, clinic, url, "2024-01-01", edition=edition
    )
    rendered = Renderer(planted).render(
        job.html, list(job.allowed), fillable=job.fillable, max_pages=99, where=job.where
    )
    (site / output.path).write_bytes(rendered.data)


def pdf(lang: str, handout: str, edition: str = "standard") -> Output:
    """The output of a handout of the example clinic."""
    folder = "" if lang == "en" else f"{lang}/"
    path = folder + handout_path(handout, edition)
    return Output(path, "pdf", lang, "example", handout=handout, edition=edition)


@pytest.mark.parametrize(
    ("change", "output", "expected"),
    [
        (
            box_last,
            pdf("en", "aftercare"),
            r"urgent-help/emergency: as drawn, drawn on page [2-9], its placement rule wants "
            r"it on page 1",
        ),
        (
            NUMBER_AT_BODY_SIZE,
            pdf("es", "aftercare"),
            r"urgent-help/emergency: as drawn, the emergency number 999 drawn at 12\.0 pt, "
            r"1\.00x the body size of 12\.0 pt \(at least 1\.3x: 15\.6 pt\)",
        ),
        (
            DETAIL_AT_10PT,
            pdf("bn", "about-dry-needling", LARGE_PRINT),
            r"side-effects/pneumothorax/detail: as drawn, font size 10\.0 pt \(at least 11\.0 pt\)",
        ),
        (
            css("html { font-size: 11pt }"),
            pdf("en", "consent-form"),
            r"body text drawn at 11\.0 pt \(at least 12 pt\)",
        ),
        (
            css("html.edition-large-print { font-size: 14pt }"),
            pdf("en", "aftercare", LARGE_PRINT),
            r"body text drawn at 14\.0 pt \(at least 16 pt\)",
        ),
    ],
    ids=["box-last", "number-at-body-size", "detail-10pt", "body-11pt", "large-print-14pt"],
)
def test_a_planted_print_failure_is_named(
    copied,  # noqa: F811 (the fixture)
    tmp_path: Path,
    change: Callable[[Path], None],
    output: Output,
    expected: str,
) -> None:
    project, site = copied
    library = load_library(project)
    assert check_output(site, library, output).ok
    plant(project, site, tmp_path, change, output)
    row = check_output(site, library, output)
    assert not row.ok
    said = row.problems + row.notes
    assert any(re.fullmatch(expected, line) for line in said), said


def test_careleaf_verify_names_the_box_moved_and_the_number_at_body_size(
    copied,  # noqa: F811 (the fixture)
    tmp_path: Path,
) -> None:
    project, site = copied
    plant(project, site, tmp_path, box_last, pdf("en", "aftercare"))
    plant(project, site, tmp_path, NUMBER_AT_BODY_SIZE, pdf("es", "about-dry-needling"))
    rehash(site)
    result = CliRunner().invoke(main, ["--project", str(project), "verify", str(site)])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert any(
        line.startswith("  - handouts/aftercare.pdf: urgent-help/short-of-breath/text: as drawn,")
        and "its placement rule wants it on page 1" in line
        for line in lines
    ), result.output
    assert any(
        line.startswith("  - es/handouts/about-dry-needling.pdf: urgent-help/emergency: as drawn,")
        and "the emergency number 999 drawn at 12.0 pt" in line
        for line in lines
    ), result.output
    # Those two outputs, and nothing else, fail.
    assert "; 2 failed:" in lines[-1], result.output


def glyph(size: float, char: str = "a") -> Glyph:
    return Glyph(0, char, (0, 0, 1, 1), (0, 0), size, False, None, "F", 0)


def test_body_size_is_the_size_most_glyphs_are_drawn_at() -> None:
    page = [glyph(12.0)] * 5 + [glyph(19.2)] * 3 + [glyph(11.04)] * 4 + [glyph(12.0, " ")] * 9
    assert body_size([page, [glyph(15.0)]]) == 12.0
    assert body_size([]) == 0.0
