"""What every format shows of a report: the verdict as published, the deciding evidence in one line, the copy
a reader can open, the outages and the summary line. Unescaped: each renderer escapes for its own format.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from civicheck.escape import clean, md
from civicheck.hosts import shown_url
from civicheck.report import expected_verdict, reported_verdict, summary_counts


def shown_verdict(claim: Mapping[str, Any], *, short: bool = False) -> str:
    """The verdict we publish (history-damped when history ran), with what differs from it spelled out.

    "supported (pending: refuted 1/2)": this run said refuted, not yet confirmed. `short` says only "pending",
    for a narrow table column whose row spells the pending note out elsewhere.
    """
    verdict = reported_verdict(claim)
    notes = []
    if claim.get("pending"):
        notes.append("pending" if short else str(claim["pending"]))
    expected = expected_verdict(claim)
    if verdict != expected:
        notes.append(f"expected {expected}")
    return verdict + (f" ({'; '.join(notes)})" if notes else "")


def deciding_check(claim: Mapping[str, Any]) -> Any:
    """The check that decided the claim's verdict."""
    return claim["checks"][claim.get("deciding", 0)]


def one_line(check: dict[str, Any]) -> str:
    """A check's evidence in one line (unescaped: callers escape for their format)."""
    head, hit, tail = one_line_parts(check)
    return f"{head} — “{hit}”{tail}" if hit else head


def one_line_parts(check: dict[str, Any]) -> tuple[str, str, str]:
    """(what was checked and why it came out so, the page's own words that decided it, where they are)."""
    head = f"{check['kind']} {shown_url(check['url'])}: {check['reason']}"
    hits = check["evidence"].get("hits") or []
    if not hits:
        return head, "", ""
    where = hits[0]["location"]
    return head, hits[0]["text"], ("" if where in check["reason"] else f" ({where})")


def best_snapshot(check: dict[str, Any]) -> str:
    """The copy a reader can open most easily: a public/self-hosted capture, else the local WARC record."""
    return best_of(check["evidence"].get("snapshots") or [])


def best_of(snapshots: Sequence[dict[str, Any]]) -> str:
    """best_snapshot for a list of snapshot dicts (as changes.py keeps them)."""
    for snap in snapshots:
        if snap.get("url") and snap.get("kind") != "warc":
            return snap["url"]
    for snap in snapshots:
        if snap.get("ref"):
            return short_ref(snap["ref"])
    return ""


def short_ref(ref: str) -> str:
    """A WARC reference short enough for a table cell: the file and the record id's first 8 characters
    (unique within a run's file; JSON carries the whole id)."""
    file, _, record = ref.partition("#")
    record_id = record.removeprefix("<urn:uuid:").removesuffix(">")
    return f"{file}#{record_id[:8]}" if record_id else file


def outage_lines(report: Mapping[str, Any]) -> list[str]:
    """A line per network outage of the run (unescaped), for the footers: when, how long, what the canary said."""
    from civicheck.fetch.outages import outage_summary

    lines = []
    for outage in report.get("outages") or []:
        if isinstance(outage, dict):
            lines.append(
                f"network down {outage_summary(outage)}: {outage.get('detail', '')}; failures seen then "
                "were fetched again once it was back, or left unverified"
            )
    return lines


def summary_line(report: Mapping[str, Any], changes: Any = None) -> str:
    """ "12 claims: 9 supported, 2 refuted, 1 unverified; 1 changed since last run", on reported verdicts."""
    claims = report["claims"]
    counts = summary_counts([reported_verdict(c) for c in claims])
    n = len(claims)
    line = (
        f"{n} claim{'s' if n != 1 else ''}: {counts['supported']} supported, {counts['refuted']} refuted,"
        f" {counts['unverified']} unverified"
    )
    unexpected = sum(reported_verdict(c) != expected_verdict(c) for c in claims)
    if unexpected:
        line += f"; {unexpected} not as expected"
    if changes is not None:
        line += f"; {changes.changed} changed since last run"
        if changes.pending:
            line += f"; {len(changes.pending)} pending confirmation"
    outages = [o for o in report.get("outages") or [] if isinstance(o, dict)]
    if outages:
        from civicheck.fetch.outages import outages_in_words

        line += f"; {outages_in_words(outages)}"
    return line


_LINK_UNSAFE = re.compile(r"[<>\\| ]")


def md_snapshot(snap: str) -> str:
    """A snapshot for markdown: a link when it is a capture a reader can open, else the escaped WARC reference."""
    if snap[:8].lower().startswith(("http://", "https://")):
        # Our own link to an archive capture; the URL is still escaped so it cannot close the link (a `\`
        # before the `>` would escape it) nor end the table cell (GFM splits a row at every `|`, even in a link).
        return f"[copy](<{_LINK_UNSAFE.sub(lambda m: f'%{ord(m[0]):02X}', clean(snap))}>)"
    return md(snap)


def md_marked(excerpt: str, mark: Sequence[int]) -> str:
    """The excerpt in markdown with its match in bold; always escaped."""
    start, end = mark
    if not (0 <= start <= end <= len(excerpt)):
        start = end = 0
    before, match, after = excerpt[:start], excerpt[start:end], excerpt[end:]
    if not md(match):
        return md(excerpt)
    # Whitespace stays outside the ** so the emphasis always opens and closes (CommonMark flanking rules).
    before, after = before + match[: len(match) - len(match.lstrip())], match[len(match.rstrip()) :] + after
    gap_before = " " if before[-1:].isspace() else ""  # md() trims, so keep the word break by hand
    gap_after = " " if after[:1].isspace() else ""
    return f"{md(before)}{gap_before}**{md(match.strip())}**{gap_after}{md(after)}"


def terminal_table(*args: Any, **kwargs: Any) -> str:
    """tabulate, measuring cells in terminal columns: a combining mark takes none, a CJK character two. It does
    so only when wcwidth can be imported, so import it here: a missing dependency fails, it never degrades
    into counting characters (a cell of stacked combining marks would be hundreds of columns wide)."""
    import wcwidth  # noqa: F401
    from tabulate import tabulate

    return tabulate(*args, **kwargs)
