"""A language's translatable text as a PO file, or the source language's as a POT template,
written as translators' platforms (Weblate, Crowdin, Poedit) and gettext's own tools expect.

One PO entry per translatable unit (`careleaf.editorial.translatable.units`), its ``msgctxt``
the unit's key: ``block/item/field`` for an item's field, ``block/field`` for a block's (labels
and handout titles are the blocks ``labels`` and ``handouts``), ``page:<path>`` for a whole page
(its text without front matter). ``msgid`` is today's English, ``msgstr`` the translation. A
translation made from English that has changed since is ``fuzzy``, with the English it was
made from as the previous ``msgid``; one a translator marked fuzzy (it records no English) is
fuzzy without one. Entries with ``{placeholders}`` are ``python-brace-format``, so that
``msgfmt -c`` and Weblate check a translation keeps them. Lines are wrapped as gettext's own
tools wrap them (`po_bytes`), so a platform that rewrites the file changes almost no line.
The header has the fields gettext's tools check, ``Plural-Forms`` included (careleaf has no
plural entries, but platforms read the language's plural rule from it).
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime

import polib
from translate.lang.data import languages as plural_rules
from translate.storage import pypo

from careleaf.content.model import Library
from careleaf.editorial.translatable import PAGE, units
from careleaf.errors import CareleafError

FUZZY = "fuzzy"
# The flag gettext and Weblate know for Python's str.format placeholders ({number}).
BRACE_FORMAT = "python-brace-format"
# gettext's own width (xgettext, msgmerge, msgcat) for polib; `po_bytes` wraps as gettext does.
WRAP_WIDTH = 79
# A single-brace placeholder; a page's {{ block("...") }} calls are not placeholders.
PLACEHOLDER = re.compile(r"(?<!\{)\{[A-Za-z_][A-Za-z0-9_]*\}(?!\})")
# Where a language has no rule in translate-toolkit's table: one form for "1", one for others.
DEFAULT_PLURAL = "nplurals=2; plural=(n != 1);"


def export_po(library: Library, lang: str) -> polib.POFile:
    """A language's translatable text as a PO file (see the module's docstring).

    Args:
        library: the loaded project.
        lang: a translation of the project (not the source language).

    Returns:
        The PO file; ``save()`` it, or ``str()`` it.

    Raises:
        CareleafError: if ``lang`` is not a translation of the project.
    """
    check_language(library, lang)
    po = _po_file(library, lang)
    for unit in units(library, lang):
        entry = _entry(unit.key, unit.english, unit.where, unit.comments)
        entry.msgstr = unit.translation
        if unit.why:
            entry.comment = "\n".join(filter(None, (entry.comment, f"careleaf status: {unit.why}")))
        if unit.stale:
            entry.flags.insert(0, FUZZY)
            entry.previous_msgid = unit.previous
        po.append(entry)
    return po


def export_template(library: Library) -> polib.POFile:
    """The source language's translatable text as a POT template: every entry of `export_po`,
    with no translation (the file a platform makes each language's PO from)."""
    po = _po_file(library, None)
    for unit in units(library, library.source_language):
        po.append(_entry(unit.key, unit.english, unit.where, unit.comments))
    return po


def check_language(library: Library, lang: str) -> None:
    """Raise a CareleafError unless ``lang`` is a translation of the project."""
    translations = [code for code in library.project.languages if code != library.source_language]
    if lang not in translations:
        why = (
            "is the source language"
            if lang == library.source_language
            else "is not a language of the project (start it with `careleaf translate`)"
        )
        raise CareleafError(f"'{lang}' {why} (translations: {', '.join(translations) or 'none'})")


def _entry(key: str, english: str, where: str, comments: tuple[str, ...]) -> polib.POEntry:
    entry = polib.POEntry(
        msgctxt=key,
        msgid=english,
        msgstr="",
        comment="\n".join(comments),
        occurrences=[(where, "")],
    )
    if not key.startswith(PAGE) and PLACEHOLDER.search(english):
        entry.flags.append(BRACE_FORMAT)
    return entry


def _po_file(library: Library, lang: str | None) -> polib.POFile:
    """An empty PO file (a POT template when ``lang`` is None) with its header."""
    po = polib.POFile(wrapwidth=WRAP_WIDTH, check_for_duplicates=False)
    project = library.project
    date = export_date()
    if lang is None:
        po.header = (
            f"careleaf: the translatable text of the project, version {project.content_version}.\n"
            "A template: a translator's tool makes each language's PO file from it."
        )
    else:
        po.header = (
            f"careleaf: the {project.languages[lang].name} ({lang}) translation.\n"
            f"Import it back with `careleaf import-po {lang} FILE`.\n"
            "msgctxt is where each text goes: block/item/field, block/field, or\n"
            "page:<path> for a whole page. Do not change it."
        )
    po.metadata = {
        "Project-Id-Version": f"careleaf {project.content_version}",
        "Report-Msgid-Bugs-To": "",
        "POT-Creation-Date": date,
        # A template is not a translation yet: gettext's placeholders say so to its tools.
        "PO-Revision-Date": date if lang else "YEAR-MO-DA HO:MI+ZONE",
        "Last-Translator": "" if lang else "FULL NAME <EMAIL@ADDRESS>",
        "Language-Team": f"{project.languages[lang].name} ({lang})" if lang else "",
        "Language": lang or "",
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
    }
    if lang:  # a template has no language, so no plural rule (xgettext writes none either)
        po.metadata["Plural-Forms"] = plural_forms(lang)
    return po


def plural_forms(lang: str) -> str:
    """The gettext ``Plural-Forms`` of a language, from translate-toolkit's table (the one
    Weblate's and Pootle's come from); a regional code (``pt-BR``) falls back to its language."""
    for code in (lang.replace("-", "_"), re.split(r"[-_]", lang)[0]):
        if code in plural_rules:
            _, count, rule = plural_rules[code]
            return f"nplurals={count}; plural={rule};"
    return DEFAULT_PLURAL


def export_date() -> str:
    """The export's date as PO headers write it: SOURCE_DATE_EPOCH (so that a reproducible
    run exports the same file), else now; in UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.now(UTC) if not epoch else datetime.fromtimestamp(int(epoch), UTC)
    return moment.strftime("%Y-%m-%d %H:%M+0000")


def po_bytes(po: polib.POFile) -> bytes:
    """The PO file's text, its lines wrapped as gettext's tools (and Weblate) wrap them.

    polib breaks a long line before a space, gettext after it: translate-toolkit's PO writer
    wraps as gettext does, so each text is given to it again to be wrapped.
    """
    store = pypo.pofile.parsestring(str(po).encode("utf-8"))
    for unit in store.units:
        if not unit.isheader():
            source, target = unit.source, unit.target
            unit.source, unit.target = source, target
    return bytes(store)
