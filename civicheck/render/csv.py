"""The CSV format: one row per check, for a spreadsheet; no cell can start a formula (escape.csv_cell)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

from civicheck.escape import csv_cell
from civicheck.render.common import best_snapshot
from civicheck.report import reported_verdict


def render(report: Mapping[str, Any]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(
        [
            "claim_id",
            "claim",
            "verdict",
            "reported_verdict",
            "expect",
            "check",
            "url",
            "outcome",
            "reason",
            "status",
            "error",
            "final_url",
            "fetched_at",
            "sha256",
            "excerpt",
            "snapshot",
        ]
    )
    for c in report["claims"]:
        for ch in c["checks"]:
            ev = ch["evidence"]
            writer.writerow(
                [
                    csv_cell(v)
                    for v in (
                        c["id"],
                        c["claim"],
                        c["verdict"],
                        reported_verdict(c),
                        c.get("expect") or "",
                        ch["kind"],
                        ch["url"],
                        ch["outcome"],
                        ch["reason"],
                        ev.get("status"),
                        ev.get("error") or "",
                        ev.get("final_url"),
                        ev.get("fetched_at"),
                        ev.get("sha256"),
                        ev.get("excerpt") or "",
                        best_snapshot(ch),
                    )
                ]
            )
    return buf.getvalue()


def render_rows(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], *, data: Any = None, summary: str | None = None
) -> str:
    """A plain list (timeline, history) as CSV: a row per item, nothing else."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows([[csv_cell(v) for v in row] for row in rows])
    return buf.getvalue()
