"""Jinja with StrictUndefined and autoescape: one block for the site, a handout for print."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2
import segno
from markupsafe import Markup, escape

from careleaf.content.blocks import Block
from careleaf.content.clinic import Clinic
from careleaf.content.handout import EDITIONS, SIGNER_DETAILS, Section
from careleaf.content.markup import to_html
from careleaf.content.model import Library
from careleaf.content.project import protected_anchor, protected_key
from careleaf.content.shown import (
    DRAFT_MARK,
    Entry,
    Field,
    emergency_number,
    entries,
    shown_field,
    shown_fields,
)
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
    env.filters["tel_links"] = tel_links
    return env


def tel_links(text: str, number: tuple[str, str]) -> Markup:
    """The text, escaped, with each occurrence of a phone number a ``tel:`` link (so that a
    phone can call it with one tap).

    Args:
        text: the text that shows the number.
        number: ``(shown, dialled)``: the number as the text writes it (in the language's
            digits) and as a phone dials it (a clinic's validated short-dial number).
    """
    shown, dialled = number
    link = Markup('<a class="careleaf-tel" href="tel:{}">{}</a>').format(dialled, shown)
    return Markup(str(escape(text)).replace(str(escape(shown)), str(link)))


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
    preview: bool = False,
    heading: str | None = None,
    site: bool = False,
    anchors: bool = True,
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
            statement a check box (named ``screening-<block>-<item>`` and
            ``statement-<block>-<item>``: unique across blocks; a statement shown twice, in a
            form's two copies, is one field).
        only: the ids of the items to show (default: all).
        preview: for a preview: a translation held back (`careleaf.content.shown.held_back`)
            is shown, marked, beside the text shown instead.
        heading: a label id whose text heads the block instead of its title (a handout
            section's ``heading``).
        site: for the website: the emergency number is a ``tel:`` link, and the block's
            references (its sources) follow it.
        anchors: mark protected fields (False for a second showing of the block in the
            same document, whose ids would not be unique).
    """
    view = block_view(library, lang, block_id, clinic)
    clinic = clinic or library.clinics[library.project.default_clinic]
    review = library.block(library.source_language, block_id).review
    number = emergency_number(library, lang, block_id, clinic)  # in the language's digits
    shown = [e for e in view.entries if only is None or e.item.id in only]
    keys = set(library.project.protected_keys(block_id))

    def mark(name: str, item_id: str | None = None) -> Markup:
        key = protected_key(block_id, name, item_id)
        if key not in keys or not anchors:
            return Markup("")
        return Markup(' data-protected="{}" id="{}"').format(key, protected_anchor(key))

    template = environment().get_template("block.html")
    html = template.render(
        block=view.block,
        title=library.label(lang, heading) if heading else view.title,
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
        preview=preview,
        draft_mark=DRAFT_MARK,
        emergency_number=number,
        tel=(number, clinic.emergency_number) if site else None,
        phone=clinic.phone,
        references=review.references if site and review else (),
    )
    return Markup(html.replace("\n\n", "\n"))


@dataclass(frozen=True)
class BlockView:
    """A block as one language shows it: what the template renders."""

    block: Block
    fallback: bool
    title: str
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
        block_title(library, lang, block_id),
        shown_fields(library, lang, block_id, clinic),
        entries(library, lang, block_id),
    )


def block_title(library: Library, lang: str, block_id: str) -> str:
    """A block's title as this language shows it (a draft title is not shown: see
    `careleaf.content.shown`)."""
    title = shown_field(library, lang, block_id, "title")
    return title.text if title else library.block(lang, block_id).title


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
    # A section is left out for a clinic that does not switch it on (`when`/`unless`).
    shown = handout.sections_for(clinic.switches)
    source = [library.block(library.source_language, s.block) for s in shown]
    draft = any(block.is_draft for block in source)
    # Draft content shows no review date: only approved content has been reviewed.
    dates = [b.review.reviewed_on for b in source if b.review and b.review.reviewed_on]
    label = _labels(library, lang)

    def block(section: Section, anchors: bool = True) -> Markup:
        return render_block(
            library,
            lang,
            section.block,
            clinic=clinic,
            style=section.style,
            form=handout.fillable,
            only=clinic.switches if section.clinic_items else None,
            heading=section.heading,
            preview=bool(preview),
            anchors=anchors,
        )

    sections = [(section, block(section)) for section in shown]
    # The leading sections whose blocks must be on page 1 (careleaf.yml: placement.prominence)
    # come first: before the patient's fields, and in a form in copies at the top of the
    # patient copy (which comes first: handout.html), before its heading.
    prominence = library.project.placement.prominence
    first: list[tuple[Section, Markup]] = []
    for section, html in sections:
        if handout.copies and section.part != "patient":
            continue
        rule = prominence.get(section.block)
        if not (rule and rule.first_page):
            break
        first.append((section, html))
    # The patient copy of a form repeats what was confirmed, with the same fields.
    signed_statements = (
        [block(s, anchors=False) for s in shown if s.style == "statements" and s.part == "clinic"]
        if handout.copies
        else []
    )
    template = environment().get_template("handout.html")
    return template.render(
        lang=lang,
        direction=library.project.languages[lang].direction,
        handout=handout,
        edition=edition,
        title=library.handout_title(lang, handout_id),
        clinic=clinic,
        logo=f"{Path(clinic.path).parent.as_posix()}/{clinic.logo}",
        keywords=[block_title(library, lang, s.block) for s in shown],
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
        first_sections=[html for _, html in first],
        sections=[pair for pair in sections if pair not in first],
        signed_statements=signed_statements,
        signer_details=SIGNER_DETAILS,
        date_pattern=date_pattern(clinic, label) if handout.dated else "",
        label=label,
    )


def _labels(library: Library, lang: str):  # noqa: ANN202 (a small closure)
    return lambda label_id: library.label(lang, label_id)


def date_pattern(clinic: Clinic, label: Callable[[str], str]) -> str:
    """How a date is written at the clinic, in the language of ``label`` ("DD/MM/YYYY",
    "DD/MM/AAAA"...): what each date field of a form shows."""
    parts = {"DD": label("day"), "MM": label("month"), "YYYY": label("year")}
    return re.sub("DD|MM|YYYY", lambda match: parts[match.group(0)], clinic.date_format)


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
