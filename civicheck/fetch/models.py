"""What a fetch concluded: a FetchResult (status, error kind, a sentence a reporter can paste, the body, the
headers sent and received), and the kinds of error. Plain data: importing it costs nothing (no requests).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import Enum


class ErrorKind(str, Enum):
    """Why a fetch did not produce a usable 2xx/3xx answer. The values appear in JSON output."""

    DNS = "dns"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    TLS = "tls"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    TOO_LARGE = "too_large"
    PROXY = "proxy"  # the configured HTTP(S) proxy could not be reached, or could not reach the site
    HTTP_4XX = "http_4xx"
    HTTP_5XX = "http_5xx"
    NOT_PUBLIC = "not_public"  # refused by us before connecting: a loopback, private, link-local... address
    OTHER = "other"


@dataclass
class FetchResult:
    url: str  # as cited
    final_url: str  # after redirects; == url when nothing answered
    status: int | None  # final HTTP status; None when no response arrived
    reason: str  # HTTP reason phrase ("Not Found"), "" when none
    error: ErrorKind | None  # None for a 2xx/3xx answer read whole
    detail: str  # one sentence a reporter can paste: "DNS lookup failed: app.example.go.id does not exist"
    fetched_at: str  # ISO 8601 UTC, second precision, "2026-11-28T02:00:00Z"
    elapsed: float = 0.0  # seconds, all attempts included
    attempts: int = 1
    redirects: list[tuple[int, str]] = field(default_factory=list)  # (status, url) of each hop before final_url
    headers: list[tuple[str, str]] = field(default_factory=list)  # final response headers, as received
    body: bytes = b""  # payload with Content-Encoding removed (capped); empty on error without response
    raw_body: bytes = b""  # payload as it came off the wire (still gzip'd etc.), for the WARC record
    http_version: str = "HTTP/1.1"
    request_headers: list[tuple[str, str]] = field(default_factory=list)  # what we sent, for the WARC record
    # The failure may be this machine's network rather than the site (resolver not answering, no route):
    # such a result must not be reported as a dead site without a connectivity check.
    maybe_local: bool = False
    # The proxy the final request went through (scheme://host:port, never credentials); "" when direct.
    proxy: str = ""
    # The failure could be our own network's rather than the site's (DNS, refused, reset, timeout, TLS, no
    # route, a proxy error, a 5xx through a proxy): a live run asks the canary about it when it happens.
    could_be_ours: bool = False
    # What the canary said about our network when this failure happened (network.py); None: not asked.
    network_up: bool | None = None
    network: str = ""  # the canary's sentence at that time
    # A first attempt that failed while our network was down, and was fetched again once it was back.
    earlier: str = ""
    # A 304 Not Modified (or a probe answer remembered for its URL pattern): the snapshot reference of the earlier
    # capture whose body it stands on (history/revisits.py). The WARC keeps the 304 as received, never a 200.
    revisit_of: str = ""
    # The answer judged for a 304: the body of the last good fetch, unchanged since this time (its fetched_at).
    unchanged_since: str = ""

    @property
    def has_document(self) -> bool:
        """A 2xx answer read whole: there is a page to extract evidence from."""
        return self.error is None and self.status is not None and 200 <= self.status < 300

    @property
    def sha256(self) -> str | None:
        kept = getattr(self, "_kept", None)
        if kept is not None:
            return kept[0]
        return hashlib.sha256(self.body).hexdigest() if self.status is not None else None

    @property
    def blank(self) -> bool:
        """No body, or nothing but whitespace in it: an empty page."""
        kept = getattr(self, "_kept", None)
        return kept[1] if kept is not None else not self.body.strip()

    def drop_body(self) -> None:
        """Let go of the body once it is archived and read, so that a run's memory does not grow with the pages
        it fetches; its digest and whether it was blank are kept (not as fields: the WARC records fields)."""
        if getattr(self, "_kept", None) is None:
            self._kept = (self.sha256, self.blank)
        self.body = self.raw_body = b""

    def header(self, name: str) -> str | None:
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()

