"""Is our own network up when a fetch fails? The canary, asked at the time of each failure that could be ours
(and whenever every fetch in flight has gone quiet), its answers kept as a timeline (outages.py names them).

The scheduler (scheduler.py) uses a NetworkWatch to judge failures; the runner archives every answer, so a replay
rebuilds the same timeline and names the same outages.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from civicheck.clock import millis, wall_clock
from civicheck.fetch.canary import CanaryAnswer

FRESH = 3.0  # seconds an "online" answer stands for every failure that follows it
RECHECK = 1.0  # seconds between questions while the canary does not answer
QUIET = (
    1.0  # seconds without a byte from any server, with fetches in flight, before the canary is asked anyway
)
# How long the end of a fetch phase waits for a network that went down (after being seen up) to come back.
RECOVERY_WAIT = 30.0


class NetworkWatch:
    """The canary, asked when it matters: `answer()` when a failure could be ours (an answer stands for a few
    seconds, and every thread asking while a question runs shares it), `poke()` when every fetch in flight has
    gone quiet, and every second while it does not answer. Thread-safe.

    `ask` is the question (check_connectivity with the run's canaries); `on_answer` sees every answer (the runner
    archives them); `pulse` says when anything last arrived from any server (time.monotonic()).
    """

    def __init__(
        self,
        ask: Callable[[], tuple[bool, str]],
        *,
        on_answer: Callable[[CanaryAnswer], None] | None = None,
        pulse: Callable[[], float] = lambda: -math.inf,
        fresh: float = FRESH,
        recheck: float = RECHECK,
        quiet: float = QUIET,
    ):
        self._ask = ask
        self._on_answer = on_answer
        self._pulse = pulse
        self.fresh, self.recheck, self.quiet = fresh, recheck, quiet
        self._cond = threading.Condition()
        self._answers: list[CanaryAnswer] = []
        self._asking = False
        self._closed = False
        self._rechecking = False
        self._waited_in_vain = (
            False  # a wait for the network to come back timed out, and it has not come back
        )

    @property
    def answers(self) -> list[CanaryAnswer]:
        with self._cond:
            return list(self._answers)

    def close(self) -> None:
        """No more questions (the run is over, or interrupted): every wait ends now, and a question still running
        is neither recorded nor waited for."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def answer(self, *, not_before: float | None = None) -> CanaryAnswer:
        """The canary's answer now: the last one while it stands (`fresh` seconds if it said online, `recheck`
        if not), else a new question. `not_before` (time.monotonic()): only a question asked then or later will
        do. After close(), the last answer (or one saying the run ended) without asking."""
        with self._cond:
            while True:
                last = self._answers[-1] if self._answers else None
                if self._closed:
                    return last or _unasked()
                if last is not None and self._stands(last, not_before):
                    return last
                if not self._asking:
                    self._asking = True
                    break
                self._cond.wait(0.2)
        return self._question()

    def poke(self, last_heard: float, in_flight: bool) -> None:
        """Called every fraction of a second while fetches run: when none of them has heard anything for `quiet`
        seconds, ask in the background (at most every `fresh` seconds), so that a drop shows while it lasts,
        not only once the fetches it stalled reach their deadlines."""
        now = time.monotonic()
        with self._cond:
            if self._closed or self._asking or self._rechecking or not in_flight:
                return
            last = self._answers[-1] if self._answers else None
            if last is not None and now - last.answered < self.fresh:
                return
            if now - max(last_heard, self._pulse()) < self.quiet:
                return
            self._asking = True
        threading.Thread(target=self._question, name="civicheck-canary-quiet", daemon=True).start()

    def online_now(self) -> bool:
        with self._cond:
            return bool(self._answers) and self._answers[-1].online

    def outage_during(self, started: float, ended: float) -> CanaryAnswer | None:
        """The first "offline" answer of an outage that may have overlapped [started, ended] (time.monotonic()):
        from the last sign of life before it to the canary's next "online" answer. None if there was none."""
        with self._cond:
            answers = list(self._answers)
        first_down: CanaryAnswer | None = None
        for answer in answers:
            if not answer.online and first_down is None:
                first_down = answer
            elif answer.online and first_down is not None:
                if started <= answer.answered and ended >= first_down.alive:
                    return first_down
                first_down = None
        if first_down is not None and ended >= first_down.alive:
            return first_down
        return None

    def wait_for_network(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for the canary to answer again; True once it does. A network never seen
        up in this run (offline from the start, or a canary that cannot answer) is not waited for, nor one
        already waited for in vain: nothing says it is coming back."""
        with self._cond:
            if self._answers and self._answers[-1].online:
                return True
            if self._waited_in_vain or not any(a.online for a in self._answers):
                return False
        self._start_rechecking()
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self._closed:
                if self._answers and self._answers[-1].online:
                    return True
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(min(left, 0.25))  # a bounded wait: Ctrl-C reaches the main thread at once
            self._waited_in_vain = True
            return False

    # -- asking --

    def _stands(self, last: CanaryAnswer, not_before: float | None) -> bool:
        if not_before is not None and last.asked < not_before:
            return False
        return time.monotonic() - last.answered < (self.fresh if last.online else self.recheck)

    def _question(self) -> CanaryAnswer:
        """Ask once (self._asking is set by the caller) and record the answer for everyone."""
        asked, asked_at = time.monotonic(), wall_clock()
        with self._cond:
            previous = [a.answered for a in self._answers if a.online]
        heard = self._pulse()
        alive = max([*previous, heard if heard <= asked else -math.inf, -math.inf])
        try:
            online, detail = self._ask()
        except Exception as exc:  # noqa: BLE001 - a question that fails must still end, and say why
            online, detail = (
                False,
                f"network unknown: the canary could not be asked ({type(exc).__name__}: {exc})",
            )
        answer = CanaryAnswer(
            online,
            detail,
            asked_at,
            wall_clock(),
            since=None if online or alive == -math.inf else millis(_wall_of(alive)),
            asked=asked,
            answered=time.monotonic(),
            alive=alive,
        )
        with self._cond:
            self._asking = False
            closed = self._closed
            if not closed:
                self._answers.append(answer)
                if online:
                    self._waited_in_vain = False
            self._cond.notify_all()
        if closed:
            return answer
        if self._on_answer is not None:
            self._on_answer(answer)
        if not online:
            self._start_rechecking()
        return answer

    def _start_rechecking(self) -> None:
        with self._cond:
            if self._rechecking or self._closed:
                return
            self._rechecking = True
        threading.Thread(target=self._recheck, name="civicheck-canary-recheck", daemon=True).start()

    def _recheck(self) -> None:
        """While the canary does not answer, ask again every `recheck` seconds: the outage's end is known when it
        happens, not when the next failure asks."""
        try:
            while True:
                with self._cond:
                    self._cond.wait_for(lambda: self._closed, timeout=self.recheck)
                    if self._closed:
                        return
                if self.answer().online:
                    return
        finally:
            with self._cond:
                self._rechecking = False


def _unasked() -> CanaryAnswer:
    now = wall_clock()
    return CanaryAnswer(False, "network unknown: the run ended before the canary was asked", now, now)


def _wall_of(monotonic: float) -> datetime:
    return datetime.now(timezone.utc) - timedelta(seconds=time.monotonic() - monotonic)
