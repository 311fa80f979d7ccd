"""A block file's data with parts left out, line numbers kept: a translation's untranslated
parts, or the entries that failed validation (so that the rest is still checked)."""

from __future__ import annotations

from typing import Any, NamedTuple

from careleaf.content.blocks import BLOCK_FIELDS, ITEM_FIELDS, Block
from careleaf.content.places import YDict, YList
from careleaf.errors import Problem

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


class Partial(NamedTuple):
    """A source block file that failed validation, as it validates without the entries that
    failed (`without_failed`): still checked against the registry and its pins."""

    block: Block
    data: YDict
    # The top-level keys and the ids of the items that failed.
    failed: frozenset[str]

    @classmethod
    def of(
        cls, block: Block, data: YDict, whole: YDict, failed: list[tuple[str | int, ...]]
    ) -> Partial:
        """The partial block, knowing what failed in the ``whole`` file's data."""
        items = whole.get("items")
        # A key of the block (``intro``, or ``items`` itself when it is not a list)...
        names = {str(loc[0]) for loc in failed if len(loc) == 1 or (loc and loc[0] != "items")}
        # ...or an item.
        for loc in failed:
            if len(loc) > 1 and loc[0] == "items" and isinstance(items, list):
                entry = items[loc[1]] if isinstance(loc[1], int) and loc[1] < len(items) else None
                if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                    names.add(entry["id"])
        return cls(block, data, frozenset(names))

    def about_failed(self, problem: Problem) -> bool:
        """Whether a problem of the partial block concerns an entry that failed (an item
        "missing" because it did not validate): its own problem says what is wrong."""
        item = problem.item or ""
        first = (problem.key or "").split(".")[0].split("[")[0]
        return (
            item in self.failed
            or any(item.startswith(f"{self.block.id}/{name}/") for name in self.failed)
            or first in self.failed
        )
