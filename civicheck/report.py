"""Renderers: table (terminal), markdown, json, csv, claimreview, html. The one place that escapes untrusted text.

Everything that came from a fetched page, a claims file or an archive is cleaned here before it reaches a
terminal, a markdown document or a spreadsheet: no page can move the cursor, add a column, a link or HTML.
Renderers work on the versioned report dict (run_to_dict), so a merged or history-damped report renders alike.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from typing import Any

from civicheck.checks import Outcome
from civicheck.extract import ESCAPE_SEQUENCE
from civicheck.hosts import shown_url
from civicheck.report_schema import SCHEMA_VERSION
from civicheck.runner import ClaimResult, RunResult

FORMATS = ("table", "markdown", "json", "csv", "claimreview", "html")

# Control characters, and the invisible bidi/format marks that can reorder or hide text on screen.
INVISIBLE = "\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff"
# Lone surrogates too: not characters at all, they cannot even be written out as UTF-8.
_CONTROL = re.compile(rf"[\x00-\x08\x0b-\x1f\x7f-\x9f{INVISIBLE}\ud800-\udfff]")
_UNPRINTABLE = re.compile(rf"[\x00-\x1f\x7f-\x9f{INVISIBLE}\ud800-\udfff]")
_WHITESPACE = re.compile(r"\s+")


def clean(text: Any) -> str:
    """Untrusted text made safe for one line of a terminal: no escape sequences, controls or line breaks."""
    if text is None:
        return ""
    text = ESCAPE_SEQUENCE.sub("", str(text))
    text = _CONTROL.sub("", text.replace("\t", " "))
    return _WHITESPACE.sub(" ", text).strip()


def visible(text: Any) -> str:
    """Text for one line of an error message: every control, escape, line break and invisible character
    written out (\\x1b, \\n, \\u202e) rather than acted on or dropped, so a reporter can find the odd character
    in their file (clean() would show a key "ti\\x1b[2Jtle" as the valid-looking "title")."""
    return _UNPRINTABLE.sub(lambda m: m[0].encode("unicode_escape", "backslashreplace").decode("ascii"), str(text))


def clean_lines(text: str) -> str:
    """Each line cleaned, keeping its leading indentation (which groups a detail under its item)."""
    return "".join(" " * (len(line) - len(line.lstrip(" "))) + clean(line) + "\n" for line in text.splitlines())


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#!~>])")
# "@name" (or "@org/team") where GitHub would notify that person or team: not after a letter or digit, as in
# an e-mail address. A zero-width space after the @ (as Renovate writes them) stops it and reads the same.
_MENTION = re.compile(r"(?<![A-Za-z0-9_])@(?=[A-Za-z0-9])")


def md(text: Any) -> str:
    """Untrusted text made literal inside a markdown table cell: no links, HTML, code, emphasis, columns or
    @mentions (a report posted to an issue must not notify whoever a page or claim names)."""
    text = clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MENTION.sub("@&#8203;", _MD_SPECIAL.sub(r"\\\1", text))


def csv_cell(value: Any) -> Any:
    if value is None or isinstance(value, (int, float)):
        return value
    text = clean(value)
    # A cell starting with = + - @ is a formula to a spreadsheet: keep page text inert.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _md_marked(excerpt: str, mark: Sequence[int]) -> str:
    """The excerpt in markdown with its match in bold; always escaped."""
    start, end = mark
    if not (0 <= start <= end <= len(excerpt)):
        start = end = 0
    before, match, after = excerpt[:start], excerpt[start:end], excerpt[end:]
    if not md(match):
        return md(excerpt)
    # Whitespace stays outside the ** so the emphasis always opens and closes (CommonMark flanking rules).
    before, after = before + match[: len(match) - len(match.lstrip())], match[len(match.rstrip()):] + after
    gap_before = " " if before[-1:].isspace() else ""  # md() trims, so keep the word break by hand
    gap_after = " " if after[:1].isspace() else ""
    return f"{md(before)}{gap_before}**{md(match.strip())}**{gap_after}{md(after)}"


# --- the report dict ----------------------------------------------------------------------------------------


def run_to_dict(run: RunResult, *, texts: bool = False) -> dict[str, Any]:
    """The versioned report. `texts` keeps each text check's extracted text (for history and shard merges)."""
    report = {
        "schema": SCHEMA_VERSION,
        "civicheck": run.version,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "network": run.network,
        "outages": run.outages,
        "warc": run.warc,
        "summary": run.summary(),
        "claims": [_claim_dict(c, texts) for c in run.claims],
    }
    if run.archives:
        report["archives"] = run.archives
    return report


def _claim_dict(c: ClaimResult, texts: bool) -> dict[str, Any]:
    claim = c.claim
    return {
        "id": claim.id,
        "claim": claim.claim,
        "verdict": c.verdict,
        "expect": claim.expect,
        "as_expected": c.as_expected,
        "reason": c.reason,
        "deciding": c.deciding,
        "file": claim.file,
        "line": claim.line,
        "said_by": claim.said_by,
        "said_by_type": claim.said_by_type,
        "said_on": claim.said_on,
        "sources": claim.sources,
        "tags": claim.tags,
        "review_url": claim.review_url,
        "checks": [_outcome_dict(o, texts) for o in c.outcomes],
    }


def _outcome_dict(o: Outcome, texts: bool) -> dict[str, Any]:
    ev = o.evidence
    evidence: dict[str, Any] = {
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
        "published": ev.published,
        "published_source": ev.published_source,
        "updated": ev.updated,
        "soft404": ev.soft404,
        "snapshots": ev.snapshots,
    }
    if ev.links:
        evidence["links"] = ev.links
    if ev.note:
        evidence["note"] = ev.note
    if ev.network:
        evidence["network"] = ev.network
    if texts and ev.text is not None:
        evidence["text"] = ev.text
    return {"kind": o.check.kind, "url": o.check.url, "line": o.check.line, "spec": o.check.spec(),
            "outcome": o.outcome, "reason": o.reason, "evidence": evidence}


def report_problem(data: Any) -> str | None:
    """Why `data` (read from a JSON file, e.g. a shard's report for `merge`) is not a report of this schema
    that the renderers and the history can read, or None: every field they read has the type they expect."""
    from civicheck.report_schema import schema_problem

    if problem := schema_problem(data):
        return problem
    for i, claim in enumerate(data["claims"]):
        if claim.get("deciding", 0) >= len(claim["checks"]):
            return f"claims[{i}].deciding names no check (it has {len(claim['checks'])})"
    try:
        # json.load turns a "\ud800" escape into half a UTF-16 pair, which no output or database can hold.
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return "it holds a lone UTF-16 surrogate (an escape from \\ud800 to \\udfff), which is not a character"
    return None


def without_texts(report: dict[str, Any]) -> dict[str, Any]:
    """A copy without the extracted page texts (kept for history, too bulky for a report a person reads)."""
    out = dict(report)
    out["claims"] = []
    for claim in report["claims"]:
        claim = dict(claim)
        claim["checks"] = [dict(ch, evidence={k: v for k, v in ch["evidence"].items() if k != "text"})
                           for ch in claim["checks"]]
        out["claims"].append(claim)
    return out


def shown_verdict(claim: dict[str, Any], *, short: bool = False) -> str:
    """The verdict we publish (history-damped when history ran), with what differs from it spelled out.

    "supported (pending: refuted 1/2)": this run said refuted, not yet confirmed. `short` says only "pending",
    for a narrow table column whose row spells the pending note out elsewhere.
    """
    verdict = claim.get("reported_verdict") or claim["verdict"]
    notes = []
    if claim.get("pending"):
        notes.append("pending" if short else str(claim["pending"]))
    expected = claim.get("expect") or "supported"
    if verdict != expected:
        notes.append(f"expected {expected}")
    return verdict + (f" ({'; '.join(notes)})" if notes else "")


def _deciding(claim: dict[str, Any]) -> dict[str, Any]:
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


def outage_lines(report: dict[str, Any]) -> list[str]:
    """A line per network outage of the run (unescaped), for the footers: when, how long, what the canary said."""
    from civicheck.fetch.outages import outage_summary

    lines = []
    for outage in report.get("outages") or []:
        if isinstance(outage, dict):
            lines.append(f"network down {outage_summary(outage)}: {outage.get('detail', '')}; failures seen then "
                         "were fetched again once it was back, or left unverified")
    return lines


def summary_line(report: dict[str, Any], changes: Any = None) -> str:
    from civicheck.changes import summary_line as line

    return line(report, changes)


# --- renderers ----------------------------------------------------------------------------------------------


def render(report: dict[str, Any], fmt: str, *, color: bool = False, changes: Any = None,
           publishing: dict[str, Any] | None = None, charts: Any = None) -> str:
    """The report in format `fmt`; `publishing` (publisher, url template) shapes the claimreview format only,
    `charts` (availability.Chart per URL) are drawn by the html format only."""
    if fmt == "table":
        return render_table(report, color=color, changes=changes)
    if fmt == "markdown":
        return render_markdown(report, changes=changes)
    if fmt == "json":
        return render_json(report, changes=changes)
    if fmt == "csv":
        return render_csv(report)
    if fmt == "claimreview":
        from civicheck.claimreview import render_claimreview

        return render_claimreview(report, **(publishing or {}))
    if fmt == "html":
        from civicheck.html_report import render_html

        return render_html(report, changes=changes, charts=charts)
    raise ValueError(f"unknown format {fmt!r}")


def _tabulate(*args: Any, **kwargs: Any) -> str:
    """tabulate, measuring cells in terminal columns: a combining mark takes none, a CJK character two. It does
    so only when wcwidth can be imported, so import it here: a missing dependency fails, it never degrades
    into counting characters (a cell of stacked combining marks would be hundreds of columns wide)."""
    import wcwidth  # noqa: F401
    from tabulate import tabulate

    return tabulate(*args, **kwargs)


def render_table(report: dict[str, Any], *, color: bool = False, changes: Any = None) -> str:
    rows, warcs = [], []
    for c in report["claims"]:
        check = _deciding(c)
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
    table = _tabulate(
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
        from civicheck.changes import render_text

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


_COLORS = {"supported": "32", "refuted": "31", "unverified": "33"}


def _colored(verdict: str) -> str:
    """The verdict cell with its first word, our own verdict, in colour: a statement or reason that says
    "supported" stays plain. tabulate measures and wraps cells without counting the colour codes."""
    word, sep, rest = verdict.partition(" ")
    return f"\x1b[{_COLORS[word]}m{word}\x1b[0m{sep}{rest}" if word in _COLORS else verdict


_LINK_UNSAFE = re.compile(r"[<>\\| ]")


def md_snapshot(snap: str) -> str:
    """A snapshot for markdown: a link when it is a capture a reader can open, else the escaped WARC reference."""
    if snap[:8].lower().startswith(("http://", "https://")):
        # Our own link to an archive capture; the URL is still escaped so it cannot close the link (a `\`
        # before the `>` would escape it) nor end the table cell (GFM splits a row at every `|`, even in a link).
        return f"[copy](<{_LINK_UNSAFE.sub(lambda m: f'%{ord(m[0]):02X}', clean(snap))}>)"
    return md(snap)


def render_markdown(report: dict[str, Any], *, changes: Any = None) -> str:
    out = [f"**civicheck:** {md(summary_line(report, changes))}", ""]
    if changes:
        from civicheck.changes import render_markdown as changes_markdown

        section = changes_markdown(changes)
        if section:
            out += [section.rstrip(), ""]
    out.append("| claim | statement | verdict | evidence | snapshot | checked at |")
    out.append("|---|---|---|---|---|---|")
    for c in report["claims"]:
        check = _deciding(c)
        verdict = shown_verdict(c)
        word, _, rest = verdict.partition(" ")
        verdict_cell = f"**{md(word)}** {md(rest)}" if rest else f"**{md(word)}**"
        out.append(f"| {md(c['id'])} | {md(c['claim'])} | {verdict_cell} | {md(one_line(check))} | "
                   f"{md_snapshot(best_snapshot(check))} | {md(check['evidence'].get('fetched_at'))} |")
    out += ["", "<details><summary>Evidence for every check</summary>", ""]
    for c in report["claims"]:
        out.append(f"#### {md(c['id'])}: {md(c['verdict'])}")
        out.append("")
        for ch in c["checks"]:
            ev = ch["evidence"]
            status = ev.get("status") if ev.get("status") is not None else (ev.get("error") or "no answer")
            out.append(f"- **{md(ch['outcome'])}** · {md(ch['kind'])} · {md(shown_url(ch['url']))} · {md(status)} · "
                       f"{md(ch['reason'])}")
            for hit in ev.get("hits") or []:
                out.append(f"  - {md(hit['location'])}: {_md_marked(hit['excerpt'], hit['mark'])}")
            for link in ev.get("links") or []:
                if link["outcome"] != "pass":
                    out.append(f"  - {md(link['outcome'])}: {md(link['text'] or shown_url(link['url']))} → "
                               f"{md(link['reason'])}")
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


# Characters json.dumps leaves raw with ensure_ascii=False but a terminal would act on (C1 controls, bidi marks),
# and lone surrogates (from a "\ud800" in a merged report), which no UTF-8 output could hold.
_JSON_UNSAFE = re.compile(rf"[\x7f-\x9f{INVISIBLE}\ud800-\udfff]")


def to_json(data: Any, unsafe: re.Pattern[str] = _JSON_UNSAFE) -> str:
    """Readable JSON (UTF-8 kept) with every `unsafe` character written as a \\u escape instead. They can only
    occur inside JSON strings, where the escape means the same thing to a parser."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return unsafe.sub(lambda m: f"\\u{ord(m[0]):04x}", text) + "\n"


def render_json(report: dict[str, Any], *, changes: Any = None) -> str:
    if changes is not None:
        report = dict(report, changes=changes.as_dict())
    return to_json(report)


def render_csv(report: dict[str, Any]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["claim_id", "claim", "verdict", "reported_verdict", "expect", "check", "url", "outcome",
                     "reason", "status", "error", "final_url", "fetched_at", "sha256", "excerpt", "snapshot"])
    for c in report["claims"]:
        for ch in c["checks"]:
            ev = ch["evidence"]
            writer.writerow([csv_cell(v) for v in (
                c["id"], c["claim"], c["verdict"], c.get("reported_verdict") or c["verdict"], c.get("expect") or "",
                ch["kind"], ch["url"], ch["outcome"], ch["reason"], ev.get("status"), ev.get("error") or "",
                ev.get("final_url"), ev.get("fetched_at"), ev.get("sha256"), ev.get("excerpt") or "",
                best_snapshot(ch),
            )])
    return buf.getvalue()


def render_rows(headers: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str, data: Any = None) -> str:
    """A plain list (timeline, history) in any format; json renders `data` when given."""
    if fmt == "json":
        return to_json(data if data is not None else [dict(zip(headers, row, strict=True)) for row in rows])
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(headers)
        writer.writerows([[csv_cell(v) for v in row] for row in rows])
        return buf.getvalue()
    if fmt == "markdown":
        lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
        lines += ["| " + " | ".join(md(v) for v in row) + " |" for row in rows]
        return "\n".join(lines) + "\n"
    return _tabulate([[clean(v) for v in row] for row in rows], headers=list(headers), tablefmt="simple") + "\n"
