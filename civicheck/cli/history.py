"""`civicheck diff` (what changed between two runs) and `civicheck history` (the runs, or one claim over time)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from civicheck.cli.base import Command
from civicheck.cli.options import db_option
from civicheck.render import CHANGE_FORMATS, ROW_FORMATS


@contextmanager
def open_history(db: Path) -> Iterator[Any]:
    """The history store for reading; an unusable database (damaged, from a newer civicheck) is a HistoryError."""
    from civicheck.history import HistoryStore

    if not db.exists():
        raise click.UsageError(f"no history at {db}: run `civicheck verify` first, or point --db at it")
    with HistoryStore(db) as store:
        yield store


@click.command(cls=Command, short_help="What changed between two runs.")
@click.argument("runs", nargs=-1, type=int)
@db_option("History database.")
@click.option(
    "--format",
    "format_",
    type=click.Choice(CHANGE_FORMATS),
    default="table",
    show_default=True,
    help="Output format (table: plain text for a terminal).",
)
def diff(runs, db, format_):
    """What changed between two runs: verdicts, check outcomes, and page text (content drift).

    RUNS are two run numbers from `civicheck history`; by default the last two runs.

    \b
    Examples:
      civicheck diff
      civicheck diff 12 14 --format markdown
    """
    from civicheck.changes import diff as diff_reports
    from civicheck.render import render_changes

    if len(runs) not in (0, 2):
        raise click.UsageError("give two run numbers, or none for the last two runs")
    with open_history(db) as store:
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
        changes = store.with_old_evidence(diff_reports(store.run_report(old), store.run_report(new)), old)
    click.echo(render_changes(changes, format_, old, new), nl=False)


@click.command(cls=Command)
@click.argument("claim_id", required=False)
@click.option(
    "-n", "--limit", type=click.IntRange(1), default=20, show_default=True, help="How many runs to show."
)
@db_option("History database.")
@click.option(
    "--format",
    "format_",
    type=click.Choice(ROW_FORMATS),
    default="table",
    show_default=True,
    help="Output format.",
)
def history(claim_id, limit, db, format_):
    """The runs recorded so far, or one claim's verdicts over time.

    \b
    Examples:
      civicheck history
      civicheck history labour-app-live
    """
    from civicheck.render import render_rows

    with open_history(db) as store:
        if claim_id:
            states = store.claim_history(claim_id)[-limit:]
            if not states:
                raise click.UsageError(f"claim '{claim_id}' is in no recorded run of {db}")
            headers = ["run", "started at", "verdict", "reported"]
            rows = [[s.run_id, s.started_at, s.verdict, s.reported_verdict] for s in states]
        else:
            runs = store.last_runs(limit)
            if (
                not runs
            ):  # a database made by a verify that then failed: no history yet, as when there is none
                raise click.UsageError(f"{db} holds no runs yet: run `civicheck verify` first")
            counts = store.verdict_counts(r.id for r in runs)
            headers, rows, data = run_rows(runs, counts, format_)
            summary = (
                "reported: what each run's report printed (a new verdict waits for --confirm runs in a row; "
                "pending: held back meanwhile); this run said: its checks' own verdicts"
            )
            click.echo(render_rows(headers, rows, format_, data=data, summary=summary), nl=False)
            return
    click.echo(render_rows(headers, rows, format_), nl=False)


def run_rows(runs: list[Any], counts: dict[int, Any], format_: str) -> tuple[list[str], list[list[Any]], Any]:
    """(headers, rows, JSON data) of `civicheck history`: each run's verdicts as reported (damped, what its
    report printed) and as the run itself said them, labelled, since they differ while a change is pending."""
    from civicheck.report import VERDICTS

    def words(n: dict[str, int], pending: int | None = None) -> str:
        said = ", ".join(f"{n[v]} {v}" for v in VERDICTS)
        return said + (f"; {pending} pending" if pending else "")

    if format_ == "csv":  # one number per cell, for a spreadsheet
        headers = [
            "run",
            "started at",
            *(f"reported {v}" for v in VERDICTS),
            "pending",
            *(f"this run said {v}" for v in VERDICTS),
            "civicheck",
        ]
        rows = [
            [
                r.id,
                r.started_at,
                *(counts[r.id].reported[v] for v in VERDICTS),
                counts[r.id].pending,
                *(counts[r.id].said[v] for v in VERDICTS),
                r.civicheck,
            ]
            for r in runs
        ]
        return headers, rows, None
    headers = ["run", "started at", "reported", "this run said", "civicheck"]
    rows = [
        [
            r.id,
            r.started_at,
            words(counts[r.id].reported, counts[r.id].pending),
            words(counts[r.id].said),
            r.civicheck,
        ]
        for r in runs
    ]
    data = [
        {
            "run": r.id,
            "started at": r.started_at,
            "reported": counts[r.id].reported,
            "pending": counts[r.id].pending,
            "this run said": counts[r.id].said,
            "civicheck": r.civicheck,
        }
        for r in runs
    ]
    return headers, rows, data
