"""What judging the network when it fails costs, and what it buys: `civicheck verify` on 600 `live` claims.

Run by hand: `.venv/bin/python bench/bench_network.py [--claims 600] [--reps 3] [--baseline /work/main]`.

* all answer: 600 pages on a local server, canary asked (a local canary) vs `--no-canary`;
* all refused: 600 URLs on a closed port, so every fetch is a failure that could be ours: how many canary
  questions the run asks, and its wall time against `--no-canary` (which asks none);
* a drop (needs `unshare -n`): loopback down 5 s mid-run (tests/netns_drop.py): refuted verdicts and outages.

`--baseline DIR` runs the same scenarios with the civicheck package found in DIR (e.g. the main branch's
checkout) for a before/after. Commands alternate; medians are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import Site  # noqa: E402

PAGE = (
    "<html><head><title>Layanan</title></head><body><h1>Layanan</h1>"
    + "<p>Layanan ini berjalan setiap hari kerja untuk warga Kota Cilegon, dengan pendaftaran daring.</p>" * 6
    + "</body></html>"
)


def claims(path: Path, urls: list[str]) -> Path:
    lines = ["defaults:", "  timeout: 3", "claims:"]
    for i, url in enumerate(urls):
        lines += [f"  - id: c-{i}", "    claim: x", "    checks:", f"      - live: {url}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def verify(path: Path, options: list[str], cwd: Path, baseline: str | None) -> tuple[float, dict]:
    # Loopback is refused by default (--allow-private); the variable works for any baseline too.
    env = {**os.environ, "CIVICHECK_ALLOW_PRIVATE": "1", **({"PYTHONPATH": baseline} if baseline else {})}
    start = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "civicheck",
            "verify",
            str(path),
            "--format",
            "json",
            "--quiet",
            "--no-history",
            "--no-warc",
            "--concurrency",
            "32",
            "--per-host",
            "32",
            *options,
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        timeout=600,
    )
    took = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"civicheck failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    return took, json.loads(done.stdout)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def scenario(name: str, path: Path, canary: Site, reps: int, cwd: Path, baseline: str | None) -> None:
    variants = {"canary": ["--canary", canary.url("/")], "--no-canary": ["--no-canary"]}
    times: dict[str, list[float]] = {k: [] for k in variants}
    questions: list[int] = []
    verdicts: dict[str, dict] = {}
    for rep in range(reps):
        for key in variants if rep % 2 == 0 else reversed(list(variants)):
            before = canary.hits("/")
            took, report = verify(path, variants[key], cwd, baseline)
            times[key].append(took)
            verdicts[key] = report["summary"]
            if key == "canary":
                questions.append(canary.hits("/") - before)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(
        f"  {name}: canary {med['canary']:.2f} s, --no-canary {med['--no-canary']:.2f} s "
        f"(ratio {med['canary'] / med['--no-canary']:.2f}); canary questions per run {statistics.median(questions):g}; "
        f"verdicts {verdicts['canary']}"
    )


def drop(count: int, baseline: str | None) -> None:
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-n", "true"]).returncode != 0:
        print("  drop: skipped (`unshare -n` is not permitted here)")
        return
    with tempfile.TemporaryDirectory() as work:
        env = {
            **os.environ,
            "NETNS_WORKDIR": work,
            "CIVICHECK_ALLOW_PRIVATE": "1",
            **({"PYTHONPATH": baseline} if baseline else {}),
        }
        done = subprocess.run(
            [
                "unshare",
                "-n",
                sys.executable,
                str(ROOT / "tests" / "netns_drop.py"),
                str(count),
                "5",
                "--per-host",
                "32",
                "--concurrency",
                "32",
            ],
            capture_output=True,
            env=env,
            timeout=300,
        )
        run = json.loads(done.stdout)
        report = json.loads(run["stdout"])
        outages = [f"{o['seconds']} s" for o in report.get("outages", [])]
        print(
            f"  drop 5 s at {run['dropped_at'] or 0:.1f} s: {report['summary']}, outages {outages or 'none reported'}, "
            f"wall {run['elapsed']:.1f} s; network: {report['network']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=600)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--baseline", help="a checkout whose civicheck package to compare with")
    args = parser.parse_args()
    site, canary = Site().start(), Site().start()
    canary.route("/", "ok")
    try:
        for i in range(args.claims):
            site.route(f"/p/{i}", PAGE, delay=0.01)
        with tempfile.TemporaryDirectory() as tmp:
            cwd = Path(tmp)
            answering = claims(cwd / "answering.yaml", [site.url(f"/p/{i}") for i in range(args.claims)])
            port = closed_port()
            refused = claims(
                cwd / "refused.yaml", [f"http://127.0.0.1:{port}/p/{i}" for i in range(args.claims)]
            )
            runs: list[tuple[str, str | None]] = [("this branch", None)]
            if args.baseline:
                runs.append((f"baseline {args.baseline}", args.baseline))
            for label, baseline in runs:
                print(f"{label}: {args.claims} live claims, {args.reps} reps, medians")
                scenario("all answer", answering, canary, args.reps, cwd, baseline)
                scenario("all refused", refused, canary, args.reps, cwd, baseline)
                drop(args.claims, baseline)
    finally:
        site.stop()
        canary.stop()


if __name__ == "__main__":
    main()
