"""The memo of passing proofs: keyed by what each output loads, shared by a build's sites."""

from __future__ import annotations

from pathlib import Path

from careleaf.build.cache import Cache


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
