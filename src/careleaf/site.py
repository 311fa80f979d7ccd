"""Runs MkDocs for one language of one clinic; with `plugin`, the only module that imports mkdocs.

The pipeline itself (handouts, verification, publishing) is the core's (`careleaf.build`);
this module is the `SiteEngine` it calls for each language's site.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException

from . import build as pipeline
from .errors import BuildError, ContentError, logged_messages
from .yamlfile import check_site_config


def build_site(
    root: Path,
    clinic_id: str,
    site_dir: Path,
    *,
    allow_stale: bool = False,
    allow_overdue: bool = False,
    jobs: int | None = None,
    progress: pipeline.Progress = pipeline._quiet,
) -> None:
    """Build the site and handouts of one clinic into ``site_dir``, as `mkdocs build` would.

    Every published language is built, the outputs are verified, and only then is
    ``site_dir`` replaced. ``allow_stale`` publishes languages whose safety items are out of
    date, marked as such; ``allow_overdue`` approved content past its review date, marked.

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
        jobs=jobs,
        progress=progress,
    )


def build_sites(
    root: Path,
    clinic_ids: Sequence[str],
    site_dir_for: Callable[[str], Path],
    *,
    allow_stale: bool = False,
    allow_overdue: bool = False,
    jobs: int | None = None,
    progress: pipeline.Progress = pipeline._quiet,
) -> None:
    """`careleaf.build.build` with MkDocs as the site engine (see `build_site`)."""
    # MkDocs reads mkdocs.yml with an unsafe YAML loader: read it safely first.
    problems = check_site_config(root / "mkdocs.yml", root)
    if problems:
        raise ContentError(problems)
    _show_mkdocs_messages()

    def engine(clinic_id: str, lang: str, site_dir: Path) -> None:
        build_language(
            root, clinic_id, lang, site_dir, allow_stale=allow_stale, allow_overdue=allow_overdue
        )

    pipeline.build(
        root,
        clinic_ids,
        site_dir_for,
        engine,
        allow_stale=allow_stale,
        allow_overdue=allow_overdue,
        jobs=jobs,
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
) -> None:
    """Run MkDocs for one language's site of one clinic into ``site_dir``.

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
            options = config.plugins["careleaf"].config
            options.clinic, options.lang = clinic_id, lang
            options.allow_stale, options.allow_overdue = allow_stale, allow_overdue
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


def _show_mkdocs_messages() -> None:
    """Show MkDocs' warnings and errors as the mkdocs command does.

    Not its INFO lines ("Building documentation...", once per language): careleaf reports each
    step itself.
    """
    logger = logging.getLogger("mkdocs")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
        handler.setLevel(logging.WARNING)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
