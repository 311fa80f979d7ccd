"""The safety verifier: reads every published output back and checks each protected field is in it.

It trusts nothing from the build but the manifest's list of files, and checks that list too:
each listed file must exist with the hash the build recorded, and every output the project's
sources call for must be listed. Then each file is read back (HTML parsed; a PDF's text and
named destinations read with pdfium, its metadata and fonts with pikepdf) and its items compared
with the content.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

from careleaf.content.load import load_library
from careleaf.content.model import Library
from careleaf.verify.browser import Chromium
from careleaf.verify.csp_check import check_policy
from careleaf.verify.expected import expected_items, known_items, same_language
from careleaf.verify.manifest import (
    MANIFEST_NAME,
    Output,
    check_files,
    check_sources,
    collect_outputs,
    output_file,
    output_languages,
    read_manifest,
    sha256,
    shipped_files,
)
from careleaf.verify.pdf_proof import PdfProof, check_pdf_output
from careleaf.verify.proofs import PageInputs, Proofs
from careleaf.verify.prover import PageProver, Wanted
from careleaf.verify.readback import locate, normalise
from careleaf.verify.readback_html import SeenPages
from careleaf.verify.readings import Readings
from careleaf.verify.report import Report, Row

__all__ = ["check_output", "verify"]


def verify(
    site_dir: Path,
    root: Path,
    languages: Iterable[str] | None = None,
    *,
    browser: bool = True,
    library: Library | None = None,
    proofs: Proofs | None = None,
    chromium: Chromium | None = None,
    readings: Readings | None = None,
    sources: Mapping[str, str] | None = None,
) -> Report:
    """Verify a built site against the project's content.

    Reads ``site_dir/careleaf-manifest.json`` first. Every file it lists must exist and match
    its recorded SHA-256; every output the project's sources call for (see
    `careleaf.verify.manifest.collect_outputs`) must be listed, or it counts as missing. Then each
    listed file is read back and checked with `check_output`.

    Args:
        site_dir: the built site (one clinic).
        root: the project the site was built from.
        languages: the languages the site must hold; by default the source language and every
            published one (`careleaf.verify.manifest.output_languages`).
        browser: also open every page that must show protected elements in Chromium and
            prove each element as a reader gets it (`careleaf.verify.prover`); only tests of the
            other checks turn it off.
        library: the project's content, when the caller has just loaded it from ``root``.
        proofs: passing proofs to take instead of proving an unchanged output again (a
            build's memo, `careleaf.verify.proofs`); by default every output is proven.
        chromium: a browser kept for many verifications (a build's clinics); by default one
            is started for this verification, when a page needs it, and stopped after it.
        readings: what the caller has read of these outputs already (a build has read the
            pages for the manifest, `careleaf.verify.manifest.build_manifest`); by default,
            nothing: the verification keeps its own.
        sources: the project's sources' hashes, if the caller has just taken them (a build
            has, `careleaf.verify.manifest.source_hashes`); by default hashed now.

    Raises:
        UnreadableOutput: the site folder, the manifest or an output cannot be read or parsed.
        ContentError: the project's content cannot be loaded.
    """
    site_dir = Path(site_dir)
    readings = readings if readings is not None else Readings()
    library = library or load_library(Path(root))
    if site_dir.is_dir() and not (site_dir / MANIFEST_NAME).exists():
        return engine_only(site_dir, library, languages)
    manifest = read_manifest(site_dir)
    clinic = manifest["clinic"]
    problems = []
    if clinic not in library.clinics:
        problems.append(f"the manifest names clinic '{clinic}', which the project does not have")
    if manifest["content_version"] != library.project.content_version:
        problems.append(
            f"built from content version {manifest['content_version']}, "
            f"the project is at {library.project.content_version}"
        )
    problems += check_sources(library.root, manifest["sources"], sources)
    # Hashed once: the check of the manifest's files, then the proofs' keys use the hashes.
    hashes = shipped_files(site_dir)
    problems += check_files(
        hashes, manifest["files"], (entry["path"] for entry in manifest["outputs"])
    )
    problems += check_policy(
        site_dir, manifest.get("csp"), [p for p in hashes if p.endswith(".html")]
    )
    langs = list(languages) if languages is not None else output_languages(library)
    expected = {output.path: output for output in collect_outputs(site_dir, library, langs, clinic)}
    rows = []
    # A browser started here is stopped on the way out, whatever happens.
    with contextlib.ExitStack() as stack:
        # The browser proves the pages in its thread while the PDFs are read here: Chromium works
        # in its own processes, so the two overlap.
        running = chromium or (stack.enter_context(Chromium()) if browser else None)
        pages = [
            expected[entry["path"]]
            for entry in manifest["outputs"]
            if entry["path"] in expected
            and expected[entry["path"]].kind == "page"
            and output_file(site_dir, entry["path"]).is_file()
        ]
        proof = (
            running.thread.submit(_browser_proof, site_dir, library, pages, proofs, running, hashes)
            if running is not None
            else None
        )
        listed: set[str] = set()
        for entry in manifest["outputs"]:
            path = entry["path"]
            if path in listed:
                problems.append(f"{path}: listed more than once in the manifest")
                continue
            listed.add(path)
            described = Output(
                path,
                entry["kind"],
                entry["lang"],
                entry["clinic"],
                page=entry["page"],
                handout=entry["handout"],
                edition=entry["edition"],
            )
            output = expected.get(path)
            entry_problems = []
            if output is None:
                output = described
                entry_problems.append(
                    "not an output of this project: no source page or handout of a built "
                    "language makes it"
                )
            elif described != output:
                for key in ("kind", "lang", "clinic", "page", "handout", "edition"):
                    if getattr(described, key) != getattr(output, key):
                        entry_problems.append(
                            f"the manifest gives {key} {getattr(described, key)!r}, "
                            f"expected {getattr(output, key)!r}"
                        )
            row = check_output(site_dir, library, output, entry["sha256"], proofs, readings)
            row.problems[:0] = entry_problems
            rows.append(row)
        for path, output in expected.items():
            if path in listed:
                continue
            row = Row(output.path, output.kind, output.lang, output.clinic)
            wanted, row.problems = expected_items(library, output)
            row.missing = sorted(wanted)
            built = output_file(site_dir, path).is_file()
            row.problems.append(
                "not listed in the manifest" + ("" if built else ", and the file does not exist")
            )
            rows.append(row)
        if proof is not None:
            _note_browser_failures(proof.result(), rows)
    rows.sort(key=lambda row: row.output)
    return Report(str(site_dir), clinic, rows, problems)


# Why a site without careleaf's manifest fails, and what publishes instead.
ENGINE_ONLY = (
    "no {manifest}: this site was not built by careleaf. A site engine run on its own "
    "(`zensical build`, or `mkdocs build` without careleaf's plugin) does not compose "
    "careleaf's blocks, notices and branding into the pages, and nothing proves what it "
    "made. Publish with `careleaf build` (it composes the pages, builds the site with the "
    "engine, verifies every output and only then replaces the published folder)."
)


def engine_only(site_dir: Path, library: Library, languages: Iterable[str] | None) -> Report:
    """The verdict on a site without careleaf's manifest (an engine's own build): each output
    the project calls for is read as it is, for the default clinic, and each page names the
    protected blocks it lacks; the site fails whatever is found."""
    clinic = library.project.default_clinic
    langs = list(languages) if languages is not None else output_languages(library)
    rows = [
        check_output(site_dir, library, output)
        for output in collect_outputs(site_dir, library, langs, clinic)
    ]
    problems = [ENGINE_ONLY.format(manifest=MANIFEST_NAME)]
    for row in rows:
        blocks = sorted({key.split("/", 1)[0] for key in row.missing})
        if blocks:
            problems.append(f"{row.output}: missing the blocks {', '.join(blocks)}")
    rows.sort(key=lambda row: row.output)
    return Report(str(site_dir), clinic, rows, problems)


def _browser_proof(
    site_dir: Path,
    library: Library,
    outputs: Iterable[Output],
    proofs: Proofs | None,
    chromium: Chromium,
    hashes: Mapping[str, str] | None = None,
) -> dict[str, dict[str, list[str]]]:
    """Open every page that must show protected elements in Chromium: path -> key -> the
    properties that failed (see `careleaf.verify.prover.PageProver.check`).

    With ``proofs``, a page proven before with the same bytes, elements and loaded files
    is not opened again, and a page that passes is remembered; ``hashes``: the site's files
    as the verification just hashed them (`careleaf.verify.proofs.PageInputs`).
    """
    pages: dict[str, list[Wanted]] = {}
    keys: dict[str, str] = {}
    inputs: dict[str, PageInputs] = {}
    others = [lang for lang in library.project.languages if lang != library.source_language]
    for output in outputs:
        wanted, _problems = expected_items(library, output)
        if not wanted:
            continue
        elements = [Wanted(key, text, locate(key)[0]) for key, text in wanted.items()]
        if proofs is not None:
            folder = "" if output.lang == library.source_language else output.lang
            if folder not in inputs:
                inputs[folder] = PageInputs(site_dir, folder, [] if folder else others, hashes)
            html = output_file(site_dir, output.path).read_bytes()
            loaded = inputs[folder].digest(html)
            described = [[want.key, want.text, want.selector] for want in elements]
            page_hash = hashlib.sha256(html).hexdigest()
            key = proofs.key("page", output.path, page_hash, loaded, described)
            if proofs.known(key) is not None:
                continue
            keys[output.path] = key
        pages[output.path] = elements
    if not pages:
        return {}
    with PageProver(site_dir, chromium) as prover:
        results = prover.check(pages)
    for path, key in keys.items():
        if proofs is not None and not results.get(path):
            proofs.remember(key)
    return results


def _note_browser_failures(results: dict[str, dict[str, list[str]]], rows: list[Row]) -> None:
    """An element that fails any property in the browser counts as missing, with one note per
    property; a page that navigates away is a problem of the page."""
    by_path = {row.output: row for row in rows}
    for path, failures in results.items():
        row = by_path[path]
        for key, properties in sorted(failures.items()):
            if not key:
                row.problems += [f"in the browser: {failure}" for failure in properties]
                continue
            if key not in row.missing:
                row.missing.append(key)
            row.notes += [f"{key}: in the browser, {failure}" for failure in properties]
        row.missing.sort()


def check_output(
    site_dir: Path,
    library: Library,
    output: Output,
    recorded_sha256: str | None = None,
    proofs: Proofs | None = None,
    readings: Readings | None = None,
) -> Row:
    """Read one output back and compare it with the content.

    An expected item counts as missing when it is not found, is hidden, or its text is not
    the item's text (each with a note). Ids that the content of the language does not know
    are unexpected; ids found more than once on a page are duplicated.

    Args:
        site_dir: the built site.
        library: the content.
        output: which file, and what it should be.
        recorded_sha256: the hash the manifest recorded; a different file is a problem.
        proofs: passing proofs of PDFs to take instead of reading an unchanged PDF again.
        readings: what the caller has read already (`careleaf.verify.readings.Readings`).

    Raises:
        UnreadableOutput: the file exists but cannot be read or parsed.
    """
    row = Row(output.path, output.kind, output.lang, output.clinic)
    expected, row.problems = expected_items(library, output)
    path = output_file(site_dir, output.path)
    if not path.is_file():
        row.missing = sorted(expected)
        row.problems.append("the file does not exist")
        return row
    digest = sha256(path)
    if recorded_sha256 is not None and digest != recorded_sha256:
        row.problems.append("changed since the build: its SHA-256 differs from the manifest's")
    readings = readings if readings is not None else Readings()
    if output.kind == "page":
        known = known_items(library, output.lang)
        _check_page(row, path, Path(site_dir), expected, known, readings.pages)
        return row
    proof = PdfProof.of(library, output, expected)
    check_pdf_output(row, path, library.root, proof, digest, proofs, readings.glyphs)
    return row


def _check_page(
    row: Row,
    path: Path,
    site_dir: Path,
    expected: dict[str, str],
    known: set[str],
    pages: SeenPages,
) -> None:
    seen = pages.read(path, site_dir)
    if not same_language(seen.lang, row.lang):
        row.problems.append(f'the page says <html lang="{seen.lang or ""}">, expected "{row.lang}"')
    counts = Counter(item.id for item in seen.items)
    row.duplicated = sorted(item_id for item_id, count in counts.items() if count > 1)
    row.unexpected = sorted(set(counts) - known)
    for item_id, text in sorted(expected.items()):
        found = [item for item in seen.items if item.id == item_id]
        if any(item.visible and normalise(item.text) == normalise(text) for item in found):
            continue
        row.missing.append(item_id)
        shown = [item for item in found if item.visible]
        if not found:
            row.notes.append(f"{item_id}: not found")
        elif shown:
            row.notes.append(f"{item_id}: text is {shown[0].text!r}, expected {text!r}")
        else:
            row.notes.append(f"{item_id}: hidden ({found[0].hidden_by})")
