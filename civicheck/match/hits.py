"""The passages being searched and, for labelling, the article's: each match becomes a Hit, labelled by the
paragraph (or PDF page) that holds that very match, the one a reader would cite among several.
"""

from __future__ import annotations

from collections.abc import Sequence

from civicheck.extract.document import Passage
from civicheck.match import labels
from civicheck.match.excerpts import balanced, excerpt_of
from civicheck.match.index import Stream, token_stream
from civicheck.match.placement import Placement
from civicheck.match.results import Hit


def scope_label(passages: Sequence[Passage]) -> str:
    wheres = {p.where for p in passages}
    if "pdf" in wheres:
        return "the PDF"
    if wheres == {"article"}:
        return "the article text"
    return "the page text"


class Searched:
    """The passages being searched and, for labelling, the article passages."""

    def __init__(self, passages: Sequence[Passage], article: Sequence[Passage], context: int):
        self.passages = passages
        self.stream = token_stream(passages)
        self.article = article
        self.context = context
        self._art: Stream | None = None

    @property
    def art(self) -> Stream:
        if self._art is None:
            self._art = token_stream(self.article)
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
            return labels.paragraphs(first.number, last.number)
        if not self.labels_by_article(s):
            return (
                first.label
                if first.number == last.number
                else f"blocks {first.number}–{last.number} of the page text"
            )
        placement = self.placement
        i = placement.paragraph_at(s)
        if i is None:
            i = self._unplaced_paragraph(s, e)
        if i is not None:
            j = placement.paragraph_at(e - 1)
            label = labels.paragraphs(
                self.article[i].number, self.article[j if j is not None and j > i else i].number
            )
            if (
                j is None and last.number != first.number
            ):  # a closest passage running on past the article's text
                label += f", running into block {last.number} of the page text"
            return label
        if self._in_body(s):
            before, after = placement.around(s)
            return labels.in_body(
                None if before is None else self.article[before].number,
                None if after is None else self.article[after].number,
            )
        return labels.outside_body(first.number, last.number)

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
        source = " ".join(texts[p0 : p1 + 1])
        a, b = balanced(source, st.start[s], sum(len(t) + 1 for t in texts[p0:p1]) + st.end[e - 1])
        excerpt, mark = excerpt_of(source, a, b, self.context)
        end = b if p1 == p0 else len(texts[p0])
        return Hit(
            passage=p0,
            start=a,
            end=end,
            text=excerpt[mark[0] : mark[1]],
            label=self.label(s, e),
            excerpt=excerpt,
            mark=mark,
            spans_passages=p1 != p0,
        )
