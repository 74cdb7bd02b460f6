"""Options several commands share, each list applied as one decorator (as pip-tools' options.py does), and the
checks of option values that only make sense together.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from civicheck.render import REPORT_FORMATS
from civicheck.report import FAIL_ON_MODES


def option_group(*options: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A decorator applying `options` in order, so one list serves every command that takes them."""

    def apply(fn: Any) -> Any:
        for option in reversed(options):
            fn = option(fn)
        return fn

    return apply


# Options for commands that fetch.
network_options = option_group(
    click.option(
        "--concurrency",
        default=16,
        show_default=True,
        type=click.IntRange(1, 256),
        help="Fetches in flight at once.",
    ),
    click.option(
        "--per-host",
        default=4,
        show_default=True,
        type=click.IntRange(1, 64),
        help="Fetches in flight at once to one host.",
    ),
    click.option(
        "--canary",
        "canaries",
        multiple=True,
        metavar="URL",
        help="URL proving this machine is online (repeatable); replaces the default canaries.",
    ),
    click.option(
        "--no-canary",
        is_flag=True,
        help="Trust the network: DNS failures, refusals, timeouts and TLS errors count against a site "
        "without asking a canary.",
    ),
    click.option(
        "--allow-private",
        is_flag=True,
        envvar="CIVICHECK_ALLOW_PRIVATE",
        show_envvar=True,
        help="Also connect to loopback, private, link-local and other non-public addresses (an "
        "intranet); refused by default, on every redirect and link too.",
    ),
)

# Options for commands that write a report.
output_options = option_group(
    click.option(
        "--format",
        "format_",
        type=click.Choice(REPORT_FORMATS),
        default="table",
        show_default=True,
        help="Report format (claimreview: schema.org ClaimReview JSON-LD, one per claim; html: one "
        "self-contained page to open, print or attach).",
    ),
    click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, writable=True, path_type=Path),
        help="Write the report to FILE instead of standard output.",
    ),
    click.option(
        "--report",
        "reports",
        multiple=True,
        metavar="FILE",
        type=click.Path(dir_okay=False, writable=True, path_type=Path),
        help="Also write the report to FILE, in the format its extension names: .md, .json, .html, "
        ".csv (repeatable; one run, several reports).",
    ),
    click.option(
        "--notify",
        "notify_urls",
        multiple=True,
        metavar="URL",
        envvar="CIVICHECK_NOTIFY",
        show_envvar=True,
        help="Send what changed (verdicts flipped, claims no longer as published, page text changed) to "
        "this Apprise URL: mailtos://, slack://, tgram://, json://… (repeatable; only when there is "
        "news; the variable holds URLs separated by spaces).",
    ),
    click.option(
        "--width",
        type=click.IntRange(20, 1000),
        metavar="COLUMNS",
        help="With --format table: fit the report to this many columns, one block per claim where the "
        "columns do not fit (default: the terminal's width; in a pipe or file, one wide table).",
    ),
    click.option(
        "-q",
        "--quiet",
        is_flag=True,
        help="Nothing on standard error but errors: no progress line, summary or archive line.",
    ),
)


# Options for who publishes the fact checks (--format claimreview).
publishing_options = option_group(
    click.option(
        "--publisher",
        metavar="NAME",
        help="With --format claimreview: the organization publishing the fact checks (each review's author).",
    ),
    click.option(
        "--publisher-url", metavar="URL", help="With --format claimreview: the publisher's home page."
    ),
    click.option(
        "--review-url",
        metavar="TEMPLATE",
        help="With --format claimreview: where each fact check is published, {id} replaced by the claim "
        "id (https://news.example/cek-fakta/{id}); a claim's own review_url: wins.",
    ),
)


def publishing(publisher: str | None, publisher_url: str | None, review_url: str | None) -> dict[str, Any]:
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
            raise click.BadParameter(
                "the template needs {id}, replaced by each claim's id: "
                "https://news.example/cek-fakta/{id} or https://news.example/cek-fakta#{id}",
                param_hint="--review-url",
            )
        if problem := url_problem(review_url.replace("{id}", "id")):
            raise click.BadParameter(problem, param_hint="--review-url")
    org = (
        {"name": publisher.strip(), **({"url": publisher_url.strip()} if publisher_url else {})}
        if publisher
        else None
    )
    return {"publisher": org, "url": review_url.strip() if review_url else None}


# Options for where snapshots of what was seen are kept.
archive_options = option_group(
    click.option(
        "--archive-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path(".civicheck/archive"),
        show_default=True,
        help="Folder for the run's WARC file (one gzipped WARC per run).",
    ),
    click.option("--no-warc", is_flag=True, help="Do not write a WARC of what was fetched."),
    click.option(
        "--wacz",
        is_flag=True,
        help="Also pack the run's WARC as a WACZ beside it: one file to share, which ReplayWeb.page "
        "opens (needs the wacz extra: pip install 'civicheck[wacz]').",
    ),
    click.option(
        "--archive",
        "archive_specs",
        multiple=True,
        metavar="SPEC",
        help="Also ask an archive to capture each cited URL: 'wayback' (Save Page Now; keys from "
        "CIVICHECK_IA_ACCESS_KEY / CIVICHECK_IA_SECRET_KEY, anonymous without) or "
        "'pywb=http://HOST:PORT/COLLECTION' (pywb run with --record -a). Repeatable.",
    ),
    click.option(
        "--replay",
        "replay_files",
        multiple=True,
        metavar="WARC",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Re-evaluate the claims from these WARC files with no network at all (repeatable).",
    ),
)


def db_option(help_: str) -> Callable[[Any], Any]:
    return click.option(
        "--db",
        type=click.Path(dir_okay=False, path_type=Path),
        default=Path(".civicheck/history.sqlite"),
        show_default=True,
        help=help_,
    )


# Options for commands that remember runs and decide the exit code from what changed.
history_options = option_group(
    db_option("History database (SQLite) of every run."),
    click.option(
        "--no-history", is_flag=True, help="Do not read or record history (no damping, no changes)."
    ),
    click.option(
        "--confirm",
        type=click.IntRange(1, 30),
        default=2,
        show_default=True,
        help="Runs in a row a new verdict must be seen before it is reported (1 reports it at once).",
    ),
    click.option(
        "--fail-on",
        type=click.Choice(FAIL_ON_MODES),
        default="unexpected",
        show_default=True,
        help="What makes the exit code 1: a claim not as expected, any reported verdict changed since "
        "the last run, any claim refuted, or never.",
    ),
)


def check_writable(output: Path | None, option: str = "-o/--output") -> None:
    """Refuse an -o path that cannot be written before fetching anything, not after a long run."""
    import os

    if output is None:
        return
    folder = output.parent if str(output.parent) else Path(".")
    if not folder.is_dir():
        raise click.BadParameter(f"the folder {folder} does not exist", param_hint=option)
    if not os.access(folder, os.W_OK):
        raise click.BadParameter(f"the folder {folder} cannot be written to", param_hint=option)
