"""Direct quotations in an article and who said them: straight and curly quotes, Indonesian and English.

Each quotation is an exact slice of its paragraph (so `verify` finds it word for word). Its speaker comes
from the attribution next to it; a pronoun ("katanya", "he said") or an unattributed quotation that carries
on from the last one takes the speaker named before, only while nobody else has been named since and not
more than two paragraphs back. Otherwise `said_by` stays empty: left out, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import overload

from civicheck.draft.speakers import NAME, PRONOUN, ROLE, Speaker, after_quote, before_quote, indirect
from civicheck.draft.text import Span, bare, sentence_spans
from civicheck.draft.vocabulary import NOT_NAMES, ORGANISATIONS, TITLES
from civicheck.match import tokens

_OPEN_DOUBLE = "“„«‟〝"
_CLOSE_DOUBLE = "”»〞"
_STRAIGHT_DOUBLE = '"＂'
_SMALL_WORDS = frozenset("of and the a an in on for to at by dan di ke yang dari untuk & -".split())
CARRY_PARAGRAPHS = 2  # a pronoun may point back this many paragraphs at most


@dataclass(frozen=True)
class Segment:
    """One quoted stretch of a paragraph: text[start:end] is the quotation without its quote marks."""

    start: int
    end: int
    open_mark: int  # offset of the opening quote mark
    close_mark: int | None  # offset of the closing mark; None when the quotation runs on past the paragraph


@dataclass
class Quotation:
    paragraph: int  # 0-based index into the article's paragraphs
    start: int  # offsets of the quoted text in the paragraph
    end: int
    text: str  # exactly paragraph[start:end]
    speaker: str | None  # the name or role; None when the article does not say (or not clearly)
    how: str  # "named" (in its own sentence), "carried" (a pronoun: named earlier), "continued", or ""
    official: bool  # the speaker's title is a government one
    context: tuple[int, int]  # the sentence(s) holding the quotation and its attribution, in the paragraph
    named_in: int | None = None  # for a carried speaker: the paragraph that named them


def quote_segments(text: str) -> list[Segment]:
    """The double-quoted stretches of a paragraph (curly, straight, guillemets, and mixtures such as an
    opening straight quote closed by a curly one), paired in order; then ‘single-quoted’ ones outside them."""
    marks = [
        i for i, ch in enumerate(text) if ch in _OPEN_DOUBLE or ch in _CLOSE_DOUBLE or ch in _STRAIGHT_DOUBLE
    ]
    segments: list[Segment] = []
    opened: int | None = None
    for i in marks:
        ch = text[i]
        if opened is None:
            if ch in _CLOSE_DOUBLE and not _looks_opening(text, i):
                continue  # a stray closing mark: the end of a quotation opened in an earlier paragraph
            opened = i
        else:
            if ch in _OPEN_DOUBLE and not _looks_closing(text, i):
                opened = i  # two opening marks in a row: the first one was never closed
                continue
            segments.append(Segment(opened + 1, i, opened, i))
            opened = None
    if opened is not None:
        segments.append(Segment(opened + 1, len(text), opened, None))
    segments += [
        s
        for s in _single_segments(text)
        if not any(d.open_mark < s.open_mark < (d.close_mark or len(text)) for d in segments)
    ]
    return sorted(
        (_trimmed(text, s) for s in segments if text[s.start : s.end].strip()), key=lambda s: s.open_mark
    )


def _looks_opening(text: str, i: int) -> bool:
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return (before.isspace() or before in "([{—–-:;,") and not after.isspace()


def _looks_closing(text: str, i: int) -> bool:
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return not before.isspace() and (after.isspace() or after in ".,;:!?)]}—–-")


def _single_segments(text: str) -> list[Segment]:
    """‘…’ quotations (curly single quotes: the straight one is too often an apostrophe to pair)."""
    out, pos = [], 0
    while (o := text.find("‘", pos)) >= 0:
        c = o + 1
        while (c := text.find("’", c)) >= 0 and c + 1 < len(text) and text[c + 1].isalpha():
            c += 1  # we’re: an apostrophe
        if c < 0:
            break
        out.append(Segment(o + 1, c, o, c))
        pos = c + 1
    return out


def _trimmed(text: str, s: Segment) -> Segment:
    start, end = s.start, s.end
    while start < end and text[start].isspace():
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:"):
        end -= 1  # `"…," kata X`: the comma belongs to the sentence around the quotation
    return Segment(start, end, s.open_mark, s.close_mark)


def find_quotations(paragraphs: list[str]) -> list[Quotation]:
    """Every direct quotation in the paragraphs, in order, with its speaker where the article makes it clear."""
    found: list[Quotation] = []
    last: tuple[str, int, bool] | None = None  # the speaker named most recently: (name, paragraph, official)
    known: list[str] = []  # every name seen speaking, to write "Budi" as the "Budi Santoso" named before
    for p, text in enumerate(paragraphs):
        segments = quote_segments(text)
        sentences = sentence_spans(text, [(s.open_mark, (s.close_mark or len(text)) + 1) for s in segments])
        events: list[tuple[int, str, Span | Segment]]
        events = [
            (s.start, "sentence", s)
            for s in sentences
            if not any(s.start <= g.open_mark < s.end for g in segments)
        ]
        events += [(g.open_mark, "quote", g) for g in segments]
        previous_in_paragraph: Quotation | None = None
        for _, _, item in sorted(events, key=lambda e: (e[0], e[1])):  # sentences and quotations in order
            if not isinstance(item, Segment):  # a sentence with no quotation in it
                speaker = indirect(text[item.start : item.end])
                if speaker is not None and speaker.kind == NAME and speaker.name:
                    known.append(speaker.name)
                    last = (_full_name(speaker.name, known, paragraphs[: p + 1]), p, speaker.official)
                elif speaker is not None and last is not None and p - last[1] <= CARRY_PARAGRAPHS:
                    last = (last[0], p, last[2])  # "Dia menyebutkan, …": the same person is still speaking
                continue
            attribution, by_tail = _attribution(text, item, segments, sentences)
            quotation = _quotation(text, p, item, attribution, by_tail, sentences)
            if quotation is None:
                continue
            _assign(quotation, attribution, last, previous_in_paragraph, found, text)
            quotation.speaker = _full_name(quotation.speaker, known, paragraphs[: p + 1])
            if (
                quotation.speaker is not None
                and quotation.how == "named"
                and attribution is not None
                and attribution.kind == NAME
            ):
                known.append(quotation.speaker)
                last = (quotation.speaker, p, quotation.official)
            elif quotation.speaker is not None and last is not None and quotation.speaker == last[0]:
                last = (last[0], p, last[2])  # still the one speaking: a later "katanya" can point back here
            found.append(quotation)
            previous_in_paragraph = quotation
    return found


@overload
def _full_name(name: str, known: list[str], read: list[str]) -> str: ...
@overload
def _full_name(name: str | None, known: list[str], read: list[str]) -> str | None: ...
def _full_name(name: str | None, known: list[str], read: list[str]) -> str | None:
    """ "Budi" as "Budi Santoso" when exactly one longer name seen speaking, else written in the article so
    far ("Wali Kota Cilegon Helldy Agustian"), begins or ends with it."""
    if not name or " " in name:
        return name
    longer = {k for k in known if " " in k and name in (k.split()[0], k.split()[-1])}
    if not longer:
        pattern = re.compile(rf"(?:[A-Z][\w'’-]*\s+)*{re.escape(name)}\b(?:\s+[A-Z][\w'’-]*)*")
        for text in read:
            for m in pattern.finditer(text):
                words = m.group(0).split()
                while (
                    words
                    and words[0] != name
                    and (
                        bare(words[0]) in TITLES
                        or bare(words[0]) in ORGANISATIONS
                        or bare(words[0]) in NOT_NAMES
                        or words[0].isupper()
                    )
                ):
                    dropped = words.pop(0)
                    if bare(dropped) in ORGANISATIONS and words and words[0] != name:
                        words.pop(0)  # "Kota Cilegon Helldy Agustian": the city, then the mayor
                if name in words and 2 <= len(words) <= 4 and name in (words[0], words[-1]):
                    longer.add(" ".join(words))
        longer = {n for n in longer if n.split()[0] == name or n.split()[-1] == name}
        if len(longer) > 1:  # "Wali Kota Cilegon Helldy Agustian" and "Cilegon Helldy Agustian": the shortest
            shortest = min(longer, key=len)
            longer = {shortest} if all(shortest in n for n in longer) else longer
    return longer.pop() if len(longer) == 1 else name


def _quotation(
    text: str, p: int, segment: Segment, attribution: Speaker | None, by_tail: bool, sentences: list
) -> Quotation | None:
    quoted = text[segment.start : segment.end]
    words = tokens(quoted)
    if not words:
        return None
    if _title_like(quoted) and not by_tail:
        return None  # "Mercy and Justice", "Hanoi Hilton": names of things, not words someone said
    attributed = attribution is not None
    if not (len(words) >= 3 or attributed or (len(words) == 2 and quoted.rstrip()[-1:] in ".!?")):
        return None  # "interim", "phase one": terms and scare quotes
    context = _context(text, segment, sentences)
    return Quotation(p, segment.start, segment.end, quoted, None, "", False, context)


def _title_like(quoted: str) -> bool:
    words = quoted.split()
    if len(words) > 6 or any(ch in quoted for ch in ".,;:!?"):
        return False
    return all(w[:1].isupper() or w.lower() in _SMALL_WORDS or not w[:1].isalpha() for w in words)


def _sentence_of(sentences: list, offset: int):
    for s in sentences:
        if s.start <= offset < s.end:
            return s
    return None


_IMMEDIATE = re.compile(r"[,:]\s*$|\b(?:that|bahwa)\s*$")
_SPEECH_AT_END = re.compile(
    r"\b(?:said|says|added|told \w+|wrote|asked|mengatakan|menyatakan|berkata|menambahkan)"
    r"[,:]?\s*$"
)


def _attribution(
    text: str, segment: Segment, segments: list[Segment], sentences: list
) -> tuple[Speaker | None, bool]:
    """The speaker the quotation's own sentence names, and whether it was named after the quotation.

    `X said: "…"` (a speech verb right before it) comes first, then `"…," kata X` after it, then a speech
    verb earlier in the sentence (`Noem tweeted that the epidemic "…"`). A short fragment ("interim",
    "phase one") is only a quotation when someone is said to have said it right there."""
    sentence = _sentence_of(sentences, segment.open_mark)
    start = sentence.start if sentence is not None else 0
    earlier = [
        g.close_mark for g in segments if g.close_mark is not None and g.close_mark < segment.open_mark
    ]
    if earlier:
        start = max(start, earlier[-1] + 1)
    head = text[start : segment.open_mark]
    short = len(tokens(text[segment.start : segment.end])) < 3
    before = before_quote(head)
    if _IMMEDIATE.search(head) and _SPEECH_AT_END.search(head):
        # `… and said, "…"`: the quotation's own speaker, even when only implied; a source named after it
        # ("…," the prosecutor's office said) reports it, it did not say it.
        return before or Speaker(PRONOUN), False
    if before is not None and _IMMEDIATE.search(head):
        return before, False
    if segment.close_mark is not None:
        sentence = _sentence_of(sentences, segment.close_mark)
        end = sentence.end if sentence is not None else len(text)
        later = [g.open_mark for g in segments if g.open_mark > segment.close_mark]
        if later:
            end = min(end, later[0])
        found = after_quote(text[segment.close_mark + 1 : end])
        if found is not None:
            return found, True
    return (None if short else before), False


def _context(text: str, segment: Segment, sentences: list) -> tuple[int, int]:
    first = _sentence_of(sentences, segment.open_mark)
    last = _sentence_of(sentences, segment.close_mark if segment.close_mark is not None else len(text) - 1)
    start = first.start if first is not None else segment.open_mark
    end = last.end if last is not None else len(text)
    return start, max(end, segment.end)


def _assign(
    q: Quotation,
    attribution: Speaker | None,
    last: tuple[str, int, bool] | None,
    previous_in_paragraph: Quotation | None,
    found: list[Quotation],
    text: str,
) -> None:
    """Fill in who said it: named in its sentence, a pronoun pointing back, or the speaker it carries on from."""
    if attribution is not None and attribution.kind in (NAME, ROLE):
        q.speaker, q.how, q.official = attribution.name, "named", attribution.official
        return
    recent = last is not None and q.paragraph - last[1] <= CARRY_PARAGRAPHS
    if attribution is not None and attribution.kind == PRONOUN:
        if recent and last is not None:
            q.speaker, q.how, q.official, q.named_in = last[0], "carried", last[2], last[1]
        elif attribution.fallback:
            q.speaker, q.how, q.official = attribution.fallback, "named", attribution.official
        return
    # No attribution at all: the same speaker goes on when the quotation follows theirs directly, in the
    # same paragraph or opening the next one (multi-paragraph quotations are printed that way).
    before = found[-1] if found else None
    opens_paragraph = not text[: q.start].strip(" \"“„«‘'")
    if previous_in_paragraph is not None and previous_in_paragraph.speaker:
        q.speaker, q.how, q.official = (
            previous_in_paragraph.speaker,
            "continued",
            previous_in_paragraph.official,
        )
    elif before is not None and before.speaker and opens_paragraph and before.paragraph == q.paragraph - 1:
        q.speaker, q.how, q.official = before.speaker, "continued", before.official
    elif last is not None and last[1] == q.paragraph and previous_in_paragraph is None:
        q.speaker, q.how, q.official = last[0], "continued", last[2]  # "X mengatakan bahwa … ."  "…"
