"""Where a match stands, in words a reporter can cite: the article's paragraphs placed among the page's blocks,
the location of each hit ("paragraph 4 of the article"), and excerpts that keep their brackets and final stop.

Pure functions on text and token streams (match.py's).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Any, Protocol

# --- the article's paragraphs, placed on the page ----------------------------------------------------------------


class TokenStream(Protocol):
    """What placing needs from match._Stream: the tokens, the passage of each, and an index to search."""

    toks: list[str]
    pas: list[int]
    first: list[int]
    index: Any  # match._Index: find_all(tokens) -> start positions; find_first(tokens, start) -> position


_ANCHOR = 8  # tokens: a paragraph this long is placed first; shorter ones ("Share", "Advertisement") only
# between the paragraphs placed around them, where a menu's identical words cannot be taken for them.


class Placement:
    """Each article paragraph's [start, end) token range in a page's token stream, or None when it is not
    there as extracted. Placing the paragraphs, not the words of a hit, is what tells where a hit stands:
    the first place a hit's words occur in the article may be another paragraph altogether."""

    def __init__(self, page: TokenStream, article: TokenStream, count: int):
        self.ranges: list[tuple[int, int] | None] = [None] * count
        seqs = [article.toks[article.first[i]:(article.first[i + 1] if i + 1 < count else len(article.toks))]
                for i in range(count)]
        cursor = 0
        for i, seq in enumerate(seqs):  # the long paragraphs in order, each after the one before
            if len(seq) >= _ANCHOR:
                found = page.index.find_first(seq, cursor)
                if found is None:
                    found = _by_ends(page, seq, cursor)
                if found is not None:
                    self.ranges[i] = (found, found + len(seq)) if isinstance(found, int) else found
                    cursor = self.ranges[i][1]
        # Then the short ones, in the gap their neighbours leave. Linear in the paragraphs: where the next
        # placed paragraph starts is known for each index beforehand, and a short paragraph repeated thousands
        # of times (a hostile page, a table of "-") is searched for once.
        next_start = [len(page.toks)] * (count + 1)
        for i in range(count - 1, -1, -1):
            placed = self.ranges[i]
            next_start[i] = placed[0] if placed else next_start[i + 1]
        occurrences: dict[tuple[str, ...], list[int]] = {}
        lo = 0
        for i, seq in enumerate(seqs):
            placed = self.ranges[i]
            if seq and placed is None:
                key = tuple(seq)
                if key not in occurrences:
                    occurrences[key] = page.index.find_all(seq)
                start = _first_at_or_after(occurrences[key], lo)
                if start is not None and start + len(seq) <= next_start[i + 1]:
                    placed = self.ranges[i] = (start, start + len(seq))
            if placed is not None:
                lo = placed[1]
        self._sorted = sorted((r[0], r[1], i) for i, r in enumerate(self.ranges) if r)
        self._starts = [s for s, _, _ in self._sorted]

    @property
    def placed(self) -> bool:
        return bool(self._sorted)

    def paragraph_at(self, token: int) -> int | None:
        """The article paragraph (0-based) whose placed range holds `token`."""
        k = bisect.bisect_right(self._starts, token) - 1
        if k >= 0 and self._sorted[k][0] <= token < self._sorted[k][1]:
            return self._sorted[k][2]
        return None

    def around(self, token: int) -> tuple[int | None, int | None]:
        """The paragraphs (0-based) placed last before `token` and first after it."""
        k = bisect.bisect_right(self._starts, token)
        return (self._sorted[k - 1][2] if k else None), (self._sorted[k][2] if k < len(self._sorted) else None)

    def between_first_and_last(self, token: int) -> bool:
        return bool(self._sorted) and self._sorted[0][0] <= token < max(e for _, e, _ in self._sorted)


def _first_at_or_after(starts: list[int], cursor: int) -> int | None:
    k = bisect.bisect_left(starts, cursor)
    return starts[k] if k < len(starts) else None


def _by_ends(page: TokenStream, seq: list[str], cursor: int) -> tuple[int, int] | None:
    """A paragraph the page holds with a few words changed (an extractor's cleaning): by its first and last
    words, no further apart than the paragraph's own length allows."""
    head = page.index.find_first(seq[:_ANCHOR], cursor)
    if head is None:
        return None
    tail = page.index.find_first(seq[-_ANCHOR:], max(0, head + len(seq) - _ANCHOR - len(seq) // 4))
    if tail is None or tail + _ANCHOR - head > len(seq) + len(seq) // 4 + 4:
        return None
    return head, tail + _ANCHOR


# --- locations ---------------------------------------------------------------------------------------------------


def paragraphs(first: int, last: int) -> str:
    """"paragraph 4 of the article", or "paragraphs 4–5 of the article" for a hit running over both."""
    return f"paragraph {first} of the article" if first == last else f"paragraphs {first}–{last} of the article"


def in_body(before: int | None, after: int | None) -> str:
    """A place in the article body on the page that is in none of the extracted paragraphs (a quote box, a
    paragraph holding a link, the lede), named by the paragraphs around it (1-based)."""
    if before is not None and after is not None:
        return f"the article body on the page, between paragraphs {before} and {after}"
    if after is not None:
        return f"the article body on the page, before paragraph {after}"
    if before is not None:
        return f"the article body on the page, after paragraph {before}"
    return "the article body on the page"


def outside_body(first: int, last: int) -> str:
    """A place on the page outside the article body, by its visible text blocks (1-based)."""
    blocks = f"block {first}" if first == last else f"blocks {first}–{last}"
    return f"{blocks} of the page text, outside the article body"


def located(label: str) -> str:
    """The label with its preposition, to follow "found": "in paragraph 4 of the article", "on p. 143"."""
    return f"on {label}" if label.startswith(("p. ", "pp. ")) else f"in {label}"


def located_all(labels: Sequence[str]) -> str:
    """Several labels in order, once each: "in paragraphs 5 and 10 of the article", "in paragraph 2 of the
    article and in block 9 of the page text, outside the article body"."""
    labels = list(dict.fromkeys(labels))
    single = "paragraph ", " of the article"
    if len(labels) > 1 and all(lb.startswith(single[0]) and lb.endswith(single[1]) for lb in labels):
        numbers = [lb[len(single[0]):-len(single[1])] for lb in labels]
        return "in paragraphs " + ", ".join(numbers[:-1]) + " and " + numbers[-1] + single[1]
    return " and ".join(located(lb) for lb in labels)


# --- excerpts that keep their brackets -------------------------------------------------------------------------

_PAIRS = {"(": ")", "[": "]", "{": "}", "\u201c": "\u201d", "\u2018": "\u2019", "\u00ab": "\u00bb",
          "\u201e": "\u201c", "\u2039": "\u203a", "\uff08": "\uff09", "\u300c": "\u300d"}
_STOPS = ".!?\u2026"
_RUN = 6  # punctuation characters directly after a match, at most, taken into it ("),”." is three)


def balanced(text: str, a: int, b: int) -> tuple[int, int]:
    """text[a:b] widened over the punctuation stuck to it, so the page's words are shown whole: the brackets
    and quotation marks it opens are closed ("Kamis (6/11)" not "Kamis (6/11"), the quotation marks around it
    kept when both stand right against it, and a final stop kept ("…for everyone.”"). A comma or a colon after
    it is not part of what was quoted, and is left out."""
    stack: list[str] = []  # closers the match still owes, innermost last
    for ch in text[a:b]:
        if stack and ch == stack[-1]:
            stack.pop()
        elif ch in _PAIRS:
            stack.append(_PAIRS[ch])
        elif ch == '"':
            stack.append('"')
    lo = a
    while lo > 0 and a - lo < _RUN and _is_punct(text[lo - 1]):
        lo -= 1
    new_a, end, i = a, b, b
    while i < len(text) and i - b < _RUN and _is_punct(text[i]):
        ch = text[i]
        openers = [o for o, c in _PAIRS.items() if c == ch] + (['"'] if ch == '"' else [])
        around = max((text.rfind(o, lo, new_a) for o in openers), default=-1)
        if stack and ch == stack[-1]:
            stack.pop()
        elif around >= 0:  # “…” standing right around the match: both are shown
            new_a = around
        elif ch not in _STOPS:
            break  # a comma, a colon, or a bracket the match never opened: the match ends before it
        i += 1
        end = i
    return new_a, end


_WIDEN = 60  # characters an excerpt may grow by, either side, to take in a bracket its context opens


def whole_brackets(source: str, lo: int, hi: int, a: int, b: int) -> tuple[int, int]:
    """An excerpt window [lo, hi) around a match [a, b), widened so a bracket or quotation mark its context
    opens is closed in it ("(kata dia)" rather than "(kata…") and one it closes is opened, when the partner
    stands within a few words; the window still starts and ends on a word boundary."""
    stack: list[str] = []
    unopened: list[str] = []
    for ch in source[lo:hi]:
        if stack and ch == stack[-1]:
            stack.pop()
        elif ch in _PAIRS:
            stack.append(_PAIRS[ch])
        elif ch in _PAIRS.values():
            unopened.append(ch)
    if stack and hi < len(source):
        close = source.find(stack[0], hi, hi + _WIDEN)  # the outermost one: the inner close before it
        if close >= 0:
            space = source.find(" ", close)
            hi = len(source) if space < 0 else space
    if unopened and lo > 0:
        opener = next(o for o, c in _PAIRS.items() if c == unopened[-1])
        start = source.rfind(opener, max(0, lo - _WIDEN), lo)
        if start >= 0:
            lo = source.rfind(" ", 0, start) + 1
    return min(lo, a), max(hi, b)


def _is_punct(ch: str) -> bool:
    return not ch.isspace() and not ch.isalnum()
