"""The verifier's check of the Content-Security-Policy (`careleaf.csp`) of a built site.

Read independently of the build's writer (`careleaf.build.csp_pages`, which finds inline code
with patterns): each page is parsed as HTML here. Every page must carry, before anything it
loads or runs, exactly the policy the manifest records; that policy must be strict (nothing
that would let injected code run, no other host for code, ``object-src`` and ``base-uri``
``'none'``); every inline script and style of the page must be allowed by its hash (else the
page is broken in a browser); and ``_headers`` must send the same policy with
``frame-ancestors 'none'``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import lxml.html

from careleaf import csp

HEADERS_FILE = "_headers"
# What a strict policy must say for these directives, whatever else it allows.
REQUIRED = {
    "default-src": ["'none'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
}
# Script types a browser runs; a data block (type="application/json") is not run.
_RUN = {"", "text/javascript", "application/javascript", "module"}


def check_policy(site_dir: Path, recorded: object, pages: Iterable[str]) -> list[str]:
    """The problems with the policy of a site: each names the page or file and what is wrong.

    Args:
        site_dir: the site folder.
        recorded: the policy the manifest records (``"csp"``).
        pages: the HTML files of the site, by path inside it.
    """
    if not isinstance(recorded, str) or not recorded.strip():
        return [
            "the manifest records no Content-Security-Policy: the site was not built by "
            "this careleaf, or its manifest was edited"
        ]
    problems = [f"the recorded Content-Security-Policy {p}" for p in strictness(recorded)]
    allowed = csp.directives(recorded)
    for path in sorted(pages):
        problems += [
            f"{path}: {p}" for p in _page_problems(Path(site_dir) / path, recorded, allowed)
        ]
    problems += _headers_problems(Path(site_dir) / HEADERS_FILE, recorded)
    return problems


def strictness(policy: str) -> list[str]:
    """What makes a policy less than strict (an empty list for a strict one)."""
    found = csp.directives(policy)
    problems = []
    for name, sources in REQUIRED.items():
        if found.get(name) != sources:
            problems.append(f"must say {name} {' '.join(sources)}")
    for name, sources in found.items():
        loose = [s for s in sources if s.lower() in csp.FORBIDDEN]
        if loose:
            problems.append(f"allows {' '.join(loose)} in {name}")
    for source in found.get("script-src", []):
        if source != "'self'" and not source.startswith("'sha256-"):
            problems.append(f"allows scripts from {source}: only 'self' and hashes may run")
    return problems


def _page_problems(path: Path, recorded: str, allowed: dict[str, list[str]]) -> list[str]:
    try:
        root = lxml.html.fromstring(path.read_bytes())
    except (OSError, ValueError, lxml.etree.ParserError) as error:
        return [f"cannot be read for its Content-Security-Policy: {error}"]
    problems = []
    metas = [
        meta
        for meta in root.iter("meta")
        if (meta.get("http-equiv") or "").strip().lower() == "content-security-policy"
    ]
    if not metas:
        return ["no Content-Security-Policy <meta> element"]
    if len(metas) > 1:
        problems.append(f"{len(metas)} Content-Security-Policy <meta> elements, expected one")
    if metas[0].get("content") != recorded:
        problems.append("its Content-Security-Policy differs from the one the build recorded")
    # A <meta> policy governs only what comes after it.
    first = next(root.iter("script", "style", "link"), None)
    if first is not None and _before(first, metas[0], root):
        problems.append(f"the policy comes after a <{first.tag}>, which it does not govern")
    scripts = allowed.get("script-src", [])
    styles = allowed.get("style-src", [])
    for element in root.iter("script"):
        runs = (element.get("type") or "").strip().lower() in _RUN
        if runs and element.get("src") is None:
            if csp.source_hash(element.text or "") not in scripts:
                problems.append("an inline <script> the policy does not allow by its hash")
    for element in root.iter("style"):
        if csp.source_hash(element.text or "") not in styles:
            problems.append("an inline <style> the policy does not allow by its hash")
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # a comment or processing instruction
        handlers = sorted(name for name in element.attrib if name.lower().startswith("on"))
        if handlers:
            problems.append(f"<{element.tag}> has inline event handlers ({', '.join(handlers)})")
        style = element.get("style")
        if style is not None and not (
            csp.UNSAFE_HASHES in styles and csp.source_hash(style) in styles
        ):
            problems.append(f"<{element.tag}> has a style attribute the policy does not allow")
    return problems


def _before(
    element: lxml.html.HtmlElement, meta: lxml.html.HtmlElement, root: lxml.html.HtmlElement
) -> bool:
    """Whether ``element`` comes before ``meta`` in document order."""
    for node in root.iter():
        if node is element:
            return True
        if node is meta:
            return False
    return False


def _headers_problems(path: Path, recorded: str) -> list[str]:
    """``_headers`` must send the recorded policy, with frame-ancestors, on every path."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return [f"{HEADERS_FILE}: missing or unreadable: hosts that read it send no policy"]
    wanted = f"Content-Security-Policy: {csp.header(recorded)}"
    rules = [line.strip() for line in lines[lines.index("/*") + 1 :]] if "/*" in lines else []
    if wanted not in rules:
        return [f"{HEADERS_FILE}: does not send the recorded policy (with frame-ancestors) on /*"]
    return []
