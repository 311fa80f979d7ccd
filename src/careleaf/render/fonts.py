"""Find the fonts shipped in the project's ``fonts/`` folder and the characters they lack."""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

from fontTools.ttLib import TTFont

FONTS_DIRNAME = "fonts"

# Characters that need no glyph of their own: controls, format characters (ZWJ, ZWNJ,
# bidi marks, soft hyphen) and separators (spaces, line and paragraph separators).
_NO_GLYPH_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})


def font_files(root: Path) -> list[Path]:
    """List the TrueType fonts shipped with a project.

    Args:
        root: the project root; fonts are looked for in ``root / "fonts"``.

    Returns:
        The ``.ttf`` files in that folder, sorted by name; empty if the folder does not exist.
    """
    folder = Path(root) / FONTS_DIRNAME
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.ttf") if p.is_file())


@functools.cache
def _covered(root: str) -> frozenset[int]:
    """Read and cache the union of the cmaps of a project's shipped fonts.

    Args:
        root: the project root as a string (the cache key).

    Returns:
        Every code point that at least one shipped ``.ttf`` maps to a glyph.
    """
    points: set[int] = set()
    for path in font_files(Path(root)):
        with TTFont(path, lazy=True) as font:
            points.update(font.getBestCmap() or {})
    return frozenset(points)


def uncovered(text: str, root: Path) -> set[str]:
    """Find the characters of a text that none of the shipped fonts can draw.

    Characters that need no glyph (Unicode categories Cc, Cf, Zs, Zl and Zp: controls,
    format characters such as ZWJ or the soft hyphen, and spaces) are never reported.
    The fonts' cmaps are read once per project root and cached.

    Args:
        text: the text to check.
        root: the project root; its ``fonts/*.ttf`` are the fonts checked against.

    Returns:
        The characters of ``text`` that no shipped ``.ttf`` maps in its cmap.
    """
    covered = _covered(str(Path(root).resolve()))
    return {
        ch
        for ch in set(text)
        if ord(ch) not in covered and unicodedata.category(ch) not in _NO_GLYPH_CATEGORIES
    }
