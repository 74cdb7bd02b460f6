"""Is our own network up? The canary: sites that are up whenever the internet is, asked concurrently with a
short deadline each; and its answers as the run keeps them (CanaryAnswer), archived so a replay has them too.
"""

from __future__ import annotations

import math
import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from civicheck.clock import now_utc
from civicheck.fetch.describe import phrase
from civicheck.fetch.models import ErrorKind, FetchResult

# Sites that are up whenever the internet is: if none of them answers, the problem is our network.
DEFAULT_CANARIES: tuple[str, ...] = (
    "https://www.google.com/generate_204",
    "https://cloudflare.com/cdn-cgi/trace",
    "https://www.wikipedia.org/",
)
# A canary slower than this is not answering. Short on purpose: a question asked during a drop must fail rather
# than succeed late, once the drop is over (a lost SYN is sent again after 1 s, then after 3 s).
CANARY_TIMEOUT = 2.5


class Knocks(Protocol):
    """Anything that can ask a URL once whether anything answers: a Fetcher (client.py)."""

    def knock(self, url: str, timeout: float) -> FetchResult: ...


def check_connectivity(
    fetcher: Knocks, urls: Sequence[str] = DEFAULT_CANARIES, *, timeout: float = 5.0
) -> tuple[bool, str]:
    """Is our own network up? True as soon as any canary answers anything over HTTP (even a 4xx/5xx), except
    a 5xx through a proxy: that may be the proxy saying that its own upstream is down.

    Canaries are tried concurrently with a short deadline each; the sentence says which answered, or why
    none did, so a dead network is never mistaken for dead government sites.
    """
    if not urls:
        return False, "network unavailable: no canary URL to try"
    answers: queue.Queue[FetchResult] = queue.Queue()

    def ask(url: str) -> None:
        try:
            answers.put(fetcher.knock(url, timeout))
        except Exception as exc:  # noqa: BLE001 - a bug must not leave the question unanswered forever
            answers.put(
                FetchResult(url, url, None, "", ErrorKind.OTHER, f"{type(exc).__name__}: {exc}", now_utc())
            )

    for url in urls:
        # Daemon threads, not a pool: a question nobody waits for any more (Ctrl-C, a canary that answered
        # first) must never hold the process open at exit.
        threading.Thread(target=ask, args=(url,), name="civicheck-canary", daemon=True).start()
    failures: dict[str, FetchResult] = {}
    for _ in urls:
        result = answers.get()
        if result.status is not None and not (result.proxy and result.status >= 500):
            answer = f"{result.status} {result.reason or phrase(result.status)}".strip()
            return True, f"network available: {result.url} answered {answer}"
        failures[result.url] = result
    reasons = "; ".join(f"{url} : {failures[url].detail}" for url in urls if url in failures)
    return False, f"network unavailable: no canary answered ({reasons})"


@dataclass(frozen=True)
class CanaryAnswer:
    """One question to the canary: did any canary answer, and when. Times are ISO 8601 UTC (milliseconds).

    `since`, on an answer saying offline: the last sign of life before the question (an earlier answer, or bytes
    from any server), i.e. the earliest the outage can have begun. The monotonic times exist in live runs only.
    """

    online: bool
    detail: str  # check_connectivity's sentence: "network available: … answered 204 No Content"
    asked_at: str
    answered_at: str
    since: str | None = None
    run: str = ""  # which archive a replayed answer came from: each file is a run of its own
    asked: float = 0.0
    answered: float = 0.0
    alive: float = -math.inf  # `since`, monotonic

    def as_record(self) -> dict[str, Any]:
        return {
            "online": self.online,
            "detail": self.detail,
            "asked_at": self.asked_at,
            "answered_at": self.answered_at,
            "since": self.since,
        }

    @classmethod
    def from_record(cls, doc: dict[str, Any]) -> CanaryAnswer:
        """An archived answer; one written before answers had times of their own has only `asked_at`."""
        asked_at = str(doc.get("asked_at") or "")
        since = doc.get("since")
        return cls(
            bool(doc.get("online")),
            str(doc.get("detail", "")),
            asked_at,
            str(doc.get("answered_at") or asked_at),
            str(since) if since else None,
        )
