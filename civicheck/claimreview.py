"""schema.org ClaimReview JSON-LD for each claim of a JSON report, so a newsroom can publish its verdicts as data.

Follows Google's fact-check (ClaimReview) guidance: claimReviewed, reviewRating with a required textual rating
(alternateName) and an optional numeric one, itemReviewed as a Claim with its author, date and appearances.
"""

from __future__ import annotations

import re
from typing import Any

from civicheck.report import INVISIBLE, to_json

# Our verdicts on a 1 (false) .. 5 (true) scale, higher meaning truer as schema.org and Google expect.
# The textual ratings are our own words, not "True"/"False": a verdict says what the cited evidence showed
# when checked, which is narrower than a judgement of the claim's truth.
# `unverified` gets a textual rating only (Google allows a text without a number, never a number without a
# text): "nothing could be decided" is not a point between true and false, and a middle number would say it is.
RATINGS: dict[str, tuple[int | None, str]] = {
    "supported": (5, "Supported"),
    "refuted": (1, "Refuted"),
    "unverified": (None, "Unverified"),
}
BEST_RATING, WORST_RATING = 5, 1

# Words that make `said_by` a person's role ("Head of the labour agency", "Wali Kota Cilegon") rather than an
# organisation ("Pemerintah Kota Cilegon"); the claims file has no field saying which it is.
_PERSON_WORDS = re.compile(
    r"^(mr|mrs|ms|dr|prof|head|chief|mayor|deputy|vice|minister|secretary|governor|president|director|spokes\w*"
    r"|regent|chair\w*|wali\s*kota|walikota|wakil|bupati|gubernur|menteri|kepala|kadis|sekda|camat|lurah|bapak"
    r"|ibu|pak|bu|juru\s*bicara|direktur|presiden|ketua)\b",
    re.IGNORECASE,
)


def to_claimreview(report: dict[str, Any], *, publisher: dict[str, Any] | None = None,
                   url: str | None = None) -> list[dict[str, Any]]:
    """One ClaimReview per claim of `report` (a JSON report), on the reported (damped) verdict.

    publisher: the organisation publishing the fact check, e.g. {"name": "Banten News", "url": "https://…"};
    it becomes the ClaimReview's author. url: where the fact check is published, "{id}" replaced by the claim
    id (e.g. "https://news.example/factcheck#{id}"); Google requires it on published pages, so give it there.
    The copies of the evidence (Wayback, pywb) are cited with schema.org `archivedAt`, not put in `url`:
    `url` must name the page hosting the fact check, not the evidence.
    """
    date = (report.get("started_at") or "")[:10] or None
    return [_review(claim, date, publisher, url) for claim in report["claims"]]


def _review(claim: dict[str, Any], date: str | None, publisher: dict[str, Any] | None,
            url: str | None) -> dict[str, Any]:
    verdict = claim.get("reported_verdict") or claim["verdict"]
    value, text = RATINGS[verdict]
    rating: dict[str, Any] = {"@type": "Rating", "alternateName": text}
    if value is not None:
        rating.update(ratingValue=value, bestRating=BEST_RATING, worstRating=WORST_RATING)
    if claim.get("reason"):
        rating["ratingExplanation"] = claim["reason"]
    review: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "claimReviewed": claim["claim"],
        "reviewRating": rating,
        "itemReviewed": _item(claim),
    }
    if date:
        review["datePublished"] = date
    if publisher:
        review["author"] = {"@type": "Organization", **publisher}
    if url:
        review["url"] = url.replace("{id}", claim["id"])
    citations = _citations(claim)
    if citations:
        review["citation"] = citations
    return review


def _item(claim: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {"@type": "Claim"}
    if claim.get("said_by"):
        item["author"] = {"@type": author_type(claim["said_by"]), "name": claim["said_by"]}
    if claim.get("said_on"):
        item["datePublished"] = claim["said_on"]
    if claim.get("sources"):
        item["appearance"] = [{"@type": "CreativeWork", "url": source} for source in claim["sources"]]
    return item


def author_type(said_by: str) -> str:
    """"Person" when `said_by` starts with a title or role, else "Organization" (a heuristic: see _PERSON_WORDS)."""
    return "Person" if _PERSON_WORDS.match(said_by.strip()) else "Organization"


def _citations(claim: dict[str, Any]) -> list[dict[str, Any]]:
    """Each cited URL once, as a WebPage with the public copies of it (archivedAt) when there are any."""
    pages: dict[str, dict[str, Any]] = {}
    for check in claim.get("checks", []):
        page = pages.setdefault(check["url"], {"@type": "WebPage", "url": check["url"]})
        for snap in (check.get("evidence") or {}).get("snapshots") or []:
            # A local WARC file is not something a reader can open: only public (http) copies are cited.
            link = snap.get("url") or snap.get("ref")
            if isinstance(link, str) and link[:8].lower().startswith(("http://", "https://")):
                archived = page.setdefault("archivedAt", [])
                if link not in archived:
                    archived.append(link)
    return list(pages.values())


# Inside <script type="application/ld+json"> a literal "</script>" or "<!--" from a claim or a page would end
# the script early; \u escapes mean the same to a JSON parser and nothing to an HTML one.
_SCRIPT_UNSAFE = re.compile(rf"[<>&\x7f-\x9f{INVISIBLE}\ud800-\udfff]")


def render_claimreview(report: dict[str, Any], *, publisher: dict[str, Any] | None = None,
                       url: str | None = None) -> str:
    """The ClaimReviews as a JSON array, safe to paste inside a <script type="application/ld+json"> element."""
    return to_json(to_claimreview(report, publisher=publisher, url=url), _SCRIPT_UNSAFE)
