"""Getting the articles to draft from: fetched like `verify` fetches (the same Fetcher, canary and WARC),
replayed from a WARC, or read from a saved HTML or PDF file.

A page that cannot be read as the article (a 404, a DNS failure, a bot wall, a "not found" page) is a
failure with the reason `verify` would give; nothing is drafted from it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from civicheck.clock import now_utc
from civicheck.draft.article import Article, article_from
from civicheck.errors import UsageProblem
from civicheck.fetch import FetchResult

DEFAULT_TIMEOUT = 30.0  # seconds: one article, fetched once; as patient as a slow news site needs
_CANONICAL = re.compile(
    r"<link\b[^>]*\brel=[\"']?canonical[\"']?[^>]*>|<meta\b[^>]*\bproperty=[\"']og:url[\"'][^>]*>", re.I
)
_HREF = re.compile(r"\b(?:href|content)=[\"']([^\"']+)[\"']", re.I)
_TYPES = {
    ".pdf": "application/pdf",
    ".html": "text/html",
    ".htm": "text/html",
    ".xhtml": "application/xhtml+xml",
    ".txt": "text/plain",
}


@dataclass
class Obtained:
    articles: list[Article]
    failures: list[str]  # "URL: why it cannot be drafted from", in the order given
    network: str | None = None  # the canary's answer, when it was asked


def is_local(target: str) -> bool:
    """A saved file rather than an address."""
    return not re.match(r"(?i)^[a-z][a-z0-9+.-]*://", target)


def local_result(path: Path, url: str | None) -> FetchResult:
    """A saved page as if fetched from where it was published: `url`, else the address the page names as its
    own (<link rel="canonical">, og:url). UsageProblem when neither says where the article lives."""
    from civicheck.claims import url_problem

    try:
        body = path.read_bytes()
    except OSError as exc:
        raise UsageProblem(f"{path}: cannot read: {exc.strerror}") from exc
    content_type = _TYPES.get(path.suffix.lower(), "")
    cited = url or _own_address(body)
    if not cited:
        raise UsageProblem(
            f"{path}: a saved file does not say where the article is published, and the checks must "
            "cite that address: give it with --url https://…"
        )
    if problem := url_problem(cited):
        raise UsageProblem(f"{path}: {problem}")
    headers = [("Content-Type", content_type)] if content_type else []
    return FetchResult(
        cited,
        cited,
        200,
        "OK",
        None,
        f"read from {path}",
        now_utc(),
        headers=headers,
        body=body,
        raw_body=body,
    )


def _own_address(body: bytes) -> str | None:
    head = body[:200_000].decode("utf-8", "replace")
    for tag in _CANONICAL.findall(head):
        found = _HREF.search(tag)
        if found and found.group(1).startswith(("http://", "https://")):
            return found.group(1).strip()
    return None


def obtain(
    targets: Sequence[str],
    fetcher: Any,
    online: Callable[[], tuple[bool, str]],
    *,
    url: str | None = None,
    on_result: Callable[[FetchResult], object] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Obtained:
    """Fetch (or read) every target and make an Article of each; the reasons for those that fail.

    `fetcher`: a Fetcher or a WarcReplay (anything with fetch_all). `online`: asked, at most once, before a
    DNS failure, a refusal or a timeout may count against a site (the canary). `on_result` sees every
    fetch (the WARC writer). `url`: the address a single saved file was published at.
    """
    from civicheck.checks import PASS, Context, reachability
    from civicheck.extract import extract
    from civicheck.soft404 import assess

    results: dict[str, FetchResult] = {}
    remote = [t for t in targets if not is_local(t)]
    if remote:
        results.update(fetcher.fetch_all([(t, timeout) for t in remote], on_result=on_result))
    for target in targets:
        if is_local(target):
            results[target] = local_result(Path(target), url)
    asked: list[str] = []

    def ask() -> tuple[bool, str]:
        answer = online()
        asked.append(answer[1])
        return answer

    ctx = Context(results, ask)
    out = Obtained([], [])
    for target in targets:
        result = results[target]
        document = extract(result) if result.status is not None else None
        if result.status is not None:
            ctx.assessments[target] = assess(result, document)  # a bot wall answers 403 as often as 200
        outcome, reason = reachability(result, ctx)
        if outcome != PASS:
            out.failures.append(f"{_name(target, result)}: {reason}")
            continue
        if document is None or document.problem or not document.text.strip():
            why = document.problem if document is not None and document.problem else "the page shows no text"
            out.failures.append(f"{_name(target, result)}: no text to draft from: {why}")
            continue
        out.articles.append(article_from(result, document, url=result.url))
    out.network = asked[0] if asked else None
    return out


def _name(target: str, result: FetchResult) -> str:
    return target if not is_local(target) else f"{target} ({result.url})"
