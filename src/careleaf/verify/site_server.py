"""Serves a built site to the browser from its folder, under its own origin, and nothing else."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

# The site is served from its folder by the browser's own request interception, under this
# origin: no socket is opened, so a build verifies in a sandbox without a network (even
# loopback), and nothing else is reachable.
ORIGIN = "http://careleaf.localhost"
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".ttf": "font/ttf",
    ".pdf": "application/pdf",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
}


def serve_file(site_dir: Path, url: str) -> tuple[int, str, bytes] | None:
    """The answer to one request of the browser, from the site folder (and nothing outside
    it): status, content type and body; `None` for another origin, which is refused.

    Args:
        site_dir: the site folder, resolved.
        url: the URL the browser asks for.
    """
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != ORIGIN:
        return None
    target = (site_dir / unquote(parts.path).lstrip("/")).resolve()
    if target.is_dir():
        target = target / "index.html"
    if not target.is_relative_to(site_dir) or not target.is_file():
        return 404, "text/plain", b"not found"
    return 200, _TYPES.get(target.suffix.lower(), "application/octet-stream"), target.read_bytes()
