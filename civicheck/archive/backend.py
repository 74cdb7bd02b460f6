"""What every web archive civicheck can use provides. A Backend (one per kind of archive: wayback, pywb) declares
its name and how its --archive spec is written, and makes the clients: an Archive that captures URLs (each
capture an ArchiveRecord, never an exception) and a CdxClient that looks captures up (for `timeline`, the HTML
report's charts, and a dead source's last good copy). The registry (registry.py) lists the backends.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import SplitResult, urlsplit

from civicheck.archive.cdx import CdxClient
from civicheck.clock import now_utc
from civicheck.errors import CaptureFailed, UsageProblem


@dataclass
class ArchiveRecord:
    """What asking an archive to capture one URL gave: the capture's URL, or the reason there is none."""

    url: str  # as cited
    archive: str  # "wayback" or "pywb"
    capture_url: str | None = None  # the archived copy (of the final URL after redirects)
    timestamp: str | None = None  # YYYYMMDDhhmmss of that capture
    reason: str | None = None  # why there is no capture_url: a sentence a reporter can paste
    note: str | None = None  # something worth knowing about a capture ("captured 3 minutes ago already")
    status_ext: str | None = None  # SPN2's error code, e.g. "error:not-found"
    job_id: str | None = None  # SPN2's job, to look it up later
    requested_at: str = ""
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return self.capture_url is not None

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class Archive(Protocol):
    """What the CLI and runner use: capture URLs, and look captures up (`cdx`)."""

    name: str
    cdx: CdxClient

    def capture(self, url: str) -> ArchiveRecord: ...

    def capture_many(self, urls: Sequence[str], workers: int = 4) -> list[ArchiveRecord]: ...


def capture_each(
    capture: Callable[[str], ArchiveRecord], urls: Sequence[str], workers: int
) -> list[ArchiveRecord]:
    """`capture` applied to every URL, a few in flight at once, the records in the order of `urls`.

    Daemon threads rather than a ThreadPoolExecutor, whose threads the interpreter joins at exit: a capture
    waiting a minute for its turn under a rate limit must not hold the process open after Ctrl-C.
    """
    if not urls:
        return []
    records: list[ArchiveRecord | None] = [None] * len(urls)
    failures: list[BaseException] = []
    todo = iter(enumerate(urls))
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                index, url = next(todo, (-1, ""))
            if index < 0:
                return
            try:
                records[index] = capture(url)
            except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread, as pool.map would
                failures.append(exc)
                return

    threads = [
        threading.Thread(target=work, name="civicheck-capture", daemon=True)
        for _ in range(max(1, min(workers, len(urls))))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return [record for record in records if record is not None]


class Backend(Protocol):
    """One kind of web archive, as the registry knows it."""

    name: str  # what an --archive spec starts with ("pywb=..."), and what reports call its captures
    usage: str  # how its spec is written, as the error listing every kind shows it

    def location(self, where: str, spec: str) -> str:
        """The archive's address from the spec's part after "=" ("" when there is none), checked and normalised;
        UsageProblem (naming the whole `spec`) when it cannot be used."""
        ...

    def archive(self, location: str, env: Mapping[str, str] | None = None, **kwargs: Any) -> Archive:
        """A client that captures URLs (and whose `cdx` looks them up), with keys from `env` if it needs any."""
        ...

    def cdx(self, location: str, **kwargs: Any) -> CdxClient:
        """A client for look-ups only (no keys needed)."""
        ...


def capture_safely(
    url: str,
    archive: str,
    attempt: Callable[[ArchiveRecord], None],
    clock: Callable[[], float] = time.monotonic,
) -> ArchiveRecord:
    """The record of one capture of `url`: `attempt` fills it in, and whatever it raises becomes its `reason`
    (CaptureFailed says why; anything else is unexpected), so that archiving never breaks a run."""
    record = ArchiveRecord(url=url, archive=archive, requested_at=now_utc())
    started = clock()
    try:
        attempt(record)
    except CaptureFailed as failed:
        record.reason, record.status_ext = failed.reason, failed.status_ext
    except Exception as exc:  # noqa: BLE001 - archiving must never break a run
        record.reason = f"archiving failed unexpectedly ({type(exc).__name__}: {short(exc)})"
    record.elapsed = clock() - started
    return record


def short(text: Any, limit: int = 300) -> str:
    """Archive-supplied text, bounded; the report escapes it (it is untrusted like any fetched text)."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_http_url(url: str, spec: str) -> SplitResult:
    """The parts of an archive's http(s) URL from an --archive `spec`; UsageProblem when it is not one."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageProblem(f"--archive {spec}: {url!r} is not an http(s) URL")
    return parts
