"""A clinic's switches change its consent form (issue 28): electrical stimulation (its
consent and its screening questions, or a statement that it is not used) and the
not-acupuncture statement with the comparison to acupuncture, a jurisdiction's text."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import REPO, edit

from careleaf.content.clinic import Clinic
from careleaf.content.load import load_library
from careleaf.errors import ContentError
from careleaf.render.blocks import render_handout
from careleaf.verify.expected import expected_items
from careleaf.verify.manifest import Output


@pytest.fixture(scope="module")
def library():
    return load_library(REPO)


def form(library, clinic: Clinic, lang: str = "en") -> BeautifulSoup:
    html = render_handout(library, "consent-form", lang, clinic, "https://x.example", "2024-01-01")
    return BeautifulSoup(html, "html.parser")


def fields(soup: BeautifulSoup) -> set[str]:
    # Form fields are named `screening-<block>-<item>` and `statement-<block>-<item>`; long
    # answers are text areas.
    return {field["name"] for field in soup.select("input[name], textarea[name]")}


# The screening questions of the electrical-stimulation block, as form fields.
STIMULATION_SCREENING = {
    "screening-electrical-stimulation-pacemaker",
    "screening-electrical-stimulation-epilepsy",
}


def switched(library, **changes) -> Clinic:
    return library.clinics["example"].model_copy(update=changes)


@pytest.mark.parametrize("lang", ["en", "es", "bn"])
def test_electrical_stimulation_on_asks_consent_and_screens(library, lang: str) -> None:
    soup = form(library, switched(library, electrical_stimulation=True), lang)
    names = fields(soup)
    assert STIMULATION_SCREENING <= names
    assert "statement-consent-statements-electrical-stimulation" in names
    assert "statement-consent-statements-no-electrical-stimulation" not in names
    assert soup.select_one('[data-block="electrical-stimulation"]') is not None


@pytest.mark.parametrize("lang", ["en", "es", "bn"])
def test_electrical_stimulation_off_says_it_is_not_used(library, lang: str) -> None:
    soup = form(library, switched(library, electrical_stimulation=False), lang)
    names = fields(soup)
    assert "statement-consent-statements-no-electrical-stimulation" in names
    assert not STIMULATION_SCREENING & names
    assert "statement-consent-statements-electrical-stimulation" not in names
    assert soup.select_one('[data-block="electrical-stimulation"]') is None
    text = library.block(lang, "consent-statements").item("no-electrical-stimulation").text
    assert text in soup.get_text(" ")


def test_not_acupuncture_and_the_comparison_only_where_the_clinic_switches_them_on(
    library,
) -> None:
    off = form(library, switched(library, consent_statements=("written-consent",)))
    assert "statement-consent-statements-not-acupuncture" not in fields(off)
    assert off.select_one('[data-block="dry-needling-vs-acupuncture"]') is None
    assert "not acupuncture" not in off.get_text(" ")
    on = form(library, switched(library, consent_statements=("written-consent", "not-acupuncture")))
    assert "statement-consent-statements-not-acupuncture" in fields(on)
    assert on.select_one('[data-block="dry-needling-vs-acupuncture"]') is not None


def test_the_sample_clinics_differ(library) -> None:
    example, lakeside = library.clinics["example"], library.clinics["lakeside"]
    assert not example.electrical_stimulation and lakeside.electrical_stimulation
    assert "not-acupuncture" in lakeside.switches and "not-acupuncture" not in example.switches
    assert "no-electrical-stimulation" in example.switches
    assert "electrical-stimulation" in lakeside.switches


def test_the_verifier_expects_the_questions_only_where_they_are_shown(library) -> None:
    def expected(clinic: str) -> set[str]:
        output = Output("x.pdf", "pdf", "en", clinic, handout="consent-form")
        keys, problems = expected_items(library, output)
        assert problems == []
        return set(keys)

    assert "electrical-stimulation/pacemaker/text" in expected("lakeside")
    assert "electrical-stimulation/pacemaker/text" not in expected("example")


def test_the_screening_lists_drive_the_form(library) -> None:
    names = fields(form(library, library.clinics["example"]))
    for block in ("contraindications", "precautions"):
        for item in library.block("en", block).items:
            assert f"screening-{block}-{item.id}" in names, item.id
    assert "anything-else" in names  # the free-text field


def test_the_aftercare_sheet_asks_to_be_told_before_the_next_session(library) -> None:
    html = render_handout(
        library, "aftercare", "en", library.clinics["example"], "https://x.example", "2024-01-01"
    )
    soup = BeautifulSoup(html, "html.parser")
    headings = [h.get_text(" ", strip=True) for h in soup.select(".careleaf-block-title")]
    assert library.label("en", "before-next-session") in headings
    assert "Who should not have dry needling" not in headings


def test_an_unknown_switch_is_refused(project: Path) -> None:
    edit(project / "handouts/consent-form.yml", "when: not-acupuncture", "when: no-such-switch")
    with pytest.raises(ContentError) as caught:
        load_library(project)
    (problem,) = caught.value.problems
    assert (problem.file, problem.item) == ("handouts/consent-form.yml", "no-such-switch")
    assert problem.key.endswith(".when") and "unknown clinic switch" in problem.message
