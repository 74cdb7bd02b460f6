"""Every error the civicheck library raises, each with the exit code the command line gives it (ExitCode).

The library raises these and never exits; the CLI turns them into exit codes in one place (cli/base.py).
Network failures are not errors here: a fetch that fails is evidence (a FetchResult with an error kind).

    CivicheckError                   3  something a user can act on went wrong
    ├── UsageProblem                 2  the command asked for something that cannot be done (a missing path, a bad
    │   │                               --shard, an --archive spec, a saved article that does not say its address)
    │   ├── MergeError               2  files given to `merge` that are not shard reports of one run
    │   └── ScaffoldError            2  `init` would overwrite a file, or cannot write one
    ├── ClaimsError                  2  claims files are invalid: every Problem found, each at its file:line
    ├── ArchiveError                 3  a WARC archive cannot be used
    │   ├── WarcUnreadable           2  a WARC given to --replay cannot be read (not a WARC, damaged, too large)
    │   └── WarcNotWritten           3  the run's WARC cannot be written (disk full, folder not writable)
    ├── ArchiveUnavailable           1  a web archive did not answer a lookup (`timeline`): the capture history
    │                                   could not be had, as `draft` cannot have an article it cannot fetch
    ├── HistoryError                 3  the history database cannot be used (damaged, full disk, unreadable)
    │   ├── HistoryLocked            3  another run holds it for longer than we wait
    │   └── HistoryTooNew            3  it was written by a newer civicheck
    ├── OutputNotWritten             3  a report (or a draft, a timeline) cannot be written where it was asked to go
    ├── DraftError                   3  a drafted claims file would not pass lint: a bug in drafting
    └── PageUnreadable               -  a page could not be read: never leaves the library (its checks become
                                        unknown), 3 if it ever did

Signals that never reach the command line (plain Exceptions, each caught by the module next to its raiser and
turned into evidence): NoAnswer (the resolver did not answer within the deadline: a DNS failure of one fetch),
WorkFailed and NoWorker (a page's reading in a worker process failed or could not start: PageUnreadable),
CaptureFailed (one capture attempt of a web archive failed: its reason becomes the snapshot record's),
PayloadTooLarge (an archived payload would decode past replay's limit: replay reads the record's raw bytes).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """The process's exit codes, documented in the README's "Exit codes" table; CI jobs depend on them."""

    OK = 0  # nothing to report per --fail-on (by default: every claim came out as expected)
    UNEXPECTED = (
        1  # something to report: a claim not as expected; an article or an archive that did not answer
    )
    BAD_INPUT = (
        2  # a claims file is invalid, the command line is wrong, a file given is not what it should be
    )
    INTERNAL = 3  # civicheck itself failed (a bug, a full disk, a damaged history): nothing can be concluded
    INTERRUPTED = (
        130  # Ctrl-C: 128 + SIGINT, as shells report it (click would say 1: "a claim is not as expected")
    )


class CivicheckError(Exception):
    """Base class: something a user can act on went wrong."""

    exit_code = ExitCode.INTERNAL


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


class UsageProblem(CivicheckError):
    """The command was asked for something that cannot be done (a path that does not exist, ...)."""

    exit_code = ExitCode.BAD_INPUT


class ClaimsError(CivicheckError):
    """One or more claims files are invalid; carries every problem found, not only the first."""

    exit_code = ExitCode.BAD_INPUT

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        n = len(problems)
        super().__init__(
            f"{n} problem{'s' if n != 1 else ''} in the claims:\n" + "\n".join(map(str, problems))
        )


class MergeError(UsageProblem):
    """Shard reports that cannot be joined into one report (or a file given as one that is not a report)."""


class ScaffoldError(UsageProblem):
    """`init` would overwrite a file, or cannot write one."""


class ArchiveError(CivicheckError):
    """A WARC archive cannot be written or read (not a WARC, damaged, disk full...)."""


class WarcUnreadable(ArchiveError):
    """A WARC file given to read (--replay) is not one, is damaged, or holds more than civicheck will inflate:
    the file given is wrong, not civicheck."""

    exit_code = ExitCode.BAD_INPUT


class WarcNotWritten(ArchiveError):
    """The run's own WARC cannot be created, written or closed (a folder we cannot write, a full disk)."""


class ArchiveUnavailable(CivicheckError):
    """An archive could not answer a lookup (unreachable, an error status, an answer we cannot read).

    Not "civicheck itself failed": the archive is down or busy, and asking again later may well work."""

    exit_code = ExitCode.UNEXPECTED


class HistoryError(CivicheckError):
    """The history database cannot be used (not a database, made by a newer civicheck, damaged)."""


class HistoryLocked(HistoryError):
    """Another civicheck run holds the history database's write lock for longer than we wait."""

    def __init__(self, path: object, waited: float | None = None):
        self.path = str(path)
        after = (
            ""
            if waited is None
            else f" (waited {waited:.1f} s)"
            if waited < 10
            else f" (waited {waited:.0f} s)"
        )
        super().__init__(
            f"the history database {self.path} is locked by another civicheck run{after}; try again or use --db"
        )


class HistoryTooNew(HistoryError):
    """The history database was written by a newer civicheck, whose schema this one does not know."""


class OutputNotWritten(CivicheckError):
    """A file civicheck was asked to write (a report, a draft, a timeline) cannot be written."""


class DraftError(CivicheckError):
    """The drafted file would not pass lint: a bug in drafting, never the reporter's doing."""


class PageUnreadable(CivicheckError):
    """A fetched page could not be read (an extractor raised, overran its time limit, or its process died).
    Never leaves the library: the checks citing that page become unknown with this reason, the others go on."""


# --- signals inside the library -------------------------------------------------------------------------------


class NoAnswer(Exception):
    """The resolver gave no answer in the time the fetch had left (or the fetch was cut meanwhile)."""

    def __init__(self, host: str, note: str = ""):
        super().__init__(f"no answer about {host}" + (f" ({note})" if note else ""))
        self.host, self.note = host, note


class WorkFailed(Exception):
    """The work gave no answer: it overran its time limit, its worker died, or it raised (`reason` says)."""

    def __init__(self, reason: str, timed_out: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.timed_out = timed_out


class NoWorker(WorkFailed):
    """No worker process can be started here at all (a sandbox without a fork server, no processes left)."""


class CaptureFailed(Exception):
    """Ends one capture attempt with a reason (never leaves a backend's capture(): it becomes the record's)."""

    def __init__(self, reason: str, status_ext: str | None = None):
        super().__init__(reason)
        self.reason, self.status_ext = reason, status_ext


class PayloadTooLarge(Exception):
    """An archived payload would decode to more than replay's limit (a 1 MB gzip payload can be gigabytes)."""
