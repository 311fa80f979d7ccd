"""The site's theme, branded for one clinic: Material's configuration, colours and templates."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from jinja2 import BytecodeCache, Environment, FileSystemLoader
from jinja2.bccache import Bucket
from markupsafe import escape
from mkdocs.config.defaults import MkDocsConfig

from careleaf.content.model import Clinic, Library
from careleaf.site.branding import site_settings
from careleaf.site.search import configure_search


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
    """Brand one language's build with the clinic (``preview``: the language a preview
    shows, every page marked); its pages are the ones the core composed (the plugin's)."""
    settings = site_settings(library, clinic, lang, preview)
    # Material prints site_name unescaped in places: give it escaped text (Markup), which
    # prints as the name and is not escaped twice where a template does escape it.
    config.site_name = escape(settings.name)
    config.site_url = settings.url
    for key, value in settings.theme.items():
        config.theme[key] = value
    search = config.plugins.get("material/search") or config.plugins.get("search")
    if search is not None:
        configure_search(search, lang)
    config.extra.update(settings.extra)
    config.extra_css = [*settings.css, *config.extra_css]
