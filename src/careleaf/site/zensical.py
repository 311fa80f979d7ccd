"""Zensical as careleaf's site engine: one language's site of one clinic at a time.

careleaf's core composes the pages (`careleaf.render.compose`: blocks, notices, fallbacks,
handout cards in place); this adapter writes them, the clinic's files (`careleaf.site.branding`)
and a configuration it generates into a work folder, runs ``zensical build`` on that folder in
a process of its own, and moves the site into the staging folder the pipeline verifies.

Zensical never reads the project: not its mkdocs.yml (a ``macros`` plugin named there, which
Zensical maps to an extension that imports and runs the project's Python), not its code. The
generated configuration names no plugin but ``search`` and no Markdown extension that runs
contributed code; the work folder holds only composed pages, the clinic's files and a copy of
the theme's overrides.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import yaml

import careleaf
from careleaf.content.model import Library
from careleaf.content.yamlfile import read_site_config
from careleaf.errors import BuildError
from careleaf.options import BuildOptions
from careleaf.render.compose import (
    ComposedPage,
    compose_pages,
    safety_page,
    source_folder,
    write_files,
    write_pages,
)
from careleaf.site.branding import site_files, site_settings
from careleaf.site.search import separator

# The pinned engine (pyproject.toml): its templates are the ones the overrides are checked on.
VERSION = "0.0.73"
# Markdown extensions a project's mkdocs.yml may name for the Zensical build: the ones that
# only read Markdown (no extension that loads files, runs code or reaches the network).
EXTENSIONS = ("admonition", "attr_list", "def_list", "footnotes", "md_in_html", "tables")
# Overrides of Material's templates that Zensical's own templates replace: Material 9.8's search
# partial would take the place of Zensical's search.
MATERIAL_ONLY = ("partials/search.html",)
# How long one language's build may take before careleaf gives up on it.
TIMEOUT_S = 300


class ZensicalEngine:
    """Runs Zensical for one language's site of one clinic at a time (a `SiteEngine`)."""

    # The package whose templates write the pages' inline scripts (their CSP shapes,
    # `careleaf.build.csp_pages.theme_templates`): Zensical's own, not Material's.
    theme = "zensical"

    def __call__(
        self,
        clinic_id: str,
        lang: str,
        site_dir: Path,
        library: Library,
        options: BuildOptions = BuildOptions(),
        generated: Mapping[str, str] | None = None,
    ) -> None:
        """Build one language's site of one clinic into ``site_dir`` from the pages careleaf
        composes (``generated``: careleaf's own pages, Markdown by name).

        Raises:
            BuildError: Zensical failed or warned (a warning is never published); the message
                holds what it said.
        """
        clinic = library.clinics[clinic_id]
        # Zensical rewrites every relative link (raw HTML's too) as written from the page's
        # Markdown file: careleaf's links are written from there.
        pages = compose_pages(library, clinic, lang, options, generated or {}, source_folder)
        with tempfile.TemporaryDirectory(prefix="careleaf-zensical-") as folder:
            work = Path(folder)
            config = zensical_config(library, clinic_id, lang, options, pages)
            logo = config["theme"]["logo"]
            added = site_files(library, clinic, lang, options.preview, logo)
            write_pages(work / "docs", library, lang, pages)
            write_files(work / "docs", added)
            shutil.copytree(library.root / "overrides", work / "overrides")
            for name in MATERIAL_ONLY:
                (work / "overrides" / name).unlink(missing_ok=True)
            (work / "mkdocs.yml").write_text(
                yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8"
            )
            run_zensical(work, f"the {lang} site of '{clinic_id}'")
            shutil.copytree(work / "site", site_dir, dirs_exist_ok=True)


def zensical_config(
    library: Library,
    clinic_id: str,
    lang: str,
    options: BuildOptions,
    pages: Mapping[str, ComposedPage],
) -> dict[str, Any]:
    """The configuration careleaf generates for one language's Zensical build: the project's
    navigation, theme features, stylesheets and plain Markdown extensions, with the clinic's
    branding and the language's settings; no plugin but search."""
    project = read_site_config(library.root / "mkdocs.yml")
    theme = project["theme"] if isinstance(project.get("theme"), dict) else {}
    clinic = library.clinics[clinic_id]
    settings = site_settings(library, clinic, lang, options.preview)
    nav = [entry for entry in project.get("nav") or [] if entry in pages]
    extra = dict(settings.extra)
    found = safety_page(library, pages, nav)
    extra["careleaf"] = {
        **extra["careleaf"],
        "safety_page": {"url": found.url, "title": found.title} if found else None,
    }
    extensions: list[Any] = [
        entry
        for entry in project.get("markdown_extensions") or []
        if isinstance(entry, str) and entry in EXTENSIONS
    ]
    extensions.append(
        {
            "toc": {
                "permalink": False,
                # careleaf's Unicode-aware anchors, as with MkDocs: Bengali vowel signs and
                # viramas kept (pymdownx's slugify drops them), Arabic letters readable.
                "slugify": {"object": "careleaf.content.page_markdown.slugifier"},
            }
        }
    )
    return {
        "site_name": settings.name,
        "site_url": settings.url,
        "docs_dir": "docs",
        "site_dir": "site",
        "use_directory_urls": True,
        "theme": {
            "name": "material",
            "variant": "classic",
            "custom_dir": "overrides",
            "font": False,
            "features": list(theme.get("features") or []),
            **settings.theme,
        },
        "extra_css": [*settings.css, *(project.get("extra_css") or [])],
        "extra": {"generator": False, **extra},
        "markdown_extensions": extensions,
        # careleaf's word separator (any space, punctuation or symbol of any script); the
        # language is the theme's.
        "plugins": [{"search": {"separator": separator()}}],
        "nav": nav,
    }


def run_zensical(work: Path, what: str) -> None:
    """Run ``zensical build --strict`` on the generated configuration in ``work``.

    Raises:
        BuildError: it failed, warned or took too long; with what it said.
    """
    command = [sys.executable, "-m", "zensical", "build", "--strict", "-f", "mkdocs.yml"]
    # Zensical imports careleaf's own slugify (`zensical_config`), from the careleaf that runs
    # this build; nothing else: no path into the project.
    env = {**os.environ, "PYTHONPATH": str(Path(careleaf.__file__).resolve().parents[1])}
    try:
        done = subprocess.run(  # noqa: S603 (a fixed command)
            command, cwd=work, env=env, capture_output=True, text=True, timeout=TIMEOUT_S
        )
    except subprocess.TimeoutExpired:
        raise BuildError(f"Zensical took over {TIMEOUT_S} s: {what} was not published") from None
    said = (done.stdout + done.stderr).strip()
    if done.returncode != 0:
        last = said.splitlines()[-1] if said else f"exit status {done.returncode}"
        raise BuildError(f"Zensical failed: {last}\n{what} was not published")


def refusal(name: str) -> str:
    """Why careleaf will not build this project's sites with the engine ``name``, or ``""``:
    a Zensical that is missing or not the version careleaf was checked with (its templates
    are the ones the overrides are made for), or a feature Zensical lacks (README, "Site
    engines"). Never a silently poorer site."""
    if name != "zensical":
        return ""
    try:
        found = version("zensical")
    except PackageNotFoundError:
        return f"Zensical is not installed: `make` installs it (zensical=={VERSION})"
    if found != VERSION:
        return (
            f"Zensical {found} is installed; careleaf's Zensical adapter is made for "
            f"{VERSION} (its templates, its configuration): install zensical=={VERSION}"
        )
    return ""
