"""Navigation on a real host, in Chromium: every page of every language browsed and switched
to another language, and the 404 pages at missing addresses, without one request that
answers an error or goes to another host; robots.txt and the sitemaps read back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from conftest import HostLike, search_index, serve
from playwright.sync_api import Browser, Page

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
SITE = "https://riverside-physio.example/"  # clinics/example/clinic.yml: website
LANGS = {"en": "/", "es": "/es/", "bn": "/bn/"}


@pytest.fixture(scope="module")
def host(engine_built) -> Iterator[str]:
    """The real site (each engine's), served as a host serves it: a missing address gets the
    404 page."""
    url, server = serve(engine_built[1], HostLike)
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture
def tab(browser: Browser) -> Iterator[Page]:
    """A page that records every request that failed or answered 400 or more."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on(
        "response",
        lambda r: r.status >= 400 and page.errors.append(f"{r.status} {r.url}"),  # type: ignore
    )
    page.on("requestfailed", lambda r: page.errors.append(f"failed {r.url}"))  # type: ignore
    yield page
    context.close()


def switch(page: Page, lang: str) -> str:
    """Choose ``lang`` in the language switcher; the address it leads to, which must answer
    at once (no redirect, as a missing trailing slash would need)."""
    page.hover(".md-header__option .md-select")
    with page.expect_navigation() as navigation:
        page.click(f'a.careleaf-alternate[hreflang="{lang}"]')
    response = navigation.value
    assert response is not None and response.status == 200, page.url
    assert response.request.redirected_from is None, page.url
    page.wait_for_load_state("networkidle")
    return urlsplit(page.url).path


def test_browsing_every_page_and_switching_language_asks_for_nothing_missing(
    tab: Page, host: str, engine_built
) -> None:
    site = engine_built[1]
    english = sorted(
        f"/{html.parent.relative_to(site).as_posix()}/".replace("/./", "/")
        for html in site.rglob("index.html")
        if html.relative_to(site).parts[0] not in ("es", "bn")
    )
    assert "/is-it-safe/" in english and "/editors/" in english
    for path in english:
        tab.goto(f"{host}{path}")
        tab.wait_for_load_state("networkidle")
        # Each page in each language, through the switcher, and back to English. The
        # editors' page is in English only: it leads to the other languages' home pages.
        here = "" if path == "/editors/" else path.removeprefix("/")
        for lang in ("es", "bn", "en"):
            assert switch(tab, lang) == LANGS[lang] + here, (path, lang)
    assert tab.errors == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("lang", LANGS)
def test_404_page_at_a_missing_address_leads_to_each_language(
    tab: Page, host: str, lang: str
) -> None:
    missing = f"{host}{LANGS[lang]}no/such/page/"
    response = tab.goto(missing)
    assert response is not None and response.status == 404
    tab.wait_for_load_state("networkidle")
    assert tab.get_attribute("html", "lang") == lang
    # The page's own links (the safety page, the home page) resolve from any address.
    for href in tab.eval_on_selector_all(
        ".careleaf-not-found-links a", "els => els.map(e => e.href)"
    ):
        assert tab.request.get(href).status == 200, href
    assert tab.errors == [f"404 {missing}"]  # type: ignore[attr-defined]
    for other, root in LANGS.items():
        tab.goto(missing)
        assert switch(tab, other) == root
        assert tab.get_attribute("html", "lang") == other
    assert set(tab.errors) == {f"404 {missing}"}  # type: ignore[attr-defined]


def test_404_check_can_fail(tab: Page, host: str) -> None:
    tab.goto(f"{host}/es/no/such/page/")
    tab.errors.clear()  # type: ignore[attr-defined]
    # The old fault: a link relative to the language's root, resolved from a deeper address.
    tab.eval_on_selector(
        'a.careleaf-alternate[hreflang="bn"]', "a => a.setAttribute('href', '/es//../bn/')"
    )
    tab.hover(".md-header__option .md-select")
    tab.click('a.careleaf-alternate[hreflang="bn"]')
    tab.wait_for_load_state("networkidle")
    assert urlsplit(tab.url).path == "/es/bn/"
    assert tab.errors == [f"404 {host}/es/bn/"]  # type: ignore[attr-defined]


def read_xml(path: Path) -> ElementTree.Element:
    return ElementTree.parse(path).getroot()


def test_robots_txt_names_the_sitemap_index_which_names_each_languages_sitemap(
    engine_built,
) -> None:
    site = engine_built[1]
    robots = (site / "robots.txt").read_text(encoding="utf-8").splitlines()
    assert "User-agent: *" in robots and "Disallow:" in robots
    assert f"Sitemap: {SITE}sitemap-index.xml" in robots
    index = read_xml(site / "sitemap-index.xml")
    assert index.tag == f"{SITEMAP}sitemapindex"
    listed = [loc.text for loc in index.iter(f"{SITEMAP}loc")]
    assert listed == [f"{SITE}{root.lstrip('/')}sitemap.xml" for root in LANGS.values()]
    for root in LANGS.values():
        assert read_xml(site / root.lstrip("/") / "sitemap.xml").tag == f"{SITEMAP}urlset"


def test_internal_pages_are_kept_out_of_sitemaps_search_and_search_engines(
    engine_built,
) -> None:
    site = engine_built[1]
    for root in LANGS.values():
        folder = site / root.lstrip("/")
        text = (folder / "sitemap.xml").read_text(encoding="utf-8")
        assert "editors/" not in text
        assert not any(doc["location"].startswith("editors") for doc in search_index(folder)[1])
    page = (site / "editors" / "index.html").read_text(encoding="utf-8")
    assert '<meta name="robots" content="noindex">' in page
    home = (site / "index.html").read_text(encoding="utf-8")
    assert '<meta name="robots"' not in home  # a public page is indexed
