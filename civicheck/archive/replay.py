"""Replay: FetchResults re-created from civicheck WARC files, with no network, so a run can be re-evaluated
offline. Archives are untrusted: every record is read within a bound, and checked against its digests.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import itertools
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import civicheck.archive.members as members
from civicheck.archive.warc import (
    BODY_IN_CONVERSION,
    BODY_IS_DECODED_PAYLOAD,
    BODY_IS_PAYLOAD,
    CANARY_SCHEMA,
    COPY_SCHEMA,
    END_SCHEMA,
    FETCH_SCHEMA,
    NO_CANARY_ANSWER,
    NOT_ARCHIVED,
    ArchiveError,
    cut_short,
    decoded_payload,
    fetched_url,
    first_line,
    printable,
    reason_of,
    size_text,
    snapshot_reference,
)
from civicheck.errors import PayloadTooLarge, WarcUnreadable
from civicheck.fetch import ErrorKind, FetchResult


@dataclass
class _Fetch:
    doc: dict[str, Any]
    path: Path
    metadata_id: str
    order: tuple[str, int, int]  # (fetched_at, file index, record index): the greatest wins


@dataclass(frozen=True)
class _Located:
    path: Path
    offset: int  # of the gzip member holding the record (of the record itself in an uncompressed file)
    inner: int = 0  # of the record inside that member (a member holding more than one record)


class WarcReplay:
    """FetchResults re-created from civicheck WARC files, so a run can be re-evaluated with no network.

    Stands in for a Fetcher (`fetch_all`, `fetch`). When several archives hold the same cited URL, the
    latest fetch wins (by fetched_at; on a tie, the file named last). Only civicheck's own metadata records
    say what a fetch concluded, so WARC files written by other tools contribute nothing.
    """

    def __init__(self, paths: Sequence[Path]):
        self.paths = [Path(p) for p in paths]
        if not self.paths:
            raise WarcUnreadable("no WARC file to replay")
        self._fetches: dict[str, _Fetch] = {}
        self._records: dict[str, _Located] = {}  # response and conversion records, by WARC-Record-ID
        self._canary: tuple[tuple[str, int, int], dict[str, Any]] | None = None
        self._canaries: list[tuple[int, dict[str, Any]]] = []  # every answer: (file index, record)
        self._copies: dict[
            str, dict[str, Any]
        ] = {}  # cited url -> the archived-copy decision of the live run
        # Records too large to read: why, by record id (a body) and by target URI (a fetch's metadata).
        self._skipped_records: dict[str, str] = {}
        self._skipped_fetches: dict[str, str] = {}
        self.skipped: list[str] = []  # every record left unread, and why, for the user
        self._skip_budget = [
            members.MAX_SKIPPED_BYTES
        ]  # shared by every file of the replay, spent by _members
        for index, path in enumerate(self.paths):
            self._scan(index, path)

    def __enter__(self) -> WarcReplay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Nothing to release: files are opened only while a record is read."""

    @property
    def urls(self) -> list[str]:
        """Every cited URL the archives hold a fetch for."""
        return list(self._fetches)

    def result(self, url: str) -> FetchResult:
        """The archived result for the URL as cited, or a result saying it is not in the archive."""
        fetch = self._fetches.get(url)
        if fetch is None:
            return FetchResult(
                url, url, None, "", ErrorKind.OTHER, self._skipped_fetches.get(url, NOT_ARCHIVED), ""
            )
        doc = fetch.doc
        raw = body = b""
        for record_id in (doc.get("response_record"), doc.get("body_record")):
            if record_id in self._skipped_records:
                return FetchResult(url, url, None, "", ErrorKind.OTHER, self._skipped_records[record_id], "")
        if doc.get("response_record"):
            raw, http_headers = self._payload(doc["response_record"], fetch)
            source = doc.get("body_from")
            if source == BODY_IS_PAYLOAD:
                body = raw
            elif source == BODY_IS_DECODED_PAYLOAD:
                try:
                    body = decoded_payload(raw, http_headers, limit=members.MAX_RECORD_BYTES)
                except PayloadTooLarge:
                    why = (
                        f"the archived body of {printable(url)} is larger than {size_text(members.MAX_RECORD_BYTES)} once "
                        "decompressed: not replayed"
                    )
                    self.skipped.append(f"{fetch.path}: {why}")
                    return FetchResult(url, url, None, "", ErrorKind.OTHER, why, "")
            elif source == BODY_IN_CONVERSION and doc.get("body_record"):
                body, _ = self._payload(doc["body_record"], fetch)
            else:
                raise WarcUnreadable(
                    f"{fetch.path}: the metadata record of {printable(url)} does not say where its body is"
                )
        result = _result_from(doc, body, raw, fetch)
        if result.sha256 != doc.get("sha256"):
            raise WarcUnreadable(
                f"{fetch.path}: the archived body of {printable(url)} does not match the SHA-256 recorded "
                "when it was fetched; the archive is damaged"
            )
        return result

    def snapshot(self, url: str) -> str | None:
        """The reference of the archived response record (or of the metadata record, when nothing answered)."""
        fetch = self._fetches.get(url)
        if fetch is None:
            return None
        return snapshot_reference(fetch.path.name, fetch.doc.get("response_record") or fetch.metadata_id)

    def canary(self) -> tuple[bool, str] | None:
        """The archived connectivity answer (the latest one across the files), if the run asked the canary."""
        if self._canary is None:
            return None
        doc = self._canary[1]
        return bool(doc.get("online")), str(doc.get("detail", ""))

    def canary_answers(self) -> list[Any]:
        """Every archived answer of the canary (network.CanaryAnswer), each file's its own run."""
        from civicheck.fetch.canary import CanaryAnswer

        return [
            dataclasses.replace(CanaryAnswer.from_record(doc), run=str(index))
            for index, doc in self._canaries
        ]

    def archived_copy(self, url: str) -> dict[str, Any] | None:
        """The live run's decision about an archived copy standing in for `url` (see write_archived_copy)."""
        return self._copies.get(url)

    def online(self) -> tuple[bool, str]:
        """The connectivity answer for a replayed run: the archived one, else "cannot tell" (offline)."""
        return self.canary() or (False, NO_CANARY_ANSWER)

    def fetch(self, url: str, *, timeout: float | None = None) -> FetchResult:
        return self.result(url)

    def fetch_all(
        self,
        jobs: Sequence[tuple[str, float | None]],
        on_result: Callable[[FetchResult], None] | None = None,
        *,
        network: Any = None,
    ) -> dict[str, FetchResult]:
        """Like Fetcher.fetch_all: one result per distinct URL, in job order; `on_result` called for each. The
        network is never judged (`network` is ignored): each fetch's archived record says what it was."""
        results: dict[str, FetchResult] = {}
        for url, _timeout in jobs:
            if url in results:
                continue
            results[url] = self.result(url)
            if on_result is not None:
                on_result(results[url])
        return results

    # -- reading --

    def _scan(self, index: int, path: Path) -> None:
        from warcio.archiveiterator import ArchiveIterator

        found = False
        ours, fetches, end = False, 0, None
        position = itertools.count()
        try:
            with open(path, "rb") as fh:
                for member in members.read_members(fh, path, skip_budget=self._skip_budget):
                    if member.data is None:
                        self._skip(path, member)
                        found = True
                        continue
                    with _read_by_warcio(path):
                        iterator = ArchiveIterator(io.BytesIO(member.data))
                        for record in iterator:
                            if record.format != "warc":
                                # warcio reads any text as a legacy ARC record ("uri ip date type length"):
                                # civicheck only ever writes WARC, so anything else is not ours to replay.
                                raise WarcUnreadable(f"{path} is not a WARC file")
                            rec_type, record_id, doc, inner = _index_entry(record, iterator)
                            where = _Located(path, member.offset, inner)
                            self._index(rec_type, record_id, doc, where, (index, next(position)))
                            found = True
                            schema = doc.get("schema") if isinstance(doc, dict) else None
                            ours = ours or (
                                rec_type == "warcinfo"
                                and str(doc.get("software", "")).startswith("civicheck/")
                            )
                            fetches += schema == FETCH_SCHEMA
                            end = doc if schema == END_SCHEMA else end
        except OSError as exc:
            raise WarcUnreadable(f"cannot read {path}: {reason_of(exc)}") from exc
        if not found:
            raise WarcUnreadable(f"{path} is not a WARC file: it holds no WARC record")
        # A cut between two records leaves valid gzip, but then civicheck's closing record is missing.
        if ours and (end is None or end.get("fetches") != fetches):
            raise WarcUnreadable(cut_short(path))

    def _skip(self, path: Path, member: members.Member) -> None:
        """Note a record too large to read: named from its WARC headers, never read further."""
        from warcio.archiveiterator import ArchiveIterator

        rec_type = record_id = target = None
        try:
            record = next(iter(ArchiveIterator(io.BytesIO(member.head))), None)
            if record is not None and record.format == "warc":
                rec_type, record_id = record.rec_type, record.rec_headers.get_header("WARC-Record-ID")
                target = record.rec_headers.get_header("WARC-Target-URI")
                if target and rec_type == "metadata":
                    target = fetched_url(target)  # the page it is about, whichever layout wrote it
        except Exception:  # noqa: BLE001 - the head of a record we will not read: at worst it goes unnamed
            pass
        what = f"a {rec_type} record" if rec_type else "a record"
        if target:
            what += f" for {printable(target)}"
        why = (
            f"{what} at byte {member.offset} is larger than {size_text(members.MAX_RECORD_BYTES)} "
            f"({size_text(member.size)} decompressed): not replayed"
        )
        self.skipped.append(f"{path}: {why}")
        if record_id:
            self._skipped_records[record_id] = why
        if rec_type == "metadata" and target:
            self._skipped_fetches.setdefault(target, why)

    def _index(
        self, rec_type: str, record_id: str, doc: Any, where: _Located, order: tuple[int, int]
    ) -> None:
        if rec_type in ("response", "conversion"):
            self._records[record_id] = where
        elif not isinstance(doc, dict):
            return  # not a metadata record of ours
        elif doc.get("schema") == FETCH_SCHEMA and isinstance(doc.get("url"), str):
            key = (str(doc.get("fetched_at") or ""), *order)
            known = self._fetches.get(doc["url"])
            if known is None or key >= known.order:
                self._fetches[doc["url"]] = _Fetch(doc, where.path, record_id, key)
        elif doc.get("schema") == COPY_SCHEMA and isinstance(doc.get("url"), str):
            self._copies[doc["url"]] = doc  # in file order: the latest run's decision wins
        elif doc.get("schema") == CANARY_SCHEMA:
            self._canaries.append((order[0], doc))
            key = (str(doc.get("asked_at") or ""), *order)
            if self._canary is None or key >= self._canary[0]:
                self._canary = (key, doc)

    def _payload(self, record_id: str, fetch: _Fetch) -> tuple[bytes, Any]:
        """The payload (and HTTP headers, if any) of one record, its WARC digests checked."""
        from warcio.archiveiterator import ArchiveIterator

        where = self._records.get(record_id)
        if where is None:
            raise WarcUnreadable(
                f"{fetch.path}: record {printable(record_id)}, named by the metadata of "
                f"{printable(fetch.doc.get('url'))}, is missing from the archive"
            )
        try:
            with open(where.path, "rb") as fh, _read_by_warcio(where.path):
                fh.seek(where.offset)
                member = next(members.read_members(fh, where.path, start=where.offset, skip_budget=[0]), None)
                if member is None or member.data is None:  # changed since it was scanned
                    raise WarcUnreadable(f"{where.path}: record {printable(record_id)} is no longer readable")
                record = next(
                    iter(ArchiveIterator(io.BytesIO(member.data[where.inner :]), check_digests=True)), None
                )
                if record is not None:
                    payload = record.raw_stream.read()
                    damaged = record.digest_checker.passed is False
                    http_headers = record.http_headers
        except OSError as exc:
            raise WarcUnreadable(f"cannot read {where.path}: {reason_of(exc)}") from exc
        if record is None or damaged:
            raise WarcUnreadable(
                f"{where.path}: record {printable(record_id)} is damaged (it fails its WARC digest "
                "check, or is no longer where it was)"
            )
        return payload, http_headers


def _index_entry(record: Any, iterator: Any) -> tuple[str, str, Any, int]:
    """(type, record id, parsed JSON of a metadata record or None, offset of the record) through warcio."""
    record_id = record.rec_headers.get_header("WARC-Record-ID") or ""
    content_type = (record.rec_headers.get_header("Content-Type") or "").split(";")[0].strip().lower()
    doc: Any = None
    if record.rec_type == "metadata" and content_type == "application/json":
        try:
            doc = json.loads(record.raw_stream.read())
        except (ValueError, RecursionError):
            pass  # another tool's metadata (or a hostile one nested too deep): ours is always valid JSON
    elif record.rec_type == "warcinfo":
        text = record.raw_stream.read().decode("utf-8", "replace")
        doc = dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)
    return record.rec_type, record_id, doc, iterator.get_record_offset()


@contextlib.contextmanager
def _read_by_warcio(path: Path) -> Iterator[None]:
    """Turn whatever warcio raises on a damaged file into an ArchiveError. It has no exception type of its
    own for that: a cut or garbled file gives ArchiveLoadFailed, zlib.error, AttributeError, ValueError..."""
    try:
        yield
    except (ArchiveError, OSError):
        raise
    except Exception as exc:  # noqa: BLE001 (only warcio runs inside: see the callers)
        raise WarcUnreadable(f"{path} is not a readable WARC file ({first_line(exc)})") from exc


def _result_from(doc: dict[str, Any], body: bytes, raw: bytes, fetch: _Fetch) -> FetchResult:
    known = {f.name for f in dataclasses.fields(FetchResult)} - {"body", "raw_body"}
    fields = {k: v for k, v in doc.items() if k in known}
    try:
        fields["error"] = ErrorKind(fields["error"]) if fields.get("error") is not None else None
        for name in ("redirects", "headers", "request_headers"):
            if name in fields:
                fields[name] = [tuple(pair) for pair in fields[name]]
        return FetchResult(**fields, body=body, raw_body=raw)
    except (KeyError, TypeError, ValueError) as exc:
        raise WarcUnreadable(
            f"{fetch.path}: the metadata record of {printable(doc.get('url'))} cannot be read "
            f"(written by another civicheck version?): {first_line(exc)}"
        ) from exc
