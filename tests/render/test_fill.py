"""How full a handout's last page is, measured on the PDF, and the layouts tried to fill it."""

from __future__ import annotations

import pytest
import weasyprint
from conftest import REPO

from careleaf.errors import BuildError
from careleaf.render.fill import (
    FIT_RANGE,
    MAX_FITS,
    ContentArea,
    fits,
    last_page_fill,
    points,
)
from careleaf.render.handouts import Renderer

# A 200 x 200 pt page with 20 pt margins: a content area 160 pt high.
# (--page-of: the page numbers the stylesheet shows, which careleaf writes into a handout.)
PAGE = (
    ':root {{ --page-of: "1" }} @page {{ size: 200pt 200pt; margin: 20pt }} '
    "body {{ margin: 0 }} {css}"
)
AREA = ContentArea(20, 20)


def pages(*heights: float, css: str = "") -> str:
    """A document of boxes of these heights (points), each on a page of its own."""
    boxes = "".join(
        f'<div style="height: {h}pt; background: #333; break-before: page"></div>' for h in heights
    )
    return f"<html><head><style>{PAGE.format(css=css)}</style></head><body>{boxes}</body></html>"


def test_the_last_page_fill_is_what_is_drawn_below_its_top_margin() -> None:
    data = weasyprint.HTML(string=pages(160, 80)).write_pdf()
    assert last_page_fill(data, AREA) == (2, pytest.approx(0.5, abs=0.01))
    data = weasyprint.HTML(string=pages(24)).write_pdf()
    assert last_page_fill(data, AREA) == (1, pytest.approx(0.15, abs=0.01))


def test_lengths_in_points() -> None:
    assert points("72pt") == 72 and points("1in") == 72
    assert points("25.4mm") == pytest.approx(72) and points("2.54cm") == pytest.approx(72)


def test_the_layouts_tried_stay_in_range_and_first_pull_a_nearly_empty_page_back() -> None:
    tries = fits(8, 0.05)
    assert tries[0] < 1 and 1 not in tries and len(tries) <= MAX_FITS
    assert all(FIT_RANGE[0] <= fit <= FIT_RANGE[1] for fit in tries)
    assert fits(3, 0.38)[0] > 1  # nearly full enough: grow a little first


def test_a_last_page_no_layout_fills_fails_naming_the_handout_and_its_fill() -> None:
    # Boxes of fixed height: no line spacing moves them.
    html = pages(160, 10).replace("<html>", '<html lang="en">')
    with pytest.raises(BuildError) as caught:
        Renderer(REPO).render(
            html, [REPO / "fonts"], fillable=False, max_pages=5, where="handout 'x'", area=AREA
        )
    assert str(caught.value) == (
        "handout 'x': its last page (page 2) is 6% full, at least 40% is needed: tighten the "
        "layout or the text (not the type size)"
    )
