"""PDF handouts, read back: items, clinic, metadata, fonts, page limits, QR code, failures."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from urllib.parse import urljoin

import pypdf
import pypdfium2
import pytest
import zxingcpp
from bs4 import BeautifulSoup
from click.testing import CliRunner
from conftest import REPO, anchors, copy_project, edit

from careleaf.cli.main import main
from careleaf.content.load import load_library
from careleaf.errors import BuildError, ContentError
from careleaf.render.handouts import ConfinedFetcher, RefusedURL, handout_pdf

HANDOUTS = ("about-dry-needling", "aftercare", "consent-form")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).replace("\u00ad", "")
    text = re.sub(r"-\n(?=[a-z])", "", text)
    return re.sub(r"\s+", " ", text).strip()


def pdf_text(path: Path) -> str:
    return normalise(" ".join(page.extract_text() for page in pypdf.PdfReader(path).pages))


def embedded(font: pypdf.generic.DictionaryObject) -> bool:
    if font.get("/Subtype") == "/Type3":
        return True
    if font.get("/Subtype") == "/Type0":
        return all(embedded(d.get_object()) for d in font["/DescendantFonts"])
    descriptor = font.get("/FontDescriptor")
    descriptor = descriptor.get_object() if descriptor else {}
    return any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def fonts_of(path: Path) -> dict[str, bool]:
    found = {}
    for page in pypdf.PdfReader(path).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            font = font.get_object()
            found[str(font["/BaseFont"])] = embedded(font)
    return found


def qr_codes(path: Path) -> list[str]:
    document = pypdfium2.PdfDocument(path)
    try:
        image = document[0].render(scale=3).to_pil()
    finally:
        document.close()
    return [code.text for code in zxingcpp.read_barcodes(image)]


# The PDFs are rendered apart from any site engine (the same bytes with either, copied into
# each engine's site): the tests of the PDFs read one engine's build; those of the pages that
# show them read each engine's.


@pytest.mark.parametrize("handout", HANDOUTS)
def test_every_item_and_the_clinic_are_in_each_pdf(real_site, handout: str) -> None:
    project, site = real_site
    library = load_library(project)
    text = pdf_text(site / "handouts" / f"{handout}.pdf")
    # Every item of the protected blocks its placement rule names.
    for block in library.project.placement.handouts[handout]:
        for item in library.block("en", block).items:
            assert normalise(item.text) in text, item.id
    assert "Riverside Physiotherapy" in text


@pytest.mark.parametrize("handout", HANDOUTS)
def test_item_anchors_metadata_fonts_and_pages(real_site, handout: str) -> None:
    project, site = real_site
    library = load_library(project)
    reader = pypdf.PdfReader(site / "handouts" / f"{handout}.pdf")
    required = library.project.placement.handouts[handout]
    assert anchors(library, required) <= set(reader.named_destinations)
    meta = reader.metadata
    assert meta.title.endswith("| Riverside Physiotherapy") and len(meta.title) > 30
    assert meta.author == "Riverside Physiotherapy"
    assert meta.subject and meta.get("/Keywords")
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert reader.trailer["/Root"].get("/MarkInfo", {}).get("/Marked")  # tagged PDF
    fonts = fonts_of(site / "handouts" / f"{handout}.pdf")
    assert fonts and all(fonts.values()), fonts
    assert all("Noto" in name for name in fonts), fonts
    assert len(reader.pages) <= library.handouts[handout].max_pages


@pytest.mark.parametrize("handout", HANDOUTS)
def test_qr_code_encodes_the_handout_address(real_site, handout: str) -> None:
    _, site = real_site
    expected = f"https://riverside-physio.example/handouts/{handout}.pdf"
    assert qr_codes(site / "handouts" / f"{handout}.pdf") == [expected]


def test_consent_form_has_screening_boxes_and_signature_lines(real_site) -> None:
    _, site = real_site
    text = pdf_text(site / "handouts" / "consent-form.pdf")
    for words in (
        "Does this apply to you?",
        "Patient signature",
        "Clinician signature",
        "Patient name",
        "Date",
    ):
        assert words in text
    assert "stop the treatment at any time" in text


@pytest.mark.parametrize("root", ["", "es/"])
def test_handouts_page_shows_each_handout_with_a_thumbnail(engine_built, root: str) -> None:
    _, site = engine_built
    page = BeautifulSoup((site / root / "handouts" / "index.html").read_text(), "html.parser")
    for handout in HANDOUTS:
        card = page.select_one(f'[data-handout="{handout}"]')
        # The page's address: each link leads to its own language's files.
        here = f"https://clinic.example/{root}handouts/"
        assert urljoin(here, card.select_one("img")["src"]) == f"{here}{handout}.png"
        assert urljoin(here, card.select_one("a[download]")["href"]) == f"{here}{handout}.pdf"
        png = site / root / "handouts" / f"{handout}.png"
        assert png.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("root", ["", "es/"])
def test_information_pages_link_their_handout(engine_built, root: str) -> None:
    _, site = engine_built
    page = BeautifulSoup((site / root / "is-it-safe" / "index.html").read_text(), "html.parser")
    # Each engine's page links its own language's PDF (Zensical rewrites raw HTML's links
    # as written from the page's file: careleaf writes them from there for it).
    here = f"https://clinic.example/{root}is-it-safe/"
    href = page.select_one(".careleaf-handout-link a")["href"]
    assert urljoin(here, href) == f"https://clinic.example/{root}handouts/about-dry-needling.pdf"


def test_dates_come_from_source_date_epoch(mini: Path, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    library = load_library(mini)
    out = mini / "a.pdf"
    handout_pdf(library, "sheet", "en", library.clinics["demo"], "https://demo.example/x", out)
    meta = pypdf.PdfReader(out).metadata
    assert meta.creation_date.isoformat().startswith("2026-01-01T00:00:00")
    first = out.read_bytes()
    handout_pdf(library, "sheet", "en", library.clinics["demo"], "https://demo.example/x", out)
    assert out.read_bytes() == first  # the same input gives the same bytes


def test_letter_paper_for_the_second_clinic(tmp_path: Path) -> None:
    project = copy_project(REPO, tmp_path / "project")
    result = CliRunner().invoke(
        main,
        [
            "--project",
            str(project),
            "handout",
            "aftercare",
            "--clinic",
            "lakeside",
            "-o",
            str(tmp_path / "a.pdf"),
        ],
    )
    assert result.exit_code == 0, result.output
    page = pypdf.PdfReader(tmp_path / "a.pdf").pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (612, 792)
    assert "Lakeside Sports & Spine" in pdf_text(tmp_path / "a.pdf")


def test_build_all_clinics(all_clinics: Path) -> None:
    for clinic, size in (("example", (595, 842)), ("lakeside", (612, 792))):
        site = all_clinics / clinic
        assert (site / "index.html").is_file()
        for handout in HANDOUTS:
            page = pypdf.PdfReader(site / "handouts" / f"{handout}.pdf").pages[0]
            assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == size
    lakeside = (all_clinics / "lakeside/index.html").read_text()
    assert (
        "Lakeside Sports &amp; Spine" in lakeside
        and "#2b3a8c" in (all_clinics / "lakeside/assets/careleaf/brand.css").read_text()
    )


@pytest.mark.parametrize(
    ("old", "new", "key", "message"),
    [
        ("page_size: A4", "page_size: A4\nfax: '0'", "fax", "unknown key"),
        ('primary: "#123456"', 'primary: "teal"', "colors.primary", "should match pattern"),
        ("logo: logo.svg", "logo: missing.svg", "logo", "logo file not found: missing.svg"),
        ("logo: logo.svg", "logo: ../../careleaf.yml", "logo", "inside the clinic's folder"),
    ],
)
def test_bad_clinic_profile(mini: Path, old: str, new: str, key: str, message: str) -> None:
    edit(mini / "clinics/demo/clinic.yml", old, new)
    with pytest.raises(ContentError) as caught:
        load_library(mini)
    [problem] = caught.value.problems
    assert (problem.file, problem.key) == ("clinics/demo/clinic.yml", key)
    assert message in problem.message


def test_a_weasyprint_warning_fails_naming_handout_clinic_and_cause(mini: Path) -> None:
    (mini / "handouts/print.css").write_text("p { colr: red }\n")
    library = load_library(mini)
    with pytest.raises(BuildError) as caught:
        handout_pdf(library, "sheet", "en", library.clinics["demo"], "https://d/x", mini / "a.pdf")
    message = str(caught.value)
    assert "handout 'sheet' (en, clinic 'demo')" in message and "colr" in message
    assert not (mini / "a.pdf").exists()


def test_a_missing_glyph_fails_naming_language_and_text(mini: Path) -> None:
    edit(mini / "content/en/about.yml", "A short **prose** block.", "Snow ☃ today.")
    library = load_library(mini)
    with pytest.raises(BuildError) as caught:
        handout_pdf(library, "sheet", "en", library.clinics["demo"], "https://d/x", mini / "a.pdf")
    assert "(en, clinic 'demo')" in str(caught.value)
    assert "U+2603" in str(caught.value) and "Snow ☃ today." in str(caught.value)


def test_too_many_pages_fails(mini: Path) -> None:
    long_text = "\n\n  ".join(["A long paragraph of text that goes on. " * 12] * 40)
    edit(mini / "content/en/about.yml", "A short **prose** block.", long_text)
    library = load_library(mini)
    with pytest.raises(BuildError, match=r"pages, but its definition allows at most 1"):
        handout_pdf(library, "sheet", "en", library.clinics["demo"], "https://d/x", mini / "a.pdf")


def test_fetcher_reads_only_the_asset_folders(tmp_path: Path) -> None:
    allowed = tmp_path / "assets"
    allowed.mkdir()
    (allowed / "ok.css").write_text("p{}")
    (tmp_path / "secret.txt").write_text("no")
    fetcher = ConfinedFetcher([allowed])
    assert fetcher.fetch((allowed / "ok.css").as_uri()).read() == b"p{}"
    for url in (
        (tmp_path / "secret.txt").as_uri(),
        (allowed / ".." / "secret.txt").as_uri(),
        "https://example.com/x.png",
        "data:text/plain,hi",
    ):
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)
