"""How a report's dicts (report.py) go into the history's tables: the keys with a column of their own, and
everything else of a dict kept beside them as JSON (`extra`), so a run's report comes back as it was recorded.
"""

from __future__ import annotations

import json
from typing import Any

# Keys that have their own columns; everything else in a claim/check/evidence dict goes to `extra`.
RUN_KEYS = {"schema", "civicheck", "started_at", "finished_at", "network", "summary", "claims"}
CLAIM_KEYS = {
    "id",
    "claim",
    "verdict",
    "reported_verdict",
    "pending",
    "expect",
    "as_expected",
    "reason",
    "file",
    "line",
    "said_by",
    "said_on",
    "sources",
    "tags",
    "checks",
}
CHECK_KEYS = {"kind", "url", "line", "spec", "outcome", "reason", "evidence"}
EVIDENCE_KEYS = {
    "final_url",
    "status",
    "error",
    "detail",
    "fetched_at",
    "sha256",
    "text_sha256",
    "snapshots",
    "text",
}
SNAPSHOT_KEYS = {"kind", "ref", "url", "captured_at"}


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def extra(mapping: dict[str, Any], known: set[str]) -> str | None:
    rest = {k: v for k, v in mapping.items() if k not in known}
    return dumps(rest) if rest else None


def loads(text: str | None, default: Any = None) -> Any:
    return default if text is None else json.loads(text)
