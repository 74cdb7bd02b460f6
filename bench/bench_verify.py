"""A whole `civicheck verify` run of 200 URLs: with the WARC (the default) vs `--no-warc`, and `--replay` of
that WARC vs the live run. Complements bench_warc.py, which times the fetch layer alone.

Run by hand: `.venv/bin/python bench/bench_verify.py [--urls 200] [--delay 0.05] [--reps 3]`. The same local
server as bench_warc.py (corpus pages when /work/shared/corpus is there); every claim is one `contains` check,
so each page is fetched, archived, extracted and matched. Commands alternate; medians are compared.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench_warc import _Handler, _Server, pages

# The bench's sites are on 127.0.0.1, which civicheck refuses by default (issue 9): opt in, as the tests do.
os.environ.setdefault("CIVICHECK_ALLOW_PRIVATE", "1")

CIVICHECK = str(Path(sys.executable).with_name("civicheck"))


def run(args: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        [
            CIVICHECK,
            "verify",
            *args,
            "--format",
            "json",
            "-o",
            "out.json",
            "--quiet",
            "--no-history",
            "--no-canary",
            "--concurrency",
            "16",
            "--per-host",
            "16",
        ],
        cwd=cwd,
    )
    if done.returncode not in (0, 1):
        raise SystemExit(f"civicheck failed with exit code {done.returncode}")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=200)
    parser.add_argument("--delay", type=float, default=0.05)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    server = _Server(("127.0.0.1", 0), _Handler)
    server.delay, server.table = args.delay, pages(args.urls)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        lines = ["claims:"]
        for i in range(args.urls):
            lines += [
                f"  - id: page-{i}",
                "    claim: x",
                "    checks:",
                f"      - contains: {{url: 'http://127.0.0.1:{port}/p/{i}', none: ['zzzqqq']}}",
            ]
        (cwd / "claims.yaml").write_text("\n".join(lines) + "\n")
        times: dict[str, list[float]] = {"--no-warc": [], "with WARC": [], "--replay": []}
        for rep in range(args.reps):
            order = ("--no-warc", "with WARC") if rep % 2 == 0 else ("with WARC", "--no-warc")
            for name in order:
                extra = ["--no-warc"] if name == "--no-warc" else ["--archive-dir", f"warc{rep}"]
                times[name].append(run(["claims.yaml", *extra], cwd))
            [warc] = (cwd / f"warc{rep}").glob("*.warc.gz")
            times["--replay"].append(run(["claims.yaml", "--replay", str(warc)], cwd))
        med = {k: statistics.median(v) for k, v in times.items()}
        print(
            f"civicheck verify, {args.urls} contains checks, server delay {args.delay * 1000:.0f} ms, {args.reps} reps"
        )
        for name, value in med.items():
            print(f"  {name:10s} median {value:6.2f} s   runs {', '.join(f'{t:.2f}' for t in times[name])}")
        print(
            f"  WARC overhead: {100 * (med['with WARC'] / med['--no-warc'] - 1):+.1f} %;"
            f" replay = {100 * med['--replay'] / med['with WARC']:.0f} % of the live run"
        )


if __name__ == "__main__":
    main()
