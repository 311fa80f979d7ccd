"""Translation status as text: a table for a person, JSON for a program, Markdown for a PR."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from typing import Literal

from careleaf.editorial.status_entries import REASONS, Entry, LanguageStatus

Format = Literal["table", "json", "markdown"]
FORMATS: tuple[Format, ...] = ("table", "json", "markdown")


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


NOT_RECORDED = "(not recorded: a draft, or marked fuzzy; review it)"


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
            if entry.reason:
                yield f"           why: {REASONS[entry.reason]}"
            if entry.state == "stale" and entry.kind != "page":
                # No recorded English: a draft (marked fuzzy in a PO editor) to review.
                old = _one_line(entry.old_english or "") or NOT_RECORDED
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
                old = NOT_RECORDED
            state = f"**{entry.state}**" if entry.safety else entry.state
            state += f" ({entry.reason})" if entry.reason else ""
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
