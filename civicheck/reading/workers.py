"""Worker processes that can be stopped: work that may run away (reading a hostile page) runs there under a
time limit, and a worker that overruns it or dies is killed and replaced; the caller always gets an answer.

A thread can be neither interrupted nor bounded in memory, a process can. The pool starts workers as calls
need them, up to `jobs` (default: one per core), and keeps them for later runs of the same process. Workers
never write to the terminal: their standard output and error go to /dev/null, and whatever the libraries
they run log or warn is sent back with the answer, for the caller to log.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from civicheck.errors import NoWorker, WorkFailed
from civicheck.logs import get_logger

logger = get_logger(__name__)

INTERRUPTED = "the run was interrupted"
_TICK = 0.1  # seconds between looks at a call's cancel event


@dataclass
class Answer:
    value: Any
    logs: list[tuple[str, int, str]] = field(
        default_factory=list
    )  # (logger name, level, message) in the worker


def default_jobs() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def _start_method() -> str:
    # Never fork: the caller has threads (fetches, a watchdog) whose locks a forked child would inherit held.
    # A fork server forks clean workers from one process that has imported what they need once.
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


class WorkerPool:
    """At most `jobs` calls at once, each in its own worker process, each under its own time limit.

    `call(fn, *args, limit=s)` runs `fn(*args)` in a worker and returns an Answer, or raises WorkFailed.
    `fn` and its arguments travel by pickle: `fn` must be a module-level function. `preload` names modules
    the fork server imports once, so that a new worker starts in milliseconds rather than a second.
    """

    def __init__(
        self, jobs: int | None = None, preload: tuple[str, ...] = (), memory_limit: int | None = None
    ):
        self.jobs = jobs or default_jobs()
        self.memory_limit = (
            memory_limit  # bytes of address space per worker: past it, the work gets MemoryError
        )
        self._context = multiprocessing.get_context(_start_method())
        if preload and self._context.get_start_method() == "forkserver":
            self._context.set_forkserver_preload(list(preload))
        self._slots = threading.BoundedSemaphore(self.jobs)
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._closed = False
        self.started = 0  # worker processes started so far (a night of 304s with stored readings starts none)

    def call(
        self, fn: Callable[..., Any], *args: Any, limit: float, cancel: threading.Event | None = None
    ) -> Answer:
        """`limit` counts from when a worker takes the call. Setting `cancel` (Ctrl-C) ends the call within a
        tenth of a second, waiting or running, with WorkFailed."""
        while not self._slots.acquire(timeout=_TICK):
            if cancel is not None and cancel.is_set():
                raise WorkFailed(INTERRUPTED)
        try:
            if cancel is not None and cancel.is_set():
                raise WorkFailed(INTERRUPTED)
            worker = self._take()
            try:
                answer = worker.run(fn, args, limit, cancel)
            except (
                BaseException
            ):  # it overran, died, or we were interrupted: it may be mid-page, never reuse it
                self._discard(worker)
                raise
            self._give_back(worker)
            return answer
        finally:
            self._slots.release()

    def warm(self) -> None:
        """Start the fork server and one worker in the background, while the first pages are fetched."""

        def start() -> None:
            if not self._slots.acquire(blocking=False):
                return  # calls are under way: they start workers themselves
            try:
                self._give_back(self._take())
            except Exception:  # noqa: BLE001 - WorkFailed, or a fork server killed at exit mid-start (EOFError)
                pass  # the first call will say why
            finally:
                self._slots.release()

        threading.Thread(target=start, name="civicheck-warm", daemon=True).start()

    def retire(self) -> None:
        """End the idle workers and keep the pool open (calls start new ones)."""
        with self._lock:
            workers, self._idle = self._idle, []
        for worker in workers:
            worker.kill()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers, self._idle = self._idle + list(self._busy), []
            self._busy = set()
        for worker in workers:
            worker.kill()

    def _take(self) -> _Worker:
        with self._lock:
            if self._closed:
                raise WorkFailed("the worker pool is closed")
            while self._idle:
                worker = self._idle.pop()
                if worker.alive():
                    self._busy.add(worker)
                    return worker
                worker.kill()
        worker = _Worker.start(self._context, self.memory_limit)  # outside the lock: a fork server may start
        with self._lock:
            self.started += 1
            self._busy.add(worker)
        return worker

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            self._busy.discard(worker)
            if self._closed:
                worker.kill()
            else:
                self._idle.append(worker)

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._busy.discard(worker)


class _Worker:
    """One worker process and the pipe to it."""

    def __init__(self, process: Any, conn: Any):
        self.process = process
        self.conn = conn

    @classmethod
    def start(cls, context: Any, memory_limit: int | None = None) -> _Worker:
        parent, child = context.Pipe()
        process = context.Process(
            target=_serve, args=(child, memory_limit), name="civicheck-worker", daemon=True
        )
        try:
            process.start()
        except (OSError, RuntimeError) as exc:  # no fork server (a sandbox), no processes left...
            raise NoWorker(f"no worker process could be started ({type(exc).__name__}: {exc})") from exc
        finally:
            child.close()
        return cls(process, parent)

    def alive(self) -> bool:
        return self.process.is_alive()

    def run(
        self, fn: Callable[..., Any], args: tuple[Any, ...], limit: float, cancel: threading.Event | None
    ) -> Answer:
        deadline = time.monotonic() + limit
        try:
            self.conn.send((fn, args))
            while not self.conn.poll(min(max(0.0, deadline - time.monotonic()), _TICK)):
                if cancel is not None and cancel.is_set():
                    raise WorkFailed(INTERRUPTED)
                if time.monotonic() >= deadline:
                    raise WorkFailed(f"it took longer than {limit:.3g} s", timed_out=True)
            status, value, logs = self.conn.recv()
        except (EOFError, OSError) as exc:  # the worker died: killed by the system, a crash in C code...
            raise WorkFailed(f"the process reading it stopped ({self._death()})") from exc
        if status != "ok":
            raise WorkFailed(value)
        return Answer(value, logs)

    def _death(self) -> str:
        self.process.join(timeout=1.0)
        code = self.process.exitcode
        if code is None:
            return "no answer"
        if code < 0:
            import signal

            try:
                return f"killed by {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        return f"exit code {code}"

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5.0)
        self.conn.close()


# --- inside a worker ---------------------------------------------------------------------------------------


class _Collect(logging.Handler):
    """Keeps what the libraries log during one call, to send it back to the caller."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.records.append((record.name, record.levelno, record.getMessage()))
        except Exception:  # noqa: BLE001 - a malformed log call must not lose the answer
            self.records.append((record.name, record.levelno, str(record.msg)))


def _serve(conn: Any, memory_limit: int | None = None) -> None:
    """A worker's loop: receive (fn, args), answer ("ok", value, logs) or ("error", reason, logs)."""
    import warnings

    from civicheck.memory import limit_address_space, return_freed_memory

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the caller's to handle: it kills what it must
    return_freed_memory()  # a worker reads page after page: one huge page must not keep it large
    if memory_limit:
        limit_address_space(memory_limit)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # a library printing (or C code writing to fd 2) must not reach the terminal
    os.dup2(devnull, 2)
    collect = _Collect()
    root = logging.getLogger()
    root.handlers[:] = [collect]
    root.setLevel(logging.WARNING)
    logging.captureWarnings(
        True
    )  # warnings.warn (BeautifulSoup's XMLParsedAsHTMLWarning...) become log records
    warnings.simplefilter("default")
    while True:
        try:
            fn, args = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        collect.records = []
        try:
            answer: tuple[str, Any, list[tuple[str, int, str]]] = ("ok", fn(*args), collect.records)
        except BaseException as exc:  # noqa: BLE001 - the caller decides; the worker stays usable
            answer = ("error", f"{type(exc).__name__}: {exc}", collect.records)
        try:
            conn.send(answer)
        except (EOFError, OSError):
            return
        except Exception as exc:  # noqa: BLE001 - an answer that cannot be pickled
            conn.send(
                ("error", f"the answer could not be sent back ({type(exc).__name__}: {exc})", collect.records)
            )


_shared: dict[int, WorkerPool] = {}  # jobs -> the pool of that many workers
_shared_lock = threading.Lock()


def shared_pool(
    preload: tuple[str, ...] = (), memory_limit: int | None = None, jobs: int | None = None
) -> WorkerPool:
    """The process's pool of `jobs` workers (default: one per core); its workers outlive a run, so the next
    run of the same process starts none. The first caller's other settings hold."""
    jobs = jobs or default_jobs()
    with _shared_lock:
        if not _shared:
            atexit.register(_shut_down)
        if jobs not in _shared:
            _shared[jobs] = WorkerPool(jobs=jobs, preload=preload, memory_limit=memory_limit)
        return _shared[jobs]


def _shut_down() -> None:
    """At exit: kill the workers of every pool, then the fork server, and reap it, so that nothing of this
    process outlives it (the fork server would notice our exit and stop by itself, a moment later). All
    workers first: the fork server does not end while workers it forked (another pool's) are alive."""
    with _shared_lock:
        pools = list(_shared.values())
    for pool in pools:
        pool.close()
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    stop = getattr(server, "_stop", None)  # private, but in every 3.x since 3.8
    # Killed rather than waited for: started with the run, it may still be importing its libraries (most of a
    # second) when a claims file turns out wrong, and it holds nothing worth finishing. Its lock is held while
    # another thread spawns it (the warm-up): a moment, after which its pid is known.
    lock = getattr(server, "_lock", None)
    if lock is not None and lock.acquire(timeout=1):
        try:
            pid = getattr(server, "_forkserver_pid", None)
            if pid is not None:
                os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
        finally:
            lock.release()
    if stop is not None:
        try:
            stop()
        except OSError:
            pass
