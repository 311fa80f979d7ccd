"""Search in every language, in Chromium, by typing into the search box: a word from a safety
item finds the safety page, typed as people type on a phone (no accents, no Arabic vowel
marks, a Bengali vowel sign as two code points), and in any script (Bengali, Arabic)."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator

import pytest
from bs4 import BeautifulSoup
from conftest import serve
from playwright.sync_api import Browser, Page
from search_box import found

from careleaf.content.load import load_library

SAFETY_BLOCKS = ("side-effects", "contraindications")


@pytest.fixture
def tab(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def longest_words(library, lang: str) -> list[str]:  # noqa: ANN001 (a Library)
    """The longest word of each protected item the safety page shows in ``lang``."""
    words = []
    for block_id in SAFETY_BLOCKS:
        for item in library.content[library.source_language][block_id].items:
            shown = library.translated_item(lang, block_id, item.id) or item
            cleaned = "".join(
                c if c.isalnum() or unicodedata.category(c)[0] == "M" else " " for c in shown.text
            )
            words.append(max(cleaned.split(), key=len))
    return words


def unaccented(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


@pytest.mark.parametrize(("lang", "root"), [("en", "/"), ("es", "/es/"), ("bn", "/bn/")])
def test_a_word_of_each_safety_item_finds_the_safety_page(
    tab: Page, engine_site, lang: str, root: str
) -> None:
    site_url, project, _ = engine_site
    library = load_library(project)
    tab.goto(f"{site_url}{root}")
    for word in longest_words(library, lang):
        paths = found(tab, word)
        assert f"{root}is-it-safe/" in paths, (word, paths)
        assert all(path.startswith(root) for path in paths), (word, paths)
        if lang == "es" and unaccented(word) != word:
            assert f"{root}is-it-safe/" in found(tab, unaccented(word)), unaccented(word)
        if lang == "bn" and unicodedata.normalize("NFD", word) != word:
            # A vowel sign typed as its two parts (as some keyboards write it).
            assert f"{root}is-it-safe/" in found(tab, unicodedata.normalize("NFD", word))


@pytest.mark.parametrize(
    "term",
    [
        "সুই",  # needle: a word with a vowel sign
        "নিউমোথোরাক্স",  # in brackets on the page: "(নিউমোথোরাক্স)"
        "কালশিটে",  # bruising
    ],
)
def test_bengali_words_find_the_safety_page_and_only_pages_that_hold_them(
    tab: Page, engine_url: str, engine_built, term: str
) -> None:
    site = engine_built[1]
    tab.goto(f"{engine_url}/bn/")
    paths = found(tab, term)
    assert "/bn/is-it-safe/" in paths
    for path in paths:
        text = (site / path.lstrip("/") / "index.html").read_text(encoding="utf-8")
        assert term in text, path


def test_spanish_search_without_accents_finds_the_accented_word(tab: Page, engine_url: str) -> None:
    tab.goto(f"{engine_url}/es/")
    with_accent = found(tab, "neumotórax")
    assert "/es/is-it-safe/" in with_accent
    assert found(tab, "neumotorax") == with_accent
    assert found(tab, "NEUMOTORAX") == with_accent


@pytest.mark.parametrize(
    "term",
    [
        "استرواح",  # in brackets on the page: "(استرواح الصدر)"
        "الاثار",  # the title's "الآثار", typed without the madda
        "انت",  # "أنتِ", typed without hamza and kasra
        "حاملاً",  # "حاملًا", typed with another tanween placement
    ],
)
def test_arabic_search_finds_the_page_as_people_type(
    browser: Browser, arabic_engine_built, term: str
) -> None:
    url, server = serve(arabic_engine_built[1])
    page = browser.new_page()
    try:
        page.goto(f"{url}/")
        assert "/" in found(page, term)
    finally:
        page.close()
        server.shutdown()
        server.server_close()


def test_a_word_from_no_page_finds_nothing(tab: Page, engine_url: str) -> None:
    tab.goto(f"{engine_url}/es/")
    assert found(tab, "zzqxj") == set()


# MkDocs only: careleaf's search worker wraps Material's (`careleaf.site.search`); Zensical's
# search is its own, and careleaf sets only its language and separator.
def test_every_page_runs_careleafs_worker_a_file_of_the_site(real_site) -> None:
    site = real_site[1]
    pages = [*site.rglob("index.html"), *site.rglob("404.html")]
    assert len(pages) > 20
    for html in pages:
        config = json.loads(
            BeautifulSoup(html.read_text("utf-8"), "html.parser").select_one("#__config").string
        )
        address = config["search"]  # the 404 pages' addresses are absolute
        worker = site / address.lstrip("/") if address.startswith("/") else html.parent / address
        assert worker.name == "careleaf-search.js" and worker.is_file(), html
        material = re.search(r'const MATERIAL_WORKER = "([^"]+)"', worker.read_text("utf-8"))
        assert material and (worker.parent / material[1]).is_file(), html
