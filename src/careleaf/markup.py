"""Content Markdown to safe HTML: raw HTML shown as text, images and unsafe links refused."""

from __future__ import annotations

import xml.etree.ElementTree as etree
from urllib.parse import urlsplit

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

SAFE_SCHEMES = {"", "http", "https", "mailto", "tel"}


class UnsafeMarkup(ValueError):
    """Content Markdown asked for something it may not have (an image, a script link...)."""


class _Guard(Treeprocessor):
    """Refuses images and links whose scheme could run code or read local files."""

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            if element.tag == "img":
                raise UnsafeMarkup("images are not allowed in content text")
            href = element.get("href")
            if href is not None:
                scheme = urlsplit(href.strip()).scheme.lower()
                if scheme not in SAFE_SCHEMES:
                    raise UnsafeMarkup(f"link scheme '{scheme}:' is not allowed ({href})")


class _SafeExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        # Without these two, raw HTML in content passes through; without them it is escaped.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_Guard(md), "careleaf-guard", 0)


def to_html(text: str) -> str:
    """Render content Markdown to HTML that cannot carry markup, scripts or images.

    Raises:
        UnsafeMarkup: the text holds an image or a link with a scheme other than
            http, https, mailto or tel.
    """
    md = markdown.Markdown(extensions=[_SafeExtension(), "sane_lists"], output_format="html")
    return md.convert(text)
