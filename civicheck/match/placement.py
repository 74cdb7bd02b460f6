"""The article's paragraphs, as extracted, placed among the blocks of the page they came from (token ranges
in the page's token stream), so that a hit on the page can be named by its paragraph of the article.
"""

from __future__ import annotations

import bisect
from typing import Any, Protocol


class TokenStream(Protocol):
    """What placing needs from index.Stream: the tokens, the passage of each, and an index to search."""

    toks: list[str]
    pas: list[int]
    first: list[int]

    @property
    def index(self) -> Any: ...  # index.Index: find_all(tokens) -> start positions; find_first(tokens, start)


_ANCHOR = 8  # tokens: a paragraph this long is placed first; shorter ones ("Share", "Advertisement") only
# between the paragraphs placed around them, where a menu's identical words cannot be taken for them.


class Placement:
    """Each article paragraph's [start, end) token range in a page's token stream, or None when it is not
    there as extracted. Placing the paragraphs, not the words of a hit, is what tells where a hit stands:
    the first place a hit's words occur in the article may be another paragraph altogether."""

    def __init__(self, page: TokenStream, article: TokenStream, count: int):
        self.ranges: list[tuple[int, int] | None] = [None] * count
        seqs = [
            article.toks[article.first[i] : (article.first[i + 1] if i + 1 < count else len(article.toks))]
            for i in range(count)
        ]
        cursor = 0
        for i, seq in enumerate(seqs):  # the long paragraphs in order, each after the one before
            if len(seq) >= _ANCHOR:
                found = page.index.find_first(seq, cursor)
                if found is None:
                    found = _by_ends(page, seq, cursor)
                if found is not None:
                    placed_at = (found, found + len(seq)) if isinstance(found, int) else found
                    self.ranges[i] = placed_at
                    cursor = placed_at[1]
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
        return (self._sorted[k - 1][2] if k else None), (
            self._sorted[k][2] if k < len(self._sorted) else None
        )

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
