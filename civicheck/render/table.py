"""The table format: a terminal's (or a pipe's) view of a run, one row per claim with its deciding evidence."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from civicheck.escape import clean, clean_lines
from civicheck.render.common import (
    best_snapshot,
    deciding_check,
    one_line_parts,
    outage_lines,
    shown_verdict,
    summary_line,
    terminal_table,
)
from civicheck.report import REFUTED, SUPPORTED, UNVERIFIED


def render(report: Mapping[str, Any], *, color: bool = False, changes: Any = None) -> str:
    rows, warcs = [], []
    for c in report["claims"]:
        check = deciding_check(c)
        head, hit, tail = one_line_parts(check)
        if hit:
            # The page's own words in bold on a terminal (our codes, added after cleaning; tabulate wraps
            # and measures around them).
            words = f"\x1b[1m{clean(hit)}\x1b[22m" if color else clean(hit)
            where = clean(tail)
            evidence = f"{clean(head)} — “{words}”" + (f" {where}" if where else "")
        else:
            evidence = clean(head)
        if c.get("pending"):
            # First, where the wide column keeps "pending: refuted 1/2" on one line.
            evidence = f"[{clean(c['pending'])}] {evidence}"
        verdict = clean(shown_verdict(c, short=True))
        snapshot = clean(best_snapshot(check))
        if ".warc.gz#" in snapshot:
            # Every row of a run names the same WARC file: the cell keeps the record, the file goes below.
            file, _, record = snapshot.partition("#")
            warcs.append(file)
            snapshot = f"#{record}"
        rows.append([clean(c["id"]), clean(c["claim"]), _colored(verdict) if color else verdict, evidence,
                     snapshot, clean(check["evidence"].get("fetched_at"))])
    table = terminal_table(
        rows,
        headers=["claim", "statement", "verdict", "evidence", "snapshot", "checked at"],
        tablefmt="simple",
        maxcolwidths=_table_widths(color),
    )
    out = f"{table}\n\n{clean(summary_line(report, changes))}\n"
    out += "".join(f"{clean(line)}\n" for line in outage_lines(report))
    files = list(dict.fromkeys(warcs))
    if files:
        out += f"snapshots (#record) are in {', '.join(files)}\n"
    if changes:
        from civicheck.render.changes import render_text

        out += "\n" + clean_lines(render_text(changes))
    return out


def _table_widths(terminal: bool) -> list[int]:
    """Column widths: fixed for files and pipes; on a terminal the statement and evidence share its width."""
    fixed = [22, 14, 12, 20]  # claim, verdict, snapshot, checked at
    statement, evidence = 32, 56
    if terminal:
        import shutil

        room = shutil.get_terminal_size((140, 24)).columns - sum(fixed) - 2 * 5
        statement = max(16, room * 2 // 5)
        evidence = max(24, room - statement)
    return [fixed[0], statement, fixed[1], evidence, max(fixed[2], 44), fixed[3]]


_COLORS = {SUPPORTED: "32", REFUTED: "31", UNVERIFIED: "33"}


def _colored(verdict: str) -> str:
    """The verdict cell with its first word, our own verdict, in colour: a statement or reason that says
    "supported" stays plain. tabulate measures and wraps cells without counting the colour codes."""
    word, sep, rest = verdict.partition(" ")
    return f"\x1b[{_COLORS[word]}m{word}\x1b[0m{sep}{rest}" if word in _COLORS else verdict


def render_rows(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, data: Any = None,
                summary: str | None = None) -> str:
    """A plain list (timeline, history) as a table, its summary line below."""
    text = terminal_table([[clean(v) for v in row] for row in rows], headers=list(headers), tablefmt="simple") + "\n"
    return f"{text}\n{clean(summary)}\n" if summary is not None else text


def render_changes(changes: Any, old: Any, new: Any) -> str:
    """What changed between two runs (`civicheck diff`), as plain lines for a terminal."""
    from civicheck.render.changes import render_text

    text = render_text(changes) if changes else f"No changes between run {old} and run {new}.\n"
    return clean_lines(text)  # clean() again as a last guard
