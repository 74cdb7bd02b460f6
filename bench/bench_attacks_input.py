"""Benchmark the big hostile inputs of issue 9: wall time and peak RSS of one civicheck process per case.

Run by hand: `.venv/bin/python bench/bench_attacks_input.py [--src DIR] [--record-gb 2] [--levels 9] [--depth 5000]`.
Cases: `lint` and `verify` of a claims file whose id is a 9-level YAML alias bomb; `lint` of a claims file
nested 5,000 deep; `verify --replay` of a WARC (about 2 MB) holding a metadata record of 2 GB (a gzip bomb).
Each runs `python -m civicheck` from --src (default: this checkout; give a `git archive` of an older commit to
compare) in a subprocess limited to --limit-gb of address space and --timeout seconds; peak RSS comes from
wait4(). Inputs are built in a temporary folder and deleted afterwards.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE / "tests"))

from hostile_inputs import add_member, alias_bomb_yaml, deep_yaml, warc_bomb_member  # noqa: E402

from civicheck.archive import WarcWriter  # noqa: E402
from civicheck.fetch import FetchResult  # noqa: E402

# The bench's sites are on 127.0.0.1, which civicheck refuses by default (issue 9): opt in, as the tests do.
os.environ.setdefault("CIVICHECK_ALLOW_PRIVATE", "1")


def measure(
    args: list[str], src: Path, cwd: Path, limit: int, timeout: float
) -> tuple[int | str, float, float, str]:
    """(exit code or 'timeout', wall seconds, peak RSS in MB, last line of stderr) of one civicheck run."""

    def bounded() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    env = {**os.environ, "PYTHONPATH": str(src)}
    with tempfile.TemporaryFile() as err:
        started = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-m", "civicheck", *args],
            cwd=cwd,
            env=env,
            preexec_fn=bounded,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage: its peak RSS
        killer.cancel()
        wall = time.monotonic() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        err.seek(0)
        lines = err.read().decode("utf-8", "replace").strip().splitlines()
    code: int | str = "timeout" if wall >= timeout else proc.returncode
    return code, wall, usage.ru_maxrss / 1024, (lines[-1] if lines else "")[:110]


def build(folder: Path, record_bytes: int, levels: int, depth: int) -> dict[str, list[str]]:
    (folder / "bomb.yaml").write_text(alias_bomb_yaml(levels), encoding="utf-8")
    (folder / "deep.yaml").write_text(deep_yaml(depth), encoding="utf-8")
    url = "https://portal.example.go.id/"
    (folder / "replay.yaml").write_text(
        f"claims:\n  - id: portal\n    claim: live\n    checks:\n      - live: {url}\n"
        f"      - live: https://bomb.example.go.id/\n",
        encoding="utf-8",
    )
    body = b"<html><body><p>" + b"Layanan publik Kota Cilegon tersedia daring. " * 40 + b"</p></body></html>"
    with WarcWriter(folder, "20261128T020000Z-b0b0b0", "2026-11-28T02:00:00Z") as writer:
        writer.write(
            FetchResult(
                url,
                url,
                200,
                "OK",
                None,
                "200 OK",
                "2026-11-28T02:00:01Z",
                headers=[("Content-Type", "text/html")],
                body=body,
                raw_body=body,
            )
        )
    add_member(writer.path, warc_bomb_member("https://bomb.example.go.id/", record_bytes))
    size = writer.path.stat().st_size / 1e6
    return {
        f"lint: alias bomb id ({levels} levels)": ["lint", "bomb.yaml"],
        f"verify: alias bomb id ({levels} levels)": ["verify", "bomb.yaml", "--no-history", "--no-warc"],
        f"lint: nested {depth} deep": ["lint", "deep.yaml"],
        f"replay: {record_bytes / 1e9:.1f} GB record in {size:.1f} MB WARC": [
            "verify",
            "replay.yaml",
            "--replay",
            writer.path.name,
            "--no-history",
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=HERE, help="the civicheck source tree to run")
    parser.add_argument("--record-gb", type=float, default=2.0)
    parser.add_argument("--levels", type=int, default=9)
    parser.add_argument("--depth", type=int, default=5_000)
    parser.add_argument("--limit-gb", type=float, default=6.0, help="address-space limit of each run")
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cases = build(folder, int(args.record_gb * 1e9), args.levels, args.depth)
        print(f"civicheck from {args.src}; each run limited to {args.limit_gb:g} GB, {args.timeout:g} s")
        print(f"{'case':44s} {'exit':>7s} {'wall s':>7s} {'peak MB':>8s}  last line of stderr")
        for name, argv in cases.items():
            code, wall, rss, last = measure(argv, args.src, folder, int(args.limit_gb * 1e9), args.timeout)
            print(f"{name:44s} {code!s:>7s} {wall:7.1f} {rss:8.0f}  {last}")


if __name__ == "__main__":
    main()
