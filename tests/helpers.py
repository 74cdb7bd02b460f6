"""Helpers the test modules share: files written from indented literals, the command line run in-process, a
fetched page made up without a server, and a server for a test's own handler class (a webhook, a proxy).
Fixtures (the `site` server with its route table, `city`) live in conftest.py.
"""

from __future__ import annotations

import textwrap
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from click.testing import CliRunner, Result

from civicheck.cli import cli
from civicheck.fetch import FetchResult


def write(path: str | Path, text: str) -> Path:
    """`text` (an indented triple-quoted literal: YAML, HTML) dedented into `path`, its folders made."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def claims_file(folder: Path, text: str, name: str = "claims.yaml") -> Path:
    """A claims file `name` in `folder` (usually tmp_path), from an indented YAML literal."""
    return write(folder / name, text)


def invoke(*args: object) -> Result:
    """`civicheck ARGS…` in this process (click's CliRunner): exit_code, stdout and stderr apart."""
    return CliRunner().invoke(cli, [str(a) for a in args])


def verify(*args: object) -> Result:
    return invoke("verify", *args)


def fetched(
    body: str | bytes, content_type: str = "text/html; charset=utf-8", url: str = "http://x.example/a"
) -> FetchResult:
    """A 200 answer carrying `body`, as the Fetcher would return it: for tests of reading and extraction."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    return FetchResult(
        url,
        url,
        200,
        "OK",
        None,
        "200 OK",
        "2026-01-01T00:00:00Z",
        headers=[("Content-Type", content_type)],
        body=data,
    )


class LocalServer:
    """A stdlib HTTP server running a test's own handler class on `host`, port 0, from a daemon thread: for
    what the `site` fixture's route table cannot play (a forward proxy, a webhook keeping request bodies,
    redirectors on other loopback addresses). Close it when done."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], host: str = "127.0.0.1") -> None:
        self.server = ThreadingHTTPServer((host, 0), handler)
        self.server.daemon_threads = True
        self.port: int = self.server.server_address[1]
        self.url = f"http://{host}:{self.port}"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
