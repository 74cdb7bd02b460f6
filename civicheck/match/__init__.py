"""Matching phrases and quotes against a document's passages: pure functions on strings (no I/O), shared by
the `contains` and `quote` checks.

normalisation.py (character rules) → tokeniser.py (word and number tokens, stemming) → index.py (a document's
token stream, searched fast) → placement.py (the article's paragraphs placed on the page) → hits.py (each
match labelled, labels.py, and excerpted, excerpts.py) → phrases.py (`contains`), quotes.py (`quote`:
elisions, misquotes) with diff.py (the closest passage and the words that differ) → results.py (Hit,
MatchResult).
"""

from civicheck.match.normalisation import normalise
from civicheck.match.phrases import find_phrases
from civicheck.match.quotes import ELISION_WINDOW, find_quote
from civicheck.match.results import Hit, MatchResult
from civicheck.match.tokeniser import tokens

__all__ = ["ELISION_WINDOW", "Hit", "MatchResult", "find_phrases", "find_quote", "normalise", "tokens"]
