"""A claim and its checks, as loaded from a claims file: what the runner checks and the report names."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from civicheck import kinds
from civicheck.credentials import HeaderRule

if TYPE_CHECKING:
    from civicheck.report import SaidByType, Verdict

DEFAULT_TIMEOUT = 20.0  # seconds: the total deadline for fetching one URL


@dataclass(init=False)
class Check:
    """One machine-testable condition citing one URL. Its kind's own options are in `options` (an object of
    the kind's options class: kinds/); `Check("quote", url, line, text="…")` makes them from keywords."""

    kind: str
    url: str
    line: int
    timeout: float
    options: Any

    def __init__(
        self,
        kind: str,
        url: str,
        line: int,
        timeout: float = DEFAULT_TIMEOUT,
        options: Any = None,
        **fields: Any,
    ):
        self.kind, self.url, self.line, self.timeout = kind, url, line, timeout
        if options is None:
            found = kinds.get(kind)
            if found is None:
                raise ValueError(f"unknown check kind {kind!r}; kinds: {', '.join(kinds.names())}")
            options = found.options(**fields)
        elif fields:
            raise TypeError("give a check's options as `options` or as keywords, not both")
        self.options = options

    def spec(self) -> dict[str, Any]:
        """The check as the reporter wrote it (for reports): kind, url and the options that are set."""
        return {"kind": self.kind, "url": self.url, **kinds.kind_of(self).spec(self.options)}


@dataclass
class Claim:
    id: str
    claim: str
    file: str
    line: int
    checks: list[Check] = field(default_factory=list)
    said_by: str | None = None  # the name of who said it
    said_by_type: SaidByType | None = None  # "person" or "organization" when the file declares it, else None
    said_on: str | None = None  # ISO date
    sources: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    expect: Verdict | None = None
    review_url: str | None = None  # where the published fact check of this claim is (ClaimReview `url`)
    # From the file's `defaults`: its cited hosts may be private addresses; headers to send to some hosts.
    allow_private: bool = False
    headers: tuple[HeaderRule, ...] = ()
    user_agent: tuple[str, int] | None = None  # the User-Agent of the run's requests, and its line in `file`
