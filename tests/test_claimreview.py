"""ClaimReview JSON-LD: the shape Google's fact-check guidance asks for, our verdict mapping, and safe embedding."""

from __future__ import annotations

import datetime as dt
import json
import textwrap

import pytest

from civicheck.claimreview import author_type, render_claimreview, to_claimreview
from civicheck.claims import load_claims


def validate(review: dict) -> None:
    """The ClaimReview rules we rely on (schema.org types; Google's required and recommended properties)."""
    assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
    assert isinstance(review["claimReviewed"], str) and review["claimReviewed"].strip()
    rating = review["reviewRating"]
    assert rating["@type"] == "Rating"
    assert isinstance(rating["alternateName"], str) and rating["alternateName"]  # the text rating is required
    if "ratingValue" in rating:  # a number needs its scale, and higher must mean truer
        assert isinstance(rating["ratingValue"], int)
        assert 1 <= rating["worstRating"] <= rating["ratingValue"] <= rating["bestRating"]
        assert rating["bestRating"] > rating["worstRating"]
    else:
        assert "bestRating" not in rating and "worstRating" not in rating
    item = review["itemReviewed"]
    assert item["@type"] == "Claim"
    if "author" in item:
        assert item["author"]["@type"] in ("Person", "Organization") and item["author"]["name"]
    if "datePublished" in item:
        dt.date.fromisoformat(item["datePublished"])
    for appearance in item.get("appearance", []):
        assert appearance["@type"] == "CreativeWork" and appearance["url"].startswith(("http://", "https://"))
    if "datePublished" in review:
        dt.date.fromisoformat(review["datePublished"])
    if "author" in review:
        assert review["author"]["@type"] == "Organization" and review["author"]["name"]
    for page in review.get("citation", []):
        assert page["@type"] == "WebPage" and page["url"].startswith(("http://", "https://"))
        assert all(a.startswith(("http://", "https://")) for a in page.get("archivedAt", []))


def claim(cid: str, verdict: str, **extra) -> dict:
    return {"id": cid, "claim": f"Claim {cid}", "verdict": verdict, "expect": None, "as_expected": True,
            "reason": f"because {verdict}", "file": "claims/x.yaml", "line": 1, "said_by": None, "said_on": None,
            "sources": [], "tags": [], "checks": [], **extra}


def report(*claims: dict) -> dict:
    return {"schema": 1, "civicheck": "0.1.0", "started_at": "2026-11-28T02:00:00Z",
            "finished_at": "2026-11-28T02:00:05Z", "network": None, "summary": {}, "claims": list(claims)}


def test_verdicts_map_to_a_documented_rating_scale():
    reviews = to_claimreview(report(claim("s", "supported"), claim("r", "refuted"), claim("u", "unverified")))
    for review in reviews:
        validate(review)
    ratings = [r["reviewRating"] for r in reviews]
    assert [(r.get("ratingValue"), r["alternateName"]) for r in ratings] == \
        [(5, "Supported"), (1, "Refuted"), (None, "Unverified")]
    assert (ratings[0]["bestRating"], ratings[0]["worstRating"]) == (5, 1)
    assert ratings[1]["ratingExplanation"] == "because refuted"
    assert all(r["datePublished"] == "2026-11-28" for r in reviews)


def test_the_published_verdict_is_the_damped_one():
    [review] = to_claimreview(report(claim("a", "refuted", reported_verdict="supported",
                                           pending="pending: refuted 1/2")))
    assert review["reviewRating"]["alternateName"] == "Supported"


def test_the_claim_its_author_date_appearances_and_evidence_copies():
    checked = claim(
        "labour-app", "refuted", said_by="Head of the city labour agency", said_on="2023-06-15",
        sources=["https://news.example/a", "https://news.example/b"],
        checks=[
            {"kind": "live", "url": "https://app.example.go.id/", "outcome": "fail",
             "evidence": {"snapshots": [
                 {"kind": "warc", "ref": ".civicheck/archive/2026-11-28.warc.gz#urn:uuid:1", "captured_at": "x"},
                 {"kind": "wayback", "url": "https://web.archive.org/web/20261128020000/https://app.example.go.id/",
                  "captured_at": "2026-11-28T02:00:00Z"}]}},
            {"kind": "contains", "url": "https://app.example.go.id/", "outcome": "fail",
             "evidence": {"snapshots": [{"kind": "wayback", "url":
                          "https://web.archive.org/web/20261128020000/https://app.example.go.id/"}]}},
            {"kind": "live", "url": "https://portal.example.go.id/", "outcome": "pass", "evidence": {}},
        ],
    )
    [review] = to_claimreview(report(checked), publisher={"name": "Banten News", "url": "https://bantennews.example/"},
                              url="https://bantennews.example/cek-fakta#{id}")
    validate(review)
    assert review["author"] == {"@type": "Organization", "name": "Banten News", "url": "https://bantennews.example/"}
    assert review["url"] == "https://bantennews.example/cek-fakta#labour-app"
    assert review["itemReviewed"] == {
        "@type": "Claim",
        "author": {"@type": "Person", "name": "Head of the city labour agency"},
        "datePublished": "2023-06-15",
        "appearance": [{"@type": "CreativeWork", "url": "https://news.example/a"},
                       {"@type": "CreativeWork", "url": "https://news.example/b"}],
    }
    # Each cited page once; only the public copy, once; a local WARC path is not a link a reader can follow.
    assert review["citation"] == [
        {"@type": "WebPage", "url": "https://app.example.go.id/",
         "archivedAt": ["https://web.archive.org/web/20261128020000/https://app.example.go.id/"]},
        {"@type": "WebPage", "url": "https://portal.example.go.id/"},
    ]


def test_without_publisher_or_url_those_properties_are_left_out():
    [review] = to_claimreview(report(claim("a", "supported")))
    assert "author" not in review and "url" not in review and "citation" not in review
    assert review["itemReviewed"] == {"@type": "Claim"}


@pytest.mark.parametrize(("said_by", "kind"), [
    ("Head of the city labour agency", "Person"),
    ("Wali Kota Cilegon", "Person"),
    ("Kepala Dinas Tenaga Kerja", "Person"),
    ("Mayor Helldy Agustian", "Person"),
    ("Pemerintah Kota Cilegon", "Organization"),
    ("Dinas Tenaga Kerja Kota Cilegon", "Organization"),
    ("Ministry of Home Affairs", "Organization"),
    ("Headway Consulting", "Organization"),  # "head" only as a whole word
])
def test_author_type(said_by, kind):
    assert author_type(said_by) == kind


def test_rendered_json_ld_cannot_break_out_of_its_script_element():
    hostile = 'Bad </script><script>alert(1)</script> <!-- & \u2028 \u202e claim'
    text = render_claimreview(report(claim("a", "supported", claim=hostile, reason=hostile)))
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\u2028" not in text and "\u202e" not in text
    [review] = json.loads(text)
    assert review["claimReviewed"] == hostile  # the same text to a JSON parser
    validate(review)


def test_a_real_run_report_converts(tmp_path, site):
    from civicheck.fetch import Fetcher
    from civicheck.report import run_to_dict
    from civicheck.runner import Connectivity, run

    site.route("/portal", "<html><body><p>Smart City adalah program prioritas.</p></body></html>")
    site.route("/gone", "Not Found", status=404)
    (tmp_path / "c.yaml").write_text(textwrap.dedent(f"""\
        claims:
          - id: smart-city
            claim: "Smart City is a priority program"
            said_by: "Pemerintah Kota Cilegon"
            said_on: 2023-06-15
            sources: ["{site.url('/portal')}"]
            checks:
              - contains: {{url: "{site.url('/portal')}", all: ["Smart City"]}}
          - id: agency
            claim: "The agency page works"
            checks: [{{live: "{site.url('/gone')}"}}]
        """), encoding="utf-8")
    with Fetcher(concurrency=2, per_host=2, allow_private=True) as fetcher:
        result = run(load_claims([tmp_path / "c.yaml"]), fetcher, Connectivity(None))
    reviews = json.loads(render_claimreview(run_to_dict(result), publisher={"name": "Newsroom"}))
    for review in reviews:
        validate(review)
    assert [r["reviewRating"]["alternateName"] for r in reviews] == ["Supported", "Refuted"]
    assert reviews[0]["itemReviewed"]["author"] == {"@type": "Organization", "name": "Pemerintah Kota Cilegon"}
