"""Server behaviours that tests/test_attacks_network.py and bench/bench_interrupt.py both need."""

from __future__ import annotations

from collections.abc import Callable
from http.server import BaseHTTPRequestHandler

from conftest import Site


def canary_that_goes_quiet(
    site: Site, hang: float = 60.0
) -> tuple[Callable[[BaseHTTPRequestHandler], None], list]:
    """A canary route handler that answers its first request, then hangs on every later one (for `hang` seconds,
    or until the site stops): the network was up, then went down. Returns it and the list of calls it saw."""
    calls: list[str] = []

    def handler(rh: BaseHTTPRequestHandler) -> None:
        calls.append(rh.path)
        if len(calls) > 1:
            site.sleep(hang)
            return
        rh.send_response(200)
        rh.send_header("Content-Length", "2")
        rh.end_headers()
        rh.wfile.write(b"ok")

    return handler, calls
