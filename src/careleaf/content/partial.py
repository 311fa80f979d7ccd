"""A block file's data with parts left out, line numbers kept: a translation's untranslated
parts, or the entries that failed validation (so that the rest is still checked)."""

from __future__ import annotations

from typing import Any

from careleaf.content.blocks import BLOCK_FIELDS, ITEM_FIELDS
from careleaf.content.places import YDict, YList

# Keys the loader sets itself; a file may not set them.
DERIVED_KEYS = ("id", "lang", "path")


def without_failed(data: Any, failed: list[tuple[str | int, ...]]) -> YDict | None:
    """A block file's data without the items and keys whose validation ``failed``, or None
    when the block cannot be read without them (its title, or not a mapping)."""
    if not isinstance(data, YDict):
        return None
    items = data.get("items")
    bad_items = {loc[1] for loc in failed if len(loc) > 1 and loc[0] == "items"}
    bad_keys = {loc[0] for loc in failed if loc and not (len(loc) > 1 and loc[0] == "items")}
    if "title" in bad_keys:
        return None
    rest = data.only(lambda key, value: key not in bad_keys | {"items", *DERIVED_KEYS})
    if isinstance(items, YList) and "items" not in bad_keys:
        rest["items"] = items.only((i, item) for i, item in enumerate(items) if i not in bad_items)
    return rest


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def drop_untranslated(data: Any) -> Any:
    """A translation's data without its untranslated parts; None if the block is untranslated.

    An empty text in a translation means "not yet translated": the block (empty title) or item
    (empty or no text) is dropped and shows as missing in `careleaf status`; an empty intro,
    body, emergency instruction, detail or frequency counts as absent (and an item without a
    field English has counts as not translated: see `Library.translated_item`). Line numbers
    are kept for messages.
    """
    if not isinstance(data, YDict):
        return data
    if "title" in data and _is_empty(data["title"]):
        return None
    kept = data.only(lambda key, value: not (key in BLOCK_FIELDS[1:] and _is_empty(value)))
    items = data.get("items")
    if isinstance(items, YList):
        entries = []
        for index, item in enumerate(items):
            if isinstance(item, YDict):
                if _is_empty(item.get("text")):
                    continue
                item = item.only(
                    lambda key, value: not (key in ITEM_FIELDS[1:] and _is_empty(value))
                )
            entries.append((index, item))
        kept["items"] = items.only(entries)
    return kept
