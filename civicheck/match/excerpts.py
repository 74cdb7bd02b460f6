"""Excerpts a reader can quote: the match with some context either side, cut at word boundaries, its
brackets and quotation marks closed and a final stop kept ("Kamis (6/11).").
"""

from __future__ import annotations

from civicheck.match.tokeniser import SPACE

_PAIRS = {
    "(": ")",
    "[": "]",
    "{": "}",
    "\u201c": "\u201d",
    "\u2018": "\u2019",
    "\u00ab": "\u00bb",
    "\u201e": "\u201c",
    "\u2039": "\u203a",
    "\uff08": "\uff09",
    "\u300c": "\u300d",
}
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


def collapse(text: str) -> str:
    return SPACE.sub(" ", text)


def excerpt_of(source: str, a: int, b: int, context: int) -> tuple[str, tuple[int, int]]:
    """source[a:b] with up to `context` characters either side (cut at word boundaries, widened to close a
    bracket the context opens), whitespace collapsed."""
    lo, hi = max(0, a - context), min(len(source), b + context)
    if lo > 0:  # start and end on a word boundary where there is one (scripts without spaces have none)
        space = SPACE.search(source, lo, a)
        lo = space.end() if space else lo
    if hi < len(source):
        spaces = list(SPACE.finditer(source, b, hi))
        hi = spaces[-1].start() if spaces else hi
    lo, hi = whole_brackets(source, lo, hi, a, b)
    before = collapse(source[lo:a]).lstrip()
    match = collapse(source[a:b])
    after = collapse(source[b:hi]).rstrip()
    head = "…" if lo > 0 else ""
    tail = "…" if hi < len(source) else ""
    start = len(head) + len(before)
    return head + before + match + after + tail, (start, start + len(match))
