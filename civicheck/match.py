"""Matching phrases and quotes against document text: normalisation, phrase search, quote alignment.

Pure functions on strings (no I/O), shared by the `contains` and `quote` checks.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from civicheck import locate
from civicheck.extract.document import Passage
from civicheck.locate import Placement


@dataclass
class Hit:
    """Where a phrase, a quote (or one part of an elided quote), or the closest passage to a misquote is."""

    passage: int  # index into the searched passages where the match starts
    start: int  # character offsets in passages[passage].text (original text)
    end: int  # clamped to the end of that passage's text when the match runs on (spans_passages)
    text: str  # the page's own wording of the match, whitespace runs collapsed (== excerpt[mark[0]:mark[1]])
    label: str  # "paragraph 4 of the article", "block 9 of the page text, outside the article body", "p. 143"...
    excerpt: str  # the match with up to `context` characters either side, whitespace collapsed, "…" at cuts
    mark: tuple[int, int]  # offsets of the match inside `excerpt`
    spans_passages: bool = False


@dataclass
class MatchResult:
    passed: bool
    reason: str  # one sentence a reporter can paste
    hits: list[Hit]  # contains: one per found phrase (`found` order, then `forbidden`); quote: one per part
    closest: Hit | None = None  # failed quote: the page's passage closest to it
    differences: list[str] = field(default_factory=list)  # failed quote: "page says 'X', claim says 'Y'"
    found: list[str] = field(default_factory=list)  # contains: `all`/`any` phrases found
    missing: list[str] = field(default_factory=list)  # contains: `all` (or, when none found, `any`) phrases missing
    forbidden: list[str] = field(default_factory=list)  # contains: `none` phrases found


# ---------------------------------------------------------------------------------------------------------------
# Normalisation: every character rule lives in these tables and in _fold, used by normalise() and the tokeniser.

_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"  # soft hyphen, zero-width (non)joiners/space, word joiner, BOM
_SINGLE_QUOTES = "\u2018\u2019\u201a\u201b\u2032\u2035\u0060\u00b4\u02bc\u2039\u203a\uff07"
_DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033\u2036\u301d\u301e\uff02"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
# Spaces that str.split() already treats as whitespace are left to it; these are the ones it would not.
_FOLD = str.maketrans(
    {**{c: None for c in _INVISIBLE}, **{c: "'" for c in _SINGLE_QUOTES}, **{c: '"' for c in _DOUBLE_QUOTES},
     **{c: "-" for c in _DASHES}, "\u00a0": " ", "\u202f": " ", "\u2007": " "}
)


def _fold(text: str) -> str:
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
    # The joins look at capitals, so they come before _fold (which casefolds); _fold is idempotent.
    text = unicodedata.normalize("NFKC", text.translate(_FOLD))
    text = _CLAUSE_JOIN.sub(r"\1 ", _SENTENCE_JOIN.sub(_join_sentence, text))
    return " ".join(_fold(text).split())


# ---------------------------------------------------------------------------------------------------------------
# Tokens. Quotes are compared as word tokens, so punctuation, case and whitespace are never material, but numbers
# keep their internal separators ("2021-2026", "29,5", "3.5", "08.00") and must match exactly.

_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"  # combining marks: not \w in `re`
# Scripts written without spaces between words: each character is a token of its own, so "アプリ Kindle" and
# "アプリKindle" compare equal (Han, kana, Thai, Lao, Khmer, Myanmar).
_UNSPACED = "\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff"
_LETTER = rf"[^\W\d_{_UNSPACED}{_SINGLE_QUOTES}]"  # U+02BC is a letter to `re`, a quote here
_WORD_CHAR = rf"(?:{_LETTER}|[{_MARKS}{_INVISIBLE}])"
_APOSTROPHES = "'" + _SINGLE_QUOTES
# A word: letters, with apostrophes inside kept ("isn't" != "is", "Jum'at"); a hyphen between letters splits
# ("smart-city" == "smart city"), and letters and digits split ("COVID19" == "COVID-19" == "covid 19").
_WORD = rf"{_LETTER}{_WORD_CHAR}*(?:[{_APOSTROPHES}]{_LETTER}{_WORD_CHAR}*)*"
# A number: digits with . , : / or a dash between them ("29,5", "08.00", "6/11", "2021–2026" == "2021-2026"), and
# a minus sign stuck to it ("-5" != "5"; any dash, as normalise() makes every dash "-").
_NUMBER = rf"(?:(?<![\w.,])[-{_DASHES}](?=\d))?\d+(?:[-.,:/{_DASHES}]\d+)*"
# A dash with spaces between two numbers is a token of its own: "2021 – 2026" is a range, but "18 22 13 17 — 70"
# is a table row whose "17" must stay findable. The joined search (below) glues it back: "2021 - 2026" is then
# found for "2021-2026" and the other way round.
_SPACED_DASH = rf"(?<=\d)\s*[-{_DASHES}]\s*(?=\d)"
# Per cent and currency signs change what a number means, so they are tokens too.
_SYMBOL = "[%\u2030$\u20ac\u00a3\u00a5\u20b9\u20a9\u20bd\u20b1\u0e3f\u20ab\u00a2\u00b0]"
_TOKEN = re.compile(f"{_SPACED_DASH}|{_WORD}|{_NUMBER}|{_SYMBOL}|[{_UNSPACED}]")
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=200_000)
def _norm_token(raw: str) -> str:
    return _SPACE.sub("", _fold(raw))


def _tokenise(text: str) -> list[tuple[str, int, int]]:
    """(normalised token, start, end) for every word, number and sign in `text` (offsets into `text`)."""
    return [(_norm_token(m.group()), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def tokens(text: str) -> list[str]:
    """The normalised word tokens of `text`, as quotes and phrases are compared."""
    return [t for t, _, _ in _tokenise(text)]


class _Index:
    """Fast search for a run of tokens: the tokens joined by spaces, searched with str.find."""

    def __init__(self, toks: list[str]):
        self.text = " " + " ".join(toks) + " "
        self.at: dict[int, int] = {}  # char offset of a token's first char in `text` -> token index
        self.offsets: list[int] = []  # token index -> char offset of its first char in `text`
        pos = 1
        for i, t in enumerate(toks):
            self.at[pos] = i
            self.offsets.append(pos)
            pos += len(t) + 1

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


def _joined(toks: Sequence[str]) -> str:
    """Tokens with the spaces between two words left out: "batas waktu" == "bataswaktu", and apostrophes too:
    "NPR ’s" == "NPR’s", and spaced range dashes: "2021 - 2026" == "2021-2026". Numbers and signs otherwise keep
    a space around them, so regrouped digits ("1 226" vs "12 26") never compare equal."""
    return "".join(_joined_pieces(toks))


def _joined_pieces(toks: Sequence[str]) -> list[str]:
    """What each token contributes to the joined text (a leading space when it is not glued to the previous)."""
    out = []
    for i, t in enumerate(toks):
        piece = t.replace("'", "")
        glued = (t[0].isalpha() and toks[i - 1][0].isalpha()) or "-" in (t, toks[i - 1]) if i else True
        out.append(piece if glued else " " + piece)
    return out


class _JoinedIndex:
    """Search ignoring where the spaces between words fall, matches still starting and ending on word boundaries."""

    def __init__(self, toks: list[str]):
        pieces = _joined_pieces(toks)
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
        needle = _joined(seq)
        out, pos = [], self.text.find(needle) if needle else -1
        while pos >= 0:
            s, e = self.at.get(pos), self.until.get(pos + len(needle))
            if s is not None and e is not None:
                out.append((s, e))
            pos = self.text.find(needle, pos + 1)
        return out


class _Stream:
    """All the tokens of a list of passages as one running text, each mapped back to (passage, start, end)."""

    def __init__(self, passages: Sequence[Passage]):
        self.toks: list[str] = []
        self.pas: list[int] = []
        self.start: list[int] = []
        self.end: list[int] = []
        self.first: list[int] = []  # first token index of each passage
        # words[i]: how many words (as a reader counts them: runs of text between spaces) start before token i
        self.words: list[int] = [0]
        for i, p in enumerate(passages):
            self.first.append(len(self.toks))
            previous_end = None
            for t, s, e in _tokenise(p.text):
                starts_word = previous_end is None or _SPACE.search(p.text, previous_end, s) is not None
                self.words.append(self.words[-1] + starts_word)
                self.toks.append(t)
                self.pas.append(i)
                self.start.append(s)
                self.end.append(e)
                previous_end = e
        self.index = _Index(self.toks)
        self.placements: dict[tuple[Passage, ...], Placement] = {}  # article passages -> their places here
        self._stemmed: _Index | None = None
        self._joined: _JoinedIndex | None = None
        self._codes: tuple[dict[str, str], str] | None = None

    def words_between(self, e: int, s: int) -> int:
        """Words from token e up to token s: "4G" or "smart-city" is one word here, as a reporter counts."""
        return self.words[s] - self.words[e]

    def search(self, stem: bool) -> _Index:
        if not stem:
            return self.index
        if self._stemmed is None:
            self._stemmed = _Index([_stem(t) for t in self.toks])
        return self._stemmed

    def occurrences(self, seq: Sequence[str]) -> list[tuple[int, int]]:
        """(start, end) token ranges where the words `seq` are, exactly or with the spaces between words
        falling elsewhere (the extractor or a reporter joined or split words: "bataswaktu", "statesIt")."""
        found = [(s, s + len(seq)) for s in self.index.find_all(seq)]
        if found or not seq:
            return found
        if self._joined is None:
            self._joined = _JoinedIndex(self.toks)
        return self._joined.find_all(seq)

    def codes(self) -> tuple[dict[str, str], str]:
        """One character per distinct token, so rapidfuzz aligns words rather than letters."""
        if self._codes is None:
            vocab: dict[str, str] = {}
            for t in self.toks:
                if t not in vocab:
                    vocab[t] = _code(len(vocab))
            self._codes = (vocab, "".join(vocab[t] for t in self.toks))
        return self._codes


def _code(i: int) -> str:
    i += 0x100
    return chr(i if i < 0xD800 else i + 0x800)  # skip the surrogate block


_CACHE: OrderedDict[tuple[Passage, ...], _Stream] = OrderedDict()
_CACHE_SIZE = 16
_CACHE_LOCK = threading.Lock()


def _stream(passages: Sequence[Passage]) -> _Stream:
    """The token stream of `passages`, built once: several checks search the same document.

    Keyed on the passages' content, not the list's identity: Document.passages() builds a new list on every
    call. That costs little, the passages' texts being the same string objects with their hashes cached.
    """
    key = tuple(passages)
    with _CACHE_LOCK:  # checks may run in threads; a stream built twice is harmless, a torn OrderedDict is not
        stream = _CACHE.get(key)
        if stream is not None:
            _CACHE.move_to_end(key)
            return stream
    stream = _Stream(key)
    with _CACHE_LOCK:
        _CACHE[key] = stream
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return stream


# ---------------------------------------------------------------------------------------------------------------
# Stemming (Indonesian, PySastrawi): only for `contains` with stem: true, both sides stemmed token by token.

_STEMMER = None


@lru_cache(maxsize=200_000)
def _stem(token: str) -> str:
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


# ---------------------------------------------------------------------------------------------------------------
# Hits: offsets, labels and excerpts.

_CONTEXT_WORDS = 5  # words either side used to tell a page occurrence that is the article's from one that is not


def _scope_label(passages: Sequence[Passage]) -> str:
    wheres = {p.where for p in passages}
    if "pdf" in wheres:
        return "the PDF"
    if wheres == {"article"}:
        return "the article text"
    return "the page text"


class _Doc:
    """The passages being searched and, for labelling, the article passages."""

    def __init__(self, passages: Sequence[Passage], article: Sequence[Passage], context: int):
        self.passages = passages
        self.stream = _stream(passages)
        self.article = article
        self.context = context
        self._art: _Stream | None = None

    @property
    def art(self) -> _Stream:
        if self._art is None:
            self._art = _stream(self.article)
        return self._art

    @property
    def placement(self) -> Placement:
        """The article's paragraphs placed among the searched passages (built once per page and article)."""
        key = tuple(self.article)
        placement = self.stream.placements.get(key)
        if placement is None:
            placement = self.stream.placements[key] = Placement(self.stream, self.art, len(self.article))
        return placement

    def labels_by_article(self, s: int) -> bool:
        return bool(self.article) and self.passages[self.stream.pas[s]].where == "page"

    def choose(self, found: list[tuple[int, int]]) -> tuple[int, int]:
        """Of several occurrences, the first one in the article's paragraphs, else in the article body on the
        page, else the first: a menu or a "read also" box naming the same words is not what a reader cites."""
        if len(found) == 1 or not self.labels_by_article(found[0][0]):
            return found[0]
        placement = self.placement
        for s, e in found[:50]:
            if placement.paragraph_at(s) is not None:
                return s, e
        for s, e in found[:50]:
            if self._in_body(s):
                return s, e
        return found[0]

    def _in_body(self, s: int) -> bool:
        return self.passages[self.stream.pas[s]].in_body or self.placement.between_first_and_last(s)

    def label(self, s: int, e: int) -> str:
        """Where tokens [s, e) stand: the paragraph (or PDF page) that holds them, never the place where the
        same words first occur."""
        st = self.stream
        first, last = self.passages[st.pas[s]], self.passages[st.pas[e - 1]]
        if first.where == "pdf":
            return first.label if first.number == last.number else f"pp. {first.number}–{last.number}"
        if first.where == "article":
            return locate.paragraphs(first.number, last.number)
        if not self.labels_by_article(s):
            return first.label if first.number == last.number else \
                f"blocks {first.number}–{last.number} of the page text"
        placement = self.placement
        i = placement.paragraph_at(s)
        if i is None:
            i = self._unplaced_paragraph(s, e)
        if i is not None:
            j = placement.paragraph_at(e - 1)
            label = locate.paragraphs(self.article[i].number, self.article[j if j is not None and j > i else i].number)
            if j is None and last.number != first.number:  # a closest passage running on past the article's text
                label += f", running into block {last.number} of the page text"
            return label
        if self._in_body(s):
            before, after = placement.around(s)
            return locate.in_body(None if before is None else self.article[before].number,
                                  None if after is None else self.article[after].number)
        return locate.outside_body(first.number, last.number)

    def _unplaced_paragraph(self, s: int, e: int) -> int | None:
        """The article paragraph holding these words when that paragraph could not be placed on the page (the
        extractor changed its text): only when exactly one of those paragraphs holds them, and no placed one."""
        holders = {self.art.pas[a] for a, _ in self.art.occurrences(self.stream.toks[s:e])}
        ranges = self.placement.ranges
        if len(holders) == 1 and all(ranges[i] is None for i in holders):
            return holders.pop()
        return None

    def hit(self, s: int, e: int) -> Hit:
        """The Hit for tokens [s, e) of the stream."""
        st, texts = self.stream, [p.text for p in self.passages]
        p0, p1 = st.pas[s], st.pas[e - 1]
        # Excerpt source: the passages the match covers, joined as one text.
        source = " ".join(texts[p0:p1 + 1])
        a, b = locate.balanced(source, st.start[s], sum(len(t) + 1 for t in texts[p0:p1]) + st.end[e - 1])
        excerpt, mark = _excerpt(source, a, b, self.context)
        end = b if p1 == p0 else len(texts[p0])
        return Hit(passage=p0, start=a, end=end, text=excerpt[mark[0]:mark[1]], label=self.label(s, e),
                   excerpt=excerpt, mark=mark, spans_passages=p1 != p0)


def _collapse(text: str) -> str:
    return _SPACE.sub(" ", text)


def _excerpt(source: str, a: int, b: int, context: int) -> tuple[str, tuple[int, int]]:
    """source[a:b] with up to `context` characters either side (cut at word boundaries, widened to close a
    bracket the context opens), whitespace collapsed."""
    lo, hi = max(0, a - context), min(len(source), b + context)
    if lo > 0:  # start and end on a word boundary where there is one (scripts without spaces have none)
        space = _SPACE.search(source, lo, a)
        lo = space.end() if space else lo
    if hi < len(source):
        spaces = list(_SPACE.finditer(source, b, hi))
        hi = spaces[-1].start() if spaces else hi
    lo, hi = locate.whole_brackets(source, lo, hi, a, b)
    before = _collapse(source[lo:a]).lstrip()
    match = _collapse(source[a:b])
    after = _collapse(source[b:hi]).rstrip()
    head = "…" if lo > 0 else ""
    tail = "…" if hi < len(source) else ""
    start = len(head) + len(before)
    return head + before + match + after + tail, (start, start + len(match))


# ---------------------------------------------------------------------------------------------------------------
# Quotes.

ELISION_WINDOW = 60  # words an elision may skip when its parts are not in one paragraph
_ELISION = re.compile(r"\s*[\[(]?\s*(?:\.\s*){2}\.|\s*[\[(]?\s*\u2026\s*[\])]?")
_ELISION_TAIL = re.compile(r"\s*[\])]")
_CLOSE_ENOUGH = 0.5  # share of the quote's words the closest passage must have, in order, to be shown as such


def _split_elisions(quote: str) -> list[tuple[str, int]]:
    """The parts of a quote between `...`/`…` (also "[...]", ". . ."), with their offsets in the quote."""
    parts, pos = [], 0
    for m in _ELISION.finditer(quote):
        parts.append((quote[pos:m.start()], pos))
        pos = m.end()
        tail = _ELISION_TAIL.match(quote, pos)  # the "]" of "[...]"
        if tail:
            pos = tail.end()
    parts.append((quote[pos:], pos))
    return parts


def find_quote(
    quote: str, passages: Sequence[Passage], article: Sequence[Passage] = (), context: int = 80
) -> MatchResult:
    """Is `quote` in the passages, word for word (case, punctuation and whitespace aside)?

    `...`/`…` marks an elision: the parts must each occur, in order, each next part in the same passage or
    within ELISION_WINDOW words of the previous one. On failure the closest passage and a word diff explain why.
    """
    parts = []  # (tokens, offset of each token in `quote`)
    for text, offset in _split_elisions(quote):
        toks = _tokenise(text)
        if toks:
            parts.append([(t, s + offset, e + offset) for t, s, e in toks])
    if not parts:
        return MatchResult(False, "the quote has no words to look for", [])
    doc = _Doc(passages, article, context)
    if not doc.stream.toks:
        return MatchResult(False, "not found: the document has no text", [])
    seqs = [[t for t, _, _ in part] for part in parts]
    occurrences = [doc.stream.occurrences(seq) for seq in seqs]
    for k, occ in enumerate(occurrences):
        if not occ:
            return _misquote(doc, quote, parts, k, occurrences)
    if len(seqs) == 1:
        hit = doc.hit(*doc.choose(occurrences[0]))
        return MatchResult(True, f"quote found {locate.located(hit.label)}", [hit])
    return _elided(doc, quote, parts, occurrences)


_RIGHT_AFTER = 4  # words: a part the page carries this close after the previous one is where a reader compares it
# Words that turn a statement round: a part differing from the page by one of these (or a number, or a name)
# is a misquote, wherever else its exact words may stand.
_NEGATIONS = frozenset({"tidak", "tak", "bukan", "belum", "jangan", "tanpa", "not", "never", "no", "nor", "none",
                        "nobody", "nothing", "neither", "cannot", "without"})


@dataclass
class _NearMiss:
    """Part `k` of an elided quote, compared where the page carries it right after part k-1, differs."""

    k: int
    start: int  # first token of the chain of parts before it (the closest passage starts there)
    s: int  # the page's version of the part: tokens [s, e)
    e: int
    ops: list[tuple[str, int, int, int, int]]  # word edits from the part to the page's version


Part = list[tuple[str, int, int]]  # a quote part's tokens, each with its offsets in the quote


def _chain(doc: _Doc, quote: str, parts: list[Part], occurrences: list[list[tuple[int, int]]],
           first: tuple[int, int], window: bool) -> tuple[list[tuple[int, int]] | None, _NearMiss | None]:
    """An occurrence of each part, beginning with `first` for part 0, each next part at its earliest occurrence
    after the previous one (earliest is best both for order and for distance); with `window`, within the
    elision rule (same passage, or at most ELISION_WINDOW words skipped) and compared where a reader would:
    when the page carries the part right after the previous one with a number, a name or a negation changed,
    that is the part's place, however exactly its words stand further on."""
    stream = doc.stream
    chain = [first]
    for k, occ in enumerate(occurrences[1:], 1):
        end = chain[-1][1]
        i = bisect_left(occ, (end, -1))
        exact = occ[i] if i < len(occ) else None
        # An exact copy later in the same paragraph is a plausible elision (a list, "4 minutes … 2 minutes"):
        # only a part found nowhere in it is compared with what the page says right after the previous part.
        if window and (exact is None or stream.pas[exact[0]] != stream.pas[end - 1]):
            near = _near_copy(doc, quote, parts[k], end, exact[0] if exact else len(stream.toks))
            if near is not None:
                return None, _NearMiss(k, first[0], *near)
        if exact is None:
            return None, None
        s, e = exact
        if window and stream.words_between(end, s) > ELISION_WINDOW and stream.pas[s] != stream.pas[end - 1]:
            return None, None
        chain.append((s, e))
    return chain, None


def _near_copy(doc: _Doc, quote: str, part: Part, after: int,
               limit: int) -> tuple[int, int, list[tuple[str, int, int, int, int]]] | None:
    """The part as the page carries it within _RIGHT_AFTER words after token `after` (and before `limit`),
    differing by a number, a name or a negation only: (start, end, word edits), or None."""
    from rapidfuzz.distance import Levenshtein

    st = doc.stream
    q_codes, doc_codes = _codes_for(st, [t for t, _, _ in part])
    m = len(q_codes)
    for j in range(after, min(limit, len(st.toks))):
        if st.words_between(after, j) > _RIGHT_AFTER:
            break
        for length in (m, m - 1, m + 1):  # the same length, or one word (a negation) more or less
            if length < 1 or j + length > len(st.toks):
                continue
            ops = _merged([(tag, i1, i2, j1 + j, j2 + j) for tag, i1, i2, j1, j2 in
                           (tuple(op) for op in Levenshtein.opcodes(q_codes, doc_codes[j:j + length]))],
                          [t for t, _, _ in part], st.toks)
            if _materially_different(doc, quote, part, ops):
                return j, j + length, ops
    return None


def _merged(ops: list[tuple[str, int, int, int, int]], mine: list[str],
            page: list[str]) -> list[tuple[str, int, int, int, int]]:
    """Word edits with consecutive ones as one, and those that only join or split words differently
    ("Boeing 's" for "Boeing's": a replace and a delete) counted as equal."""
    out: list[tuple[str, int, int, int, int]] = []
    for tag, i1, i2, j1, j2 in ops:
        if tag != "equal" and out and out[-1][0] != "equal" and out[-1][2] == i1 and out[-1][4] == j1:
            i1, j1 = out[-1][1], out[-1][3]
            tag = "replace" if (i2 > i1 and j2 > j1) else tag
            out.pop()
        out.append((tag, i1, i2, j1, j2))
    return [("equal" if tag != "equal" and _joined(mine[i1:i2]) == _joined(page[j1:j2]) else tag, i1, i2, j1, j2)
            for tag, i1, i2, j1, j2 in out]


def _codes_for(stream: _Stream, q: list[str]) -> tuple[str, str]:
    """The quote's tokens and the page's as one character per distinct word, for rapidfuzz."""
    vocab, doc_codes = stream.codes()
    extra: dict[str, str] = {}
    return "".join(vocab.get(t) or extra.setdefault(t, _code(len(vocab) + len(extra))) for t in q), doc_codes


def _materially_different(doc: _Doc, quote: str, part: Part, ops: list[tuple[str, int, int, int, int]]) -> bool:
    """Is the page's wording (ops: edits from the part to it) the part with one or two words changed, each
    change a number for a number, a name for a name, or a negation put in, taken out or swapped, and at least
    half the part's words the same? Words only joined or split differently ("Boeing 's") are the same."""
    st = doc.stream
    mine = [t for t, _, _ in part]
    changed = [(i1, i2, j1, j2) for tag, i1, i2, j1, j2 in ops if tag != "equal"]
    same = len(part) - sum(i2 - i1 for i1, i2, _, _ in changed)
    if not changed or 2 * same < len(part) or ops[0][0] == "insert" or ops[-1][0] == "insert":
        return False
    if sum(i2 - i1 for i1, i2, _, _ in changed) > 2 or sum(j2 - j1 for _, _, j1, j2 in changed) > 2:
        return False

    def negation(words: list[str]) -> bool:
        return bool(words) and all(w in _NEGATIONS or w.endswith("n't") for w in words)

    def number(words: list[str]) -> bool:
        return bool(words) and all(any(ch.isdigit() for ch in w) for w in words)

    for i1, i2, j1, j2 in changed:
        claim, page = mine[i1:i2], st.toks[j1:j2]
        if negation(claim) or negation(page):  # a negation put in, taken out, or one for another word
            continue
        if number(claim) and number(page):
            continue
        named = (claim and page and quote[part[i1][1]].isupper()
                 and doc.passages[st.pas[j1]].text[st.start[j1]].isupper())
        if not named:
            return False
    return True


def _elided(doc: _Doc, quote: str, parts: list[Part], occurrences: list[list[tuple[int, int]]]) -> MatchResult:
    in_order, near = None, None
    for first in occurrences[0]:
        chain, miss = _chain(doc, quote, parts, occurrences, first, window=True)
        if chain:
            hits = [doc.hit(s, e) for s, e in chain]
            return MatchResult(True, f"all {len(hits)} parts of the elided quote found, in order, "
                               + locate.located_all([h.label for h in hits]), hits)
        near = near or miss
        in_order = in_order or _chain(doc, quote, parts, occurrences, first, window=False)[0]
    if near is not None:
        return _near_misquote(doc, quote, parts, near, occurrences[near.k])
    if in_order is None:
        hits = [doc.hit(*occ[0]) for occ in occurrences]
        return MatchResult(False, "each part of the elided quote is on the page, but not in this order", hits)
    hits = [doc.hit(s, e) for s, e in in_order]
    gap = max(doc.stream.words_between(e, s) for (_, e), (s, _) in zip(in_order, in_order[1:], strict=False))
    return MatchResult(
        False,
        f"the parts of the elided quote are on the page in this order, but {gap} words apart in different "
        f"paragraphs (an elision may skip at most {ELISION_WINDOW} words)",
        hits,
    )


def _near_misquote(doc: _Doc, quote: str, parts: list[Part], near: _NearMiss,
                   elsewhere: list[tuple[int, int]]) -> MatchResult:
    """The refutation of an elided quote whose part k the page words differently right after part k-1."""
    differences = _differences(doc, quote, parts[near.k], near.ops)
    more = f" (and {len(differences) - 1} more difference{'s' if len(differences) > 2 else ''})"
    reason = (f"misquote (part {near.k + 1} of {len(parts)} of the elided quote, where the page carries it right "
              f"after part {near.k}): {differences[0]}" + (more if len(differences) > 1 else ""))
    later = [(s, e) for s, e in elsewhere if s >= near.e]
    if later:  # why the exact words elsewhere do not save the quote: they are not where a reader compares
        words = _collapse(quote[parts[near.k][0][1]:parts[near.k][-1][2]])
        reason += f"; '{words}' stands further on, {locate.located(doc.label(*later[0]))}"
    closest = doc.hit(near.start, near.e)
    return MatchResult(False, reason, [closest], closest=closest, differences=differences)


def _misquote(doc: _Doc, quote: str, parts: list[list[tuple[str, int, int]]], k: int,
              occurrences: list[list[tuple[int, int]]]) -> MatchResult:
    """Part `k` of the quote is not on the page: find the closest passage and say how it differs."""
    part = parts[k]
    which = f" (part {k + 1} of {len(parts)} of the elided quote)" if len(parts) > 1 else ""
    found = [doc.hit(*occ[0]) for occ in occurrences if occ]
    for s, e in occurrences[k - 1][:50] if k else ():  # the nearest plausible place first: right after part k-1
        near = _near_copy(doc, quote, part, e, len(doc.stream.toks))
        if near is not None:
            return _near_misquote(doc, quote, parts, _NearMiss(k, s, *near), [])
    aligned = _align(doc.stream, [t for t, _, _ in part])
    if aligned is None:
        return MatchResult(False, f"not found: no passage close to the quote{which}", found)
    s, e, ops = aligned
    differences = _differences(doc, quote, part, ops)
    more = f" (and {len(differences) - 1} more difference{'s' if len(differences) > 2 else ''})"
    reason = f"misquote{which}: {differences[0]}" + (more if len(differences) > 1 else "")
    return MatchResult(False, reason, found, closest=doc.hit(s, e), differences=differences)


def _align(stream: _Stream, q: list[str]) -> tuple[int, int, list[tuple[str, int, int, int, int]]] | None:
    """The stretch of the stream closest to the tokens `q`, and the word edit operations from q to it.

    Words become single characters, so rapidfuzz (C, fast on long pages) aligns words, not letters:
    partial_ratio_alignment finds the best window; its ends are then moved a few words either way to the
    window at the smallest Levenshtein distance (a claim with a word added or left out is longer or shorter
    than the page's wording), and the opcodes against that window are the word diff.
    """
    from rapidfuzz import fuzz
    from rapidfuzz.distance import Levenshtein

    q_codes, doc_codes = _codes_for(stream, q)
    n, m = len(doc_codes), len(q_codes)
    if m >= n:
        lo, hi = 0, n
    else:
        found = fuzz.partial_ratio_alignment(q_codes, doc_codes)
        if found is None or found.score == 0:
            return None
        lo, hi = found.dest_start, found.dest_end
    lo, hi = _best_window(q_codes, doc_codes, lo, hi)
    ops = [(tag, i1, i2, j1 + lo, j2 + lo) for tag, i1, i2, j1, j2 in
           (tuple(op) for op in Levenshtein.opcodes(q_codes, doc_codes[lo:hi]))]
    ops = _trim(ops)
    same = sum(i2 - i1 for tag, i1, i2, _, _ in ops if tag == "equal")
    if not ops or same < _CLOSE_ENOUGH * m:
        return None
    s = min(j1 for _, _, _, j1, j2 in ops if j2 > j1)
    e = max(j2 for _, _, _, j1, j2 in ops if j2 > j1)
    return s, e, ops


def _best_window(q: str, doc: str, lo: int, hi: int) -> tuple[int, int]:
    """Move the window's start, then its end, then its start again, a few words either way, to where the
    Levenshtein distance to `q` is least (ties: the length nearest the quote's). The start and the end of an
    alignment hardly depend on each other, so this finds the best window at a fraction of a full search."""
    from rapidfuzz.distance import Levenshtein

    slack = min(12, 2 + len(q) // 6)

    def cost(a: int, b: int) -> tuple[int, int]:
        return Levenshtein.distance(q, doc[a:b]), abs(b - a - len(q))

    for move_start in (True, False, True):
        if move_start:
            lo = min(range(max(0, lo - slack), min(hi, lo + slack + 1)), key=lambda a: (cost(a, hi), abs(a - lo)))
        else:
            hi = min(range(max(lo + 1, hi - slack), min(len(doc), hi + slack) + 1),
                     key=lambda b: (cost(lo, b), abs(b - hi)))
    return lo, hi


def _trim(ops: list[tuple]) -> list[tuple]:
    """Drop page-only words left at either end of the alignment, so the closest passage starts and ends on
    words the quote has."""
    while ops and ops[0][0] == "insert":
        ops.pop(0)
    while ops and ops[-1][0] == "insert":
        ops.pop()
    if ops and ops[0][0] == "replace":
        tag, i1, i2, j1, j2 = ops[0]
        ops[0] = (tag, i1, i2, max(j1, j2 - (i2 - i1)), j2)
    if ops and ops[-1][0] == "replace":
        tag, i1, i2, j1, j2 = ops[-1]
        ops[-1] = (tag, i1, i2, j1, min(j2, j1 + (i2 - i1)))
    return ops


def _differences(doc: _Doc, quote: str, part: list[tuple[str, int, int]], ops: list[tuple]) -> list[str]:
    """'page says X, claim says Y' for every run of differing words, with a word of context to show where:
    the next word after a change ("29 penerbangan"), or the words either side of a word added or left out."""
    blocks: list[list[int]] = []  # [i1, i2, j1, j2] of consecutive non-equal operations, merged
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            continue
        if blocks and blocks[-1][1] == i1 and blocks[-1][3] == j1:
            blocks[-1][1], blocks[-1][3] = i2, j2
        else:
            blocks.append([i1, i2, j1, j2])
    equal = {(i1, j1) for tag, i1, i2, j1, j2 in ops if tag == "equal"}  # where equal runs start
    equal_end = {(i2, j2) for tag, i1, i2, j1, j2 in ops if tag == "equal"}  # and end
    out = []
    for i1, i2, j1, j2 in blocks:
        after, before = (i2, j2) in equal, (i1, j1) in equal_end
        if i1 < i2 and j1 < j2:  # words changed
            if after:
                i2, j2 = i2 + 1, j2 + 1
            elif before:
                i1, j1 = i1 - 1, j1 - 1
        else:  # words added or left out
            if before:
                i1, j1 = i1 - 1, j1 - 1
            if after:
                i2, j2 = i2 + 1, j2 + 1
        page = _page_words(doc, j1, j2)
        claim = _collapse(quote[part[i1][1]:part[i2 - 1][2]]) if i2 > i1 else ""
        out.append(f"page says '{page}', claim says '{claim}'")
    return out


def _page_words(doc: _Doc, j1: int, j2: int) -> str:
    if j2 <= j1:
        return ""
    st = doc.stream
    texts = [p.text for p in doc.passages]
    p0, p1 = st.pas[j1], st.pas[j2 - 1]
    if p0 == p1:
        return _collapse(texts[p0][st.start[j1]:st.end[j2 - 1]])
    middle = texts[p0 + 1:p1]
    return _collapse(" ".join([texts[p0][st.start[j1]:], *middle, texts[p1][:st.end[j2 - 1]]]))


# ---------------------------------------------------------------------------------------------------------------
# Phrases.


def find_phrases(
    passages: Sequence[Passage],
    *,
    all: Sequence[str] = (),  # noqa: A002 - the names of the claim fields
    any: Sequence[str] = (),  # noqa: A002
    none: Sequence[str] = (),
    near: int | None = None,
    stem: bool = False,
    article: Sequence[Passage] = (),
    context: int = 80,
) -> MatchResult:
    """Are the phrases in the passages, on word boundaries, after normalisation?

    Passes when every `all` phrase is found, at least one `any` phrase is (when `any` is given), and no `none`
    phrase is. Phrases match whole words; hyphens, case and where the spaces between words fall do not matter
    ("Smart City" finds "smart-city" and "SmartCity", not "SmartCityku"). `near`: somewhere, occurrences of
    the `all` phrases and of one found `any` phrase have at most `near` words between the first to end and the
    last to start. `stem`: Indonesian stemming of both sides ("prioritas" finds "diprioritaskan").
    """
    if near is not None and near < 0:
        raise ValueError("near must be a number of words, 0 or more")
    required, alternatives, banned = list(all), list(any), list(none)
    doc = _Doc(passages, article, context)
    stemmed = doc.stream.search(True) if stem else None

    def occurrences(phrase: str) -> list[tuple[int, int]]:
        seq = tokens(phrase)
        if stemmed is None:
            return doc.stream.occurrences(seq)
        seq = [_stem(t) for t in seq]
        return [(s, s + len(seq)) for s in stemmed.find_all(seq)]

    occ = {p: occurrences(p) for p in dict.fromkeys(required + alternatives + banned)}
    found = [p for p in required + alternatives if occ[p]]
    missing = [p for p in required if not occ[p]]
    if alternatives and not [p for p in alternatives if occ[p]]:
        missing += alternatives
    forbidden = [p for p in banned if occ[p]]

    chosen = {p: doc.choose(occ[p]) for p in found}
    near_note = ""
    if near is not None and not missing and (required or alternatives):
        window, distance = _nearest(doc.stream, {p: occ[p] for p in required},
                                    {p: occ[p] for p in alternatives if occ[p]})
        if distance is None or distance > near:
            near_note = f"never within {_words(near)} of each other (nearest: {_words(distance)} apart)"
        else:
            chosen.update(window)
    hits = [doc.hit(*chosen[p]) for p in found]
    forbidden_hits = [doc.hit(*doc.choose(occ[p])) for p in forbidden]
    scope = _scope_label(passages)

    problems = []
    missing_required = [p for p in required if not occ[p]]
    if missing_required:
        problems.append("missing: " + _quoted(missing_required) + _wordless(missing_required))
    if alternatives and not [p for p in alternatives if occ[p]]:
        problems.append("none of the alternatives found: " + _quoted(alternatives))
    if near_note:
        problems.append(f"the phrases are in {scope} but {near_note}")
    for p, h in zip(forbidden, forbidden_hits, strict=True):
        problems.append(f"forbidden phrase found: '{p}' ({locate.located(h.label)})")
    if not (required or alternatives or banned):
        problems.append("no phrases to look for")
    reason = "; ".join(problems) if problems else _success(required, alternatives, banned, found, near, scope)
    return MatchResult(not problems, reason, hits + forbidden_hits, found=found, missing=missing,
                       forbidden=forbidden)


def _wordless(phrases: list[str]) -> str:
    empty = [p for p in phrases if not tokens(p)]
    if not empty:
        return ""
    return f" ({_quoted(empty)} {'has' if len(empty) == 1 else 'have'} no words or numbers to look for)"


def _words(n: int | None) -> str:
    return f"{n} word" if n == 1 else f"{n} words"


def _quoted(phrases: Sequence[str]) -> str:
    return ", ".join(f"'{p}'" for p in phrases)


def _success(required: list[str], alternatives: list[str], banned: list[str], found: list[str],
             near: int | None, scope: str) -> str:
    said = []
    if required:
        said.append(_quoted(required) if len(required) == 1 else f"all {len(required)} phrases")
    if alternatives:
        got = [p for p in alternatives if p in found]
        said.append(_quoted(got[:1]) + (f" (one of {len(alternatives)} alternatives)" if len(alternatives) > 1 else ""))
    text = " and ".join(said)
    if text:
        text += f" found in {scope}"
        if near is not None:
            text += f" within {_words(near)} of each other"
    if banned:
        clause = (f"none of the {len(banned)} forbidden phrases" if len(banned) > 1
                  else f"forbidden phrase '{banned[0]}' not")
        text += ("; " if text else "") + f"{clause} found in {scope}"
    return text


def _nearest(stream: _Stream, required: dict[str, list[tuple[int, int]]],
             alternatives: dict[str, list[tuple[int, int]]]) -> tuple[dict[str, tuple[int, int]], int | None]:
    """Occurrences of every required phrase and of one alternative that lie closest together, and how many
    words lie between the earliest-ending and the latest-starting of them."""
    groups = [sorted((s, e, p) for s, e in occ) for p, occ in required.items()]
    merged = sorted((s, e, p) for p, occ in alternatives.items() for s, e in occ)
    if merged:
        groups.append(merged)
    # Per group: starts in order, and for each prefix the occurrence ending latest (alternatives differ in length).
    starts = [[o[0] for o in g] for g in groups]
    latest = []
    for g in groups:
        run, best_so_far = [], g[0]
        for o in g:
            best_so_far = max(best_so_far, o, key=lambda x: x[1])
            run.append(best_so_far)
        latest.append(run)
    best: tuple[int, dict[str, tuple[int, int]]] | None = None
    # Each occurrence in turn is the latest-starting one; every other group then contributes, of its
    # occurrences starting no later, the one ending latest: that makes the distance as small as it can be.
    for anchor, group in enumerate(groups):
        for s, e, p in group:
            chosen, min_end = {p: (s, e)}, e
            for g in range(len(groups)):
                if g == anchor:
                    continue
                i = bisect_right(starts[g], s)
                if i == 0:
                    break
                os, oe, op = latest[g][i - 1]
                chosen[op] = (os, oe)
                min_end = min(min_end, oe)
            else:
                distance = stream.words_between(min_end, s) if s > min_end else 0
                if best is None or distance < best[0]:
                    best = (distance, chosen)
    if best is None:
        return {}, None
    return best[1], best[0]
