"""The JSON report (schema 1) as a JSON Schema: every field the renderers, the history and `merge` read, with
its type, so a report from a file (a shard given to `merge`) is checked whole before anything reads it.

Fields the code does not read may hold anything (a later civicheck may add some: the history keeps them).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import Any, get_args

from civicheck.report import OUTCOMES, SCHEMA_VERSION, VERDICTS, SaidByType

# Report fields no reader relies on (written for people and other tools, and only ever read defensively): the
# schema leaves them free, so that a report from another civicheck version whose shape differs still merges.
FREE_FIELDS = {"Report": ("archives", "changes")}

_TEXT = {"type": "string"}
_MAYBE_TEXT = {"type": ["string", "null"]}
_MAYBE_INT = {"type": ["integer", "null"]}
_TEXTS = {"type": "array", "items": _TEXT}
_VERDICT = {"enum": list(VERDICTS)}
_MAYBE_VERDICT = {"enum": [*VERDICTS, None]}

_SNAPSHOT = {
    "type": "object",
    "properties": {"kind": _MAYBE_TEXT, "ref": _MAYBE_TEXT, "url": _MAYBE_TEXT, "captured_at": _MAYBE_TEXT},
}
_SNAPSHOTS = {"type": "array", "items": _SNAPSHOT}
_HIT = {
    "type": "object",
    "required": ["text", "location", "excerpt", "mark"],
    "properties": {
        "text": _TEXT,
        "location": _TEXT,
        "excerpt": _TEXT,
        "mark": {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 2, "maxItems": 2},
    },
}
_LINK = {
    "type": "object",
    "required": ["url", "text", "outcome", "reason"],
    "properties": {
        "url": _TEXT,
        "text": _MAYBE_TEXT,
        "outcome": _TEXT,
        "reason": _TEXT,
        "status": _MAYBE_INT,
        "error": _MAYBE_TEXT,
        "soft404": _TEXTS,
        "snapshots": _SNAPSHOTS,
        "element": _TEXT,
        "page": {"type": "integer", "minimum": 1},
    },
}
_EVIDENCE = {
    "type": "object",
    "properties": {
        "final_url": _MAYBE_TEXT,
        "redirects": {
            "type": "array",
            "items": {"type": "object", "properties": {"status": _MAYBE_INT, "url": _MAYBE_TEXT}},
        },
        "status": _MAYBE_INT,
        "error": _MAYBE_TEXT,
        "detail": _MAYBE_TEXT,
        "fetched_at": _MAYBE_TEXT,
        "sha256": _MAYBE_TEXT,
        "text_sha256": _MAYBE_TEXT,
        "excerpt": _MAYBE_TEXT,
        "hits": {"type": "array", "items": _HIT},
        "published": _MAYBE_TEXT,
        "published_source": _MAYBE_TEXT,
        "updated": _MAYBE_TEXT,
        "soft404": _TEXTS,
        "snapshots": _SNAPSHOTS,
        "links": {"type": "array", "items": _LINK},
        "note": _MAYBE_TEXT,
        "text": _TEXT,
        "network": _MAYBE_TEXT,
        "links_excluded": {"type": "integer", "minimum": 0},
    },
}
_OUTAGE = {
    "type": "object",
    "required": ["from", "to", "seconds"],
    "properties": {
        "from": _TEXT,
        "to": _MAYBE_TEXT,
        "seconds": {"type": "number", "minimum": 0},
        "detail": _MAYBE_TEXT,
    },
}
_CHECK = {
    "type": "object",
    "required": ["kind", "url", "outcome", "reason", "evidence"],
    "properties": {
        "kind": _TEXT,
        "url": _TEXT,
        "line": _MAYBE_INT,
        "spec": {"type": ["object", "null"]},
        "outcome": {"enum": list(OUTCOMES)},
        "reason": _TEXT,
        "evidence": _EVIDENCE,
    },
}
_CLAIM = {
    "type": "object",
    "required": ["id", "claim", "verdict", "reason", "checks"],
    "properties": {
        "id": {"type": "string", "minLength": 1},
        "claim": _TEXT,
        "verdict": _VERDICT,
        "reported_verdict": _MAYBE_VERDICT,
        "pending": _MAYBE_TEXT,
        "expect": _MAYBE_VERDICT,
        "as_expected": {"type": ["boolean", "null"]},
        "reason": _TEXT,
        "deciding": {"type": "integer", "minimum": 0},
        "file": _MAYBE_TEXT,
        "line": _MAYBE_INT,
        "said_by": _MAYBE_TEXT,
        "said_by_type": {"enum": [*get_args(SaidByType), None]},
        "said_on": _MAYBE_TEXT,
        "sources": _TEXTS,
        "tags": _TEXTS,
        "review_url": _MAYBE_TEXT,
        "checks": {"type": "array", "items": _CHECK, "minItems": 1},
    },
}
REPORT_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "civicheck JSON report",
    "type": "object",
    "required": ["schema", "started_at", "claims"],
    "properties": {
        "schema": {"const": SCHEMA_VERSION},
        "civicheck": _MAYBE_TEXT,
        "started_at": _TEXT,
        "finished_at": _MAYBE_TEXT,
        "network": _MAYBE_TEXT,
        "outages": {"type": "array", "items": _OUTAGE},
        "warc": _MAYBE_TEXT,
        "warcs": _TEXTS,
        "summary": {"type": "object", "additionalProperties": {"type": "integer"}},
        "shard": {
            "type": "object",
            "required": ["k", "n"],
            "properties": {"k": {"type": "integer", "minimum": 1}, "n": {"type": "integer", "minimum": 1}},
        },
        "claims": {"type": "array", "items": _CLAIM},
    },
}


@cache
def _validator() -> Callable[[Any], Any]:
    import fastjsonschema

    return fastjsonschema.compile(REPORT_SCHEMA)


def schema_problem(data: Any) -> str | None:
    """Where and how `data` departs from the report schema ("claims[3].checks[0].evidence.status must be
    integer or null"), or None. The first problem only: one is enough to refuse a file."""
    import fastjsonschema

    try:
        _validator()(data)
    except fastjsonschema.JsonSchemaValueException as exc:
        return exc.message.removeprefix("data.").removeprefix("data ")
    return None


def report_problem(data: Any) -> str | None:
    """Why `data` (read from a JSON file, e.g. a shard's report for `merge`) is not a report of this schema
    that the renderers and the history can read, or None: every field they read has the type they expect."""
    if problem := schema_problem(data):
        return problem
    for i, claim in enumerate(data["claims"]):
        if claim.get("deciding", 0) >= len(claim["checks"]):
            return f"claims[{i}].deciding names no check (it has {len(claim['checks'])})"
    try:
        # json.load turns a "\ud800" escape into half a UTF-16 pair, which no output or database can hold.
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return (
            "it holds a lone UTF-16 surrogate (an escape from \\ud800 to \\udfff), which is not a character"
        )
    return None
