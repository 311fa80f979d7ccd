"""robots.txt and the sitemap index, from the project's languages and the clinic's address."""

from __future__ import annotations

from xml.etree import ElementTree

from conftest import REPO

from careleaf.content.load import load_library
from careleaf.site.crawlers import SITEMAP_INDEX, crawler_files

LOC = "{http://www.sitemaps.org/schemas/sitemap/0.9}loc"


def sitemaps(text: str) -> list[str | None]:
    return [loc.text for loc in ElementTree.fromstring(text).iter(LOC)]


def test_the_index_names_each_published_languages_sitemap_and_robots_names_the_index() -> None:
    library = load_library(REPO)
    clinic = library.clinics["example"]
    files = crawler_files(library, clinic)
    site = clinic.website.rstrip("/")
    assert sitemaps(files[SITEMAP_INDEX]) == [
        f"{site}/sitemap.xml",
        f"{site}/es/sitemap.xml",
        f"{site}/bn/sitemap.xml",
    ]
    assert f"Sitemap: {site}/{SITEMAP_INDEX}" in files["robots.txt"].splitlines()


def test_a_previews_index_names_the_source_and_the_previewed_language_only() -> None:
    library = load_library(REPO)
    clinic = library.clinics["example"]
    site = clinic.website.rstrip("/")
    assert sitemaps(crawler_files(library, clinic, "bn")[SITEMAP_INDEX]) == [
        f"{site}/sitemap.xml",
        f"{site}/bn/sitemap.xml",
    ]
