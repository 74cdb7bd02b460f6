"""The history database (SQLite): every verify run recorded, flap damping and `diff` read from it.

store.py (HistoryStore: open, lock, record), queries.py (reading it back), migrations.py (the schema, changed only
by appending a migration), rows.py (how a report's dicts map to columns); revisits.py (FetchMemory: what a nightly
run remembers of the last good fetches and probes, so unchanged pages move no bytes), stored_reading.py.
"""

from civicheck.errors import HistoryError, HistoryLocked, HistoryTooNew
from civicheck.history.migrations import MIGRATIONS, migrate
from civicheck.history.queries import ClaimState, RunInfo, VerdictCounts
from civicheck.history.store import DEFAULT_PATH, HistoryStore, Remembered, file_digests

__all__ = [
    "DEFAULT_PATH",
    "MIGRATIONS",
    "ClaimState",
    "HistoryError",
    "HistoryLocked",
    "HistoryStore",
    "HistoryTooNew",
    "Remembered",
    "RunInfo",
    "VerdictCounts",
    "file_digests",
    "migrate",
]
