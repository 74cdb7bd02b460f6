"""What matching found: a Hit (where a phrase or quote stands, its excerpt) and a MatchResult (passed or not,
the sentence why, the hits, and for a misquote the closest passage and how it differs).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Hit:
    """Where a phrase, a quote (or one part of an elided quote), or the closest passage to a misquote is."""

    passage: int  # index into the searched passages where the match starts
    start: int  # character offsets in passages[passage].text (original text)
    end: int  # clamped to the end of that passage's text when the match runs on (spans_passages)
    text: str  # the page's own wording of the match, whitespace runs collapsed (== excerpt[mark[0]:mark[1]])
    label: (
        str  # "paragraph 4 of the article", "block 9 of the page text, outside the article body", "p. 143"...
    )
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
    missing: list[str] = field(
        default_factory=list
    )  # contains: `all` (or, when none found, `any`) phrases missing
    forbidden: list[str] = field(default_factory=list)  # contains: `none` phrases found
