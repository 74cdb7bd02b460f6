"""The WARC records of one fetch, written byte for byte as warcio writes them: the response and request as they
went over the wire, a revisit for a 304, a conversion when civicheck's body cannot be re-derived from the payload,
our JSON metadata; and the small rules they share (dates, safe target URIs, headers as archived). writer.py
appends them.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import hashlib
import json
import os
import re
from collections.abc import Iterable
from enum import Enum
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from zlib_ng import zlib_ng

from civicheck.archive.warc import (
    BODY_IN_CONVERSION,
    BODY_IS_DECODED_PAYLOAD,
    BODY_IS_PAYLOAD,
    decoded_payload,
    parse_time,
)
from civicheck.clock import now_utc
from civicheck.fetch import ErrorKind, FetchResult

_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")
_URI_UNSAFE = re.compile(r"[\x00-\x20\x7f]")


class Member(NamedTuple):
    """One WARC record as written: its WARC-Record-ID, and the record as a gzip member of its own."""

    id: str
    data: bytes


def response_record(url: str, http_head: bytes, payload: bytes, date: str, truncated: str | None) -> Member:
    """An answer as it came off the wire: `http_head` (response_head()) and its payload, still encoded."""
    warc_headers = [("WARC-Date", date)]
    if truncated:
        warc_headers.append(("WARC-Truncated", truncated))
    return warc_record("response", _safe_uri(url), warc_headers, payload, http_head=http_head)


def request_record(url: str, request_headers: list[tuple[str, str]], date: str, response_id: str) -> Member:
    """What we sent for the answer `response_id` (its WARC-Concurrent-To), as WARC readers pair them."""
    parts = urlsplit(url)
    target = _safe_uri((parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
    # urllib3 always speaks HTTP/1.1, whatever version the server answers with.
    http_head = _http_head(f"GET {target} HTTP/1.1", _archived_headers(request_headers))
    return warc_record(
        "request", _safe_uri(url), [("WARC-Date", date)], b"", http_head=http_head, concurrent_to=response_id
    )


# WARC 1.0 section 8.3.2 (1.1: 6.7.3): a revisit whose server said "not modified"; the file is WARC/1.0.
SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.0/revisit/server-not-modified"


def revisit_record(result: FetchResult, http_head: bytes, date: str, response_id: str) -> Member:
    """A 304 answered to our conditional request, as WARC readers expect it: a `revisit` record (the 304's
    headers, `http_head` of its response record; no payload) naming the earlier capture whose body still
    stands, so that Wayback or pywb replay that body for this date; the 304 itself stays in its `response`
    record, never turned into a 200."""
    _, _, record_id = result.revisit_of.partition("#")
    headers = [
        ("WARC-Date", date),
        ("WARC-Profile", SERVER_NOT_MODIFIED),
        ("WARC-Concurrent-To", response_id),
        ("WARC-Refers-To-Target-URI", _safe_uri(result.final_url)),
    ]
    if record_id:
        headers.append(("WARC-Refers-To", one_line(record_id)))
    if result.unchanged_since:
        headers.append(("WARC-Refers-To-Date", warc_date(result.unchanged_since)))
    return warc_record("revisit", _safe_uri(result.final_url), headers, b"", http_head=http_head)


def conversion_record(result: FetchResult, date: str, response_id: str) -> Member:
    content_type = one_line(result.header("content-type") or "") or "application/octet-stream"
    return warc_record(
        "conversion",
        _safe_uri(result.final_url),
        [("WARC-Date", date), ("WARC-Refers-To", response_id)],
        result.body,
        content_type,
    )


# What json.dumps(doc, ensure_ascii=True, default=str) would make, without a new encoder for each record.
_JSON = json.JSONEncoder(ensure_ascii=True, default=str)


def json_record(uri: str, doc: dict, warc_headers: list[tuple[str, str]]) -> Member:
    # ASCII JSON: any string survives (even lone surrogates), and every tool can read the record.
    payload = _JSON.encode(doc).encode("ascii")
    return warc_record("metadata", _safe_uri(uri), warc_headers, payload, "application/json")


def json_record_bytes(uri: str, doc: dict, date: str) -> bytes:
    return json_record(uri, doc, [("WARC-Date", date)]).data


def warcinfo_record(file_name: str, date: str, info: dict[str, str]) -> bytes:
    """The file's first record: what wrote it, as `name: value` lines (empty values left out)."""
    payload = "".join(f"{name}: {value}\r\n" for name, value in info.items() if value).encode("utf-8")
    head = [
        ("WARC-Type", "warcinfo"),
        ("WARC-Record-ID", _new_record_id()),
        ("WARC-Filename", file_name),
        ("WARC-Date", date),
        ("WARC-Block-Digest", _digest(payload)),
        ("Content-Type", "application/warc-fields"),
        ("Content-Length", str(len(payload))),
    ]
    return _gzip_member(_warc_head(head) + payload + b"\r\n\r\n")


# The HTTP records' WARC Content-Type; any other record names its own.
_HTTP_CONTENT_TYPES = {
    "response": "application/http; msgtype=response",
    "revisit": "application/http; msgtype=response",
    "request": "application/http; msgtype=request",
}


def warc_record(
    record_type: str,
    uri: str,
    warc_headers: list[tuple[str, str]],
    payload: bytes,
    content_type: str = "",
    *,
    http_head: bytes = b"",
    concurrent_to: str = "",
) -> Member:
    """One WARC/1.0 record, gzipped: `warc_headers` first, then the type, a new record id, the target URI, the
    digests and the length, in the order warcio writes them (warcio reads our files in the tests, and its
    writer made them before: a record is still the same bytes, ids and dates aside). Written here rather than
    with warcio's RecordBuilder, whose header lists, digest passes and buffers cost ~0.2 ms a 304's records.
    A revisit holds its HTTP headers only, so it has no payload digest."""
    record_id = _new_record_id()
    block = http_head + payload
    block_digest = _digest(block)
    head = [*warc_headers, ("WARC-Type", record_type), ("WARC-Record-ID", record_id)]
    if uri:
        head.append(("WARC-Target-URI", uri))
    if record_type != "revisit":
        head.append(("WARC-Payload-Digest", _digest(payload) if http_head else block_digest))
    if concurrent_to:
        head.append(("WARC-Concurrent-To", concurrent_to))
    head += [
        ("WARC-Block-Digest", block_digest),
        ("Content-Type", content_type or _HTTP_CONTENT_TYPES[record_type]),
        ("Content-Length", str(len(block))),
    ]
    return Member(record_id, _gzip_member(_warc_head(head) + block + b"\r\n\r\n"))


def _warc_head(headers: list[tuple[str, str]]) -> bytes:
    # WARC headers may be UTF-8 (WARC 1.0 section 4): a non-ASCII URL is kept as it is.
    return ("WARC/1.0\r\n" + "".join([f"{k}: {v}\r\n" for k, v in headers]) + "\r\n").encode("utf-8")


_EMPTY_DIGEST = "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ"  # of b"": every request's payload, every 304's


def _digest(data: bytes) -> str:
    """WARC's usual digest: SHA-1 in base32."""
    if not data:
        return _EMPTY_DIGEST
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


def _new_record_id() -> str:
    """A random UUID (version 4, RFC 4122 variant), as uuid.uuid4() makes it, without its UUID object: a 304
    takes four ids, and the object cost twice the 16 random bytes' ~1 us."""
    n = int.from_bytes(os.urandom(16), "big") & ~(0xC000 << 48 | 0xF000 << 64) | (0x8000 << 48 | 0x4000 << 64)
    h = f"{n:032x}"
    return f"<urn:uuid:{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}>"


# warcio compresses every record at level 9, which took 5.7 ms a news page against 3.6 ms at zlib's level 6 for
# files 1% larger (207 corpus pages: 19.6% against 19.8% of their size). zlib-ng is faster: level 6 took 1.6 ms a
# page for 19.9%, level 4 1.2 ms for 20.4%, level 3 1.0 ms for 21.0% (the whole WARC of a run over the corpus
# 5.2% larger than at 6, for 0.45 ms a page less of a run's busiest process). Level 2 (22.5%) and level 1
# (27.9%) would be faster again for archives a seventh to a third larger, and a nightly's archive grows.
GZIP_LEVEL = 3
# A small record (a request, a fetch's metadata, a 304, a redirect) costs level 3 ~25 us of setting up and
# building its Huffman tables, against ~7 us at level 1 (zlib-ng's static tables): a 304's four records 70 us
# less, for members a sixth larger (a 304's four 1.9 -> 2.3 kB; a first run's whole WARC 0.6% larger).
SMALL_RECORD = 4096
SMALL_GZIP_LEVEL = 1


def _gzip_member(record: bytes) -> bytes:
    """A record as a gzip member of its own (as warcio writes it and every WARC reader expects)."""
    level = SMALL_GZIP_LEVEL if len(record) <= SMALL_RECORD else GZIP_LEVEL
    return zlib_ng.compress(record, level, zlib_ng.MAX_WBITS + 16)


def response_head(status_line: str, headers: Iterable[tuple[str, str]], http_version: str) -> bytes:
    """A response's status line and headers as archived (a 304's revisit record repeats them)."""
    return _http_head(
        f"{http_version or 'HTTP/1.1'} {one_line(status_line.strip())}", _archived_headers(headers)
    )


def _http_head(first_line: str, headers: list[tuple[str, str]]) -> bytes:
    """HTTP headers stored as the bytes that came off the wire. warcio would %-encode non-ASCII values;
    http.client decoded them as latin-1, so encoding back to latin-1 gives exactly what the server sent."""
    lines = [first_line.strip(), *[f"{k}: {v}" for k, v in headers]]
    try:
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")  # every line at once, nearly always
    except UnicodeEncodeError:
        return b"".join(_wire_bytes(line) + b"\r\n" for line in lines) + b"\r\n"


def _archived_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    # The payload we hold was de-chunked by http.client: a stored "Transfer-Encoding: chunked" would make
    # every WARC reader (warcio, pywb) try to de-chunk it again and misparse it. The header itself is kept
    # in the metadata record, so replay still gives the headers exactly as received.
    return [(one_line(k), one_line(v)) for k, v in headers if k.strip().lower() != "transfer-encoding"]


def truncation(result: FetchResult) -> str | None:
    """WARC-Truncated for a payload we did not read whole (the spec's reasons: length, time, disconnect)."""
    if result.error is ErrorKind.TOO_LARGE:
        return "length"
    if result.error is ErrorKind.TIMEOUT:
        return "time"
    return None


def body_source(result: FetchResult, headers: list[tuple[str, str]]) -> str:
    """How replay gets FetchResult.body back bit for bit: the payload itself, warcio's decoding of it (under the
    response `headers` as archived), or a conversion record. Only a body read whole and cleanly is trusted to
    decode the same way twice: the fetcher keeps whatever it decoded before a size cap or a corrupt stream
    stopped it, which depends on how the bytes arrived off the network."""
    if result.body == result.raw_body:
        return BODY_IS_PAYLOAD
    if result.error is None:
        from warcio.statusandheaders import StatusAndHeaders

        http_headers = StatusAndHeaders(f"{result.status} {result.reason}", _archived_headers(headers))
        if decoded_payload(result.raw_body, http_headers) == result.body:
            return BODY_IS_DECODED_PAYLOAD
    return BODY_IN_CONVERSION


def _wire_bytes(line: str) -> bytes:
    try:
        return line.encode("latin-1")
    except UnicodeEncodeError:  # not from http.client: store it as UTF-8 rather than fail
        return line.encode("utf-8")


def result_fields(result: FetchResult, **replaced: Any) -> dict[str, Any]:
    """Every FetchResult field but the bodies and the redirect answers (archived as responses of their own),
    JSON-ready, with the values in `replaced` standing for the result's own: a field added to FetchResult later
    is kept too."""
    return {
        name: _jsonable(replaced[name] if name in replaced else getattr(result, name))
        for name in _archived_fields()
    }


@functools.cache
def _archived_fields() -> tuple[str, ...]:
    return tuple(
        f.name for f in dataclasses.fields(FetchResult) if f.name not in ("body", "raw_body", "hops")
    )


# Most fields, and every header's name and value: nothing to convert (an Enum, even a str one, is not among them).
_PLAIN = frozenset({str, int, float, bool, type(None)})


def _jsonable(value: Any) -> Any:
    if type(value) in _PLAIN:
        return value
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):  # headers, redirects: pairs of plain values
        return [v if type(v) in _PLAIN else _jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def warc_date(value: str) -> str:
    """WARC/1.0's WARC-Date (second precision, UTC) for an ISO time; now, if it is not one."""
    try:
        return _warc_date(value)
    except ValueError:
        return now_utc()


@functools.lru_cache(maxsize=1024)
def _warc_date(value: str) -> str:
    # Remembered: a run's fetches share their seconds, and its 304s the times of a few earlier nights.
    return parse_time(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def one_line(text: str) -> str:
    """No line breaks: one would end a header early and let the rest pose as headers of its own."""
    if "\n" not in text and "\r" not in text:  # nearly always; two scans cost less than the expression
        return text
    return _LINE_BREAKS.sub(" ", text)


def _safe_uri(uri: str) -> str:
    """A URI fit for a WARC header line: spaces and control characters %-encoded."""
    return _URI_UNSAFE.sub(lambda m: f"%{ord(m.group()):02X}", uri)
