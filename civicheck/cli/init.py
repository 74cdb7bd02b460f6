"""`civicheck init`: start a claims repository with an example claims file and a nightly workflow."""

from __future__ import annotations

from pathlib import Path

import click

from civicheck.cli.base import Command, say


@click.command(cls=Command, short_help="Start a claims repository with a nightly workflow.")
@click.argument("directory", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
@click.option(
    "--install",
    metavar="REQUIREMENT",
    help="What the workflow pip-installs for civicheck (default: this checkout or the git commit "
    "civicheck was installed from).",
)
@click.option(
    "--action",
    metavar="OWNER/REPO@REF",
    help="Run civicheck through the action.yml of this repository and ref (e.g. "
    "your-org/civicheck@v0.1.0) instead of pip in the workflow.",
)
def init(directory, force, install, action):
    """Start a claims repository: claims/example.yaml and a nightly GitHub Actions workflow.

    \b
    Examples:
      civicheck init my-factchecks/
      civicheck init my-factchecks/ --action your-org/civicheck@v0.1.0
    """
    from civicheck.scaffold import init as scaffold
    from civicheck.scaffold import install_source

    if action is not None and install is not None:
        raise click.UsageError(
            "--action installs civicheck from the action's own commit: leave out --install"
        )
    source = install if install is not None or action is not None else install_source(directory)
    written = scaffold(directory, force=force, install=source or "", action=action)
    for path in written:
        click.echo(f"wrote {path}")
    if not source and action is None:
        say(
            "warning: set CIVICHECK_INSTALL in the workflow to what pip should install "
            "(e.g. 'civicheck @ git+https://…@<commit>'); --install does it for you"
        )
