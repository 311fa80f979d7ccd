"""What a build shows while it runs: a progress bar on a terminal, one line per step elsewhere."""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from careleaf.build.events import Event, Kept, Progress, Step, Waiting, as_record


def interactive(stream: TextIO) -> bool:
    """A person watches ``stream``: a terminal, and not a CI runner (which logs lines)."""
    return stream.isatty() and not os.environ.get("CI") and os.environ.get("TERM") != "dumb"


def waiting_only(event: Event, stream: TextIO | None = None) -> None:
    """A `Progress` that says only that the build waits for another (`Waiting`): a build that
    shows no steps must still not look stuck."""
    if isinstance(event, Waiting):
        print(f"careleaf: {event}", file=stream or sys.stderr, flush=True)


@contextmanager
def reporter(
    total: int, *, quiet: bool = False, stream: TextIO = sys.stderr, events: Path | None = None
) -> Iterator[Progress]:
    """A `Progress` for a build of ``total`` steps (handouts, languages' sites, verifications).

    On a terminal it draws a rich progress bar naming the current step; elsewhere (a pipe, a
    CI log) it prints each step as one plain line. ``quiet`` prints nothing. ``events``: a
    file that also gets every event, one JSON record a line (`careleaf.build.events.as_record`).
    """
    if events is None:
        with shown(total, quiet=quiet, stream=stream) as show:
            yield show
        return
    # Workers' events come from the pool's thread: one whole line at a time.
    writing = threading.Lock()
    with (
        events.open("w", encoding="utf-8") as log,
        shown(total, quiet=quiet, stream=stream) as show,
    ):

        def both(event: Event) -> None:
            show(event)
            with writing:
                log.write(json.dumps(as_record(event), ensure_ascii=False) + "\n")
                log.flush()

        yield both


@contextmanager
def shown(total: int, *, quiet: bool, stream: TextIO) -> Iterator[Progress]:
    """What a person sees of a build of ``total`` steps (see `reporter`)."""
    if quiet:
        yield lambda event: waiting_only(event, stream)
        return
    if not interactive(stream):

        def line(event: Event) -> None:
            print(f"careleaf: {event}", file=stream, flush=True)

        yield line
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as Bar

    console = Console(file=stream)
    with Bar(
        TextColumn("[bold]careleaf[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=console,
        transient=False,
    ) as bar:
        task = bar.add_task("loading", total=total)

        def step(event: Event) -> None:
            # Each `Step` is one unit of work on the bar; a kept clinic says so on the bar too.
            if isinstance(event, Step):
                bar.update(task, advance=1, description=str(event))
            elif isinstance(event, Kept):
                bar.update(task, description=str(event))
                console.print(f"careleaf: {event}")
            else:
                console.print(f"careleaf: {event}")

        yield step
        bar.update(task, completed=total)
