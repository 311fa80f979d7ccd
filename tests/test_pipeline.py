"""The build pipeline: units, the worker pool, the cache of rendered handouts."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import edit

from careleaf.build import pipeline
from careleaf.build.cache import Cache
from careleaf.build.pipeline import Unit, plan, render_handouts
from careleaf.content.load import load_library
from careleaf.content.model import Library
from careleaf.errors import BuildError
from careleaf.render.handouts import HandoutJob


def render(project: Path, cache: Cache, jobs: int) -> tuple[dict, list[str]]:
    """Render every handout of the example clinic; returns the entries and what was rendered."""
    library = load_library(project)
    steps: list[str] = []
    entries = render_handouts(
        library, plan(library, ["example"]), cache, jobs=jobs, progress=steps.append
    )
    return entries, sorted(s.split()[1].rstrip(":") for s in steps if "rendered" in s)


def test_plan_has_every_clinic_language_and_handout_once(project: Path) -> None:
    library = load_library(project)
    units = plan(library, sorted(library.clinics))
    assert len(units) == len(set(units)) == len(library.clinics) * 3 * len(library.handouts)
    assert {u.lang for u in units} == {"en", "es", "bn"}


def test_an_unchanged_handout_is_copied_and_a_changed_one_rendered_again(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    cache = Cache(tmp_path / "cache")
    # In worker processes first: every handout of every language is rendered.
    entries, rendered = render(project, cache, jobs=2)
    assert len(rendered) == 9
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
        f"example/es/{h}"
        for h, handout in library.handouts.items()
        if any(s.block == "side-effects" for s in handout.sections)
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


def test_meanwhile_runs_while_the_handouts_render_and_its_failure_renders_nothing_more(
    project: Path, tmp_path: Path
) -> None:
    """The build's sites are built in ``meanwhile``: once every handout is handed out and
    before they are all rendered (here in this process, which renders after it); when it
    fails, the build stops without rendering the rest."""
    library = load_library(project)
    units = plan(library, ["example"], ["en"])
    seen: list[int] = []

    def count_ready() -> None:
        seen.append(len(list((tmp_path / "cache").rglob("*.pdf"))))

    entries = render_handouts(
        library, units, Cache(tmp_path / "cache"), jobs=1, meanwhile=count_ready
    )
    assert seen == [0] and all(entry.ready() for entry in entries.values())

    def fail() -> None:
        raise BuildError("a site failed")

    with pytest.raises(BuildError, match="a site failed"):
        render_handouts(library, units, Cache(tmp_path / "other"), jobs=1, meanwhile=fail)
    assert not list((tmp_path / "other").rglob("*.pdf"))


def test_each_handout_a_worker_renders_is_reported_while_this_process_is_busy(
    project: Path, tmp_path: Path
) -> None:
    """Progress says each handout the workers finish as it is done, while this process is
    still in ``meanwhile`` (building the sites), not in a burst once it is back."""
    import time

    library = load_library(project)
    steps: list[str] = []
    heard: list[bool] = []

    def wait_for_a_handout() -> None:
        deadline = time.monotonic() + 120
        while not any(": rendered (" in step for step in steps) and time.monotonic() < deadline:
            time.sleep(0.05)
        heard.append(any(": rendered (" in step for step in steps))

    render_handouts(
        library,
        plan(library, ["example"]),
        Cache(tmp_path / "cache"),
        jobs=2,
        meanwhile=wait_for_a_handout,
        progress=steps.append,
    )
    assert heard == [True]
    assert sum(": rendered (" in step for step in steps) == 3 * len(library.handouts)


def test_a_changed_stylesheet_renders_every_handout_again(project: Path, tmp_path: Path) -> None:
    library = load_library(project)
    cache = Cache(tmp_path / "cache")
    units = plan(library, ["example"])[:1]
    render_handouts(library, units, cache, jobs=1)
    with (project / "handouts/print.css").open("a") as css:
        css.write("\nh1 { letter-spacing: .01em; }\n")
    steps: list[str] = []
    render_handouts(load_library(project), units, cache, jobs=1, progress=steps.append)
    assert [s for s in steps if "rendered" in s]


def test_a_worker_error_names_handout_language_and_clinic(project: Path, tmp_path: Path) -> None:
    edit(project / "handouts/aftercare.yml", "max_pages: 2", "max_pages: 1")
    with pytest.raises(BuildError) as caught:
        render(project, Cache(tmp_path / "cache"), jobs=2)
    message = str(caught.value)
    assert "handout 'aftercare' (" in message and "clinic 'example')" in message
    assert "2 pages, but its definition allows at most 1" in message
    assert "Traceback" not in message


def test_a_build_with_nothing_changed_keeps_the_published_site(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from careleaf.site.engine import build_site

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    site = mini / "site"

    def build() -> list[str]:
        steps: list[str] = []
        build_site(mini, "demo", site, progress=steps.append)
        return steps

    assert any("rendered" in s for s in build())
    assert build() == ["demo: nothing changed since the last build; kept as it is"]
    # A published file that differs from the verified build is rebuilt, from the cache.
    (site / "index.html").write_text("tampered")
    steps = build()
    assert "tampered" not in (site / "index.html").read_text()
    assert any("unchanged (cached)" in s for s in steps) and not any("rendered" in s for s in steps)
    # So is an edited source.
    edit(mini / "docs/en/safety.md", "# ", "# Changed ")
    assert any("published demo" in s for s in build())


def test_the_preview_watches_every_source_folder(project: Path) -> None:
    from careleaf.build.pipeline import watch_list

    paths = watch_list(project, load_library(project))
    watched = {path.relative_to(project).as_posix() for path in paths}
    assert {"content", "docs/en", "docs/es", "docs/bn", "handouts", "clinics", "fonts"} <= watched
    assert {"careleaf.yml", "mkdocs.yml"} <= watched


@pytest.mark.parametrize(
    ("edited", "sites", "handouts"),
    [
        ("docs/es/index.md", ("es",), ()),
        # Translations fall back to English pages and say when one changed since.
        ("docs/en/index.md", ("en", "es", "bn"), ()),
        ("content/bn/side-effects.yml", ("bn",), ("bn",)),
        ("content/en/side-effects.yml", ("en", "es", "bn"), ("en", "es", "bn")),
        ("clinics/example/logo.svg", ("en", "es", "bn"), ("en", "es", "bn")),
        ("handouts/print.css", ("en", "es", "bn"), ("en", "es", "bn")),
        ("site/index.html", (), ()),
    ],
)
def test_an_edit_rebuilds_only_what_it_reaches(
    project: Path, edited: str, sites: tuple, handouts: tuple
) -> None:
    from careleaf.build.pipeline import affected

    found = affected(project, load_library(project), [project / edited])
    assert (found.sites, found.handouts) == (sites, handouts)


def test_the_preview_rebuilds_an_edit_and_keeps_the_last_good_site(mini: Path) -> None:
    from careleaf.build.pipeline import Affected, affected
    from careleaf.site.engine import Preview

    preview = Preview(mini, "demo")
    preview.build(preview.library(), Affected(("en",), ("en",)))
    home = preview.site / "index.html"
    assert (preview.site / "handouts/sheet.pdf").is_file() and "Home" in home.read_text()

    page = mini / "docs/en/index.md"
    edit(page, "# Home", "# Edited home")
    library = preview.library()
    preview.build(library, affected(mini, library, [page]))
    assert "Edited home" in home.read_text()
    assert (preview.site / "handouts/sheet.pdf").is_file()

    edit(page, "# Edited home", '# Broken home\n\n{{ block("nope") }}')
    with pytest.raises(BuildError) as caught:
        preview.build(preview.library(), affected(mini, library, [page]))
    assert "docs/en/index.md" in str(caught.value)
    assert "Edited home" in home.read_text()
    shutil.rmtree(preview.work)


def test_the_preview_loads_the_content_again_unless_only_pages_changed(mini: Path) -> None:
    """Loading reads no page: after a page edit the preview keeps the content it loaded (and
    checks the pages again); after any other edit, or after a load that failed, it loads the
    content again."""
    from careleaf.site.engine import Preview

    preview = Preview(mini, "demo")
    first = preview.library()
    page, block = mini / "docs/en/index.md", mini / "content/en/about.yml"
    edit(page, "# Home", "# Edited home")
    assert preview.library([page]) is first
    edit(block, "title: About", "title: About us")
    second = preview.library([page, block])
    assert second is not first and "About us" in second.content["en"]["about"].title
    edit(block, "title: About us", "title: [unclosed")
    with pytest.raises(BuildError, match="about.yml"):
        preview.library([block])
    # The content is broken: a page edit now must not bring the last good content back.
    with pytest.raises(BuildError, match="about.yml"):
        preview.library([page])
    shutil.rmtree(preview.work)


@pytest.mark.parametrize("count", [1, 2, 3, 7])
def test_every_clinic_is_in_exactly_one_shard(count: int) -> None:
    from careleaf.build.pipeline import shard

    clinics = [f"c{n:02d}" for n in range(20)]
    shards = [shard(reversed(clinics), k, count) for k in range(1, count + 1)]
    assert sorted(c for part in shards for c in part) == clinics
    assert shards == [shard(clinics, k, count) for k in range(1, count + 1)]  # deterministic


def test_merged_shards_verify_and_equal_an_unsharded_build(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner
    from test_build import snapshot

    from careleaf.cli.main import main

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")

    def run(*args: str) -> str:
        result = CliRunner().invoke(main, ["--project", str(project), *args])
        assert result.exit_code == 0, result.output
        return result.output

    for k in (1, 2):
        run("build", "--clinic", "all", "--shard", f"{k}/2", "-d", str(tmp_path / f"s{k}"))
    assert [p.name for p in (tmp_path / "s1").iterdir()] == ["example"]
    run("build", "--clinic", "all", "-d", str(tmp_path / "whole"))
    run("merge", str(tmp_path / "s1"), str(tmp_path / "s2"), "-o", str(tmp_path / "merged"))
    assert snapshot(tmp_path / "merged") == snapshot(tmp_path / "whole")

    # A clinic in two shards, or in none, is refused, naming it.
    result = CliRunner().invoke(
        main, ["--project", str(project), "merge", str(tmp_path / "s1"), str(tmp_path / "s1")]
    )
    assert result.exit_code == 1 and "clinic 'example' is in" in result.output
    assert "no shard holds the clinics lakeside" in result.output


def test_a_translation_edit_rebuilds_its_language_and_equals_a_fresh_build(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from test_build import snapshot

    from careleaf.content.load import load_library
    from careleaf.site.engine import build_site
    from careleaf.verify.manifest import collect_outputs
    from careleaf.verify.proofs import Proofs
    from careleaf.verify.verifier import check_output

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    site = tmp_path / "site"

    def build(folder: Path, cache: Path) -> list[str]:
        steps: list[str] = []
        build_site(project, "example", folder, progress=steps.append, cache_dir=cache)
        return steps

    build(site, tmp_path / "cache")
    edit(
        project / "content/es/side-effects.yml",
        "text: Un moretón donde entró una aguja",
        "text: Un pequeño moretón donde entró una aguja",
    )
    prepared: list[str] = []
    real_prepare = pipeline.prepare

    def prepare(library: Library, unit: Unit, **options: Any) -> HandoutJob:
        prepared.append(unit.name)
        return real_prepare(library, unit, **options)

    monkeypatch.setattr(pipeline, "prepare", prepare)
    steps = build(site, tmp_path / "cache")
    # Bengali reads nothing that changed: its site is copied from the published one. English
    # is built again (its editors' report counts every language's words), Spanish too.
    assert "site example/bn: unchanged since the last build (copied)" in steps
    assert "site example/es: building" in steps and "site example/en: building" in steps
    # Only the Spanish handouts are prepared again. The others read nothing that changed (the
    # English ones read English content only, unlike the English site): taken from the cache
    # by the keys the build recorded, without their documents being prepared again.
    handouts = sorted(load_library(project).handouts)
    assert sorted(prepared) == [f"example/es/{h}" for h in handouts]
    assert all(
        f"handout example/{lang}/{h}: unchanged (cached)" in steps
        for lang in ("en", "bn")
        for h in handouts
    )
    # Byte for byte what a build from nothing makes.
    build(tmp_path / "fresh", tmp_path / "fresh-cache")
    assert snapshot(site) == snapshot(tmp_path / "fresh")

    # A remembered proof is bound to the bytes it proved: other bytes are proven again.
    library = load_library(project)
    proofs = Proofs(tmp_path / "cache" / "proofs")
    outputs = {o.path: o for o in collect_outputs(site, library, ["en", "es", "bn"], "example")}
    spanish = outputs["es/handouts/aftercare.pdf"]
    assert check_output(site, library, spanish, proofs=proofs).ok
    shutil.copyfile(site / "handouts/aftercare.pdf", site / "es/handouts/aftercare.pdf")
    row = check_output(site, library, spanish, proofs=proofs)
    assert not row.ok and "/Lang is 'en'" in " ".join(row.problems)


def test_a_recorded_handout_missing_from_the_cache_is_rendered_again(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from careleaf.site.engine import build_site

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    site, cache = tmp_path / "site", tmp_path / "cache"
    build_site(project, "example", site, cache_dir=cache)
    pdf = (site / "bn/handouts/aftercare.pdf").read_bytes()
    # Its cache entry is gone (deleted by hand, say): the build's record still names it.
    entries = [entry for entry in cache.glob("??/*.pdf") if entry.read_bytes() == pdf]
    assert len(entries) == 1
    for part in entries[0].parent.glob(f"{entries[0].stem}.*"):
        part.unlink()
    edit(
        project / "content/es/side-effects.yml",
        "text: Un moretón donde entró una aguja",
        "text: Un pequeño moretón donde entró una aguja",
    )
    steps: list[str] = []
    build_site(project, "example", site, cache_dir=cache, progress=steps.append)
    assert "handout example/bn/aftercare: rendered (2 pages)" in steps
    assert (site / "bn/handouts/aftercare.pdf").read_bytes() == pdf


def test_a_page_proof_is_keyed_by_the_files_the_page_loads(tmp_path: Path) -> None:
    from careleaf.verify.manifest import shipped_files
    from careleaf.verify.proofs import PageInputs

    site = tmp_path / "site"
    for name, text in {
        "index.html": '<img src="handouts/a.png">',
        "assets/site.css": "body { color: black }",
        "handouts/a.png": "A",
        "handouts/b.png": "B",
        "search/search_index.json": "{}",
        "es/assets/site.css": "body {}",
    }.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text)
    page = (site / "index.html").read_bytes()

    def key() -> str:
        digest = PageInputs(site, "", ["es"]).digest(page)
        # The same key from the hashes a verification has just taken of the site's files.
        assert PageInputs(site, "", ["es"], shipped_files(site)).digest(page) == digest
        return digest

    before = key()
    # What the page does not load leaves the key alone: another image, the search index (read
    # only when someone searches), another language's files.
    for name in ("handouts/b.png", "search/search_index.json", "es/assets/site.css"):
        (site / name).write_text("changed")
        assert key() == before, name
    # What it loads changes it: a stylesheet, the image it shows.
    for name in ("assets/site.css", "handouts/a.png"):
        (site / name).write_text("changed " + name)
        assert key() != before, name
        before = key()


def test_the_caches_forget_what_the_project_no_longer_has(tmp_path: Path) -> None:
    from careleaf.verify.proofs import Proofs

    cache = Cache(tmp_path / "cache")
    for key in ("aa11", "bb22"):
        (cache.folder / key[:2]).mkdir(parents=True)
        (cache.folder / key[:2] / f"{key}.pdf").write_text("pdf")
    cache.record({"a/en/x": "aa11", "b/en/x": "bb22"}, {"a/en/x", "b/en/x"})
    assert (cache.folder / "bb/bb22.pdf").is_file()
    # Clinic b is gone: building clinic a alone forgets b's handouts.
    cache.record({"a/en/x": "aa11"}, {"a/en/x"})
    assert (cache.folder / "aa/aa11.pdf").is_file()
    assert not list((cache.folder / "bb").glob("*"))

    proofs = Proofs(tmp_path / "proofs")
    first, second = Proofs.key("pdf", "a"), Proofs.key("pdf", "b")
    proofs.remember(first)
    proofs.record("a:en", {"a", "b"})
    proofs.remember(second)
    proofs.record("b:en", {"a", "b"})
    assert proofs.known(first) is not None and proofs.known(second) is not None
    proofs.used.clear()
    proofs.record("a:en", {"a"})  # clinic b is gone, and a used nothing this time
    assert proofs.known(first) is None and proofs.known(second) is None


def test_sites_verified_at_once_keep_each_others_proofs(tmp_path: Path) -> None:
    """Two sites verified at the same time (a build's verifier threads) record their own
    proofs, share the fresh ones, and a record never forgets a proof another site is
    using; a worker's copy of the memo carries none of that state."""
    import json
    import pickle

    from careleaf.verify.proofs import Proofs

    proofs = Proofs(tmp_path / "proofs")
    made_ahead = Proofs.key("pdf", "rendered by a worker")
    proofs.remember(made_ahead)
    proofs.fresh.add(made_ahead)
    one, other = proofs.site(), proofs.site()
    first, second = Proofs.key("pdf", "a"), Proofs.key("page", "b")
    one.remember(first)
    other.remember(second)
    one.record("a:en", {"a", "b"})
    # b's verification is still under way: its proof stays, and so does the fresh one.
    assert proofs.known(second) is not None and proofs.known(made_ahead) is not None
    other.record("b:en", {"a", "b"})
    index = json.loads((tmp_path / "proofs" / "index.json").read_text(encoding="utf-8"))
    assert index == {"a:en": [first], "b:en": [second]}
    assert all(proofs.known(key) is not None for key in (first, second, made_ahead))

    copy = pickle.loads(pickle.dumps(proofs))
    assert copy.folder == proofs.folder and not copy.fresh and not copy.used
    copy.remember(Proofs.key("pdf", "c"))
    assert proofs.known(Proofs.key("pdf", "c")) is not None


def test_a_rendered_handout_is_proven_by_its_worker(project: Path, tmp_path: Path) -> None:
    """The workers prove each handout they render, under the key the verification looks
    up; a failing proof is not remembered."""
    from careleaf.build.pipeline import handout_file
    from careleaf.verify.manifest import Output, sha256
    from careleaf.verify.proofs import Proofs
    from careleaf.verify.verifier import PdfProof, prove_pdf

    library = load_library(project)
    proofs = Proofs(tmp_path / "proofs")
    entries = render_handouts(
        library, plan(library, ["example"]), Cache(tmp_path / "cache"), jobs=2, proofs=proofs
    )
    assert len(proofs.fresh) == len(entries) == 9
    for unit, entry in entries.items():
        output = Output(
            handout_file(library, unit), "pdf", unit.lang, unit.clinic, handout=unit.handout
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


def _fork_servers() -> list[int]:
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
def _another_thread() -> Iterator[None]:
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

    from careleaf.build.pipeline import _pool_context

    # In a process of its own: this one may run a fixture's threads.
    alone = (
        "from careleaf.build.pipeline import _pool_context; "
        "print(_pool_context().get_start_method())"
    )
    started = subprocess.run(
        [sys.executable, "-c", alone], capture_output=True, text=True, check=True
    )
    assert started.stdout.strip() == "fork"
    with _another_thread():
        assert _pool_context().get_start_method() == "forkserver"


def test_the_fork_server_is_stopped_once_the_handouts_are_rendered(
    project: Path, tmp_path: Path
) -> None:
    from careleaf.build.pipeline import stop_fork_server

    with _another_thread():
        render(project, Cache(tmp_path / "first"), jobs=2)
        assert _fork_servers(), "the pool's fork server runs until it is stopped"
        stop_fork_server()
        assert _fork_servers() == []
        # A later pool starts a server of its own.
        assert len(render(project, Cache(tmp_path / "second"), jobs=2)[1]) == 9
        stop_fork_server()


def test_a_worker_that_dies_fails_the_render_with_a_message(project: Path, tmp_path: Path) -> None:
    """A worker killed (by the kernel, out of memory) while handouts are still handed out:
    a BuildError that says what to do, not a traceback."""
    import time

    from careleaf.build.cache import assets_digest, renderer_digest
    from careleaf.build.pipeline import POOL_THRESHOLD, _Workers, prepare

    library = load_library(project)
    units = plan(library, ["example"])
    cache = Cache(tmp_path / "cache")
    shared = renderer_digest(project)
    assets = assets_digest(library, "example", shared)
    jobs = [prepare(library, unit, allow_overdue=False) for unit in units]
    with pytest.raises(BuildError, match="worker process rendering handouts stopped"):
        with _Workers(2, str(project.resolve()), shared, None, lambda _: None) as workers:
            for unit, job in list(zip(units, jobs, strict=True))[:POOL_THRESHOLD]:
                workers.render(unit, job, cache.entry(job, assets), None)
            assert workers.pool is not None
            for process in list(workers.pool._processes.values()):
                process.kill()
            deadline = time.monotonic() + 30
            while not workers.pool._broken and time.monotonic() < deadline:
                time.sleep(0.05)
            assert workers.pool._broken
            for unit, job in list(zip(units, jobs, strict=True))[POOL_THRESHOLD:]:
                workers.render(unit, job, cache.entry(job, assets), None)


def test_a_build_record_that_names_a_handout_outside_the_cache_is_not_trusted(
    tmp_path: Path,
) -> None:
    from careleaf.build.pipeline import BuildRecords, Published, tree_hashes

    final = tmp_path / "site"
    final.mkdir()
    (final / "index.html").write_text("<p>hello</p>", encoding="utf-8")
    records = BuildRecords(tmp_path / "cache")
    good = Published(
        "i", {"en": "d"}, {"en": ["index.html"]}, tree_hashes(final), {"c/en/a": "ab" * 32}
    )
    records.remember(final, good)
    assert records.read(final) == good
    records.remember(final, dataclasses.replace(good, handouts={"c/en/a": "../../../etc/passwd"}))
    assert records.read(final) is None


def test_two_clinics_are_verified_at_once_and_a_failure_publishes_neither(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first clinic's verification waits until the second clinic's has started (its
    sites built meanwhile; a build that verified one clinic after the other would wait in
    vain), then fails: the build fails with its message, and neither clinic is published
    (the second passed, but a build publishes in order) nor left staged."""
    import threading

    second_verifying = threading.Event()
    waited: list[bool] = []

    def engine(clinic_id: str, lang: str, site_dir: Path, library: Library) -> None:
        site_dir.mkdir(parents=True, exist_ok=True)
        (site_dir / "index.html").write_text(f"{clinic_id} {lang}", encoding="utf-8")

    def finish(library: Library, clinic_id: str, *args: Any, **kwargs: Any) -> int:
        if clinic_id == "example":
            waited.append(second_verifying.wait(timeout=30))
            raise BuildError("verification failed; nothing was published (example)")
        second_verifying.set()
        return 1

    def render_handouts(*args: Any, meanwhile: Any = None, **kwargs: Any) -> dict[Any, Any]:
        meanwhile()  # the sites, built while the (here: no) handouts render
        return {}

    monkeypatch.setattr(pipeline, "render_handouts", render_handouts)
    monkeypatch.setattr(pipeline, "finish", finish)
    dist = tmp_path / "dist"
    with pytest.raises(BuildError, match=r"nothing was published \(example\)"):
        pipeline.build(project, ["example", "lakeside"], lambda c: dist / c, engine)
    assert waited == [True]
    assert not dist.exists() or list(dist.iterdir()) == []
    assert not [p for p in tmp_path.iterdir() if "staging" in p.name]
