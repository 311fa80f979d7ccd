"""The site's theme, branded for one clinic: Material's configuration, colours and templates."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import BytecodeCache, Environment, FileSystemLoader
from jinja2.bccache import Bucket
from markupsafe import escape
from mkdocs.config.defaults import MkDocsConfig

from careleaf.build.plan import build_languages
from careleaf.content.model import Clinic, Library
from careleaf.site.search import configure_search

ASSETS = "assets/careleaf"
# Shown on every page of a preview (`careleaf serve --lang`), in English: it is for the
# translator and the reviewer, and it must be readable before any label is translated.
PREVIEW_NOTICE = (
    "PREVIEW of {name} ({lang}): a draft built on this computer for checking. It is not the "
    "published site."
)


class CompiledTemplates(BytecodeCache):
    """Compiled Jinja templates, kept in memory by name and source checksum (an edited
    template is compiled again)."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


class VisibleTemplates(FileSystemLoader):
    """The theme's folders, listing no hidden file or folder.

    MkDocs lists every file of the theme to copy its static files, then drops each name with
    a part that starts with a dot. Material keeps about 14,000 icons in `.icons/`: listing
    and dropping them took about 95 ms of every language's build, for the same 44 files.
    Templates are still found by name (`{% include ".icons/..." %}` reads one icon).
    """

    def list_templates(self) -> list[str]:
        found: set[str] = set()
        for top in self.searchpath:
            for folder, subfolders, names in os.walk(top, followlinks=self.followlinks):
                subfolders[:] = [name for name in subfolders if not name.startswith(".")]
                prefix = Path(folder).relative_to(top).as_posix()
                found.update(
                    name if prefix == "." else f"{prefix}/{name}"
                    for name in names
                    if not name.startswith(".")
                )
        return sorted(found)


def theme_env(make_env: Callable[[], Environment], compiled: CompiledTemplates) -> Environment:
    """The theme's Jinja environment (``make_env``: MkDocs' own), with `VisibleTemplates`,
    and the templates compiled once for a whole build (``compiled``, the engine's): every
    language's build makes its environments anew, the page templates' and the search
    plugin's (which compiles Material's translations of its labels, about 30 ms a build)."""
    env = make_env()
    if isinstance(env.loader, FileSystemLoader):
        env.loader = VisibleTemplates(env.loader.searchpath, followlinks=env.loader.followlinks)
    env.bytecode_cache = compiled
    return env


def configure_site(
    config: MkDocsConfig, library: Library, clinic: Clinic, lang: str, preview: str
) -> None:
    """Point a build at one language's pages and brand it with the clinic (``preview``: the
    language a preview shows, every page marked)."""
    root = library.root
    docs = root / "docs" / lang
    # A published language without pages shows the source pages, each with a notice.
    config.docs_dir = str(docs if docs.is_dir() else no_pages_folder(root))
    # Material prints site_name unescaped in places: give it escaped text (Markup), which
    # prints as the name and is not escaped twice where a template does escape it.
    config.site_name = escape(clinic.name)
    config.site_url = library.url(clinic, lang)
    config.theme["language"] = lang
    language = library.project.languages[lang]
    config.theme["direction"] = language.direction
    search = config.plugins.get("material/search") or config.plugins.get("search")
    if search is not None:
        configure_search(search, lang)
    languages = build_languages(library, preview)
    here = "" if lang == library.source_language else "../"
    config.extra["alternate"] = (
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
    config.theme["logo"] = f"{ASSETS}/logo{Path(clinic.logo).suffix.lower()}"
    config.theme["favicon"] = config.theme["logo"]
    config.extra_css = [f"{ASSETS}/fonts.css", f"{ASSETS}/brand.css", *config.extra_css]
    config.extra["careleaf"] = {
        "clinic": {
            key: getattr(clinic, key)
            for key in ("name", "address", "phone", "email", "website", "booking")
        },
        "labels": {
            key: library.label(lang, key)
            for key in (
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
        },
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
            PREVIEW_NOTICE.format(
                name=library.project.languages[preview].name,
                lang=preview,
            )
            if preview
            else ""
        ),
    }


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


def no_pages_folder(root: Path) -> Path:
    """An empty folder, the pages of a language that has none (in the project's cache)."""
    folder = root / ".careleaf-cache" / "no-pages"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
