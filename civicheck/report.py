"""Renderers for a run: table (terminal), markdown, json, csv. The one place that escapes untrusted text.

Everything that came from a fetched page or a claims file is cleaned here before it reaches a terminal, a
markdown document or a spreadsheet: no page can move the cursor, add a column, a link or HTML.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from civicheck.checks import Outcome
from civicheck.runner import ClaimResult, RunResult

FORMATS = ("table", "markdown", "json", "csv")
SCHEMA_VERSION = 1

# ANSI/VT escape sequences (CSI, OSC, DCS/PM/APC/SOS strings, two-character escapes), 7-bit and 8-bit forms.
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"  # CSI ... final byte
    r"|(?:\x1b[\]PX^_]|[\x90\x9d\x98\x9e\x9f]).*?(?:\x07|\x1b\\|\x9c|$)"  # OSC/DCS/SOS/PM/APC ... terminator
    r"|\x1b[@-Z\\-_]?",  # other two-byte escapes, or a lone ESC
    re.DOTALL,
)
# Control characters, and the invisible bidi/format marks that can reorder or hide text on screen.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")
_WHITESPACE = re.compile(r"\s+")


def clean(text: Any) -> str:
    """Untrusted text made safe for one line of a terminal: no escape sequences, controls or line breaks."""
    if text is None:
        return ""
    text = _ESCAPE_SEQUENCE.sub("", str(text))
    text = _CONTROL.sub("", text.replace("\t", " "))
    return _WHITESPACE.sub(" ", text).strip()


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#!~>])")


def md(text: Any) -> str:
    """Untrusted text made literal inside a markdown table cell: no links, HTML, code, emphasis or columns."""
    text = clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def _marked(excerpt: str, mark: tuple[int, int], style: str) -> str:
    """The excerpt with its match highlighted in `style` (markdown, ansi or plain); always escaped."""
    start, end = mark
    if not (0 <= start <= end <= len(excerpt)):
        start = end = 0
    before, match, after = excerpt[:start], excerpt[start:end], excerpt[end:]
    if style == "markdown":
        return f"{md(before)} **{md(match)}** {md(after)}".strip() if match else md(excerpt)
    if style == "ansi" and match:
        return f"{clean(before)} \x1b[1m{clean(match)}\x1b[22m {clean(after)}".strip()
    return clean(excerpt)


def one_line(o: Outcome) -> str:
    """The deciding evidence of a claim, in one line (unescaped: callers escape for their format)."""
    text = f"{o.check.kind} {o.check.url}: {o.reason}"
    if o.evidence.hits:
        text += f" — “{o.evidence.hits[0].text}” ({o.evidence.hits[0].location})"
    return text


def _deciding(c: ClaimResult) -> Outcome:
    return c.outcomes[c.deciding]


def _checked_at(c: ClaimResult) -> str:
    return _deciding(c).evidence.fetched_at or ""


def summary_line(run: RunResult) -> str:
    s = run.summary()
    n = len(run.claims)
    line = f"{n} claim{'s' if n != 1 else ''}: {s['supported']} supported, {s['refuted']} refuted, {s['unverified']} unverified"
    unexpected = sum(not c.as_expected for c in run.claims)
    if unexpected:
        line += f"; {unexpected} not as expected"
    return line


# --- renderers ----------------------------------------------------------------------------------------------


def render(run: RunResult, fmt: str, *, color: bool = False) -> str:
    if fmt == "table":
        return render_table(run, color=color)
    if fmt == "markdown":
        return render_markdown(run)
    if fmt == "json":
        return render_json(run)
    if fmt == "csv":
        return render_csv(run)
    raise ValueError(f"unknown format {fmt!r}")


def render_table(run: RunResult, *, color: bool = False) -> str:
    from tabulate import tabulate

    rows = []
    for c in run.claims:
        verdict = c.verdict if c.as_expected else f"{c.verdict} (expected {c.expected})"
        rows.append([clean(c.claim.id), clean(c.claim.claim), verdict, clean(one_line(_deciding(c))), _checked_at(c)])
    table = tabulate(
        rows,
        headers=["claim", "statement", "verdict", "evidence", "checked at"],
        tablefmt="simple",
        maxcolwidths=[24, 36, 14, 60, 20],
    )
    if color:
        table = _color_verdicts(table)
    return f"{table}\n\n{summary_line(run)}\n"


def _color_verdicts(table: str) -> str:
    # Applied after tabulate has measured the columns, and only to our own verdict words.
    colors = {"supported": "32", "refuted": "31", "unverified": "33"}
    return re.sub(r"\b(supported|refuted|unverified)\b", lambda m: f"\x1b[{colors[m[1]]}m{m[1]}\x1b[0m", table)


def render_markdown(run: RunResult) -> str:
    out = [f"**civicheck:** {md(summary_line(run))}", ""]
    out.append("| claim | statement | verdict | evidence | checked at |")
    out.append("|---|---|---|---|---|")
    for c in run.claims:
        verdict = f"**{c.verdict}**" + ("" if c.as_expected else f" (expected {c.expected})")
        out.append(
            f"| {md(c.claim.id)} | {md(c.claim.claim)} | {verdict} | {md(one_line(_deciding(c)))} | {_checked_at(c)} |"
        )
    out += ["", "<details><summary>Evidence for every check</summary>", ""]
    for c in run.claims:
        out.append(f"#### {md(c.claim.id)}: {c.verdict}")
        out.append("")
        for o in c.outcomes:
            ev = o.evidence
            status = ev.status if ev.status is not None else (ev.error or "no answer")
            out.append(f"- **{o.outcome}** · {o.check.kind} · {md(o.check.url)} · {md(status)} · {md(o.reason)}")
            for hit in ev.hits:
                out.append(f"  - {md(hit.location)}: {_marked(hit.excerpt, hit.mark, 'markdown')}")
            if ev.sha256:
                out.append(f"  - fetched {ev.fetched_at}, sha256 {ev.sha256[:16]}…")
        out.append("")
    out.append("</details>")
    return "\n".join(out) + "\n"


def run_to_dict(run: RunResult) -> dict[str, Any]:
    return {
        "schema": SCHEMA_VERSION,
        "civicheck": run.version,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "network": run.network,
        "summary": run.summary(),
        "claims": [_claim_dict(c) for c in run.claims],
    }


def _claim_dict(c: ClaimResult) -> dict[str, Any]:
    claim = c.claim
    return {
        "id": claim.id,
        "claim": claim.claim,
        "verdict": c.verdict,
        "expect": claim.expect,
        "as_expected": c.as_expected,
        "reason": c.reason,
        "file": claim.file,
        "line": claim.line,
        "said_by": claim.said_by,
        "said_on": claim.said_on,
        "sources": claim.sources,
        "tags": claim.tags,
        "checks": [_outcome_dict(o) for o in c.outcomes],
    }


def _outcome_dict(o: Outcome) -> dict[str, Any]:
    ev = o.evidence
    return {
        "kind": o.check.kind,
        "url": o.check.url,
        "line": o.check.line,
        "spec": o.check.spec(),
        "outcome": o.outcome,
        "reason": o.reason,
        "evidence": {
            "final_url": ev.final_url,
            "redirects": [{"status": s, "url": u} for s, u in ev.redirects],
            "status": ev.status,
            "error": ev.error,
            "detail": ev.detail,
            "fetched_at": ev.fetched_at,
            "sha256": ev.sha256,
            "text_sha256": ev.text_sha256,
            "excerpt": ev.excerpt,
            "hits": [h.as_dict() for h in ev.hits],
        },
    }


# Characters json.dumps leaves raw with ensure_ascii=False but a terminal would act on (C1 controls, bidi marks).
_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def render_json(run: RunResult) -> str:
    text = json.dumps(run_to_dict(run), ensure_ascii=False, indent=2)
    # These characters only occur inside JSON strings, where a \u escape means the same thing.
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m[0]):04x}", text) + "\n"


def _csv_cell(value: Any) -> Any:
    if value is None or isinstance(value, (int, float)):
        return value
    text = clean(value)
    # A cell starting with = + - @ is a formula to a spreadsheet: keep page text inert.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def render_csv(run: RunResult) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["claim_id", "claim", "verdict", "expect", "as_expected", "check", "url", "outcome", "reason",
                     "status", "error", "final_url", "fetched_at", "sha256", "excerpt"])
    for c in run.claims:
        for o in c.outcomes:
            ev = o.evidence
            writer.writerow([_csv_cell(v) for v in (
                c.claim.id, c.claim.claim, c.verdict, c.claim.expect or "", str(c.as_expected).lower(), o.check.kind,
                o.check.url, o.outcome, o.reason, ev.status, ev.error or "", ev.final_url, ev.fetched_at, ev.sha256,
                ev.excerpt or "",
            )])
    return buf.getvalue()
