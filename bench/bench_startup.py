"""`civicheck --help` wall time against `python -c "import trafilatura"` (target: < 0.5x).

Run by hand: .venv/bin/python bench/bench_startup.py [--runs 15]. Both commands run in the same loop,
alternating, so machine noise hits them alike; the median of each is compared.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

CIVICHECK = str(Path(sys.executable).with_name("civicheck"))
COMMANDS = {
    "civicheck --help": [CIVICHECK, "--help"],
    "civicheck verify --help": [CIVICHECK, "verify", "--help"],
    "python -c 'import trafilatura'": [sys.executable, "-c", "import trafilatura"],
}


def wall(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for cmd in COMMANDS.values():
        wall(cmd)  # warm the page cache and .pyc files
    for _ in range(args.runs):
        for name, cmd in COMMANDS.items():
            times[name].append(wall(cmd))
    base = statistics.median(times["python -c 'import trafilatura'"])
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:34s} median {median * 1000:7.1f} ms   ratio to import trafilatura {median / base:.2f}")


if __name__ == "__main__":
    main()
