"""Errors that say where: the file, the line or key path, and the item."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import click


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as we can.

    Attributes:
        file: path of the file, relative to the project where possible.
        message: what is wrong, in plain words.
        line: 1-based line in the file, when known.
        key: dotted key path inside the file, e.g. ``items[3].text``.
        item: the item, block, page or handout id concerned, when there is one.
    """

    file: str
    message: str
    line: int | None = None
    key: str | None = None
    item: str | None = None

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        parts = [where]
        if self.key:
            parts.append(f"key {self.key}")
        if self.item:
            parts.append(f"item '{self.item}'")
        return f"{': '.join(parts)}: {self.message}"


def unknown(name: str, value: str, known: Iterable[str], *, also: str = "") -> str:
    """The message for a ``value`` that is not one of the ``known`` ones, e.g. ``unknown clinic
    'x' (known: a, b)``: the same words from the command line, the build and the plugin.

    Args:
        name: what the value is (``clinic``, ``handout``...).
        value: the value given.
        known: the values the project has (listed sorted).
        also: another value accepted, listed after them (``all``).
    """
    listed = ", ".join([*sorted(known), *([also] if also else [])])
    return f"unknown {name} '{value}' (known: {listed})"


class CareleafError(click.ClickException):
    """Base class of every error careleaf reports to a person.

    It is a `click.ClickException` (as mkdocs' ``MkDocsException`` is), so a command that
    meets one needs no handler: click prints ``Error: <message>`` on stderr and exits with 1.
    """


class ContentError(CareleafError):
    """One or more problems found in the input; all of them are reported at once."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} found:"
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])

    def __reduce__(self) -> tuple[type[ContentError], tuple[list[Problem]]]:
        # Built again from its problems when it crosses from a worker process: the default
        # would pass the message where the problems go.
        return type(self), (self.problems,)


class BuildError(CareleafError):
    """A build step failed (rendering, a PDF warning, a missing glyph...)."""


@contextmanager
def logged_messages(logger_name: str, level: int) -> Iterator[list[str]]:
    """Collect what a library logs at ``level`` or above while the block runs.

    WeasyPrint reports missing images and glyphs, and MkDocs the cause of a failed build, as
    log records rather than exceptions; this turns them into text careleaf can report.
    """

    class _Collector(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    messages: list[str] = []
    handler = _Collector(level)
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
