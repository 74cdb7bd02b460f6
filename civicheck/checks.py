"""Check kinds: each turns one Check plus what was fetched into an Outcome (pass / fail / unknown) with evidence.

The registry maps a kind to its function; the runner calls them after fetching. No printing, no network: an
"unreachable" counts as a failure only if the canary answered when it happened (the fetch says so), or, for a
fetch nobody judged then, if the Context's run-level answer says the machine is online.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from civicheck.claims import Check
from civicheck.errors import PageUnreadable
from civicheck.extract import MOJIBAKE_NOTE, Document, Link, site_of
from civicheck.fetch import ErrorKind, FetchResult
from civicheck.reading import UNREADABLE, PageReader, Reading
from civicheck.report import FAIL, PASS, UNKNOWN, OutcomeWord

logger = logging.getLogger(__name__)

# The reason given when the canary could not be reached; the canary's own answer goes in the run's report.
OFFLINE = "network unavailable (no canary site answered)"
# The reason given when the canary did not answer at the time a fetch failed (the outage is in the report).
OFFLINE_THEN = "network unavailable at the time"

# Failures that look the same from here whether the site is down or our own network is: before one of these
# may fail a check, the canary must show that the machine was online. TLS too: behind a captive portal or a
# TLS-intercepting proxy, or with this machine's clock wrong, every https site fails its handshake. Through a
# proxy, a 5xx may be the proxy's own (its upstream is down): that is the HTTP_5XX case in _needs_canary().
_NEEDS_CANARY = {ErrorKind.DNS, ErrorKind.REFUSED, ErrorKind.TIMEOUT, ErrorKind.TLS, ErrorKind.PROXY}
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

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "location": self.location, "excerpt": self.excerpt, "mark": list(self.mark)}


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
    links: list[dict[str, Any]] = field(default_factory=list)  # links check: every link checked
    published: str | None = None  # dates found on the page (ISO)
    published_source: str | None = None  # which of the page's sources gave `published` ("JSON-LD datePublished")
    updated: str | None = None
    snapshots: list[dict[str, Any]] = field(default_factory=list)  # where a copy is kept (WARC record, archives)
    note: str | None = None  # e.g. "from the archived copy of 2023-05-01"
    network: str | None = None  # what the canary said when the fetch failed; a fetch made again after an outage

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
        snapshots: dict[str, list[dict[str, Any]]] | None = None,
        fallback: Callable[[str, FetchResult], Any] | None = None,
        readings: dict[str, Reading] | None = None,
        reader: PageReader | None = None,
    ):
        self.results = results
        self._fallback = fallback  # cited url, failed result -> ArchivedCopy | None (archive/fallback.py)
        self._online = online
        self._online_answer: tuple[bool, str] | None = None
        # url -> what was read of its body: the runner reads each page as it arrives (then drops the body);
        # a page not read yet is read on demand, by `reader` (default: in this process).
        self.readings = readings if readings is not None else {}
        self._reader = reader
        self.link_targets: dict[tuple[Any, ...], tuple[list[Link], int]] = {}  # see link_targets()
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

    def snapshots(self, url: str) -> list[dict[str, Any]]:
        return self._snapshots.get(url, [])

    def online(self) -> tuple[bool, str]:
        """Is this machine online? The run-level answer for a failure nobody judged when it happened (see
        offline_reason); asked at most once per run, and only when an answer matters."""
        if self._online_answer is None:
            self._online_answer = self._online()
        return self._online_answer


CheckFunction = Callable[[Check, Context], Outcome]
REGISTRY: dict[str, CheckFunction] = {}


def check_kind(name: str) -> Callable[[CheckFunction], CheckFunction]:
    def register(fn: CheckFunction) -> CheckFunction:
        REGISTRY[name] = fn
        return fn

    return register


def evaluate(check: Check, ctx: Context) -> Outcome:
    """The check's outcome. A page that could not be read, or that made judging it fail, makes this check
    unknown with the reason; it never costs another check its outcome, nor the run its report."""
    try:
        return REGISTRY[check.kind](check, ctx)
    except PageUnreadable as exc:
        return Outcome(check, UNKNOWN, str(exc), _plain_evidence(check, ctx))
    except Exception as exc:  # noqa: BLE001 - a page nobody foresaw (or a bug): that check alone is unknown
        logger.exception("judging %s check of %s failed", check.kind, check.url)
        why = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
        return Outcome(check, UNKNOWN, f"{UNREADABLE}: judging it failed ({why})", _plain_evidence(check, ctx))


def _plain_evidence(check: Check, ctx: Context) -> Evidence:
    result = ctx.results.get(check.url)
    return Evidence.of(result, ctx) if result is not None else Evidence(url=check.url)


# --- reachability -------------------------------------------------------------------------------------------


def reachability(result: FetchResult, ctx: Context, soft404: bool = True) -> tuple[str, str]:
    """Did the service work when checked? (PASS = it answered with content, FAIL = it did not, UNKNOWN.)"""
    status = result.status
    assessment = ctx.assessment(result.url)
    if assessment is not None and assessment.bot_wall:
        return UNKNOWN, assessment.bot_wall  # a challenge page says nothing about the service behind it
    if result.error is None and status is not None and 200 <= status < 300:
        if result.blank:
            return FAIL, f"answered {_status_text(result)} with an empty page"
        if soft404 and assessment is not None and assessment.soft404:
            return FAIL, f"answered {_status_text(result)}{_via(result)}, but it is a 'not found' page: " + "; ".join(
                assessment.signals
            )
        return PASS, f"answered {_status_text(result)}{_via(result)}"
    if result.error is ErrorKind.TOO_LARGE and status is not None and 200 <= status < 300:
        return PASS, f"answered {_status_text(result)} ({result.detail})"
    if status == 429:
        return UNKNOWN, _rate_limited(result)
    if result.error is ErrorKind.NOT_PUBLIC:
        # We chose not to connect: that says nothing about the site, nor about our network.
        return UNKNOWN, result.detail
    offline = offline_reason(result, ctx)
    if offline:
        label, said = offline
        separator = ": " if label == OFFLINE_THEN else "; "
        return UNKNOWN, f"{label}{separator}{_offline_words(result)}, which proves nothing while offline{said}"
    if _needs_canary(result):
        return FAIL, result.detail
    if result.error in (ErrorKind.TOO_MANY_REDIRECTS, ErrorKind.HTTP_4XX, ErrorKind.HTTP_5XX):
        return FAIL, result.detail
    if result.error is None and status is not None:  # a final 1xx/3xx without a place to go
        return UNKNOWN, f"answered {_status_text(result)}, which is neither content nor an error"
    return UNKNOWN, result.detail or "the fetch failed for an unknown reason"


def _needs_canary(result: FetchResult) -> bool:
    """May this failure be our own network's? Then it counts against the site only while we are online."""
    return (result.error in _NEEDS_CANARY or result.maybe_local
            or (bool(result.proxy) and result.error is ErrorKind.HTTP_5XX))


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


def _rate_limited(result: FetchResult) -> str:
    return f"rate limited by the server ({_status_text(result)}); try again later"


def _status_text(result: FetchResult) -> str:
    return f"{result.status} {result.reason}".strip()


def _via(result: FetchResult) -> str:
    if not result.redirects:
        return ""
    hops = len(result.redirects)
    return f" after {hops} redirect{'s' if hops > 1 else ''} to {result.final_url}"


def _reachability_evidence(result: FetchResult, ctx: Context, soft404: bool = True) -> Evidence:
    evidence = Evidence.of(result, ctx)
    assessment = ctx.assessment(result.url)
    # With `soft404: false` the signals decided nothing, and whether they were computed at all depends on
    # which other checks cite the URL: listing them would make this check's evidence depend on other claims.
    if soft404 and assessment is not None and assessment.soft404:
        evidence.soft404 = list(assessment.signals)
    return evidence


@check_kind("live")
def check_live(check: Check, ctx: Context) -> Outcome:
    result = ctx.result(check.url)
    outcome, reason = reachability(result, ctx, check.soft404)
    return Outcome(check, outcome, reason, _reachability_evidence(result, ctx, check.soft404))


@check_kind("dead")
def check_dead(check: Check, ctx: Context) -> Outcome:
    result = ctx.result(check.url)
    outcome, reason = reachability(result, ctx, check.soft404)
    mirrored = {PASS: FAIL, FAIL: PASS, UNKNOWN: UNKNOWN}[outcome]
    if mirrored == FAIL:
        reason = f"still live: {reason}"
    return Outcome(check, mirrored, reason, _reachability_evidence(result, ctx, check.soft404))


@check_kind("status")
def check_status(check: Check, ctx: Context) -> Outcome:
    result = ctx.result(check.url)
    evidence = Evidence.of(result, ctx)
    wanted = " or ".join(str(c) for c in check.codes)
    if result.status is None:
        outcome, reason = reachability(result, ctx)
        if outcome == FAIL:
            return Outcome(check, FAIL, f"no HTTP answer, expected {wanted}: {reason}", evidence)
        return Outcome(check, UNKNOWN, reason, evidence)
    assessment = ctx.assessment(result.url)
    if assessment is not None and assessment.bot_wall:
        # The challenge's 403/503 is the wall's status, not the page's: it can neither match nor miss.
        return Outcome(check, UNKNOWN, assessment.bot_wall, evidence)
    if result.status == 429 and 429 not in check.codes:
        # Likewise a rate limit answers for how often we ask, not for the page (as with live and dead).
        return Outcome(check, UNKNOWN, _rate_limited(result), evidence)
    if result.status in check.codes:
        return Outcome(check, PASS, f"answered {_status_text(result)}{_via(result)}, as expected", evidence)
    return Outcome(check, FAIL, f"answered {_status_text(result)}{_via(result)}, expected {wanted}", evidence)


# --- links: the portal audit --------------------------------------------------------------------------------


def link_targets(check: Check, ctx: Context) -> list[Link]:
    """The links a `links` check audits. The runner calls this too, to fetch exactly these: computed once
    (a `select` parses the whole page again, and a portal page may be large)."""
    return _audited(check, ctx)[0]


def _audited(check: Check, ctx: Context) -> tuple[list[Link], int]:
    """(the links audited, how many the page has that the check could audit: more when over max_links)."""
    key = (check.url, check.select, check.same_site, check.max_links)
    if key not in ctx.link_targets:
        found = _link_targets(check, ctx)
        ctx.link_targets[key] = (found[: check.max_links], len(found))
    return ctx.link_targets[key]


def _link_targets(check: Check, ctx: Context) -> list[Link]:
    result = ctx.result(check.url)
    if not result.has_document or ctx.document(check.url).kind != "html":
        return []
    document = ctx.document(check.url)
    if check.select in document.selected_links:  # collected when the page was read, in one parse
        links = document.selected_links[check.select]
    elif check.select:
        from civicheck.extract import links_in

        links = links_in(result, check.select)
    else:
        links = document.links
    if check.same_site:
        site = site_of(result.final_url)
        links = [link for link in links if site_of(link.url) == site or site_of(link.url).endswith("." + site)]
    return links


@check_kind("links")
def check_links(check: Check, ctx: Context) -> Outcome:
    result = ctx.result(check.url)
    evidence = _reachability_evidence(result, ctx, check.soft404)
    if not result.has_document or _stand_in(result, ctx):  # a challenge page's links are not the portal's
        return Outcome(check, UNKNOWN, f"source unavailable: {_unavailable(result, ctx)}", evidence)
    targets, found = _audited(check, ctx)
    if not targets:
        where = f" matching '{check.select}'" if check.select else ""
        return Outcome(check, UNKNOWN, f"no links found on the page{where} (a page built by JavaScript shows "
                                       "none to civicheck)", evidence)
    broken, unsure = [], []
    for link in targets:
        target = ctx.result(link.url)
        try:
            outcome, reason = reachability(target, ctx, check.soft404)
        except PageUnreadable as exc:  # one unreadable linked page leaves that link unchecked, not the audit
            outcome, reason = UNKNOWN, str(exc)
        label = link.text or link.url
        assessment = ctx.assessments.get(link.url)  # none for a page that could not be read
        signals = list(assessment.signals) if check.soft404 and assessment is not None and assessment.soft404 else []
        evidence.links.append({"url": link.url, "text": link.text, "outcome": outcome, "reason": reason,
                               "status": target.status, "error": target.error.value if target.error else None,
                               "soft404": signals, "snapshots": list(ctx.snapshots(link.url))})
        if outcome == FAIL and signals and target.has_document and not target.blank:
            # The summary names each broken link in a few words; the evidence above keeps every signal.
            broken.append(f"{label} → a 'not found' page ({signals[0]})")
        elif outcome == FAIL:
            broken.append(f"{label} → {reason}")
        elif outcome == UNKNOWN:
            unsure.append(f"{label} → {reason}")
    n = len(targets)
    what = "link" if n == 1 else "links"
    if found > n:  # a silent cap would read as "the portal was audited": say how much of it was
        what += f" (the first {n} of the {found} on the page: max_links is {check.max_links})"
    if len(broken) > check.max_broken:
        return Outcome(check, FAIL, f"{len(broken)} of {n} {what} broken: " + "; ".join(broken), evidence)
    if unsure and len(broken) + len(unsure) > check.max_broken:
        return Outcome(check, UNKNOWN, f"{len(unsure)} of {n} {what} could not be checked: " + "; ".join(unsure),
                       evidence)
    # Links that could not be checked (offline, a bot wall) are named even when they cannot change the outcome.
    unchecked = f"; {len(unsure)} could not be checked: " + "; ".join(unsure) if unsure else ""
    if broken:
        return Outcome(check, PASS, f"{len(broken)} of {n} {what} broken, within the {check.max_broken} allowed: "
                                    + "; ".join(broken) + unchecked, evidence)
    if unsure:
        return Outcome(check, PASS, f"{n - len(unsure)} of {n} {what} work, within the {check.max_broken} "
                                    f"broken allowed{unchecked}", evidence)
    return Outcome(check, PASS, f"all {n} {what} work", evidence)


# --- text checks --------------------------------------------------------------------------------------------


def _stand_in(result: FetchResult, ctx: Context) -> str | None:
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


def _unavailable(result: FetchResult, ctx: Context) -> str:
    why = result.detail or _status_text(result)
    stand_in = _stand_in(result, ctx)
    if stand_in:
        # "403 Forbidden" or "200 OK" alone would mislead; the challenge or not-found page is the real reason.
        return f"{stand_in}; {why}"
    offline = offline_reason(result, ctx)
    if offline:
        why = f"{_offline_words(result)}; {offline[0]}{offline[1]}"
    return why


def _offline_words(result: FetchResult) -> str:
    """The fetch error without a verdict on the site: offline, "HOST does not exist" is not known."""
    if result.error is ErrorKind.DNS:
        return f"the DNS lookup of {urlsplit(result.url).hostname} failed"
    return result.detail


def _document_or_reason(check: Check, ctx: Context, evidence: Evidence) -> tuple[Document | None, str]:
    """The document a text check reads: the live page, else its last good archived copy (evidence.note says
    so), else None and why."""
    result = ctx.result(check.url)
    assessment = ctx.assessment(check.url)
    if assessment is not None and assessment.soft404:
        evidence.soft404 = list(assessment.signals)
    if result.has_document and not _stand_in(result, ctx):
        doc = ctx.document(check.url)
    else:
        unavailable = f"source unavailable: {_unavailable(result, ctx)}"
        copy = ctx.archived_copy(check.url)
        if copy is None:
            return None, unavailable
        if not copy.ok:
            return None, f"{unavailable}; {copy.note}"
        # Archived evidence counts: a page that said something when it was captured did say it. The note
        # ("from the archived copy of 2023-05-01 (wayback); the live page answers 404") travels with the reason.
        archived = Evidence.of(copy.result)
        evidence.final_url, evidence.status, evidence.error = copy.replay_url, archived.status, None
        evidence.fetched_at, evidence.sha256, evidence.note = archived.fetched_at, archived.sha256, copy.note
        evidence.snapshots.append({"kind": copy.archive, "url": copy.replay_url, "captured_at": archived.fetched_at})
        doc = ctx.archived_document(check.url, copy.result)
    evidence.text_sha256 = doc.text_sha256
    evidence.text = doc.text
    evidence.published, evidence.updated = doc.meta.get("published"), doc.meta.get("updated")
    evidence.published_source = _publication_source(doc)
    for note in (doc.cut, MOJIBAKE_NOTE if doc.repaired else None):
        if note:
            evidence.note = f"{evidence.note}; {note}" if evidence.note else note
    if doc.problem or not doc.text.strip():
        # An empty page would refute every quote and support every `none:`: it says nothing either way.
        if doc.cut and not doc.problem:
            return None, f"no text to check in the part of the page that was read ({doc.cut})"
        return None, f"no text to check: {doc.problem or NO_TEXT}"
    return doc, ""


def _hits(match_hits) -> list[Hit]:
    return [Hit(h.text, h.label, h.excerpt, tuple(h.mark)) for h in match_hits]


ARTICLE_GAP = "a passage the extractor had left out of the main text"


def _search(check: Check, doc: Document, search: Callable[[Any, Any], Any]) -> tuple[Any, str | None]:
    """Run a text search in the check's scope. With `scope: article`, what the extractor took for the main
    text can miss a paragraph (one holding a link, a quote box): a search that fails there is tried again on
    the article body as laid out on the page, and a find there is said to be one."""
    passages, article, note = doc.passages(check.scope)
    found = search(passages, article)
    if found.passed or check.scope != "article" or note is not None:
        return found, note
    span = doc.article_span()
    if span:
        wider = search(span, article)  # labelled by the article's paragraphs around it
        if wider.passed:
            return wider, ARTICLE_GAP
    # Say whether the words are on the page at all: "missing" alone would read as "not on the page".
    page, _, _ = doc.passages("page")
    if search(page, ()).passed:
        return found, "the words are on the page, outside the article text"
    return found, note


def _scope_note(note: str | None, reason: str, evidence: Evidence | None = None) -> str:
    notes = [n for n in (note, evidence.note if evidence is not None else None) if n]
    return f"{reason} ({'; '.join(notes)})" if notes else reason


def _text_check(check: Check, ctx: Context, search: Callable[[Any, Any], Any],
                shown: Callable[[Any], list[Any]]) -> Outcome:
    """A contains or quote check: read the source (or its last good copy), search it in the check's scope,
    and keep the passages `shown` picks from what the search found as the evidence."""
    evidence = Evidence.of(ctx.result(check.url), ctx)
    doc, why = _document_or_reason(check, ctx, evidence)
    if doc is None:
        return Outcome(check, UNKNOWN, why, evidence)
    found, note = _search(check, doc, search)
    evidence.hits = _hits(shown(found))
    if doc.cut and not _decided_by_what_was_read(check, found):
        # The words may sit in the part of a huge page that was not read (evidence.note says which part was).
        return Outcome(check, UNKNOWN, _scope_note(note, f"{found.reason}, in the part of the page that was read",
                                                   evidence), evidence)
    return Outcome(check, PASS if found.passed else FAIL, _scope_note(note, found.reason, evidence), evidence)


def _decided_by_what_was_read(check: Check, found: Any) -> bool:
    """Does the part of a page that was read decide the check? Finding the words does, unless the check also
    forbids words (they may come later); not finding them does not, unless a forbidden phrase was found."""
    if found.passed:
        return not check.none
    return bool(getattr(found, "forbidden", None))


@check_kind("contains")
def check_contains(check: Check, ctx: Context) -> Outcome:
    from civicheck.match import find_phrases

    def search(passages, article):
        return find_phrases(passages, all=check.all, any=check.any, none=check.none, near=check.near,
                            stem=check.stem, article=article)

    return _text_check(check, ctx, search, shown=lambda found: found.hits)  # forbidden phrases' places too


@check_kind("quote")
def check_quote(check: Check, ctx: Context) -> Outcome:
    from civicheck.match import find_quote

    def search(passages, article):
        return find_quote(check.text, passages, article=article)

    def shown(found):  # a misquote shows the closest passage, with the words that differ in the reason
        return found.hits if found.passed else [found.closest] if found.closest else []

    return _text_check(check, ctx, search, shown)


@check_kind("published")
def check_published(check: Check, ctx: Context) -> Outcome:
    evidence = Evidence.of(ctx.result(check.url), ctx)
    doc, why = _document_or_reason(check, ctx, evidence)
    if doc is None and not evidence.published:  # a scan without a text layer still has the date of its metadata
        return Outcome(check, UNKNOWN, why, evidence)
    publication = doc.publication if doc is not None else None
    if publication is not None and publication.conflict:
        # Two of the page's own sources name days further apart than time zones explain: a fact-checker would
        # rather hear "unverified" than either date.
        return Outcome(check, UNKNOWN, _scope_note(None, "the page's sources disagree about when it was published: "
                                                   f"{publication.conflict}", evidence), evidence)
    published = evidence.published
    if not published:
        return Outcome(check, UNKNOWN, _scope_note(None, "no publication date found on the page", evidence), evidence)
    days = publication.dates if publication is not None else [published]
    if check.after and check.before:
        window = f"between {check.after} and {check.before}"
    else:
        window = f"on or after {check.after}" if check.after else f"on or before {check.before}"
    inside = [day for day in days if not (check.after and day < check.after or check.before and day > check.before)]
    said = f"published {published} (according to {evidence.published_source})"
    if inside and len(inside) < len(days):
        others = ", ".join(day for day in days if day != published)
        outcome, reason = UNKNOWN, (f"{said}, {window}, but the page's sources also give {others} (a time zone "
                                    f"away), on the other side of the window's edge")
    elif inside:
        outcome, reason = PASS, f"{said}, {window}"
    elif check.after and published < check.after:
        outcome, reason = FAIL, f"{said}, before {check.after}"
    else:
        outcome, reason = FAIL, f"{said}, after {check.before}"
    return Outcome(check, outcome, _scope_note(None, reason, evidence), evidence)


def _publication_source(doc: Document) -> str | None:
    if doc.publication is not None:
        return doc.publication.source
    return "the PDF's creation date" if doc.kind == "pdf" and doc.meta.get("published") else None
