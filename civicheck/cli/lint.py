"""`civicheck lint`: validate claims files without fetching anything."""

from __future__ import annotations

from pathlib import Path

import click

from civicheck.cli.base import Command, say


@click.command(cls=Command)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def lint(paths):
    """Validate claims files without fetching anything.

    \b
    Example:
      civicheck lint claims/

    Exit code 0 when every file is valid, 2 when any is not (every problem is listed with file:line).
    """
    from civicheck.claims import load_claims

    claims = load_claims(list(paths))
    lint_notes(claims)
    checks = sum(len(c.checks) for c in claims)
    files = len({c.file for c in claims})

    def count(n: int, word: str) -> str:
        return f"{n} {word}{'s' if n != 1 else ''}"

    click.echo(f"ok: {count(len(claims), 'claim')}, {count(checks, 'check')} in {count(files, 'file')}")


def lint_notes(claims) -> None:
    """What a reviewer of a claims file should know though nothing is wrong: which files open the door to
    private addresses, and which header variables are not set here (verify will need them)."""
    import os

    from civicheck.credentials import resolve_headers

    for file in dict.fromkeys(claim.file for claim in claims if claim.allow_private):
        say(f"note: {file}: allow_private: true lets the hosts this file cites be private addresses")
    _, missing = resolve_headers([rule for claim in claims for rule in claim.headers], os.environ)
    for problem in missing:
        say(f"note: {problem}")
