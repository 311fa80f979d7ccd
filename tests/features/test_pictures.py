"""Pictures where people look rather than read: screenshots of the home and safety pages at
phone and desktop widths in every language, and the first page of every handout, saved as
PNG artifacts under test-artifacts/ and checked: not blank, the clinic's logo and colour shown."""

from __future__ import annotations

import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from conftest import REPO
from PIL import Image
from playwright.sync_api import Browser

from careleaf.content.load import load_library

ARTIFACTS = REPO / "test-artifacts"
LANGS = ("en", "es", "bn")
PAGES = {"home": "", "safety": "is-it-safe/"}
WIDTHS = (360, 1280)
MM = 72 / 25.4  # PDF points per millimetre


def rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def near(pixel: tuple[int, ...], colour: tuple[int, int, int], tolerance: int = 24) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


def share(image: Image.Image, colour: tuple[int, int, int]) -> float:
    """The share of the image's pixels within a small distance of ``colour``."""
    pixels = list(image.convert("RGB").get_flattened_data())
    return sum(1 for p in pixels if near(p, colour)) / max(len(pixels), 1)


def picture_problems(
    image: Image.Image,
    primary: str,
    logo_box: tuple[int, int, int, int],
    logo_colours: list[str],
) -> list[str]:
    """What is wrong with a picture: blank, no primary colour, or no logo in its place."""
    problems = []
    colours = image.convert("RGB").getcolors(maxcolors=1 << 16) or []
    most = max((count for count, _ in colours), default=0)
    if len(colours) < 16 or most > 0.97 * image.width * image.height:
        problems.append(f"blank: {len(colours)} colours, {most} pixels of one colour")
    if share(image, rgb(primary)) < 0.002:
        problems.append(f"the primary colour {primary} is not shown")
    logo = image.crop(logo_box)
    missing = [c for c in logo_colours if share(logo, rgb(c)) < 0.05]
    if missing:
        problems.append(f"the logo is not shown at {logo_box}: colours {missing} missing")
    return problems


def svg_colours(logo: Path) -> list[str]:
    """The fill colours of an SVG logo."""
    return sorted(set(re.findall(r'fill="(#[0-9a-fA-F]{6})"', logo.read_text(encoding="utf-8"))))


@pytest.fixture(scope="module")
def clinic(real_site):
    library = load_library(real_site[0])
    clinic = library.clinics[library.project.default_clinic]
    return clinic, svg_colours(library.clinic_logo(clinic))


@pytest.mark.parametrize("width", WIDTHS)
def test_screenshots_show_the_logo_and_primary_colour(
    browser: Browser, engine_url: str, engine_name: str, clinic, width: int
) -> None:
    clinic_profile, logo_colours = clinic
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 900})
    tab = context.new_page()
    found = {}
    try:
        for lang in LANGS:
            for name, path in PAGES.items():
                tab.goto(f"{engine_url}/{'' if lang == 'en' else lang + '/'}{path}")
                tab.wait_for_load_state("networkidle")
                png = folder / f"{engine_name}-{lang}-{name}-{width}.png"
                tab.screenshot(path=str(png))
                box = tab.locator(".md-header__button.md-logo img").bounding_box()
                assert box, f"{png.name}: no logo in the header"
                logo_box = (
                    round(box["x"]),
                    round(box["y"]),
                    round(box["x"] + box["width"]),
                    round(box["y"] + box["height"]),
                )
                with Image.open(png) as image:
                    problems = picture_problems(
                        image, clinic_profile.colors.primary, logo_box, logo_colours
                    )
                if problems:
                    found[png.name] = problems
    finally:
        context.close()
    assert not found, found


# The handouts are rendered apart from any site engine (the same PDFs with either): one
# engine's build is enough.
def test_handout_first_pages_show_the_logo_and_primary_colour(real_site, clinic) -> None:
    clinic_profile, logo_colours = clinic
    project, site = real_site
    library = load_library(project)
    folder = ARTIFACTS / "handouts"
    folder.mkdir(parents=True, exist_ok=True)
    scale = 1.5
    margin = float(clinic_profile.margin.removesuffix("mm")) * MM * scale
    logo = 16 * MM * scale  # handouts/print.css: .masthead .logo is 16 mm square
    # The logo sits in the top-left corner of the text area (top-right for a right-to-left page).
    logo_box = (round(margin), round(margin), round(margin + logo), round(margin + logo))
    found = {}
    for lang in LANGS:
        for handout_id in library.handouts:
            pdf_path = (site if lang == "en" else site / lang) / "handouts" / f"{handout_id}.pdf"
            document = pdfium.PdfDocument(pdf_path)
            try:
                image = document[0].render(scale=scale).to_pil()
            finally:
                document.close()
            png = folder / f"{lang}-{handout_id}.png"
            image.save(png)
            problems = picture_problems(
                image, clinic_profile.colors.primary, logo_box, logo_colours
            )
            if problems:
                found[png.name] = problems
    assert not found, found


def test_picture_check_fails_on_a_blank_picture_and_a_missing_logo() -> None:
    blank = Image.new("RGB", (360, 700), "white")
    problems = picture_problems(blank, "#0f6e6a", (0, 0, 40, 40), ["#0f6e6a", "#ffffff"])
    assert problems[0].startswith("blank") and "#0f6e6a is not shown" in problems[1]
    assert "the logo is not shown" in problems[2] and "#0f6e6a" in problems[2]
    # The primary colour without the logo: a header band, but nothing in the logo's place.
    band = Image.new("RGB", (360, 700), "white")
    band.paste(Image.new("RGB", (360, 48), "#0f6e6a"), (0, 0))
    for x in range(0, 360, 7):
        band.putpixel((x, 300), (x % 256, 40, 90))  # text-like noise so it is not blank
    problems = picture_problems(band, "#0f6e6a", (0, 100, 40, 140), ["#0f6e6a", "#ffffff"])
    assert problems == ["the logo is not shown at (0, 100, 40, 140): colours ['#0f6e6a'] missing"]
