"""Text as the "not found" patterns read it (norm), and the cheap test every pattern needs first: shared by the
markup reader (which link and menu texts could read as such a message) and the wording signals.
"""

from __future__ import annotations

import re
import unicodedata

# Every "not found" pattern (wording.py) needs one of these: a cheap test first, since every short block of a
# page is tried.
KEYWORDS = re.compile(
    r"404|found|ditemu|exist|tersedia|\bada\b|dihapus|dipindah|removed|deleted|moved|"
    r"available|find|diakses"
)


def norm(text: str) -> str:
    """Text as the patterns read it: NFKC, case folded, one kind of apostrophe, single spaces."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    return " ".join(text.split())


def could_say_missing(normed: str) -> bool:
    """Could this (normalised) text be a "not found" message?"""
    return bool(KEYWORDS.search(normed))


# KEYWORDS without its word boundaries, for text not normalised yet.
_ROOTS = re.compile(KEYWORDS.pattern.replace(r"\b", ""))


def might_say_missing(text: str) -> bool:
    """False only where could_say_missing(norm(text)) is False, at a fraction of its cost: most texts a page
    holds are ASCII, and norm() of ASCII text is its lower case with its spaces joined, so a keyword it has
    is in the lower case already."""
    return not text.isascii() or bool(_ROOTS.search(text.lower()))
