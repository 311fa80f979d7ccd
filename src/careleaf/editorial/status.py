"""Translation status: what each language is missing, what went stale, what is extra."""

from __future__ import annotations

import dataclasses
import difflib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from careleaf.content.model import BLOCK_FIELDS, Block, Library, protected_key
from careleaf.content.pages import FRONT_MATTER, split_front_matter
from careleaf.content.yamlfile import YDict, YList, line_of, read_yaml
from careleaf.errors import Problem

CONTENT_DIR = "content"
DOCS_DIR = "docs"
PROJECT_FILE = "careleaf.yml"
# The front-matter key of a translated page that holds the English page it was made from.
SOURCE_KEY = "source"

Kind = Literal["item", "field", "page", "block"]
State = Literal["missing", "stale", "extra"]
Format = Literal["table", "json", "markdown"]
FORMATS: tuple[Format, ...] = ("table", "json", "markdown")


def page_body(text: str) -> str:
    """A page's text without its front matter, as a translated page records it."""
    return split_front_matter(text)[0].strip("\n") + "\n"


def recorded_source(page_text: str) -> str | None:
    """The English page text a translated page's front matter records (``source:``), or None."""
    match = FRONT_MATTER.match(page_text)
    if not match:
        return None
    try:
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError:
        return None
    value = data.get(SOURCE_KEY) if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def page_is_stale(english_text: str, translated_text: str) -> bool:
    """Whether a translated page records English other than its English page's today."""
    recorded = recorded_source(translated_text)
    return recorded is None or recorded.strip() != page_body(english_text).strip()


def page_diff(old: str | None, new: str, file: str) -> str:
    """A unified diff from the recorded English page to today's (all of it when not recorded)."""
    lines = difflib.unified_diff(
        (old or "").splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=f"{file} (recorded English)",
        tofile=f"{file} (English today)",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


@dataclass(frozen=True)
class Entry:
    """One unit of a translation that is missing, stale or extra.

    Attributes:
        kind: "item", "field" (a block's title, intro, body or emergency instruction), "page"
            or "block".
        state: "missing", "stale" or "extra".
        file: the translation's file, e.g. ``content/es/side-effects.yml``.
        block: the block id, for items, fields and blocks.
        item: the item id, or the field name for a field.
        field: for a stale item, the field whose English changed.
        safety: True for a protected item or field.
        old_english: the English the translation was made from (None when not recorded).
        new_english: today's English.
        key: the key path in the translation's file, when there is one.
        line: the line in the translation's file, when known.
        diff: for a stale page, a unified diff from the recorded English page to today's.
        note: anything else worth saying.
        translator_notes: the source language's notes for translators on the block or item.
    """

    kind: Kind
    state: State
    file: str
    block: str | None = None
    item: str | None = None
    field: str | None = None
    safety: bool = False
    old_english: str | None = None
    new_english: str | None = None
    key: str | None = None
    line: int | None = None
    diff: str | None = None
    note: str | None = None
    translator_notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class LanguageStatus:
    """How far a translation is from the source language.

    Attributes:
        lang: the language code.
        name: the language's name, from careleaf.yml.
        published: whether the language is published.
        entries: every unit that is missing, stale or extra.
        total: units the source language has (items, block fields and pages).
        current: units that are translated and not stale.
        percent: ``current`` as a percentage of ``total``, rounded to one decimal.
    """

    lang: str
    name: str
    published: bool
    entries: tuple[Entry, ...] = field(default_factory=tuple)
    total: int = 0
    current: int = 0
    percent: float = 100.0


def translation_status(library: Library, lang: str, docs_dir: str = DOCS_DIR) -> LanguageStatus:
    """Compare one translation with the source language: content blocks and site pages.

    Args:
        library: the loaded project.
        lang: a language of the project other than the source language.
        docs_dir: the folder holding ``<lang>/`` page folders, relative to the project.

    Returns:
        The language's status, with an entry for every missing, stale or extra unit.

    Raises:
        ValueError: if ``lang`` is unknown or is the source language.
    """
    source = library.source_language
    if lang == source:
        raise ValueError(f"'{lang}' is the source language")
    if lang not in library.content or lang not in library.project.languages:
        raise ValueError(f"unknown language '{lang}'")
    entries: list[Entry] = []
    counts = [0, 0]  # [total, current]
    _content_status(library, lang, entries, counts)
    entries = [
        dataclasses.replace(
            entry,
            translator_notes=tuple(
                library.translator_notes(entry.block, entry.item if entry.kind == "item" else None)
            ),
        )
        if entry.block is not None and entry.block in library.content[source]
        else entry
        for entry in entries
    ]
    _page_status(library.root, source, lang, docs_dir, entries, counts)
    total, current = counts
    language = library.project.languages[lang]
    return LanguageStatus(
        lang=lang,
        name=language.name,
        published=language.published,
        entries=tuple(entries),
        total=total,
        current=current,
        percent=round(100 * current / total, 1) if total else 100.0,
    )


def _content_status(library: Library, lang: str, entries: list[Entry], counts: list[int]) -> None:
    root = library.root
    english = library.content[library.source_language]
    translated = library.content[lang]
    for block_id, block in english.items():
        file = f"{CONTENT_DIR}/{lang}/{block_id}.yml"
        keys = set(library.project.protected_keys(block_id))
        theirs = translated.get(block_id)
        if theirs is None:
            note = (
                "the block's title is empty: it is not translated yet"
                if (root / file).is_file()
                else "the block's file does not exist yet"
            )
            for name in BLOCK_FIELDS:
                if getattr(block, name) is not None:
                    counts[0] += 1
                    entries.append(
                        Entry(
                            "field",
                            "missing",
                            file,
                            block_id,
                            name,
                            safety=protected_key(block_id, name) in keys,
                            new_english=getattr(block, name),
                            key=name,
                            note=note,
                        )
                    )
            for item in block.items:
                counts[0] += 1
                entries.append(
                    Entry(
                        "item",
                        "missing",
                        file,
                        block_id,
                        item.id,
                        safety=protected_key(block_id, "text", item.id) in keys,
                        new_english=item.text,
                        key="items",
                        note=note,
                    )
                )
            continue
        raw = _RawFile(root, theirs.path)
        _block_fields(library, lang, block, theirs, raw, keys, entries, counts)
        _block_items(library, lang, block, theirs, raw, keys, entries, counts)
    for block_id, theirs in translated.items():
        if block_id not in english:
            entries.append(
                Entry(
                    "block",
                    "extra",
                    theirs.path,
                    block_id,
                    note=f"no {library.source_language} block '{block_id}'",
                )
            )


class _RawFile:
    """A translation file's YAML, read on demand, for the lines and key paths of entries.

    The loader drops untranslated (empty) items, so an item's index in the Block can differ
    from its index in the file.
    """

    def __init__(self, root: Path, file: str) -> None:
        self.root = root
        self.file = file
        self._data: Any = None
        self._read = False

    @property
    def data(self) -> Any:
        if not self._read:
            self._read = True
            self._data = read_yaml(self.root / self.file, self.root, [])
        return self._data

    def line(self, *loc: str | int) -> int | None:
        return line_of(self.data, loc) if isinstance(self.data, YDict) else None

    def item_index(self, item_id: str) -> int | None:
        items = self.data.get("items") if isinstance(self.data, YDict) else None
        if not isinstance(items, YList):
            return None
        return next(
            (i for i, it in enumerate(items) if isinstance(it, dict) and it.get("id") == item_id),
            None,
        )


def _block_fields(
    library: Library,
    lang: str,
    block: Block,
    theirs: Block,
    raw: _RawFile,
    keys: set[str],
    entries: list[Entry],
    counts: list[int],
) -> None:
    changes = {name: old for name, old, _ in library.block_changes(lang, block.id)}
    for name in BLOCK_FIELDS:
        new = getattr(block, name)
        mine = getattr(theirs, name)
        safety = protected_key(block.id, name) in keys
        if new is None:
            if mine is not None:
                entries.append(
                    Entry(
                        "field",
                        "extra",
                        theirs.path,
                        block.id,
                        name,
                        key=name,
                        line=raw.line(name),
                        note=f"the source block has no {name}",
                    )
                )
            continue
        counts[0] += 1
        if mine is None:
            entries.append(
                Entry(
                    "field",
                    "missing",
                    theirs.path,
                    block.id,
                    name,
                    safety=safety,
                    new_english=new,
                    key=name,
                )
            )
        elif name in changes:
            old = changes[name]
            entries.append(
                Entry(
                    "field",
                    "stale",
                    theirs.path,
                    block.id,
                    name,
                    safety=safety,
                    old_english=old,
                    new_english=new,
                    key=f"source.{name}",
                    line=raw.line("source", name) if old is not None else raw.line(name),
                    note=None if old is not None else f"no source.{name} recorded",
                )
            )
        else:
            counts[1] += 1


def _block_items(
    library: Library,
    lang: str,
    block: Block,
    theirs: Block,
    raw: _RawFile,
    keys: set[str],
    entries: list[Entry],
    counts: list[int],
) -> None:
    english_ids = {item.id for item in block.items}
    for item in block.items:
        counts[0] += 1
        safety = protected_key(block.id, "text", item.id) in keys
        mine = theirs.item(item.id)
        index = raw.item_index(item.id)
        where = f"items[{index}]" if index is not None else "items"
        if mine is None:
            entries.append(
                Entry(
                    "item",
                    "missing",
                    theirs.path,
                    block.id,
                    item.id,
                    safety=safety,
                    new_english=item.text,
                    key="items",
                    line=raw.line("items"),
                )
            )
            continue
        absent = [name for name in item.fields() if name not in mine.fields()]
        if absent:
            # Complete or not at all: a half-translated item is shown whole in English.
            entries.append(
                Entry(
                    "item",
                    "missing",
                    theirs.path,
                    block.id,
                    item.id,
                    field=absent[0],
                    safety=safety,
                    new_english=getattr(item, absent[0]),
                    key=f"{where}.{absent[0]}",
                    line=raw.line("items", index, "id") if index is not None else None,
                    note=f"not translated: {', '.join(absent)} (the item is shown in "
                    f"{library.source_language} until every field is)",
                )
            )
            continue
        changes = library.item_changes(lang, block.id, item.id)
        for name, old, new in changes:
            has_old = index is not None and old is not None
            entries.append(
                Entry(
                    "item",
                    "stale",
                    theirs.path,
                    block.id,
                    item.id,
                    field=name,
                    safety=safety,
                    old_english=old,
                    new_english=new,
                    key=f"{where}.source.{name}",
                    line=None
                    if index is None
                    else raw.line("items", index, "source", name)
                    if has_old
                    else raw.line("items", index, "id"),
                    note=None if old is not None else f"no source.{name} recorded",
                )
            )
        if not changes:
            counts[1] += 1
    for mine in theirs.items:
        if mine.id not in english_ids:
            index = raw.item_index(mine.id)
            entries.append(
                Entry(
                    "item",
                    "extra",
                    theirs.path,
                    block.id,
                    mine.id,
                    key=f"items[{index}].id" if index is not None else "items",
                    line=raw.line("items", index, "id") if index is not None else None,
                    note=f"the source block has no item '{mine.id}'",
                )
            )


def _pages(folder: Path) -> dict[str, Path]:
    if not folder.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*.md"))}


def _page_status(
    root: Path,
    source: str,
    lang: str,
    docs_dir: str,
    entries: list[Entry],
    counts: list[int],
) -> None:
    english = _pages(root / docs_dir / source)
    translated = _pages(root / docs_dir / lang)
    for name, path in english.items():
        counts[0] += 1
        file = f"{docs_dir}/{lang}/{name}"
        english_text = path.read_text(encoding="utf-8")
        new = page_body(english_text)
        theirs = translated.get(name)
        if theirs is None:
            entries.append(Entry("page", "missing", file, new_english=new))
            continue
        text = theirs.read_text(encoding="utf-8")
        if split_front_matter(text)[0].strip() == split_front_matter(english_text)[0].strip():
            # `careleaf translate` starts every page as a copy of the English one.
            entries.append(
                Entry(
                    "page",
                    "missing",
                    file,
                    new_english=new,
                    note="the page is still the English text",
                )
            )
            continue
        if page_is_stale(english_text, text):
            old = recorded_source(text)
            entries.append(
                Entry(
                    "page",
                    "stale",
                    file,
                    old_english=old,
                    new_english=new,
                    key=SOURCE_KEY,
                    line=_front_matter_line(text, SOURCE_KEY),
                    diff=page_diff(old, new, f"{docs_dir}/{source}/{name}"),
                    note=None if old is not None else f"no {SOURCE_KEY} in the front matter",
                )
            )
        else:
            counts[1] += 1
    for name in translated:
        if name not in english:
            entries.append(
                Entry(
                    "page",
                    "extra",
                    f"{docs_dir}/{lang}/{name}",
                    note=f"no {docs_dir}/{source}/{name}",
                )
            )


def _front_matter_line(text: str, key: str) -> int | None:
    """The line of a top-level front-matter key, or None."""
    match = FRONT_MATTER.match(text)
    if not match:
        return None
    # The YAML starts on the line after the opening "---".
    for number, line in enumerate(match.group(1).splitlines(), start=2):
        if line.startswith(f"{key}:"):
            return number
    return None


def touched_languages(library: Library, paths: list[str]) -> list[str]:
    """The translations a change to these files concerns (for a pull request's status).

    A file under ``content/<lang>/`` or ``docs/<lang>/`` concerns that language; a change to
    the source language's files or to careleaf.yml concerns every translation.

    Args:
        library: the loaded project.
        paths: the changed files, relative to the project (``/``-separated).

    Returns:
        Language codes, in careleaf.yml's order.
    """
    source = library.source_language
    translations = [code for code in library.project.languages if code != source]
    touched: set[str] = set()
    for path in paths:
        parts = path.strip().lstrip("./").split("/")
        if parts == [PROJECT_FILE] or (
            len(parts) > 2 and parts[0] in (CONTENT_DIR, DOCS_DIR) and parts[1] == source
        ):
            return translations
        if len(parts) > 2 and parts[0] in (CONTENT_DIR, DOCS_DIR):
            touched.add(parts[1])
    return [code for code in translations if code in touched]


def safety_problems(library: Library, lang: str) -> list[Problem]:
    """Every safety item of a language that is missing or stale, as a problem to report.

    Args:
        library: the loaded project.
        lang: a language of the project other than the source language.

    Returns:
        One problem per missing or stale safety item, naming its file, key and item id.
        An empty list when every safety item is translated from today's English.
    """
    status = translation_status(library, lang)
    who = f"{status.name} ({lang})"
    problems = []
    for entry in status.entries:
        if not entry.safety or entry.state == "extra":
            continue
        what = "safety item" if entry.kind == "item" else "safety text"
        if entry.state == "missing" and entry.field is None:
            message = f"{who}: {what} is missing"
        elif entry.state == "missing":
            message = f"{who}: {what} is not completely translated ({entry.note})"
        elif entry.old_english is None:
            message = (
                f"{who}: {what} is stale: it records no English source; "
                f"English is now {entry.new_english!r}"
            )
        else:
            message = (
                f"{who}: {what} is stale: English changed from "
                f"{entry.old_english!r} to {entry.new_english!r}"
            )
        problems.append(
            Problem(entry.file, message, line=entry.line, key=entry.key, item=_entry_key(entry))
        )
    return problems


def _entry_key(entry: Entry) -> str | None:
    """The protected key an entry is about (``block/item`` for a whole missing item)."""
    if entry.block is None or entry.item is None:
        return entry.item
    if entry.kind == "field":
        return protected_key(entry.block, entry.item)
    if entry.field is None:
        return f"{entry.block}/{entry.item}"
    return protected_key(entry.block, entry.field, entry.item)


def format_status(statuses: list[LanguageStatus], fmt: str = "table") -> str:
    """Render statuses for a person (table), a program (json) or a pull request (markdown).

    Args:
        statuses: one status per language.
        fmt: "table", "json" or "markdown".

    Returns:
        The text, without a trailing newline.

    Raises:
        ValueError: for an unknown format.
    """
    formatters: dict[str, Callable[[list[LanguageStatus]], Iterator[str]]] = {
        "table": _table,
        "markdown": _markdown,
    }
    if fmt == "json":
        return json.dumps(
            [dataclasses.asdict(s) for s in statuses], indent=2, ensure_ascii=False, default=str
        )
    if fmt not in formatters:
        raise ValueError(f"unknown format '{fmt}' (known: {', '.join(FORMATS)})")
    return "\n".join(formatters[fmt](statuses)).rstrip("\n")


def _summary(status: LanguageStatus) -> str:
    published = "published" if status.published else "not published"
    return f"{status.percent:.1f}% current ({published})"


def _label(entry: Entry) -> str:
    label = entry.item or entry.block or ""
    if entry.kind == "field":
        label = f"{entry.block}: {entry.item}"
    elif entry.field and entry.state == "stale":
        label = f"{entry.item}: {entry.field}"
    return label + (" [safety]" if entry.safety else "")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _table(statuses: list[LanguageStatus]) -> Iterator[str]:
    for status in statuses:
        yield f"{status.lang}  {status.name}  {_summary(status)}"
        yield f"  {status.current} of {status.total} units current"
        if not status.entries:
            yield "  everything is translated and current"
        width = max((len(e.file) for e in status.entries), default=0)
        shown: set[tuple[str, str]] = set()  # a note shared by a file's entries is said once
        for entry in status.entries:
            yield f"  {entry.state:<8} {entry.file:<{width}}  {_label(entry)}".rstrip()
            if entry.state == "stale" and entry.kind != "page":
                old = _one_line(entry.old_english or "") or "(not recorded)"
                yield f"           old English: {old}"
                yield f"           new English: {_one_line(entry.new_english or '')}"
            elif entry.state == "stale":
                for line in (entry.diff or "").splitlines():
                    yield f"           {line}"
            if entry.note and (entry.file, entry.note) not in shown:
                shown.add((entry.file, entry.note))
                yield f"           ({entry.note})"
            for note in entry.translator_notes:
                yield f"           note for translators: {_one_line(note)}"
        yield ""


def _cell(text: str | None) -> str:
    if not text:
        return ""
    text = _one_line(text)
    for char, escaped in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("|", "\\|")):
        text = text.replace(char, escaped)
    return text


def _markdown(statuses: list[LanguageStatus]) -> Iterator[str]:
    for status in statuses:
        yield f"### {_cell(status.name)} ({status.lang})"
        yield ""
        yield (
            f"**{status.percent:.1f}%** current: {status.current} of {status.total} units "
            f"({'published' if status.published else 'not published'})."
        )
        yield ""
        if not status.entries:
            yield "Everything is translated and current."
            yield ""
            continue
        # The notes column only when a note concerns one of the rows.
        notes = any(entry.translator_notes for entry in status.entries)
        yield "| state | file | item | old English | new English |" + (
            " note for translators |" if notes else ""
        )
        yield "| --- | --- | --- | --- | --- |" + (" --- |" if notes else "")
        for entry in status.entries:
            old, new = entry.old_english, entry.new_english
            if entry.kind == "page":
                old = new = None  # whole pages: the diff follows the table
            elif entry.state == "stale" and old is None:
                old = "(not recorded)"
            state = f"**{entry.state}**" if entry.safety else entry.state
            yield (
                f"| {state} | `{entry.file}` | {_cell(_label(entry))} | {_cell(old)} "
                f"| {_cell(new)} |"
                + (f" {_cell(' '.join(entry.translator_notes))} |" if notes else "")
            )
        yield ""
        for entry in status.entries:
            if entry.diff:
                yield f"`{entry.file}`: what changed in the English page"
                yield ""
                yield "```diff"
                yield entry.diff.rstrip("\n")
                yield "```"
                yield ""
