"""Drafted claims: what each finding in an article becomes, how checkable it is, and the order they come in.

Every quote and number text is searched for on the page exactly as `verify` will search it (match.find_quote
over the page's passages) before it is drafted: a text the matcher would not find again is left out, so the
drafted file is supported by the article it came from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from civicheck.draft.article import Article
from civicheck.draft.numbers import AMOUNT, COUNT, DATE, SHARE, TIME, YEAR, NumberSpan, number_spans
from civicheck.draft.quotes import Quotation, find_quotations
from civicheck.draft.sites import Mention, audit_roots, by_site, is_government, mentions
from civicheck.draft.text import sentence_spans, shorten
from civicheck.draft.vocabulary import OFFICIAL_TITLES, ORGANISATIONS

QUOTE, NUMBER, SITE, AUDIT, ARTICLE = "quote", "number", "site", "audit", "article"
_NUMBER_WEIGHT = {AMOUNT: 18, SHARE: 16, COUNT: 12, YEAR: 8, DATE: 4, TIME: 0}
_MAX_NUMBER_CHECKS = 3  # per sentence: its most telling numbers
_SHOWN_MENTIONS = 5  # mentions named in a site claim's comment
_COMMENT = 200  # characters of source text shown above a claim


@dataclass
class DraftClaim:
    kind: str  # QUOTE, NUMBER, SITE, AUDIT or ARTICLE
    claim: str
    checks: list[tuple[str, Any]]  # (check kind, a URL or a mapping of options), as written in YAML
    id_words: str  # what the claim's id is made from
    comments: list[str] = field(default_factory=list)  # lines written above the claim
    said_by: str | None = None
    said_on: str | None = None
    sources: list[str] = field(default_factory=list)
    score: float = 0.0  # higher: more checkable, drafted first
    position: tuple[int, int, int] = (0, 0, 0)  # article, paragraph, offset: ties keep the article's order


@dataclass
class Findings:
    """What one article yielded, before ranking."""

    claims: list[DraftClaim]
    quotations: int = 0
    left_out: list[str] = field(default_factory=list)  # texts the matcher would not find again on the page
    only_publication: bool = False  # no quotation and no link: publication facts only


def findings(article: Article, index: int = 0) -> Findings:
    """Every claim drafted from one article (unranked)."""
    said_on = (article.published or "")[:10] or None
    quotations = find_quotations(article.paragraphs)
    found_sites = mentions(article)
    result = Findings([], quotations=len(quotations))
    if quotations or found_sites:
        result.claims += _quote_claims(article, quotations, index, result)
        result.claims += _number_claims(article, quotations, index, result)
        result.claims += _site_claims(article, found_sites, index)
    else:
        result.only_publication = True
    result.claims.append(_article_claim(article, index))
    for claim in result.claims:
        claim.said_on = said_on
        claim.sources = [article.url]
    return result


def ranked(claims: list[DraftClaim], max_claims: int | None = None) -> list[DraftClaim]:
    """Most checkable first (a named official's quotation with a number before a vague sentence); ties in
    the order of the articles; at most `max_claims`."""
    ordered = sorted(claims, key=lambda c: (-c.score, c.position))
    return ordered[:max_claims] if max_claims is not None else ordered


# --- quotations ---------------------------------------------------------------------------------------------


def _quote_claims(
    article: Article, quotations: list[Quotation], index: int, result: Findings
) -> list[DraftClaim]:
    out = []
    for q in quotations:
        where = _found_at(article, q.text)
        if where is None:
            result.left_out.append(q.text)
            continue
        context = article.paragraphs[q.paragraph][q.context[0] : q.context[1]]
        comments = [f"{where}: {shorten(context, _COMMENT)}"]
        if q.how == "carried":
            back = (
                ""
                if q.named_in is None or q.named_in == q.paragraph
                else f" ({_paragraphs_back(q.paragraph - q.named_in)})"
            )
            comments.append(
                f"said_by carried over: this sentence names no one (he, she, -nya); {q.speaker} is the "
                f"last person named speaking{back}: check it"
            )
        elif q.how == "continued":
            comments.append(
                f"said_by: no attribution; it carries on from {q.speaker}'s quotation or statement "
                "just before: check it"
            )
        elif q.speaker is None:
            comments.append("said_by left out: the article does not make clear who said this")
        words = len(q.text.split())
        score = 50 + min(words, 30) / 6
        score += 20 if q.how == "named" else 12 if q.speaker else 0
        score += 10 if q.official else 0
        score += 8 if any(ch.isdigit() for ch in q.text) else 0
        score -= 15 if words < 4 else 0
        speaker = " ".join((q.speaker or "").split()[-2:])
        out.append(
            DraftClaim(
                QUOTE,
                shorten(q.text, 400),
                [("quote", {"url": article.url, "text": q.text})],
                f"quote {speaker} {' '.join(q.text.split()[:4])}",
                comments,
                q.speaker,
                score=score,
                position=(index, q.paragraph, q.start),
            )
        )
    return out


def _paragraphs_back(n: int) -> str:
    return "the paragraph before" if n == 1 else f"{n} paragraphs before"


# --- numbers ------------------------------------------------------------------------------------------------


def _number_claims(
    article: Article, quotations: list[Quotation], index: int, result: Findings
) -> list[DraftClaim]:
    out = []
    for p, text in enumerate(article.paragraphs):
        quoted = [(q.start - 1, q.end + 1) for q in quotations if q.paragraph == p]
        for sentence in sentence_spans(text, quoted):
            if not _statement(text[sentence.start : sentence.end]):
                continue
            spans = number_spans(text, sentence.start, sentence.end, quoted)
            kept: list[NumberSpan] = []
            where = None
            for span in sorted(spans, key=lambda s: -_NUMBER_WEIGHT[s.kind]):
                if len(kept) == _MAX_NUMBER_CHECKS or any(span.text == k.text for k in kept):
                    continue
                found = _found_at(article, span.text)
                if found is None:
                    result.left_out.append(span.text)
                    continue
                kept.append(span)
                where = where or found
            if not kept:
                continue
            kept.sort(key=lambda s: s.start)
            sentence_text = text[sentence.start : sentence.end]
            lowered = {w.strip(".,;:()\"'").lower() for w in sentence_text.split()}
            score = 30 + max(_NUMBER_WEIGHT[s.kind] for s in kept) + 2 * min(len(kept) - 1, 2)
            score += 6 if lowered & (OFFICIAL_TITLES | ORGANISATIONS) else 0
            checks = [("quote", {"url": article.url, "text": s.text}) for s in kept]
            comments = [f"{where}: {shorten(sentence_text, _COMMENT)}"]
            out.append(
                DraftClaim(
                    NUMBER,
                    shorten(sentence_text, 400),
                    checks,
                    f"number {kept[0].text}",
                    comments,
                    score=score,
                    position=(index, p, sentence.start),
                )
            )
    return out


def _statement(sentence: str) -> bool:
    """A sentence that states something, not a dateline or byline ("Selasa, 16 Februari 2016 | 14:38 WIB")."""
    return len(sentence.split()) >= 5 and " | " not in sentence


# --- links and sites ----------------------------------------------------------------------------------------


def _site_claims(article: Article, found: list[Mention], index: int) -> list[DraftClaim]:
    out = []
    for site, group in by_site(found).items():
        government = is_government(site)
        shown = [f"{_where(m)}: {_quoted(m.text)} → {m.url}" for m in group[:_SHOWN_MENTIONS]]
        if len(group) > _SHOWN_MENTIONS:
            shown.append(f"… and {len(group) - _SHOWN_MENTIONS} more")
        pages = "page" if len(group) == 1 else f"{len(group)} pages"
        claim = f"The {pages} on {site} that the article links to or names {'is' if len(group) == 1 else 'are'} online"
        first = min((m.paragraph for m in group if m.paragraph is not None), default=0)
        own = site == article.site
        score = 44 if government else 12 if own else 22
        out.append(
            DraftClaim(
                SITE,
                claim,
                [("live", m.url) for m in group],
                f"site {site}",
                shown,
                score=score,
                position=(index, first, 0),
            )
        )
    for root in audit_roots(found):
        host = root.split("://", 1)[1].rstrip("/")
        comments = [
            f"{host} is a government site the article names: a links audit of its front page (its links "
            'to itself and its subdomains, where agencies live); narrow it with select: "#menu a"'
        ]
        out.append(
            DraftClaim(
                AUDIT,
                f"Every link on the front page of {host} to its own site works",
                [("links", {"url": root, "same_site": True, "max_broken": 0})],
                f"audit {host}",
                comments,
                score=42,
                position=(index, 0, 1),
            )
        )
    return out


def _where(mention: Mention) -> str:
    where = f"paragraph {mention.paragraph + 1}" if mention.paragraph is not None else "the article"
    return f"{where}, written out" if mention.written else f"{where}, a link"


def _quoted(text: str) -> str:
    return f'"{shorten(text, 60)}"' if text else "(a link without words)"


# --- publication facts --------------------------------------------------------------------------------------


def _article_claim(article: Article, index: int) -> DraftClaim:
    checks: list[tuple[str, Any]] = []
    comments = []
    title = next((t for t in _title_candidates(article.title) if _found_at(article, t) is not None), None)
    if article.title and title is None:
        comments.append("the title is not in the page's visible text, so it is not checked as a quote")
    if title:
        checks.append(("quote", {"url": article.url, "text": title}))
    published = (article.published or "")[:10]
    if published:
        day = dt.date.fromisoformat(published)
        # A day either side: the page may give its date in another time zone than the one htmldate reads.
        checks.append(
            (
                "published",
                {
                    "url": article.url,
                    "after": (day - dt.timedelta(days=1)).isoformat(),
                    "before": (day + dt.timedelta(days=1)).isoformat(),
                },
            )
        )
        comments.insert(
            0, f"the article's own facts: its title, and its date ({published}) give or take a day"
        )
    else:
        comments.insert(0, "the article's own facts: no publication date was found on the page")
    if not checks:
        checks.append(("live", article.url))
    name = f'"{shorten(title or article.title, 120)}"' if article.title else article.url
    claim = (
        f"The article {name} was published on {published}" if published else f"The article {name} is online"
    )
    return DraftClaim(
        ARTICLE,
        claim,
        checks,
        f"article {' '.join((article.title or article.site).split()[:5])}",
        comments,
        score=35,
        position=(index, 0, 2),
    )


_TITLE_SEPARATORS = (" - ", " | ", " – ", " — ", " :: ", " » ")


def _title_candidates(title: str | None) -> list[str]:
    """The title as given, then without the site's name ("… - Kompas.com"): the headline on the page."""
    if not title:
        return []
    out = [title]
    for separator in _TITLE_SEPARATORS:
        if separator in title:
            parts = [p.strip() for p in title.split(separator) if p.strip()]
            out.append(max(parts, key=len))
            out.append(separator.join(parts[:-1]))
    return [t for t in dict.fromkeys(out) if len(t.split()) >= 2]


# --- the check verify will make -----------------------------------------------------------------------------


def _found_at(article: Article, text: str) -> str | None:
    """Where `verify` would find `text` on the page ("paragraph 4 of the article"), or None if it would not."""
    if article.document is None:
        return "the article"
    from civicheck.match import find_quote

    passages, in_article, _ = article.document.passages("page")
    found = find_quote(text, passages, article=in_article)
    if not found.passed or not found.hits:
        return None
    return found.hits[0].label
