"""Errors the civicheck library raises; only cli.py turns them into exit codes.

Network failures are not errors here: a fetch that fails is evidence (a FetchResult with an error kind).
"""

from __future__ import annotations

from dataclasses import dataclass


class CivicheckError(Exception):
    """Base class: something a user can act on went wrong."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a claims file, located so a reporter can fix it."""

    file: str
    line: int | None
    claim_id: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        who = f" claim '{self.claim_id}':" if self.claim_id else ""
        return f"{where}:{who} {self.message}"


class ClaimsError(CivicheckError):
    """One or more claims files are invalid; carries every problem found, not only the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        n = len(problems)
        super().__init__(f"{n} problem{'s' if n != 1 else ''} in the claims:\n" + "\n".join(map(str, problems)))


class UsageProblem(CivicheckError):
    """The command was asked for something that cannot be done (a path that does not exist, ...)."""


class PageUnreadable(CivicheckError):
    """A fetched page could not be read (an extractor raised, overran its time limit, or its process died).
    Never leaves the library: the checks citing that page become unknown with this reason, the others go on."""
