"""The big DNS case of issue 9: a resolver that never answers must not hold a run past its deadlines.

Run by hand, as root (it needs `unshare -n -m`): `.venv/bin/python bench/bench_attacks_resolve.py
[--timeout 3] [--claims 5] [--civicheck .venv/bin/civicheck]`. Inside a fresh network namespace, with
/etc/resolv.conf bind-mounted to name a local DNS server that reads every query and never answers (glibc told
to wait 30 s per try, twice), it times `civicheck verify` over claims citing names only DNS could resolve:

* `verify` with `timeout: T` and --no-canary (target: T + 5 s at most);
* the same with a canary (itself a name: the canary's own deadline adds up to 5 s);
* Ctrl-C sent 1.5 s into a run: the time from SIGINT to exit (target: under 1 s).

Nothing leaves the namespace: it has only a loopback interface.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _blackhole() -> None:
    """A DNS server on 127.0.0.1:53 (UDP and TCP) that reads every query and answers none."""
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 53))
    tcp = socket.create_server(("127.0.0.1", 53))
    held: list[socket.socket] = []

    def swallow_udp() -> None:
        while True:
            udp.recvfrom(4096)

    def swallow_tcp() -> None:
        while True:
            conn, _ = tcp.accept()
            held.append(conn)  # kept open, never answered

    threading.Thread(target=swallow_udp, daemon=True).start()
    threading.Thread(target=swallow_tcp, daemon=True).start()


def _claims(folder: Path, count: int, timeout: float) -> Path:
    lines = [f"defaults:\n  timeout: {timeout:g}\nclaims:"]
    for i in range(count):
        lines.append(
            f'  - id: never-{i}\n    claim: "service {i} is live"\n'
            f"    checks:\n      - live: http://service-{i}.never-answers.test/"
        )
    path = folder / "claims.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _inside(args: argparse.Namespace) -> None:
    """Runs in the namespace: start the black hole, then time civicheck."""
    _blackhole()
    work = Path(tempfile.mkdtemp(prefix="bench-resolve-"))
    claims = _claims(work, args.claims, args.timeout)
    base = [args.civicheck, "verify", str(claims), "--no-history", "--no-warc", "-q", "--format", "json"]
    env = {**os.environ, "CIVICHECK_ALLOW_PRIVATE": ""}
    out: dict[str, float | int | None] = {}
    for name, extra in (
        ("no_canary", ["--no-canary"]),
        ("canary", ["--canary", "http://canary.never-answers.test/"]),
    ):
        start = time.monotonic()
        try:
            proc = subprocess.run(base + extra, cwd=work, env=env, capture_output=True, timeout=args.limit)
            out[f"{name}_exit"] = proc.returncode
            out[f"{name}_s"] = round(time.monotonic() - start, 2)
        except subprocess.TimeoutExpired:
            out[f"{name}_exit"] = None
            out[f"{name}_s"] = float(args.limit)  # gave up waiting: at least this long
    proc = subprocess.Popen(
        base + ["--no-canary"], cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    time.sleep(1.5)
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    try:
        out["ctrl_c_exit"] = proc.wait(timeout=args.limit)
        out["ctrl_c_s"] = round(time.monotonic() - sent, 2)
    except subprocess.TimeoutExpired:
        proc.kill()
        out["ctrl_c_exit"], out["ctrl_c_s"] = None, float(args.limit)
    shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=3.0, help="the claims' timeout: (seconds)")
    parser.add_argument(
        "--claims", type=int, default=5, help="claims, each citing its own never-answering name"
    )
    parser.add_argument("--civicheck", default=str(ROOT / ".venv" / "bin" / "civicheck"))
    parser.add_argument(
        "--limit", type=float, default=150.0, help="give up on one run after this many seconds"
    )
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        _inside(args)
        return
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        sys.exit("needs root and unshare(1): the run happens in a private network and mount namespace")
    with tempfile.TemporaryDirectory() as tmp:
        resolv = Path(tmp) / "resolv.conf"
        resolv.write_text("nameserver 127.0.0.1\noptions timeout:30 attempts:2\n", encoding="ascii")
        inner = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--inside",
            "--timeout",
            str(args.timeout),
            "--claims",
            str(args.claims),
            "--civicheck",
            args.civicheck,
            "--limit",
            str(args.limit),
        ]
        script = f"ip link set lo up && mount --bind {resolv} /etc/resolv.conf && exec " + " ".join(inner)
        proc = subprocess.run(
            ["unshare", "--net", "--mount", "sh", "-c", script], capture_output=True, text=True
        )
    if proc.returncode != 0:
        sys.exit(f"the namespace run failed:\n{proc.stderr}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    t = args.timeout
    print(f"never-answering resolver, {args.claims} claims with timeout: {t:g} (target: under {t + 5:g} s)")
    print(f"  verify --no-canary      {result['no_canary_s']:7.2f} s  (exit {result['no_canary_exit']})")
    print(f"  verify with a canary    {result['canary_s']:7.2f} s  (exit {result['canary_exit']})")
    print(
        f"  Ctrl-C 1.5 s in         {result['ctrl_c_s']:7.2f} s from SIGINT to exit (exit {result['ctrl_c_exit']}; "
        "target: under 1 s)"
    )


if __name__ == "__main__":
    main()
