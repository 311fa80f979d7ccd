"""The consent form's PDF fields, as every viewer gets them: read with pikepdf, filled with
pypdf, drawn by pdfium and by poppler (`pdftoppm`)."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pypdf
import pypdfium2 as pdfium
import pytest
from conftest import REPO, edit
from PIL import Image, ImageChops

from careleaf.content.load import load_library
from careleaf.content.project import protected_anchor
from careleaf.errors import BuildError
from careleaf.render.handouts import Renderer, handout_job, handout_pdf, render_job
from careleaf.verify.readback import normalise
from careleaf.verify.readback_pdf import pdf_items

CLINICS = ("example", "lakeside")  # A4 in English, Letter in US English
LANGS = ("en", "es", "bn")
DPI = 50
# What is written into every text field: accented letters, digits, a slash.
VALUE = "Núñez 12/03/1980"
CREATED = "2026-01-01T00:00:00+00:00"


@pytest.fixture(scope="module")
def forms(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """The consent form of every clinic in every language (one renderer for all)."""
    library = load_library(REPO)
    renderer = Renderer(REPO)
    folder = tmp_path_factory.mktemp("forms")
    found = {}
    for clinic in CLINICS:
        for lang in LANGS:
            job = handout_job(
                library,
                "consent-form",
                lang,
                library.clinics[clinic],
                "https://x.example/",
                "2026-01-01T00:00:00+00:00",
            )
            found[clinic, lang] = folder / f"{clinic}-{lang}.pdf"
            found[clinic, lang].write_bytes(render_job(renderer, job).data)
    return found


def widgets(pdf: pikepdf.Pdf) -> Iterator[tuple[int, str, object]]:
    """Each widget of a PDF: its page, the name of its field, the widget."""
    for number, page in enumerate(pdf.pages):
        for annot in page.obj.get("/Annots", []):
            if annot.get("/Subtype") == "/Widget":
                field = annot.get("/Parent", annot)
                yield number, str(field.T), annot


def test_every_field_has_a_unique_name_a_width_and_an_appearance(forms) -> None:
    for (clinic, lang), path in forms.items():
        where = (clinic, lang)
        with pikepdf.open(path) as pdf:
            form = pdf.Root.AcroForm
            assert "/NeedAppearances" not in form, where
            names = [str(field.T) for field in form.Fields]
            assert len(names) == len(set(names)), where
            for field in form.Fields:
                kind = field.FT
                if kind == "/Tx":
                    assert b" Tf" in bytes(field.DA) and b" gs" not in bytes(field.DA), where
                for widget in field.get("/Kids", [field]):
                    assert "/T" not in widget or widget is field, (where, field.T)
                    left, bottom, right, top = (float(v) for v in widget.Rect)
                    assert right - left >= 70 or kind == "/Btn", (where, str(field.T))
                    assert top - bottom >= 8, (where, str(field.T))
                    states = set(widget.AP.N.keys()) if kind == "/Btn" else set()
                    if kind == "/Btn":
                        # An appearance for "off" and for the one "on" state it has.
                        assert "/Off" in states and len(states) == 2, (where, str(field.T))
                    else:
                        assert isinstance(widget.AP.N, pikepdf.Stream), (where, str(field.T))
        fields = pypdf.PdfReader(path).get_fields()  # pypdf reads every field once
        assert fields is not None and set(fields) == set(names), where


def test_the_form_asks_what_a_clinic_records(forms) -> None:
    library = load_library(REPO)
    english = library.content["en"]

    def ids(block: str) -> list[str]:
        return [item.id for item in english[block].items]

    for (clinic, lang), path in forms.items():
        fields = pypdf.PdfReader(path).get_fields()
        assert fields is not None
        estim = library.clinics[clinic].electrical_stimulation
        questions = {
            "contraindications": ids("contraindications"),
            "precautions": ids("precautions"),
            "electrical-stimulation": ids("electrical-stimulation") if estim else [],
        }
        # Electrical stimulation, switched on by the clinic: its own questions (pacemaker,
        # epilepsy) and its consent statement; switched off: the form says it is not used.
        assert bool(questions["electrical-stimulation"]) == estim
        assert {"pacemaker", "epilepsy"} <= set(ids("electrical-stimulation"))
        asked = {n for n in fields if n.startswith("screening-electrical-stimulation-")}
        assert bool(asked) == estim, clinic
        for block, items in questions.items():
            for item_id in items:
                group = fields[f"screening-{block}-{item_id}"]
                assert group["/FT"] == "/Btn" and int(group["/Ff"]) & (1 << 15), item_id  # radio
                assert set(group["/_States_"]) == {"/yes", "/no"}, item_id
        statements = [f"consent-{i}" for i in ids("consent")] + [
            f"consent-statements-{i}" for i in library.clinics[clinic].switches
        ]
        assert (f"consent-statements-{'' if estim else 'no-'}electrical-stimulation") in statements
        for name in statements:
            assert fields[f"statement-{name}"]["/FT"] == "/Btn", name
        absent = "consent-statements-" + ("no-" if estim else "") + "electrical-stimulation"
        assert f"statement-{absent}" not in fields, clinic
        for who in ("patient", "clinician", "interpreter", "guardian"):
            assert fields[f"{who}-signature"]["/FT"] == "/Sig", who
            assert fields[f"{who}-date"]["/FT"] == "/Tx", who
        for name in (
            "clinician-registration",
            "interpreter-language",
            "guardian-relationship",
            "guardian-name",
            "interpreter-name",
            "clinician-name",
            "patient-name",
            "date-of-birth",
            "treatment-area",
        ):
            assert fields[name]["/FT"] == "/Tx", (clinic, lang, name)
        # Long answers have room: the medicines (blood thinners) field is multi-line.
        assert int(fields["current-medicines"]["/Ff"]) & (1 << 12)
        assert int(fields["anything-else"]["/Ff"]) & (1 << 12)
        # Each date shows its format, in the clinic's order and the form's language.
        pattern = {"example": "DD/MM/", "lakeside": "MM/DD/"}[clinic]
        if lang == "en":
            assert fields["patient-date"]["/TU"].endswith(f"({pattern}YYYY)"), clinic
        if lang == "es":
            assert fields["date-of-birth"]["/TU"].endswith(f"({pattern}AAAA)"), clinic


def pages_of(path: Path) -> dict[str, set[int]]:
    with pikepdf.open(path) as pdf:
        found: dict[str, set[int]] = {}
        for page, name, _widget in widgets(pdf):
            found.setdefault(name, set()).add(page)
        return found


def test_signatures_share_a_page_with_what_they_confirm_and_the_patient_keeps_a_copy(
    forms,
) -> None:
    library = load_library(REPO)
    for (clinic, lang), path in forms.items():
        where = pages_of(path)
        (signed,) = where["patient-signature"]
        for name, pages in where.items():
            if name.endswith("-signature"):
                assert pages == {signed}, (clinic, lang, name)
            if name.startswith("statement-"):
                # A widget in each copy: the clinic's on the signatures' page, the patient's
                # (the same field, showing what was ticked) in the patient copy before it.
                assert len(pages) == 2 and max(pages) == signed, (clinic, lang, name)
        # The patient copy repeats the names and dates as signed.
        assert min(where["patient-name"]) < signed and min(where["clinician-date"]) < signed
        # It comes first, with the warning signs and the emergency number on page 1; the
        # clinic copy begins on a page of its own.
        seen = pdf_items(path)
        emergency = seen.destinations[protected_anchor("urgent-help/emergency")]
        assert emergency == 0, (clinic, lang)
        number = library.project.languages[lang].number(library.clinics[clinic].emergency_number)
        assert number in seen.page_texts[0], (clinic, lang)  # ৯৯৯ in Bengali
        text = ["".join(normalise(page).split()) for page in seen.page_texts]
        for label, page in (("patients-copy", 0), ("clinic-copy", min(where["date-of-birth"]))):
            heading = "".join(normalise(library.label(lang, label)).split())
            assert [n for n, t in enumerate(text) if heading in t] == [page], (clinic, lang)


def ink(image: Image.Image, box: tuple[float, float, float, float]) -> Image.Image:
    """The part of a page image inside a box given in points (PDF coordinates)."""
    scale = DPI / 72
    left, bottom, right, top = box
    height = image.height
    return image.crop(
        (
            int(left * scale) + 1,
            int(height - top * scale) + 1,
            int(right * scale) - 1,
            int(height - bottom * scale) - 1,
        )
    ).convert("L")


def render_pdfium(path: Path) -> list[Image.Image]:
    document = pdfium.PdfDocument(str(path))
    document.init_forms()  # pdfium draws widgets only through its form filler
    try:
        return [page.render(scale=DPI / 72, may_draw_forms=True).to_pil() for page in document]
    finally:
        document.close()


def render_poppler(path: Path) -> list[Image.Image]:
    done = subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-png", str(path), str(path.with_suffix(""))],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stderr == "", done.stderr  # e.g. "Missing 'Tf' operator in field's DA string"
    images = []
    for png in sorted(
        path.parent.glob(f"{path.stem}-*.png"), key=lambda p: int(p.stem.split("-")[-1])
    ):
        with Image.open(png) as image:
            images.append(image.copy())
    return images


def fill(path: Path, target: Path) -> None:
    """Fill every field of a form with pypdf: text, a Yes to every question, every tick."""
    reader = pypdf.PdfReader(path)
    values = {}
    for name, field in (reader.get_fields() or {}).items():
        if field["/FT"] == "/Tx":
            values[name] = VALUE
        elif field["/FT"] == "/Btn":
            values[name] = "/yes" if int(field.get("/Ff", 0)) & (1 << 15) else "/Yes"
    writer = pypdf.PdfWriter(clone_from=reader)
    for page in writer.pages:
        writer.update_page_form_field_values(page, values, auto_regenerate=False)
    writer.write(target)


@pytest.mark.parametrize("clinic", CLINICS)
@pytest.mark.parametrize("lang", LANGS)
def test_every_filled_field_is_drawn_by_pdfium_and_poppler(
    forms, tmp_path: Path, clinic: str, lang: str
) -> None:
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(forms[clinic, lang].read_bytes())
    filled = tmp_path / "filled.pdf"
    fill(empty, filled)
    with pikepdf.open(filled) as pdf:
        assert not pdf.Root.AcroForm.get("/NeedAppearances", False)
        placed = [
            (page, name, tuple(float(v) for v in widget.Rect), widget)
            for page, name, widget in widgets(pdf)
        ]
        expected_on = {
            (page, name, box)
            for page, name, box, widget in placed
            if str(widget.get("/AS", "/Off")) != "/Off" or "/AS" not in widget
        }
    for render in (render_pdfium, render_poppler):
        before, after = render(empty), render(filled)
        for page, name, box, widget in placed:
            if name.endswith("-signature"):
                continue  # a signature field is signed, not filled
            if "/AS" in widget and (page, name, box) not in expected_on:
                continue  # the "No" of a question answered Yes
            changed = ImageChops.difference(ink(before[page], box), ink(after[page], box))
            assert changed.getbbox() is not None, (render.__name__, clinic, lang, name, page)


def test_the_form_is_the_same_bytes_every_time(forms, tmp_path: Path) -> None:
    library = load_library(REPO)
    renderer = Renderer(REPO)
    job = handout_job(
        library,
        "consent-form",
        "es",
        library.clinics["lakeside"],
        "https://x.example/",
        "2026-01-01T00:00:00+00:00",
    )
    assert render_job(renderer, job).data == forms["lakeside", "es"].read_bytes()


def test_a_field_squeezed_to_nothing_fails_the_build(project: Path) -> None:
    with (project / "handouts/form.css").open("a") as css:
        css.write(".field-guardian-name .careleaf-field { width: 1mm; }\n")
    library = load_library(project)
    with pytest.raises(BuildError) as caught:
        handout_pdf(
            library,
            "consent-form",
            "en",
            library.clinics["example"],
            "https://x.example",
            project / "f.pdf",
        )
    assert (
        "handout 'consent-form' (en, clinic 'example'): form field 'guardian-name' is 0 pt wide"
        in str(caught.value)
    )


def test_a_clinic_sets_how_dates_are_written(project: Path) -> None:
    edit(
        project / "clinics/example/clinic.yml", "date_format: DD/MM/YYYY", "date_format: YYYY-MM-DD"
    )
    library = load_library(project)
    out = project / "f.pdf"
    handout_pdf(library, "consent-form", "es", library.clinics["example"], "https://x.example", out)
    fields = pypdf.PdfReader(out).get_fields() or {}
    assert fields["clinician-date"]["/TU"].endswith("(AAAA-MM-DD)")
    assert not io.BytesIO(out.read_bytes()).read().count(b"/NeedAppearances")


def test_two_different_fields_of_one_name_fail_the_build() -> None:
    import weasyprint

    from careleaf.render.form_fields import finish_form

    html = (
        "<style>input { appearance: auto; width: 40mm; height: 6mm }</style>"
        '<input type="text" name="x"><input type="checkbox" name="x">'
    )
    data = weasyprint.HTML(string=html).write_pdf(pdf_forms=True)
    with pikepdf.open(io.BytesIO(data)) as pdf, pytest.raises(BuildError) as caught:
        finish_form(pdf, "handout 'h' (en, clinic 'c')")
    assert str(caught.value) == (
        "handout 'h' (en, clinic 'c'): two different form fields are named 'x': each field's "
        "name must be its own, or name the same field again"
    )
