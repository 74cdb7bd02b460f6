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
    where written piece by piece it is never held at all. `unsafe` matches one character at a time, so the
    pieces join into exactly to_json's text."""
    pieces: list[str] = []
    size = 0
    for piece in _outer(data, 0):
        pieces.append(piece)
        size += len(piece)
        if size >= PIECE:
            yield json_text("".join(pieces), unsafe)
            pieces, size = [], 0
    pieces.append("\n")
    yield json_text("".join(pieces), unsafe)


# What json.JSONEncoder(ensure_ascii=False, indent=2) writes, character for character, in half its time (the
# JSON report of 1,000 claims: 130 -> 65 ms): with an indent, the standard library encodes through a Python
# generator per value, its C encoder serving only compact JSON. Strings are still escaped by the standard
# library's own C function. tests/test_streamed_report.py holds the two to the same output.
_STRING = json.encoder.encode_basestring
_INDENT = "  "
_SCALARS = {True: "true", False: "false", None: "null"}


def _outer(value: Any, level: int) -> Iterator[str]:
    """The report's first two levels (its sections, the claims in a list) one element at a time, so that a
    piece can be handed on between them; anything deeper in one go."""
    if level >= 2 or not isinstance(value, (dict, list, tuple)) or not value:
        out: list[str] = []
        _encode(value, level, out)
        yield "".join(out)
        return
    inner = "\n" + _INDENT * (level + 1)
    separator = inner
    if isinstance(value, dict):
        yield "{"
        for key, item in value.items():
            yield separator + _key(key) + ": "
            separator = "," + inner
            yield from _outer(item, level + 1)
        yield "\n" + _INDENT * level + "}"
    else:
        yield "["
        for item in value:
            yield separator
            separator = "," + inner
            yield from _outer(item, level + 1)
        yield "\n" + _INDENT * level + "]"


def _key(key: Any) -> str:
    if isinstance(key, str):
        return _STRING(key)
    if isinstance(key, float):
        return _STRING(_float(key))
    if key is True or key is False or key is None:
        return _STRING(_SCALARS[key])
    if isinstance(key, int):
        return _STRING(int.__repr__(key))
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _float(number: float) -> str:
    if number != number:
        return "NaN"
    if number in (float("inf"), float("-inf")):
        return "Infinity" if number > 0 else "-Infinity"
    return float.__repr__(number)


def _encode(value: Any, level: int, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(_STRING(value))
    elif value is None or value is True or value is False:
        out.append(_SCALARS[value])
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(_float(value))
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        inner = "\n" + _INDENT * (level + 1)
        out.append("[")
        separator = inner
        for item in value:
            out.append(separator)
            separator = "," + inner
            _encode(item, level + 1, out)
        out.append("\n" + _INDENT * level + "]")
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = "\n" + _INDENT * (level + 1)
        out.append("{")
        separator = inner
        for key, item in value.items():
            out.append(separator)
            separator = "," + inner
            out.append(_key(key))
            out.append(": ")
            _encode(item, level + 1, out)
        out.append("\n" + _INDENT * level + "}")
    else:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


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
