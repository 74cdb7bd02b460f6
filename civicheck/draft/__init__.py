"""`civicheck draft`: a news article becomes a claims file a reporter edits instead of a blank page.

Quotations with their speakers, numbers with their subject, links and named sites, and the article's own
publication facts, ranked most checkable first. Deterministic rules over word lists: no model, no service.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from civicheck.draft.article import Article, article_from
from civicheck.draft.drafts import DraftClaim, findings, ranked
from civicheck.draft.writer import assign_ids, render, validate

__all__ = ["Article", "Draft", "DraftClaim", "article_from", "draft"]


@dataclass
class Draft:
    text: str  # the claims file
    claims: list[DraftClaim]
    ids: list[str]
    notes: list[str] = field(default_factory=list)  # for the reporter, on standard error
    counts: dict[str, int] = field(default_factory=dict)  # drafted claims per kind


def draft(
    articles: list[Article],
    *,
    taken_ids: set[str] | frozenset[str] = frozenset(),
    max_claims: int | None = None,
) -> Draft:
    """Draft the claims of `articles`, ranked, at most `max_claims`, with ids unlike any of `taken_ids`.
    The text passes `civicheck lint` (DraftError otherwise: a bug)."""
    claims: list[DraftClaim] = []
    notes: list[str] = []
    for index, article in enumerate(articles):
        found = findings(article, index)
        claims += found.claims
        if found.only_publication:
            notes.append(
                f"{article.url}: no quotations or links found in the article: drafted its publication "
                "facts only"
            )
        if found.left_out:
            n = len(found.left_out)
            notes.append(
                f"{article.url}: left out {n} passage{'s' if n != 1 else ''} the quote matcher would not "
                "find again on the page as written"
            )
    chosen = ranked(claims, max_claims)
    if len(chosen) < len(claims):
        notes.append(f"--max {max_claims}: left out the {len(claims) - len(chosen)} least checkable claims")
    ids = assign_ids(chosen, set(taken_ids))
    text = render(chosen, ids, _header(articles))
    validate(text, set(taken_ids))
    counts: dict[str, int] = {}
    for claim in chosen:
        counts[claim.kind] = counts.get(claim.kind, 0) + 1
    return Draft(text, chosen, ids, notes, counts)


def _header(articles: list[Article]) -> list[str]:
    from civicheck.draft.text import shorten

    n = len(articles)
    lines = [
        f"Claims drafted by civicheck from {n} article{'s' if n != 1 else ''}, most checkable first. Keep what is",
        "worth checking, fill in `expect:` (the verdict you expect), then run `civicheck lint`.",
        "",
    ]
    for article in articles:
        title = shorten(article.title, 100) if article.title else "(no title)"
        date = f", published {article.published[:10]}" if article.published else ""
        lines.append(f"{title}: {article.url}{date}")
    return lines
