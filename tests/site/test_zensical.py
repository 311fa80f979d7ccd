"""Zensical as the site engine: the same sites and the same proof as with MkDocs, from pages
careleaf composed; and a site an engine built on its own fails `careleaf verify`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from conftest import REPO, copy_project, edit

from careleaf.cli.main import main
from careleaf.content.load import load_library
from careleaf.errors import BuildError
from careleaf.options import BuildOptions
from careleaf.render.compose import page_url
from careleaf.site import zensical
from careleaf.site.engine import build_site
from careleaf.verify.verifier import verify

LANGS = {"en": "", "es": "es/", "bn": "bn/"}
XHTML = "http://www.w3.org/1999/xhtml"


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def protected(path: Path) -> set[str]:
    return {tag["data-protected"] for tag in soup(path).select("[data-protected]")}


@pytest.mark.parametrize("engine", ["mkdocs", "zensical"])
def test_the_mini_project_builds_and_verifies_with_each_engine(
    mini: Path, engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    # A page's own image reaches the site with it.
    shutil.copyfile(mini / "clinics" / "demo" / "logo.svg", mini / "docs" / "en" / "diagram.svg")
    with (mini / "docs" / "en" / "index.md").open("a", encoding="utf-8") as page:
        page.write("\n![A diagram](diagram.svg)\n")
    result = CliRunner().invoke(main, ["--project", str(mini), "build", "--engine", engine, "-q"])
    assert result.exit_code == 0, result.output
    report = verify(mini / "site", mini)
    assert report.ok, report
    library = load_library(mini)
    wanted = set(library.project.protected_keys("side-effects"))
    assert wanted and wanted <= protected(mini / "site" / "safety" / "index.html")
    # Zensical's own search index, MkDocs' lunr one.
    index = "search.json" if engine == "zensical" else "search/search_index.json"
    assert (mini / "site" / index).is_file()
    assert soup(mini / "site" / "index.html").select_one('img[alt="A diagram"]')["src"] == (
        "diagram.svg"
    )
    assert (mini / "site" / "diagram.svg").is_file()


def test_a_right_to_left_project_builds_and_verifies_with_zensical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    arabic = copy_project(REPO / "tests" / "projects" / "arabic", tmp_path / "arabic")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    build_site(arabic, "demo", arabic / "site", BuildOptions(engine="zensical"))
    assert verify(arabic / "site", arabic).ok
    page = soup(arabic / "site" / "index.html")
    assert page.html["lang"] == "ar" and page.body["dir"] == "rtl"


def test_every_protected_item_reaches_every_language(zensical_site) -> None:
    project, site = zensical_site
    library = load_library(project)
    # `careleaf verify site`, as a clinic runs it after `careleaf build --engine zensical`.
    result = CliRunner().invoke(main, ["--project", str(project), "verify", str(site)])
    assert result.exit_code == 0, result.output
    for page, blocks in library.project.placement.pages.items():
        wanted = {key for block in blocks for key in library.project.protected_keys(block)}
        for folder in LANGS.values():
            html = site / folder / page_url(page) / "index.html"
            assert wanted <= protected(html), html


def test_branding_footer_print_header_and_logo(zensical_site) -> None:
    project, site = zensical_site
    clinic = load_library(project).clinics["example"]
    for folder in LANGS.values():
        page = soup(site / folder / "is-it-safe" / "index.html")
        assert clinic.phone in page.select_one(".careleaf-contact").get_text()
        assert clinic.name in page.select_one(".careleaf-print-header").get_text()
        styles = [link["href"] for link in page.select('link[rel="stylesheet"]')]
        assert any(href.endswith("assets/careleaf/brand.css") for href in styles)
        assert any(href.endswith("assets/careleaf/site.css") for href in styles)
        logo = page.select_one(".md-logo img")["src"]
        assert (site / folder / "is-it-safe" / logo).resolve().is_file()
    brand = (site / "assets" / "careleaf" / "brand.css").read_text(encoding="utf-8")
    assert clinic.colors.primary in brand
    cards = soup(site / "es" / "handouts" / "index.html").select(".careleaf-handout")
    assert {card["data-handout"] for card in cards} == set(load_library(project).handouts)


def test_the_switcher_keeps_the_page_and_the_sitemaps_hold_hreflang(zensical_site) -> None:
    _, site = zensical_site
    page = soup(site / "es" / "is-it-safe" / "index.html")
    links = {a["hreflang"]: a["href"] for a in page.select("a.careleaf-alternate")}
    assert links == {
        "en": "../../is-it-safe/",
        "es": "../../es/is-it-safe/",
        "bn": "../../bn/is-it-safe/",
    }
    sitemap = ElementTree.parse(site / "bn" / "sitemap.xml").getroot()
    langs = {link.get("hreflang") for link in sitemap.iter(f"{{{XHTML}}}link")}
    assert langs == {"en", "es", "bn", "x-default"}
    # The editors' report is internal: no sitemap, no search engine.
    assert "editors" not in (site / "sitemap.xml").read_text(encoding="utf-8")
    assert soup(site / "editors" / "index.html").select_one('meta[name="robots"]')


def test_each_language_has_its_404_page(zensical_site) -> None:
    _, site = zensical_site
    library = load_library(zensical_site[0])
    for lang, folder in LANGS.items():
        page = soup(site / folder / "404.html")
        links = page.select(".careleaf-not-found-links a")
        assert library.label(lang, "not-found") in page.get_text()
        assert len(links) == 2 and links[0]["href"].endswith("is-it-safe/")


def test_the_spanish_search_index_holds_spanish_only(zensical_site) -> None:
    project, site = zensical_site
    library = load_library(project)
    index = json.loads((site / "es" / "search.json").read_text(encoding="utf-8"))
    assert index["config"]["lang"] == ["es"]
    text = " ".join(item["title"] + " " + item["text"] for item in index["items"])
    spanish = library.block("es", "side-effects").title
    english = library.block("en", "side-effects").title
    assert spanish in text and english not in text
    assert not any(item["location"].startswith("editors") for item in index["items"])


def test_zensical_run_on_its_own_gives_a_site_careleaf_verify_fails(mini: Path) -> None:
    # A clinic that follows Material's advice: `zensical build` on the project. (Zensical
    # ignores careleaf's plugin; careleaf's templates fail without careleaf's settings. What
    # it leaves in site/ is what a clinic would find there.) The verifier must fail, naming
    # the blocks.
    subprocess.run(
        [sys.executable, "-m", "zensical", "build", "-f", "mkdocs.yml"],
        cwd=mini,
        capture_output=True,
        check=False,
    )
    assert (mini / "site").is_dir()
    report = verify(mini / "site", mini, browser=False)
    assert not report.ok
    assert "not built by careleaf" in report.problems[0]
    assert "careleaf build" in report.problems[0]
    assert (
        "safety/index.html: missing the blocks contraindications, side-effects" in report.problems
    )
    result = CliRunner().invoke(main, ["--project", str(mini), "verify", str(mini / "site")])
    assert result.exit_code == 1, result.output


def test_zensical_never_runs_the_projects_python(mini: Path) -> None:
    # Python where Zensical's macros extension would look for it (an older project's
    # macros/, Zensical's default main.py): never imported.
    marker = mini / "ran"
    (mini / "macros").mkdir(exist_ok=True)
    for module in (mini / "macros" / "__init__.py", mini / "main.py"):
        module.write_text(f"open({str(marker)!r}, 'w').close()\n", encoding="utf-8")
    library = load_library(mini)
    config = zensical.zensical_config(library, "demo", "en", BuildOptions(), {})
    assert [list(plugin) for plugin in config["plugins"]] == [["search"]]
    assert not any("macros" in json.dumps(entry) for entry in config["markdown_extensions"])
    zensical.ZensicalEngine()("demo", "en", mini / "out", library, BuildOptions(), {})
    assert (mini / "out" / "safety" / "index.html").is_file()
    assert not marker.exists()


def test_an_unknown_engine_and_another_zensical_are_refused(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edit(mini / "careleaf.yml", "default_clinic: demo", "default_clinic: demo\nengine: hugo")
    with pytest.raises(BuildError, match="unknown site engine 'hugo'"):
        build_site(mini, "demo", mini / "site")
    monkeypatch.setattr(zensical, "version", lambda name: "0.1.4")
    assert "Zensical 0.1.4 is installed" in zensical.refusal("zensical")
    assert zensical.refusal("mkdocs") == ""
    assert not (mini / "site").exists()


def test_a_page_named_like_the_editors_report_is_refused(mini: Path) -> None:
    (mini / "docs" / "en" / "editors.md").write_text("# Mine\n", encoding="utf-8")
    with pytest.raises(BuildError, match="docs/en/editors.md: this name is kept"):
        build_site(mini, "demo", mini / "site", BuildOptions(engine="zensical"))
    assert not (mini / "site").exists()


def test_the_engine_is_part_of_the_build_options_key() -> None:
    assert BuildOptions().key() != BuildOptions(engine="zensical").key()


def test_the_pages_policy_allows_zensicals_own_inline_scripts(zensical_site) -> None:
    """The Content-Security-Policy of a Zensical site hashes the inline scripts of Zensical's
    own templates (`theme_templates(root, "zensical")`), which Material's do not write."""
    from careleaf import csp
    from careleaf.build.csp_pages import template_scripts, theme_styles, theme_templates
    from careleaf.verify.manifest import read_manifest

    project, site = zensical_site
    page = (site / "es" / "is-it-safe" / "index.html").read_text(encoding="utf-8")
    assert 'http-equiv="Content-Security-Policy"' in page
    assert "Content-Security-Policy:" in (site / "_headers").read_text(encoding="utf-8")
    scripts = [
        script.string
        for script in BeautifulSoup(page, "html.parser").find_all("script")
        if not script.get("src") and script.get("type") != "application/json" and script.string
    ]
    assert scripts
    zensical_shapes = template_scripts(theme_templates(project, "zensical"))
    material_shapes = template_scripts(theme_templates(project))
    for body in scripts:
        assert any(shape.fullmatch(body) for shape in zensical_shapes), body[:60]
    assert not all(any(shape.fullmatch(b) for shape in material_shapes) for b in scripts)
    # The stylesheet Zensical's script puts into its search dialog is allowed by its hash
    # (else blocked: an unstyled dialog, and a violation on every page).
    inserted = theme_styles("zensical")
    assert inserted and theme_styles() == []
    policy = csp.directives(read_manifest(site)["csp"])
    assert all(csp.source_hash(style) in policy["style-src"] for style in inserted)


def test_blocks_are_rendered_for_the_website_with_either_engine(zensical_site, real_site) -> None:
    """facts28 in the core's composition: the emergency number a tel: link and each safety
    block's sources after it, on both engines' pages."""
    for _, site in (zensical_site, real_site):
        page = soup(site / "is-it-safe" / "index.html")
        assert page.select('a.careleaf-tel[href^="tel:"]'), site
        assert page.select(".careleaf-references"), site
        assert page.select_one('.careleaf-contact a[href^="tel:"]'), site
