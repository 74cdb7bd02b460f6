"""Hostile inputs built on demand (never committed as files): YAML bombs and WARC files holding a gzip bomb.

Shared by tests/test_attacks_input.py (small sizes) and bench/bench_attacks_input.py (the sizes of issue 9).
"""

from __future__ import annotations

import zlib
from pathlib import Path

CLAIM_HEAD = "claims:\n  - claim: a claim\n    checks: [live: 'https://example.go.id/']\n"


def alias_bomb_yaml(levels: int = 9) -> str:
    """A "billion laughs": each anchor repeats the one before 9 times, and the claim id names the last
    (9 levels: 9**9, about 387 million strings once expanded)."""
    text = CLAIM_HEAD + "    tags:\n      - &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for i in range(1, levels + 1):
        text += f"      - &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n"
    return text + f"    id: *a{levels}\n"


def deep_yaml(depth: int = 5_000) -> str:
    """A claims file whose `tags` are lists nested `depth` deep (flow style: one line)."""
    return (
        "claims:\n  - id: deep\n    claim: a claim\n    checks: [live: 'https://example.go.id/']\n"
        f"    tags: {'[' * depth}{']' * depth}\n"
    )


def warc_bomb_member(uri: str, size: int, record_type: str = "metadata", chunk: int = 1 << 20) -> bytes:
    """One gzip member holding a WARC record whose block is `size` bytes of JSON whitespace: a gzip bomb
    (about 1,000:1), written without ever holding `size` bytes in memory."""
    head = (
        f"WARC/1.0\r\nWARC-Type: {record_type}\r\nWARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-00000000b0b0>\r\n"
        f"WARC-Target-URI: {uri}\r\nWARC-Date: 2026-11-28T02:00:00Z\r\nContent-Type: application/json\r\n"
        f"Content-Length: {size}\r\n\r\n"
    ).encode()
    gz = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    out = [gz.compress(head)]
    blank = b" " * chunk
    left = size - 2
    while left > 0:
        out.append(gz.compress(blank[: min(chunk, left)]))
        left -= chunk
    out.append(gz.compress(b"{}\r\n\r\n"))
    out.append(gz.flush())
    return b"".join(out)


def add_member(warc: Path, member: bytes, before_last: bool = True) -> None:
    """Put a gzip member into a civicheck WARC, just before its closing record (or at the very end)."""
    data = warc.read_bytes()
    if not before_last:
        warc.write_bytes(data + member)
        return
    from warcio.archiveiterator import ArchiveIterator

    with open(warc, "rb") as fh:
        iterator = ArchiveIterator(fh)
        last = [iterator.get_record_offset() for _ in iterator][-1]  # the closing record's member
    warc.write_bytes(data[:last] + member + data[last:])
