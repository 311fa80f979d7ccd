"""What a clinic's site needs on the web, read back from the built site: hreflang alternates,
meta descriptions, the localised 404 page, the editors' page, print, urgent notice, handout
cards, the clinic name on a phone and the logo on the header."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree

import pytest
from bs4 import BeautifulSoup
from conftest import ENGINES, serve
from playwright.sync_api import Browser, Page

from careleaf.content.load import load_library
from careleaf.options import BuildOptions
from careleaf.render.compose import description
from careleaf.site.engine import build_site

LANGS = ("en", "es", "bn")
SITE = "https://riverside-physio.example/"


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def pages(site: Path) -> dict[str, list[str]]:
    """Each language's page addresses relative to its root ("" for the home page)."""
    found: dict[str, list[str]] = {lang: [] for lang in LANGS}
    for html in sorted(site.rglob("index.html")):
        parts = html.parent.relative_to(site).parts
        lang, parts = (parts[0], parts[1:]) if parts and parts[0] in LANGS else ("en", parts)
        found[lang].append("".join(f"{part}/" for part in parts))
    return found


def page_file(site: Path, lang: str, url: str) -> Path:
    return (site if lang == "en" else site / lang) / url / "index.html"


SITEMAP = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}


def sitemap(site: Path, lang: str) -> dict[str, dict[str, str]]:
    """A language's sitemap: each address listed, with its hreflang alternates."""
    root = ElementTree.parse((site if lang == "en" else site / lang) / "sitemap.xml").getroot()
    return {
        url.findtext("s:loc", namespaces=SITEMAP): {
            link.get("hreflang"): link.get("href")
            for link in url.findall("x:link[@rel='alternate']", SITEMAP)
        }
        for url in root.findall("s:url", SITEMAP)
    }


def test_hreflang_links_point_to_the_same_page_in_each_language(engine_built) -> None:
    site = engine_built[1]
    addresses = pages(site)
    assert "is-it-safe/" in addresses["es"] and "" in addresses["bn"]
    for lang in LANGS:
        listed = sitemap(site, lang)
        root = SITE if lang == "en" else f"{SITE}{lang}/"
        expected = {
            f"{root}{url}": {
                "en": f"{SITE}{url}",
                "es": f"{SITE}es/{url}",
                "bn": f"{SITE}bn/{url}",
                "x-default": f"{SITE}{url}",
            }
            for url in addresses[lang]
            if url != "editors/"  # internal: in no sitemap
        }
        assert listed == expected, lang
        for url in addresses[lang]:
            # Not in the page: Material's script asks each <link rel="alternate"> address
            # for a sitemap.xml below it, which does not exist.
            assert not soup(page_file(site, lang, url)).select('link[rel="alternate"]')


# The check's own proof: one engine's sitemap is enough.
def test_hreflang_check_can_fail(real_site) -> None:
    listed = sitemap(real_site[1], "es")
    listed[f"{SITE}es/is-it-safe/"]["bn"] = f"{SITE}bn/"  # the old fault: the home page
    assert listed[f"{SITE}es/is-it-safe/"]["bn"] != f"{SITE}bn/is-it-safe/"


def test_every_page_has_its_own_meta_description(engine_built) -> None:
    site = engine_built[1]
    seen: dict[str, str] = {}
    for html_file in sorted(site.rglob("index.html")):
        meta = soup(html_file).select_one('meta[name="description"]')
        assert meta is not None and 20 <= len(meta["content"]) <= 160, html_file
        assert meta["content"] not in seen, (html_file, seen.get(meta["content"]))
        seen[meta["content"]] = str(html_file)
    spanish = soup(page_file(site, "es", "is-it-safe/")).select_one('meta[name="description"]')
    assert spanish["content"].startswith("Todo tratamiento tiene algunos riesgos.")


def test_description_skips_notices_and_cuts_at_a_word() -> None:
    html = '<div class="admonition"><p>Draft.</p></div><p>' + "word " * 60 + "</p>"
    text = description(html)
    assert not text.startswith("Draft") and len(text) <= 160 and text.endswith("word…")


@pytest.mark.parametrize(
    ("lang", "title", "safety", "home"),
    [
        ("en", "Page not found", "/is-it-safe/", "/"),
        ("es", "Página no encontrada", "/es/is-it-safe/", "/es/"),
        ("bn", "পাতাটি পাওয়া যায়নি", "/bn/is-it-safe/", "/bn/"),
    ],
)
def test_404_page_is_localised_with_a_way_on(
    engine_built, lang: str, title: str, safety: str, home: str
) -> None:
    site = engine_built[1]
    html = soup((site if lang == "en" else site / lang) / "404.html")
    assert html.html["lang"] == lang
    assert html.select_one("article h1").get_text(strip=True) == title
    links = [a["href"] for a in html.select(".careleaf-not-found-links a")]
    assert links == [safety, home]
    assert "404 - Not found" not in html.get_text()


def test_editors_page_is_built_but_not_in_the_navigation(engine_built) -> None:
    project, site = engine_built
    library = load_library(project)
    html = soup(site / "editors" / "index.html")
    rows = html.select("table.careleaf-report tbody tr")
    languages = len(library.project.languages)
    english_pages = len(list((project / "docs/en").glob("*.md")))
    units = english_pages + len(library.handouts) + len(library.project.protected)
    assert len(rows) == languages * units  # every page, handout and protected block
    assert html.select_one(".careleaf-report-scroll")["tabindex"] == "0"
    home = soup(site / "index.html")
    assert not home.select('nav a[href$="editors/"]')
    # MkDocs' search index, or Zensical's.
    index_file = site / "search" / "search_index.json"
    index_file = index_file if index_file.is_file() else site / "search.json"
    index = index_file.read_text(encoding="utf-8")
    assert "Editors' report" not in index and "editors/" not in index


# In the browser: print, the urgent notice, the handout cards, the header on a phone.


@pytest.fixture
def tab(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def test_printed_page_keeps_clinic_contact_and_address(tab: Page, engine_url: str) -> None:
    tab.goto(f"{engine_url}/es/is-it-safe/")
    header = tab.locator(".careleaf-print-header")
    assert not header.is_visible()  # on screen the site's own header and footer say it
    tab.emulate_media(media="print")
    assert header.is_visible()
    text = header.inner_text()
    for expected in (
        "Riverside Physiotherapy",
        "+44 20 7946 0123",
        "hello@riverside-physio.example",
        "12 Mill Lane",
        f"{SITE}es/is-it-safe/",
    ):
        assert expected in text, expected
    assert not tab.locator(".md-footer").is_visible()  # Material hides it in print


def test_urgent_help_is_an_urgent_notice(tab: Page, engine_url: str) -> None:
    tab.goto(f"{engine_url}/is-it-safe/")
    style = """el => { const s = getComputedStyle(el);
        return [s.backgroundColor, s.borderLeftColor, s.borderLeftWidth]; }"""
    urgent = tab.locator('.careleaf-block[data-block="urgent-help"]').evaluate(style)
    ordinary = tab.locator('.careleaf-block[data-block="contraindications"]').evaluate(style)
    assert urgent[0] == "rgb(253, 236, 234)" and urgent[1] == "rgb(179, 38, 30)"
    assert urgent != ordinary
    heading = tab.locator("h2:has(+ .careleaf-block[data-block='urgent-help'])")
    assert heading.evaluate("el => getComputedStyle(el).color") == "rgb(140, 29, 24)"


@pytest.mark.parametrize("width", [360, 1280])
def test_handout_cards_are_aligned(browser: Browser, engine_url: str, width: int) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    tab = context.new_page()
    try:
        tab.goto(f"{engine_url}/handouts/")
        thumbs = [t.bounding_box() for t in tab.locator(".careleaf-thumb").all()]
        titles = [t.bounding_box() for t in tab.locator(".careleaf-handout h2").all()]
        assert len(thumbs) == 3 and all(thumbs) and all(titles)
        assert len({round(b["width"]) for b in thumbs}) == 1, thumbs
        assert len({round(b["x"]) for b in thumbs}) == 1, thumbs
        assert len({round(b["x"]) for b in titles}) == 1, titles
    finally:
        context.close()


@pytest.mark.parametrize("lang", LANGS)
def test_clinic_name_and_logo_fit_the_header_at_360px(
    browser: Browser, engine_url: str, lang: str
) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 700})
    tab = context.new_page()
    try:
        tab.goto(f"{engine_url}/{'' if lang == 'en' else lang + '/'}is-it-safe/")
        name = tab.locator(".md-header__topic:first-child .md-ellipsis")
        assert name.inner_text().replace("\n", " ") == "Riverside Physiotherapy"
        cut = name.evaluate("el => el.scrollWidth > el.clientWidth + 1")
        box, header = name.bounding_box(), tab.locator(".md-header").bounding_box()
        assert box and header and not cut
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360
        assert (
            header["y"] <= box["y"] and box["y"] + box["height"] <= header["y"] + header["height"]
        )
        logo = tab.locator(".md-header__button.md-logo img")
        assert logo.is_visible()
        plate = logo.evaluate("el => getComputedStyle(el).backgroundColor")
        assert plate == "rgb(255, 255, 255)"  # the logo sits on a white plate
    finally:
        context.close()


# The check's own proof: one engine's header is enough.
def test_cut_off_name_check_can_fail(browser: Browser, site_url: str) -> None:
    # The test adds a <style> element, which the page's Content-Security-Policy would block.
    context = browser.new_context(viewport={"width": 360, "height": 700}, bypass_csp=True)
    tab = context.new_page()
    try:
        tab.goto(f"{site_url}/is-it-safe/")
        # Material's own rule, put back: one line, cut with an ellipsis.
        tab.add_style_tag(
            content=".md-header__topic:first-child .md-ellipsis { white-space: nowrap !important;"
            " overflow: hidden !important; font-size: .9rem !important; }"
        )
        name = tab.locator(".md-header__topic:first-child .md-ellipsis")
        assert name.evaluate("el => el.scrollWidth > el.clientWidth + 1")
    finally:
        context.close()


WIDE_LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 256 64" width="256" height="64">'
    '<rect width="256" height="64" fill="#123456"/><circle cx="32" cy="32" r="24" fill="#fff"/>'
    "</svg>\n"
)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_wide_logo_keeps_its_aspect_ratio(browser: Browser, mini: Path, engine: str) -> None:
    (mini / "clinics/demo/logo.svg").write_text(WIDE_LOGO, encoding="utf-8")
    build_site(mini, "demo", mini / "site", BuildOptions(engine=engine))
    url, server = serve(mini / "site")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    tab = context.new_page()
    try:
        tab.goto(f"{url}/")
        size = tab.locator(".md-header__button.md-logo img").evaluate(
            """el => { const s = getComputedStyle(el);
              const inner = [parseFloat(s.paddingLeft) + parseFloat(s.paddingRight),
                             parseFloat(s.paddingTop) + parseFloat(s.paddingBottom)];
              return [el.clientWidth - inner[0], el.clientHeight - inner[1]]; }"""
        )
        assert size[0] / size[1] == pytest.approx(4, rel=0.05), size
    finally:
        context.close()
        server.shutdown()
        server.server_close()


def test_wide_logo_check_can_fail(browser: Browser) -> None:
    # The same measure reports a squashed logo when the width is forced.
    tab = browser.new_page()
    try:
        source = "data:image/svg+xml," + quote(WIDE_LOGO.strip())
        tab.set_content(f'<img style="width:40px;height:40px" src="{source}">')
        size = tab.locator("img").evaluate("el => [el.clientWidth, el.clientHeight]")
        assert size[0] / size[1] != pytest.approx(4, rel=0.05)
    finally:
        tab.close()


def test_bengali_anchor_keeps_vowel_signs_and_the_toc_links_it(engine_built) -> None:
    html = soup(page_file(engine_built[1], "bn", "is-it-safe/"))
    anchor = "কখন-সঙ্গে-সঙ্গে-সাহায্য-নেবেন"  # "when to get help right away"
    assert html.select_one(f'h2[id="{anchor}"]') is not None
    assert html.select_one(f'.md-nav--secondary a[href="#{anchor}"]') is not None
