"""Languages: per-language outputs, switcher links, search indexes, the safety policy, RTL."""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest
from bs4 import BeautifulSoup
from conftest import REPO, anchors, approve, copy_project, edit, marked, search_index, shown

from careleaf.content.load import load_library
from careleaf.content.project import protected_anchor
from careleaf.errors import BuildError
from careleaf.options import BuildOptions
from careleaf.site.engine import build_site
from careleaf.verify.readback import normalise
from careleaf.verify.readback_pdf import pdf_items

PAGES = (
    "index.html",
    "what-is-dry-needling/index.html",
    "is-it-safe/index.html",
    "preparing-and-aftercare/index.html",
    "conditions/index.html",
    "dry-needling-vs-acupuncture/index.html",
    "alternatives/index.html",
    "handouts/index.html",
    "404.html",
)
HANDOUTS = ("about-dry-needling", "aftercare", "consent-form")


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.mark.parametrize("lang", ["es", "bn"])
def test_every_page_and_handout_in_each_language(engine_built, lang: str) -> None:
    project, site = engine_built
    library = load_library(project)
    for page in PAGES:
        html = soup(site / lang / page)
        assert html.html["lang"] == lang, page
        assert html.body["dir"] == "ltr"
    safety = soup(site / lang / "is-it-safe" / "index.html")
    required = library.project.placement.pages["is-it-safe.md"]
    assert marked(safety) == shown(library, lang, required)
    assert safety.select_one(".careleaf-translation-draft")  # the draft banner, in the language
    for handout in HANDOUTS:
        reader = pypdf.PdfReader(site / lang / "handouts" / f"{handout}.pdf")
        assert reader.trailer["/Root"]["/Lang"] == lang
        required = library.project.placement.handouts[handout]
        assert anchors(library, required) <= set(reader.named_destinations)
    # Read by pdfium, as a reader copies it: Bengali runs extract as their /ActualText.
    text = "".join(normalise(pdf_items(site / lang / "handouts" / "aftercare.pdf").text).split())
    assert "".join(normalise(library.label(lang, "translation-draft")).split()) in text


def test_switcher_keeps_the_reader_on_the_same_page(engine_built) -> None:
    _, site = engine_built
    for lang, prefix in (("", ""), ("es/", "../"), ("bn/", "../")):
        page = soup(site / lang / "is-it-safe" / "index.html")
        links = {a["hreflang"]: a["href"] for a in page.select("a.careleaf-alternate")}
        expected = {
            "en": f"../{prefix}is-it-safe/",
            "es": f"../{prefix}es/is-it-safe/",
            "bn": f"../{prefix}bn/is-it-safe/",
        }
        assert links == expected
        for href in links.values():  # every link leads to a page that exists
            assert (site / lang / "is-it-safe" / href / "index.html").resolve().is_file()


def test_each_language_has_its_own_search_index(engine_built) -> None:
    project, site = engine_built
    library = load_library(project)
    config, spanish = search_index(site / "es")
    assert config["lang"] == ["es"]
    text = " ".join(doc["title"] + " " + doc["text"] for doc in spanish)
    assert "neumotórax" in text
    # Spanish only: no English safety item, no English title of a block.
    for item in library.safety_items("en").values():
        assert item.text not in text, item.text
    assert library.block("en", "side-effects").title not in text
    assert library.block("es", "side-effects").title in text
    assert all(not doc["location"].startswith("..") for doc in spanish)
    _, bengali = search_index(site / "bn")
    assert "নিউমোথোরাক্স" in " ".join(doc["text"] for doc in bengali)
    _, english = search_index(site)
    assert not any(doc["location"].startswith(("es/", "bn/")) for doc in english)


def test_stale_safety_item_refuses_the_build_and_allow_stale_shows_english(project: Path) -> None:
    old = "A collapsed lung (pneumothorax)"
    new = "A collapsed lung (pneumothorax), which needs urgent care"
    edit(project / "content/en/side-effects.yml", f"text: {old}", f"text: {new}")
    approve(project)  # a reviewed change of protected English
    with pytest.raises(BuildError) as caught:
        build_site(project, "example", project / "site")
    message = str(caught.value)
    assert "pneumothorax" in message and "(es)" in message and "(bn)" in message
    assert new in message
    assert not (project / "site").exists()

    # Published anyway, the stale item counts as missing: today's English in its place, never
    # the translation of what the English used to say; the page says it may be out of date.
    build_site(project, "example", project / "site", BuildOptions(allow_stale=True))
    library = load_library(project)
    page = soup(project / "site/es/is-it-safe/index.html")
    item = page.select_one('[data-protected="side-effects/pneumothorax/text"]')
    assert item.get_text() == new and item["lang"] == "en"
    notices = " ".join(a.get_text() for a in page.select(".admonition"))
    assert library.label("es", "stale-translation") in notices
    pdf = project / "site/es/handouts/about-dry-needling.pdf"
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(pdf).pages).replace("\n", " ")
    assert "which needs urgent care" in " ".join(text.split())
    assert "Un neumotórax" not in text and "Un neumotórax" not in page.get_text()


def test_untranslated_page_falls_back_to_english_with_a_notice(mini: Path) -> None:
    edit(
        mini / "careleaf.yml",
        "  en:\n    name: English\n",
        "  en:\n    name: English\n  es:\n    name: Español\n",
    )
    (mini / "content/es").mkdir()
    (mini / "docs/es").mkdir()
    build_site(mini, "demo", mini / "site", BuildOptions(allow_stale=True))
    page = soup(mini / "site/es/safety/index.html")
    assert page.html["lang"] == "es"
    notice = load_library(mini).label("es", "fallback-page")
    assert notice in page.select_one(".admonition.note").get_text()
    assert page.select_one('[data-protected="side-effects/bruising/text"]')["lang"] == "en"


def test_arabic_pages_and_handouts_lay_out_right_to_left(tmp_path: Path) -> None:
    project = copy_project(REPO / "tests/projects/arabic", tmp_path / "arabic")
    build_site(project, "demo", project / "site")
    page = soup(project / "site/index.html")
    assert page.html["lang"] == "ar" and page.body["dir"] == "rtl"
    pdf = project / "site/handouts/sheet.pdf"
    reader = pypdf.PdfReader(pdf)
    assert reader.trailer["/Root"]["/Lang"] == "ar"
    # Right to left: an item's text starts at the right of its line, so the anchor WeasyPrint
    # records for it lies in the right half of the page; left to right it lies in the left.
    width = float(reader.pages[0].mediabox.width)
    for block, item in (
        ("side-effects", "bruising"),
        ("side-effects", "pneumothorax"),
        ("contraindications", "pregnancy"),
    ):
        anchor = protected_anchor(f"{block}/{item}/text")
        assert float(reader.named_destinations[anchor].left) > width / 2, item


def test_left_to_right_anchors_lie_on_the_left(mini: Path) -> None:
    from careleaf.render.handouts import handout_pdf

    library = load_library(mini)
    out = mini / "sheet.pdf"
    handout_pdf(library, "sheet", "en", library.clinics["demo"], "https://demo.example/x", out)
    reader = pypdf.PdfReader(out)
    width = float(reader.pages[0].mediabox.width)
    anchor = "p-side-effects--bruising--text"
    assert float(reader.named_destinations[anchor].left) < width / 2
