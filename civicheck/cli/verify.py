"""`civicheck verify` (check the claims: fetch, judge, report) and `civicheck merge` (join shard reports)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

from civicheck.cli.base import LAST_COMMAND, Command, option_value, say
from civicheck.cli.fetching import (
    archives_of,
    fetch_memory,
    fetcher_settings,
    live_run,
    revisit_line,
    source_of,
    start_readers,
)
from civicheck.cli.finish import finish, outputs_of, usable_history
from civicheck.cli.options import (
    archive_options,
    history_options,
    network_options,
    output_options,
    publishing,
    publishing_options,
)
from civicheck.cli.progress import Progress, may_grow

if TYPE_CHECKING:
    from civicheck.errors import HistoryError


@click.command(cls=Command)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@network_options
@archive_options
@history_options
@click.option(
    "--fresh",
    is_flag=True,
    help="Fetch every page whole: no conditional requests, no probe or reading "
    "remembered from earlier runs (what it fetches is still remembered).",
)
@click.option(
    "--shard",
    metavar="K/N",
    help="Check only the K-th of N stable slices of the claims (for a CI matrix; "
    "join the JSON reports with `civicheck merge`).",
)
@click.option(
    "--jobs",
    type=click.IntRange(1, 256),
    metavar="N",
    help="Pages read at once, each in a worker process of its own (default: one per core). The report "
    "is the same whatever N.",
)
@output_options
@publishing_options
def verify(
    paths,
    concurrency,
    per_host,
    canaries,
    no_canary,
    allow_private,
    archive_dir,
    no_warc,
    wacz,
    archive_specs,
    replay_files,
    db,
    no_history,
    confirm,
    fail_on,
    fresh,
    shard,
    jobs,
    format_,
    output,
    reports,
    notify_urls,
    width,
    quiet,
    publisher,
    publisher_url,
    review_url,
):
    """Fetch every URL the claims cite and print a verdict per claim.

    PATHS are claims files or folders (every *.yaml / *.yml below them, in sorted order). Everything fetched
    is kept in a WARC file under --archive-dir, which --replay can re-check later with no network.

    \b
    Examples:
      civicheck verify claims/
      civicheck verify claims/ --format markdown > report.md
      civicheck verify claims/cilegon.yaml --format json -o results.json
      civicheck verify claims/ --replay .civicheck/archive/civicheck-20261128T020000Z-1a2b3c.warc.gz
      civicheck verify claims/ --wacz
      civicheck verify claims/ --shard 1/4 --format json -o shard-1.json
      civicheck verify claims/ --format html -o report.html --notify 'json://hooks.example/civicheck'
      civicheck verify claims/ --format claimreview --publisher "Banten News" \\
        --publisher-url https://bantennews.example/ --review-url "https://bantennews.example/cek-fakta/{id}"

    Exit codes: 0 nothing to report per --fail-on (by default: every claim as expected, its `expect:` or
    else supported), 1 something to report, 2 bad claims file or usage, 3 civicheck itself failed.
    """
    from civicheck.claims import load_claims

    if no_history or replay_files or fresh or not Path(db).exists():
        # With a history, a night of unchanged pages may read none: the run starts its readers once it knows.
        start_readers(paths, jobs)
    claims = load_claims(list(paths))
    from civicheck.fetch.canary import DEFAULT_CANARIES
    from civicheck.runner import Connectivity, run

    outputs = outputs_of(
        format_, output, reports, notify_urls, publishing(publisher, publisher_url, review_url), width
    )
    if replay_files and archive_specs:
        raise click.UsageError("--replay fetches nothing, so it cannot be combined with --archive")
    if wacz:
        if replay_files or no_warc:
            without = "--replay" if replay_files else "--no-warc"
            raise click.UsageError(f"--wacz packs the run's WARC: a run with {without} writes none")
        from civicheck.archive.wacz import check_available

        check_available()  # before fetching anything
    shard_k_n = None
    if shard:
        from civicheck.shard import parse_shard, select_shard

        with option_value("--shard"):
            shard_k_n = parse_shard(shard)
        claims = select_shard(claims, *shard_k_n)
        no_history = (
            True  # one slice diffed against the whole last run would report every other claim as gone
        )
        if notify_urls:
            # A slice cannot tell what changed in the run: `merge` of the shards, which records it, notifies.
            # CIVICHECK_NOTIFY set for a whole CI job (every shard's too) is left to the merge.
            source = click.get_current_context().get_parameter_source("notify_urls")
            if source is not click.core.ParameterSource.ENVIRONMENT:
                raise click.UsageError(
                    "--notify goes on the `civicheck merge` of the shards, not on a --shard run"
                )
            outputs.notify = []
    archives = archives_of(archive_specs)
    from civicheck.claims import url_problem

    for canary in canaries:
        # A canary that can never answer would call every run offline, and every failure "unknown".
        if problem := url_problem(canary):
            raise click.BadParameter(problem, param_hint="--canary")
    # A replay is not a new look at the world: recording it would give the next night a false "previous run".
    records_history = not (no_history or replay_files)
    history_failure = usable_history(db) if records_history else None
    connectivity = Connectivity(None if no_canary else (list(canaries) or list(DEFAULT_CANARIES)))
    # The archives' replay pages are fetched like any page: a self-hosted pywb is usually on a private address.
    operator_urls = [*canaries, *(f"{archive.cdx.replay_prefix}/" for archive in archives)]
    settings = None if replay_files else fetcher_settings(claims, operator_urls, allow_private)
    progress = Progress(enabled=not quiet and sys.stderr.isatty())
    checks = [check for claim in claims for check in claim.checks]
    progress.expect(len({check.url for check in checks}), may_grow(checks) and not replay_files)
    from civicheck.kinds import kind_of
    from civicheck.reading import shared_reader

    reader = shared_reader(jobs, articles=any(kind_of(check).keeps_text for check in checks))
    # The pages' extracted texts go into the history (and a shard's report, for its merge); a run that records
    # neither lets each page's text go once its checks have searched it.
    keep_texts = records_history or bool(shard_k_n)
    skipped: list[str] = []  # records a replay could not read
    # A replay file that cannot be read is bad input (WarcUnreadable); a WARC not written, our failure.
    with source_of(replay_files, concurrency, per_host, settings) as source, progress:
        if replay_files:
            # The live run's canary answer, so "offline" decisions come out the same; an archive without
            # one cannot tell a dead site from a dead network, and replay says so (never "trusted").
            connectivity = Connectivity(None, answer=source.online())
            result = run(
                claims, source, connectivity, progress, replay=source, reader=reader, keep_texts=keep_texts
            )
            skipped = source.skipped
        else:
            # With a history, pages unchanged since their last good fetch move no bytes (history/revisits.py).
            memory = fetch_memory(db, fresh) if records_history and history_failure is None else None
            try:
                result = live_run(
                    claims,
                    progress.watch(source),
                    connectivity,
                    progress,
                    archives,
                    archive_dir,
                    no_warc,
                    memory,
                    wacz=wacz,
                    reader=reader,
                    keep_texts=keep_texts,
                )
            finally:
                if memory is not None:
                    memory.close()
    if (click.get_current_context().find_root().obj or {}).get(LAST_COMMAND):
        # The process ends with this command: its workers end as soon as every page is read and judged, so
        # what they hold goes back before the report (a large run's peak) is made. A process that runs again
        # (tests, a library user) keeps them for its next run.
        reader.retire()
    if not quiet:
        for why in skipped:  # the checks that needed these records say so too, as unknown
            say(f"warning: {why}")
        if wacz and result.warc:
            from civicheck.archive.wacz import wacz_path

            say(f"WACZ written: {wacz_path(Path(result.warc))} (open it in ReplayWeb.page)")
    from civicheck.report import run_to_dict

    # From here on the report is handled as any report is, one read from a file (merge's) included: a dict.
    report = cast("dict[str, Any]", run_to_dict(result, texts=True))
    if shard_k_n:
        report["shard"] = {"k": shard_k_n[0], "n": shard_k_n[1]}
    history: tuple[Path, list[str], HistoryError | None] | None = None
    if records_history:
        history = (db, [str(p) for p in paths], history_failure)
    # The archives asked to capture are asked for each page's earlier captures too, for the HTML charts.
    outputs.archives = [archive.cdx for archive in archives]
    code = finish(report, history, confirm, fail_on, outputs, quiet, keep_texts=bool(shard_k_n))
    if not quiet and (line := revisit_line(result.revisits)):
        say(line)  # after the summary, which stays the first line
    return code


@click.command(cls=Command, short_help="Join shard reports into one report.")
@click.argument(
    "shards", nargs=-1, required=True, metavar="REPORTS...", type=click.File("r", encoding="utf-8")
)
@history_options
@output_options
@publishing_options
def merge(
    shards,
    db,
    no_history,
    confirm,
    fail_on,
    format_,
    output,
    reports,
    notify_urls,
    width,
    quiet,
    publisher,
    publisher_url,
    review_url,
):
    """Join the JSON reports of shards (`verify --shard K/N --format json`) into one report.

    The merged run is recorded in the history and rendered like a verify run.

    \b
    Example:
      civicheck merge shard-1.json shard-2.json shard-3.json --format markdown
    """
    from civicheck.shard import merge as merge_reports
    from civicheck.shard import read_shard

    outputs = outputs_of(
        format_, output, reports, notify_urls, publishing(publisher, publisher_url, review_url), width
    )
    merged = merge_reports([read_shard(f, f.name) for f in shards])
    history: tuple[Path, list[str], HistoryError | None] | None = None
    if not no_history:
        history = (db, [], usable_history(db))
    return finish(merged, history, confirm, fail_on, outputs, quiet, keep_texts=False)
