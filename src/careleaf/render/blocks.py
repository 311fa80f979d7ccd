"""Jinja with StrictUndefined and autoescape: one block for the site, a handout for print."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2
import segno
from markupsafe import Markup

from careleaf.content.blocks import Block
from careleaf.content.clinic import Clinic
from careleaf.content.handout import EDITIONS
from careleaf.content.markup import to_html
from careleaf.content.model import Library
from careleaf.content.project import protected_anchor, protected_key
from careleaf.content.shown import Entry, Field, entries, shown_fields
from careleaf.render.fill import ContentArea, points


@cache
def environment() -> jinja2.Environment:
    """The template environment shared by the site and the handouts."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("careleaf.render", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["markdown"] = lambda text: Markup(to_html(text))
    return env


def render_block(
    library: Library,
    lang: str,
    block_id: str,
    *,
    clinic: Clinic | None = None,
    style: str = "default",
    heading_level: int = 2,
    form: bool = False,
    only: Collection[str] | None = None,
) -> Markup:
    """Render one block in one language, through the shared item partial.

    Every protected field is one element carrying ``data-protected="<key>"`` and the id
    `careleaf.content.project.protected_anchor` gives it, holding exactly the text
    `careleaf.content.shown.protected_texts` says the language shows.

    Args:
        library: the loaded content.
        lang: language code.
        block_id: the block's id (its file name without .yml).
        clinic: whose emergency number the block shows (default: the project's clinic).
        style: "default" (a list), "risks" (a table with how common each is), "screening"
            (yes/no questions) or "statements" (tick boxes before each statement).
        heading_level: 1-6 for the block's title as a heading; 0 to leave the title out.
        form: for a fillable PDF: each screening question gets Yes/No form fields and each
            statement a check box (named ``screening-<id>`` and ``statement-<id>``).
        only: the ids of the items to show (default: all).
    """
    view = block_view(library, lang, block_id, clinic)
    clinic = clinic or library.clinics[library.project.default_clinic]
    shown = [e for e in view.entries if only is None or e.item.id in only]
    keys = set(library.project.protected_keys(block_id))

    def mark(name: str, item_id: str | None = None) -> Markup:
        key = protected_key(block_id, name, item_id)
        if key not in keys:
            return Markup("")
        return Markup(' data-protected="{}" id="{}"').format(key, protected_anchor(key))

    template = environment().get_template("block.html")
    html = template.render(
        block=view.block,
        fields=view.fields,
        entries=shown,
        fallback=view.fallback,
        form=form,
        source_language=library.source_language,
        style=style,
        heading_level=heading_level,
        safety=block_id in library.project.protected,
        label=_labels(library, lang),
        mark=mark,
        emergency_number=clinic.emergency_number,
        phone=clinic.phone,
    )
    return Markup(html.replace("\n\n", "\n"))


@dataclass(frozen=True)
class BlockView:
    """A block as one language shows it: what the template renders."""

    block: Block
    fallback: bool
    fields: dict[str, Field]
    entries: list[Entry]


def block_view(
    library: Library, lang: str, block_id: str, clinic: Clinic | None = None
) -> BlockView:
    """A block as one language shows it, field by field and item by item
    (`careleaf.content.shown`: the selection the verifier expects too).

    A field or item that is not translated (an item: not every field English has) is shown
    in the source language; the emergency instruction carries the clinic's number.
    """
    return BlockView(
        library.block(lang, block_id),
        not library.is_translated(lang, block_id),
        shown_fields(library, lang, block_id, clinic),
        entries(library, lang, block_id),
    )


def render_handout(
    library: Library,
    handout_id: str,
    lang: str,
    clinic: Clinic,
    url: str,
    created: str,
    *,
    edition: str = EDITIONS[0],
    overdue: bool = False,
    preview: str = "",
) -> str:
    """Render one handout as a complete HTML document for WeasyPrint.

    Args:
        library: the loaded content.
        handout_id: the handout definition's id.
        lang: language code.
        clinic: the clinic whose brand, contact details and paper the handout carries.
        url: this handout's page on the clinic's website, for the QR code and its link.
        created: ISO 8601 date-time written as the PDF's creation and modification date.
        edition: `careleaf.content.handout.EDITIONS`: the large-print edition is the same
            document with the class ``edition-large-print`` on its root (handouts/print.css).
        overdue: its content is past its review date (published with --allow-overdue): the
            handout says so.
        preview: a notice for the footer of every page of a preview (`careleaf serve`).
    """
    handout = library.handouts[handout_id]
    source = [library.block(library.source_language, s.block) for s in handout.sections]
    draft = any(block.is_draft for block in source)
    # Draft content shows no review date: only approved content has been reviewed.
    dates = [b.review.reviewed_on for b in source if b.review and b.review.reviewed_on]
    label = _labels(library, lang)
    shown = [
        section
        for section in handout.sections
        # A section of the clinic's statements is left out when it switches none on.
        if not (section.clinic_items and not clinic.consent_statements)
    ]
    # The leading sections whose blocks must be on page 1 come before the patient's fields.
    prominence = library.project.placement.prominence
    first = 0
    while first < len(shown) and (rule := prominence.get(shown[first].block)) and rule.first_page:
        first += 1
    sections = [
        render_block(
            library,
            lang,
            section.block,
            clinic=clinic,
            style=section.style,
            form=handout.fillable,
            only=clinic.consent_statements if section.clinic_items else None,
        )
        for section in shown
    ]
    template = environment().get_template("handout.html")
    return template.render(
        lang=lang,
        direction=library.project.languages[lang].direction,
        handout=handout,
        edition=edition,
        title=library.handout_title(lang, handout_id),
        clinic=clinic,
        logo=f"{Path(clinic.path).parent.as_posix()}/{clinic.logo}",
        keywords=[library.block(lang, s.block).title for s in handout.sections],
        version=library.project.content_version,
        reviewed_on=min(dates).isoformat() if dates and not draft else "",
        draft=draft,
        overdue=overdue,
        preview=preview,
        translation_draft=lang != library.source_language
        and library.project.languages[lang].status == "draft",
        created=created,
        url=url,
        qr_svg=Markup(segno.make(url, error="m").svg_inline(scale=4, border=2, omitsize=True)),
        page_css=Markup(_page_css(clinic, edition, label("page"), label("of"))),
        first_sections=sections[:first],
        sections=sections[first:],
        label=label,
    )


def _labels(library: Library, lang: str):  # noqa: ANN202 (a small closure)
    return lambda label_id: library.label(lang, label_id)


# The room below a page's content for the running footer, on top of the clinic's margin, in
# each edition: four lines of its text (11pt; in large print 14.7pt).
FOOTER_ROOM_MM = {"standard": 19, "large-print": 25}


def content_area(clinic: Clinic, edition: str) -> ContentArea:
    """The top and bottom margins of the clinic's handout pages in an edition (`_page_css`),
    in points."""
    margin = points(clinic.margin)
    return ContentArea(margin, margin + points(f"{FOOTER_ROOM_MM[edition]}mm"))


def _page_css(clinic: Clinic, edition: str, page_word: str, of_word: str) -> str:
    """Paper, margins, brand colours and the "Page N of M" words for one handout.

    Clinic values are validated (#rrggbb, A4/Letter, lengths); the words are CSS-escaped.
    """
    return (
        f":root {{ --primary: {clinic.colors.primary}; --accent: {clinic.colors.accent}; }}\n"
        f"@page {{ size: {clinic.page_size}; margin: {clinic.margin} {clinic.margin} "
        f"calc({clinic.margin} + {FOOTER_ROOM_MM[edition]}mm);\n"
        f"  @bottom-right {{ content: {css_string(page_word + ' ')} counter(page) "
        f"{css_string(' ' + of_word + ' ')} counter(pages); }} }}\n"
    )


def css_string(text: str) -> str:
    """A CSS string literal that cannot end the string, the rule or the <style> element."""
    escaped = "".join(
        ch if ch.isalnum() or ch in " .,:;!?()'-" else f"\\{ord(ch):x} " for ch in text
    )
    return f'"{escaped}"'
