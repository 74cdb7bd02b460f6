"""A real pywb for tests: `wayback --record` on 127.0.0.1, one collection, allowed to record loopback URLs only.

Use it by importing the fixture into a test module: `from pywb_server import pywb  # noqa: F401`.

Why it is safe to run: pywb binds 0.0.0.0 unless told otherwise, so it gets `-b 127.0.0.1` (its internal
warcserver and recorder bind "localhost" by themselves). Record mode fetches whatever URL it is handed, through
a `live` collection; ours is declared in config.yaml with access rules that block everything (`default_access:
block`) except SURT keys starting `1,0,0,127:` (= http(s)://127.0.0.1:<port>/...), so a stray URL in a test is
refused (451) before pywb opens any connection. pywb's one other reach for the internet (tldextract fetching the
public suffix list) is turned off through its environment.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests

from civicheck.archive.cdx import Capture
from civicheck.archive.pywb import cdx_client

COLLECTION = "civicheck"
STARTUP_TIMEOUT = 30.0  # seconds; pywb starts in about one on this machine
# autoindex runs every second and lists a capture within two on a quiet machine; under load (the suite in
# parallel beside other builds) it has taken over 15 s. The wait polls the CDX API, so it costs only the time
# the capture really takes; the bound only says when to give up.
INDEX_TIMEOUT = 90.0

# pywb canonicalises 127.0.0.1:PORT as "1,0,0,127:PORT)/..." (reversed like a host name, port kept).
LOOPBACK_ACL = '1,0,0,127: - {"access": "allow", "url": "http://127.0.0.1/"}\n'
CONFIG = """\
# Written by tests/pywb_server.py. Record mode fetches through the "live" collection below, and its access
# rules allow 127.0.0.1 only.
collections:
  live:
    index: $live
    acl_paths: [{acl}]
    default_access: block
"""


def _executable(name: str) -> str:
    # The scripts of the interpreter running the tests first: pywb is one of its test dependencies.
    beside = Path(sys.executable).with_name(name)
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found:
        return found
    pytest.fail(
        f"pywb is not installed: no `{name}` next to {sys.executable} nor on PATH. Install the test "
        "dependencies (`pip install -e '.[test]'`; the test extra lists pywb).",
        pytrace=False,
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_past(timestamp: str) -> None:
    """Sleep until the second after `timestamp` (YYYYMMDDhhmmss) has begun: pywb stamps captures to the second,
    and two captures of one URL in the same second would be indistinguishable."""
    then = datetime.strptime(timestamp, "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc).timestamp()
    time.sleep(max(0.0, then + 1.0 - time.time()) + 0.01)


class PywbServer:
    """One `wayback --record -a` process in `root`, serving the collection at `collection_url`."""

    def __init__(self, root: Path, collection: str = COLLECTION, port: int | None = None):
        self.root = root
        self.collection = collection
        self.port = port or 0  # 0: a free one, chosen at start
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = root / "wayback.log"
        self._log = None

    @property
    def collection_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{self.collection}"

    def start(self) -> PywbServer:
        env = {
            **os.environ,
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            # pywb's cookie rewriting calls tldextract, which downloads the public suffix list on first use;
            # no URLs (an empty list) makes it use the snapshot it ships, and its cache stays in our temp dir.
            "TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS": "",
            "TLDEXTRACT_CACHE": str(self.root / "tldextract-cache"),
        }
        init = subprocess.run(
            [_executable("wb-manager"), "init", self.collection],
            cwd=self.root,
            env=env,
            capture_output=True,
            timeout=60,
            check=False,
        )
        if init.returncode != 0:
            pytest.fail(
                f"`wb-manager init {self.collection}` failed ({init.returncode}):\n"
                f"{init.stdout.decode(errors='replace')}{init.stderr.decode(errors='replace')}",
                pytrace=False,
            )
        # pywb caches the list of index files per folder and re-reads it only when the folder's os.stat
        # differs, whose times are whole seconds: an autoindex.cdxj created in the same second as a lookup
        # stayed unseen for good (the capture "never indexed", under load). Created now, the file is listed
        # from the start; pywb reads its lines afresh on every lookup.
        (self.root / "collections" / self.collection / "indexes" / "autoindex.cdxj").touch()
        acl = self.root / "loopback-only.aclj"
        acl.write_text(LOOPBACK_ACL)
        (self.root / "config.yaml").write_text(CONFIG.format(acl=acl))
        # A port we choose is free when chosen, not necessarily when pywb binds it a moment later (another
        # process on the machine may take it first): then pywb is started again on another one.
        chosen = not self.port
        for attempt in range(3):
            self.port = _free_port() if chosen else self.port
            self._launch(env)
            try:
                self._wait_until_serving()
                return self
            except pytest.fail.Exception:
                taken = "Address already in use" in self.log_path.read_text(errors="replace")
                if not (chosen and taken and attempt < 2):
                    raise
        return self

    def _launch(self, env: dict[str, str]) -> None:
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - open for the process's whole life
        self.process = subprocess.Popen(
            [
                _executable("wayback"),
                "--record",
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-a",
                "--auto-interval",
                "1",
            ],
            cwd=self.root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def _wait_until_serving(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        probe = f"{self.collection_url}/cdx"
        last = "no answer yet"
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                self._fail(f"pywb exited with code {self.process.returncode} while starting")
            try:
                answer = requests.get(probe, params={"url": "http://127.0.0.1/", "output": "json"}, timeout=2)
                if answer.status_code == 200:
                    return
                last = f"{answer.status_code} {answer.reason}"
            except requests.RequestException as exc:
                last = type(exc).__name__
            time.sleep(0.1)
        self._fail(f"pywb did not serve {probe} within {STARTUP_TIMEOUT:g} s (last: {last})")

    def _fail(self, message: str) -> None:
        self.stop()
        tail = self.log_path.read_text(errors="replace")[-3000:] if self.log_path.exists() else ""
        pytest.fail(f"{message}; its log ({self.log_path}) ends:\n{tail}", pytrace=False)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def wait_indexed(self, url: str, timestamp: str) -> list[Capture]:
        """Every capture of `url` once the one taken at `timestamp` is in the CDX index (autoindex is periodic)."""
        from civicheck.errors import ArchiveUnavailable

        cdx = cdx_client(self.collection_url)
        deadline = time.monotonic() + INDEX_TIMEOUT
        captures: list[Capture] = []
        while True:
            if self.process is not None and self.process.poll() is not None:
                self._fail(f"pywb exited with code {self.process.returncode} before indexing {url}")
            try:
                captures = cdx.captures(url)
            except ArchiveUnavailable:  # a busy pywb may be slow to answer its CDX API: ask again
                captures = []
            if any(c.timestamp == timestamp for c in captures):
                return captures
            if time.monotonic() > deadline:
                pytest.fail(
                    f"pywb did not index the capture of {url} at {timestamp} within {INDEX_TIMEOUT:g} s "
                    f"(it lists {[c.timestamp for c in captures]})",
                    pytrace=False,
                )
            time.sleep(0.25)


@pytest.fixture(scope="module")
def pywb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PywbServer]:
    """A running pywb for the test module, stopped afterwards; a failure to start fails the tests (never skips)."""
    server = PywbServer(tmp_path_factory.mktemp("pywb"))
    try:
        server.start()
        yield server
    finally:
        server.stop()
