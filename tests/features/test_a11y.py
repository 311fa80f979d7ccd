"""Accessibility, proven on the real outputs: axe-core in Chromium on every page at phone and
desktop widths, the handout PDFs' tags and reading order, and the brand-colour contrast."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from click.testing import CliRunner
from conftest import edit
from playwright.sync_api import Browser, Page
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject

from careleaf.cli.main import main
from careleaf.content.colour import MINIMUM, brand_problems, contrast, readable_shade
from careleaf.content.load import load_library
from careleaf.errors import BuildError
from careleaf.site.engine import build_site

WIDTHS = (360, 1280)
BLOCKING = {"serious", "critical"}
AXE = Axe()


def site_pages(site: Path) -> list[str]:
    """The address of every page of every language, and each language's 404 page."""
    pages = [
        "/" + html.parent.relative_to(site).as_posix() + "/"
        for html in sorted(site.rglob("index.html"))
    ]
    pages = [page.replace("/./", "/") for page in pages]
    return pages + ["/" + p.relative_to(site).as_posix() for p in sorted(site.rglob("404.html"))]


def blocking_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the loaded page, one line each."""
    results = AXE.run(page).response
    return [
        f"{v['id']} ({v['impact']}): {node['target']} {node.get('failureSummary', '')}"
        for v in results["violations"]
        if v["impact"] in BLOCKING
        for node in v["nodes"]
    ]


@pytest.fixture(scope="module", params=WIDTHS, ids=lambda w: f"{w}px")
def width_page(request, browser: Browser) -> Iterator[Page]:
    """One browser context per width, reused for every page."""
    context = browser.new_context(viewport={"width": request.param, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def test_axe_finds_nothing_serious_on_any_page(width_page: Page, engine_site) -> None:
    site_url, _, site = engine_site
    pages = site_pages(site)
    assert len(pages) >= 27 and "/es/404.html" in pages and "/editors/" in pages
    found = {}
    for path in pages:
        width_page.goto(site_url + path)
        violations = blocking_violations(width_page)
        if violations:
            found[path] = violations
    assert not found, "\n".join(f"{page}: {v}" for page, vs in found.items() for v in vs)


# The check's own proof (Material's faults of issue 12, put back): one engine is enough.
def test_axe_check_fails_on_a_damaged_page(width_page: Page, site_url: str) -> None:
    # The two faults of issue 12, put back: Material's footer grey and an unnamed search dialog.
    width_page.goto(site_url + "/es/is-it-safe/")
    width_page.evaluate(
        """() => {
        document.querySelector('.md-search').removeAttribute('aria-label');
        document.querySelector('.md-copyright').style.color = '#7f7f7f';
        }"""
    )
    violations = "\n".join(blocking_violations(width_page))
    assert "aria-dialog-name (serious)" in violations
    assert "color-contrast (serious)" in violations and "#7f7f7f" in violations


# The handout PDFs: tagged, with language and title, read in the order of the content.


def marked_text(reader: PdfReader) -> dict[tuple[int, int], str]:
    """The text of each marked-content sequence, by (page index, MCID), in drawing order."""
    texts: dict[tuple[int, int], str] = {}
    for index, pdf_page in enumerate(reader.pages):
        for mcid, value in _page_marked_text(pdf_page):
            texts[(index, mcid)] = texts.get((index, mcid), "") + value
    return texts


def _page_marked_text(pdf_page) -> list[tuple[int, str]]:
    """(MCID, text) pieces of one page, as its content stream draws them."""
    stack: list[int | None] = []
    pieces: list[tuple[int, str]] = []

    def before(op: bytes, args: list, *_: object) -> None:
        if op == b"BDC":
            props = args[1] if len(args) > 1 else None
            stack.append(props.get("/MCID") if isinstance(props, DictionaryObject) else None)
        elif op == b"BMC":
            stack.append(None)
        elif op == b"EMC" and stack:
            stack.pop()

    def text(value: str, *_: object) -> None:
        mcid = next((m for m in reversed(stack) if m is not None), None)
        if mcid is not None:
            pieces.append((mcid, value))

    pdf_page.extract_text(visitor_operand_before=before, visitor_text=text)
    return pieces


def structure_order(reader: PdfReader) -> list[tuple[int, int]]:
    """Every marked-content reference, (page index, MCID), walking /StructTreeRoot in order."""
    pages = {p.indirect_reference.idnum: i for i, p in enumerate(reader.pages)}
    out: list[tuple[int, int]] = []

    def walk(node: object, page: int | None) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if isinstance(node, int):
            if page is not None:
                out.append((page, node))
            return
        if not isinstance(node, dict):
            return
        if "/Pg" in node:
            page = pages[node.raw_get("/Pg").idnum]
        if node.get("/Type") == "/MCR":
            walk(node["/MCID"], page)
            return
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            walk(kid, page)

    walk(reader.trailer["/Root"]["/StructTreeRoot"], None)
    return out


def tagged_text(reader: PdfReader) -> str:
    """All tagged text, in the order of the structure tree."""
    texts = marked_text(reader)
    return " ".join(" ".join(texts.get(key, "") for key in structure_order(reader)).split())


def drawing_order_problem(reader: PdfReader) -> str | None:
    """The first tagged text that the structure tree puts before text drawn ahead of it."""
    texts = marked_text(reader)
    drawn = {key: index for index, key in enumerate(texts)}  # dicts keep insertion order
    last = -1
    for key in structure_order(reader):
        if not any(c.isalnum() for c in texts.get(key, "")):
            continue  # figures and list bullets: WeasyPrint draws them in a pass of their own
        if drawn[key] < last:
            return f"page {key[0] + 1}: {texts[key].strip()!r} is read after text drawn later"
        last = drawn[key]
    return None


def letters(text: str) -> str:
    """Text without combining marks, format characters or spaces."""
    return "".join(
        c for c in text if unicodedata.category(c) not in {"Mn", "Mc", "Cf"} and not c.isspace()
    )


def reading_order_problem(tagged: str, expected: list[str]) -> str | None:
    """The first expected text that is missing from the tagged text or comes too early."""
    tagged = letters(tagged)
    position = 0
    for original in expected:
        text = letters(original)
        found = tagged.find(text, position)
        if found < 0:
            where = "out of order" if text in tagged else "missing"
            return f"{where}: {original!r}"
        position = found + len(text)
    return None


def content_order(library, handout_id: str, lang: str) -> list[str]:
    """The handout's title, then each block's title and items, in the order a reader meets them.

    A section of clinic items shows only the statements the clinic switches on; a section
    the clinic does not switch on is left out; a section's heading label replaces its title.
    A form in copies reads as its two copies: the patient copy (its sections, then the
    statements that were signed), then the clinic copy (the screening questions, then the
    statements with the signatures).
    """
    clinic = library.clinics[library.project.default_clinic]
    handout = library.handouts[handout_id]

    def texts(section) -> list[str]:
        block = library.block(lang, section.block)
        items = block.items
        if section.clinic_items:
            items = tuple(i for i in items if i.id in clinic.switches)
            if not items:
                return []
        title = library.label(lang, section.heading) if section.heading else block.title
        return [title, *(item.text for item in items)]

    shown = list(handout.sections_for(clinic.switches))
    if handout.copies:
        statements = [s for s in shown if s.part == "clinic" and s.style == "statements"]
        screening = [s for s in shown if s.part == "clinic" and s.style != "statements"]
        shown = [s for s in shown if s.part == "patient"] + statements + screening + statements
    return [library.handout_title(lang, handout_id).text] + [
        text for section in shown for text in texts(section)
    ]


# The PDFs are rendered apart from any site engine (the same with either): one engine's build.
@pytest.mark.parametrize("lang", ["en", "es", "bn"])
def test_handouts_are_tagged_and_read_in_content_order(real_site, lang: str) -> None:
    project, site = real_site
    library = load_library(project)
    folder = site / "handouts" if lang == "en" else site / lang / "handouts"
    for handout_id in library.handouts:
        reader = PdfReader(folder / f"{handout_id}.pdf")
        root = reader.trailer["/Root"]
        assert bool(root["/MarkInfo"]["/Marked"]), handout_id
        assert root["/Lang"] == lang, handout_id
        title = library.handout_title(lang, handout_id).text
        assert reader.metadata and reader.metadata.title.startswith(title), handout_id
        assert bool(root["/ViewerPreferences"].get("/DisplayDocTitle")), handout_id
        assert drawing_order_problem(reader) is None, (handout_id, lang)
        if lang != "bn":
            # Text extracted from shaped Bengali glyphs is not the text that was typed (vowel
            # signs and the reph move, letters repeat), so only the drawing order is compared.
            expected = content_order(library, handout_id, lang)
            assert reading_order_problem(tagged_text(reader), expected) is None, (handout_id, lang)


def test_reading_order_check_fails_on_a_reordered_structure_tree(real_site, tmp_path) -> None:
    project, site = real_site
    library = load_library(project)
    writer = PdfWriter(clone_from=site / "handouts" / "about-dry-needling.pdf")
    document = writer.root_object["/StructTreeRoot"]["/K"]
    document = document[0].get_object() if isinstance(document, ArrayObject) else document
    kids = document.get_object()["/K"]
    kids[1], kids[2] = kids[2], kids[1]  # the first two parts of the body change places
    damaged = tmp_path / "damaged.pdf"
    with damaged.open("wb") as file:
        writer.write(file)
    reader = PdfReader(damaged)
    problem = reading_order_problem(
        tagged_text(reader), content_order(library, "about-dry-needling", "en")
    )
    assert problem is not None and problem.startswith("out of order"), problem
    problem = drawing_order_problem(reader)
    assert problem is not None and "is read after text drawn later" in problem


# Brand colours.


def test_contrast_ratios_match_wcag() -> None:
    assert contrast("#ffffff", "#000000") == pytest.approx(21)
    assert contrast("#7f7f7f", "#171717") == pytest.approx(4.47, abs=0.01)
    assert contrast("#ffffff", "#ffd54f") == pytest.approx(1.41, abs=0.01)
    shade = readable_shade("#ffd54f")
    assert contrast("#ffffff", shade) >= MINIMUM and shade != "#000000"


def test_the_shipped_clinics_are_readable(real_site) -> None:
    library = load_library(real_site[0])
    assert [p for clinic in library.clinics.values() for p in brand_problems(clinic)] == []


def test_check_refuses_a_low_contrast_primary_naming_pair_and_ratio(project: Path) -> None:
    edit(project / "clinics/example/clinic.yml", '"#0f6e6a"', '"#ffd54f"')
    result = CliRunner().invoke(main, ["--project", str(project), "check"])
    assert result.exit_code == 1
    assert "clinics/example/clinic.yml: key colors.primary: item 'example'" in result.output
    assert "white text on the primary colour (#ffffff on #ffd54f)" in result.output
    assert "1.41:1" in result.output and "a readable shade of #ffd54f is #" in result.output
    assert "Traceback" not in result.output


def test_handout_command_refuses_a_low_contrast_accent(mini: Path, tmp_path: Path) -> None:
    edit(mini / "clinics/demo/clinic.yml", '"#8b1e3f"', '"#ffb74d"')
    out = tmp_path / "sheet.pdf"
    result = CliRunner().invoke(main, ["-p", str(mini), "handout", "sheet", "-o", str(out)])
    assert result.exit_code == 1 and "key colors.accent" in result.output
    assert "white text on the accent colour (#ffffff on #ffb74d)" in result.output
    assert not out.exists()


def test_build_refuses_a_low_contrast_primary(mini: Path) -> None:
    edit(mini / "clinics/demo/clinic.yml", '"#123456"', '"#ffd54f"')
    with pytest.raises(BuildError) as error:
        build_site(mini, "demo", mini / "site")
    assert "colors.primary" in str(error.value) and "1.41:1" in str(error.value)
    assert not (mini / "site").exists()
