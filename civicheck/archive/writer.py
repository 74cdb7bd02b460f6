"""A run's fetches kept as one gzipped WARC file, written atomically from many threads: every response (each
redirect hop too) and request as sent and received, civicheck's conclusions as metadata, the canary's answers.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import json
import os
import re
import threading
from collections.abc import Iterable
from enum import Enum
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from civicheck import __version__
from civicheck.archive.warc import (
    ARCHIVED_COPY_URI,
    BODY_IN_CONVERSION,
    BODY_IS_DECODED_PAYLOAD,
    BODY_IS_PAYLOAD,
    CANARY_SCHEMA,
    CANARY_URI,
    COPY_SCHEMA,
    END_SCHEMA,
    END_URI,
    FETCH_SCHEMA,
    decoded_payload,
    fetch_uri,
    parse_time,
    reason_of,
    snapshot_reference,
)
from civicheck.clock import now_utc
from civicheck.credentials import redact_headers
from civicheck.errors import WarcNotWritten
from civicheck.fetch import ErrorKind, FetchResult

try:
    import fcntl
except ImportError:  # Windows: no advisory locks, so stale temporary files are left alone there
    fcntl = None  # type: ignore[assignment]

_SUFFIX = ".warc.gz"
_TEMP_SUFFIX = ".part"  # a crashed run's leftover never matches *.warc.gz
_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")
_URI_UNSAFE = re.compile(r"[\x00-\x20\x7f]")


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
        self._append(_json_record_bytes(CANARY_URI, doc, asked_at))

    def write_archived_copy(self, url: str, decision: dict[str, Any]) -> None:
        """Archive which archived copy stood in for a dead source (or why none could), so that replay uses the
        same copy; the copy's own bytes are archived like any fetch, under its replay URL."""
        doc = {"schema": COPY_SCHEMA, "url": url, **decision, "decided_at": now_utc()}
        self._append(_json_record_bytes(ARCHIVED_COPY_URI, doc, doc["decided_at"]))

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
                self._file.write(_json_record_bytes(END_URI, doc, closed_at))
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
        from warcio.warcwriter import WARCWriter

        info = {
            "software": f"civicheck/{__version__}",
            "format": "WARC File Format 1.0",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.0/",
            "run-id": self.run_id,
            "started-at": self.started_at,
        }
        # warc-fields are "name: value" lines: no line breaks inside, no colon in a name.
        info.update({_one_line(str(k)).replace(":", "_"): _one_line(str(v)) for k, v in extra.items()})
        buffer = io.BytesIO()
        warc = WARCWriter(buffer, gzip=True)
        record = warc.create_warcinfo_record(self.path.name, info)
        record.rec_headers.replace_header("WARC-Date", _warc_date(self.started_at))
        warc.write_record(record)
        return buffer.getvalue()

    def _records(self, result: FetchResult) -> tuple[bytes, str]:
        """The gzipped records of one fetch, and its snapshot reference."""
        from warcio.warcwriter import WARCWriter

        # Credentials are never archived, whoever made the FetchResult (a Fetcher redacts its own already).
        result = dataclasses.replace(
            result,
            headers=redact_headers(result.headers),
            request_headers=redact_headers(result.request_headers),
            hops=[
                dataclasses.replace(
                    hop,
                    headers=redact_headers(hop.headers),
                    request_headers=redact_headers(hop.request_headers),
                )
                for hop in result.hops
            ],
        )

        buffer = io.BytesIO()
        warc = WARCWriter(buffer, gzip=True)
        date = _warc_date(result.fetched_at)
        doc: dict[str, Any] = {"schema": FETCH_SCHEMA, **_result_fields(result)}
        doc.update(
            sha256=result.sha256,
            body_length=len(result.body),
            response_record=None,
            body_record=None,
            body_from=None,
            redirect_records=[],
        )
        # Each redirect answer is a response of its own, under the URL that gave it: a replay tool asked for the
        # cited URL answers its 3xx and Location, and so on down the chain, as the site did.
        for hop in result.hops:
            response = _response_record(
                warc,
                hop.url,
                f"{hop.status} {hop.reason}",
                hop.headers,
                hop.http_version,
                hop.raw_body,
                date,
                "length" if hop.truncated else None,
            )
            warc.write_request_response_pair(
                _request_record(warc, hop.url, hop.request_headers, date), response
            )
            doc["redirect_records"].append(response.rec_headers.get_header("WARC-Record-ID"))
        metadata_headers = {"WARC-Date": date}
        if result.status is not None:
            response = _response_record(
                warc,
                result.final_url,
                f"{result.status} {result.reason}",
                result.headers,
                result.http_version,
                result.raw_body,
                date,
                _truncation(result),
            )
            request = _request_record(warc, result.final_url, result.request_headers, date)
            warc.write_request_response_pair(request, response)  # also links them (WARC-Concurrent-To)
            response_id = response.rec_headers.get_header("WARC-Record-ID")
            doc["response_record"] = metadata_headers["WARC-Concurrent-To"] = response_id
            doc["body_from"] = _body_source(result, response.http_headers)
            if result.status == 304 and result.revisit_of:
                warc.write_record(_revisit_record(warc, result, date, response_id))
            if doc["body_from"] == BODY_IN_CONVERSION:
                conversion = _conversion_record(warc, result, date, response_id)
                warc.write_record(conversion)
                doc["body_record"] = conversion.rec_headers.get_header("WARC-Record-ID")
        metadata = _json_record(warc, fetch_uri(result.url), doc, metadata_headers)
        warc.write_record(metadata)
        record_id = doc["response_record"] or metadata.rec_headers.get_header("WARC-Record-ID")
        return buffer.getvalue(), snapshot_reference(self.path.name, record_id)

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
            return os.fdopen(fd, "wb")
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            if os.path.samestat(os.fstat(fd), os.stat(path)):
                return os.fdopen(fd, "wb")
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


def _response_record(
    warc: Any,
    url: str,
    status_line: str,
    headers: list[tuple[str, str]],
    http_version: str,
    payload: bytes,
    date: str,
    truncated: str | None,
) -> Any:
    http_headers = _wire_headers_class()(
        _one_line(status_line.strip()), _archived_headers(headers), protocol=http_version or "HTTP/1.1"
    )
    warc_headers = {"WARC-Date": date}
    if truncated:
        warc_headers["WARC-Truncated"] = truncated
    return warc.create_warc_record(
        _safe_uri(url),
        "response",
        payload=io.BytesIO(payload),
        length=len(payload),
        warc_headers_dict=warc_headers,
        http_headers=http_headers,
    )


def _request_record(warc: Any, url: str, request_headers: list[tuple[str, str]], date: str) -> Any:
    parts = urlsplit(url)
    target = _safe_uri((parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
    # urllib3 always speaks HTTP/1.1, whatever version the server answers with.
    http_headers = _wire_headers_class()(
        f"GET {target} HTTP/1.1", _archived_headers(request_headers), is_http_request=True
    )
    return warc.create_warc_record(
        _safe_uri(url), "request", http_headers=http_headers, warc_headers_dict={"WARC-Date": date}
    )


# WARC 1.0 section 8.3.2 (1.1: 6.7.3): a revisit whose server said "not modified"; the file is WARC/1.0.
SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.0/revisit/server-not-modified"


def _revisit_record(warc: Any, result: FetchResult, date: str, response_id: str) -> Any:
    """A 304 answered to our conditional request, as WARC readers expect it: a `revisit` record (the 304's
    headers, no payload) naming the earlier capture whose body still stands, so that Wayback or pywb replay
    that body for this date; the 304 itself stays in its `response` record, never turned into a 200."""
    _, _, record_id = result.revisit_of.partition("#")
    status_line = _one_line(f"{result.status} {result.reason}".strip())
    http_headers = _wire_headers_class()(
        status_line, _archived_headers(result.headers), protocol=result.http_version or "HTTP/1.1"
    )
    headers = {
        "WARC-Date": date,
        "WARC-Profile": SERVER_NOT_MODIFIED,
        "WARC-Concurrent-To": response_id,
        "WARC-Refers-To-Target-URI": _safe_uri(result.final_url),
    }
    if record_id:
        headers["WARC-Refers-To"] = _one_line(record_id)
    if result.unchanged_since:
        headers["WARC-Refers-To-Date"] = _warc_date(result.unchanged_since)
    return warc.create_warc_record(
        _safe_uri(result.final_url),
        "revisit",
        payload=io.BytesIO(b""),
        length=0,
        warc_headers_dict=headers,
        http_headers=http_headers,
    )


def _conversion_record(warc: Any, result: FetchResult, date: str, response_id: str) -> Any:
    content_type = _one_line(result.header("content-type") or "") or "application/octet-stream"
    return warc.create_warc_record(
        _safe_uri(result.final_url),
        "conversion",
        payload=io.BytesIO(result.body),
        length=len(result.body),
        warc_content_type=content_type,
        warc_headers_dict={"WARC-Date": date, "WARC-Refers-To": response_id},
    )


def _json_record(warc: Any, uri: str, doc: dict, warc_headers: dict[str, str]) -> Any:
    # ASCII JSON: any string survives (even lone surrogates), and every tool can read the record.
    payload = json.dumps(doc, ensure_ascii=True, default=str).encode("ascii")
    return warc.create_warc_record(
        _safe_uri(uri),
        "metadata",
        payload=io.BytesIO(payload),
        length=len(payload),
        warc_content_type="application/json",
        warc_headers_dict=warc_headers,
    )


def _json_record_bytes(uri: str, doc: dict, date: str) -> bytes:
    from warcio.warcwriter import WARCWriter

    buffer = io.BytesIO()
    warc = WARCWriter(buffer, gzip=True)
    warc.write_record(_json_record(warc, uri, doc, {"WARC-Date": date}))
    return buffer.getvalue()


def _archived_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    # The payload we hold was de-chunked by http.client: a stored "Transfer-Encoding: chunked" would make
    # every WARC reader (warcio, pywb) try to de-chunk it again and misparse it. The header itself is kept
    # in the metadata record, so replay still gives the headers exactly as received.
    return [(_one_line(k), _one_line(v)) for k, v in headers if k.strip().lower() != "transfer-encoding"]


def _truncation(result: FetchResult) -> str | None:
    """WARC-Truncated for a payload we did not read whole (the spec's reasons: length, time, disconnect)."""
    if result.error is ErrorKind.TOO_LARGE:
        return "length"
    if result.error is ErrorKind.TIMEOUT:
        return "time"
    return None


def _body_source(result: FetchResult, http_headers: Any) -> str:
    """How replay gets FetchResult.body back bit for bit: the payload itself, warcio's decoding of it, or a
    conversion record. Only a body read whole and cleanly is trusted to decode the same way twice: the fetcher
    keeps whatever it decoded before a size cap or a corrupt stream stopped it, which depends on how the
    bytes arrived off the network."""
    if result.body == result.raw_body:
        return BODY_IS_PAYLOAD
    if result.error is None and decoded_payload(result.raw_body, http_headers) == result.body:
        return BODY_IS_DECODED_PAYLOAD
    return BODY_IN_CONVERSION


@functools.cache
def _wire_headers_class() -> type:
    from warcio.statusandheaders import StatusAndHeaders

    class WireHeaders(StatusAndHeaders):
        """HTTP headers stored as the bytes that came off the wire. warcio would %-encode non-ASCII values;
        http.client decoded them as latin-1, so encoding back to latin-1 gives exactly what the server sent."""

        def compute_headers_buffer(self, header_filter: Any = None) -> None:
            lines = [f"{self.protocol} {self.statusline}".strip(), *(f"{k}: {v}" for k, v in self.headers)]
            self.headers_buff = b"".join(_wire_bytes(line) + b"\r\n" for line in lines) + b"\r\n"

    return WireHeaders


def _wire_bytes(line: str) -> bytes:
    try:
        return line.encode("latin-1")
    except UnicodeEncodeError:  # not from http.client: store it as UTF-8 rather than fail
        return line.encode("utf-8")


def _result_fields(result: FetchResult) -> dict[str, Any]:
    """Every FetchResult field but the bodies and the redirect answers (archived as responses of their own),
    JSON-ready: a field added to FetchResult later is kept too."""
    return {
        f.name: _jsonable(getattr(result, f.name))
        for f in dataclasses.fields(result)
        if f.name not in ("body", "raw_body", "hops")
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def _warc_date(value: str) -> str:
    """WARC/1.0's WARC-Date (second precision, UTC) for an ISO time; now, if it is not one."""
    try:
        return parse_time(value).strftime("%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return now_utc()


def _one_line(text: str) -> str:
    """No line breaks: one would end a header early and let the rest pose as headers of its own."""
    return _LINE_BREAKS.sub(" ", text)


def _safe_uri(uri: str) -> str:
    """A URI fit for a WARC header line: spaces and control characters %-encoded."""
    return _URI_UNSAFE.sub(lambda m: f"%{ord(m.group()):02X}", uri)
