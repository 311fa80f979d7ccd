"""Each language's site search: how Material's lunr index splits and filters words, and the
search worker that folds them (accents, Arabic marks, invisible characters) in the index and
in the query alike.

Material's search plugin takes the language, the word separator and the pipeline from
mkdocs.yml or from its translation of the theme's language, which suits no language it lacks:
careleaf sets all three for each language's build, so that search behaves the same in every
script a clinic adds.
"""

from __future__ import annotations

import functools
import json
import unicodedata
from importlib.resources import files
from typing import Any

from careleaf import compat

# Languages lunr has a language module for in Material (stop words, stemmer); others search
# with none, which is right for any script: no English filter is run on Bengali words.
SEARCH_LANGUAGES = {
    "ar",
    "da",
    "de",
    "du",
    "en",
    "es",
    "fi",
    "fr",
    "hi",
    "hu",
    "hy",
    "it",
    "ja",
    "kn",
    "ko",
    "nl",
    "no",
    "pt",
    "ro",
    "ru",
    "sa",
    "sv",
    "ta",
    "te",
    "th",
    "tr",
    "vi",
    "zh",
}
# careleaf's worker, beside Material's in the site (see search_worker.js for why there).
WORKER = "assets/javascripts/workers/careleaf-search.js"
WORKER_SOURCE = "search_worker.js"


@functools.cache
def separator() -> str:
    """The word separator of every language's index and query: any run of spaces, punctuation,
    symbols and control characters of the Basic Multilingual Plane (Unicode's categories Z, P,
    S and Cc, from Python's `unicodedata`), and a full stop not followed by a digit (so 1.5
    stays one word).

    Letters, digits and marks never separate: Bengali vowel signs stay in their words, and
    Arabic, Bengali and Devanagari punctuation (، ؛ ؟ । ॥) splits like an English comma.
    Written with ``\\uXXXX`` escapes, because Material compiles it without JavaScript's
    Unicode flag (no ``\\p{...}`` classes).
    """
    ranges: list[list[int]] = []
    for code in range(0x10000):
        char = chr(code)
        category = unicodedata.category(char)
        if char == "." or not (category[0] in "ZPS" or category == "Cc"):
            continue
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    parts = "".join(
        f"\\u{first:04x}" if first == last else f"\\u{first:04x}-\\u{last:04x}"
        for first, last in ranges
    )
    return f"[{parts}]+|\\.(?!\\d)"


def configure_search(search: Any, lang: str) -> None:
    """Set Material's search plugin (``search``, its instance in this build's configuration)
    for one language: lunr's language module where it has one, else none; the stop-word
    filter only with it (never lunr's trimmer, which strips every character outside ASCII
    from a word's ends and so empties Bengali words, nor a stemmer, which a prefix query
    does without); and `separator` unless mkdocs.yml sets one.
    """
    known = lang in SEARCH_LANGUAGES
    search.config.lang = [lang if known else "en"]
    search.config.pipeline = ["stopWordFilter"] if known else []
    if not search.config.separator:
        search.config.separator = separator()


def worker_script(theme_dirs: list[str]) -> str:
    """careleaf's search worker for a site whose theme is in ``theme_dirs``: Material's worker
    loaded and extended (`search_worker.js`)."""
    source = files("careleaf.site").joinpath(WORKER_SOURCE).read_text(encoding="utf-8")
    name = compat.material_search_worker(tuple(theme_dirs)).rsplit("/", 1)[-1]
    return source.replace('"{{ material_worker }}"', json.dumps(name))


def use_careleaf_worker(html: str, theme_dirs: list[str]) -> str:
    """A page of the site (``html``) with its search run by careleaf's worker."""
    material = compat.material_search_worker(tuple(theme_dirs))
    return compat.replace_search_worker(html, material, WORKER)
