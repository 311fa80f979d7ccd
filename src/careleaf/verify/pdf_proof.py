"""Proves a handout PDF: its language, page count and fonts, and each protected item's text,
found at its named destination and as drawn."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from careleaf.content.model import Library
from careleaf.content.project import protected_anchor
from careleaf.verify.actual_text import marked_runs, untrue_runs
from careleaf.verify.drawn import DrawnPdf
from careleaf.verify.expected import expected_items, known_items, same_language
from careleaf.verify.manifest import Output, sha256
from careleaf.verify.print_proof import PrintRules, body_size, print_failures
from careleaf.verify.proofs import Proofs
from careleaf.verify.readback import (
    PDFIUM,
    complex_scripts,
    locate,
    normalise,
    plain_tokens,
    text_variants,
)
from careleaf.verify.readback_pdf import PdfSeen, pdf_items
from careleaf.verify.readings import Readings
from careleaf.verify.report import SCRIPT_CHECK, TEXT_CHECK, Row
from careleaf.verify.shaping import GlyphComparisons


@dataclass(frozen=True)
class PdfProof:
    """What proving a handout PDF checks it against, whatever its bytes: its language, the
    handout's page limit, the protected items it must show and its print rules (body size,
    what goes on page 1, the emergency number's size). Plain data, so that a build's worker
    process can prove a handout it has just rendered (`prove_pdf`)."""

    lang: str
    max_pages: int | None
    expected: dict[str, str]
    known: tuple[str, ...]
    rules: PrintRules

    @classmethod
    def of(
        cls, library: Library, output: Output, expected: dict[str, str] | None = None
    ) -> PdfProof:
        """The proof of a PDF output (``expected``: its `expected_items`, if known)."""
        handout = library.handouts.get(output.handout or "")
        edition = output.edition or "standard"
        if expected is None:
            expected = expected_items(library, output)[0]
        return cls(
            output.lang,
            handout.page_limit(edition) if handout is not None else None,
            expected,
            tuple(sorted(known_items(library, output.lang))),
            PrintRules.of(library, output.clinic, edition, expected, output.lang),
        )

    def key(self, digest: str) -> str:
        """The memo key of this proof over a PDF of SHA-256 ``digest`` (`proofs`)."""
        return Proofs.key(
            "pdf", digest, self.lang, self.max_pages, self.expected, self.known, repr(self.rules)
        )


def prove_pdf(
    path: Path, root: Path, proof: PdfProof, proofs: Proofs, readings: Readings | None = None
) -> str | None:
    """Prove a PDF as `careleaf.verify.verifier.check_output` does and remember it when it
    passes; returns its memo key then, else None (a failure is not remembered: the build's
    verification proves the file again and reports it).

    ``readings``: what the caller has read already (a build's worker proves many handouts,
    whose fonts share most glyphs); by default, nothing.

    Raises:
        UnreadableOutput: the file cannot be read or parsed as a PDF.
    """
    key = proof.key(sha256(path))
    row = Row(str(path), "pdf", proof.lang, "")
    _check_pdf(row, path, root, proof, readings.glyphs if readings else None)
    return key if _remember_pass(proofs, key, row) else None


def check_pdf_output(
    row: Row,
    path: Path,
    root: Path,
    proof: PdfProof,
    digest: str,
    proofs: Proofs | None = None,
    compared: GlyphComparisons | None = None,
) -> None:
    """Give a PDF output's row its verdict: the one a passing proof of the same bytes and
    `PdfProof` left in ``proofs``, or else a fresh proof's (remembered when it passes).

    Args:
        row: the output's row, to fill in.
        path: the PDF.
        root: the project it was built from.
        proof: what it is proven against.
        digest: its SHA-256.
        proofs: passing proofs to take instead of reading an unchanged PDF again.
        compared: the glyphs compared already (`careleaf.verify.shaping.GlyphComparisons`).

    Raises:
        UnreadableOutput: the file cannot be read or parsed as a PDF.
    """
    key = proof.key(digest)
    proven = proofs.known(key) if proofs else None
    if proven is not None:
        # The same bytes, expected to hold the same items, passed this very verifier.
        row.check, row.notes = proven["check"], list(proven["notes"])
        return
    _check_pdf(row, path, root, proof, compared)
    if proofs:
        _remember_pass(proofs, key, row)


def _remember_pass(proofs: Proofs, key: str, row: Row) -> bool:
    """Remember a PDF's proof when its row passed, with the verdict `check_pdf_output` gives
    back from the memo; returns whether it passed."""
    if row.ok:
        proofs.remember(key, {"check": row.check, "notes": row.notes})
    return row.ok


def _check_pdf(
    row: Row, path: Path, root: Path, proof: PdfProof, compared: GlyphComparisons | None
) -> None:
    expected = proof.expected
    seen = pdf_items(path)
    if not same_language(seen.lang, row.lang):
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
    with PDFIUM, DrawnPdf(path, root, compared) as drawn:
        # Bengali is read from its runs' /ActualText: each must be what its glyphs draw.
        row.problems += untrue_runs(marked_runs(path), drawn.fonts)
        failures = {
            item_id: drawn.check(item_id, text, locate(item_id)[1])
            for item_id, text in sorted(expected.items())
        }
        # The body size is that of the safety content: the bulk of a handout's text, where
        # the size of a short handout's furniture (header, footer, contacts) could outnumber it.
        body = body_size(glyphs for glyphs in drawn.found.values() if glyphs)
        problems, placed = print_failures(proof.rules, body, drawn.found)
    row.problems += problems
    for item_id, item_failures in sorted(failures.items()):
        item_failures += placed.get(item_id, [])
        if item_failures and item_id not in row.missing:
            row.missing.append(item_id)
        row.notes += [f"{item_id}: as drawn, {failure}" for failure in item_failures]
    row.missing.sort()
    if stood_in:
        row.check = SCRIPT_CHECK
        row.notes.append(
            f"{stood_in} item{'s' if stood_in != 1 else ''} in Arabic: extracted "
            f"text checked by {SCRIPT_CHECK}, drawn glyphs against the text shaped by HarfBuzz"
        )


def check_pdf_item(seen: PdfSeen, item_id: str, text: str) -> tuple[str, str | None]:
    """Check one item in a PDF read back.

    The ``"text"`` check: the PDF has the named destination of the key
    (`careleaf.content.model.protected_anchor`; WeasyPrint writes one for each element id it laid
    out) and the item's normalised text is in the normalised
    text of the page it points to (or of that page and the next, for an item split by a page
    break).

    Bengali is compared the same way, without whitespace (a line may break between any two
    clusters): the renderer marks each run of it with its text as /ActualText, which pdfium
    extracts instead of the glyphs' ToUnicode text (which breaks clusters apart), and
    `careleaf.verify.actual_text` proves each such text true to the glyphs drawn.

    The ``"anchor+script"`` check stands in for it when the item's text holds Arabic, which
    extractors return in visual order: the named destination exists, the page it points to
    has text in that script, and every run of letters or digits outside it (Latin words,
    Western digits) is in that page's text. That the glyphs are right is the drawn-glyph
    check (`careleaf.verify.drawn`), which compares them with the text shaped by HarfBuzz.

    Returns:
        The check used (``"text"`` or ``"anchor+script"``) and, when the item counts as
        missing, a note saying why (else None).
    """
    scripts = complex_scripts(text)
    script = bool(scripts - {"Bengali"})
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
        if scripts:  # Bengali: a line may break between any two clusters
            needle = "".join(needle.split())
            variants = {"".join(variant.split()) for variant in variants}
        if any(needle in variant for variant in variants):
            return check, None
        return check, f"{item_id}: text {text!r} not found on page {page + 1}"
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
