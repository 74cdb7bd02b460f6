"""The run's evidence kept on disk: every fetch of a `verify` run as a local WARC file, and offline replay.

`WarcWriter` archives a run as it fetches; `WarcReplay` turns archives back into FetchResults, no network.
"""

from civicheck.archive.warc import (
    CANARY_URI,
    NOT_ARCHIVED,
    ArchiveError,
    WarcReplay,
    WarcWriter,
    new_run_id,
    remove_stale_temporaries,
    snapshot_reference,
)

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
