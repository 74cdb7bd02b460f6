"""Notifications (--notify URL): what a run changed — verdicts flipped, claims no longer as published, pages whose
text changed — sent through Apprise (e-mail, Slack, Telegram, Matrix, Discord, webhooks …) when there is news.

Notify URLs carry secrets (bot tokens, webhook paths, passwords): they are shown only with those parts masked,
and never written to a report or the history.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from civicheck.errors import UsageProblem

TIMEOUT = 30.0  # seconds for every notification of a run together: a hung chat service must not hold CI
_PIECES = re.compile(r"[/:@?&=#,;+]+")
_SECRET_MIN = (
    4  # shorter pieces ("to", "no", a port) are names or flags, and masking them would garble messages
)


@dataclass(frozen=True)
class Message:
    title: str
    body: str  # markdown


# --- what to say ----------------------------------------------------------------------------------------------


def news(report: dict[str, Any], changes: Any) -> Message | None:
    """The message for this run, or None when there is nothing to say.

    With history (`changes` from the previous run), news is what this run saw differently from the last one: a
    verdict that flipped (reported at once, or held back by --confirm: then the message says it is pending),
    a change seen last night that did not hold, claims no longer as published, new claims, and content drift.
    Each flip is announced once, the night it is first seen: the run that later confirms it sends nothing, so
    a desk is told the first morning, not a night later, and never twice. Without history (a first run,
    --no-history): the claims not as published, since nothing tells which of them are new.
    """
    from civicheck.escape import md
    from civicheck.render.common import summary_line
    from civicheck.report import expected_verdict, reported_verdict

    claims = report["claims"]
    drift = list(changes.drift) if changes is not None else []
    if changes is None:
        flipped, pending, undone = [], [], []
        unpublished = [c for c in claims if reported_verdict(c) != expected_verdict(c)]
    else:
        # A flip is a change of what this run itself said (the raw verdict). A reported change whose raw
        # verdict did not change is the confirmation of a flip announced when it was first seen.
        seen = [
            v
            for v in [*changes.verdicts, *changes.pending]
            if v.old_raw is not None and v.old_raw != v.new_raw
        ]
        flipped = [v for v in seen if v.old != v.new]
        pending = [v for v in seen if v.old == v.new]
        undone = list(changes.undone)
        fresh = {v.claim_id for v in flipped} | set(changes.added)
        unpublished = [c for c in claims if c["id"] in fresh and reported_verdict(c) != expected_verdict(c)]
    if not (flipped or pending or undone or drift or unpublished):
        return None
    parts = []
    if flipped:
        parts.append(_count(len(flipped), "verdict") + " changed")
    if pending:
        parts.append(_count(len(pending), "verdict change") + " pending confirmation")
    if undone:
        parts.append(_count(len(undone), "change") + " seen last run did not hold")
    if unpublished:
        parts.append(_count(len(unpublished), "claim") + " no longer as published")
    if drift:
        parts.append(_count(len(drift), "page") + " changed")
    body = [f"**civicheck:** {md(summary_line(report, changes))}", ""]
    if unpublished:
        body += ["Claims no longer as published:", ""]
        body += [
            f"- {md(c['id'])}: **{md(reported_verdict(c))}**, published as {md(expected_verdict(c))}: {md(c['claim'])}"
            for c in unpublished
        ]
        body.append("")
    if changes:
        from civicheck.render.changes import render_markdown

        body.append(render_markdown(changes).rstrip())
    return Message("civicheck: " + ", ".join(parts), "\n".join(body).rstrip() + "\n")


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


# --- secrets in URLs ------------------------------------------------------------------------------------------


def shown(url: str) -> str:
    """A notify URL fit to print: Apprise's own masking of the service's tokens and passwords, the path and
    query left out (a webhook's path is often its secret): "json://127.0.0.1:8080/…", "tgram://1...Z/…"."""
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]{0,31}", scheme):
        return "(a notify URL that is not a URL)"
    netloc = "…"
    plugin = _instantiate(url)
    if plugin is not None:
        try:
            netloc = urlsplit(plugin.url(privacy=True)).netloc or "…"
        except Exception:  # noqa: BLE001 - a plugin's own formatting failing must not leak the raw URL
            netloc = "…"
    rest = url.split("://", 1)[1]
    has_path = bool(re.search(r"[/?#]", rest.split("@", 1)[-1]))
    return f"{scheme.lower()}://{netloc}{'/…' if has_path else ''}"


def secrets(url: str) -> list[str]:
    """The pieces of `url` that `shown(url)` does not show (tokens, passwords, webhook paths, query values), in
    their written and %-decoded forms, longest first: what redact() masks in any message."""
    visible = set(_PIECES.split(shown(url).split("://", 1)[-1]))
    pieces = _PIECES.split(url.split("://", 1)[-1])
    found = {
        p for piece in pieces for p in (piece, unquote(piece)) if len(p) >= _SECRET_MIN and p not in visible
    }
    return sorted(found, key=len, reverse=True)


def redact(text: str, urls: Iterable[str]) -> str:
    """`text` with every secret of every URL masked, and each whole URL replaced by its shown() form."""
    for url in sorted(urls, key=len, reverse=True):
        text = text.replace(url, shown(url))
    for url in urls:
        for secret in secrets(url):
            text = text.replace(secret, "****")
    return text


# --- sending ----------------------------------------------------------------------------------------------------


def _instantiate(url: str) -> Any:
    import apprise

    _quiet_apprise()
    try:
        return apprise.Apprise.instantiate(url)
    except Exception:  # noqa: BLE001 - a malformed URL is reported by the caller, without its text
        return None


def _quiet_apprise() -> None:
    """Apprise logs through the "apprise" logger; with no handler, Python would print its warnings (which may
    quote a URL in full) on stderr. Ours are captured and redacted instead."""
    import logging

    logger = logging.getLogger("apprise")
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())


def check_urls(urls: Sequence[str]) -> None:
    """Refuse (UsageProblem, URL masked) a notify URL that Apprise cannot use, before anything is fetched."""
    for url in urls:
        if _instantiate(url) is None:
            raise UsageProblem(
                f"{shown(url)} is not a notification URL Apprise understands (see "
                "https://github.com/caronc/apprise/wiki for each service's form)"
            )


def send(message: Message, urls: Sequence[str], timeout: float = TIMEOUT) -> list[str]:
    """Send `message` to every URL; a sentence per failure (secrets masked), [] when all were delivered.
    Never raises: a notification is a courtesy, it never decides a run."""
    import logging

    import apprise

    _quiet_apprise()
    failures = []
    for url in urls:
        try:
            with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as log:
                sender = apprise.Apprise()
                if not sender.add(url):
                    failures.append(f"{shown(url)}: not a notification URL Apprise understands")
                    continue
                delivered = bool(
                    sender.notify(
                        body=message.body,
                        title=message.title,
                        body_format=apprise.NotifyFormat.MARKDOWN,
                        timeout=timeout,
                    )
                )
                said = log.getvalue()
        except Exception as exc:  # noqa: BLE001
            delivered, said = False, f"{type(exc).__name__}: {exc}"
        if not delivered:
            why = "; ".join(line.strip() for line in said.splitlines() if line.strip())[:500]
            failures.append(redact(f"{shown(url)}: {why or 'the service did not accept it'}", urls))
    return failures
