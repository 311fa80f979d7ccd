"""Sharded builds: the clinics split between builds (`careleaf build --shard K/N`), merged again.

A clinic is the unit of a shard: its sites and handouts are verified, and published, together.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path

from careleaf.build.events import Progress, Verifying, quiet
from careleaf.build.lock import output_lock
from careleaf.build.publish import publish, staging_dir
from careleaf.content.load import load_library
from careleaf.errors import BuildError
from careleaf.verify.manifest import output_languages
from careleaf.verify.report import format_table
from careleaf.verify.verifier import verify


def parse_shard(text: str) -> tuple[int, int]:
    """``"K/N"`` as (K, N), 1 <= K <= N.

    Raises:
        BuildError: the text is not of that form.
    """
    k, _, n = text.partition("/")
    if not (k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n)):
        raise BuildError(f"--shard {text}: expected K/N with 1 <= K <= N, e.g. 2/3")
    return int(k), int(n)


def shard(clinic_ids: Iterable[str], k: int, n: int) -> list[str]:
    """The clinics the K-th of N shards builds: every N-th of them, sorted, from the K-th.

    A clinic is the unit of a shard: its sites and handouts are verified, and published,
    together. Every clinic is in exactly one shard, whatever the order it was given in.
    """
    return sorted(clinic_ids)[k - 1 :: n]


def merge(
    root: Path,
    shards: Sequence[Path],
    out: Path,
    progress: Progress = quiet,
    *,
    wait: bool = True,
) -> list[str]:
    """Combine sharded `--clinic all` outputs into one tree, verified, and publish it.

    Each folder of ``shards`` holds clinics' sites (``<clinic>/careleaf-manifest.json``), as
    `careleaf build --clinic all --shard K/N` writes them. Every clinic of the project must
    be in exactly one shard; each is verified again in the merged tree before it replaces
    ``out``. It holds ``out``'s lock meanwhile (`careleaf.build.lock`; ``wait``: whether to
    wait for another process that holds it, or fail at once).

    Returns:
        The clinics merged.

    Raises:
        BuildError: a clinic is missing, in two shards, or fails verification; or another
            process builds into ``out`` and ``wait`` is false.
    """
    library = load_library(root)
    found: dict[str, Path] = {}
    problems = []
    for folder in shards:
        for site in sorted(Path(folder).iterdir()) if Path(folder).is_dir() else []:
            # A dot folder is careleaf's own (a clinic's previous build, kept beside it).
            if site.name.startswith(".") or not (site / "careleaf-manifest.json").is_file():
                continue
            if site.name in found:
                problems.append(f"clinic '{site.name}' is in {found[site.name]} and in {folder}")
            found[site.name] = site
    missing = sorted(set(library.clinics) - set(found))
    if missing:
        problems.append(f"no shard holds the clinics {', '.join(missing)}")
    if problems:
        raise BuildError("the shards cannot be merged:\n" + "\n".join(f"  - {p}" for p in problems))
    staging = staging_dir(out)
    with output_lock([out], wait=wait, progress=progress):
        shutil.rmtree(staging, ignore_errors=True)
        try:
            for clinic, site in sorted(found.items()):
                shutil.copytree(site, staging / clinic)
                progress(Verifying(clinic))
                report = verify(staging / clinic, library.root, output_languages(library))
                if not report.ok:
                    raise BuildError(
                        f"clinic '{clinic}' from {site.parent} fails verification:\n"
                        + format_table(report)
                    )
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        publish(staging, out)
    return sorted(found)
