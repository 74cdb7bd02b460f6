"""The token stream of a document's passages, built once per document and searched fast: exact runs of tokens
(str.find over the tokens joined by spaces), runs whatever the spaces between words, and stemmed runs.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from itertools import accumulate

from civicheck.extract.document import Passage
from civicheck.match.placement import Placement
from civicheck.match.tokeniser import SPACE, joined, joined_pieces, stem_token, token_columns


class Index:
    """Fast search for a run of tokens: the tokens joined by spaces, searched with str.find."""

    def __init__(self, toks: list[str]):
        self.text = " " + " ".join(toks) + " "
        # token index -> char offset of its first char in `text` (each token and its space after it), and back
        self.offsets: list[int] = list(accumulate(map((1).__add__, map(len, toks)), initial=1))[:-1]
        self.at: dict[int, int] = dict(zip(self.offsets, range(len(toks)), strict=True))

    def find_all(self, seq: Sequence[str]) -> list[int]:
        """Token indexes where `seq` starts, in order (overlapping occurrences included)."""
        if not seq:
            return []
        needle = " " + " ".join(seq) + " "
        out, pos = [], self.text.find(needle)
        while pos >= 0:
            out.append(self.at[pos + 1])
            pos = self.text.find(needle, pos + 1)
        return out

    def find_first(self, seq: Sequence[str], start: int = 0) -> int | None:
        """The first token index at or after `start` where `seq` starts: one scan from there, not of the whole
        text (placing a long article's paragraphs one after the other stays linear)."""
        if not seq or start >= len(self.offsets):
            return None
        pos = self.text.find(" " + " ".join(seq) + " ", self.offsets[start] - 1)
        return self.at[pos + 1] if pos >= 0 else None


class JoinedIndex:
    """Search ignoring where the spaces between words fall, matches still starting and ending on word boundaries."""

    def __init__(self, toks: list[str]):
        pieces = joined_pieces(toks)
        self.text = "".join(pieces)
        self.at: dict[int, int] = {}  # char offset where token i starts -> i
        self.until: dict[int, int] = {}  # char offset where token i ends -> i + 1
        pos = 0
        for i, piece in enumerate(pieces):
            pos += piece.startswith(" ")
            self.at.setdefault(pos, i)
            pos += len(piece) - piece.startswith(" ")
            self.until[pos] = i + 1

    def find_all(self, seq: Sequence[str]) -> list[tuple[int, int]]:
        needle = joined(seq)
        out, pos = [], self.text.find(needle) if needle else -1
        while pos >= 0:
            s, e = self.at.get(pos), self.until.get(pos + len(needle))
            if s is not None and e is not None:
                out.append((s, e))
            pos = self.text.find(needle, pos + 1)
        return out


class Stream:
    """All the tokens of a list of passages as one running text, each mapped back to (passage, start, end)."""

    def __init__(self, passages: Sequence[Passage]):
        self.passages = passages
        self.toks: list[str] = []
        self.pas: list[int] = []  # token index -> its passage
        self.start: list[int] = []  # token index -> its offsets in its passage's text
        self.end: list[int] = []
        self.first: list[int] = []  # first token index of each passage
        # Whole lists at a time, not token by token: building streams was most of searching a page.
        for i, p in enumerate(passages):
            self.first.append(len(self.toks))
            toks, starts, ends = token_columns(p.text)
            if toks:
                self.toks += toks
                self.start += starts
                self.end += ends
                self.pas += [i] * len(toks)
        self._index: Index | None = None
        self._words: list[int] | None = None
        self.placements: dict[tuple[Passage, ...], Placement] = {}  # article passages -> their places here
        self._stemmed: Index | None = None
        self._joined: JoinedIndex | None = None
        self._squashed: str | None = None  # the tokens run together, to rule out a joined search at once
        self._codes: tuple[dict[str, str], str] | None = None

    @property
    def index(self) -> Index:
        """The tokens searchable, made on first need: an article's stream is mostly only placed on the page
        (placement.py reads its tokens, and searches the page's index), never searched itself."""
        if self._index is None:
            self._index = Index(self.toks)
        return self._index

    def words_between(self, e: int, s: int) -> int:
        """Words from token e up to token s: "4G" or "smart-city" is one word here, as a reporter counts."""
        words = self.words
        return words[s] - words[e]

    @property
    def words(self) -> list[int]:
        """words[i]: how many words (as a reader counts them: runs of text between spaces) start before token
        i. Counted on first need: only `near` and elided quotes ask."""
        if self._words is None:
            # A token starts a word when it is its passage's first, or whitespace lies between it and the one
            # before (a token may hold spaces itself: the dash of "2021 – 2026").
            first = set(self.first)
            starts = [
                i in first or SPACE.search(self.passages[p].text, self.end[i - 1], self.start[i]) is not None
                for i, p in enumerate(self.pas)
            ]
            self._words = list(accumulate(starts, initial=0))
        return self._words

    def search(self, stem: bool) -> Index:
        if not stem:
            return self.index
        if self._stemmed is None:
            self._stemmed = Index([stem_token(t) for t in self.toks])
        return self._stemmed

    def occurrences(self, seq: Sequence[str]) -> list[tuple[int, int]]:
        """(start, end) token ranges where the words `seq` are, exactly or with the spaces between words
        falling elsewhere (the extractor or a reporter joined or split words: "bataswaktu", "statesIt")."""
        found = [(s, s + len(seq)) for s in self.index.find_all(seq)]
        if found or not seq:
            return found
        if self._joined is None:
            # The joined search finds the words only where, every space and apostrophe left out, they are in
            # the tokens run together; most words searched for and not found (a `none` check, an altered
            # quote) are not there either, and that one search spares building the joined index.
            if self._squashed is None:
                self._squashed = "".join(self.toks).replace("'", "")
            if joined(seq).replace(" ", "") not in self._squashed:
                return []
            self._joined = JoinedIndex(self.toks)
        return self._joined.find_all(seq)

    def codes(self) -> tuple[dict[str, str], str]:
        """One character per distinct token, so rapidfuzz aligns words rather than letters."""
        if self._codes is None:
            vocab: dict[str, str] = {}
            for t in self.toks:
                if t not in vocab:
                    vocab[t] = token_code(len(vocab))
            self._codes = (vocab, "".join(vocab[t] for t in self.toks))
        return self._codes


def token_code(i: int) -> str:
    i += 0x100
    return chr(i if i < 0xD800 else i + 0x800)  # skip the surrogate block


_CACHE: OrderedDict[tuple[Passage, ...], Stream] = OrderedDict()
# The same, by the list handed in: a Document makes its passages once per scope, and every check citing the page
# hands that same list; found by identity, its passages are not hashed again (a few hundred a page, each check).
# The entry holds the list, so its id cannot be another list's while it is here.
_BY_LIST: OrderedDict[int, tuple[Sequence[Passage], Stream]] = OrderedDict()
_CACHE_SIZE = 16
_CACHE_LOCK = threading.Lock()


def token_stream(passages: Sequence[Passage]) -> Stream:
    """The token stream of `passages`, built once: several checks search the same document.

    Keyed on the passages' content, so that a list made again (Document.article_span, a document read again)
    finds its stream too; the passages' texts are the same string objects with their hashes cached.
    """
    # Checks may run in threads: a stream built twice is harmless, a torn OrderedDict is not.
    with _CACHE_LOCK:
        same = _BY_LIST.get(id(passages))
        if same is not None and same[0] is passages:
            return same[1]
    key = tuple(passages)
    with _CACHE_LOCK:
        stream = _CACHE.get(key)
        if stream is not None:
            _CACHE.move_to_end(key)
    if stream is None:
        stream = Stream(key)
        with _CACHE_LOCK:
            _CACHE[key] = stream
            if len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
    with _CACHE_LOCK:
        _BY_LIST[id(passages)] = (passages, stream)
        if len(_BY_LIST) > _CACHE_SIZE:
            _BY_LIST.popitem(last=False)
    return stream
