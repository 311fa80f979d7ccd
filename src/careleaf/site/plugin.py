"""The MkDocs adapter: composes pages from content blocks and brands the theme for one clinic.

The only module besides `site` that imports mkdocs. `careleaf build` runs it for one language
at a time (`site.build_language`); under plain `mkdocs build` or `mkdocs serve` it also builds
the other languages and calls the core (`careleaf.build.pipeline`) for the handouts,
verification and publishing. Core errors become PluginError; it never decides content itself.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from bs4 import BeautifulSoup
from jinja2 import BytecodeCache, Environment, FileSystemLoader
from jinja2.bccache import Bucket
from markupsafe import Markup, escape
from mkdocs.commands.build import build
from mkdocs.config import base, load_config
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.utils import CountHandler, get_relative_url

from careleaf.build.cache import Cache
from careleaf.build.pipeline import (
    build_languages,
    check_policy,
    finish,
    plan,
    publish,
    render_handouts,
    staging_dir,
)
from careleaf.content.checks import check_project
from careleaf.content.clinic import Clinic
from careleaf.content.colour import require_readable
from careleaf.content.load import load_library
from careleaf.content.markup import markdown_text, template_free
from careleaf.content.model import Library
from careleaf.content.page_markdown import check_markdown, slugify
from careleaf.content.pages import FRONT_MATTER_KEYS, check_page, split_front_matter
from careleaf.editorial.policy import overdue_blocks
from careleaf.editorial.report import build_report, editors_page
from careleaf.editorial.status_pages import page_is_stale
from careleaf.errors import CareleafError, Problem
from careleaf.render.blocks import render_block

log = logging.getLogger("mkdocs.plugins.careleaf")

ASSETS = "assets/careleaf"
# Shown on every page of a preview (`careleaf serve --lang`), in English: it is for the
# translator and the reviewer, and it must be readable before any label is translated.
PREVIEW_NOTICE = (
    "PREVIEW of {name} ({lang}): a draft built on this computer for checking. It is not the "
    "published site."
)
# The editors' report page: built into the source language's site, left out of the navigation.
EDITORS_PAGE = "editors.md"
# Search engines show about this many characters of a meta description.
DESCRIPTION_LENGTH = 160
# Languages Material's search has a stemmer for; others search without stemming.
SEARCH_LANGUAGES = {
    "ar",
    "da",
    "de",
    "du",
    "en",
    "es",
    "fi",
    "fr",
    "hi",
    "hu",
    "hy",
    "it",
    "ja",
    "kn",
    "ko",
    "nl",
    "no",
    "pt",
    "ro",
    "ru",
    "sa",
    "sv",
    "ta",
    "te",
    "th",
    "tr",
    "vi",
    "zh",
}


class CareleafConfig(base.Config):
    """Options of the careleaf plugin in mkdocs.yml."""

    enabled = c.Type(bool, default=True)
    """Turn careleaf off; the pages then keep their macro calls unrendered."""
    project_dir = c.Dir(exists=True, default=".")
    """The careleaf project: careleaf.yml, content/, docs/, handouts/, clinics/, fonts/."""
    clinic = c.Type(str, default="")
    """Clinic id (a folder under clinics/); empty means the project's default_clinic."""
    lang = c.Type(str, default="")
    """Set by careleaf for each language's own build; leave empty in mkdocs.yml (the build
    of every language, its handouts, verification and publishing, as `mkdocs build`)."""
    allow_stale = c.Type(bool, default=False)
    """Publish languages whose safety items are missing or stale, marked as out of date."""
    allow_overdue = c.Type(bool, default=False)
    """Publish approved content past its review date, marked as overdue."""
    preview = c.Type(str, default="")
    """Set by `careleaf serve --lang`/`build --draft`: build this (draft) language with the
    source language, every page marked as a preview. Leave empty in mkdocs.yml."""


class _CompiledTemplates(BytecodeCache):
    """Compiled Jinja templates, kept in memory by name and source checksum (an edited
    template is compiled again)."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


TEMPLATES_COMPILED = _CompiledTemplates()


class _VisibleTemplates(FileSystemLoader):
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


def _ask_git_once() -> None:
    """Keep mkdocs-macros' answer from git for the process.

    On every build mkdocs-macros runs git a dozen times (each run a fork of this process) for
    a `git` variable that no careleaf page can use: `macros/` declares the only names a page
    may call, and offers no variables.
    """
    from mkdocs_macros import context

    if not hasattr(context.get_git_info, "cache_info"):
        context.get_git_info = functools.cache(context.get_git_info)


def _theme_env(make_env: Callable[[], Environment]) -> Environment:
    """The theme's Jinja environment (``make_env``: MkDocs' own), with `_VisibleTemplates`,
    and the templates compiled once per process (`TEMPLATES_COMPILED`): every language's
    build makes its environments anew, the page templates' and the search plugin's (which
    compiles Material's translations of its labels, about 30 ms a build)."""
    env = make_env()
    if isinstance(env.loader, FileSystemLoader):
        env.loader = _VisibleTemplates(env.loader.searchpath, followlinks=env.loader.followlinks)
    env.bytecode_cache = TEMPLATES_COMPILED
    return env


class CareleafPlugin(BasePlugin[CareleafConfig]):
    """Composes pages from content blocks and brands the site for one clinic."""

    library: Library
    clinic: Clinic
    lang: str

    # The project as the core's pipeline loaded and checked it, when it drives this build
    # (`careleaf.site.engine.build_language`): not loaded again for every language.
    preloaded: Library | None = None
    # The folder the top-level build publishes to; None in a language's own build.
    # (No on_startup hook on purpose: MkDocs would then share one instance between the
    # configurations of the languages' builds.)
    final_dir: Path | None = None
    # Every warning MkDocs logs during the whole build (all languages): none may be published.
    warnings: CountHandler | None = None
    verified: bool = False

    @event_priority(100)  # before mkdocs-macros, which asks this plugin for the library
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return None
        # mkdocs-macros announces its settings at INFO on every language's build: noise here.
        logging.getLogger("mkdocs.plugins.mkdocs_macros").setLevel(logging.WARNING)
        _ask_git_once()
        root = Path(self.config.project_dir)
        try:
            self.library = self.preloaded or load_library(root)
        except CareleafError as error:
            raise PluginError(f"careleaf: {error}") from None
        problems = [] if self.preloaded else check_project(root, self.library)
        if problems:
            raise PluginError(
                "careleaf: contributed files are refused:\n"
                + "\n".join(f"  - {p}" for p in problems)
            )
        clinic_id = self.config.clinic or self.library.project.default_clinic
        if clinic_id not in self.library.clinics:
            known = ", ".join(sorted(self.library.clinics))
            raise PluginError(f"careleaf: unknown clinic '{clinic_id}' (known: {known})")
        self.clinic = self.library.clinics[clinic_id]
        if self.config.preview and self.config.preview not in self.library.project.languages:
            known = ", ".join(self.library.project.languages)
            raise PluginError(
                f"careleaf: unknown language '{self.config.preview}' (known: {known})"
            )
        try:
            require_readable(self.clinic)
        except CareleafError as error:
            raise PluginError(f"careleaf: {error}") from None
        self.lang = self.config.lang or self.library.source_language
        if not self.config.lang:
            self._check_safety_policy()
            self.final_dir = Path(config.site_dir)
            config.site_dir = str(staging_dir(self.final_dir))
            shutil.rmtree(config.site_dir, ignore_errors=True)
            self.verified = False
            self.warnings = CountHandler()
            self.warnings.setLevel(logging.WARNING)
            logger = logging.getLogger("mkdocs")
            # `mkdocs build -q` drops warnings before any handler sees them, so that not even
            # strict mode counts them: a warning must always be seen, and stop publishing.
            if logger.getEffectiveLevel() > logging.WARNING:
                logger.setLevel(logging.WARNING)
            logger.addHandler(self.warnings)
        # Unicode-aware heading anchors, set here rather than with a Python tag in mkdocs.yml.
        config.mdx_configs.setdefault("toc", {})["slugify"] = slugify
        config.theme.get_env = functools.partial(  # type: ignore[method-assign]
            _theme_env, config.theme.get_env
        )
        self._configure_site(config, root)
        return config

    def _check_safety_policy(self) -> None:
        """The safety policy of `careleaf check`: what it refuses, no build publishes."""
        try:
            check_policy(
                self.library,
                allow_stale=self.config.allow_stale,
                allow_overdue=self.config.allow_overdue,
                # Not warnings: strict mode would stop the build that the flag asked for.
                progress=lambda line: log.info("careleaf: %s", line),
            )
        except CareleafError as error:
            raise PluginError(f"careleaf: {error}") from None

    def _configure_site(self, config: MkDocsConfig, root: Path) -> None:
        """Point the build at this language's pages and brand it with the clinic."""
        clinic, lang = self.clinic, self.lang
        docs = root / "docs" / lang
        # A published language without pages shows the source pages, each with a notice.
        config.docs_dir = str(docs if docs.is_dir() else _empty_folder())
        # Material prints site_name unescaped in places: give it escaped text (Markup), which
        # prints as the name and is not escaped twice where a template does escape it.
        config.site_name = escape(clinic.name)
        config.site_url = self.library.url(clinic, lang)
        config.theme["language"] = lang
        language = self.library.project.languages[lang]
        config.theme["direction"] = language.direction
        search = config.plugins.get("material/search") or config.plugins.get("search")
        if search is not None:
            # Material's search instance is shared by the languages' builds: set it every time.
            # A language without a stemmer gets the default pipeline, which splits on spaces.
            search.config.lang = [lang if lang in SEARCH_LANGUAGES else "en"]
        languages = self._languages()
        here = "" if lang == self.library.source_language else "../"
        config.extra["alternate"] = (
            [
                {
                    "name": self.library.project.languages[other].name,
                    "lang": other,
                    # From this language's root to the other's: the switcher keeps the page.
                    "prefix": here + ("" if other == self.library.source_language else f"{other}/"),
                    # The other language's root on the clinic's site, for <link hreflang>.
                    "url": self.library.url(clinic, other),
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
                key: self.library.label(lang, key)
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
            "x_default": self.library.url(clinic, self.library.source_language),
            # The page showing the safety blocks, for the 404 page; set once pages are read.
            "safety_page": None,
            "translation_draft": (
                self.library.label(lang, "translation-draft")
                if lang != self.library.source_language and language.status == "draft"
                else ""
            ),
            "preview": (
                PREVIEW_NOTICE.format(
                    name=self.library.project.languages[self.config.preview].name,
                    lang=self.config.preview,
                )
                if self.config.preview
                else ""
            ),
        }

    def _languages(self) -> list[str]:
        """The languages this build publishes; a preview: the source and the previewed one."""
        return build_languages(self.library, self.config.preview)

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        if not self.config.enabled:
            return files
        root = Path(self.config.project_dir)
        logo = self.library.clinic_logo(self.clinic)
        files.append(File.generated(config, config.theme["logo"], abs_src_path=str(logo)))
        files.append(File.generated(config, f"{ASSETS}/brand.css", content=brand_css(self.clinic)))
        fonts = root / "fonts"
        files.append(
            File.generated(
                config,
                f"{ASSETS}/fonts.css",
                content=(fonts / "fonts.css").read_text(encoding="utf-8"),
            )
        )
        for font in sorted(fonts.glob("*.woff2")):
            files.append(File.generated(config, f"{ASSETS}/{font.name}", abs_src_path=str(font)))
        self.editors_file: File | None = None
        if self.lang == self.library.source_language:
            if files.get_file_from_path(EDITORS_PAGE) is not None:
                raise PluginError(
                    f"careleaf: docs/{self.lang}/{EDITORS_PAGE}: this name is kept for the "
                    "editors' report that careleaf builds; rename the page"
                )
            report = build_report(self.library)
            markdown = editors_page(report, self.library.project.content_version)
            self.editors_file = File.generated(config, EDITORS_PAGE, content=markdown)
            files.append(self.editors_file)
        self.fallback_pages = set()
        self.safety_page: Page | None = None
        self.safety_blocks_shown = 0
        if self.lang != self.library.source_language:
            # A page not yet translated is shown in the source language, with a notice.
            source_docs = root / "docs" / self.library.source_language
            for page in sorted(source_docs.rglob("*.md")):
                uri = page.relative_to(source_docs).as_posix()
                if files.get_file_from_path(uri) is None:
                    files.append(File.generated(config, uri, abs_src_path=str(page)))
                    self.fallback_pages.add(uri)
        return files

    @event_priority(100)  # before mkdocs-macros renders the page
    def on_page_markdown(
        self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        if not self.config.enabled:
            return None
        if page.file is self.editors_file:
            # careleaf's own report, not contributed text: kept out of search, and in the
            # source language only, so it has no hreflang links to other languages.
            page.meta.update({"search": {"exclude": True}, "alternates": False})
            return None
        source = Path(page.file.abs_src_path or "")
        text = source.read_text(encoding="utf-8-sig") if source.is_file() else ""
        _, offset = split_front_matter(text)
        uri = page.file.src_uri
        fallback = uri in self.fallback_pages
        page_lang = self.library.source_language if fallback else self.lang
        file = f"docs/{page_lang}/{uri}"
        unknown = sorted(set(page.meta) - set(FRONT_MATTER_KEYS))
        result = check_page(markdown, file, self.library, self.lang, offset)
        problems = result.problems or check_markdown(markdown, file, offset)
        if unknown:
            problems.append(Problem(file, f"front matter keys not allowed: {', '.join(unknown)}"))
        if problems:
            raise PluginError("careleaf: " + "\n".join(str(p) for p in problems))
        # Material prints page.meta values unescaped (title, description): escape them now,
        # before any page's navigation shows this page's title.
        for key, value in page.meta.items():
            if isinstance(value, str):
                # Braces as entities too: mkdocs-macros renders a title holding "{{" as a
                # template (refused by the page check; this is the second line of defence).
                page.meta[key] = Markup(template_free(str(escape(value))))
        # The 404 page's "safety page": the one showing the most safety blocks (the first of
        # those, in the navigation's order).
        shown = len(set(result.blocks) & set(self.library.project.safety))
        if shown > self.safety_blocks_shown:
            self.safety_page, self.safety_blocks_shown = page, shown
        notices = []
        if any(self.library.block(self.lang, b).is_draft for b in result.blocks):
            notices.append(("warning", "draft-notice"))
        if self.config.allow_overdue and set(result.blocks) & overdue_blocks(self.library):
            notices.append(("warning", "review-overdue"))
        if fallback:
            notices.append(("note", "fallback-page"))
        elif self.lang != self.library.source_language and (
            self._page_is_stale(uri, text)
            or any(
                self.library.is_stale(self.lang, b) or not self.library.is_translated(self.lang, b)
                for b in result.blocks
            )
        ):
            notices.append(("note", "stale-translation"))
        for kind, label_id in reversed(notices):
            notice = markdown_text(self.library.label(self.lang, label_id))
            markdown = insert_after_title(markdown, f'!!! {kind} "{notice}"\n')
        return markdown

    def on_env(self, env: Environment, *, config: MkDocsConfig, files: Files) -> Environment:
        # Pages are read by now (titles included), and the 404 page is not rendered yet.
        page = self.safety_page if self.config.enabled else None
        if page is not None:
            config.extra["careleaf"]["safety_page"] = {"url": page.url, "title": page.title}
        return env

    def _page_is_stale(self, uri: str, translated_text: str) -> bool:
        """A translated page whose English page changed since it was translated."""
        english = Path(self.config.project_dir) / "docs" / self.library.source_language / uri
        return english.is_file() and page_is_stale(
            english.read_text(encoding="utf-8"), translated_text
        )

    def on_page_content(
        self, html: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        if not self.config.enabled:
            return None
        if "title" not in page.meta and page.title is not None:
            # A title taken from the first heading is HTML text (entities escaped). Material
            # prints it through `striptags`, which un-escapes it, unless the page has a meta
            # title: give it one, as Markup, so it is printed exactly as escaped.
            page.meta["title"] = Markup(page.title)
        if not page.meta.get("description"):
            page.meta["description"] = description(html)  # the template escapes it
        return None

    # Last of all: the search index is written, and publishing waits for every other hook.
    @event_priority(-1000)
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if not self.config.enabled:
            return
        if not self.config.lang:
            self._build_other_languages(config)
            self._verify(Path(config.site_dir))
            # MkDocs counts strict-mode warnings only after this hook, so publish only if
            # none was logged so far (this hook runs last).
            self._publish_staged()

    def on_build_error(self, *, error: Exception) -> None:
        # A failed build publishes nothing and leaves nothing behind: drop the staging folder.
        if self.final_dir is not None and not self.config.lang:
            self._discard()

    def _discard_counter(self) -> None:
        if self.warnings is not None:
            logging.getLogger("mkdocs").removeHandler(self.warnings)
            self.warnings = None

    def _discard(self) -> None:
        self._discard_counter()
        if self.final_dir is not None:
            shutil.rmtree(staging_dir(self.final_dir), ignore_errors=True)

    def _publish_staged(self) -> None:
        """Replace the published folder with the verified staged build, if nothing warned.

        Plain `mkdocs build` calls it from the last post-build hook (`careleaf build`
        publishes in the core, once every language's build() has returned).

        Raises:
            PluginError: the build was not verified or logged a warning; the staged build is
                dropped and the published folder is left as it was.
        """
        counts = self.warnings.get_counts() if self.warnings is not None else []
        if not self.verified or counts or self.final_dir is None:
            self._discard()
            why = ", ".join(f"{n} {level.lower()}s" for level, n in counts) or "not verified"
            raise PluginError(f"careleaf: the build was not published ({why})")
        self._discard_counter()
        publish(staging_dir(self.final_dir), self.final_dir)

    def _build_other_languages(self, config: MkDocsConfig) -> None:
        """Each further language is its own build from the same configuration, in <lang>/."""
        for lang in self._languages():
            if lang == self.lang:
                continue
            sub = load_config(config.config_file_path, site_dir=str(Path(config.site_dir) / lang))
            options = sub.plugins["careleaf"].config
            options.lang, options.clinic = lang, self.clinic.id
            options.allow_stale = self.config.allow_stale
            options.allow_overdue = self.config.allow_overdue
            options.preview = self.config.preview
            log.info("careleaf: building the %s site", lang)
            build(sub)

    def _verify(self, built: Path) -> None:
        """Render the handouts (core), record the outputs and verify them; only a verified
        build may be published."""
        root = Path(self.config.project_dir)
        try:
            languages = self._languages()
            entries = render_handouts(
                self.library,
                plan(self.library, [self.clinic.id], languages),
                Cache(root / ".careleaf-cache"),
                allow_overdue=self.config.allow_overdue,
                preview=self.config.preview,
                progress=lambda line: log.info("careleaf: %s", line),
            )
            count = finish(self.library, self.clinic.id, built, entries, languages=languages)
        except CareleafError as error:
            raise PluginError(f"careleaf: {error}") from None
        log.info("careleaf: verified %d outputs", count)
        self.verified = True

    # The macros that pages may call (declared in macros/, checked by careleaf.content.pages).

    def macro_block(self, block_id: str, style: str = "default", level: int = 2) -> str:
        """A block as a Markdown heading (so it reaches the table of contents) and its HTML."""
        html = render_block(
            self.library, self.lang, block_id, clinic=self.clinic, style=style, heading_level=0
        )
        if not level:
            return str(html)
        title = markdown_text(self.library.block(self.lang, block_id).title)
        return f"{'#' * level} {title}\n\n{html}\n"

    def macro_handout_link(self, handout_id: str, page: Page) -> str:
        """A download link to one handout's PDF, relative to the page."""
        title = self.library.handout_title(self.lang, handout_id)
        href = get_relative_url(f"handouts/{handout_id}.pdf", page.url)
        label = self.library.label(self.lang, "download-pdf")
        return str(
            Markup(
                '<p class="careleaf-handout-link"><a class="md-button" href="{}" '
                "download>{}: {}</a></p>\n"
            ).format(href, label, title.text)
        )

    def macro_handouts(self, page: Page) -> str:
        """Every handout with its thumbnail, description and download button."""
        rows = []
        for handout_id in self.library.handouts:
            title = self.library.handout_title(self.lang, handout_id)
            pdf = get_relative_url(f"handouts/{handout_id}.pdf", page.url)
            png = get_relative_url(f"handouts/{handout_id}.png", page.url)
            rows.append(
                Markup(
                    '<div class="careleaf-handout" data-handout="{id}">'
                    '<a href="{pdf}"><img class="careleaf-thumb" src="{png}" alt="{title}" '
                    'width="150"></a><div><h2>{title}</h2><p>{detail}</p>'
                    '<a class="md-button md-button--primary" href="{pdf}" download>{label}</a>'
                    "</div></div>"
                ).format(
                    id=handout_id,
                    pdf=pdf,
                    png=png,
                    title=title.text,
                    detail=title.detail or "",
                    label=self.library.label(self.lang, "download"),
                )
            )
        return '<div class="careleaf-handouts">' + "".join(rows) + "</div>\n"


def insert_after_title(markdown: str, text: str) -> str:
    """Insert a Markdown snippet after the page's first-level title (or at the top)."""
    lines = markdown.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.startswith("# "):
            return "".join([*lines[: index + 1], "\n", text, "\n", *lines[index + 1 :]])
    return f"{text}\n{markdown}"


@functools.lru_cache(maxsize=256)
def description(html: str) -> str:
    """A page's meta description: its first paragraph of prose, cut at a word near 160 chars.

    Notices (admonitions) come before the prose on some pages and are not a description.
    Memoized: every clinic's site has the same pages, and parsing them again for each clinic
    was about a tenth of the build process's time in a 20-clinic build.
    """
    soup = BeautifulSoup(html, "html.parser")
    for notice in soup.select(".admonition"):
        notice.decompose()
    first = soup.find("p")
    text = " ".join(first.get_text(" ").split()) if first else ""
    if len(text) <= DESCRIPTION_LENGTH:
        return text
    return text[: DESCRIPTION_LENGTH - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


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


_EMPTY: list[tempfile.TemporaryDirectory] = []


def _empty_folder() -> Path:
    """An empty folder for a language without pages (removed when the process ends)."""
    if not _EMPTY:
        _EMPTY.append(tempfile.TemporaryDirectory(prefix="careleaf-empty-"))
    return Path(_EMPTY[0].name)
