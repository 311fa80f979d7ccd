"""Reads a built HTML page back: its language and its protected elements, with what hides them.

An element is hidden by its attributes, its inline style, or a rule of the page's own
stylesheets (read from the site folder, never from elsewhere); what is found is independent of
the build that wrote the page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import cssselect2
import lxml.html
import tinycss2
from lxml import etree

from careleaf.verify.readback import UnreadableOutput

# CSS declarations that take an element (and all it holds) off the page.
_HIDING_VALUES = {
    "display": {"none"},
    "visibility": {"hidden", "collapse"},
    "content-visibility": {"hidden"},
}
_SCREEN_MEDIA = {"", "all", "screen"}


@dataclass(frozen=True)
class ItemSeen:
    """One protected element found in an HTML page.

    Attributes:
        id: its protected key (the element's ``data-protected``), e.g.
            ``side-effects/pneumothorax/detail``.
        text: the element's text, as a reader would get it.
        visible: False when the element or an ancestor is hidden.
        hidden_by: why it is hidden (None when visible).
    """

    id: str
    text: str
    visible: bool
    hidden_by: str | None = None


@dataclass(frozen=True)
class HtmlSeen:
    """What a page holds: its declared language and its protected elements, in document order."""

    lang: str | None
    items: list[ItemSeen]


def html_items(path: Path, site_root: Path | None = None) -> list[ItemSeen]:
    """Every protected element (``data-protected``) of a built HTML page, in document order.

    Args:
        path: the page file.
        site_root: the site folder; stylesheets linked with a site-absolute URL (``/x.css``)
            are read from it, and no stylesheet outside it is read. Without it, only relative
            links are followed.

    Raises:
        UnreadableOutput: the file cannot be read or parsed.
    """
    return read_html(path, site_root).items


def read_html(path: Path, site_root: Path | None = None) -> HtmlSeen:
    """The page's language (``<html lang>``) and its protected elements; see `html_items`.

    An item is not visible when it or an ancestor has the ``hidden`` attribute, sits in a
    ``<template>``, has an inline ``style`` with ``display: none``, ``visibility: hidden`` (or
    ``collapse``) or ``content-visibility: hidden``, or matches a top-level rule setting one of
    these in the page's ``<style>`` elements or its local stylesheets. ``aria-hidden`` is not
    enough: it hides from assistive technology, not from the eye. Rules inside ``@media`` and
    ``@supports`` are ignored (they apply only sometimes), and so are selectors that cannot
    match a static document (``:hover``...) or that name a pseudo-element. The check is
    conservative: a later rule that shows the element again is not taken into account.

    A page read more than once is better read through `SeenPages`, which parses it again only
    when it or its stylesheets changed.

    Raises:
        UnreadableOutput: the file cannot be read or parsed.
    """
    return _read_html(path, _page_bytes(path), site_root, [])


# A stylesheet link of a page (its href), and the state of the file it read (`_sheet_state`).
_SheetLink = tuple[str, tuple[str, int, int] | None]
# How many pages a `SeenPages` keeps; when it holds that many, it forgets them all.
SEEN_PAGES_KEPT = 1024


class SeenPages:
    """Pages read already, so that a page read again is not parsed again.

    A page read again, with the same bytes and the same stylesheets (by path, size and
    modification time), is not parsed again: a build reads each page for its manifest and
    again to verify it (one `careleaf.verify.readings.Readings` for both). The caller owns
    it, and it holds what that caller read: a fresh one has read nothing.
    """

    def __init__(self) -> None:
        # (path, site folder, SHA-256 of the bytes) -> what was seen, and each stylesheet
        # link's state then.
        self._pages: dict[tuple[str, str, bytes], tuple[HtmlSeen, list[_SheetLink]]] = {}

    def read(self, path: Path, site_root: Path | None = None) -> HtmlSeen:
        """What `read_html` reads in the page; what it read before, when neither the page nor
        its stylesheets changed since.

        Raises:
            UnreadableOutput: the file cannot be read or parsed.
        """
        data = _page_bytes(path)
        key = (str(path), str(site_root), hashlib.sha256(data).digest())
        known = self._pages.get(key)
        if known is not None and all(
            _sheet_state(href, path, site_root) == state for href, state in known[1]
        ):
            return known[0]
        sheets: list[_SheetLink] = []
        seen = _read_html(path, data, site_root, sheets)
        if len(self._pages) >= SEEN_PAGES_KEPT:
            self._pages.clear()
        self._pages[key] = (seen, sheets)
        return seen


def _page_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise UnreadableOutput(f"{path}: cannot read the page: {error}") from None


def _sheet_state(href: str, page: Path, site_root: Path | None) -> tuple[str, int, int] | None:
    """The file a stylesheet link reads (path, modification time, size), or None for none."""
    sheet = _local_file(href, page, site_root)
    if sheet is None:
        return None
    stat = sheet.stat()
    return str(sheet), stat.st_mtime_ns, stat.st_size


def _read_html(
    path: Path,
    data: bytes,
    site_root: Path | None,
    sheets: list[_SheetLink],
) -> HtmlSeen:
    try:
        text = data.decode("utf-8-sig")
        root = lxml.html.document_fromstring(text)
    except (UnicodeDecodeError, ValueError, etree.LxmlError) as error:
        raise UnreadableOutput(f"{path}: cannot read the page: {error}") from None
    matchers = list(_page_matchers(root, path, site_root, sheets))
    hidden: dict[Any, str | None] = {}
    items = []
    for wrapper in cssselect2.ElementWrapper.from_html_root(root).iter_subtree():
        element = wrapper.etree_element
        item_id = element.get("data-protected")
        if item_id is None:
            continue
        reason = _hidden_by(wrapper, matchers, hidden)
        items.append(ItemSeen(item_id, element.text_content(), reason is None, reason))
    lang = root.get("lang")
    return HtmlSeen(lang.strip() if lang else None, items)


def _hidden_by(
    wrapper: Any, matchers: list[tuple[Any, str]], memo: dict[Any, str | None]
) -> str | None:
    """Why this element is hidden, by itself or an ancestor; None when it is not."""
    chain = []
    node = wrapper
    while node is not None and node.etree_element not in memo:
        chain.append(node)
        node = node.parent
    inherited = memo[node.etree_element] if node is not None else None
    for node in reversed(chain):
        inherited = inherited or _own_hiding(node, matchers)
        memo[node.etree_element] = inherited
    return memo[wrapper.etree_element]


def _own_hiding(wrapper: Any, matchers: list[tuple[Any, str]]) -> str | None:
    element = wrapper.etree_element
    tag = element.tag
    if element.get("hidden") is not None:
        return f"hidden attribute on <{tag}>"
    if tag == "template":
        return "inside a <template>"
    style = element.get("style")
    if style:
        hiding = _hiding_declaration(tinycss2.parse_blocks_contents(style))
        if hiding:
            return f'inline style "{hiding}" on <{tag}>'
    for matcher, source in matchers:
        for _specificity, _order, _pseudo, (selector, hiding) in matcher.match(wrapper):
            return f'CSS rule "{selector} {{ {hiding} }}" in {source} hides <{tag}>'
    return None


def _page_matchers(
    root: Any,
    page: Path,
    site_root: Path | None,
    sheets: list[_SheetLink],
) -> Iterator[tuple[Any, str]]:
    """A matcher of hiding rules for each stylesheet the page uses, in document order; each
    stylesheet link goes into ``sheets`` with the state of the file it read."""
    styles = 0
    for element in root.iter("style", "link"):
        media = (element.get("media") or "").strip().lower()
        if media not in _SCREEN_MEDIA:
            continue
        if element.tag == "style":
            styles += 1
            matcher = _css_matcher(element.text_content())
            if matcher:
                yield matcher, f"<style> #{styles}"
            continue
        rel = (element.get("rel") or "").lower().split()
        if "stylesheet" not in rel or "alternate" in rel or element.get("disabled") is not None:
            continue
        href = element.get("href") or ""
        state = _sheet_state(href, page, site_root)
        sheets.append((href, state))
        if state is None:
            continue
        matcher = _stylesheet_matcher(*state)
        if matcher:
            yield matcher, element.get("href")


def _local_file(href: str, page: Path, site_root: Path | None) -> Path | None:
    """The local file a link points to, or None (another host, outside the site, absent)."""
    url = urlsplit(href.strip())
    if url.scheme or url.netloc or not url.path:
        return None
    if url.path.startswith("/"):
        if site_root is None:
            return None
        target = (site_root / unquote(url.path).lstrip("/")).resolve()
    else:
        target = (page.parent / unquote(url.path)).resolve()
    if site_root is not None and not target.is_relative_to(site_root.resolve()):
        return None
    return target if target.is_file() else None


@lru_cache(maxsize=64)
def _stylesheet_matcher(path: str, mtime_ns: int, size: int) -> Any:
    """The hiding rules of one stylesheet file; cached by path, size and modification time."""
    try:
        css = Path(path).read_bytes().decode("utf-8-sig", errors="replace")
    except OSError:
        return None
    return _css_matcher(css)


@lru_cache(maxsize=256)
def _css_matcher(css: str) -> Any:
    """A cssselect2 matcher of the top-level rules that hide; None when there are none."""
    matcher = cssselect2.Matcher()
    found = False
    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    for rule in _top_level_rules(rules):
        hiding = _hiding_declaration(tinycss2.parse_blocks_contents(rule.content))
        if hiding is None:
            continue
        for text, selector in _selectors(rule.prelude):
            matcher.add_selector(selector, (text, hiding))
            found = True
    return matcher if found else None


def _top_level_rules(rules: Iterable[Any]) -> Iterator[Any]:
    """Style rules that always apply: top level, or in a cascade layer (not @media/@supports)."""
    for rule in rules:
        if rule.type == "qualified-rule":
            yield rule
        elif rule.type == "at-rule" and rule.lower_at_keyword == "layer" and rule.content:
            yield from _top_level_rules(
                tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True)
            )


def _selectors(prelude: list[Any]) -> Iterator[tuple[str, Any]]:
    """Each selector of a selector list, compiled on its own so that one unsupported selector
    (a vendor pseudo-element, say) does not hide the others; pseudo-elements are left out."""
    parts: list[list[Any]] = [[]]
    for token in prelude:
        if token.type == "literal" and token.value == ",":
            parts.append([])
        else:
            parts[-1].append(token)
    for part in parts:
        text = tinycss2.serialize(part).strip()
        try:
            compiled = cssselect2.compile_selector_list(part)
        except cssselect2.SelectorError:
            continue
        for selector in compiled:
            if selector.pseudo_element is None:
                yield text, selector


def _hiding_declaration(declarations: Iterable[Any]) -> str | None:
    """``"display: none"`` (or the like) when the declarations hide the element, else None."""
    for declaration in declarations:
        if declaration.type != "declaration" or declaration.lower_name not in _HIDING_VALUES:
            continue
        values = [t for t in declaration.value if t.type not in ("whitespace", "comment")]
        if (
            len(values) == 1
            and values[0].type == "ident"
            and values[0].lower_value in _HIDING_VALUES[declaration.lower_name]
        ):
            return f"{declaration.lower_name}: {values[0].lower_value}"
    return None
