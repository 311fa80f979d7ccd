"""Reading outputs back: what reading a page and reading a PDF share.

Where a protected element is found (`locate`), the error an unreadable output raises, the lock
around pdfium, and the one form in which an item's text and a text read back are compared
(`normalise`), with the complex scripts whose PDF text does not round-trip.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata

from careleaf.content.project import protected_anchor
from careleaf.errors import CareleafError

# Characters of the scripts whose PDF text does not round-trip through extraction.
COMPLEX_SCRIPTS = (
    ("\u0980", "\u09ff", "Bengali"),
    ("\u0600", "\u06ff", "Arabic"),
    ("\u0750", "\u077f", "Arabic"),  # Arabic Supplement
    ("\ufb50", "\ufdff", "Arabic"),  # Arabic Presentation Forms-A
    ("\ufe70", "\ufeff", "Arabic"),  # Arabic Presentation Forms-B
)

# A hyphen at the end of a line, then the next line's first character. U+2010 is what
# WeasyPrint draws where it breaks at a soft hyphen or hyphenates automatically.
_LINE_END_HYPHEN = re.compile(r"([-\u2010\u00ad])[^\S\n]*\n\s*(\w)")
_WHITESPACE = re.compile(r"\s+")
# What pdfium extracts for a hyphen that ends a line of a run it reads from /ActualText
# (Bengali: "এক-দুই" broken after its hyphen): U+0002 character by character, U+FFFE in a
# page's text. Each stands for the hyphen.
PDFIUM_LINE_END_HYPHEN = str.maketrans(dict.fromkeys("\x02\ufffe", "-"))

# Held around all work with pdfium: it is not thread-safe, not even on different documents
# (pypdfium2's documentation), and a build verifies two clinics at once, in threads.
PDFIUM = threading.RLock()


def locate(key: str) -> tuple[str, str]:
    """Where a protected element is found: its CSS selector in a page, its PDF destination.

    The one place that knows how the renderer marks protected elements: each carries
    ``data-protected="<key>"`` and the id `careleaf.content.model.protected_anchor` makes of its
    key, which WeasyPrint writes as a named destination.
    """
    return f'[data-protected="{key}"]', protected_anchor(key)


class UnreadableOutput(CareleafError):
    """An output (or the site folder, or its manifest) cannot be read or parsed."""


# Text


def normalise(text: str, *, join_hyphens: str = "-\u2010\u00ad") -> str:
    """Text in the one form in which item texts and extracted texts are compared.

    Unicode NFKC; a word hyphenated at a line end is joined (``"need-\\nling"`` ->
    ``"needling"``, only when the next line starts with a lowercase letter); soft hyphens are
    removed; every run of whitespace becomes one space; the ends are stripped.

    Args:
        text: any text.
        join_hyphens: the hyphen characters that are joined at a line end. A hyphen left out
            of it keeps its place and only the line break goes: ``"pre-\\nexisting"`` ->
            ``"pre-existing"`` with ``join_hyphens="\\u2010\\u00ad"``.
    """
    text = unicodedata.normalize("NFKC", text).translate(PDFIUM_LINE_END_HYPHEN)

    def join(match: re.Match[str]) -> str:
        hyphen, letter = match.group(1), match.group(2)
        if not letter.islower():
            return match.group(0)
        return letter if hyphen in join_hyphens else hyphen + letter

    text = _LINE_END_HYPHEN.sub(join, text).replace("\u00ad", "")
    return _WHITESPACE.sub(" ", text).strip()


# A page's text is looked up once for every item on it: normalised once.
@functools.lru_cache(maxsize=64)
def text_variants(text: str) -> frozenset[str]:
    """The normalised forms of an extracted text that an item's text may be found in.

    A line break after an ASCII hyphen is ambiguous: a word broken where it already had a
    hyphen ("pre-existing", kept by WeasyPrint) or hyphenated by the renderer. Both readings
    are offered; a hyphen WeasyPrint inserted (U+2010) or a soft hyphen is always joined.
    """
    return frozenset((normalise(text), normalise(text, join_hyphens="\u2010\u00ad")))


def script_of(char: str) -> str | None:
    """ "Bengali" or "Arabic" for a character of a script whose PDF text does not round-trip."""
    return next((name for low, high, name in COMPLEX_SCRIPTS if low <= char <= high), None)


def is_complex(char: str) -> bool:
    """True for a character of a script whose PDF text does not round-trip (Bengali, Arabic)."""
    return script_of(char) is not None


def complex_scripts(text: str) -> set[str]:
    """The complex scripts ("Bengali", "Arabic") the text has characters of."""
    return {script for script in map(script_of, set(text)) if script}


def plain_tokens(text: str) -> list[str]:
    """The runs of letters and digits of a text that are not in a complex script.

    In ``"আপনি 5 (COVID-19)"`` these are ``["5", "COVID", "19"]``. Punctuation is left out:
    text extraction attaches it unpredictably to neighbouring complex-script glyphs.
    """
    tokens, current = [], []
    for char in unicodedata.normalize("NFKC", text):
        if char.isalnum() and not is_complex(char):
            current.append(char)
        elif current:
            tokens.append("".join(current))
            current = []
    if current:
        tokens.append("".join(current))
    return tokens
