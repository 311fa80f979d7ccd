"""Verifying a clinic's staged sites with its handouts, and publishing them.

A build writes each clinic's outputs into a staging folder beside the published one; only
once every output is verified does the staging folder replace it. A failed build publishes
nothing.
"""

from __future__ import annotations

import collections
import concurrent.futures
import ctypes
import errno
import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from careleaf.build.cache import Entry
from careleaf.build.csp_pages import (
    THEME_PACKAGE,
    apply_policy,
    template_scripts,
    theme_styles,
    theme_templates,
)
from careleaf.build.events import ClinicPublished, Progress, Verifying, quiet
from careleaf.build.plan import Unit, handout_file
from careleaf.build.records import BuildRecords, Published, tree_hashes
from careleaf.content.model import Library
from careleaf.errors import BuildError, CareleafError
from careleaf.paths import beside
from careleaf.verify.browser import SITES_AT_ONCE, Chromium
from careleaf.verify.manifest import (
    build_manifest,
    collect_outputs,
    output_languages,
    write_manifest,
)
from careleaf.verify.proofs import Proofs
from careleaf.verify.readings import Readings
from careleaf.verify.report import format_table
from careleaf.verify.verifier import verify

# How many clinics are verified at once (see `verify_and_publish`): one more than the browser
# proves at once, so that a clinic's manifest and static checks are worked out while the
# browser proves the others' pages; more would only wait for the browser.
VERIFIERS = SITES_AT_ONCE + 1

# renameat2(2): a path relative to the working folder, and the flag that swaps two paths.
AT_FDCWD = -100
RENAME_EXCHANGE = 2


def staging_dir(final: Path) -> Path:
    """Where a build goes before it is verified: beside the published folder."""
    return beside(final, "staging")


def old_dir(final: Path) -> Path:
    """Where the build published before the current one is kept: beside the published folder."""
    return beside(final, "old")


def exchange(first: Path, second: Path) -> bool:
    """Swap two existing paths in one step: Linux ``renameat2(..., RENAME_EXCHANGE)``,
    called through ctypes from the C library (Python's `os` has no such call).

    At every instant each path names one whole tree, the old or the new one: a reader never
    finds it missing, and a crash leaves both trees in place.

    Returns:
        False where the call is not available (a C library without ``renameat2``, another
        system, or a filesystem that cannot exchange: ENOSYS, EINVAL, ENOTSUP); nothing
        was moved then.

    Raises:
        OSError: the exchange failed otherwise (a path is missing, no permission...).
    """
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    renameat2.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    renameat2.restype = ctypes.c_int
    if renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(first), None, str(second))


def publish(built: Path, final: Path) -> None:
    """Replace ``final`` with the verified ``built`` folder in one step (`exchange`).

    The build published before stays beside it (`old_dir`) until the next publish, which
    removes it only while ``final`` holds a whole tree. Where the swap is not available, two
    renames do it, with a moment without ``final`` between them.
    """
    old = old_dir(final)
    if not final.exists():
        # The first publish (or a crash between the fallback's two renames): the tree kept
        # in ``old``, if any, stays until ``final`` holds one again.
        built.rename(final)
        return
    # ``final`` is whole: the build before it is no longer needed.
    shutil.rmtree(old, ignore_errors=True)
    if exchange(built, final):
        # ``built`` now names the tree that was published: kept until the next publish (a
        # build that cannot keep it has still published: its staging folder is dropped).
        try:
            built.rename(old)
        except OSError:
            shutil.rmtree(built, ignore_errors=True)
        return
    final.rename(old)
    built.rename(final)


def place_handouts(
    entries: dict[Unit, Entry], library: Library, clinic_id: str, site: Path
) -> None:
    """Copy a clinic's rendered handouts and thumbnails into its built site."""
    for unit, entry in entries.items():
        if unit.clinic != clinic_id:
            continue
        for source, suffix in ((entry.pdf, ".pdf"), (entry.png, ".png")):
            target = site / handout_file(library, unit, suffix)
            target.parent.mkdir(parents=True, exist_ok=True)
            # A new file, never written through a hard link (the preview links its sites).
            target.unlink(missing_ok=True)
            shutil.copyfile(source, target)


def finish(
    library: Library,
    clinic_id: str,
    site: Path,
    entries: dict[Unit, Entry],
    progress: Progress = quiet,
    *,
    languages: Sequence[str] | None = None,
    proofs: Proofs | None = None,
    chromium: Chromium | None = None,
    sources: Mapping[str, str] | None = None,
    theme: str = THEME_PACKAGE,
) -> int:
    """Put the handouts into a built site, its Content-Security-Policy into every page
    (`careleaf.build.csp_pages`), write its manifest and verify every output.

    ``proofs``: the build's memo of passing proofs (`careleaf.verify.proofs`): an output
    proven before, unchanged, is not proven again. ``chromium``: a browser kept for the
    build's other clinics too (by default one is started for this clinic). ``sources``: the
    project's sources as the build read them (by default hashed now). ``theme``: the package
    whose templates wrote the pages' inline scripts (the engine's, `theme_templates`).

    Returns:
        The number of outputs verified.

    Raises:
        BuildError: an output is missing, unreadable or lacks an item (the report's table).
    """
    place_handouts(entries, library, clinic_id, site)
    # The site is whole now: its policy is worked out from the pages as they ship.
    shapes = template_scripts(theme_templates(library.root, theme))
    website = library.clinics[clinic_id].website
    policy = apply_policy(site, website, shapes, theme_styles(theme))
    languages = output_languages(library) if languages is None else list(languages)
    outputs = collect_outputs(site, library, languages, clinic_id)
    anchors = {
        handout_file(library, unit): entry.anchors()
        for unit, entry in entries.items()
        if unit.clinic == clinic_id
    }
    # The manifest and the verification read the same pages: each is parsed once.
    readings = Readings()
    manifest = build_manifest(
        site,
        library,
        clinic_id,
        outputs,
        anchors,
        pages=readings.pages,
        sources=sources,
        csp=policy,
    )
    write_manifest(site, manifest)
    progress(Verifying(clinic_id, len(outputs)))
    try:
        report = verify(
            site,
            library.root,
            languages,
            library=library,
            proofs=proofs,
            chromium=chromium,
            readings=readings,
            sources=sources,
        )
    except CareleafError as error:
        raise BuildError(f"the outputs cannot be verified: {error}") from None
    finally:
        if proofs is not None:
            proofs.record(f"{clinic_id}:{','.join(languages)}", library.clinics)
    if not report.ok:
        raise BuildError("verification failed; nothing was published.\n" + format_table(report))
    return len(report.rows)


@dataclass(frozen=True)
class Staged:
    """A clinic's sites, built into ``staging``, to be verified and published as ``final``
    with what they were built from (``wanted``)."""

    clinic: str
    wanted: Published
    staging: Path
    final: Path


def verify_and_publish(
    library: Library,
    staged: Sequence[Staged],
    entries: dict[Unit, Entry],
    languages: Sequence[str],
    proofs: Proofs,
    records: BuildRecords,
    progress: Progress = quiet,
    *,
    sources: Mapping[str, str] | None = None,
    theme: str = THEME_PACKAGE,
) -> None:
    """Verify each clinic's staged sites with its handouts, and publish them in order,
    stopping at the first clinic that fails.

    One Chromium proves the pages of every clinic (starting it takes about 2 seconds).
    `VERIFIERS` clinics are verified at once, each in a thread: while the browser proves
    pages (in its own processes and threads, `careleaf.verify.browser.Chromium`), the next
    clinic's manifest and static checks are worked out here.
    """

    def verify_then_publish(
        site: Staged, before: concurrent.futures.Future[None] | None, chromium: Chromium
    ) -> None:
        """Verify a clinic's built folder and publish it, once the clinic ``before`` it is
        published."""
        count = finish(
            library,
            site.clinic,
            site.staging,
            entries,
            progress,
            languages=languages,
            proofs=proofs.site(),
            chromium=chromium,
            sources=sources,
            theme=theme,
        )
        if before is not None:
            before.result()
        publish(site.staging, site.final)
        site.wanted.files = tree_hashes(site.final)
        site.wanted.handouts = {
            u.name: e.key for u, e in entries.items() if u.clinic == site.clinic
        }
        records.remember(site.final, site.wanted)
        progress(ClinicPublished(site.clinic, count, site.final))

    with (
        Chromium() as chromium,
        concurrent.futures.ThreadPoolExecutor(VERIFIERS, thread_name_prefix="verify") as verifier,
    ):
        verifying: collections.deque[concurrent.futures.Future[None]] = collections.deque()
        for site in staged:
            while len(verifying) >= VERIFIERS:
                verifying.popleft().result()  # a clinic before failed: the build stops here
            last = verifying[-1] if verifying else None
            verifying.append(verifier.submit(verify_then_publish, site, last, chromium))
        for future in verifying:
            future.result()
