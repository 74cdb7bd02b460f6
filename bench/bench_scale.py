"""What a nightly of thousands of claims costs beyond fetching (issue 13), measured in one run as ratios:
a whole `verify` vs bare `trafilatura.extract`, `live` checks vs a bare thread pool, peak memory by page count.

Run by hand: `.venv/bin/python bench/bench_scale.py [--claims-per-page 4] [--live 200] [--pages tiny]
[--hosts 10] [--small 200] [--large 2000]`. Pages are the shared corpus (/work/shared/corpus: aeb + idnews),
served by a local server; nothing of it is written into the repository. `--civicheck-path DIR` runs another checkout's code (PYTHONPATH):
the "before" figures of a change; `--against DIR` runs it too, interleaved, in the live part (before and after
in one run). Each figure is printed as it is measured:

1. verify: every page cited by `--claims-per-page` `contains` claims (phrases from its ground truth, one
   absent phrase), served at no latency, vs one process running `trafilatura.extract` over the same pages
   (both timed from process start). Target <= 1.0x. `--whole`: civicheck as a newsroom runs it, recording
   its history and writing its WARC (each run in a fresh folder, so nothing is remembered from the last), not
   with `--no-history --no-warc`.
2. live: `--live` URLs (15% 404s) at 100 ms latency, `live` checks, vs a bare 16-thread `requests` pool
   fetching the same URLs (both from process start), on `--hosts` servers (one port each). `--pages tiny`:
   pages of a few hundred bytes, 5% of them slow (1 s), as a link checker's benchmark has them, rather than
   corpus pages. Target <= 1.2x. CPU seconds of each process tree are printed beside (a loaded machine
   stretches wall times; CPU says what the run itself cost).
3. memory: peak resident memory of the whole process tree (civicheck and its workers) of a verify of
   `--small` pages vs `--large` pages (`--memory-claims-per-page` `contains` claims a page, default one:
   its absent phrase). Target <= 1.3x.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench_warc import _Handler, _Server

CORPUS = Path("/work/shared/corpus")
CIVICHECK_ARGS = [
    "--format",
    "json",
    "-o",
    "out.json",
    "--quiet",
    "--no-history",
    "--no-canary",
    "--no-warc",
    "--concurrency",
    "16",
    "--per-host",
    "16",
]


def corpus() -> list[tuple[bytes, str]]:
    """(html, ground-truth text) of every corpus page."""
    found: list[tuple[bytes, str]] = []
    aeb = CORPUS / "aeb"
    if aeb.is_dir():
        truth = json.loads((aeb / "ground-truth.json").read_text())
        for path in sorted((aeb / "html").glob("*.html.gz")):
            key = path.name.split(".")[0]
            found.append((gzip.decompress(path.read_bytes()), truth.get(key, {}).get("articleBody", "")))
    idnews = CORPUS / "idnews"
    if idnews.is_dir():
        for entry in json.loads((idnews / "ground-truth.json").read_text()):
            path = idnews / entry["file"]
            if path.is_file():
                found.append((path.read_bytes(), entry.get("content", "")))
    if not found:
        raise SystemExit(f"no corpus at {CORPUS}: this benchmark measures real pages")
    return found


def phrases(text: str, count: int) -> list[str]:
    """`count` phrases of five words from the ground truth, spread over it."""
    words = re.findall(r"[^\W\d_]{3,}", text)
    if len(words) < 5:
        return []
    step = max(1, (len(words) - 5) // count)
    return [" ".join(words[i : i + 5]) for i in range(0, len(words) - 5, step)][:count]


class _Table(list):
    """The server's answers by path number; any other number (a soft-404 probe's random sibling) is a 404."""

    def __getitem__(self, index):  # type: ignore[override]
        try:
            return super().__getitem__(index)
        except IndexError:
            return 404, b"<html><head><title>404 Not Found</title></head><body>Not Found</body></html>", False


def serve(
    table: list[tuple[int, bytes]], delay: float, slow: frozenset[int] = frozenset()
) -> tuple[_Server, int]:
    """bench_warc's server (every answer after `delay` seconds, those of the paths numbered in `slow` after
    SLOW seconds) on an ephemeral port, in a thread."""
    server = _Server(("127.0.0.1", 0), _SlowHandler)
    server.table, server.delay = _Table((status, body, False) for status, body in table), delay
    server.slow = slow  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


SLOW = 1.0  # seconds a slow page of the tiny-pages run takes to answer


class _SlowHandler(_Handler):
    def do_GET(self) -> None:
        number = self.path.strip("/").split("/")[-1]
        if number.isdigit() and int(number) in getattr(self.server, "slow", ()):
            time.sleep(SLOW - self.server.delay)
        super().do_GET()


def live_pages(
    kind: str, count: int, pages: list[tuple[bytes, str]]
) -> tuple[list[tuple[int, bytes]], frozenset[int]]:
    """(status, body) by path number, and the slow path numbers. "real": corpus pages, every seventh a 404.
    "tiny": pages of a few hundred bytes, 15% of them 404s, 5% slow (SLOW seconds): a link checker's
    benchmark (lychee's), where the cost is all per URL."""
    if kind == "real":
        return [
            (404, b"<html><body><h1>Not Found</h1></body></html>")
            if i % 7 == 6
            else (200, pages[i % len(pages)][0])
            for i in range(count)
        ], frozenset()
    table = [
        (404, b"<html><body><h1>Not Found</h1></body></html>")
        if i % 20 in (3, 9, 15)
        else (
            200,
            f"<html><head><title>Page {i}</title></head><body><h1>Page {i}</h1><p>Dinas Komunikasi kota "
            f"menerbitkan berita nomor {i} tentang layanan publik.</p><a href='/p/{i + 1}'>next</a></body>"
            "</html>".encode(),
        )
        for i in range(count)
    ]
    return table, frozenset(i for i in range(count) if i % 20 == 11)


def _tree_rss(pid: int) -> int:
    """Resident bytes of `pid` and all its descendants, from /proc."""
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    stack += [int(c) for c in fh.read().split()]
        except (OSError, ValueError):
            continue
    return total


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int]:
    """(seconds from start to exit, peak resident bytes of the process tree, sampled every 20 ms)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss(proc.pid))
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd[0]} failed with exit code {proc.returncode}")
    return seconds, peak


def civicheck(
    claims: str, cwd: Path, env: dict[str, str], extra: list[str], whole: bool = False
) -> tuple[float, int]:
    """`whole`: with the history and the WARC civicheck keeps by default."""
    (cwd / "claims.yaml").write_text(claims)
    options = [o for o in CIVICHECK_ARGS if not (whole and o in ("--no-history", "--no-warc"))]
    return timed([sys.executable, "-m", "civicheck", "verify", "claims.yaml", *options, *extra], cwd, env)


def contains_claims(port: int, pages: list[list[str]]) -> str:
    lines = ["claims:"]
    n = 0
    for i, page_phrases in enumerate(pages):
        for phrase in page_phrases:
            lines += [
                f"  - id: c{n}",
                "    claim: x",
                "    checks:",
                f"      - contains: {{url: 'http://127.0.0.1:{port}/p/{i}', all: [{json.dumps(phrase)}]}}",
            ]
            n += 1
        lines += [
            f"  - id: c{n}",
            "    claim: x",
            "    checks:",
            f"      - contains: {{url: 'http://127.0.0.1:{port}/p/{i}', none: ['zzzqqq absent']}}",
        ]
        n += 1
    return "\n".join(lines) + "\n"


_BARE_EXTRACT = """
import sys, pathlib, trafilatura
for path in sorted(pathlib.Path(sys.argv[1]).iterdir()):
    trafilatura.extract(path.read_bytes().decode("utf-8", "replace"), url="http://127.0.0.1/")
"""

_BARE_POOL = """
import sys, requests
from concurrent.futures import ThreadPoolExecutor
urls = sys.argv[1:]
session = requests.Session()
session.mount("http://", requests.adapters.HTTPAdapter(pool_connections=16, pool_maxsize=16))
with ThreadPoolExecutor(16) as pool:
    list(pool.map(lambda u: session.get(u, timeout=30).status_code, urls))
"""


def _with_cpu(run) -> tuple[float, float]:
    """(wall seconds of `run()`, CPU seconds of the processes it waited for: a process tree reaped whole)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds = run()[0]
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return seconds, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def _median(runs: list[tuple[float, float]]) -> tuple[float, float]:
    """The median wall time of `runs` and the median CPU time, each of its own."""
    return sorted(w for w, _ in runs)[len(runs) // 2], sorted(c for _, c in runs)[len(runs) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims-per-page", type=int, default=4)
    parser.add_argument("--memory-claims-per-page", type=int, default=1)
    parser.add_argument("--live", type=int, default=200)
    parser.add_argument("--small", type=int, default=200)
    parser.add_argument("--large", type=int, default=2000)
    parser.add_argument(
        "--pages", choices=("real", "tiny"), default="real", help="live: corpus or tiny pages"
    )
    parser.add_argument("--hosts", type=int, default=1, help="live: servers (127.0.0.1, one port each)")
    parser.add_argument("--jobs", type=int, default=0, help="--jobs for civicheck (0: its default)")
    parser.add_argument("--civicheck-path", help="run the civicheck package found in this directory")
    parser.add_argument("--against", help="live: also run the civicheck package found here, interleaved")
    parser.add_argument("--only", choices=("verify", "live", "memory"), action="append")
    parser.add_argument("--whole", action="store_true", help="verify: with its history and WARC")
    args = parser.parse_args()
    env = dict(os.environ, CIVICHECK_ALLOW_PRIVATE="1")
    if args.civicheck_path:
        env["PYTHONPATH"] = args.civicheck_path
    extra = ["--jobs", str(args.jobs)] if args.jobs else []
    only = set(args.only or ("verify", "live", "memory"))
    pages = corpus()
    print(f"corpus: {len(pages)} pages; code: {args.civicheck_path or 'this checkout'}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        if "verify" in only:
            server, port = serve([(200, html) for html, _ in pages], 0.0)
            claims = contains_claims(port, [phrases(text, args.claims_per_page - 1) for _, text in pages])
            count = claims.count("- id:")
            folder = cwd / "pages"
            folder.mkdir()
            for i, (html, _) in enumerate(pages):
                (folder / f"{i:05}.html").write_bytes(html)
            runs = []
            for _ in range(2):
                bare, _ = timed([sys.executable, "-c", _BARE_EXTRACT, str(folder)], cwd, env)
                with tempfile.TemporaryDirectory(dir=cwd) as fresh:  # nothing remembered from the last run
                    whole, _ = civicheck(claims, Path(fresh), env, extra, whole=args.whole)
                runs.append((bare, whole))
            bare, whole = min(b for b, _ in runs), min(w for _, w in runs)
            how = "with history and WARC" if args.whole else "--no-history --no-warc"
            print(
                f"verify ({how}) of {count} claims over {len(pages)} pages: {whole:.2f} s; bare "
                f"trafilatura.extract: {bare:.2f} s; ratio {whole / bare:.2f}x (target <= 1.0x; best of 2 each)",
                flush=True,
            )
            server.shutdown()
        if "live" in only:
            table, slow = live_pages(args.pages, args.live, pages)
            servers = [serve(table, 0.1, slow) for _ in range(args.hosts)]
            urls = [f"http://127.0.0.1:{servers[i % args.hosts][1]}/p/{i}" for i in range(args.live)]
            claims = "claims:\n" + "".join(
                f"  - id: l{i}\n    claim: x\n    checks:\n      - live: '{u}'\n" for i, u in enumerate(urls)
            )
            runs: dict[str, list[tuple[float, float]]] = {"civicheck": [], "bare": []}
            against = dict(env, PYTHONPATH=args.against) if args.against else None
            if against is not None:
                runs[args.against] = []
            for _ in range(3):
                runs["bare"].append(
                    _with_cpu(lambda: timed([sys.executable, "-c", _BARE_POOL, *urls], cwd, env))
                )
                if against is not None:
                    runs[args.against].append(_with_cpu(lambda: civicheck(claims, cwd, against, extra)))
                runs["civicheck"].append(_with_cpu(lambda: civicheck(claims, cwd, env, extra)))
            (bare, bare_cpu), (ours, ours_cpu) = _median(runs["bare"]), _median(runs["civicheck"])
            print(
                f"live, {args.live} URLs ({args.pages} pages) on {args.hosts} host(s) at 100 ms: {ours:.2f} s "
                f"({ours_cpu:.1f} s CPU); bare 16-thread requests pool: {bare:.2f} s ({bare_cpu:.1f} s CPU); "
                f"ratio {ours / bare:.2f}x (target <= 1.2x; medians of 3)",
                flush=True,
            )
            if against is not None:
                theirs, theirs_cpu = _median(runs[args.against])
                print(
                    f"  {args.against}, interleaved: {theirs:.2f} s ({theirs_cpu:.1f} s CPU); ratio "
                    f"{theirs / bare:.2f}x",
                    flush=True,
                )
            for server, _ in servers:
                server.shutdown()
        if "memory" in only:
            served = [pages[i % len(pages)] for i in range(args.large)]
            server, port = serve([(200, html) for html, _ in served], 0.0)
            peaks = {}
            per_page = args.memory_claims_per_page - 1
            for n in (args.small, args.large):
                claims = contains_claims(
                    port, [phrases(text, per_page) if per_page else [] for _, text in served[:n]]
                )
                seconds, peaks[n] = civicheck(claims, cwd, env, extra)
                print(
                    f"memory: verify of {n} pages ({claims.count('- id:')} claims): peak "
                    f"{peaks[n] / 2**20:.0f} MB (whole process tree), {seconds:.1f} s",
                    flush=True,
                )
            print(
                f"memory ratio {args.large} vs {args.small} pages: {peaks[args.large] / peaks[args.small]:.2f}x "
                "(target <= 1.3x)",
                flush=True,
            )
            server.shutdown()


if __name__ == "__main__":
    main()
