"""What search engines read first, at the root of a clinic's site: robots.txt and the sitemap
index, which names each language's sitemap (each language is a MkDocs build of its own, with a
sitemap.xml at its root)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from careleaf.build.plan import build_languages
from careleaf.content.model import Clinic, Library

SITEMAP_INDEX = "sitemap-index.xml"


def crawler_files(library: Library, clinic: Clinic, preview: str = "") -> dict[str, str]:
    """robots.txt and the sitemap index of a clinic's site, by name, for the source language's
    build (its root is the site's); ``preview``: the language a preview shows besides it.

    Addresses are the clinic's (its ``website``), as a sitemap's must be absolute. A crawler
    reads robots.txt only at the root of a host, so it serves its purpose where the clinic's
    website is a host's root.
    """
    sitemaps = "".join(
        f"  <sitemap>\n    <loc>{escape(library.url(clinic, lang, 'sitemap.xml'))}</loc>\n"
        "  </sitemap>\n"
        for lang in build_languages(library, preview)
    )
    index_url = library.url(clinic, library.source_language, SITEMAP_INDEX)
    return {
        "robots.txt": (
            "# Every page may be crawled; careleaf's internal pages (the editors' report) ask\n"
            "# not to be indexed on the page itself, and are in no sitemap.\n"
            "User-agent: *\n"
            "Disallow:\n"
            "\n"
            f"Sitemap: {index_url}\n"
        ),
        SITEMAP_INDEX: (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{sitemaps}"
            "</sitemapindex>\n"
        ),
    }
