"""Benchmark Fetcher.fetch_all against a bare 16-thread pool of requests.get on a local server.

Run by hand: `.venv/bin/python bench/bench_fetch.py [--urls 200] [--delay 0.1] [--reps 5]`. The server answers
every URL after `delay` seconds; both contenders fetch the same URLs in the same run, in alternating order,
and the script prints each wall time, the medians and their ratio (target: Fetcher / bare <= 1.3).
"""

from __future__ import annotations

import argparse
import socket
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from civicheck.fetch.client import Fetcher

PAGE = b"<html><body>" + b"<p>Pemerintah Kota Cilegon, layanan publik.</p>" * 40 + b"</body></html>"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # 16 clients connecting at once must not hit the listen backlog
    delay = 0.1


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        # http.server writes headers and body separately; without TCP_NODELAY, Nagle holds the body until
        # the client's delayed ACK (40 ms) on every reused keep-alive connection, a stall real web servers
        # do not have and that would penalise only the contender that reuses connections.
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        time.sleep(self.server.delay)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, format: str, *args: object) -> None:
        pass


def run_fetcher(urls: list[str]) -> float:
    start = time.perf_counter()
    with Fetcher(concurrency=16, per_host=16, allow_private=True) as fetcher:
        results = fetcher.fetch_all([(url, None) for url in urls])
    elapsed = time.perf_counter() - start
    assert all(r.status == 200 for r in results.values()), "Fetcher: not every URL answered 200"
    return elapsed


def run_bare(urls: list[str]) -> float:
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(lambda url: requests.get(url, timeout=20).status_code, urls))
    elapsed = time.perf_counter() - start
    assert statuses == [200] * len(urls), "bare pool: not every URL answered 200"
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=200)
    parser.add_argument("--delay", type=float, default=0.1, help="server answer delay, seconds")
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()

    server = _Server(("127.0.0.1", 0), _Handler)
    server.delay = args.delay
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    urls = [f"{base}/page/{i}" for i in range(args.urls)]
    ideal = args.urls / 16 * args.delay

    times: dict[str, list[float]] = {"fetcher": [], "bare": []}
    contenders = {"fetcher": run_fetcher, "bare": run_bare}
    run_bare(urls[:16])  # warm up imports and the server's thread machinery
    for rep in range(args.reps):
        order = ["fetcher", "bare"] if rep % 2 == 0 else ["bare", "fetcher"]
        for name in order:
            times[name].append(contenders[name](urls))
        print(f"rep {rep + 1}: " + "  ".join(f"{n} {times[n][-1]:.3f} s" for n in order))

    fetcher_median = statistics.median(times["fetcher"])
    bare_median = statistics.median(times["bare"])
    print(f"{args.urls} URLs, {args.delay * 1000:.0f} ms each, 16 threads (ideal {ideal:.2f} s)")
    print(f"median Fetcher.fetch_all : {fetcher_median:.3f} s")
    print(f"median bare requests.get : {bare_median:.3f} s")
    print(f"ratio Fetcher / bare     : {fetcher_median / bare_median:.2f} (target <= 1.3)")
    server.shutdown()
    server.server_close()


if __name__ == "__main__":
    main()
