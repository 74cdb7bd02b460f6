"""What one fetch turned into: an attempt's answer made into the FetchResult the rest of civicheck reads, the
request and response headers as plain pairs, and the words for a redirect that cannot be followed.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import requests
import requests.utils

from civicheck.fetch.attempts import Answer, Run
from civicheck.fetch.describe import phrase, secs
from civicheck.fetch.failures import COULD_BE_OURS
from civicheck.fetch.models import FetchResult, RedirectHop


def result_of(
    run: Run,
    final_url: str,
    redirects: list[tuple[int, str]],
    out: Answer,
    fetched_at: str,
    hops: list[RedirectHop] | None = None,
) -> FetchResult:
    detail = out.detail
    if out.error is None:
        detail = f"{out.status} {out.reason or phrase(out.status or 0)}".strip()
    elif run.attempts > 1:
        detail += f" ({run.attempts} attempts)" if out.deadline else f", still after {run.attempts} attempts"
    if out.out_of_time:
        detail += f"; no time left for another attempt within the {secs(run.plan.budget)} s deadline"
    return FetchResult(
        url=run.url,
        final_url=final_url,
        status=out.status,
        reason=out.reason,
        error=out.error,
        detail=detail,
        fetched_at=fetched_at,
        attempts=run.attempts,
        redirects=redirects,
        hops=hops or [],
        headers=out.headers,
        body=out.body,
        raw_body=out.raw,
        http_version=out.http_version,
        request_headers=out.request_headers,
        maybe_local=out.maybe_local,
        proxy=out.proxy,
        waited=run.waited,
        rate_limit=run.pause.sentence(run.waited) if run.pause is not None and run.waited else "",
        # Whichever step failed (resolving within the deadline, connecting, reading), these could be ours.
        could_be_ours=out.error is not None
        and (out.could_be_ours or out.maybe_local or out.error in COULD_BE_OURS),
    )


def redirect_limit_detail(chain: list[str], target: str, limit: int) -> str:
    if target in chain:
        start = len(chain) - 1 - chain[::-1].index(target)
        loop = " → ".join([*chain[start:], target])
        return f"redirect loop: {loop} (gave up after {limit} redirects)"
    return f"more than {limit} redirects (the last one to {target})"


def resolve_location(current: str, location: str) -> str:
    try:
        # http.client decodes headers as latin-1; servers send UTF-8 Locations.
        location = location.encode("latin-1").decode("utf-8")
    except UnicodeError:
        pass
    return requests.utils.requote_uri(urljoin(current, location.strip()))


def hostless(location: str) -> bool:
    """An absolute http(s) Location without a host ("http://", "https:///x"): no address at all (WHATWG)."""
    location = location.strip()
    if not location.lower().startswith(("http://", "https://")):
        return False
    try:
        return not urlsplit(location).hostname
    except ValueError:
        return False  # _url_problem names it


def url_problem(url: str) -> str:
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        return f"not a valid web address: {url!r}"
    if parts.scheme.lower() not in ("http", "https"):
        return f"not an http(s) address: {url!r}"
    if not host:
        return f"no host name in {url!r}"
    return ""


def sent_headers(prep: requests.PreparedRequest) -> list[tuple[str, str]]:
    """The request headers as http.client writes them: Host first, then ours."""
    parts = urlsplit(prep.url or "")
    host = parts.netloc.rpartition("@")[2]
    default = ":443" if parts.scheme == "https" else ":80"
    if host.endswith(default):
        host = host[: -len(default)]
    return [("Host", host), *((str(k), str(v)) for k, v in prep.headers.items())]


def received_headers(resp: requests.Response) -> list[tuple[str, str]]:
    # http.client's message keeps every header line in order, duplicates included (Set-Cookie!).
    original = getattr(resp.raw, "_original_response", None)
    message = getattr(original, "msg", None)
    if message is not None:
        return [(str(k), str(v)) for k, v in message.items()]
    return list(resp.raw.headers.iteritems())


def content_length(resp: requests.Response) -> int | None:
    value = resp.headers.get("content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def version_string(version: int | None) -> str:
    return {9: "HTTP/0.9", 10: "HTTP/1.0", 11: "HTTP/1.1", 20: "HTTP/2"}.get(version or 11, "HTTP/1.1")
