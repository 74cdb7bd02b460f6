"""The command line: parse options, call the library, render, choose the exit code. Nothing else.

Heavy imports (requests, trafilatura) happen inside commands so `civicheck --help` stays instant.
"""

from __future__ import annotations

import sys
import threading
from enum import IntEnum
from pathlib import Path

import click

from civicheck import __version__


class ExitCode(IntEnum):
    """Documented in the README; CI jobs depend on these."""

    OK = 0  # every claim came out as expected (its `expect:`, else supported)
    UNEXPECTED = 1  # at least one claim did not
    BAD_INPUT = 2  # a claims file is invalid, or the command line is wrong
    INTERNAL = 3  # civicheck itself failed (a bug, a full disk): nothing can be concluded


def network_options(fn):
    """Options for commands that fetch."""
    options = [
        click.option("--concurrency", default=16, show_default=True, type=click.IntRange(1, 256),
                     help="Fetches in flight at once."),
        click.option("--per-host", default=4, show_default=True, type=click.IntRange(1, 64),
                     help="Fetches in flight at once to one host."),
        click.option("--canary", "canaries", multiple=True, metavar="URL",
                     help="URL proving this machine is online (repeatable); replaces the default canaries."),
        click.option("--no-canary", is_flag=True,
                     help="Trust the network: report DNS failures and refusals as failures without asking a canary."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def output_options(fn):
    """Options for commands that write a report."""
    options = [
        click.option("--format", "format_", type=click.Choice(["table", "markdown", "json", "csv"]),
                     default="table", show_default=True, help="Report format."),
        click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
                     help="Write the report to FILE instead of standard output."),
        click.option("-q", "--quiet", is_flag=True, help="No progress on standard error."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


class _Group(click.Group):
    """Turns an unexpected exception (a bug, a full disk) into exit code 3 with a message, not a bare traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit,
                KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001
            import traceback

            traceback.print_exc(file=sys.stderr)
            click.echo(f"civicheck failed unexpectedly ({type(exc).__name__}: {exc}); this is a bug, please report it.",
                       err=True)
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
            click.echo(f"error: {problem}", err=True)
        n = len(exc.problems)
        click.echo(f"{n} problem{'s' if n != 1 else ''} found; nothing was fetched. Fix the file(s) and run again.",
                   err=True)
        sys.exit(ExitCode.BAD_INPUT)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@network_options
@output_options
def verify(paths, concurrency, per_host, canaries, no_canary, format_, output, quiet):
    """Fetch every URL the claims cite and print a verdict per claim.

    PATHS are claims files or folders (every *.yaml / *.yml below them, in sorted order).

    \b
    Examples:
      civicheck verify claims/
      civicheck verify claims/ --format markdown > report.md
      civicheck verify claims/cilegon.yaml --format json -o results.json

    Exit codes: 0 every claim as expected (its `expect:`, else supported), 1 at least one claim not as
    expected, 2 bad claims file or usage, 3 civicheck itself failed.
    """
    claims = _load(paths)
    from civicheck.fetch import DEFAULT_CANARIES, Fetcher
    from civicheck.report import render
    from civicheck.runner import Connectivity, run

    connectivity = Connectivity(None if no_canary else (list(canaries) or list(DEFAULT_CANARIES)))
    urls = {check.url for claim in claims for check in claim.checks}
    show_progress = not quiet and sys.stderr.isatty()
    with Fetcher(concurrency=concurrency, per_host=per_host) as fetcher, _progress(len(urls), show_progress) as tick:
        result = run(claims, fetcher, connectivity, on_fetched=tick)
    color = output is None and format_ == "table" and sys.stdout.isatty()
    text = render(result, format_, color=color)
    try:
        _write(text, output)
    except OSError as exc:
        click.echo(f"error: cannot write the report to {output}: {exc.strerror}", err=True)
        sys.exit(ExitCode.INTERNAL)
    if not quiet and (output is not None or not sys.stdout.isatty()):
        from civicheck.report import summary_line

        click.echo(summary_line(result), err=True)
    sys.exit(ExitCode.OK if all(c.as_expected for c in result.claims) else ExitCode.UNEXPECTED)


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
    click.echo(f"ok: {len(claims)} claims, {checks} checks in {files} file{'s' if files != 1 else ''}")


class _progress:
    """A progress bar on stderr (never stdout, which carries the report), fed from fetch threads."""

    def __init__(self, total: int, enabled: bool):
        self.total, self.enabled = total, enabled
        self.lock = threading.Lock()
        self.bar = None

    def __enter__(self):
        if self.enabled:
            self.bar = click.progressbar(length=self.total, label="Fetching", file=sys.stderr, show_pos=True)
            self.bar.__enter__()
        return self.tick

    def tick(self, _result) -> None:
        if self.bar is not None:
            with self.lock:
                self.bar.update(1)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)
        return False


def _write(text: str, output: Path | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    tmp = output.with_name(f".{output.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(output)  # a reader never sees half a report


def main() -> None:
    cli.main(prog_name="civicheck")
