"""`BuildOptions`: the choices that shape a build's outputs, as one value.

Every stage reads its choices from this one value instead of loose flags, and the build's
input digests (`careleaf.fingerprint`) hash it: a build made with other options is never taken
for this one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class BuildOptions:
    """What a build publishes, and how it marks it.

    Attributes:
        allow_stale: publish languages whose safety items are missing or out of date, marked.
        allow_overdue: publish approved content past its review date, marked.
        preview: a language to preview (published or not) with the source language, every
            page and handout marked as a preview; empty for a build that publishes.
        epoch: the handouts' date, in seconds since 1970 (UTC); None takes
            SOURCE_DATE_EPOCH, or else the moment each handout is prepared.
        engine: the site engine, ``mkdocs`` or ``zensical``; empty takes careleaf.yml's
            ``engine`` (`careleaf.site.engine.ENGINES`).
    """

    allow_stale: bool = False
    allow_overdue: bool = False
    preview: str = ""
    epoch: int | None = None
    engine: str = ""

    def key(self) -> str:
        """What the build's input digests hash of these options: the ones that shape the
        outputs (the date has its own place in the digest)."""
        chosen = (self.allow_stale, self.allow_overdue, self.preview)
        # careleaf.yml's engine is a source of the build; a chosen one is an option of it.
        return repr((*chosen, self.engine) if self.engine else chosen)

    def created_date(self) -> str:
        """The date the handouts carry: ``epoch``, else SOURCE_DATE_EPOCH (reproducible
        builds), else now; ISO 8601 in UTC, to the second."""
        epoch = self.epoch if self.epoch is not None else os.environ.get("SOURCE_DATE_EPOCH")
        moment = (
            datetime.now(UTC) if epoch in (None, "") else datetime.fromtimestamp(int(epoch), UTC)
        )
        return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")
