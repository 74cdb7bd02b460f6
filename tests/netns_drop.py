"""Run `civicheck verify` on many `live` claims inside a network namespace whose loopback drops mid-run.

Not a test module: tests/test_attacks_network.py and bench/bench_network_drop.py run it under `unshare -n`, as
`python netns_drop.py CLAIMS DROP_SECONDS [civicheck options...]`. Inside the namespace it brings loopback up,
serves the claims' pages and a canary on 127.0.0.1, starts civicheck, takes loopback down for DROP_SECONDS once
a quarter of the pages have been served, and prints one JSON object: civicheck's exit code, stdout, stderr,
and when the drop happened. Every wait is bounded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from conftest import Site  # noqa: E402  (the same server the test suite uses)

RUN_TIMEOUT = 150.0  # civicheck must be done by then, drop included
PARAGRAPH = (
    "<p>Layanan ini berjalan setiap hari kerja untuk warga Kota Cilegon. Pendaftaran dibuka secara daring "
    "dan di kantor kelurahan, dengan persyaratan yang diumumkan di halaman ini.</p>"
)
PAGE = (
    "<html><head><title>Layanan {i}</title></head><body><h1>Layanan publik {i}</h1>"
    + PARAGRAPH * 8
    + "</body></html>"
)


def main() -> None:
    count, drop = int(sys.argv[1]), float(sys.argv[2])
    options = sys.argv[3:]
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True, timeout=10)
    site, canary = Site().start(), Site().start()
    try:
        for i in range(count):
            site.route(f"/layanan/{i}", PAGE.format(i=i), delay=0.02)
        canary.route("/", "ok")
        work = Path(os.environ.get("NETNS_WORKDIR", "."))
        claims = work / "claims.yaml"
        lines = ["defaults:", f"  timeout: {os.environ.get('NETNS_TIMEOUT', '3')}", "claims:"]
        for i in range(count):
            lines += [
                f"  - id: layanan-{i}",
                f"    claim: Layanan {i} berjalan",
                "    checks:",
                f"      - live: {site.url(f'/layanan/{i}')}",
            ]
        claims.write_text("\n".join(lines) + "\n", encoding="utf-8")
        command = [
            sys.executable,
            "-m",
            "civicheck",
            "verify",
            str(claims),
            "--format",
            "json",
            "--no-history",
            "--canary",
            canary.url("/"),
            "--archive-dir",
            str(work / "archive"),
            *options,
        ]
        # Files, not pipes: a pipe nobody reads while we watch the server would stall civicheck once full.
        stdout, stderr = open(work / "stdout", "w+b"), open(work / "stderr", "w+b")  # noqa: SIM115
        proc = subprocess.Popen(command, stdout=stdout, stderr=stderr, cwd=work)
        started = time.monotonic()
        dropped_at = None
        # Drop once a quarter of the pages have been served: the run is in full flight then.
        while time.monotonic() - started < RUN_TIMEOUT and proc.poll() is None:
            if _served(site) >= count // 4:
                dropped_at = time.monotonic() - started
                subprocess.run(["ip", "link", "set", "lo", "down"], check=True, timeout=10)
                time.sleep(drop)
                subprocess.run(["ip", "link", "set", "lo", "up"], check=True, timeout=10)
                break
            time.sleep(0.01)
        try:
            proc.wait(timeout=max(1.0, RUN_TIMEOUT - (time.monotonic() - started)))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        out, err = (f.seek(0) or f.read().decode("utf-8", "replace") for f in (stdout, stderr))
        # The run replayed from its WARC, network still up but unused: it must come out the same.
        warcs = sorted((work / "archive").glob("*.warc.gz"))
        replay = (
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "civicheck",
                    "verify",
                    str(claims),
                    "--format",
                    "json",
                    "--no-history",
                    *(f"--replay={w}" for w in warcs),
                ],
                capture_output=True,
                cwd=work,
                timeout=120,
            )
            if warcs
            else None
        )
        print(
            json.dumps(
                {
                    "returncode": proc.returncode,
                    "stdout": out,
                    "stderr": err,
                    "dropped_at": dropped_at,
                    "replay_stdout": replay.stdout.decode("utf-8", "replace") if replay else "",
                    "elapsed": time.monotonic() - started,
                    "served": _served(site),
                    "canary_asked": canary.hits("/"),
                }
            )
        )
    finally:
        site.stop()
        canary.stop()


def _served(site: Site) -> int:
    return sum(1 for r in site.requests if r.target.startswith("/layanan/"))


if __name__ == "__main__":
    main()
