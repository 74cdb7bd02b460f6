"""ClaimReview JSON-LD: the shape Google's fact-check guidance asks for, our verdict mapping, and safe embedding."""

from __future__ import annotations

import datetime as dt
import json
import textwrap

import pytest

from civicheck.claims import load_claims
from civicheck.render.claimreview import render as render_claimreview
from civicheck.render.claimreview import to_claimreview

# Google's fact-check guidelines (developers.google.com/search/docs/appearance/structured-data/factcheck),
# written out here apart from civicheck's own list so the test holds the code to the guideline, not to itself.
GOOGLE_REQUIRED = ["claimReviewed", "reviewRating", "reviewRating.alternateName", "url"]
GOOGLE_RECOMMENDED = [
    "author",
    "datePublished",
    "itemReviewed",
    "itemReviewed.appearance",
    "itemReviewed.author",
    "itemReviewed.datePublished",
    "reviewRating.bestRating",
    "reviewRating.name",
    "reviewRating.ratingValue",
    "reviewRating.worstRating",
]


def _get(obj: dict, path: str):
    for part in path.split("."):
        obj = obj.get(part) if isinstance(obj, dict) else None
    return obj


def validate(review: dict) -> list[str]:
    """The ClaimReview rules (schema.org types; Google's property list): asserts that what is there is right,
    and returns the required and the recommended properties that are missing, in that order."""
    assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
    assert isinstance(review["claimReviewed"], str) and review["claimReviewed"].strip()
    rating = review["reviewRating"]
    assert rating["@type"] == "Rating"
    assert isinstance(rating["alternateName"], str) and rating["alternateName"]  # the text rating is required
    assert rating.get("name", rating["alternateName"]) == rating["alternateName"]
    if "ratingValue" in rating:  # a number needs its scale, and higher must mean truer
        assert isinstance(rating["ratingValue"], int)
        assert 1 <= rating["worstRating"] <= rating["ratingValue"] <= rating["bestRating"]
        assert rating["bestRating"] > rating["worstRating"]
    else:
        assert "bestRating" not in rating and "worstRating" not in rating
    if "url" in review:
        assert review["url"].startswith(("http://", "https://"))
    item = review["itemReviewed"]
    assert item["@type"] == "Claim"
    if "author" in item:  # a type only when declared, and then one Google takes
        assert item["author"].get("@type", "Person") in ("Person", "Organization") and item["author"]["name"]
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
    return [p for p in GOOGLE_REQUIRED + GOOGLE_RECOMMENDED if _get(review, p) in (None, "", [])]


def claim(cid: str, verdict: str, **extra) -> dict:
    return {
        "id": cid,
        "claim": f"Claim {cid}",
        "verdict": verdict,
        "expect": None,
        "as_expected": True,
        "reason": f"because {verdict}",
        "file": "claims/x.yaml",
        "line": 1,
        "said_by": None,
        "said_on": None,
        "sources": [],
        "tags": [],
        "checks": [],
        **extra,
    }


def report(*claims: dict) -> dict:
    return {
        "schema": 1,
        "civicheck": "0.1.0",
        "started_at": "2026-11-28T02:00:00Z",
        "finished_at": "2026-11-28T02:00:05Z",
        "network": None,
        "summary": {},
        "claims": list(claims),
    }


def test_verdicts_map_to_a_documented_rating_scale():
    reviews = to_claimreview(report(claim("s", "supported"), claim("r", "refuted"), claim("u", "unverified")))
    for review in reviews:
        validate(review)
    ratings = [r["reviewRating"] for r in reviews]
    assert [(r.get("ratingValue"), r["alternateName"]) for r in ratings] == [
        (5, "Supported"),
        (1, "Refuted"),
        (None, "Unverified"),
    ]
    assert (ratings[0]["bestRating"], ratings[0]["worstRating"]) == (5, 1)
    assert ratings[1]["ratingExplanation"] == "because refuted"
    assert all(r["datePublished"] == "2026-11-28" for r in reviews)


def test_the_published_verdict_is_the_damped_one():
    [review] = to_claimreview(
        report(claim("a", "refuted", reported_verdict="supported", pending="pending: refuted 1/2"))
    )
    assert review["reviewRating"]["alternateName"] == "Supported"


def test_the_claim_its_author_date_appearances_and_evidence_copies():
    checked = claim(
        "labour-app",
        "refuted",
        said_by="Head of the city labour agency",
        said_by_type="person",
        said_on="2023-06-15",
        sources=["https://news.example/a", "https://news.example/b"],
        checks=[
            {
                "kind": "live",
                "url": "https://app.example.go.id/",
                "outcome": "fail",
                "evidence": {
                    "snapshots": [
                        {
                            "kind": "warc",
                            "ref": ".civicheck/archive/2026-11-28.warc.gz#urn:uuid:1",
                            "captured_at": "x",
                        },
                        {
                            "kind": "wayback",
                            "url": "https://web.archive.org/web/20261128020000/https://app.example.go.id/",
                            "captured_at": "2026-11-28T02:00:00Z",
                        },
                    ]
                },
            },
            {
                "kind": "contains",
                "url": "https://app.example.go.id/",
                "outcome": "fail",
                "evidence": {
                    "snapshots": [
                        {
                            "kind": "wayback",
                            "url": "https://web.archive.org/web/20261128020000/https://app.example.go.id/",
                        }
                    ]
                },
            },
            {"kind": "live", "url": "https://portal.example.go.id/", "outcome": "pass", "evidence": {}},
        ],
    )
    [review] = to_claimreview(
        report(checked),
        publisher={"name": "Banten News", "url": "https://bantennews.example/"},
        url="https://bantennews.example/cek-fakta#{id}",
    )
    validate(review)
    assert review["author"] == {
        "@type": "Organization",
        "name": "Banten News",
        "url": "https://bantennews.example/",
    }
    assert review["url"] == "https://bantennews.example/cek-fakta#labour-app"
    assert review["itemReviewed"] == {
        "@type": "Claim",
        "author": {"@type": "Person", "name": "Head of the city labour agency"},
        "datePublished": "2023-06-15",
        "appearance": [
            {"@type": "CreativeWork", "url": "https://news.example/a"},
            {"@type": "CreativeWork", "url": "https://news.example/b"},
        ],
    }
    # Each cited page once; only the public copy, once; a local WARC path is not a link a reader can follow.
    assert review["citation"] == [
        {
            "@type": "WebPage",
            "url": "https://app.example.go.id/",
            "archivedAt": ["https://web.archive.org/web/20261128020000/https://app.example.go.id/"],
        },
        {"@type": "WebPage", "url": "https://portal.example.go.id/"},
    ]


def test_without_publisher_or_url_those_properties_are_left_out():
    [review] = to_claimreview(report(claim("a", "supported")))
    assert "author" not in review and "url" not in review and "citation" not in review
    assert review["itemReviewed"] == {"@type": "Claim"}


def test_the_type_of_who_said_it_is_never_guessed():
    # A name does not say whether a person or an organization spoke: without a declaration, no type.
    for said_by in ("Yuddy Chrisnandi", "Head of the city labour agency", "Pemerintah Kota Cilegon"):
        [review] = to_claimreview(report(claim("a", "supported", said_by=said_by)))
        assert review["itemReviewed"]["author"] == {"name": said_by}
    [person, org] = to_claimreview(
        report(
            claim("p", "supported", said_by="Yuddy Chrisnandi", said_by_type="person"),
            claim("o", "refuted", said_by="Pemerintah Kota Cilegon", said_by_type="organization"),
        )
    )
    assert person["itemReviewed"]["author"] == {"@type": "Person", "name": "Yuddy Chrisnandi"}
    assert org["itemReviewed"]["author"] == {"@type": "Organization", "name": "Pemerintah Kota Cilegon"}


def test_rendered_json_ld_cannot_break_out_of_its_script_element():
    hostile = "Bad </script><script>alert(1)</script> <!-- & \u2028 \u202e claim"
    text = render_claimreview(report(claim("a", "supported", claim=hostile, reason=hostile)))
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\u2028" not in text and "\u202e" not in text
    [review] = json.loads(text)
    assert review["claimReviewed"] == hostile  # the same text to a JSON parser
    validate(review)


def test_a_real_run_report_converts(tmp_path, site):
    from civicheck.fetch.client import Fetcher
    from civicheck.report import run_to_dict
    from civicheck.runner import Connectivity, run

    path = _claims_file(tmp_path, site)
    with Fetcher(concurrency=2, per_host=2, allow_private=True) as fetcher:
        result = run(load_claims([path]), fetcher, Connectivity(None))
    reviews = json.loads(render_claimreview(run_to_dict(result), publisher={"name": "Newsroom"}))
    for review in reviews:
        validate(review)
    assert [r["reviewRating"]["alternateName"] for r in reviews] == ["Supported", "Refuted", "Refuted"]
    assert reviews[2]["itemReviewed"]["author"] == {"name": "Yuddy Chrisnandi"}  # no type declared


# --- through the command line: what a publisher posts, and what stderr says is missing ---------------------------


def _claims_file(tmp_path, site) -> str:
    site.route("/portal", "<html><body><p>Smart City adalah program prioritas.</p></body></html>")
    site.route("/gone", "Not Found", status=404)
    path = tmp_path / "c.yaml"
    path.write_text(
        textwrap.dedent(f"""\
        claims:
          - id: smart-city
            claim: "Smart City is a priority program"
            said_by: {{name: Yuddy Chrisnandi, type: person}}
            said_on: 2023-06-15
            sources: ["{site.url("/portal")}"]
            checks:
              - contains: {{url: "{site.url("/portal")}", all: ["Smart City"]}}
          - id: agency
            claim: "The agency page works"
            said_by: {{name: Pemerintah Kota Cilegon, type: organization}}
            said_on: 2023-06-16
            sources: ["{site.url("/portal")}"]
            review_url: https://bantennews.example/2023/agency-page
            checks: [{{live: "{site.url("/gone")}"}}]
          - id: short-form
            claim: "Said by someone, type not declared"
            said_by: "Yuddy Chrisnandi"
            checks: [{{live: "{site.url("/portal")}"}}]
        """),
        encoding="utf-8",
    )
    return str(path)


def _verify(path: str, *options: str):
    from click.testing import CliRunner

    from civicheck.cli import cli

    return CliRunner().invoke(cli, ["verify", path, "--no-history", "--no-warc", "--no-canary", *options])


PUBLISHER = [
    "--publisher",
    "Banten News",
    "--publisher-url",
    "https://bantennews.example/",
    "--review-url",
    "https://bantennews.example/cek-fakta/{id}",
]


def test_with_the_publisher_flags_every_review_has_what_google_requires(tmp_path, site):
    result = _verify(_claims_file(tmp_path, site), "--format", "claimreview", *PUBLISHER)
    assert result.exit_code == 1, result.stderr  # agency and short-form are not supported
    reviews = json.loads(result.stdout)
    missing = {
        r["itemReviewed"]["author"]["name"] + "/" + r["claimReviewed"][:5]: validate(r) for r in reviews
    }
    # Every required property is there; a claim whose file declares who said it, when and where has every
    # recommended one too.
    assert missing == {
        "Yuddy Chrisnandi/Smart": [],
        "Pemerintah Kota Cilegon/The a": [],
        "Yuddy Chrisnandi/Said ": ["itemReviewed.appearance", "itemReviewed.datePublished"],
    }
    assert [r["url"] for r in reviews] == [
        "https://bantennews.example/cek-fakta/smart-city",
        "https://bantennews.example/2023/agency-page",  # the claim's own
        "https://bantennews.example/cek-fakta/short-form",
    ]
    assert all(
        r["author"] == {"@type": "Organization", "name": "Banten News", "url": "https://bantennews.example/"}
        for r in reviews
    )
    assert all(dt.date.fromisoformat(r["datePublished"]) for r in reviews)
    assert [r["itemReviewed"]["author"] for r in reviews] == [
        {"@type": "Person", "name": "Yuddy Chrisnandi"},
        {"@type": "Organization", "name": "Pemerintah Kota Cilegon"},
        {"name": "Yuddy Chrisnandi"},
    ]  # the short form declares no type, and none is guessed
    # Only what the claims file could still fill is named, with the key that fills it.
    assert "warning" not in result.stderr
    notes = [line for line in result.stderr.splitlines() if line.startswith("note: ClaimReview")]
    assert notes == [
        "note: ClaimReview the type of itemReviewed.author (Person or Organization) (recommended by Google) is "
        "missing from 1 of 3 reviews (short-form): declare whether a person or an organization said it: "
        "said_by: {name: …, type: person|organization}",
        "note: ClaimReview itemReviewed.datePublished (recommended by Google) is missing from 1 of 3 reviews "
        "(short-form): write when it was said in the claim: said_on: 2023-06-15",
        "note: ClaimReview itemReviewed.appearance (recommended by Google) is missing from 1 of 3 reviews "
        "(short-form): cite where it was said in the claim: sources: [https://…]",
    ]


def test_without_the_flags_the_output_still_comes_and_stderr_names_what_fills_the_gaps(tmp_path, site):
    result = _verify(_claims_file(tmp_path, site), "--format", "claimreview")
    reviews = json.loads(result.stdout)
    required_missing = [[p for p in validate(r) if p in GOOGLE_REQUIRED] for r in reviews]
    assert required_missing == [["url"], [], ["url"]]  # the agency claim has its own review_url
    assert "author" not in reviews[0] and reviews[1]["url"] == "https://bantennews.example/2023/agency-page"
    stderr = result.stderr.splitlines()
    assert (
        "warning: ClaimReview url (required by Google) is missing from 2 of 3 reviews (smart-city, short-form): "
        "give --review-url with {id} (https://news.example/cek-fakta/{id}), or review_url: in the claim"
    ) in stderr
    assert (
        "note: ClaimReview author (recommended by Google) is missing from every review: give --publisher NAME "
        "(and --publisher-url URL)"
    ) in stderr
    quiet = _verify(_claims_file(tmp_path, site), "--format", "claimreview", "-q")
    assert quiet.stdout == result.stdout and quiet.stderr == ""


def test_the_said_by_short_form_keeps_working_in_every_report(tmp_path, site):
    path = _claims_file(tmp_path, site)
    report = json.loads(_verify(path, "--format", "json").stdout)
    assert [(c["said_by"], c["said_by_type"], c["review_url"]) for c in report["claims"]] == [
        ("Yuddy Chrisnandi", "person", None),
        ("Pemerintah Kota Cilegon", "organization", "https://bantennews.example/2023/agency-page"),
        ("Yuddy Chrisnandi", None, None),
    ]
    assert "Yuddy Chrisnandi" not in _verify(path, "--format", "markdown").stdout  # not a report column
    # The history keeps both forms and gives them back.
    from click.testing import CliRunner

    from civicheck.cli import cli
    from civicheck.history import HistoryStore

    db = tmp_path / "h.sqlite"
    CliRunner().invoke(cli, ["verify", path, "--no-warc", "--no-canary", "--db", str(db), "-q"])
    with HistoryStore(db) as store:
        stored = store.run_report(store.last_runs(1)[0].id)
    assert [(c["said_by"], c.get("said_by_type")) for c in stored["claims"]] == [
        ("Yuddy Chrisnandi", "person"),
        ("Pemerintah Kota Cilegon", "organization"),
        ("Yuddy Chrisnandi", None),
    ]


@pytest.mark.parametrize(
    "options, words",
    [
        (["--review-url", "https://bantennews.example/cek-fakta"], "the template needs {id}"),
        (["--review-url", "ftp://bantennews.example/{id}"], "is not an http(s) URL"),
        (["--publisher-url", "https://bantennews.example/"], "give --publisher NAME too"),
        (["--publisher", "X", "--publisher-url", "bantennews.example"], "is not an http(s) URL"),
    ],
)
def test_publisher_flags_that_cannot_be_right_are_bad_usage(tmp_path, site, options, words):
    result = _verify(_claims_file(tmp_path, site), "--format", "claimreview", *options)
    assert result.exit_code == 2 and result.stdout == "" and words in result.stderr
    assert not site.requests  # refused before anything was fetched


def test_said_by_long_form_mistakes_are_problems_at_their_line(tmp_path):
    from civicheck.errors import ClaimsError

    (tmp_path / "c.yaml").write_text(
        textwrap.dedent("""\
        claims:
          - id: a
            claim: x
            said_by: {name: Yuddy Chrisnandi, type: human, role: minister}
            review_url: news.example/a
            checks: [live: 'https://a.go.id/']
          - id: b
            claim: y
            said_by:
              type: person
            checks: [live: 'https://a.go.id/']
        """),
        encoding="utf-8",
    )
    with pytest.raises(ClaimsError) as info:
        load_claims([tmp_path / "c.yaml"])
    assert [str(p).split(": ", 1)[1] for p in info.value.problems] == [
        "claim 'a': unknown key 'role' in 'said_by'; allowed: name, type",
        "claim 'a': 'said_by' type must be person or organization, not 'human'",
        "claim 'a': 'review_url': 'news.example/a' is not an http(s) URL; write it with http:// or https://",
        "claim 'b': 'said_by' needs 'name': who said it, e.g. said_by: {name: Helldy Agustian, type: person}",
    ]
