"""The end of a verify or merge run: damp the verdicts against the history, write every report, record the run,
tell the --notify URLs, and say what the verdicts make of the exit code. Nothing finished is lost.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from civicheck.cli.base import option_value, say
from civicheck.cli.options import check_writable
from civicheck.cli.output import write
from civicheck.errors import ExitCode
from civicheck.render import FORMATS, SUFFIXES

if TYPE_CHECKING:
    from civicheck.errors import HistoryError


def usable_history(db: Path) -> HistoryError | None:
    """Open (and migrate) the history and read every page of it before fetching. One from a newer civicheck
    stops the run at once (upgrade, or use another --db). One that is damaged, unreadable or on a full disk
    is said at once, and the run goes on without it: the report is still written, and the exit code is 3.
    Returns that failure, or None."""
    from civicheck.errors import HistoryError, HistoryTooNew
    from civicheck.history import HistoryStore

    try:
        with HistoryStore(db) as store:
            store.check()
    except HistoryTooNew:
        raise
    except HistoryError as exc:
        say(f"error: {exc}")
        say(
            "going on without the history: the report will be written without flap damping or changes, "
            "and the exit code will be 3"
        )
        return exc
    return None


@dataclass
class Outputs:
    """Where a run's report goes and who hears of it: stdout or -o in --format, every --report FILE in the
    format its extension names, the --notify URLs; the archives whose captures the HTML charts show."""

    format_: str
    output: Path | None
    reports: list[tuple[str, Path]]
    notify: list[str]
    publishing: dict = field(default_factory=dict)  # --publisher …: what shapes the claimreview format
    archives: list = field(default_factory=list)
    width: int | None = (
        None  # --width: the columns the table fits (else the terminal's; a pipe: one wide table)
    )

    def formats(self) -> set[str]:
        return {self.format_, *(fmt for fmt, _ in self.reports)}


def outputs_of(
    format_: str,
    output: Path | None,
    reports: Sequence[Path],
    notify_urls: Sequence[str],
    publishing: dict[str, Any] | None,
    width: int | None = None,
) -> Outputs:
    """Check every place the report goes before anything is fetched: a folder that is missing, a --report
    whose format cannot be told, a notify URL Apprise cannot use are all refused now, not after a long run."""
    check_writable(output)
    paired = []
    for path in reports:
        fmt = SUFFIXES.get(path.suffix.lower())
        if fmt is None:
            raise click.BadParameter(
                f"{path}: name it .md, .json, .html or .csv, the format it is written in",
                param_hint="--report",
            )
        check_writable(path, "--report")
        paired.append((fmt, path))
    if notify_urls:
        from civicheck.notify import check_urls

        with option_value("--notify"):
            check_urls(notify_urls)
    return Outputs(format_, output, paired, list(notify_urls), publishing or {}, width=width)


def finish(
    report: dict[str, Any],
    history: tuple[Path, list[str], HistoryError | None] | None,
    confirm: int,
    fail_on: str,
    outputs: Outputs,
    quiet: bool,
    keep_texts: bool = False,
) -> ExitCode:
    """Damp the verdicts against the history, write the reports, then record the run, tell the --notify
    URLs, and say what the verdicts make of the exit code: shared by verify and merge. Nothing finished is
    lost: when the history cannot be used the reports are still written (undamped) and a HistoryError (3)
    follows them; when a report cannot be written (OutputNotWritten) nothing is recorded. A notification that
    fails is said, and changes no exit code."""
    from civicheck.changes import exit_decision
    from civicheck.errors import HistoryError

    changes, damped, not_recorded = None, False, None
    try:
        with recording(history, report, confirm, quiet) as (remembered, store):
            if remembered is not None:
                report, changes, damped = remembered.report, remembered.changes, True
            write_reports(report, changes, outputs, keep_texts, store, quiet)
    except HistoryError as exc:  # the history could not be read, or the run not recorded: the report is out
        not_recorded = exc
    on_terminal = outputs.output is None and sys.stdout.isatty()
    if not quiet and not on_terminal:
        from civicheck.render.common import summary_line

        say(summary_line(report, changes))
    warcs = report.get("warcs") or ([report["warc"]] if report.get("warc") else [])
    # The table's footer on the terminal already names the WARC: once is enough.
    if not quiet and warcs and not (on_terminal and outputs.format_ == "table"):
        say(f"archived what was seen in {', '.join(map(str, warcs))}")
    if outputs.notify:
        notify(report, changes, outputs.notify, quiet)
    if not_recorded is not None:
        how = "" if damped else "; the report shows this run's verdicts as they came, without flap damping"
        raise HistoryError(f"this run was not recorded in the history: {not_recorded}{how}") from not_recorded
    return ExitCode.UNEXPECTED if exit_decision(report, changes, fail_on) else ExitCode.OK


def notify(report: dict[str, Any], changes: Any, urls: Sequence[str], quiet: bool) -> None:
    from civicheck.notify import news, send, shown

    message = news(report, changes)
    if message is None:
        if not quiet:
            say("nothing new to notify")
        return
    failures = send(message, urls)
    for failure in failures:
        say(f"error: could not notify {failure} (the exit code does not depend on notifications)")
    if not quiet and len(failures) < len(urls):
        sent = [shown(u) for u in urls if not any(f.startswith(shown(u) + ":") for f in failures)]
        say(f"notified {', '.join(sent)}: {message.title.removeprefix('civicheck: ')}")


@contextmanager
def recording(
    history: tuple[Path, list[str], HistoryError | None] | None,
    report: dict[str, Any],
    confirm: int,
    quiet: bool,
) -> Iterator[tuple[Any, Any]]:
    """HistoryStore.recording for finish: yields (the damped run, the open store), (None, None) without
    history, and records the run when the block ends well. A history that cannot be opened, read or locked
    yields (None, None), so the report is still written, and raises its HistoryError after the block."""
    if history is None:
        yield None, None
        return
    from contextlib import ExitStack

    from civicheck.claims import find_claim_files
    from civicheck.errors import HistoryError
    from civicheck.history import HistoryStore, file_digests

    db, paths, failure = history
    with ExitStack() as stack:
        try:
            if failure is not None:
                raise failure  # found before fetching: the run went on without its history
            try:
                digests = file_digests(find_claim_files(paths)) if paths else []
            except OSError as exc:
                raise HistoryError(f"cannot read the claims files again to record them: {exc}") from exc
            store = stack.enter_context(HistoryStore(db, on_wait=None if quiet else waiting))
            remembered = stack.enter_context(store.recording(report, digests, confirm=confirm))
        except HistoryError as exc:
            failure = exc
        else:
            yield remembered, store  # an exception here (a report not written) rolls the record back
            return  # leaving the stack commits the run; a failure to commit raises from here
    yield None, None
    raise failure


def write_reports(
    report: dict[str, Any], changes: Any, outputs: Outputs, keep_texts: bool, store: Any, quiet: bool
) -> None:
    from civicheck.errors import OutputNotWritten
    from civicheck.render import render_chunks
    from civicheck.report import without_texts

    shown = report if keep_texts else without_texts(report)
    drawn = [FORMATS[fmt] for fmt in outputs.formats()]
    charts = (
        charts_of(report, store, outputs.archives, quiet)
        if any("charts" in f.options for f in drawn)
        else None
    )
    color = outputs.output is None and "color" in FORMATS[outputs.format_].options and sys.stdout.isatty()
    for fmt, path in [(outputs.format_, outputs.output), *outputs.reports]:
        try:
            write(
                render_chunks(
                    shown,
                    fmt,
                    color=color and path is None,
                    changes=changes,
                    charts=charts,
                    publishing=outputs.publishing,
                    width=table_width(outputs, path),
                ),
                path,
            )
        except OSError as exc:
            raise OutputNotWritten(f"cannot write the report to {path}: {exc.strerror}") from exc
    if any("publishing" in f.options for f in drawn) and not quiet:
        say_claimreview_gaps(shown, outputs.publishing)


def table_width(outputs: Outputs, path: Path | None) -> int | None:
    """The columns the table must fit: --width when given; else the terminal's when the report goes to one
    (shutil reads $COLUMNS first, then asks the terminal); else None, one wide table for a pipe or a file,
    whose reader's width we cannot know (a CI log, `less -S`, an editor)."""
    import shutil

    if outputs.width is not None:
        return outputs.width
    if path is None and outputs.output is None and sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return None


def charts_of(report: dict[str, Any], store: Any, archives: list[Any], quiet: bool) -> Any:
    """The HTML report's availability charts: this run, the history's earlier runs, the archives' captures."""
    from civicheck.availability import collect

    charts, problems = collect(report, store, archives)
    if not quiet:
        for problem in problems:
            say(f"warning: {problem} (the HTML report's chart of that page lacks those captures)")
    return charts


def say_claimreview_gaps(report: dict[str, Any], publishing: dict[str, Any]) -> None:
    """Name every property Google requires or recommends that the reviews lack, and what fills it: the
    output is written all the same (a draft to complete is better than nothing)."""
    from civicheck.render.claimreview import gaps, to_claimreview

    reviews = to_claimreview(report, **publishing)
    for gap in gaps(report, reviews):
        say(f"{'warning' if gap.required else 'note'}: {gap.message(len(reviews))}")


def waiting(waited: float, limit: float) -> None:
    if waited < 30:  # the first notice, after one short attempt; then one a minute
        say(
            f"waiting for the history database: another civicheck run is recording its results "
            f"(up to {limit / 60:.0f} minutes; --db points this run at another database)"
        )
    else:
        say(f"still waiting for the history database ({waited:.0f} s)")
