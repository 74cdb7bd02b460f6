"""How long `civicheck verify` takes to end after Ctrl-C (SIGINT), in each state a run can be in.

Run by hand: `.venv/bin/python bench/bench_interrupt.py [--reps 3] [--baseline /work/main]`. States: fetching a
page that hangs; sleeping before a retry (503, Retry-After: 30); waiting for the network to come back (the
canary answered once, then stopped); waiting on an archive capture (a pywb that never answers). Each
uninterrupted state lasts 10 to 60 s; a run still alive 20 s after the signal is killed and shown as "> 20 s".
`--baseline DIR` runs the civicheck package found in DIR too (e.g. the main branch's checkout).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import Site  # noqa: E402
from hostile_servers import canary_that_goes_quiet  # noqa: E402

PATIENCE = 20.0
STATES = ("fetching", "retry backoff", "waiting for the network", "archive capture")


def interrupt(
    cwd: Path, url: str, timeout: int, ready: Callable[[], bool], options: list[str], baseline: str | None
) -> float:
    """Seconds from SIGINT to the process's end (more than PATIENCE if it had to be killed; nan: the run never
    reached the state)."""
    (cwd / "claims.yaml").write_text(
        f"claims:\n  - id: a\n    claim: x\n    checks:\n      - live: {{url: '{url}', "
        f"timeout: {timeout}}}\n",
        encoding="utf-8",
    )
    env = {**os.environ, "CIVICHECK_ALLOW_PRIVATE": "1", **({"PYTHONPATH": baseline} if baseline else {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "civicheck", "verify", "claims.yaml", "--no-history", *options],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not ready() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        if proc.poll() is not None or not ready():
            return float("nan")
        time.sleep(0.3)  # well inside the state
        signalled = time.monotonic()
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=PATIENCE)
        except subprocess.TimeoutExpired:
            return PATIENCE + 1
        return time.monotonic() - signalled
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def state(
    name: str, site: Site, archive: socket.socket, accepted: list
) -> tuple[str, int, Callable[[], bool], list]:
    """(cited URL, its timeout, "the run is in the state now", options) for one state."""
    if name == "fetching":
        return (
            site.route("/hang", handler=lambda rh: site.sleep(60)),
            60,
            lambda: site.hits("/hang") > 0,
            ["--no-canary"],
        )
    if name == "retry backoff":
        url = site.route("/busy", "busy", status=503, headers={"Retry-After": "30"})
        return url, 60, lambda: site.hits("/busy") > 0, ["--no-canary"]
    if name == "waiting for the network":
        canary, calls = canary_that_goes_quiet(site)  # the network was up, then went down
        site.route("/canary", handler=canary)
        url = site.route("/hang", handler=lambda rh: site.sleep(60))
        return url, 3, lambda: len(calls) >= 3, ["--canary", site.url("/canary")]
    url = site.route("/page", "<html><body><p>" + "Layanan publik berjalan. " * 40 + "</p></body></html>")
    pywb = f"pywb=http://127.0.0.1:{archive.getsockname()[1]}/coll"
    return url, 60, lambda: bool(accepted), ["--no-canary", "--archive", pywb]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--baseline", help="a checkout whose civicheck package to compare with")
    args = parser.parse_args()
    runs: list[tuple[str, str | None]] = [("this branch", None)]
    if args.baseline:
        runs.append((f"baseline {args.baseline}", args.baseline))
    for label, baseline in runs:
        print(f"{label}: seconds from SIGINT to exit, median of {args.reps}")
        for name in STATES:
            took = []
            for _ in range(args.reps):
                site = Site().start()
                archive = socket.create_server(("127.0.0.1", 0))  # accepts, never answers
                accepted: list[socket.socket] = []
                threading.Thread(
                    target=lambda a=archive, acc=accepted: acc.append(a.accept()[0]), daemon=True
                ).start()
                try:
                    url, timeout, ready, options = state(name, site, archive, accepted)
                    with tempfile.TemporaryDirectory() as tmp:
                        took.append(interrupt(Path(tmp), url, timeout, ready, options, baseline))
                finally:
                    site.stop()
                    archive.close()
                    for conn in accepted:
                        conn.close()
            median = statistics.median(took)
            shown = (
                "never reached"
                if median != median
                else f"> {PATIENCE:g}"
                if median > PATIENCE
                else f"{median:.2f}"
            )
            print(f"  {name}: {shown} s")


if __name__ == "__main__":
    main()
