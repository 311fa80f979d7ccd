"""What a build makes: the handout units of its clinics and languages, and where each goes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from careleaf.content.handout import EDITIONS, handout_path
from careleaf.content.model import Library
from careleaf.editorial.policy import overdue_blocks
from careleaf.options import BuildOptions
from careleaf.render.handouts import HandoutJob, handout_job
from careleaf.verify.manifest import output_languages

# On every page of a preview's handouts (`careleaf serve --lang`, `build --draft`), in English:
# it is for the translator and the reviewer, readable before any label is translated.
PDF_PREVIEW_NOTICE = "PREVIEW: not published"


@dataclass(frozen=True, order=True)
class Unit:
    """One handout PDF (with its thumbnail) of one clinic in one language, in one edition."""

    clinic: str
    lang: str
    handout: str
    edition: str = EDITIONS[0]

    @property
    def name(self) -> str:
        """``clinic/lang/handout`` (``clinic/lang/large-print/handout`` for the large-print
        edition): how progress and the cache index name the unit."""
        if self.edition == EDITIONS[0]:
            return f"{self.clinic}/{self.lang}/{self.handout}"
        return f"{self.clinic}/{self.lang}/{self.edition}/{self.handout}"


def build_languages(library: Library, preview: str = "") -> list[str]:
    """The languages a build publishes; a preview's: the source and the previewed one."""
    if not preview:
        return output_languages(library)
    return list(dict.fromkeys([library.source_language, preview]))


def plan(
    library: Library, clinic_ids: Iterable[str], languages: Sequence[str] | None = None
) -> list[Unit]:
    """Every handout unit of these clinics, in these languages (default: every published
    one), in every edition, sorted."""
    languages = output_languages(library) if languages is None else languages
    return sorted(
        Unit(clinic, lang, handout, edition)
        for clinic in clinic_ids
        for lang in languages
        for handout in library.handouts
        for edition in EDITIONS
    )


def language_folder(library: Library, lang: str) -> str:
    """Where a language's site goes inside the clinic's site: the source language at its root."""
    return "" if lang == library.source_language else lang


def handout_file(library: Library, unit: Unit, suffix: str = ".pdf") -> str:
    """Where a unit's handout (``.pdf``) or thumbnail (``.png``) goes in its clinic's site."""
    folder = PurePosixPath(language_folder(library, unit.lang))
    return (folder / handout_path(unit.handout, unit.edition, suffix)).as_posix()


def handout_url(library: Library, unit: Unit) -> str:
    """The address a handout is published at (its QR code points there)."""
    clinic = library.clinics[unit.clinic]
    return library.url(clinic, unit.lang, handout_path(unit.handout, unit.edition))


def prepare(library: Library, unit: Unit, options: BuildOptions) -> HandoutJob:
    """The unit's handout document, ready for a renderer (a preview's: marked as one)."""
    overdue = options.allow_overdue and bool(
        {s.block for s in library.handouts[unit.handout].sections} & overdue_blocks(library)
    )
    return handout_job(
        library,
        unit.handout,
        unit.lang,
        library.clinics[unit.clinic],
        handout_url(library, unit),
        options.created_date(),
        edition=unit.edition,
        overdue=overdue,
        preview=PDF_PREVIEW_NOTICE if options.preview else "",
    )
