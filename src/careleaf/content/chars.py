"""Characters that contributed text may not hold, and how a message names a character.

A reviewer reads what a message shows: an id with a Cyrillic ``і`` or a zero-width space looks
right when printed as it is, so messages name such characters by code point instead.
"""

from __future__ import annotations

import unicodedata

# Characters no contributed text may hold: they hide or reorder what a reviewer reads (bidi
# overrides and isolates, "Trojan Source"), or are control codes no text needs.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# A byte order mark is dropped where a file starts; inside text it is an invisible character
# that splits a word for search and comparison. The replacement character is what a broken
# conversion to UTF-8 left where a character was lost: the text is not what its author wrote.
DAMAGE = frozenset("\ufeff\ufffd")
ALLOWED_CONTROLS = frozenset("\t\n")
# How many unusual characters a message lists.
SHOWN_AT_MOST = 5


def forbidden_char(char: str) -> bool:
    """Whether contributed text may not hold this character (a control code, a bidi override,
    a byte order mark inside text, the replacement character)."""
    if char in ALLOWED_CONTROLS:
        return False
    return char in BIDI_CONTROLS or char in DAMAGE or unicodedata.category(char) in ("Cc", "Cs")


def char_name(char: str) -> str:
    """A character as a message shows it: ``U+0007 (BEL)``."""
    name = unicodedata.name(char, "control character")
    return f"U+{ord(char):04X} ({name.lower()})"


def shown(text: str) -> str:
    """``text`` as a message may print it: printable ASCII as it is, every other character
    as a Python escape (``bru\\u0456sing``), so that no look-alike passes for what it imitates."""
    out = []
    for char in text:
        if " " <= char <= "~":
            out.append(char)
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return "".join(out)


def unusual(text: str) -> str | None:
    """The characters of an ASCII name (an id, a language code) that are not printable ASCII,
    by code point and position, or None: ``U+0456 (cyrillic small letter byelorussian-
    ukrainian i) at position 4``."""
    found = [(i, ch) for i, ch in enumerate(text, start=1) if not " " <= ch <= "~"]
    if not found:
        return None
    listed = ", ".join(f"{char_name(ch)} at position {i}" for i, ch in found[:SHOWN_AT_MOST])
    more = len(found) - SHOWN_AT_MOST
    return listed + (f" and {more} more" if more > 0 else "")
