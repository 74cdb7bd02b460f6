"""The HTML format: one self-contained file a reporter opens on a phone, prints or attaches to an e-mail, drawn
from templates/report.html.j2. No script, no request: CSS inline (allowed by its hash in a strict
Content-Security-Policy).

Every string from a page, a claims file or an archive is escaped by Jinja2's autoescaping and cleaned of
control and bidi characters (escape.clean) on its way out; only http(s) URLs ever become links.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from civicheck.escape import clean
from civicheck.render.common import outage_lines, short_ref, shown_verdict, summary_line
from civicheck.report import VERDICTS, expected_verdict, reported_verdict, summary_counts


@cache
def _environment() -> Any:
    from jinja2 import ChainableUndefined, Environment, PackageLoader
    from markupsafe import Markup

    def finalize(value: Any) -> Any:
        # Every {{ value }} passes here before it is escaped: a string from anywhere loses its control, bidi and
        # invisible characters, so no page text can reorder or hide what is around it. Our own markup is kept.
        if isinstance(value, Markup):
            return value
        return clean(value) if isinstance(value, str) else value

    env = Environment(
        loader=PackageLoader("civicheck", "templates"),
        autoescape=True,
        finalize=finalize,
        undefined=ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        href=safe_href, marked=marked, ref=short_ref, shown_url=_shown_url, verdict_class=_verdict_class
    )
    return env


@cache
def _css() -> tuple[str, str]:
    """The style sheet and its CSP source ('sha256-…'): the only inline content the page allows."""
    from importlib import resources

    css = resources.files("civicheck").joinpath("templates", "report.css").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    return css, f"'sha256-{digest}'"


def content_security_policy() -> str:
    """Nothing may load or run: no script, frame, form, font, image or connection; only our own style sheet."""
    _, style = _css()
    return (
        f"default-src 'none'; style-src {style}; img-src 'none'; script-src 'none'; base-uri 'none'; "
        "form-action 'none'"
    )


def safe_href(url: Any) -> str | None:
    """The URL when it is an absolute http(s) URL that can be a link, else None (shown as text): never a
    javascript:, data: or file: URL, nor one whose control or space characters a browser would drop."""
    if not isinstance(url, str) or url != url.strip() or clean(url) != url or any(c.isspace() for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def marked(hit: Mapping[str, Any]) -> Any:
    """A hit's excerpt with the words that decided it in <mark>; each part cleaned and escaped."""
    from markupsafe import Markup, escape

    excerpt = str(hit.get("excerpt") or "")
    start, end = (list(hit.get("mark") or []) + [0, 0])[:2]
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(excerpt)):
        start = end = 0
    before, match, after = excerpt[:start], excerpt[start:end], excerpt[end:]
    if not match.strip():
        return escape(clean(excerpt))
    # clean() trims, so keep the spaces around the match by hand.
    gap_before = " " if before[-1:].isspace() else ""
    gap_after = " " if after[:1].isspace() else ""
    return Markup(
        f"{escape(clean(before))}{gap_before}<mark>{escape(clean(match))}</mark>{gap_after}"
        f"{escape(clean(after))}"
    )


def _shown_url(url: Any) -> str:
    from civicheck.hosts import shown_url

    return shown_url(str(url or ""))


def _verdict_class(verdict: Any) -> str:
    """A CSS class from our fixed list, whatever a merged report holds."""
    return f"v-{verdict}" if verdict in VERDICTS else "v-other"


# --- the view the template reads ----------------------------------------------------------------------------


def _changes_view(changes: Any) -> dict[str, Any] | None:
    """The changes (a changes.Changes, or the dict a JSON report keeps) with every drift hunk as segments."""
    if changes is None:
        return None
    if hasattr(changes, "as_dict"):
        view = changes.as_dict()
        for drift, original in zip(view["drift"], changes.drift, strict=True):
            drift["hunks"] = [
                {"segments": [list(s) for s in h.segments], "leading": h.leading, "trailing": h.trailing}
                for h in original.hunks
            ]
        return view
    if not isinstance(changes, Mapping):
        return None
    view = {
        key: list(changes.get(key) or [])
        for key in ("verdicts", "pending", "undone", "outcomes", "drift", "added", "removed")
    }
    view["old_started_at"] = changes.get("old_started_at")
    view["drift"] = [
        dict(
            d,
            hunks=[
                {"segments": [["=", str(h)]], "leading": False, "trailing": False}
                for h in d.get("hunks") or []
            ],
        )
        for d in view["drift"]
        if isinstance(d, Mapping)
    ]
    return view


def _claim_changes(view: dict[str, Any] | None, claim_id: str) -> dict[str, Any]:
    if not view:
        return {}
    return {
        "verdict": next((v for v in view["verdicts"] if v.get("claim_id") == claim_id), None),
        "pending": next((v for v in view["pending"] if v.get("claim_id") == claim_id), None),
        "outcomes": [o for o in view["outcomes"] if o.get("claim_id") == claim_id],
        "drift": [d for d in view["drift"] if claim_id in (d.get("claim_ids") or ())],
        "new": claim_id in view["added"],
    }


def _counts(report: Mapping[str, Any]) -> dict[str, int]:
    claims = report["claims"]
    counts = summary_counts([reported_verdict(c) for c in claims])
    counts["unexpected"] = sum(reported_verdict(c) != expected_verdict(c) for c in claims)
    return counts


def _snapshots(check: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The check's copies: captures a reader can open first, then the WARC records."""
    snaps = [s for s in (check.get("evidence") or {}).get("snapshots") or [] if isinstance(s, Mapping)]
    return sorted(snaps, key=lambda s: s.get("kind") == "warc")


def render(report: Mapping[str, Any], *, changes: Any = None, charts: Mapping[str, Any] | None = None) -> str:
    """The report as one HTML document. `changes`: what changed since the last run (changes.Changes or its
    dict); `charts`: availability.Chart per URL, drawn for the checks citing that URL."""
    if changes is None and isinstance(report.get("changes"), Mapping):
        changes = report["changes"]  # a JSON report rendered again keeps what changed
    view = _changes_view(changes)
    claims = []
    for n, claim in enumerate(report["claims"], 1):
        checks = claim.get("checks") or []
        index = claim.get("deciding") or 0
        deciding = checks[index] if 0 <= index < len(checks) else (checks[0] if checks else None)
        claims.append(
            {
                "anchor": f"claim-{n}",
                "data": claim,
                "reported": reported_verdict(claim),
                "shown": shown_verdict(claim),
                "unexpected": reported_verdict(claim) != expected_verdict(claim),
                "deciding": deciding,
                "others": [c for c in checks if c is not deciding],
                "changes": _claim_changes(view, claim["id"]),
            }
        )
    from markupsafe import Markup

    css, _ = _css()
    warcs = report.get("warcs") or ([report["warc"]] if report.get("warc") else [])
    page = (
        _environment()
        .get_template("report.html.j2")
        .render(
            report=report,
            claims=claims,
            counts=_counts(report),
            changes=view,
            charts=charts or {},
            summary=summary_line(report, changes if hasattr(changes, "as_dict") else None),
            outages=outage_lines(report),
            warcs=warcs,
            css=Markup(css),
            csp=content_security_policy(),
            snapshots=_snapshots,
            attention=[c for c in claims if c["unexpected"] or c["changes"].get("verdict")],
        )
    )
    return page.lstrip() + ("" if page.endswith("\n") else "\n")
