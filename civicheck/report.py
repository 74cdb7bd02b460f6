"""The JSON report, typed once: the contract every reader (renderers, history, merge, ClaimReview) relies on.

Its schema version, the words of verdicts and outcomes, a TypedDict per part, and the one accessor for "the
verdict this run reports"; built from a run by run_to_dict, checked when read from a file by report_problem.
Fields are only ever added within a schema version (report_schema.py checks what the code reads).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, Literal, TypedDict, get_args

if TYPE_CHECKING:
    from civicheck.checks import Outcome as CheckOutcome
    from civicheck.runner import ClaimResult, RunResult

SCHEMA_VERSION: Final = 1  # Final: its type is Literal[1], as the report says

# The verdict of a claim (DESIGN's words): every check passed / one failed / nothing failed, one undecided.
Verdict = Literal["supported", "refuted", "unverified"]
VERDICTS: tuple[Verdict, ...] = get_args(Verdict)
SUPPORTED, REFUTED, UNVERIFIED = VERDICTS
# The outcome of one check.
OutcomeWord = Literal["pass", "fail", "unknown"]
OUTCOMES: tuple[OutcomeWord, ...] = get_args(OutcomeWord)
PASS, FAIL, UNKNOWN = OUTCOMES
# Who said a claim, when the claims file declares it (never guessed from a name).
SaidByType = Literal["person", "organization"]
# What makes a run's exit code 1 (`--fail-on`; changes.exit_decision decides). Here rather than in changes.py,
# so the command line can list them without importing the diffing.
FAIL_ON_MODES = ("unexpected", "changed", "refuted", "never")


class Snapshot(TypedDict, total=False):
    """A copy of what was seen: the run's WARC record (`ref`), or a Wayback/pywb capture (`url`)."""

    kind: str | None  # "warc", "wayback", "pywb"
    ref: str | None  # civicheck-<run>.warc.gz#<urn:uuid:…>
    url: str | None  # a capture a reader can open
    captured_at: str | None


class Hit(TypedDict):
    """Where a phrase or quote was found (or, for a misquote, the closest passage)."""

    text: str  # the page's own words
    location: str  # "paragraph 4 of the article", "p. 143"
    excerpt: str  # the passage around them
    mark: list[int]  # [start, end) of the words inside the excerpt


class Redirect(TypedDict):
    status: int | None
    url: str | None


class _Link(TypedDict):
    url: str
    text: str | None
    outcome: (
        str  # an OutcomeWord (what the audit gave that link); a merged report's is only checked to be text
    )
    reason: str
    status: int | None
    error: str | None
    soft404: list[str]
    snapshots: list[Snapshot]


class Link(_Link, total=False):
    """One link a `links` check audited."""

    element: (
        str  # where the page has it when not a plain <a href>: "iframe src", "meta refresh", "pdf link"...
    )
    page: int  # the PDF page it is on


class _Evidence(TypedDict):
    final_url: str | None
    redirects: list[Redirect]
    status: int | None
    error: str | None  # an ErrorKind value: dns, refused, timeout, …
    detail: str | None
    fetched_at: str | None
    sha256: str | None
    text_sha256: str | None
    excerpt: str | None
    hits: list[Hit]
    published: str | None
    published_source: str | None
    updated: str | None
    soft404: list[str]
    snapshots: list[Snapshot]


class Evidence(_Evidence, total=False):
    """What was fetched and what in it decided a check's outcome."""

    links: list[Link]  # links checks
    links_excluded: int  # links checks: links left out by `exclude` (counted, never fetched)
    note: str | None  # an archived copy stood in, mojibake repaired, a huge page read in part
    network: str | None  # what the canary said when the fetch failed
    text: str  # the extracted text: history and shard reports only


class Check(TypedDict):
    kind: str
    url: str
    line: int | None
    spec: dict[str, Any] | None  # the check as the reporter wrote it
    outcome: OutcomeWord
    reason: str
    evidence: Evidence


class _Claim(TypedDict):
    id: str
    claim: str
    verdict: Verdict  # this run's own
    expect: Verdict | None
    as_expected: bool | None
    reason: str
    deciding: int  # the check that decided the verdict
    file: str | None
    line: int | None
    said_by: str | None
    said_by_type: SaidByType | None
    said_on: str | None
    sources: list[str]
    tags: list[str]
    review_url: str | None
    checks: list[Check]


class Claim(_Claim, total=False):
    # With history: the verdict after flap damping, and "pending: refuted 1/2" while a change waits.
    reported_verdict: Verdict | None
    pending: str | None


# "from" is a keyword: the functional form.
Outage = TypedDict("Outage", {"from": str, "to": str | None, "seconds": float, "detail": str | None})


class Shard(TypedDict):
    k: int
    n: int


class _Report(TypedDict):
    schema: Literal[1]
    civicheck: str | None
    started_at: str
    finished_at: str | None
    network: str | None  # the canary's last answer, with the outages
    outages: list[Outage]
    warc: str | None
    summary: dict[str, int]  # this run's own verdicts counted
    claims: list[Claim]


class Report(_Report, total=False):
    warcs: list[str]  # a merge of shards that each wrote their own WARC
    shard: Shard  # a --shard run
    archives: list[dict[str, Any]]  # each capture asked of an archive: archive.wayback.ArchiveRecord fields
    changes: dict[str, Any]  # the JSON format with history: changes.Changes.as_dict()


def reported_verdict(claim: Mapping[str, Any]) -> Verdict:
    """The verdict this run reports for a claim: the damped one when history damped it, else its own."""
    return claim.get("reported_verdict") or claim["verdict"]


def expected_verdict(claim: Mapping[str, Any]) -> Verdict:
    """What the claim is expected to come out as: its `expect:`, else supported."""
    return claim.get("expect") or SUPPORTED


def summary_counts(verdicts: Sequence[str]) -> dict[str, int]:
    """{"supported": n, "refuted": n, "unverified": n}: every verdict word, counted."""
    return {v: sum(verdict == v for verdict in verdicts) for v in VERDICTS}


def run_to_dict(run: RunResult, *, texts: bool = False) -> Report:
    """The versioned report. `texts` keeps each text check's extracted text (for history and shard merges)."""
    report: Report = {
        "schema": SCHEMA_VERSION,
        "civicheck": run.version,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "network": run.network,
        "outages": run.outages,
        "warc": run.warc,
        "summary": run.summary(),
        "claims": [_claim_dict(c, texts) for c in run.claims],
    }
    if run.archives:
        report["archives"] = run.archives
    return report


def _claim_dict(c: ClaimResult, texts: bool) -> Claim:
    claim = c.claim
    return {
        "id": claim.id,
        "claim": claim.claim,
        "verdict": c.verdict,
        "expect": claim.expect,
        "as_expected": c.as_expected,
        "reason": c.reason,
        "deciding": c.deciding,
        "file": claim.file,
        "line": claim.line,
        "said_by": claim.said_by,
        "said_by_type": claim.said_by_type,
        "said_on": claim.said_on,
        "sources": claim.sources,
        "tags": claim.tags,
        "review_url": claim.review_url,
        "checks": [_outcome_dict(o, texts) for o in c.outcomes],
    }


def _outcome_dict(o: CheckOutcome, texts: bool) -> Check:
    ev = o.evidence
    evidence: Evidence = {
        "final_url": ev.final_url,
        "redirects": [{"status": s, "url": u} for s, u in ev.redirects],
        "status": ev.status,
        "error": ev.error,
        "detail": ev.detail,
        "fetched_at": ev.fetched_at,
        "sha256": ev.sha256,
        "text_sha256": ev.text_sha256,
        "excerpt": ev.excerpt,
        "hits": [h.as_dict() for h in ev.hits],
        "published": ev.published,
        "published_source": ev.published_source,
        "updated": ev.updated,
        "soft404": ev.soft404,
        "snapshots": ev.snapshots,
    }
    if ev.links:
        evidence["links"] = ev.links
    if ev.links_excluded:
        evidence["links_excluded"] = ev.links_excluded
    if ev.note:
        evidence["note"] = ev.note
    if ev.network:
        evidence["network"] = ev.network
    if texts and ev.text is not None:
        evidence["text"] = ev.text
    return {
        "kind": o.check.kind,
        "url": o.check.url,
        "line": o.check.line,
        "spec": o.check.spec(),
        "outcome": o.outcome,
        "reason": o.reason,
        "evidence": evidence,
    }


def without_texts(report: dict[str, Any]) -> dict[str, Any]:
    """The report without the extracted page texts (kept for history, too bulky for a report a person reads):
    a copy of each claim that has one, the claim itself where none has (a run recording no texts: a second
    copy of 8,000 claims would only cost memory)."""
    return dict(report, claims=[_claim_without_texts(claim) for claim in report["claims"]])


def _claim_without_texts(claim: dict[str, Any]) -> dict[str, Any]:
    if not any("text" in ch["evidence"] for ch in claim["checks"]):
        return claim
    return dict(
        claim,
        checks=[
            dict(ch, evidence={k: v for k, v in ch["evidence"].items() if k != "text"})
            for ch in claim["checks"]
        ],
    )
