"""The Fetcher: cited URLs fetched through one requests.Session, each within its own deadline, following
redirects and retrying what is worth another attempt; per-host limits through the scheduler (fetch_all).

A failed fetch is not an exception: it is a FetchResult whose `error` says what went wrong, because
"the server refused the connection" is evidence about a government service.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
import requests.auth
import requests.cookies
import requests.structures
import requests.utils

from civicheck import __version__
from civicheck.clock import now_utc
from civicheck.credentials import RequestHeaders, masked, redact_headers, without_userinfo
from civicheck.errors import NoAnswer
from civicheck.fetch.addresses import AddressPolicy, host_key, host_of, refused
from civicheck.fetch.answers import (
    content_length,
    hostless,
    received_headers,
    redirect_limit_detail,
    resolve_location,
    result_of,
    sent_headers,
    url_problem,
    version_string,
)
from civicheck.fetch.attempts import DEADLINE_SLACK, Answer, HostGate, Plan, Pulse, Run
from civicheck.fetch.decoders import ENCODINGS_WE_DECODE, content_codings, read_body
from civicheck.fetch.describe import secs, size
from civicheck.fetch.failures import (
    TRANSPORT_ERRORS,
    deadline_answer,
    exception_chain,
    host_pause,
    http_error,
    proxy_name,
    transport_failure,
)
from civicheck.fetch.models import ErrorKind, FetchResult, RedirectHop
from civicheck.fetch.pauses import HostPauses
from civicheck.fetch.resolve import Resolve, Resolver
from civicheck.fetch.transport import Watchdog, WatchedAdapter, pinned, watching

if TYPE_CHECKING:
    from civicheck.fetch.network import NetworkWatch

USER_AGENT = f"civicheck/{__version__} (civic fact-check tool) python-requests/{requests.__version__}"
# What a browser sends when a citizen opens a link: a server that negotiates content answers `*/*` (requests'
# default) with a 404 or a JSON error, not the page a citizen sees.
ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
# Indonesian first, as a browser set up in Indonesia asks: the sites civicheck is made for answer in the
# language their citizens read; English next, the language most of them fall back to. A claims file changes it
# per host with `defaults.headers` ({host: {Accept-Language: …}}).
ACCEPT_LANGUAGE = "id,en;q=0.8"
# Browsers follow 20 redirects (Chromium's and Firefox's limit); fewer would call a page a browser opens broken.
MAX_REDIRECTS = 20

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_REDIRECT_DRAIN_BYTES = 64 * 1024  # a redirect body bigger than this is not worth keeping the connection for
_KNOCK_MAX_BYTES = 16 * 1024


class Fetcher:
    """Fetches URLs for evidence through one shared requests.Session; fetch() never raises for network
    or HTTP problems, it returns a FetchResult saying precisely what happened."""

    def __init__(
        self,
        *,
        timeout: float = 20.0,
        connect_timeout: float = 10.0,
        read_timeout: float = 15.0,
        max_bytes: int = 25_000_000,
        max_redirects: int = MAX_REDIRECTS,
        retries: int = 2,
        backoff: float = 0.5,
        retry_after_cap: float = 10.0,
        concurrency: int = 16,
        per_host: int = 4,
        user_agent: str = USER_AGENT,
        accept_language: str = ACCEPT_LANGUAGE,
        allow_private: bool = False,
        private_hosts: Iterable[str] = (),
        private_urls: Iterable[str] = (),
        headers: RequestHeaders | None = None,
        resolve: Resolve | None = None,
    ):
        """`allow_private` lets fetches connect to loopback, private, link-local... addresses, which are
        refused by default; `private_hosts` allows them for these hosts only, `private_urls` for URLs that
        start with one of these. `headers` are sent to their hosts only. `resolve` (host -> addresses)
        replaces the system resolver, e.g. in tests."""
        if concurrency < 1 or per_host < 1:
            raise ValueError("concurrency and per_host must be at least 1")
        if timeout <= 0 or connect_timeout <= 0 or read_timeout <= 0:
            raise ValueError("timeouts must be positive")
        if max_bytes < 1 or max_redirects < 0 or retries < 0:
            raise ValueError("max_bytes must be positive, max_redirects and retries not negative")
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.retries = retries
        self.backoff = backoff
        self.retry_after_cap = retry_after_cap
        self.concurrency = concurrency
        self.per_host = per_host
        self.user_agent = user_agent
        self.pulse = Pulse()
        self.pauses = HostPauses()
        self._cancelled = threading.Event()
        self.policy = AddressPolicy.of(allow_private, private_hosts, private_urls)
        self.headers = headers or RequestHeaders()
        # Conditional headers (If-None-Match, If-Modified-Since) by the URL requested, from the history's last
        # good fetch of it (history/revisits.py): set by the run before its fetches, read-only while they go.
        self.validators: dict[str, list[tuple[str, str]]] = {}
        self._resolver = Resolver(resolve)
        self._watchdog = Watchdog()
        self._session = requests.Session()
        # An explicit auth that adds nothing: requests then never reads ~/.netrc (it would send those
        # credentials to any cited host, and they would be archived), nor turns a URL's user:password into
        # a Basic header. Proxy settings from the environment still apply.
        self._session.auth = _NoAmbientCredentials()
        self._session.headers.update(
            {
                "User-Agent": user_agent,
                "Accept": ACCEPT,
                "Accept-Language": accept_language,
                "Accept-Encoding": ", ".join(ENCODINGS_WE_DECODE),
            }
        )
        adapter = WatchedAdapter(
            pool_connections=max(10, concurrency),
            pool_maxsize=max(concurrency, per_host),
            max_retries=0,
        )
        self._session.mount("http://", adapter)
        self._session.mount("https://", adapter)
        # (scheme, host) -> requests' settings from the environment for it (proxies, NO_PROXY, a CA bundle).
        self._environment: dict[tuple[str, str], Any] = {}

    def close(self) -> None:
        self._session.close()
        self._watchdog.close()

    def cancel(self) -> None:
        """Ctrl-C: cut every fetch in flight, end every backoff sleep, and make every later fetch end at
        once, so that the threads still running finish within moments."""
        self._cancelled.set()
        self._watchdog.cancel()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public API --

    def fetch(self, url: str, *, timeout: float | None = None, gate: HostGate | None = None) -> FetchResult:
        """Fetch one URL within `timeout` seconds (all attempts and the body included). A `gate` (the
        scheduler's) is asked for a slot whenever a redirect leads to another host; waiting for it does not
        count against the deadline."""
        budget = self.timeout if timeout is None else timeout
        return self._fetch(url, self._plan(budget, self.retries, True, self.max_bytes), gate)

    def fetch_all(
        self,
        jobs: Sequence[tuple[str, float | None]],
        on_result: Callable[[FetchResult], None] | None = None,
        *,
        network: NetworkWatch | None = None,
    ) -> dict[str, FetchResult]:
        """Fetch each distinct URL once, `concurrency` at a time and at most `per_host` requests in flight
        to one host (the host actually contacted, after redirects).

        A URL cited twice with different deadlines gets the longer one. Results come back in job order;
        `on_result` is called as each URL's result is final. With `network` (a network.NetworkWatch), a
        failure that could be our own network's is judged against the canary when it happens, and fetched
        again once the network is back if it was down (see scheduler.py).
        """
        from civicheck.fetch.scheduler import HostScheduler

        budgets: dict[str, float] = {}
        for url, budget in jobs:
            budget = self.timeout if budget is None else budget
            budgets[url] = max(budget, budgets.get(url, 0.0))
        if not budgets:
            return {}
        return HostScheduler(self, budgets, on_result, network).run()

    def knock(self, url: str, timeout: float) -> FetchResult:
        """One attempt, no redirects followed, a tiny body: enough to learn whether anything answers (the
        canary's question; not the soft-404 probe, which is a whole fetch of a made-up sibling URL)."""
        return self._fetch(url, self._plan(timeout, 0, False, _KNOCK_MAX_BYTES))

    def _plan(self, budget: float, retries: int, follow_redirects: bool, max_bytes: int) -> Plan:
        return Plan(budget, retries, follow_redirects, max_bytes, self.connect_timeout, self.read_timeout)

    # -- the steps of one fetch --

    def _fetch(self, url: str, plan: Plan, gate: HostGate | None = None) -> FetchResult:
        started = time.monotonic()
        fetched_at = now_utc()
        problem = url_problem(url)
        if problem:
            return FetchResult(url, url, None, "", ErrorKind.OTHER, problem, fetched_at)
        deadline = started + plan.budget
        run = Run(url, plan, deadline, self._watchdog.watch(deadline), self.pulse, gate)
        with watching(run.watch):
            result = self._follow(run, fetched_at)
        result.elapsed = time.monotonic() - started
        return result

    def _follow(self, run: Run, fetched_at: str) -> FetchResult:
        current = run.url
        redirects: list[tuple[int, str]] = []
        hops: list[RedirectHop] = []
        while True:
            run.via = redirects[-1][1] if redirects else None
            out = self._attempt_with_retries(run, current)
            if out.location is None:
                return result_of(run, current, redirects, out, fetched_at, hops)
            # A password in a Location is never sent (see _attempt) nor written down: reports show "user:***@".
            target = masked(resolve_location(current, out.location))
            if hostless(out.location):
                target = out.location.strip()  # "http://": urljoin would read it as this very page
            if len(redirects) >= self.max_redirects:
                out.error = ErrorKind.TOO_MANY_REDIRECTS
                chain = [u for _, u in redirects] + [current]
                out.detail = redirect_limit_detail(chain, target, self.max_redirects)
                return result_of(run, current, redirects, out, fetched_at, hops)
            problem = url_problem(target)
            if problem:
                # A browser shows an error page here, or hands the address to another program: the page the
                # citizen asked for is not shown. The site's own doing, so not a failure of ours.
                out.error = ErrorKind.BAD_REDIRECT
                out.detail = (
                    f"{current} redirected to {target!r}, which no browser opens as a web page ({problem})"
                )
                return result_of(run, current, redirects, out, fetched_at, hops)
            if run.gate is not None and host_of(target) != host_of(current):
                self._change_host(run, host_of(target))
            redirects.append((out.status or 0, current))
            hops.append(
                RedirectHop(
                    current,
                    out.status or 0,
                    out.reason,
                    out.headers,
                    out.http_version,
                    out.request_headers,
                    out.raw,
                    out.truncated,
                )
            )
            current = target

    def _change_host(self, run: Run, host: str) -> None:
        """Take a slot of the host a redirect leads to (the per-host limit is about the host contacted, not
        the one cited). Waiting for a busy host is not that host's slowness: the deadline stops meanwhile."""
        assert run.gate is not None
        self._watchdog.pause(run.watch)
        started = time.monotonic()
        try:
            run.gate.move(host)
        finally:
            run.deadline += time.monotonic() - started
            self._watchdog.resume(run.watch, run.deadline)

    def _attempt_with_retries(self, run: Run, url: str) -> Answer:
        # An explicit loop rather than urllib3's Retry: Retry cannot retry a failure while streaming the
        # body, sleeps without knowing our deadline, and does not cap Retry-After; all three matter here.
        while True:
            out = self._attempt(run, url)
            if out.stale and not run.resent and not run.past_deadline():
                # The server closed an idle kept-alive connection just as we reused it: the request never
                # reached it. Sent again at once on a new connection, as browsers do; not a retry of ours.
                run.resent = True
                continue
            if not out.transient or out.deadline or run.retries_used >= run.plan.retries:
                return out
            if out.retry_after is not None:
                wait = min(out.retry_after, self.retry_after_cap)
            else:
                wait = self.backoff * 2**run.retries_used
            pause = self.pauses.current(host_of(url))
            if pause is not None:  # this host asked every request to wait: the retry too
                wait = max(wait, pause.end - time.monotonic())
            if time.monotonic() + wait >= run.deadline - DEADLINE_SLACK:
                out.out_of_time = True
                return out
            if self._cancelled.wait(wait):  # an Event, not time.sleep: Ctrl-C must not wait out the backoff
                return out
            if pause is not None:
                run.paused(pause, wait)
            run.retries_used += 1
            run.attempts += 1

    def _attempt(self, run: Run, url: str) -> Answer:
        held = self._wait_for_host(run, host_of(url))
        if held is not None:
            return held
        left = run.left()
        if left <= 0 or run.watch.fired:
            return deadline_answer(run)
        try:
            headers = self.headers.for_host(host_of(url))
            conditions = self.validators.get(url)
            if conditions:
                headers = {**headers, **dict(conditions)}
            prep = self._prepare(without_userinfo(url), headers)
        except TRANSPORT_ERRORS as exc:
            return Answer(error=ErrorKind.OTHER, detail=f"not a valid web address: {url} ({exc})")
        sent = self.headers.redact(sent_headers(prep))
        proxy = ""
        connections = run.watch.connections
        try:
            settings = self._environment_settings(prep.url or url)
            # requests honours HTTP(S)_PROXY: through a proxy, a 5xx or a refusal may be the proxy's own.
            proxy = proxy_name(requests.utils.select_proxy(prep.url or url, settings["proxies"]))
            routes = self._routes(run, prep.url or url, settings["proxies"])
            if isinstance(routes, Answer):
                routes.proxy = proxy
                return routes
            adapter = self._session.get_adapter(prep.url or url)
            # adapter.send, not session.send: the session's redirect logic would read a redirect's whole
            # body, uncapped, before we get to see it.
            with pinned(routes, run.deadline):
                resp = adapter.send(
                    prep,
                    stream=True,
                    timeout=(min(run.plan.connect_timeout, left), min(run.plan.read_timeout, left)),
                    # True was passed in: requests only swaps it for a CA bundle named by the environment.
                    verify=True if settings["verify"] is None else settings["verify"],
                    cert=settings["cert"],
                    proxies=settings["proxies"],
                )
        except TRANSPORT_ERRORS as exc:
            out = transport_failure(run, url, exc, Answer(request_headers=sent, proxy=proxy))
            chain = exception_chain(exc)
            out.stale = run.watch.connections == connections and any(
                isinstance(e, (http.client.RemoteDisconnected, BrokenPipeError)) for e in chain
            )
            return out
        if run.watch.fired:
            # The watchdog's shutdown reads as the end of the headers to http.client: this status line
            # and these headers may be cut short, so they are not evidence.
            resp.close()
            return deadline_answer(run, Answer(request_headers=sent, proxy=proxy))
        run.pulse.last = time.monotonic()
        try:
            requests.cookies.extract_cookies_to_jar(self._session.cookies, prep, resp.raw)
            return self._read_response(run, url, resp, sent, proxy)
        finally:
            resp.close()  # a fully read response already went back to the pool; anything else is closed

    def _prepare(self, url: str, headers: Mapping[str, str]) -> requests.PreparedRequest:
        """What requests' Session.prepare_request makes of our GET: the session's headers updated with
        `headers`, the cookies of its jar that the URL may have, its auth (which adds nothing) and hooks.
        Made here because prepare_request copies the session's whole cookie jar for every request (3 ms a
        fetch once a run had 300 cookies from 100 sites, and unlocked while other fetch threads add to it)
        and merges settings we never set per request (0.14 ms a fetch with no cookie)."""
        merged = requests.structures.CaseInsensitiveDict(self._session.headers)
        merged.update(headers)
        prep = requests.PreparedRequest()
        prep.prepare(
            method="GET",
            url=url,
            headers=merged,
            cookies=self._session.cookies,
            auth=self._session.auth,
            hooks=self._session.hooks,
        )
        return prep

    def _environment_settings(self, url: str) -> Any:
        """What requests takes from the environment for this URL (HTTP(S)_PROXY and NO_PROXY, a CA bundle named
        by REQUESTS_CA_BUNDLE), read once per scheme and host of a Fetcher: requests reads it on every
        request, walking every environment variable twice, a fifth of a fetch's CPU. It depends on nothing
        else of the URL (NO_PROXY names hosts and ports)."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc)
        settings = self._environment.get(key)
        if settings is None:  # two threads may both read it: the same settings
            settings = self._environment[key] = self._session.merge_environment_settings(
                url, {}, True, None, None
            )
        return settings

    def _wait_for_host(self, run: Run, host: str) -> Answer | None:
        """Wait while `host` is paused (pauses.py), within the deadline; an answer when this fetch must not
        ask it at all (the pause ends past the deadline, or Ctrl-C)."""
        while (pause := self.pauses.current(host)) is not None:
            started = time.monotonic()
            if pause.end >= run.deadline - DEADLINE_SLACK:
                detail = (
                    f"not asked: {host} asked every request to pause {pause.end - started:.1f} s more "
                    f"({pause.why}), past this URL's {secs(run.plan.budget)} s deadline"
                )
                run.pause = pause
                return Answer(error=ErrorKind.RATE_LIMITED, detail=detail)
            cancelled = self._cancelled.wait(pause.end - started)
            run.paused(pause, time.monotonic() - started)
            if cancelled:
                return deadline_answer(run)
        return None

    def _routes(self, run: Run, url: str, proxies: Mapping[str, str]) -> dict[str, list[str]] | Answer:
        """The addresses this request may connect to (host -> addresses), resolved within the deadline and
        checked against the address policy before any connection; or why it may not go anywhere.

        Through an HTTP(S) proxy the proxy resolves the name, so only what the URL itself says (an IP
        literal, "localhost") can be refused here; the proxy's own address is the operator's choice."""
        host = urlsplit(url).hostname or ""
        proxy = requests.utils.select_proxy(url, proxies)
        target = host
        if proxy:
            if refusal := self.policy.refusal_by_name(host, url):
                return Answer(error=ErrorKind.NOT_PUBLIC, detail=refused(refusal, run.via))
            if proxy.lower().startswith("socks"):
                return {}  # a SOCKS connection is not made by our connection classes
            target = urlsplit(proxy if "://" in proxy else f"http://{proxy}").hostname or ""
        try:
            addresses = self._resolver.lookup(target, run.deadline, lambda: run.watch.fired)
        except NoAnswer as exc:
            detail = (
                f"DNS lookup failed: no answer about {target} within the {secs(run.plan.budget)} s deadline"
            )
            detail += f" ({exc.note})" if exc.note else ""
            return Answer(error=ErrorKind.DNS, detail=detail, maybe_local=True, deadline=True)
        if not proxy and (refusal := self.policy.refusal(host, addresses, url)):
            return Answer(error=ErrorKind.NOT_PUBLIC, detail=refused(refusal, run.via))
        return {host_key(target): addresses}

    def _read_response(
        self, run: Run, url: str, resp: requests.Response, sent: list[tuple[str, str]], proxy: str
    ) -> Answer:
        status = resp.status_code
        out = Answer(
            status=status,
            reason=resp.reason or "",
            headers=redact_headers(received_headers(resp)),  # Set-Cookie: a session is not evidence
            http_version=getattr(resp.raw, "version_string", None) or version_string(resp.raw.version),
            request_headers=sent,
            proxy=proxy,
        )
        if (asked := host_pause(status, out.headers)) is not None:
            seconds, why = asked
            self.pauses.pause(host_of(url), seconds, f"{why} on {url}")
        location = resp.headers.get("location")
        if status in _REDIRECT_STATUSES and location and run.plan.follow_redirects:
            # Read a small body so the connection can be reused; a bigger one is dropped with the connection.
            drained = read_body(resp, run, _REDIRECT_DRAIN_BYTES, [])
            if drained.failure is not None or run.watch.fired:
                return transport_failure(run, url, drained.failure, out)
            out.location = location
            # Kept for the WARC, where each hop is a response of its own (and a chain cut short ends on this
            # answer: its evidence hash is then that of the body a replay tool serves).
            out.raw, out.body, out.truncated = drained.raw, drained.data, bool(drained.too_large)
            return out
        announced = content_length(resp)
        over = announced is not None and announced > run.plan.max_bytes
        if over and status >= 400:
            return http_error(out, status)  # the status says it all; such a body is not worth reading
        # Any other body over the cap is read up to the cap, and that part judged: a truncated page is still
        # a page. What decides is what arrived, never what the server announced.
        body = read_body(resp, run, run.plan.max_bytes, content_codings(out.headers))
        out.raw, out.body = body.raw, body.data
        if status >= 400:
            return http_error(out, status)
        if over and not body.too_large and (body.failure is not None or run.watch.fired):
            # Announced too large and cut before the cap: too little of it arrived to judge, and an answer
            # that big is not a dead site either. Not worth another attempt: it would be as big.
            cut = "the deadline" if run.watch.fired or run.past_deadline() else "the connection was cut"
            out.error = ErrorKind.OTHER
            out.detail = (
                f"the server announced {size(announced or 0)}, but only {size(len(body.raw))} of it "
                f"arrived before {cut}: too little to judge"
            )
            return out
        if body.failure is not None or run.watch.fired:
            return transport_failure(run, url, body.failure, out)
        if body.undecodable:
            out.error, out.detail = ErrorKind.OTHER, body.undecodable
        elif body.too_large:
            whole = f"the server announced {size(announced or 0)}" if over else body.too_large
            out.error = ErrorKind.TOO_LARGE
            out.detail = f"judged on its first {size(run.plan.max_bytes)}: {whole}"
        return out


class _NoAmbientCredentials(requests.auth.AuthBase):
    """Sends no credentials, and by being there keeps requests from finding any (netrc, URL user-info)."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request
