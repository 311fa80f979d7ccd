"""WeasyPrint, confined: reads only the project's asset folders, and any warning fails the build."""

from __future__ import annotations

import io
import logging
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pikepdf
import pypdfium2
import weasyprint
from lxml import html as lxml_html
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from careleaf.compat import mark_actual_text
from careleaf.content.clinic import Clinic
from careleaf.content.handout import EDITIONS
from careleaf.content.model import Library
from careleaf.errors import BuildError, logged_messages
from careleaf.options import BuildOptions
from careleaf.render.blocks import content_area, render_handout
from careleaf.render.fill import MIN_LAST_PAGE_FILL, ContentArea, fits, last_page_fill
from careleaf.render.fonts import uncovered
from careleaf.render.form_fields import finish_form
from careleaf.verify.readback import PDFIUM, complex_scripts

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


# Handouts are PDF/UA; a fillable one is also a PDF form. Part of the cache key.
PDF_VARIANT = "pdf/ua-1"
# The project's stylesheets a handout uses; parsed once per renderer, not once per document.
STYLESHEETS = ("fonts/fonts.css", "handouts/print.css", "handouts/form.css")
# WeasyPrint loads a font face from its first source it can read. WOFF2 (for browsers) must be
# decompressed on every load, about three times the cost of TrueType: print takes the TTF.
_WOFF2_SOURCE = re.compile(r'url\("[^"]*\.woff2"\)\s*format\("woff2"\)\s*,\s*')


def needs_actual_text(text: str) -> bool:
    """Whether a run of text is written with its text as /ActualText: Bengali, which would
    otherwise extract as its glyphs' ToUnicode map spells it, with letters out of order or
    missing (`careleaf.compat.mark_actual_text`). Arabic extracts right as it is."""
    return "Bengali" in complex_scripts(text)


class Renderer:
    """WeasyPrint with one font configuration and parsed stylesheets, for many handouts.

    Loading the fonts is most of the cost of rendering a handout: a renderer loads them once
    (in a worker process of `careleaf.build.pipeline`, once per worker) and renders every handout
    with them. The output is the same as rendering each handout on its own.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        mark_actual_text(needs_actual_text)
        self.font_config = FontConfiguration()
        self.stylesheets: list[weasyprint.CSS] = []
        # A stylesheet's warnings (an unknown property, a font not found) come while it is
        # parsed, here, once: every handout rendered with it fails with them.
        with logged_messages("weasyprint", logging.WARNING) as self.css_warnings:
            try:
                self._parse()
            except FatalURLFetchingError as error:
                self.css_warnings.append(str(error))

    def _parse(self) -> None:
        fetcher = ConfinedFetcher([self.root / "fonts", self.root / "handouts"])
        for name in STYLESHEETS:
            path = self.root / name
            text = path.read_text(encoding="utf-8")
            if name == "fonts/fonts.css":
                text = _WOFF2_SOURCE.sub("", text)
            self.stylesheets.append(
                weasyprint.CSS(
                    string=text,
                    base_url=path.resolve().as_uri(),
                    url_fetcher=fetcher,
                    font_config=self.font_config,
                )
            )

    def render(
        self,
        html: str,
        allowed: list[Path],
        *,
        fillable: bool,
        max_pages: int,
        where: str,
        area: ContentArea | None = None,
    ) -> Rendered:
        """Render one handout document.

        With ``area`` (its pages' margins), a handout of more than one page whose last page
        is less than `careleaf.render.fill.MIN_LAST_PAGE_FILL` full is laid out again with
        its line spacing scaled (`careleaf.render.fill.fits`; the type keeps its size), and
        the first layout whose last page is full enough is kept.

        Raises:
            BuildError: naming ``where``, when WeasyPrint warns, a file is refused, the
                handout has more pages than ``max_pages``, or no layout fills its last page
                enough (saying how full it is).
        """
        rendered, fill = self._render(html, allowed, fillable, where, area)
        problem = _layout_problem(rendered.pages, fill, max_pages, where)
        if problem and area is not None:
            for fit in fits(rendered.pages, fill):
                fitted = _fitted(html, fit)
                again, fill_again = self._render(fitted, allowed, fillable, where, area)
                if not _layout_problem(again.pages, fill_again, max_pages, where):
                    return again
        if problem:
            raise BuildError(problem)
        return rendered

    def _render(
        self,
        html: str,
        allowed: list[Path],
        fillable: bool,
        where: str,
        area: ContentArea | None,
    ) -> tuple[Rendered, float]:
        """One layout of a handout, and how full its last page is (1.0 without ``area``)."""
        with logged_messages("weasyprint", logging.WARNING) as warnings:
            try:
                document = weasyprint.HTML(
                    string=html,
                    base_url=f"{self.root.resolve().as_uri()}/",
                    url_fetcher=ConfinedFetcher(allowed),
                ).render(
                    stylesheets=self.stylesheets,
                    font_config=self.font_config,
                    pdf_variant=PDF_VARIANT,
                    pdf_forms=fillable,
                )
            except FatalURLFetchingError as error:
                raise BuildError(f"{where}: {error}") from None
        if self.css_warnings or warnings:
            raise BuildError(f"{where}: WeasyPrint: " + "; ".join(self.css_warnings + warnings))
        data = document.write_pdf(pdf_variant=PDF_VARIANT, pdf_forms=fillable)
        assert data is not None  # no target: WeasyPrint returns the bytes
        if fillable:
            data = _finished_form(data, where)
        anchors = sorted({name for page in document.pages for name in page.anchors})
        fill = last_page_fill(data, area)[1] if area is not None else 1.0
        return Rendered(data, len(document.pages), tuple(anchors)), fill


def _layout_problem(pages: int, fill: float, max_pages: int, where: str) -> str:
    """What is wrong with a handout's layout: too many pages, or a last page too empty."""
    if pages > max_pages:
        return f"{where}: {pages} pages, but its definition allows at most {max_pages}"
    if pages > 1 and fill < MIN_LAST_PAGE_FILL:
        return (
            f"{where}: its last page (page {pages}) is {fill:.0%} full, at least "
            f"{MIN_LAST_PAGE_FILL:.0%} is needed: tighten the layout or the text (not the type "
            "size)"
        )
    return ""


def _fitted(html: str, fit: float) -> str:
    """A handout's HTML with its line spacing scaled by ``fit`` (the CSS variable --fit on its
    root element, whose tag opens the document: handout.html)."""
    return html.replace("<html ", f'<html style="--fit: {fit}" ', 1)


def _finished_form(data: bytes, where: str) -> bytes:
    """The PDF with its form finished (`careleaf.render.form_fields.finish_form`), written
    again deterministically: the same bytes for the same input (the build caches by digest)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        finish_form(pdf, where)
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True)
    return out.getvalue()


@dataclass(frozen=True)
class Rendered:
    """A rendered handout: the PDF's bytes, its page count and the named destinations it was
    written with (what the manifest lists; the verifier reads the file back itself)."""

    data: bytes
    pages: int
    anchors: tuple[str, ...]


@dataclass(frozen=True)
class HandoutJob:
    """One handout document, ready to render: its HTML and what the renderer needs."""

    html: str
    allowed: tuple[Path, ...]
    fillable: bool
    max_pages: int
    where: str
    area: ContentArea


def handout_job(
    library: Library,
    handout_id: str,
    lang: str,
    clinic: Clinic,
    url: str,
    created: str,
    *,
    edition: str = EDITIONS[0],
    overdue: bool = False,
    preview: str = "",
) -> HandoutJob:
    """The handout's HTML in ``edition`` dated ``created``, checked for characters no shipped
    font can draw.

    Raises:
        BuildError: naming the handout, the language and the clinic, when a character has no
            glyph in the shipped fonts.
    """
    print_edition = "" if edition == EDITIONS[0] else f", {edition}"
    where = f"handout '{handout_id}' ({lang}, clinic '{clinic.id}'{print_edition})"
    root = library.root
    what = (library, handout_id, lang, clinic, url, created)
    html = render_handout(*what, edition=edition, overdue=overdue, preview=preview)
    text = lxml_html.document_fromstring(html.encode("utf-8")).text_content()
    missing = uncovered(text, root)
    if missing:
        chars = " ".join(f"'{ch}' (U+{ord(ch):04X})" for ch in sorted(missing))
        sample = next(line.strip() for line in text.splitlines() if set(line) & missing)
        raise BuildError(f"{where}: no shipped font has a glyph for {chars} in: {sample!r}")
    definition = library.handouts[handout_id]
    return HandoutJob(
        html=html,
        allowed=(root / "fonts", root / "handouts", root / Path(clinic.path).parent),
        # A fillable handout is a PDF form (WeasyPrint's form support: `appearance: auto`).
        fillable=definition.fillable,
        max_pages=definition.page_limit(edition),
        where=where,
        area=content_area(clinic, edition),
    )


def render_job(renderer: Renderer, job: HandoutJob) -> Rendered:
    """Render a prepared handout with a renderer."""
    return renderer.render(
        job.html,
        list(job.allowed),
        fillable=job.fillable,
        max_pages=job.max_pages,
        where=job.where,
        area=job.area,
    )


def handout_pdf(
    library: Library,
    handout_id: str,
    lang: str,
    clinic: Clinic,
    url: str,
    target: Path,
    *,
    edition: str = EDITIONS[0],
    overdue: bool = False,
    preview: str = "",
) -> int:
    """Render one handout, in ``edition``, to a tagged PDF at ``target``; returns its page
    count.

    ``overdue`` and ``preview`` mark every page (see `render_handout`).

    Raises:
        BuildError: naming the handout, the language and the clinic, when a character has no
            glyph in the shipped fonts, WeasyPrint warns, a file is refused, or the handout
            has more pages than its definition allows.
    """
    created = BuildOptions().created_date()
    what = (library, handout_id, lang, clinic, url, created)
    job = handout_job(*what, edition=edition, overdue=overdue, preview=preview)
    rendered = render_job(Renderer(library.root), job)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(rendered.data)
    return rendered.pages


def thumbnail(pdf: Path | bytes, target: Path, width: int = THUMBNAIL_WIDTH) -> None:
    """Write a PNG of the PDF's (a file's or bytes') first page, ``width`` pixels wide."""
    with PDFIUM:
        document = pypdfium2.PdfDocument(pdf)
        try:
            page = document[0]
            bitmap = page.render(scale=width / page.get_width())
            # zlib's fastest level: on the handouts' first pages it also makes the smallest
            # files of the levels tried (46 KB on average, against 51 KB at the default level
            # 6, which took twice as long); `optimize` took twice as long again for no smaller
            # a file.
            bitmap.to_pil().save(target, format="PNG", compress_level=1)
        finally:
            document.close()
