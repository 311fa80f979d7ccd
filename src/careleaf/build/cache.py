"""A content-addressed cache of rendered handouts: an unchanged handout is copied, not rendered.

An entry's key hashes everything that shapes the PDF and its thumbnail: the handout's HTML
(content, clinic details, labels, date), the fonts and stylesheets, the clinic's folder
(logo), the renderer's own code, WeasyPrint's and pdfium's versions and the PDF options.
The cache lives outside the published folder (``.careleaf-cache/`` by default, git-ignored)
and is safe to delete at any time: a missing entry is rendered again.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import weasyprint

from careleaf import compat
from careleaf.content.model import Library
from careleaf.render import fill as fill_module
from careleaf.render import form_fields
from careleaf.render import handouts as pdf_module
from careleaf.render.handouts import PDF_VARIANT, STYLESHEETS, THUMBNAIL_WIDTH, HandoutJob, Rendered

# Bump when the layout of an entry changes.
FORMAT = "careleaf-cache-2"
INDEX = "index.json"


def hash_files(
    digest: hashlib._Hash,
    paths: Iterable[Path],
    base: Path,
    known: Mapping[str, str] | None = None,
) -> None:
    """Feed ``digest`` each file's path (relative to ``base``) and the hash of its bytes
    (from ``known``, relative path -> SHA-256 in hex, for a file just hashed)."""
    known = known or {}
    for path in sorted(paths):
        name = path.relative_to(base).as_posix()
        digest.update(name.encode() + b"\0")
        if name in known:
            digest.update(bytes.fromhex(known[name]))
        else:
            digest.update(hashlib.sha256(path.read_bytes()).digest())


def renderer_digest(root: Path) -> str:
    """A hash of what every handout's rendering depends on besides its HTML and clinic."""
    digest = hashlib.sha256(FORMAT.encode())
    for part in (
        weasyprint.__version__,
        version("pypdfium2"),
        version("pikepdf"),  # writes the finished form
        PDF_VARIANT,
        str(THUMBNAIL_WIDTH),
        # The renderer, its relayout to fill the last page, the form it finishes and its hook
        # into WeasyPrint's drawing.
        *(
            Path(str(m.__file__)).read_text(encoding="utf-8")
            for m in (pdf_module, fill_module, form_fields, compat)
        ),
    ):
        digest.update(part.encode() + b"\0")
    root = Path(root)
    fonts = [p for p in (root / "fonts").rglob("*") if p.is_file()]
    hash_files(digest, fonts + [root / name for name in STYLESHEETS], root)
    return digest.hexdigest()


def assets_digest(library: Library, clinic_id: str, shared: str) -> str:
    """``shared`` (`renderer_digest`) and the files of the clinic's folder (its logo)."""
    digest = hashlib.sha256(shared.encode())
    folder = library.root / Path(library.clinics[clinic_id].path).parent
    hash_files(digest, [p for p in folder.rglob("*") if p.is_file()], library.root)
    return digest.hexdigest()


@dataclass(frozen=True)
class Entry:
    """One rendered handout in the cache: its PDF, thumbnail and page count."""

    folder: Path
    key: str

    @property
    def pdf(self) -> Path:
        """The rendered PDF."""
        return self.folder / f"{self.key}.pdf"

    @property
    def png(self) -> Path:
        """The thumbnail of its first page."""
        return self.folder / f"{self.key}.png"

    @property
    def meta(self) -> Path:
        """Written last: an entry is complete only when this exists."""
        return self.folder / f"{self.key}.json"

    def ready(self) -> bool:
        """Whether the entry is complete and undamaged: its record is there (a build
        interrupted mid-write leaves none) and its PDF and thumbnail have the SHA-256 it
        recorded. A damaged entry is rendered again, not published (nor failed on every
        build until the cache is deleted)."""
        try:
            recorded = self._record()["sha256"]
            return all(
                hashlib.sha256(path.read_bytes()).hexdigest() == recorded[kind]
                for kind, path in (("pdf", self.pdf), ("png", self.png))
            )
        except (OSError, ValueError, KeyError, TypeError):
            return False

    def _record(self) -> dict[str, Any]:
        record: dict[str, Any] = json.loads(self.meta.read_text(encoding="utf-8"))
        return record

    def pages(self) -> int:
        """The PDF's page count, as recorded when it was rendered."""
        return int(self._record()["pages"])

    def anchors(self) -> list[str]:
        """The named destinations the PDF was written with, as recorded when it was rendered."""
        return [str(name) for name in self._record()["anchors"]]

    def store(self, rendered: Rendered, thumbnail: Callable[[Path, Path], None]) -> None:
        """Write the PDF, its thumbnail (``thumbnail(pdf, png)``) and then the record."""
        self.folder.mkdir(parents=True, exist_ok=True)
        write_whole(self.pdf, rendered.data)
        with tempfile.TemporaryDirectory(dir=self.folder) as scratch:
            png = Path(scratch) / "thumb.png"
            thumbnail(self.pdf, png)
            os.replace(png, self.png)
        record = {
            "pages": rendered.pages,
            "anchors": list(rendered.anchors),
            "sha256": {
                "pdf": hashlib.sha256(rendered.data).hexdigest(),
                "png": hashlib.sha256(self.png.read_bytes()).hexdigest(),
            },
        }
        write_whole(self.meta, json.dumps(record).encode())


def write_whole(path: Path, data: bytes) -> None:
    """Write a file whole or not at all (workers may write beside each other)."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as file:
        file.write(data)
    os.replace(name, path)


class Cache:
    """The cache folder: entries by key, and which unit uses which entry (for pruning)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def entry(self, job: HandoutJob, assets: str) -> Entry:
        """The entry of a handout document, rendered or not yet."""
        digest = hashlib.sha256(assets.encode())
        digest.update(f"{job.fillable}\0{job.max_pages}\0".encode())
        digest.update(job.html.encode("utf-8"))
        return self.entry_of(digest.hexdigest())

    def entry_of(self, key: str) -> Entry:
        """The entry of a key (see `entry`), rendered or not yet."""
        return Entry(self.folder / key[:2], key)

    def record(self, used: Mapping[str, str], current: Collection[str]) -> list[Path]:
        """Note which entry each unit now uses, and prune the entries no unit uses any more.

        Args:
            used: unit name (``clinic/lang/handout``) -> entry key, for the units just built.
                Units of other builds (other clinics) keep their entries.
            current: every unit the project has now: a removed clinic's, language's or
                handout's entries are pruned too.

        Returns:
            The files removed.
        """
        index_file = self.folder / INDEX
        try:
            index = json.loads(index_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            index = {}
        index = {name: key for name, key in {**index, **used}.items() if name in current}
        self.folder.mkdir(parents=True, exist_ok=True)
        write_whole(index_file, json.dumps(index, indent=1, sort_keys=True).encode())
        keep = set(index.values())
        removed = []
        for path in self.folder.glob("??/*"):
            if path.is_file() and path.name.split(".")[0] not in keep:
                path.unlink(missing_ok=True)
                removed.append(path)
        return removed
