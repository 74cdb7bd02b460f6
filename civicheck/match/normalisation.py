"""Text in its comparable form: every character rule (quotes, dashes, invisible characters, NFKC, case) lives
in these tables and in `fold`, used by `normalise` and by the tokeniser (tokeniser.py).
"""

from __future__ import annotations

import re
import unicodedata

INVISIBLE = (
    "\u00ad\u200b\u200c\u200d\u2060\ufeff"  # soft hyphen, zero-width (non)joiners/space, word joiner, BOM
)
SINGLE_QUOTES = "\u2018\u2019\u201a\u201b\u2032\u2035\u0060\u00b4\u02bc\u2039\u203a\uff07"
DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033\u2036\u301d\u301e\uff02"
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
# Spaces that str.split() already treats as whitespace are left to it; these are the ones it would not.
_FOLD = str.maketrans(
    {
        **{c: None for c in INVISIBLE},
        **{c: "'" for c in SINGLE_QUOTES},
        **{c: '"' for c in DOUBLE_QUOTES},
        **{c: "-" for c in DASHES},
        "\u00a0": " ",
        "\u202f": " ",
        "\u2007": " ",
    }
)


def fold(text: str) -> str:
    """Character rules without the whitespace ones: quotes, dashes, invisibles, NFKC, case."""
    # Quotes first: NFKC would turn some of them (´ ″) into spacing sequences instead of one quote character.
    text = unicodedata.normalize("NFKC", text.translate(_FOLD))
    return text.casefold().translate(_FOLD)


# "tersebut.Dia" (a <br> or </p> with no space left by the extractor) reads as "tersebut. Dia"; likewise
# "mengatakan,pembatalan". Digits are left alone so "3.5" and "29,5" stay numbers.
_SENTENCE_JOIN = re.compile(r"(?<=[^\W\d_])([.!?]+[\"')\]]*)(?=[\"'(\[]?([^\W\d_]))")
_CLAUSE_JOIN = re.compile(r"(?<=[^\W\d_])([,;])(?=[^\W\d_])")


def _join_sentence(m: re.Match[str]) -> str:
    # Only from a small letter to a capital: "kompas.com" and "U.S.A" stay as written.
    glued = m.group(2).isupper() and m.string[m.start() - 1].islower()
    return m.group(1) + " " if glued else m.group(1)


def normalise(text: str) -> str:
    """The comparable form of `text`: NFKC, casefolded, one kind of quote and dash, no invisible characters,
    single spaces, and a space after sentence punctuation glued to the next word ("tersebut.Dia")."""
    # The joins look at capitals, so they come before fold (which casefolds); fold is idempotent.
    text = unicodedata.normalize("NFKC", text.translate(_FOLD))
    text = _CLAUSE_JOIN.sub(r"\1 ", _SENTENCE_JOIN.sub(_join_sentence, text))
    return " ".join(fold(text).split())
