"""Contributed content is data: each hostile input is refused with its place, or printed inert."""

from __future__ import annotations

import hashlib
import os
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pypdf
import pytest
import yaml
from bs4 import BeautifulSoup
from click.testing import CliRunner
from conftest import REPO, approve, edit
from PIL import Image

from careleaf.cli.main import main
from careleaf.content.images import Limits, check_image
from careleaf.content.load import load_library
from careleaf.content.page_markdown import check_markdown, slugify
from careleaf.content.pages import check_front_matter
from careleaf.content.yamlfile import parse_yaml
from careleaf.errors import BuildError, CareleafError
from careleaf.options import BuildOptions
from careleaf.site.engine import build_site

BIN = Path(sys.executable).parent


def check(project: Path) -> str:
    """`careleaf check` on the project: it must refuse, with a message and no traceback."""
    result = CliRunner().invoke(main, ["--project", str(project), "check"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and result.exception.__class__ is SystemExit
    return result.output


def snapshot(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def png(width: int, height: int) -> bytes:
    """A PNG header claiming this size (what Pillow reads first; no pixels are needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


# Pages -------------------------------------------------------------------------------------

HOSTILE_PAGES = [
    ("<script>alert(1)</script>", "raw HTML", "<script>"),
    ("<iframe src='https://evil.example'></iframe>", "raw HTML", "<iframe"),
    ("<object data='x.swf'></object>", "raw HTML", "<object"),
    ("<embed src='x.swf'>", "raw HTML", "<embed"),
    ("<form action='https://evil.example'><input></form>", "raw HTML", "<form"),
    ("<base href='https://evil.example/'>", "raw HTML", "<base"),
    ('<meta http-equiv="refresh" content="0;url=https://evil.example">', "raw HTML", "<meta"),
    ("Text <b onclick='alert(1)'>bold</b> text.", "raw HTML", "<b onclick"),
    ("<!-- hidden -->", "raw HTML", "<!--"),
    ("[click](javascript:alert(1))", "scheme 'javascript:'", None),
    ("[click](&#106;avascript:alert(1))", "scheme 'javascript:'", None),
    ("[click](java\tscript:alert(1))", "scheme 'javascript:'", None),
    ("[click](data:text/html,<script>alert(1)</script>)", "scheme 'data:'", None),
    ("[click][r]\n\n[r]: vbscript:msgbox", "scheme 'vbscript:'", None),
    ("![x](file:///etc/passwd)", "image must be a file beside the page", None),
    ("![x](https://tracker.example/pixel.png)", "image must be a file beside the page", None),
    ('A paragraph.\n{: onclick="alert(1)" }', "attribute 'onclick'", None),
    ('A paragraph.\n{: style="position:fixed" }', "attribute 'style'", None),
    ("[x](https://a.example){: target=_blank }", "attribute 'target'", None),
    ("text \u202e reversed", "U+202E", None),
    ("".join(">" * depth + " quote\n" for depth in range(1, 40)), "nesting deeper", None),
    ("".join("    " * depth + "- item\n" for depth in range(40)), "nesting deeper", None),
]


@pytest.mark.parametrize(("payload", "message", "shown"), HOSTILE_PAGES)
def test_hostile_markdown_is_refused_with_its_line(payload: str, message: str, shown) -> None:
    problems = check_markdown(f"# Title\n\nIntro.\n\n{payload}\n", "docs/en/p.md", line_offset=3)
    assert problems, payload
    first = problems[0]
    assert message in first.message
    assert first.file == "docs/en/p.md" and first.line is not None and first.line >= 8
    if shown:
        assert shown in first.message


def test_nesting_and_template_depth_are_bounded_in_pages_and_blocks(mini: Path) -> None:
    page = mini / "docs/en/safety.md"
    page.write_text(page.read_text() + "\n" + "[" * 5000 + "x" + "]" * 5000 + "\n")
    (mini / "docs/en/deep.md").write_text("# Deep\n\n{{ " + "(" * 3000 + "1" + ")" * 3000 + " }}\n")
    number = page.read_text().count("\n")
    output = check(mini)
    assert f"docs/en/safety.md:{number}: nesting deeper than 20 levels" in output
    assert "docs/en/deep.md: template code nested too deeply" in output
    edit(mini / "content/en/about.yml", "  A short", "  " + ">" * 3000 + " A short")
    output = check(mini)
    assert "content/en/about.yml:2: key body: item 'about': line 1 of the text nests" in output


def test_plain_markdown_passes() -> None:
    page = (
        "# Title {: #top .wide }\n\n[next](other.md) [mail](mailto:a@b.example) "
        "[call](tel:+441234) <https://example.org> &amp; &copy;\n\n![diagram](diagram.png)\n\n"
        "| a | b |\n|:--|--:|\n| 1 | 2 |\n\n`<script>` in code is text\n\n"
        '```html\n<script>also text</script>\n```\n\n!!! note "Careful"\n    Body.\n'
        '\n{{ block("about") }}\n'
    )
    assert check_markdown(page, "docs/en/p.md") == []


@pytest.mark.parametrize(
    ("front", "message", "line"),
    [
        ("---\ntemplate: ../../evil.html\n---\n", "key 'template' is not allowed", 2),
        ("---\ntitle: x\nhide: [navigation]\n---\n", "key 'hide' is not allowed", 3),
        ("---\ntitle: [1, 2]\n---\n", "values must be text", 2),
        ("---\ntitle: !!python/object/apply:os.system [ls]\n---\n", "not valid YAML", 2),
        ("---\ntitle: a\ntitle: b\n---\n", "duplicate key 'title'", 3),
        ("---\ntitle: '{{ config.site_dir }}'\n---\n", "template code is not allowed", 2),
        ("template: evil.html\n\n", "metadata 'template'", 1),
    ],
)
def test_front_matter_only_known_keys(front: str, message: str, line: int) -> None:
    (problem,) = check_front_matter(front + "# Title\n", "docs/es/index.md")
    assert message in problem.message and problem.line == line


def test_careleaf_check_names_file_line_and_construct_of_a_hostile_page(mini: Path) -> None:
    page = mini / "docs/en/safety.md"
    page.write_text(
        "---\ndescription: fine\nsearch: {exclude: true}\n---\n"
        + page.read_text(encoding="utf-8")
        + "\n<script>alert(1)</script>\n\n[x](javascript:alert(2))\n",
        encoding="utf-8",
    )
    lines = page.read_text(encoding="utf-8").splitlines()
    output = check(mini)
    assert "docs/en/safety.md:3: key search: front matter key 'search' is not allowed" in output
    script = lines.index("<script>alert(1)</script>") + 1
    assert f"docs/en/safety.md:{script}: raw HTML is not allowed" in output
    link = lines.index("[x](javascript:alert(2))") + 1
    assert f"docs/en/safety.md:{link}: link scheme 'javascript:'" in output


def test_a_page_that_is_not_utf8_or_too_large_is_refused(mini: Path) -> None:
    (mini / "docs/en/latin1.md").write_bytes("# Caf\xe9\n".encode("latin-1"))
    (mini / "docs/en/huge.md").write_text("# Big\n\n" + "word " * 60_000, encoding="utf-8")
    output = check(mini)
    assert "docs/en/latin1.md: is not UTF-8" in output
    assert "docs/en/huge.md: is larger than 256 KiB" in output


# docs/<lang>/ holds only pages and bounded images -------------------------------------------


def test_docs_folder_refuses_everything_but_pages_and_images(mini: Path, tmp_path: Path) -> None:
    docs = mini / "docs/en"
    (docs / "print.css").write_text("@import url(https://evil.example/x.css);\n")
    (docs / "extra.html").write_text("<script>alert(1)</script>\n")
    (docs / "fake.png").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (docs / "huge.png").write_bytes(png(12000, 12000))
    (docs / "evil.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        "<script>alert(1)</script></svg>"
    )
    (docs / ".hidden.md").write_text("# Hidden\n")
    (docs / 'x" onmouseover="alert(1).md').write_text("# Quote\n")
    (docs / "পাতা-১.md").write_text("# পাতা\n")
    outside = tmp_path / "secret.md"
    outside.write_text("# Secret\n")
    (docs / "linked.md").symlink_to(outside)
    (mini / "docs/es").symlink_to(tmp_path)
    edit(
        mini / "careleaf.yml",
        "  en:\n    name: English\n",
        "  en:\n    name: English\n  es:\n    name: Español\n",
    )
    (mini / "content/es").mkdir()
    Image.new("RGB", (20, 10)).save(docs / "fine.png")
    output = check(mini)
    assert "docs/en/print.css: refused: docs/ holds only pages (.md) and images" in output
    assert "docs/en/extra.html: refused" in output
    assert "docs/en/fake.png: refused" in output and "not a readable PNG" in output
    assert "docs/en/huge.png: refused" in output and "limit of 4096 pixels" in output
    assert "docs/en/evil.svg: refused" in output and "<script>" in output
    assert "docs/en/.hidden.md: file names may not hold a leading dot" in output
    assert 'onmouseover="alert(1).md: file names may not hold U+0022 (quotation mark)' in output
    assert "পাতা-১.md" not in output
    assert "docs/en/linked.md: links are not allowed" in output
    assert "docs/es/: links are not allowed" in output
    assert "fine.png" not in output and "Secret" not in output


# YAML files ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("title: a\nbody: bell \x07 here\n", "U+0007", 2),
        ('title: a\nbody: "escaped \\a bell"\n', "U+0007", 2),
        ("title: a\nbody: b\u202eevil\n", "U+202E", 2),
        ("title: a\nbody: b\u2066x\u2069\n", "U+2066", 2),
        ("title: a\n\nbody: b\ufffe\n", "U+FFFE", 3),
        ("title: a\nbody: " + "[" * 3000 + "]" * 3000 + "\n", "nesting deeper than 20", 2),
        ("a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n", "aliases", 2),
        ("title: !!python/object/apply:os.system [ls]\n", "not valid YAML", 1),
        ("title: a\n  bad: indentation\n", "not valid YAML", 2),
    ],
)
def test_hostile_yaml_is_a_message_with_its_line(text: str, message: str, line: int) -> None:
    problems: list = []
    parse_yaml(text, "content/es/x.yml", problems)
    assert problems and message in problems[0].message and problems[0].line == line


def test_hostile_yaml_through_the_cli_is_a_message_not_a_traceback(mini: Path) -> None:
    (mini / "content/en/about.yml").write_bytes(b"title: About\nbody: bell \x07\n")
    deep = "".join(" " * depth + f"k{depth}:\n" for depth in range(500)) + " " * 500 + "x\n"
    (mini / "handouts/sheet.yml").write_text(deep, encoding="utf-8")
    output = check(mini)
    assert "content/en/about.yml:2: key body: U+0007 (control character) is not allowed" in output
    assert "handouts/sheet.yml:20: is not valid YAML: nesting deeper than 20 levels" in output


def test_invisible_text_and_extra_ids_in_a_translation_are_refused(mini: Path) -> None:
    edit(
        mini / "careleaf.yml",
        "  en:\n    name: English\n",
        "  en:\n    name: English\n  es:\n    name: Español\n",
    )
    (mini / "content/es").mkdir()
    (mini / "docs/es").mkdir()
    (mini / "content/es/side-effects.yml").write_text(
        "title: Efectos\nitems:\n"
        '  - id: bruising\n    source: {text: A small bruise}\n    text: "\\u200b\\u00a0"\n'
        "  - id: made-up\n    source: {text: Nothing}\n    text: Inventado\n",
        encoding="utf-8",
    )
    output = check(mini)
    assert "content/es/side-effects.yml:5: key items[0].text: item 'bruising'" in output
    assert "no visible characters" in output
    (mini / "content/es/side-effects.yml").write_text(
        "title: Efectos\nitems:\n"
        "  - id: made-up\n    source: {text: Nothing}\n    text: Inventado\n",
        encoding="utf-8",
    )
    output = check(mini)
    assert "content/es/side-effects.yml:3: key items: item 'made-up': unknown id" in output


# Clinic profiles and logos ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("logo", "content", "message"),
    [
        ("logo.png", png(12000, 12000), "12000×12000 pixels, more than the limit of 2048"),
        ("logo.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not a readable PNG"),
        ("logo.svg", png(10, 10), "not a well-formed SVG"),
        ("logo.gif", b"GIF89a", "type '.gif' is not allowed"),
        ("logo.png", b"\x89PNG" + b"\0" * 600_000, "more than the limit of 512 KiB"),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9" onload="alert(1)"/>',
            "onload",
        ),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9">'
            b'<foreignObject><p xmlns="http://www.w3.org/1999/xhtml">x</p></foreignObject></svg>',
            "<foreignObject>",
        ),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            b'width="9" height="9"><path xlink:href="https://evil.example/x.svg#a"/></svg>',
            "href",
        ),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9">'
            b'<g id="a"/><use href="#a"/></svg>',
            "<use>",
        ),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9">'
            + b"<g/>" * 6000
            + b"</svg>",
            "at most 5000 elements",
        ),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9">'
            b'<rect fill="url(https://evil.example/p)" width="9" height="9"/></svg>',
            "fill",
        ),
        (
            "logo.svg",
            b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9">&x;</svg>',
            "DOCTYPE or entities",
        ),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" width="100000" height="9"/>',
            "more than the limit of 2048",
        ),
    ],
)
def test_a_hostile_logo_is_refused_naming_the_field_and_limit(
    mini: Path, logo: str, content: bytes, message: str
) -> None:
    (mini / "clinics/demo" / logo).write_bytes(content)
    edit(mini / "clinics/demo/clinic.yml", "logo: logo.svg", f"logo: {logo}")
    output = check(mini)
    assert "clinics/demo/clinic.yml:2: key logo: item 'demo': the logo" in output
    assert message in output


def test_the_sample_logos_pass_and_a_real_png_is_measured(tmp_path: Path) -> None:
    limits = Limits(max_bytes=512 * 1024, max_side=2048, suffixes=frozenset({".svg", ".png"}))
    for logo in (REPO / "clinics").glob("*/logo.svg"):
        check_image(logo, limits)
    Image.new("RGB", (300, 100)).save(tmp_path / "ok.png")
    check_image(tmp_path / "ok.png", limits)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", '"Riverside \\u202e Physio"', "U+202E"),
        ("phone", '"+44 \\x1b[2J 20"', "U+001B"),
        ("address", '"12 Mill Lane\\nRiverside"', "must be one line"),
    ],
)
def test_short_profile_fields_refuse_control_and_bidi(mini: Path, field, value, message) -> None:
    profile = mini / "clinics/demo/clinic.yml"
    lines = profile.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines, 1) if line.startswith(f"{field}:"))
    lines[number - 1] = f"{field}: {value}"
    profile.write_text("\n".join(lines) + "\n", encoding="utf-8")
    output = check(mini)
    assert f"clinics/demo/clinic.yml:{number}" in output and message in output


def test_hostile_text_is_inert_everywhere_it_is_printed(mini: Path) -> None:
    name = 'Riverside <script>alert(1)</script> Smith & Jones "Q" </title>'
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    edit(mini / "clinics/demo/clinic.yml", "name: Demo Clinic", f'name: "{quoted}"')
    edit(mini / "clinics/demo/clinic.yml", "address: 1 Test Street", 'address: "<img src=x> 1 St"')
    home = mini / "docs/en/index.md"
    home.write_text(
        "---\ntitle: 'T </title><script>alert(2)</script> & co'\n"
        "description: '\"><script>alert(3)</script>'\n---\n\n" + home.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    edit(mini / "docs/en/safety.md", "# ", "# Safety `</title><script>alert(4)</script>` ")
    # Text that a page shows through careleaf: a notice (put in the composed page, which no
    # engine renders as a template) and a block title (rendered as a Markdown heading).
    edit(
        mini / "content/en/labels.yml",
        "text: This information is a draft. A clinician has not yet reviewed it.",
        'text: "Draft {{ 7*7 }} {{ config.site_dir }} {% raw %}"',
    )
    title = 'Side [click](javascript:alert(5)) ![x](https://t.example/p.png) {: onclick="a()" }'
    edit(mini / "content/en/side-effects.yml", "title: Side effects", f"title: '{title}'")
    # (Markup in an item's text, "<b>", is refused: tests/content/test_problems.py.)
    item = "A small bruise [x](javascript:alert(6)) {{ 7*7 }} 1 < 2"
    edit(mini / "content/en/side-effects.yml", "text: A small bruise", f"text: '{item}'")
    approve(mini)  # the protected English changed: re-approved, as after clinical review
    build_site(mini, "demo", mini / "site")
    site = mini / "site"
    for page in site.rglob("*.html"):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml")
        assert not [s for s in soup.find_all("script") if "alert" in s.get_text()], page
        assert not soup.find("img", src="x"), page
        assert not [a for el in soup.find_all(True) for a in el.attrs if a.startswith("on")]
    soup = BeautifulSoup((site / "index.html").read_text(encoding="utf-8"), "lxml")
    assert soup.select_one(".md-header__topic").get_text(strip=True) == name
    assert soup.title.get_text() == f"T </title><script>alert(2)</script> & co - {name}"
    assert soup.find("meta", attrs={"name": "description"})["content"] == (
        '"><script>alert(3)</script>'
    )
    assert name in soup.select_one(".careleaf-contact").get_text()
    safety = BeautifulSoup((site / "safety/index.html").read_text(encoding="utf-8"), "lxml")
    assert "</title><script>alert(4)</script>" in safety.title.get_text()
    assert "Draft {{ 7*7 }} {{ config.site_dir }} {% raw %}" in safety.get_text()
    heading = safety.find("h2", string=lambda text: text and text.startswith("Side"))
    assert heading.get_text() == title and not heading.find(True)
    assert not safety.select('a[href^="javascript"], img[src^="https"]')
    assert safety.select_one('[data-protected="side-effects/bruising/text"]').get_text() == item
    metadata = pypdf.PdfReader(site / "handouts/sheet.pdf").metadata
    assert metadata["/Author"] == name and name in metadata["/Title"]


# Configuration ------------------------------------------------------------------------------


class _ConfigLoader(yaml.SafeLoader):
    """A plain safe loader that knows MkDocs' !ENV tag and nothing else."""


_ConfigLoader.add_constructor("!ENV", lambda loader, node: None)


@pytest.mark.parametrize(
    "config", [REPO / "mkdocs.yml", *sorted((REPO / "tests/projects").glob("*/mkdocs.yml"))]
)
def test_mkdocs_yml_needs_no_python_tag(config: Path) -> None:
    assert isinstance(yaml.load(config.read_text(encoding="utf-8"), _ConfigLoader), dict)


def test_a_python_tag_in_mkdocs_yml_is_refused_and_never_run(mini: Path) -> None:
    marker = mini / "pwned"
    with (mini / "mkdocs.yml").open("a") as config:
        config.write(f"extra_javascript: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(CareleafError) as caught:
        build_site(mini, "demo", mini / "site")
    assert "mkdocs.yml:" in str(caught.value) and "only plain YAML" in str(caught.value)
    assert "only plain YAML" in check(mini)
    assert not marker.exists() and not (mini / "site").exists()


def test_an_old_projects_macros_plugin_is_refused_with_what_to_do(mini: Path) -> None:
    edit(
        mini / "mkdocs.yml",
        "  - careleaf\n",
        "  - macros:\n      module_name: macros\n  - careleaf\n",
    )
    with pytest.raises(CareleafError, match="the macros plugin is no longer used"):
        build_site(mini, "demo", mini / "site")
    assert "remove its entry" in check(mini)
    assert not (mini / "site").exists()


def test_slugify_keeps_every_script_readable() -> None:
    assert slugify("কখন সঙ্গে সঙ্গে সাহায্য নেবেন") == "কখন-সঙ্গে-সঙ্গে-সাহায্য-নেবেন"
    assert slugify("متى تطلب المساعدة فوراً؟") == "متى-تطلب-المساعدة-فوراً"
    assert slugify("Who should NOT have it? (Pregnancy)") == "who-should-not-have-it-pregnancy"
    assert slugify("Côte d'Ivoire — ¿Qué?") == "côte-divoire-qué"


def test_bengali_heading_anchor_is_readable_in_the_built_site(engine_built) -> None:
    _, site = engine_built
    soup = BeautifulSoup((site / "bn/is-it-safe/index.html").read_text(encoding="utf-8"), "lxml")
    ids = [h["id"] for h in soup.select("h2[id], h3[id]")]
    assert ids and all(slugify(h.get_text()) == h["id"] for h in soup.select("h2[id]"))
    # Vowel signs and viramas survive (pymdownx's old slugify dropped them).
    assert any(ch in "".join(ids) for ch in "\u09cd\u09be\u09bf\u09c7")


# Fail closed --------------------------------------------------------------------------------

LATE_WARNING = """\
import logging

from mkdocs.plugins import event_priority


@event_priority({priority})
def on_post_build(config):
    logging.getLogger("mkdocs.hooks.late").warning("a warning at the very end of the build")
"""


def test_a_warning_at_the_very_end_leaves_the_old_site_byte_for_byte(mini: Path) -> None:
    site = mini / "site"
    build_site(mini, "demo", site)
    before = snapshot(site)
    edit(mini / "docs/en/safety.md", "# ", "# Changed ")
    (mini / "late_warning.py").write_text(LATE_WARNING.format(priority="-(10**9)"))
    with (mini / "mkdocs.yml").open("a") as config:
        config.write("hooks:\n  - late_warning.py\n")
    with pytest.raises(BuildError) as caught:
        build_site(mini, "demo", site)
    assert "1 warnings" in str(caught.value)
    assert snapshot(site) == before
    assert [p.name for p in mini.iterdir() if p.name.startswith(".site")] == []


def test_plain_mkdocs_build_publishes_nothing_after_a_warning(mini: Path) -> None:
    site = mini / "site"
    build_site(mini, "demo", site)
    before = snapshot(site)
    # Late in the build, though before careleaf's own last hook (see SECURITY.md).
    (mini / "late_warning.py").write_text(LATE_WARNING.format(priority="-999"))
    edit(mini / "mkdocs.yml", "strict: true", "strict: false")
    with (mini / "mkdocs.yml").open("a") as config:
        config.write("hooks:\n  - late_warning.py\n")
    result = subprocess.run(
        [BIN / "mkdocs", "build", "-q"], cwd=mini, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "not published (1 warnings)" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(site) == before


def test_a_published_language_without_pages_falls_back_with_a_notice(mini: Path) -> None:
    edit(
        mini / "careleaf.yml",
        "  en:\n    name: English\n",
        "  en:\n    name: English\n  es:\n    name: Español\n",
    )
    (mini / "content/es").mkdir()
    build_site(mini, "demo", mini / "site", BuildOptions(allow_stale=True))
    page = BeautifulSoup((mini / "site/es/safety/index.html").read_text(), "lxml")
    assert page.html["lang"] == "es"
    notice = load_library(mini).label("es", "fallback-page")
    assert notice in page.select_one(".admonition.note").get_text()


# Offline and reproducible -------------------------------------------------------------------


def _offline() -> bool:
    return shutil.which("unshare") is not None and (
        subprocess.run(["unshare", "-rn", "true"], capture_output=True, check=False).returncode == 0
    )


@pytest.mark.skipif(not _offline(), reason="unshare -rn (a network namespace) is not permitted")
def test_two_offline_builds_are_byte_identical(mini: Path) -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000", "NO_MKDOCS_2_WARNING": "1"}
    for out in ("one", "two"):
        result = subprocess.run(
            ["unshare", "-rn", BIN / "careleaf", "build", "--site-dir", out],
            cwd=mini,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
    one, two = snapshot(mini / "one"), snapshot(mini / "two")
    assert one == two and len(one) > 10


def test_a_build_opens_no_socket(mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The in-process counterpart of the unshare test, for machines that do not permit it."""
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError(f"the build opened a network connection: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    build_site(mini, "demo", mini / "site")
    assert (mini / "site/index.html").is_file()
