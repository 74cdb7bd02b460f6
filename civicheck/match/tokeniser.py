"""Tokens, their joined form ("batas waktu" == "bataswaktu"), and Indonesian stemming (PySastrawi) for
`contains` with `match: stem`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from operator import itemgetter

from civicheck.match.normalisation import DASHES, INVISIBLE, SINGLE_QUOTES, fold

# Quotes are compared as word tokens, so punctuation, case and whitespace are never material, but numbers
# keep their internal separators ("2021-2026", "29,5", "3.5", "08.00") and must match exactly.

_MARKS = (
    "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"  # combining marks: not \w in `re`
)
# Scripts written without spaces between words: each character is a token of its own, so "アプリ Kindle" and
# "アプリKindle" compare equal (Han, kana, Thai, Lao, Khmer, Myanmar).
_UNSPACED = "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff"
_LETTER = rf"[^\W\d_{_UNSPACED}{SINGLE_QUOTES}]"  # U+02BC is a letter to `re`, a quote here
# Letters and the marks and invisible characters inside a word, taken a run at a time (the regex engine then
# loops in C over each run rather than once per character: tokenising is most of searching a page).
_WORD_CHARS = rf"(?:{_LETTER}+|[{_MARKS}{INVISIBLE}]+)*"
_APOSTROPHES = "'" + SINGLE_QUOTES
# A word: letters, with apostrophes inside kept ("isn't" != "is", "Jum'at"); a hyphen between letters splits
# ("smart-city" == "smart city"), and letters and digits split ("COVID19" == "COVID-19" == "covid 19").
_WORD = rf"{_LETTER}{_WORD_CHARS}(?:[{_APOSTROPHES}]{_LETTER}{_WORD_CHARS})*"
# A number: digits with . , : / or a dash between them ("29,5", "08.00", "6/11", "2021–2026" == "2021-2026"), and
# a minus sign stuck to it ("-5" != "5"; any dash, as normalise() makes every dash "-").
_NUMBER = rf"(?:(?<![\w.,])[-{DASHES}](?=\d))?\d+(?:[-.,:/{DASHES}]\d+)*"
# A dash with spaces between two numbers is a token of its own: "2021 – 2026" is a range, but "18 22 13 17 — 70"
# is a table row whose "17" must stay findable. The joined search (below) glues it back: "2021 - 2026" is then
# found for "2021-2026" and the other way round.
_SPACED_DASH = rf"(?<=\d)\s*[-{DASHES}]\s*(?=\d)"
# Per cent and currency signs change what a number means, so they are tokens too.
_SYMBOL = "[%\u2030$\u20ac\u00a3\u00a5\u20b9\u20a9\u20bd\u20b1\u0e3f\u20ab\u00a2\u00b0]"
# No two kinds of token can start at the same character (a word at a letter, a spaced dash at a space or dash
# after a digit, a number at a digit or minus sign, ...), so their order is free: words, the most of them, first.
_TOKEN = re.compile(f"{_WORD}|{_SPACED_DASH}|{_NUMBER}|{_SYMBOL}|[{_UNSPACED}]")
SPACE = re.compile(r"\s+")


# ASCII text folds character by character (NFKC leaves it as it is, case folding keeps it ASCII), so a token of
# it is folded by one table made from fold() itself: the two cannot disagree, and a page's new words (most of a
# run's tokens the first time they are seen) cost a third as much.
_ASCII_FOLD = str.maketrans({chr(c): SPACE.sub("", fold(chr(c))) for c in range(128)})


@lru_cache(maxsize=200_000)
def _norm_token(raw: str) -> str:
    if raw.isascii():
        return raw.translate(_ASCII_FOLD)
    return SPACE.sub("", fold(raw))


# A page's article paragraphs are most of its page blocks, word for word, and menus come back on every page of a
# site: a text tokenised lately is not tokenised again (it was half of searching a page). Bounded: a few pages.
@lru_cache(maxsize=1024)
def token_columns(text: str) -> tuple[tuple[str, ...], tuple[int, ...], tuple[int, ...]]:
    """tokenise() as columns: the normalised tokens, where each starts, where each ends (as a token stream keeps
    them). Made by maps over the matches, in C, rather than a tuple per token: a quarter less time."""
    found = list(_TOKEN.finditer(text))
    return (
        tuple(map(_norm_token, map(_MATCHED, found))),
        tuple(map(re.Match.start, found)),
        tuple(map(re.Match.end, found)),
    )


_MATCHED = itemgetter(0)


def tokenise(text: str) -> tuple[tuple[str, int, int], ...]:
    """(normalised token, start, end) for every word, number and sign in `text` (offsets into `text`)."""
    return tuple(zip(*token_columns(text), strict=True))


def tokens(text: str) -> list[str]:
    """The normalised word tokens of `text`, as quotes and phrases are compared."""
    return list(token_columns(text)[0])


def joined(toks: Sequence[str]) -> str:
    """Tokens with the spaces between two words left out: "batas waktu" == "bataswaktu", and apostrophes too:
    "NPR ’s" == "NPR’s", and spaced range dashes: "2021 - 2026" == "2021-2026". Numbers and signs otherwise keep
    a space around them, so regrouped digits ("1 226" vs "12 26") never compare equal."""
    return "".join(joined_pieces(toks))


def joined_pieces(toks: Sequence[str]) -> list[str]:
    """What each token contributes to the joined text (a leading space when it is not glued to the previous)."""
    out = []
    for i, t in enumerate(toks):
        piece = t.replace("'", "")
        glued = (t[0].isalpha() and toks[i - 1][0].isalpha()) or "-" in (t, toks[i - 1]) if i else True
        out.append(piece if glued else " " + piece)
    return out


# Stemming (Indonesian, PySastrawi): only for `contains` with stem: true, both sides stemmed token by token.

_STEMMER = None


@lru_cache(maxsize=200_000)
def stem_token(token: str) -> str:
    # Sastrawi knows lower-case Latin words only; numbers and words with apostrophes stay as they are.
    if not (token.isascii() and token.isalpha()):
        return token
    global _STEMMER
    if _STEMMER is None:
        try:
            from Sastrawi.Stemmer.StemmerFactory import StemmerFactory
        except ImportError as exc:  # an optional extra: fail with what to install
            raise RuntimeError("stem: true needs the PySastrawi package (pip install PySastrawi)") from exc
        _STEMMER = StemmerFactory().create_stemmer()
    return _STEMMER.stem(token) or token
