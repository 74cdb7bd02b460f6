"""Dead source → last good capture: when a text check's page cannot be fetched, its most recent 2xx copy in a
web archive (CDX look-up, `id_` replay) is checked instead, clearly labelled.

The decision and the copy's bytes go into the run's WARC, so a replay reads the very same copy, offline.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from civicheck.archive.cdx import Capture, CdxClient
from civicheck.errors import ArchiveUnavailable
from civicheck.fetch import FetchResult

ARCHIVED_COPY_TIMEOUT = 30.0  # seconds for fetching a capture's replay; archives are slower than most sites

FetchFunction = Callable[[str], FetchResult]
Lookup = Callable[[str, FetchResult], "ArchivedCopy | None"]


@dataclass
class ArchivedCopy:
    """The last good archived copy of a cited URL, fetched for checking (or why there is none)."""

    url: str  # as cited
    archive: str
    note: (
        str  # "from the archived copy of 2023-05-01 (pywb); the live page answers 404 Not Found", or why none
    )
    capture: Capture | None = None
    replay_url: str | None = None
    result: FetchResult | None = (
        None  # for the cited URL, with the archived status and body; None when unusable
    )

    @property
    def ok(self) -> bool:
        return self.result is not None and self.result.has_document


def _live_phrase(live: FetchResult | None) -> str:
    if live is None:
        return ""
    if live.status is not None:
        return f"; the live page answers {f'{live.status} {live.reason}'.strip()}"
    return (
        f"; the live page could not be fetched ({live.detail})"
        if live.detail
        else "; the live page could not be fetched"
    )


def fetch_archived_copy(
    url: str,
    fetch: FetchFunction,
    cdx: CdxClient,
    live: FetchResult | None = None,
) -> ArchivedCopy:
    """Find the most recent 2xx capture of `url` and fetch its original bytes (`id_` replay) with `fetch`
    (e.g. `lambda u: fetcher.fetch(u, timeout=30)`). Never raises.

    The result is a FetchResult for the *cited* URL: status, headers and body of the archived copy,
    `final_url` the replay URL, `fetched_at` the capture time (when the page said it), and `detail` the label
    a report shows. `live`, the failed live fetch, only words that label.
    """
    try:
        capture = cdx.latest_ok(url)
    except ArchiveUnavailable as exc:
        return ArchivedCopy(url, cdx.name, f"no archived copy: {exc}")
    except Exception as exc:  # noqa: BLE001 - a fallback must never break a run
        return ArchivedCopy(url, cdx.name, f"no archived copy: the lookup failed ({type(exc).__name__})")
    if capture is None:
        return ArchivedCopy(
            url, cdx.name, f"no archived copy: {cdx.name} has no capture of it that answered 2xx"
        )
    replay_url = cdx.replay_url(capture, url)
    replay = fetch(replay_url)
    if not replay.has_document:
        why = replay.detail or f"{replay.status} {replay.reason}".strip()
        return ArchivedCopy(
            url,
            cdx.name,
            f"the archived copy of {capture.date} could not be replayed: {why}",
            capture,
            replay_url,
        )
    note = f"from the archived copy of {capture.date} ({cdx.name}){_live_phrase(live)}"
    result = dataclasses.replace(replay, url=url, detail=note, fetched_at=capture.iso)
    return ArchivedCopy(url, cdx.name, note, capture, replay_url, result)


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
            result = dataclasses.replace(
                replayed, url=url, detail=doc["note"], fetched_at=doc.get("captured_at") or ""
            )
        return ArchivedCopy(
            url, doc.get("archive", ""), doc.get("note", ""), None, doc.get("replay_url"), result
        )

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
