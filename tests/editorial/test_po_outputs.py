"""A translator's fuzzy marks reach no published output: read the built pages and PDFs back.

One small project (tests/projects/mini) gets a French translation through the PO round trip:
some safety text confirmed, some marked fuzzy (a draft), a prose block marked fuzzy. French is
published with ``--allow-stale`` (the only way a language with draft safety text builds), and
previewed with ``build --draft``. Both are built once for the module.
"""

from __future__ import annotations

from pathlib import Path

import polib
import pypdfium2
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from conftest import REPO, built_once, copy_project, edit
from test_po_roundtrip import export_file, start_french

from careleaf.cli.main import main
from careleaf.content.shown import DRAFT_MARK, DRAFT_PAGE
from careleaf.editorial.po import import_po
from careleaf.options import BuildOptions
from careleaf.site.engine import build_site

CONFIRMED = (
    "side-effects/title",
    "side-effects/intro",
    "side-effects/pneumothorax/text",
    "side-effects/pneumothorax/detail",
    "side-effects/pneumothorax/frequency",
    "contraindications/title",
    "contraindications/pregnancy/text",
)
# Marked fuzzy by the translator: two safety fields of one item, a prose block with its title,
# a label and a whole page.
UNSURE = (
    "side-effects/bruising/text",
    "side-effects/bruising/frequency",
    "about/title",
    "about/body",
    "labels/how-common/text",
    "page:safety.md",
)
MARK = "PAS SÛR"  # what `fill` appends to a fuzzy translation


def translated(key: str) -> str:
    """A translation of the entry ``key`` that is French enough for a test (words, not one long
    token: a PDF may break a line anywhere in a token with slashes, which the verifier rightly
    does not join)."""
    return "fr " + key.replace("/", " ")


def fill(po: polib.POFile, keys: tuple[str, ...], *, fuzzy: bool = False) -> None:
    """Translate entries as a PO editor does, marking them fuzzy when the translator is unsure."""
    for entry in po:
        if entry.msgctxt in keys:
            entry.msgstr = translated(entry.msgctxt) + (f" ({MARK})" if fuzzy else "")
            if entry.msgctxt.startswith("page:"):  # a page keeps its block calls
                entry.msgstr += f"\n\n{entry.msgid}"
            if fuzzy:
                entry.flags.append("fuzzy")
    po.save()


def _make(folder: Path) -> None:
    root = copy_project(REPO / "tests/projects/mini", folder / "mini")
    start_french(root)
    po = export_file(root, "fr.po")
    fill(po, CONFIRMED)
    fill(po, UNSURE, fuzzy=True)
    import_po(root, "fr", Path(po.fpath))
    edit(root / "careleaf.yml", "published: false", "published: true")
    build_site(root, "demo", root / "site", BuildOptions(allow_stale=True))
    result = CliRunner().invoke(main, ["-p", str(root), "build", "--lang", "fr", "--draft"])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def french(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_once(tmp_path_factory, "po-outputs", _make) / "mini"


def _page(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _pdf_text(path: Path) -> str:
    document = pypdfium2.PdfDocument(path)
    try:
        return " ".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def _published(site: Path) -> str:
    """Every page's and handout's text of the French site."""
    pages = [_page(p).get_text(" ") for p in sorted((site / "fr").rglob("*.html"))]
    pdfs = [_pdf_text(p) for p in sorted((site / "fr").rglob("*.pdf"))]
    assert pages and pdfs
    return " ".join(pages + pdfs)


def test_fuzzy_text_is_in_no_published_page_or_handout(french: Path) -> None:
    text = _published(french / "site")
    assert MARK not in text and DRAFT_MARK not in text
    # Confirmed text is published.
    assert "fr side-effects pneumothorax detail" in " ".join(text.split())


def test_fuzzy_safety_item_is_shown_in_english_like_a_missing_one(french: Path) -> None:
    page = _page(french / "site/fr/safety/index.html")
    text = page.select_one('[data-protected="side-effects/bruising/text"]')
    frequency = page.select_one('[data-protected="side-effects/bruising/frequency"]')
    assert text.get_text() == "A small bruise" and text["lang"] == "en"
    assert frequency.get_text() == "About 1 in 13 sessions." and frequency["lang"] == "en"
    confirmed = page.select_one('[data-protected="side-effects/pneumothorax/text"]')
    assert confirmed.get_text() == translated("side-effects/pneumothorax/text")
    assert not confirmed.has_attr("lang")
    # The handout: the English item is drawn; the French draft is not.
    pdf = " ".join(_pdf_text(french / "site/fr/handouts/sheet.pdf").split())
    assert "A small bruise" in pdf and "A short prose block." in pdf
    assert "fr side-effects bruising" not in pdf and "fr about body" not in pdf
    # A draft title and label are not shown either: the English ones are.
    assert "About" in pdf and "How common" in pdf and "fr labels" not in pdf


def test_status_lists_fuzzy_text_as_needing_review(french: Path) -> None:
    result = CliRunner().invoke(main, ["-p", str(french), "status", "--lang", "fr"])
    assert result.exit_code == 0, result.output
    assert "bruising: text [safety]" in result.output and "marked fuzzy" in result.output


def test_a_draft_preview_shows_fuzzy_text_marked(french: Path) -> None:
    preview = french / ".preview/fr"
    page = _page(preview / "fr/safety/index.html")
    draft = page.select_one('[data-protected="side-effects/bruising/text"]').find_next_sibling(
        class_="careleaf-draft"
    )
    assert draft is not None and DRAFT_MARK in draft.get_text()
    assert f"{translated(UNSURE[0])} ({MARK})" in draft.get_text()
    # The protected element itself holds what a published build would show.
    assert page.select_one('[data-protected="side-effects/bruising/text"]').get_text() == (
        "A small bruise"
    )
    # A page marked fuzzy: the preview shows it, marked; the published site the English one.
    assert DRAFT_PAGE in page.get_text() and f"fr page:safety.md ({MARK})" in page.get_text()
    published = _page(french / "site/fr/safety/index.html").get_text()
    assert "fr page:safety.md" not in published and "Safety" in published
    pdf = " ".join(_pdf_text(preview / "fr/handouts/sheet.pdf").split())
    assert DRAFT_MARK in pdf and f"fr about body ({MARK})" in pdf
