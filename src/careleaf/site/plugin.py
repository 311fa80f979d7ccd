"""The MkDocs adapter: composes pages from content blocks and brands the theme for one clinic.

`careleaf build` runs MkDocs with it for one language at a time
(`careleaf.site.engine.build_language`). Under plain `mkdocs build` or `mkdocs serve`, its
first hook runs careleaf's whole pipeline (`careleaf.build.pipeline.build`: every language,
the handouts, verification and publishing) into the configured site folder. Core errors
become PluginError; it never decides content itself.
"""

from __future__ import annotations

import functools
import logging
import shutil
from collections.abc import Mapping
from pathlib import Path

from bs4 import BeautifulSoup
from jinja2 import Environment
from markupsafe import Markup, escape
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

from careleaf import compat
from careleaf.build.events import Event
from careleaf.content.checks import check_project
from careleaf.content.clinic import Clinic
from careleaf.content.colour import require_readable
from careleaf.content.handout import EDITIONS, handout_path
from careleaf.content.load import load_library
from careleaf.content.markup import markdown_text, template_free
from careleaf.content.model import Library
from careleaf.content.page_markdown import check_markdown, slugify
from careleaf.content.pages import FRONT_MATTER_KEYS, check_page, split_front_matter
from careleaf.content.shown import DRAFT_PAGE
from careleaf.editorial.policy import overdue_blocks
from careleaf.editorial.status_pages import page_is_draft, page_is_stale
from careleaf.errors import CareleafError, Problem, unknown
from careleaf.options import BuildOptions
from careleaf.paths import beside
from careleaf.render.blocks import block_title, render_block
from careleaf.site import search
from careleaf.site.config import CareleafConfig
from careleaf.site.crawlers import crawler_files
from careleaf.site.theme import ASSETS, CompiledTemplates, brand_css, configure_site, theme_env

log = logging.getLogger("mkdocs.plugins.careleaf")

# Search engines show about this many characters of a meta description.
DESCRIPTION_LENGTH = 160


class CareleafPlugin(BasePlugin[CareleafConfig]):
    """Composes pages from content blocks and brands the site for one clinic."""

    library: Library
    clinic: Clinic
    lang: str

    # The project as the core's pipeline loaded and checked it, when it drives this build
    # (`careleaf.site.engine.build_language`): not loaded again for every language.
    preloaded: Library | None = None
    # Under plain `mkdocs build`, once careleaf's pipeline has published the site: the folder
    # this (then redundant) build of the source language goes to, and is dropped from.
    # (No on_startup hook on purpose: MkDocs would then share one instance between the
    # configurations of the languages' builds.)
    scratch_dir: Path | None = None
    # The templates compiled for the whole build (`careleaf.site.engine.MkDocsEngine`'s).
    templates: CompiledTemplates | None = None
    # The pages careleaf's core wrote for this site, by name (`careleaf.build.pipeline`).
    generated: Mapping[str, str] = {}

    @event_priority(100)  # before mkdocs-macros, which asks this plugin for the library
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return None
        # mkdocs-macros announces its settings at INFO on every language's build: noise here.
        logging.getLogger("mkdocs.plugins.mkdocs_macros").setLevel(logging.WARNING)
        from mkdocs_macros import context

        compat.remember_git_info(context)
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
            raise PluginError(f"careleaf: {unknown('clinic', clinic_id, self.library.clinics)}")
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
            self._run_pipeline(config, root)
        # Unicode-aware heading anchors, set here rather than with a Python tag in mkdocs.yml.
        config.mdx_configs.setdefault("toc", {})["slugify"] = slugify
        config.theme.get_env = functools.partial(  # type: ignore[method-assign]
            theme_env, config.theme.get_env, self.templates or CompiledTemplates()
        )
        configure_site(config, self.library, self.clinic, self.lang, self.config.preview)
        return config

    def _run_pipeline(self, config: MkDocsConfig, root: Path) -> None:
        """Plain `mkdocs build` or `mkdocs serve`: run careleaf's pipeline, which builds every
        language's site (each a MkDocs build of its own), renders the handouts, verifies
        them all and only then publishes them into ``site_dir``.

        This build itself then only makes the source language's site again, into a scratch
        folder that `on_post_build` drops: MkDocs offers a plugin no way to end a build early.

        Raises:
            PluginError: the pipeline failed; nothing was published.
        """
        from careleaf.site.engine import build_sites  # it imports this module

        final = Path(config.site_dir)
        options = BuildOptions(
            allow_stale=self.config.allow_stale,
            allow_overdue=self.config.allow_overdue,
            preview=self.config.preview,
        )

        def progress(event: Event) -> None:
            # Not warnings: strict mode would stop the build that a flag asked for.
            log.info("careleaf: %s", event)

        try:
            build_sites(root, [self.clinic.id], lambda _: final, options, progress=progress)
        except CareleafError as error:
            raise PluginError(f"careleaf: {error}") from None
        self.scratch_dir = beside(final, "scratch")
        shutil.rmtree(self.scratch_dir, ignore_errors=True)
        config.site_dir = str(self.scratch_dir)

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
        try:
            worker = search.worker_script(config.theme.dirs)
        except CareleafError as error:
            raise PluginError(f"careleaf: {error}") from None
        files.append(File.generated(config, search.WORKER, content=worker))
        if self.lang == self.library.source_language:  # its root is the site's
            for name, text in crawler_files(self.library, self.clinic, self.config.preview).items():
                files.append(File.generated(config, name, content=text))
        # The pages careleaf's core wrote for this site (the editors' report).
        for name, markdown in self.generated.items():
            if files.get_file_from_path(name) is not None:
                raise PluginError(
                    f"careleaf: docs/{self.lang}/{name}: this name is kept for the "
                    "editors' report that careleaf builds; rename the page"
                )
            files.append(File.generated(config, name, content=markdown))
        self.fallback_pages = set()
        self.safety_page: Page | None = None
        self.safety_blocks_shown = 0
        if self.lang != self.library.source_language:
            # A page not yet translated is shown in the source language, with a notice; so is
            # a draft (`page_is_draft`), but in a preview, which shows it marked.
            for uri, page in self.library.pages.get(self.library.source_language, {}).items():
                own = files.get_file_from_path(uri)
                if own is not None and (self.config.preview or not self._page_is_draft(uri)):
                    continue
                if own is not None:
                    files.remove(own)
                files.append(File.generated(config, uri, abs_src_path=str(root / page.file)))
                self.fallback_pages.add(uri)
        return files

    @event_priority(100)  # before mkdocs-macros renders the page
    def on_page_markdown(
        self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        if not self.config.enabled:
            return None
        if page.file.src_uri in self.generated:
            # careleaf's own report, not contributed text, and internal: kept out of search,
            # the sitemap and search engines; in the source language only, so it has no
            # hreflang links to other languages.
            page.meta.update({"search": {"exclude": True}, "alternates": False, "internal": True})
            return None
        uri = page.file.src_uri
        fallback = uri in self.fallback_pages
        page_lang = self.library.source_language if fallback else self.lang
        file = f"docs/{page_lang}/{uri}"
        loaded = self.library.page(page_lang, uri)
        if loaded is not None and not loaded.problems and same_markdown(markdown, loaded.markdown):
            # The page as the project was loaded, and checked then (`read_pages`).
            text, blocks, problems = loaded.text, list(loaded.blocks), []
        else:
            # Not the Markdown the project's page holds (the file changed since, or it has
            # problems): check what MkDocs read, with the file's lines as they are now.
            source = Path(page.file.abs_src_path or "")
            text = source.read_text(encoding="utf-8-sig") if source.is_file() else ""
            _, offset = split_front_matter(text)
            result = check_page(markdown, file, self.library, self.lang, offset)
            blocks = result.blocks
            problems = result.problems or check_markdown(markdown, file, offset)
        unknown = sorted(set(page.meta) - set(FRONT_MATTER_KEYS))
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
        shown = len(set(blocks) & set(self.library.project.safety))
        if shown > self.safety_blocks_shown:
            self.safety_page, self.safety_blocks_shown = page, shown
        notices = []
        if any(self.library.block(self.lang, b).is_draft for b in blocks):
            notices.append(("warning", "draft-notice"))
        if self.config.allow_overdue and set(blocks) & overdue_blocks(self.library):
            notices.append(("warning", "review-overdue"))
        if fallback:
            notices.append(("note", "fallback-page"))
        elif self.lang != self.library.source_language and (
            self._page_is_stale(uri, text)
            or any(
                self.library.is_stale(self.lang, b) or not self.library.is_translated(self.lang, b)
                for b in blocks
            )
        ):
            notices.append(("note", "stale-translation"))
        for kind, label_id in reversed(notices):
            notice = markdown_text(self.library.label(self.lang, label_id))
            markdown = insert_after_title(markdown, f'!!! {kind} "{notice}"\n')
        if self.config.preview and not fallback and self._page_is_draft(uri):
            markdown = insert_after_title(markdown, f'!!! warning "{DRAFT_PAGE}"\n')
        return markdown

    def on_env(self, env: Environment, *, config: MkDocsConfig, files: Files) -> Environment:
        # Pages are read by now (titles included), and the 404 page is not rendered yet.
        page = self.safety_page if self.config.enabled else None
        if page is not None:
            config.extra["careleaf"]["safety_page"] = {"url": page.url, "title": page.title}
        return env

    def _page_is_draft(self, uri: str) -> bool:
        """A translated page marked fuzzy (`page_is_draft`): never published."""
        own = self.library.page(self.lang, uri)
        english = self.library.page(self.library.source_language, uri)
        return own is not None and english is not None and page_is_draft(english.text, own.text)

    def _page_is_stale(self, uri: str, translated_text: str) -> bool:
        """A translated page whose English page changed since it was translated."""
        english = self.library.page(self.library.source_language, uri)
        return english is not None and page_is_stale(english.text, translated_text)

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

    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str | None:
        if not self.config.enabled:
            return None
        return self._with_careleaf_search(output, config)

    def on_post_template(
        self, output_content: str, *, template_name: str, config: MkDocsConfig
    ) -> str | None:
        if not self.config.enabled or not template_name.endswith(".html"):
            return None
        return self._with_careleaf_search(output_content, config)

    def _with_careleaf_search(self, html: str, config: MkDocsConfig) -> str:
        """A page with its search run by careleaf's worker (`careleaf.site.search`)."""
        try:
            return search.use_careleaf_worker(html, config.theme.dirs)
        except CareleafError as error:
            raise PluginError(f"careleaf: {error}") from None

    # Last of all: every other hook may still write into the scratch folder.
    @event_priority(-1000)
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        self._drop_scratch()

    def on_build_error(self, *, error: Exception) -> None:
        self._drop_scratch()

    def _drop_scratch(self) -> None:
        """Drop the scratch folder of a plain `mkdocs build` (see `_run_pipeline`)."""
        if self.scratch_dir is not None:
            shutil.rmtree(self.scratch_dir, ignore_errors=True)

    # The macros that pages may call (declared in macros/, checked by careleaf.content.pages).

    def macro_block(self, block_id: str, style: str = "default", level: int = 2) -> str:
        """A block as a Markdown heading (so it reaches the table of contents) and its HTML."""
        html = render_block(
            self.library,
            self.lang,
            block_id,
            clinic=self.clinic,
            style=style,
            heading_level=0,
            preview=bool(self.config.preview),
            site=True,
        )
        if not level:
            return str(html)
        title = markdown_text(block_title(self.library, self.lang, block_id))
        return f"{'#' * level} {title}\n\n{html}\n"

    def macro_handout_link(self, handout_id: str, page: Page) -> str:
        """A download link to one handout's PDF, relative to the page."""
        title = self.library.handout_title(self.lang, handout_id)
        href = get_relative_url(handout_path(handout_id, EDITIONS[0]), page.url)
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
            pdf, large = (
                get_relative_url(handout_path(handout_id, edition), page.url)
                for edition in EDITIONS
            )
            png = get_relative_url(handout_path(handout_id, EDITIONS[0], ".png"), page.url)
            rows.append(
                Markup(
                    '<div class="careleaf-handout" data-handout="{id}">'
                    '<a href="{pdf}"><img class="careleaf-thumb" src="{png}" alt="{title}" '
                    'width="150"></a><div><h2>{title}</h2><p>{detail}</p>'
                    '<a class="md-button md-button--primary" href="{pdf}" download>{label}</a> '
                    '<a class="md-button careleaf-large-print" href="{large}" download>'
                    "{label}: {large_label}</a>"
                    "</div></div>"
                ).format(
                    id=handout_id,
                    pdf=pdf,
                    large=large,
                    png=png,
                    title=title.text,
                    detail=title.detail or "",
                    label=self.library.label(self.lang, "download"),
                    large_label=self.library.label(self.lang, "large-print"),
                )
            )
        return '<div class="careleaf-handouts">' + "".join(rows) + "</div>\n"


def same_markdown(handed: str, loaded: str) -> bool:
    """Whether MkDocs handed a page the Markdown the project's page holds: MkDocs drops the
    blank lines after the front matter, careleaf keeps them (for the lines of messages)."""
    return handed.lstrip("\n") == loaded.lstrip("\n")


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
