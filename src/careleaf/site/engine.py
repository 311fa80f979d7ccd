"""Runs MkDocs for one language of one clinic; with `plugin`, the only module that imports mkdocs.

The pipeline itself (handouts, verification, publishing) is the core's (`careleaf.build.pipeline`);
this module is the `SiteEngine` it calls for each language's site.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import watchdog.events
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException
from mkdocs.livereload import LiveReloadServer

from careleaf.build import pipeline
from careleaf.build.cache import Cache
from careleaf.content.checks import check_project
from careleaf.content.load import load_library
from careleaf.content.model import Library
from careleaf.content.yamlfile import check_site_config
from careleaf.errors import BuildError, CareleafError, ContentError, logged_messages
from careleaf.site.plugin import CareleafPlugin

log = logging.getLogger("mkdocs.careleaf")


def build_site(
    root: Path,
    clinic_id: str,
    site_dir: Path,
    *,
    allow_stale: bool = False,
    allow_overdue: bool = False,
    preview: str = "",
    jobs: int | None = None,
    cache_dir: Path | None = None,
    progress: pipeline.Progress = pipeline._quiet,
) -> None:
    """Build the site and handouts of one clinic into ``site_dir``, as `mkdocs build` would.

    Every published language is built, the outputs are verified, and only then is
    ``site_dir`` replaced. ``allow_stale`` publishes languages whose safety items are out of
    date, marked as such; ``allow_overdue`` approved content past its review date, marked.
    ``preview`` (a language code) builds that language, published or not, with the source
    language only, every page marked as a preview: give it a ``site_dir`` of its own.

    Raises:
        ContentError: mkdocs.yml holds a Python tag or INHERIT (nothing is run), or the
            project's files are refused.
        BuildError: the build failed; the message says why. ``site_dir`` is then untouched.
    """
    build_sites(
        root,
        [clinic_id],
        lambda _: site_dir,
        allow_stale=allow_stale,
        allow_overdue=allow_overdue,
        preview=preview,
        jobs=jobs,
        cache_dir=cache_dir,
        progress=progress,
    )


def build_sites(
    root: Path,
    clinic_ids: Sequence[str],
    site_dir_for: Callable[[str], Path],
    *,
    allow_stale: bool = False,
    allow_overdue: bool = False,
    preview: str = "",
    jobs: int | None = None,
    cache_dir: Path | None = None,
    progress: pipeline.Progress = pipeline._quiet,
) -> None:
    """`careleaf.build.pipeline.build` with MkDocs as the site engine (see `build_site`)."""
    # MkDocs reads mkdocs.yml with an unsafe YAML loader: read it safely first.
    problems = check_site_config(root / "mkdocs.yml", root)
    if problems:
        raise ContentError(problems)
    _show_mkdocs_messages()

    def engine(clinic_id: str, lang: str, site_dir: Path, library: Library) -> None:
        build_language(
            root,
            clinic_id,
            lang,
            site_dir,
            allow_stale=allow_stale,
            allow_overdue=allow_overdue,
            preview=preview,
            library=library,
        )

    pipeline.build(
        root,
        clinic_ids,
        site_dir_for,
        engine,
        allow_stale=allow_stale,
        allow_overdue=allow_overdue,
        preview=preview,
        jobs=jobs,
        cache_dir=cache_dir,
        progress=progress,
    )


def build_language(
    root: Path,
    clinic_id: str,
    lang: str,
    site_dir: Path,
    *,
    allow_stale: bool = False,
    allow_overdue: bool = False,
    preview: str = "",
    library: Library | None = None,
) -> None:
    """Run MkDocs for one language's site of one clinic into ``site_dir`` (``preview``: the
    language a preview shows, every page marked; ``library``: the project, already loaded
    and checked, so that MkDocs' plugin does not load it again).

    Raises:
        BuildError: MkDocs failed or logged a warning (all of them, strict mode or not: a
            warning is never published); the message holds what MkDocs logged.
    """
    logger = logging.getLogger("mkdocs")
    # `-q` would drop warnings before any handler sees them: a warning must always be seen.
    if logger.getEffectiveLevel() > logging.WARNING:
        logger.setLevel(logging.WARNING)
    with (
        logged_messages("mkdocs", logging.WARNING) as messages,
        logged_messages("mkdocs", logging.ERROR) as errors,
    ):
        try:
            config = load_config(str(root / "mkdocs.yml"), site_dir=str(site_dir))
            plugin = config.plugins["careleaf"]
            if not isinstance(plugin, CareleafPlugin):
                raise BuildError("mkdocs.yml: the careleaf plugin is not the one installed")
            options = plugin.config
            options.clinic, options.lang = clinic_id, lang
            options.allow_stale, options.allow_overdue = allow_stale, allow_overdue
            options.preview = preview
            plugin.preloaded = library
            build(config)
            failed = ""
        except MkDocsException as error:
            # MkDocs logs the cause and raises a bare "Aborted"; the cause is what people need.
            failed = str(error)
    warnings = len(messages) - len(errors)
    if failed or warnings:
        why = f" ({warnings} warnings)" if warnings else ""
        raise BuildError(
            "\n".join(messages or [failed])
            + f"\nthe {lang} site of '{clinic_id}' was not published{why}"
        )


def _show_mkdocs_messages(level: int = logging.WARNING) -> None:
    """Show MkDocs' warnings and errors as the mkdocs command does.

    Not its INFO lines ("Building documentation...", once per language) unless ``level`` asks:
    careleaf reports each step itself.
    """
    logger = logging.getLogger("mkdocs")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
        handler.setLevel(level)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


class Preview:
    """One clinic's site, built a language at a time, for the live preview.

    Each language's site is built into its own folder; the served folder is assembled from
    them (hard links) and the handouts, and swapped in only when a rebuild succeeded: an
    error leaves the last good site served. The preview checks the content as a build does,
    but verifies nothing (`careleaf build` verifies what it publishes).
    """

    def __init__(
        self,
        root: Path,
        clinic_id: str,
        *,
        allow_stale: bool = False,
        allow_overdue: bool = False,
        preview: str = "",
        site: Path | None = None,
    ) -> None:
        self.root = Path(root)
        self.clinic_id = clinic_id
        self.allow_stale, self.allow_overdue = allow_stale, allow_overdue
        # A language's preview: it and the source language, every page and handout marked.
        self.preview = preview
        # Where the site is served from (by default a temporary folder); the work folder
        # beside it, so that a finished rebuild is swapped in by renaming.
        self.site = Path(site) if site else Path(tempfile.mkdtemp(prefix="careleaf-preview-"))
        self.work = self.site.with_name(f".{self.site.name}.careleaf-preview")
        shutil.rmtree(self.work, ignore_errors=True)
        self.work.mkdir(parents=True)
        self.site.mkdir(parents=True, exist_ok=True)
        self.entries: dict[pipeline.Unit, pipeline.Entry] = {}
        # The content as the last rebuild loaded it (None after a load that failed).
        self.loaded: Library | None = None

    def languages(self, library: Library) -> list[str]:
        """The languages it shows: every published one, or a preview's two."""
        return pipeline.build_languages(library, self.preview)

    def library(self, changed: Iterable[Path] | None = None) -> Library:
        """The project as it is now, checked as a build checks it.

        ``changed``: the files edited since the last call. When each is a page (under
        ``docs/``), the content the last call loaded is still the project's (loading reads
        no page): it is not loaded again, and the pages are checked again all the same.

        Raises:
            BuildError: the content cannot be loaded, or is refused.
        """
        docs = (self.root / "docs").resolve()
        pages_only = changed is not None and all(
            docs in Path(path).resolve().parents for path in changed
        )
        if self.loaded is not None and pages_only:
            library = self.loaded
        else:
            self.loaded = None
            try:
                library = load_library(self.root)
            except ContentError as error:
                raise BuildError(str(error)) from None
            self.loaded = library
        problems = check_project(self.root, library) + check_site_config(
            self.root / "mkdocs.yml", self.root
        )
        if problems:
            raise BuildError("\n".join(f"  - {p}" for p in problems))
        return library

    def build(self, library: Library, wanted: pipeline.Affected) -> None:
        """Rebuild the sites and handouts ``wanted`` names, then serve the result.

        Raises:
            BuildError: a handout or a language's site failed; the served site is unchanged.
        """
        pipeline.check_policy(
            library, allow_stale=self.allow_stale, allow_overdue=self.allow_overdue
        )
        languages = self.languages(library)
        units = [
            unit
            for unit in pipeline.plan(library, [self.clinic_id], languages)
            if unit.lang in wanted.handouts
        ]
        self.entries.update(
            pipeline.render_handouts(
                library,
                units,
                Cache(self.root / ".careleaf-cache"),
                allow_overdue=self.allow_overdue,
                preview=self.preview,
            )
        )
        for lang in wanted.sites:
            target = self.work / "languages" / lang
            build_language(
                self.root,
                self.clinic_id,
                lang,
                target,
                allow_stale=self.allow_stale,
                allow_overdue=self.allow_overdue,
                preview=self.preview,
                library=library,
            )
        assembled = self.work / "site.new"
        shutil.rmtree(assembled, ignore_errors=True)
        for lang in languages:
            built = self.work / "languages" / lang
            if built.is_dir():
                shutil.copytree(
                    built,
                    assembled / pipeline.language_folder(library, lang),
                    copy_function=os.link,
                    dirs_exist_ok=True,
                )
        pipeline.place_handouts(self.entries, library, self.clinic_id, assembled)
        pipeline.publish(assembled, self.site)


class _PreviewServer(LiveReloadServer):
    """MkDocs' live-reload server, told which files changed so that it rebuilds only those."""

    def __init__(self, preview: Preview, host: str, port: int) -> None:
        super().__init__(builder=self._rebuild, host=host, port=port, root=str(preview.site))
        self.preview = preview
        self.changed: set[Path] = set()
        self.later: tuple[str, ...] = ()

    def watch_sources(self, paths: list[Path]) -> None:
        handler = watchdog.events.FileSystemEventHandler()
        handler.on_any_event = self._on_event  # type: ignore[method-assign]
        for path in paths:
            self._watched_paths[str(path)] = 1
            self.observer.schedule(handler, str(path), recursive=path.is_dir())

    def _on_event(self, event: watchdog.events.FileSystemEvent) -> None:
        if event.is_directory:
            return
        with self._rebuild_cond:
            for name in (event.src_path, getattr(event, "dest_path", "")):
                if name:
                    self.changed.add(Path(os.fsdecode(name)))
            self._want_rebuild = True
            self._rebuild_cond.notify_all()

    def _rebuild(self) -> None:
        with self._rebuild_cond:
            changed, self.changed = self.changed, set()
        started = time.perf_counter()
        try:
            library = self.preview.library(changed)
            wanted = pipeline.affected(
                self.preview.root, library, changed, self.preview.languages(library)
            )
            sites = tuple(dict.fromkeys(wanted.sites + self.later))
            # The first language now, so the browser shows the edit; the others next.
            self.preview.build(library, pipeline.Affected(sites[:1], wanted.handouts))
        except CareleafError as error:
            self.later = ()
            log.error(
                "careleaf: the preview was not rebuilt; still serving the last good site:\n%s",
                error,
            )
            return
        log.info(
            "careleaf: rebuilt %s in %.1f s",
            ", ".join(sites[:1]) or "the handouts",
            time.perf_counter() - started,
        )
        self.later = sites[1:]
        if self.later:
            with self._rebuild_cond:
                self._want_rebuild = True
                self._rebuild_cond.notify_all()


def serve(
    root: Path,
    clinic_id: str,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    allow_stale: bool = False,
    allow_overdue: bool = False,
    preview: str = "",
    site: Path | None = None,
    ready: Callable[[], None] = lambda: None,
) -> None:
    """Serve a live preview of one clinic's site until interrupted.

    Every source folder is watched (`careleaf.build.pipeline.watch_list`); an edit rebuilds only the
    sites and handouts it reaches (`careleaf.build.pipeline.affected`). ``preview``: a language's
    marked preview instead (it and the source language), kept in ``site`` after it stops;
    by default the site is served from a temporary folder. ``ready`` is called once the
    server listens.

    Raises:
        BuildError: the first build failed (later failures are shown, and the last good
            site is served).
        OSError: the address cannot be listened on.
    """
    # The server's lines (where it serves, what it rebuilt) are the preview's interface.
    _show_mkdocs_messages(logging.INFO)
    built = Preview(
        root,
        clinic_id,
        allow_stale=allow_stale,
        allow_overdue=allow_overdue,
        preview=preview,
        site=site,
    )
    try:
        library = built.library()
        languages = tuple(built.languages(library))
        built.build(library, pipeline.Affected(languages, languages))
        server = _PreviewServer(built, host, port)
        server.watch_sources(pipeline.watch_list(root, library))
        ready()
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        if "server" in locals():
            server.shutdown()
        shutil.rmtree(built.work, ignore_errors=True)
        if site is None:
            shutil.rmtree(built.site, ignore_errors=True)
