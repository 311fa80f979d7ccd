"""The live preview's builds: what an edit reaches, and one clinic's site rebuilt in place.

`careleaf serve` watches every source (`watch_list`); an edit rebuilds only the languages'
sites and handouts it reaches (`affected`), with the pipeline's own phases (`Preview.build`).
The preview checks the content as a build does, but verifies nothing: `careleaf build`
verifies what it publishes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from careleaf.build.cache import Cache, Entry
from careleaf.build.events import Progress, quiet
from careleaf.build.lock import output_lock
from careleaf.build.pipeline import SiteEngine, check_policy, generated_pages
from careleaf.build.plan import Unit, build_languages, language_folder, plan
from careleaf.build.publish import place_handouts, publish
from careleaf.build.workers import render_handouts
from careleaf.content.checks import check_project
from careleaf.content.load import load_library
from careleaf.content.model import Library
from careleaf.content.pages import read_pages
from careleaf.content.yamlfile import check_site_config
from careleaf.editorial.readability import ReadabilityCounts
from careleaf.errors import BuildError, ContentError
from careleaf.options import BuildOptions
from careleaf.paths import CONTENT_DIR, DOCS_DIR, beside
from careleaf.verify.manifest import output_languages

# Folders and files whose every change reaches the whole site and every handout.
EVERYTHING = ("careleaf.yml", "mkdocs.yml", "handouts", "clinics", "fonts", "overrides")


def watch_list(root: Path, library: Library) -> list[Path]:
    """What the preview watches: every source of the site and the handouts that exists."""
    root = Path(root)
    paths = [root / CONTENT_DIR, *(root / DOCS_DIR / lang for lang in library.project.languages)]
    paths += [root / name for name in EVERYTHING]
    return [path for path in paths if path.exists()]


@dataclass(frozen=True)
class Affected:
    """What a set of edits requires rebuilding: languages' sites, and handouts by language."""

    sites: tuple[str, ...] = ()
    handouts: tuple[str, ...] = ()


def affected(
    root: Path,
    library: Library,
    changed: Iterable[Path],
    languages: Sequence[str] | None = None,
) -> Affected:
    """The languages whose site, and those whose handouts, an edit of ``changed`` reaches.

    A page of a translation reaches its language's site only; a page of the source language
    every site (translations fall back to it, and say when it changed since they were made).
    Content of a language reaches its site and handouts; the source language's, and every
    other project file, all of them. Sites come in the order of ``languages`` (by default
    `output_languages`: the source language first).
    """
    languages = output_languages(library) if languages is None else list(languages)
    source = library.source_language
    sites: set[str] = set()
    handouts: set[str] = set()
    for path in changed:
        try:
            parts = Path(path).resolve().relative_to(Path(root).resolve()).parts
        except ValueError:
            continue
        if not parts:
            continue
        lang = parts[1] if len(parts) > 2 and parts[0] in (DOCS_DIR, CONTENT_DIR) else None
        if parts[0] == DOCS_DIR and lang:
            sites.update(languages if lang == source else [lang])
        elif parts[0] == CONTENT_DIR and lang:
            reach = languages if lang == source else [lang]
            sites.update(reach)
            handouts.update(reach)
        elif parts[0] in EVERYTHING:
            sites.update(languages)
            handouts.update(languages)
    return Affected(
        tuple(lang for lang in languages if lang in sites),
        tuple(lang for lang in languages if lang in handouts),
    )


def next_round(wanted: Affected, later: Affected, fresh: bool) -> tuple[Affected, Affected]:
    """What a preview rebuilds now, and what it leaves for its next rounds, of what edits
    reached (``wanted``) and what earlier rounds left (``later``).

    An edit (``fresh``) rebuilds the first language's site at once, so that the browser shows
    it within a second; the next round renders the handouts the edits reached (seconds: a
    handout takes about one each), and the rounds after it the other languages' sites, one
    each.
    """
    sites = tuple(dict.fromkeys(wanted.sites + later.sites))
    handouts = tuple(dict.fromkeys(wanted.handouts + later.handouts))
    now = Affected(sites[:1]) if sites and (fresh or not handouts) else Affected((), handouts)
    rest = Affected(
        tuple(s for s in sites if s not in now.sites),
        tuple(h for h in handouts if h not in now.handouts),
    )
    return now, rest


class Preview:
    """One clinic's site, built a language at a time, for the live preview.

    Each language's site is built into its own folder; the served folder is assembled from
    them (hard links) and the handouts, and swapped in only when a rebuild succeeded: an
    error leaves the last good site served.

    Its handouts carry one date for the whole preview (SOURCE_DATE_EPOCH, else the moment it
    started): an edit then renders only the handouts it changed, however the preview was
    started, where a date taken anew for each build would change every handout's cache key.
    """

    def __init__(
        self,
        root: Path,
        clinic_id: str,
        engine: SiteEngine,
        options: BuildOptions = BuildOptions(),
        *,
        site: Path | None = None,
        progress: Progress = quiet,
    ) -> None:
        self.root = Path(root)
        # Told when a rebuild waits for another build of the same folder (`build --draft`).
        self.progress = progress
        self.clinic_id = clinic_id
        self.engine = engine
        if options.epoch is None and not os.environ.get("SOURCE_DATE_EPOCH"):
            options = replace(options, epoch=int(time.time()))
        # A language's preview (``options.preview``): it and the source language, every page
        # and handout marked.
        self.options = options
        # Where the site is served from (by default a temporary folder); the work folder
        # beside it, so that a finished rebuild is swapped in by renaming.
        self.site = Path(site) if site else Path(tempfile.mkdtemp(prefix="careleaf-preview-"))
        self.work = beside(self.site, "preview")
        shutil.rmtree(self.work, ignore_errors=True)
        self.work.mkdir(parents=True)
        self.site.mkdir(parents=True, exist_ok=True)
        self.entries: dict[Unit, Entry] = {}
        # The content as the last rebuild loaded it (None after a load that failed).
        self.loaded: Library | None = None
        # The editors' report's counts: a rebuild counts only the texts edited since.
        self.readability = ReadabilityCounts()

    def languages(self, library: Library) -> list[str]:
        """The languages it shows: every published one, or a preview's two."""
        return build_languages(library, self.options.preview)

    def library(self, changed: Iterable[Path] | None = None) -> Library:
        """The project as it is now, checked as a build checks it.

        ``changed``: the files edited since the last call. When each is a page (under
        ``docs/``), the content the last call loaded is still the project's: only the pages
        are read (and checked) again, with that content (`Library.with_pages`).

        Raises:
            BuildError: the content cannot be loaded, or is refused.
        """
        docs = (self.root / DOCS_DIR).resolve()
        pages_only = changed is not None and all(
            docs in Path(path).resolve().parents for path in changed
        )
        if self.loaded is not None and pages_only:
            library = self.loaded.with_pages(read_pages(self.loaded))
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

    def build(self, library: Library, wanted: Affected) -> None:
        """Rebuild the sites and handouts ``wanted`` names, then serve the result.

        Raises:
            BuildError: a handout or a language's site failed; the served site is unchanged.
        """
        # One build at a time in the served folder: `careleaf build --draft` writes it too.
        with output_lock([self.site], progress=self.progress):
            check_policy(library, self.options)
            languages = self.languages(library)
            units = [
                unit
                for unit in plan(library, [self.clinic_id], languages)
                if unit.lang in wanted.handouts
            ]
            cache = Cache(self.root / ".careleaf-cache")
            self.entries.update(render_handouts(library, units, cache, self.options))
            for lang in wanted.sites:
                target = self.work / "languages" / lang
                generated = generated_pages(library, lang, self.readability)
                self.engine(self.clinic_id, lang, target, library, self.options, generated)
            assembled = self.work / "site.new"
            shutil.rmtree(assembled, ignore_errors=True)
            for lang in languages:
                built = self.work / "languages" / lang
                if built.is_dir():
                    shutil.copytree(
                        built,
                        assembled / language_folder(library, lang),
                        copy_function=os.link,
                        dirs_exist_ok=True,
                    )
            place_handouts(self.entries, library, self.clinic_id, assembled)
            publish(assembled, self.site)
