"""The one definition of a project's sources, and the digests of what a build reads.

The manifest records the project's sources (`source_paths`, hashed with the engine's
templates by `careleaf.verify.manifest.source_hashes`) so that `careleaf verify` can tell a
stale site; the incremental build digests the same hashes, plus careleaf's own files and the
engines' versions (`input_files`, `inputs_digest`), to tell what it can keep. A build hashes
the sources once.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Collection, Mapping
from importlib import metadata
from pathlib import Path

from careleaf.options import BuildOptions

# Everything in a project that shapes what a build makes: a change to any of it makes a built
# site stale.
SOURCE_PARTS = (
    "careleaf.yml",
    "mkdocs.yml",
    "content",
    "docs",
    "handouts",
    "clinics",
    "overrides",
    "fonts",
)
# careleaf's own files (code and templates): a build reads them too.
PACKAGE = Path(__file__).parent
# The engines' versions shape the outputs too.
ENGINES = ("careleaf", "mkdocs", "mkdocs-material", "weasyprint")


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, in hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def source_paths(root: Path) -> dict[str, Path]:
    """Every source file of the project (`SOURCE_PARTS`), by path relative to ``root``
    (POSIX style), sorted. Hidden files and Python caches are left out."""
    root = Path(root)
    found: dict[str, Path] = {}
    for part in SOURCE_PARTS:
        top = root / part
        files = [top] if top.is_file() else sorted(top.rglob("*")) if top.is_dir() else []
        for path in files:
            relative = path.relative_to(root)
            if path.is_file() and not any(
                name.startswith(".") or name == "__pycache__" for name in relative.parts
            ):
                found[relative.as_posix()] = path
    return found


@functools.cache
def careleaf_files() -> dict[str, str]:
    """careleaf's own files (``careleaf/...``) -> their SHA-256; read once per process."""
    return {
        "careleaf/" + path.relative_to(PACKAGE).as_posix(): file_sha256(path)
        for path in sorted(PACKAGE.rglob("*"))
        if path.is_file() and path.suffix != ".pyc"
    }


@functools.cache
def engine_versions() -> str:
    """The `ENGINES`' versions, looked up once (a build's digests ask for them by the hundred,
    and each lookup reads the package's metadata from disk)."""
    return "".join(f"{name}={metadata.version(name)}\0" for name in ENGINES)


def input_files(sources: Mapping[str, str]) -> dict[str, str]:
    """Every file a build reads, by relative path, with its SHA-256, sorted: the project's
    ``sources`` (as the manifest records them) and careleaf's own files."""
    found = {**sources, **careleaf_files()}
    return {name: found[name] for name in sorted(found)}


def inputs_digest(
    files: dict[str, str],
    clinic_id: str,
    options: BuildOptions,
    languages: Collection[str] | None = None,
) -> str | None:
    """A hash of what a clinic's build reads (`input_files`), or None when the build is not
    reproducible: without SOURCE_DATE_EPOCH every build dates its PDFs now, and always has
    work to do.

    ``languages``: what one language's site reads: the pages and content of these
    languages only (a translation's site reads its own and the source language's; the
    source language's site reads every language's, for the editors' report).
    """
    epoch = options.epoch if options.epoch is not None else os.environ.get("SOURCE_DATE_EPOCH")
    if epoch in (None, ""):
        return None
    digest = hashlib.sha256(f"{clinic_id}\0{epoch}\0{options.key()}\0".encode())
    digest.update(engine_versions().encode())
    for name, sha in files.items():
        parts = name.split("/")
        if (
            languages is not None
            and parts[0] in ("content", "docs")
            and len(parts) > 2
            and parts[1] not in languages
        ):
            continue
        digest.update(f"{name}\0{sha}\0".encode())
    return digest.hexdigest()
