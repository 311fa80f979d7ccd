"""The verifier: real outputs read back, each check shown to pass on good outputs and to fail."""

from __future__ import annotations

import json
import shutil
from pathlib import Path, PurePosixPath

import pytest
import weasyprint
import yaml
from click.testing import CliRunner
from conftest import REPO, copy_project, edit
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject

from careleaf import compat
from careleaf.build.csp_pages import apply_policy, template_scripts, theme_templates
from careleaf.cli.main import main
from careleaf.content.load import load_library
from careleaf.content.pages import check_page
from careleaf.content.shown import Entry, entries
from careleaf.render import blocks as render_blocks
from careleaf.render.blocks import render_block
from careleaf.render.handouts import needs_actual_text
from careleaf.site.engine import build_site
from careleaf.verify.expected import expected_items
from careleaf.verify.manifest import (
    MANIFEST_NAME,
    Output,
    build_manifest,
    collect_outputs,
    page_html,
    read_manifest,
    write_manifest,
)
from careleaf.verify.pdf_proof import check_pdf_item
from careleaf.verify.readback import UnreadableOutput, normalise, plain_tokens, text_variants
from careleaf.verify.readback_html import SeenPages, html_items
from careleaf.verify.readback_pdf import PdfSeen, pdf_items
from careleaf.verify.report import Report, Row, format_table
from careleaf.verify.verifier import verify

FONTS = REPO / "fonts"
CLINIC = "demo"
# The mini project's safety items in Bengali; one keeps a Latin word, as real content may.
BENGALI = {
    "bruising": "ছোট কালশিটে দাগ",
    "pneumothorax": "ফুসফুস চুপসে যাওয়া (pneumothorax)",
    "pregnancy": "আপনি গর্ভবতী",
}
# The mini project's protected keys (block/item/field and block/field).
INTRO = "side-effects/intro"
BRUISING = "side-effects/bruising/text"
BRUISING_F = "side-effects/bruising/frequency"
PNEUMO = "side-effects/pneumothorax/text"
PNEUMO_D = "side-effects/pneumothorax/detail"
PNEUMO_F = "side-effects/pneumothorax/frequency"
PREGNANCY = "contraindications/pregnancy/text"
SAFETY = sorted([INTRO, BRUISING, BRUISING_F, PNEUMO, PNEUMO_D, PNEUMO_F, PREGNANCY])
PAGE = (
    '<!doctype html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>Page</title>'
    '<link rel="stylesheet" href="{up}assets/site.css"></head>'
    "<body><main><h1>Page</h1>\n{body}\n</main></body></html>\n"
)
PRINT = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>Sheet</title><style>
@font-face {{ font-family: "Noto Sans"; src: url("NotoSans-Regular.ttf"); }}
@font-face {{ font-family: "Noto Sans Bengali"; src: url("NotoSansBengali-Regular.ttf"); }}
body {{ font-family: "Noto Sans", "Noto Sans Bengali"; font-size: {size}pt; }}
{css}
</style></head><body>{body}</body></html>
"""
SITE_CSS = (
    ".careleaf-print-only { display: none }\n@media print { .careleaf-item { display: none } }\n"
)
OUTPUTS = [
    "bn/handouts/index.html",
    "bn/handouts/large-print/sheet.pdf",
    "bn/handouts/sheet.pdf",
    "bn/index.html",
    "bn/safety/index.html",
    "handouts/index.html",
    "handouts/large-print/sheet.pdf",
    "handouts/sheet.pdf",
    "index.html",
    "safety/index.html",
]


# Sample outputs, made by hand from the shared item partial (no MkDocs): fast and exact.


def add_bengali(project: Path) -> None:
    """Give a copy of the mini project a Bengali translation of every block and page."""
    edit(
        project / "careleaf.yml",
        "    name: English\n",
        "    name: English\n  bn:\n    name: Bangla\n",
    )
    (project / "content" / "bn").mkdir()
    for path in sorted((project / "content" / "en").glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["source"] = {key: data[key] for key in ("title", "intro", "body") if key in data}
        for item in data.get("items", []):
            item["source"] = {k: item[k] for k in ("text", "detail", "frequency") if k in item}
            item["text"] = BENGALI.get(item["id"], item["text"])
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
        (project / "content" / "bn" / path.name).write_text(text, encoding="utf-8")
    shutil.copytree(project / "docs" / "en", project / "docs" / "bn")


def write_pdf(target: Path, lang: str, body: str, css: str = "", size: float = 12) -> None:
    """A handout-like PDF by WeasyPrint, holding the given item markup, its body text at
    ``size`` points (each run of Bengali with its text as /ActualText, as careleaf's renderer
    writes it)."""
    compat.mark_actual_text(needs_actual_text)
    target.parent.mkdir(parents=True, exist_ok=True)
    html = PRINT.format(lang=lang, body=body, css=css, size=size)
    weasyprint.HTML(string=html, base_url=f"{FONTS.as_uri()}/").write_pdf(target=target)


def handout_body(library, lang: str, handout_id: str, skip: tuple[str, ...] = ()) -> str:
    sections = library.handouts[handout_id].sections
    return "\n".join(
        render_block(library, lang, section.block, style=section.style)
        for section in sections
        if section.block not in skip
    )


def make_site(project: Path, site: Path) -> None:
    """Write every output of the project (en and bn) into ``site``, then its manifest."""
    library = load_library(project)
    site.mkdir(parents=True)
    (site / "assets").mkdir()
    (site / "assets" / "site.css").write_text(SITE_CSS, encoding="utf-8")
    outputs = collect_outputs(site, library, ["en", "bn"], CLINIC)
    for output in outputs:
        target = site / output.path
        target.parent.mkdir(parents=True, exist_ok=True)
        if output.kind == "pdf":
            size = 16 if output.edition == "large-print" else 12
            write_pdf(target, output.lang, handout_body(library, output.lang, "sheet"), size=size)
            continue
        markdown = (project / str(output.page)).read_text(encoding="utf-8")
        blocks = check_page(markdown, str(output.page), library, output.lang).blocks
        body = "\n".join(render_block(library, output.lang, block) for block in blocks)
        up = "../" * (len(PurePosixPath(output.path).parts) - 1)
        target.write_text(PAGE.format(lang=output.lang, up=up, body=body), encoding="utf-8")
    record(site, library, outputs)


def record(site: Path, library, outputs) -> None:  # noqa: ANN001
    """Write the manifest as a build does, the Content-Security-Policy put into the pages first."""
    theme = template_scripts(theme_templates(library.root))
    policy = apply_policy(site, library.clinics[CLINIC].website, theme)
    write_manifest(site, build_manifest(site, library, CLINIC, outputs, csp=policy))


def rewrite_manifest(project: Path, site: Path) -> None:
    """As a build would after producing the (changed) outputs."""
    library = load_library(project)
    outputs = collect_outputs(site, library, ["en", "bn"], CLINIC)
    record(site, library, outputs)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The mini project with Bengali added, and a good site made from it: (project, site)."""
    base = tmp_path_factory.mktemp("sample")
    project = copy_project(REPO / "tests" / "projects" / "mini", base / "mini")
    add_bengali(project)
    make_site(project, base / "site")
    return project, base / "site"


@pytest.fixture
def project(sample: tuple[Path, Path]) -> Path:
    return sample[0]


@pytest.fixture
def site(sample: tuple[Path, Path], tmp_path: Path) -> Path:
    """A fresh copy of the good site, for a test to damage."""
    return Path(shutil.copytree(sample[1], tmp_path / "site"))


def row(report: Report, output: str) -> Row:
    return next(r for r in report.rows if r.output == output)


def failing(report: Report) -> dict[str, list[str]]:
    """Output -> missing items, for every output that failed."""
    return {r.output: r.missing for r in report.rows if not r.ok}


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def li_of(site: Path, page: str, item_id: str) -> str:
    """The exact <li> markup of an item on a page."""
    text = (site / page).read_text(encoding="utf-8")
    start = text.rindex("<li", 0, text.index(f'data-protected="{item_id}"'))
    return text[start : text.index("</li>", start) + len("</li>")]


# normalise and the text helpers


def test_normalise() -> None:
    assert normalise("  A\tsmall\n\nbruise ") == "A small bruise"
    assert normalise("need-\nling") == "needling"
    assert normalise("in\u2010\nformation") == "information"
    assert normalise("need\u00adling") == "needling"
    assert normalise("COVID-\n19") == "COVID- 19"  # not a lowercase letter: no join
    assert normalise("Dry-\nNeedling") == "Dry- Needling"
    assert normalise("ﬁne ①") == "fine 1"  # NFKC


def test_text_variants_keep_real_hyphens_at_a_line_end() -> None:
    assert "pre-existing and information" in text_variants("pre-\nexisting and in\u2010\nformation")
    assert "preexisting and information" in text_variants("pre-\nexisting and in\u2010\nformation")


def test_plain_tokens() -> None:
    assert plain_tokens("ফুসফুস চুপসে যাওয়া (pneumothorax) ৫ 12") == ["pneumothorax", "12"]
    assert plain_tokens("أنت حامل 12 mg") == ["12", "mg"]
    assert plain_tokens("আপনি গর্ভবতী") == []


# Reading HTML back

HIDING_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<style>
.gone { display: none }
@media print { .print { display: none } }
@supports (display: grid) { .grid { display: none } }
a:hover .hover { display: none }
.pseudo::before { display: none }
.faint { visibility: hidden }
</style>
<link rel="stylesheet" href="css/local.css">
<link rel="stylesheet" href="https://cdn.example/remote.css">
<link rel="stylesheet" href="absent.css">
<link rel="stylesheet" href="css/print.css" media="print">
</head><body><ul>
<li><span data-protected="plain">Plain text</span></li>
<li hidden><span data-protected="attr">A</span></li>
<li aria-hidden="true"><span data-protected="aria">B</span></li>
<li style="color: red; display : none !important"><span data-protected="inline">C</span></li>
<li class="gone"><div><span data-protected="rule">D</span></div></li>
<li class="print"><span data-protected="media">E</span></li>
<li class="grid"><span data-protected="supports">F</span></li>
<li class="hover"><span data-protected="hover">G</span></li>
<li class="pseudo"><span data-protected="pseudo">H</span></li>
<li><span class="faint" data-protected="visibility">I</span></li>
<li><span class="linked" data-protected="linked">J</span></li>
<li class="printonly"><span data-protected="print-sheet">K</span></li>
</ul><template><span data-protected="template">L</span></template></body></html>
"""


def test_html_items_sees_what_hides_an_item(tmp_path: Path) -> None:
    (tmp_path / "css").mkdir()
    # One unsupported selector in a list must not lose the others.
    (tmp_path / "css" / "local.css").write_text(
        ".md-x::-webkit-scrollbar, .linked { display: none }\n.wide { display: block }\n"
    )
    (tmp_path / "css" / "print.css").write_text(".printonly { display: none }\n")
    page = tmp_path / "page.html"
    page.write_text(HIDING_PAGE, encoding="utf-8")
    seen = {item.id: item for item in html_items(page, tmp_path)}
    visible = {item_id for item_id, item in seen.items() if item.visible}
    assert visible == {"plain", "aria", "media", "supports", "hover", "pseudo", "print-sheet"}
    assert seen["plain"].text == "Plain text" and seen["plain"].hidden_by is None
    assert seen["attr"].hidden_by == "hidden attribute on <li>"
    assert seen["inline"].hidden_by == 'inline style "display: none" on <li>'
    assert seen["rule"].hidden_by == 'CSS rule ".gone { display: none }" in <style> #1 hides <li>'
    assert seen["visibility"].hidden_by.startswith('CSS rule ".faint { visibility: hidden }"')
    assert seen["linked"].hidden_by == (
        'CSS rule ".linked { display: none }" in css/local.css hides <span>'
    )
    assert seen["template"].hidden_by == "inside a <template>"


def test_html_stylesheet_cache_sees_a_changed_file(tmp_path: Path) -> None:
    (tmp_path / "css").mkdir()
    sheet = tmp_path / "css" / "local.css"
    sheet.write_text(".other { display: none }\n")
    page = tmp_path / "page.html"
    page.write_text(HIDING_PAGE, encoding="utf-8")
    assert {i.id: i.visible for i in html_items(page)}["linked"] is True
    sheet.write_text(".linked { display: none }   /* longer, so the size changes */\n")
    assert {i.id: i.visible for i in html_items(page)}["linked"] is False


def test_a_page_read_again_is_parsed_again_only_when_it_or_its_stylesheets_changed(
    tmp_path: Path,
) -> None:
    """A page read again through the same `SeenPages` gives back what was seen before (the
    very same reading) until the page or a stylesheet it links to changes."""
    pages = SeenPages()
    page = tmp_path / "page.html"
    page.write_text(HIDING_PAGE, encoding="utf-8")
    first = pages.read(page)
    assert {i.id: i.visible for i in first.items}["linked"] is True
    assert pages.read(page) is first
    # A fresh memo has read nothing: it parses the page itself.
    assert SeenPages().read(page) is not first
    # The stylesheet it links to appears: the page is read again, and the rule seen.
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "local.css").write_text(".linked { display: none }\n")
    second = pages.read(page)
    assert second is not first and {i.id: i.visible for i in second.items}["linked"] is False
    assert pages.read(page) is second
    page.write_text(HIDING_PAGE.replace("</body>", "<p>more</p></body>"), encoding="utf-8")
    assert pages.read(page) is not second


def test_unreadable_html(tmp_path: Path) -> None:
    with pytest.raises(UnreadableOutput, match="absent.html"):
        html_items(tmp_path / "absent.html")
    (tmp_path / "latin1.html").write_bytes(b"<p data-protected='x'>caf\xe9</p>")
    with pytest.raises(UnreadableOutput, match="latin1.html"):
        html_items(tmp_path / "latin1.html")


# Reading PDFs back


def test_pdf_items_reads_anchors_text_metadata_and_fonts(site: Path) -> None:
    seen = pdf_items(site / "handouts" / "sheet.pdf")
    assert seen.item_ids == SAFETY
    assert seen.pages == 1 and seen.destinations["p-contraindications--pregnancy--text"] == 0
    assert "You are pregnant" in seen.text
    assert (seen.lang, seen.title) == ("en", "Sheet")
    assert seen.fonts and seen.fonts_embedded and seen.unembedded_fonts == []
    assert any("Noto-Sans" in font for font in seen.fonts)


def test_pdf_items_names_a_font_that_is_not_embedded(tmp_path: Path) -> None:
    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)

    def font(subtype: str, name: str) -> DictionaryObject:
        return DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject(subtype),
                NameObject("/BaseFont"): NameObject(name),
            }
        )

    fonts = {"/F1": font("/Type1", "/Helvetica"), "/F2": font("/Type3", "/Drawn")}
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject(k): v for k, v in fonts.items()})}
    )
    with open(tmp_path / "bare.pdf", "wb") as file:
        writer.write(file)
    seen = pdf_items(tmp_path / "bare.pdf")
    assert seen.fonts == ["Drawn", "Helvetica"]
    assert seen.unembedded_fonts == ["Helvetica"] and not seen.fonts_embedded
    assert seen.lang is None and seen.item_ids == []


def test_unreadable_pdf(tmp_path: Path) -> None:
    (tmp_path / "x.pdf").write_bytes(b"not a pdf at all")
    with pytest.raises(UnreadableOutput, match="x.pdf"):
        pdf_items(tmp_path / "x.pdf")


def test_check_pdf_item_text_and_complex_script() -> None:
    seen = PdfSeen(
        destinations={"p-a": 0, "p-b": 0, "p-c": 1, "p-lost": -1},
        page_texts=["A small\nbruise\n12 أنت حامل mg\nA col\u2010", "lapsed lung\ninformation"],
    )
    assert check_pdf_item(seen, "a", "A small bruise") == ("text", None)
    assert check_pdf_item(seen, "a", "A large bruise") == (
        "text",
        "a: text 'A large bruise' not found on page 1",
    )
    assert check_pdf_item(seen, "c", "A small bruise") == (
        "text",
        "c: text 'A small bruise' not found on page 2",
    )
    assert check_pdf_item(seen, "c", "information") == ("text", None)
    assert check_pdf_item(seen, "a", "A collapsed lung") == ("text", None)  # over a page break
    assert check_pdf_item(seen, "b", "أنت حامل 12 mg") == ("anchor+script", None)
    assert check_pdf_item(seen, "b", "أنت حامل 13 mg") == (
        "anchor+script",
        "b: 13 not found on page 1",
    )
    assert check_pdf_item(seen, "c", "أنت حامل") == (
        "anchor+script",
        "c: no Arabic text on page 2",
    )
    # Bengali is compared as text (its runs carry it as /ActualText), without whitespace.
    assert check_pdf_item(seen, "b", "আপনি গর্ভবতী") == (
        "text",
        "b: text 'আপনি গর্ভবতী' not found on page 1",
    )
    bengali = PdfSeen(destinations={"p-b": 0}, page_texts=["১২ আপনি\nগর্ভ বতী"])
    assert check_pdf_item(bengali, "b", "আপনি গর্ভবতী") == ("text", None)
    assert check_pdf_item(seen, "gone", "আপনি গর্ভবতী")[1] == (
        "gone: not found (no named destination p-gone)"
    )
    assert check_pdf_item(seen, "lost", "x")[1] == "lost: its named destination points to no page"


# The manifest


def test_page_html() -> None:
    assert page_html(PurePosixPath("index.md")) == PurePosixPath("index.html")
    assert page_html(PurePosixPath("safety.md")) == PurePosixPath("safety/index.html")
    assert page_html(PurePosixPath("a/b.md")) == PurePosixPath("a/b/index.html")
    assert page_html(PurePosixPath("a/index.md")) == PurePosixPath("a/index.html")


def test_collect_outputs(project: Path, site: Path) -> None:
    outputs = collect_outputs(site, load_library(project), ["en", "bn"], CLINIC)
    assert [output.path for output in outputs] == OUTPUTS
    assert outputs[4] == Output(
        "bn/safety/index.html", "page", "bn", CLINIC, page="docs/bn/safety.md"
    )
    assert outputs[7] == Output(
        "handouts/sheet.pdf", "pdf", "en", CLINIC, handout="sheet", edition="standard"
    )
    assert outputs[6].edition == "large-print" and outputs[6].handout == "sheet"


def test_manifest_is_complete_and_deterministic(project: Path, site: Path) -> None:
    text = (site / MANIFEST_NAME).read_text(encoding="utf-8")
    manifest = json.loads(text)
    assert text.endswith("}\n") and manifest == read_manifest(site)
    assert manifest["careleaf_manifest"] == 3 and manifest["clinic"] == CLINIC
    assert manifest["content_version"] == "9.9.9"
    assert manifest["blocks"]["bn"]["contraindications"] == {
        "status": "approved",
        "reviewed_on": "2026-01-02",
    }
    assert manifest["blocks"]["en"]["side-effects"]["status"] == "draft"
    assert [entry["path"] for entry in manifest["outputs"]] == OUTPUTS
    entry = next(e for e in manifest["outputs"] if e["path"] == "bn/safety/index.html")
    assert entry["page"] == "docs/bn/safety.md" and entry["handout"] is None
    assert (entry["kind"], entry["lang"], entry["clinic"]) == ("page", "bn", CLINIC)
    assert entry["items"] == SAFETY and len(entry["sha256"]) == 64
    pdf = next(e for e in manifest["outputs"] if e["path"] == "handouts/sheet.pdf")
    assert (pdf["kind"], pdf["handout"], pdf["page"], pdf["items"]) == (
        "pdf",
        "sheet",
        None,
        SAFETY,
    )
    rewrite_manifest(project, site)
    assert (site / MANIFEST_NAME).read_text(encoding="utf-8") == text


@pytest.mark.parametrize(
    "damage",
    [
        lambda m: "{ not json",
        lambda m: "[]",
        lambda m: json.dumps({**m, "careleaf_manifest": 1}),
        lambda m: json.dumps({**m, "outputs": [{**m["outputs"][0], "sha256": None}]}),
        lambda m: json.dumps({**m, "outputs": [{**m["outputs"][0], "path": "../escape.html"}]}),
        lambda m: json.dumps({**m, "outputs": [{**m["outputs"][0], "path": "/etc/passwd"}]}),
    ],
)
def test_a_damaged_manifest_is_unreadable(project: Path, site: Path, damage) -> None:
    path = site / MANIFEST_NAME
    path.write_text(damage(json.loads(path.read_text())), encoding="utf-8")
    with pytest.raises(UnreadableOutput, match=MANIFEST_NAME):
        verify(site, project)


# Verifying: every check passes on good outputs and fails on bad ones


def test_good_outputs_pass(project: Path, site: Path) -> None:
    report = verify(site, project)
    assert report.ok and report.problems == []
    assert [r.output for r in report.rows] == OUTPUTS and all(r.ok for r in report.rows)
    assert row(report, "handouts/sheet.pdf").check == "text"
    assert row(report, "bn/handouts/sheet.pdf").check == "text"  # Bengali: as /ActualText
    assert row(report, "bn/safety/index.html").check == "text"


def test_a_removed_li_is_missing_on_that_page_only(project: Path, site: Path) -> None:
    replace(site / "safety/index.html", li_of(site, "safety/index.html", PREGNANCY), "")
    rewrite_manifest(project, site)
    report = verify(site, project)
    assert not report.ok
    assert failing(report) == {"safety/index.html": [PREGNANCY]}
    assert row(report, "safety/index.html").notes == [
        f"{PREGNANCY}: not found",
        f"{PREGNANCY}: in the browser, not in the page (DOM)",
    ]


def test_an_item_hidden_by_a_style_rule_is_missing(project: Path, site: Path) -> None:
    replace(
        site / "bn/safety/index.html",
        "</head>",
        f'<style>.careleaf-item-text[data-protected="{BRUISING}"]{{display:none}}</style></head>',
    )
    rewrite_manifest(project, site)
    report = verify(site, project)
    assert failing(report) == {"bn/safety/index.html": [BRUISING]}
    assert row(report, "bn/safety/index.html").notes[:1] == [
        f"{BRUISING}: hidden (CSS rule "
        f'".careleaf-item-text[data-protected="{BRUISING}"] {{ display: none }}" '
        "in <style> #1 hides <span>)"
    ]


def test_an_item_hidden_by_a_stylesheet_is_missing_on_every_page_using_it(
    project: Path, site: Path
) -> None:
    rule = f'.careleaf-items li:has([data-protected="{PNEUMO}"]) {{ visibility: hidden }}\n'
    (site / "assets/site.css").write_text(SITE_CSS + rule)
    report = verify(site, project)
    # The whole item goes: its text, detail and frequency.
    assert failing(report) == {
        "safety/index.html": [PNEUMO_D, PNEUMO_F, PNEUMO],
        "bn/safety/index.html": [PNEUMO_D, PNEUMO_F, PNEUMO],
    }
    assert "in ../assets/site.css hides <li>" in row(report, "safety/index.html").notes[0]


def test_an_item_hidden_by_an_attribute_or_inline_style_is_missing(
    project: Path, site: Path
) -> None:
    page = site / "safety/index.html"
    replace(
        page,
        f'<li class="careleaf-item"><span class="careleaf-item-text" data-protected="{BRUISING}"',
        f'<li class="careleaf-item" hidden><span class="careleaf-item-text" '
        f'data-protected="{BRUISING}"',
    )
    replace(
        page, f'data-protected="{PREGNANCY}"', f'style="display: none" data-protected="{PREGNANCY}"'
    )
    rewrite_manifest(project, site)
    report = verify(site, project)
    assert failing(report) == {"safety/index.html": [PREGNANCY, BRUISING_F, BRUISING]}
    assert row(report, "safety/index.html").notes[:3] == [
        f'{PREGNANCY}: hidden (inline style "display: none" on <span>)',
        f"{BRUISING_F}: hidden (hidden attribute on <li>)",
        f"{BRUISING}: hidden (hidden attribute on <li>)",
    ]


def test_aria_hidden_hides_from_assistive_technology(project: Path, site: Path) -> None:
    replace(
        site / "safety/index.html",
        f'data-protected="{PREGNANCY}"',
        f'aria-hidden="true" data-protected="{PREGNANCY}"',
    )
    rewrite_manifest(project, site)
    report = verify(site, project)
    assert failing(report) == {"safety/index.html": [PREGNANCY]}
    notes = row(report, "safety/index.html").notes
    assert any("in the browser, hidden from assistive technology" in note for note in notes)


def test_a_changed_text_is_missing_with_a_text_note(project: Path, site: Path) -> None:
    replace(site / "bn/safety/index.html", BENGALI["pregnancy"], "আপনি")
    rewrite_manifest(project, site)
    report = verify(site, project)
    assert failing(report) == {"bn/safety/index.html": [PREGNANCY]}
    assert row(report, "bn/safety/index.html").notes[:1] == [
        f"{PREGNANCY}: text is 'আপনি', expected {BENGALI['pregnancy']!r}"
    ]


def test_an_unknown_id_is_unexpected(project: Path, site: Path) -> None:
    replace(
        site / "index.html",
        "</main>",
        '<ul><li><span data-protected="made-up">Made up</span></li></ul></main>',
    )
    rewrite_manifest(project, site)
    report = verify(site, project)
    assert [(r.output, r.unexpected, r.missing) for r in report.rows if not r.ok] == [
        ("index.html", ["made-up"], [])
    ]


def test_a_duplicated_item_is_duplicated(project: Path, site: Path) -> None:
    li = li_of(site, "bn/safety/index.html", BRUISING)
    replace(site / "bn/safety/index.html", li, li + li)
    rewrite_manifest(project, site)
    report = verify(site, project)
    assert [(r.output, r.duplicated, r.missing) for r in report.rows if not r.ok] == [
        ("bn/safety/index.html", [BRUISING_F, BRUISING], [])
    ]


def test_a_pdf_lacking_an_item_or_its_text_misses_it(project: Path, site: Path) -> None:
    library = load_library(project)
    body = handout_body(library, "en", "sheet", skip=("contraindications",))
    css = f'.careleaf-item-text[data-protected="{BRUISING}"] {{ visibility: hidden }}'
    write_pdf(site / "handouts/sheet.pdf", "en", body, css)
    rewrite_manifest(project, site)
    report = verify(site, project)
    # The placement rule, not what the handout happens to hold, says what it must hold.
    assert failing(report) == {"handouts/sheet.pdf": [PREGNANCY, BRUISING]}
    assert row(report, "handouts/sheet.pdf").notes[:2] == [
        f"{PREGNANCY}: not found (no named destination p-contraindications--pregnancy--text)",
        f"{BRUISING}: text 'A small bruise' not found on page 1",
    ]


def test_a_changed_file_does_not_match_the_manifest(project: Path, site: Path) -> None:
    with open(site / "index.html", "a", encoding="utf-8") as file:
        file.write("<!-- edited after the build -->\n")
    report = verify(site, project)
    assert not report.ok
    assert failing(report) == {"index.html": []}
    assert row(report, "index.html").problems == [
        "changed since the build: its SHA-256 differs from the manifest's"
    ]


def test_an_output_the_manifest_lacks_is_missing(project: Path, site: Path) -> None:
    path = site / MANIFEST_NAME
    manifest = json.loads(path.read_text())
    manifest["outputs"] = [e for e in manifest["outputs"] if e["path"] != "bn/handouts/sheet.pdf"]
    path.write_text(json.dumps(manifest))
    report = verify(site, project)
    assert failing(report) == {"bn/handouts/sheet.pdf": SAFETY}
    assert row(report, "bn/handouts/sheet.pdf").problems == ["not listed in the manifest"]


def test_a_deleted_output_is_missing(project: Path, site: Path) -> None:
    (site / "safety/index.html").unlink()
    report = verify(site, project)
    assert failing(report) == {"safety/index.html": SAFETY}
    assert row(report, "safety/index.html").problems == ["the file does not exist"]


def test_an_output_the_project_does_not_make_is_a_problem(project: Path, site: Path) -> None:
    shutil.copy(site / "index.html", site / "old.html")
    path = site / MANIFEST_NAME
    manifest = json.loads(path.read_text())
    entry = next(e for e in manifest["outputs"] if e["path"] == "index.html")
    manifest["outputs"].append({**entry, "path": "old.html"})
    path.write_text(json.dumps(manifest))
    report = verify(site, project)
    assert failing(report) == {"old.html": []}
    assert row(report, "old.html").problems[0].startswith("not an output of this project")


def test_a_page_in_the_wrong_language_is_a_problem(project: Path, site: Path) -> None:
    replace(site / "bn/index.html", '<html lang="bn">', '<html lang="en">')
    rewrite_manifest(project, site)
    report = verify(site, project)
    assert row(report, "bn/index.html").problems == [
        'the page says <html lang="en">, expected "bn"'
    ]
    assert failing(report) == {"bn/index.html": []}


def test_another_content_version_is_a_problem(project: Path, site: Path) -> None:
    path = site / MANIFEST_NAME
    path.write_text(path.read_text().replace('"9.9.9"', '"1.0.0"'))
    report = verify(site, project)
    assert not report.ok and all(r.ok for r in report.rows)
    assert report.problems == ["built from content version 1.0.0, the project is at 9.9.9"]


def test_untranslated_pages_and_items_are_expected_as_shown(
    sample: tuple[Path, Path], tmp_path: Path
) -> None:
    """A page or item a language lacks is built from the source language: it is checked too."""
    project = Path(shutil.copytree(sample[0], tmp_path / "mini"))
    (project / "docs/bn/safety.md").unlink()
    path = project / "content/bn/side-effects.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["items"] = [item for item in data["items"] if item["id"] != "bruising"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    site = tmp_path / "site"
    make_site(project, site)
    library = load_library(project)
    output = next(o for o in collect_outputs(site, library, ["bn"], CLINIC) if "safety" in o.path)
    assert output == Output("bn/safety/index.html", "page", "bn", CLINIC, page="docs/en/safety.md")
    assert expected_items(library, output) == (
        {
            INTRO: "Most are mild.",
            BRUISING: "A small bruise",
            BRUISING_F: "About 1 in 13 sessions.",
            PNEUMO: BENGALI["pneumothorax"],
            PNEUMO_D: "Rare but serious.",
            PNEUMO_F: "Rare.",
            PREGNANCY: BENGALI["pregnancy"],
        },
        [],
    )
    assert verify(site, project).ok
    replace(site / "bn/safety/index.html", ">A small bruise<", f">{BENGALI['bruising']}<")
    rewrite_manifest(project, site)
    assert failing(verify(site, project)) == {"bn/safety/index.html": [BRUISING]}


def test_a_selection_bug_in_the_renderer_is_seen_by_the_verifier(
    sample: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The verifier expects what the model says a language shows, not what the renderer
    selected: a renderer that shows a completely translated item in English is caught."""

    def english_pneumothorax(library, lang: str, block_id: str) -> list[Entry]:  # noqa: ANN001
        return [
            Entry(library.english_item(block_id, entry.item.id), fallback=True)
            if entry.item.id == "pneumothorax"
            else entry
            for entry in entries(library, lang, block_id)
        ]

    monkeypatch.setattr(render_blocks, "entries", english_pneumothorax)
    site = tmp_path / "site"
    make_site(sample[0], site)
    assert failing(verify(site, sample[0])) == {
        "bn/handouts/large-print/sheet.pdf": [PNEUMO],
        "bn/handouts/sheet.pdf": [PNEUMO],
        "bn/safety/index.html": [PNEUMO],
    }


# The command


def run(project: Path, *args: str):
    return CliRunner().invoke(main, ["--project", str(project), "verify", *args])


def test_cli_lists_every_output(project: Path, site: Path) -> None:
    result = run(project, str(site))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "output",
        "language",
        "clinic",
        "missing",
        "unexpected",
        "duplicated",
    ]
    assert [line.split()[0] for line in lines[2:12]] == OUTPUTS
    assert lines[-1] == (
        "OK: 10 outputs checked (6 pages, 4 PDFs) in 2 languages for clinic 'demo'"
    )


def test_cli_json_and_exit_1(project: Path, site: Path) -> None:
    replace(site / "safety/index.html", li_of(site, "safety/index.html", BRUISING), "")
    result = run(project, str(site), "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False and len(report["rows"]) == len(OUTPUTS)
    bad = [r for r in report["rows"] if not r["ok"]]
    assert [(r["output"], r["missing"], r["lang"], r["clinic"]) for r in bad] == [
        ("safety/index.html", [BRUISING_F, BRUISING], "en", CLINIC)
    ]
    table = format_table(verify(site, project))
    assert f"safety/index.html: {BRUISING}: not found" in table
    assert table.splitlines()[-1].startswith("FAILED: 10 outputs checked")


def test_cli_default_site_dir_is_site_in_the_working_directory(
    project: Path, site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(site.parent)
    assert run(project).exit_code == 0


@pytest.mark.parametrize("damage", ["manifest", "pdf", "site"])
def test_cli_exit_2_when_outputs_cannot_be_read(project: Path, site: Path, damage: str) -> None:
    if damage == "manifest":
        (site / MANIFEST_NAME).write_text("{ not json")
    elif damage == "pdf":
        (site / "handouts/sheet.pdf").write_bytes(b"%PDF-1.7 broken")
    else:
        shutil.rmtree(site)
    result = run(project, str(site))
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ") and "Traceback" not in result.output


def test_cli_exit_2_when_the_project_cannot_be_read(site: Path, tmp_path: Path) -> None:
    result = run(tmp_path / "nowhere", str(site))
    assert result.exit_code == 2
    assert "careleaf.yml: not found" in result.stderr


# A site built by the real build


def test_a_built_site_verifies(tmp_path: Path) -> None:
    project = copy_project(REPO / "tests" / "projects" / "mini", tmp_path / "mini")
    site = project / "site"
    build_site(project, CLINIC, site)
    library = load_library(project)
    outputs = collect_outputs(site, library, ["en"], CLINIC)
    record(site, library, outputs)
    report = verify(site, project)
    assert report.ok, format_table(report)
    assert [r.output for r in report.rows] == [
        "handouts/index.html",
        "handouts/large-print/sheet.pdf",
        "handouts/sheet.pdf",
        "index.html",
        "safety/index.html",
    ]
    replace(site / "safety/index.html", li_of(site, "safety/index.html", PREGNANCY), "")
    record(site, library, outputs)
    assert failing(verify(site, project)) == {"safety/index.html": [PREGNANCY]}
