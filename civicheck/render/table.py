"""The table format: a terminal's (or a pipe's) view of a run, one row per claim with its deciding evidence, or
one block per claim where the terminal is too narrow for the columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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

HEADERS = ["claim", "statement", "verdict", "evidence", "snapshot"]
GAP = 2  # the space tabulate's "simple" format leaves between columns
# Narrower than this, a statement or evidence column reads as a word or two per line: the claims go stacked.
# With ids of ~20 columns and WARC records for snapshots, the columns fit from ~111 terminal columns
# (measured on a 15-claim run over a local site: tests/test_table_layout.py).
MIN_STATEMENT, MIN_EVIDENCE = 20, 36
PIPE_STATEMENT, PIPE_EVIDENCE = 32, 56  # in a pipe or file (no width known): one wide table, as always
STACK_LABEL = 12  # "  evidence  ": where a stacked block's values start


@dataclass(frozen=True)
class _Cells:
    """One claim's cells, cleaned (and coloured when on a terminal): nothing in them can move the cursor."""

    id: str
    statement: str
    verdict: str
    evidence: str
    snapshot: str


def render(
    report: Mapping[str, Any], *, color: bool = False, changes: Any = None, width: int | None = None
) -> str:
    """The report as a table, or stacked blocks when `width` (terminal columns) is too narrow for the columns.
    Without `width` (a pipe or a file): one wide table, its cells wrapped at fixed widths."""
    rows, records = [], False
    for c in report["claims"]:
        cells = _cells(c, color)
        records |= cells.snapshot.startswith("#")
        rows.append(cells)
    body = _table(rows, width)
    if body is None:
        body = _stacked(rows, width or 80)
    out = body + "\n\n" + "".join(_lines(line, width) for line in _footer(report, changes, records))
    if changes:
        from civicheck.render.changes import render_text

        out += "\n" + "".join(
            _lines(line, width, hanging=True) for line in clean_lines(render_text(changes)).splitlines()
        )
    return out


def _cells(claim: Mapping[str, Any], color: bool) -> _Cells:
    check = deciding_check(claim)
    head, hit, tail = one_line_parts(check)
    if hit:
        # The page's own words in bold on a terminal (our codes, added after cleaning; the wrapping measures
        # around them and opens them again on every line they span).
        words = f"\x1b[1m{clean(hit)}\x1b[22m" if color else clean(hit)
        where = clean(tail)
        evidence = f"{clean(head)} — “{words}”" + (f" {where}" if where else "")
    else:
        evidence = clean(head)
    if claim.get("pending"):
        evidence = f"[{clean(claim['pending'])}] {evidence}"
    verdict = clean(shown_verdict(claim, short=True))
    snapshot = clean(best_snapshot(check))
    if ".warc.gz#" in snapshot:
        # Every row of a run names the same WARC file: the cell keeps the record, the footer names the file.
        snapshot = "#" + snapshot.partition("#")[2]
    return _Cells(
        clean(claim["id"]), clean(claim["claim"]), _colored(verdict) if color else verdict, evidence, snapshot
    )


def _table(rows: Sequence[_Cells], width: int | None) -> str | None:
    """The rows as columns, each cell wrapped at spaces only (a URL or an id is never cut); None when `width`
    cannot hold the columns, so the caller stacks the claims instead."""
    verdict_width = max([10, *(_longest_word(r.verdict) for r in rows)])
    if width is None:
        statement, evidence = PIPE_STATEMENT, PIPE_EVIDENCE
    else:
        ids = max([_header("claim"), *(_width(r.id) for r in rows)])
        snapshots = max([_header("snapshot"), *(_width(r.snapshot) for r in rows)])
        room = width - ids - verdict_width - snapshots - GAP * (len(HEADERS) - 1)
        longest_statement = max([_header("statement"), *(_width(r.statement) for r in rows)])
        # Each column at least as wide as its longest word (never cut), and not so narrow it reads a word a line.
        need_statement = max(
            [min(MIN_STATEMENT, longest_statement), *(_longest_word(r.statement) for r in rows)]
        )
        need_evidence = max([MIN_EVIDENCE, *(_longest_word(r.evidence) for r in rows)])
        if room < need_statement + need_evidence:
            return None
        # The statement takes two fifths of the room (no more than its longest needs), the evidence the rest.
        statement = min(longest_statement, max(need_statement, room * 2 // 5), room - need_evidence)
        evidence = room - statement
    table = terminal_table(
        [
            [
                r.id,
                _wrap(r.statement, statement),
                _wrap(r.verdict, verdict_width),
                _wrap(r.evidence, evidence),
                r.snapshot,
            ]
            for r in rows
        ],
        headers=HEADERS,
        tablefmt="simple",
        disable_numparse=True,
    )
    if width is not None and max(map(_width, table.splitlines())) > width:
        return None  # a cell wider than planned (cannot happen by the sums above; stacked is always safe)
    return table


def _stacked(rows: Sequence[_Cells], width: int) -> str:
    """One block per claim: verdict and id, then the statement, the evidence and the snapshot, each wrapped
    at the terminal's width under its label."""
    blocks = []
    for r in rows:
        lines = _wrap_lines(f"{r.verdict}  {r.id}", width, "", "    ")
        for label, value in (("claim", r.statement), ("evidence", r.evidence), ("snapshot", r.snapshot)):
            if value:
                lines += _wrap_lines(value, width, f"  {label}".ljust(STACK_LABEL), " " * STACK_LABEL)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _footer(report: Mapping[str, Any], changes: Any, records: bool) -> list[str]:
    """The lines under the claims: the summary, the outages, when the evidence was seen and where it is kept.
    Said once here rather than on every row."""
    lines = [clean(summary_line(report, changes)), *(clean(line) for line in outage_lines(report))]
    when = [checked] if (checked := _checked(report)) else []
    files = [clean(w) for w in (report.get("warcs") or [report.get("warc")]) if w]
    if not files and records:  # a replay: the records are in the files replayed
        files = list(
            dict.fromkeys(
                clean(ref.partition("#")[0])
                for c in report["claims"]
                if (ref := best_snapshot(deciding_check(c))) and ".warc.gz#" in ref
            )
        )
    if files:
        where = "snapshots (#record) are in" if records else "archived what was seen in"
        when.append(f"{where} {', '.join(files)}")
    if when:
        lines.append("; ".join(when))
    return lines


def _checked(report: Mapping[str, Any]) -> str:
    """When the evidence was seen: the span of the fetches (a replay's are the archived ones), else the run's start."""
    seen = sorted(
        {
            t
            for c in report["claims"]
            for k in c.get("checks", [])
            if (t := (k.get("evidence") or {}).get("fetched_at"))
        }
    )
    if seen:
        return f"checked {clean(seen[0])}" + (f" to {clean(seen[-1])}" if seen[-1] != seen[0] else "")
    return f"checked {clean(report['started_at'])}" if report.get("started_at") else ""


def _lines(line: str, width: int | None, *, hanging: bool = False) -> str:
    """One footer line, wrapped at `width` when one is known (continuations indented two more than it)."""
    if width is None:
        return line + "\n"
    indent = " " * (len(line) - len(line.lstrip(" ")))
    return "\n".join(_wrap_lines(line.strip(), width, indent, indent + ("  " if hanging else "    "))) + "\n"


def _wrap(text: str, width: int) -> str:
    return "\n".join(_wrap_lines(text, width, "", ""))


def _wrap_lines(text: str, width: int, first: str, rest: str) -> list[str]:
    """`text` wrapped at `width` terminal columns at spaces only: a URL or id longer than the line stands on a
    line of its own, whole (a reader copies it; a cut one would be a different address). wcwidth measures
    wide and combining characters and skips our colour codes, reopening them on each line they span."""
    import wcwidth

    return wcwidth.wrap(
        text,
        max(width, 1),
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [first.rstrip()]


def _width(text: str) -> int:
    import wcwidth

    return wcwidth.width(text)


def _header(name: str) -> int:
    return _width(name) + 2  # tabulate pads every header by two columns (its MIN_PADDING)


def _longest_word(text: str) -> int:
    return max((_width(word) for word in text.split()), default=0)


_COLORS = {SUPPORTED: "32", REFUTED: "31", UNVERIFIED: "33"}


def _colored(verdict: str) -> str:
    """The verdict with its first word, our own verdict, in colour: a statement or reason that says
    "supported" stays plain. Cells are measured and wrapped without counting the colour codes."""
    word, sep, rest = verdict.partition(" ")
    return f"\x1b[{_COLORS[word]}m{word}\x1b[0m{sep}{rest}" if word in _COLORS else verdict


def render_rows(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], *, data: Any = None, summary: str | None = None
) -> str:
    """A plain list (timeline, history) as a table, its summary line below."""
    text = (
        terminal_table([[clean(v) for v in row] for row in rows], headers=list(headers), tablefmt="simple")
        + "\n"
    )
    return f"{text}\n{clean(summary)}\n" if summary is not None else text


def render_changes(changes: Any, old: Any, new: Any) -> str:
    """What changed between two runs (`civicheck diff`), as plain lines for a terminal."""
    from civicheck.render.changes import render_text

    text = render_text(changes) if changes else f"No changes between run {old} and run {new}.\n"
    return clean_lines(text)  # clean() again as a last guard
