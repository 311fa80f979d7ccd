"""The build's record of what it published: each output, for whom, in which language, hashed."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from careleaf.content.handout import EDITIONS, handout_path
from careleaf.content.model import Library
from careleaf.content.project import anchor_key
from careleaf.fingerprint import source_paths
from careleaf.verify.readback import UnreadableOutput
from careleaf.verify.readback_html import SeenPages
from careleaf.verify.readback_pdf import pdf_items

MANIFEST_NAME = "careleaf-manifest.json"
MANIFEST_VERSION = 3
# The engine's own templates shape a build too: the manifest lists them as
# "careleaf/templates/..." beside the project's sources (`careleaf.fingerprint`).
TEMPLATES = Path(__file__).parents[1] / "render" / "templates"
KINDS = ("page", "pdf")
# The keys of one output entry, and what each must hold.
OUTPUT_KEYS: dict[str, type | tuple[type, ...]] = {
    "path": str,
    "kind": str,
    "lang": str,
    "clinic": str,
    "handout": (str, type(None)),
    "edition": (str, type(None)),
    "page": (str, type(None)),
    "sha256": str,
    "items": list,
}


@dataclass(frozen=True, order=True)
class Output:
    """One file the build publishes.

    Attributes:
        path: the file's path inside the site folder, POSIX style (``es/safety/index.html``).
        kind: ``"page"`` (a site page) or ``"pdf"`` (a handout).
        lang: the language it is in.
        clinic: the clinic it is branded for.
        page: for a page, its source (``docs/es/safety.md``); None for a PDF.
        handout: for a PDF, the handout id; None for a page.
        edition: for a PDF, its edition (`careleaf.content.handout.EDITIONS`); None for a page.
    """

    path: str
    kind: Literal["page", "pdf"]
    lang: str
    clinic: str
    page: str | None = None
    handout: str | None = None
    edition: str | None = None


def output_languages(library: Library) -> list[str]:
    """The languages a build publishes: the source language, then every published one."""
    source = library.source_language
    return [source] + [
        lang
        for lang, language in library.project.languages.items()
        if lang != source and language.published
    ]


def collect_outputs(
    site_dir: Path, library: Library, languages: Iterable[str], clinic_id: str
) -> list[Output]:
    """Every output a build of these languages for this clinic must publish, sorted by path.

    The source language is at the site's root, every other language under ``<lang>/``. Each
    page ``docs/<lang>/**/*.md`` becomes ``[<lang>/]<path>/index.html`` (``index.md`` ->
    ``index.html``, ``x.md`` -> ``x/index.html``, as MkDocs does with directory URLs) and each
    handout ``[<lang>/]handouts/<id>.pdf`` in each edition (large print:
    ``[<lang>/]handouts/large-print/<id>.pdf``). A page of the source language that a language
    has not translated yet is built from the source page (``page`` names it). The list comes
    from the sources, not from the folder: whether the files exist is for `build_manifest` and
    the verifier to find out.

    Args:
        site_dir: the site folder (it must exist).
        library: the loaded content.
        languages: the language codes built.
        clinic_id: the clinic the site is branded for.

    Raises:
        UnreadableOutput: ``site_dir`` is not a folder.
    """
    if not Path(site_dir).is_dir():
        raise UnreadableOutput(f"{site_dir}: the site folder does not exist")
    outputs = []
    source_lang = library.source_language
    for lang in languages:
        prefix = PurePosixPath() if lang == source_lang else PurePosixPath(lang)
        pages = site_pages(library, lang)
        if lang != source_lang:
            # A page not yet translated is built from the source language's page.
            for uri, source in site_pages(library, source_lang).items():
                pages.setdefault(uri, source)
        for uri, source in pages.items():
            built = prefix / page_html(uri)
            outputs.append(Output(built.as_posix(), "page", lang, clinic_id, page=source))
        for handout_id in library.handouts:
            for edition in EDITIONS:
                pdf = prefix / handout_path(handout_id, edition)
                outputs.append(
                    Output(
                        pdf.as_posix(), "pdf", lang, clinic_id, handout=handout_id, edition=edition
                    )
                )
    return sorted(outputs)


def site_pages(library: Library, lang: str) -> dict[PurePosixPath, str]:
    """The Markdown pages of one language (the model's), by path inside ``docs/<lang>/``:
    each one's ``docs/<lang>/...`` path, in the order of their paths.

    Like MkDocs, files and folders whose name starts with a dot are not pages.
    """
    return {
        PurePosixPath(uri): page.file
        for uri, page in library.pages.get(lang, {}).items()
        if not any(part.startswith(".") for part in PurePosixPath(uri).parts)
    }


def page_html(source: PurePosixPath) -> PurePosixPath:
    """Where MkDocs writes a page (directory URLs): ``a/b.md`` -> ``a/b/index.html``."""
    if source.stem in ("index", "README"):
        return source.parent / "index.html"
    return source.parent / source.stem / "index.html"


def build_manifest(
    site_dir: Path,
    library: Library,
    clinic_id: str,
    outputs: Iterable[Output],
    pdf_anchors: Mapping[str, Iterable[str]] | None = None,
    *,
    pages: SeenPages | None = None,
    sources: Mapping[str, str] | None = None,
    csp: str | None = None,
) -> dict[str, Any]:
    """The manifest of a built site: every output with its hash and its item ids.

    Args:
        site_dir: the built site.
        library: the content it was built from.
        clinic_id: the clinic it is branded for.
        outputs: what the build published (usually `collect_outputs`).
        pdf_anchors: PDF path -> the named destinations it was rendered with (the build
            knows them, `careleaf.render.handouts.Rendered`); a PDF not given is read back for them.
        pages: the pages the caller has read; a build passes those of the `Readings` it
            then verifies the site with (`careleaf.verify.readings.Readings`), so that the
            verification does not parse the pages again. By default, none.
        sources: the project's sources as the build read them (`source_hashes`); by
            default hashed now.
        csp: the Content-Security-Policy the build put into every page
            (`careleaf.build.csp_pages`); the verifier checks each page still carries it.

    Raises:
        UnreadableOutput: an output is missing or cannot be read.
    """
    site_dir = Path(site_dir)
    pages = pages if pages is not None else SeenPages()
    outputs = sorted(outputs)
    entries = []
    for output in outputs:
        path = output_file(site_dir, output.path)
        if output.kind == "page":
            ids = {seen.id for seen in pages.read(path, site_dir).items}
        elif pdf_anchors is not None and output.path in pdf_anchors:
            keys = (anchor_key(name) for name in pdf_anchors[output.path])
            ids = {key for key in keys if key is not None}
        else:
            ids = set(pdf_items(path).item_ids)
        entries.append(
            {
                "path": output.path,
                "kind": output.kind,
                "lang": output.lang,
                "clinic": output.clinic,
                "handout": output.handout,
                "edition": output.edition,
                "page": output.page,
                "sha256": sha256(path),
                "items": sorted(ids),
            }
        )
    languages = sorted({output.lang for output in outputs} & set(library.content))
    return {
        "careleaf_manifest": MANIFEST_VERSION,
        "clinic": clinic_id,
        "content_version": library.project.content_version,
        "blocks": {lang: _reviews(library, lang) for lang in languages},
        "outputs": entries,
        "files": shipped_files(site_dir),
        "sources": dict(sources) if sources is not None else source_hashes(library.root),
        "csp": csp,
    }


def shipped_files(site_dir: Path) -> dict[str, str]:
    """Every file of a built site but the manifest (pages, PDFs, CSS, JavaScript, fonts,
    images, search indexes...) -> its SHA-256."""
    site_dir = Path(site_dir)
    return {
        path.relative_to(site_dir).as_posix(): sha256(path)
        for path in sorted(site_dir.rglob("*"))
        if path.is_file() and path.relative_to(site_dir).as_posix() != MANIFEST_NAME
    }


def source_hashes(root: Path) -> dict[str, str]:
    """Every source file that shapes a build (`SOURCE_PARTS` and the engine's templates) ->
    its SHA-256. Hidden files and Python caches are left out."""
    found = {name: sha256(path) for name, path in source_paths(root).items()}
    for path in sorted(TEMPLATES.iterdir()):
        if path.is_file():
            found[f"careleaf/templates/{path.name}"] = sha256(path)
    return found


def check_files(
    now: Mapping[str, str], files: dict[str, str], outputs: Iterable[str] = ()
) -> list[str]:
    """What differs between a site folder's files ``now`` (`shipped_files`) and the files its
    manifest lists: a file not listed, a listed file that is gone, a file whose hash changed.
    The ``outputs`` (pages and PDFs, whose own verdicts say so) are left out."""
    skip = set(outputs)
    shipped = {path: digest for path, digest in now.items() if path not in skip}
    files = {path: digest for path, digest in files.items() if path not in skip}
    problems = [
        f"{path}: shipped but not in the manifest" for path in sorted(set(shipped) - set(files))
    ]
    problems += [
        f"{path}: in the manifest but missing" for path in sorted(set(files) - set(shipped))
    ]
    problems += [
        f"{path}: changed since the build: its SHA-256 differs from the manifest's"
        for path in sorted(set(files) & set(shipped))
        if files[path] != shipped[path]
    ]
    return problems


def check_sources(
    root: Path, sources: dict[str, str], now: Mapping[str, str] | None = None
) -> list[str]:
    """One problem naming every source that changed, appeared or went since the build (the
    site is stale), or none. ``now``: the sources' hashes, if the caller has just taken them
    (a build has: `source_hashes`)."""
    now = source_hashes(root) if now is None else now
    changed = sorted(path for path in set(now) & set(sources) if now[path] != sources[path])
    added = sorted(set(now) - set(sources))
    removed = sorted(set(sources) - set(now))
    if not (changed or added or removed):
        return []
    parts = [
        f"{label}: {', '.join(paths)}"
        for label, paths in (("changed", changed), ("added", added), ("removed", removed))
        if paths
    ]
    return [
        "the site is stale: the project's sources differ from those it was built from ("
        + "; ".join(parts)
        + "); rebuild it"
    ]


def _reviews(library: Library, lang: str) -> dict[str, dict[str, str | None]]:
    """The review of each block as a language shows it (the source's while not translated)."""
    source = library.content[library.source_language]
    translated = library.content[lang]
    reviews = {}
    for block_id in sorted(set(source) | set(translated)):
        block = translated.get(block_id) or source[block_id]
        reviews[block_id] = {
            "status": block.review.status if block.review else "draft",
            "reviewed_on": block.review.reviewed_on.isoformat()
            if block.review and block.review.reviewed_on
            else None,
        }
    return reviews


def write_manifest(site_dir: Path, manifest: dict[str, Any]) -> Path:
    """Write the manifest to ``site_dir/careleaf-manifest.json`` (sorted keys, stable bytes).

    Returns:
        The manifest's path.
    """
    path = Path(site_dir) / MANIFEST_NAME
    text = json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
    return path


def read_manifest(site_dir: Path) -> dict[str, Any]:
    """Read and check the shape of ``site_dir/careleaf-manifest.json``.

    Raises:
        UnreadableOutput: the site folder or the manifest is missing, not JSON, or not shaped
            like a manifest (the message says where).
    """
    site_dir = Path(site_dir)
    if not site_dir.is_dir():
        raise UnreadableOutput(f"{site_dir}: the site folder does not exist")
    path = site_dir / MANIFEST_NAME
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UnreadableOutput(f"{path}: cannot read the manifest: {error}") from None

    def bad(message: str) -> UnreadableOutput:
        return UnreadableOutput(f"{path}: not a careleaf manifest: {message}")

    if not isinstance(manifest, dict):
        raise bad("not a JSON object")
    if manifest.get("careleaf_manifest") != MANIFEST_VERSION:
        raise bad(f"'careleaf_manifest' must be {MANIFEST_VERSION}")
    required: tuple[tuple[str, type], ...] = (
        ("clinic", str),
        ("content_version", str),
        ("blocks", dict),
        ("files", dict),
        ("sources", dict),
    )
    for key, kind in required:
        if not isinstance(manifest.get(key), kind):
            raise bad(f"'{key}' must be a {kind.__name__}")
    for key in ("files", "sources"):
        if not all(isinstance(value, str) for value in manifest[key].values()):
            raise bad(f"'{key}' must map each path to its SHA-256")
    outputs = manifest.get("outputs")
    if not isinstance(outputs, list):
        raise bad("'outputs' must be a list")
    for index, entry in enumerate(outputs):
        where = f"outputs[{index}]"
        if not isinstance(entry, dict):
            raise bad(f"{where} must be an object")
        for key, types in OUTPUT_KEYS.items():
            if not isinstance(entry.get(key), types):
                raise bad(f"{where}.{key} is missing or has the wrong type")
        if entry["kind"] not in KINDS:
            raise bad(f"{where}.kind must be one of {', '.join(KINDS)}")
        if not all(isinstance(item, str) for item in entry["items"]):
            raise bad(f"{where}.items must be a list of item ids")
        try:
            output_file(site_dir, entry["path"])
        except UnreadableOutput as error:
            raise bad(f"{where}.path: {error}") from None
    return manifest


def output_file(site_dir: Path, path: str) -> Path:
    """The file of an output path inside the site folder.

    Raises:
        UnreadableOutput: the path is absolute or leaves the site folder.
    """
    relative = PurePosixPath(path)
    if relative.is_absolute() or ".." in relative.parts or "\\" in path or not relative.parts:
        raise UnreadableOutput(f"{path}: an output path must be relative to the site folder")
    return Path(site_dir) / relative


def sha256(path: Path) -> str:
    """The SHA-256 of a file, in hex.

    Raises:
        UnreadableOutput: the file cannot be read.
    """
    try:
        with open(path, "rb") as file:
            return hashlib.file_digest(file, "sha256").hexdigest()
    except OSError as error:
        raise UnreadableOutput(f"{path}: cannot read the output: {error}") from None
