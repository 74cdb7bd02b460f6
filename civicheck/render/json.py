"""The JSON format: the versioned report itself (report.py), readable, with what a terminal would act on escaped."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from civicheck.escape import JSON_UNSAFE, json_text


def to_json(data: Any, unsafe: re.Pattern[str] = JSON_UNSAFE) -> str:
    """Readable JSON (UTF-8 kept) with every `unsafe` character written as a \\u escape instead."""
    return json_text(json.dumps(data, ensure_ascii=False, indent=2), unsafe) + "\n"


def render(report: Mapping[str, Any], *, changes: Any = None) -> str:
    if changes is not None:
        report = dict(report, changes=changes.as_dict())
    return to_json(report)


def render_rows(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], *, data: Any = None, summary: str | None = None
) -> str:
    """A plain list (timeline, history) as JSON: `data` when given (it holds the summary), else one object
    per row."""
    return to_json(data if data is not None else [dict(zip(headers, row, strict=True)) for row in rows])


def render_changes(changes: Any, old: Any, new: Any) -> str:
    """What changed between two runs (`civicheck diff`), as JSON."""
    return to_json(changes.as_dict())
