"""The built site in a real browser (Debian's Chromium via Playwright): switcher, search, RTL,
and not one request to another host."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from conftest import serve
from playwright.sync_api import Browser, Page
from search_box import found


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    page = browser.new_page()
    page.requests = []  # type: ignore[attr-defined]
    page.on("request", lambda request: page.requests.append(request.url))  # type: ignore
    yield page
    hosts = {urlsplit(url).hostname for url in page.requests}  # type: ignore[attr-defined]
    page.close()
    # Not even the clinic's own public site: a page asks only the host that serves it.
    assert hosts == {"127.0.0.1"}, f"requests to another host: {hosts}"


def test_switcher_keeps_the_page(page: Page, engine_url: str) -> None:
    page.goto(f"{engine_url}/es/is-it-safe/")
    page.hover(".md-header__option .md-select")
    page.click('a.careleaf-alternate[hreflang="bn"]')
    page.wait_for_url(f"{engine_url}/bn/is-it-safe/")
    assert page.get_attribute("html", "lang") == "bn"
    page.hover(".md-header__option .md-select")
    page.click('a.careleaf-alternate[hreflang="en"]')
    page.wait_for_url(f"{engine_url}/is-it-safe/")
    assert page.get_attribute("html", "lang") == "en"


def test_spanish_search_finds_the_spanish_safety_page_only(page: Page, engine_url: str) -> None:
    page.goto(f"{engine_url}/es/")
    paths = found(page, "neumotórax")
    assert "/es/is-it-safe/" in paths
    assert all(path.startswith("/es/") for path in paths), paths


def test_bengali_search_finds_the_bengali_page(page: Page, engine_url: str) -> None:
    page.goto(f"{engine_url}/bn/")
    paths = found(page, "নিউমোথোরাক্স")
    assert "/bn/is-it-safe/" in paths
    assert all(path.startswith("/bn/") for path in paths), paths


def test_english_search_stays_in_english(page: Page, engine_url: str) -> None:
    page.goto(f"{engine_url}/")
    paths = found(page, "pneumothorax")
    assert "/is-it-safe/" in paths
    assert not any(path.startswith(("/es/", "/bn/")) for path in paths), paths


def test_every_page_loads_only_from_this_site(page: Page, engine_url: str, engine_built) -> None:
    site = engine_built[1]
    for html in sorted(site.rglob("index.html")):
        page.goto(f"{engine_url}/{html.parent.relative_to(site).as_posix()}/".replace("/./", "/"))
        page.wait_for_load_state("networkidle")


def test_arabic_page_lays_out_right_to_left(browser: Browser, arabic_engine_built) -> None:
    url, server = serve(arabic_engine_built[1])
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(f"{url}/")
        assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
        content = page.locator("article.md-content__inner").bounding_box()
        title = page.locator('[data-protected="side-effects/bruising/text"]').bounding_box()
        # Right to left: the item starts at the right edge of the content column.
        assert content and title
        right_gap = content["x"] + content["width"] - (title["x"] + title["width"])
        left_gap = title["x"] - content["x"]
        assert right_gap < left_gap, (content, title)
    finally:
        page.close()
        server.shutdown()
        server.server_close()
