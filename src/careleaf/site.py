"""Runs the MkDocs build for one clinic; with `plugin`, the only module that imports mkdocs."""

from __future__ import annotations

import logging
from pathlib import Path

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import MkDocsException

from .errors import BuildError, ContentError, logged_messages
from .plugin import CareleafPlugin
from .yamlfile import check_site_config


def build_site(
    root: Path,
    clinic_id: str,
    site_dir: Path,
    *,
    allow_stale: bool = False,
    allow_overdue: bool = False,
) -> None:
    """Build the site and handouts of one clinic into ``site_dir``, as `mkdocs build` would.

    Every published language is built, the outputs are verified, and only then is
    ``site_dir`` replaced. ``allow_stale`` publishes languages whose safety items are out of
    date, marked as such; ``allow_overdue`` approved content past its review date, marked.

    Raises:
        ContentError: mkdocs.yml holds a Python tag or INHERIT (nothing is run).
        BuildError: the build failed; the message says why. ``site_dir`` is then untouched.
    """
    # MkDocs reads mkdocs.yml with an unsafe YAML loader: read it safely first.
    problems = check_site_config(root / "mkdocs.yml", root)
    if problems:
        raise ContentError(problems)
    _show_mkdocs_messages()
    with logged_messages("mkdocs", logging.ERROR) as errors:
        try:
            config = load_config(str(root / "mkdocs.yml"), site_dir=str(site_dir))
            options = config.plugins["careleaf"].config
            options.clinic, options.allow_stale = clinic_id, allow_stale
            options.allow_overdue = allow_overdue
            # Publish here, once build() has returned: MkDocs decides that a build failed
            # (strict-mode warnings) only after its last hook.
            options.publish = False
            build(config)
            plugin = config.plugins["careleaf"]
            assert isinstance(plugin, CareleafPlugin)
            plugin.publish_staged()
        except MkDocsException as error:
            # MkDocs logs the cause and raises a bare "Aborted"; the cause is what people need.
            raise BuildError("\n".join(errors) or str(error)) from None


def _show_mkdocs_messages() -> None:
    """MkDocs logs its warnings and errors; show them as the mkdocs command does."""
    logger = logging.getLogger("mkdocs")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
