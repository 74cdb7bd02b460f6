"""When a page was published: what the page itself declares (JSON-LD, OpenGraph and other meta tags, marked-up
<time> elements, a date in its address) weighed against htmldate's reading. Sources that disagree by more than a
day are named, never settled by a guess; pure functions on HTML already fetched.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from civicheck.extract.declared_dates import Declared, declared, plausible

# A day either way is one date: a page published near midnight carries one day in its local time (the address,
# the byline) and the next or the last in UTC (its metadata). Beyond that, two sources disagree.
TOLERANCE_DAYS = 1


@dataclass
class Publication:
    """The publication date civicheck reports, where it came from, and why there is none when there is not."""

    date: str | None = None
    source: str | None = None
    nearby: list[str] = field(
        default_factory=list
    )  # other dates sources give within the tolerance (time zones)
    conflict: str | None = None  # "JSON-LD datePublished says 2023-06-15, the address says 2023-05-01"
    declared: list[Declared] = field(default_factory=list)

    @property
    def dates(self) -> list[str]:
        """Every day the publication may be on: the decided one and those a time zone away."""
        return sorted({self.date, *self.nearby}) if self.date else []


# --- the date the page shows under its headline ---------------------------------------------------------------

# Month names as bylines write them, English and Indonesian, with their usual abbreviations.
_MONTHS = {
    **{
        m: i
        for i, m in enumerate(
            [
                "january",
                "february",
                "march",
                "april",
                "may",
                "june",
                "july",
                "august",
                "september",
                "october",
                "november",
                "december",
            ],
            1,
        )
    },
    **{
        m: i
        for i, m in enumerate(
            [
                "januari",
                "februari",
                "maret",
                "april",
                "mei",
                "juni",
                "juli",
                "agustus",
                "september",
                "oktober",
                "november",
                "desember",
            ],
            1,
        )
    },
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "agu": 8,
    "agt": 8,
    "ags": 8,
    "sep": 9,
    "sept": 9,
    "okt": 10,
    "oct": 10,
    "nov": 11,
    "dec": 12,
    "des": 12,
    "mei": 5,
}
_MONTH = "(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY, _YEAR = r"(\d{1,2})(?:st|nd|rd|th)?", r"((?:19|20)\d\d)"
_SHOWN = [  # (pattern, order of its groups): "19 November 2019", "Nov. 19, 2019", "2019-11-19", "19/11/2019"
    (re.compile(rf"(?i)(?<![\w]){_DAY}\.?\s+{_MONTH},?\s+{_YEAR}(?!\d)"), "dmy"),
    (re.compile(rf"(?i)(?<![\w]){_MONTH}\s+{_DAY},?\s+{_YEAR}(?!\d)"), "mdy"),
    (re.compile(rf"(?<!\d){_YEAR}[-./](\d{{1,2}})[-./](\d{{1,2}})(?!\d)"), "ymd"),
    (re.compile(r"(?<![\d.:])(\d{1,2})[/.](\d{1,2})[/.]((?:19|20)?\d\d)(?![\d:])"), "numeric"),
    # No year ("Posted Nov 18, 8:19 PM"): it can only tell which of two days a declared date is.
    (re.compile(rf"(?i)(?<![\w]){_MONTH}\s+{_DAY}(?![\d:])"), "md"),
    (re.compile(rf"(?i)(?<![\w]){_DAY}\.?\s+{_MONTH}(?![\w])"), "dm"),
]
# Words before a byline's date that make it the date the page last changed, and words that make it the date it
# was published (when a line gives both: "Updated Nov 19, 9:41 AM; Posted Nov 18, 8:19 PM").
_UPDATED = re.compile(r"(?i)updated|modified|diperbarui|edited|last update|aktualisiert")
_POSTED = re.compile(r"(?i)published|posted|publicado|diterbitkan|dipublikasikan|publiziert|original")
_BYLINE_LENGTH = 110  # characters: a byline or a date line is short; a caption or a paragraph is not
_PROSE = 200  # characters: a block this long is the article's prose, below its byline
_EMBED = re.compile(r"\(@\w+\)|^\s*[—–-]\s")  # "— Name (@handle) November 1, 2019": an embedded post


@dataclass(frozen=True)
class Shown:
    """A date the page shows by its headline: every day the text can mean (05/10/2018 may be two; without a
    year, "Nov 18" is a month and a day, MM-DD, and only picks between declared dates a day apart)."""

    days: tuple[str, ...]
    text: str  # the line it was read from
    partial: bool = False


def shown_date(blocks: list[str], paragraphs: list[str], headline: str = "") -> Shown | None:
    """The date written in the page's byline: between the headline and the article's first paragraph of prose
    (or, when the headline cannot be placed, in the few lines above that paragraph), in a short line, not one
    said to be an update; None when there is none. paragraphs: the extracted main text, to find where the
    article starts among the page's blocks."""
    squashed: list[str] = []  # _squash() of the blocks up to `start`
    start = _body_start(blocks, paragraphs, squashed)
    if start is None:
        return None
    parts = [p for p in re.split(r"\s+[-|–—]\s+", headline) if p.strip()]
    parts = parts[:-1] if len(parts) > 1 else parts  # "… - Site Name": the site's name is on every page
    parts += [q for p in parts for q in re.split(r":\s+", p) if q != p]
    keys = {k for k in (_squash(p)[:40] for p in parts) if len(k) >= 16}
    placed = [i for i in range(max(0, start - 150), start) if any(k in squashed[i] for k in keys)]
    if placed:
        order = list(range(placed[-1] + 1, start)) + list(range(placed[-1] - 1, max(-1, placed[-1] - 4), -1))
    else:
        order = list(range(max(0, start - 8), start))
    for i in order:
        line = blocks[i]
        if (
            len(line) > _BYLINE_LENGTH
            or _EMBED.search(line)
            or (i and len(blocks[i - 1]) < 25 and _UPDATED.search(blocks[i - 1]))
        ):
            continue
        found = _days_in(line)
        if found:
            return Shown(found[0], line, found[1])
    return None


def _body_start(blocks: list[str], paragraphs: list[str], squashed: list[str]) -> int | None:
    """The page block holding the article's first paragraph of prose (its byline stands above it).
    `squashed`: filled with _squash() of each block up to that one, for the caller to read again."""
    for shortest in (
        _PROSE,
        _PROSE // 2,
    ):  # a headline, a standfirst, a caption the extractor kept come first
        for paragraph in paragraphs:
            if len(paragraph) >= shortest:
                key = _squash(paragraph)[:60]
                if not key:
                    return None
                for i, block in enumerate(blocks):
                    squashed.append(_squash(block))
                    if key in squashed[i]:
                        return i
                return None
    return None


def _days_in(text: str) -> tuple[tuple[str, ...], bool] | None:
    """The first date in `text` not said to be an update: (its possible days, whether it has no year)."""
    hits = []
    for pattern, order in _SHOWN:
        hits += [(m.start(), order, m) for m in pattern.finditer(text)]
    taken: list[tuple[int, int]] = []
    for start, order, m in sorted(hits, key=lambda h: (h[0], -len(h[2].group()))):
        if any(a <= start < b for a, b in taken):
            continue  # inside a longer date already read ("Nov 19, 2019" holds "Nov 19")
        taken.append((start, m.end()))
        before = text[:start]
        updated, posted = list(_UPDATED.finditer(before)), list(_POSTED.finditer(before))
        if updated and (not posted or posted[-1].start() < updated[-1].start()):
            continue
        days = _meanings(order, m)
        if days:
            return tuple(days), order in ("md", "dm")
    return None


def _meanings(order: str, m: re.Match[str]) -> list[str]:
    if order == "numeric":  # day and month in either order, a two-digit year in this century
        a, b, y = int(m[1]), int(m[2]), int(m[3]) % 100 + 2000 if len(m[3]) == 2 else int(m[3])
        options = [(y, b, a), (y, a, b)]
    elif order == "ymd":
        options = [(int(m[1]), int(m[2]), int(m[3]))]
    elif order in ("md", "dm"):
        day, month = (m[2], m[1]) if order == "md" else (m[1], m[2])
        options = [(2000, _MONTHS[month.lower()], int(day))]  # the year is a placeholder: see Shown.partial
    else:
        day, month = (m[1], m[2]) if order == "dmy" else (m[2], m[1])
        options = [(int(m[3]), _MONTHS[month.lower()], int(day))]
    days = []
    for y, mo, d in options:
        try:
            found = plausible(dt.date(y, mo, d), local=True)
        except ValueError:
            continue
        if found and found[0] not in days:
            days.append(found[0])
    return days


_NOT_ALNUM = re.compile(r"[\W_]+")  # not a letter or a digit (str.isalnum)


def _squash(text: str) -> str:
    return _NOT_ALNUM.sub("", text.casefold())


# --- deciding ------------------------------------------------------------------------------------------------------


def decide(found: list[Declared], htmldate_reading: str | None, shown: Shown | None = None) -> Publication:
    """The publication date from the page's declarations, checked against each other, against the date its
    byline shows and against htmldate.

    Declarations written for the page (JSON-LD, OpenGraph, the address...) must agree within TOLERANCE_DAYS,
    or there is no date and `conflict` names two that disagree; with none of those, the weaker tags (DC.date,
    a bare `date`) stand in. htmldate's reading and the date the byline shows must agree with them too; the
    byline gives the day when it does, since it is the day the page's readers saw (metadata is often in
    UTC). Otherwise a day stated in the page's own time is preferred to a UTC timestamp. With no declaration
    at all, the byline and htmldate's reading decide, and must agree when both are there.
    """
    strong = [d for d in found if d.strong]
    weak = [d for d in found if not d.strong]
    pub = Publication(declared=list(found))
    chosen = strong or weak
    if htmldate_reading and (not chosen or not _near(htmldate_reading, chosen[0].date)):
        chosen = [*chosen, Declared(htmldate_reading, "htmldate's reading of the page", local=False)]
    if shown is not None and shown.partial:  # a month and a day: which of the declared days a day apart it is
        days = {d.date for d in chosen} | {_shift(d.date, k) for d in chosen for k in (-1, 1)}
        shown = Shown(tuple(d for d in sorted(days) if d[5:] in {s[5:] for s in shown.days}), shown.text)
        shown = shown if shown.days and chosen else None
    if shown is not None:
        agreeing = [d for d in shown.days if not chosen or all(_near(d, c.date) for c in chosen)]
        line = " ".join(shown.text.split())
        byline = Declared(agreeing[0] if agreeing else shown.days[0], f"the page's byline ('{line[:80]}')")
        chosen = [byline, *chosen]
    if not chosen:
        return pub
    first = chosen[0]
    for other in chosen[1:]:
        if not _near(first.date, other.date):
            pub.conflict = f"{first.source} says {first.date}, {other.source} says {other.date}"
            return pub
    best = min(chosen, key=_precision)
    pub.date, pub.source = best.date, best.source
    pub.nearby = sorted({d.date for d in chosen if d.date != best.date})
    return pub


def _precision(found: Declared) -> int:
    """How surely a source gives the day the page's readers saw, best first: the byline; a time with its
    offset; the address; a date alone (often the UTC day); a time in UTC or in no stated zone."""
    if found.source.startswith("the page's byline"):
        return 0
    if found.source.startswith("the address"):
        return 2
    return 4 if not found.local else 1 if found.time else 3


def _shift(day: str, days: int) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=days)).isoformat()


def _near(a: str, b: str) -> bool:
    return abs((dt.date.fromisoformat(a) - dt.date.fromisoformat(b)).days) <= TOLERANCE_DAYS


def publication(
    root: Any, url: str, blocks: list[str], paragraphs: list[str], headline: str, date_root: Any
) -> tuple[Publication, str | None]:
    """The publication date of a parsed page, and its last-updated date (htmldate's reading of it).
    root: the page's lxml tree (None when it has none); date_root: the tree htmldate reads (the page's, or
    that of its first DATE_LIMIT characters; None: no reading). blocks, paragraphs, headline: the page's
    visible text blocks, its main text and its title, to find the date its byline shows."""
    published, updated = htmldate_readings(date_root, url)
    pub = decide(declared(root, url), published, shown_date(blocks, paragraphs, headline))
    if pub.date and updated and updated < pub.date:
        updated = None  # a modification before the publication is a misread date, not evidence
    return pub, updated


def htmldate_readings(page: Any, url: str) -> tuple[str | None, str | None]:
    """htmldate's published and last-updated dates (ISO): markup and metadata first, its search of the page
    text only when those say nothing, and never its bare-year guesses ("RPJMD 2021-2026" is not a date of
    2021-01-01). `page`: the lxml tree (htmldate copies it before changing it), never the markup: handed a
    string that looks like an address, htmldate would download it."""
    from htmldate import find_date

    if page is None:
        return None, None

    def find(original: bool, extensive: bool) -> str | None:
        try:
            # htmldate trusts a date in the URL above anything on the page, for the last-modified date too;
            # a URL (/berita/2023/05/01/...) says when a page was published, never when it was updated.
            return find_date(
                page, url=url if original else None, original_date=original, extensive_search=extensive
            )
        except Exception:  # noqa: BLE001 - a date we cannot read is "no date", never a crash
            return None

    def best(original: bool) -> str | None:
        found = find(original, extensive=False)
        if found:
            return found
        guessed = find(original, extensive=True)
        return None if guessed is None or guessed.endswith("-01-01") else guessed

    return best(True), best(False)
