"""Jinja with StrictUndefined and autoescape: one block for the site, a handout for print."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2
import segno
from markupsafe import Markup

from .markup import to_html
from .model import Clinic, Item, Library


@cache
def environment() -> jinja2.Environment:
    """The template environment shared by the site and the handouts."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("careleaf", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["markdown"] = lambda text: Markup(to_html(text))
    return env


def render_block(
    library: Library, lang: str, block_id: str, *, style: str = "default", heading_level: int = 2
) -> Markup:
    """Render one block in one language, through the shared item partial.

    Args:
        library: the loaded content.
        lang: language code.
        block_id: the block's id (its file name without .yml).
        style: "default" (a list), "risks" (a table with how common each is), "screening"
            (yes/no tick boxes) or "statements" (tick boxes before each statement).
        heading_level: 1-6 for the block's title as a heading; 0 to leave the title out.
    """
    template = environment().get_template("block.html")
    html = template.render(
        block=library.block(lang, block_id),
        entries=entries(library, lang, block_id),
        fallback=not library.is_translated(lang, block_id),
        source_language=library.source_language,
        style=style,
        heading_level=heading_level,
        safety=block_id in library.project.safety,
        label=_labels(library, lang),
    )
    return Markup(html.replace("\n\n", "\n"))


@dataclass(frozen=True)
class Entry:
    """An item as one language shows it.

    Attributes:
        item: the translated item, or the source language's while it is not translated.
        fallback: True when ``item`` is the source language's (shown with its ``lang``).
        current_source: for a safety item translated from older English, today's English,
            shown beside the old translation with a notice.
    """

    item: Item
    fallback: bool = False
    current_source: str | None = None


def entries(library: Library, lang: str, block_id: str) -> list[Entry]:
    """The block's items in the source language's order, as this language shows them."""
    source = library.content[library.source_language][block_id]
    if lang == library.source_language or not library.is_translated(lang, block_id):
        return [Entry(item, fallback=lang != library.source_language) for item in source.items]
    translated = library.content[lang][block_id]
    stale = library.stale_items(lang, block_id) if block_id in library.project.safety else set()
    result = []
    for english in source.items:
        item = translated.item(english.id)
        if item is None:
            result.append(Entry(english, fallback=True))
        else:
            result.append(Entry(item, current_source=english.text if item.id in stale else None))
    return result


def render_handout(
    library: Library, handout_id: str, lang: str, clinic: Clinic, url: str, created: str
) -> str:
    """Render one handout as a complete HTML document for WeasyPrint.

    Args:
        library: the loaded content.
        handout_id: the handout definition's id.
        lang: language code.
        clinic: the clinic whose brand, contact details and paper the handout carries.
        url: this handout's page on the clinic's website, for the QR code and its link.
        created: ISO 8601 date-time written as the PDF's creation and modification date.
    """
    handout = library.handouts[handout_id]
    source = [library.block(library.source_language, s.block) for s in handout.sections]
    reviews = [block.review for block in source if block.review]
    label = _labels(library, lang)
    sections = [
        render_block(library, lang, section.block, style=section.style)
        for section in handout.sections
    ]
    template = environment().get_template("handout.html")
    return template.render(
        lang=lang,
        direction=library.project.languages[lang].direction,
        handout=handout,
        title=library.handout_title(lang, handout_id),
        clinic=clinic,
        logo=f"{Path(clinic.path).parent.as_posix()}/{clinic.logo}",
        keywords=[library.block(lang, s.block).title for s in handout.sections],
        version=library.project.content_version,
        reviewed_on=min(r.reviewed_on for r in reviews).isoformat() if reviews else "",
        draft=any(block.is_draft for block in source),
        translation_draft=lang != library.source_language
        and library.project.languages[lang].status == "draft",
        created=created,
        url=url,
        qr_svg=Markup(segno.make(url, error="m").svg_inline(scale=4, border=2, omitsize=True)),
        page_css=Markup(_page_css(clinic, label("page"), label("of"))),
        sections=sections,
        label=label,
    )


def _labels(library: Library, lang: str):  # noqa: ANN202 (a small closure)
    return lambda label_id: library.label(lang, label_id)


def _page_css(clinic: Clinic, page_word: str, of_word: str) -> str:
    """Paper, margins, brand colours and the "Page N of M" words for one handout.

    Clinic values are validated (#rrggbb, A4/Letter, lengths); the words are CSS-escaped.
    """
    return (
        f":root {{ --primary: {clinic.colors.primary}; --accent: {clinic.colors.accent}; }}\n"
        f"@page {{ size: {clinic.page_size}; margin: {clinic.margin} {clinic.margin} "
        f"calc({clinic.margin} + 6mm);\n"
        f"  @bottom-right {{ content: {css_string(page_word + ' ')} counter(page) "
        f"{css_string(' ' + of_word + ' ')} counter(pages); }} }}\n"
    )


def css_string(text: str) -> str:
    """A CSS string literal that cannot end the string, the rule or the <style> element."""
    escaped = "".join(
        ch if ch.isalnum() or ch in " .,:;!?()'-" else f"\\{ord(ch):x} " for ch in text
    )
    return f'"{escaped}"'
