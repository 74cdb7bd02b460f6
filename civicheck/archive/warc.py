"""civicheck's WARC files, what writer and replay share: the records civicheck adds (their target URIs and
JSON schemas), how a report names a record, the archive's error, and the decoding of an archived payload.
"""

from __future__ import annotations

import datetime as dt
import io
import secrets
from pathlib import Path
from typing import Any

from civicheck.errors import ArchiveError, PayloadTooLarge  # noqa: F401 (ArchiveError: where the archive modules find it)

CANARY_URI = "urn:civicheck:canary"
NOT_ARCHIVED = "not in the replayed archive (replay fetches nothing)"
NO_CANARY_ANSWER = "the replayed archive holds no connectivity answer: cannot tell whether the site or our own network failed"

FETCH_SCHEMA = "civicheck-fetch/1"
CANARY_SCHEMA = "civicheck-canary/1"
END_SCHEMA = "civicheck-end/1"
COPY_SCHEMA = "civicheck-archived-copy/1"
ARCHIVED_COPY_URI = "urn:civicheck:archived-copy"
END_URI = "urn:civicheck:end"  # the last record: its absence shows a file that was cut or never finished
# What civicheck concluded about one fetch is a `metadata` record whose target is this prefix + the URL as
# cited, never the URL itself. Replay tools (pywb, the wacz package's and ReplayWeb.page's indexers) index
# every record under its WARC-Target-URI, and SURT leaves a `urn:` URI as it is, so the record gets an index key
# of its own: asked for the page, they find only its `response` records. Browsertrix keeps its page
# information the same way (`urn:pageinfo:<url>`, `urn:text:<url>`). Files written before this layout named the
# page URL itself, and pywb served that JSON in place of the page; replay reads both (it goes by the JSON's `url`).
FETCH_URI_PREFIX = "urn:civicheck:fetch:"
GZIP_READ = 1 << 20
# Where FetchResult.body comes from on replay.
BODY_IS_PAYLOAD, BODY_IS_DECODED_PAYLOAD, BODY_IN_CONVERSION = "payload", "decoded-payload", "conversion"


def new_run_id(started_at: str) -> str:
    """'20261128T020000Z-1a2b3c' for a run started at 2026-11-28T02:00:00Z: sorts by time, unique by chance."""
    return f"{parse_time(started_at).strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"


def fetch_uri(url: str) -> str:
    """The WARC-Target-URI of the metadata record of a fetch of `url` (as cited)."""
    return FETCH_URI_PREFIX + url


def fetched_url(target_uri: str) -> str:
    """The URL a fetch's metadata record is about, from its WARC-Target-URI (either layout)."""
    return target_uri[len(FETCH_URI_PREFIX) :] if target_uri.startswith(FETCH_URI_PREFIX) else target_uri


def snapshot_reference(file_name: str, record_id: str) -> str:
    """How a report names one archived record: 'civicheck-<run id>.warc.gz#<urn:uuid:...>'."""
    return f"{file_name}#{record_id}"


def decoded_payload(raw: bytes, http_headers: Any, limit: int | None = None) -> bytes:
    """The payload with its Content-Encoding removed, exactly as warcio does it for any reader of the file;
    raises PayloadTooLarge past `limit` bytes (a 1 MB gzip payload can decode to gigabytes)."""
    from warcio.recordloader import ArcWarcRecord

    record = ArcWarcRecord("warc", "response", None, io.BytesIO(raw), http_headers, None, len(raw))
    stream = record.content_stream()
    if limit is None:
        return stream.read()
    body = bytearray()
    while chunk := stream.read(GZIP_READ):
        body += chunk
        if len(body) > limit:
            raise PayloadTooLarge
    return bytes(body)


def cut_short(path: Path) -> str:
    return (
        f"{path} is cut short (its last records are missing or incomplete): a copy that did not finish, or "
        "the temporary file of a run that crashed"
    )


def parse_time(value: str) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, ValueError) as exc:
        raise ValueError(f"not an ISO 8601 time: {value!r}") from exc
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.astimezone(dt.timezone.utc)


def reason_of(exc: OSError) -> str:
    return exc.strerror or str(exc)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return printable(text.splitlines()[0] if text else type(exc).__name__)


def printable(text: Any, limit: int = 200) -> str:
    """Text read from a file we did not write (maybe no WARC at all) made safe for an error message: no
    control characters or escape sequences that could reach the user's terminal."""
    text = "".join(c if c.isprintable() else "?" for c in str(text))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def size_text(n: int) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB" if n >= 1e6 else f"{n:,} bytes"
