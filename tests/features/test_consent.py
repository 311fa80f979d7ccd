"""Red flags and the emergency number on every handout; the fillable consent form; content fixes."""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest
import yaml
from bs4 import BeautifulSoup
from click.testing import CliRunner
from conftest import edit

from careleaf.cli.main import main
from careleaf.content.load import load_library
from careleaf.content.project import protected_anchor
from careleaf.errors import ContentError
from careleaf.render.handouts import handout_pdf
from careleaf.verify.readback import normalise
from careleaf.verify.readback_pdf import pdf_items

LANGS = ("en", "es", "bn")
HANDOUTS = ("about-dry-needling", "aftercare", "consent-form")


@pytest.fixture(scope="module")
def lakeside_form(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pypdf.PdfReader]:
    """The consent form for the US sample clinic (both jurisdiction statements switched on)."""
    from conftest import REPO

    library = load_library(REPO)
    clinic = library.clinics["lakeside"]
    target = tmp_path_factory.mktemp("consent") / "consent-form.pdf"
    handout_pdf(library, "consent-form", "en", clinic, "https://lakeside-spine.example/x", target)
    return target, pypdf.PdfReader(target)


# Red flags and the emergency number


# The PDFs are rendered apart from any site engine (the same with either): one engine's build.
@pytest.mark.parametrize("lang", LANGS)
def test_every_handout_holds_the_red_flags_and_the_emergency_number(real_site, lang: str) -> None:
    project, site = real_site
    library = load_library(project)
    keys = library.project.protected_keys("urgent-help")
    prefix = "" if lang == "en" else f"{lang}/"
    for handout in HANDOUTS:
        seen = pdf_items(site / f"{prefix}handouts/{handout}.pdf")
        # Every warning sign and the instruction have their element (and named destination).
        assert {protected_anchor(k) for k in keys} <= set(seen.destinations), handout
        page = seen.destinations[protected_anchor("urgent-help/emergency")]
        number = library.project.languages[lang].number("999")  # ৯৯৯ in Bengali
        assert number in seen.page_texts[page], (lang, handout)
        # As pdfium extracts it (Bengali from its runs' /ActualText); lines may break anywhere.
        sign = library.safety_items(lang)["short-of-breath"].text
        assert "".join(normalise(sign).split()) in "".join(normalise(seen.text).split())


def test_the_safety_page_shows_the_emergency_number(engine_built) -> None:
    project, site = engine_built
    languages = load_library(project).project.languages
    for lang, prefix in (("en", ""), ("es", "es/"), ("bn", "bn/")):
        page = BeautifulSoup((site / f"{prefix}is-it-safe/index.html").read_text(), "html.parser")
        instruction = page.select_one('[data-protected="urgent-help/emergency"]')
        number = languages[lang].number("999")
        assert instruction is not None and number in instruction.get_text(), prefix
        assert instruction.select_one('a[href="tel:999"]').get_text() == number


def test_another_clinic_shows_its_own_number(lakeside_form) -> None:
    path, _ = lakeside_form
    seen = pdf_items(path)
    page = seen.destinations[protected_anchor("urgent-help/emergency")]
    assert "Call 911 now. Or go to the nearest emergency department." in normalise(
        seen.page_texts[page]
    )
    assert "999" not in seen.text


# The consent form


def test_the_consent_form_is_a_pdf_form_with_every_field(lakeside_form) -> None:
    """Every field, read with pypdf (tests/render/test_form_fields.py fills them and reads
    them drawn): both screening lists, with a Yes/No pair for each question."""
    _, reader = lakeside_form
    fields = reader.get_fields()
    library = load_library(Path(__file__).resolve().parents[2])
    screening = {
        block: [item.id for item in library.content["en"][block].items]
        for block in ("contraindications", "precautions", "electrical-stimulation")
    }
    assert "lymphoedema" in screening["contraindications"]
    assert "heart-valve" in screening["precautions"]
    assert {"pacemaker", "epilepsy"} <= set(screening["electrical-stimulation"])
    for block, ids in screening.items():
        for item_id in ids:
            field = fields[f"screening-{block}-{item_id}"]
            # A Yes/No pair: one radio group with two choices.
            assert field["/FT"] == "/Btn" and len(field["/_States_"]) == 2, item_id
    for name in (
        "patient-name",
        "date-of-birth",
        "current-medicines",
        "treatment-area",
        "anything-else",
    ):
        assert fields[name]["/FT"] == "/Tx", name
    for who in ("patient", "clinician", "interpreter", "guardian"):
        assert fields[f"{who}-date"]["/FT"] == "/Tx"  # the signature date
        assert fields[f"{who}-signature"]["/FT"] == "/Sig"
    consent = [f"consent-{item.id}" for item in library.content["en"]["consent"].items]
    switched = ["written-consent", "not-acupuncture", "electrical-stimulation"]
    for statement in [*consent, *(f"consent-statements-{s}" for s in switched)]:
        assert fields[f"statement-{statement}"]["/FT"] == "/Btn", statement
    # Every field prints (the Print flag), so a filled-in form prints as it looks.
    widgets = [a.get_object() for page in reader.pages for a in page.get("/Annots", [])]
    assert widgets and all(int(w["/F"]) & 4 for w in widgets if w.get("/Subtype") == "/Widget")


def test_the_consent_form_says_what_a_clinic_needs(lakeside_form) -> None:
    _, reader = lakeside_form
    text = normalise(" ".join(page.extract_text() for page in reader.pages))
    for piece in (
        "Clinic copy: kept in the patient's record.",
        "Patient's copy: keep it.",
        "This consent covers a course of dry needling, not only one session.",
        "Registration number",
        "Language interpreted",
        "Relationship to the patient",
        "Date of birth",
        "aspirin or clopidogrel",
        "The possible benefits of dry needling have been explained to me.",
        "Other treatment choices, and what could happen if I have no treatment",
        "I know I can stop the treatment at any time",
        "Interpreter's name (if one helped)",
        "Parent's or guardian's name",
        "I give my consent in writing by signing this form, and I will get a copy of it.",
        "I understand that dry needling is not acupuncture",
        "Other treatment choices",  # the alternatives block
        "Why it is done",  # the benefits block
    ):
        assert normalise(piece) in text, piece


def test_jurisdiction_statements_follow_the_clinic(project: Path) -> None:
    library = load_library(project)
    assert library.clinics["example"].consent_statements == ("written-consent",)
    out = project / "form.pdf"
    handout_pdf(library, "consent-form", "en", library.clinics["example"], "https://x.example", out)
    fields = pypdf.PdfReader(out).get_fields()
    assert "statement-consent-statements-written-consent" in fields
    assert "statement-consent-statements-not-acupuncture" not in fields
    edit(project / "clinics/example/clinic.yml", "[written-consent]", "[]")
    library = load_library(project)
    handout_pdf(library, "consent-form", "en", library.clinics["example"], "https://x.example", out)
    reader = pypdf.PdfReader(out)
    text = normalise(" ".join(p.extract_text() for p in reader.pages))
    assert "I give my consent in writing" not in text
    assert "statement-consent-statements-written-consent" not in (reader.get_fields() or {})
    # The clinic does not use electrical stimulation: the form says so.
    assert "this clinic does not pass an electric current through the needles" in text


def test_an_unknown_jurisdiction_statement_is_refused(project: Path) -> None:
    edit(project / "clinics/lakeside/clinic.yml", "not-acupuncture]", "no-such-thing]")
    with pytest.raises(ContentError) as caught:
        load_library(project)
    (problem,) = caught.value.problems
    assert (problem.file, problem.key, problem.item) == (
        "clinics/lakeside/clinic.yml",
        "consent_statements[1]",
        "no-such-thing",
    )
    assert problem.message.startswith("unknown consent statement")


def test_a_handout_needs_its_labels(project: Path) -> None:
    edit(project / "content/en/labels.yml", "  - id: date-of-birth\n", "  - id: date-of-birthday\n")
    result = CliRunner().invoke(main, ["-p", str(project), "check"])
    assert result.exit_code == 1
    assert (
        "content/en/labels.yml: key items: item 'date-of-birth': label is missing "
        "(handout 'consent-form' uses it)" in result.output
    )


# Content a careful clinical reader checks


def items(root: Path, lang: str, block: str) -> dict[str, dict[str, str]]:
    data = yaml.safe_load((root / "content" / lang / f"{block}.yml").read_text(encoding="utf-8"))
    return {item["id"]: item for item in data["items"]}


def test_blood_thinners_include_antiplatelets_in_every_language(project: Path) -> None:
    for lang, words in {
        "en": ("aspirin", "clopidogrel", "warfarin", "apixaban"),
        "es": ("aspirina", "clopidogrel", "anticoagulantes", "warfarina"),
        "bn": ("অ্যাসপিরিন", "ক্লোপিডোগ্রেল", "অ্যাপিক্সাবান", "ওয়ারফারিন"),
    }.items():
        detail = items(project, lang, "precautions")["bleeding-disorders"]["detail"]
        for word in words:
            assert word in detail, (lang, word)


# The EU convention's frequency words (BMC Med Inform Decis Mak 2014;14:76), one translation
# each: Spanish as its medicine leaflets say them, Bengali as the content's own.
FREQUENCY_WORDS = {
    "es": {
        "Very common": "Muy frecuente",
        "Common": "Frecuente",
        "Uncommon": "Poco frecuente",
        "Rare": "Raro",
        "Very rare": "Muy raro",
    },
    "bn": {
        "Very common": "খুব প্রায়ই",
        "Common": "প্রায়ই",
        "Uncommon": "মাঝে মাঝে",
        "Rare": "বিরল",
        "Very rare": "খুব বিরল",
    },
}


def test_the_same_frequency_words_in_each_language(project: Path) -> None:
    english = items(project, "en", "side-effects")
    for lang, words in FREQUENCY_WORDS.items():
        translated = items(project, lang, "side-effects")
        for item_id, item in english.items():
            frequency = item.get("frequency", "")
            if not frequency:
                continue
            # The longest word the English starts with: "Very rare" before "Rare".
            word = max((w for w in words if frequency.startswith(w)), key=len)
            assert translated[item_id]["frequency"].startswith(words[word]), (lang, item_id)


def test_fainting_and_allergic_reaction_are_covered_in_every_language(project: Path) -> None:
    library = load_library(project)
    for lang in LANGS:
        assert library.translated_item(lang, "side-effects", "fainting") or lang == "en"
        assert library.translated_item(lang, "urgent-help", "allergic-reaction") or lang == "en"
    english = library.english_item("urgent-help", "allergic-reaction")
    assert english is not None and "allergic reaction" in (english.detail or "")
