"""The shipped subset Noto fonts: coverage, the font-face CSS and PDF embedding."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import weasyprint
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from weasyprint.urls import URLFetcher, URLFetcherResponse

from careleaf.render.fonts import font_files, uncovered

ROOT = Path(__file__).parents[2]
FONTS = ROOT / "fonts"

LATIN = "Dry needling ñáéíóú¿¡ — “quotes”"
BENGALI = "শুকনো সুই"
ARABIC = "الإبر الجافة"

# Which sample each shipped font must cover, by file-name prefix.
SAMPLES = {"NotoSans-": LATIN, "NotoSansBengali-": BENGALI, "NotoSansArabic-": ARABIC}
EXPECTED = {
    f"{family}-{style}"
    for family in ("NotoSans", "NotoSansBengali", "NotoSansArabic")
    for style in ("Regular", "Bold")
}


def _sample_for(path: Path) -> str:
    matches = [text for prefix, text in SAMPLES.items() if path.name.startswith(prefix)]
    assert len(matches) == 1, f"{path.name}: no sample text for this font"
    return matches[0]


def _cmap(path: Path) -> set[int]:
    with TTFont(path) as font:
        return set(font.getBestCmap())


def test_expected_fonts_and_licence_are_shipped() -> None:
    stems = {p.stem for p in font_files(ROOT)}
    assert EXPECTED <= stems
    for stem in stems:
        assert (FONTS / f"{stem}.woff2").is_file(), f"{stem}.woff2 missing"
    assert "SIL OPEN FONT LICENSE Version 1.1" in (FONTS / "OFL.txt").read_text("utf-8")


@pytest.mark.parametrize("path", font_files(ROOT), ids=lambda p: p.name)
def test_font_opens_and_covers_its_script(path: Path) -> None:
    cmap = _cmap(path)
    missing = {ch for ch in _sample_for(path) if not ch.isspace() and ord(ch) not in cmap}
    assert not missing, f"{path.name} lacks {sorted(missing)}"


@pytest.mark.parametrize("path", font_files(ROOT), ids=lambda p: p.name)
def test_woff2_matches_ttf(path: Path) -> None:
    woff2 = path.with_suffix(".woff2")
    with TTFont(woff2) as font:
        assert font.flavor == "woff2"
        assert set(font.getBestCmap()) == _cmap(path)


def test_uncovered() -> None:
    snowman = "☃"
    assert all(ord(snowman) not in _cmap(p) for p in font_files(ROOT))
    assert uncovered("abc" + snowman, ROOT) == {snowman}
    assert uncovered(BENGALI, ROOT) == set()
    assert uncovered(ARABIC, ROOT) == set()
    # Spaces and format characters (ZWJ, ZWNJ, soft hyphen, RLM) need no glyph.
    assert uncovered(f"{LATIN}\t\n\u00a0\u200c\u200d\u00ad\u200f", ROOT) == set()


class _RecordingFetcher(URLFetcher):
    """A local-only URL fetcher that remembers what it fetched."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"file"}, fail_on_errors=True)
        self.fetched: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        self.fetched.append(url)
        return super().fetch(url, headers)


HTML = f"""<!doctype html>
<html><head><meta charset="utf-8"><link rel="stylesheet" href="fonts.css">
<style>body {{ font-family: "Noto Sans", "Noto Sans Bengali", "Noto Sans Arabic"; }}</style>
</head><body>
<p>{LATIN} <b>bold</b></p>
<p lang="bn">{BENGALI} <b>{BENGALI}</b></p>
<p lang="ar" dir="rtl">{ARABIC} <b>{ARABIC}</b></p>
</body></html>"""

# Renders HTML (argv[1]) to a PDF (argv[2]) with base_url = the fonts folder (argv[3]).
RENDER_SCRIPT = """
import sys
from pathlib import Path
import weasyprint
html = Path(sys.argv[1]).read_text("utf-8")
weasyprint.HTML(string=html, base_url=sys.argv[3]).write_pdf(sys.argv[2])
"""


def _embedded_fonts(pdf: bytes) -> set[str]:
    """The /BaseFont names of the fonts whose program is embedded (/FontFile*)."""
    embedded: set[str] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descendant = descendant.get_object()
                descriptor = descendant["/FontDescriptor"].get_object()
                if any(key.startswith("/FontFile") for key in descriptor):
                    embedded.add(str(descendant["/BaseFont"]))
    return embedded


def _assert_all_scripts_in_noto(embedded: set[str]) -> None:
    assert embedded
    assert all("Noto" in name for name in embedded), embedded
    # Latin regular and bold, plus the Bengali and Arabic faces, were all used.
    for script in ("Bengali", "Arabic"):
        assert any(script in name for name in embedded), embedded
    assert len(embedded) >= 4, embedded


def test_pdf_embeds_only_shipped_noto_fonts() -> None:
    fetcher = _RecordingFetcher()
    pdf = weasyprint.HTML(
        string=HTML, base_url=FONTS.as_uri() + "/", url_fetcher=fetcher
    ).write_pdf()

    # Every font file WeasyPrint loaded came from the shipped folder.
    font_urls = [u for u in fetcher.fetched if not u.endswith(".css")]
    assert font_urls
    assert all(u.startswith(FONTS.as_uri() + "/Noto") for u in font_urls), font_urls
    _assert_all_scripts_in_noto(_embedded_fonts(pdf))


def test_pdf_renders_without_any_system_font(tmp_path: Path) -> None:
    # The machine may have the very same Noto fonts installed, which would hide a broken
    # fonts.css. So render in a child process whose fontconfig knows no font directory at
    # all: only the @font-face fonts exist there. (A child process, because Pango may
    # crash outright when it finds no font, and fontconfig reads FONTCONFIG_FILE per config.)
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        "<fontconfig></fontconfig>\n",
        "utf-8",
    )
    html, pdf = tmp_path / "in.html", tmp_path / "out.pdf"
    html.write_text(HTML, "utf-8")
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    env.pop("FONTCONFIG_PATH", None)
    result = subprocess.run(
        [sys.executable, "-c", RENDER_SCRIPT, str(html), str(pdf), FONTS.as_uri() + "/"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "CRITICAL" not in result.stderr, result.stderr
    _assert_all_scripts_in_noto(_embedded_fonts(pdf.read_bytes()))
