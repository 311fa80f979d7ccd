"""Contributed images checked by content: raster type and size by Pillow, SVG by an allow-list."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from PIL import Image

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
# File name ending -> the formats its content may be (Pillow's names, and our "SVG").
FORMATS = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".gif": "GIF",
    ".webp": "WEBP",
    ".svg": "SVG",
}
# Drawing elements only: no script, foreignObject, style, image, a, animate, iframe... and no
# use or symbol either: nested <use> references multiply ("billion laughs" for renderers).
SVG_ELEMENTS = frozenset(
    "svg g defs title desc path circle ellipse rect line polyline polygon text tspan "
    "linearGradient radialGradient stop clipPath".split()
)
MAX_SVG_ELEMENTS = 5000
SVG_SIZE = re.compile(r"^\s*(\d+(\.\d+)?)\s*(px)?\s*$")


@dataclass(frozen=True)
class Limits:
    """Bounds for one kind of image: bytes, pixels on each side, and the allowed endings."""

    max_bytes: int
    max_side: int
    suffixes: frozenset[str]


class BadImage(ValueError):
    """An image whose content, type or size is not allowed; the message says which limit."""


def check_image(path: Path, limits: Limits) -> None:
    """Check an image by its content: the type matches its name, within the limits.

    Raises:
        BadImage: the file is not an image of an allowed type, its content does not match its
            ending, it is too large in bytes or pixels, or (an SVG) it holds anything but shapes.
    """
    suffix = path.suffix.lower()
    allowed = ", ".join(sorted(limits.suffixes))
    if suffix not in limits.suffixes:
        raise BadImage(f"type '{suffix or path.name}' is not allowed (allowed: {allowed})")
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise BadImage(
            f"is {size // 1024} KiB, more than the limit of {limits.max_bytes // 1024} KiB"
        )
    data = path.read_bytes()
    if FORMATS[suffix] == "SVG":
        width, height = check_svg(data)
    else:
        width, height = _raster_size(path, FORMATS[suffix])
    if max(width, height) > limits.max_side:
        raise BadImage(
            f"is {width:g}×{height:g} pixels, more than the limit of {limits.max_side} pixels "
            "on a side"
        )


def _raster_size(path: Path, expected: str) -> tuple[int, int]:
    """The pixel size from the image's header; nothing is decoded (no decompression bomb)."""
    try:
        # We bound the size ourselves, below Pillow's own limit: its warning is not needed.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                found, size = image.format, image.size
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise BadImage(f"is not a readable {expected} image ({error.__class__.__name__})") from None
    if found != expected:
        raise BadImage(f"its content is {found}, not {expected} as its name says")
    return size


def check_svg(data: bytes) -> tuple[float, float]:
    """Refuse an SVG unless it is only shapes: returns its width and height in pixels.

    Refused: a DTD or entities, processing instructions, any element outside the drawing
    allow-list (script, foreignObject, style, image, a...), event handlers, references to
    anything but a fragment of the same file (``href``, ``url(...)``), and ``style``.
    """
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise BadImage("an SVG may not hold a DOCTYPE or entities")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise BadImage(f"is not a well-formed SVG file ({error.msg})") from None
    if sum(1 for _ in root.iter()) > MAX_SVG_ELEMENTS:
        raise BadImage(f"an SVG may hold at most {MAX_SVG_ELEMENTS} elements")
    for node in root.iter():
        if not isinstance(node.tag, str):  # comments, processing instructions
            if isinstance(node, etree._ProcessingInstruction):
                raise BadImage(
                    f"an SVG may not hold processing instructions (line {node.sourceline})"
                )
            continue
        name = etree.QName(node)
        if name.namespace != SVG_NS or name.localname not in SVG_ELEMENTS:
            raise BadImage(f"an SVG may not hold <{name.localname}> (line {node.sourceline})")
        for attribute, value in node.attrib.items():
            key = etree.QName(attribute)
            local = key.localname.lower()
            bad = (
                local.startswith("on")
                or local == "style"
                or (local == "href" and not value.strip().startswith("#"))
                or ("url(" in value.lower() and not re.fullmatch(r"\s*url\(\s*#[^)]*\)\s*", value))
                or (key.namespace not in (None, XLINK_NS))
            )
            if bad:
                raise BadImage(
                    f'an SVG may not hold the attribute {local}="{value[:40]}" '
                    f"(line {node.sourceline}): no scripts, styles or outside references"
                )
    return _svg_side(root, "width"), _svg_side(root, "height")


def _svg_side(root: etree._Element, attribute: str) -> float:
    value = root.get(attribute)
    if value is None:
        raise BadImage(f"an SVG needs a {attribute} in pixels, so that its size is bounded")
    match = SVG_SIZE.match(value)
    if not match:
        raise BadImage(f"an SVG's {attribute} must be a number of pixels, not '{value}'")
    return float(match.group(1))
