"""Where things are in YAML data as careleaf reads it: the line of every key and list entry,
the key path of a line, the item a location is in, the words YAML 1.1 read as other than text."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from typing import Any

from careleaf.content.chars import shown


class YDict(dict):
    """A mapping read from YAML, with the line of the mapping and of each key.

    ``words``: the values YAML 1.1 read as something other than text (``yes``, ``no``,
    ``on`` as booleans, ``0100`` as a number...), as they were written, by key: a message
    names them as written where text belongs.
    """

    line: int = 0
    key_lines: dict[str, int]
    words: dict[str, str]

    def only(self, keep: Callable[[str, Any], bool]) -> YDict:
        """The entries ``keep(key, value)`` accepts, with their lines and words."""
        kept = YDict((key, value) for key, value in self.items() if keep(key, value))
        kept.line, kept.key_lines = self.line, self.key_lines
        kept.words = {k: w for k, w in getattr(self, "words", {}).items() if k in kept}
        return kept


class YList(list):
    """A sequence read from YAML, with the line of the sequence and of each entry (and, by
    index, the entries YAML read as something other than text, as written: see `YDict`).

    ``indices``: in a list made of some of a file's entries (`only`), the index in the file
    of each entry, for messages (`file_index`).
    """

    line: int = 0
    item_lines: list[int]
    words: dict[int, str]
    indices: list[int] | None = None

    def only(self, entries: Iterable[tuple[int, Any]]) -> YList:
        """Some of the entries, as ``(index, value)``: the value in place of the one at that
        index, with its line, and its index in the file remembered."""
        kept = YList()
        kept.line, kept.item_lines, kept.words, kept.indices = self.line, [], {}, []
        words = getattr(self, "words", {})
        for index, value in entries:
            if index in words and value is self[index]:
                kept.words[len(kept)] = words[index]
            kept.append(value)
            kept.item_lines.append(self.item_lines[index])
            kept.indices.append(file_index(self, index))
        return kept


def in_file(data: Any, loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """A location in data made of some of a file's entries (`YList.only`) as a location in
    the file: ``items[1]`` of a translation whose first item is not translated is the file's
    ``items[2]``."""
    out: list[str | int] = []
    node = data
    for step in loc:
        out.append(file_index(node, step) if isinstance(step, int) else step)
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            node = None
    return tuple(out)


def file_index(entries: Any, index: int) -> int:
    """The index in the file of entry ``index`` of a list read from it (or made of some of its
    entries, `YList.only`)."""
    indices = getattr(entries, "indices", None)
    return indices[index] if indices and 0 <= index < len(indices) else index


class Places:
    """Where each key and list entry of YAML data starts: the key path of a line."""

    def __init__(self, data: Any) -> None:
        found: list[tuple[int, int, tuple[str | int, ...]]] = []

        def walk(node: Any, loc: tuple[str | int, ...]) -> None:
            if isinstance(node, YDict):
                for key, value in node.items():
                    found.append((node.key_lines.get(key, node.line), len(loc) + 1, (*loc, key)))
                    walk(value, (*loc, key))
            elif isinstance(node, YList):
                for index, (value, line) in enumerate(zip(node, node.item_lines, strict=True)):
                    found.append((line, len(loc) + 1, (*loc, index)))
                    walk(value, (*loc, index))

        walk(data, ())
        found.sort(key=lambda place: place[:2])
        self._lines = [(line, depth) for line, depth, _ in found]
        self._locs = [loc for _, _, loc in found]

    def at(self, line: int) -> tuple[str | int, ...]:
        """The deepest key or entry that starts on ``line`` or, failing that, the last one
        before it (a line of a text that goes on over several lines)."""
        index = bisect.bisect_right(self._lines, (line, 1 << 30))
        return self._locs[index - 1] if index else ()


def item_at(data: Any, loc: tuple[str | int, ...]) -> str | None:
    """The id of the list entry a location points into (``items[2]`` -> its id), as a message
    may show it (`careleaf.content.chars.shown`), or None."""
    node = data
    found = None
    for step in loc:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and isinstance(node.get("id"), str):
            found = shown(node["id"])
    return found


def word_at(data: Any, loc: tuple[str | int, ...]) -> str | None:
    """What is written at ``loc`` where YAML 1.1 read something other than text there
    (``no``, read as false), or None."""
    node = data
    for step in loc[:-1]:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return None
    words = getattr(node, "words", None)
    return words.get(loc[-1]) if words and loc else None


def line_of(data: Any, loc: tuple[str | int, ...]) -> int | None:
    """The line of the deepest key or entry of ``loc`` that exists in ``data``."""
    line = getattr(data, "line", None)
    node = data
    for step in loc:
        if isinstance(node, YDict) and isinstance(step, str) and step in node:
            line = node.key_lines.get(step, line)
            node = node[step]
        elif isinstance(node, YList) and isinstance(step, int) and 0 <= step < len(node):
            line = node.item_lines[step]
            node = node[step]
        else:
            break
    return line


def item_index(data: Any, item_id: str) -> int | None:
    """The index in ``data["items"]`` of the entry whose id is ``item_id``, or None.

    The index in the file as read: a translation's Block leaves out its untranslated items,
    so its own index of an item can be smaller.
    """
    items = data.get("items") if isinstance(data, YDict) else None
    if not isinstance(items, YList):
        return None
    return next(
        (i for i, it in enumerate(items) if isinstance(it, dict) and it.get("id") == item_id),
        None,
    )


def key_path(loc: tuple[str | int, ...]) -> str:
    """A pydantic-style location as a readable key path: ``items[2].text``."""
    out = ""
    for step in loc:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            out += ("." if out else "") + shown(str(step))
    return out
