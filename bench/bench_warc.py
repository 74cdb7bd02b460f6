"""Benchmark the local WARC archive: what writing every fetch costs a run, and how fast replay is.

Run by hand: `.venv/bin/python bench/bench_warc.py [--urls 200] [--delay 0.05] [--reps 5]`. A local server answers
`urls` URLs (real news pages from /work/shared/corpus/aeb/ when present, half of them gzip-encoded as served, else
synthetic pages; every tenth URL a 404). It prints, as medians over `reps` alternating runs: fetch_all alone,
fetch_all writing every result into a WarcWriter (closed, fsynced), the archive's size, the CPU cost of writing
alone, replay (opening the archive + fetch_all from it) against the live run, and packing it as a WACZ
(`verify --wacz`, when the wacz extra is installed).
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import socket
import statistics
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from civicheck.archive import WarcReplay, WarcWriter, new_run_id
from civicheck.clock import now_utc
from civicheck.fetch import FetchResult
from civicheck.fetch.client import Fetcher

CORPUS = Path("/work/shared/corpus/aeb/html")


def pages(n: int) -> list[tuple[int, bytes, bool]]:
    """(status, body as served, gzip-encoded?) for n URLs."""
    files = sorted(CORPUS.glob("*.html.gz")) if CORPUS.is_dir() else []
    out = []
    for i in range(n):
        if i % 10 == 9:
            out.append((404, b"<html><body><h1>Not Found</h1></body></html>", False))
        elif files:
            raw = files[i % len(files)].read_bytes()
            encoded = i % 2 == 0
            out.append((200, raw if encoded else gzip.decompress(raw), encoded))
        else:
            body = (
                "<html><body>"
                + f"<p>Berita {i}: Pemerintah Kota Cilegon, layanan publik.</p>" * 600
                + "</body></html>"
            ).encode()
            encoded = i % 2 == 0
            out.append((200, gzip.compress(body) if encoded else body, encoded))
    return out


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    delay = 0.05
    table: list[tuple[int, bytes, bool]] = []


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no 40 ms Nagle stalls

    def do_GET(self) -> None:
        time.sleep(self.server.delay)
        status, body, encoded = self.server.table[int(self.path.strip("/").split("/")[-1])]
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if encoded:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def live(urls: list[str], directory: Path | None) -> tuple[float, dict[str, FetchResult], Path | None]:
    started = now_utc()
    start = time.perf_counter()
    path = None
    with Fetcher(concurrency=16, per_host=16, allow_private=True) as fetcher:
        if directory is None:
            results = fetcher.fetch_all([(u, None) for u in urls])
        else:
            with WarcWriter(directory, new_run_id(started), started) as writer:
                results = fetcher.fetch_all([(u, None) for u in urls], on_result=writer.write)
            path = writer.path
    return time.perf_counter() - start, results, path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=200)
    parser.add_argument("--delay", type=float, default=0.05, help="server think time per request, seconds")
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()

    server = _Server(("127.0.0.1", 0), _Handler)
    server.delay, server.table = args.delay, pages(args.urls)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    urls = [f"http://127.0.0.1:{server.server_address[1]}/{i}" for i in range(args.urls)]
    source = (
        f"{min(len(list(CORPUS.glob('*.html.gz'))), args.urls)} corpus pages"
        if CORPUS.is_dir()
        else "synthetic"
    )
    print(
        f"{args.urls} URLs ({source}; half gzip-encoded, 10% 404), server delay {args.delay * 1000:.0f} ms, "
        f"{args.reps} reps"
    )

    plain, archived, sizes = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        live(urls[:10], None)  # warm up imports (warcio, requests) outside the timings
        for rep in range(args.reps):
            for with_warc in (False, True) if rep % 2 == 0 else (True, False):
                elapsed, results, path = live(urls, Path(tmp) / str(rep) if with_warc else None)
                (archived if with_warc else plain).append(elapsed)
                if path is not None:
                    sizes.append(path.stat().st_size)
                    last_path, last_results = path, results

        raw = sum(len(r.raw_body) for r in last_results.values())
        decoded = sum(len(r.body) for r in last_results.values())
        cpu = []
        for _ in range(3):
            writer = WarcWriter(Path(tmp) / "cpu", new_run_id(now_utc()), now_utc())
            start = time.process_time()
            for r in last_results.values():
                writer.write(r)
            writer.close()
            cpu.append(time.process_time() - start)

        replays = []
        for _ in range(args.reps):
            start = time.perf_counter()
            with WarcReplay([last_path]) as replay:
                replayed = replay.fetch_all([(u, None) for u in urls])
            replays.append(time.perf_counter() - start)
        same = all(replayed[u] == last_results[u] for u in urls)

        packs, wacz_size = [], 0
        if importlib.util.find_spec("wacz") is not None:  # the optional extra: pip install -e '.[wacz]'
            from civicheck.archive.wacz import write_wacz

            for _ in range(3):
                start = time.perf_counter()
                wacz_size = write_wacz(last_path, [(u, u) for u in urls], "bench").stat().st_size
                packs.append(time.perf_counter() - start)
    server.shutdown()

    p, a, r = statistics.median(plain), statistics.median(archived), statistics.median(replays)
    print(
        f"fetch_all alone:             {p * 1000:8.1f} ms   (runs: {', '.join(f'{x * 1000:.0f}' for x in plain)})"
    )
    print(
        f"fetch_all + WARC of each:    {a * 1000:8.1f} ms   (runs: {', '.join(f'{x * 1000:.0f}' for x in archived)})"
    )
    print(f"  overhead:                  {(a - p) * 1000:+8.1f} ms   ({(a / p - 1) * 100:+.1f} %)")
    print(
        f"writing alone (CPU, 1 thread): {statistics.median(cpu) * 1000:6.1f} ms for {args.urls} results "
        f"({statistics.median(cpu) / args.urls * 1000:.2f} ms each)"
    )
    print(
        f"archive size:                {statistics.median(sizes) / 1e6:8.2f} MB   (payloads as received "
        f"{raw / 1e6:.2f} MB, decoded {decoded / 1e6:.2f} MB)"
    )
    print(
        f"replay (open + fetch_all):   {r * 1000:8.1f} ms   = {r / p * 100:.1f} % of the live run; "
        f"identical results: {same}"
    )
    if packs:
        w = statistics.median(packs)
        print(
            f"WACZ of the archive (--wacz): {w * 1000:7.1f} ms   = {w / a * 100:.1f} % of the archived run; "
            f"{wacz_size / 1e6:.2f} MB"
        )


if __name__ == "__main__":
    main()
