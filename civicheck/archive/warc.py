"""A run's fetches kept as one gzipped WARC file (written atomically, from many threads), and replay:
FetchResults re-created from such files with no network, so a run can be re-evaluated offline.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import io
import itertools
import json
import os
import re
import secrets
import threading
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from civicheck import __version__
from civicheck.clock import now_utc
from civicheck.credentials import redact_headers
from civicheck.errors import CivicheckError
from civicheck.fetch import ErrorKind, FetchResult

try:
    import fcntl
except ImportError:  # Windows: no advisory locks, so stale temporary files are left alone there
    fcntl = None  # type: ignore[assignment]

CANARY_URI = "urn:civicheck:canary"
NOT_ARCHIVED = "not in the replayed archive (replay fetches nothing)"
NO_CANARY_ANSWER = (
    "the replayed archive holds no connectivity answer: cannot tell whether the site or our own network failed"
)

_FETCH_SCHEMA = "civicheck-fetch/1"
_CANARY_SCHEMA = "civicheck-canary/1"
_END_SCHEMA = "civicheck-end/1"
_COPY_SCHEMA = "civicheck-archived-copy/1"
ARCHIVED_COPY_URI = "urn:civicheck:archived-copy"
_END_URI = "urn:civicheck:end"  # the last record: its absence shows a file that was cut or never finished
_SUFFIX = ".warc.gz"
_TEMP_SUFFIX = ".part"  # a crashed run's leftover never matches *.warc.gz
_GZIP_READ = 1 << 20
# The most replay reads of any one record, decompressed (civicheck's own records hold at most a 25 MB body plus
# headers): a 1.9 MB file can hold a gzip bomb of a 2 GB record, which must be skipped, never read.
MAX_RECORD_BYTES = 64_000_000
_HEAD_BYTES = 64 * 1024  # enough of a skipped record to name it (its WARC headers)
# Skipping a record still means inflating it to find where the next one starts (about 0.4 s per GB): past this
# many bytes skipped in one replay, the archive is refused instead (a 20 MB file can inflate to 20 GB).
MAX_SKIPPED_BYTES = 4_000_000_000
_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\Z")
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")
_URI_UNSAFE = re.compile(r"[\x00-\x20\x7f]")
# Where FetchResult.body comes from on replay.
_BODY_IS_PAYLOAD, _BODY_IS_DECODED_PAYLOAD, _BODY_IN_CONVERSION = "payload", "decoded-payload", "conversion"


class ArchiveError(CivicheckError):
    """A WARC archive cannot be written or read (not a WARC, damaged, disk full...)."""


def new_run_id(started_at: str) -> str:
    """'20261128T020000Z-1a2b3c' for a run started at 2026-11-28T02:00:00Z: sorts by time, unique by chance."""
    return f"{_parse_time(started_at).strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"


def snapshot_reference(file_name: str, record_id: str) -> str:
    """How a report names one archived record: 'civicheck-<run id>.warc.gz#<urn:uuid:...>'."""
    return f"{file_name}#{record_id}"


# --- Writing ----------------------------------------------------------------------------------------------


class WarcWriter:
    """Archives one run: `write()` each FetchResult as it arrives (from any thread), `close()` at the end.

    What a file holds (each record its own gzip member, WARC/1.0, readable by any WARC tool):

    * `warcinfo` first: civicheck's version, the run id, the run's start time, whatever the caller adds;
    * per fetch that got an HTTP answer: `response` (the final answer's status line, headers and payload as
      they came off the wire, Content-Encoding still applied) and `request` (what we sent), both with
      WARC-Target-URI = the final URL and WARC-Date = the fetch time; then, only when the decoded body cannot
      be re-derived from the payload (cut at the size cap, corrupt or unusual compression), a `conversion`
      record holding the body exactly as civicheck read it, so that replay always gives the same SHA-256;
    * per fetch, always: a `metadata` record (WARC-Target-URI = the URL as cited, application/json) with what
      civicheck concluded: status, error kind, detail, redirects, attempts, headers... When nothing answered
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
            raise ArchiveError(f"cannot create a WARC archive in {self.directory}: {_why(exc)}") from exc

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

    def write_canary(self, online: bool, detail: str, asked_at: str | None = None, answered_at: str | None = None,
                     since: str | None = None) -> None:
        """Archive one answer of the canary (network.CanaryAnswer.as_record()), so that replay names the same
        outages and decides failures nobody judged at the time the same way."""
        asked_at = asked_at or now_utc()
        doc = {"schema": _CANARY_SCHEMA, "online": bool(online), "detail": str(detail), "asked_at": asked_at,
               "answered_at": answered_at or asked_at, "since": since}
        self._append(_json_record_bytes(CANARY_URI, doc, asked_at))

    def write_archived_copy(self, url: str, decision: dict[str, Any]) -> None:
        """Archive which archived copy stood in for a dead source (or why none could), so that replay uses the
        same copy; the copy's own bytes are archived like any fetch, under its replay URL."""
        doc = {"schema": _COPY_SCHEMA, "url": url, **decision, "decided_at": now_utc()}
        self._append(_json_record_bytes(ARCHIVED_COPY_URI, doc, doc["decided_at"]))

    def close(self) -> Path:
        """Flush, fsync and rename the archive into place; returns its path. Calling it again does nothing."""
        with self._lock:
            if self._published:
                return self.path
            if self._file is None:
                raise ArchiveError(f"the WARC archive {self.path.name} was abandoned and cannot be closed")
            if self._failure is not None:
                self._discard()
                raise ArchiveError(f"the WARC archive {self.path.name} was not kept: {self._failure}")
            try:
                closed_at = now_utc()
                doc = {"schema": _END_SCHEMA, "run_id": self.run_id, "fetches": self._fetches, "closed_at": closed_at}
                self._file.write(_json_record_bytes(_END_URI, doc, closed_at))
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
                raise ArchiveError(f"cannot write the WARC archive {self.path}: {_why(exc)}") from exc
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
                raise ArchiveError(f"the WARC archive {self.path.name} is already {state}")
            if self._failure is not None:
                raise ArchiveError(f"the WARC archive {self.path.name} was not kept: {self._failure}")
            try:
                self._file.write(data)
                self._fetches += fetches
            except OSError as exc:
                # Part of a gzip member may be on disk now: every later record would follow garbage.
                self._failure = f"writing to {self._temp} failed: {_why(exc)}"
                raise ArchiveError(f"cannot write the WARC archive {self.path}: {_why(exc)}") from exc

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
        result = dataclasses.replace(result, headers=redact_headers(result.headers),
                                     request_headers=redact_headers(result.request_headers))

        buffer = io.BytesIO()
        warc = WARCWriter(buffer, gzip=True)
        date = _warc_date(result.fetched_at)
        doc: dict[str, Any] = {"schema": _FETCH_SCHEMA, **_result_fields(result)}
        doc.update(sha256=result.sha256, body_length=len(result.body), response_record=None, body_record=None,
                   body_from=None)
        metadata_headers = {"WARC-Date": date}
        if result.status is not None:
            response = _response_record(warc, result, date)
            request = _request_record(warc, result, date)
            warc.write_request_response_pair(request, response)  # also links them (WARC-Concurrent-To)
            response_id = response.rec_headers.get_header("WARC-Record-ID")
            doc["response_record"] = metadata_headers["WARC-Concurrent-To"] = response_id
            doc["body_from"] = _body_source(result, response.http_headers)
            if doc["body_from"] == _BODY_IN_CONVERSION:
                conversion = _conversion_record(warc, result, date, response_id)
                warc.write_record(conversion)
                doc["body_record"] = conversion.rec_headers.get_header("WARC-Record-ID")
        metadata = _json_record(warc, result.url, doc, metadata_headers)
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
        except OSError:  # already gone; or a leftover the next run removes: never mask the error that got us here
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


def _response_record(warc: Any, result: FetchResult, date: str) -> Any:
    status_line = _one_line(f"{result.status} {result.reason}".strip())
    http_headers = _wire_headers_class()(status_line, _archived_headers(result.headers),
                                         protocol=result.http_version or "HTTP/1.1")
    warc_headers = {"WARC-Date": date}
    truncated = _truncation(result)
    if truncated:
        warc_headers["WARC-Truncated"] = truncated
    return warc.create_warc_record(_safe_uri(result.final_url), "response", payload=io.BytesIO(result.raw_body),
                                   length=len(result.raw_body), warc_headers_dict=warc_headers,
                                   http_headers=http_headers)


def _request_record(warc: Any, result: FetchResult, date: str) -> Any:
    parts = urlsplit(result.final_url)
    target = _safe_uri((parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
    # urllib3 always speaks HTTP/1.1, whatever version the server answers with.
    http_headers = _wire_headers_class()(f"GET {target} HTTP/1.1", _archived_headers(result.request_headers),
                                         is_http_request=True)
    return warc.create_warc_record(_safe_uri(result.final_url), "request", http_headers=http_headers,
                                   warc_headers_dict={"WARC-Date": date})


def _conversion_record(warc: Any, result: FetchResult, date: str, response_id: str) -> Any:
    content_type = _one_line(result.header("content-type") or "") or "application/octet-stream"
    return warc.create_warc_record(_safe_uri(result.final_url), "conversion", payload=io.BytesIO(result.body),
                                   length=len(result.body), warc_content_type=content_type,
                                   warc_headers_dict={"WARC-Date": date, "WARC-Refers-To": response_id})


def _json_record(warc: Any, uri: str, doc: dict, warc_headers: dict[str, str]) -> Any:
    # ASCII JSON: any string survives (even lone surrogates), and every tool can read the record.
    payload = json.dumps(doc, ensure_ascii=True, default=str).encode("ascii")
    return warc.create_warc_record(_safe_uri(uri), "metadata", payload=io.BytesIO(payload), length=len(payload),
                                   warc_content_type="application/json", warc_headers_dict=warc_headers)


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
        return _BODY_IS_PAYLOAD
    if result.error is None and _decoded_payload(result.raw_body, http_headers) == result.body:
        return _BODY_IS_DECODED_PAYLOAD
    return _BODY_IN_CONVERSION


def _decoded_payload(raw: bytes, http_headers: Any, limit: int | None = None) -> bytes:
    """The payload with its Content-Encoding removed, exactly as warcio does it for any reader of the file;
    raises _TooLarge past `limit` bytes (a 1 MB gzip payload can decode to gigabytes)."""
    from warcio.recordloader import ArcWarcRecord

    record = ArcWarcRecord("warc", "response", None, io.BytesIO(raw), http_headers, None, len(raw))
    stream = record.content_stream()
    if limit is None:
        return stream.read()
    body = bytearray()
    while chunk := stream.read(_GZIP_READ):
        body += chunk
        if len(body) > limit:
            raise _TooLarge
    return bytes(body)


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
    """Every FetchResult field but the bodies, JSON-ready: a field added to FetchResult later is kept too."""
    return {f.name: _jsonable(getattr(result, f.name))
            for f in dataclasses.fields(result) if f.name not in ("body", "raw_body")}


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


# --- Replay -----------------------------------------------------------------------------------------------


@dataclass
class _Fetch:
    doc: dict[str, Any]
    path: Path
    metadata_id: str
    order: tuple[str, int, int]  # (fetched_at, file index, record index): the greatest wins


@dataclass(frozen=True)
class _Located:
    path: Path
    offset: int  # of the gzip member holding the record (of the record itself in an uncompressed file)
    inner: int = 0  # of the record inside that member (a member holding more than one record)


@dataclass(frozen=True)
class _Member:
    """One gzip member of a WARC file (one record, as civicheck and most tools write them), read within
    MAX_RECORD_BYTES: `data` is None when it holds more, and `head` keeps enough to name what was skipped."""

    offset: int
    size: int  # decompressed bytes
    data: bytes | None
    head: bytes


class WarcReplay:
    """FetchResults re-created from civicheck WARC files, so a run can be re-evaluated with no network.

    Stands in for a Fetcher (`fetch_all`, `fetch`). When several archives hold the same cited URL, the
    latest fetch wins (by fetched_at; on a tie, the file named last). Only civicheck's own metadata records
    say what a fetch concluded, so WARC files written by other tools contribute nothing.
    """

    def __init__(self, paths: Sequence[Path]):
        self.paths = [Path(p) for p in paths]
        if not self.paths:
            raise ArchiveError("no WARC file to replay")
        self._fetches: dict[str, _Fetch] = {}
        self._records: dict[str, _Located] = {}  # response and conversion records, by WARC-Record-ID
        self._canary: tuple[tuple[str, int, int], dict[str, Any]] | None = None
        self._canaries: list[tuple[int, dict[str, Any]]] = []  # every answer: (file index, record)
        self._copies: dict[str, dict[str, Any]] = {}  # cited url -> the archived-copy decision of the live run
        # Records too large to read: why, by record id (a body) and by target URI (a fetch's metadata).
        self._skipped_records: dict[str, str] = {}
        self._skipped_fetches: dict[str, str] = {}
        self.skipped: list[str] = []  # every record left unread, and why, for the user
        self._skip_budget = [MAX_SKIPPED_BYTES]  # shared by every file of the replay, spent by _members
        for index, path in enumerate(self.paths):
            self._scan(index, path)

    def __enter__(self) -> WarcReplay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Nothing to release: files are opened only while a record is read."""

    @property
    def urls(self) -> list[str]:
        """Every cited URL the archives hold a fetch for."""
        return list(self._fetches)

    def result(self, url: str) -> FetchResult:
        """The archived result for the URL as cited, or a result saying it is not in the archive."""
        fetch = self._fetches.get(url)
        if fetch is None:
            return FetchResult(url, url, None, "", ErrorKind.OTHER, self._skipped_fetches.get(url, NOT_ARCHIVED), "")
        doc = fetch.doc
        raw = body = b""
        for record_id in (doc.get("response_record"), doc.get("body_record")):
            if record_id in self._skipped_records:
                return FetchResult(url, url, None, "", ErrorKind.OTHER, self._skipped_records[record_id], "")
        if doc.get("response_record"):
            raw, http_headers = self._payload(doc["response_record"], fetch)
            source = doc.get("body_from")
            if source == _BODY_IS_PAYLOAD:
                body = raw
            elif source == _BODY_IS_DECODED_PAYLOAD:
                try:
                    body = _decoded_payload(raw, http_headers, limit=MAX_RECORD_BYTES)
                except _TooLarge:
                    why = (f"the archived body of {_printable(url)} is larger than {_size(MAX_RECORD_BYTES)} once "
                           "decompressed: not replayed")
                    self.skipped.append(f"{fetch.path}: {why}")
                    return FetchResult(url, url, None, "", ErrorKind.OTHER, why, "")
            elif source == _BODY_IN_CONVERSION and doc.get("body_record"):
                body, _ = self._payload(doc["body_record"], fetch)
            else:
                raise ArchiveError(f"{fetch.path}: the metadata record of {_printable(url)} does not say where its body is")
        result = _result_from(doc, body, raw, fetch)
        if result.sha256 != doc.get("sha256"):
            raise ArchiveError(f"{fetch.path}: the archived body of {_printable(url)} does not match the SHA-256 recorded "
                               "when it was fetched; the archive is damaged")
        return result

    def snapshot(self, url: str) -> str | None:
        """The reference of the archived response record (or of the metadata record, when nothing answered)."""
        fetch = self._fetches.get(url)
        if fetch is None:
            return None
        return snapshot_reference(fetch.path.name, fetch.doc.get("response_record") or fetch.metadata_id)

    def canary(self) -> tuple[bool, str] | None:
        """The archived connectivity answer (the latest one across the files), if the run asked the canary."""
        if self._canary is None:
            return None
        doc = self._canary[1]
        return bool(doc.get("online")), str(doc.get("detail", ""))

    def canary_answers(self) -> list[Any]:
        """Every archived answer of the canary (network.CanaryAnswer), each file's its own run."""
        from civicheck.fetch.canary import CanaryAnswer

        return [dataclasses.replace(CanaryAnswer.from_record(doc), run=str(index)) for index, doc in self._canaries]

    def archived_copy(self, url: str) -> dict[str, Any] | None:
        """The live run's decision about an archived copy standing in for `url` (see write_archived_copy)."""
        return self._copies.get(url)

    def online(self) -> tuple[bool, str]:
        """The connectivity answer for a replayed run: the archived one, else "cannot tell" (offline)."""
        return self.canary() or (False, NO_CANARY_ANSWER)

    def fetch(self, url: str, *, timeout: float | None = None) -> FetchResult:
        return self.result(url)

    def fetch_all(
        self,
        jobs: Sequence[tuple[str, float | None]],
        on_result: Callable[[FetchResult], None] | None = None,
        *,
        network: Any = None,
    ) -> dict[str, FetchResult]:
        """Like Fetcher.fetch_all: one result per distinct URL, in job order; `on_result` called for each. The
        network is never judged (`network` is ignored): each fetch's archived record says what it was."""
        results: dict[str, FetchResult] = {}
        for url, _timeout in jobs:
            if url in results:
                continue
            results[url] = self.result(url)
            if on_result is not None:
                on_result(results[url])
        return results

    # -- reading --

    def _scan(self, index: int, path: Path) -> None:
        from warcio.archiveiterator import ArchiveIterator

        found = False
        ours, fetches, end = False, 0, None
        position = itertools.count()
        try:
            with open(path, "rb") as fh:
                for member in _members(fh, path, skip_budget=self._skip_budget):
                    if member.data is None:
                        self._skip(path, member)
                        found = True
                        continue
                    with _read_by_warcio(path):
                        iterator = ArchiveIterator(io.BytesIO(member.data))
                        for record in iterator:
                            if record.format != "warc":
                                # warcio reads any text as a legacy ARC record ("uri ip date type length"):
                                # civicheck only ever writes WARC, so anything else is not ours to replay.
                                raise ArchiveError(f"{path} is not a WARC file")
                            rec_type, record_id, doc, inner = _index_entry(record, iterator)
                            where = _Located(path, member.offset, inner)
                            self._index(rec_type, record_id, doc, where, (index, next(position)))
                            found = True
                            schema = doc.get("schema") if isinstance(doc, dict) else None
                            ours = ours or (rec_type == "warcinfo" and str(doc.get("software", "")).startswith("civicheck/"))
                            fetches += schema == _FETCH_SCHEMA
                            end = doc if schema == _END_SCHEMA else end
        except OSError as exc:
            raise ArchiveError(f"cannot read {path}: {_why(exc)}") from exc
        if not found:
            raise ArchiveError(f"{path} is not a WARC file: it holds no WARC record")
        # A cut between two records leaves valid gzip, but then civicheck's closing record is missing.
        if ours and (end is None or end.get("fetches") != fetches):
            raise ArchiveError(_cut_short(path))

    def _skip(self, path: Path, member: _Member) -> None:
        """Note a record too large to read: named from its WARC headers, never read further."""
        from warcio.archiveiterator import ArchiveIterator

        rec_type = record_id = target = None
        try:
            record = next(iter(ArchiveIterator(io.BytesIO(member.head))), None)
            if record is not None and record.format == "warc":
                rec_type, record_id = record.rec_type, record.rec_headers.get_header("WARC-Record-ID")
                target = record.rec_headers.get_header("WARC-Target-URI")
        except Exception:  # noqa: BLE001 - the head of a record we will not read: at worst it goes unnamed
            pass
        what = f"a {rec_type} record" if rec_type else "a record"
        if target:
            what += f" for {_printable(target)}"
        why = (f"{what} at byte {member.offset} is larger than {_size(MAX_RECORD_BYTES)} "
               f"({_size(member.size)} decompressed): not replayed")
        self.skipped.append(f"{path}: {why}")
        if record_id:
            self._skipped_records[record_id] = why
        if rec_type == "metadata" and target:
            self._skipped_fetches.setdefault(target, why)

    def _index(self, rec_type: str, record_id: str, doc: Any, where: _Located, order: tuple[int, int]) -> None:
        if rec_type in ("response", "conversion"):
            self._records[record_id] = where
        elif not isinstance(doc, dict):
            return  # not a metadata record of ours
        elif doc.get("schema") == _FETCH_SCHEMA and isinstance(doc.get("url"), str):
            key = (str(doc.get("fetched_at") or ""), *order)
            known = self._fetches.get(doc["url"])
            if known is None or key >= known.order:
                self._fetches[doc["url"]] = _Fetch(doc, where.path, record_id, key)
        elif doc.get("schema") == _COPY_SCHEMA and isinstance(doc.get("url"), str):
            self._copies[doc["url"]] = doc  # in file order: the latest run's decision wins
        elif doc.get("schema") == _CANARY_SCHEMA:
            self._canaries.append((order[0], doc))
            key = (str(doc.get("asked_at") or ""), *order)
            if self._canary is None or key >= self._canary[0]:
                self._canary = (key, doc)

    def _payload(self, record_id: str, fetch: _Fetch) -> tuple[bytes, Any]:
        """The payload (and HTTP headers, if any) of one record, its WARC digests checked."""
        from warcio.archiveiterator import ArchiveIterator

        where = self._records.get(record_id)
        if where is None:
            raise ArchiveError(f"{fetch.path}: record {_printable(record_id)}, named by the metadata of "
                               f"{_printable(fetch.doc.get('url'))}, is missing from the archive")
        try:
            with open(where.path, "rb") as fh, _read_by_warcio(where.path):
                fh.seek(where.offset)
                member = next(_members(fh, where.path, start=where.offset, skip_budget=[0]), None)
                if member is None or member.data is None:  # changed since it was scanned
                    raise ArchiveError(f"{where.path}: record {_printable(record_id)} is no longer readable")
                record = next(iter(ArchiveIterator(io.BytesIO(member.data[where.inner:]), check_digests=True)), None)
                if record is not None:
                    payload = record.raw_stream.read()
                    damaged = record.digest_checker.passed is False
                    http_headers = record.http_headers
        except OSError as exc:
            raise ArchiveError(f"cannot read {where.path}: {_why(exc)}") from exc
        if record is None or damaged:
            raise ArchiveError(f"{where.path}: record {_printable(record_id)} is damaged (it fails its WARC digest "
                               "check, or is no longer where it was)")
        return payload, http_headers


def _index_entry(record: Any, iterator: Any) -> tuple[str, str, Any, int]:
    """(type, record id, parsed JSON of a metadata record or None, offset of the record) through warcio."""
    record_id = record.rec_headers.get_header("WARC-Record-ID") or ""
    content_type = (record.rec_headers.get_header("Content-Type") or "").split(";")[0].strip().lower()
    doc: Any = None
    if record.rec_type == "metadata" and content_type == "application/json":
        try:
            doc = json.loads(record.raw_stream.read())
        except (ValueError, RecursionError):
            pass  # another tool's metadata (or a hostile one nested too deep): ours is always valid JSON
    elif record.rec_type == "warcinfo":
        text = record.raw_stream.read().decode("utf-8", "replace")
        doc = dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)
    return record.rec_type, record_id, doc, iterator.get_record_offset()


@contextlib.contextmanager
def _read_by_warcio(path: Path) -> Iterator[None]:
    """Turn whatever warcio raises on a damaged file into an ArchiveError. It has no exception type of its
    own for that: a cut or garbled file gives ArchiveLoadFailed, zlib.error, AttributeError, ValueError..."""
    try:
        yield
    except (ArchiveError, OSError):
        raise
    except Exception as exc:  # noqa: BLE001 (only warcio runs inside: see the callers)
        raise ArchiveError(f"{path} is not a readable WARC file ({_first_line(exc)})") from exc


def _cut_short(path: Path) -> str:
    return (f"{path} is cut short (its last records are missing or incomplete): a copy that did not finish, or "
            "the temporary file of a run that crashed")


class _TooLarge(Exception):
    """More than the limit would have to be read."""


def _members(fh: IO[bytes], path: Path, start: int = 0, skip_budget: list[int] | None = None) -> Iterator[_Member]:
    """The gzip members of a WARC file from `start` on, each decompressed within MAX_RECORD_BYTES, with
    bounded memory whatever they hold; raises ArchiveError for a member cut short, junk after the last, or
    when members too large to keep inflate past `skip_budget[0]` bytes in all (each is subtracted from it).

    warcio would read a record whole, and a header line as long as it runs: a 2 GB record compressed to
    2 MB is 2 GB in memory. Reading members ourselves, the size of each is known before warcio sees it.
    An uncompressed file is one "member", read whole when it is within the limit.
    """
    fh.seek(start)
    data = fh.read(_GZIP_READ)
    if not data.startswith(b"\x1f\x8b"):
        data += fh.read(max(0, MAX_RECORD_BYTES + 1 - len(data)))
        if len(data) > MAX_RECORD_BYTES:
            raise ArchiveError(f"{path} is an uncompressed WARC file larger than {_size(MAX_RECORD_BYTES)}: civicheck "
                               "replays WARC files compressed record by record (as it writes them); "
                               f"`warcio recompress {path} OUT.warc.gz` makes one")
        yield _Member(start, len(data), data, data[:_HEAD_BYTES])
        return
    budget = [MAX_SKIPPED_BYTES] if skip_budget is None else skip_budget
    pos = start  # the file offset of data[0]
    while data:
        if len(data) < 2:
            data += fh.read(_GZIP_READ)
        if not data.startswith(b"\x1f\x8b"):
            raise ArchiveError(_cut_short(path))  # junk after the last member
        offset, size, kept, head = pos, 0, bytearray(), b""
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        while True:
            try:
                out = inflater.decompress(data, _GZIP_READ)  # bounded output per call: a bomb stays a stream
            except zlib.error as exc:
                raise ArchiveError(_cut_short(path)) from exc
            size += len(out)
            if len(head) < _HEAD_BYTES:
                head += out[: _HEAD_BYTES - len(head)]
            if kept is not None:
                kept += out
                if len(kept) > MAX_RECORD_BYTES:
                    kept = None  # too large: from here on it is only counted
            elif size > budget[0]:
                raise ArchiveError(f"{path}: the record at byte {offset} inflates to more than {_size(size)}, past "
                                   f"the {_size(MAX_SKIPPED_BYTES)} one replay skips over (a compression bomb?): "
                                   "this is not an archive civicheck wrote; nothing was replayed")
            if inflater.eof:
                pos += len(data) - len(inflater.unused_data)
                data = inflater.unused_data or fh.read(_GZIP_READ)
                break
            pos += len(data) - len(inflater.unconsumed_tail)
            data = inflater.unconsumed_tail
            if not data and len(out) < _GZIP_READ:  # a full output may leave more inside zlib: ask again first
                data = fh.read(_GZIP_READ)
                if not data:
                    raise ArchiveError(_cut_short(path))  # the file ends inside a member
        if kept is None:
            budget[0] -= size
        yield _Member(offset, size, None if kept is None else bytes(kept), head)


def _size(n: int) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB" if n >= 1e6 else f"{n:,} bytes"


def _result_from(doc: dict[str, Any], body: bytes, raw: bytes, fetch: _Fetch) -> FetchResult:
    known = {f.name for f in dataclasses.fields(FetchResult)} - {"body", "raw_body"}
    fields = {k: v for k, v in doc.items() if k in known}
    try:
        fields["error"] = ErrorKind(fields["error"]) if fields.get("error") is not None else None
        for name in ("redirects", "headers", "request_headers"):
            if name in fields:
                fields[name] = [tuple(pair) for pair in fields[name]]
        return FetchResult(**fields, body=body, raw_body=raw)
    except (KeyError, TypeError, ValueError) as exc:
        raise ArchiveError(f"{fetch.path}: the metadata record of {_printable(doc.get('url'))} cannot be read "
                           f"(written by another civicheck version?): {_first_line(exc)}") from exc


# --- Small helpers ----------------------------------------------------------------------------------------


def _parse_time(value: str) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, ValueError) as exc:
        raise ValueError(f"not an ISO 8601 time: {value!r}") from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(dt.timezone.utc)


def _warc_date(value: str) -> str:
    """WARC/1.0's WARC-Date (second precision, UTC) for an ISO time; now, if it is not one."""
    try:
        return _parse_time(value).strftime("%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return now_utc()


def _one_line(text: str) -> str:
    """No line breaks: one would end a header early and let the rest pose as headers of its own."""
    return _LINE_BREAKS.sub(" ", text)


def _safe_uri(uri: str) -> str:
    """A URI fit for a WARC header line: spaces and control characters %-encoded."""
    return _URI_UNSAFE.sub(lambda m: f"%{ord(m.group()):02X}", uri)


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return _printable(text.splitlines()[0] if text else type(exc).__name__)


def _printable(text: Any, limit: int = 200) -> str:
    """Text read from a file we did not write (maybe no WARC at all) made safe for an error message: no
    control characters or escape sequences that could reach the user's terminal."""
    text = "".join(c if c.isprintable() else "?" for c in str(text))
    return text if len(text) <= limit else text[: limit - 1] + "…"
