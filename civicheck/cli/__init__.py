"""The command line: parse options, call the library, render, and end with an exit code. Nothing else.

One module per command family (verify.py: verify and merge; lint.py; history.py: diff and history; init.py;
timeline.py; draft.py); base.py ends every command (the one place an error becomes an exit code), options.py
holds the options several commands share, finish.py the end of a run, fetching.py what fetching commands set
up, progress.py and output.py what they show and write. Heavy imports (requests, trafilatura) happen inside
commands so `civicheck --help` stays instant.
"""

from __future__ import annotations

import click

from civicheck import __version__
from civicheck.cli.base import LAST_COMMAND, Group
from civicheck.cli.draft import draft
from civicheck.cli.history import diff, history
from civicheck.cli.init import init
from civicheck.cli.lint import lint
from civicheck.cli.output import write as _write  # noqa: F401 (tests write through it)
from civicheck.cli.timeline import timeline
from civicheck.cli.verify import merge, verify
from civicheck.errors import ExitCode

# Ctrl-C: 128 + SIGINT, as shells report it. Not 1 (click's choice), which says a claim is not as expected.
INTERRUPTED = ExitCode.INTERRUPTED


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="civicheck")
def cli() -> None:
    """Check what governments claim about their own services against the pages that prove or disprove it.

    Claims live in YAML files (see `civicheck verify --help` and the README); each cites the URLs that
    decide it. civicheck fetches them, extracts the evidence and gives each claim a verdict:
    supported, refuted or unverified.
    """


for command in (verify, lint, merge, diff, history, init, timeline, draft):
    cli.add_command(command)


def main() -> None:
    from civicheck.memory import return_freed_memory

    return_freed_memory()  # a run's page bodies are let go as it goes: let the system have that memory back
    cli.main(prog_name="civicheck", obj={LAST_COMMAND: True})
