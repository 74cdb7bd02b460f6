"""The markdown format: a summary, what changed, a GitHub table of the verdicts, then every check's evidence in a
collapsed <details> block. Every word from a page, a claims file or an archive is escaped (escape.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from civicheck.escape import md
from civicheck.hosts import shown_url
from civicheck.render.common import (
    best_snapshot,
    deciding_check,
    md_marked,
    md_snapshot,
    one_line,
    outage_lines,
    shown_verdict,
    summary_line,
)
from civicheck.report import PASS


def render(report: Mapping[str, Any], *, changes: Any = None) -> str:
    out = [f"**civicheck:** {md(summary_line(report, changes))}", ""]
    if changes:
        from civicheck.render.changes import render_markdown as changes_markdown

        section = changes_markdown(changes)
        if section:
            out += [section.rstrip(), ""]
    out.append("| claim | statement | verdict | evidence | snapshot | checked at |")
    out.append("|---|---|---|---|---|---|")
    for c in report["claims"]:
        check = deciding_check(c)
        verdict = shown_verdict(c)
        word, _, rest = verdict.partition(" ")
        verdict_cell = f"**{md(word)}** {md(rest)}" if rest else f"**{md(word)}**"
        out.append(
            f"| {md(c['id'])} | {md(c['claim'])} | {verdict_cell} | {md(one_line(check))} | "
            f"{md_snapshot(best_snapshot(check))} | {md(check['evidence'].get('fetched_at'))} |"
        )
    out += ["", "<details><summary>Evidence for every check</summary>", ""]
    for c in report["claims"]:
        out.append(f"#### {md(c['id'])}: {md(c['verdict'])}")
        out.append("")
        for ch in c["checks"]:
            ev = ch["evidence"]
            status = ev.get("status") if ev.get("status") is not None else (ev.get("error") or "no answer")
            out.append(
                f"- **{md(ch['outcome'])}** · {md(ch['kind'])} · {md(shown_url(ch['url']))} · {md(status)} · "
                f"{md(ch['reason'])}"
            )
            for hit in ev.get("hits") or []:
                out.append(f"  - {md(hit['location'])}: {md_marked(hit['excerpt'], hit['mark'])}")
            for link in ev.get("links") or []:
                if link["outcome"] != PASS:
                    out.append(
                        f"  - {md(link['outcome'])}: {md(link['text'] or shown_url(link['url']))} → "
                        f"{md(link['reason'])}"
                    )
            if ev.get("sha256"):
                out.append(f"  - fetched {md(ev.get('fetched_at'))}, sha256 {md(ev['sha256'][:16])}…")
            for snap in ev.get("snapshots") or []:
                out.append(f"  - snapshot ({md(snap.get('kind'))}): {md(snap.get('url') or snap.get('ref'))}")
        out.append("")
    out.append("</details>")
    lines = outage_lines(report)
    if lines:
        out += [""] + [f"_{md(line)}_  " for line in lines]
    return "\n".join(out) + "\n"


def render_rows(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], *, data: Any = None, summary: str | None = None
) -> str:
    """A plain list (timeline, history) as a GitHub table, its summary line in bold above."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(md(v) for v in row) + " |" for row in rows]
    text = "\n".join(lines) + "\n"
    return f"**{md(summary)}**\n\n{text}" if summary is not None else text


def render_changes(changes: Any, old: Any, new: Any) -> str:
    """What changed between two runs (`civicheck diff`), as a markdown section."""
    from civicheck.render.changes import render_markdown

    return render_markdown(changes) or f"No changes between run {old} and run {new}.\n"
