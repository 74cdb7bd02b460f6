"""A self-hosted pywb collection: captures through its record mode (redirects followed, so the chain and the
final page are all recorded), look-ups through its CDX API.
"""

from __future__ import annotations

import email.utils
import html
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urljoin

import requests

from civicheck.archive.backend import (
    Archive,
    ArchiveRecord,
    capture_each,
    capture_safely,
    check_http_url,
    short,
)
from civicheck.archive.cdx import CdxClient, new_session
from civicheck.errors import CaptureFailed, UsageProblem

_PYWB_ERROR = re.compile(r"(\d{3}) (?:Client|Server) Error: (.*?) for url")


class PywbArchive:
    """A self-hosted pywb collection, e.g. http://127.0.0.1:8080/my-coll, running with `--record` and `-a`
    (autoindex: without it, recorded WARCs are never indexed and captures never show up in the CDX API).

    `capture` goes through record mode (`{collection}/record/id_/{url}`) and follows redirects through it, so
    the chain and the final page are all recorded. Never raises.
    """

    name = "pywb"
    max_redirects = 5

    def __init__(
        self, collection_url: str, *, session: requests.Session | None = None, timeout: float = 60.0
    ):
        self.collection_url = collection_url.rstrip("/")
        self.session = session or new_session()
        self.timeout = timeout
        self.cdx = cdx_client(self.collection_url, session=self.session)

    def record_url(self, url: str) -> str:
        return f"{self.collection_url}/record/id_/{url}"

    def capture(self, url: str) -> ArchiveRecord:
        return capture_safely(url, "pywb", self._capture)

    def capture_many(self, urls: Sequence[str], workers: int = 4) -> list[ArchiveRecord]:
        return capture_each(self.capture, urls, workers)

    def _capture(self, record: ArchiveRecord) -> None:
        current, hops = record.url, 0
        while True:
            status, timestamp, location = self._record_one(current)
            if location and 300 <= status < 400 and hops < self.max_redirects:
                current, hops = urljoin(current, location), hops + 1
                continue
            record.timestamp = timestamp
            record.capture_url = f"{self.collection_url}/{timestamp}/{current}"
            record.note = f"the page answered {status}" + (
                f" after {hops} redirect{'s' if hops > 1 else ''} to {current}" if hops else ""
            )
            return

    def _record_one(self, url: str) -> tuple[int, str, str | None]:
        try:
            response = self.session.get(self.record_url(url), allow_redirects=False, timeout=self.timeout)
        except requests.Timeout as exc:
            raise CaptureFailed(
                f"timed out: pywb at {self.collection_url} did not answer in {self.timeout:g} s"
            ) from exc
        except requests.RequestException as exc:
            raise CaptureFailed(f"cannot reach pywb at {self.collection_url} ({type(exc).__name__})") from exc
        # A recorded answer carries its capture time; pywb's own error pages do not.
        memento = response.headers.get("Memento-Datetime")
        if not memento:
            raise CaptureFailed(_pywb_failure(response))
        try:
            when = email.utils.parsedate_to_datetime(memento)
        except (TypeError, ValueError) as exc:
            raise CaptureFailed(
                f"pywb answered an unreadable Memento-Datetime {short(memento, 60)!r}"
            ) from exc
        return response.status_code, when.strftime("%Y%m%d%H%M%S"), response.headers.get("Location")


def _pywb_failure(response: requests.Response) -> str:
    found = _PYWB_ERROR.search(html.unescape(response.text[:20000]))
    if not found:
        answered = f"{response.status_code} {response.reason or ''}".strip()
        return f"pywb did not record it (it answered {answered})"
    code, why = found.group(1), found.group(2)
    if code in ("451", "403"):
        return f"pywb's access rules do not allow recording this URL ({code} {why})"
    return f"pywb could not fetch the page to record it ({code} {why})"


def cdx_client(collection_url: str, **kwargs: Any) -> CdxClient:
    """The CDX API of the pywb collection at `collection_url`."""
    coll = collection_url.rstrip("/")
    # pywb's filters are substring matches unless prefixed with "~" (regex).
    return CdxClient(f"{coll}/cdx", coll, name="pywb", status_field="~status:", **kwargs)


class Pywb:
    """The backend: `--archive pywb=http://host:port/collection`."""

    name = "pywb"
    usage = "pywb=http://host:port/collection"

    def location(self, where: str, spec: str) -> str:
        if not where:
            raise UsageProblem(
                f"--archive {spec}: give the collection URL, e.g. pywb=http://127.0.0.1:8080/my-coll"
            )
        parts = check_http_url(where, spec)
        if not parts.path.strip("/"):
            raise UsageProblem(
                f"--archive {spec}: the URL must end with the collection name, e.g. .../my-coll"
            )
        return where.rstrip("/")

    def archive(self, location: str, env: Mapping[str, str] | None = None, **kwargs: Any) -> Archive:
        return PywbArchive(location, **kwargs)

    def cdx(self, location: str, **kwargs: Any) -> CdxClient:
        return cdx_client(location, **kwargs)
