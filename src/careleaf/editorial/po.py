"""The PO round trip: a language's translatable text out to translators' tools, and back.

One PO entry per translatable unit, its ``msgctxt`` the unit's key: ``block/item/field`` for an
item's field, ``block/field`` for a block's (labels and handout titles are the blocks
``labels`` and ``handouts``), ``page:<path>`` for a whole page (its text without front matter).
``msgid`` is today's English, ``msgstr`` the translation. A translation made from English that
has changed since is ``fuzzy``, with the English it was made from as the previous ``msgid``.

Import writes the translation back into ``content/<lang>/`` and ``docs/<lang>/`` with each
``source`` recorded: the ``msgid`` of a translated entry, or for a fuzzy one the previous
``msgid``, or none when the translator marked it fuzzy (so it stays stale, a draft that is
never published as current, until a translator confirms it). An empty ``msgstr`` changes
nothing. Only files whose data changes are written, so export then import changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polib
import yaml

from careleaf.content.blocks import BLOCK_FIELDS, ITEM_FIELDS
from careleaf.content.checks import check_project
from careleaf.content.load import load_library
from careleaf.content.model import Library
from careleaf.content.pages import FRONT_MATTER
from careleaf.content.project import split_key
from careleaf.editorial.status_pages import SOURCE_KEY, page_body, recorded_source
from careleaf.editorial.translatable import PAGE, Unit, units
from careleaf.editorial.translate import HEADER, dump_yaml, translation_template
from careleaf.errors import CareleafError, ContentError, Problem
from careleaf.paths import CONTENT_DIR, DOCS_DIR

FUZZY = "fuzzy"


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
    _check_language(library, lang)
    po = polib.POFile(wrapwidth=100)
    po.header = (
        f"careleaf: the {library.project.languages[lang].name} ({lang}) translation.\n"
        f"Import it back with `careleaf import-po {lang} FILE`. msgctxt is where each text goes:\n"
        "block/item/field, block/field, or page:<path> for a whole page. Do not change it."
    )
    # No dates: the same content exports the same file. A translator's tool fills in the rest.
    po.metadata = {
        "Project-Id-Version": f"careleaf {library.project.content_version}",
        "PO-Revision-Date": "YEAR-MO-DA HO:MI+ZONE",
        "Last-Translator": "FULL NAME <EMAIL@ADDRESS>",
        "Language-Team": f"{library.project.languages[lang].name} ({lang})",
        "Language": lang,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
    }
    for unit in units(library, lang):
        entry = polib.POEntry(
            msgctxt=unit.key,
            msgid=unit.english,
            msgstr=unit.translation,
            comment="\n".join(unit.comments),
            occurrences=[(unit.where, "")],
        )
        if unit.stale:
            entry.flags.append(FUZZY)
            entry.previous_msgid = unit.previous
        po.append(entry)
    return po


def _check_language(library: Library, lang: str) -> None:
    translations = [code for code in library.project.languages if code != library.source_language]
    if lang not in translations:
        why = (
            "is the source language"
            if lang == library.source_language
            else "is not a language of the project (start it with `careleaf translate`)"
        )
        raise CareleafError(f"'{lang}' {why} (translations: {', '.join(translations) or 'none'})")


def read_po(path: Path) -> polib.POFile:
    """Read a PO file; a file that is not one is a CareleafError naming the file and line."""
    try:
        return polib.pofile(str(path), encoding="utf-8")
    except (OSError, ValueError, UnicodeDecodeError) as error:
        raise CareleafError(f"{path}: not a PO file: {error}") from None


def import_po(root: Path, lang: str, po_file: Path) -> list[Path]:
    """Write a PO file's translations into ``content/<lang>/`` and ``docs/<lang>/``.

    Every entry's context must be a unit the language has; an empty ``msgstr`` changes
    nothing; a fuzzy entry records its previous English as its source (or none when it has
    none), so it stays stale. The project is loaded and checked (pages, docs
    folders) after writing; if that fails, every file is put back as it was.

    Args:
        root: the project folder.
        lang: a translation of the project.
        po_file: the PO file to read.

    Returns:
        The files written (only those whose content changed).

    Raises:
        ContentError: for unknown, duplicate or missing contexts (each with its PO line), or a
            result that does not load.
        CareleafError: if the file is not a PO file or is for another language.
    """
    root = Path(root)
    library = load_library(root)
    _check_language(library, lang)
    po = read_po(po_file)
    declared = po.metadata.get("Language", "").strip()
    if declared and declared.replace("_", "-") != lang:
        raise CareleafError(f"{po_file}: the file is for language '{declared}', not '{lang}'")
    known = {unit.key: unit for unit in units(library, lang)}
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    chosen: list[tuple[Unit, polib.POEntry]] = []
    lines = po_file.read_text(encoding="utf-8", errors="replace").splitlines()
    for entry in po:
        if entry.obsolete:
            continue
        where = str(po_file)
        line = _entry_line(lines, entry.linenum)
        if not entry.msgctxt:
            problems.append(Problem(where, "entry without msgctxt", line=line))
        elif entry.msgctxt not in known:
            problems.append(Problem(where, "unknown msgctxt", line=line, item=entry.msgctxt))
        elif entry.msgctxt in seen:
            problems.append(
                Problem(
                    where,
                    f"duplicate msgctxt (also on line {seen[entry.msgctxt]})",
                    line=line,
                    item=entry.msgctxt,
                )
            )
        else:
            seen[entry.msgctxt] = line
            if entry.msgstr.strip():
                chosen.append((known[entry.msgctxt], entry))
    if problems:
        raise ContentError(problems)
    files = _new_texts(library, lang, chosen)
    return _write_checked(root, files)


def _entry_line(lines: list[str], start: int) -> int:
    """The line of an entry's msgctxt (or msgid); polib gives the line its comments start on."""
    for number in range(max(start, 1), len(lines) + 1):
        if lines[number - 1].startswith(("msgctxt ", "msgid ")):
            return number
    return start


def _recorded(entry: polib.POEntry) -> str | None:
    """The English to record as the translation's source; None: record none.

    A fuzzy entry must stay "not current" (in `status`, in the safety policy, in the next
    export): it keeps the older English it was made from, or, when the translator marked it
    fuzzy themselves (no previous msgid, or the same as today's), records no English at all,
    which the model already treats as stale.
    """
    if FUZZY not in entry.flags:
        return str(entry.msgid)
    previous = str(entry.previous_msgid or "")
    return previous if previous.strip() and previous.strip() != entry.msgid.strip() else None


def _new_texts(
    library: Library, lang: str, chosen: list[tuple[Unit, polib.POEntry]]
) -> dict[Path, str]:
    """The new text of every file the entries change (unchanged files are left out)."""
    blocks: dict[str, list[tuple[Unit, polib.POEntry]]] = {}
    pages: list[tuple[Unit, polib.POEntry]] = []
    for unit, entry in chosen:
        if unit.key.startswith(PAGE):
            pages.append((unit, entry))
        else:
            blocks.setdefault(split_key(unit.key)[0], []).append((unit, entry))
    texts: dict[Path, str] = {}
    for block_id, entries in blocks.items():
        path = library.root / CONTENT_DIR / lang / f"{block_id}.yml"
        text = path.read_text(encoding="utf-8") if path.is_file() else None
        english = library.content[library.source_language][block_id]
        data = yaml.safe_load(text) if text else translation_template(english)
        order = [item.id for item in english.items]
        changed = False
        for unit, entry in entries:
            _, item_id, name = split_key(unit.key)
            if item_id is None:
                changed |= _apply(data, name, entry.msgstr, _recorded(entry), BLOCK_ORDER)
            else:
                item = _item(data, item_id, order)
                changed |= _apply(item, name, entry.msgstr, _recorded(entry), ITEM_ORDER)
        if changed or text is None:
            header = "".join(_header_lines(text)) if text is not None else HEADER
            texts[path] = header + dump_yaml(data)
    for unit, entry in pages:
        path = library.root / DOCS_DIR / lang / unit.key[len(PAGE) :]
        new = _page_text(path, entry)
        if new is not None:
            texts[path] = new
    return texts


BLOCK_ORDER = (SOURCE_KEY, *BLOCK_FIELDS, "items")
ITEM_ORDER = ("id", *ITEM_FIELDS, SOURCE_KEY)


def _same(a: Any, b: Any) -> bool:
    """Equal as the loader sees them (it strips the whitespace around every text)."""
    return isinstance(a, str) and isinstance(b, str) and a.strip() == b.strip()


def _same_or_none(a: str | None, b: str | None) -> bool:
    """Equal texts as the loader sees them, or both absent."""
    return (a is None and b is None) or _same(a, b)


def _apply(
    data: dict[str, Any], name: str, value: str, source: str | None, order: tuple[str, ...]
) -> bool:
    """Set a field and its recorded English in a block's or item's data; True if it changed."""
    changed = False
    if not _same(data.get(name), value):
        _put(data, name, value, order)
        changed = True
    recorded = data.get(SOURCE_KEY)
    if not isinstance(recorded, dict):
        recorded = {}
    if source is None and name in recorded:
        del recorded[name]
        changed = True
    elif source is not None and not _same(recorded.get(name), source):
        recorded[name] = source
        changed = True
    if changed and recorded:
        ordered = {k: recorded[k] for k in (*BLOCK_FIELDS, *ITEM_FIELDS) if k in recorded}
        _put(data, SOURCE_KEY, ordered | recorded, order)
    elif changed:
        data.pop(SOURCE_KEY, None)
    return changed


def _put(data: dict[str, Any], key: str, value: Any, order: tuple[str, ...]) -> None:
    """Set a key; a new key goes where careleaf writes it (others keep their order)."""
    if key in data:
        data[key] = value
        return
    data[key] = value
    rank = {name: index for index, name in enumerate(order)}
    keys = sorted(data, key=lambda k: rank.get(k, len(order)))
    items = [(k, data.pop(k)) for k in keys]
    data.update(items)


def _item(data: dict[str, Any], item_id: str, order: list[str]) -> dict[str, Any]:
    """The data of an item in a block's data; a new one is placed in the English order."""
    items = data.setdefault("items", [])
    for item in items:
        if isinstance(item, dict) and item.get("id") == item_id:
            return item
    new: dict[str, Any] = {"id": item_id}
    position = order.index(item_id)
    index = next(
        (
            i
            for i, other in enumerate(items)
            if isinstance(other, dict) and other.get("id") in order[position + 1 :]
        ),
        len(items),
    )
    items.insert(index, new)
    return new


def _header_lines(text: str) -> Iterator[str]:
    """The comment lines at the top of a file (kept when it is rewritten)."""
    for line in text.splitlines(keepends=True):
        if not line.startswith("#"):
            return
        yield line


def _page_text(path: Path, entry: polib.POEntry) -> str | None:
    """A translated page's new text, or None if it would not change."""
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    body = page_body(entry.msgstr)
    source = _recorded(entry)
    if old and _same(page_body(old), body) and _same_or_none(recorded_source(old), source):
        return None
    front: dict[str, Any] = {}
    match = FRONT_MATTER.match(old)
    if match:
        loaded = yaml.safe_load(match.group(1))
        front = loaded if isinstance(loaded, dict) else {}
    front.pop(SOURCE_KEY, None)
    if source is not None:
        front = {SOURCE_KEY: page_body(source), **front}
    matter = f"---\n{dump_yaml(front)}---\n\n" if front else ""
    return matter + body


def _write_checked(root: Path, texts: dict[Path, str]) -> list[Path]:
    """Write the files, then load and check the project as `careleaf check` does; undo all if
    that fails."""
    before = {path: path.read_bytes() if path.is_file() else None for path in texts}
    try:
        for path, text in texts.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        library = load_library(root)
        problems = check_project(root, library)
        if problems:
            raise ContentError(problems)
    except BaseException:
        for path, old in before.items():
            if old is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(old)
        raise
    return sorted(texts)
