"""How every command ends, in one place: the exit code a command returns, or the one a library error carries
(errors.py); Ctrl-C and bugs too. And the one way a line reaches standard error, its untrusted text shown safely.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click

from civicheck.errors import ExitCode, Problem

# The root context's obj holds this key, true, when the command is the last thing its process does (the
# `civicheck` program, cli.main): what would serve a next run in the same process can be let go at once.
LAST_COMMAND = "last command"


def say(message: str) -> None:
    """A line on standard error. Messages echo claim ids, keys, URLs, file names and archive answers, so every
    control or invisible character in them is written out, never sent to the terminal as is."""
    from civicheck.escape import visible

    click.echo(visible(message), err=True)


@contextmanager
def option_value(hint: str) -> Iterator[None]:
    """A library UsageProblem about one option's value, shown as click shows a bad value of that option (its
    exit code is the same: 2)."""
    from civicheck.errors import UsageProblem

    try:
        yield
    except UsageProblem as exc:
        raise click.BadParameter(str(exc), param_hint=hint) from exc


def say_problems(problems: Sequence[Problem]) -> None:
    shown = 200  # a generated file can hold thousands of mistakes: the first ones teach the fix
    for problem in problems[:shown]:
        say(f"error: {problem}")
    n = len(problems)
    if n > shown:
        say(f"… and {n - shown} more problems not shown")
    say(f"{n} problem{'s' if n != 1 else ''} found; nothing was fetched. Fix the file(s) and run again.")


class Command(click.Command):
    """How every command ends: with the ExitCode it returns (OK when it returns nothing), or with the exit code
    of the library error it let through (each civicheck error carries its own: errors.py). The one place a
    library error becomes an exit code: a UsageProblem is shown as click shows a usage error, a ClaimsError
    as its list of problems, any other as "error: …"."""

    def invoke(self, ctx: click.Context) -> Any:
        from civicheck.errors import CivicheckError, ClaimsError, UsageProblem

        try:
            code = super().invoke(ctx)
        except UsageProblem as exc:
            raise click.UsageError(str(exc), ctx) from exc
        except ClaimsError as exc:
            say_problems(exc.problems)
            sys.exit(exc.exit_code)
        except CivicheckError as exc:
            say(
                f"error: {exc}"
            )  # its message may quote a page, an archive's answer or a file name: say shows it safely
            sys.exit(exc.exit_code)
        sys.exit(ExitCode.OK if code is None else code)


class Group(click.Group):
    """Every way a command ends besides its own exit: a usage error (exit 2) printed safely, an unexpected
    exception (a bug, a full disk) as exit code 3 with a message rather than a bare traceback, Ctrl-C as 130
    (click would say 1, which means "a claim is not as expected")."""

    command_class = Command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.exceptions.ClickException as exc:
            from civicheck.escape import visible

            # It may quote a claim id, a URL or a file name. click declares `message` Final, but this is the
            # one place an error's text is made safe before click prints it, so it is replaced in place.
            exc.message = visible(exc.message)  # type: ignore[misc]
            raise
        except (click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            say("interrupted: nothing was concluded")
            sys.exit(ExitCode.INTERRUPTED)
        except Exception as exc:  # noqa: BLE001
            import traceback

            for line in traceback.format_exc().splitlines():
                say(line)  # the exception may carry text from a page or a claims file
            say(
                f"civicheck failed unexpectedly ({type(exc).__name__}: {exc}); this is a bug, please report it."
            )
            sys.exit(ExitCode.INTERNAL)
