"""The build pipeline: the one function that turns a project into verified, published outputs.

`build` reads as the list of its phases: load and check the project, plan what changed since
the published build, start the workers on the handouts, build the sites meanwhile, then
verify and publish each clinic. `careleaf build`, plain `mkdocs build` (the plugin's
`on_config`) and `careleaf serve` (`careleaf.build.preview`) all run these phases.

The core never imports mkdocs: each language's site comes from a `SiteEngine` that the adapter
(`careleaf.site.engine`) passes in.
"""

from __future__ import annotations

import errno
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from careleaf.build.cache import Cache, write_whole
from careleaf.build.csp_pages import THEME_PACKAGE
from careleaf.build.events import Kept, PolicyNote, Progress, SiteBuilding, SiteCopied, quiet
from careleaf.build.lock import output_lock
from careleaf.build.plan import Unit, build_languages, language_folder, plan
from careleaf.build.publish import Staged, staging_dir, verify_and_publish
from careleaf.build.records import BuildRecords, Published
from careleaf.build.workers import Workers
from careleaf.compat import stop_fork_server
from careleaf.content.checks import check_project
from careleaf.content.load import load_library
from careleaf.content.model import Library
from careleaf.editorial.policy import safety_policy
from careleaf.editorial.readability import ReadabilityCounts
from careleaf.editorial.report import EDITORS_PAGE, build_report, editors_page
from careleaf.errors import BuildError, ContentError, unknown
from careleaf.fingerprint import input_files, inputs_digest
from careleaf.options import BuildOptions
from careleaf.verify.manifest import source_hashes
from careleaf.verify.proofs import Proofs

# In the cache folder: the editors' report's readability counts (`careleaf.editorial.readability`).
READABILITY_FILE = "readability.json"


class SiteEngine(Protocol):
    """Builds one language's site of one clinic into a folder (the adapter, e.g. MkDocs)."""

    def __call__(
        self,
        clinic_id: str,
        lang: str,
        site_dir: Path,
        library: Library,
        options: BuildOptions,
        generated: Mapping[str, str],
    ) -> None:
        """Build the site of the project ``library`` (loaded and checked), with the pages
        careleaf wrote for it (``generated``: Markdown by name); raise `BuildError` when it
        failed or warned."""


def load_checked(root: Path) -> Library:
    """Load the project and check every contributed file, as every build does first.

    Raises:
        BuildError: the content cannot be loaded or is refused (every problem at once).
    """
    try:
        library = load_library(root)
    except ContentError as error:
        # As from MkDocs: one build failure, whatever the step (the message lists them all).
        raise BuildError(str(error)) from None
    problems = check_project(root, library)
    if problems:
        raise BuildError(
            "contributed files are refused:\n" + "\n".join(f"  - {p}" for p in problems)
        )
    return library


def check_policy(library: Library, options: BuildOptions, progress: Progress = quiet) -> None:
    """Apply the safety policy of `careleaf check`: what it refuses, no build publishes.

    Raises:
        BuildError: listing every refused item.
    """
    verdict = safety_policy(
        library, allow_stale=options.allow_stale, allow_overdue=options.allow_overdue
    )
    if verdict.problems:
        raise BuildError(
            "the safety policy refuses this build (fix the content, or for an out-of-date "
            "translation or an overdue review build with --allow-stale or --allow-overdue to "
            "publish it marked):\n" + "\n".join(f"  - {p}" for p in verdict.problems)
        )
    for problem in verdict.allowed:
        progress(PolicyNote(str(problem), allowed=True))
    for problem in verdict.warnings:
        progress(PolicyNote(str(problem)))


@dataclass
class Plan:
    """What a build has to do: each clinic to build (with what it reads now and the record of
    its published build), its languages, its handout units, the cache keys of the units
    whose inputs are those of the published build, and the project's sources as it read them
    (hashed once: the manifests record them)."""

    clinics: dict[str, tuple[Published, Published | None]]
    languages: list[str]
    units: list[Unit]
    reused: dict[Unit, str]
    sources: dict[str, str]


def plan_build(
    library: Library,
    clinic_ids: Sequence[str],
    site_dir_for: Callable[[str], Path],
    options: BuildOptions,
    records: BuildRecords,
    progress: Progress = quiet,
) -> Plan:
    """Compare what each clinic's build reads now with the record of its published build:
    a clinic whose inputs are unchanged is kept as it is (and left out of the plan).

    Raises:
        BuildError: a clinic is unknown to the project.
    """
    for clinic in clinic_ids:
        if clinic not in library.clinics:
            raise BuildError(unknown("clinic", clinic, library.clinics))
    sources = source_hashes(library.root)
    files = input_files(sources)
    languages = build_languages(library, options.preview)
    source = library.source_language
    todo: dict[str, tuple[Published, Published | None]] = {}
    for clinic in clinic_ids:
        final = Path(site_dir_for(clinic))
        wanted = Published(
            inputs_digest(files, clinic, options),
            {
                lang: inputs_digest(
                    files, clinic, options, None if lang == source else {lang, source}
                )
                for lang in languages
            },
            {},
            {},
            handout_inputs={
                lang: inputs_digest(files, clinic, options, {lang, source}) for lang in languages
            },
        )
        before = records.read(final)
        if before is not None and wanted.inputs is not None and before.inputs == wanted.inputs:
            # Its published files are, byte for byte, the verified build of these inputs.
            progress(Kept(clinic))
        else:
            todo[clinic] = (wanted, before)
    units = plan(library, todo, languages)
    # A language whose inputs are those of the published build has the same handouts: their
    # cache keys come from its record, without preparing their documents again.
    reused: dict[Unit, str] = {}
    for unit in units:
        now, published = todo[unit.clinic]
        if published is not None and now.same_handouts(unit.lang, published):
            if unit.name in published.handouts:
                reused[unit] = published.handouts[unit.name]
    return Plan(todo, languages, units, reused, sources)


def build(
    root: Path,
    clinic_ids: Sequence[str],
    site_dir_for: Callable[[str], Path],
    engine: SiteEngine,
    options: BuildOptions = BuildOptions(),
    *,
    jobs: int | None = None,
    cache_dir: Path | None = None,
    progress: Progress = quiet,
    wait: bool = True,
) -> None:
    """Build, verify and publish the sites and handouts of some clinics.

    Each clinic's outputs go to ``site_dir_for(clinic)``, replaced only once every language's
    site was built without a warning and every output verified: a failed build publishes
    nothing and leaves no staging folder behind.

    Args:
        root: the project folder.
        clinic_ids: the clinics to build.
        site_dir_for: each clinic's output folder.
        engine: builds one language's site (pages, theme) of one clinic.
        options: what the build publishes and how it marks it.
        jobs: worker processes for the handouts (default: the number of cores).
        cache_dir: the cache of rendered handouts (default: ``root/.careleaf-cache``).
        progress: told each step, as an event.
        wait: when another process builds into one of the output folders (each holds a
            lock, `careleaf.build.lock`), wait for it (saying so once, a `Waiting` event);
            else fail at once.

    Raises:
        BuildError: the content cannot be loaded or is refused (every problem at once), or a
            step failed; the message names the handout, language and clinic. Or another
            process builds into an output folder and ``wait`` is false.
    """
    library = load_checked(root)
    check_policy(library, options, progress)
    cache_folder = Path(cache_dir or Path(root) / ".careleaf-cache")
    records = BuildRecords(cache_folder)
    # Every entry point (the command, plain `mkdocs build`, a draft) comes through here: one
    # build at a time per output folder, from reading its record to publishing it.
    folders = [Path(site_dir_for(clinic)) for clinic in clinic_ids if clinic in library.clinics]
    try:
        with output_lock(folders, wait=wait, progress=progress):
            todo = plan_build(library, clinic_ids, site_dir_for, options, records, progress)
            proofs = Proofs(cache_folder / "proofs")
            try:
                # The sites need no handout (they are put in at verification): this process
                # builds them while the workers render, and both cores are busy. The verification
                # comes after: the browser then proves pages once the workers' memory is given
                # back.
                with Workers(
                    library,
                    Cache(cache_folder),
                    options,
                    jobs=jobs,
                    proofs=proofs,
                    progress=progress,
                ) as workers:
                    workers.submit(todo.units, todo.reused)
                    staged = build_sites(
                        library, todo, site_dir_for, engine, options, cache_folder, progress
                    )
                stop_fork_server()
                verify_and_publish(
                    library,
                    staged,
                    workers.entries,
                    todo.languages,
                    proofs,
                    records,
                    progress,
                    sources=todo.sources,
                    # The engine's theme wrote the pages' inline scripts (Material's by default).
                    theme=getattr(engine, "theme", THEME_PACKAGE),
                )
            finally:
                # Sites built but never published (a build that failed) are not left behind.
                for clinic in todo.clinics:
                    shutil.rmtree(staging_dir(Path(site_dir_for(clinic))), ignore_errors=True)
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        # A full disk is the machine's problem, not careleaf's: said without a traceback.
        # A folder is replaced only whole, so each is the build before or the new one.
        raise BuildError(
            f"cannot write {error.filename or 'the build'}: {error.strerror}; the build "
            "stopped, and every output folder is whole (free some space and build again)"
        ) from None


def build_sites(
    library: Library,
    todo: Plan,
    site_dir_for: Callable[[str], Path],
    engine: SiteEngine,
    options: BuildOptions,
    cache_folder: Path,
    progress: Progress = quiet,
) -> list[Staged]:
    """Build every planned clinic's sites into its staging folder; returns them staged."""
    # The editors' report (in the source language's sites) counts only the texts that
    # changed since the last build.
    counts = cache_folder / READABILITY_FILE
    readability = ReadabilityCounts()
    readability.load(counts)
    staged = []
    for clinic, (wanted, before) in todo.clinics.items():
        final = Path(site_dir_for(clinic))
        site = Staged(clinic, wanted, staging_dir(final), final)
        shutil.rmtree(site.staging, ignore_errors=True)
        staged.append(site)
        for lang in todo.languages:
            wanted.written[lang] = language_site(
                engine, library, site, lang, options, before, readability, progress
            )
        # The editors' report has counted its texts (and keeps the counts).
        readability.release()
    if (counted := readability.to_save()) is not None:
        cache_folder.mkdir(parents=True, exist_ok=True)
        write_whole(counts, counted)
    return staged


def language_site(
    engine: SiteEngine,
    library: Library,
    site: Staged,
    lang: str,
    options: BuildOptions,
    before: Published | None,
    readability: ReadabilityCounts,
    progress: Progress = quiet,
) -> list[str]:
    """Build one language's site into ``site.staging``, or copy it from the published
    ``site.final`` when nothing it reads changed since; returns the files it is made of."""
    if before is not None and site.wanted.unchanged(lang, before):
        # The published folder's files are untouched since they were verified (`read`).
        for name in before.written[lang]:
            (site.staging / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(site.final / name, site.staging / name)
        progress(SiteCopied(site.clinic, lang))
        return list(before.written[lang])
    progress(SiteBuilding(site.clinic, lang))
    existing = file_names(site.staging)
    folder = site.staging / language_folder(library, lang)
    engine(site.clinic, lang, folder, library, options, generated_pages(library, lang, readability))
    return sorted(file_names(site.staging) - existing)


def generated_pages(library: Library, lang: str, readability: ReadabilityCounts) -> dict[str, str]:
    """The pages careleaf writes for a language's site, Markdown by name: the editors' report
    in the source language's (``readability``: the counts of the texts, kept between
    builds)."""
    if lang != library.source_language:
        return {}
    report = build_report(library, counts=readability)
    return {EDITORS_PAGE: editors_page(report, library.project.content_version)}


def file_names(folder: Path) -> set[str]:
    """Every file of a folder, by relative path (none when it does not exist)."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
