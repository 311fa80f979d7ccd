"""WeasyPrint, confined: reads only the project's asset folders, and any warning fails the build."""

from __future__ import annotations

import logging
import mimetypes
import os
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pypdfium2
import weasyprint
from lxml import html as lxml_html
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from .errors import BuildError, logged_messages
from .fonts import uncovered
from .model import Clinic, Library
from .render import render_handout

THUMBNAIL_WIDTH = 300


class RefusedURL(FatalURLFetchingError):
    """A handout asked for something outside the project's asset folders."""


class ConfinedFetcher(URLFetcher):
    """Serves local files under the allowed folders (resolved real paths); refuses the rest."""

    def __init__(self, allowed: list[Path]) -> None:
        super().__init__(allowed_protocols={"file"})
        self.allowed = [folder.resolve() for folder in allowed]

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme != "file":
            raise RefusedURL(f"refused {url}: handouts read only local project files")
        path = Path(unquote(parts.path)).resolve()
        if not any(path.is_relative_to(folder) for folder in self.allowed):
            raise RefusedURL(f"refused {path}: outside the project's asset folders")
        if not path.is_file():
            raise RefusedURL(f"file not found: {path}")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})


def created_date() -> str:
    """The PDF date: from SOURCE_DATE_EPOCH when set (reproducible builds), else now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def handout_pdf(
    library: Library,
    handout_id: str,
    lang: str,
    clinic: Clinic,
    url: str,
    target: Path,
    *,
    overdue: bool = False,
) -> int:
    """Render one handout to a tagged PDF at ``target``; returns its page count.

    Raises:
        BuildError: naming the handout, the language and the clinic, when a character has no
            glyph in the shipped fonts, WeasyPrint warns, a file is refused, or the handout
            has more pages than its definition allows.
    """
    where = f"handout '{handout_id}' ({lang}, clinic '{clinic.id}')"
    # A fillable handout is a PDF form (WeasyPrint's form support: `appearance: auto` inputs).
    fillable = library.handouts[handout_id].fillable
    root = library.root
    html = render_handout(library, handout_id, lang, clinic, url, created_date(), overdue=overdue)
    text = lxml_html.document_fromstring(html.encode("utf-8")).text_content()
    missing = uncovered(text, root)
    if missing:
        chars = " ".join(f"'{ch}' (U+{ord(ch):04X})" for ch in sorted(missing))
        sample = next(line.strip() for line in text.splitlines() if set(line) & missing)
        raise BuildError(f"{where}: no shipped font has a glyph for {chars} in: {sample!r}")
    allowed = [root / "fonts", root / "handouts", root / Path(clinic.path).parent]
    with logged_messages("weasyprint", logging.WARNING) as warnings:
        try:
            document = weasyprint.HTML(
                string=html,
                base_url=f"{root.resolve().as_uri()}/",
                url_fetcher=ConfinedFetcher(allowed),
            ).render(pdf_variant="pdf/ua-1", pdf_forms=fillable)
        except FatalURLFetchingError as error:
            raise BuildError(f"{where}: {error}") from None
    if warnings:
        raise BuildError(f"{where}: WeasyPrint: " + "; ".join(warnings))
    pages = len(document.pages)
    limit = library.handouts[handout_id].max_pages
    if pages > limit:
        raise BuildError(f"{where}: {pages} pages, but its definition allows at most {limit}")
    target.parent.mkdir(parents=True, exist_ok=True)
    document.write_pdf(target, pdf_variant="pdf/ua-1", pdf_forms=fillable)
    return pages


def thumbnail(pdf: Path, target: Path, width: int = THUMBNAIL_WIDTH) -> None:
    """Write a PNG of the PDF's first page, ``width`` pixels wide."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        bitmap = page.render(scale=width / page.get_width())
        bitmap.to_pil().save(target, optimize=True)
    finally:
        document.close()
