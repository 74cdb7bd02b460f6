"""Reading what a reporter wrote, one field at a time, with every mistake a problem at its file:line: the
readers claims and check kinds share (Fields), and whether a URL can be checked at all (url_problem).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from civicheck.claims.yaml_lines import DATE_SHAPED, ImpossibleDate, YamlMap, date_of, shown, why_not_a_date
from civicheck.credentials import has_userinfo, userinfo_problem

MAX_URL = 8_192  # characters: a URL goes into every request line and report row


class Fields:
    """A mapping a reporter wrote (a check's options, a claim, the defaults), and the means to read it: each
    reader returns the value, or records a problem at its line (the file's, with the claim id) and returns a
    default, so that every mistake of a file is reported at once. Check kinds read their options with it."""

    shown = staticmethod(shown)  # a value quoted in a problem, cut short

    def __init__(
        self,
        mapping: YamlMap,
        line: int,
        claim_id: str | None,
        report: Callable[[int | None, str | None, str], None],
    ):
        self.mapping, self._line, self.claim_id, self._report = mapping, line, claim_id, report

    def __contains__(self, key: object) -> bool:
        return key in self.mapping

    def get(self, key: str, default: Any = None) -> Any:
        return self.mapping.get(key, default)

    def line(self, key: str | None = None) -> int:
        """The line of `key` when the mapping has it, else the line of the whole (a check's `- kind:` line)."""
        return self.mapping.key_lines.get(key, self._line) if key is not None else self._line

    def problem(self, message: str, key: str | None = None) -> None:
        """A mistake, at the line of `key` (or of the whole)."""
        self._report(self.line(key), self.claim_id, message)

    def flag(self, key: str, default: bool) -> bool:
        value = self.get(key, default)
        if not isinstance(value, bool):
            self.problem(f"'{key}' must be true or false, not {shown(value)}", key)
            return default
        return value

    def count(self, key: str, default: int, least: int, most: int | None = None) -> int:
        value = self.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < least or (most and value > most):
            within = f"from {least} to {most:,}" if most else f"of at least {least}"
            self.problem(f"'{key}' must be a whole number {within}, not {shown(value)}", key)
            return default
        return value

    def choice(self, key: str, allowed: tuple[str, ...], default: str) -> str:
        value = self.get(key, default)
        if value not in allowed:
            self.problem(f"'{key}' must be {' or '.join(repr(a) for a in allowed)}, not {shown(value)}", key)
            return default
        return value

    def date(self, key: str) -> str | None:
        """An ISO date (2023-01-01) written as a YAML date or as text; an impossible one is a problem."""
        value = self.get(key)
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, ImpossibleDate):  # YAML read it as a date: say why no calendar has it
            value.reported = True
            self._report(
                value.line,
                self.claim_id,
                f"'{key}': {shown(str(value))} cannot be read as a date "
                f"({value.why}); write a real date like 2023-01-01",
            )
            return None
        if isinstance(value, str) and DATE_SHAPED.match(value.strip()):  # quoted, but meant as a date
            try:
                return date_of(value.strip()).isoformat()
            except ValueError as exc:
                self.problem(
                    f"'{key}': {shown(value)} cannot be read as a date ({why_not_a_date(exc)}); "
                    "write a real date like 2023-01-01",
                    key,
                )
                return None
        self.problem(f"'{key}' must be a date like 2023-01-01, not {shown(value)}", key)
        return None


def url_problem(url: str) -> str | None:
    """Why `url` cannot be checked, or None when it is a usable http(s) URL."""
    url = url.strip()
    if len(url) > MAX_URL:
        return f"a URL of {len(url):,} characters ({shown(url)}); at most {MAX_URL:,}"
    return _url_problem(url)


# Claims cite the same URL many times (a `live` and a `contains` check of one page, a portal in every claim):
# each is looked at once. Only URLs of at most MAX_URL characters are kept, so the cache stays small.
@functools.lru_cache(maxsize=4096)
def _url_problem(url: str) -> str | None:
    if has_userinfo(url):  # said before anything else, and never with the password in it
        return userinfo_problem(url)
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        return f"'{url}' is not a valid URL ({exc})"
    if parts.scheme not in ("http", "https"):
        return f"'{url}' is not an http(s) URL; write it with http:// or https://"
    if not parts.hostname:
        return f"'{url}' has no host name"
    from civicheck.hosts import mixed_script_problem

    if problem := mixed_script_problem(parts.hostname):
        return problem
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        return f"'{url}' has an invalid port; a port is a number from 1 to 65535"
    if any(ch.isspace() for ch in url):
        return f"'{url}' contains spaces; encode them as %20"
    return None
