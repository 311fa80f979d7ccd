"""Content Markdown to safe HTML: raw HTML shown as text, images and unsafe links refused."""

from __future__ import annotations

import functools
import html
import re
import xml.etree.ElementTree as etree
from urllib.parse import urlsplit

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markupsafe import escape

SAFE_SCHEMES = {"", "http", "https", "mailto", "tel"}
# What a browser ignores in a URL before reading its scheme: "java\tscript:" is "javascript:".
_URL_IGNORED = re.compile(r"[\x00-\x20\x7f]")


def url_problem(value: str, *, image: bool = False) -> str | None:
    """Why a link (or, with ``image``, an image source) may not be used, or None if it may.

    Links may be relative or use http, https, mailto or tel; images only relative paths, so a
    page never loads anything from another host. ``value`` is read as a browser reads it:
    entities decoded, spaces, tabs, newlines and control characters ignored.
    """
    url = _URL_IGNORED.sub("", html.unescape(value)).replace("\\", "/")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if image and (scheme or url.startswith("//")):
        return f"an image must be a file beside the page, not '{value}'"
    if scheme not in SAFE_SCHEMES:
        return f"link scheme '{scheme}:' is not allowed ({value})"
    return None


# Python-Markdown's backslash escapes (less <, > and &, which become entities, and braces).
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]()#+\-.!])")


def markdown_text(text: str) -> str:
    """Content text to put into a page's Markdown so that it shows as this text and nothing else.

    Markdown syntax is backslash-escaped (no link, image or ``{: attribute }`` can form), HTML
    characters become entities, and so do braces: pages are rendered as templates after careleaf
    inserts its notices, and ``{{ ... }}`` in a translated label must stay text.
    """
    return template_free(str(escape(_MARKDOWN_SPECIAL.sub(r"\\\1", text))))


def template_free(text: str) -> str:
    """Already escaped HTML text with braces as entities, so no template engine reads code in it."""
    return text.replace("{", "&#123;").replace("}", "&#125;")


# Markup in text that is shown as typed (a title, an item's text, detail or frequency): an HTML
# tag, comment or declaration (a "<" before a letter, "/", "!" or "?", closed by ">"), and a
# Markdown link reference definition ("[name]: address" at the start of a line). A "<" in a
# sentence ("1 < 2", "<3") is text.
_TAG = re.compile(r"<\s*/?\s*[A-Za-z][A-Za-z0-9:-]*(\s[^<>]*)?/?>|<!--|<![A-Za-z\[]|<\?")
_LINK_REFERENCE = re.compile(r"^ {0,3}\[[^\]\n]+\]:[ \t]*\S", re.MULTILINE)


def markup_in_text(text: str) -> str | None:
    """Why plain text may not be published (it holds markup), or None.

    Such text is escaped, so that markup would reach a reader as visible code (``<span
    style=...>``) instead of what its author meant: it is refused, naming what was found.
    """
    tag = _TAG.search(text)
    if tag:
        return (
            f"markup is not allowed here: '{tag.group(0)[:60]}' would be shown as typed "
            "(write the text without HTML)"
        )
    reference = _LINK_REFERENCE.search(text)
    if reference:
        return (
            "a link reference definition ('[name]: address') is not allowed here: it would "
            "be shown as typed"
        )
    return None


MAX_NESTING = 20


def too_deep(text: str) -> int | None:
    """The first line (1-based) where Markdown nests deeper than MAX_NESTING levels, or None.

    Python-Markdown recurses into quotes and lists (a RecursionError past about 300 levels)
    and takes quadratic time over nested brackets (minutes for a few thousand), so depth is
    bounded before it parses: quote markers, indentation, and open ``[`` or ``(`` within a
    paragraph.
    """
    brackets = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            brackets = 0  # a blank line ends the paragraph
            continue
        quotes = len(line) - len(line.lstrip(" >\t"))
        indent = len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())
        if line.count(">", 0, quotes) > MAX_NESTING or indent > 4 * MAX_NESTING:
            return number
        for char in line:
            if char in "[(":
                brackets += 1
                if brackets > MAX_NESTING:
                    return number
            elif char in "])" and brackets:
                brackets -= 1
    return None


class UnsafeMarkup(ValueError):
    """Content Markdown asked for something it may not have (an image, a script link...)."""


class _Guard(Treeprocessor):
    """Refuses images and links whose scheme could run code or read local files."""

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            if element.tag == "img":
                raise UnsafeMarkup("images are not allowed in content text")
            href = element.get("href")
            problem = url_problem(href) if href is not None else None
            if problem:
                raise UnsafeMarkup(problem)


class _SafeExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        # Without these two, raw HTML in content passes through; without them it is escaped.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_Guard(md), "careleaf-guard", 0)


# The same texts come back for every clinic, handout and page of a build: each is converted
# once (a refused text raises again, since a raised call is not remembered).
@functools.lru_cache(maxsize=4096)
def to_html(text: str) -> str:
    """Render content Markdown to HTML that cannot carry markup, scripts or images.

    Raises:
        UnsafeMarkup: the text holds an image or a link with a scheme other than
            http, https, mailto or tel.
    """
    line = too_deep(text)
    if line is not None:
        raise UnsafeMarkup(f"line {line} of the text nests deeper than {MAX_NESTING} levels")
    md = markdown.Markdown(extensions=[_SafeExtension(), "sane_lists"], output_format="html")
    return md.convert(text)
