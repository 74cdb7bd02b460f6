"""A WARC file read one gzip member at a time, each within MAX_RECORD_BYTES decompressed, with bounded memory
whatever it holds: a 2 GB record compressed to 2 MB is skipped (and named), never read.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from civicheck.archive.warc import GZIP_READ, cut_short, size_text
from civicheck.errors import WarcUnreadable

# The most replay reads of any one record, decompressed (civicheck's own records hold at most a 25 MB body plus
# headers): a 1.9 MB file can hold a gzip bomb of a 2 GB record, which must be skipped, never read.
MAX_RECORD_BYTES = 64_000_000
_HEAD_BYTES = 64 * 1024  # enough of a skipped record to name it (its WARC headers)
# Skipping a record still means inflating it to find where the next one starts (about 0.4 s per GB): past this
# many bytes skipped in one replay, the archive is refused instead (a 20 MB file can inflate to 20 GB).
MAX_SKIPPED_BYTES = 4_000_000_000


@dataclass(frozen=True)
class Member:
    """One gzip member of a WARC file (one record, as civicheck and most tools write them), read within
    MAX_RECORD_BYTES: `data` is None when it holds more, and `head` keeps enough to name what was skipped."""

    offset: int
    size: int  # decompressed bytes
    data: bytes | None
    head: bytes


def read_members(
    fh: IO[bytes], path: Path, start: int = 0, skip_budget: list[int] | None = None
) -> Iterator[Member]:
    """The gzip members of a WARC file from `start` on, each decompressed within MAX_RECORD_BYTES, with
    bounded memory whatever they hold; raises ArchiveError for a member cut short, junk after the last, or
    when members too large to keep inflate past `skip_budget[0]` bytes in all (each is subtracted from it).

    warcio would read a record whole, and a header line as long as it runs: a 2 GB record compressed to
    2 MB is 2 GB in memory. Reading members ourselves, the size of each is known before warcio sees it.
    An uncompressed file is one "member", read whole when it is within the limit.
    """
    fh.seek(start)
    data = fh.read(GZIP_READ)
    if not data.startswith(b"\x1f\x8b"):
        data += fh.read(max(0, MAX_RECORD_BYTES + 1 - len(data)))
        if len(data) > MAX_RECORD_BYTES:
            raise WarcUnreadable(
                f"{path} is an uncompressed WARC file larger than {size_text(MAX_RECORD_BYTES)}: civicheck "
                "replays WARC files compressed record by record (as it writes them); "
                f"`warcio recompress {path} OUT.warc.gz` makes one"
            )
        yield Member(start, len(data), data, data[:_HEAD_BYTES])
        return
    budget = [MAX_SKIPPED_BYTES] if skip_budget is None else skip_budget
    pos = start  # the file offset of data[0]
    while data:
        if len(data) < 2:
            data += fh.read(GZIP_READ)
        if not data.startswith(b"\x1f\x8b"):
            raise WarcUnreadable(cut_short(path))  # junk after the last member
        kept: bytearray | None  # None once the record is too large to keep
        offset, size, kept, head = pos, 0, bytearray(), b""
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        while True:
            try:
                out = inflater.decompress(data, GZIP_READ)  # bounded output per call: a bomb stays a stream
            except zlib.error as exc:
                raise WarcUnreadable(cut_short(path)) from exc
            size += len(out)
            if len(head) < _HEAD_BYTES:
                head += out[: _HEAD_BYTES - len(head)]
            if kept is not None:
                kept += out
                if len(kept) > MAX_RECORD_BYTES:
                    kept = None  # too large: from here on it is only counted
            elif size > budget[0]:
                raise WarcUnreadable(
                    f"{path}: the record at byte {offset} inflates to more than {size_text(size)}, past "
                    f"the {size_text(MAX_SKIPPED_BYTES)} one replay skips over (a compression bomb?): "
                    "this is not an archive civicheck wrote; nothing was replayed"
                )
            if inflater.eof:
                pos += len(data) - len(inflater.unused_data)
                data = inflater.unused_data or fh.read(GZIP_READ)
                break
            pos += len(data) - len(inflater.unconsumed_tail)
            data = inflater.unconsumed_tail
            if not data and len(out) < GZIP_READ:  # a full output may leave more inside zlib: ask again first
                data = fh.read(GZIP_READ)
                if not data:
                    raise WarcUnreadable(cut_short(path))  # the file ends inside a member
        if kept is None:
            budget[0] -= size
        yield Member(offset, size, None if kept is None else bytes(kept), head)
