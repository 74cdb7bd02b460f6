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


def fetcher_settings(
    claims: Sequence[Claim], operator_urls: Sequence[str], allow_private: bool
) -> dict[str, Any]:
    """What the Fetcher needs from the claims files' defaults and the options: where private addresses are
    allowed (the hosts a file with `allow_private: true` cites; the URLs the operator named: --canary, a
    self-hosted --archive), the User-Agent, and the headers per host (cookies included), their secrets read from the environment now (a variable
    that is not set is bad input)."""
    import os
    from urllib.parse import urlsplit

    from civicheck.credentials import resolve_headers
    from civicheck.errors import ClaimsError

    headers, problems = resolve_headers([rule for claim in claims for rule in claim.headers], os.environ)
    if problems:
        raise ClaimsError(problems)
    private_hosts = {
        urlsplit(check.url).hostname for claim in claims if claim.allow_private for check in claim.checks
    }
    settings = {
        "allow_private": allow_private,
        "private_hosts": private_hosts,
        "private_urls": operator_urls,
        "headers": headers,
    }
    # One User-Agent for the run (load_claims refused files naming different ones); else civicheck's own.
    agent = next((claim.user_agent[0] for claim in claims if claim.user_agent is not None), None)
    if agent is not None:
        settings["user_agent"] = agent
    return settings


# How much of each claims file start_readers glances at: enough for any hand-written file.
_GLANCE = 1 << 20


def start_readers(paths: Sequence[str | Path], jobs: int | None) -> None:
    """Start the page readers while the claims are being read: their fork server imports trafilatura and the
    other readers, most of a second of its own that the first pages would otherwise wait for. What it
    imports beforehand follows a glance at the claims files (does one name a check kind that reads the main
    text?): a wrong guess costs time, never a result, and files that cannot be read are left to load_claims."""
    import re

    from civicheck import kinds
    from civicheck.claims.loading import find_claim_files
    from civicheck.reading import shared_reader

    try:
        names = [name for name in kinds.names() if getattr(kinds.get(name), "keeps_text", False)]
        text_kind = re.compile(rb"\b(?:" + b"|".join(re.escape(n.encode()) for n in names) + rb")\s*:")
        articles = any(_starts_with(path, text_kind) for path in find_claim_files(paths))
    except Exception:  # noqa: BLE001 - a guess: a missing file, a broken plugin are load_claims' to report
        return
    shared_reader(jobs, articles=articles).start()


def _starts_with(path: Path, pattern: Any) -> bool:
    with open(path, "rb") as fh:
        return pattern.search(fh.read(_GLANCE)) is not None


def archives_of(specs: Sequence[str]) -> list[Any]:
    """The archives --archive names (wayback, pywb=…); a UsageProblem for a spec that names none."""
    if not specs:
        return []
    from civicheck.archive.registry import parse_archive_spec

    return [parse_archive_spec(spec) for spec in specs]


def source_of(
    replay_files: Sequence[Path], concurrency: int, per_host: int, settings: dict[str, Any] | None
) -> Any:
    """Where results come from: the archives replayed (a WarcReplay), or a live Fetcher."""
    if replay_files:
        from civicheck.archive import WarcReplay

        return WarcReplay(list(replay_files))
    from civicheck.fetch.client import Fetcher

    return Fetcher(concurrency=concurrency, per_host=per_host, **(settings or {}))


def live_run(
    claims: list[Claim],
    fetcher: Any,
    connectivity: Connectivity,
    progress: Progress,
    archives: list[Any],
    archive_dir: Path,
    no_warc: bool,
    memory: Any = None,
    *,
    wacz: bool = False,
    reader: Any = None,
    keep_texts: bool = True,
) -> RunResult:
    """A run fetching live, its WARC written under `archive_dir` unless `no_warc` (and packed as a WACZ beside
    it with `wacz`); `memory` (a FetchMemory) makes it re-check conditionally, and learns what it fetched once
    the WARC is in place; `reader` reads the pages (default: the shared worker pool, one worker per core);
    `keep_texts`: see runner.run."""
    from civicheck.clock import now_utc
    from civicheck.runner import run

    if no_warc:
        result = run(
            claims,
            fetcher,
            connectivity,
            progress,
            archives=archives,
            memory=memory,
            reader=reader,
            keep_texts=keep_texts,
        )
    else:
        from civicheck.archive import WarcWriter, new_run_id

        started = now_utc()
        with WarcWriter(archive_dir, new_run_id(started), started) as warc:
            result = run(
                claims,
                fetcher,
                connectivity,
                progress,
                warc=warc,
                archives=archives,
                memory=memory,
                reader=reader,
                keep_texts=keep_texts,
            )
        result.warc = str(warc.path)
        if wacz:
            from civicheck.archive.wacz import write_wacz

            # The pages a reader starts from: the cited URLs, each titled with the first claim citing it.
            pages = [(check.url, f"{claim.id}: {claim.claim}") for claim in claims for check in claim.checks]
            write_wacz(warc.path, pages, f"civicheck run {warc.run_id}")
    if memory is not None:
        # After the WARC is renamed into place: what is remembered points to a capture that exists.
        memory.save(closed=None if no_warc else Path(result.warc or ""))
    return result


def fetch_memory(db: Path, fresh: bool) -> Any:
    """The history's memory of good fetches and probes (history/revisits.py); None, with a warning, when it
    cannot be opened (the run then fetches everything whole, as without a history)."""
    from civicheck.cli.base import say
    from civicheck.errors import HistoryError
    from civicheck.history.revisits import FetchMemory

    try:
        return FetchMemory(db, fresh=fresh)
    except HistoryError as exc:
        say(f"warning: every page is fetched whole: {exc}")
        return None


def revisit_line(counts: dict[str, int]) -> str | None:
    """What the history spared this run, in words for stderr; None when it spared nothing."""
    parts = [
        f"{counts[key]} {words}"
        for key, words in (
            ("304", "unchanged since the last good fetch (304)"),
            ("same body", "read before (same body)"),
            (
                "probe remembered",
                "soft-404 probe remembered"
                if counts.get("probe remembered") == 1
                else "soft-404 probes remembered",
            ),
        )
        if counts.get(key)
    ]
    return "history: " + ", ".join(parts) if parts else None
