"""The page pipeline: a fetched body becomes what the checks judge (a Document, and the markup features the
soft-404 signals need) in a worker process under the URL's time limit; the body can then be let go.

One page never costs the others: whatever reading it raises, overruns or crashes on becomes a Reading with
a `problem` ("the page could not be read: ..."), and only the checks citing that page become unknown.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import tempfile
import threading
import traceback
from collections.abc import Callable, Sequence
from concurrent import futures
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from civicheck.errors import PageUnreadable
from civicheck.extract import Document
from civicheck.fetch import FetchResult, describe
from civicheck.logs import get_logger
from civicheck.reading.needs import WHOLE_PAGE, Needs

logger = get_logger(__name__)

UNREADABLE = "the page could not be read"
# Seconds a page may always take to be read, even when its fetch used up the URL's budget: a normal page
# takes a tenth of that, a hostile one is given up on after it.
READ_GRACE = 3.0
# The limit for a page read when a check asks for it (an archived copy standing in for a dead source).
READ_LIMIT = 20.0
# Bodies larger than this reach their worker through a temporary file: the pages waiting for a free worker
# then hold no memory (40 pages of 24 MB waiting held 380 MB), and nothing is pickled twice.
SPILL_BYTES = 1_000_000
# Pages that may wait for a worker while the fetches go on (read_later): enough that a fetch thread rarely
# waits for reading, few enough that waiting pages hold a few megabytes at most (larger bodies are spilled).
PENDING = 16
# Address space a worker may use (it needs about 90 MB idle and 250 MB for a 24 MB page): a page that needs
# more, such as a PDF whose streams inflate to gigabytes, is unreadable rather than a threat to the machine.
WORKER_MEMORY = 768 * 1024 * 1024
# What a worker imports to read a page, imported once by the fork server: a new worker (one replaces each
# worker killed for overrunning its limit) then starts in milliseconds, sharing these pages with the others.
# (BeautifulSoup is not: only a page a `links` check selects in with CSS needs it; nor the matcher: pages are
# searched in the run's own process.)
_PRELOAD = (
    "civicheck.reading",
    "civicheck.extract",
    "civicheck.soft404",
    "trafilatura",
    "htmldate",
    "lxml.html",
    "ftfy",
    "pypdf",
    "charset_normalizer",
)
# What a worker imports to read pages for their liveness only (read_page with LIVENESS_ONLY): a run of `live`
# checks spares its fork server a quarter of a second of importing trafilatura and the rest.
_LIVENESS_PRELOAD = (
    "civicheck.reading",
    "civicheck.extract",
    "civicheck.soft404",
    "htmldate.utils",
    "lxml.html",
    "ftfy",
    "charset_normalizer",
    "ada_url",
)
# Libraries whose failure on a page is named in the reason ("trafilatura failed on it").
_LIBRARIES = (
    "trafilatura",
    "htmldate",
    "justext",
    "bs4",
    "soupsieve",
    "lxml",
    "pypdf",
    "charset_normalizer",
    "ftfy",
    "rapidfuzz",
)


@dataclass
class Reading:
    """What was read from one fetched answer: its Document and markup features, or why it could not be read."""

    document: Document | None = None
    markup: Any = None  # soft404.Markup
    problem: str | None = None  # "the page could not be read: ..."

    def require(self) -> Document:
        """The document, or PageUnreadable (which makes the asking check unknown)."""
        if self.problem is not None:
            raise PageUnreadable(self.problem)
        if self.document is None:
            raise PageUnreadable(f"{UNREADABLE}: its text was let go once the page was assessed")
        return self.document

    def released(self) -> Reading:
        """This reading without the document and markup (kept: whether the page could be read)."""
        return Reading(problem=self.problem)


def needs_reading(result: FetchResult) -> bool:
    """Pages that checks or the soft-404 signals read: answers read whole, and error pages (a 403's title may
    name a bot wall). A 2xx cut at the size cap is unread, as are redirects and failures."""
    return result.status is not None and (result.has_document or result.status >= 400)


def read_page(
    result: FetchResult,
    selectors: Sequence[str] = (),
    body_file: str | None = None,
    needs: Needs = WHOLE_PAGE,
) -> Reading:
    """What the checks need of a body (`needs`: its main text? its links? its liveness is always read), read
    in this process. Never raises: a failure is a Reading's problem. Runs in a worker (PageReader) or, where
    no worker can be started, in the caller's process. `body_file`: where the body is, when it travelled to
    the worker as a file rather than through the pipe."""
    from civicheck.extract import decode_text, kind_of
    from civicheck.extract.pipeline import extract_parsed
    from civicheck.soft404 import read_markup

    try:
        if body_file is not None:
            with open(body_file, "rb") as fh:
                result.body = fh.read()  # this process's copy of the result
        text = decode_text(result) if kind_of(result) in ("html", "text") else None
        # What the checks read: the main text without trafilatura's author and site name (only `draft` needs them).
        document, root = extract_parsed(
            result, selectors, text, full=needs.main_text, metadata=False, links=needs.links
        )
        markup = read_markup(result, text or "", document, root)
    except MemoryError:
        return Reading(
            problem=f"{UNREADABLE}: reading it needed more memory than civicheck allows a page "
            f"({WORKER_MEMORY >> 20} MB)"
        )
    except Exception as exc:  # noqa: BLE001 - any extractor may raise anything on a page it did not foresee
        logger.warning("reading %s failed:\n%s", result.url, "".join(traceback.format_exception(exc)))
        return Reading(problem=f"{UNREADABLE}: {_failure(exc)}")
    return Reading(document, markup)


def _failure(exc: BaseException) -> str:
    """ "trafilatura failed on it (AssertionError)": the library it failed in, and how, in a few words."""
    what = type(exc).__name__
    message = " ".join(str(exc).split())[:160]
    if message:
        what += f": {message}"
    for frame in traceback.extract_tb(exc.__traceback__):  # the library civicheck called, not its helpers
        path = frame.filename.replace("\\", "/")
        library = next((name for name in _LIBRARIES if f"/{name}/" in path), None)
        if library is not None:
            return f"{library} failed on it ({what})"
    return f"civicheck failed on it ({what})"


class PageReader:
    """Reads pages in a WorkerPool, each under a time limit; where no worker process can be started (a
    sandbox without process creation), in the calling thread, one at a time, with no time limit."""

    def __init__(self, pool: Any = None):
        self.pool = pool
        self._inline = threading.Lock()
        self._cancel = threading.Event()
        # read_later(): the threads that hand pages to the workers, and the places for pages waiting for one.
        self._lock = threading.Lock()
        self._threads: ThreadPoolExecutor | None = None
        self._under_way: set[futures.Future[None]] = set()
        jobs = getattr(pool, "jobs", 1)
        self._places = threading.BoundedSemaphore(max(PENDING, jobs * 4))

    def start(self) -> None:
        """Have a worker ready before the first page arrives."""
        if self.pool is not None:
            self.pool.warm()

    def read(
        self,
        result: FetchResult,
        limit: float = READ_LIMIT,
        selectors: Sequence[str] = (),
        let_go: bool = False,
        needs: Needs = WHOLE_PAGE,
    ) -> Reading:
        """Read `result` within `limit` seconds (counted from when a worker takes it). `let_go`: the caller
        needs the body no more, so a large one is handed over through a file and dropped from `result` at
        once, rather than held while the page waits for a free worker. `needs`: see read_page."""
        if self.pool is None:
            return self._read_here(result, selectors, needs=needs)
        return self._read_there(result, *self._handed_over(result, let_go), limit, selectors, needs)

    def read_later(
        self,
        result: FetchResult,
        done: Callable[[Reading], None],
        limit: float = READ_LIMIT,
        selectors: Sequence[str] = (),
        needs: Needs = WHOLE_PAGE,
    ) -> None:
        """read(result, let_go=True) on a reading thread of this reader, and then `done(reading)` there: the
        calling thread (a fetch) goes on at once. At most PENDING pages wait to be read (past that, the caller
        waits for a place), those over SPILL_BYTES in a file: what waits holds little memory. wait() returns
        once every page handed over is read and done with. Without worker processes, it is read() here."""
        if self.pool is None:
            done(self.read(result, limit, selectors, let_go=True, needs=needs))
            return
        self._places.acquire()
        try:
            handed = self._handed_over(result, let_go=True)
        except BaseException:
            self._places.release()
            raise

        def work() -> None:
            try:
                done(self._read_there(result, *handed, limit, selectors, needs))
            finally:
                self._places.release()

        with self._lock:
            if self._threads is None:
                # Twice as many threads as workers: a thread hands its page to a worker, then settles what
                # came back (searches, the history's copy); meanwhile another has a page waiting for that
                # worker, which would otherwise idle for a quarter of each page.
                self._threads = ThreadPoolExecutor(2 * self.pool.jobs, thread_name_prefix="civicheck-read")
            self._under_way.add(self._threads.submit(work))

    def wait(self) -> None:
        """Until every page read_later() was handed is read and done with; what `done` raised is raised here."""
        while True:
            with self._lock:
                under_way, self._under_way = self._under_way, set()
            if not under_way:
                return
            for future in futures.wait(under_way).done:
                future.result()

    def _handed_over(self, result: FetchResult, let_go: bool) -> tuple[FetchResult, int, str | None]:
        """(what travels to the worker, the body's size, the file holding the body when it travels as one)."""
        size, body_file = len(result.body), None
        sent = _without_raw_body(result)
        if let_go and size > SPILL_BYTES:
            body_file = _spill(result.body)
            if body_file is not None:
                sent = dataclasses.replace(result, body=b"", raw_body=b"")
                result.drop_body()
        return sent, size, body_file

    def _read_there(
        self,
        result: FetchResult,
        sent: FetchResult,
        size: int,
        body_file: str | None,
        limit: float,
        selectors: Sequence[str],
        needs: Needs,
    ) -> Reading:
        from civicheck.reading.workers import NoWorker, WorkFailed

        pool = self.pool
        if pool is None:  # another thread found that no worker can be started
            try:
                return self._read_here(sent, selectors, body_file, needs)
            finally:
                if body_file is not None:
                    os.unlink(body_file)
        try:
            answer = pool.call(
                read_page, sent, tuple(selectors), body_file, needs, limit=limit, cancel=self._cancel
            )
        except NoWorker as exc:
            logger.warning("pages are read in this process, without a time limit: %s", exc.reason)
            self.pool = None
            return self._read_here(sent, selectors, body_file, needs)
        except WorkFailed as exc:
            seconds = f"{limit:.1f}".rstrip("0").rstrip(".")
            why = (
                f"civicheck gave up reading it after {seconds} s ({describe.size(size)})"
                if exc.timed_out
                else exc.reason
            )
            logger.warning("reading %s: %s", result.url, why)
            return Reading(problem=f"{UNREADABLE}: {why}")
        finally:
            if body_file is not None:
                os.unlink(body_file)
        for name, level, message in answer.logs:
            logger.log(level, "reading %s: %s: %s", result.url, name, message)
        return answer.value

    def retire(self) -> None:
        """Every page is read: end the idle workers, so that what they hold (~90 MB each after news pages)
        goes back to the system while the run's report is made and written. The pool stays open: a next run
        in this process forks new ones from the fork server in milliseconds."""
        if self.pool is not None:
            self.pool.retire()

    def cancel(self) -> None:
        """Stop reading (Ctrl-C): the pages being read or waiting for a worker are given up on at once."""
        self._cancel.set()

    def _read_here(
        self,
        result: FetchResult,
        selectors: Sequence[str],
        body_file: str | None = None,
        needs: Needs = WHOLE_PAGE,
    ) -> Reading:
        import warnings

        _quiet_libraries()
        # catch_warnings changes process-wide state: one inline read at a time.
        with self._inline, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            reading = read_page(result, selectors, body_file, needs)
        for warning in caught:
            logger.warning("reading %s: %s", result.url, warning.message)
        return reading


def shared_reader(jobs: int | None = None, articles: bool = True) -> PageReader:
    """A reader on the process's shared worker pool of `jobs` workers (default: one per core); its workers
    stay for the next run of this process. `articles=False`: the run reads no main text (only liveness
    checks), so the workers need not have the article readers imported beforehand (a worker imports what a
    page needs all the same)."""
    from civicheck.reading.workers import shared_pool

    preload = _PRELOAD if articles else _LIVENESS_PRELOAD
    return PageReader(shared_pool(preload=preload, memory_limit=WORKER_MEMORY, jobs=jobs))


def inline_reader() -> PageReader:
    """A reader in the calling process: for library use and tests that build a Context by hand."""
    return PageReader(None)


def _spill(body: bytes) -> str | None:
    """The body in a temporary file of its own (None if none can be written: it goes through the pipe then)."""
    try:
        with tempfile.NamedTemporaryFile(prefix="civicheck-body-", delete=False) as fh:
            fh.write(body)
            return fh.name
    except OSError as exc:
        logger.warning("a large page goes to its reader through memory: %s", exc)
        return None


def _without_raw_body(result: FetchResult) -> FetchResult:
    """The result as the worker needs it: the wire bytes (still compressed) stay here, already archived."""
    if result.raw_body is result.body or not result.raw_body:
        return result
    return dataclasses.replace(result, raw_body=b"")


def _quiet_libraries() -> None:
    """Reading in this process, the extractors log here: with no handler of their own, Python's last-resort
    handler would print their warnings on the terminal. A NullHandler stops that and nothing else (an
    application that configures logging still gets them)."""
    for name in _LIBRARIES:
        library = logging.getLogger(name)
        if not any(isinstance(h, logging.NullHandler) for h in library.handlers):
            library.addHandler(logging.NullHandler())
