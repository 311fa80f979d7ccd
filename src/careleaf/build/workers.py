"""Rendering handouts: in this process while there are few, else in a pool of worker processes.

Each worker loads WeasyPrint, the fonts and the stylesheets once and renders many handouts
with them; an unchanged handout is copied from the content-addressed cache
(`careleaf.build.cache`) instead of being rendered again.
"""

from __future__ import annotations

import concurrent.futures
import functools
import gc
import multiprocessing
import os
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from careleaf.build.cache import Cache, Entry, assets_digest, renderer_digest
from careleaf.build.events import HandoutCached, HandoutRendered, Progress, quiet
from careleaf.build.plan import Unit, handout_file, plan, prepare
from careleaf.content.model import Library
from careleaf.errors import BuildError
from careleaf.options import BuildOptions
from careleaf.render.handouts import HandoutJob, Renderer, render_job, thumbnail
from careleaf.verify.manifest import Output
from careleaf.verify.pdf_proof import PdfProof, prove_pdf
from careleaf.verify.proofs import Proofs
from careleaf.verify.readings import Readings

# Below this many handouts to render, starting workers (each loads the fonts, about a second
# of CPU) costs more than it saves: they are rendered in this process.
POOL_THRESHOLD = 4
WORKER_STOPPED = (
    "a worker process rendering handouts stopped (out of memory? try fewer --jobs); "
    "nothing was published"
)


@dataclass
class Tools:
    """What a process renders and proves handouts with, kept from one handout to the next:
    loading the fonts is most of the cost of a handout, and the handouts share the glyphs
    their proofs compare with the project's fonts."""

    renderer: Renderer
    readings: Readings


# One set of tools per process (a worker's, or this process's for small builds). Keyed by the
# project and its fonts' and stylesheets' digest, so that a changed one is never used stale.
@functools.lru_cache(maxsize=1)
def tools(root: str, digest: str) -> Tools:
    """This process's tools for the project at ``root`` whose fonts and stylesheets hash to
    ``digest``."""
    return Tools(Renderer(Path(root)), Readings())


def start_worker(root: str, digest: str) -> None:
    """Worker initializer: load WeasyPrint, the fonts and the stylesheets once."""
    try:
        tools(root, digest)
    except Exception:  # noqa: BLE001, S110 (the first task fails again, naming its handout)
        pass
    # What is loaded now (fonts, stylesheets, modules) lives as long as the worker: the cycle
    # collector need not trace it again on every pass (`gc.freeze`). And it runs less often:
    # laying out a handout makes objects by the hundred thousand, and with the default
    # threshold the collector took a tenth of a worker's time.
    gc.freeze()
    gc.set_threshold(20_000, 50, 1_000)


def render_one(
    root: str, digest: str, job: HandoutJob, entry: Entry, proof: tuple[PdfProof, Proofs] | None
) -> tuple[int, str | None]:
    """Render one handout and its thumbnail into the cache entry, and prove the PDF when
    ``proof`` is given; returns its page count and the memo key of a passing proof.

    Raises:
        BuildError: naming the handout, whatever went wrong.
    """
    try:
        kept = tools(root, digest)
        rendered = render_job(kept.renderer, job)
        entry.store(rendered, thumbnail)
        key = None
        if proof is not None:
            key = prove_pdf(entry.pdf, Path(root), *proof, readings=kept.readings)
    except BuildError:
        raise
    except Exception as error:  # noqa: BLE001 (a worker's failure must name its handout)
        raise BuildError(f"{job.where}: {type(error).__name__}: {error}") from None
    return rendered.pages, key


def render_in_worker(
    root: str, digest: str, job: HandoutJob, entry: Entry, proof: tuple[PdfProof, Proofs] | None
) -> tuple[int, str | None]:
    """`render_one` in a worker of the pool, which then collects the handout's leftovers."""
    try:
        return render_one(root, digest, job, entry, proof)
    finally:
        # A handout's layout leaves cycles of boxes behind, which the worker's raised
        # thresholds (`start_worker`) would let pile up through the generations (about 85 MB
        # more per worker by its 90th handout). Collected here, between handouts, where only
        # this handout's objects are to trace: no slower, measured, and a worker stays near
        # 140 MB.
        gc.collect()


def default_jobs() -> int:
    """The number of worker processes by default: the cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def pool_context() -> multiprocessing.context.BaseContext:
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
    context.set_forkserver_preload([__name__])
    return context


Waiting = tuple[Unit, HandoutJob, Entry, tuple[PdfProof, Proofs] | None]


class Workers:
    """Renders a build's handouts: `submit` prepares each and hands it out; leaving the
    context waits for every one of them and records the cache's index.

    Handouts are rendered in this process while there are few, else in a pool of worker
    processes started once `POOL_THRESHOLD` handouts wait (each worker loads the fonts once).
    Between `submit` and the end of the context this process is free for other work (the
    build builds the sites meanwhile); when that work fails, the handouts not yet rendered
    are cancelled. The first failure is raised, naming its handout.
    """

    def __init__(
        self,
        library: Library,
        cache: Cache,
        options: BuildOptions,
        *,
        jobs: int | None = None,
        proofs: Proofs | None = None,
        progress: Progress = quiet,
    ) -> None:
        self.library, self.cache, self.options = library, cache, options
        self.jobs = max(1, jobs or default_jobs())
        self.proofs, self.progress = proofs, progress
        self.root = str(library.root.resolve())
        self.shared = renderer_digest(library.root)
        # Each unit's cache entry (its PDF, thumbnail and page count), once submitted.
        self.entries: dict[Unit, Entry] = {}
        self.waiting: list[Waiting] = []
        self.pool: concurrent.futures.ProcessPoolExecutor | None = None
        self.futures: dict[concurrent.futures.Future[tuple[int, str | None]], Unit] = {}

    def __enter__(self) -> Workers:
        return self

    def submit(self, units: Sequence[Unit], known: Mapping[Unit, str] | None = None) -> None:
        """Render every unit whose inputs changed; take the others from the cache.

        ``known``: the cache keys of units whose inputs are those of a build already
        published: such a unit's entry is taken without preparing its document, when it is
        still in the cache. With the build's ``proofs`` memo, each handout rendered is also
        proven, in the worker that rendered it, as the verification will prove it.

        Raises:
            BuildError: a handout cannot be prepared, or a worker stopped.
        """
        digests = {
            c: assets_digest(self.library, c, self.shared) for c in {u.clinic for u in units}
        }
        # Each handout goes to the workers as soon as it is prepared: they start on the
        # first while this process prepares the next.
        for unit in units:
            if known and unit in known and (entry := self.cache.entry_of(known[unit])).ready():
                self.entries[unit] = entry
                self.progress(HandoutCached(unit.name))
                continue
            job = prepare(self.library, unit, self.options)
            entry = self.cache.entry(job, digests[unit.clinic])
            self.entries[unit] = entry
            if entry.ready():
                self.progress(HandoutCached(unit.name))
            else:
                self._render(unit, job, entry)

    def _render(self, unit: Unit, job: HandoutJob, entry: Entry) -> None:
        """Render one handout into its cache entry (proven, with the memo), now or later."""
        proving = None
        if self.proofs is not None:
            output = Output(
                handout_file(self.library, unit),
                "pdf",
                unit.lang,
                unit.clinic,
                handout=unit.handout,
                edition=unit.edition,
            )
            proving = (PdfProof.of(self.library, output), self.proofs)
        self.waiting.append((unit, job, entry, proving))
        if self.pool is None and self.jobs > 1 and len(self.waiting) >= POOL_THRESHOLD:
            self.pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=self.jobs,
                mp_context=pool_context(),
                initializer=start_worker,
                initargs=(self.root, self.shared),
            )
        if self.pool is not None:
            try:
                for waiting in self.waiting:
                    future = self.pool.submit(
                        render_in_worker, self.root, self.shared, *waiting[1:]
                    )
                    self.futures[future] = waiting[0]
                    # Said as soon as it is done, even while this process is busy elsewhere
                    # (building the sites).
                    future.add_done_callback(self._announce)
            except BrokenProcessPool:  # a worker died before every handout was handed out
                raise BuildError(WORKER_STOPPED) from None
            self.waiting.clear()

    def _keep(self, key: str | None) -> None:
        """Keep a handout's passing proof (its memo key) for the verification to come."""
        if key is not None and self.proofs is not None:
            self.proofs.fresh.add(key)

    def _announce(self, future: concurrent.futures.Future[tuple[int, str | None]]) -> None:
        """Report a handout a worker has rendered (in the pool's thread); a failure is
        raised by `__exit__`, in this process's own thread."""
        if not future.cancelled() and future.exception() is None:
            self.progress(HandoutRendered(self.futures[future].name, future.result()[0]))

    def __exit__(self, error_type: object, *exc: object) -> None:
        try:
            if error_type is None:
                for unit, job, entry, proving in self.waiting:
                    pages, key = render_one(self.root, self.shared, job, entry, proving)
                    self._keep(key)
                    self.progress(HandoutRendered(unit.name, pages))
                for future in concurrent.futures.as_completed(self.futures):
                    self._keep(future.result()[1])
        except BrokenProcessPool:
            raise BuildError(WORKER_STOPPED) from None
        finally:
            if self.pool is not None:
                self.pool.shutdown(cancel_futures=True)
        if error_type is None:
            everything = plan(
                self.library, self.library.clinics, list(self.library.project.languages)
            )
            self.cache.record(
                {unit.name: entry.key for unit, entry in self.entries.items()},
                {unit.name for unit in everything},
            )


def render_handouts(
    library: Library,
    units: Sequence[Unit],
    cache: Cache,
    options: BuildOptions | None = None,
    *,
    jobs: int | None = None,
    proofs: Proofs | None = None,
    known: Mapping[Unit, str] | None = None,
    progress: Progress = quiet,
) -> dict[Unit, Entry]:
    """Render every unit whose inputs changed, take the others from the cache, and wait for
    them all (see `Workers`).

    Returns:
        Each unit's cache entry (its PDF, thumbnail and page count).

    Raises:
        BuildError: naming the handout, language and clinic that failed (the first one).
    """
    with Workers(
        library, cache, options or BuildOptions(), jobs=jobs, proofs=proofs, progress=progress
    ) as workers:
        workers.submit(units, known)
    return workers.entries
