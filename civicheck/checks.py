"""What check kinds (kinds/) judge with: the Outcome and its Evidence, the Context of a run (what was fetched,
read and assessed), and whether a fetched URL's service worked (reachability).

No printing, no network: an "unreachable" counts as a failure only if the canary answered when it happened
(the fetch says so), or, for a fetch nobody judged then, if the Context's run-level answer says the machine
is online.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from civicheck.errors import PageUnreadable
from civicheck.extract import Document
from civicheck.fetch import ErrorKind, FetchResult
from civicheck.reading import PageReader, Reading
from civicheck.report import FAIL, PASS, UNKNOWN, Link, OutcomeWord, Snapshot

if TYPE_CHECKING:
    from civicheck.claims import Check
    from civicheck.report import Hit as HitDict

# The reason given when the canary could not be reached; the canary's own answer goes in the run's report.
OFFLINE = "network unavailable (no canary site answered)"
# The reason given when the canary did not answer at the time a fetch failed (the outage is in the report).
OFFLINE_THEN = "network unavailable at the time"

# Failures that look the same from here whether the site is down or our own network is: before one of these
# may fail a check, the canary must show that the machine was online. TLS too: behind a captive portal or a
# TLS-intercepting proxy, or with this machine's clock wrong, every https site fails its handshake. Through a
# proxy, a 5xx may be the proxy's own (its upstream is down): that is the HTTP_5XX case in _needs_canary().
# A connection reset (or closed before any answer) on every attempt, too: a browser shows "connection reset".
_NEEDS_CANARY = {
    ErrorKind.DNS,
    ErrorKind.REFUSED,
    ErrorKind.TIMEOUT,
    ErrorKind.TLS,
    ErrorKind.PROXY,
    ErrorKind.RESET,
}
# A page with nothing to read: a text check can neither find nor miss a phrase on it.
NO_TEXT = "the page shows no text (a page built by JavaScript shows none to civicheck)"


class Assessment(Protocol):
    """What the soft-404 / bot-wall ensemble (soft404.py) says about a fetched page."""

    soft404: bool
    signals: list[str]
    bot_wall: str | None
    families: list[str]  # kinds of signal that decided soft404: redirect, probe, wording, empty, parked


@dataclass
class Hit:
    """Where in a document a phrase or quote was found (or, for a misquote, the closest passage)."""

    text: str  # the page's own wording
    location: str  # "paragraph 4 of the article", "p. 143", ...
    excerpt: str  # the passage around it
    mark: tuple[int, int]  # the match inside `excerpt`

    def as_dict(self) -> HitDict:
        return {
            "text": self.text,
            "location": self.location,
            "excerpt": self.excerpt,
            "mark": list(self.mark),
        }


@dataclass
class Evidence:
    url: str
    final_url: str | None = None
    redirects: list[tuple[int, str]] = field(default_factory=list)
    status: int | None = None
    error: str | None = None  # an ErrorKind value
    detail: str | None = None  # the fetcher's sentence about what happened
    fetched_at: str | None = None
    sha256: str | None = None  # of the body as received (decoded)
    text_sha256: str | None = None  # of the extracted text, for text checks
    text: str | None = None  # the extracted text itself, for text checks (history diffs it between runs)
    hits: list[Hit] = field(default_factory=list)  # text checks: what decided it
    soft404: list[str] = field(default_factory=list)  # signals of a "not found" page that fired
    links: list[Link] = field(default_factory=list)  # links check: every link checked
    links_excluded: int = 0  # links check: links its `exclude` patterns left out (counted, not fetched)
    published: str | None = None  # dates found on the page (ISO)
    published_source: str | None = (
        None  # which of the page's sources gave `published` ("JSON-LD datePublished")
    )
    updated: str | None = None
    snapshots: list[Snapshot] = field(default_factory=list)  # where a copy is kept (WARC record, archives)
    note: str | None = None  # e.g. "from the archived copy of 2023-05-01"
    network: str | None = (
        None  # what the canary said when the fetch failed; a fetch made again after an outage
    )

    @property
    def excerpt(self) -> str | None:
        return self.hits[0].excerpt if self.hits else None

    @classmethod
    def of(cls, result: FetchResult, ctx: Context | None = None) -> Evidence:
        return cls(
            url=result.url,
            final_url=result.final_url,
            redirects=list(result.redirects),
            status=result.status,
            error=result.error.value if result.error else None,
            detail=result.detail,
            fetched_at=result.fetched_at,
            sha256=result.sha256,
            snapshots=list(ctx.snapshots(result.url)) if ctx else [],
            network="; ".join(filter(None, (result.network, result.earlier))) or None,
            # A 304: the page judged is the copy of the last good fetch, which the server says is still current;
            # a host that asked us to pause: how long this fetch waited.
            note="; ".join(
                filter(
                    None,
                    (
                        f"unchanged since {result.unchanged_since[:10]}, 304"
                        if result.unchanged_since
                        else "",
                        result.rate_limit,  # "waited 2 s for HOST, which asked every request to pause (…)"
                    ),
                )
            )
            or None,
        )


@dataclass
class Outcome:
    check: Check
    outcome: OutcomeWord
    reason: str  # a sentence a reporter could paste
    evidence: Evidence


class Context:
    """What check functions may use: fetched results, what was read of them (documents), soft-404
    assessments, snapshots, and the connectivity verdict."""

    def __init__(
        self,
        results: dict[str, FetchResult],
        online: Callable[[], tuple[bool, str]],
        assessments: dict[str, Assessment] | None = None,
        snapshots: dict[str, list[Snapshot]] | None = None,
        fallback: Callable[[str, FetchResult], Any] | None = None,
        readings: dict[str, Reading] | None = None,
        reader: PageReader | None = None,
        searched: dict[Any, Any] | None = None,
    ):
        self.results = results
        self._fallback = fallback  # cited url, failed result -> ArchivedCopy | None (archive/fallback.py)
        self._online = online
        self._online_answer: tuple[bool, str] | None = None
        # url -> what was read of its body: the runner reads each page as it arrives (then drops the body);
        # a page not read yet is read on demand, by `reader` (default: in this process).
        self.readings = readings if readings is not None else {}
        self._reader = reader
        # What the text checks' searches found in the pages searched as they arrived (kinds/sources.py
        # EarlySearches), by search_key: those pages' Documents keep no text to search again.
        self.searched = searched if searched is not None else {}
        self.cache: dict[
            Any, Any
        ] = {}  # what a check kind works out once per run (the links a `links` check audits)
        self.assessments = assessments if assessments is not None else {}
        self._snapshots = snapshots if snapshots is not None else {}

    def result(self, url: str) -> FetchResult:
        return self.results[url]

    def reading(self, url: str, result: FetchResult | None = None) -> Reading:
        """What was read of the answer for `url` (`result`, when it is not among the results: a probe)."""
        if url not in self.readings:
            self.readings[url] = self._read(result if result is not None else self.results[url])
        return self.readings[url]

    def document(self, url: str) -> Document:
        """The page's Document; PageUnreadable (the asking check becomes unknown) if it could not be read."""
        return self.reading(url).require()

    def _read(self, result: FetchResult) -> Reading:
        from civicheck.reading import inline_reader

        if self._reader is None:
            self._reader = inline_reader()
        return self._reader.read(result)

    def assessment(self, url: str) -> Assessment | None:
        """The soft-404 / bot-wall assessment; PageUnreadable when the page could not be read, since a check
        that cannot tell a "not found" page or a bot wall from the page itself is unknown."""
        reading = self.readings.get(url)
        if reading is not None and reading.problem is not None:
            raise PageUnreadable(reading.problem)
        return self.assessments.get(url)

    def archived_copy(self, url: str) -> Any:
        """The last good archived copy standing in for a page that could not be fetched (None: not asked)."""
        return self._fallback(url, self.results[url]) if self._fallback is not None else None

    def archived_document(self, url: str, copy: FetchResult) -> Document:
        key = f"archived-copy\0{url}"
        if key not in self.readings:
            self.readings[key] = self._read(copy)
        return self.readings[key].require()

    def snapshots(self, url: str) -> list[Snapshot]:
        return self._snapshots.get(url, [])

    def online(self) -> tuple[bool, str]:
        """Is this machine online? The run-level answer for a failure nobody judged when it happened (see
        offline_reason); asked at most once per run, and only when an answer matters."""
        if self._online_answer is None:
            self._online_answer = self._online()
        return self._online_answer


# --- reachability -------------------------------------------------------------------------------------------


def reachability(result: FetchResult, ctx: Context, soft404: bool = True) -> tuple[OutcomeWord, str]:
    """Did the service work when checked? (PASS = it answered with content, FAIL = it did not, UNKNOWN.)"""
    status = result.status
    assessment = ctx.assessment(result.url)
    if assessment is not None and assessment.bot_wall:
        return UNKNOWN, assessment.bot_wall  # a challenge page says nothing about the service behind it
    if result.error is None and status is not None and (200 <= status < 300 or result.shown_redirect):
        # A 3xx without a Location is shown by a browser as the page it is: judged like a 2xx on its body.
        shown = " without a Location (a browser shows its page)" if result.shown_redirect else ""
        if result.blank:
            return FAIL, f"answered {status_text(result)}{shown} with an empty page"
        if soft404 and assessment is not None and assessment.soft404:
            return (
                FAIL,
                f"answered {status_text(result)}{via(result)}, but it is a 'not found' page: "
                + "; ".join(assessment.signals),
            )
        return PASS, f"answered {status_text(result)}{via(result)}{shown}"
    if result.error is ErrorKind.TOO_LARGE and status is not None and 200 <= status < 300:
        if result.truncated_page:  # a truncated page is still a page: its first part is what was judged
            return PASS, f"answered {status_text(result)}{via(result)} ({result.detail})"
        return (
            UNKNOWN,
            f"answered {status_text(result)}, but nothing of its body could be read ({result.detail})",
        )
    if status == 429 or result.error is ErrorKind.RATE_LIMITED:
        return UNKNOWN, rate_limited(result)
    if result.error is ErrorKind.NOT_PUBLIC:
        # We chose not to connect: that says nothing about the site, nor about our network.
        return UNKNOWN, result.detail
    offline = offline_reason(result, ctx)
    if offline:
        label, said = offline
        separator = ": " if label == OFFLINE_THEN else "; "
        return UNKNOWN, f"{label}{separator}{offline_words(result)}, which proves nothing while offline{said}"
    if _needs_canary(result):
        return FAIL, result.detail
    if result.error in (
        ErrorKind.TOO_MANY_REDIRECTS,
        ErrorKind.BAD_REDIRECT,
        ErrorKind.HTTP_4XX,
        ErrorKind.HTTP_5XX,
    ):
        return FAIL, result.detail
    if result.error is None and status is not None:  # a final 1xx/3xx without a place to go
        return UNKNOWN, f"answered {status_text(result)}, which is neither content nor an error"
    return UNKNOWN, result.detail or "the fetch failed for an unknown reason"


def _needs_canary(result: FetchResult) -> bool:
    """May this failure be our own network's? Then it counts against the site only while we are online."""
    return (
        result.error in _NEEDS_CANARY
        or result.maybe_local
        or (bool(result.proxy) and result.error is ErrorKind.HTTP_5XX)
    )


def offline_reason(result: FetchResult, ctx: Context) -> tuple[str, str] | None:
    """Why a failed fetch proves nothing about the site, as (what, the canary's words in brackets), or None.

    The canary's answer when the fetch failed decides (a live run asks it then, and the fetch's record keeps
    it, so a replay decides alike); a failure nobody judged then (the network trusted, an older archive)
    falls back to the run-level answer. A reset or a cut answer is unknown anyway; the outage is named too."""
    if result.network_up is False and (_needs_canary(result) or result.could_be_ours):
        said = result.network.removeprefix("network unavailable: ")
        return OFFLINE_THEN, f" ({said})" if said else ""
    if result.network_up is None and _needs_canary(result) and not ctx.online()[0]:
        return OFFLINE, ""
    return None


def rate_limited(result: FetchResult) -> str:
    if result.status is None:  # never asked: its host had asked every request to pause past its deadline
        return f"rate limited by the server ({result.detail}); try again later"
    return f"rate limited by the server ({status_text(result)}); try again later"


def status_text(result: FetchResult) -> str:
    return f"{result.status} {result.reason}".strip()


def via(result: FetchResult) -> str:
    if not result.redirects:
        return ""
    hops = len(result.redirects)
    return f" after {hops} redirect{'s' if hops > 1 else ''} to {result.final_url}"


def reachability_evidence(result: FetchResult, ctx: Context, soft404: bool = True) -> Evidence:
    evidence = Evidence.of(result, ctx)
    assessment = ctx.assessment(result.url)
    # With `soft404: false` the signals decided nothing, and whether they were computed at all depends on
    # which other checks cite the URL: listing them would make this check's evidence depend on other claims.
    if soft404 and assessment is not None and assessment.soft404:
        evidence.soft404 = list(assessment.signals)
    return evidence


# --- what a text check's source is ---------------------------------------------------------------------------


def stand_in(result: FetchResult, ctx: Context) -> str | None:
    """Why an answer is not the cited page itself, though it may be 2xx: a bot wall's challenge, or a
    "not found" page. Reading either as the source would refute any quote and support any `none:`."""
    assessment = ctx.assessment(result.url)
    if assessment is None:
        return None
    if assessment.bot_wall:
        return assessment.bot_wall
    # A page that is merely short is still the page: its few words are what it says. One that says or acts
    # "not found" (wording, a redirect home, a probe answered alike, a parking page) is not the source.
    if assessment.soft404 and set(assessment.families) - {"empty"}:
        return "the page is a 'not found' page (" + "; ".join(assessment.signals) + ")"
    return None


def unavailable(result: FetchResult, ctx: Context) -> str:
    why = result.detail or status_text(result)
    instead = stand_in(result, ctx)
    if instead:
        # "403 Forbidden" or "200 OK" alone would mislead; the challenge or not-found page is the real reason.
        return f"{instead}; {why}"
    offline = offline_reason(result, ctx)
    if offline:
        why = f"{offline_words(result)}; {offline[0]}{offline[1]}"
    return why


def offline_words(result: FetchResult) -> str:
    """The fetch error without a verdict on the site: offline, "HOST does not exist" is not known."""
    if result.error is ErrorKind.DNS:
        return f"the DNS lookup of {urlsplit(result.url).hostname} failed"
    return result.detail
