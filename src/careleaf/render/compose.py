"""Each language's pages composed before any site engine runs.

A page's macro calls (`careleaf.content.pages.MACROS`) become the blocks' Markdown headings and
HTML from careleaf's own templates, the handouts' links and cards; its notices (draft, overdue
review, fallback, stale translation) go after its title; a page a language has not translated
is the source language's page, with its notice. An engine then only turns the composed
Markdown into a themed site (`careleaf.site.zensical`); the MkDocs plugin calls the same
functions from its hooks.

Pages are checked when the project loads (`careleaf.content.pages.read_pages`): their template
code is only calls of the declared macros with literal arguments, so rendering it here runs
nothing else (a sandboxed environment, with the macros as its only names).
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import markdown
import yaml
from bs4 import BeautifulSoup
from jinja2 import StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from careleaf.content.handout import EDITIONS, handout_path
from careleaf.content.markup import markdown_text
from careleaf.content.model import Clinic, Library
from careleaf.content.pages import FRONT_MATTER
from careleaf.content.shown import DRAFT_PAGE
from careleaf.editorial.policy import overdue_blocks
from careleaf.editorial.status_pages import page_is_draft, page_is_stale
from careleaf.errors import BuildError
from careleaf.options import BuildOptions
from careleaf.paths import DOCS_DIR
from careleaf.render.blocks import block_title, render_block

# Search engines show about this many characters of a meta description.
DESCRIPTION_LENGTH = 160
# What Markdown the engines read (mkdocs.yml's extensions): a page's first paragraph for its
# meta description is found in the same HTML.
MARKDOWN_EXTENSIONS = ("admonition", "attr_list", "md_in_html")


@dataclass(frozen=True)
class ComposedPage:
    """One page of a language's site, ready for an engine.

    Attributes:
        uri: its path inside the language's pages, e.g. ``is-it-safe.md``.
        markdown: the whole page: front matter (title, description) and composed Markdown.
        title: its title (front matter, else its first heading), for links to it.
        blocks: the blocks it shows, in order.
        internal: careleaf's own page (the editors' report): no search, no other languages.
    """

    uri: str
    markdown: str
    title: str
    blocks: tuple[str, ...] = ()
    internal: bool = False

    @property
    def url(self) -> str:
        """Its address from the site's root, with directory URLs (`page_url`)."""
        return page_url(self.uri)


def page_url(uri: str) -> str:
    """A page's address from its site's root, as MkDocs and Zensical make it with directory
    URLs: ``index.md`` -> ``""``, ``a/x.md`` -> ``a/x/``."""
    stem = uri.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        return stem.removesuffix("index")
    return f"{stem}/"


def source_folder(uri: str) -> str:
    """The folder of a page's Markdown file from its site's root (``a/x.md`` -> ``a/``,
    ``x.md`` -> ``""``): where Zensical reads every relative link of a page from, raw HTML's
    too, before it rewrites them for directory URLs. MkDocs leaves raw HTML's links as
    written, so for MkDocs they are written from the page's address (`page_url`)."""
    folder, _, _ = uri.rpartition("/")
    return f"{folder}/" if folder else ""


def relative_url(target: str, url: str) -> str:
    """``target`` (from the site's root) as a link from the page at ``url`` (`page_url`)."""
    return "../" * url.count("/") + target


def block_markdown(
    library: Library,
    lang: str,
    clinic: Clinic,
    block_id: str,
    style: str,
    level: int,
    preview: bool = False,
) -> str:
    """The ``block`` macro: a block as a Markdown heading (so it reaches the table of
    contents) and its HTML for the website (`render_block` with ``site``: the emergency
    number a ``tel:`` link, the block's sources after it); ``level`` 0 gives the HTML alone.
    In a ``preview``, a translation held back is shown, marked, beside the text shown."""
    html = render_block(
        library,
        lang,
        block_id,
        clinic=clinic,
        style=style,
        heading_level=0,
        preview=preview,
        site=True,
    )
    if not level:
        return str(html)
    title = markdown_text(block_title(library, lang, block_id))
    return f"{'#' * level} {title}\n\n{html}\n"


def handout_link(library: Library, lang: str, handout_id: str, url: str) -> str:
    """The ``handout_link`` macro: a download link to one handout's PDF, from the page at
    ``url``."""
    title = library.handout_title(lang, handout_id)
    label = library.label(lang, "download-pdf")
    return str(
        Markup(
            '<p class="careleaf-handout-link"><a class="md-button" href="{}" '
            "download>{}: {}</a></p>\n"
        ).format(relative_url(handout_path(handout_id, EDITIONS[0]), url), label, title.text)
    )


def handout_cards(library: Library, lang: str, url: str) -> str:
    """The ``handouts`` macro: every handout with its thumbnail, description and download
    button, from the page at ``url``."""
    rows = []
    for handout_id in library.handouts:
        title = library.handout_title(lang, handout_id)
        # The standard edition, and the large-print one linked beside it.
        pdf, large = (relative_url(handout_path(handout_id, e), url) for e in EDITIONS)
        rows.append(
            Markup(
                '<div class="careleaf-handout" data-handout="{id}">'
                '<a href="{pdf}"><img class="careleaf-thumb" src="{png}" alt="{title}" '
                'width="150"></a><div><h2>{title}</h2><p>{detail}</p>'
                '<a class="md-button md-button--primary" href="{pdf}" download>{label}</a> '
                '<a class="md-button careleaf-large-print" href="{large}" download>'
                "{label}: {large_label}</a>"
                "</div></div>"
            ).format(
                id=handout_id,
                pdf=pdf,
                large=large,
                png=relative_url(handout_path(handout_id, EDITIONS[0], ".png"), url),
                title=title.text,
                detail=title.detail or "",
                label=library.label(lang, "download"),
                large_label=library.label(lang, "large-print"),
            )
        )
    return '<div class="careleaf-handouts">' + "".join(rows) + "</div>\n"


def page_notices(
    library: Library,
    lang: str,
    uri: str,
    text: str,
    blocks: Sequence[str],
    fallback: bool,
    options: BuildOptions,
) -> list[tuple[str, str]]:
    """The notices a page of ``lang``'s site carries, as (admonition kind, label id): a draft
    block, an overdue review (published with ``allow_overdue``), a page not yet translated
    (``fallback``), a translation older than its English (``text``: the translated file's)."""
    source = library.source_language
    notices = []
    if any(library.block(lang, b).is_draft for b in blocks):
        notices.append(("warning", "draft-notice"))
    if options.allow_overdue and set(blocks) & overdue_blocks(library):
        notices.append(("warning", "review-overdue"))
    if fallback:
        notices.append(("note", "fallback-page"))
    elif lang != source:
        english = library.page(source, uri)
        if (english is not None and page_is_stale(english.text, text)) or any(
            library.is_stale(lang, b) or not library.is_translated(lang, b) for b in blocks
        ):
            notices.append(("note", "stale-translation"))
    return notices


def with_notices(library: Library, lang: str, markdown: str, notices: list[tuple[str, str]]) -> str:
    """A page's Markdown with its notices (`page_notices`) as admonitions after its title."""
    for kind, label_id in reversed(notices):
        notice = markdown_text(library.label(lang, label_id))
        markdown = insert_after_title(markdown, f'!!! {kind} "{notice}"\n')
    return markdown


def insert_after_title(markdown: str, text: str) -> str:
    """Insert a Markdown snippet after the page's first-level title (or at the top)."""
    lines = markdown.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.startswith("# "):
            return "".join([*lines[: index + 1], "\n", text, "\n", *lines[index + 1 :]])
    return f"{text}\n{markdown}"


def render_macros(
    library: Library, lang: str, clinic: Clinic, markdown: str, url: str, preview: bool = False
) -> str:
    """A page's Markdown with its macro calls rendered (the page was checked: only calls of
    the declared macros, with literal arguments)."""
    env = SandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=True)
    env.globals = {
        "block": lambda block_id, style="default", level=2: block_markdown(
            library, lang, clinic, block_id, style, level, preview
        ),
        "handout_link": lambda handout_id: handout_link(library, lang, handout_id, url),
        "handouts": lambda: handout_cards(library, lang, url),
    }
    return env.from_string(markdown).render()


def compose_pages(
    library: Library,
    clinic: Clinic,
    lang: str,
    options: BuildOptions,
    generated: Mapping[str, str],
    links_from: Callable[[str], str] = page_url,
) -> dict[str, ComposedPage]:
    """Every page of ``lang``'s site of ``clinic``, composed, by path: its own pages, the
    source language's pages it has not translated (each with a notice), and careleaf's
    ``generated`` pages (Markdown by name: the editors' report). A translated page marked
    fuzzy (`is_draft_page`) is never published: the source language's page stands in for it,
    with the same notice, except in a preview, which shows it with a notice at its top.
    ``links_from``: where the engine reads a page's relative links from, by its path
    (`page_url` for MkDocs, `source_folder` for Zensical): careleaf's links (handouts, their
    thumbnails) are written from there.

    Raises:
        BuildError: a page of the project has the name of a generated one.
    """
    source = library.source_language
    own = library.pages.get(lang, {})
    pages: dict[str, ComposedPage] = {}
    preview = bool(options.preview)
    for uri in sorted(set(library.pages.get(source, {})) | set(own)):
        draft = is_draft_page(library, lang, uri)
        fallback = uri not in own or (draft and not preview)
        page = library.pages[source][uri] if fallback else own[uri]
        meta = front_matter(page.text)
        notices = page_notices(library, lang, uri, page.text, page.blocks, fallback, options)
        body = render_macros(library, lang, clinic, page.markdown, links_from(uri), preview)
        body = with_notices(library, lang, body, notices)
        if preview and draft and not fallback:
            body = insert_after_title(body, f'!!! warning "{DRAFT_PAGE}"\n')
        title = meta.get("title") or first_heading(page.markdown) or uri
        head = {key: meta[key] for key in ("title", "description") if meta.get(key)}
        # The engine's theme prints it; MkDocs' plugin works it out from the page's HTML.
        head.setdefault("description", description(html_of(body)))
        pages[uri] = ComposedPage(uri, with_front_matter(head, body), title, page.blocks)
    for name, text in generated.items():
        if name in pages:
            raise BuildError(
                f"{DOCS_DIR}/{lang}/{name}: this name is kept for the editors' report that "
                "careleaf builds; rename the page"
            )
        # careleaf's own report, internal: kept out of search and search engines, in the
        # source language only (no other languages to switch to).
        head = {"search": {"exclude": True}, "alternates": False, "internal": True}
        # Its own meta description, as every page has (the engine's theme prints it).
        head["description"] = description(html_of(text))
        title = first_heading(text) or name
        pages[name] = ComposedPage(name, with_front_matter(head, text), title, internal=True)
    return dict(sorted(pages.items()))


def is_draft_page(library: Library, lang: str, uri: str) -> bool:
    """A translated page marked fuzzy (`page_is_draft`): never published."""
    own = library.page(lang, uri)
    english = library.page(library.source_language, uri)
    return (
        lang != library.source_language
        and own is not None
        and english is not None
        and page_is_draft(english.text, own.text)
    )


def page_files(library: Library, lang: str) -> dict[str, Path]:
    """The images a language's pages show, by path inside its pages' folder: its own, and the
    source language's where it has none of that name (a fallback page shows them). Checked
    when the project loaded (`careleaf.content.pages.check_docs_folder`): bounded images only,
    no links."""
    found: dict[str, Path] = {}
    for folder_lang in dict.fromkeys([library.source_language, lang]):
        folder = library.root / DOCS_DIR / folder_lang
        if folder.is_dir() and not folder.is_symlink():
            for path in sorted(folder.rglob("*")):
                if path.is_file() and not path.is_symlink() and path.suffix.lower() != ".md":
                    found[path.relative_to(folder).as_posix()] = path
    return found


def safety_page(
    library: Library, pages: Mapping[str, ComposedPage], order: Sequence[str]
) -> ComposedPage | None:
    """The page the 404 page offers: the one showing the most safety blocks, the first of
    those in ``order`` (the navigation's, then the rest by path); None if none shows any."""
    safety = set(library.project.safety)
    best, shown = None, 0
    for uri in [*order, *sorted(set(pages) - set(order))]:
        page = pages.get(uri)
        count = len(set(page.blocks) & safety) if page else 0
        if count > shown:
            best, shown = page, count
    return best


def write_files(folder: Path, files: Mapping[str, str | Path]) -> None:
    """Write files into ``folder`` by their paths: text, or a copy of the file named."""
    for name, source in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(source, Path):
            shutil.copyfile(source, target)
        else:
            target.write_text(source, encoding="utf-8")


def write_pages(
    folder: Path, library: Library, lang: str, pages: Mapping[str, ComposedPage]
) -> None:
    """Write a language's composed pages and the images they show (`page_files`) into
    ``folder``, an engine's pages folder."""
    composed = {uri: page.markdown for uri, page in pages.items()}
    write_files(folder, {**page_files(library, lang), **composed})


def front_matter(text: str) -> dict:
    """A page's front matter values (checked when it was loaded: plain text)."""
    match = FRONT_MATTER.match(text)
    data = yaml.safe_load(match.group(1)) if match else None
    return data if isinstance(data, dict) else {}


def with_front_matter(meta: Mapping[str, object], markdown: str) -> str:
    """Markdown with a YAML front matter block (none when ``meta`` is empty)."""
    if not meta:
        return markdown
    head = yaml.safe_dump(dict(meta), allow_unicode=True, sort_keys=True)
    return f"---\n{head}---\n\n{markdown.lstrip(chr(10))}"


def html_of(text: str) -> str:
    """A composed page's Markdown as HTML, with the extensions the engines read it with."""
    return markdown.markdown(text, extensions=list(MARKDOWN_EXTENSIONS))


def first_heading(markdown: str) -> str:
    """The text of a page's first first-level heading, or ``""``."""
    for line in markdown.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return ""


@functools.lru_cache(maxsize=256)
def description(html: str) -> str:
    """A page's meta description: its first paragraph of prose, cut at a word near 160 chars.

    Notices (admonitions) come before the prose on some pages and are not a description.
    Memoized: every clinic's site has the same pages, and parsing them again for each clinic
    was about a tenth of the build process's time in a 20-clinic build.
    """
    soup = BeautifulSoup(html, "html.parser")
    for notice in soup.select(".admonition"):
        notice.decompose()
    first = soup.find("p")
    text = " ".join(first.get_text(" ").split()) if first else ""
    if len(text) <= DESCRIPTION_LENGTH:
        return text
    return text[: DESCRIPTION_LENGTH - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
