"""The real content says what shared/seeds/FACTS.md says (issue 28): the corrected figures,
EU frequency words that fit them, the warning signs, and a source for every figure."""

from __future__ import annotations

import re

import pytest
from conftest import REPO

from careleaf.content.load import load_library

# The EU convention's words (BMC Med Inform Decis Mak 2014;14:76), each with the "1 in N"
# range it covers: very common is 1 in 10 or more often.
BANDS = {
    "very common": (1, 10),
    "common": (10, 100),
    "uncommon": (100, 1_000),
    "rare": (1_000, 10_000),
    "very rare": (10_000, float("inf")),
}
ONE_IN = re.compile(r"1 in ([\d,]+)")


@pytest.fixture(scope="module")
def library():
    return load_library(REPO)


def figures(text: str) -> list[int]:
    """Every "1 in N" of a text, as N."""
    return [int(n.replace(",", "")) for n in ONE_IN.findall(text)]


def words(frequency: str) -> list[str]:
    """The frequency words a frequency starts with: "Common to very common." -> both."""
    head = frequency.split(".")[0].lower()
    return [w.strip() for w in re.split(r"\bto\b", head) if w.strip() in BANDS]


def fits(word: str, one_in: int) -> bool:
    low, high = BANDS[word]
    return low <= one_in <= high


def test_soreness_is_very_common_not_one_in_17(library) -> None:
    soreness = library.english_item("side-effects", "soreness")
    assert "1 in 17" not in soreness.frequency
    assert soreness.frequency.startswith("Very common")
    assert "1 to 3 days" in soreness.detail  # it settles in 24-72 hours


def test_bleeding_gives_the_range_of_the_studies(library) -> None:
    bleeding = library.english_item("side-effects", "bleeding")
    assert figures(bleeding.frequency) == [22, 6]  # Brady 4.65 %, Boyce 16 %
    assert words(bleeding.frequency) == ["common", "very common"]


def test_pneumothorax_is_not_the_rate_of_all_serious_events(library) -> None:
    frequency = library.english_item("side-effects", "pneumothorax").frequency
    assert "1,000" not in frequency and frequency.startswith("Very rare")
    assert figures(frequency) == [280_000, 1_100_000]  # White 2004, Witt 2009
    detail = library.english_item("side-effects", "pneumothorax").detail
    assert "neck" in detail and "shoulder blades" in detail


def test_every_frequency_word_fits_its_figures(library) -> None:
    for item in library.block("en", "side-effects").items:
        if not item.frequency:
            continue
        named = words(item.frequency)
        assert named, f"{item.id}: no EU frequency word in {item.frequency!r}"
        for one_in in figures(item.frequency):
            assert any(fits(w, one_in) for w in named), (item.id, one_in, named)


def test_every_figure_has_its_source_in_the_references(library) -> None:
    block = library.block("en", "side-effects")
    references = " ".join(block.review.references)
    for item in block.items:
        for one_in in figures(item.frequency or ""):
            assert f"1 in {one_in:,}" in references, (item.id, one_in)


def test_the_effects_the_studies_list_are_there(library) -> None:
    ids = {item.id for item in library.block("en", "side-effects").items}
    assert {"worse-symptoms", "drowsiness", "headache", "nausea", "fainting"} <= ids
    assert "do not drive" in library.english_item("side-effects", "drowsiness").detail


def test_the_warning_signs_and_what_to_tell_the_emergency_doctor(library) -> None:
    urgent = library.block("en", "urgent-help")
    assert {"pain-breathing-in", "sweating", "coughing-blood"} <= {i.id for i in urgent.items}
    assert "hours or days" in urgent.body and "30 minutes" in urgent.body
    assert "Tell the emergency doctor that you had dry needling" in urgent.body
    assert "neck" in urgent.intro


def test_a_needle_left_in_the_skin_is_covered(library) -> None:
    assert library.english_item("aftercare", "needle-left-in") is not None


def test_blood_thinners_are_a_precaution_not_a_reason_never_to_needle(library) -> None:
    never = {i.id for i in library.block("en", "contraindications").items}
    first = {i.id for i in library.block("en", "precautions").items}
    assert "bleeding-disorders" in first and "bleeding-disorders" not in never
    assert {"needle-phobia", "previous-reaction", "lymphoedema"} <= never


def test_the_spanish_says_faint_and_puts_the_lay_term_first(library) -> None:
    fainting = library.translated_item("es", "side-effects", "fainting")
    assert "débil" not in fainting.text and "desmay" in fainting.text
    pneumothorax = library.translated_item("es", "side-effects", "pneumothorax")
    assert pneumothorax.text.startswith("Un pulmón colapsado (neumotórax)")


def test_the_bengali_uses_one_needle_one_set_of_digits_and_no_doctor_for_the_clinician(
    library,
) -> None:
    texts = []
    for block in library.content["bn"].values():
        texts += [block.title, block.intro or "", block.body or "", block.emergency or ""]
        texts += [value for item in block.items for value in item.fields().values()]
    texts += [page.markdown for page in library.pages["bn"].values()]
    text = " ".join(texts)
    assert "সুঁই" not in text and "সূঁচ" not in text  # the needle is সুই everywhere
    assert not re.search(r"[0-9]", text)  # Bengali digits only (the number too: digits)
    assert library.project.languages["bn"].number("999") == "৯৯৯"
    for label in ("clinician-name", "clinician-signature"):
        assert "চিকিৎসক" not in library.label("bn", label)
    detail = library.translated_item("bn", "side-effects", "fainting").detail
    assert "এড়ানো যায়" not in detail  # "can prevent it" overstated what a meal does
