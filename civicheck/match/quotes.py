"""Is a quote on the page, word for word? Elisions (`...`, `…`) split it into parts found in order and
compared where a reader compares them; a quote that is not there is a misquote, with the closest passage
and the words that differ.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

from civicheck.extract.document import Passage
from civicheck.match import labels
from civicheck.match.diff import align, codes_for, word_differences
from civicheck.match.excerpts import collapse
from civicheck.match.hits import Searched
from civicheck.match.results import MatchResult
from civicheck.match.tokeniser import joined, tokenise

ELISION_WINDOW = 60  # words an elision may skip when its parts are not in one paragraph
_ELISION = re.compile(r"\s*[\[(]?\s*(?:\.\s*){2}\.|\s*[\[(]?\s*\u2026\s*[\])]?")
_ELISION_TAIL = re.compile(r"\s*[\])]")


def _split_elisions(quote: str) -> list[tuple[str, int]]:
    """The parts of a quote between `...`/`…` (also "[...]", ". . ."), with their offsets in the quote."""
    parts, pos = [], 0
    for m in _ELISION.finditer(quote):
        parts.append((quote[pos : m.start()], pos))
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
        toks = tokenise(text)
        if toks:
            parts.append([(t, s + offset, e + offset) for t, s, e in toks])
    if not parts:
        return MatchResult(False, "the quote has no words to look for", [])
    doc = Searched(passages, article, context)
    if not doc.stream.toks:
        return MatchResult(False, "not found: the document has no text", [])
    seqs = [[t for t, _, _ in part] for part in parts]
    occurrences = [doc.stream.occurrences(seq) for seq in seqs]
    for k, occ in enumerate(occurrences):
        if not occ:
            return _misquote(doc, quote, parts, k, occurrences)
    if len(seqs) == 1:
        hit = doc.hit(*doc.choose(occurrences[0]))
        return MatchResult(True, f"quote found {labels.located(hit.label)}", [hit])
    return _elided(doc, quote, parts, occurrences)


_RIGHT_AFTER = (
    4  # words: a part the page carries this close after the previous one is where a reader compares it
)
# Words that turn a statement round: a part differing from the page by one of these (or a number, or a name)
# is a misquote, wherever else its exact words may stand.
_NEGATIONS = frozenset(
    {
        "tidak",
        "tak",
        "bukan",
        "belum",
        "jangan",
        "tanpa",
        "not",
        "never",
        "no",
        "nor",
        "none",
        "nobody",
        "nothing",
        "neither",
        "cannot",
        "without",
    }
)


@dataclass
class _NearMiss:
    """Part `k` of an elided quote, compared where the page carries it right after part k-1, differs."""

    k: int
    start: int  # first token of the chain of parts before it (the closest passage starts there)
    s: int  # the page's version of the part: tokens [s, e)
    e: int
    ops: list[tuple[str, int, int, int, int]]  # word edits from the part to the page's version


Part = list[tuple[str, int, int]]  # a quote part's tokens, each with its offsets in the quote


def _chain(
    doc: Searched,
    quote: str,
    parts: list[Part],
    occurrences: list[list[tuple[int, int]]],
    first: tuple[int, int],
    window: bool,
) -> tuple[list[tuple[int, int]] | None, _NearMiss | None]:
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


def _near_copy(
    doc: Searched, quote: str, part: Part, after: int, limit: int
) -> tuple[int, int, list[tuple[str, int, int, int, int]]] | None:
    """The part as the page carries it within _RIGHT_AFTER words after token `after` (and before `limit`),
    differing by a number, a name or a negation only: (start, end, word edits), or None."""
    from rapidfuzz.distance import Levenshtein

    st = doc.stream
    q_codes, doc_codes = codes_for(st, [t for t, _, _ in part])
    m = len(q_codes)
    for j in range(after, min(limit, len(st.toks))):
        if st.words_between(after, j) > _RIGHT_AFTER:
            break
        for length in (m, m - 1, m + 1):  # the same length, or one word (a negation) more or less
            if length < 1 or j + length > len(st.toks):
                continue
            ops = _merged(
                [
                    (op.tag, op.src_start, op.src_end, op.dest_start + j, op.dest_end + j)
                    for op in Levenshtein.opcodes(q_codes, doc_codes[j : j + length])
                ],
                [t for t, _, _ in part],
                st.toks,
            )
            if _materially_different(doc, quote, part, ops):
                return j, j + length, ops
    return None


def _merged(
    ops: list[tuple[str, int, int, int, int]], mine: list[str], page: list[str]
) -> list[tuple[str, int, int, int, int]]:
    """Word edits with consecutive ones as one, and those that only join or split words differently
    ("Boeing 's" for "Boeing's": a replace and a delete) counted as equal."""
    out: list[tuple[str, int, int, int, int]] = []
    for tag, i1, i2, j1, j2 in ops:
        if tag != "equal" and out and out[-1][0] != "equal" and out[-1][2] == i1 and out[-1][4] == j1:
            i1, j1 = out[-1][1], out[-1][3]
            tag = "replace" if (i2 > i1 and j2 > j1) else tag
            out.pop()
        out.append((tag, i1, i2, j1, j2))
    return [
        ("equal" if tag != "equal" and joined(mine[i1:i2]) == joined(page[j1:j2]) else tag, i1, i2, j1, j2)
        for tag, i1, i2, j1, j2 in out
    ]


def _materially_different(
    doc: Searched, quote: str, part: Part, ops: list[tuple[str, int, int, int, int]]
) -> bool:
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
        named = (
            claim
            and page
            and quote[part[i1][1]].isupper()
            and doc.passages[st.pas[j1]].text[st.start[j1]].isupper()
        )
        if not named:
            return False
    return True


def _elided(
    doc: Searched, quote: str, parts: list[Part], occurrences: list[list[tuple[int, int]]]
) -> MatchResult:
    in_order, near = None, None
    for first in occurrences[0]:
        chain, miss = _chain(doc, quote, parts, occurrences, first, window=True)
        if chain:
            hits = [doc.hit(s, e) for s, e in chain]
            return MatchResult(
                True,
                f"all {len(hits)} parts of the elided quote found, in order, "
                + labels.located_all([h.label for h in hits]),
                hits,
            )
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


def _near_misquote(
    doc: Searched, quote: str, parts: list[Part], near: _NearMiss, elsewhere: list[tuple[int, int]]
) -> MatchResult:
    """The refutation of an elided quote whose part k the page words differently right after part k-1."""
    differences = word_differences(doc, quote, parts[near.k], near.ops)
    more = f" (and {len(differences) - 1} more difference{'s' if len(differences) > 2 else ''})"
    reason = (
        f"misquote (part {near.k + 1} of {len(parts)} of the elided quote, where the page carries it right "
        f"after part {near.k}): {differences[0]}" + (more if len(differences) > 1 else "")
    )
    later = [(s, e) for s, e in elsewhere if s >= near.e]
    if later:  # why the exact words elsewhere do not save the quote: they are not where a reader compares
        words = collapse(quote[parts[near.k][0][1] : parts[near.k][-1][2]])
        reason += f"; '{words}' stands further on, {labels.located(doc.label(*later[0]))}"
    closest = doc.hit(near.start, near.e)
    return MatchResult(False, reason, [closest], closest=closest, differences=differences)


def _misquote(
    doc: Searched,
    quote: str,
    parts: list[list[tuple[str, int, int]]],
    k: int,
    occurrences: list[list[tuple[int, int]]],
) -> MatchResult:
    """Part `k` of the quote is not on the page: find the closest passage and say how it differs."""
    part = parts[k]
    which = f" (part {k + 1} of {len(parts)} of the elided quote)" if len(parts) > 1 else ""
    found = [doc.hit(*occ[0]) for occ in occurrences if occ]
    for s, e in (
        occurrences[k - 1][:50] if k else ()
    ):  # the nearest plausible place first: right after part k-1
        near = _near_copy(doc, quote, part, e, len(doc.stream.toks))
        if near is not None:
            return _near_misquote(doc, quote, parts, _NearMiss(k, s, *near), [])
    aligned = align(doc.stream, [t for t, _, _ in part])
    if aligned is None:
        return MatchResult(False, f"not found: no passage close to the quote{which}", found)
    s, e, ops = aligned
    differences = word_differences(doc, quote, part, ops)
    more = f" (and {len(differences) - 1} more difference{'s' if len(differences) > 2 else ''})"
    reason = f"misquote{which}: {differences[0]}" + (more if len(differences) > 1 else "")
    return MatchResult(False, reason, found, closest=doc.hit(s, e), differences=differences)
