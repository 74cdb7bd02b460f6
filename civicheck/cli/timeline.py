"""`civicheck timeline`: a URL's capture history in a web archive (Wayback or pywb)."""

from __future__ import annotations

from pathlib import Path

import click

from civicheck.cli.base import Command, option_value
from civicheck.cli.output import write
from civicheck.render import ROW_FORMATS


@click.command(cls=Command, short_help="A URL's capture history in a web archive.")
@click.argument("url")
@click.option(
    "--archive",
    "spec",
    default="wayback",
    show_default=True,
    metavar="SPEC",
    help="Where to look: 'wayback', 'wayback=BASE_URL' or 'pywb=http://HOST:PORT/COLLECTION'.",
)
@click.option(
    "--format",
    "format_",
    type=click.Choice(ROW_FORMATS),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write to FILE instead of standard output.",
)
def timeline(url, spec, format_, output):
    """A URL's capture history in a web archive: first capture, first and last 2xx, every status change.

    \b
    Example:
      civicheck timeline https://www.cilegon.go.id/
    """
    from civicheck.archive.registry import cdx_for
    from civicheck.archive.timeline import timeline_for
    from civicheck.claims import url_problem
    from civicheck.errors import OutputNotWritten
    from civicheck.render import render_rows

    if problem := url_problem(url):
        raise click.BadParameter(problem, param_hint="URL")
    with option_value("--archive"):
        cdx = cdx_for(spec)
    found = timeline_for(url, cdx)  # ArchiveUnavailable (exit 1) quotes the archive's own answer
    headers = ["date", "status", "event", "replay"]
    rows = [[r["date"], r["status"], r["event"], r["replay_url"]] for r in found.rows()]
    text = render_rows(headers, rows, format_, data=found.as_dict(), summary=found.summary())
    try:
        write(text, output)
    except OSError as exc:
        raise OutputNotWritten(f"cannot write to {output}: {exc.strerror}") from exc
