"""A URL's history as an archive saw it: first capture, first and last 2xx answer, every change of status.

`compute_timeline` is a pure function of a capture list; `timeline_for` asks an archive's CDX API first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from civicheck.archive.cdx import Capture, CdxClient

FIRST_CAPTURE = "first_capture"
FIRST_OK = "first_ok"
STATUS_CHANGE = "status_change"
LAST_OK = "last_ok"
LAST_CAPTURE = "last_capture"


def _status(code: int | None) -> str:
    return "-" if code is None else str(code)  # "-" is what CDX indexes show for a revisit record


@dataclass(frozen=True)
class TimelineEvent:
    """One capture worth a line in the history, and why (`kinds`, in the order of the constants above)."""

    capture: Capture
    kinds: tuple[str, ...]
    previous_status: int | None  # the status before this one, for a change
    description: str  # "first answered 200 (was 404)"
    replay_url: str | None = None  # the archive's page for this capture, when the archive is known

    @property
    def text(self) -> str:
        """The line a reporter reads: "2023-07-12 first answered 200 (was 404)"."""
        return f"{self.capture.date} {self.description}"

    @property
    def date(self) -> str:
        return self.capture.date

    @property
    def status(self) -> int | None:
        return self.capture.statuscode

    def as_dict(self) -> dict[str, Any]:
        return {
            "date": self.capture.date,
            "timestamp": self.capture.timestamp,
            "status": self.capture.statuscode,
            "previous_status": self.previous_status,
            "kinds": list(self.kinds),
            "description": self.description,
            "text": self.text,
            "replay_url": self.replay_url,
        }


@dataclass
class Timeline:
    url: str
    captures: int  # how many captures of the page the archive listed (page_captures: each once)
    first_capture: Capture | None = None
    first_ok: Capture | None = None  # first 2xx answer
    last_ok: Capture | None = None  # most recent 2xx answer
    last_capture: Capture | None = None
    events: list[TimelineEvent] = field(default_factory=list)  # oldest first
    archive: str | None = None  # "wayback", "pywb", or None when computed from a bare list

    def lines(self) -> list[str]:
        """One line per event, oldest first: "2022-03-01 first captured: 404"."""
        return [e.text for e in self.events]

    def summary(self) -> str:
        if not self.captures:
            return f"no capture of {self.url} in the archive"
        assert self.first_capture and self.last_capture
        text = f"{self.captures} capture{'s' if self.captures != 1 else ''} from {self.first_capture.date}"
        text += f" to {self.last_capture.date}"
        if self.last_ok is None:
            return text + "; never answered 2xx"
        assert self.first_ok
        return text + f"; first answered 2xx on {self.first_ok.date}, last on {self.last_ok.date}"

    def rows(self) -> list[dict[str, Any]]:
        """Flat rows for a table or CSV: date, status, event, replay_url."""
        return [
            {
                "date": e.date,
                "status": _status(e.status),
                "event": e.description,
                "replay_url": e.replay_url or "",
            }
            for e in self.events
        ]

    def as_dict(self) -> dict[str, Any]:
        def capture(c: Capture | None) -> dict[str, Any] | None:
            return c.as_dict() if c else None

        return {
            "url": self.url,
            "archive": self.archive,
            "captures": self.captures,
            "first_capture": capture(self.first_capture),
            "first_ok": capture(self.first_ok),
            "last_ok": capture(self.last_ok),
            "last_capture": capture(self.last_capture),
            "summary": self.summary(),
            "events": [e.as_dict() for e in self.events],
        }


def _describe(capture: Capture, kinds: set[str], previous: int | None) -> str:
    status = _status(capture.statuscode)
    phrases = []
    if FIRST_CAPTURE in kinds:
        phrases.append(f"first captured: {status}")
    elif FIRST_OK in kinds:
        phrases.append(f"first answered {status}" + (f" (was {previous})" if STATUS_CHANGE in kinds else ""))
    elif STATUS_CHANGE in kinds:
        phrases.append(f"changed to {status} (was {_status(previous)})")
    if LAST_OK in kinds:
        only = FIRST_CAPTURE in kinds and LAST_CAPTURE in kinds
        phrases.append("the only capture" if only else f"last answered {status}")
        if LAST_CAPTURE in kinds and not only:
            phrases[-1] += " (latest capture)"
    elif LAST_CAPTURE in kinds and FIRST_CAPTURE not in kinds:
        phrases.append(f"latest capture: {status}")
    return "; ".join(phrases)


REVISIT_MIME = "warc/revisit"
# Records an index may list that are about a page or a crawl, never a capture of the page: urn: records
# (Browsertrix's urn:pageinfo:, civicheck's urn:civicheck:fetch:), DNS lookups and file headers of old crawls.
_NOT_PAGES = ("urn:", "dns:", "filedesc:", "warcinfo:")


def is_page_capture(capture: Capture) -> bool:
    """A capture of the page itself: an archived HTTP answer (a status) or a revisit of one. Not a record an
    index lists beside them with no status: a `metadata` or `resource` record (civicheck's own per-fetch JSON
    sat under the page's URL in WARCs written before urn:civicheck:fetch:, and pywb indexes it), a request."""
    if capture.original.lower().startswith(_NOT_PAGES):
        return False
    return capture.statuscode is not None or capture.mimetype == REVISIT_MIME


def page_captures(captures: Sequence[Capture]) -> list[Capture]:
    """The captures of the page, oldest first, each once. An index may list one capture twice (pywb's
    autoindex does, across its index files), and a deduplicating crawler may write a revisit beside the very
    response it duplicates (same second, same digest): counted once, as the response, whose status is known."""
    unique: dict[tuple[str, str, int | None], Capture] = {}
    for capture in filter(is_page_capture, captures):
        unique.setdefault((capture.timestamp, capture.digest, capture.statuscode), capture)
    answered = {(c.timestamp, c.digest) for c in unique.values() if c.statuscode is not None and c.digest}
    kept = [c for c in unique.values() if c.statuscode is not None or (c.timestamp, c.digest) not in answered]
    return sorted(kept, key=lambda c: c.timestamp)


def compute_timeline(
    url: str,
    captures: Sequence[Capture],
    *,
    cdx: CdxClient | None = None,
) -> Timeline:
    """The history of `url` from its captures (any order; only captures of the page count, see page_captures).
    A status change is a capture whose status differs from the previous capture that had one: revisit records
    ("-") neither change the status nor hide a change.
    With `cdx`, every event carries the replay URL of its capture."""
    ordered = page_captures(captures)
    timeline = Timeline(url=url, captures=len(ordered), archive=cdx.name if cdx else None)
    if not ordered:
        return timeline
    ok = [i for i, c in enumerate(ordered) if c.ok]
    timeline.first_capture, timeline.last_capture = ordered[0], ordered[-1]
    timeline.first_ok = ordered[ok[0]] if ok else None
    timeline.last_ok = ordered[ok[-1]] if ok else None

    marks: dict[int, set[str]] = {}
    previous_of: dict[int, int | None] = {}
    last_status: int | None = None
    for i, capture in enumerate(ordered):
        if capture.statuscode is None:
            continue
        if last_status is not None and capture.statuscode != last_status:
            marks.setdefault(i, set()).add(STATUS_CHANGE)
            previous_of[i] = last_status
        last_status = capture.statuscode
    marks.setdefault(0, set()).add(FIRST_CAPTURE)
    marks.setdefault(len(ordered) - 1, set()).add(LAST_CAPTURE)
    if ok:
        marks.setdefault(ok[0], set()).add(FIRST_OK)
        marks.setdefault(ok[-1], set()).add(LAST_OK)

    order = (FIRST_CAPTURE, FIRST_OK, STATUS_CHANGE, LAST_OK, LAST_CAPTURE)
    for i in sorted(marks):
        capture, kinds = ordered[i], marks[i]
        previous = previous_of.get(i)
        timeline.events.append(
            TimelineEvent(
                capture=capture,
                kinds=tuple(k for k in order if k in kinds),
                previous_status=previous,
                description=_describe(capture, kinds, previous),
                replay_url=cdx.replay_url(capture, url, mode="") if cdx else None,
            )
        )
    return timeline


def timeline_for(url: str, cdx: CdxClient) -> Timeline:
    """Ask the archive for every capture of `url` and compute its timeline. Raises ArchiveUnavailable
    (a CivicheckError) when the archive cannot be asked."""
    return compute_timeline(url, cdx.captures(url), cdx=cdx)
