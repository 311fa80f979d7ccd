"""Puts the Content-Security-Policy (`careleaf.csp`) into a built site, once it is whole.

It runs on the staged site just before its manifest is written: the policy is worked out from
the pages as they ship (Material's inline scripts change with its version and the page's
depth, so no list kept by hand could stay right), then written into every page as a
``<meta>`` element and into ``_headers``, the file Netlify and Cloudflare Pages read the
headers of a site from.

Only the theme's own inline scripts are allowed: each inline script of a page must have the
shape of a ``<script>`` in the theme's templates (Material's and the project's
``overrides/``), where each template expression may stand only for a short run of URL
characters (Material's only one is the page's base URL). Hashing whatever the pages hold would
also allow a script that failed escaping put there; this way such a script fails the build.
"""

from __future__ import annotations

import html
import os
import re
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from careleaf import csp
from careleaf.errors import BuildError

# Netlify's and Cloudflare Pages' header file, at the root of the published folder.
HEADERS_FILE = "_headers"
# The meta element as careleaf writes it (and removes it from a page copied from the last
# build, whose policy may be out of date): one exact shape, so that it is found again.
_META = '<meta http-equiv="Content-Security-Policy" content="{}">'
_OLD_META = re.compile(r'<meta http-equiv="Content-Security-Policy" content="[^"]*">')
# Raw-text elements end at the first closing tag, whatever comes between (HTML's rule), so a
# pattern finds them exactly as the browser does.
_RAW = re.compile(r"<(script|style)\b([^>]*)>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL)
_TYPE = re.compile(r"""\btype\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
_SRC = re.compile(r"\bsrc\s*=", re.IGNORECASE)
# Start tags (outside raw text, which is blanked first), and the attributes of one.
_TAG = re.compile(r"<[a-zA-Z][^>]*>")
_ATTRIBUTE = re.compile(r"""\s([^\s"'=<>/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
# Where the meta element goes: right after <meta charset> (which must stay in the first
# bytes), else right after <head>; before any script, style or stylesheet either way.
_CHARSET = re.compile(r"<meta charset=[^>]*>", re.IGNORECASE)
_HEAD = re.compile(r"<head\b[^>]*>", re.IGNORECASE)
# Script types a browser runs (a JSON data block, such as Material's configuration, is not run).
_RUN = {"", "text/javascript", "application/javascript", "module"}
# In a theme template: Jinja statements and comments (dropped), and expressions, each of which
# may stand for URL characters only: no quote, space, bracket or semicolon, so a value can
# neither leave a string literal nor be code.
_STATEMENT = re.compile(r"\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_EXPRESSION = re.compile(r"\{\{.*?\}\}", re.DOTALL)
_VALUE = r"[\w./:#?=&%+~-]*"
# The site's theme, whose templates write the inline scripts a page may run: Material's with
# MkDocs; a Zensical site's are Zensical's own (its package's ``templates``), each engine
# naming its own (`careleaf.site.engine.MkDocsEngine.theme`, `careleaf.site.zensical`).
THEME_PACKAGE = "material"
# Zensical's script makes its search dialog in a shadow root, with a ``<style>`` element whose
# text is a string constant of its bundle: ``C("style",{},NAME.toString())``, ``NAME='…'``.
_STYLE_CALL = re.compile(r'"style",\{\},(\w+)\.toString\(\)')
_BUNDLES = "assets/javascripts"


def theme_templates(root: Path, theme: str = THEME_PACKAGE) -> list[Path]:
    """The template folders of the site's theme: the project's ``overrides/`` (mkdocs.yml's
    ``custom_dir``, which both engines read) and the ``templates`` of the package ``theme``
    (Material's, or Zensical's for a Zensical site)."""
    folders = [Path(root) / "overrides"]
    folders.append(Path(str(resources.files(theme) / "templates")))
    return [folder for folder in folders if folder.is_dir()]


def theme_styles(theme: str = THEME_PACKAGE) -> list[str]:
    """The texts of the ``<style>`` elements the theme's own script inserts as a page runs,
    which the policy must allow by their hashes as it allows the pages' own: none for
    Material; for Zensical, its search dialog's stylesheet, read from its bundle (with it
    blocked, the dialog shows unstyled).

    Raises:
        BuildError: a Zensical bundle whose inserted stylesheet careleaf cannot read exactly
            (one string constant, with no escapes): the policy would block it.
    """
    if theme == THEME_PACKAGE:
        return []
    folder = Path(str(resources.files(theme) / "templates")) / _BUNDLES
    styles = []
    for bundle in sorted(folder.glob("bundle.*.min.js")):
        text = bundle.read_text(encoding="utf-8")
        for name in _STYLE_CALL.findall(text):
            found = re.findall(rf"\b{name}='([^'\\]*)'", text)
            if len(found) != 1:
                raise BuildError(
                    f"{theme}'s script inserts a stylesheet careleaf cannot read from "
                    f"{bundle.name} ({name}): the Content-Security-Policy would block it"
                )
            styles.append(found[0])
    return styles


def template_scripts(folders: Iterable[Path]) -> list[re.Pattern[str]]:
    """The shapes of the inline scripts the templates in ``folders`` write (see the module's
    docstring): one pattern for each ``<script>`` with a body and no ``src``."""
    shapes = set()
    for template in _templates(folders):
        text = _STATEMENT.sub("", template.read_text(encoding="utf-8"))
        if "<script" in text:
            for kind, attrs, body in _RAW.findall(text):
                runs = not _SRC.search(attrs) and _script_type(attrs) in _RUN
                if kind.lower() == "script" and runs and body.strip():
                    shapes.add(_VALUE.join(re.escape(part) for part in _EXPRESSION.split(body)))
    return [re.compile(shape, re.DOTALL) for shape in sorted(shapes)]


def _templates(folders: Iterable[Path]) -> list[Path]:
    """The HTML templates in ``folders``, leaving out hidden folders (Material's 14,000
    ``.icons`` are SVG files: walking them cost more than reading every template)."""
    found = []
    for folder in folders:
        for parent, names, files in os.walk(folder):
            names[:] = sorted(name for name in names if not name.startswith("."))
            found += [Path(parent, name) for name in sorted(files) if name.endswith(".html")]
    return found


def apply_policy(
    site: Path,
    own_url: str,
    theme: Sequence[re.Pattern[str]],
    inserted_styles: Sequence[str] = (),
) -> str:
    """Work out the policy of a built site from its pages, write it into each of them and
    into ``_headers``; returns the page policy (the manifest records it).

    Args:
        site: the built site folder (every language of one clinic).
        own_url: the site's public address (the clinic's website): pages may connect to its
            origin, where Material asks for the other languages' sitemaps.
        theme: the shapes of the theme's inline scripts (`template_scripts`): the only
            inline scripts a page may have.
        inserted_styles: the ``<style>`` texts the theme's script inserts (`theme_styles`).

    Raises:
        BuildError: a page has an inline script the theme does not write, or an inline event
            handler (``onclick=``...), which no policy can allow without allowing injected
            ones too; careleaf's templates have none.
    """
    pages = sorted(site.rglob("*.html"))
    # As bytes: a newline translated on reading would change a script's hash.
    texts = {page: _OLD_META.sub("", page.read_bytes().decode("utf-8")) for page in pages}
    scripts: list[str] = []
    styles: list[str] = list(inserted_styles)
    attributes: list[str] = []
    for page, text in texts.items():
        for match in _RAW.finditer(text):
            kind, attrs, body = match.group(1).lower(), match.group(2), match.group(3)
            if kind == "style":
                styles.append(body)
            elif not _SRC.search(attrs) and _script_type(attrs) in _RUN:
                if not any(shape.fullmatch(body) for shape in theme):
                    raise BuildError(
                        f"{page.relative_to(site)}: an inline script that is not one of the "
                        f"theme's, so the Content-Security-Policy will not allow it: "
                        f"{body.strip()[:60]!r}"
                    )
                scripts.append(body)
        attributes += _style_attributes(_RAW.sub(r"<\1></\1>", text), page.relative_to(site))
    parts = urlsplit(own_url)
    policy = csp.compose(scripts, styles, attributes, [f"{parts.scheme}://{parts.netloc}"])
    meta = _META.format(html.escape(policy, quote=False).replace('"', "&quot;"))
    for page, text in texts.items():
        _write(page, _with_meta(text, meta, page, site))
    _write(site / HEADERS_FILE, headers_file(policy))
    return policy


def headers_file(policy: str) -> str:
    """``_headers`` for a site: the full policy (with ``frame-ancestors``) on every path, and
    the headers that go with it."""
    return (
        "/*\n"
        f"  Content-Security-Policy: {csp.header(policy)}\n"
        "  X-Content-Type-Options: nosniff\n"
        "  Referrer-Policy: strict-origin-when-cross-origin\n"
    )


def _style_attributes(markup: str, page: Path) -> list[str]:
    """The values of the ``style`` attributes in ``markup`` (decoded, as the browser hashes
    them).

    Raises:
        BuildError: a tag has an inline event handler.
    """
    found = []
    for tag in _TAG.findall(markup):
        lowered = tag.lower()
        # Most tags have neither: only those that may are parsed.
        if " on" not in lowered and "style" not in lowered and "\ton" not in lowered:
            continue
        for name, *values in _ATTRIBUTE.findall(tag):
            name = name.lower()
            if name.startswith("on"):
                raise BuildError(
                    f"{page}: an inline event handler ({name}=) cannot be allowed by the "
                    "Content-Security-Policy"
                )
            if name == "style":
                found.append(html.unescape("".join(values)))
    return found


def _script_type(attrs: str) -> str:
    found = _TYPE.search(attrs)
    return found.group(1).lower() if found else ""


def _with_meta(text: str, meta: str, page: Path, site: Path) -> str:
    """The page with the policy's meta element first in its head."""
    anchor = _CHARSET.search(text) or _HEAD.search(text)
    if anchor is None:
        raise BuildError(f"{page.relative_to(site)}: no <head>: the policy cannot be put in")
    return text[: anchor.end()] + meta + text[anchor.end() :]


def _write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` unless it holds it already (a page copied from the last
    build, with the same policy). In place: a staged site's files are its own (MkDocs wrote
    them, or the build copied them), never hard links into another tree."""
    data = text.encode("utf-8")
    if not path.is_file() or path.read_bytes() != data:
        path.write_bytes(data)
