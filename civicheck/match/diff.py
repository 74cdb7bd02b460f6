"""A quote the page does not carry word for word: the stretch of the page closest to it (rapidfuzz aligns
words, not letters) and how it differs ("page says '29 penerbangan', claim says '39 penerbangan'").
"""

from __future__ import annotations

from civicheck.match.excerpts import collapse
from civicheck.match.hits import Searched
from civicheck.match.index import Stream, token_code

CLOSE_ENOUGH = 0.5  # share of the quote's words the closest passage must have, in order, to be shown as such


def codes_for(stream: Stream, q: list[str]) -> tuple[str, str]:
    """The quote's tokens and the page's as one character per distinct word, for rapidfuzz."""
    vocab, doc_codes = stream.codes()
    extra: dict[str, str] = {}
    return "".join(
        vocab.get(t) or extra.setdefault(t, token_code(len(vocab) + len(extra))) for t in q
    ), doc_codes


def align(stream: Stream, q: list[str]) -> tuple[int, int, list[tuple[str, int, int, int, int]]] | None:
    """The stretch of the stream closest to the tokens `q`, and the word edit operations from q to it.

    Words become single characters, so rapidfuzz (C, fast on long pages) aligns words, not letters:
    partial_ratio_alignment finds the best window; its ends are then moved a few words either way to the
    window at the smallest Levenshtein distance (a claim with a word added or left out is longer or shorter
    than the page's wording), and the opcodes against that window are the word diff.
    """
    from rapidfuzz import fuzz
    from rapidfuzz.distance import Levenshtein

    q_codes, doc_codes = codes_for(stream, q)
    n, m = len(doc_codes), len(q_codes)
    if m >= n:
        lo, hi = 0, n
    else:
        found = fuzz.partial_ratio_alignment(q_codes, doc_codes)
        if found is None or found.score == 0:
            return None
        lo, hi = found.dest_start, found.dest_end
    lo, hi = _best_window(q_codes, doc_codes, lo, hi)
    ops = [
        (op.tag, op.src_start, op.src_end, op.dest_start + lo, op.dest_end + lo)
        for op in Levenshtein.opcodes(q_codes, doc_codes[lo:hi])
    ]
    ops = _trim(ops)
    same = sum(i2 - i1 for tag, i1, i2, _, _ in ops if tag == "equal")
    if not ops or same < CLOSE_ENOUGH * m:
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
            lo = min(
                range(max(0, lo - slack), min(hi, lo + slack + 1)), key=lambda a: (cost(a, hi), abs(a - lo))
            )
        else:
            hi = min(
                range(max(lo + 1, hi - slack), min(len(doc), hi + slack) + 1),
                key=lambda b: (cost(lo, b), abs(b - hi)),
            )
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


def word_differences(
    doc: Searched, quote: str, part: list[tuple[str, int, int]], ops: list[tuple]
) -> list[str]:
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
        claim = collapse(quote[part[i1][1] : part[i2 - 1][2]]) if i2 > i1 else ""
        out.append(f"page says '{page}', claim says '{claim}'")
    return out


def _page_words(doc: Searched, j1: int, j2: int) -> str:
    if j2 <= j1:
        return ""
    st = doc.stream
    texts = [p.text for p in doc.passages]
    p0, p1 = st.pas[j1], st.pas[j2 - 1]
    if p0 == p1:
        return collapse(texts[p0][st.start[j1] : st.end[j2 - 1]])
    middle = texts[p0 + 1 : p1]
    return collapse(" ".join([texts[p0][st.start[j1] :], *middle, texts[p1][: st.end[j2 - 1]]]))
