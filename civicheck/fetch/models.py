"""What a fetch concluded: a FetchResult (status, error kind, a sentence a reporter can paste, the body, the
headers sent and received), and the kinds of error. Plain data: importing it costs nothing (no requests).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import Enum

# Statuses that are a bot block by themselves, whatever the page says (soft404/botwall.py reads them; the
# fetcher does not retry them: they answer the same however often we ask).
BOT_BLOCK_STATUSES = {
    999: "LinkedIn's status 999 for requests it takes for a bot's",
    430: "Shopify's status 430 Security Rejection",
}


class ErrorKind(str, Enum):
    """Why a fetch did not produce a usable 2xx/3xx answer. The values appear in JSON output."""

    DNS = "dns"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    TLS = "tls"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    # A redirect no browser follows for a citizen: to ftp:, file:, data:, javascript:..., or to no address at all.
    BAD_REDIRECT = "bad_redirect"
    # The connection was reset, or closed before any answer, on every attempt.
    RESET = "reset"
    # Not asked at all: the host asked us to pause (429 + Retry-After...) past this URL's deadline.
    RATE_LIMITED = "rate_limited"
    TOO_LARGE = "too_large"
    PROXY = "proxy"  # the configured HTTP(S) proxy could not be reached, or could not reach the site
    HTTP_4XX = "http_4xx"
    HTTP_5XX = "http_5xx"
    NOT_PUBLIC = "not_public"  # refused by us before connecting: a loopback, private, link-local... address
    OTHER = "other"


@dataclass
class RedirectHop:
    """One redirect answer on the way to the final URL, whole: kept so that the WARC holds each hop as its own
    response, and a replay tool given the cited URL replays the chain as the site answered it."""

    url: str
    status: int
    reason: str
    headers: list[tuple[str, str]]  # as received (Location among them), credentials redacted
    http_version: str = "HTTP/1.1"
    request_headers: list[tuple[str, str]] = field(default_factory=list)
    raw_body: bytes = b""  # the redirect's own body as it came off the wire (read up to a small cap)
    truncated: bool = False  # the body was longer than that cap: what is kept is its start


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
    redirects: list[tuple[int, str]] = field(
        default_factory=list
    )  # (status, url) of each hop before final_url
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
    # How long this fetch waited because its host asked for a pause (a 429 with Retry-After, RateLimit,
    # X-RateLimit-Remaining: 0), and the sentence saying so; 0 and "" when it did not wait.
    waited: float = 0.0
    rate_limit: str = ""
    # Each redirect answer whole, oldest first (`redirects` names them); the WARC writer archives each as its own
    # response. Not part of what a fetch concluded (so not compared): never in reports, not rebuilt by replay.
    hops: list[RedirectHop] = field(default_factory=list, compare=False)
    # A 304 Not Modified (or a probe answer remembered for its URL pattern): the snapshot reference of the earlier
    # capture whose body it stands on (history/revisits.py). The WARC keeps the 304 as received, never a 200.
    revisit_of: str = ""
    # The answer judged for a 304: the body of the last good fetch, unchanged since this time (its fetched_at).
    unchanged_since: str = ""

    @property
    def has_document(self) -> bool:
        """There is a page to extract evidence from: a 2xx answer read whole, or read up to the size cap (a
        truncated page is still a page: `detail` says what part of it was judged), or a 3xx without a Location
        (a browser shows its body: it is the page a citizen sees)."""
        if self.status is None:
            return False
        if 200 <= self.status < 300:
            return self.error is None or (self.error is ErrorKind.TOO_LARGE and self.truncated_page)
        return self.error is None and self.shown_redirect

    @property
    def shown_redirect(self) -> bool:
        """A 3xx answer without a Location to go to: a browser shows its body (304 has none by definition)."""
        return (
            self.status is not None
            and 300 <= self.status < 400
            and self.status != 304
            and not (self.header("location") or "").strip()
        )

    @property
    def truncated_page(self) -> bool:
        """A body read up to the size cap, and not blank: its first part is judged as the page."""
        return self.error is ErrorKind.TOO_LARGE and not self.blank

    @property
    def sha256(self) -> str | None:
        kept = getattr(self, "_kept", None)
        if kept is not None:
            return kept[0]
        if self.status is None:
            return None
        # Asked for some eight times a page as it is archived, remembered and judged: worked out once per body
        # (0.1 ms each for a news page), and again only if `body` is given another value.
        digested = getattr(self, "_digested", None)
        if digested is None or digested[0] is not self.body:
            digested = self._digested = (self.body, hashlib.sha256(self.body).hexdigest())
        return digested[1]

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
        self.__dict__.pop("_digested", None)  # it holds the body too
        self.body = self.raw_body = b""
        self.hops = []

    def header(self, name: str) -> str | None:
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";")[0].strip().lower()
