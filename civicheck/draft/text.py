"""Sentences and words of an article paragraph, with their offsets, so every drafted text is a slice of it.

A check's text must be exactly what the page says; working on offsets into the paragraph (never on a rebuilt
string) keeps it so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from civicheck.draft.vocabulary import ABBREVIATIONS

# A sentence ends at . ! ? (closing quotes and brackets may follow) before a space and a capital, a digit or an
# opening quote; or glued to the next sentence, as Indonesian sites print it: "tersebut.Dia", "mereka.\"Tawaran".
_END = re.compile(r"[.!?…]+[\"'”’»)\]]*")
_NEXT_SPACED = re.compile(r"\s+[\"“‘«(\[]?[A-Z0-9À-Ý]")
_NEXT_GLUED = re.compile(r"[\"“]?[A-Z]")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def sentence_spans(text: str, protected: Sequence[tuple[int, int]] = ()) -> list[Span]:
    """The sentences of `text` as [start, end) spans, never ending inside a `protected` span (a quotation
    holding several sentences is one part of the sentence it stands in)."""
    spans, start = [], 0
    for m in _END.finditer(text):
        end = m.end()
        if end > m.start() + 1 and text[end - 1] in '"“' and end < len(text) and text[end].isalpha():
            end -= 1  # `mereka."Tawaran`: that quote opens the next sentence
        if end >= len(text.rstrip()):
            break
        glued = m.start() > 0 and text[m.start() - 1].islower() and _NEXT_GLUED.match(text, end)
        if not (_NEXT_SPACED.match(text, end) or glued):
            continue
        if _abbreviation_before(text, m.start()) or any(s < m.start() < e - 1 for s, e in protected):
            continue
        if text[start:end].strip():
            spans.append(Span(*_trim(text, start, end)))
        start = end
    if text[start:].strip():
        spans.append(Span(*_trim(text, start, len(text))))
    return spans


def _abbreviation_before(text: str, dot: int) -> bool:
    """Whether the dot at `dot` ends an abbreviation or an initial ("Gov.", "U.S.", "A.") rather than a sentence."""
    if text[dot] != ".":
        return False
    word = text[:dot].rsplit(None, 1)[-1] if text[:dot].strip() else ""
    word = word.lstrip("(\"“‘'")
    if not word:
        return False
    if "." in word:  # U.S. / P.D. / L.P.
        return True
    if len(word) == 1 and word.isalpha():  # an initial
        return True
    word = word.lower()
    if word in ("no", "nos"):  # "No. 20", but "she said no."
        return text[dot + 1 : dot + 3].strip()[:1].isdigit()
    return word in ABBREVIATIONS


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def words_with_offsets(text: str, start: int = 0, end: int | None = None) -> list[tuple[str, int, int]]:
    """Whitespace-separated words of text[start:end] with their offsets in `text`."""
    end = len(text) if end is None else end
    return [(m.group(), m.start() + start, m.end() + start) for m in _WORD.finditer(text[start:end])]


def bare(word: str) -> str:
    """A word without the punctuation around it, in lower case: what the word lists are compared with."""
    return word.strip(".,;:!?\"'“”‘’«»()[]{}—–-…").lower()


def shorten(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters, with "…" when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"
