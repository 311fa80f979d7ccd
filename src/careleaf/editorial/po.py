"""Import: a PO file's translations back into a language's files (export: `po_export`).

Import writes each translation into ``content/<lang>/`` and ``docs/<lang>/`` with its
``source`` recorded: the ``msgid`` of a translated entry, or for a fuzzy one the previous
``msgid``, or none when the translator marked it fuzzy (so it stays stale, a draft that is
never published as current, until a translator confirms it). An empty ``msgstr`` changes
nothing. Only files whose data changes are written, so export then import changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
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
from careleaf.editorial.po_export import FUZZY, check_language
from careleaf.editorial.status_pages import SOURCE_KEY, page_body, recorded_source
from careleaf.editorial.translatable import PAGE, Unit, units
from careleaf.editorial.translate import HEADER, dump_yaml, translation_template
from careleaf.errors import CareleafError, ContentError, Problem
from careleaf.paths import CONTENT_DIR, DOCS_DIR

# polib's message for a file it cannot parse: "Syntax error in po file <path>(line N)...".
POLIB_LINE = re.compile(r"\(line (\d+)\)")


def read_po(path: Path) -> polib.POFile:
    """Read a PO file.

    Raises:
        ContentError: naming the file and the line, for a file that is not a PO file.
    """
    try:
        data = path.read_bytes()
        data.decode("utf-8")
    except OSError as error:
        raise CareleafError(f"{path}: cannot read it: {error.strerror}") from None
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ContentError([Problem(str(path), "not UTF-8 text", line=line)]) from None
    try:
        # The path, never the text: polib takes a text that names an existing file for a path.
        return polib.pofile(str(path), encoding="utf-8", check_for_duplicates=False)
    except (OSError, ValueError) as error:
        message = str(error)
        match = POLIB_LINE.search(message)
        why = message[match.end() :].strip(": ") if match else ""
        problem = f"not a valid PO file{f': {why}' if why else ''}"
        number = int(match.group(1)) if match else None
        raise ContentError([Problem(str(path), problem, line=number)]) from None


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
    po = read_po(po_file)
    lines = po_file.read_text(encoding="utf-8").splitlines()
    return import_entries(root, lang, po, str(po_file), lambda e: _entry_line(lines, e.linenum))


def import_entries(
    root: Path,
    lang: str,
    po: polib.POFile,
    where: str,
    locate: Callable[[polib.POEntry], int | None],
) -> list[Path]:
    """Write the translations of a PO file's entries (read from any format) into the project,
    as `import_po` says.

    Args:
        root: the project folder.
        lang: a translation of the project.
        po: the entries, and the ``Language`` they declare.
        where: the file they were read from, for the problems.
        locate: an entry's line in that file.
    """
    root = Path(root)
    library = load_library(root)
    check_language(library, lang)
    declared = po.metadata.get("Language", "").strip()
    if declared and declared.replace("_", "-") != lang:
        raise CareleafError(f"{where}: the file is for language '{declared}', not '{lang}'")
    known = {unit.key: unit for unit in units(library, lang)}
    problems: list[Problem] = []
    seen: dict[str, int | None] = {}
    chosen: list[tuple[Unit, polib.POEntry]] = []
    for entry in po:
        if entry.obsolete:
            continue
        line = locate(entry)
        if not entry.msgctxt:
            problems.append(Problem(where, "entry without msgctxt", line=line))
        elif entry.msgctxt not in known:
            problems.append(Problem(where, "unknown msgctxt", line=line, item=entry.msgctxt))
        elif entry.msgid_plural:
            # careleaf exports none: a translation in plural forms would be dropped unseen.
            problems.append(
                Problem(where, "an entry with plural forms", line=line, item=entry.msgctxt)
            )
        elif entry.msgctxt in seen:
            problems.append(
                Problem(
                    where,
                    f"duplicate msgctxt (also on line {seen[entry.msgctxt] or '?'})",
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
