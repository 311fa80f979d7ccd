"""The sites' Content-Security-Policy: the one definition the build writes and the verifier reads.

Every page may load scripts, styles, fonts, images and data from its own origin only, and
run no inline script or style but the ones the build found in the pages it ships, each
allowed by its SHA-256 (`careleaf.build.csp_pages`). No ``'unsafe-inline'``, no
``'unsafe-eval'``, no other host: if escaping ever failed and markup reached a page, the
browser would still refuse to run it.

Images may also be ``data:`` URLs: Material draws its icons as CSS masks of inline SVG
``data:`` images. An image cannot run script, so this allows no code.

A ``<meta>`` policy cannot carry ``frame-ancestors`` (browsers ignore it there, with a
console error), so the page's policy (`meta`) leaves it out and the policy a host sends as
a header (`header`) adds it.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable

# The directives of every page's policy, in the order they are written; the hashes of the
# inline scripts and styles are added to script-src and style-src.
BASE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("default-src", ("'none'",)),
    ("script-src", ("'self'",)),
    ("style-src", ("'self'",)),
    ("img-src", ("'self'", "data:")),
    ("font-src", ("'self'",)),
    # The search worker fetches the search index; Material fetches the sitemap.
    ("connect-src", ("'self'",)),
    ("worker-src", ("'self'",)),
    ("manifest-src", ("'self'",)),
    ("object-src", ("'none'",)),
    ("base-uri", ("'none'",)),
    ("form-action", ("'none'",)),
)
# Header only: no other site may show the pages in a frame (clickjacking).
HEADER_ONLY = "frame-ancestors 'none'"
# A ``style`` attribute is allowed by its hash only with this keyword (CSP level 3).
UNSAFE_HASHES = "'unsafe-hashes'"
# Sources that would let injected code run; a careleaf policy never holds one.
FORBIDDEN = ("'unsafe-inline'", "'unsafe-eval'", "'strict-dynamic'", "*", "http:", "https:")
# The <meta> element's http-equiv value.
META_NAME = "Content-Security-Policy"


def source_hash(text: str) -> str:
    """The CSP source that allows one inline script or style: ``'sha256-<base64>'`` of its
    text as UTF-8 (the browser hashes the element's text exactly as it is in the page)."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def compose(
    scripts: Iterable[str] = (),
    styles: Iterable[str] = (),
    style_attributes: Iterable[str] = (),
    origins: Iterable[str] = (),
) -> str:
    """The page policy that allows exactly these inline scripts, ``<style>`` elements and
    ``style`` attributes (their texts), and the site's own public ``origins`` (its canonical
    address, which is 'self' once the site is served there) for connections.

    A ``style`` attribute needs ``'unsafe-hashes'`` beside its hash: the keyword allows only
    the hashed attributes, never any other inline style.
    """
    script_hashes = sorted({source_hash(text) for text in scripts})
    style_hashes = sorted({source_hash(text) for text in styles})
    attribute_hashes = sorted({source_hash(text) for text in style_attributes})
    extra = {
        "script-src": script_hashes,
        "style-src": (
            style_hashes + ([UNSAFE_HASHES] + attribute_hashes if attribute_hashes else [])
        ),
        "connect-src": sorted(set(origins)),
    }
    return "; ".join(" ".join((name, *sources, *extra.get(name, ()))) for name, sources in BASE)


def header(policy: str) -> str:
    """The policy a host sends as a header: the page's, with ``frame-ancestors 'none'``."""
    return f"{policy}; {HEADER_ONLY}"


def directives(policy: str) -> dict[str, list[str]]:
    """A policy as directive name -> its sources (names lower-cased, as browsers read them;
    a directive given twice counts once, the first time, as in a browser)."""
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        words = part.split()
        if words and words[0].lower() not in parsed:
            parsed[words[0].lower()] = words[1:]
    return parsed
