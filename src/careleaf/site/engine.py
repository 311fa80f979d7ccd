"""MkDocs as careleaf's site engine: one language's site of one clinic at a time.

The pipeline itself (handouts, verification, publishing) is the core's
(`careleaf.build.pipeline`); `MkDocsEngine` is the `SiteEngine` it calls for each language's
site.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException

from careleaf.build import pipeline
from careleaf.build.events import Progress, quiet
from careleaf.build.pipeline import SiteEngine
from careleaf.content.model import Library
from careleaf.content.yamlfile import check_site_config, read_yaml
from careleaf.errors import BuildError, ContentError, Problem, logged_messages, unknown
from careleaf.options import BuildOptions
from careleaf.render.compose import compose_pages, write_pages
from careleaf.site.plugin import CareleafPlugin, Composed
from careleaf.site.theme import CompiledTemplates
from careleaf.site.zensical import ZensicalEngine, refusal

# The site engines careleaf can run (careleaf.yml's ``engine``, `careleaf build --engine`).
ENGINES = ("mkdocs", "zensical")


def build_site(
    root: Path,
    clinic_id: str,
    site_dir: Path,
    options: BuildOptions = BuildOptions(),
    *,
    jobs: int | None = None,
    cache_dir: Path | None = None,
    progress: Progress = quiet,
    wait: bool = True,
) -> None:
    """Build the site and handouts of one clinic into ``site_dir``, as `mkdocs build` would.

    Every published language is built, the outputs are verified, and only then is
    ``site_dir`` replaced. ``options.allow_stale`` publishes languages whose safety items are
    out of date, marked as such; ``options.allow_overdue`` approved content past its review
    date, marked. ``options.preview`` (a language code) builds that language, published or
    not, with the source language only, every page marked as a preview: give it a
    ``site_dir`` of its own. ``wait``: when another process builds into ``site_dir``, wait
    for it (else `BuildError` at once; see `careleaf.build.lock`).

    Raises:
        ContentError: mkdocs.yml holds a Python tag or INHERIT (nothing is run), or the
            project's files are refused.
        BuildError: the build failed; the message says why. ``site_dir`` is then untouched.
    """
    build_sites(
        root,
        [clinic_id],
        lambda _: site_dir,
        options,
        jobs=jobs,
        cache_dir=cache_dir,
        progress=progress,
        wait=wait,
    )


def build_sites(
    root: Path,
    clinic_ids: Sequence[str],
    site_dir_for: Callable[[str], Path],
    options: BuildOptions = BuildOptions(),
    *,
    jobs: int | None = None,
    cache_dir: Path | None = None,
    progress: Progress = quiet,
    wait: bool = True,
) -> None:
    """`careleaf.build.pipeline.build` with the site engine ``options.engine`` names, else
    careleaf.yml's ``engine`` (MkDocs by default; see `build_site`)."""
    # MkDocs reads mkdocs.yml with an unsafe YAML loader: read it safely first.
    problems = check_site_config(root / "mkdocs.yml", root)
    if problems:
        raise ContentError(problems)
    show_mkdocs_messages()
    pipeline.build(
        root,
        clinic_ids,
        site_dir_for,
        site_engine(root, options),
        options,
        jobs=jobs,
        cache_dir=cache_dir,
        progress=progress,
        wait=wait,
    )


def site_engine(root: Path, options: BuildOptions) -> SiteEngine:
    """The engine of a build's sites: ``options.engine``, else careleaf.yml's ``engine``
    (MkDocs when it names none), checked before anything is built.

    Raises:
        BuildError: the engine is unknown, or careleaf refuses it here (`refusal`).
    """
    problems: list[Problem] = []
    settings = read_yaml(root / "careleaf.yml", root, problems)
    name = options.engine or (settings.get("engine") if isinstance(settings, dict) else None)
    name = name or "mkdocs"
    if name not in ENGINES:
        raise BuildError(f"careleaf.yml: engine: {unknown('site engine', str(name), ENGINES)}")
    refused = refusal(name)
    if refused:
        raise BuildError(refused)
    return MkDocsEngine() if name == "mkdocs" else ZensicalEngine()


class MkDocsEngine:
    """Runs MkDocs for one language's site of one clinic at a time (a `SiteEngine`).

    One engine serves a whole build (or preview): the theme's templates are compiled once
    for all its sites' builds, where each would compile them again.
    """

    # The package whose templates write the pages' inline scripts (their CSP shapes).
    theme = "material"

    def __init__(self) -> None:
        self.templates = CompiledTemplates()

    def __call__(
        self,
        clinic_id: str,
        lang: str,
        site_dir: Path,
        library: Library,
        options: BuildOptions = BuildOptions(),
        generated: Mapping[str, str] | None = None,
    ) -> None:
        """Build one language's site of one clinic into ``site_dir`` (a preview's language,
        with ``options.preview``, has every page marked). ``library``: the project, already
        loaded and checked, so that MkDocs' plugin does not load it again; ``generated``:
        the pages careleaf wrote for this site (Markdown by name). MkDocs reads the pages
        the core composed (`careleaf.render.compose`), never the project's own.

        Raises:
            BuildError: MkDocs failed or logged a warning (all of them, strict mode or not: a
                warning is never published); the message holds what MkDocs logged.
        """
        logger = logging.getLogger("mkdocs")
        # `-q` would drop warnings before any handler sees them: a warning must always be seen.
        if logger.getEffectiveLevel() > logging.WARNING:
            logger.setLevel(logging.WARNING)
        # The core composes the pages; MkDocs reads them from a folder of their own.
        pages = compose_pages(library, library.clinics[clinic_id], lang, options, generated or {})
        with (
            tempfile.TemporaryDirectory(prefix="careleaf-pages-") as folder,
            logged_messages("mkdocs", logging.WARNING) as messages,
            logged_messages("mkdocs", logging.ERROR) as errors,
        ):
            try:
                config = load_config(str(library.root / "mkdocs.yml"), site_dir=str(site_dir))
                plugin = config.plugins["careleaf"]
                if not isinstance(plugin, CareleafPlugin):
                    raise BuildError("mkdocs.yml: the careleaf plugin is not the one installed")
                plugin.config.clinic, plugin.config.lang = clinic_id, lang
                plugin.config.allow_stale = options.allow_stale
                plugin.config.allow_overdue = options.allow_overdue
                plugin.config.preview = options.preview
                plugin.preloaded, plugin.templates = library, self.templates
                write_pages(Path(folder), library, lang, pages)
                plugin.composed = Composed(Path(folder), pages)
                build(config)
                failed = ""
            except MkDocsException as error:
                # MkDocs logs the cause and raises a bare "Aborted"; the cause is what people
                # need.
                failed = str(error)
        warnings = len(messages) - len(errors)
        if failed or warnings:
            why = f" ({warnings} warnings)" if warnings else ""
            raise BuildError(
                "\n".join(messages or [failed])
                + f"\nthe {lang} site of '{clinic_id}' was not published{why}"
            )


def show_mkdocs_messages(level: int = logging.WARNING) -> None:
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
