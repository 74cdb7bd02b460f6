"""`civicheck draft`: a claims file drafted from news articles (quotations, numbers, links, publication facts)."""

from __future__ import annotations

from pathlib import Path

import click

from civicheck.cli.base import Command, say
from civicheck.cli.fetching import fetcher_settings
from civicheck.cli.options import check_writable, network_options
from civicheck.cli.output import write
from civicheck.errors import ExitCode


@click.command(cls=Command, short_help="Draft a claims file from news articles.")
@click.argument("articles", nargs=-1, metavar="ARTICLE...")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the claims file to FILE (default: standard output, or DIR/draft-….yaml with --into).",
)
@click.option(
    "--into",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    metavar="DIR",
    help="The claims folder the draft joins: its ids never repeat one used there.",
)
@click.option(
    "--max",
    "max_claims",
    type=click.IntRange(1),
    metavar="N",
    help="Draft at most N claims, most checkable first.",
)
@click.option(
    "--url",
    "cited_url",
    metavar="URL",
    help="Where a saved ARTICLE file was published (else its canonical address): what the checks cite.",
)
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
@network_options
@click.option(
    "--archive-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(".civicheck/archive"),
    show_default=True,
    help="Folder for the WARC file of what was fetched.",
)
@click.option("--no-warc", is_flag=True, help="Do not write a WARC of what was fetched.")
@click.option(
    "--replay",
    "replay_files",
    multiple=True,
    metavar="WARC",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Draft from these WARC files with no network at all (repeatable); without ARTICLE, every "
    "page they hold.",
)
@click.option("-q", "--quiet", is_flag=True, help="Nothing on standard error but errors.")
def draft(
    articles,
    output,
    into,
    max_claims,
    cited_url,
    force,
    concurrency,
    per_host,
    canaries,
    no_canary,
    allow_private,
    archive_dir,
    no_warc,
    replay_files,
    quiet,
):
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
    from civicheck.errors import OutputNotWritten

    if not articles and not replay_files:
        raise click.UsageError("give at least one ARTICLE (a URL or a saved file), or --replay WARC")
    for target in articles:
        from civicheck.draft.source import is_local

        if not is_local(target) and (problem := url_problem(target)):
            raise click.BadParameter(problem, param_hint="ARTICLE")
        if is_local(target) and not Path(target).is_file():
            raise click.BadParameter(
                f"{target}: no such file (an address starts with http:// or https://)", param_hint="ARTICLE"
            )
    if cited_url is not None and (problem := url_problem(cited_url)):
        raise click.BadParameter(problem, param_hint="--url")
    if cited_url is not None and len(articles) != 1:
        raise click.UsageError("--url names where one saved article was published: give exactly one ARTICLE")
    for canary in canaries:
        if problem := url_problem(canary):
            raise click.BadParameter(problem, param_hint="--canary")
    if output is not None:
        check_writable(output)
        if output.exists() and not force:
            raise click.UsageError(
                f"{output} already exists (perhaps a draft you edited): choose another -o, "
                "or --force to overwrite it"
            )
    # A replay file that cannot be read is bad input (WarcUnreadable); a WARC not written, our failure.
    obtained, warc_path = obtain_articles(
        list(articles),
        replay_files,
        concurrency,
        per_host,
        canaries,
        no_canary,
        archive_dir,
        no_warc,
        cited_url,
        allow_private,
    )
    if not quiet and warc_path:
        say(f"archived what was seen in {warc_path}")
    if obtained.failures or not obtained.articles:
        for failure in obtained.failures or ["the archives hold no page to draft from"]:
            say(f"error: cannot draft from {failure}")
        say("nothing was written")
        return ExitCode.UNEXPECTED
    from civicheck.draft import draft as draft_claims
    from civicheck.draft.writer import existing_ids, slug

    if output is None and into is not None:
        name = slug(" ".join((obtained.articles[0].title or obtained.articles[0].site).split()[:6]))
        output = into / f"draft-{name or 'article'}.yaml"
        if output.exists() and not force:
            raise click.UsageError(f"{output} already exists: choose -o, or --force to overwrite it")
    taken = existing_ids(into, skip=output) if into is not None else set()
    drafted = draft_claims(obtained.articles, taken_ids=taken, max_claims=max_claims)  # DraftError: a bug
    for note in drafted.notes:
        say(f"note: {note}")
    try:
        write(drafted.text, output)
    except OSError as exc:
        raise OutputNotWritten(f"cannot write {output}: {exc.strerror}") from exc
    if not quiet:
        kinds = ", ".join(f"{n} {kind}" for kind, n in drafted.counts.items())
        where = f" to {output}" if output is not None else ""
        n = len(drafted.claims)
        say(f"drafted {n} claim{'s' if n != 1 else ''} ({kinds}){where}; edit them, then `civicheck lint`")


def obtain_articles(
    articles,
    replay_files,
    concurrency,
    per_host,
    canaries,
    no_canary,
    archive_dir,
    no_warc,
    cited_url,
    allow_private,
):
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
    settings = fetcher_settings([], list(canaries), allow_private)
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
