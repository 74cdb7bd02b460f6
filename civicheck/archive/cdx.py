"""Looking up a URL's captures in a web archive through the CDX API (the Wayback Machine's or pywb's).

Both archives answer the same query; `parse_cdx` reads every answer form, `CdxClient` asks and builds replay URLs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import requests

from civicheck import __version__
from civicheck.errors import ArchiveUnavailable

USER_AGENT = f"civicheck/{__version__} (civic fact-check tool; web archive client)"

# The Wayback Machine names the fields one way, pywb another; both are read into Capture's names.
_FIELD_ALIASES = {
    "urlkey": "urlkey",
    "timestamp": "timestamp",
    "original": "original",
    "url": "original",
    "mimetype": "mimetype",
    "mime": "mimetype",
    "statuscode": "statuscode",
    "status": "statuscode",
    "digest": "digest",
    "length": "length",
}
# The Wayback Machine's plain-text answer without fl=: seven space-separated fields in this order.
_PLAIN_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")
_TIMESTAMP = re.compile(r"^\d{14}$")


@dataclass(frozen=True)
class Capture:
    """One capture of a URL as an archive's CDX index lists it. Every string came from the archive: untrusted."""

    timestamp: str  # YYYYMMDDhhmmss, UTC
    original: str  # the URL as the archive recorded it
    statuscode: int | None  # None for revisit records ("-") and anything unreadable
    mimetype: str = ""
    digest: str = ""
    length: int | None = None
    urlkey: str = ""

    @property
    def ok(self) -> bool:
        return self.statuscode is not None and 200 <= self.statuscode < 300

    @property
    def date(self) -> str:
        """2023-05-01"""
        t = self.timestamp
        return f"{t[0:4]}-{t[4:6]}-{t[6:8]}"

    @property
    def iso(self) -> str:
        """2023-05-01T12:30:00Z, the form FetchResult.fetched_at uses."""
        t = self.timestamp
        return f"{t[0:4]}-{t[4:6]}-{t[6:8]}T{t[8:10]}:{t[10:12]}:{t[12:14]}Z"

    def as_dict(self) -> dict[str, Any]:
        return {
            "timestamp": self.timestamp,
            "date": self.date,
            "original": self.original,
            "statuscode": self.statuscode,
            "mimetype": self.mimetype,
            "digest": self.digest,
            "length": self.length,
        }


def _int_or_none(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _capture(fields: Mapping[str, Any]) -> Capture | None:
    """A Capture from one row already keyed by field name; None when the row has no usable timestamp."""
    row = {_FIELD_ALIASES[k]: v for k, v in fields.items() if k in _FIELD_ALIASES}
    timestamp = str(row.get("timestamp", "")).strip()
    if len(timestamp) < 14 and timestamp.isdigit() and len(timestamp) >= 4:
        timestamp = timestamp.ljust(14, "0")  # some ARC-era rows carry a shorter timestamp
    if not _TIMESTAMP.match(timestamp):
        return None
    return Capture(
        timestamp=timestamp,
        original=str(row.get("original", "")),
        statuscode=_int_or_none(row.get("statuscode")),
        mimetype=str(row.get("mimetype", "")),
        digest=str(row.get("digest", "")),
        length=_int_or_none(row.get("length")),
        urlkey=str(row.get("urlkey", "")),
    )


def _from_array(rows: list[Any]) -> list[Capture]:
    """Wayback `output=json`: a header row of field names, then one list per capture (then maybe [] and a
    resume key, which have a different length and are skipped)."""
    if not rows:
        return []
    header = rows[0]
    if not isinstance(header, list) or not all(isinstance(h, str) for h in header):
        raise ValueError("the JSON array does not start with a row of field names")
    captures = []
    for row in rows[1:]:
        if isinstance(row, list) and len(row) == len(header):
            capture = _capture(dict(zip(header, row, strict=True)))
            if capture:
                captures.append(capture)
    return captures


def _from_lines(lines: Iterable[str]) -> list[Capture]:
    """pywb `output=json` (one JSON object per line), pywb CDXJ (`urlkey timestamp {json}`) or plain CDX text."""
    captures = []
    after_blank = False
    for line in lines:
        line = line.strip()
        if not line:
            after_blank = True
            continue
        if line.startswith("{"):
            fields = json.loads(line)
        elif " {" in line:
            urlkey, timestamp, rest = line.split(" ", 2)
            fields = {**json.loads(rest), "urlkey": urlkey, "timestamp": timestamp}
        else:
            parts = line.split(" ")
            if len(parts) == 1 and after_blank:
                continue  # the resume key Wayback prints after a blank line
            if len(parts) != len(_PLAIN_FIELDS):
                # An HTML error page or a format we do not know: not "no captures".
                raise ValueError(f"unreadable CDX line {line[:60]!r}")
            fields = dict(zip(_PLAIN_FIELDS, parts, strict=True))
        if isinstance(fields, dict):
            capture = _capture(fields)
            if capture:
                captures.append(capture)
    return captures


def parse_cdx(text: str) -> list[Capture]:
    """Every capture in a CDX answer, oldest first. Reads the Wayback Machine's JSON array of arrays, pywb's
    JSON lines, CDXJ and plain CDX text. Raises ValueError when the text is none of these."""
    stripped = text.strip()
    if not stripped:
        return []
    if stripped.startswith("["):
        rows = json.loads(stripped)
        if not isinstance(rows, list):
            raise ValueError("a JSON CDX answer must be an array")
        captures = _from_array(rows)
    else:
        captures = _from_lines(stripped.splitlines())
    # Indexes sort by urlkey first; several urlkeys (http/https, www) may answer one query, so sort by time.
    return sorted(captures, key=lambda c: c.timestamp)


def new_session() -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    return session


class CdxClient:
    """The CDX API of one archive: `captures(url)`, `latest_ok(url)` and `replay_url(capture, url)`.

    `endpoint` is the CDX URL, `replay_prefix` what a timestamp and URL are appended to for replay
    (`{replay_prefix}/{timestamp}id_/{url}`), `status_field` how this server spells a regex filter on the
    status, `latest_limit` the `limit` that asks for the latest captures exactly (None: all of them). Each
    backend makes its own: wayback.cdx_client(base), pywb.cdx_client(collection_url).
    """

    def __init__(
        self,
        endpoint: str,
        replay_prefix: str,
        *,
        name: str,
        status_field: str,
        session: requests.Session | None = None,
        timeout: float = 30.0,
        latest_limit: int | None = None,
    ):
        self.endpoint = endpoint
        self.replay_prefix = replay_prefix.rstrip("/")
        self.name = name
        self._status_filter = status_field  # how this server spells a regex filter on the status field
        self.session = session or new_session()
        self.timeout = timeout
        self._latest_limit = latest_limit

    def captures(
        self, url: str, *, limit: int | None = None, ok_only: bool = False, since: str | None = None
    ) -> list[Capture]:
        """Every capture of exactly `url`, oldest first (`limit` < 0: only the last -limit; `since`: from this
        timestamp prefix on, e.g. "20261101"). Raises ArchiveUnavailable when the archive cannot be asked or
        its answer cannot be read."""
        params: dict[str, Any] = {"url": url, "output": "json"}
        if limit is not None:
            params["limit"] = limit
        if since:
            params["from"] = since
        if ok_only:
            params["filter"] = self._status_filter + "2.."
        try:
            response = self.session.get(self.endpoint, params=params, timeout=self.timeout)
        except requests.RequestException as exc:
            raise ArchiveUnavailable(
                f"{self.name} CDX lookup of {url} failed: {_network_reason(exc)}"
            ) from exc
        if response.status_code != 200:
            raise ArchiveUnavailable(
                f"{self.name} CDX lookup of {url} answered {response.status_code} {response.reason or ''}".rstrip()
            )
        try:
            captures = parse_cdx(response.text)
        except (ValueError, json.JSONDecodeError) as exc:
            raise ArchiveUnavailable(f"{self.name} CDX answer for {url} is not a CDX listing: {exc}") from exc
        if ok_only:  # the server filtered already; this guards against one that ignores the filter
            captures = [c for c in captures if c.ok]
        return captures

    def latest_ok(self, url: str) -> Capture | None:
        """The most recent capture of `url` that answered 2xx, or None when there is none."""
        captures = self.captures(url, limit=self._latest_limit, ok_only=True)
        return captures[-1] if captures else None

    def replay_url(self, capture: Capture | str, url: str, mode: str = "id_") -> str:
        """Where the archived copy is replayed; mode "id_" gives the original bytes, "" the archive's page."""
        timestamp = capture.timestamp if isinstance(capture, Capture) else capture
        return f"{self.replay_prefix}/{timestamp}{mode}/{url}"


def _network_reason(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.Timeout):
        return "the archive did not answer in time"
    if isinstance(exc, requests.ConnectionError):
        return "cannot connect to the archive"
    return type(exc).__name__
