"""What a nightly run remembers of the last one so it moves no bytes for unchanged pages: each URL's last GOOD
fetch (validators, digest, the archived copy), the reading of its body, and the soft-404 probe of each URL pattern.

FetchMemory is used from the fetch threads while a run goes on; it writes what it learns in batches, each one
transaction of the history database (migration m003). A failure is never remembered: the next run asks again
from the last good fetch. `fresh` (verify --fresh) ignores what is remembered, and still records what it sees.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from civicheck.clock import now_utc
from civicheck.fetch import FetchResult
from civicheck.logs import get_logger

logger = get_logger(__name__)

# A probe shows how a site answers pages that do not exist; sites change that rarely, so a week-old answer
# still stands, unless a page compared with it changed (then it is probed again that night).
PROBE_KEPT = timedelta(days=7)
_BATCH = 200  # remembered fetches written per transaction while the run goes on
_CHUNK = 500  # URLs per SELECT ... IN (...): SQLite's limit on parameters is 999 in old builds


@dataclass
class GoodFetch:
    """The last good fetch of a URL (as requested: the final URL of its redirects) and where its copy is."""

    url: str
    cited_url: str  # the URL as cited then: its WARC metadata record is filed under it
    status: int
    reason: str
    headers: list[tuple[str, str]]
    etag: str | None
    last_modified: str | None
    sha256: str
    fetched_at: str  # when this body was fetched: "unchanged since" that day
    warc: Path  # the WARC file holding the copy
    ref: str  # its snapshot reference (file#record id)

    def conditions(self) -> list[tuple[str, str]]:
        """The conditional request headers that ask the server for this body only if it changed."""
        sent = [("If-None-Match", self.etag)] if self.etag else []
        return sent + ([("If-Modified-Since", self.last_modified)] if self.last_modified else [])


@dataclass
class RememberedProbe:
    pattern: str  # soft404.probe_key
    probe_url: str
    status: int
    probed_at: str
    warc: Path
    ref: str
    pages: dict[str, str] = field(default_factory=dict)  # page url -> sha256 of the body it was compared with


class FetchMemory:
    """The good fetches, readings and probes remembered in the history database at `path`."""

    def __init__(self, path: str | Path, *, fresh: bool = False):
        from civicheck.history.store import DEFAULT_BUSY_TIMEOUT, HistoryStore

        HistoryStore(path).close()  # creates and migrates it
        self.path = Path(path)
        self.fresh = fresh
        # Its own connection, shared by the fetch threads under a lock: sqlite3 objects are not thread-safe.
        self.db = sqlite3.connect(
            self.path, timeout=DEFAULT_BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
        )
        self.lock = threading.Lock()
        # Batches are written on a connection of their own, outside self.lock: a fetch thread writing one
        # (200 rows, the stored readings among them) no longer holds up every other thread's keep() and
        # lookups; the database's WAL journal lets them read meanwhile. Without an fsync at each commit
        # (synchronous=NORMAL): what is remembered here only spares work, and a power cut may lose the last
        # batches, never the database. Only one batch is written at a time, in the order they were filled.
        self._writer = sqlite3.connect(
            self.path, timeout=DEFAULT_BUSY_TIMEOUT, isolation_level=None, check_same_thread=False
        )
        self._writer.execute("PRAGMA synchronous = NORMAL")
        self._saving = threading.Lock()
        self._good: dict[str, GoodFetch] = {}  # final url -> its last good fetch, for the URLs of this run
        self._replays: dict[Path, Any] = {}  # earlier WARC file -> its WarcReplay (None: unreadable)
        self._pending: list[tuple[str, tuple[Any, ...]]] = []  # (sql, params) waiting for the next batch
        self._replay_lock = threading.Lock()
        # url -> (digest, the searches stored for it) of the readings loaded: only new searches are written.
        self._searched: dict[str, tuple[str, set[str]]] = {}
        # (url, digest) of the readings stored or loaded this run: the only pages whose searches are worth keeping.
        self._with_reading: set[tuple[str, str]] = set()
        self.broken: str | None = None  # why the database stopped being used this run

    def close(self) -> None:
        """Close without writing what is still unsaved: save() it first, once the run's WARC is in place."""
        with self._saving:  # a batch being written by a fetch thread is written whole
            self._writer.close()
        self.db.close()

    # -- reading what is remembered --

    def conditions(self, urls: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
        """Conditional headers for the requests of these cited URLs, by the URL they end up requesting: only
        for fetches a 304 can be judged from, by their archived copy here or their stored reading (a CI job
        restores the history but not last night's WARC, which it uploaded as an artifact: the reference in
        the evidence names that file)."""
        if self.fresh:
            return {}
        found: dict[str, list[tuple[str, str]]] = {}
        for good in self._load(urls):
            if (good.etag or good.last_modified) and (good.warc.is_file() or self._has_reading(good)):
                found[good.url] = good.conditions()
        return found

    def read_before(self, urls: Iterable[str]) -> bool:
        """Is the reading of every one of these cited URLs' last good fetch stored (so that a night on which
        they all answer 304 reads no page)? Whether it also suits tonight's checks (selectors, main text,
        links) is left to when the page arrives: this only says whether to have a worker ready."""
        from civicheck.history.stored_reading import shape

        if self.fresh:
            return False
        cited = list(dict.fromkeys(urls))
        found = 0
        for i in range(0, len(cited), _CHUNK):
            chunk = cited[i : i + _CHUNK]
            marks = ",".join("?" * len(chunk))
            found += len(
                self._rows(
                    "SELECT DISTINCT g.cited_url FROM good_fetches g JOIN good_readings r ON r.url = g.url"
                    f" AND r.sha256 = g.sha256 AND r.shape = ? WHERE g.cited_url IN ({marks})"
                    " AND g.warc IN (SELECT warc FROM good_warcs)",
                    (shape(), *chunk),
                )
            )
        return found == len(cited)

    def _has_reading(self, good: GoodFetch) -> bool:
        from civicheck.history.stored_reading import shape

        return bool(
            self._rows(
                "SELECT 1 FROM good_readings WHERE url = ? AND sha256 = ? AND shape = ?",
                (good.url, good.sha256, shape()),
            )
        )

    def good(self, url: str) -> GoodFetch | None:
        """The last good fetch of the URL requested (None under --fresh or when there is none)."""
        with self.lock:
            return None if self.fresh else self._good.get(url)

    def earlier(self, good: GoodFetch) -> FetchResult | None:
        """The archived copy of a good fetch, body and all, read from its WARC file; None when it is gone or
        is no longer the body remembered."""
        result = self._replayed(good.warc, good.cited_url)
        if result is None or result.sha256 != good.sha256 or not result.has_document:
            return None
        return result

    def reading(self, url: str, sha256: str | None, selectors: Sequence[str]) -> Any:
        """The Reading of the body with this digest fetched from `url`, if one was stored by this civicheck, with
        the searches stored beside it made again of its document (kinds/sources.py)."""
        from civicheck.history.stored_reading import load, shape

        if self.fresh or sha256 is None:
            return None
        # One query for both: the searches are stored (good_searches) only for a page whose reading is.
        rows = self._rows(
            "SELECT r.zlib, s.zlib FROM good_readings r LEFT JOIN good_searches s ON s.url = r.url"
            " AND s.sha256 = r.sha256 AND s.shape = r.shape"
            " WHERE r.url = ? AND r.sha256 = ? AND r.selectors = ? AND r.shape = ?",
            (url, sha256, json.dumps(list(selectors)), shape()),
        )
        reading = load(rows[0][0]) if rows else None
        document = getattr(reading, "document", None)
        if document is not None:
            with self.lock:
                self._with_reading.add((url, sha256))
            self._searches_back(url, sha256, document, rows[0][1])
        return reading

    def _searches_back(self, url: str, sha256: str, document: Any, blob: bytes | None) -> None:
        """The searches stored (`blob`) with this body's reading, made again of `document`."""
        from civicheck.history.stored_reading import load
        from civicheck.kinds.sources import searches_of

        stored = load(blob) if blob is not None else None
        if not isinstance(stored, dict) or not all(
            isinstance(v, tuple) and len(v) == 2 for v in stored.values()
        ):
            return  # none, or not what is stored there (a damaged row is a miss)
        searches_of(document).update(stored)
        with self.lock:
            self._searched[url] = (sha256, set(stored))

    def probe(self, pattern: str) -> RememberedProbe | None:
        """The probe remembered for a URL pattern, if it is less than a week old and its copy is still there."""
        if self.fresh:
            return None
        rows = self._rows(
            "SELECT probe_url, status, probed_at, warc, ref FROM probes WHERE pattern = ?"
            " AND warc IN (SELECT warc FROM good_warcs)",
            (pattern,),
        )
        pages = dict(self._rows("SELECT url, sha256 FROM probe_pages WHERE pattern = ?", (pattern,)))
        row = rows[0] if rows else None
        if row is None or _age(row[2]) > PROBE_KEPT or (_answered(row[1]) and not Path(row[3]).is_file()):
            return None
        return RememberedProbe(pattern, row[0], row[1], row[2], Path(row[3]), row[4], pages)

    def earlier_probe(self, probe: RememberedProbe) -> FetchResult | None:
        """The remembered probe's answer. A page (2xx) is compared with the cited ones: its archived copy, or
        None when that is gone. For an error status the probe signal looks at nothing but the status: that
        alone, with no archive read (nor needed: a CI job keeps no WARCs)."""
        if _answered(probe.status):
            result = self._replayed(probe.warc, probe.probe_url) if probe.warc.is_file() else None
            if result is None or result.status is None:
                return None
            result.revisit_of = probe.ref  # the capture it is a copy of
            return result
        from civicheck.fetch import ErrorKind

        kind = ErrorKind.HTTP_4XX if probe.status >= 400 else None
        return FetchResult(
            probe.probe_url,
            probe.probe_url,
            probe.status,
            "",
            kind,
            f"{probe.status} (remembered from {probe.probed_at})",
            probe.probed_at,
        )

    def _load(self, urls: Iterable[str]) -> list[GoodFetch]:
        cited = list(dict.fromkeys(urls))
        loaded = []
        for i in range(0, len(cited), _CHUNK):
            chunk = cited[i : i + _CHUNK]
            marks = ",".join("?" * len(chunk))
            for row in self._rows(
                "SELECT url, cited_url, status, reason, headers, etag, last_modified, sha256,"
                f" fetched_at, warc, ref FROM good_fetches WHERE cited_url IN ({marks})"
                " AND warc IN (SELECT warc FROM good_warcs)",
                chunk,
            ):
                good = GoodFetch(
                    row[0],
                    row[1],
                    row[2],
                    row[3] or "",
                    [tuple(h) for h in json.loads(row[4])],
                    row[5],
                    row[6],
                    row[7],
                    row[8],
                    Path(row[9]),
                    row[10],
                )
                loaded.append(good)
        with self.lock:
            self._good.update((good.url, good) for good in loaded)
        return loaded

    def _rows(self, sql: str, params: Sequence[Any]) -> list[Any]:
        """A query's rows; none once the database failed us (the run goes on fetching everything whole)."""
        with self.lock:
            if self.broken:
                return []
            try:
                return self.db.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                self._broke(exc)
                return []

    def _broke(self, exc: sqlite3.Error) -> None:  # self.lock held
        # Remembering is an optimisation: a database that fails (locked for too long, disk full) must not
        # fail the run, whose history is recorded (or its failure reported) at the end as always.
        self.broken = f"the history database {self.path} failed while remembering fetches: {exc}"
        logger.warning("%s; every page is fetched whole from now on", self.broken)

    def _replayed(self, warc: Path, url: str) -> FetchResult | None:
        from civicheck.archive import WarcReplay
        from civicheck.errors import CivicheckError

        with self._replay_lock:  # one scan of each earlier file per run, whichever thread asks first
            if warc not in self._replays:
                try:
                    self._replays[warc] = WarcReplay([warc])
                except (CivicheckError, OSError):
                    self._replays[warc] = None
            replay = self._replays[warc]
            if replay is None:
                return None
            try:
                return replay.result(url)
            except (CivicheckError, OSError):
                return None

    # -- remembering --

    def keep(
        self,
        result: FetchResult,
        ref: str | None,
        warc: Path | None,
        reading: Any = None,
        selectors: Sequence[str] = (),
    ) -> None:
        """Remember a good fetch (a 2xx read whole) and its reading; anything else is never remembered."""
        if not result.has_document or ref is None or warc is None or result.sha256 is None:
            return
        headers = json.dumps([list(h) for h in result.headers])
        self._add(
            "INSERT OR REPLACE INTO good_fetches (url, cited_url, status, reason, headers, etag, last_modified,"
            " sha256, fetched_at, confirmed_at, warc, ref) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                result.final_url,
                result.url,
                result.status,
                result.reason,
                headers,
                result.header("etag"),
                result.header("last-modified"),
                result.sha256,
                result.fetched_at,
                result.fetched_at,
                str(warc.resolve()),
                ref,
            ),
        )
        self.keep_reading(result.final_url, result.sha256, reading, selectors)

    def keep_reading(self, url: str, sha256: str, reading: Any, selectors: Sequence[str]) -> None:
        """Remember the reading of the body with this digest fetched from `url` (a good fetch just kept, or a
        remembered body read again: its copy replayed, nothing stored matched); an unreadable page's is not."""
        from civicheck.history.stored_reading import dump, shape

        blob = dump(reading) if reading is not None and reading.problem is None else None
        if blob is not None:
            with self.lock:
                self._with_reading.add((url, sha256))
            self._add(
                "INSERT OR REPLACE INTO good_readings (url, sha256, selectors, shape, zlib) VALUES (?, ?, ?, ?, ?)",
                (url, sha256, json.dumps(list(selectors)), shape(), blob),
            )

    def keep_searches(self, url: str, sha256: str, document: Any) -> None:
        """Remember the searches made tonight of the body with this digest fetched from `url` (its Document's,
        kinds/sources.py search_once), unless they were all stored already, or its reading is not (a page not
        remembered, such as every page of a --no-warc run, is read and searched again whatever is kept)."""
        from civicheck.history.stored_reading import dump, shape
        from civicheck.kinds.sources import searches_of

        made = searches_of(document)
        with self.lock:
            stored = self._searched.get(url)
            with_reading = (url, sha256) in self._with_reading
        if (
            not made
            or not with_reading
            or (stored is not None and stored[0] == sha256 and stored[1] >= set(made))
        ):
            return
        blob = dump(made)
        if blob is not None:
            self._add(
                "INSERT OR REPLACE INTO good_searches (url, sha256, shape, zlib) VALUES (?, ?, ?, ?)",
                (url, sha256, shape(), blob),
            )

    def confirmed(self, good: GoodFetch) -> None:
        """The server said the remembered body is still current (304)."""
        self._add("UPDATE good_fetches SET confirmed_at = ? WHERE url = ?", (now_utc(), good.url))

    def forget(self, url: str) -> None:
        """A remembered fetch whose copy cannot be had any more: the next run fetches it whole."""
        with self.lock:
            self._good.pop(url, None)
        self._add("DELETE FROM good_fetches WHERE url = ?", (url,))

    def keep_probe(
        self, pattern: str, result: FetchResult, ref: str | None, warc: Path | None, pages: dict[str, str]
    ) -> None:
        """Remember how a site answered a probe, and the pages it was compared with. A probe that got no
        answer, or one that may say more about the moment than the site (5xx, 429), is not remembered."""
        if (
            ref is None
            or warc is None
            or result.status is None
            or result.status >= 500
            or result.status == 429
        ):
            return
        self._add(
            "INSERT OR REPLACE INTO probes (pattern, probe_url, status, sha256, probed_at, warc, ref)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (pattern, result.url, result.status, result.sha256, result.fetched_at, str(warc.resolve()), ref),
        )
        self._add("DELETE FROM probe_pages WHERE pattern = ?", (pattern,))
        self.keep_probe_pages(pattern, pages)

    def keep_probe_pages(self, pattern: str, pages: dict[str, str]) -> None:
        for url, sha in pages.items():
            self._add(
                "INSERT OR REPLACE INTO probe_pages (pattern, url, sha256) VALUES (?, ?, ?)",
                (pattern, url, sha),
            )

    def _add(self, sql: str, params: tuple[Any, ...]) -> None:
        with self.lock:
            self._pending.append((sql, params))
            full = len(self._pending) >= _BATCH
        if full:
            self.save(wait=False)

    def save(self, closed: Path | None = None, wait: bool = True) -> None:
        """Write what was learnt so far, in one transaction (waiting for another run's write if need be).
        `closed`: the run's WARC, now in place: what this run remembered counts from now on. `wait=False`:
        not when another thread is writing a batch (what is pending then goes with the next one)."""
        from civicheck.history.migrations import transaction

        if not self._saving.acquire(blocking=wait):
            return
        try:
            with self.lock:
                rows, self._pending = self._pending, []
                if closed is not None:
                    rows.append(
                        (
                            "INSERT OR REPLACE INTO good_warcs (warc, closed_at) VALUES (?, ?)",
                            (str(closed.resolve()), now_utc()),
                        )
                    )
                if not rows or self.broken:
                    return
            try:
                with transaction(self._writer):
                    for sql, params in rows:
                        self._writer.execute(sql, params)
            except sqlite3.Error as exc:
                with self.lock:
                    self._broke(exc)
        finally:
            self._saving.release()


def _answered(status: int) -> bool:
    """Did the site answer the probe with a page (2xx)? Then comparing needs the page itself."""
    return 200 <= status < 300


def _age(when: str) -> timedelta:
    try:
        then = datetime.fromisoformat(when.replace("Z", "+00:00"))
    except ValueError:
        return PROBE_KEPT * 2  # unreadable: too old
    if then.tzinfo is None:
        then = then.replace(tzinfo=timezone.utc)
    return datetime.now(timezone.utc) - then
