"""The big cases of the adversarial review: wall time and peak memory of a whole `civicheck verify` run.

Run by hand: `.venv/bin/python bench/bench_attacks.py [--case NAME ...] [--src DIR] [--max-seconds 400]`.
Each case serves its pages from this process on 127.0.0.1 and runs `python -m civicheck verify` on its claims
in a subprocess, printing: wall time, exit code, the peak RSS of civicheck's whole process tree (the sum over
the process and its descendants, sampled every 50 ms from /proc), the largest single process
(getrusage(RUSAGE_CHILDREN).ru_maxrss: descendants orphaned at exit are missed, hence the sampling), and the
outcomes. `--src DIR` runs the civicheck found in DIR instead (e.g. an older checkout, for before/after
figures); a run over --max-seconds or --max-gb is killed and reported as such, to spare a shared machine.

Add a case with the @case decorator: a function that registers routes on the server and returns the claims
YAML (CASES maps names to cases).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

# The bench's sites are on 127.0.0.1, which civicheck refuses by default (issue 9): opt in, as the tests do.
os.environ.setdefault("CIVICHECK_ALLOW_PRIVATE", "1")

MB = 1_000_000


class Server(ThreadingHTTPServer):
    """Answers each registered path with its (status, content type, body); 404 otherwise."""

    daemon_threads = True
    request_queue_size = 256

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes: dict[str, tuple[int, str, bytes]] = {}
        self.base = f"http://127.0.0.1:{self.server_address[1]}"

    def route(
        self, path: str, body: bytes, status: int = 200, content_type: str = "text/html; charset=utf-8"
    ) -> str:
        self.routes[path] = (status, content_type, body)
        return self.base + path


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Server

    def do_GET(self) -> None:
        status, ctype, body = self.server.routes.get(
            self.path.split("?")[0], (404, "text/html", b"Not Found")
        )
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:  # the client gave up (a deadline): nothing to tell
            pass

    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class Case:
    name: str
    about: str
    build: Callable[[Server], str]  # registers routes, returns the claims file's text
    budget: float | None = None  # seconds the run should end within (the claims' timeout + 5 s)


CASES: dict[str, Case] = {}


def case(name: str, about: str, budget: float | None = None) -> Callable[[Callable[[Server], str]], Callable]:
    def register(build: Callable[[Server], str]) -> Callable[[Server], str]:
        CASES[name] = Case(name, about, build, budget)
        return build

    return register


def paragraphs_page(size: int) -> bytes:
    """A news article grown to `size` bytes: distinct paragraphs of ordinary Indonesian prose."""
    head = b"<html><head><title>Laporan layanan publik</title></head><body><article>"
    parts, total, i = [head], len(head), 0
    while total < size:
        p = (
            f"<p>Paragraf {i}: Pemerintah Kota Cilegon meluncurkan 29 layanan publik digital untuk warga, "
            f"kata Wali Kota dalam laporan nomor {i * 7919 % 100003}.</p>\n"
        ).encode()
        parts.append(p)
        total += len(p)
        i += 1
    parts.append(b"<p>Kalimat terakhir halaman ini.</p></article></body></html>")
    return b"".join(parts)


def claim(cid: str, check: str) -> str:
    return f"  - id: {cid}\n    claim: x\n    checks:\n      - {check}\n"


@case("page-24mb", "one 24 MB article page, checks with timeout 8 (was over 300 s)", budget=8 + 5)
def _page_24mb(server: Server) -> str:
    url = server.route("/big", paragraphs_page(24 * MB))
    return (
        "claims:\n"
        + claim("found-early", f"contains: {{url: '{url}', all: ['29 layanan'], timeout: 8}}")
        + claim("quote-at-end", f"quote: {{url: '{url}', text: 'Kalimat terakhir halaman ini.', timeout: 8}}")
        + claim("live", f"live: {{url: '{url}', timeout: 8}}")
    )


@case("divs-24mb", "24 MB of '<div><a>', checks with timeout 8 (was 183 s, 3.8 GB)", budget=8 + 5)
def _divs_24mb(server: Server) -> str:
    url = server.route("/divs", b"<html><body>" + b"<div><a>" * (3 * MB))
    return (
        "claims:\n"
        + claim("divs-text", f"contains: {{url: '{url}', any: ['layanan'], timeout: 8}}")
        + claim("divs-live", f"live: {{url: '{url}', timeout: 8}}")
    )


def _big_pages(server: Server, count: int) -> str:
    body = paragraphs_page(24 * MB)
    lines = ["claims:\n"]
    for i in range(count):
        url = server.route(f"/big/{i}", body)
        lines.append(claim(f"big-{i}", f"contains: {{url: '{url}', all: ['29 layanan']}}"))
    return "".join(lines)


@case("40-pages-24mb", "40 pages of 24 MB, a contains check each (was 2.5 GB)")
def _forty_pages(server: Server) -> str:
    return _big_pages(server, 40)


@case("10-pages-24mb", "10 pages of 24 MB: beside the 40, shows whether memory grows with the pages")
def _ten_pages(server: Server) -> str:
    return _big_pages(server, 10)


@case("normal-200", "200 ordinary pages (news corpus when present), a contains check each")
def _normal(server: Server) -> str:
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_warc import pages

    lines = ["claims:\n"]
    for i, (status, body, encoded) in enumerate(pages(200)):
        import gzip

        url = server.route(f"/p/{i}", gzip.decompress(body) if encoded else body, status)
        lines.append(claim(f"page-{i}", f"contains: {{url: '{url}', none: ['zzzqqq']}}"))
    return "".join(lines)


# --- measuring ---------------------------------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(ppid, []).append(int(entry))
    return tree


def _tree_rss(root: int) -> int:
    """Bytes resident in `root` and all its descendants now."""
    tree, total, todo = _children(), 0, [root]
    page = os.sysconf("SC_PAGE_SIZE")
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm") as fh:
                total += int(fh.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            pass
        todo.extend(tree.get(pid, []))
    return total


def measure(name: str, src: str | None, max_seconds: float, max_bytes: int) -> dict:
    chosen = CASES[name]
    server = Server()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with tempfile.TemporaryDirectory(prefix="civicheck-bench-") as tmp:
            cwd = Path(tmp)
            (cwd / "claims.yaml").write_text(chosen.build(server), encoding="utf-8")
            env = dict(os.environ)
            if src:
                env["PYTHONPATH"] = src
            command = [
                sys.executable,
                "-m",
                "civicheck",
                "verify",
                "claims.yaml",
                "--format",
                "json",
                "-o",
                "out.json",
                "--quiet",
                "--no-history",
                "--no-canary",
                "--archive-dir",
                "warc",
            ]
            started = time.perf_counter()
            process = subprocess.Popen(
                command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
            peak, killed = 0, ""
            while process.poll() is None:
                peak = max(peak, _tree_rss(process.pid))
                elapsed = time.perf_counter() - started
                if elapsed > max_seconds or peak > max_bytes:
                    killed = (
                        f"killed at {elapsed:.0f} s"
                        if elapsed > max_seconds
                        else f"killed at {peak / 1e9:.1f} GB"
                    )
                    for pid in _descendants(process.pid):
                        _kill(pid)
                    _kill(process.pid)
                    process.wait()
                    break
                time.sleep(0.05)
            wall = time.perf_counter() - started
            stderr = process.stderr.read().decode("utf-8", "replace") if process.stderr else ""
            outcomes: Counter[str] = Counter()
            reasons: list[str] = []
            if (cwd / "out.json").exists():
                report = json.loads((cwd / "out.json").read_text(encoding="utf-8"))
                for c in report["claims"]:
                    for check in c["checks"]:
                        outcomes[check["outcome"]] += 1
                        reasons.append(f"{c['id']}: {check['outcome']}: {check['reason'][:150]}")
    finally:
        server.shutdown()
        server.server_close()
    single = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return {
        "case": name,
        "wall": wall,
        "exit": process.returncode,
        "killed": killed,
        "tree_peak": peak,
        "max_single": single,
        "outcomes": dict(outcomes),
        "reasons": reasons,
        "stderr": stderr.strip(),
        "budget": chosen.budget,
    }


def _descendants(root: int) -> list[int]:
    tree, out, todo = _children(), [], [root]
    while todo:
        for child in tree.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _kill(pid: int) -> None:
    try:
        os.kill(pid, 9)
    except OSError:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--case", action="append", choices=sorted(CASES), help="Run only this case (repeatable)."
    )
    parser.add_argument("--src", help="Run the civicheck package found in this folder (PYTHONPATH).")
    parser.add_argument("--max-seconds", type=float, default=400)
    parser.add_argument("--max-gb", type=float, default=4)
    parser.add_argument("--reasons", action="store_true", help="Print every check's reason.")
    args = parser.parse_args()
    for name in args.case or list(CASES):
        # One subprocess per case, so that RUSAGE_CHILDREN's maximum is this case's alone.
        if os.environ.get("_BENCH_ONE") != name:
            done = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--case",
                    name,
                    "--max-seconds",
                    str(args.max_seconds),
                    "--max-gb",
                    str(args.max_gb),
                    *(["--src", args.src] if args.src else []),
                    *(["--reasons"] if args.reasons else []),
                ],
                env={**os.environ, "_BENCH_ONE": name},
            )
            if done.returncode:
                raise SystemExit(done.returncode)
            continue
        r = measure(name, args.src, args.max_seconds, int(args.max_gb * 1e9))
        within = ""
        if r["budget"] is not None:
            within = f" (budget {r['budget']:.0f} s: {'within' if r['wall'] <= r['budget'] else 'OVER'})"
        print(f"{name}: {CASES[name].about}")
        print(
            f"  wall {r['wall']:.1f} s{within}, exit {r['exit']}{', ' + r['killed'] if r['killed'] else ''}; "
            f"peak RSS of the process tree {r['tree_peak'] / MB:.0f} MB, largest process "
            f"{r['max_single'] / MB:.0f} MB; outcomes {r['outcomes']}"
        )
        if args.reasons:
            for line in r["reasons"]:
                print("   ", line)
        if r["stderr"]:
            print("  stderr:", r["stderr"][:500].replace("\n", "\n          "))


if __name__ == "__main__":
    main()
