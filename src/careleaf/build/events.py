"""What a build reports while it runs, as typed events.

The progress bar, the log and the benchmark read an event's fields, never its text. Each event
also prints as the one line the build's log shows (``str(event)``). The steps a build counts
on its progress bar are the `Step` events: a handout rendered or taken from the cache, a
language's site built or copied, a clinic's outputs being verified.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Event:
    """Something a build reports."""


@dataclass(frozen=True)
class Step(Event):
    """One unit of a build's work, counted on the progress bar."""


@dataclass(frozen=True)
class HandoutRendered(Step):
    """A handout was rendered (``unit``: ``clinic/lang/handout``) into ``pages`` pages."""

    unit: str
    pages: int

    def __str__(self) -> str:
        return f"handout {self.unit}: rendered ({self.pages} pages)"


@dataclass(frozen=True)
class HandoutCached(Step):
    """A handout's inputs are unchanged: it was taken from the cache."""

    unit: str

    def __str__(self) -> str:
        return f"handout {self.unit}: unchanged (cached)"


@dataclass(frozen=True)
class SiteBuilding(Step):
    """A language's site of a clinic is being built by the site engine."""

    clinic: str
    lang: str

    def __str__(self) -> str:
        return f"site {self.clinic}/{self.lang}: building"


@dataclass(frozen=True)
class SiteCopied(Step):
    """A language's site read the same inputs as the published one: it was copied from it."""

    clinic: str
    lang: str

    def __str__(self) -> str:
        return f"site {self.clinic}/{self.lang}: unchanged since the last build (copied)"


@dataclass(frozen=True)
class Verifying(Step):
    """A clinic's outputs are being verified (``outputs``: how many; None when merging)."""

    clinic: str
    outputs: int | None = None

    def __str__(self) -> str:
        count = f": {self.outputs} outputs" if self.outputs is not None else ""
        return f"verifying {self.clinic}{count}"


@dataclass(frozen=True)
class Kept(Event):
    """Nothing a clinic's build reads changed since its published build: it is kept."""

    clinic: str

    def __str__(self) -> str:
        return f"{self.clinic}: nothing changed since the last build; kept as it is"


@dataclass(frozen=True)
class ClinicPublished(Event):
    """A clinic's verified outputs replaced its published folder."""

    clinic: str
    outputs: int
    folder: Path

    def __str__(self) -> str:
        return f"published {self.clinic}: {self.outputs} outputs verified, into {self.folder}"


@dataclass(frozen=True)
class PolicyNote(Event):
    """The safety policy lets something through: marked (``allowed``) or with a warning."""

    text: str
    allowed: bool = False

    def __str__(self) -> str:
        if self.allowed:
            return f"publishing marked (--allow-stale/--allow-overdue): {self.text}"
        return self.text


@dataclass(frozen=True)
class Waiting(Event):
    """Another process builds into the same output folder (``holder``: its pid and command):
    this build waits for it to finish (`careleaf.build.lock`)."""

    folder: str
    holder: str

    def __str__(self) -> str:
        return f"waiting for {self.holder}, which is building into {self.folder}"


Progress = Callable[[Event], None]


def quiet(_: Event) -> None:
    """The default progress: say nothing."""


def as_record(event: Event) -> dict[str, object]:
    """An event as a JSON-ready record: its kind (the class's name) and its fields, a path as
    text (what `careleaf build --events FILE` writes, one record a line)."""
    fields = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(event).items()}
    return {"event": type(event).__name__, **fields}
