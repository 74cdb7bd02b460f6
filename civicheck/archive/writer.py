"""A run's fetches kept as one gzipped WARC file, written atomically from many threads: every response (each
redirect hop too) and request as sent and received, civicheck's conclusions as metadata, the canary's answers.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from typing import IO, Any

from civicheck import __version__
from civicheck.archive.records import (
    body_source,
    conversion_record,
    json_record,
    json_record_bytes,
    one_line,
    request_record,
    response_head,
    response_record,
    result_fields,
    revisit_record,
    truncation,
    warc_date,
    warcinfo_record,
)
from civicheck.archive.warc import (
    ARCHIVED_COPY_URI,
    BODY_IN_CONVERSION,
    CANARY_SCHEMA,
    CANARY_URI,
    COPY_SCHEMA,
    END_SCHEMA,
    END_URI,
    FETCH_SCHEMA,
    fetch_uri,
    reason_of,
    snapshot_reference,
)
from civicheck.clock import now_utc
from civicheck.credentials import redact_headers
from civicheck.errors import WarcNotWritten
from civicheck.fetch import FetchResult

try:
    import fcntl
except ImportError:  # Windows: no advisory locks, so stale temporary files are left alone there
    fcntl = None  # type: ignore[assignment]

_SUFFIX = ".warc.gz"
_TEMP_SUFFIX = ".part"  # a crashed run's leftover never matches *.warc.gz
# Records are appended under a lock, a 304's four in 2 kB: a 1 MB buffer writes them out a few hundred at a
# time, not every fourth fetch. Nothing is lost by it: the file is published only once close() flushed it.
_BUFFER = 1 << 20
_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")


class WarcWriter:
    """Archives one run: `write()` each FetchResult as it arrives (from any thread), `close()` at the end.

    What a file holds (each record its own gzip member, WARC/1.0, readable by any WARC tool):

    * `warcinfo` first: civicheck's version, the run id, the run's start time, whatever the caller adds;
    * per redirect a fetch followed: a `response` (the 3xx status line, its headers with Location, its body up
      to a small cap) and a `request`, with WARC-Target-URI = the URL that redirected: so pywb, given the file,
      replays a redirected cited URL as its chain of hops;
    * per fetch that got an HTTP answer: `response` (the final answer's status line, headers and payload as
      they came off the wire, Content-Encoding still applied) and `request` (what we sent), both with
      WARC-Target-URI = the final URL and WARC-Date = the fetch time; then, only when the decoded body cannot
      be re-derived from the payload (cut at the size cap, corrupt or unusual compression), a `conversion`
      record holding the body exactly as civicheck read it, so that replay always gives the same SHA-256;
    * per fetch, always: a `metadata` record (WARC-Target-URI = `urn:civicheck:fetch:` + the URL as cited,
      application/json; see warc.FETCH_URI_PREFIX for why not the URL itself) with what civicheck concluded:
      status, error kind, detail, redirects and their records, attempts, headers... When nothing answered
      (DNS, refused, timeout) it is the only record: the archived evidence of the failure;
    * every answer of the canary (asked when a failure could be our own network's, and while fetches stall):
      a `metadata` record for `urn:civicheck:canary` each, with when it was asked and answered, so that a
      replay rebuilds the run's outages; each fetch's own record says what the canary said when it failed;
    * last, written by close(): a `metadata` record for `urn:civicheck:end` counting the fetches, so that
      replay can tell a complete file from one cut at a record boundary.

    The records go to a hidden temporary file beside the final one; `close()` fsyncs it and renames it to
    `civicheck-<run id>.warc.gz`, so a crash or Ctrl-C leaves a complete archive or none. Leftovers of runs
    that were killed (SIGKILL, power loss) are deleted by the next WarcWriter opened in the same folder,
    once an advisory lock shows that no process is writing them any more (POSIX only; elsewhere they stay).
    """

    def __init__(self, directory: Path, run_id: str, started_at: str, extra_info: dict | None = None):
        if not _RUN_ID.match(run_id):
            raise ValueError(f"a run id may only hold letters, digits, '.', '_' and '-': {run_id!r}")
        self.directory = Path(directory)
        self.run_id = run_id
        self.started_at = started_at
        self.path = self.directory / f"civicheck-{run_id}{_SUFFIX}"
        self._temp = self.directory / f".{self.path.name}{_TEMP_SUFFIX}"
        self._lock = threading.Lock()
        self._file: IO[bytes] | None = None
        self._published = False
        self._failure: str | None = None  # a write failed part-way: the file must never be published
        self._fetches = 0
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            remove_stale_temporaries(self.directory)
            self._file = _create_locked(self._temp)
            self._file.write(self._warcinfo(extra_info or {}))
        except OSError as exc:
            self._discard()
            raise WarcNotWritten(
                f"cannot create a WARC archive in {self.directory}: {reason_of(exc)}"
            ) from exc

    def __enter__(self) -> WarcWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        if exc_type is not None:
            self.abort()  # an interrupted run's evidence is incomplete: keep none rather than half
        else:
            self.close()

    def write(self, result: FetchResult) -> str:
        """Archive one fetch; returns its snapshot reference (the response record, else the metadata record)."""
        data, reference = self._records(result)  # gzip outside the lock: threads compress in parallel
        self._append(data, fetches=1)
        return reference

    def write_canary(
        self,
        online: bool,
        detail: str,
        asked_at: str | None = None,
        answered_at: str | None = None,
        since: str | None = None,
    ) -> None:
        """Archive one answer of the canary (network.CanaryAnswer.as_record()), so that replay names the same
        outages and decides failures nobody judged at the time the same way."""
        asked_at = asked_at or now_utc()
        doc = {
            "schema": CANARY_SCHEMA,
            "online": bool(online),
            "detail": str(detail),
            "asked_at": asked_at,
            "answered_at": answered_at or asked_at,
            "since": since,
        }
        self._append(json_record_bytes(CANARY_URI, doc, asked_at))

    def write_archived_copy(self, url: str, decision: dict[str, Any]) -> None:
        """Archive which archived copy stood in for a dead source (or why none could), so that replay uses the
        same copy; the copy's own bytes are archived like any fetch, under its replay URL."""
        doc = {"schema": COPY_SCHEMA, "url": url, **decision, "decided_at": now_utc()}
        self._append(json_record_bytes(ARCHIVED_COPY_URI, doc, doc["decided_at"]))

    def close(self) -> Path:
        """Flush, fsync and rename the archive into place; returns its path. Calling it again does nothing."""
        with self._lock:
            if self._published:
                return self.path
            if self._file is None:
                raise WarcNotWritten(f"the WARC archive {self.path.name} was abandoned and cannot be closed")
            if self._failure is not None:
                self._discard()
                raise WarcNotWritten(f"the WARC archive {self.path.name} was not kept: {self._failure}")
            try:
                closed_at = now_utc()
                doc = {
                    "schema": END_SCHEMA,
                    "run_id": self.run_id,
                    "fetches": self._fetches,
                    "closed_at": closed_at,
                }
                self._file.write(json_record_bytes(END_URI, doc, closed_at))
                self._file.flush()
                os.fsync(self._file.fileno())
                if fcntl is not None:
                    # Rename while still holding the lock: once unlocked, another run may take the file for
                    # a crashed run's leftover.
                    os.replace(self._temp, self.path)
                    self._file.close()
                else:
                    self._file.close()  # Windows cannot rename an open file
                    os.replace(self._temp, self.path)
            except OSError as exc:
                self._discard()
                raise WarcNotWritten(f"cannot write the WARC archive {self.path}: {reason_of(exc)}") from exc
            self._file = None
            self._published = True
            _fsync_directory(self.directory)
            return self.path

    def abort(self) -> None:
        """Remove the temporary file: nothing of this run is kept. A no-op after close()."""
        with self._lock:
            if not self._published:
                self._discard()

    # -- records --

    def _append(self, data: bytes, fetches: int = 0) -> None:
        with self._lock:
            if self._file is None:
                state = "closed" if self._published else "abandoned"
                raise WarcNotWritten(f"the WARC archive {self.path.name} is already {state}")
            if self._failure is not None:
                raise WarcNotWritten(f"the WARC archive {self.path.name} was not kept: {self._failure}")
            try:
                self._file.write(data)
                self._fetches += fetches
            except OSError as exc:
                # Part of a gzip member may be on disk now: every later record would follow garbage.
                self._failure = f"writing to {self._temp} failed: {reason_of(exc)}"
                raise WarcNotWritten(f"cannot write the WARC archive {self.path}: {reason_of(exc)}") from exc

    def _warcinfo(self, extra: dict) -> bytes:
        info = {
            "software": f"civicheck/{__version__}",
            "format": "WARC File Format 1.0",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.0/",
            "run-id": self.run_id,
            "started-at": self.started_at,
        }
        # warc-fields are "name: value" lines: no line breaks inside, no colon in a name.
        info.update({one_line(str(k)).replace(":", "_"): one_line(str(v)) for k, v in extra.items()})
        return warcinfo_record(self.path.name, warc_date(self.started_at), info)

    def _records(self, result: FetchResult) -> tuple[bytes, str]:
        """The gzipped records of one fetch, and its snapshot reference."""
        # Credentials are never archived, whoever made the FetchResult (a Fetcher redacts its own already).
        headers = redact_headers(result.headers)
        request_headers = redact_headers(result.request_headers)
        date = warc_date(result.fetched_at)
        doc: dict[str, Any] = {
            "schema": FETCH_SCHEMA,
            **result_fields(result, headers=headers, request_headers=request_headers),
        }
        doc.update(
            sha256=result.sha256,
            body_length=len(result.body),
            response_record=None,
            body_record=None,
            body_from=None,
            redirect_records=[],
        )
        members = []
        # Each redirect answer is a response of its own, under the URL that gave it: a replay tool asked for the
        # cited URL answers its 3xx and Location, and so on down the chain, as the site did.
        for hop in result.hops:
            hop_head = response_head(
                f"{hop.status} {hop.reason}", redact_headers(hop.headers), hop.http_version
            )
            truncated = "length" if hop.truncated else None
            response = response_record(hop.url, hop_head, hop.raw_body, date, truncated)
            request = request_record(hop.url, redact_headers(hop.request_headers), date, response.id)
            members += [response.data, request.data]
            doc["redirect_records"].append(response.id)
        metadata_headers = [("WARC-Date", date)]
        if result.status is not None:
            status_line = f"{result.status} {result.reason}"
            http_head = response_head(status_line, headers, result.http_version)
            response = response_record(result.final_url, http_head, result.raw_body, date, truncation(result))
            request = request_record(result.final_url, request_headers, date, response.id)
            members += [response.data, request.data]
            doc["response_record"] = response.id
            metadata_headers.append(("WARC-Concurrent-To", response.id))
            doc["body_from"] = body_source(result, headers)
            if result.status == 304 and result.revisit_of:
                members.append(revisit_record(result, http_head, date, response.id).data)
            if doc["body_from"] == BODY_IN_CONVERSION:
                conversion = conversion_record(result, date, response.id)
                members.append(conversion.data)
                doc["body_record"] = conversion.id
        metadata = json_record(fetch_uri(result.url), doc, metadata_headers)
        members.append(metadata.data)
        return b"".join(members), snapshot_reference(self.path.name, doc["response_record"] or metadata.id)

    def _discard(self) -> None:
        if self._file is not None:
            try:
                self._file.close()
            except OSError:
                pass
            self._file = None
        try:
            self._temp.unlink()
        except (
            OSError
        ):  # already gone; or a leftover the next run removes: never mask the error that got us here
            pass


def remove_stale_temporaries(directory: Path) -> list[Path]:
    """Delete temporary archives of runs that died (their writer's lock is free); returns what was deleted."""
    if fcntl is None:
        return []
    removed = []
    for temp in Path(directory).glob(f".civicheck-*{_SUFFIX}{_TEMP_SUFFIX}"):
        try:
            fd = os.open(temp, os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            # Still the same file? Its writer may have renamed it into place between our open and our lock.
            if os.path.samestat(os.fstat(fd), os.stat(temp)):
                temp.unlink()
                removed.append(temp)
        except OSError:  # locked: a live run is writing it; or it was renamed or removed meanwhile
            pass
        finally:
            os.close(fd)
    return removed


def _create_locked(path: Path) -> IO[bytes]:
    """Create `path` (never reusing an existing file) and hold an exclusive advisory lock on it."""
    for _ in range(3):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o644)
        if fcntl is None:
            return os.fdopen(fd, "wb", _BUFFER)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            if os.path.samestat(os.fstat(fd), os.stat(path)):
                return os.fdopen(fd, "wb", _BUFFER)
        except FileNotFoundError:
            pass
        # Another run's clean-up took it for a leftover between our open and our lock: start again.
        os.close(fd)
    raise OSError(f"{path} keeps disappearing while it is being created")


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable; some systems (Windows, some network file systems) cannot."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
