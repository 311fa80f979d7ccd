"""The status of a translation's blocks: each field and item missing, stale or extra."""

from __future__ import annotations

from careleaf.content.blocks import BLOCK_FIELDS, Block
from careleaf.content.model import Library
from careleaf.content.places import YDict, item_index, line_of
from careleaf.content.project import protected_key
from careleaf.editorial.status_entries import Entry, Reason
from careleaf.editorial.translatable import raw_block, untitled_draft
from careleaf.paths import CONTENT_DIR


def block_entries(library: Library, lang: str, entries: list[Entry], counts: list[int]) -> None:
    """Compare a translation's blocks with the source language's, field by field, item by item.

    Args:
        library: the loaded project.
        lang: a translation of the project.
        entries: where an entry is added for every missing, stale or extra unit.
        counts: ``[total, current]``, each unit the source language has added to ``total``
            and each translated one made from today's English to ``current``.
    """
    root = library.root
    english = library.content[library.source_language]
    translated = library.content[lang]
    for block_id, block in english.items():
        file = f"{CONTENT_DIR}/{lang}/{block_id}.yml"
        keys = set(library.project.protected_keys(block_id))
        theirs = translated.get(block_id)
        if theirs is None:
            exists = (root / file).is_file()
            reason: Reason = "no-file"
            if exists:
                untitled = untitled_draft(raw_block(library, lang, block_id))
                reason = "title-not-translated" if untitled else "not-translated"
            note = (
                "the block's title is empty: it is not translated yet"
                if exists
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
                            reason="not-translated" if name == "title" and exists else reason,
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
                        reason=reason,
                    )
                )
            continue
        raw = library.source_map.get(theirs.path)
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
                    reason="not-in-source",
                )
            )


def _block_fields(
    library: Library,
    lang: str,
    block: Block,
    theirs: Block,
    raw: YDict | None,
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
                        line=line_of(raw, (name,)),
                        note=f"the source block has no {name}",
                        reason="not-in-source",
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
                    reason="not-translated",
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
                    line=line_of(raw, ("source", name) if old is not None else (name,)),
                    note=None if old is not None else f"no source.{name} recorded",
                    reason="english-changed" if old is not None else "needs-review",
                )
            )
        else:
            counts[1] += 1


def _block_items(
    library: Library,
    lang: str,
    block: Block,
    theirs: Block,
    raw: YDict | None,
    keys: set[str],
    entries: list[Entry],
    counts: list[int],
) -> None:
    english_ids = {item.id for item in block.items}
    for item in block.items:
        counts[0] += 1
        safety = protected_key(block.id, "text", item.id) in keys
        mine = theirs.item(item.id)
        index = item_index(raw, item.id)
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
                    line=line_of(raw, ("items",)),
                    reason="not-translated",
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
                    line=line_of(raw, ("items", index, "id")) if index is not None else None,
                    note=f"not translated: {', '.join(absent)} (the item is shown in "
                    f"{library.source_language} until every field is)",
                    reason="partly-translated",
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
                    else line_of(raw, ("items", index, "source", name))
                    if has_old
                    else line_of(raw, ("items", index, "id")),
                    note=None if old is not None else f"no source.{name} recorded",
                    reason="english-changed" if old is not None else "needs-review",
                )
            )
        if not changes:
            counts[1] += 1
    for mine in theirs.items:
        if mine.id not in english_ids:
            index = item_index(raw, mine.id)
            entries.append(
                Entry(
                    "item",
                    "extra",
                    theirs.path,
                    block.id,
                    mine.id,
                    key=f"items[{index}].id" if index is not None else "items",
                    line=line_of(raw, ("items", index, "id")) if index is not None else None,
                    note=f"the source block has no item '{mine.id}'",
                    reason="not-in-source",
                )
            )
