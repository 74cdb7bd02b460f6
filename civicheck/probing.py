"""Which soft-404 probes a run sends, and when: one random sibling URL per URL pattern (soft404.probe_key), sent
beside the fetches of the pages it stands for under its own short deadline, or remembered from an earlier night
(history/revisits.py) and sent again only when a page compared with it changed or a week has passed.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from civicheck.fetch import FetchResult
from civicheck.kinds import kind_of

if TYPE_CHECKING:
    from civicheck.checks import Context
    from civicheck.claims import Claim
    from civicheck.history.revisits import FetchMemory, RememberedProbe
    from civicheck.report import Snapshot

# Seconds a probe may take (never more than the claims citing its pattern allow). A probe only adds one signal,
# and a site answers a nonsense URL from its router without the slow work of a real page: 5 s is ample for an
# answer, and a probe that hangs costs the run 5 s at most, running beside the cited fetches, never after them.
PROBE_TIMEOUT = 5.0
# A fixed seed gives the same probe URL on every run, so a replay finds the probe's answer in the archive.
PROBE_SEED = "civicheck-probe"


class Recorder(Protocol):
    """What the probes need of the run's recorder (recorder.Recorder): archive an answer, its snapshots."""

    memory: FetchMemory | None
    lock: threading.Lock
    counts: Any  # Counter[str]
    snapshots: dict[str, list[Snapshot]]
    statuses: dict[str, int | None]  # url -> the status of the answer judged for it, as answers arrive

    @property
    def warc_path(self) -> Path | None: ...

    def __call__(self, result: FetchResult) -> str | None: ...


def liveness(claims: list[Claim], ctx: Context) -> tuple[dict[str, bool], dict[str, float]]:
    """The pages whose liveness a check decides (their kind says which: live and dead their own, a `links` check
    the links it audits), each with whether soft-404 signals count, and the longest timeout of those checks.
    Before anything is fetched, a kind that needs a page read to tell (links) simply names none yet."""
    decides: dict[str, bool] = {}
    patience: dict[str, float] = {}
    for claim in claims:
        for check in claim.checks:
            try:
                pairs = kind_of(check).liveness(check, ctx)
            except KeyError:  # it needs a page not fetched yet (ctx.results): asked again once it is
                continue
            for url, soft404 in pairs:
                decides[url] = decides.get(url, False) or soft404
                patience[url] = max(patience.get(url, 0.0), check.timeout)
    return decides, patience


class Probes:
    """One random-sibling probe per URL pattern (soft404.probe_key), sent beside the fetches of the pages it
    stands for and under its own short deadline (PROBE_TIMEOUT), or remembered from an earlier night."""

    def __init__(self, recorder: Recorder):
        self.recorder, self.memory = recorder, recorder.memory
        self.sent: dict[str, str] = {}  # pattern -> probe url, asked this run
        self.remembered: dict[str, RememberedProbe | None] = {}  # pattern -> the history's probe (None: none)
        self.copies: dict[str, FetchResult | None] = {}  # pattern -> the remembered probe's answer, replayed
        self.results: dict[str, FetchResult] = {}  # probe url -> its answer tonight
        self.compared: set[str] = set()  # the pages whose liveness a check decides with the signals on
        # False when a check names the pages whose liveness it decides only once its own page is read (a
        # `links` audit, kinds' searches_early): any page may then be compared with a probe later.
        self.named_upfront = True
        self._probe_urls: tuple[int, set[str]] = (0, set())  # (len(sent), its probe urls) for may_compare

    def split(self, fetched: dict[str, FetchResult], pages: dict[str, float]) -> dict[str, FetchResult]:
        """The answers for `pages`; the probes' answers fetched beside them are kept here."""
        self.results.update({url: r for url, r in fetched.items() if url not in pages})
        return {url: r for url, r in fetched.items() if url in pages}

    def beside(
        self, pages: dict[str, float], decides: dict[str, bool], patience: dict[str, float]
    ) -> dict[str, float]:
        """The fetch jobs: `pages`, each followed by the probe of its pattern when one is due (a pattern
        remembered from an earlier night is probed only if a page of it changed: see missing())."""
        from civicheck.soft404 import probe_key, probe_url

        jobs: dict[str, float] = {}
        self.compared.update(url for url, soft404 in decides.items() if soft404)
        for url, budget in pages.items():
            jobs[url] = max(jobs.get(url, 0.0), budget)
            if not decides.get(url):
                continue
            target = probe_url(url, seed=PROBE_SEED)
            key = probe_key(url)
            if target is None or target in self.results or self._remembered(key, target) is not None:
                continue  # no probe for a site root; one asked in an earlier phase, or remembered
            self.sent.setdefault(key, target)
            if target not in pages:
                jobs[target] = max(jobs.get(target, 0.0), self.budget(patience[url]))
        return jobs

    def may_compare(self, url: str, status: int | None, sha256: str | None) -> bool:
        """May a probe be compared with the answer for `url` (of `status`, its body of digest `sha256`)? The
        comparison reads the labels of the page's links (and of the probe's): a page none can be compared
        with is read without its links. Called on fetch threads as answers arrive; in doubt (its probe not
        answered yet), True.

        A probe is compared (runner._assess, soft404.probe_signals) only with a 2xx page whose liveness a
        check decides with the signals on (known before the fetches unless named_upfront is False), and only
        when the probe answered 2xx itself: never with an error page, a site root (it has no probe), nor a
        page whose probe answered tonight, or is remembered for this very body (see answer()), with anything
        but a 2xx."""
        from civicheck.soft404 import probe_key, probe_url

        if status is None or not 200 <= status < 300:
            return False
        if len(self.sent) != self._probe_urls[0]:  # sent grows only, before each wave of fetches
            self._probe_urls = (len(self.sent), set(self.sent.values()))
        if url in self._probe_urls[1]:
            return True  # a probe that answered 2xx: compared with the pages it stands for
        if url not in self.compared and self.named_upfront:
            return False
        target = probe_url(url, seed=PROBE_SEED)
        if target is None:
            return False
        answered = self.recorder.statuses
        if target in answered:
            return _is_2xx(answered[target])
        key = probe_key(url)
        remembered = self.remembered.get(key)  # looked up by beside(), before the page was fetched
        if key not in self.sent and remembered is not None and remembered.pages.get(url, sha256) == sha256:
            return _is_2xx(remembered.status)
        return True

    @staticmethod
    def budget(patience: float) -> float:
        """A probe's deadline: never more patient than the claims themselves (a 3 s claim must not wait 5 s
        for its probe), nor than PROBE_TIMEOUT."""
        return min(PROBE_TIMEOUT, patience)

    def _remembered(self, key: str, target: str) -> RememberedProbe | None:
        if self.memory is None:
            return None
        if key not in self.remembered:
            found = self.memory.probe(key)
            self.remembered[key] = found if found is not None and found.probe_url == target else None
        return self.remembered[key]

    def answer(
        self, url: str, result: FetchResult, results: dict[str, FetchResult]
    ) -> FetchResult | str | None:
        """The probe answer for a page: tonight's, or the remembered one when no page of its pattern changed;
        else the probe URL still to fetch (a str); None when the page has no probe (a site root)."""
        from civicheck.soft404 import probe_key, probe_url

        target = probe_url(url, seed=PROBE_SEED)
        if target is None:
            return None
        key = probe_key(url)
        if key in self.sent:
            return results.get(self.sent[key], self.sent[key])
        remembered = self._remembered(key, target)
        if remembered is None or remembered.pages.get(url, result.sha256) != result.sha256:
            return target  # never probed, over a week old, or a page it was compared with has changed
        if key not in self.copies:
            copy = self.memory.earlier_probe(remembered) if self.memory is not None else None
            if copy is not None:
                if copy.revisit_of:
                    # Tonight's archive holds the answer judged, as captured then (its date, its record), so that
                    # a replay of tonight decides alike. An error status remembered without its copy is not
                    # written: replay, finding no probe, decides alike (the signal looks at 2xx answers only).
                    self.recorder(copy)
                with self.recorder.lock:
                    self.recorder.counts["probe remembered"] += 1
            self.copies[key] = copy
        return self.copies[key] or target

    def remember(self, pages: dict[str, FetchResult], probe_of: dict[str, FetchResult]) -> None:
        """Remember tonight's probes and the pages each was compared with (by digest)."""
        from civicheck.soft404 import probe_key

        memory = self.memory
        if memory is None:
            return
        compared: dict[str, dict[str, str]] = defaultdict(dict)
        for url in probe_of:
            if pages[url].sha256 is not None:
                compared[probe_key(url)][url] = pages[url].sha256 or ""
        for key, seen in compared.items():
            target = self.sent.get(key)
            if target is not None:
                probe = next(p for u, p in probe_of.items() if probe_key(u) == key)
                snaps = self.recorder.snapshots.get(target) or [{}]
                memory.keep_probe(key, probe, snaps[-1].get("ref"), self.recorder.warc_path, seen)
            elif self.remembered.get(key) is not None:
                memory.keep_probe_pages(key, seen)


def _is_2xx(status: int | None) -> bool:
    return status is not None and 200 <= status < 300
