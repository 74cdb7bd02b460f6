"""The JSON format: the versioned report itself (report.py), readable, with what a terminal would act on escaped."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from civicheck.escape import JSON_UNSAFE, json_text

PIECE = 1 << 16  # characters: what json_chunks hands on at a time


def to_json(data: Any, unsafe: re.Pattern[str] = JSON_UNSAFE) -> str:
    """Readable JSON (UTF-8 kept) with every `unsafe` character written as a \\u escape instead."""
    return "".join(json_chunks(data, unsafe))


def json_chunks(data: Any, unsafe: re.Pattern[str] = JSON_UNSAFE) -> Iterator[str]:
    """to_json's text in pieces of about PIECE characters, each made as the one before is written: the JSON
    of 8,000 claims is ~15 M characters, held twice (written, then escaped) beside the report it is made of,
    where written piece by piece it is never held at all. json.dumps with an indent encodes through this same
    generator (the C encoder serves only compact JSON), and `unsafe` matches one character at a time, so the
    pieces join into exactly to_json's text."""
    pieces: list[str] = []
    size = 0
    for piece in json.JSONEncoder(ensure_ascii=False, indent=2).iterencode(data):
        pieces.append(piece)
        size += len(piece)
        if size >= PIECE:
            yield json_text("".join(pieces), unsafe)
            pieces, size = [], 0
    pieces.append("\n")
    yield json_text("".join(pieces), unsafe)


def render(report: Mapping[str, Any], *, changes: Any = None) -> str:
    return "".join(render_chunks(report, changes=changes))


def render_chunks(report: Mapping[str, Any], *, changes: Any = None) -> Iterator[str]:
    """The report's JSON, piece by piece (render/__init__.py render_chunks)."""
    if changes is not None:
        report = dict(report, changes=changes.as_dict())
    return json_chunks(report)


def render_rows(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], *, data: Any = None, summary: str | None = None
) -> str:
    """A plain list (timeline, history) as JSON: `data` when given (it holds the summary), else one object
    per row."""
    return to_json(data if data is not None else [dict(zip(headers, row, strict=True)) for row in rows])


def render_changes(changes: Any, old: Any, new: Any) -> str:
    """What changed between two runs (`civicheck diff`), as JSON."""
    return to_json(changes.as_dict())
