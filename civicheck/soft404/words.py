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
