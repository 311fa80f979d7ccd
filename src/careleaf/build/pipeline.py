"""The build pipeline: plan units, render handouts (parallel, cached), build, verify, publish.

The core never imports mkdocs: each language's site comes from a `SiteEngine` that the adapter
(`careleaf.site.engine`) passes in. A build renders every handout once, in a pool of worker
processes that each load WeasyPrint and the fonts once, and copies an unchanged handout from the
content-addressed cache (`careleaf.build.cache`) instead of rendering it again.
"""

from __future__ import annotations

import collections
import concurrent.futures
import functools
import gc
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import threading
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Protocol

from careleaf.build.cache import Cache, Entry, assets_digest, renderer_digest, write_whole
from careleaf.content.checks import check_project
from careleaf.content.load import load_library
from careleaf.content.model import Library
from careleaf.editorial.policy import overdue_blocks, safety_policy
from careleaf.editorial.readability import ReadabilityCounts
from careleaf.errors import BuildError, CareleafError, ContentError
from careleaf.render.handouts import HandoutJob, Renderer, handout_job, render_job, thumbnail
from careleaf.verify.browser import Chromium
from careleaf.verify.manifest import (
    HANDOUTS_DIR,
    SOURCE_PARTS,
    Output,
    build_manifest,
    collect_outputs,
    output_languages,
    write_manifest,
)
from careleaf.verify.proofs import Proofs
from careleaf.verify.verifier import PdfProof, format_table, prove_pdf, verify

# How many clinics are verified at once (see `_verify_and_publish`): one more than the
# browser proves at once (`careleaf.verify.browser.SITES_AT_ONCE`), so that a clinic's manifest and
# static checks are worked out while the browser proves the others' pages; more would only
# wait for the browser.
VERIFIERS = 3
# Below this many handouts to render, starting workers (each loads the fonts, about a second
# of CPU) costs more than it saves: they are rendered in this process.
POOL_THRESHOLD = 4

# In the cache folder: the editors' report's readability counts (`careleaf.editorial.readability`).
READABILITY_FILE = "readability.json"

Progress = Callable[[str], None]
WORKER_STOPPED = (
    "a worker process rendering handouts stopped (out of memory? try fewer --jobs); "
    "nothing was published"
)
# On every page of a preview's handouts (`careleaf serve --lang`, `build --draft`), in English:
# it is for the translator and the reviewer, readable before any label is translated.
PDF_PREVIEW_NOTICE = "PREVIEW: not published"


def _quiet(_: str) -> None:
    """The default progress: say nothing."""


@dataclass(frozen=True, order=True)
class Unit:
    """One handout PDF (with its thumbnail) of one clinic in one language."""

    clinic: str
    lang: str
    handout: str

    @property
    def name(self) -> str:
        """``clinic/lang/handout``: how progress and the cache index name the unit."""
        return f"{self.clinic}/{self.lang}/{self.handout}"


class SiteEngine(Protocol):
    """Builds one language's site of one clinic into a folder (the adapter, e.g. MkDocs)."""

    def __call__(self, clinic_id: str, lang: str, site_dir: Path, library: Library) -> None:
        """Build the site of the project ``library`` (loaded and checked); raise `BuildError`
        when it failed or warned."""


def build_languages(library: Library, preview: str = "") -> list[str]:
    """The languages a build publishes; a preview's: the source and the previewed one."""
    if not preview:
        return output_languages(library)
    return list(dict.fromkeys([library.source_language, preview]))


def plan(
    library: Library, clinic_ids: Iterable[str], languages: Sequence[str] | None = None
) -> list[Unit]:
    """Every handout unit of these clinics, in these languages (default: every published
    one), sorted."""
    languages = output_languages(library) if languages is None else languages
    return sorted(
        Unit(clinic, lang, handout)
        for clinic in clinic_ids
        for lang in languages
        for handout in library.handouts
    )


def check_policy(
    library: Library, *, allow_stale: bool, allow_overdue: bool, progress: Progress = _quiet
) -> None:
    """Apply the safety policy of `careleaf check`: what it refuses, no build publishes.

    Raises:
        BuildError: listing every refused item.
    """
    verdict = safety_policy(library, allow_stale=allow_stale, allow_overdue=allow_overdue)
    if verdict.problems:
        raise BuildError(
            "the safety policy refuses this build (fix the content, or for an out-of-date "
            "translation or an overdue review build with --allow-stale or --allow-overdue to "
            "publish it marked):\n" + "\n".join(f"  - {p}" for p in verdict.problems)
        )
    for problem in verdict.allowed:
        progress(f"publishing marked (--allow-stale/--allow-overdue): {problem}")
    for problem in verdict.warnings:
        progress(str(problem))


def handout_url(library: Library, unit: Unit) -> str:
    """The address a handout is published at (its QR code points there)."""
    clinic = library.clinics[unit.clinic]
    return library.url(clinic, unit.lang, f"{HANDOUTS_DIR}/{unit.handout}.pdf")


def prepare(library: Library, unit: Unit, *, allow_overdue: bool, preview: str = "") -> HandoutJob:
    """The unit's handout document, ready for a renderer (``preview``: marked as one)."""
    overdue = allow_overdue and bool(
        {s.block for s in library.handouts[unit.handout].sections} & overdue_blocks(library)
    )
    return handout_job(
        library,
        unit.handout,
        unit.lang,
        library.clinics[unit.clinic],
        handout_url(library, unit),
        overdue=overdue,
        preview=PDF_PREVIEW_NOTICE if preview else "",
    )


# One renderer per process: a worker's, or this process's for small builds. Keyed by the
# project and its fonts and stylesheets, so that a changed one is never rendered stale.
_RENDERER: tuple[tuple[str, str], Renderer] | None = None


def _renderer(root: str, digest: str) -> Renderer:
    global _RENDERER
    if _RENDERER is None or _RENDERER[0] != (root, digest):
        _RENDERER = ((root, digest), Renderer(Path(root)))
    return _RENDERER[1]


def _start_worker(root: str, digest: str) -> None:
    """Worker initializer: load WeasyPrint, the fonts and the stylesheets once."""
    try:
        _renderer(root, digest)
    except Exception:  # noqa: BLE001, S110 (the first task fails again, naming its handout)
        pass
    # What is loaded now (fonts, stylesheets, modules) lives as long as the worker: the cycle
    # collector need not trace it again on every pass (`gc.freeze`). And it runs less often:
    # laying out a handout makes objects by the hundred thousand, and with the default
    # threshold the collector took a tenth of a worker's time.
    gc.freeze()
    gc.set_threshold(20_000, 50, 1_000)


def _render(
    root: str, digest: str, job: HandoutJob, entry: Entry, proof: tuple[PdfProof, Proofs] | None
) -> tuple[int, str | None]:
    """Render one handout and its thumbnail into the cache entry, and prove the PDF when
    ``proof`` is given; returns its page count and the memo key of a passing proof."""
    try:
        rendered = render_job(_renderer(root, digest), job)
        entry.store(rendered, thumbnail)
        key = prove_pdf(entry.pdf, Path(root), *proof) if proof is not None else None
    except BuildError:
        raise
    except Exception as error:  # noqa: BLE001 (a worker's failure must name its handout)
        raise BuildError(f"{job.where}: {type(error).__name__}: {error}") from None
    return rendered.pages, key


def _render_in_worker(
    root: str, digest: str, job: HandoutJob, entry: Entry, proof: tuple[PdfProof, Proofs] | None
) -> tuple[int, str | None]:
    """`_render` in a worker of the pool, which then collects the handout's leftovers."""
    try:
        return _render(root, digest, job, entry, proof)
    finally:
        # A handout's layout leaves cycles of boxes behind, which the worker's raised
        # thresholds (`_start_worker`) would let pile up through the generations (about 85 MB
        # more per worker by its 90th handout). Collected here, between handouts, where only
        # this handout's objects are to trace: no slower, measured, and a worker stays near
        # 140 MB.
        gc.collect()


def default_jobs() -> int:
    """The number of worker processes by default: the cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class _Workers:
    """Renders handouts: in this process while there are few, else in a pool of worker
    processes, started once `POOL_THRESHOLD` handouts wait (each worker loads the fonts once).

    Leaving the context waits for every handout; the first failure is raised, naming it.
    """

    def __init__(
        self, jobs: int, root: str, shared: str, proofs: Proofs | None, progress: Progress
    ) -> None:
        self.jobs, self.root, self.shared, self.progress = jobs, root, shared, progress
        self.proofs = proofs
        self.waiting: list[tuple[Unit, HandoutJob, Entry, tuple[PdfProof, Proofs] | None]] = []
        self.pool: concurrent.futures.ProcessPoolExecutor | None = None
        self.futures: dict[concurrent.futures.Future[tuple[int, str | None]], Unit] = {}

    def __enter__(self) -> _Workers:
        return self

    def render(self, unit: Unit, job: HandoutJob, entry: Entry, proof: PdfProof | None) -> None:
        """Render one handout into its cache entry (and prove it against ``proof``, with a
        memo of proofs), now or in a worker."""
        proving = (proof, self.proofs) if proof is not None and self.proofs is not None else None
        self.waiting.append((unit, job, entry, proving))
        if self.pool is None and self.jobs > 1 and len(self.waiting) >= POOL_THRESHOLD:
            self.pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=self.jobs,
                mp_context=_pool_context(),
                initializer=_start_worker,
                initargs=(self.root, self.shared),
            )
        if self.pool is not None:
            try:
                for unit, job, entry, proving in self.waiting:
                    future = self.pool.submit(
                        _render_in_worker, self.root, self.shared, job, entry, proving
                    )
                    self.futures[future] = unit
                    # Said as soon as it is done, even while this process is busy elsewhere
                    # (building the sites, `render_handouts`'s ``meanwhile``).
                    future.add_done_callback(self._announce)
            except BrokenProcessPool:  # a worker died before every handout was handed out
                raise BuildError(WORKER_STOPPED) from None
            self.waiting.clear()

    def _say(self, unit: Unit, pages: int) -> None:
        self.progress(f"handout {unit.name}: rendered ({pages} pages)")

    def _keep(self, key: str | None) -> None:
        """Keep a handout's passing proof (its memo key) for the verification to come."""
        if key is not None and self.proofs is not None:
            self.proofs.fresh.add(key)

    def _announce(self, future: concurrent.futures.Future[tuple[int, str | None]]) -> None:
        """Report a handout a worker has rendered (in the pool's thread); a failure is
        raised by `__exit__`, in this process's own thread."""
        if not future.cancelled() and future.exception() is None:
            self._say(self.futures[future], future.result()[0])

    def __exit__(self, error_type: object, *exc: object) -> None:
        try:
            if error_type is None:
                for unit, job, entry, proving in self.waiting:
                    pages, key = _render(self.root, self.shared, job, entry, proving)
                    self._keep(key)
                    self._say(unit, pages)
                for future in concurrent.futures.as_completed(self.futures):
                    self._keep(future.result()[1])
        except BrokenProcessPool:
            raise BuildError(WORKER_STOPPED) from None
        finally:
            if self.pool is not None:
                self.pool.shutdown(cancel_futures=True)


def _pool_context() -> multiprocessing.context.BaseContext:
    """How the workers start: forked from this process while it has no other thread, else
    from a fork server.

    A forked worker starts with careleaf and WeasyPrint already imported: the pool is at work
    about two seconds sooner (measured on 180 handouts, 2 cores), and its workers' memory
    stays below the build's peak, which comes later, while Chromium proves the pages. Forking
    a process that runs other threads (a preview server's) could copy a lock another thread
    holds, so then the workers come from a fork server, which imports careleaf once for all
    of them.
    """
    if threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["careleaf.build.pipeline"])
    return context


def stop_fork_server() -> None:
    """Stop the fork server that started the workers, when no more handouts are to render.

    It stays once its pool is shut down, holding WeasyPrint and careleaf imported (about 90 MB)
    for the next pool; a build needs no other pool, and its sites and verification come next.
    `multiprocessing` offers no public way to stop it: this uses the method CPython's own
    tests use, and does nothing where it is missing (a later pool starts a new server).
    """
    from multiprocessing import forkserver

    stop = getattr(getattr(forkserver, "_forkserver", None), "_stop", None)
    if callable(stop):
        stop()


def render_handouts(
    library: Library,
    units: Sequence[Unit],
    cache: Cache,
    *,
    allow_overdue: bool = False,
    preview: str = "",
    jobs: int | None = None,
    proofs: Proofs | None = None,
    known: Mapping[Unit, str] | None = None,
    meanwhile: Callable[[], None] | None = None,
    progress: Progress = _quiet,
) -> dict[Unit, Entry]:
    """Render every unit whose inputs changed; take the others from the cache.

    ``known``: the cache keys of units whose inputs are those of a build already published
    (`build` takes them from its record): such a unit's entry is taken without preparing its
    document, when it is still in the cache.

    With ``proofs`` (a build's memo), each handout rendered is also proven, in the worker
    that rendered it, as the build's verification will prove it: the verification then
    finds the proof in the memo instead of proving the PDFs one after another itself.

    ``meanwhile``: work for this process while the workers render, called once every
    handout is handed to them; when it fails, the handouts not yet rendered are cancelled.

    Returns:
        Each unit's cache entry (its PDF, thumbnail and page count).

    Raises:
        BuildError: naming the handout, language and clinic that failed (the first one).
    """
    root = str(library.root.resolve())
    shared = renderer_digest(library.root)
    digests = {c: assets_digest(library, c, shared) for c in {u.clinic for u in units}}
    entries: dict[Unit, Entry] = {}
    jobs = max(1, jobs or default_jobs())
    with _Workers(jobs, root, shared, proofs, progress) as workers:
        # Each handout goes to the workers as soon as it is prepared: they start on the
        # first while this process prepares the next.
        for unit in units:
            if known and unit in known and (entry := cache.entry_of(known[unit])).ready():
                entries[unit] = entry
                progress(f"handout {unit.name}: unchanged (cached)")
                continue
            job = prepare(library, unit, allow_overdue=allow_overdue, preview=preview)
            entry = cache.entry(job, digests[unit.clinic])
            entries[unit] = entry
            if entry.ready():
                progress(f"handout {unit.name}: unchanged (cached)")
            else:
                proof = None
                if proofs is not None:
                    output = Output(
                        handout_file(library, unit),
                        "pdf",
                        unit.lang,
                        unit.clinic,
                        handout=unit.handout,
                    )
                    proof = PdfProof.of(library, output)
                workers.render(unit, job, entry, proof)
        if meanwhile is not None:
            meanwhile()
    everything = plan(library, library.clinics, list(library.project.languages))
    cache.record(
        {unit.name: entry.key for unit, entry in entries.items()},
        {unit.name for unit in everything},
    )
    return entries


def handout_file(library: Library, unit: Unit, suffix: str = ".pdf") -> str:
    """Where a unit's handout (``.pdf``) or thumbnail (``.png``) goes in its clinic's site."""
    folder = PurePosixPath(language_folder(library, unit.lang), HANDOUTS_DIR)
    return (folder / f"{unit.handout}{suffix}").as_posix()


def place_handouts(
    entries: dict[Unit, Entry], library: Library, clinic_id: str, site: Path
) -> None:
    """Copy a clinic's rendered handouts and thumbnails into its built site."""
    for unit, entry in entries.items():
        if unit.clinic != clinic_id:
            continue
        for source, suffix in ((entry.pdf, ".pdf"), (entry.png, ".png")):
            target = site / handout_file(library, unit, suffix)
            target.parent.mkdir(parents=True, exist_ok=True)
            # A new file, never written through a hard link (the preview links its sites).
            target.unlink(missing_ok=True)
            shutil.copyfile(source, target)


def language_folder(library: Library, lang: str) -> str:
    """Where a language's site goes inside the clinic's site: the source language at its root."""
    return "" if lang == library.source_language else lang


def finish(
    library: Library,
    clinic_id: str,
    site: Path,
    entries: dict[Unit, Entry],
    progress: Progress = _quiet,
    *,
    languages: Sequence[str] | None = None,
    proofs: Proofs | None = None,
    chromium: Chromium | None = None,
) -> int:
    """Put the handouts into a built site, write its manifest and verify every output.

    ``proofs``: the build's memo of passing proofs (`careleaf.verify.proofs`): an output proven
    before, unchanged, is not proven again. ``chromium``: a browser kept for the build's
    other clinics too (by default one is started for this clinic).

    Returns:
        The number of outputs verified.

    Raises:
        BuildError: an output is missing, unreadable or lacks an item (the report's table).
    """
    place_handouts(entries, library, clinic_id, site)
    languages = output_languages(library) if languages is None else list(languages)
    outputs = collect_outputs(site, library, languages, clinic_id)
    anchors = {
        handout_file(library, unit): entry.anchors()
        for unit, entry in entries.items()
        if unit.clinic == clinic_id
    }
    write_manifest(site, build_manifest(site, library, clinic_id, outputs, anchors))
    progress(f"verifying {clinic_id}: {len(outputs)} outputs")
    try:
        report = verify(
            site, library.root, languages, library=library, proofs=proofs, chromium=chromium
        )
    except CareleafError as error:
        raise BuildError(f"the outputs cannot be verified: {error}") from None
    finally:
        if proofs is not None:
            proofs.record(f"{clinic_id}:{','.join(languages)}", library.clinics)
    if not report.ok:
        raise BuildError("verification failed; nothing was published.\n" + format_table(report))
    return len(report.rows)


# The engines' versions shape the outputs too.
ENGINES = ("careleaf", "mkdocs", "mkdocs-material", "mkdocs-macros-plugin", "weasyprint")


@functools.cache
def engine_versions() -> str:
    """The `ENGINES`' versions, looked up once (a build's digests ask for them by the hundred,
    and each lookup reads the package's metadata from disk)."""
    return "".join(f"{name}={metadata.version(name)}\0" for name in ENGINES)


def input_files(root: Path) -> dict[str, str]:
    """Every file a build reads: the project's (`careleaf.verify.manifest.SOURCE_PARTS`) and
    careleaf's own (``careleaf/...``), by relative path, with their SHA-256."""
    root = Path(root)
    package = Path(__file__).parents[1]
    found = {}
    for part in SOURCE_PARTS:
        top = root / part
        for path in [top] if top.is_file() else top.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                found[path.relative_to(root).as_posix()] = path
    for path in package.rglob("*"):
        if path.is_file() and path.suffix != ".pyc":
            found["careleaf/" + path.relative_to(package).as_posix()] = path
    return {name: hashlib.sha256(found[name].read_bytes()).hexdigest() for name in sorted(found)}


def inputs_digest(
    files: dict[str, str],
    clinic_id: str,
    options: Sequence[object],
    languages: Collection[str] | None = None,
) -> str | None:
    """A hash of what a clinic's build reads (`input_files`), or None when the build is not
    reproducible: without SOURCE_DATE_EPOCH every build dates its PDFs now, and always has
    work to do.

    ``languages``: what one language's site reads: the pages and content of these
    languages only (a translation's site reads its own and the source language's; the
    source language's site reads every language's, for the editors' report).
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return None
    digest = hashlib.sha256(f"{clinic_id}\0{epoch}\0{options!r}\0".encode())
    digest.update(engine_versions().encode())
    for name, sha in files.items():
        parts = name.split("/")
        if (
            languages is not None
            and parts[0] in ("content", "docs")
            and len(parts) > 2
            and parts[1] not in languages
        ):
            continue
        digest.update(f"{name}\0{sha}\0".encode())
    return digest.hexdigest()


def tree_hashes(folder: Path) -> dict[str, str]:
    """Every file of a folder, by relative path, with its SHA-256."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@dataclass
class Published:
    """What a published folder was built from: the clinic's inputs, each language's site's,
    the files each language's site engine wrote, every file's hash then, the cache key of
    each handout it holds (unit name -> key), and each language's handouts' inputs."""

    inputs: str | None
    languages: dict[str, str | None]
    written: dict[str, list[str]]
    files: dict[str, str]
    handouts: dict[str, str] = field(default_factory=dict)
    handout_inputs: dict[str, str | None] = field(default_factory=dict)

    def unchanged(self, lang: str, before: Published) -> bool:
        """Whether a language's site read the same inputs in the build published ``before``
        (and that build recorded what its site wrote): it can be taken from there instead
        of being built again."""
        digest = self.languages[lang]
        return (
            digest is not None and before.languages.get(lang) == digest and lang in before.written
        )

    def same_handouts(self, lang: str, before: Published) -> bool:
        """Whether a language's handouts read the same inputs in the build published
        ``before``: their cache keys can be taken from its record without preparing their
        documents again. (They read less than the site: the source language's site reads
        every language, for the editors' report; its handouts only its own content.)"""
        digest = self.handout_inputs.get(lang)
        return digest is not None and before.handout_inputs.get(lang) == digest


_CACHE_KEY = re.compile(r"[0-9a-f]{64}")


class BuildRecords:
    """What each published folder was built from, and its files' hashes, in the cache folder."""

    def __init__(self, cache: Path) -> None:
        self.folder = Path(cache) / "builds"

    def _file(self, final: Path) -> Path:
        name = hashlib.sha256(str(final.resolve()).encode()).hexdigest()[:32]
        return self.folder / f"{name}.json"

    def read(self, final: Path) -> Published | None:
        """The record of the build published in ``final``, if its files are untouched since."""
        if not final.is_dir():
            return None
        try:
            record = json.loads(self._file(final).read_text(encoding="utf-8"))
            published = Published(
                record["inputs"],
                record["languages"],
                record["written"],
                record["files"],
                dict(record.get("handouts", {})),
                dict(record.get("handout_inputs", {})),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None
        # A handout's key names its files in the cache: a damaged record names none.
        if not all(_CACHE_KEY.fullmatch(str(key)) for key in published.handouts.values()):
            return None
        return published if published.files == tree_hashes(final) else None

    def remember(self, final: Path, published: Published) -> None:
        """Record a published build (nothing for a build that is not reproducible)."""
        path = self._file(final)
        if published.inputs is None:
            path.unlink(missing_ok=True)
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        record = {"folder": str(final.resolve()), **asdict(published)}
        path.write_text(json.dumps(record, indent=1), encoding="utf-8")


def staging_dir(final: Path) -> Path:
    """Where a build goes before it is verified: beside the published folder."""
    return final.with_name(f".{final.name}.careleaf-staging")


def publish(built: Path, final: Path) -> None:
    """Replace ``final`` with the verified ``built`` folder, keeping the old one until then."""
    old = final.with_name(f".{final.name}.careleaf-old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    built.rename(final)
    shutil.rmtree(old, ignore_errors=True)


def build(
    root: Path,
    clinic_ids: Sequence[str],
    site_dir_for: Callable[[str], Path],
    engine: SiteEngine,
    *,
    allow_stale: bool = False,
    allow_overdue: bool = False,
    jobs: int | None = None,
    cache_dir: Path | None = None,
    preview: str = "",
    progress: Progress = _quiet,
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
        allow_stale: publish out-of-date translations of safety items, marked.
        allow_overdue: publish approved content past its review date, marked.
        jobs: worker processes for the handouts (default: the number of cores).
        cache_dir: the cache of rendered handouts (default: ``root/.careleaf-cache``).
        preview: a language to preview (published or not) with the source language, every
            page and handout marked as a preview.
        progress: told each step, one line at a time.

    Raises:
        BuildError: the content cannot be loaded or is refused (every problem at once), or a
            step failed; the message names the handout, language and clinic.
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
    check_policy(library, allow_stale=allow_stale, allow_overdue=allow_overdue, progress=progress)
    for clinic in clinic_ids:
        if clinic not in library.clinics:
            known = ", ".join(sorted(library.clinics))
            raise BuildError(f"unknown clinic '{clinic}' (known: {known})")
    cache_folder = Path(cache_dir or Path(root) / ".careleaf-cache")
    records = BuildRecords(cache_folder)
    options = (allow_stale, allow_overdue, preview)
    files = input_files(Path(root))
    languages = build_languages(library, preview)
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
            progress(f"{clinic}: nothing changed since the last build; kept as it is")
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
    proofs = Proofs(cache_folder / "proofs")
    staged: list[_Staged] = []

    def build_sites() -> None:
        """Build every clinic's sites into its staging folder (while the workers render)."""
        # The editors' report (in the source language's sites) counts only the texts that
        # changed since the last build.
        counts = cache_folder / READABILITY_FILE
        readability = ReadabilityCounts()
        readability.load(counts)
        for clinic, (wanted, before) in todo.items():
            final = Path(site_dir_for(clinic))
            staging = staging_dir(final)
            shutil.rmtree(staging, ignore_errors=True)
            staged.append(_Staged(clinic, wanted, staging, final))
            for lang in languages:
                wanted.written[lang] = _language_site(
                    engine, clinic, lang, staging, library, final, wanted, before, progress
                )
            # The editors' report has counted its texts (and keeps the counts).
            readability.release()
        if (counted := readability.to_save()) is not None:
            cache_folder.mkdir(parents=True, exist_ok=True)
            write_whole(counts, counted)

    try:
        # The sites need no handout (they are put in at verification): this process builds
        # them while the workers render, and both cores are busy. The verification comes
        # after: the browser then proves pages once the workers' memory is given back.
        entries = render_handouts(
            library,
            units,
            Cache(cache_folder),
            allow_overdue=allow_overdue,
            preview=preview,
            jobs=jobs,
            proofs=proofs,
            known=reused,
            meanwhile=build_sites,
            progress=progress,
        )
        stop_fork_server()
        _verify_and_publish(library, staged, entries, languages, proofs, records, progress)
    finally:
        # Sites built but never published (a build that failed) are not left behind.
        for site in staged:
            shutil.rmtree(site.staging, ignore_errors=True)


@dataclass(frozen=True)
class _Staged:
    """A clinic's sites, built into ``staging``, to be verified and published as ``final``
    with what they were built from (``wanted``)."""

    clinic: str
    wanted: Published
    staging: Path
    final: Path


def _verify_and_publish(
    library: Library,
    staged: Sequence[_Staged],
    entries: dict[Unit, Entry],
    languages: Sequence[str],
    proofs: Proofs,
    records: BuildRecords,
    progress: Progress,
) -> None:
    """Verify each clinic's staged sites with its handouts, and publish them in order,
    stopping at the first clinic that fails.

    One Chromium proves the pages of every clinic (starting it takes about 2 seconds).
    `VERIFIERS` clinics are verified at once, each in a thread: while the browser proves
    pages (in its own processes and threads, `careleaf.verify.browser.Chromium`), the next clinic's
    manifest and static checks are worked out here.
    """

    def verify_and_publish(site: _Staged, before: concurrent.futures.Future[None] | None) -> None:
        """Verify a clinic's built folder and publish it, once the clinic ``before`` it is
        published."""
        count = finish(
            library,
            site.clinic,
            site.staging,
            entries,
            progress,
            languages=languages,
            proofs=proofs.site(),
            chromium=chromium,
        )
        if before is not None:
            before.result()
        publish(site.staging, site.final)
        site.wanted.files = tree_hashes(site.final)
        site.wanted.handouts = {
            u.name: e.key for u, e in entries.items() if u.clinic == site.clinic
        }
        records.remember(site.final, site.wanted)
        progress(f"published {site.clinic}: {count} outputs verified, into {site.final}")

    with (
        Chromium() as chromium,
        concurrent.futures.ThreadPoolExecutor(VERIFIERS, thread_name_prefix="verify") as verifier,
    ):
        verifying: collections.deque[concurrent.futures.Future[None]] = collections.deque()
        for site in staged:
            while len(verifying) >= VERIFIERS:
                verifying.popleft().result()  # a clinic before failed: the build stops here
            last = verifying[-1] if verifying else None
            verifying.append(verifier.submit(verify_and_publish, site, last))
        for future in verifying:
            future.result()


def _language_site(
    engine: SiteEngine,
    clinic: str,
    lang: str,
    staging: Path,
    library: Library,
    final: Path,
    wanted: Published,
    before: Published | None,
    progress: Progress,
) -> list[str]:
    """Build one language's site into ``staging``, or copy it from the published ``final``
    when nothing it reads changed since; returns the files it is made of."""
    if before is not None and wanted.unchanged(lang, before):
        # The published folder's files are untouched since they were verified (`read`).
        for name in before.written[lang]:
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(final / name, staging / name)
        progress(f"site {clinic}/{lang}: unchanged since the last build (copied)")
        return list(before.written[lang])
    progress(f"site {clinic}/{lang}: building")
    existing = _file_names(staging)
    engine(clinic, lang, staging / language_folder(library, lang), library)
    return sorted(_file_names(staging) - existing)


def _file_names(folder: Path) -> set[str]:
    """Every file of a folder, by relative path (none when it does not exist)."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


# The live preview --------------------------------------------------------------------------

# Folders and files whose every change reaches the whole site and every handout.
EVERYTHING = ("careleaf.yml", "mkdocs.yml", "handouts", "clinics", "fonts", "macros", "overrides")


def watch_list(root: Path, library: Library) -> list[Path]:
    """What the preview watches: every source of the site and the handouts that exists."""
    root = Path(root)
    paths = [root / "content", *(root / "docs" / lang for lang in library.project.languages)]
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
        lang = parts[1] if len(parts) > 2 and parts[0] in ("docs", "content") else None
        if parts[0] == "docs" and lang:
            sites.update(languages if lang == source else [lang])
        elif parts[0] == "content" and lang:
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


# Sharding ------------------------------------------------------------------------------------


def parse_shard(text: str) -> tuple[int, int]:
    """``"K/N"`` as (K, N), 1 <= K <= N.

    Raises:
        BuildError: the text is not of that form.
    """
    k, _, n = text.partition("/")
    if not (k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n)):
        raise BuildError(f"--shard {text}: expected K/N with 1 <= K <= N, e.g. 2/3")
    return int(k), int(n)


def shard(clinic_ids: Iterable[str], k: int, n: int) -> list[str]:
    """The clinics the K-th of N shards builds: every N-th of them, sorted, from the K-th.

    A clinic is the unit of a shard: its sites and handouts are verified, and published,
    together. Every clinic is in exactly one shard, whatever the order it was given in.
    """
    return sorted(clinic_ids)[k - 1 :: n]


def merge(root: Path, shards: Sequence[Path], out: Path, progress: Progress = _quiet) -> list[str]:
    """Combine sharded `--clinic all` outputs into one tree, verified, and publish it.

    Each folder of ``shards`` holds clinics' sites (``<clinic>/careleaf-manifest.json``), as
    `careleaf build --clinic all --shard K/N` writes them. Every clinic of the project must
    be in exactly one shard; each is verified again in the merged tree before it replaces
    ``out``.

    Returns:
        The clinics merged.

    Raises:
        BuildError: a clinic is missing, in two shards, or fails verification.
    """
    library = load_library(root)
    found: dict[str, Path] = {}
    problems = []
    for folder in shards:
        for site in sorted(Path(folder).iterdir()) if Path(folder).is_dir() else []:
            if not (site / "careleaf-manifest.json").is_file():
                continue
            if site.name in found:
                problems.append(f"clinic '{site.name}' is in {found[site.name]} and in {folder}")
            found[site.name] = site
    missing = sorted(set(library.clinics) - set(found))
    if missing:
        problems.append(f"no shard holds the clinics {', '.join(missing)}")
    if problems:
        raise BuildError("the shards cannot be merged:\n" + "\n".join(f"  - {p}" for p in problems))
    staging = staging_dir(out)
    shutil.rmtree(staging, ignore_errors=True)
    try:
        for clinic, site in sorted(found.items()):
            shutil.copytree(site, staging / clinic)
            progress(f"verifying {clinic}")
            report = verify(staging / clinic, library.root, output_languages(library))
            if not report.ok:
                raise BuildError(
                    f"clinic '{clinic}' from {site.parent} fails verification:\n"
                    + format_table(report)
                )
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    publish(staging, out)
    return sorted(found)
