"""Proofs already made: an output whose bytes, expectations and verifier are unchanged since
it was proven is not proven again by a build.

The verifier's verdict on an output is a function of what it reads: the output's bytes, what
the content expects in it, the files the output loads (a page's stylesheets, scripts, fonts
and images) and the verifier itself (careleaf's code, pdfium, pikepdf, HarfBuzz, Chromium). A
proof is remembered under a hash of all of these, and only a passing one: a failure is always
proven again, so that its message is fresh. `careleaf build` uses the memo, kept in its cache
folder; `careleaf verify` never does, and proves every output afresh.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections.abc import Collection, Iterable, Mapping
from importlib.metadata import version
from pathlib import Path
from typing import Any

from careleaf.build.cache import hash_files, write_whole
from careleaf.fingerprint import careleaf_files
from careleaf.verify.browser import CHROMIUM

FORMAT = "careleaf-proofs-1"
INDEX = "index.json"
# What the verifier's verdicts depend on besides careleaf's own code.
VERIFIER_PACKAGES = (
    "pikepdf",
    "pypdfium2",
    "uharfbuzz",
    "fonttools",
    "beautifulsoup4",
    "lxml",
    "cssselect2",
)
# Files of a site that no page loads when it is opened: other pages (followed only by a
# click), the PDFs (linked, not embedded) and the manifest; the search index is read only by
# the search worker, whose results show only once someone types a query, which the proof
# never does.
NOT_LOADED_SUFFIXES = (".html", ".pdf", ".gz")
NOT_LOADED_NAMES = ("search_index.json", "sitemap.xml", "careleaf-manifest.json")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".svg", ".ico")


@functools.cache
def verifier_digest() -> str:
    """A hash of the verifier: careleaf's code, the reading libraries and Chromium."""
    digest = hashlib.sha256(FORMAT.encode())
    for name, sha in careleaf_files().items():
        digest.update(f"{name}\0{sha}\0".encode())
    for name in VERIFIER_PACKAGES:
        digest.update(f"{name}={version(name)}\0".encode())
    chromium = Path(CHROMIUM)
    if chromium.exists():
        stat = chromium.resolve().stat()
        digest.update(f"chromium={stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


class PageInputs:
    """What a page of one language's site may load when it is opened, for a proof's key.

    A language's pages load only that language's own files (MkDocs builds each language as a
    site of its own, and a link out of a language's folder is a build warning, which fails
    the build), so the other languages' folders (``others``) are left out. Every stylesheet,
    script, font and data file counts for every page; an image counts for a page whose HTML,
    or a stylesheet or script, names it (the handouts' thumbnails count for the page that
    shows them, not for every page).
    """

    def __init__(
        self,
        site_dir: Path,
        lang_folder: str,
        others: Iterable[str],
        hashes: Mapping[str, str] | None = None,
    ) -> None:
        """``hashes``: every file of the site (relative path -> SHA-256, as
        `careleaf.verify.manifest.shipped_files` gives them), when the verification has just
        hashed them: they are neither listed nor hashed again."""
        self.site_dir = Path(site_dir)
        self.hashes = hashes
        top = self.site_dir / lang_folder
        skip = {top / other for other in others}
        if hashes is not None:
            files = [self.site_dir / name for name in hashes]
            files = [path for path in files if path.is_relative_to(top)]
        else:
            files = [path for path in top.rglob("*") if path.is_file()]
        loaded = sorted(
            path
            for path in files
            if path.suffix not in NOT_LOADED_SUFFIXES
            and path.name not in NOT_LOADED_NAMES
            and not any(folder in path.parents for folder in skip)
        )
        self.images = [path for path in loaded if path.suffix.lower() in IMAGE_SUFFIXES]
        shared = [path for path in loaded if path.suffix.lower() not in IMAGE_SUFFIXES]
        digest = hashlib.sha256()
        hash_files(digest, shared, self.site_dir, hashes)
        self.shared = digest.hexdigest()
        # Images that the stylesheets and scripts name count for every page.
        self.named_by_assets = b"".join(
            path.read_bytes() for path in shared if path.suffix in (".css", ".js")
        )

    def digest(self, page: bytes) -> str:
        """A hash of the files a page with this HTML may load."""
        digest = hashlib.sha256(self.shared.encode())
        named = [
            path
            for path in self.images
            if path.name.encode() in page or path.name.encode() in self.named_by_assets
        ]
        hash_files(digest, named, self.site_dir, self.hashes)
        return digest.hexdigest()


class Proofs:
    """The memo of passing proofs, in a folder (a build's ``.careleaf-cache/proofs``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.used: set[str] = set()
        # Proofs made ahead of the verification that will use them (a handout proven by the
        # worker that rendered it): kept until then, though no site has used them yet.
        self.fresh: set[str] = set()
        # The views of sites being verified (`site`), whose proofs no record may forget yet,
        # and the lock around the index, which their records share.
        self._sites: list[Proofs] = []
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        # A worker process gets the memo's folder and what it needs to remember a proof; the
        # lock and the sites under way stay with this process.
        return {"folder": self.folder, "used": set(), "fresh": set()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _sites=[], _lock=threading.Lock())

    def site(self) -> Proofs:
        """A view of the memo for one site's verification: the same proofs, with its own
        record of the proofs it uses, so that sites verified at the same time (in threads of
        a build) each record theirs, and no record forgets a proof another is using."""
        view = object.__new__(Proofs)  # not `copy.copy`, which would pickle (see above)
        view.__dict__.update(self.__dict__, used=set())
        with self._lock:
            self._sites.append(view)
        return view

    @staticmethod
    def key(kind: str, *parts: object) -> str:
        """The memo key of a proof of ``kind`` over ``parts`` (hashes and plain data)."""
        text = json.dumps([verifier_digest(), kind, *parts], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def _file(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def known(self, key: str) -> dict[str, Any] | None:
        """What a passing proof under ``key`` recorded, or None when there is none."""
        self.used.add(key)
        try:
            record = json.loads(self._file(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return record if isinstance(record, dict) else None

    def remember(self, key: str, record: Mapping[str, Any] | None = None) -> None:
        """Remember a passing proof (with what its verdict noted, if anything)."""
        self.used.add(key)
        path = self._file(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_whole(path, json.dumps(dict(record or {}), sort_keys=True).encode("utf-8"))

    def record(self, site: str, clinics: Collection[str]) -> None:
        """Note the proofs a site's verification used (``site``: ``clinic:languages``), and
        forget those no site uses (nor a site being verified), nor any of a clinic the
        project no longer has."""
        with self._lock:
            index_file = self.folder / INDEX
            try:
                index = json.loads(index_file.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                index = {}
            index[site] = sorted(self.used)
            self.used = set()
            if self in self._sites:
                self._sites.remove(self)
            index = {name: keys for name, keys in index.items() if name.split(":")[0] in clinics}
            self.folder.mkdir(parents=True, exist_ok=True)
            write_whole(index_file, json.dumps(index, indent=1, sort_keys=True).encode("utf-8"))
            keep = {key for keys in index.values() for key in keys} | self.fresh
            # Copied whole (`set.copy` holds the interpreter lock): other threads may be
            # adding to them.
            keep.update(key for view in self._sites for key in view.used.copy())
            for path in self.folder.glob("??/*.json"):
                if path.stem not in keep:
                    path.unlink(missing_ok=True)
