"""The WARC records of one fetch, built with warcio: the response and request as they went over the wire, a
revisit for a 304, a conversion when civicheck's body cannot be re-derived from the payload, our JSON metadata;
and the small rules they share (dates, safe target URIs, headers as archived). writer.py appends them.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import json
import re
from collections.abc import Iterable
from enum import Enum
from typing import IO, Any
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


def response_record(
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
        one_line(status_line.strip()), _archived_headers(headers), protocol=http_version or "HTTP/1.1"
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


def request_record(warc: Any, url: str, request_headers: list[tuple[str, str]], date: str) -> Any:
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


def revisit_record(warc: Any, result: FetchResult, date: str, response_id: str) -> Any:
    """A 304 answered to our conditional request, as WARC readers expect it: a `revisit` record (the 304's
    headers, no payload) naming the earlier capture whose body still stands, so that Wayback or pywb replay
    that body for this date; the 304 itself stays in its `response` record, never turned into a 200."""
    _, _, record_id = result.revisit_of.partition("#")
    status_line = one_line(f"{result.status} {result.reason}".strip())
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
        headers["WARC-Refers-To"] = one_line(record_id)
    if result.unchanged_since:
        headers["WARC-Refers-To-Date"] = warc_date(result.unchanged_since)
    return warc.create_warc_record(
        _safe_uri(result.final_url),
        "revisit",
        payload=io.BytesIO(b""),
        length=0,
        warc_headers_dict=headers,
        http_headers=http_headers,
    )


def conversion_record(warc: Any, result: FetchResult, date: str, response_id: str) -> Any:
    content_type = one_line(result.header("content-type") or "") or "application/octet-stream"
    return warc.create_warc_record(
        _safe_uri(result.final_url),
        "conversion",
        payload=io.BytesIO(result.body),
        length=len(result.body),
        warc_content_type=content_type,
        warc_headers_dict={"WARC-Date": date, "WARC-Refers-To": response_id},
    )


def json_record(warc: Any, uri: str, doc: dict, warc_headers: dict[str, str]) -> Any:
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


# warcio compresses every record at level 9, which took 5.7 ms a news page against 3.6 ms at zlib's level 6 for
# files 1% larger (207 corpus pages: 19.6% against 19.8% of their size). zlib-ng is faster: level 6 took 1.6 ms a
# page for 19.9%, level 4 1.2 ms for 20.4%, level 3 1.0 ms for 21.0% (the whole WARC of a run over the corpus
# 5.2% larger than at 6, for 0.45 ms a page less of a run's busiest process). Level 2 (22.5%) and level 1
# (27.9%) would be faster again for archives a seventh to a third larger, and a nightly's archive grows.
GZIP_LEVEL = 3


def gzip_writer(buffer: IO[bytes]) -> Any:
    """A warcio WARCWriter writing each record into `buffer` as a gzip member of its own (as warcio does and
    every WARC reader expects), at GZIP_LEVEL."""
    return _writer_class()(buffer, gzip=False)


@functools.cache
def _writer_class() -> type:
    from warcio.warcwriter import WARCWriter

    class GzipMemberWriter(WARCWriter):
        def _write_warc_record(self, out: Any, record: Any) -> None:
            # Every record passes here (write_record, write_request_response_pair): with gzip=False warcio
            # writes it plain, compressed below as one member.
            plain = io.BytesIO()
            super()._write_warc_record(plain, record)
            member = zlib_ng.compressobj(GZIP_LEVEL, zlib_ng.DEFLATED, zlib_ng.MAX_WBITS + 16)
            out.write(member.compress(plain.getvalue()) + member.flush())

    return GzipMemberWriter


def json_record_bytes(uri: str, doc: dict, date: str) -> bytes:
    buffer = io.BytesIO()
    warc = gzip_writer(buffer)
    warc.write_record(json_record(warc, uri, doc, {"WARC-Date": date}))
    return buffer.getvalue()


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


def body_source(result: FetchResult, http_headers: Any) -> str:
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


def result_fields(result: FetchResult) -> dict[str, Any]:
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


def warc_date(value: str) -> str:
    """WARC/1.0's WARC-Date (second precision, UTC) for an ISO time; now, if it is not one."""
    try:
        return parse_time(value).strftime("%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return now_utc()


def one_line(text: str) -> str:
    """No line breaks: one would end a header early and let the rest pose as headers of its own."""
    return _LINE_BREAKS.sub(" ", text)


def _safe_uri(uri: str) -> str:
    """A URI fit for a WARC header line: spaces and control characters %-encoded."""
    return _URI_UNSAFE.sub(lambda m: f"%{ord(m.group()):02X}", uri)
