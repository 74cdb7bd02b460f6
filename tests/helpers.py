"""Helpers the test modules share: files written from indented literals, the command line run in-process, and a
fetched page made up without a server. Fixtures (the `site` server, `city`) live in conftest.py.
"""

from __future__ import annotations

import textwrap
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


def fetched(body: str | bytes, content_type: str = "text/html; charset=utf-8",
            url: str = "http://x.example/a") -> FetchResult:
    """A 200 answer carrying `body`, as the Fetcher would return it: for tests of reading and extraction."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    return FetchResult(url, url, 200, "OK", None, "200 OK", "2026-01-01T00:00:00Z",
                       headers=[("Content-Type", content_type)], body=data)
