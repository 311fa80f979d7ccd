"""Reads the real outputs back (built HTML pages and PDFs), independently of the build."""

from __future__ import annotations

import ctypes
import functools
import hashlib
import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import cssselect2
import lxml.html
import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as raw
import tinycss2
from lxml import etree

from careleaf.content.project import anchor_key, protected_anchor
from careleaf.errors import CareleafError

# Characters of the scripts whose PDF text does not round-trip through extraction.
COMPLEX_SCRIPTS = (
    ("\u0980", "\u09ff", "Bengali"),
    ("\u0600", "\u06ff", "Arabic"),
    ("\u0750", "\u077f", "Arabic"),  # Arabic Supplement
    ("\ufb50", "\ufdff", "Arabic"),  # Arabic Presentation Forms-A
    ("\ufe70", "\ufeff", "Arabic"),  # Arabic Presentation Forms-B
)

# A hyphen at the end of a line, then the next line's first character. U+2010 is what
# WeasyPrint draws where it breaks at a soft hyphen or hyphenates automatically.
_LINE_END_HYPHEN = re.compile(r"([-\u2010\u00ad])[^\S\n]*\n\s*(\w)")
_WHITESPACE = re.compile(r"\s+")

# CSS declarations that take an element (and all it holds) off the page.
_HIDING_VALUES = {
    "display": {"none"},
    "visibility": {"hidden", "collapse"},
    "content-visibility": {"hidden"},
}
_SCREEN_MEDIA = {"", "all", "screen"}
# Held around all work with pdfium: it is not thread-safe, not even on different documents
# (pypdfium2's documentation), and a build verifies two clinics at once, in threads.
PDFIUM = threading.RLock()


def locate(key: str) -> tuple[str, str]:
    """Where a protected element is found: its CSS selector in a page, its PDF destination.

    The one place that knows how the renderer marks protected elements: each carries
    ``data-protected="<key>"`` and the id `careleaf.content.project.protected_anchor` makes of its
    key, which WeasyPrint writes as a named destination.
    """
    return f'[data-protected="{key}"]', protected_anchor(key)


class UnreadableOutput(CareleafError):
    """An output (or the site folder, or its manifest) cannot be read or parsed."""


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


@dataclass(frozen=True)
class PdfSeen:
    """What a PDF holds: its text and named destinations read with pdfium, the rest with pikepdf.

    Attributes:
        destinations: named destination -> 0-based page index (-1 when it points nowhere).
        page_texts: the extracted text of each page.
        title, author, subject, keywords: the document information, when set.
        lang: the catalog's /Lang, when set.
        fonts: the name (/BaseFont) of every font the pages use.
        unembedded_fonts: those of them whose program is not in the file.
    """

    destinations: dict[str, int]
    page_texts: list[str]
    title: str | None = None
    author: str | None = None
    subject: str | None = None
    keywords: str | None = None
    lang: str | None = None
    fonts: list[str] = field(default_factory=list)
    unembedded_fonts: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        """The page count."""
        return len(self.page_texts)

    @property
    def text(self) -> str:
        """The extracted text of all pages, one page after the other."""
        return "\n".join(self.page_texts)

    @property
    def fonts_embedded(self) -> bool:
        """True when every font's program is embedded in the file."""
        return not self.unembedded_fonts

    @property
    def item_ids(self) -> list[str]:
        """The protected keys that have a named destination (`model.protected_anchor`), sorted."""
        return sorted(key for key in map(anchor_key, self.destinations) if key is not None)


# Text


def normalise(text: str, *, join_hyphens: str = "-\u2010\u00ad") -> str:
    """Text in the one form in which item texts and extracted texts are compared.

    Unicode NFKC; a word hyphenated at a line end is joined (``"need-\\nling"`` ->
    ``"needling"``, only when the next line starts with a lowercase letter); soft hyphens are
    removed; every run of whitespace becomes one space; the ends are stripped.

    Args:
        text: any text.
        join_hyphens: the hyphen characters that are joined at a line end. A hyphen left out
            of it keeps its place and only the line break goes: ``"pre-\\nexisting"`` ->
            ``"pre-existing"`` with ``join_hyphens="\\u2010\\u00ad"``.
    """
    text = unicodedata.normalize("NFKC", text)

    def join(match: re.Match[str]) -> str:
        hyphen, letter = match.group(1), match.group(2)
        if not letter.islower():
            return match.group(0)
        return letter if hyphen in join_hyphens else hyphen + letter

    text = _LINE_END_HYPHEN.sub(join, text).replace("\u00ad", "")
    return _WHITESPACE.sub(" ", text).strip()


# A page's text is looked up once for every item on it: normalised once.
@functools.lru_cache(maxsize=64)
def text_variants(text: str) -> frozenset[str]:
    """The normalised forms of an extracted text that an item's text may be found in.

    A line break after an ASCII hyphen is ambiguous: a word broken where it already had a
    hyphen ("pre-existing", kept by WeasyPrint) or hyphenated by the renderer. Both readings
    are offered; a hyphen WeasyPrint inserted (U+2010) or a soft hyphen is always joined.
    """
    return frozenset((normalise(text), normalise(text, join_hyphens="\u2010\u00ad")))


def script_of(char: str) -> str | None:
    """ "Bengali" or "Arabic" for a character of a script whose PDF text does not round-trip."""
    return next((name for low, high, name in COMPLEX_SCRIPTS if low <= char <= high), None)


def is_complex(char: str) -> bool:
    """True for a character of a script whose PDF text does not round-trip (Bengali, Arabic)."""
    return script_of(char) is not None


def complex_scripts(text: str) -> set[str]:
    """The complex scripts ("Bengali", "Arabic") the text has characters of."""
    return {script for script in map(script_of, set(text)) if script}


def has_complex_script(text: str) -> bool:
    """True when the text holds any Bengali or Arabic character."""
    return bool(complex_scripts(text))


def plain_tokens(text: str) -> list[str]:
    """The runs of letters and digits of a text that are not in a complex script.

    In ``"আপনি 5 (COVID-19)"`` these are ``["5", "COVID", "19"]``. Punctuation is left out:
    text extraction attaches it unpredictably to neighbouring complex-script glyphs.
    """
    tokens, current = [], []
    for char in unicodedata.normalize("NFKC", text):
        if char.isalnum() and not is_complex(char):
            current.append(char)
        elif current:
            tokens.append("".join(current))
            current = []
    if current:
        tokens.append("".join(current))
    return tokens


# HTML


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

    A page read again, with the same bytes and the same stylesheets (by path, size and
    modification time), is not parsed again: a build reads each page for its manifest and
    again to verify it.

    Raises:
        UnreadableOutput: the file cannot be read or parsed.
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UnreadableOutput(f"{path}: cannot read the page: {error}") from None
    key = (str(path), str(site_root), hashlib.sha256(data).digest())
    known = _SEEN_PAGES.get(key)
    if known is not None and all(
        _sheet_state(href, path, site_root) == state for href, state in known[1]
    ):
        return known[0]
    sheets: list[tuple[str, tuple[str, int, int] | None]] = []
    seen = _read_html(path, data, site_root, sheets)
    if len(_SEEN_PAGES) >= SEEN_PAGES_KEPT:
        _SEEN_PAGES.clear()
    _SEEN_PAGES[key] = (seen, sheets)
    return seen


# Pages read lately: (path, site folder, SHA-256 of the bytes) -> what was seen, and each
# stylesheet link's state then (`_sheet_state`).
_SEEN_PAGES: dict[
    tuple[str, str, bytes], tuple[HtmlSeen, list[tuple[str, tuple[str, int, int] | None]]]
] = {}
SEEN_PAGES_KEPT = 1024


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
    sheets: list[tuple[str, tuple[str, int, int] | None]],
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
    sheets: list[tuple[str, tuple[str, int, int] | None]],
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


# PDF


# The document information PdfSeen holds.
_INFO_KEYS = ("/Title", "/Author", "/Subject", "/Keywords")


def pdf_items(path: Path) -> PdfSeen:
    """Read a PDF back: named destinations, text, page count, metadata and fonts.

    Raises:
        UnreadableOutput: the file cannot be read or parsed as a PDF.
    """
    try:
        page_texts, destinations = _read_with_pdfium(path)
        if not page_texts:
            raise UnreadableOutput(f"{path}: the PDF has no pages")
        with pikepdf.open(path) as pdf:
            info = {key: str(pdf.docinfo[key]) for key in _INFO_KEYS if key in pdf.docinfo}
            found = pdf.Root.get("/Lang")
            lang = str(found) if found is not None else None
            fonts: dict[str, bool] = {}
            for font in pdf_font_dictionaries(pdf):
                name = str(font.get("/BaseFont", "(unnamed)")).lstrip("/")
                fonts[name] = fonts.get(name, True) and _font_embedded(font)
    except UnreadableOutput:
        raise
    except Exception as error:  # a damaged file raises many kinds: all mean unreadable
        raise UnreadableOutput(f"{path}: cannot read the PDF: {error}") from None
    return PdfSeen(
        destinations={name: page for name, (page, _x, _y) in destinations.items()},
        page_texts=page_texts,
        title=info.get("/Title"),
        author=info.get("/Author"),
        subject=info.get("/Subject"),
        keywords=info.get("/Keywords"),
        lang=lang,
        fonts=sorted(fonts),
        unembedded_fonts=sorted(name for name, embedded in fonts.items() if not embedded),
    )


def _read_with_pdfium(path: Path) -> tuple[list[str], dict[str, tuple[int, float, float]]]:
    """The text of each page and the named destinations, read by pdfium (many times faster
    than pypdf, whose text extraction once made up most of the verifier's time, and whose
    reading of the destinations' name tree was a tenth of a PDF's proof): lines end with a line
    break, a hyphen pdfium marks as a line-end hyphen (U+0002) is kept as a hyphen."""
    with PDFIUM:
        document = pdfium.PdfDocument(str(path))
        try:
            texts = []
            for page in document:
                text_page = page.get_textpage()
                text = text_page.get_text_range()
                texts.append(text.replace("\r\n", "\n").replace("\x02", "-"))
                text_page.close()
                page.close()
            return texts, named_destinations(document)
        finally:
            document.close()


def named_destinations(document: pdfium.PdfDocument) -> dict[str, tuple[int, float, float]]:
    """Each named destination of a PDF opened with pdfium (its /Dests and its name tree):
    the 0-based page it points to (-1 for none) and the point on that page, in points."""
    found = {}
    pdf = document.raw
    for index in range(raw.FPDF_CountNamedDests(pdf)):
        length = ctypes.c_long(0)
        raw.FPDF_GetNamedDest(pdf, index, None, ctypes.byref(length))
        buffer = ctypes.create_string_buffer(length.value)
        dest = raw.FPDF_GetNamedDest(pdf, index, buffer, ctypes.byref(length))
        if not dest:
            continue
        name = buffer.raw[: length.value].decode("utf-16-le").rstrip("\0")
        has = [ctypes.c_int() for _ in range(3)]
        where = [ctypes.c_float() for _ in range(3)]
        raw.FPDFDest_GetLocationInPage(dest, *has, *where)
        page = raw.FPDFDest_GetDestPageIndex(pdf, dest)
        found[name] = (page, where[0].value, where[1].value)
    return found


def pdf_font_dictionaries(pdf: pikepdf.Pdf) -> Iterator[Any]:
    """Every font dictionary of a PDF opened with pikepdf: in its pages' resources and in the
    forms and patterns they use, each indirect one once."""
    seen: set[tuple[int, int]] = set()

    def first_time(obj: Any) -> bool:
        if not obj.is_indirect:
            return True
        if obj.objgen in seen:
            return False
        seen.add(obj.objgen)
        return True

    def walk(resources: Any) -> Iterator[Any]:
        if not isinstance(resources, pikepdf.Dictionary) or not first_time(resources):
            return
        yield from (font for font in _values(resources.get("/Font")) if first_time(font))
        for key in ("/XObject", "/Pattern"):
            for child in _values(resources.get(key)):
                # A form or pattern is walked once (one that uses itself, once too).
                if first_time(child):
                    yield from walk(child.get("/Resources"))

    for page in pdf.pages:
        yield from walk(page.obj.get("/Resources"))


def _values(dictionary: Any) -> list[Any]:
    """The dictionaries and streams a PDF dictionary holds as values."""
    if not isinstance(dictionary, pikepdf.Dictionary):
        return []
    return [
        value
        for value in dictionary.values()
        if isinstance(value, (pikepdf.Dictionary, pikepdf.Stream))
    ]


def _font_embedded(font: Any) -> bool:
    """A font's program is in the file (a Type3 font is drawn by the file itself)."""
    subtype = font.get("/Subtype")
    if subtype == "/Type3":
        return True
    if subtype == "/Type0":
        descendants = font.get("/DescendantFonts")
        return (
            isinstance(descendants, pikepdf.Array)
            and len(descendants) > 0
            and all(
                isinstance(child, pikepdf.Dictionary) and _font_embedded(child)
                for child in descendants
            )
        )
    descriptor = font.get("/FontDescriptor")
    return isinstance(descriptor, pikepdf.Dictionary) and any(
        key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
    )
