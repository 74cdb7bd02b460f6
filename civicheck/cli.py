"""The command line: parse options, call the library, render, choose the exit code. Nothing else.

Heavy imports (requests, trafilatura) happen inside commands so `civicheck --help` stays instant.
"""

from __future__ import annotations

import sys
import threading
from contextlib import contextmanager, suppress
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
)

# Options for commands that write a report.
output_options = _option_group(
    click.option("--format", "format_", type=click.Choice(["table", "markdown", "json", "csv", "claimreview"]),
                 default="table", show_default=True,
                 help="Report format (claimreview: schema.org ClaimReview JSON-LD, one per claim)."),
    click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
                 help="Write the report to FILE instead of standard output."),
    click.option("-q", "--quiet", is_flag=True,
                 help="Nothing on standard error but errors: no progress bar, summary or archive line."),
)


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
        for problem in exc.problems:
            _say(f"error: {problem}")
        n = len(exc.problems)
        _say(f"{n} problem{'s' if n != 1 else ''} found; nothing was fetched. Fix the file(s) and run again.")
        sys.exit(ExitCode.BAD_INPUT)


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
def verify(paths, concurrency, per_host, canaries, no_canary, archive_dir, no_warc, archive_specs, replay_files,
           db, no_history, confirm, fail_on, shard, format_, output, quiet):
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

    Exit codes: 0 nothing to report per --fail-on (by default: every claim as expected, its `expect:` or
    else supported), 1 something to report, 2 bad claims file or usage, 3 civicheck itself failed.
    """
    claims = _load(paths)
    from civicheck.errors import CivicheckError, UsageProblem
    from civicheck.fetch import DEFAULT_CANARIES
    from civicheck.runner import Connectivity, run

    _check_writable(output)
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
    if records_history:
        _usable_history(db)
    connectivity = Connectivity(None if no_canary else (list(canaries) or list(DEFAULT_CANARIES)))
    progress = _Progress(enabled=not quiet and sys.stderr.isatty())
    try:
        with _source(replay_files, concurrency, per_host) as source, progress:
            if replay_files:
                # The live run's canary answer, so "offline" decisions come out the same; an archive without
                # one cannot tell a dead site from a dead network, and replay says so (never "trusted").
                connectivity = Connectivity(None, answer=source.online())
                result = run(claims, source, connectivity, progress, replay=source)
            else:
                result = _live_run(claims, source, connectivity, progress, archives, archive_dir, no_warc)
    except CivicheckError as exc:
        # A replay file that cannot be read is bad input; anything else (writing the WARC) is our failure.
        _fail(exc, ExitCode.BAD_INPUT if replay_files else ExitCode.INTERNAL)
    from civicheck.report import run_to_dict

    report = run_to_dict(result, texts=True)
    if shard_k_n:
        report["shard"] = {"k": shard_k_n[0], "n": shard_k_n[1]}
    history = (db, [str(p) for p in paths]) if records_history else None
    _finish(report, history, confirm, fail_on, format_, output, quiet, keep_texts=bool(shard_k_n))


def _usable_history(db: Path) -> None:
    """Open (and migrate) the history before fetching: a damaged database or one from a newer civicheck
    should stop a nightly run at once, not after every page has been fetched."""
    from civicheck.errors import CivicheckError
    from civicheck.history import HistoryStore

    try:
        HistoryStore(db).close()
    except CivicheckError as exc:
        _fail(exc, ExitCode.INTERNAL)


def _finish(report, history, confirm, fail_on, format_, output, quiet, keep_texts=False):
    """Remember the run, render the report, pick the exit code: shared by verify and merge."""
    from civicheck.changes import exit_decision
    from civicheck.errors import CivicheckError
    from civicheck.report import render, summary_line, without_texts

    changes = None
    if history is not None:
        from civicheck.claims import find_claim_files
        from civicheck.history import HistoryStore, file_digests

        db, paths = history
        try:
            with HistoryStore(db) as store:
                remembered = store.remember(report, file_digests(find_claim_files(paths)) if paths else [],
                                            confirm=confirm)
        except CivicheckError as exc:
            _fail(exc, ExitCode.INTERNAL)
        report, changes = remembered.report, remembered.changes
    shown = report if keep_texts else without_texts(report)
    color = output is None and format_ == "table" and sys.stdout.isatty()
    try:
        _write(render(shown, format_, color=color, changes=changes), output)
    except OSError as exc:
        _fail(f"cannot write the report to {output}: {exc.strerror}", ExitCode.INTERNAL)
    if not quiet and (output is not None or not sys.stdout.isatty()):
        _say(summary_line(report, changes))
    warcs = report.get("warcs") or ([report["warc"]] if report.get("warc") else [])
    if not quiet and warcs:
        _say(f"archived what was seen in {', '.join(map(str, warcs))}")
    sys.exit(ExitCode.UNEXPECTED if exit_decision(report, changes, fail_on) else ExitCode.OK)


def _archives(specs):
    if not specs:
        return []
    from civicheck.archive.wayback import parse_archive_spec

    return [parse_archive_spec(spec) for spec in specs]


def _source(replay_files, concurrency, per_host):
    if replay_files:
        from civicheck.archive.warc import WarcReplay

        return WarcReplay(list(replay_files))
    from civicheck.fetch import Fetcher

    return Fetcher(concurrency=concurrency, per_host=per_host)


def _live_run(claims, fetcher, connectivity, progress, archives, archive_dir, no_warc):
    from civicheck.fetch import now_utc
    from civicheck.runner import run

    if no_warc:
        return run(claims, fetcher, connectivity, progress, archives=archives)
    from civicheck.archive.warc import WarcWriter, new_run_id

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
    checks = sum(len(c.checks) for c in claims)
    files = len({c.file for c in claims})
    def count(n: int, word: str) -> str:
        return f"{n} {word}{'s' if n != 1 else ''}"

    click.echo(f"ok: {count(len(claims), 'claim')}, {count(checks, 'check')} in {count(files, 'file')}")


@cli.command(short_help="Join shard reports into one report.")
@click.argument("reports", nargs=-1, required=True, type=click.File("r", encoding="utf-8"))
@history_options
@output_options
def merge(reports, db, no_history, confirm, fail_on, format_, output, quiet):
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

    loaded = []
    for f in reports:
        try:
            data = json.load(f)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise click.UsageError(f"{f.name}: not a JSON report: {exc}") from exc
        # Any JSON file may be named here (a ClaimReview export, a timeline): the wrong one is bad input.
        if problem := report_problem(data):
            raise click.UsageError(f"{f.name}: not a civicheck JSON report: {problem}")
        loaded.append(data)
    try:
        merged = merge_reports(loaded)
    except MergeError as exc:
        raise click.UsageError(str(exc)) from exc
    _finish(merged, None if no_history else (db, []), confirm, fail_on, format_, output, quiet, keep_texts=False)


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
def init(directory, force, install):
    """Start a claims repository: claims/example.yaml and a nightly GitHub Actions workflow.

    \b
    Example:
      civicheck init my-factchecks/
    """
    from civicheck.errors import CivicheckError
    from civicheck.scaffold import init as scaffold
    from civicheck.scaffold import install_source

    source = install if install is not None else install_source(directory)
    try:
        written = scaffold(directory, force=force, install=source or "")
    except CivicheckError as exc:
        raise click.UsageError(str(exc)) from exc
    for path in written:
        click.echo(f"wrote {path}")
    if not source:
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
    from civicheck.archive.timeline import timeline_for
    from civicheck.archive.wayback import cdx_for
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


def _check_writable(output: Path | None) -> None:
    """Refuse an -o path that cannot be written before fetching anything, not after a long run."""
    import os

    if output is None:
        return
    folder = output.parent if str(output.parent) else Path(".")
    if not folder.is_dir():
        raise click.BadParameter(f"the folder {folder} does not exist", param_hint="-o/--output")
    if not os.access(folder, os.W_OK):
        raise click.BadParameter(f"the folder {folder} cannot be written to", param_hint="-o/--output")


def _write(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    tmp = output.with_name(f".{output.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(output)  # a reader never sees half a report
    except OSError:
        with suppress(OSError):
            tmp.unlink()  # a full disk must not leave half a report beside the old one
        raise


def main() -> None:
    from civicheck.memory import return_freed_memory

    return_freed_memory()  # a run's page bodies are let go as it goes: let the system have that memory back
    cli.main(prog_name="civicheck")
