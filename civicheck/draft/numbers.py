"""Numbers and dates with their context: "dibeli pada 2022", "Rp 1,2 miliar", "36 terbawah", "29 penerbangan".

Each number becomes the shortest span of its sentence holding the number (with its currency, multiplier or
unit) and its subject: the word it counts ("29 penerbangan"), or for an amount, a share, a year or a date the
word it belongs to ("dibeli pada 2022"). Checking that span as a quote catches a later edit of the number.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from civicheck.draft.text import bare, words_with_offsets
from civicheck.draft.vocabulary import (
    CLASSIFIERS,
    CURRENCY_WORDS,
    FUNCTION_WORDS,
    MONTHS,
    MULTIPLIERS,
    PERCENT_WORDS,
    WEEKDAYS,
)

AMOUNT, SHARE, COUNT, YEAR, DATE, TIME = "amount", "share", "count", "year", "date", "time"

_NUMBER = re.compile(
    r"^(?:Rp\.?|US\$|S\$|\$|€|£|¥)?\d[\d.,:/\-–]*(?:%|persen)?$|^ke-\d+$|^\d+(?:st|nd|rd|th)$", re.I
)
_YEAR = re.compile(r"^(?:19|20)\d\d(?:[-–](?:19|20)?\d\d)?$")
_CURRENCY_GLUED = re.compile(r"^(?:Rp\.?|US\$|S\$|\$|€|£|¥)", re.I)
_TIME = re.compile(r"^\d{1,2}[.:]\d\d$")
_EDGE = ".,;:!?\"'“”‘’«»()[]{}"
_TIME_ZONES = frozenset("wib wita wit a.m. p.m. am pm gmt utc".split())
_MAX_SIDE = 3  # words looked at on either side for the subject


@dataclass(frozen=True)
class NumberSpan:
    start: int  # offsets in the paragraph
    end: int
    text: str  # exactly paragraph[start:end]
    kind: str  # AMOUNT, SHARE, COUNT, YEAR, DATE or TIME


def number_spans(
    paragraph: str, start: int, end: int, skip: Sequence[tuple[int, int]] = ()
) -> list[NumberSpan]:
    """The number spans of the sentence paragraph[start:end], leaving out numbers inside `skip` spans
    (quotations, which their own checks cover) and report dates ("Selasa (23/2/2016)")."""
    words = words_with_offsets(paragraph, start, end)
    spans: list[NumberSpan] = []
    covered = -1
    for i, (word, s, _) in enumerate(words):
        core = word.strip(_EDGE)
        if i <= covered or not core or not _NUMBER.match(core) or not any(ch.isdigit() for ch in core):
            continue
        if any(a <= s < b for a, b in skip) or _part_of_name(words, i) or _report_date(words, i):
            continue
        lo, hi, kind = _amount(words, i)
        lo, hi = _with_subject(words, lo, hi, kind)
        covered = hi
        a, b = _trim_edges(paragraph, words[lo][1], words[hi][2])
        if b > a:
            spans.append(NumberSpan(a, b, paragraph[a:b], kind))
    return spans


def _amount(words: list[tuple[str, int, int]], i: int) -> tuple[int, int, str]:
    """The words making up the number itself: currency before, multiplier and unit after, a date's month
    and year; and what kind of number it is."""
    core = words[i][0].strip(_EDGE)
    lo = hi = i
    kind = COUNT
    if _CURRENCY_GLUED.match(core):
        kind = AMOUNT
    if i > 0 and bare(words[i - 1][0]) in CURRENCY_WORDS and not _ends_clause(words[i - 1][0]):
        lo, kind = i - 1, AMOUNT
    if i > 0 and bare(words[i - 1][0]) in MONTHS:
        lo, kind = i - 1, DATE  # "Nov. 18", "November 18, 2019"
    while hi + 1 < len(words) and not _ends_clause(words[hi][0]):
        nxt = bare(words[hi + 1][0])
        if nxt in MULTIPLIERS or nxt in CURRENCY_WORDS:
            hi += 1
            kind = AMOUNT if kind in (COUNT, AMOUNT) else kind
        elif (
            nxt in PERCENT_WORDS or nxt == "per" and hi + 2 < len(words) and bare(words[hi + 2][0]) == "cent"
        ):
            hi += 2 if nxt == "per" else 1
            kind = SHARE
        elif nxt in MONTHS:
            hi += 1
            kind = DATE
            if (
                hi + 1 < len(words)
                and _YEAR.match(words[hi + 1][0].strip(_EDGE))
                and not _ends_clause(words[hi][0])
            ):
                hi += 1
        elif nxt in _TIME_ZONES and _TIME.match(core):
            hi += 1
            kind = TIME
        elif nxt in ("as", "dolar", "dollar") and kind == AMOUNT:
            hi += 1  # "2,35 juta dolar AS"
        else:
            break
    if core.endswith("%"):
        kind = SHARE
    elif kind == COUNT and _YEAR.match(core):
        kind = YEAR
    elif kind == COUNT and "/" in core:
        kind = DATE
    elif kind == COUNT and _TIME.match(core):
        kind = TIME
    if kind == DATE and kind != YEAR and lo > 0 and bare(words[lo - 1][0]) in WEEKDAYS:
        lo -= 1
    return lo, hi, kind


def _with_subject(words: list[tuple[str, int, int]], lo: int, hi: int, kind: str) -> tuple[int, int]:
    """Widen the number to its subject: the word after a count ("29 penerbangan", "3.016 orang penumpang"),
    the word before anything else ("dibeli pada 2022", "anggaran sebesar Rp 1,2 miliar", "naik 5 persen")."""
    right = _right_subject(words, hi)
    left = _left_subject(words, lo)
    if kind == COUNT:
        if right is not None:
            return lo, right
        return (left, hi) if left is not None else (lo, hi)
    if left is not None:
        return left, hi
    return (lo, right) if right is not None else (lo, hi)


def _right_subject(words: list[tuple[str, int, int]], hi: int) -> int | None:
    if _ends_clause(words[hi][0]):
        return None
    j = hi + 1
    taken = 0
    classifier = None
    while j < len(words) and taken < _MAX_SIDE:
        word = words[j][0]
        b = bare(word)
        if not b or b in FUNCTION_WORDS or any(ch.isdigit() for ch in b):
            return classifier
        if b in CLASSIFIERS:
            classifier = j  # "3.016 orang penumpang", "30,154 new cars": the classifier, then the noun;
            if _ends_clause(word):  # "4,5 tahun dan denda …": the unit alone
                return classifier
            j += 1
            taken += 1
            continue
        return j
    return classifier


def _left_subject(words: list[tuple[str, int, int]], lo: int) -> int | None:
    j = lo - 1
    taken = 0
    while j >= 0 and taken < _MAX_SIDE:
        word = words[j][0]
        if _ends_clause(word):
            return None
        b = bare(word)
        if b in MULTIPLIERS or b in CURRENCY_WORDS or b in PERCENT_WORDS or any(ch.isdigit() for ch in b):
            return None  # "Rp12,58 miliar dan 2,35 juta dolar AS": another amount, not a subject
        if b and b not in FUNCTION_WORDS:
            return j
        j -= 1
        taken += 1
    return None


def _ends_clause(word: str) -> bool:
    return word.rstrip("\"'”’)]").endswith((",", ".", ";", ":", "!", "?")) and not _decimal_end(word)


def _decimal_end(word: str) -> bool:
    return bool(re.search(r"\d[.,]\d+$", word.rstrip("\"'”’)]")))


def _part_of_name(words: list[tuple[str, int, int]], i: int) -> bool:
    """ "Hutchison 3 Indonesia", "Formula 1", "iPhone 11": a number between capitalised words or after a name
    is part of a name."""
    core = words[i][0].strip(_EDGE)
    if not core.isdigit() or len(core) > 2:
        return False
    before = words[i - 1][0] if i > 0 else ""
    after = words[i + 1][0] if i + 1 < len(words) else ""
    return (
        before[:1].isupper()
        and not _ends_clause(before)
        and bare(before) not in MONTHS
        and (after[:1].isupper() or not after)
    )


def _report_date(words: list[tuple[str, int, int]], i: int) -> bool:
    """ "Selasa (23/2/2016)", "Kamis (5/11)": when the reporter spoke to someone, not a fact to check."""
    core = words[i][0]
    return core.startswith("(") and "/" in core and i > 0 and bare(words[i - 1][0]) in WEEKDAYS


def _trim_edges(text: str, a: int, b: int) -> tuple[int, int]:
    """Without punctuation at either end, keeping a bracket that is closed inside the span."""
    while (
        a < b and text[a] in _EDGE and not (text[a] in "([" and ")]"[("(" + "[").index(text[a])] in text[a:b])
    ):
        a += 1
    while (
        b > a
        and text[b - 1] in _EDGE
        and not (text[b - 1] in ")]" and "(["[(")" + "]").index(text[b - 1])] in text[a:b])
    ):
        b -= 1
    return a, b
