"""The times civicheck writes down: UTC, to the second for fetches, runs, archives and history; to the
millisecond for the canary's answers, since network outages last seconds.
"""

from __future__ import annotations

from datetime import datetime, timezone


def now_utc() -> str:
    """The one timestamp format of civicheck's records (fetches, runs, archives, history): UTC, seconds."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def wall_clock() -> str:
    """Now, ISO 8601 UTC with milliseconds: outages last seconds, so their ends need finer times than fetches."""
    return millis(datetime.now(timezone.utc))


def millis(when: datetime) -> str:
    """`when` as ISO 8601 UTC with milliseconds: '2026-11-28T02:00:01.234Z'."""
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
