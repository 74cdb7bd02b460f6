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
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

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
from civicheck.reading import READ_GRACE, UNREADABLE, PageReader, Reading, needs_reading
from civicheck.report import SUPPORTED, Outage, Snapshot, Verdict, summary_counts
from civicheck.verdict import decide

if TYPE_CHECKING:
    from civicheck.history.revisits import FetchMemory


class Fetches(Protocol):
    """A live Fetcher or a WarcReplay: anything that turns URLs into FetchResults."""

    def fetch(self, url: str, *, timeout: float | None = None) -> FetchResult: ...

    def fetch_all(
        self,
        jobs: Sequence[tuple[str, float | None]],
        on_result: Callable[[FetchResult], None] | None = None,
        *,
        network: NetworkWatch | None = None,
    ) -> dict[str, FetchResult]: ...


class Progress(Protocol):
    def planned(self, count: int) -> None: ...  # more fetches are coming

    def fetched(self, result: FetchResult) -> None: ...


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


class _Recorder:
    """Called on each fetch thread as a result arrives: archives it (or, in a replay, looks up where it was
    archived), reads the page (PageReader: extraction in a worker, within what is left of the URL's budget),
    lets its body go, and reports progress. So a run holds a body only while it is archived and read.

    With a FetchMemory (a history), a 304 is judged from the copy of the last good fetch, and a body already
    read on an earlier night (same digest) is not read again; every good fetch is remembered."""

    def __init__(
        self,
        warc: Any,
        progress: Progress | None,
        snapshot_of: Callable[[str], str | None] | None,
        reader: PageReader,
        selectors: dict[str, set[str]],
        network: NetworkWatch | None = None,
        memory: FetchMemory | None = None,
        fetcher: Any = None,
        texts: set[str] | None = None,
    ):
        self.warc, self.progress, self.snapshot_of, self.network = warc, progress, snapshot_of, network
        self.reader, self.selectors = reader, selectors  # url -> CSS selectors of the links checks citing it
        self.memory, self.fetcher = memory, fetcher
        self.replay: Any = (
            None  # the WarcReplay of a replayed run (for the earlier captures its 304s point to)
        )
        # The pages whose text a check judges: only they get the main text and dates (the costly part of
        # reading); the others (liveness, audited links, probes) get what the soft-404 signals read.
        self.texts = texts if texts is not None else set()
        self.lock = threading.Lock()
        self.snapshots: dict[str, list[Snapshot]] = defaultdict(list)
        self.readings: dict[str, Reading] = {}
        self.counts: Counter[str] = Counter()  # what the memory saved: "304", "same body", "probe remembered"

    def __call__(self, result: FetchResult) -> str | None:
        ref = self.warc.write(result) if self.warc is not None else None
        if ref is None and self.snapshot_of is not None:
            ref = self.snapshot_of(result.url)
        if ref is not None:
            with self.lock:
                self.snapshots[result.url].append({"kind": "warc", "ref": ref})
        if self.progress is not None:
            self.progress.fetched(result)
        return ref

    @property
    def warc_path(self) -> Path | None:
        return Path(self.warc.path) if self.warc is not None else None

    def fetch(self, fetcher: Fetches, jobs: dict[str, float]) -> dict[str, FetchResult]:
        if not jobs:
            return {}
        if self.progress is not None:
            self.progress.planned(len(jobs))
        memory = self.memory
        set_validators = memory is not None and hasattr(fetcher, "validators")
        if set_validators:
            fetcher.validators.update(memory.conditions(jobs))  # type: ignore[attr-defined, union-attr]
        judged: dict[str, FetchResult] = {}  # url -> what is judged instead of the answer (a 304's copy)

        def arrived(result: FetchResult) -> None:
            budget = jobs.get(result.url, READ_GRACE)
            selectors = sorted(self.selectors.get(result.url, ()))
            reading: Reading | None = None
            ref: str | None = None
            stored = False  # the reading came from the history: nothing new to remember of it
            if result.status == 304 and memory is not None and memory.good(result.final_url) is not None:
                answer, reading = self._unchanged(result, budget, selectors)
                if answer is not result:
                    with self.lock:
                        judged[result.url] = answer
                    if answer.unchanged_since:
                        ref = None  # remembered already; the server confirmed it
                    else:
                        ref = self(answer)  # the copy was gone: fetched whole again
                    result = answer
                else:
                    ref = self(result)
            elif result.status == 304 and result.revisit_of and self.replay is not None:
                ref = self(result)
                answer = self.replayed_revisit(result, self.replay)
                if answer is not result:
                    with self.lock:
                        judged[result.url] = answer
                    result = answer
            else:
                ref = self(result)
                if memory is not None and result.has_document:
                    # A body read on an earlier night (same digest, same URL) is not read again.
                    reading = memory.reading(result.final_url, result.sha256, selectors)
                    if reading is not None and result.url in self.texts and not _has_main_text(reading):
                        reading = None  # read for its liveness only that night: its text is wanted now
                    if reading is not None:
                        stored = True
                        with self.lock:
                            self.counts["same body"] += 1
            if reading is not None:
                with self.lock:
                    self.readings[result.url] = reading
            elif needs_reading(result):
                # The budget covers the fetch and the reading; a page whose fetch took it all still gets a
                # few seconds (READ_GRACE), so only a page that overruns those is given up on.
                limit = max(budget - result.elapsed, READ_GRACE)
                reading = self.reader.read(
                    result, limit, selectors, let_go=True, full=result.url in self.texts
                )
                with self.lock:
                    self.readings[result.url] = reading
                if memory is not None and result.unchanged_since:
                    memory.keep_reading(result.final_url, result.sha256 or "", reading, selectors)
                    reading = None  # stored now; the good fetch itself is remembered already
            if memory is not None and not result.unchanged_since and not result.blank:
                # Never a failure (keep() takes 2xx read whole only), nor an empty page (its emptiness is
                # its verdict, and a reading does not say it).
                memory.keep(result, ref, self.warc_path, None if stored else reading, selectors)
            result.drop_body()

        try:
            results = fetcher.fetch_all(list(jobs.items()), on_result=arrived, network=self.network)
        finally:
            if set_validators:
                fetcher.validators.clear()  # type: ignore[attr-defined]
        results.update(judged)
        return results

    def _unchanged(
        self, result: FetchResult, budget: float, selectors: list[str]
    ) -> tuple[FetchResult, Reading | None]:
        """A 304 for a URL fetched good before: that fetch's body (its stored reading, else its archived copy)
        is judged, and the 304 is archived as received, pointing at the earlier capture. When neither can be
        had any more, the URL is fetched whole once (and forgotten, so the next night does not ask again)."""
        memory = self.memory
        assert memory is not None
        good = memory.good(result.final_url)
        assert good is not None
        reading = memory.reading(good.url, good.sha256, selectors)
        if reading is not None and result.url in self.texts and not _has_main_text(reading):
            reading = None  # stored from a liveness-only reading: its text is wanted now, read from the copy
        copy = memory.earlier(good) if reading is None else None
        if reading is None and copy is None:
            memory.forget(good.url)
            self(result)  # the 304 happened: it is archived too
            validators = getattr(self.fetcher, "validators", {})
            validators.pop(good.url, None)
            fetch = getattr(self.fetcher, "fetch", None)
            return (fetch(result.url, timeout=budget) if fetch is not None else result), None
        result.revisit_of, result.unchanged_since = good.ref, good.fetched_at
        self(result)  # the 304 as received (with a WARC revisit record): never a fake 200
        memory.confirmed(good)
        answer = _unchanged_answer(result, good.status, good.reason, good.headers, copy.body if copy else b"")
        if copy is None:
            answer._kept = (good.sha256, False)  # no body: its digest stands
        self._earlier_first(result)
        return answer, reading

    def _earlier_first(self, result: FetchResult) -> None:
        with self.lock:
            # The body judged is the earlier capture's: named first, so it is the snapshot a report shows.
            earlier: Snapshot = {
                "kind": "warc",
                "ref": result.revisit_of,
                "captured_at": result.unchanged_since,
            }
            self.snapshots[result.url] = [
                earlier,
                *(s for s in self.snapshots[result.url] if s.get("ref") != result.revisit_of),
            ]
            self.counts["304"] += 1

    def replayed_revisit(self, result: FetchResult, replay: Any) -> FetchResult:
        """Replaying a night that got a 304: the earlier capture it points to, from the WARC file of that name
        beside the replayed ones (pass it to --replay, or keep it in the same folder); the 304 itself when
        that file is not there (its checks are then unknown)."""
        name = result.revisit_of.partition("#")[0]
        for folder in dict.fromkeys(Path(p).parent for p in getattr(replay, "paths", ())):
            if (folder / name).is_file() and "/" not in name:
                from civicheck.archive import WarcReplay
                from civicheck.errors import CivicheckError

                try:
                    copy = WarcReplay([folder / name]).result(result.url)
                except CivicheckError:
                    continue
                if copy.has_document:
                    self._earlier_first(result)
                    return _unchanged_answer(result, copy.status or 200, copy.reason, copy.headers, copy.body)
        return result


def _has_main_text(reading: Reading) -> bool:
    document = getattr(reading, "document", None)
    return document is None or getattr(document, "main_text_read", True)


def _unchanged_answer(
    result: FetchResult, status: int, reason: str, headers: Sequence[tuple[str, str]], body: bytes
) -> FetchResult:
    """What a 304 to our conditional request is judged as: the earlier good answer (its status, headers and
    body), confirmed unchanged tonight (the fetch's time, redirects and request are tonight's)."""
    return FetchResult(
        url=result.url,
        final_url=result.final_url,
        status=status,
        reason=reason,
        error=None,
        detail=f"{status} {reason}".strip() + f" (unchanged since {result.unchanged_since[:10]}: the server"
        " answered 304 Not Modified)",
        fetched_at=result.fetched_at,
        elapsed=result.elapsed,
        attempts=result.attempts,
        redirects=list(result.redirects),
        headers=list(headers),
        body=body,
        http_version=result.http_version,
        request_headers=list(result.request_headers),
        revisit_of=result.revisit_of,
        unchanged_since=result.unchanged_since,
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
) -> RunResult:
    """Check every claim. `warc` (a WarcWriter) archives every fetch. `archives` (wayback/pywb clients) are asked
    to capture each cited URL in the background, never changing a verdict, and stand in with their last good
    copy for a text check's dead source. `replay` (the WarcReplay that `fetcher` also is) names the archived
    record of each URL and the archived copies the live run used. `reader` reads the pages (default: worker
    processes shared by the runs of this process). `memory` (the history's FetchMemory) makes the re-checks
    conditional and remembers probes; the caller saves and closes it."""
    started = now_utc()
    if reader is None:
        from civicheck.reading import shared_reader

        reader = shared_reader()
    reader.start()
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
    for claim in claims:
        for check in claim.checks:
            # One fetch per URL: the most patient check citing it sets the deadline.
            cited[check.url] = max(cited.get(check.url, 0.0), check.timeout)
            selectors[check.url].update(kind_of(check).selectors(check))
            if kind_of(check).keeps_text:
                texts.add(check.url)
    watch = connectivity.watch(fetcher, heard)
    recorder = _Recorder(
        warc,
        progress,
        replay.snapshot if replay is not None else None,
        reader,
        selectors,
        watch,
        memory,
        fetcher,
        texts,
    )
    recorder.replay = replay
    try:
        run_result = _run(
            claims, cited, fetcher, connectivity, recorder, started, warc, archives, replay, watch, heard
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
    recorder: _Recorder,
    started: str,
    warc: Any,
    archives: Sequence[Any],
    replay: Any,
    watch: NetworkWatch | None,
    heard: Callable[[CanaryAnswer], None],
) -> RunResult:
    from civicheck.archive.fallback import ARCHIVED_COPY_TIMEOUT, Fallback, Lookup, live_lookup, replay_lookup

    captures = _Captures(archives, list(cited))
    probes = Probes(recorder)
    early = Context({}, lambda: (True, ""))  # nothing fetched yet: only what the checks cite can be planned
    jobs = probes.beside(cited, *liveness(claims, early))
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
        assessments={},
        snapshots=recorder.snapshots,
        fallback=Fallback(lookup),
        readings=recorder.readings,
        reader=recorder.reader,
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


def _forget_unread_documents(claims: list[Claim], ctx: Context) -> None:
    """Let go of the Documents no check will read again, so that a run holds the text of the pages its text
    checks judge (their kind keeps_text) and not that of every page it fetched (a portal's audited links,
    soft-404 probes): every other page's Document is needed only until the soft-404 signals are assessed."""
    kept = {check.url for claim in claims for check in claim.checks if kind_of(check).keeps_text}
    for url, reading in list(ctx.readings.items()):
        if url not in kept and reading.document is not None:
            ctx.readings[url] = reading.released()


def _assess(claims: list[Claim], ctx: Context, fetcher: Fetches, recorder: _Recorder, probes: Probes) -> None:
    """Soft-404 and bot-wall assessment of every page fetched, with one random-sibling probe per URL pattern
    for the pages whose liveness a check decides; the few probes still missing (a remembered pattern whose
    page changed) are fetched now, under the same short deadline."""
    from civicheck.soft404 import assess

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
        if result.status is None:
            continue
        # Signals are off only when every check citing the URL turned them off: a text check needs them to tell
        # a "not found" page from its source, whatever `soft404: false` another claim's live check says.
        enabled = url in read or decides_liveness.get(url, True)
        probe = probe_of.get(url)
        try:
            page, markup = _read(ctx, result)
        except PageUnreadable:
            continue  # the checks citing the page say it could not be read (Context.assessment)
        try:
            probe_page, probe_markup = _read(ctx, probe) if probe is not None else (None, None)
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
