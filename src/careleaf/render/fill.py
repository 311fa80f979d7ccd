"""How full a handout's last page is, measured on the PDF as drawn (pdfium), and the layouts
a handout is tried in until its last page is full enough."""

from __future__ import annotations

from dataclasses import dataclass

import pypdfium2

from careleaf.verify.readback import PDFIUM

# No handout may end on a page less than this full (of its content area's height): a last
# page with a few lines on it reads as an afterthought, and is easily lost.
MIN_LAST_PAGE_FILL = 0.4
# A handout whose last page is too empty is laid out again with its line spacing scaled (the
# CSS variable --fit, handouts/print.css), within these bounds: tighter spacing may pull the
# last page's lines back onto the pages before; looser spacing spreads the text over the pages
# it has. The type itself is never made smaller.
FIT_RANGE = (0.9, 1.3)
# The scales tried after those worked out from the last page, and how many layouts at most.
SWEEP = (1.05, 1.1, 1.15, 1.2, 1.3, 0.95)
MAX_FITS = 9
# Points in each unit a clinic's margin may be given in (`careleaf.content.clinic.Length`).
_POINTS = {"pt": 1.0, "in": 72.0, "cm": 72 / 2.54, "mm": 72 / 25.4}


@dataclass(frozen=True)
class ContentArea:
    """The top and bottom margins of a handout's pages, in points: what lies between them is
    its content (the running header and footer are in the margins)."""

    top: float
    bottom: float


def points(length: str) -> float:
    """A clinic's length (``16mm``, ``0.6in``, ``1.5cm``, ``12pt``) in points."""
    unit = length[-2:]
    return float(length[:-2]) * _POINTS[unit]


def last_page_fill(data: bytes, area: ContentArea) -> tuple[int, float]:
    """The page count of a PDF and how full its last page is: the height from the top of its
    content area to the lowest thing drawn in it, as a share of the content area's height."""
    with PDFIUM:
        document = pypdfium2.PdfDocument(data)
        try:
            page = document[len(document) - 1]
            top = page.get_height() - area.top
            lowest = top
            for obj in page.get_objects(max_depth=1):
                _left, bottom, _right, upper = obj.get_bounds()
                # Only what is drawn in the content area: not the header and footer.
                if upper > area.bottom + 0.5 and bottom < top - 0.5:
                    lowest = min(lowest, max(bottom, area.bottom))
            pages = len(document)
            page.close()
        finally:
            document.close()
    return pages, (top - lowest) / (top - area.bottom)


def fits(pages: int, fill: float) -> list[float]:
    """The line-spacing scales to try, in turn, for a handout of ``pages`` pages whose last page
    is ``fill`` full: first those that should just pull the last page's content onto the pages
    before, then those that should just spread the text far enough into the last page (how
    much each must change is what the last page holds, or lacks, spread over every page; the
    boxes, rules and gaps that do not scale make the change smaller, hence the margins)."""
    spread = max(pages - 1 + fill, 1.0)
    shrink, grow = fill / spread, max(MIN_LAST_PAGE_FILL - fill, 0.0) / spread
    tries = [1 - 1.5 * shrink, 1 - 2.5 * shrink]
    # Growing moves whole lines and unbreakable boxes (an item, a signature grid) onto the last
    # page only once they no longer fit before it: larger steps, then a sweep of the range.
    tries += [1 + factor * grow for factor in (1.5, 3, 5)] + [1 - 4 * shrink]
    tries += [*SWEEP]
    low, high = FIT_RANGE
    fitting = [round(fit, 3) for fit in tries if low <= fit <= high and round(fit, 3) != 1]
    return list(dict.fromkeys(fitting))[:MAX_FITS]
