"""What happens to each answer as it arrives: archived to the run's WARC on its fetch thread (or, in a
replay, found where it was archived), its page handed to a reading thread and read in a worker within what is
left of the URL's budget, its body let go. With a history (history/revisits.py), a 304 is judged from the
copy of the last good fetch and a body read on an earlier night is not read again. runner.py drives it.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from civicheck.fetch import FetchResult
from civicheck.fetch.network import NetworkWatch
from civicheck.reading import READ_GRACE, SIGNALS_ONLY, Needs, PageReader, Reading, needs_reading
from civicheck.report import Snapshot

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


class Recorder:
    """Called on each fetch thread as a result arrives: archives it (or, in a replay, looks up where it was
    archived), hands the page to a reading thread (PageReader.read_later: extraction in a worker, within what
    is left of the URL's budget), lets its body go once read, and reports progress. So a run holds a body
    only while it is archived and read.

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
        needs: dict[str, Needs] | None = None,
    ):
        self.warc, self.progress, self.snapshot_of, self.network = warc, progress, snapshot_of, network
        self.reader, self.selectors = reader, selectors  # url -> CSS selectors of the links checks citing it
        self.memory, self.fetcher = memory, fetcher
        self.replay: Any = (
            None  # the WarcReplay of a replayed run (for the earlier captures its 304s point to)
        )
        # url -> what the checks citing it read of the page (main text? links?); a page no check cites (a
        # probe, a link audited) is read for its liveness (needs_of).
        self.needs = needs if needs is not None else {}
        # Whether a soft-404 probe may be compared with an answer (url, status, sha256): its links are read
        # then, for the comparison reads their labels (probing.Probes.may_compare). None: always.
        self.compared: Callable[[str, int | None, str | None], bool] | None = None
        # url -> the status of the answer judged for it, as answers arrive (Probes.may_compare reads a probe's).
        self.statuses: dict[str, int | None] = {}
        self.lock = threading.Lock()
        self.snapshots: dict[str, list[Snapshot]] = defaultdict(list)
        self.readings: dict[str, Reading] = {}
        self.counts: Counter[str] = Counter()  # what the memory saved: "304", "same body", "probe remembered"
        # Called with each answer (as judged) and `readings` once it is read and remembered (runner.py: a page
        # may be assessed and searched then, and its text let go).
        self.on_read: Callable[[FetchResult, dict[str, Reading]], None] | None = None

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
                    if reading is not None and self._lacks(reading, result.url, result.status, result.sha256):
                        reading = None  # read for less that night (its liveness, its text): read it whole now
                    if reading is not None:
                        stored = True
                        with self.lock:
                            self.counts["same body"] += 1
            self.statuses[result.url] = result.status
            if reading is not None:
                with self.lock:
                    self.readings[result.url] = reading
            elif needs_reading(result):
                # The budget covers the fetch and the reading; a page whose fetch took it all still gets a
                # few seconds (READ_GRACE), so only a page that overruns those is given up on. The page is
                # read on a reading thread: this fetch thread goes on to the next URL meanwhile.
                limit = max(budget - result.elapsed, READ_GRACE)
                self.reader.read_later(
                    result,
                    lambda reading: self._read(result, ref, reading, selectors),
                    limit,
                    selectors,
                    self.needs_of(result.url, result.status, result.sha256),
                )
                return
            self._settle(result, ref, None if stored else reading, selectors)

        try:
            results = fetcher.fetch_all(list(jobs.items()), on_result=arrived, network=self.network)
            self.reader.wait()  # every page read before any is judged
        finally:
            if set_validators:
                fetcher.validators.clear()  # type: ignore[attr-defined]
        results.update(judged)
        return results

    def _read(self, result: FetchResult, ref: str | None, reading: Reading, selectors: list[str]) -> None:
        """A page just read (on a reading thread): its reading kept for the checks, and for the history."""
        with self.lock:
            self.readings[result.url] = reading
        if self.memory is not None and result.unchanged_since:
            self.memory.keep_reading(result.final_url, result.sha256 or "", reading, selectors)
            self._settle(result, ref, None, selectors)  # stored now; the good fetch is remembered already
        else:
            self._settle(result, ref, reading, selectors)

    def _settle(
        self, result: FetchResult, ref: str | None, reading: Reading | None, selectors: list[str]
    ) -> None:
        """The answer remembered in the history (with its reading, when one is to be stored), its body let go."""
        if self.memory is not None and not result.unchanged_since and not result.blank:
            # Never a failure (keep() takes 2xx read whole only), nor an empty page (its emptiness is its
            # verdict, and a reading does not say it).
            self.memory.keep(result, ref, self.warc_path, reading, selectors)
        result.drop_body()
        if self.on_read is not None:
            self.on_read(result, self.readings)

    def needs_of(self, url: str, status: int | None, sha256: str | None) -> Needs:
        """What this run reads of the page at `url` that answered `status` with a body of digest `sha256`: what
        the checks citing it read, and its links where a soft-404 probe may be compared with it."""
        needs = self.needs.get(url, SIGNALS_ONLY)
        if (
            not needs.links
            and needs.links_if_probed
            and (self.compared is None or self.compared(url, status, sha256))
        ):
            needs = dataclasses.replace(needs, links=True)
        return needs

    def _lacks(self, reading: Reading, url: str, status: int | None, sha256: str | None) -> bool:
        """A reading stored on an earlier night that lacks what this run reads of the page (judged as an answer
        of `status` and digest `sha256`): its main text (read then for its liveness only) or its links (read
        then without)."""
        needs = self.needs_of(url, status, sha256)
        return not needs.met_by(getattr(reading, "document", None))

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
        if reading is not None and self._lacks(reading, result.url, good.status, good.sha256):
            reading = None  # stored from a narrower reading: what is wanted now is read from the copy
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
