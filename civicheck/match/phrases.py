"""Are the phrases of a `contains` check on the page, as whole words, after normalisation: every `all` phrase,
one `any` phrase, no `none` phrase, optionally within `near` words of each other, optionally stemmed.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from civicheck.extract.document import Passage
from civicheck.match import labels
from civicheck.match.hits import Searched, scope_label
from civicheck.match.index import Stream
from civicheck.match.results import MatchResult
from civicheck.match.tokeniser import stem_token, tokens


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
    doc = Searched(passages, article, context)
    stemmed = doc.stream.search(True) if stem else None

    def occurrences(phrase: str) -> list[tuple[int, int]]:
        seq = tokens(phrase)
        if stemmed is None:
            return doc.stream.occurrences(seq)
        seq = [stem_token(t) for t in seq]
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
        window, distance = _nearest(
            doc.stream, {p: occ[p] for p in required}, {p: occ[p] for p in alternatives if occ[p]}
        )
        if distance is None or distance > near:
            near_note = f"never within {_words(near)} of each other (nearest: {_words(distance)} apart)"
        else:
            chosen.update(window)
    hits = [doc.hit(*chosen[p]) for p in found]
    forbidden_hits = [doc.hit(*doc.choose(occ[p])) for p in forbidden]
    scope = scope_label(passages)

    problems = []
    missing_required = [p for p in required if not occ[p]]
    if missing_required:
        problems.append("missing: " + _quoted(missing_required) + _wordless(missing_required))
    if alternatives and not [p for p in alternatives if occ[p]]:
        problems.append("none of the alternatives found: " + _quoted(alternatives))
    if near_note:
        problems.append(f"the phrases are in {scope} but {near_note}")
    for p, h in zip(forbidden, forbidden_hits, strict=True):
        problems.append(f"forbidden phrase found: '{p}' ({labels.located(h.label)})")
    if not (required or alternatives or banned):
        problems.append("no phrases to look for")
    reason = "; ".join(problems) if problems else _success(required, alternatives, banned, found, near, scope)
    return MatchResult(
        not problems, reason, hits + forbidden_hits, found=found, missing=missing, forbidden=forbidden
    )


def _wordless(phrases: list[str]) -> str:
    empty = [p for p in phrases if not tokens(p)]
    if not empty:
        return ""
    return f" ({_quoted(empty)} {'has' if len(empty) == 1 else 'have'} no words or numbers to look for)"


def _words(n: int | None) -> str:
    return f"{n} word" if n == 1 else f"{n} words"


def _quoted(phrases: Sequence[str]) -> str:
    return ", ".join(f"'{p}'" for p in phrases)


def _success(
    required: list[str],
    alternatives: list[str],
    banned: list[str],
    found: list[str],
    near: int | None,
    scope: str,
) -> str:
    said = []
    if required:
        said.append(_quoted(required) if len(required) == 1 else f"all {len(required)} phrases")
    if alternatives:
        got = [p for p in alternatives if p in found]
        said.append(
            _quoted(got[:1])
            + (f" (one of {len(alternatives)} alternatives)" if len(alternatives) > 1 else "")
        )
    text = " and ".join(said)
    if text:
        text += f" found in {scope}"
        if near is not None:
            text += f" within {_words(near)} of each other"
    if banned:
        clause = (
            f"none of the {len(banned)} forbidden phrases"
            if len(banned) > 1
            else f"forbidden phrase '{banned[0]}' not"
        )
        text += ("; " if text else "") + f"{clause} found in {scope}"
    return text


def _nearest(
    stream: Stream, required: dict[str, list[tuple[int, int]]], alternatives: dict[str, list[tuple[int, int]]]
) -> tuple[dict[str, tuple[int, int]], int | None]:
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
            for other in range(len(groups)):
                if other == anchor:
                    continue
                i = bisect_right(starts[other], s)
                if i == 0:
                    break
                os, oe, op = latest[other][i - 1]
                chosen[op] = (os, oe)
                min_end = min(min_end, oe)
            else:
                distance = stream.words_between(min_end, s) if s > min_end else 0
                if best is None or distance < best[0]:
                    best = (distance, chosen)
    if best is None:
        return {}, None
    return best[1], best[0]
