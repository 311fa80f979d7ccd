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
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from careleaf.content.load import load_library
from careleaf.content.model import Library
from careleaf.content.pages import check_page, split_front_matter
from careleaf.content.project import protected_anchor
from careleaf.render.blocks import protected_texts
from careleaf.verify.browser import Chromium, PageProver, Wanted
from careleaf.verify.drawn import DrawnPdf
from careleaf.verify.manifest import (
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
from careleaf.verify.proofs import PageInputs, Proofs
from careleaf.verify.readback import (
    PDFIUM,
    PdfSeen,
    UnreadableOutput,
    complex_scripts,
    has_complex_script,
    locate,
    normalise,
    pdf_items,
    plain_tokens,
    read_html,
    text_variants,
)

__all__ = [
    "Report",
    "Row",
    "UnreadableOutput",
    "check_output",
    "check_pdf_item",
    "expected_items",
    "format_table",
    "known_items",
    "verify",
]

TEXT_CHECK = "text"
SCRIPT_CHECK = "anchor+script"


@dataclass
class Row:
    """The verdict on one output.

    Attributes:
        output: its path inside the site folder.
        kind: ``"page"`` or ``"pdf"``.
        lang: its language.
        clinic: the clinic it is branded for.
        missing: protected keys (``block/item/field``, ``block/field``) not found visible with
            their exact text.
        unexpected: protected keys found that the registry does not know.
        duplicated: protected keys found more than once.
        notes: why each missing key counts as missing, and which check stood in for text.
        problems: failures not about one item (file changed or absent, wrong language...).
        check: ``"text"``, or ``"anchor+script"`` when some item's text is in a complex
            script and that check stood in for the text check (see `check_pdf_item`).
    """

    output: str
    kind: str
    lang: str
    clinic: str
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    check: str = TEXT_CHECK

    @property
    def ok(self) -> bool:
        """True when nothing is missing, unexpected, duplicated or otherwise wrong."""
        return not (self.missing or self.unexpected or self.duplicated or self.problems)

    def to_dict(self) -> dict[str, Any]:
        """The row as plain data, with its verdict."""
        return {**asdict(self), "ok": self.ok}


@dataclass
class Report:
    """The verdict on a whole site: one row per output, plus problems about the site as a whole."""

    site_dir: str
    clinic: str
    rows: list[Row]
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every output passed and the manifest matches the project."""
        return not self.problems and all(row.ok for row in self.rows)

    def summary(self) -> str:
        """One line: the verdict and the counts."""
        pages = sum(row.kind == "page" for row in self.rows)
        pdfs = len(self.rows) - pages
        languages = len({row.lang for row in self.rows})
        checked = (
            f"{_count(len(self.rows), 'output')} checked ({_count(pages, 'page')}, "
            f"{_count(pdfs, 'PDF')}) in "
            f"{languages} language{'s' if languages != 1 else ''} for clinic '{self.clinic}'"
        )
        if self.ok:
            return f"OK: {checked}"
        failed = sum(not row.ok for row in self.rows)
        missing = sum(len(row.missing) for row in self.rows)
        unexpected = sum(len(row.unexpected) for row in self.rows)
        duplicated = sum(len(row.duplicated) for row in self.rows)
        other = len(self.problems) + sum(len(row.problems) for row in self.rows)
        return (
            f"FAILED: {checked}; {failed} failed: {missing} missing, {unexpected} unexpected, "
            f"{duplicated} duplicated, {other} other problem{'s' if other != 1 else ''}"
        )

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data (what ``careleaf verify --format json`` prints)."""
        return {
            "ok": self.ok,
            "site_dir": self.site_dir,
            "clinic": self.clinic,
            "summary": self.summary(),
            "problems": list(self.problems),
            "rows": [row.to_dict() for row in self.rows],
        }


def verify(
    site_dir: Path,
    root: Path,
    languages: Iterable[str] | None = None,
    *,
    browser: bool = True,
    library: Library | None = None,
    proofs: Proofs | None = None,
    chromium: Chromium | None = None,
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
            prove each element as a reader gets it (`careleaf.verify.browser`); only tests of the
            other checks turn it off.
        library: the project's content, when the caller has just loaded it from ``root``.
        proofs: passing proofs to take instead of proving an unchanged output again (a
            build's memo, `careleaf.verify.proofs`); by default every output is proven.
        chromium: a browser kept for many verifications (a build's clinics); by default one
            is started for this verification, when a page needs it, and stopped after it.

    Raises:
        UnreadableOutput: the site folder, the manifest or an output cannot be read or parsed.
        ContentError: the project's content cannot be loaded.
    """
    site_dir = Path(site_dir)
    library = library or load_library(Path(root))
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
    problems += check_sources(library.root, manifest["sources"])
    # Hashed once: the check of the manifest's files, then the proofs' keys use the hashes.
    hashes = shipped_files(site_dir)
    problems += check_files(
        hashes, manifest["files"], (entry["path"] for entry in manifest["outputs"])
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
                for key in ("kind", "lang", "clinic", "page", "handout"):
                    if getattr(described, key) != getattr(output, key):
                        entry_problems.append(
                            f"the manifest gives {key} {getattr(described, key)!r}, "
                            f"expected {getattr(output, key)!r}"
                        )
            row = check_output(site_dir, library, output, entry["sha256"], proofs)
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


def _browser_proof(
    site_dir: Path,
    library: Library,
    outputs: Iterable[Output],
    proofs: Proofs | None,
    chromium: Chromium,
    hashes: Mapping[str, str] | None = None,
) -> dict[str, dict[str, list[str]]]:
    """Open every page that must show protected elements in Chromium: path -> key -> the
    properties that failed (see `careleaf.verify.browser.PageProver.check`).

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


def expected_items(library: Library, output: Output) -> tuple[dict[str, str], list[str]]:
    """The protected elements an output must hold (key -> text as its language shows it), and
    problems.

    The placement rules in careleaf.yml decide: a page must hold every protected field of the
    blocks its rule names (and of any other protected block it calls), a PDF handout those of
    its rule's blocks (and of any other protected block it has). An item or field a language
    has not (completely) translated is shown, and expected, in the source language; the
    emergency instruction carries the clinic's number (`careleaf.render.blocks.protected_texts`).
    """
    if output.lang not in library.content:
        return {}, [f"the content has no language '{output.lang}'"]
    clinic = library.clinics.get(output.clinic)
    if clinic is None:
        return {}, [f"the project has no clinic '{output.clinic}'"]
    placement = library.project.placement
    if output.kind == "pdf":
        handout = library.handouts.get(output.handout or "")
        if handout is None:
            return {}, [f"the project has no handout '{output.handout}'"]
        blocks = [*placement.handouts.get(handout.id, ()), *(s.block for s in handout.sections)]
    else:
        source = library.root / output.page if output.page else None
        if source is None or not source.is_file():
            return {}, [f"its source page {output.page} does not exist"]
        try:
            markdown, offset = split_front_matter(source.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError) as error:
            return {}, [f"its source page {output.page} cannot be read: {error}"]
        called = check_page(markdown, str(output.page), library, output.lang, offset).blocks
        blocks = [*placement.pages.get(page_rule_path(str(output.page)), ()), *called]
    source_blocks = library.content[library.source_language]
    expected: dict[str, str] = {}
    for block_id in dict.fromkeys(blocks):
        if block_id in library.project.protected and block_id in source_blocks:
            expected.update(protected_texts(library, output.lang, block_id, clinic))
    return expected, []


def page_rule_path(page: str) -> str:
    """The path a placement rule names a page by: ``docs/es/is-it-safe.md`` -> ``is-it-safe.md``."""
    return "/".join(page.split("/")[2:])


def known_items(library: Library, lang: str) -> set[str]:
    """Every protected key an output may show (the same in every language)."""
    return {
        key
        for block_id in library.project.protected
        for key in library.project.protected_keys(block_id)
    }


def check_output(
    site_dir: Path,
    library: Library,
    output: Output,
    recorded_sha256: str | None = None,
    proofs: Proofs | None = None,
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
    if output.kind == "page":
        _check_page(row, path, Path(site_dir), expected, known_items(library, output.lang))
        return row
    proof = PdfProof.of(library, output, expected)
    key = proof.key(digest)
    proven = proofs.known(key) if proofs else None
    if proven is not None:
        # The same bytes, expected to hold the same items, passed this very verifier.
        row.check, row.notes = proven["check"], list(proven["notes"])
        return row
    _check_pdf(row, path, library.root, proof)
    if proofs:
        _remember_pass(proofs, key, row)
    return row


@dataclass(frozen=True)
class PdfProof:
    """What proving a handout PDF checks it against, whatever its bytes: its language, the
    handout's page limit and the protected items it must show. Plain data, so that a build's
    worker process can prove a handout it has just rendered (`prove_pdf`)."""

    lang: str
    max_pages: int | None
    expected: dict[str, str]
    known: tuple[str, ...]

    @classmethod
    def of(
        cls, library: Library, output: Output, expected: dict[str, str] | None = None
    ) -> PdfProof:
        """The proof of a PDF output (``expected``: its `expected_items`, if known)."""
        handout = library.handouts.get(output.handout or "")
        if expected is None:
            expected = expected_items(library, output)[0]
        return cls(
            output.lang,
            handout.max_pages if handout is not None else None,
            expected,
            tuple(sorted(known_items(library, output.lang))),
        )

    def key(self, digest: str) -> str:
        """The memo key of this proof over a PDF of SHA-256 ``digest`` (`proofs`)."""
        return Proofs.key("pdf", digest, self.lang, self.max_pages, self.expected, self.known)


def prove_pdf(path: Path, root: Path, proof: PdfProof, proofs: Proofs) -> str | None:
    """Prove a PDF as `check_output` does and remember it when it passes; returns its memo
    key then, else None (a failure is not remembered: the build's verification proves the
    file again and reports it).

    Raises:
        UnreadableOutput: the file cannot be read or parsed as a PDF.
    """
    key = proof.key(sha256(path))
    row = Row(str(path), "pdf", proof.lang, "")
    _check_pdf(row, path, root, proof)
    return key if _remember_pass(proofs, key, row) else None


def _remember_pass(proofs: Proofs, key: str, row: Row) -> bool:
    """Remember a PDF's proof when its row passed, with the verdict `check_output` gives
    back from the memo; returns whether it passed."""
    if row.ok:
        proofs.remember(key, {"check": row.check, "notes": row.notes})
    return row.ok


def _check_page(
    row: Row, path: Path, site_dir: Path, expected: dict[str, str], known: set[str]
) -> None:
    seen = read_html(path, site_dir)
    if not _same_language(seen.lang, row.lang):
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


def _check_pdf(row: Row, path: Path, root: Path, proof: PdfProof) -> None:
    expected = proof.expected
    seen = pdf_items(path)
    if not _same_language(seen.lang, row.lang):
        row.problems.append(f"the PDF's /Lang is {seen.lang!r}, expected {row.lang!r}")
    if seen.unembedded_fonts:
        row.problems.append(f"fonts not embedded: {', '.join(seen.unembedded_fonts)}")
    if proof.max_pages is not None and seen.pages > proof.max_pages:
        row.problems.append(f"{seen.pages} pages, the handout allows {proof.max_pages}")
    row.unexpected = sorted(set(seen.item_ids) - set(proof.known))
    stood_in = 0
    for item_id, text in sorted(expected.items()):
        check, note = check_pdf_item(seen, item_id, text)
        stood_in += check == SCRIPT_CHECK
        if note:
            row.missing.append(item_id)
            row.notes.append(note)
    with PDFIUM, DrawnPdf(path, root) as drawn:
        for item_id, text in sorted(expected.items()):
            failures = drawn.check(item_id, text, locate(item_id)[1])
            if failures and item_id not in row.missing:
                row.missing.append(item_id)
            row.notes += [f"{item_id}: as drawn, {failure}" for failure in failures]
    row.missing.sort()
    if stood_in:
        row.check = SCRIPT_CHECK
        row.notes.append(
            f"{stood_in} item{'s' if stood_in != 1 else ''} in a complex script: extracted "
            f"text checked by {SCRIPT_CHECK}, drawn glyphs against the text shaped by HarfBuzz"
        )


def check_pdf_item(seen: PdfSeen, item_id: str, text: str) -> tuple[str, str | None]:
    """Check one item in a PDF read back.

    The ``"text"`` check: the PDF has the named destination of the key
    (`careleaf.content.project.protected_anchor`; WeasyPrint writes one for each element id it laid
    out) and the item's normalised text is in the normalised
    text of the page it points to (or of that page and the next, for an item split by a page
    break).

    The ``"anchor+script"`` check stands in for it when the item's text holds Bengali or
    Arabic: complex-script shaping reorders, joins and ligates glyphs, so the text extracted
    from a PDF does not round-trip (extractors return Arabic in visual order and break Bengali
    clusters apart) and comparing text would fail on correct PDFs. Instead: the named
    destination exists, the page it points to has text in that script, and every run of
    letters or digits outside the complex script (Latin words, Western digits) is in that
    page's text. That the glyphs themselves are right is the build's glyph-level check: the
    shipped fonts must cover every character of the content, and a WeasyPrint missing-glyph
    warning fails the build. This check cannot see a changed word; the exact text of these
    items is still checked on the site's pages, which the same partial renders from the same
    content.

    Returns:
        The check used (``"text"`` or ``"anchor+script"``) and, when the item counts as
        missing, a note saying why (else None).
    """
    script = has_complex_script(text)
    check = SCRIPT_CHECK if script else TEXT_CHECK
    anchor = protected_anchor(item_id)
    page = seen.destinations.get(anchor)
    if page is None:
        return check, f"{item_id}: not found (no named destination {anchor})"
    if not 0 <= page < seen.pages:
        return check, f"{item_id}: its named destination points to no page"
    texts = [seen.page_texts[page]]
    if page + 1 < seen.pages:
        texts.append(seen.page_texts[page] + "\n" + seen.page_texts[page + 1])
    variants = {variant for candidate in texts for variant in text_variants(candidate)}
    if not script:
        needle = normalise(text)
        if any(needle in variant for variant in variants):
            return check, None
        return check, f"{item_id}: text {text!r} not found on page {page + 1}"
    scripts = complex_scripts(text)
    if not any(scripts <= complex_scripts(variant) for variant in variants):
        wanted = " and ".join(sorted(scripts))
        return check, f"{item_id}: no {wanted} text on page {page + 1}"
    absent = [
        token
        for token in plain_tokens(text)
        if not any(normalise(token) in variant for variant in variants)
    ]
    if absent:
        return check, f"{item_id}: {', '.join(absent)} not found on page {page + 1}"
    return check, None


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' if number != 1 else ''}"


def _same_language(found: str | None, expected: str) -> bool:
    """``en`` matches ``en`` and ``en-GB``; case does not matter."""
    if not found:
        return False
    found, expected = found.lower(), expected.lower()
    return found == expected or found.startswith(expected + "-")


def format_table(report: Report) -> str:
    """The report as a plain-text table of every output, the details, then the summary line."""
    header = ("output", "language", "clinic", "missing", "unexpected", "duplicated")
    lines = [
        (
            row.output,
            row.lang,
            row.clinic,
            ", ".join(row.missing) or "-",
            ", ".join(row.unexpected) or "-",
            ", ".join(row.duplicated) or "-",
        )
        for row in report.rows
    ]
    widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(len(header))]

    def render(cells: tuple[str, ...]) -> str:
        return "  ".join(
            cell.ljust(width) for cell, width in zip(cells, widths, strict=True)
        ).rstrip()

    out = [render(header), render(tuple("-" * width for width in widths))]
    out += [render(cells) for cells in lines]
    details = [f"  - {problem}" for problem in report.problems]
    for row in report.rows:
        details += [f"  - {row.output}: {problem}" for problem in row.problems]
        details += [f"  - {row.output}: {note}" for note in row.notes]
    if details:
        out += ["", "Details:", *details]
    out += ["", report.summary()]
    return "\n".join(out)
