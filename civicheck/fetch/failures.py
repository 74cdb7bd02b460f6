"""Every way a fetch can fail, named: a transport exception classified (a Failure: its ErrorKind, a sentence a
reporter can paste, whether another attempt is worth it, whether our own network may be to blame), an HTTP
error status, a deadline; and how long a server asks us to wait (Retry-After).
"""

from __future__ import annotations

import email.utils
import errno
import http.client
import re
import socket
import ssl
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import requests
from urllib3 import exceptions as u3

from civicheck.fetch.attempts import Answer, Run
from civicheck.fetch.describe import phrase, secs
from civicheck.fetch.models import BOT_BLOCK_STATUSES, ErrorKind

# Everything the network can throw at us through requests/urllib3/http.client/ssl/socket.
TRANSPORT_ERRORS = (requests.RequestException, u3.HTTPError, http.client.HTTPException, OSError, ValueError)
# A connection cut or reset, a timeout, a refusal, a failed lookup or handshake: all of them happen to a dead
# site and to a dead network alike. A malformed address or a redirect loop does not.
COULD_BE_OURS = frozenset(
    {ErrorKind.DNS, ErrorKind.REFUSED, ErrorKind.TIMEOUT, ErrorKind.TLS, ErrorKind.PROXY, ErrorKind.RESET}
)
_NO_ROUTE = frozenset({errno.ENETUNREACH, errno.ENETDOWN, errno.EHOSTUNREACH})


class Failure(NamedTuple):
    """What a transport exception means for the fetch that met it."""

    kind: ErrorKind
    detail: str  # "connection refused by app.example.go.id:443"
    transient: bool  # worth another attempt
    maybe_local: bool  # more likely this machine's network than the site (resolver not answering, no route)


def http_error(out: Answer, status: int) -> Answer:
    """An answer with a 4xx or 5xx status: its error kind, whether to ask again (5xx, 429) and when."""
    out.detail = f"{status} {out.reason or phrase(status)}".strip()
    if status >= 500:
        out.error, out.transient = ErrorKind.HTTP_5XX, True
        if out.proxy:
            # A proxy answers 502/503/504 itself when it cannot reach the site, or when its own upstream
            # (our network) is down: only the canary, asked through the same proxy, can tell.
            out.could_be_ours = True
            out.detail += f" (through the proxy {out.proxy})"
    elif status >= 400:
        out.error, out.transient = ErrorKind.HTTP_4XX, status == 429
    if out.transient and (_challenge(out.headers) or status in BOT_BLOCK_STATUSES):
        out.transient = False  # a bot wall answers the same however often we ask; the checks report it
    if out.transient:
        out.retry_after = retry_after(first(out.headers, "retry-after"))
    return out


def _challenge(headers: list[tuple[str, str]]) -> bool:
    """A bot-wall challenge, by the headers challenge services set on it (Cloudflare's cf-mitigated)."""
    return (first(headers, "cf-mitigated") or "").strip().lower() == "challenge"


def deadline_answer(run: Run, base: Answer | None = None) -> Answer:
    """The fetch's deadline ended it, whatever was under way."""
    out = base or Answer()
    out.error, out.deadline, out.transient, out.could_be_ours = ErrorKind.TIMEOUT, True, False, True
    out.detail = f"no complete answer within the {secs(run.plan.budget)} s deadline"
    return out


def transport_failure(run: Run, url: str, exc: BaseException | None, base: Answer) -> Answer:
    """Turn a transport exception into an attempt's answer; anything cut by the deadline is a deadline timeout."""
    if exc is None or run.watch.fired:
        return deadline_answer(run, base)
    kind, detail, transient, local = classify(
        exc, url, run.plan.connect_timeout, run.plan.read_timeout, proxy=base.proxy
    )
    if kind is ErrorKind.RESET and base.status is not None:
        kind = ErrorKind.OTHER  # the answer had begun: a cut answer, which says less than no answer at all
    if kind is ErrorKind.TIMEOUT and run.past_deadline():
        return deadline_answer(run, base)
    base.error, base.detail, base.transient, base.maybe_local = kind, detail, transient, local
    base.could_be_ours = kind in COULD_BE_OURS or transient or local
    return base


def exception_chain(exc: BaseException) -> list[BaseException]:
    """exc and every exception it wraps: requests and urllib3 nest the socket/ssl error several deep."""
    seen: list[BaseException] = []
    stack: list[Any] = [exc]
    while stack:
        e = stack.pop()
        if not isinstance(e, BaseException) or any(e is s for s in seen):
            continue
        seen.append(e)
        stack.extend([e.__cause__, e.__context__, getattr(e, "reason", None), *e.args])
    return seen


def classify(
    exc: BaseException, url: str, connect_timeout: float = 0.0, read_timeout: float = 0.0, proxy: str = ""
) -> Failure:
    """What a transport exception means: its kind, the sentence, whether transient, whether maybe local."""
    chain = exception_chain(exc)

    def find(*types: type[BaseException]) -> Any:
        return next((e for e in chain if isinstance(e, types)), None)

    host, port = _host_port(url)
    if find(requests.exceptions.ProxyError, u3.ProxyError):
        return _proxy_failure(chain, proxy or "configured", host, port)
    if gai := find(socket.gaierror):
        return _dns_failure(gai, host)
    if find(ConnectionRefusedError):
        return Failure(ErrorKind.REFUSED, f"connection refused by {host}:{port}", False, False)
    if cert := find(ssl.SSLCertVerificationError):
        why = getattr(cert, "verify_message", "") or str(cert)
        return Failure(ErrorKind.TLS, f"the TLS certificate of {host} was rejected: {why}", False, False)
    if tls := find(ssl.SSLError) or find(u3.SSLError, requests.exceptions.SSLError):
        detail = f"TLS handshake with {host}:{port} failed ({_ssl_reason(tls)})"
        return Failure(ErrorKind.TLS, detail, False, False)
    os_err = next((e for e in chain if isinstance(e, OSError) and e.errno in _NO_ROUTE), None)
    if os_err is not None:
        # ENETUNREACH/ENETDOWN come from this machine's routing table; EHOSTUNREACH may be ours or theirs.
        detail = f"{host} is unreachable ({os_err.strerror or 'no route'})"
        return Failure(ErrorKind.OTHER, detail, False, True)
    # NewConnectionError subclasses ConnectTimeoutError (urllib3 compatibility) without being a timeout.
    if any(isinstance(e, u3.ConnectTimeoutError) and not isinstance(e, u3.NewConnectionError) for e in chain):
        within = f" within {secs(connect_timeout)} s" if connect_timeout else ""
        return Failure(ErrorKind.TIMEOUT, f"could not connect to {host}:{port}{within}", True, False)
    if find(u3.ReadTimeoutError, requests.exceptions.ReadTimeout, TimeoutError):
        for_ = f" for {secs(read_timeout)} s" if read_timeout else ""
        detail = f"{host} sent nothing{for_}: timed out waiting for data"
        return Failure(ErrorKind.TIMEOUT, detail, True, False)
    # A reset, or a close before any answer, on every attempt is what a browser shows as "connection reset"
    # or "empty response": the site does not work (when the canary says our network does; see checks.py).
    if find(http.client.RemoteDisconnected):  # a ConnectionResetError subclass, but no reset: a clean close
        return Failure(ErrorKind.RESET, f"{host} closed the connection without answering", True, False)
    if find(ConnectionResetError, ConnectionAbortedError, BrokenPipeError):
        return Failure(ErrorKind.RESET, f"connection reset by {host}", True, False)
    if find(http.client.IncompleteRead, u3.ProtocolError):
        return Failure(ErrorKind.OTHER, f"{host} closed the connection before a complete answer", True, False)
    if find(u3.NewConnectionError):
        why = next((e.strerror for e in chain if isinstance(e, OSError) and e.strerror), "") or "failed"
        return Failure(ErrorKind.OTHER, f"could not connect to {host}:{port} ({why})", False, False)
    if find(requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema, u3.LocationValueError):
        return Failure(ErrorKind.OTHER, f"not a valid web address: {url}", False, False)
    return Failure(ErrorKind.OTHER, f"fetching {url} failed: {type(exc).__name__}: {exc}", False, False)


def _proxy_failure(chain: list[BaseException], proxy: str, host: str, port: int) -> Failure:
    # An https site through a proxy: the proxy answers our CONNECT with its own status when it cannot
    # reach the site ("Tunnel connection failed: 502 Bad Gateway"), as it would answer a plain request.
    tunnel = next(
        (str(e) for e in chain if isinstance(e, OSError) and "Tunnel connection failed" in str(e)), ""
    )
    if tunnel:
        why = tunnel.split(":", 1)[1].strip()
        detail = f"the proxy {proxy} could not connect to {host}:{port} ({why})"
        return Failure(ErrorKind.PROXY, detail, True, False)
    why = next((e.strerror for e in chain if isinstance(e, OSError) and e.strerror), "") or next(
        (type(e).__name__ for e in chain if isinstance(e, OSError)), "failed"
    )
    return Failure(ErrorKind.PROXY, f"could not reach the proxy {proxy} ({why})", False, True)


def proxy_name(proxy: str | None) -> str:
    """The proxy's scheme://host:port, without the user name and password a proxy URL may carry."""
    if not proxy:
        return ""
    try:
        parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(unreadable proxy address)"
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}{port}"


def _ssl_reason(exc: BaseException) -> str:
    # "[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)" -> "wrong version number"
    text = str(getattr(exc, "strerror", None) or exc)
    text = re.sub(r"^\[SSL: [A-Z0-9_]+\]\s*|\s*\(_ssl\.c:\d+\)$", "", text)
    return text or type(exc).__name__


def _dns_failure(gai: socket.gaierror, host: str) -> Failure:
    if gai.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)):
        return Failure(ErrorKind.DNS, f"DNS lookup failed: {host} does not exist", False, False)
    if gai.errno == socket.EAI_AGAIN:
        # The resolver did not answer: usually our network, not the site.
        detail = f"DNS lookup failed: no answer about {host} (temporary resolver failure)"
        return Failure(ErrorKind.DNS, detail, False, True)
    return Failure(ErrorKind.DNS, f"DNS lookup failed for {host}: {gai.strerror or gai}", False, False)


def _host_port(url: str) -> tuple[str, int]:
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname or url
    except ValueError:
        return url, 0
    return host, port or (443 if parts.scheme.lower() == "https" else 80)


def first(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name), None)


def retry_after(value: str | None) -> float | None:
    """Seconds to wait per a Retry-After header (delta-seconds or HTTP date), None if absent or invalid."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


# Epoch seconds, not a delay: X-RateLimit-Reset is either (GitHub sends epoch seconds, others a delay).
_EPOCH_THRESHOLD = 1_000_000_000
_RATELIMIT_PARAM = re.compile(r"(?:^|[;,\s])(remaining|reset|r|t)\s*=\s*\"?(\d+(?:\.\d+)?)", re.IGNORECASE)


def host_pause(status: int, headers: list[tuple[str, str]]) -> tuple[float, str] | None:
    """How long the whole host asks us to wait, and the header that says so: a 429 with Retry-After, or any
    answer saying no request is left (the IETF draft's `RateLimit: limit=10, remaining=0, reset=5`, its later
    `RateLimit: "default";r=0;t=5`, `RateLimit-Remaining: 0` + `RateLimit-Reset`, `X-RateLimit-Remaining: 0`
    + `X-RateLimit-Reset`). None: the host asked for nothing."""
    if status == 429 and (after := retry_after(first(headers, "retry-after"))) is not None:
        return after, f"429 with Retry-After: {first(headers, 'retry-after')}"
    params = {k.lower(): float(v) for k, v in _RATELIMIT_PARAM.findall(first(headers, "ratelimit") or "")}
    remaining, reset = params.get("remaining", params.get("r")), params.get("reset", params.get("t"))
    if remaining == 0 and reset is not None:
        # A server's header, quoted in the evidence: cut short, since nothing bounds its length.
        return reset, f"{status} with RateLimit: {(first(headers, 'ratelimit') or '')[:80].strip()}"
    for prefix in ("ratelimit-", "x-ratelimit-"):
        left, when = first(headers, prefix + "remaining"), first(headers, prefix + "reset")
        if (left or "").strip() == "0" and when is not None:
            wait = _number(when)
            if wait is not None:
                if wait > _EPOCH_THRESHOLD:
                    wait = max(0.0, wait - datetime.now(timezone.utc).timestamp())
                name = "X-RateLimit" if prefix.startswith("x") else "RateLimit"
                return wait, f"{status} with {name}-Remaining: 0, {name}-Reset: {when.strip()}"
    return None


def _number(value: str) -> float | None:
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if number >= 0 and number == number and number != float("inf") else None
