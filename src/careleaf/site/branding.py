"""One language's site of one clinic, as any engine is told it: the clinic's name, address,
language, switcher, contact details and labels for the theme's templates, and the files
careleaf adds to the site (logo, colours, fonts, what crawlers read first).

No engine is imported here: the MkDocs adapter (`careleaf.site.theme.configure_site`, the
plugin's ``on_files``) and the Zensical adapter (`careleaf.site.zensical`) read the same values.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from careleaf.build.plan import build_languages
from careleaf.content.model import Clinic, Library
from careleaf.site.crawlers import crawler_files

ASSETS = "assets/careleaf"
# Shown on every page of a preview (`careleaf serve --lang`), in English: it is for the
# translator and the reviewer, and it must be readable before any label is translated.
PREVIEW_NOTICE = (
    "PREVIEW of {name} ({lang}): a draft built on this computer for checking. It is not the "
    "published site."
)
# The labels the theme's templates (the project's overrides/) print.
LABELS = (
    "contact",
    "book",
    "phone",
    "email",
    "address",
    "website",
    "language",
    "not-found",
    "not-found-help",
    "home",
    "page-address",
)


@dataclass(frozen=True)
class SiteSettings:
    """What an engine's configuration says of one language's site of one clinic.

    Attributes:
        name: the clinic's name (plain text: each engine escapes it its own way).
        url: the language's root on the clinic's site.
        theme: the theme's language, direction, logo and favicon.
        extra: ``alternate`` (the language switcher, hreflang) and ``careleaf`` (the clinic,
            the labels, the preview and draft notices) for the templates.
        css: careleaf's stylesheets, before the project's own.
    """

    name: str
    url: str
    theme: dict[str, Any]
    extra: dict[str, Any]
    css: tuple[str, ...]


def site_settings(library: Library, clinic: Clinic, lang: str, preview: str) -> SiteSettings:
    """The settings of ``lang``'s site of ``clinic`` (``preview``: the language a preview
    shows, every page marked)."""
    language = library.project.languages[lang]
    languages = build_languages(library, preview)
    here = "" if lang == library.source_language else "../"
    alternate = (
        [
            {
                "name": library.project.languages[other].name,
                "lang": other,
                # From this language's root to the other's: the switcher keeps the page.
                "prefix": here + ("" if other == library.source_language else f"{other}/"),
                # The other language's root on the clinic's site, for hreflang (sitemap.xml).
                "url": library.url(clinic, other),
                # Its path on the host, for the 404 page, which is shown at any address.
                "path": urlsplit(library.url(clinic, other)).path,
            }
            for other in languages
        ]
        if len(languages) > 1
        else []
    )
    logo = f"{ASSETS}/logo{Path(clinic.logo).suffix.lower()}"
    careleaf = {
        "clinic": {
            key: getattr(clinic, key)
            for key in ("name", "address", "phone", "email", "website", "booking")
        },
        "labels": {key: library.label(lang, key) for key in LABELS},
        # hreflang="x-default": the source language's root.
        "x_default": library.url(clinic, library.source_language),
        # The page showing the safety blocks, for the 404 page; set once pages are read.
        "safety_page": None,
        "translation_draft": (
            library.label(lang, "translation-draft")
            if lang != library.source_language and language.status == "draft"
            else ""
        ),
        "preview": (
            PREVIEW_NOTICE.format(name=library.project.languages[preview].name, lang=preview)
            if preview
            else ""
        ),
    }
    return SiteSettings(
        name=clinic.name,
        url=library.url(clinic, lang),
        theme={"language": lang, "direction": language.direction, "logo": logo, "favicon": logo},
        extra={"alternate": alternate, "careleaf": careleaf},
        css=(f"{ASSETS}/fonts.css", f"{ASSETS}/brand.css"),
    )


def site_files(
    library: Library, clinic: Clinic, lang: str, preview: str, logo: str
) -> dict[str, str | Path]:
    """The files careleaf adds to ``lang``'s site, by name: text, or the file to copy.

    The clinic's logo (at ``logo``, the theme's setting), its colours, the project's fonts
    and their stylesheet; in the source language's site, whose root is the clinic's site's,
    robots.txt and the sitemap index (`careleaf.site.crawlers`).
    """
    fonts = library.root / "fonts"
    files: dict[str, str | Path] = {
        logo: library.clinic_logo(clinic),
        f"{ASSETS}/brand.css": brand_css(clinic),
        f"{ASSETS}/fonts.css": (fonts / "fonts.css").read_text(encoding="utf-8"),
    }
    for font in sorted(fonts.glob("*.woff2")):
        files[f"{ASSETS}/{font.name}"] = font
    if lang == library.source_language:
        files.update(crawler_files(library, clinic, preview))
    return files


def brand_css(clinic: Clinic) -> str:
    """The clinic's colours as Material's CSS variables (values are validated #rrggbb)."""
    primary, accent = clinic.colors.primary, clinic.colors.accent
    return (
        ":root, [data-md-color-scheme] {\n"
        f"  --md-primary-fg-color: {primary};\n"
        f"  --md-primary-fg-color--light: {primary};\n"
        f"  --md-primary-fg-color--dark: {primary};\n"
        f"  --md-accent-fg-color: {accent};\n"
        f"  --md-typeset-a-color: {primary};\n"
        f"  --careleaf-primary: {primary};\n"
        f"  --careleaf-accent: {accent};\n"
        "}\n"
    )
