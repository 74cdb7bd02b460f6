"""One `verify` run: claims in, one result per claim out. Fetches each distinct URL once, concurrently.

Phases: the cited URLs, with one soft-404 probe per URL pattern beside them (each under its own short deadline);
then the links that `links` checks audit, with their probes; then the few probes still missing. With a history
(history/revisits.py), a page unchanged since its last good fetch is asked for conditionally and judged from
that fetch's copy on a 304, and a probe remembered for its URL pattern is not sent again.
Every fetch goes through the same `fetch_all` (a live Fetcher or a WarcReplay), and every result is written
to the run's WARC, so a replay sees exactly what the live run saw; so is every answer of the canary, which a
live run asks whenever a failure could be our own network's (fetch/network.py). No printing: progress goes to
callbacks.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from civicheck import __version__
from civicheck.checks import Context, Outcome
from civicheck.claims import Claim
from civicheck.clock import now_utc, wall_clock
from civicheck.errors import PageUnreadable
from civicheck.fetch import FetchResult
from civicheck.fetch.canary import CANARY_TIMEOUT, CanaryAnswer, check_connectivity
from civicheck.fetch.network import NetworkWatch
from civicheck.fetch.outages import network_sentence, outages
from civicheck.kinds import evaluate, kind_of
from civicheck.probing import Probes, liveness
from civicheck.reading import UNREADABLE, Needs, PageReader, Reading, needs_reading
from civicheck.recorder import Fetches, Progress, Recorder
from civicheck.report import SUPPORTED, Outage, Snapshot, Verdict, summary_counts
from civicheck.verdict import decide

if TYPE_CHECKING:
    from civicheck.history.revisits import FetchMemory


@dataclass
class ClaimResult:
    claim: Claim
    verdict: Verdict
    reason: str
    outcomes: list[Outcome]
    deciding: int  # index into outcomes

    @property
    def expected(self) -> Verdict:
        return self.claim.expect or SUPPORTED

    @property
    def as_expected(self) -> bool:
        return self.verdict == self.expected


@dataclass
class RunResult:
    started_at: str
    finished_at: str
    claims: list[ClaimResult] = field(default_factory=list)
    version: str = __version__
    network: str | None = None  # the canary's last answer (and the outages), when it was asked
    outages: list[Outage] = field(default_factory=list)  # when no canary answered: from, to, seconds
    revisits: dict[str, int] = field(
        default_factory=dict
    )  # what the history spared: "304", "same body", probes
    warc: str | None = None  # the run's WARC file, when one was written
    archives: list[dict[str, Any]] = field(
        default_factory=list
    )  # captures asked of public/self-hosted archives

    def summary(self) -> dict[str, int]:
        return summary_counts([c.verdict for c in self.claims])


@dataclass
class Connectivity:
    """How to decide whether the machine is online: canary URLs, trust the network (`urls=None`), or a fixed
    answer (`answer`, e.g. the one archived by the run being replayed)."""

    urls: Sequence[str] | None
    answer: tuple[bool, str] | None = None

    def probe(self, fetcher: Any) -> tuple[bool, str]:
        if self.answer is not None:
            return self.answer
        if self.urls is None:
            return True, "network trusted (--no-canary)"
        return check_connectivity(fetcher, self.urls, timeout=CANARY_TIMEOUT)

    def watch(self, fetcher: Any, on_answer: Callable[[CanaryAnswer], None]) -> NetworkWatch | None:
        """A NetworkWatch asking the canaries through `fetcher` whenever a failure could be ours; None when the
        network is trusted or the answer is fixed (a replay)."""
        if self.answer is not None or self.urls is None:
            return None
        return NetworkWatch(
            lambda: self.probe(fetcher), on_answer=on_answer, pulse=lambda: fetcher.pulse.last
        )


def run(
    claims: list[Claim],
    fetcher: Fetches,
    connectivity: Connectivity,
    progress: Progress | None = None,
    *,
    warc: Any = None,
    archives: Sequence[Any] = (),
    replay: Any = None,
    reader: PageReader | None = None,
    memory: FetchMemory | None = None,
    keep_texts: bool = True,
) -> RunResult:
    """Check every claim. `warc` (a WarcWriter) archives every fetch. `archives` (wayback/pywb clients) are asked
    to capture each cited URL in the background, never changing a verdict, and stand in with their last good
    copy for a text check's dead source. `replay` (the WarcReplay that `fetcher` also is) names the archived
    record of each URL and the archived copies the live run used. `reader` reads the pages (default: worker
    processes shared by the runs of this process). `memory` (the history's FetchMemory) makes the re-checks
    conditional and remembers probes; the caller saves and closes it. `keep_texts`: each text check's evidence
    holds its page's extracted text (history diffs it between runs); without, only its digest."""
    started = now_utc()
    if reader is None:
        from civicheck.reading import shared_reader

        reader = shared_reader()
    # The canary's answers over the run: a replay starts from the live run's, archived, and asks nothing.
    timeline: list[CanaryAnswer] = list(replay.canary_answers()) if replay is not None else []
    lock = threading.Lock()

    def heard(answer: CanaryAnswer) -> None:
        with lock:
            timeline.append(answer)
        if warc is not None:
            warc.write_canary(**answer.as_record())

    selectors: dict[str, set[str]] = defaultdict(set)
    cited: dict[str, float] = {}
    texts: set[str] = set()
    other: set[str] = set()  # cited by a check that is no text check (live, dead, status, links, a plugin's)
    audited: set[str] = set()  # cited by a check that reads the page's links (links, a plugin's)
    for claim in claims:
        for check in claim.checks:
            # One fetch per URL: the most patient check citing it sets the deadline.
            cited[check.url] = max(cited.get(check.url, 0.0), check.timeout)
            selectors[check.url].update(kind_of(check).selectors(check))
            (texts if kind_of(check).keeps_text else other).add(check.url)
            if kind_of(check).reads_links:
                audited.add(check.url)
    if memory is None or not memory.read_before(cited):
        reader.start()  # a worker ready before the first page arrives
    # Else every cited page's reading is stored: a night of 304s reads nothing and starts no worker at all
    # (their fork server imports trafilatura: most of such a night's CPU); a page that changed starts one.
    # Only the pages whose text a check judges get the main text and dates (the costly part of reading), only
    # those whose links a check audits get their links, and those a soft-404 probe may be compared with (not
    # cited by text checks only: Recorder.needs_of).
    needs = {url: Needs(url in texts, url in audited, url in other) for url in cited}
    watch = connectivity.watch(fetcher, heard)
    recorder = Recorder(
        warc,
        progress,
        replay.snapshot if replay is not None else None,
        reader,
        selectors,
        watch,
        memory,
        fetcher,
        needs,
    )
    recorder.replay = replay
    try:
        run_result = _run(
            claims,
            cited,
            fetcher,
            connectivity,
            recorder,
            started,
            warc,
            archives,
            replay,
            watch,
            heard,
            keep_texts,
        )
        run_result.revisits = dict(recorder.counts)
    except BaseException:
        # Ctrl-C (or a bug) wherever the run was: stop reading pages, cut the fetches still in flight, end
        # every wait; nobody will judge what they would bring.
        reader.cancel()
        cancel = getattr(fetcher, "cancel", None)
        if cancel is not None:
            cancel()
        raise
    finally:
        if watch is not None:
            watch.close()
    with lock:
        run_result.network = network_sentence(timeline) or run_result.network
        run_result.outages = outages(timeline)
    return run_result


def _run(
    claims: list[Claim],
    cited: dict[str, float],
    fetcher: Fetches,
    connectivity: Connectivity,
    recorder: Recorder,
    started: str,
    warc: Any,
    archives: Sequence[Any],
    replay: Any,
    watch: NetworkWatch | None,
    heard: Callable[[CanaryAnswer], None],
    keep_texts: bool,
) -> RunResult:
    from civicheck.archive.fallback import ARCHIVED_COPY_TIMEOUT, Fallback, Lookup, live_lookup, replay_lookup
    from civicheck.kinds.sources import EarlySearches

    captures = _Captures(archives, list(cited))
    probes = Probes(recorder)
    recorder.compared = probes.may_compare  # the pages no probe can be compared with are read without links
    probes.named_upfront = all(kind_of(check).searches_early for claim in claims for check in claim.checks)
    early = Context({}, lambda: (True, ""))  # nothing fetched yet: only what the checks cite can be planned
    decides, patience = liveness(claims, early)
    # Pages are assessed and searched as they arrive where the checks allow it, their text then let go.
    searches = EarlySearches(claims, keep_texts, decides)
    recorder.on_read = searches
    jobs = probes.beside(cited, decides, patience)
    searches.expect_probes(probes.sent, jobs)
    results = probes.split(recorder.fetch(fetcher, jobs), cited)

    asked: list[str] = []

    def online() -> tuple[bool, str]:
        """The run-level answer, for a failure nobody judged when it happened: a run trusting the network, a
        replay of an archive older than per-failure judgments."""
        if watch is not None:
            answer = watch.answer()
            return answer.online, answer.detail
        online, detail = connectivity.probe(fetcher)
        asked.append(detail)
        if replay is None:
            now = wall_clock()
            heard(CanaryAnswer(online, detail, now, now))
        return online, detail

    def fetch_copy(url: str) -> FetchResult:
        result = fetcher.fetch(url, timeout=ARCHIVED_COPY_TIMEOUT)
        recorder(result)  # archived; read when a check asks for it (Context.archived_document)
        return result

    lookup: Lookup | None
    if replay is not None:
        lookup = replay_lookup(replay)
    else:
        lookup = live_lookup(archives, fetch_copy, warc) if archives else None
    ctx = Context(
        results,
        online,
        assessments=searches.assessments,
        snapshots=recorder.snapshots,
        fallback=Fallback(lookup),
        readings=recorder.readings,
        reader=recorder.reader,
        searched=searches.results,
    )
    followed = _followed_jobs(claims, ctx)
    # The links a `links` check audits are known now: their probes go beside them.
    jobs = probes.beside(followed, *liveness(claims, ctx))
    results.update(probes.split(recorder.fetch(fetcher, jobs), followed))
    _assess(claims, ctx, fetcher, recorder, probes)
    _forget_unread_documents(claims, ctx)

    run_result = RunResult(started_at=started, finished_at=started)
    # Checks are judged page by page: the matcher keeps the token streams of the last few pages only
    # (match/index.py), and claims in a file rarely come grouped by the page they cite (judged claim by claim,
    # 2,000 claims took 3.6 times as long). The outcomes are the same in any order.
    order = sorted(
        ((check.url, i, j) for i, claim in enumerate(claims) for j, check in enumerate(claim.checks))
    )
    judged = {(i, j): evaluate(claims[i].checks[j], ctx) for _, i, j in order}
    if recorder.memory is not None:
        _keep_searches(ctx, recorder.memory)
    for i, claim in enumerate(claims):
        outcomes = [judged[i, j] for j in range(len(claim.checks))]
        verdict, reason, deciding = decide(outcomes)
        run_result.claims.append(ClaimResult(claim, verdict, reason, outcomes, deciding))
    run_result.archives = captures.wait()
    captured: dict[str, list[Snapshot]] = defaultdict(list)
    for record in run_result.archives:
        if record.get("capture_url"):
            captured[record["url"]].append(
                {
                    "kind": record["archive"],
                    "url": record["capture_url"],
                    "captured_at": record.get("timestamp"),
                }
            )
    for claim_result in run_result.claims:
        for outcome in claim_result.outcomes:
            outcome.evidence.snapshots.extend(captured.get(outcome.check.url, ()))
    run_result.finished_at = now_utc()
    run_result.network = asked[0] if asked else None
    return run_result


def _followed_jobs(claims: list[Claim], ctx: Context) -> dict[str, float]:
    """What the checks' kinds need fetched once the cited pages are read (the links a `links` check audits),
    each with the longest timeout of the checks asking."""
    jobs: dict[str, float] = {}
    for claim in claims:
        for check in claim.checks:
            for url in kind_of(check).follow(check, ctx):
                if url not in ctx.results:
                    jobs[url] = max(jobs.get(url, 0.0), check.timeout)
    return jobs


def _keep_searches(ctx: Context, memory: FetchMemory) -> None:
    """The searches the text checks made of each page read whole tonight, remembered with its reading: the night
    it is unchanged (304, or the same body), they are not made again."""
    for url, reading in ctx.readings.items():
        result = ctx.results.get(url)
        if reading.document is None or result is None or not result.has_document or result.sha256 is None:
            continue
        memory.keep_searches(result.final_url, result.sha256, reading.document)


def _forget_unread_documents(claims: list[Claim], ctx: Context) -> None:
    """Let go of the Documents no check will read again, so that a run holds the text of the pages its text
    checks judge (their kind keeps_text) and not that of every page it fetched (a portal's audited links,
    soft-404 probes): every other page's Document is needed only until the soft-404 signals are assessed."""
    kept = {check.url for claim in claims for check in claim.checks if kind_of(check).keeps_text}
    for url, reading in list(ctx.readings.items()):
        if url not in kept and reading.document is not None:
            ctx.readings[url] = reading.released()


def _assess(claims: list[Claim], ctx: Context, fetcher: Fetches, recorder: Recorder, probes: Probes) -> None:
    """Soft-404 and bot-wall assessment of every page fetched, with one random-sibling probe per URL pattern
    for the pages whose liveness a check decides; the few probes still missing (a remembered pattern whose
    page changed) are fetched now, under the same short deadline."""
    from civicheck.soft404 import assess
    from civicheck.soft404.page import is_2xx

    decides_liveness, patience = liveness(claims, ctx)
    read: set[str] = set()  # urls whose content a check judges (a text check, status, a links check's page)
    for claim in claims:
        for check in claim.checks:
            if kind_of(check).reads_page:
                read.add(check.url)
    probe_of: dict[str, FetchResult] = {}  # page url -> its probe's answer
    missing: dict[str, float] = {}  # probe url -> seconds
    waiting: dict[str, str] = {}  # page url -> probe url still to fetch
    for url, enabled in decides_liveness.items():
        result = ctx.results.get(url)
        if not enabled or result is None or not result.has_document:
            continue
        answer = probes.answer(url, result, probes.results)
        if isinstance(answer, FetchResult):
            probe_of[url] = answer
        elif isinstance(answer, str):
            if answer in ctx.results:
                probe_of[url] = ctx.results[answer]
                continue
            waiting[url] = answer
            missing[answer] = max(missing.get(answer, 0.0), probes.budget(patience[url]))
    if missing:
        from civicheck.soft404 import probe_key

        for url, target in waiting.items():
            probes.sent.setdefault(probe_key(url), target)
        late = recorder.fetch(fetcher, missing)
        probe_of.update({url: late[target] for url, target in waiting.items() if target in late})
    probes.remember({url: ctx.results[url] for url in probe_of}, probe_of)
    for url, result in ctx.results.items():
        if result.status is None or url in ctx.assessments:
            continue  # nothing to assess, or assessed as it arrived (kinds/sources.py EarlySearches)
        # Signals are off only when every check citing the URL turned them off: a text check needs them to tell
        # a "not found" page from its source, whatever `soft404: false` another claim's live check says.
        enabled = url in read or decides_liveness.get(url, True)
        probe = probe_of.get(url)
        try:
            page, markup = _read(ctx, result)
        except PageUnreadable:
            continue  # the checks citing the page say it could not be read (Context.assessment)
        try:
            # Only a page (2xx) answering the probe is compared with the cited one; an error answer is its status
            # alone (soft404/probe.py), so it is not read: a remembered 404 probe starts no worker.
            probe_page, probe_markup = (
                _read(ctx, probe) if probe is not None and is_2xx(probe) else (None, None)
            )
        except PageUnreadable:
            probe = probe_page = probe_markup = None  # a probe answer that cannot be read proves nothing
        try:
            ctx.assessments[url] = assess(
                result, page, probe, probe_page, enabled=enabled, markup=markup, probe_markup=probe_markup
            )
        except Exception as exc:  # noqa: BLE001 - a page the signals trip on costs only its own checks
            why = " ".join(f"{type(exc).__name__}: {exc}".split())[:200]
            ctx.readings[url] = Reading(problem=f"{UNREADABLE}: assessing it failed ({why})")


def _read(ctx: Context, result: FetchResult) -> tuple[Any, Any]:
    """The Document and markup features of an answer; None for an answer with nothing to read."""
    if not needs_reading(result):
        return None, None
    reading = ctx.reading(result.url, result)
    return reading.require(), reading.markup


class _Captures:
    """Asks public/self-hosted archives to capture the cited URLs on a background thread: captures are slow
    (SPN2 allows a few a minute) and must never hold up or change the verdicts."""

    def __init__(self, archives: Sequence[Any], urls: list[str]):
        self.records: list[dict[str, Any]] = []
        self.thread = None
        if archives and urls:
            self.thread = threading.Thread(target=self._work, args=(archives, urls), daemon=True)
            self.thread.start()

    def _work(self, archives: Sequence[Any], urls: list[str]) -> None:
        # Daemon threads all the way down (archive.backend.capture_each too): after Ctrl-C, a capture waiting for
        # its turn under the archive's rate limit must not keep the process alive.
        for archive in archives:
            try:
                for url, record in zip(urls, archive.capture_many(urls), strict=True):
                    self.records.append({"archive": archive.name, "url": url, **record.as_dict()})
            except Exception as exc:  # noqa: BLE001 - archiving is reported, it never fails a run
                self.records.append(
                    {
                        "archive": getattr(archive, "name", "archive"),
                        "url": None,
                        "reason": f"archiving failed: {exc}",
                    }
                )

    def wait(self) -> list[dict[str, Any]]:
        if self.thread is not None:
            self.thread.join()
        return self.records
