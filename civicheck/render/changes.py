"""What changed between two runs (changes.Changes), in words: the "Changed since last run" section of the
markdown report (and of notifications), and the plain lines of the table format and `civicheck diff`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from civicheck.changes import Changes, Hunk, VerdictChange
from civicheck.escape import clean, md
from civicheck.hosts import shown_url
from civicheck.render.common import best_of, md_snapshot


def _snapshot_refs(snapshots: Sequence[dict[str, Any]]) -> str:
    return ", ".join(
        f"{s.get('kind', 'copy')} {s.get('url') or s.get('ref') or ''} {s.get('captured_at') or ''}".strip()
        for s in snapshots
    )


def render_markdown(changes: Changes) -> str:
    """The "changed since last run" section of a markdown report; "" when nothing changed.

    Every claim text, reason, URL and page word is escaped with escape.md(): no page can add a link, HTML or a
    column. Removed words are struck through, added words bold.
    """
    if not changes:
        return ""
    since = f" ({md(changes.old_started_at)})" if changes.old_started_at else ""
    out = [f"### Changed since last run{since}", ""]
    if changes.verdicts:
        out += ["| claim | statement | was | now | why |", "|---|---|---|---|---|"]
        for v in changes.verdicts:
            out.append(
                f"| {md(v.claim_id)} | {md(v.claim)} | {md(v.old)}{_md_copy(v.old_snapshots)}{' ' + md(_seen(v)) if _seen(v) else ''} |"
                f" **{md(v.new)}**{_md_copy(v.new_snapshots)} | {md(v.reason)} |"
            )
        out.append("")
    if changes.pending:
        out.append("Not reported yet (waiting for the next runs to confirm):")
        out.append("")
        for v in changes.pending:
            out.append(
                f"- {md(v.claim_id)}: still reported **{md(v.new)}**, this run said {md(v.new_raw)}"
                f"{_md_copy(v.new_snapshots)} ({md(v.pending)}); {md(v.reason)}"
            )
        out.append("")
    if changes.undone:
        out.append("Did not hold (last run saw a change, this run did not):")
        out.append("")
        for v in changes.undone:
            out.append(
                f"- {md(v.claim_id)}: this run said **{md(v.new_raw)}** again (last run: {md(v.old_raw)})"
                f"{_md_copy(v.new_snapshots)}"
            )
        out.append("")
    if changes.added or changes.removed:
        if changes.added:
            out.append(f"New claims: {', '.join(md(c) for c in changes.added)}")
        if changes.removed:
            out.append(f"No longer checked: {', '.join(md(c) for c in changes.removed)}")
        out.append("")
    if changes.outcomes:
        out += ["| claim | check | url | was | now | why |", "|---|---|---|---|---|---|"]
        for o in changes.outcomes:
            out.append(
                f"| {md(o.claim_id)} | {md(o.kind)} | {md(shown_url(o.url))} | {md(o.old)}{_md_copy(o.old_snapshots)} |"
                f" **{md(o.new)}**{_md_copy(o.new_snapshots)} | {md(o.new_reason)} |"
            )
        out.append("")
    for d in changes.drift:
        out.append(
            f"- Content changed: {md(shown_url(d.url))} (cited by {', '.join(md(c) for c in d.claim_ids)}):"
            f" {_words(d.words_removed)} removed, {d.words_added} added"
        )
        if d.note:
            out.append(f"  - {md(d.note)}")
        for hunk in d.hunks:
            out.append(f"  - {_hunk_markdown(hunk, md)}")
        if d.more_hunks:
            out.append(f"  - and {d.more_hunks} more change{'s' if d.more_hunks != 1 else ''}")
        for label, snaps in (("before", d.old_snapshots), ("after", d.new_snapshots)):
            if snaps:
                out.append(f"  - copy {label}: {md(_snapshot_refs(snaps))}")
    if changes.drift:
        out.append("")
    return "\n".join(out) + "\n"


def _md_copy(snapshots: Sequence[dict[str, Any]]) -> str:
    """The " (copy)" after a verdict or outcome: that run's copy of the evidence, so a reader can compare both."""
    best = best_of(snapshots)
    return f" ({md_snapshot(best)})" if best else ""


def _seen(v: VerdictChange) -> str:
    """Where the old verdict's copy comes from when it is not the old run's own (a change confirmed later)."""
    return f"(run {v.old_evidence_run}, {v.old_evidence_at})" if v.old_evidence_run is not None else ""


def _verdict_copies(v: VerdictChange) -> list[str]:
    """The copy that showed the old verdict and the one that shows the new: a reader compares the two."""
    before, after = best_of(v.old_snapshots), best_of(v.new_snapshots)
    if not (before or after):
        return []
    seen = f" {clean(_seen(v))}" if _seen(v) else ""
    return [
        f"  copy that said {v.old}{seen}: {clean(before) or '(none)'}",
        f"  copy that says {v.new}: {clean(after) or '(none)'}",
    ]


def _text_copies(old: Sequence[dict[str, Any]], new: Sequence[dict[str, Any]]) -> list[str]:
    before, after = best_of(old), best_of(new)
    if not (before or after):
        return []
    return [f"  copy before: {clean(before) or '(none)'}", f"  copy after: {clean(after) or '(none)'}"]


def _words(n: int) -> str:
    return f"{n} word{'s' if n != 1 else ''}"


def _hunk_markdown(hunk: Hunk, md: Any) -> str:
    # md() escapes ~ and *, so page words cannot close the strike-through or bold they sit in.
    styles = {"=": "{}", "-": "~~{}~~", "+": "**{}**"}
    body = " ".join(styles[op].format(md(words)) for op, words in hunk.segments if md(words))
    return ("… " if hunk.leading else "") + body + (" …" if hunk.trailing else "")


def render_text(changes: Changes) -> str:
    """The changes as plain lines for a terminal (`civicheck diff`); untrusted text cleaned with escape.clean()."""
    if not changes:
        return "no changes\n"
    out = []
    for v in changes.verdicts:
        out.append(f"{clean(v.claim_id)}: {v.old} -> {v.new}: {clean(v.reason)}")
        out += _verdict_copies(v)
    for v in changes.pending:
        out.append(f"{clean(v.claim_id)}: still {v.new}, this run said {v.new_raw} ({clean(v.pending)})")
    for v in changes.undone:
        out.append(f"{clean(v.claim_id)}: {v.new_raw} again (last run said {v.old_raw}, which did not hold)")
    for cid in changes.added:
        out.append(f"{clean(cid)}: new claim")
    for cid in changes.removed:
        out.append(f"{clean(cid)}: no longer checked")
    for o in changes.outcomes:
        out.append(
            f"{clean(o.claim_id)}: {o.kind} {clean(shown_url(o.url))}: {o.old} -> {o.new}: {clean(o.new_reason)}"
        )
        out += _text_copies(o.old_snapshots, o.new_snapshots)
    for d in changes.drift:
        out.append(
            f"content changed: {clean(shown_url(d.url))} ({_words(d.words_removed)} removed, {d.words_added} added)"
        )
        if d.note:
            out.append(f"  {clean(d.note)}")
        out += [f"  {clean(h.text())}" for h in d.hunks]
        if d.more_hunks:
            out.append(f"  and {d.more_hunks} more")
        out += _text_copies(d.old_snapshots, d.new_snapshots)
    return "\n".join(out) + "\n"
