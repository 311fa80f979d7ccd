"""The real site, read back (issue 28): the urgent notice on the home page and on every page
that carries side effects, every phone number a tel: link, the two screening lists, and
each safety block's sources."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import CONTRAINDICATIONS, PRECAUTIONS

from careleaf.content.load import load_library

LANGS = ("en", "es", "bn")


def page(site: Path, lang: str, path: str) -> BeautifulSoup:
    folder = site if lang == "en" else site / lang
    html = (folder / path).read_text(encoding="utf-8")
    return BeautifulSoup(html, "html.parser")


def pages(site: Path) -> list[Path]:
    """Every HTML page of every language (the search index and assets aside)."""
    return sorted(p for p in site.rglob("*.html") if "assets" not in p.parts)


def ascii_digits(text: str) -> str:
    """Every decimal digit of a text, in any script (৯ is 9), as an ASCII digit."""
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


def digits(text: str) -> str:
    return re.sub(r"\D", "", ascii_digits(text))


@pytest.mark.parametrize("lang", LANGS)
def test_the_home_page_carries_the_urgent_notice(engine_built, lang: str) -> None:
    _, site = engine_built
    home = page(site, lang, "index.html")
    emergency = home.select_one('[data-protected="urgent-help/emergency"]')
    assert emergency is not None and "999" in ascii_digits(emergency.get_text())
    assert home.select('[data-protected^="urgent-help/"][data-protected$="/text"]')


def test_every_page_with_side_effects_has_the_urgent_notice(engine_built) -> None:
    _, site = engine_built
    carrying = [
        p for p in pages(site) if 'data-block="side-effects"' in p.read_text(encoding="utf-8")
    ]
    assert len(carrying) >= len(LANGS)  # is-it-safe in each language, at least
    for path in carrying:
        text = path.read_text(encoding="utf-8")
        assert 'data-protected="urgent-help/emergency"' in text, path


def test_every_phone_number_is_a_tel_link(engine_built) -> None:
    project, site = engine_built
    clinic = load_library(project).clinics["example"]
    numbers = {digits(clinic.phone), clinic.emergency_number}
    found = 0
    for path in pages(site):
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        for node in soup.find_all(string=True):
            if node.parent.name in ("script", "style") or not digits(node):
                continue
            for number in numbers:
                # The number on its own (not part of a longer figure such as 1 in 1,100,000).
                text = digits_kept(ascii_digits(node))
                spaced = re.search(rf"(?<![\d,]){re.escape(number)}(?![\d,])", text)
                if spaced is None:
                    continue
                link = node.find_parent("a")
                assert link is not None and link["href"].startswith("tel:"), (path, str(node))
                assert digits(link["href"]) == number, (path, link["href"])
                found += 1
    assert found >= 2 * len(LANGS)  # the footer's phone and the emergency number, at least


def digits_kept(text: str) -> str:
    """A text with the spaces between digits dropped, so that a phone number written with
    spaces ("+44 20 7946 0123") is found by its digits."""
    return re.sub(r"(?<=\d) (?=\d)", "", text)


def test_bengali_writes_the_emergency_number_in_its_own_digits(engine_built) -> None:
    _, site = engine_built
    emergency = page(site, "bn", "index.html").select_one(
        '[data-protected="urgent-help/emergency"]'
    )
    link = emergency.select_one('a[href="tel:999"]')
    assert link is not None and link.get_text() == "৯৯৯"
    assert "999" not in emergency.get_text()


@pytest.mark.parametrize("lang", LANGS)
def test_the_safety_page_has_both_screening_lists(engine_built, lang: str) -> None:
    _, site = engine_built
    safety = page(site, lang, "is-it-safe/index.html")
    for block, ids in (("contraindications", CONTRAINDICATIONS), ("precautions", PRECAUTIONS)):
        section = safety.select_one(f'[data-block="{block}"]')
        assert section is not None, block
        shown = {
            element["data-protected"].split("/")[1]
            for element in section.select("[data-protected$='/text']")
        }
        assert shown == set(ids), block


def test_the_safety_blocks_show_their_sources(engine_built) -> None:
    _, site = engine_built
    safety = page(site, "en", "is-it-safe/index.html")
    sources = safety.select_one('[data-block="side-effects"] .careleaf-references')
    assert sources is not None
    text = sources.get_text(" ")
    assert "Boyce" in text and "Brady" in text and "PMC5733642" in text
