"""The MkDocs adapter: MkDocs reads the pages careleaf's core composed, and the plugin brands
the theme for one clinic and adds its files; it composes nothing itself.

`careleaf build` runs MkDocs with it for one language at a time
(`careleaf.site.engine.MkDocsEngine`, which writes the composed pages into a folder of their
own). Under plain `mkdocs build` or `mkdocs serve`, its
first hook runs careleaf's whole pipeline (`careleaf.build.pipeline.build`: every language,
the handouts, verification and publishing) into the configured site folder. Core errors
become PluginError; it never decides content itself.
"""

from __future__ import annotations

import functools
import logging
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup, escape
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from careleaf.build.events import Event
from careleaf.content.checks import check_project
from careleaf.content.clinic import Clinic
from careleaf.content.colour import require_readable
from careleaf.content.load import load_library
from careleaf.content.markup import template_free
from careleaf.content.model import Library
from careleaf.content.page_markdown import slugify
from careleaf.errors import CareleafError, unknown
from careleaf.options import BuildOptions
from careleaf.paths import beside
from careleaf.render.compose import (
    ComposedPage,
    block_markdown,
    compose_pages,
    description,
    handout_cards,
    handout_link,
    safety_page,
    write_pages,
)
from careleaf.site import search
from careleaf.site.branding import site_files
from careleaf.site.config import CareleafConfig
from careleaf.site.theme import CompiledTemplates, configure_site, theme_env

log = logging.getLogger("mkdocs.plugins.careleaf")


@dataclass(frozen=True)
class Composed:
    """The pages careleaf's core composed for this build (`careleaf.render.compose`), and the
    folder they are written in: MkDocs reads them there instead of the project's pages."""

    folder: Path
    pages: Mapping[str, ComposedPage]


class CareleafPlugin(BasePlugin[CareleafConfig]):
    """Brands the site of composed pages for one clinic."""

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
    # Every page composed by the core, when careleaf's pipeline drives this build
    # (`careleaf.site.engine.MkDocsEngine`): the hooks then compose nothing.
    composed: Composed | None = None

    @event_priority(100)  # first: the search plugin reads the language this sets
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return None
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
        if self.composed is None:
            raise PluginError(
                "careleaf: the plugin's lang is set by careleaf's own builds: leave it empty "
                "in mkdocs.yml and build with `careleaf build` (or plain `mkdocs build`)"
            )
        config.docs_dir = str(self.composed.folder)
        # The 404 page's "safety page": the one showing the most safety blocks (the first
        # of those in the navigation's order).
        nav = [entry for entry in config.nav or [] if isinstance(entry, str)]
        found = safety_page(self.library, self.composed.pages, nav)
        if found is not None:
            config.extra["careleaf"]["safety_page"] = {"url": found.url, "title": found.title}
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
        options = self._options()

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
        # Its pages, composed by the core as in every build (no editors' report: this site
        # is dropped), in the scratch folder's own pages folder.
        pages = compose_pages(self.library, self.clinic, self.lang, options, {})
        folder = self.scratch_dir.with_name(self.scratch_dir.name + "-pages")
        shutil.rmtree(folder, ignore_errors=True)
        write_pages(folder, self.library, self.lang, pages)
        self.composed = Composed(folder, pages)

    def _options(self) -> BuildOptions:
        """The build's options, as the plugin's configuration holds them."""
        return BuildOptions(
            allow_stale=self.config.allow_stale,
            allow_overdue=self.config.allow_overdue,
            preview=self.config.preview,
        )

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        if not self.config.enabled:
            return files
        added = site_files(
            self.library, self.clinic, self.lang, self.config.preview, config.theme["logo"]
        )
        for name, source in added.items():
            if isinstance(source, Path):
                files.append(File.generated(config, name, abs_src_path=str(source)))
            else:
                files.append(File.generated(config, name, content=source))
        try:
            worker = search.worker_script(config.theme.dirs)
        except CareleafError as error:
            raise PluginError(f"careleaf: {error}") from None
        files.append(File.generated(config, search.WORKER, content=worker))
        return files

    def on_page_markdown(
        self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        if self.config.enabled:
            escape_meta(page)  # composed by the core, and checked when the project loaded
        return None

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
        """Drop the scratch folders of a plain `mkdocs build` (see `_run_pipeline`)."""
        if self.scratch_dir is not None:
            shutil.rmtree(self.scratch_dir, ignore_errors=True)
            pages = self.scratch_dir.with_name(self.scratch_dir.name + "-pages")
            shutil.rmtree(pages, ignore_errors=True)

    # The macros that pages may call (declared in macros/, checked by careleaf.content.pages).

    def macro_block(self, block_id: str, style: str = "default", level: int = 2) -> str:
        """A block as a Markdown heading and its HTML (`careleaf.render.compose`)."""
        preview = bool(self.config.preview)
        return block_markdown(self.library, self.lang, self.clinic, block_id, style, level, preview)

    def macro_handout_link(self, handout_id: str, page: Page) -> str:
        """A download link to one handout's PDF, relative to the page."""
        return handout_link(self.library, self.lang, handout_id, page.url)

    def macro_handouts(self, page: Page) -> str:
        """Every handout with its thumbnail, description and download button."""
        return handout_cards(self.library, self.lang, page.url)


def escape_meta(page: Page) -> None:
    """Escape a page's front matter values: Material prints page.meta values unescaped
    (title, description), so before any page's navigation shows this page's title."""
    for key, value in page.meta.items():
        if isinstance(value, str):
            # Braces as entities too: a title holding "{{" must never reach anything that
            # reads it as a template (refused by the page check; the second line of defence).
            page.meta[key] = Markup(template_free(str(escape(value))))
