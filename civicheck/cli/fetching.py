"""What the commands that fetch (verify, draft) set up alike: the Fetcher's settings from the claims files and
the options, the source of results (a live Fetcher or a replayed archive), a live run with its WARC.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from civicheck.claims import Claim
    from civicheck.runner import Connectivity, Progress, RunResult


def fetcher_settings(claims: Sequence[Claim], operator_urls: Sequence[str], allow_private: bool) -> dict[str, Any]:
    """What the Fetcher needs from the claims files' defaults and the options: where private addresses are
    allowed (the hosts a file with `allow_private: true` cites; the URLs the operator named: --canary, a
    self-hosted --archive) and the headers per host, their secrets read from the environment now (a variable
    that is not set is bad input)."""
    import os
    from urllib.parse import urlsplit

    from civicheck.credentials import resolve_headers
    from civicheck.errors import ClaimsError

    headers, problems = resolve_headers([rule for claim in claims for rule in claim.headers], os.environ)
    if problems:
        raise ClaimsError(problems)
    private_hosts = {urlsplit(check.url).hostname for claim in claims if claim.allow_private for check in claim.checks}
    return {"allow_private": allow_private, "private_hosts": private_hosts, "private_urls": operator_urls,
            "headers": headers}


def archives_of(specs: Sequence[str]) -> list[Any]:
    """The archives --archive names (wayback, pywb=…); a UsageProblem for a spec that names none."""
    if not specs:
        return []
    from civicheck.archive.registry import parse_archive_spec

    return [parse_archive_spec(spec) for spec in specs]


def source_of(replay_files: Sequence[Path], concurrency: int, per_host: int, settings: dict[str, Any] | None) -> Any:
    """Where results come from: the archives replayed (a WarcReplay), or a live Fetcher."""
    if replay_files:
        from civicheck.archive import WarcReplay

        return WarcReplay(list(replay_files))
    from civicheck.fetch.client import Fetcher

    return Fetcher(concurrency=concurrency, per_host=per_host, **settings)


def live_run(claims: list[Claim], fetcher: Any, connectivity: Connectivity, progress: Progress, archives: list[Any],
             archive_dir: Path, no_warc: bool, reader: Any = None) -> RunResult:
    """A run fetching live, its WARC written under `archive_dir` unless `no_warc`; `reader` reads the pages
    (default: the shared worker pool, one worker per core)."""
    from civicheck.clock import now_utc
    from civicheck.runner import run

    if no_warc:
        return run(claims, fetcher, connectivity, progress, archives=archives, reader=reader)
    from civicheck.archive import WarcWriter, new_run_id

    started = now_utc()
    with WarcWriter(archive_dir, new_run_id(started), started) as warc:
        result = run(claims, fetcher, connectivity, progress, warc=warc, archives=archives, reader=reader)
    result.warc = str(warc.path)
    return result
