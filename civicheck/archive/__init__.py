"""The run's evidence kept on disk and in web archives: every fetch of a `verify` run as a local WARC file,
offline replay of such files, and captures in the Wayback Machine or a self-hosted pywb.

warc.py (what civicheck's WARC files hold) ← writer.py (WarcWriter: a run, archived as it fetches) and
replay.py (WarcReplay: archives turned back into FetchResults, no network) → members.py (gzip members read
within a bound); cdx.py (captures looked up), timeline.py (a URL's history in an archive), fallback.py (a dead
source read from its last good capture).
"""

from civicheck.archive.replay import WarcReplay
from civicheck.archive.warc import CANARY_URI, NOT_ARCHIVED, ArchiveError, new_run_id, snapshot_reference
from civicheck.archive.writer import WarcWriter, remove_stale_temporaries

__all__ = [
    "CANARY_URI",
    "NOT_ARCHIVED",
    "ArchiveError",
    "WarcReplay",
    "WarcWriter",
    "new_run_id",
    "remove_stale_temporaries",
    "snapshot_reference",
]
