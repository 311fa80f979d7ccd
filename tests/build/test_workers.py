"""Rendering handouts: the worker pool, the cache of rendered handouts, proofs by workers."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import edit

from careleaf.build.cache import Cache
from careleaf.build.events import Event, HandoutRendered
from careleaf.build.plan import plan
from careleaf.build.workers import Workers, render_handouts
from careleaf.content.load import load_library
from careleaf.errors import BuildError
from careleaf.options import BuildOptions


def render(project: Path, cache: Cache, jobs: int) -> tuple[dict, list[str]]:
    """Render every handout of the example clinic; returns the entries and what was rendered."""
    library = load_library(project)
    steps: list[Event] = []
    entries = render_handouts(
        library, plan(library, ["example"]), cache, jobs=jobs, progress=steps.append
    )
    return entries, sorted(s.unit for s in steps if isinstance(s, HandoutRendered))


def test_an_unchanged_handout_is_copied_and_a_changed_one_rendered_again(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    cache = Cache(tmp_path / "cache")
    # In worker processes first: every handout of every language is rendered.
    entries, rendered = render(project, cache, jobs=2)
    assert len(rendered) == 18
    pooled = {unit.name: entry.pdf.read_bytes() for unit, entry in entries.items()}

    # Nothing changed: nothing is rendered.
    assert render(project, cache, jobs=2)[1] == []

    # One Spanish item changes: only the Spanish handouts that show it are rendered again, and
    # the entries they no longer use are pruned.
    edit(
        project / "content/es/side-effects.yml",
        "text: Un moretón donde entró una aguja",
        "text: Un pequeño moretón donde entró una aguja",
    )
    library = load_library(project)
    showing = sorted(
        f"example/es/{folder}{h}"
        for h, handout in library.handouts.items()
        if any(s.block == "side-effects" for s in handout.sections)
        for folder in ("", "large-print/")
    )
    assert showing
    entries, rendered = render(project, cache, jobs=1)
    assert rendered == showing
    on_disk = {p.name.split(".")[0] for p in cache.folder.glob("??/*")}
    assert on_disk == {entry.key for entry in entries.values()}
    # Rendered in this process, the unchanged handouts are the same bytes as the workers'.
    for unit, entry in entries.items():
        if unit.name not in showing:
            assert entry.pdf.read_bytes() == pooled[unit.name], unit.name

    # A deleted cache is only slower: the entry is rendered again, to the same bytes.
    first = next(e for u, e in entries.items() if u.name not in showing)
    first.meta.unlink()
    again, rendered = render(project, cache, jobs=1)
    assert len(rendered) == 1
    assert (
        next(e for e in again.values() if e.key == first.key).pdf.read_bytes()
        == (pooled[next(u.name for u, e in entries.items() if e.key == first.key)])
    )


def test_sites_are_built_while_the_handouts_render_and_a_failure_renders_nothing_more(
    project: Path, tmp_path: Path
) -> None:
    """The build builds its sites between `submit` and the end of the context: once every
    handout is handed out and before they are all rendered (here in this process, which
    renders as the context ends); when that work fails, nothing more is rendered."""
    library = load_library(project)
    units = plan(library, ["example"], ["en"])
    cache = Cache(tmp_path / "cache")
    with Workers(library, cache, BuildOptions(), jobs=1) as workers:
        workers.submit(units)
        ready_meanwhile = len(list((tmp_path / "cache").rglob("*.pdf")))
    assert ready_meanwhile == 0 and all(entry.ready() for entry in workers.entries.values())

    with pytest.raises(BuildError, match="a site failed"):
        with Workers(library, Cache(tmp_path / "other"), BuildOptions(), jobs=1) as workers:
            workers.submit(units)
            raise BuildError("a site failed")
    assert not list((tmp_path / "other").rglob("*.pdf"))


def test_each_handout_a_worker_renders_is_reported_while_this_process_is_busy(
    project: Path, tmp_path: Path
) -> None:
    """Progress says each handout the workers finish as it is done, while this process is
    busy between `submit` and the end of the context (building the sites), not in a burst
    once it is back."""
    import time

    library = load_library(project)
    steps: list[Event] = []

    def rendered() -> int:
        return sum(isinstance(step, HandoutRendered) for step in steps)

    cache = Cache(tmp_path / "cache")
    with Workers(library, cache, BuildOptions(), jobs=2, progress=steps.append) as workers:
        workers.submit(plan(library, ["example"]))
        deadline = time.monotonic() + 120
        while not rendered() and time.monotonic() < deadline:
            time.sleep(0.05)
        heard = rendered() > 0
    assert heard
    assert rendered() == 3 * len(library.handouts) * 2  # two editions


def test_a_changed_stylesheet_renders_every_handout_again(project: Path, tmp_path: Path) -> None:
    library = load_library(project)
    cache = Cache(tmp_path / "cache")
    units = plan(library, ["example"])[:1]
    render_handouts(library, units, cache, jobs=1)
    with (project / "handouts/print.css").open("a") as css:
        css.write("\nh1 { letter-spacing: .01em; }\n")
    steps: list[Event] = []
    render_handouts(load_library(project), units, cache, jobs=1, progress=steps.append)
    assert [s for s in steps if isinstance(s, HandoutRendered)]


def test_a_worker_error_names_handout_language_and_clinic(project: Path, tmp_path: Path) -> None:
    edit(project / "handouts/aftercare.yml", "max_pages: 5", "max_pages: 1")
    with pytest.raises(BuildError) as caught:
        render(project, Cache(tmp_path / "cache"), jobs=2)
    message = str(caught.value)
    assert "handout 'aftercare' (" in message and "clinic 'example')" in message
    assert " pages, but its definition allows at most 1" in message
    assert "Traceback" not in message


def test_a_rendered_handout_is_proven_by_its_worker(project: Path, tmp_path: Path) -> None:
    """The workers prove each handout they render, under the key the verification looks
    up; a failing proof is not remembered."""
    from careleaf.build.plan import handout_file
    from careleaf.verify.manifest import Output, sha256
    from careleaf.verify.pdf_proof import PdfProof, prove_pdf
    from careleaf.verify.proofs import Proofs

    library = load_library(project)
    proofs = Proofs(tmp_path / "proofs")
    entries = render_handouts(
        library, plan(library, ["example"]), Cache(tmp_path / "cache"), jobs=2, proofs=proofs
    )
    assert len(proofs.fresh) == len(entries) == 18
    for unit, entry in entries.items():
        output = Output(
            handout_file(library, unit),
            "pdf",
            unit.lang,
            unit.clinic,
            handout=unit.handout,
            edition=unit.edition,
        )
        key = PdfProof.of(library, output).key(sha256(entry.pdf))
        assert key in proofs.fresh and proofs.known(key) is not None, unit.name

    unit, entry = next(iter(entries.items()))
    output = Output(
        handout_file(library, unit), "pdf", unit.lang, unit.clinic, handout=unit.handout
    )
    proof = PdfProof.of(library, output)
    item = next(iter(proof.expected))
    wrong = dataclasses.replace(proof, expected={**proof.expected, item: "Words it does not show"})
    assert prove_pdf(entry.pdf, project, wrong, proofs) is None
    assert proofs.known(wrong.key(sha256(entry.pdf))) is None


def fork_servers() -> list[int]:
    """This process's children that are multiprocessing fork servers."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if parent == os.getpid() and b"multiprocessing.forkserver" in command:
            found.append(int(entry.name))
    return found


@contextlib.contextmanager
def another_thread() -> Iterator[None]:
    """A second thread runs meanwhile (as a preview server's do)."""
    done = threading.Event()
    thread = threading.Thread(target=done.wait)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def test_workers_are_forked_only_from_a_process_without_other_threads() -> None:
    import subprocess
    import sys

    from careleaf.build.workers import pool_context

    # In a process of its own: this one may run a fixture's threads.
    alone = (
        "from careleaf.build.workers import pool_context; print(pool_context().get_start_method())"
    )
    started = subprocess.run(
        [sys.executable, "-c", alone], capture_output=True, text=True, check=True
    )
    assert started.stdout.strip() == "fork"
    with another_thread():
        assert pool_context().get_start_method() == "forkserver"


def test_the_fork_server_is_stopped_once_the_handouts_are_rendered(
    project: Path, tmp_path: Path
) -> None:
    from careleaf.compat import stop_fork_server

    with another_thread():
        render(project, Cache(tmp_path / "first"), jobs=2)
        assert fork_servers(), "the pool's fork server runs until it is stopped"
        stop_fork_server()
        assert fork_servers() == []
        # A later pool starts a server of its own.
        assert len(render(project, Cache(tmp_path / "second"), jobs=2)[1]) == 18
        stop_fork_server()


def test_a_worker_that_dies_fails_the_render_with_a_message(project: Path, tmp_path: Path) -> None:
    """A worker killed (by the kernel, out of memory) while handouts are still handed out:
    a BuildError that says what to do, not a traceback."""
    import time

    from careleaf.build.workers import POOL_THRESHOLD

    library = load_library(project)
    units = plan(library, ["example"])
    cache = Cache(tmp_path / "cache")
    with pytest.raises(BuildError, match="worker process rendering handouts stopped"):
        with Workers(library, cache, BuildOptions(), jobs=2) as workers:
            workers.submit(units[:POOL_THRESHOLD])
            assert workers.pool is not None
            for process in list(workers.pool._processes.values()):
                process.kill()
            deadline = time.monotonic() + 30
            while not workers.pool._broken and time.monotonic() < deadline:
                time.sleep(0.05)
            assert workers.pool._broken
            workers.submit(units[POOL_THRESHOLD:])
