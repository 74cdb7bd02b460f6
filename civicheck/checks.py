"""Check kinds: each turns one Check plus what was fetched into an Outcome (pass / fail / unknown) with evidence.

The registry maps a kind to its function; the runner calls them after fetching. No printing, no network
except through the Context (which asks the canary, once, before any "unreachable" may count as a failure).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from civicheck.claims import Check
from civicheck.extract import Document
from civicheck.fetch import ErrorKind, FetchResult

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"
# The reason given when the canary could not be reached; the canary's own answer goes in the run's report.
OFFLINE = "network unavailable (no canary site answered)"

# Failures that look the same from here whether the site is down or our own network is: before one of these
# may fail a check, the canary must show that the machine is online.
_NEEDS_CANARY = {ErrorKind.DNS, ErrorKind.REFUSED, ErrorKind.TIMEOUT}


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
    hits: list[Hit] = field(default_factory=list)  # text checks: what decided it

    @property
    def excerpt(self) -> str | None:
        return self.hits[0].excerpt if self.hits else None

    @classmethod
    def of(cls, result: FetchResult) -> Evidence:
        return cls(
            url=result.url,
            final_url=result.final_url,
            redirects=list(result.redirects),
            status=result.status,
            error=result.error.value if result.error else None,
            detail=result.detail,
            fetched_at=result.fetched_at,
            sha256=result.sha256,
        )


@dataclass
class Outcome:
    check: Check
    outcome: str  # PASS, FAIL or UNKNOWN
    reason: str  # a sentence a reporter could paste
    evidence: Evidence


class Context:
    """What check functions may use: fetched results, extracted documents, and the connectivity verdict."""

    def __init__(self, results: dict[str, FetchResult], online: Callable[[], tuple[bool, str]]):
        self.results = results
        self._online = online
        self._online_answer: tuple[bool, str] | None = None
        self._documents: dict[str, Document] = {}

    def result(self, url: str) -> FetchResult:
        return self.results[url]

    def document(self, url: str) -> Document:
        if url not in self._documents:
            from civicheck.extract import extract

            self._documents[url] = extract(self.results[url])
        return self._documents[url]

    def online(self) -> tuple[bool, str]:
        """Is this machine online? Asked at most once per run, and only when an answer matters."""
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
    return REGISTRY[check.kind](check, ctx)


# --- reachability -------------------------------------------------------------------------------------------


def _reachability(result: FetchResult, ctx: Context) -> tuple[str, str]:
    """Did the service work when checked? (PASS = it answered with content, FAIL = it did not, UNKNOWN.)"""
    status = result.status
    if result.error is None and status is not None and 200 <= status < 300:
        if not result.body.strip():
            return FAIL, f"answered {_status_text(result)} with an empty page"
        return PASS, f"answered {_status_text(result)}{_via(result)}"
    if result.error is ErrorKind.TOO_LARGE and status is not None and 200 <= status < 300:
        return PASS, f"answered {_status_text(result)} ({result.detail})"
    if status == 429:
        return UNKNOWN, f"rate limited by the server ({_status_text(result)}); try again later"
    if result.error in _NEEDS_CANARY or result.maybe_local:
        if not ctx.online()[0]:
            return UNKNOWN, f"{OFFLINE}; {result.detail}, which proves nothing while offline"
        return FAIL, result.detail
    if result.error in (ErrorKind.TLS, ErrorKind.TOO_MANY_REDIRECTS, ErrorKind.HTTP_4XX, ErrorKind.HTTP_5XX):
        return FAIL, result.detail
    if result.error is None and status is not None:  # a final 1xx/3xx without a place to go
        return UNKNOWN, f"answered {_status_text(result)}, which is neither content nor an error"
    return UNKNOWN, result.detail or "the fetch failed for an unknown reason"


def _status_text(result: FetchResult) -> str:
    return f"{result.status} {result.reason}".strip()


def _via(result: FetchResult) -> str:
    if not result.redirects:
        return ""
    hops = len(result.redirects)
    return f" after {hops} redirect{'s' if hops > 1 else ''} to {result.final_url}"


@check_kind("live")
def check_live(check: Check, ctx: Context) -> Outcome:
    result = ctx.result(check.url)
    outcome, reason = _reachability(result, ctx)
    return Outcome(check, outcome, reason, Evidence.of(result))


@check_kind("dead")
def check_dead(check: Check, ctx: Context) -> Outcome:
    result = ctx.result(check.url)
    outcome, reason = _reachability(result, ctx)
    mirrored = {PASS: FAIL, FAIL: PASS, UNKNOWN: UNKNOWN}[outcome]
    if mirrored == FAIL:
        reason = f"still live: {reason}"
    return Outcome(check, mirrored, reason, Evidence.of(result))


@check_kind("status")
def check_status(check: Check, ctx: Context) -> Outcome:
    result = ctx.result(check.url)
    evidence = Evidence.of(result)
    wanted = " or ".join(str(c) for c in check.codes)
    if result.status is None:
        outcome, reason = _reachability(result, ctx)
        if outcome == FAIL:
            return Outcome(check, FAIL, f"no HTTP answer, expected {wanted}: {reason}", evidence)
        return Outcome(check, UNKNOWN, reason, evidence)
    if result.status in check.codes:
        return Outcome(check, PASS, f"answered {_status_text(result)}{_via(result)}, as expected", evidence)
    return Outcome(check, FAIL, f"answered {_status_text(result)}{_via(result)}, expected {wanted}", evidence)


# --- text checks --------------------------------------------------------------------------------------------


def _document_or_reason(check: Check, ctx: Context, evidence: Evidence) -> tuple[Document | None, str]:
    result = ctx.result(check.url)
    if not result.has_document:
        why = result.detail or _status_text(result)
        if (result.error in _NEEDS_CANARY or result.maybe_local) and not ctx.online()[0]:
            why = f"{why}; {OFFLINE}"
        return None, f"source unavailable: {why}"
    doc = ctx.document(check.url)
    evidence.text_sha256 = doc.text_sha256
    if doc.problem:
        return None, f"no text to check: {doc.problem}"
    return doc, ""


def _hits(match_hits) -> list[Hit]:
    return [Hit(h.text, h.label, h.excerpt, tuple(h.mark)) for h in match_hits]


def _scope_note(note: str | None, reason: str) -> str:
    return f"{reason} ({note})" if note else reason


@check_kind("contains")
def check_contains(check: Check, ctx: Context) -> Outcome:
    from civicheck.match import find_phrases

    result = ctx.result(check.url)
    evidence = Evidence.of(result)
    doc, why = _document_or_reason(check, ctx, evidence)
    if doc is None:
        return Outcome(check, UNKNOWN, why, evidence)
    passages, article, note = doc.passages(check.scope)
    found = find_phrases(passages, all=check.all, any=check.any, none=check.none, near=check.near,
                         stem=check.stem, article=article)
    evidence.hits = _hits(found.hits)
    return Outcome(check, PASS if found.passed else FAIL, _scope_note(note, found.reason), evidence)


@check_kind("quote")
def check_quote(check: Check, ctx: Context) -> Outcome:
    from civicheck.match import find_quote

    result = ctx.result(check.url)
    evidence = Evidence.of(result)
    doc, why = _document_or_reason(check, ctx, evidence)
    if doc is None:
        return Outcome(check, UNKNOWN, why, evidence)
    passages, article, note = doc.passages(check.scope)
    found = find_quote(check.text, passages, article=article)
    evidence.hits = _hits(found.hits if found.passed else ([found.closest] if found.closest else []))
    return Outcome(check, PASS if found.passed else FAIL, _scope_note(note, found.reason), evidence)
