"""The command line: parse options, call the library, render, choose the exit code. Nothing else.

Heavy imports (requests, trafilatura) happen inside commands so `civicheck --help` stays instant.
"""

from __future__ import annotations

import sys
import threading
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import NoReturn

import click

from civicheck import __version__


class ExitCode(IntEnum):
    """Documented in the README; CI jobs depend on these."""

    OK = 0  # every claim came out as expected (its `expect:`, else supported)
    UNEXPECTED = 1  # at least one claim did not
    BAD_INPUT = 2  # a claims file is invalid, or the command line is wrong
    INTERNAL = 3  # civicheck itself failed (a bug, a full disk): nothing can be concluded


# Ctrl-C: 128 + SIGINT, as shells report it. Not 1 (click's choice), which says a claim is not as expected.
INTERRUPTED = 130


def _say(message: str) -> None:
    """A line on standard error. Messages echo claim ids, keys, URLs, file names and archive answers, so every
    control or invisible character in them is written out, never sent to the terminal as is."""
    from civicheck.report import visible

    click.echo(visible(message), err=True)


def _fail(message: object, code: ExitCode) -> NoReturn:
    _say(f"error: {message}")
    sys.exit(code)


def _option_group(*options):
    """A decorator applying `options` in order, so one list serves every command that takes them."""

    def apply(fn):
        for option in reversed(options):
            fn = option(fn)
        return fn

    return apply


# Options for commands that fetch.
network_options = _option_group(
    click.option("--concurrency", default=16, show_default=True, type=click.IntRange(1, 256),
                 help="Fetches in flight at once."),
    click.option("--per-host", default=4, show_default=True, type=click.IntRange(1, 64),
                 help="Fetches in flight at once to one host."),
    click.option("--canary", "canaries", multiple=True, metavar="URL",
                 help="URL proving this machine is online (repeatable); replaces the default canaries."),
    click.option("--no-canary", is_flag=True,
                 help="Trust the network: DNS failures, refusals, timeouts and TLS errors count against a site "
                      "without asking a canary."),
    click.option("--allow-private", is_flag=True, envvar="CIVICHECK_ALLOW_PRIVATE", show_envvar=True,
                 help="Also connect to loopback, private, link-local and other non-public addresses (an "
                      "intranet); refused by default, on every redirect and link too."),
)

# Options for commands that write a report.
output_options = _option_group(
    click.option("--format", "format_",
                 type=click.Choice(["table", "markdown", "json", "csv", "claimreview", "html"]),
                 default="table", show_default=True,
                 help="Report format (claimreview: schema.org ClaimReview JSON-LD, one per claim; html: one "
                      "self-contained page to open, print or attach)."),
    click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
                 help="Write the report to FILE instead of standard output."),
    click.option("--report", "reports", multiple=True, metavar="FILE",
                 type=click.Path(dir_okay=False, writable=True, path_type=Path),
                 help="Also write the report to FILE, in the format its extension names: .md, .json, .html, "
                      ".csv (repeatable; one run, several reports)."),
    click.option("--notify", "notify_urls", multiple=True, metavar="URL", envvar="CIVICHECK_NOTIFY",
                 show_envvar=True,
                 help="Send what changed (verdicts flipped, claims no longer as published, page text changed) to "
                      "this Apprise URL: mailtos://, slack://, tgram://, json://… (repeatable; only when there is "
                      "news; the variable holds URLs separated by spaces)."),
    click.option("-q", "--quiet", is_flag=True,
                 help="Nothing on standard error but errors: no progress bar, summary or archive line."),
)


# Options for who publishes the fact checks (--format claimreview).
publishing_options = _option_group(
    click.option("--publisher", metavar="NAME",
                 help="With --format claimreview: the organization publishing the fact checks (each review's "
                      "author)."),
    click.option("--publisher-url", metavar="URL", help="With --format claimreview: the publisher's home page."),
    click.option("--review-url", metavar="TEMPLATE",
                 help="With --format claimreview: where each fact check is published, {id} replaced by the claim "
                      "id (https://news.example/cek-fakta/{id}); a claim's own review_url: wins."),
)


def _publishing(publisher, publisher_url, review_url):
    """The ClaimReview settings from the options: {"publisher": {...} or None, "url": template or None}."""
    from civicheck.claims import url_problem

    if publisher_url and not publisher:
        raise click.UsageError("--publisher-url names the publisher's home page: give --publisher NAME too")
    if publisher is not None and not publisher.strip():
        raise click.BadParameter("the publisher's name is empty", param_hint="--publisher")
    if publisher_url and (problem := url_problem(publisher_url)):
        raise click.BadParameter(problem, param_hint="--publisher-url")
    if review_url is not None:
        if "{id}" not in review_url:
            raise click.BadParameter("the template needs {id}, replaced by each claim's id: "
                                     "https://news.example/cek-fakta/{id} or https://news.example/cek-fakta#{id}",
                                     param_hint="--review-url")
        if problem := url_problem(review_url.replace("{id}", "id")):
            raise click.BadParameter(problem, param_hint="--review-url")
    org = {"name": publisher.strip(), **({"url": publisher_url.strip()} if publisher_url else {})} if publisher else None
    return {"publisher": org, "url": review_url.strip() if review_url else None}


class _Group(click.Group):
    """Every way a command ends besides its own exit: a usage error (exit 2) printed safely, an unexpected
    exception (a bug, a full disk) as exit code 3 with a message rather than a bare traceback, Ctrl-C as 130
    (click would say 1, which means "a claim is not as expected")."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except click.exceptions.ClickException as exc:
            from civicheck.report import visible

            exc.message = visible(exc.message)  # it may quote a claim id, a URL or a file name
            raise
        except (click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            _say("interrupted: nothing was concluded")
            sys.exit(INTERRUPTED)
        except Exception as exc:  # noqa: BLE001
            import traceback

            for line in traceback.format_exc().splitlines():
                _say(line)  # the exception may carry text from a page or a claims file
            _say(f"civicheck failed unexpectedly ({type(exc).__name__}: {exc}); this is a bug, please report it.")
            sys.exit(ExitCode.INTERNAL)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="civicheck")
def cli() -> None:
    """Check what governments claim about their own services against the pages that prove or disprove it.

    Claims live in YAML files (see `civicheck verify --help` and the README); each cites the URLs that
    decide it. civicheck fetches them, extracts the evidence and gives each claim a verdict:
    supported, refuted or unverified.
    """


def _load(paths):
    from civicheck.claims import load_claims
    from civicheck.errors import ClaimsError, UsageProblem

    try:
        return load_claims(list(paths))
    except UsageProblem as exc:
        raise click.UsageError(str(exc)) from exc
    except ClaimsError as exc:
        _bad_claims(exc.problems)


def _bad_claims(problems) -> NoReturn:
    shown = 200  # a generated file can hold thousands of mistakes: the first ones teach the fix
    for problem in problems[:shown]:
        _say(f"error: {problem}")
    n = len(problems)
    if n > shown:
        _say(f"… and {n - shown} more problems not shown")
    _say(f"{n} problem{'s' if n != 1 else ''} found; nothing was fetched. Fix the file(s) and run again.")
    sys.exit(ExitCode.BAD_INPUT)


def _fetcher_settings(claims, operator_urls, allow_private):
    """What the Fetcher needs from the claims files' defaults and the options: where private addresses are
    allowed (the hosts a file with `allow_private: true` cites; the URLs the operator named: --canary, a
    self-hosted --archive) and the headers per host, their secrets read from the environment now (a variable
    that is not set is bad input)."""
    import os
    from urllib.parse import urlsplit

    from civicheck.credentials import resolve_headers

    headers, problems = resolve_headers([rule for claim in claims for rule in claim.headers], os.environ)
    if problems:
        _bad_claims(problems)
    private_hosts = {urlsplit(check.url).hostname for claim in claims if claim.allow_private for check in claim.checks}
    return {"allow_private": allow_private, "private_hosts": private_hosts, "private_urls": operator_urls,
            "headers": headers}


# Options for where snapshots of what was seen are kept.
archive_options = _option_group(
    click.option("--archive-dir", type=click.Path(file_okay=False, path_type=Path), default=Path(".civicheck/archive"),
                 show_default=True, help="Folder for the run's WARC file (one gzipped WARC per run)."),
    click.option("--no-warc", is_flag=True, help="Do not write a WARC of what was fetched."),
    click.option("--archive", "archive_specs", multiple=True, metavar="SPEC",
                 help="Also ask an archive to capture each cited URL: 'wayback' (Save Page Now; keys from "
                      "CIVICHECK_IA_ACCESS_KEY / CIVICHECK_IA_SECRET_KEY, anonymous without) or "
                      "'pywb=http://HOST:PORT/COLLECTION' (pywb run with --record -a). Repeatable."),
    click.option("--replay", "replay_files", multiple=True, metavar="WARC",
                 type=click.Path(exists=True, dir_okay=False, path_type=Path),
                 help="Re-evaluate the claims from these WARC files with no network at all (repeatable)."),
)


def _db_option(help_: str):
    return click.option("--db", type=click.Path(dir_okay=False, path_type=Path),
                        default=Path(".civicheck/history.sqlite"), show_default=True, help=help_)


# Options for commands that remember runs and decide the exit code from what changed.
history_options = _option_group(
    _db_option("History database (SQLite) of every run."),
    click.option("--no-history", is_flag=True, help="Do not read or record history (no damping, no changes)."),
    click.option("--confirm", type=click.IntRange(1, 30), default=2, show_default=True,
                 help="Runs in a row a new verdict must be seen before it is reported (1 reports it at once)."),
    click.option("--fail-on", type=click.Choice(["unexpected", "changed", "refuted", "never"]),
                 default="unexpected", show_default=True,
                 help="What makes the exit code 1: a claim not as expected, any reported verdict changed since "
                      "the last run, any claim refuted, or never."),
)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@network_options
@archive_options
@history_options
@click.option("--shard", metavar="K/N", help="Check only the K-th of N stable slices of the claims (for a CI matrix; "
                                             "join the JSON reports with `civicheck merge`).")
@output_options
@publishing_options
def verify(paths, concurrency, per_host, canaries, no_canary, allow_private, archive_dir, no_warc, archive_specs,
           replay_files, db, no_history, confirm, fail_on, shard, format_, output, reports, notify_urls, quiet,
           publisher, publisher_url, review_url):
    """Fetch every URL the claims cite and print a verdict per claim.

    PATHS are claims files or folders (every *.yaml / *.yml below them, in sorted order). Everything fetched
    is kept in a WARC file under --archive-dir, which --replay can re-check later with no network.

    \b
    Examples:
      civicheck verify claims/
      civicheck verify claims/ --format markdown > report.md
      civicheck verify claims/cilegon.yaml --format json -o results.json
      civicheck verify claims/ --replay .civicheck/archive/civicheck-20261128T020000Z-1a2b3c.warc.gz
      civicheck verify claims/ --shard 1/4 --format json -o shard-1.json
      civicheck verify claims/ --format html -o report.html --notify 'json://hooks.example/civicheck'
      civicheck verify claims/ --format claimreview --publisher "Banten News" \\
        --publisher-url https://bantennews.example/ --review-url "https://bantennews.example/cek-fakta/{id}"

    Exit codes: 0 nothing to report per --fail-on (by default: every claim as expected, its `expect:` or
    else supported), 1 something to report, 2 bad claims file or usage, 3 civicheck itself failed.
    """
    claims = _load(paths)
    from civicheck.errors import CivicheckError, UsageProblem
    from civicheck.fetch.canary import DEFAULT_CANARIES
    from civicheck.runner import Connectivity, run

    outputs = _outputs(format_, output, reports, notify_urls, _publishing(publisher, publisher_url, review_url))
    if replay_files and archive_specs:
        raise click.UsageError("--replay fetches nothing, so it cannot be combined with --archive")
    shard_k_n = None
    if shard:
        from civicheck.shard import parse_shard, select_shard

        try:
            shard_k_n = parse_shard(shard)
        except UsageProblem as exc:
            raise click.BadParameter(str(exc), param_hint="--shard") from exc
        claims = select_shard(claims, *shard_k_n)
        no_history = True  # one slice diffed against the whole last run would report every other claim as gone
        if notify_urls:
            # A slice cannot tell what changed in the run: `merge` of the shards, which records it, notifies.
            # CIVICHECK_NOTIFY set for a whole CI job (every shard's too) is left to the merge.
            source = click.get_current_context().get_parameter_source("notify_urls")
            if source is not click.core.ParameterSource.ENVIRONMENT:
                raise click.UsageError("--notify goes on the `civicheck merge` of the shards, not on a --shard run")
            outputs.notify = []
    try:
        archives = _archives(archive_specs)
    except UsageProblem as exc:
        raise click.UsageError(str(exc)) from exc
    from civicheck.claims import url_problem

    for canary in canaries:
        # A canary that can never answer would call every run offline, and every failure "unknown".
        if problem := url_problem(canary):
            raise click.BadParameter(problem, param_hint="--canary")
    # A replay is not a new look at the world: recording it would give the next night a false "previous run".
    records_history = not (no_history or replay_files)
    history_failure = _usable_history(db) if records_history else None
    connectivity = Connectivity(None if no_canary else (list(canaries) or list(DEFAULT_CANARIES)))
    # The archives' replay pages are fetched like any page: a self-hosted pywb is usually on a private address.
    operator_urls = [*canaries, *(f"{archive.cdx.replay_prefix}/" for archive in archives)]
    settings = None if replay_files else _fetcher_settings(claims, operator_urls, allow_private)
    progress = _Progress(enabled=not quiet and sys.stderr.isatty())
    skipped: list[str] = []  # records a replay could not read
    try:
        with _source(replay_files, concurrency, per_host, settings) as source, progress:
            if replay_files:
                # The live run's canary answer, so "offline" decisions come out the same; an archive without
                # one cannot tell a dead site from a dead network, and replay says so (never "trusted").
                connectivity = Connectivity(None, answer=source.online())
                result = run(claims, source, connectivity, progress, replay=source)
                skipped = source.skipped
            else:
                result = _live_run(claims, source, connectivity, progress, archives, archive_dir, no_warc)
    except CivicheckError as exc:
        # A replay file that cannot be read is bad input; anything else (writing the WARC) is our failure.
        _fail(exc, ExitCode.BAD_INPUT if replay_files else ExitCode.INTERNAL)
    if not quiet:
        for why in skipped:  # the checks that needed these records say so too, as unknown
            _say(f"warning: {why}")
    from civicheck.report import run_to_dict

    report = run_to_dict(result, texts=True)
    if shard_k_n:
        report["shard"] = {"k": shard_k_n[0], "n": shard_k_n[1]}
    history = (db, [str(p) for p in paths], history_failure) if records_history else None
    # The archives asked to capture are asked for each page's earlier captures too, for the HTML charts.
    outputs.archives = [archive.cdx for archive in archives]
    _finish(report, history, confirm, fail_on, outputs, quiet, keep_texts=bool(shard_k_n))


def _usable_history(db: Path):
    """Open (and migrate) the history and read every page of it before fetching. One from a newer civicheck
    stops the run at once (upgrade, or use another --db). One that is damaged, unreadable or on a full disk
    is said at once, and the run goes on without it: the report is still written, and the exit code is 3.
    Returns that failure, or None."""
    from civicheck.history import HistoryError, HistoryStore, HistoryTooNew

    try:
        with HistoryStore(db) as store:
            store.check()
    except HistoryTooNew as exc:
        _fail(exc, ExitCode.INTERNAL)
    except HistoryError as exc:
        _say(f"error: {exc}")
        _say("going on without the history: the report will be written without flap damping or changes, "
             "and the exit code will be 3")
        return exc
    return None


@dataclass
class _Outputs:
    """Where a run's report goes and who hears of it: stdout or -o in --format, every --report FILE in the
    format its extension names, the --notify URLs; the archives whose captures the HTML charts show."""

    format_: str
    output: Path | None
    reports: list[tuple[str, Path]]
    notify: list[str]
    publishing: dict = field(default_factory=dict)  # --publisher …: what shapes the claimreview format
    archives: list = field(default_factory=list)

    def formats(self) -> set[str]:
        return {self.format_, *(fmt for fmt, _ in self.reports)}


# What a --report FILE's extension says its format is.
REPORT_SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".json": "json", ".html": "html", ".htm": "html",
                   ".csv": "csv"}


def _outputs(format_, output, reports, notify_urls, publishing) -> _Outputs:
    """Check every place the report goes before anything is fetched: a folder that is missing, a --report
    whose format cannot be told, a notify URL Apprise cannot use are all refused now, not after a long run."""
    from civicheck.errors import UsageProblem

    _check_writable(output)
    paired = []
    for path in reports:
        fmt = REPORT_SUFFIXES.get(path.suffix.lower())
        if fmt is None:
            raise click.BadParameter(f"{path}: name it .md, .json, .html or .csv, the format it is written in",
                                     param_hint="--report")
        _check_writable(path, "--report")
        paired.append((fmt, path))
    if notify_urls:
        from civicheck.notify import check_urls

        try:
            check_urls(notify_urls)
        except UsageProblem as exc:
            raise click.BadParameter(str(exc), param_hint="--notify") from exc
    return _Outputs(format_, output, paired, list(notify_urls), publishing or {})


def _finish(report, history, confirm, fail_on, outputs, quiet, keep_texts=False):
    """Damp the verdicts against the history, write the reports, then record the run, tell the --notify
    URLs, and pick the exit code: shared by verify and merge. Nothing finished is lost: when the history
    cannot be used the reports are still written (undamped) and the exit code is 3; when a report cannot be
    written nothing is recorded. A notification that fails is said, and changes no exit code."""
    from civicheck.changes import exit_decision
    from civicheck.errors import CivicheckError

    changes, damped, not_recorded = None, False, None
    try:
        with _recording(history, report, confirm, quiet) as (remembered, store):
            if remembered is not None:
                report, changes, damped = remembered.report, remembered.changes, True
            _write_reports(report, changes, outputs, keep_texts, store, quiet)  # SystemExit if one fails
    except CivicheckError as exc:  # the history could not be read, or the run not recorded: the report is out
        not_recorded = exc
    if not quiet and (outputs.output is not None or not sys.stdout.isatty()):
        from civicheck.report import summary_line

        _say(summary_line(report, changes))
    warcs = report.get("warcs") or ([report["warc"]] if report.get("warc") else [])
    if not quiet and warcs:
        _say(f"archived what was seen in {', '.join(map(str, warcs))}")
    if outputs.notify:
        _notify(report, changes, outputs.notify, quiet)
    if not_recorded is not None:
        how = "" if damped else "; the report shows this run's verdicts as they came, without flap damping"
        _fail(f"this run was not recorded in the history: {not_recorded}{how}", ExitCode.INTERNAL)
    sys.exit(ExitCode.UNEXPECTED if exit_decision(report, changes, fail_on) else ExitCode.OK)


def _notify(report, changes, urls, quiet) -> None:
    from civicheck.notify import news, send, shown

    message = news(report, changes)
    if message is None:
        if not quiet:
            _say("nothing new to notify")
        return
    failures = send(message, urls)
    for failure in failures:
        _say(f"error: could not notify {failure} (the exit code does not depend on notifications)")
    if not quiet and len(failures) < len(urls):
        sent = [shown(u) for u in urls if not any(f.startswith(shown(u) + ":") for f in failures)]
        _say(f"notified {', '.join(sent)}: {message.title.removeprefix('civicheck: ')}")


@contextmanager
def _recording(history, report, confirm, quiet):
    """HistoryStore.recording for _finish: yields (the damped run, the open store), (None, None) without
    history, and records the run when the block ends well. A history that cannot be opened, read or locked
    yields (None, None), so the report is still written, and raises its HistoryError after the block."""
    if history is None:
        yield None, None
        return
    from contextlib import ExitStack

    from civicheck.claims import find_claim_files
    from civicheck.errors import CivicheckError
    from civicheck.history import HistoryError, HistoryStore, file_digests

    db, paths, failure = history
    with ExitStack() as stack:
        try:
            if failure is not None:
                raise failure  # found before fetching: the run went on without its history
            try:
                digests = file_digests(find_claim_files(paths)) if paths else []
            except OSError as exc:
                raise HistoryError(f"cannot read the claims files again to record them: {exc}") from exc
            store = stack.enter_context(HistoryStore(db, on_wait=None if quiet else _waiting))
            remembered = stack.enter_context(store.recording(report, digests, confirm=confirm))
        except CivicheckError as exc:
            failure = exc
        else:
            yield remembered, store  # an exception here (a report not written) rolls the record back
            return  # leaving the stack commits the run; a failure to commit raises from here
    yield None, None
    raise failure


def _write_reports(report, changes, outputs, keep_texts, store, quiet) -> None:
    from civicheck.report import render, without_texts

    shown = report if keep_texts else without_texts(report)
    charts = _charts(report, store, outputs.archives, quiet) if "html" in outputs.formats() else None
    color = outputs.output is None and outputs.format_ == "table" and sys.stdout.isatty()
    for fmt, path in [(outputs.format_, outputs.output), *outputs.reports]:
        try:
            _write(render(shown, fmt, color=color and path is None, changes=changes, charts=charts,
                          publishing=outputs.publishing), path)
        except OSError as exc:
            _fail(f"cannot write the report to {path}: {exc.strerror}", ExitCode.INTERNAL)
    if "claimreview" in outputs.formats() and not quiet:
        _say_claimreview_gaps(shown, outputs.publishing)


def _charts(report, store, archives, quiet):
    """The HTML report's availability charts: this run, the history's earlier runs, the archives' captures."""
    from civicheck.availability import collect

    charts, problems = collect(report, store, archives)
    if not quiet:
        for problem in problems:
            _say(f"warning: {problem} (the HTML report's chart of that page lacks those captures)")
    return charts


def _say_claimreview_gaps(report, publishing) -> None:
    """Name every property Google requires or recommends that the reviews lack, and what fills it: the
    output is written all the same (a draft to complete is better than nothing)."""
    from civicheck.claimreview import gaps, to_claimreview

    reviews = to_claimreview(report, **publishing)
    for gap in gaps(report, reviews):
        _say(f"{'warning' if gap.required else 'note'}: {gap.message(len(reviews))}")


def _waiting(waited: float, limit: float) -> None:
    if waited < 30:  # the first notice, after one short attempt; then one a minute
        _say(f"waiting for the history database: another civicheck run is recording its results "
             f"(up to {limit / 60:.0f} minutes; --db points this run at another database)")
    else:
        _say(f"still waiting for the history database ({waited:.0f} s)")


def _archives(specs):
    if not specs:
        return []
    from civicheck.archive.registry import parse_archive_spec

    return [parse_archive_spec(spec) for spec in specs]


def _source(replay_files, concurrency, per_host, settings):
    if replay_files:
        from civicheck.archive import WarcReplay

        return WarcReplay(list(replay_files))
    from civicheck.fetch.client import Fetcher

    return Fetcher(concurrency=concurrency, per_host=per_host, **settings)


def _live_run(claims, fetcher, connectivity, progress, archives, archive_dir, no_warc):
    from civicheck.clock import now_utc
    from civicheck.runner import run

    if no_warc:
        return run(claims, fetcher, connectivity, progress, archives=archives)
    from civicheck.archive import WarcWriter, new_run_id

    started = now_utc()
    with WarcWriter(archive_dir, new_run_id(started), started) as warc:
        result = run(claims, fetcher, connectivity, progress, warc=warc, archives=archives)
    result.warc = str(warc.path)
    return result


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def lint(paths):
    """Validate claims files without fetching anything.

    \b
    Example:
      civicheck lint claims/

    Exit code 0 when every file is valid, 2 when any is not (every problem is listed with file:line).
    """
    claims = _load(paths)
    _lint_notes(claims)
    checks = sum(len(c.checks) for c in claims)
    files = len({c.file for c in claims})
    def count(n: int, word: str) -> str:
        return f"{n} {word}{'s' if n != 1 else ''}"

    click.echo(f"ok: {count(len(claims), 'claim')}, {count(checks, 'check')} in {count(files, 'file')}")


def _lint_notes(claims) -> None:
    """What a reviewer of a claims file should know though nothing is wrong: which files open the door to
    private addresses, and which header variables are not set here (verify will need them)."""
    import os

    from civicheck.credentials import resolve_headers

    for file in dict.fromkeys(claim.file for claim in claims if claim.allow_private):
        _say(f"note: {file}: allow_private: true lets the hosts this file cites be private addresses")
    _, missing = resolve_headers([rule for claim in claims for rule in claim.headers], os.environ)
    for problem in missing:
        _say(f"note: {problem}")


@cli.command(short_help="Join shard reports into one report.")
@click.argument("shards", nargs=-1, required=True, metavar="REPORTS...", type=click.File("r", encoding="utf-8"))
@history_options
@output_options
@publishing_options
def merge(shards, db, no_history, confirm, fail_on, format_, output, reports, notify_urls, quiet, publisher,
          publisher_url, review_url):
    """Join the JSON reports of shards (`verify --shard K/N --format json`) into one report.

    The merged run is recorded in the history and rendered like a verify run.

    \b
    Example:
      civicheck merge shard-1.json shard-2.json shard-3.json --format markdown
    """
    import json

    from civicheck.report import report_problem
    from civicheck.shard import MergeError
    from civicheck.shard import merge as merge_reports

    outputs = _outputs(format_, output, reports, notify_urls, _publishing(publisher, publisher_url, review_url))
    loaded = []
    for f in shards:
        try:
            data = json.load(f)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise click.UsageError(f"{f.name}: not a JSON report: {exc}") from exc
        except RecursionError as exc:  # a report is a few levels deep; thousands is an attack
            raise click.UsageError(f"{f.name}: not a JSON report: nested too deep to read") from exc
        # Any JSON file may be named here (a ClaimReview export, a timeline): the wrong one is bad input.
        if problem := report_problem(data):
            raise click.UsageError(f"{f.name}: not a civicheck JSON report: {problem}")
        loaded.append(data)
    try:
        merged = merge_reports(loaded)
    except MergeError as exc:
        raise click.UsageError(str(exc)) from exc
    history = None if no_history else (db, [], _usable_history(db))
    _finish(merged, history, confirm, fail_on, outputs, quiet, keep_texts=False)


@contextmanager
def _open_history(db: Path):
    """The history store for reading; an unusable database (damaged, from a newer civicheck) is exit 3."""
    from civicheck.errors import CivicheckError
    from civicheck.history import HistoryStore

    if not db.exists():
        raise click.UsageError(f"no history at {db}: run `civicheck verify` first, or point --db at it")
    try:
        with HistoryStore(db) as store:
            yield store
    except CivicheckError as exc:
        _fail(exc, ExitCode.INTERNAL)


@cli.command(short_help="What changed between two runs.")
@click.argument("runs", nargs=-1, type=int)
@_db_option("History database.")
@click.option("--format", "format_", type=click.Choice(["table", "markdown", "json"]), default="table",
              show_default=True, help="Output format (table: plain text for a terminal).")
def diff(runs, db, format_):
    """What changed between two runs: verdicts, check outcomes, and page text (content drift).

    RUNS are two run numbers from `civicheck history`; by default the last two runs.

    \b
    Examples:
      civicheck diff
      civicheck diff 12 14 --format markdown
    """
    from civicheck.changes import diff as diff_reports
    from civicheck.changes import render_markdown, render_text
    from civicheck.report import clean_lines, to_json

    if len(runs) not in (0, 2):
        raise click.UsageError("give two run numbers, or none for the last two runs")
    with _open_history(db) as store:
        if runs:
            known = {r.id for r in store.runs()}
            for run_id in runs:
                if run_id not in known:
                    raise click.UsageError(f"no run {run_id} in {db}; `civicheck history` lists the runs")
            old, new = runs
        else:
            last = store.last_runs(2)
            if len(last) < 2:
                raise click.UsageError(f"{db} holds {len(last)} run(s); diff needs two")
            old, new = last[0].id, last[1].id
        changes = diff_reports(store.run_report(old), store.run_report(new))
    if format_ == "json":
        click.echo(to_json(changes.as_dict()), nl=False)
    elif format_ == "markdown":
        click.echo(render_markdown(changes) or f"No changes between run {old} and run {new}.\n", nl=False)
    else:
        text = render_text(changes) if changes else f"No changes between run {old} and run {new}.\n"
        click.echo(clean_lines(text), nl=False)  # clean() again as a last guard


@cli.command()
@click.argument("claim_id", required=False)
@click.option("-n", "--limit", type=click.IntRange(1), default=20, show_default=True, help="How many runs to show.")
@_db_option("History database.")
@click.option("--format", "format_", type=click.Choice(["table", "markdown", "json", "csv"]), default="table",
              show_default=True, help="Output format.")
def history(claim_id, limit, db, format_):
    """The runs recorded so far, or one claim's verdicts over time.

    \b
    Examples:
      civicheck history
      civicheck history labour-app-live
    """
    from civicheck.report import render_rows

    with _open_history(db) as store:
        if claim_id:
            states = store.claim_history(claim_id)[-limit:]
            if not states:
                raise click.UsageError(f"claim '{claim_id}' is in no recorded run of {db}")
            headers = ["run", "started at", "verdict", "reported"]
            rows = [[s.run_id, s.started_at, s.verdict, s.reported_verdict] for s in states]
        else:
            runs = store.last_runs(limit)
            if not runs:  # a database made by a verify that then failed: no history yet, as when there is none
                raise click.UsageError(f"{db} holds no runs yet: run `civicheck verify` first")
            headers = ["run", "started at", "supported", "refuted", "unverified", "civicheck"]
            rows = [[r.id, r.started_at, r.summary.get("supported", 0), r.summary.get("refuted", 0),
                     r.summary.get("unverified", 0), r.civicheck] for r in runs]
    click.echo(render_rows(headers, rows, format_), nl=False)


@cli.command(short_help="Start a claims repository with a nightly workflow.")
@click.argument("directory", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
@click.option("--install", metavar="REQUIREMENT",
              help="What the workflow pip-installs for civicheck (default: this checkout or the git commit "
                   "civicheck was installed from).")
@click.option("--action", metavar="OWNER/REPO@REF",
              help="Run civicheck through the action.yml of this repository and ref (e.g. "
                   "your-org/civicheck@v0.1.0) instead of pip in the workflow.")
def init(directory, force, install, action):
    """Start a claims repository: claims/example.yaml and a nightly GitHub Actions workflow.

    \b
    Examples:
      civicheck init my-factchecks/
      civicheck init my-factchecks/ --action your-org/civicheck@v0.1.0
    """
    from civicheck.errors import CivicheckError
    from civicheck.scaffold import init as scaffold
    from civicheck.scaffold import install_source

    if action is not None and install is not None:
        raise click.UsageError("--action installs civicheck from the action's own commit: leave out --install")
    source = install if install is not None or action is not None else install_source(directory)
    try:
        written = scaffold(directory, force=force, install=source or "", action=action)
    except CivicheckError as exc:
        raise click.UsageError(str(exc)) from exc
    for path in written:
        click.echo(f"wrote {path}")
    if not source and action is None:
        _say("warning: set CIVICHECK_INSTALL in the workflow to what pip should install "
             "(e.g. 'civicheck @ git+https://…@<commit>'); --install does it for you")


@cli.command(short_help="A URL's capture history in a web archive.")
@click.argument("url")
@click.option("--archive", "spec", default="wayback", show_default=True, metavar="SPEC",
              help="Where to look: 'wayback', 'wayback=BASE_URL' or 'pywb=http://HOST:PORT/COLLECTION'.")
@click.option("--format", "format_", type=click.Choice(["table", "markdown", "json", "csv"]), default="table",
              show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write to FILE instead of standard output.")
def timeline(url, spec, format_, output):
    """A URL's capture history in a web archive: first capture, first and last 2xx, every status change.

    \b
    Example:
      civicheck timeline https://www.cilegon.go.id/
    """
    from civicheck.archive.cdx import ArchiveUnavailable
    from civicheck.archive.registry import cdx_for
    from civicheck.archive.timeline import timeline_for
    from civicheck.claims import url_problem
    from civicheck.errors import UsageProblem
    from civicheck.report import clean, md, render_rows

    if problem := url_problem(url):
        raise click.BadParameter(problem, param_hint="URL")
    try:
        cdx = cdx_for(spec)
    except UsageProblem as exc:
        raise click.BadParameter(str(exc), param_hint="--archive") from exc
    try:
        found = timeline_for(url, cdx)
    except ArchiveUnavailable as exc:
        _fail(exc, ExitCode.INTERNAL)  # its message quotes the archive's own answer
    headers = ["date", "status", "event", "replay"]
    rows = [[r["date"], r["status"], r["event"], r["replay_url"]] for r in found.rows()]
    text = render_rows(headers, rows, format_, data=found.as_dict() if format_ == "json" else None)
    if format_ == "table":
        text = f"{text}\n{clean(found.summary())}\n"
    elif format_ == "markdown":
        text = f"**{md(found.summary())}**\n\n{text}"
    try:
        _write(text, output)
    except OSError as exc:
        _fail(f"cannot write to {output}: {exc.strerror}", ExitCode.INTERNAL)


@cli.command(short_help="Draft a claims file from news articles.")
@click.argument("articles", nargs=-1, metavar="ARTICLE...")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the claims file to FILE (default: standard output, or DIR/draft-….yaml with --into).")
@click.option("--into", type=click.Path(exists=True, file_okay=False, path_type=Path), metavar="DIR",
              help="The claims folder the draft joins: its ids never repeat one used there.")
@click.option("--max", "max_claims", type=click.IntRange(1), metavar="N", help="Draft at most N claims, most checkable first.")
@click.option("--url", "cited_url", metavar="URL",
              help="Where a saved ARTICLE file was published (else its canonical address): what the checks cite.")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
@network_options
@click.option("--archive-dir", type=click.Path(file_okay=False, path_type=Path), default=Path(".civicheck/archive"),
              show_default=True, help="Folder for the WARC file of what was fetched.")
@click.option("--no-warc", is_flag=True, help="Do not write a WARC of what was fetched.")
@click.option("--replay", "replay_files", multiple=True, metavar="WARC",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Draft from these WARC files with no network at all (repeatable); without ARTICLE, every "
                   "page they hold.")
@click.option("-q", "--quiet", is_flag=True, help="Nothing on standard error but errors.")
def draft(articles, output, into, max_claims, cited_url, force, concurrency, per_host, canaries, no_canary,
          allow_private, archive_dir, no_warc, replay_files, quiet):
    """Draft a claims file from news articles: quotations with their speakers, numbers with their subject,
    links and named sites, and each article's publication facts, most checkable first.

    ARTICLE is a URL, or a saved HTML or PDF file (cited by its canonical address, or --url). Every drafted
    claim has `expect:` left empty and a comment saying where it came from: edit the file, then lint it.

    \b
    Examples:
      civicheck draft https://news.example/berita/123 -o claims/draft.yaml
      civicheck draft https://news.example/a https://news.example/b --into claims/ --max 20
      civicheck draft saved-article.html --url https://news.example/berita/123

    Exit codes: 0 drafted, 1 an article could not be fetched or read (nothing is written), 2 bad usage.
    """
    from civicheck.claims import url_problem
    from civicheck.errors import CivicheckError, UsageProblem

    if not articles and not replay_files:
        raise click.UsageError("give at least one ARTICLE (a URL or a saved file), or --replay WARC")
    for target in articles:
        from civicheck.draft.source import is_local

        if not is_local(target) and (problem := url_problem(target)):
            raise click.BadParameter(problem, param_hint="ARTICLE")
        if is_local(target) and not Path(target).is_file():
            raise click.BadParameter(f"{target}: no such file (an address starts with http:// or https://)",
                                     param_hint="ARTICLE")
    if cited_url is not None and (problem := url_problem(cited_url)):
        raise click.BadParameter(problem, param_hint="--url")
    if cited_url is not None and len(articles) != 1:
        raise click.UsageError("--url names where one saved article was published: give exactly one ARTICLE")
    for canary in canaries:
        if problem := url_problem(canary):
            raise click.BadParameter(problem, param_hint="--canary")
    if output is not None:
        _check_writable(output)
        if output.exists() and not force:
            raise click.UsageError(f"{output} already exists (perhaps a draft you edited): choose another -o, "
                                   "or --force to overwrite it")
    try:
        obtained = _obtain_articles(list(articles), replay_files, concurrency, per_host, canaries, no_canary,
                                    archive_dir, no_warc, cited_url, allow_private)
    except UsageProblem as exc:
        raise click.UsageError(str(exc)) from exc
    except CivicheckError as exc:
        _fail(exc, ExitCode.BAD_INPUT if replay_files else ExitCode.INTERNAL)
    obtained, warc_path = obtained
    if not quiet and warc_path:
        _say(f"archived what was seen in {warc_path}")
    if obtained.failures or not obtained.articles:
        for failure in obtained.failures or ["the archives hold no page to draft from"]:
            _say(f"error: cannot draft from {failure}")
        _say("nothing was written")
        sys.exit(ExitCode.UNEXPECTED)
    from civicheck.draft import draft as draft_claims
    from civicheck.draft.writer import existing_ids, slug

    if output is None and into is not None:
        name = slug(" ".join((obtained.articles[0].title or obtained.articles[0].site).split()[:6]))
        output = into / f"draft-{name or 'article'}.yaml"
        if output.exists() and not force:
            raise click.UsageError(f"{output} already exists: choose -o, or --force to overwrite it")
    taken = existing_ids(into, skip=output) if into is not None else set()
    try:
        drafted = draft_claims(obtained.articles, taken_ids=taken, max_claims=max_claims)
    except CivicheckError as exc:
        _fail(exc, ExitCode.INTERNAL)
    for note in drafted.notes:
        _say(f"note: {note}")
    try:
        _write(drafted.text, output)
    except OSError as exc:
        _fail(f"cannot write {output}: {exc.strerror}", ExitCode.INTERNAL)
    if not quiet:
        kinds = ", ".join(f"{n} {kind}" for kind, n in drafted.counts.items())
        where = f" to {output}" if output is not None else ""
        n = len(drafted.claims)
        _say(f"drafted {n} claim{'s' if n != 1 else ''} ({kinds}){where}; edit them, then `civicheck lint`")


def _obtain_articles(articles, replay_files, concurrency, per_host, canaries, no_canary, archive_dir, no_warc,
                     cited_url, allow_private):
    """Fetch (or replay, or read) the articles as verify fetches its URLs: (Obtained, the WARC written)."""
    from civicheck.draft.source import obtain
    from civicheck.fetch.canary import DEFAULT_CANARIES
    from civicheck.runner import Connectivity

    if replay_files:
        from civicheck.archive import WarcReplay

        with WarcReplay(list(replay_files)) as replay:
            connectivity = Connectivity(None, answer=replay.online())
            targets = articles or [u for u in replay.urls if replay.result(u).has_document]
            return obtain(targets, replay, lambda: connectivity.probe(replay), url=cited_url), None
    from civicheck.fetch.client import Fetcher

    connectivity = Connectivity(None if no_canary else (list(canaries) or list(DEFAULT_CANARIES)))
    # The operator's own --canary URLs may be private, as in verify; the articles only with --allow-private.
    settings = _fetcher_settings([], list(canaries), allow_private)
    with Fetcher(concurrency=concurrency, per_host=per_host, **settings) as fetcher:
        if no_warc or not any("://" in a for a in articles):
            return obtain(articles, fetcher, lambda: connectivity.probe(fetcher), url=cited_url), None
        from civicheck.archive import WarcWriter, new_run_id
        from civicheck.clock import now_utc

        started = now_utc()
        with WarcWriter(archive_dir, new_run_id(started), started) as warc:
            def online():
                answer = connectivity.probe(fetcher)
                warc.write_canary(*answer)
                return answer

            found = obtain(articles, fetcher, online, url=cited_url, on_result=warc.write)
        return found, warc.path


class _Progress:
    """A progress bar on stderr (never stdout, which carries the report), fed from fetch threads. The total
    grows as the run discovers more to fetch (the links a portal audit follows, soft-404 probes)."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.lock = threading.Lock()
        self.bar = None

    def __enter__(self):
        if self.enabled:
            self.bar = click.progressbar(length=0, label="Fetching", file=sys.stderr, show_pos=True)
            self.bar.__enter__()
        return self

    def planned(self, count: int) -> None:
        if self.bar is not None:
            with self.lock:
                self.bar.length += count

    def fetched(self, _result) -> None:
        if self.bar is not None:
            with self.lock:
                self.bar.update(1)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)
        return False


def _check_writable(output: Path | None, option: str = "-o/--output") -> None:
    """Refuse an -o path that cannot be written before fetching anything, not after a long run."""
    import os

    if output is None:
        return
    folder = output.parent if str(output.parent) else Path(".")
    if not folder.is_dir():
        raise click.BadParameter(f"the folder {folder} does not exist", param_hint=option)
    if not os.access(folder, os.W_OK):
        raise click.BadParameter(f"the folder {folder} cannot be written to", param_hint=option)


def _write(text: str, output: Path | None) -> None:
    """The report to stdout, or to `output` atomically: written to a new temporary file in the same folder
    (mkstemp: a name nobody can predict, created with O_EXCL, so a symlink planted there is never followed),
    flushed to disk, then renamed over `output`. A reader never sees half a report; a full disk leaves the
    old one."""
    import os
    import tempfile

    if output is None:
        click.echo(text, nl=False)
        return
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=output.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _new_file_mode(output))  # mkstemp makes it private (0600); a report is shared like any file
        os.replace(tmp, output)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


def _new_file_mode(path: Path) -> int:
    """The mode a plain open() would give `path`: its current one if it exists, else 0666 less the umask."""
    import os
    import stat

    with suppress(OSError):
        return stat.S_IMODE(os.stat(path).st_mode)
    umask = os.umask(0o022)  # the only way to read it; set straight back
    os.umask(umask)
    return 0o666 & ~umask


def main() -> None:
    from civicheck.memory import return_freed_memory

    return_freed_memory()  # a run's page bodies are let go as it goes: let the system have that memory back
    cli.main(prog_name="civicheck")
