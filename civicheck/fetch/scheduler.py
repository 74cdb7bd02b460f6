"""Fetcher.fetch_all's scheduler: worker threads fed so that no host ever has more than `per_host` requests in
flight (the host actually contacted: a redirect moves its fetch to the new host's slots), none to a host that
asked every request to pause (pauses.py) until its pause ends, and, given a NetworkWatch, every failure that could be our own network's judged against the canary when it happens.

A failure seen while the network was down (the canary did not answer then, or an outage found later overlaps
the fetch) is fetched again once the network is back, once; if it does not come back in time, the failure is
kept with `network_up = False`, and the checks call it unknown, never a dead site.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from civicheck.fetch.addresses import host_of
from civicheck.fetch.attempts import HostGate, Pulse
from civicheck.fetch.canary import CanaryAnswer
from civicheck.fetch.models import FetchResult
from civicheck.fetch.network import RECOVERY_WAIT, NetworkWatch
from civicheck.fetch.pauses import HostPauses


class Fetches(Protocol):
    """What the scheduler needs of the Fetcher that runs it (client.py); a protocol, so that neither module
    imports the other back."""

    concurrency: int
    per_host: int
    pulse: Pulse
    pauses: HostPauses

    def fetch(
        self, url: str, *, timeout: float | None = None, gate: HostGate | None = None
    ) -> FetchResult: ...

    def cancel(self) -> None: ...


@dataclass
class _Job:
    url: str
    budget: float
    retry_of: FetchResult | None = None  # the attempt that failed while our network was down
    queued: float = 0.0  # time.monotonic() when it was queued: how long a host's pause held it back


@dataclass
class _Held:
    """A failure that could be ours, kept back until the phase ends and the canary's timeline can judge it."""

    job: _Job
    result: FetchResult
    answer: CanaryAnswer  # the canary's answer when it failed
    started: float  # time.monotonic()
    ended: float


class _Gate:
    """The host slot one running fetch holds (attempts.HostGate): redirects move it from host to host."""

    def __init__(self, scheduler: HostScheduler, host: str):
        self._scheduler, self.host = scheduler, host

    def move(self, host: str) -> None:
        self._scheduler._move(self, host)


class HostScheduler:
    """One fetch_all call. Idle workers take the next URL round-robin over the hosts that have a free slot, so a
    long queue for one host never parks a thread that another host could use. A fetch redirected to a busy host
    waits for a slot there (giving up its old one first, so two hosts redirecting to each other cannot lock)."""

    def __init__(
        self,
        fetcher: Fetches,
        budgets: dict[str, float],
        on_result: Callable[[FetchResult], None] | None,
        network: NetworkWatch | None = None,
    ):
        self._fetcher = fetcher
        self._per_host = fetcher.per_host
        self._budgets = budgets
        self._on_result = on_result
        self._network = network
        # One lock, three conditions, so that an event wakes only the threads it concerns: with one condition,
        # each fetch done woke every idle worker (12 of 16 with 4 slots on one host) and the main thread, each
        # taking the GIL only to wait again: ~7% of the CPU of a night of unchanged pages.
        lock = threading.RLock()
        self._cond = threading.Condition(lock)  # idle workers: a job to take (queued, or a host slot freed)
        self._slots = threading.Condition(lock)  # redirected fetches waiting for a slot of their new host
        self._done = threading.Condition(lock)  # the main thread: every job finished
        self._queues: dict[str, deque[_Job]] = {}  # insertion order is the round-robin order
        self._active: Counter[str] = Counter()  # fetches talking to each host right now
        self._waiting: Counter[str] = Counter()  # redirected fetches waiting for a slot of each host
        self._unfinished = 0  # jobs queued or running
        self._results: dict[str, FetchResult] = {}
        self._held: list[_Held] = []
        self._errors: list[BaseException] = []
        self._cancelled = False
        self._over = False
        with self._cond:
            for url, budget in budgets.items():
                self._queue(_Job(url, budget))

    def run(self) -> dict[str, FetchResult]:
        started = time.monotonic()
        workers = min(self._fetcher.concurrency, len(self._budgets))
        for i in range(workers):
            # Daemon threads: after Ctrl-C nothing may hold the process open (see cancel()).
            threading.Thread(target=self._worker, name=f"civicheck-fetch-{i}", daemon=True).start()
        try:
            while True:
                self._wait_for_workers(started)
                if not self._settle():
                    break
        except BaseException:  # Ctrl-C: start nothing more, cut what is in flight, end every wait
            self._cancel()
            raise
        finally:
            with self._cond:
                self._over = True
                self._wake_all()
        if self._errors:
            raise self._errors[0]
        return {url: self._results[url] for url in self._budgets}

    # -- workers --

    def _worker(self) -> None:
        while True:
            with self._cond:
                while True:
                    if self._over or self._cancelled:
                        return
                    job = self._take()
                    if job is not None:
                        break
                    self._cond.wait(self._next_pause_end())
            self._work(job)

    def _work(self, job: _Job) -> None:
        host = host_of(job.url)
        gate = _Gate(self, host)  # _take() gave us its slot
        started = time.monotonic()
        pause = self._fetcher.pauses.latest(host)
        held = pause.overlap(job.queued, started) if pause is not None else 0.0
        result: FetchResult | None = None
        try:
            result = self._fetcher.fetch(job.url, timeout=job.budget, gate=gate)
        except BaseException as exc:  # a bug: surface it from fetch_all once the rest is done
            self._fail(exc)
        ended = time.monotonic()
        with self._cond:
            self._release(gate.host)  # the host's slot goes to its next URL before our callback runs
        try:
            if result is not None:
                if held > 0 and pause is not None:  # held back before it started: that wait is said too
                    result.waited += held
                    result.rate_limit = pause.sentence(result.waited)
                if job.retry_of is not None:
                    first = job.retry_of
                    result.earlier = (
                        f"a first attempt at {first.fetched_at} failed while our network was down "
                        f"({first.detail}); fetched again once it was back"
                    )
                if not self._hold(job, result, started, ended):
                    self._deliver(result)
        except BaseException as exc:
            self._fail(exc)
        finally:
            with self._cond:
                self._unfinished -= 1
                if not self._unfinished:
                    self._done.notify_all()

    def _take(self) -> _Job | None:  # self._cond held
        now = time.monotonic()
        for host, queue in self._queues.items():
            # A paused host gets nothing until its pause ends; a URL whose deadline the pause would outlast
            # is taken at once, to be reported rate limited without asking (client.py).
            pause = self._fetcher.pauses.current(host, now)
            if pause is not None and pause.end < now + queue[0].budget:
                continue
            # A host with redirected fetches waiting for it takes no new URL until they are in.
            if self._active[host] + self._waiting[host] < self._per_host:
                job = queue.popleft()
                del self._queues[host]
                if queue:
                    self._queues[host] = queue  # to the back of the round
                self._active[host] += 1
                return job
        return None

    def _next_pause_end(self) -> float | None:  # self._cond held
        """Seconds until the first pause of a host with queued URLs ends (a worker wakes then); None: none."""
        now = time.monotonic()
        ends = [p.end for host in self._queues if (p := self._fetcher.pauses.current(host, now)) is not None]
        return max(0.01, min(ends) - now) if ends else None

    def _release(self, host: str) -> None:  # self._cond held
        self._active[host] -= 1
        if not self._active[host]:
            del self._active[host]
        if self._waiting:
            self._slots.notify_all()  # rare: each checks its own host
        self._cond.notify()  # one slot: one idle worker can use it

    def _move(self, gate: _Gate, host: str) -> None:
        with self._cond:
            self._release(gate.host)
            self._waiting[host] += 1
            try:
                while self._active[host] >= self._per_host and not self._cancelled:
                    self._slots.wait()
            finally:
                self._waiting[host] -= 1
                if not self._waiting[host]:
                    del self._waiting[host]
            self._active[host] += 1
            gate.host = host

    def _queue(self, job: _Job) -> None:  # self._cond held
        job.queued = time.monotonic()
        self._queues.setdefault(host_of(job.url), deque()).append(job)
        self._unfinished += 1
        self._cond.notify()  # one job: one idle worker

    def _wake_all(self) -> None:  # self._cond held
        for condition in (self._cond, self._slots, self._done):
            condition.notify_all()

    def _deliver(self, result: FetchResult) -> None:
        with self._cond:
            self._results[result.url] = result
            cancelled = self._cancelled
        # After Ctrl-C nobody waits for results any more (the run's WARC may already be discarded).
        if self._on_result is not None and not cancelled:
            self._on_result(result)

    def _fail(self, exc: BaseException) -> None:
        with self._cond:
            self._errors.append(exc)

    # -- judging the network --

    def _hold(self, job: _Job, result: FetchResult, started: float, ended: float) -> bool:
        """Ask the canary about a failure that could be ours, now; keep it back for _settle(). False: nothing to
        judge (a success, a failure that cannot be ours, no canary, Ctrl-C)."""
        network = self._network
        if network is None or not result.could_be_ours or self._cancelled:
            return False
        answer = network.answer()
        result.network_up, result.network = answer.online, answer.detail
        with self._cond:
            self._held.append(_Held(job, result, answer, started, ended))
        return True

    def _wait_for_workers(self, started: float) -> None:
        while True:
            with self._cond:
                if not self._unfinished:
                    return
                # Bounded: the canary is poked meanwhile, and Ctrl-C reaches this (main) thread at once.
                self._done.wait(0.25)
                in_flight = bool(self._active)
            if self._network is not None:
                self._network.poke(max(started, self._fetcher.pulse.last), in_flight)

    def _settle(self) -> bool:
        """Judge the failures held back, once every fetch of the phase is done; True if some are fetched again."""
        with self._cond:
            held, self._held = self._held, []
        network = self._network
        if not held or network is None:
            return False
        # A failure judged on an answer given before it happened needs one given after: an outage that began
        # between the two shows only then.
        unbracketed = [h.ended for h in held if h.answer.asked < h.ended]
        if unbracketed:
            network.answer(not_before=max(unbracketed))
        doubtful: list[tuple[_Held, CanaryAnswer]] = []
        for h in held:
            down = h.answer if not h.answer.online else network.outage_during(h.started, h.ended)
            if down is None:
                self._deliver(h.result)
            else:
                doubtful.append((h, down))
        retry = [h for h, _ in doubtful if h.job.retry_of is None]
        requeued = bool(retry) and network.wait_for_network(RECOVERY_WAIT)
        if requeued:
            with self._cond:
                for h in retry:
                    self._queue(_Job(h.job.url, h.job.budget, retry_of=h.result))
            doubtful = [(h, down) for h, down in doubtful if h.job.retry_of is not None]
        for h, down in doubtful:
            # Still down, or down again on the second try: this failure says nothing about the site.
            h.result.network_up, h.result.network = False, down.detail
            self._deliver(h.result)
        return requeued

    def _cancel(self) -> None:
        with self._cond:
            self._cancelled = True
            self._wake_all()
        self._fetcher.cancel()
        if self._network is not None:
            self._network.close()
