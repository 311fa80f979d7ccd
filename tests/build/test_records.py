"""Incremental builds: what a build keeps, copies or takes from the cache since the last one."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from conftest import edit

from careleaf.build.events import (
    ClinicPublished,
    Event,
    HandoutCached,
    HandoutRendered,
    Kept,
    SiteBuilding,
    SiteCopied,
)
from careleaf.build.plan import Unit
from careleaf.build.records import BuildRecords, Published, tree_hashes
from careleaf.content.handout import EDITIONS
from careleaf.content.load import load_library
from careleaf.content.model import Library
from careleaf.options import BuildOptions
from careleaf.render.handouts import HandoutJob
from careleaf.site.engine import build_site


def test_a_build_with_nothing_changed_keeps_the_published_site(
    mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    site = mini / "site"

    def build() -> list[Event]:
        steps: list[Event] = []
        build_site(mini, "demo", site, progress=steps.append)
        return steps

    assert any(isinstance(s, HandoutRendered) for s in build())
    assert build() == [Kept("demo")]
    assert str(Kept("demo")) == "demo: nothing changed since the last build; kept as it is"
    # A published file that differs from the verified build is rebuilt, from the cache.
    (site / "index.html").write_text("tampered")
    steps = build()
    assert "tampered" not in (site / "index.html").read_text()
    assert any(isinstance(s, HandoutCached) for s in steps)
    assert not any(isinstance(s, HandoutRendered) for s in steps)
    # So is an edited source.
    edit(mini / "docs/en/safety.md", "# ", "# Changed ")
    assert any(isinstance(s, ClinicPublished) and s.clinic == "demo" for s in build())


def test_a_translation_edit_rebuilds_its_language_and_equals_a_fresh_build(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conftest import snapshot

    from careleaf.build import workers
    from careleaf.verify.manifest import collect_outputs
    from careleaf.verify.proofs import Proofs
    from careleaf.verify.verifier import check_output

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    site = tmp_path / "site"

    def build(folder: Path, cache: Path) -> list[Event]:
        steps: list[Event] = []
        build_site(project, "example", folder, progress=steps.append, cache_dir=cache)
        return steps

    build(site, tmp_path / "cache")
    edit(
        project / "content/es/side-effects.yml",
        "text: Un moretón donde entró una aguja",
        "text: Un pequeño moretón donde entró una aguja",
    )
    prepared: list[str] = []
    real_prepare = workers.prepare

    def prepare(library: Library, unit: Unit, options: BuildOptions) -> HandoutJob:
        prepared.append(unit.name)
        return real_prepare(library, unit, options)

    monkeypatch.setattr(workers, "prepare", prepare)
    steps = build(site, tmp_path / "cache")
    # Bengali reads nothing that changed: its site is copied from the published one. English
    # is built again (its editors' report counts every language's words), Spanish too.
    assert SiteCopied("example", "bn") in steps
    assert SiteBuilding("example", "es") in steps and SiteBuilding("example", "en") in steps
    # Only the Spanish handouts are prepared again. The others read nothing that changed (the
    # English ones read English content only, unlike the English site): taken from the cache
    # by the keys the build recorded, without their documents being prepared again.
    # Each handout in both editions: the standard one and the large-print one.
    handouts = sorted(load_library(project).handouts)
    editions = [*handouts, *(f"{EDITIONS[1]}/{h}" for h in handouts)]
    assert sorted(prepared) == sorted(f"example/es/{h}" for h in editions)
    assert all(
        HandoutCached(f"example/{lang}/{h}") in steps for lang in ("en", "bn") for h in editions
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
    steps: list[Event] = []
    build_site(project, "example", site, cache_dir=cache, progress=steps.append)
    assert any(isinstance(s, HandoutRendered) and s.unit == "example/bn/aftercare" for s in steps)
    assert (site / "bn/handouts/aftercare.pdf").read_bytes() == pdf


def test_a_build_record_that_names_a_handout_outside_the_cache_is_not_trusted(
    tmp_path: Path,
) -> None:
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
