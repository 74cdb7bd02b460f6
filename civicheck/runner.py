"""One `verify` run: claims in, one result per claim out. Fetches each distinct URL once, concurrently.

No printing: progress goes to a callback so the CLI (or a test) decides what to show.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from civicheck import __version__
from civicheck.checks import Context, Outcome, evaluate
from civicheck.claims import Claim
from civicheck.fetch import Fetcher, FetchResult, check_connectivity
from civicheck.verdict import decide


@dataclass
class ClaimResult:
    claim: Claim
    verdict: str
    reason: str
    outcomes: list[Outcome]
    deciding: int  # index into outcomes

    @property
    def expected(self) -> str:
        return self.claim.expect or "supported"

    @property
    def as_expected(self) -> bool:
        return self.verdict == self.expected


@dataclass
class RunResult:
    started_at: str
    finished_at: str
    claims: list[ClaimResult] = field(default_factory=list)
    version: str = __version__
    network: str | None = None  # the canary's answer, when it was asked

    def summary(self) -> dict[str, int]:
        counts = {"supported": 0, "refuted": 0, "unverified": 0}
        for c in self.claims:
            counts[c.verdict] += 1
        return counts


def now_utc() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Connectivity:
    """How to decide whether the machine is online: canary URLs, or trust the network (`urls=None`)."""

    urls: Sequence[str] | None

    def probe(self, fetcher: Fetcher) -> Callable[[], tuple[bool, str]]:
        if self.urls is None:
            return lambda: (True, "network trusted (--no-canary)")
        return lambda: check_connectivity(fetcher, self.urls)


def run(
    claims: list[Claim],
    fetcher: Fetcher,
    connectivity: Connectivity,
    on_fetched: Callable[[FetchResult], None] | None = None,
) -> RunResult:
    started = now_utc()
    jobs: dict[str, float] = {}
    for claim in claims:
        for check in claim.checks:
            # One fetch per URL: the most patient check citing it sets the deadline.
            jobs[check.url] = max(jobs.get(check.url, 0.0), check.timeout)
    results = fetcher.fetch_all(list(jobs.items()), on_result=on_fetched)
    asked: list[str] = []

    def online() -> tuple[bool, str]:
        answer = connectivity.probe(fetcher)()
        asked.append(answer[1])
        return answer

    ctx = Context(results, online)
    run_result = RunResult(started_at=started, finished_at=started)
    for claim in claims:
        outcomes = [evaluate(check, ctx) for check in claim.checks]
        verdict, reason, deciding = decide(outcomes)
        run_result.claims.append(ClaimResult(claim, verdict, reason, outcomes, deciding))
    run_result.finished_at = now_utc()
    run_result.network = asked[0] if asked else None
    return run_result
