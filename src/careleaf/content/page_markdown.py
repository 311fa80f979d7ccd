"""A page's Markdown as the site reads it: what it may hold, and its headings' anchors.

Pages come from strangers' pull requests. Their Markdown is parsed with the site's own Markdown
library and extensions: raw HTML, attributes other than id and class, unsafe link schemes and
deep nesting are refused with the line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from html.parser import HTMLParser

import jinja2
import markdown as markdown_lib
from markdown.preprocessors import Preprocessor

from careleaf.content.chars import char_name, forbidden_char
from careleaf.content.markup import MAX_NESTING, too_deep, url_problem
from careleaf.errors import Problem

# The Markdown extensions of mkdocs.yml and MkDocs' built-in ones (toc, tables, fenced_code):
# a page is checked as the site will read it.
MARKDOWN_EXTENSIONS = ("admonition", "attr_list", "toc", "tables", "fenced_code")
# The one style Markdown itself writes: a table column's alignment.
TABLE_ALIGN = re.compile(r"text-align: (left|right|center);")
# Attributes a page may give an element (attr_list); Markdown itself sets the others.
PAGE_ATTRIBUTES = frozenset({"href", "src", "alt", "title", "id", "class", "start"})
_ENTITY = re.compile(r"^&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z0-9]+);$")


def slugify(value: str, separator: str = "-") -> str:
    """A heading's anchor: its letters, digits and combining marks, words joined by ``separator``.

    Keeps every script readable (Bengali vowel signs and viramas, Arabic letters), lower-cases
    letters that have case, and drops punctuation and symbols. Python-Markdown's toc calls it.
    """
    kept = []
    for char in unicodedata.normalize("NFC", value):
        category = unicodedata.category(char)
        if category[0] in "LN" or category in ("Mn", "Mc"):
            kept.append(char.lower())
        elif char.isspace() or char in "-_":
            kept.append(" ")
    return separator.join("".join(kept).split())


def slugifier() -> Callable[[str, str], str]:
    """`slugify`, as Zensical's configuration names a Markdown extension's function: by a
    callable it calls to get the function (``slugify: {object: ...slugifier}``)."""
    return slugify


def check_markdown(markdown: str, file: str, line_offset: int = 0) -> list[Problem]:
    """Refuse raw HTML, attributes other than id and class, unsafe links and deep nesting.

    The Markdown is parsed by Python-Markdown with the site's extensions: raw HTML is what it
    sets aside in its HTML stash; attributes and links are read from the HTML it produces
    (entities decoded, as a browser reads them). Template code is blanked out first.

    Args:
        markdown: the page's Markdown, front matter already removed.
        file: the page's path, for messages.
        line_offset: lines that came before ``markdown`` in the file.
    """
    source = _without_template_code(markdown)
    lines = source.split("\n")
    # Refused characters are reported, then read as spaces: the Markdown is checked too (and
    # Python-Markdown's own placeholders, STX and ETX, never come from a page).
    clean = "".join(" " if forbidden_char(char) else char for char in source)

    def problem(message: str, *needles: str) -> Problem:
        return Problem(file, message, line=_find_line(lines, needles, line_offset))

    problems = []
    for number, line in enumerate(lines, start=1 + line_offset):
        char = next((ch for ch in line if forbidden_char(ch)), None)
        if char is not None:
            problems.append(Problem(file, f"{char_name(char)} is not allowed", line=number))
    deep = too_deep(source)
    if deep is not None:
        # Python-Markdown recurses (and takes quadratic time) over deep nesting: not parsed.
        message = f"nesting deeper than {MAX_NESTING} levels (quotes, lists or brackets)"
        return [*problems, Problem(file, message, line=deep + line_offset)]
    md = markdown_lib.Markdown(extensions=list(MARKDOWN_EXTENSIONS))
    # Keep raw HTML out of the output: it is reported from the stash instead.
    md.postprocessors.deregister("raw_html")
    fenced = _CountFenced(md)
    md.preprocessors.register(fenced, "careleaf-count-fenced", 22)
    try:
        output = md.convert(clean)
    except RecursionError:
        return [Problem(file, f"nesting deeper than {MAX_NESTING} levels")]
    for raw in md.htmlStash.rawHtmlBlocks[fenced.count :]:
        text = str(raw).strip()
        if _ENTITY.match(text):
            continue
        shown = text.split("\n", 1)[0][:60]
        problems.append(
            problem(f"raw HTML is not allowed in pages (write Markdown): {shown}", shown)
        )
    elements = _Elements()
    elements.feed(output)
    elements.close()
    for tag, name, value in elements.attributes:
        if name == "style" and tag in ("th", "td") and TABLE_ALIGN.fullmatch(value):
            continue
        if name not in PAGE_ATTRIBUTES:
            problems.append(
                problem(
                    f"attribute '{name}' is not allowed on <{tag}> (event handlers, styles and "
                    "other attributes are refused; a page may set id and class)",
                    name,
                )
            )
        elif name in ("href", "src"):
            reason = url_problem(value, image=tag == "img" and name == "src")
            if reason:
                # An entity-encoded value is not in the source as decoded: try its end too.
                problems.append(problem(reason, value.strip()[:40], value.strip()[-8:]))
    return problems


class _CountFenced(Preprocessor):
    """Counts the stash entries of fenced code blocks (escaped code, stashed before raw HTML).

    It runs between fenced_code (priority 25) and html_block (20): every later stash entry is
    raw HTML from the page (or an entity, which is allowed).
    """

    count = 0

    def run(self, lines: list[str]) -> list[str]:
        self.count = len(self.md.htmlStash.rawHtmlBlocks)
        return lines


class _Elements(HTMLParser):
    """Every attribute of every element, values decoded as a browser decodes them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attributes: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attributes += [(tag, name, value or "") for name, value in attrs]


def _without_template_code(markdown: str) -> str:
    """The Markdown with each ``{{ ... }}`` replaced by spaces (lines are kept)."""
    try:
        tokens = list(jinja2.Environment().lex(markdown))
    except jinja2.TemplateSyntaxError:
        return markdown
    return "".join(
        value if kind == "data" else re.sub(r"[^\n]", " ", value) for _, kind, value in tokens
    )


def _find_line(lines: list[str], needles: tuple[str, ...], offset: int) -> int | None:
    """The first line holding one of the needles (tried in order)."""
    for needle in filter(None, needles):
        for number, line in enumerate(lines, start=1 + offset):
            if needle in line:
                return number
    return None
