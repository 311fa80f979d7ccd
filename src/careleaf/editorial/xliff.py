"""XLIFF 2.0, for CAT tools that prefer it to PO: the same entries, written and read by
translate-toolkit.

Each PO entry is one ``<unit>``: its ``name`` is the entry's context (where the text goes),
its ``<source>`` today's English, its ``<target>`` the translation. A fuzzy entry's segment has
``state="initial"`` (XLIFF 2's "not yet translated"); a translated one ``state="translated"``.
The notes for translators, and the English a fuzzy translation was made from, are the unit's
``<notes>`` (categories ``careleaf`` and ``previous-english``). Import reads it back into PO
entries, so that one import (`careleaf.editorial.po.import_entries`) serves both formats.
"""

from __future__ import annotations

from pathlib import Path

import polib
from lxml import etree
from translate.storage.xliff2 import Xliff2File

from careleaf.editorial.po import import_entries
from careleaf.editorial.po_export import FUZZY, WRAP_WIDTH
from careleaf.errors import ContentError, Problem

SUFFIXES = (".xlf", ".xliff")
# The categories of careleaf's notes in a unit.
NOTES = "careleaf"
PREVIOUS = "previous-english"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def to_xliff(po: polib.POFile, source_lang: str) -> bytes:
    """A PO file's entries as an XLIFF 2.0 document (see the module's docstring).

    Args:
        po: the exported entries (`careleaf.editorial.po_export.export_po`).
        source_lang: the project's source language (``srcLang``).
    """
    store = Xliff2File()
    store.setsourcelanguage(source_lang)
    store.settargetlanguage(po.metadata.get("Language", ""))
    for number, entry in enumerate(po, 1):
        unit = store.UnitClass(entry.msgid)
        store.addunit(unit)
        unit.setid(f"u{number}")
        element = unit.getunitelement()
        element.set("name", entry.msgctxt or "")
        # <notes> comes first in a unit (XLIFF 2.0 core schema), before its segment.
        notes = [(NOTES, entry.comment), (PREVIOUS, entry.previous_msgid)]
        if any(text for _, text in notes):
            container = etree.Element(unit.namespaced("notes"))
            for category, text in notes:
                if text:
                    note = etree.SubElement(container, unit.namespaced("note"))
                    note.set("category", category)
                    note.text = text
            element.insert(0, container)
        if entry.msgstr:
            unit.target = entry.msgstr
            unit.markfuzzy(FUZZY in entry.flags)
        # translate-toolkit puts xml:space on the segment, where XLIFF 2.0's schema allows
        # none: the unit says it (Markdown's line breaks and blank lines are its text).
        space = unit.xmlelement.attrib.pop(XML_SPACE, None)
        if space:
            element.set(XML_SPACE, space)
    return bytes(store)


def read_xliff(path: Path) -> polib.POFile:
    """An XLIFF 2.0 file's units as PO entries (each ``linenum`` its unit's line).

    A unit without a ``name`` becomes an entry without a context, which the import refuses
    with its line.

    Raises:
        ContentError: naming the file (and the line, for XML that does not parse), for a
            file that is not XLIFF 2.0.
    """
    try:
        store = Xliff2File.parsestring(path.read_bytes())
    except etree.XMLSyntaxError as error:
        raise ContentError(
            [Problem(str(path), f"not XML: {error.msg}", line=error.lineno)]
        ) from None
    except (OSError, ValueError) as error:
        raise ContentError([Problem(str(path), f"not an XLIFF 2.0 file: {error}")]) from None
    po = polib.POFile(wrapwidth=WRAP_WIDTH, check_for_duplicates=False)
    po.metadata = {"Language": store.gettargetlanguage() or ""}
    for unit in store.units:
        element = unit.getunitelement()
        entry = polib.POEntry(
            msgctxt=element.get("name") or None,
            msgid=_text(unit.xmlelement.find(unit.namespaced("source"))),
            msgstr=_text(unit.xmlelement.find(unit.namespaced("target"))),
            previous_msgid=unit.getunitelement().findtext(
                f"{unit.namespaced('notes')}/{unit.namespaced('note')}[@category='{PREVIOUS}']"
            ),
            linenum=element.sourceline,
        )
        if unit.isfuzzy():
            entry.flags.append(FUZZY)
        po.append(entry)
    return po


def _text(element: etree._Element | None) -> str:
    """A source's or target's text, every space kept: careleaf's texts have no inline codes,
    and translate-toolkit would fold the spaces of a segment that has no xml:space itself."""
    return "".join(element.itertext()) if element is not None else ""


def import_xliff(root: Path, lang: str, path: Path) -> list[Path]:
    """Write an XLIFF 2.0 file's translations into the project, exactly as `import_po` does a
    PO file's (problems name the file and the unit's line); returns the files written."""
    return import_entries(root, lang, read_xliff(path), str(path), lambda entry: entry.linenum)
