"""What each published folder was built from, kept in the cache folder between builds.

A build compares its inputs' digests (`careleaf.fingerprint`) with the record of the folder it
publishes to: a clinic whose inputs are unchanged is kept as it is, a language's site whose
inputs are unchanged is copied, and handouts whose inputs are unchanged are taken by their
cache keys without preparing their documents again.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

_CACHE_KEY = re.compile(r"[0-9a-f]{64}")


def tree_hashes(folder: Path) -> dict[str, str]:
    """Every file of a folder, by relative path, with its SHA-256."""
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@dataclass
class Published:
    """What a published folder was built from: the clinic's inputs, each language's site's,
    the files each language's site engine wrote, every file's hash then, the cache key of
    each handout it holds (unit name -> key), and each language's handouts' inputs."""

    inputs: str | None
    languages: dict[str, str | None]
    written: dict[str, list[str]]
    files: dict[str, str]
    handouts: dict[str, str] = field(default_factory=dict)
    handout_inputs: dict[str, str | None] = field(default_factory=dict)

    def unchanged(self, lang: str, before: Published) -> bool:
        """Whether a language's site read the same inputs in the build published ``before``
        (and that build recorded what its site wrote): it can be taken from there instead
        of being built again."""
        digest = self.languages[lang]
        return (
            digest is not None and before.languages.get(lang) == digest and lang in before.written
        )

    def same_handouts(self, lang: str, before: Published) -> bool:
        """Whether a language's handouts read the same inputs in the build published
        ``before``: their cache keys can be taken from its record without preparing their
        documents again. (They read less than the site: the source language's site reads
        every language, for the editors' report; its handouts only its own content.)"""
        digest = self.handout_inputs.get(lang)
        return digest is not None and before.handout_inputs.get(lang) == digest


class BuildRecords:
    """What each published folder was built from, and its files' hashes, in the cache folder."""

    def __init__(self, cache: Path) -> None:
        self.folder = Path(cache) / "builds"

    def _file(self, final: Path) -> Path:
        name = hashlib.sha256(str(final.resolve()).encode()).hexdigest()[:32]
        return self.folder / f"{name}.json"

    def read(self, final: Path) -> Published | None:
        """The record of the build published in ``final``, if its files are untouched since."""
        if not final.is_dir():
            return None
        try:
            record = json.loads(self._file(final).read_text(encoding="utf-8"))
            published = Published(
                record["inputs"],
                record["languages"],
                record["written"],
                record["files"],
                dict(record.get("handouts", {})),
                dict(record.get("handout_inputs", {})),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None
        # A handout's key names its files in the cache: a damaged record names none.
        if not all(_CACHE_KEY.fullmatch(str(key)) for key in published.handouts.values()):
            return None
        return published if published.files == tree_hashes(final) else None

    def remember(self, final: Path, published: Published) -> None:
        """Record a published build (nothing for a build that is not reproducible)."""
        path = self._file(final)
        if published.inputs is None:
            path.unlink(missing_ok=True)
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        record = {"folder": str(final.resolve()), **asdict(published)}
        path.write_text(json.dumps(record, indent=1), encoding="utf-8")
