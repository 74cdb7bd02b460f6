"""Dead source → last good capture: when a text check's page cannot be fetched, its most recent 2xx copy in a
web archive (CDX look-up, `id_` replay) is checked instead, clearly labelled.

The decision and the copy's bytes go into the run's WARC, so a replay reads the very same copy, offline.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from civicheck.archive.wayback import ArchivedCopy, fetch_archived_copy
from civicheck.fetch import FetchResult

ARCHIVED_COPY_TIMEOUT = 30.0  # seconds for fetching a capture's replay; archives are slower than most sites

Lookup = Callable[[str, FetchResult], "ArchivedCopy | None"]


def live_lookup(archives: Sequence[Any], fetch: Callable[[str], FetchResult], warc: Any = None) -> Lookup:
    """Ask each configured archive in turn for the cited URL's last good capture; archive the decision."""

    def lookup(url: str, live: FetchResult) -> ArchivedCopy | None:
        copy = None
        for archive in archives:
            copy = fetch_archived_copy(url, fetch, archive.cdx, live)
            if copy.ok:
                break
        if copy is not None and warc is not None:
            warc.write_archived_copy(url, _decision(copy))
        return copy

    return lookup


def replay_lookup(replay: Any) -> Lookup:
    """The archived copy the live run used, read back from its WARC (the copy's bytes included)."""

    def lookup(url: str, live: FetchResult) -> ArchivedCopy | None:
        doc = replay.archived_copy(url)
        if doc is None:
            return None
        result = None
        if doc.get("ok") and doc.get("replay_url"):
            replayed = replay.result(doc["replay_url"])
            result = dataclasses.replace(replayed, url=url, detail=doc["note"], fetched_at=doc.get("captured_at") or "")
        return ArchivedCopy(url, doc.get("archive", ""), doc.get("note", ""), None, doc.get("replay_url"), result)

    return lookup


def _decision(copy: ArchivedCopy) -> dict[str, Any]:
    return {
        "ok": copy.ok,
        "archive": copy.archive,
        "note": copy.note,
        "replay_url": copy.replay_url,
        "captured_at": copy.result.fetched_at if copy.result is not None else None,
    }


class Fallback:
    """Caches one look-up per cited URL for the whole run (several checks may cite a dead page)."""

    def __init__(self, lookup: Lookup | None):
        self.lookup = lookup
        self.copies: dict[str, ArchivedCopy | None] = {}

    def __call__(self, url: str, live: FetchResult) -> ArchivedCopy | None:
        if self.lookup is None:
            return None
        if url not in self.copies:
            self.copies[url] = self.lookup(url, live)
        return self.copies[url]
