"""Three `civicheck verify` runs in a row with a history, against a local server that sends ETag/Last-Modified
and answers 304 to a matching conditional request: what the second and third runs move compared with the first.

Run by hand: `.venv/bin/python bench/bench_second_run.py [--urls 200] [--delay 0.05] [--fresh]`. Pages are the
shared corpus's (served gzip-encoded for every other URL) when /work/shared/corpus is there, else synthetic; each
page is cited by a `contains` and a `live` check, so it is fetched, archived, read, matched and probed. Printed
per run: requests (of them conditional), answers by status, soft-404 probes, bytes sent by the server (headers
and bodies), wall time; then the share of cited-page answers that were 304 and run 2's wall time / run 1's.
`--fresh` adds a fourth run with `verify --fresh` (everything fetched whole again, for comparison).
`--no-validators` serves the pages without ETag/Last-Modified (a server that never answers 304): a second run
then gets every body again, and only its digest tells it is unchanged (the stored reading is used).
`--civicheck-path DIR` runs another checkout's code (PYTHONPATH) too, run for run interleaved with this one's,
each with its own history: `--civicheck-path /work/main` measures before and after in one run.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench_warc import pages

CIVICHECK = str(Path(sys.executable).with_name("civicheck"))
LAST_MODIFIED = "Sat, 28 Nov 2026 02:00:00 GMT"


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, table: list[tuple[int, bytes, bool]], delay: float, validators: bool = True):
        super().__init__(("127.0.0.1", 0), Handler)
        self.table, self.delay, self.validators = table, delay, validators
        self.etags = [f'"{hashlib.sha256(body).hexdigest()[:16]}"' for _, body, _ in table]
        self.lock = threading.Lock()
        self.counts: Counter[str] = Counter()

    def count(self, **what: int) -> None:
        with self.lock:
            self.counts.update(what)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Server

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no 40 ms Nagle stalls

    def do_GET(self) -> None:
        time.sleep(self.server.delay)
        name = self.path.rsplit("/", 1)[-1]
        index = int(name.removesuffix(".html")) if name.removesuffix(".html").isdigit() else -1
        conditional = bool(self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since"))
        if 0 <= index < len(self.server.table):
            status, body, encoded = self.server.table[index]
            etag = self.server.etags[index]
            headers = [("Content-Type", "text/html; charset=utf-8")]
            if self.server.validators:
                headers += [("ETag", etag), ("Last-Modified", LAST_MODIFIED)]
            if encoded:
                headers.append(("Content-Encoding", "gzip"))
            if status == 200 and self.server.validators and self.headers.get("If-None-Match") == etag:
                status, body = 304, b""
            page = 1
        else:  # a soft-404 probe (a random sibling URL) or any other path
            status, body, headers, page = (
                404,
                b"<html><body><h1>Not Found</h1></body></html>",
                [("Content-Type", "text/html; charset=utf-8")],
                0,
            )
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        head = sum(len(k) + len(v) + 4 for k, v in headers) + 40
        self.server.count(
            requests=1,
            conditional=int(conditional),
            pages=page,
            probes=1 - page,
            bytes=head + len(body),
            **{f"status {status}": 1, f"page {status}": page},
        )

    def log_message(self, format: str, *args: object) -> None:
        pass


def verify(cwd: Path, extra: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        [
            CIVICHECK,
            "verify",
            "claims.yaml",
            "--format",
            "json",
            "-o",
            "out.json",
            "--quiet",
            "--no-canary",
            "--allow-private",
            "--concurrency",
            "16",
            "--per-host",
            "16",
            *extra,
        ],
        cwd=cwd,
        env=env,
    )
    if done.returncode not in (0, 1):
        raise SystemExit(f"civicheck failed with exit code {done.returncode}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=200)
    parser.add_argument("--delay", type=float, default=0.05, help="seconds before each answer (latency)")
    parser.add_argument("--fresh", action="store_true", help="a fourth run with verify --fresh")
    parser.add_argument(
        "--no-validators", action="store_true", help="no ETag/Last-Modified: unchanged bodies are sent again"
    )
    parser.add_argument(
        "--civicheck-path", help="also run the civicheck package in this directory, interleaved"
    )
    args = parser.parse_args()
    table = [
        (200, body, encoded) if status != 200 else (status, body, encoded)
        for status, body, encoded in pages(args.urls)
    ]  # every page good: unchanged pages are the case measured
    server = Server(table, args.delay, validators=not args.no_validators)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    runs = [("run 1", []), ("run 2", []), ("run 3", [])] + ([("--fresh", ["--fresh"])] if args.fresh else [])
    codes: list[tuple[str, dict[str, str] | None]] = [("this checkout", None)]
    if args.civicheck_path:
        codes.append((args.civicheck_path, {**os.environ, "PYTHONPATH": args.civicheck_path}))
    figures: dict[str, list[tuple[str, float, Counter[str]]]] = {code: [] for code, _ in codes}
    with tempfile.TemporaryDirectory() as tmp:
        folders = {code: Path(tmp) / str(i) for i, (code, _) in enumerate(codes)}
        lines = ["claims:"]
        for i in range(args.urls):
            url = f"{base}/berita/{i}.html"
            lines += [
                f"  - id: page-{i}",
                "    claim: x",
                "    checks:",
                f"      - contains: {{url: '{url}', none: ['zzzqqq']}}",
                f"      - live: '{url}'",
            ]
        for cwd in folders.values():
            cwd.mkdir()
            (cwd / "claims.yaml").write_text("\n".join(lines) + "\n")
        for name, extra in runs:
            for code, env in codes:  # run for run interleaved: the machine's load falls on both alike
                with server.lock:
                    server.counts.clear()
                seconds = verify(folders[code], extra, env)
                with server.lock:
                    counts = Counter(server.counts)
                figures[code].append((name, seconds, counts))
    print(
        f"civicheck verify x3 with a history: {args.urls} pages (a contains and a live check each), "
        f"server delay {args.delay * 1000:.0f} ms"
    )
    for code, _ in codes:
        if len(codes) > 1:
            print(f" {code}:")
        report(figures[code])


def report(figures: list[tuple[str, float, Counter[str]]]) -> None:
    for name, seconds, c in figures:
        statuses = ", ".join(
            f"{k.removeprefix('status ')}: {v}" for k, v in sorted(c.items()) if k.startswith("status ")
        )
        print(
            f"  {name:8s} {seconds:6.2f} s  requests {c['requests']:5d} (conditional {c['conditional']:4d}; "
            f"probes {c['probes']:3d})  answers {statuses}  bytes {c['bytes'] / 1e6:8.2f} MB"
        )
    first, second = figures[0], figures[1]
    pages_answered = second[2]["pages"]
    share = second[2]["page 304"] / pages_answered if pages_answered else 0.0
    print(
        f"  run 2: {share:.1%} of page answers were 304; bytes {second[2]['bytes'] / max(first[2]['bytes'], 1):.3f}x"
        f" run 1's; wall time {second[1] / first[1]:.2f}x run 1's (target: >= 95 %, <= 0.3x)"
    )


if __name__ == "__main__":
    main()
