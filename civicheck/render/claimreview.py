"""schema.org ClaimReview JSON-LD for each claim of a JSON report, so a newsroom can publish its verdicts as data.

Follows Google's fact-check (ClaimReview) guidance: claimReviewed, reviewRating with a required textual rating
(alternateName) and an optional numeric one, itemReviewed as a Claim with its author, date and appearances.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from civicheck.escape import SCRIPT_UNSAFE
from civicheck.render.json import to_json
from civicheck.report import REFUTED, SUPPORTED, UNVERIFIED, Verdict, reported_verdict

# Our verdicts on a 1 (false) .. 5 (true) scale, higher meaning truer as schema.org and Google expect.
# The textual ratings are our own words, not "True"/"False": a verdict says what the cited evidence showed
# when checked, which is narrower than a judgement of the claim's truth.
# `unverified` gets a textual rating only (Google allows a text without a number, never a number without a
# text): "nothing could be decided" is not a point between true and false, and a middle number would say it is.
RATINGS: dict[Verdict, tuple[int | None, str]] = {
    SUPPORTED: (5, "Supported"),
    REFUTED: (1, "Refuted"),
    UNVERIFIED: (None, "Unverified"),
}
BEST_RATING, WORST_RATING = 5, 1

# Google's fact-check guidelines (developers.google.com/search/docs/appearance/structured-data/factcheck)
# require claimReviewed, reviewRating (with alternateName) and url, and recommend author, datePublished and
# itemReviewed (a Claim with author, datePublished, appearance), and the rating's name and numbers. civicheck
# fills all of them but those below, which only the publisher or the claims file can give; each one a review
# lacks is named on standard error with what fills it.
REQUIRED = ("url",)
# What fills each property civicheck cannot fill alone.
FILLED_BY = {
    "url": "give --review-url with {id} (https://news.example/cek-fakta/{id}), or review_url: in the claim",
    "author": "give --publisher NAME (and --publisher-url URL)",
    "itemReviewed.author": "write who said it in the claim: said_by: {name: …, type: person|organization}",
    "itemReviewed.author.@type": "declare whether a person or an organization said it: "
    "said_by: {name: …, type: person|organization}",
    "itemReviewed.datePublished": "write when it was said in the claim: said_on: 2023-06-15",
    "itemReviewed.appearance": "cite where it was said in the claim: sources: [https://…]",
}
_SCHEMA_TYPES = {"person": "Person", "organization": "Organization"}


def to_claimreview(
    report: Mapping[str, Any], *, publisher: dict[str, Any] | None = None, url: str | None = None
) -> list[dict[str, Any]]:
    """One ClaimReview per claim of `report` (a JSON report), on the reported (damped) verdict.

    publisher: the organisation publishing the fact check, e.g. {"name": "Banten News", "url": "https://…"};
    it becomes the ClaimReview's author. url: where the fact check is published, "{id}" replaced by the claim
    id (e.g. "https://news.example/factcheck#{id}"); a claim's own `review_url` wins over it. Google requires
    it on published pages. The copies of the evidence (Wayback, pywb) are cited with schema.org `archivedAt`,
    not put in `url`: `url` must name the page hosting the fact check, not the evidence.
    """
    date = (report.get("started_at") or "")[:10] or None
    return [_review(claim, date, publisher, url) for claim in report["claims"]]


def _review(
    claim: dict[str, Any], date: str | None, publisher: dict[str, Any] | None, url: str | None
) -> dict[str, Any]:
    value, text = RATINGS[reported_verdict(claim)]
    rating: dict[str, Any] = {"@type": "Rating", "alternateName": text, "name": text}
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
    own = claim.get("review_url")
    if own:
        review["url"] = own
    elif url:
        review["url"] = url.replace("{id}", claim["id"])
    citations = _citations(claim)
    if citations:
        review["citation"] = citations
    return review


def _item(claim: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {"@type": "Claim"}
    if claim.get("said_by"):
        # A type only when the claims file declares one: a name alone does not say whether a person or an
        # organization spoke ("Yuddy Chrisnandi" is a person, "Bina Marga" a department), so none is guessed.
        declared = _SCHEMA_TYPES.get(claim.get("said_by_type") or "")
        item["author"] = (
            {"@type": declared, "name": claim["said_by"]} if declared else {"name": claim["said_by"]}
        )
    if claim.get("said_on"):
        item["datePublished"] = claim["said_on"]
    if claim.get("sources"):
        item["appearance"] = [{"@type": "CreativeWork", "url": source} for source in claim["sources"]]
    return item


@dataclass
class Gap:
    """A property Google lists that some reviews lack, and what would fill it."""

    prop: str
    required: bool
    claims: list[str] = field(default_factory=list)

    def message(self, total: int) -> str:
        which = (
            "every review"
            if len(self.claims) == total
            else (
                f"{len(self.claims)} of {total} reviews ("
                + ", ".join(self.claims[:5])
                + (f" and {len(self.claims) - 5} more" if len(self.claims) > 5 else "")
                + ")"
            )
        )
        need = "required" if self.required else "recommended"
        what = (
            "the type of itemReviewed.author (Person or Organization)"
            if self.prop.endswith("@type")
            else self.prop
        )
        return f"ClaimReview {what} ({need} by Google) is missing from {which}: {FILLED_BY[self.prop]}"


def gaps(report: dict[str, Any], reviews: list[dict[str, Any]]) -> list[Gap]:
    """The properties Google requires or recommends that the reviews lack, required first; a rating without
    a number (an unverified claim) is deliberate and not named."""
    found: dict[str, Gap] = {}
    for claim, review in zip(report["claims"], reviews, strict=True):
        item = review.get("itemReviewed") or {}
        lacking = []
        if not review.get("url"):
            lacking.append("url")
        if not review.get("author"):
            lacking.append("author")
        if not item.get("author"):
            lacking.append("itemReviewed.author")
        elif not item["author"].get("@type"):
            lacking.append("itemReviewed.author.@type")
        lacking += [f"itemReviewed.{p}" for p in ("datePublished", "appearance") if not item.get(p)]
        for prop in lacking:
            found.setdefault(prop, Gap(prop, prop in REQUIRED)).claims.append(claim["id"])
    return sorted(found.values(), key=lambda g: (not g.required, list(FILLED_BY).index(g.prop)))


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


def render(
    report: Mapping[str, Any], *, publisher: dict[str, Any] | None = None, url: str | None = None
) -> str:
    """The ClaimReviews as a JSON array, safe to paste inside a <script type="application/ld+json"> element."""
    return to_json(to_claimreview(report, publisher=publisher, url=url), SCRIPT_UNSAFE)
