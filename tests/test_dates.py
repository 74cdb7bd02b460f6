"""Publication dates: what a page declares (JSON-LD, meta tags, the address, its byline), and how civicheck
decides between them; small pages written here (the shared corpus is for bench/bench_dates.py)."""

from __future__ import annotations

import pytest

from civicheck.extract.dates import Shown, decide, shown_date
from civicheck.extract.declared_dates import Declared, date_in_url, declared, parse_date
from civicheck.extract.tree import parse_tree


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2023-06-15", ("2023-06-15", True)),
        ("2023-06-15T23:30:00+07:00", ("2023-06-15", True)),  # the publisher's own day
        ("2023-06-15T23:30:00Z", ("2023-06-15", False)),  # UTC: may be another day where it was published
        ("2023-06-15T23:30:00.123", ("2023-06-15", False)),  # no zone: most often UTC too
        ("2019-11-19 21:57:00 -0800", ("2019-11-19", True)),
        ("Tue, 19 Nov 2019 10:00:00 +0700", ("2019-11-19", True)),
        ("20230615", ("2023-06-15", True)),
        ("05/10/2018", None),  # May 10th or October 5th: a country's convention, not metadata
        ("2023-02-30", None),
        ("1970-01-01", None),  # before the web: a placeholder
        ("", None),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "url, expected",
    [
        ("https://warta.example/berita/2023/06/15/aplikasi", ("2023-06-15", "/2023/06/15/")),
        ("https://www.latimes.com/business/story/2019-11-19/gannett", ("2019-11-19", "/2019-11-19/")),
        ("https://news.example/20230615/judul", ("2023-06-15", "/20230615/")),
        ("https://news.example/2023/06/judul", None),  # a month is not a day
        ("https://news.example/berita/201911181077343476-x", None),  # an id that starts like a date
        ("https://news.example/2023/13/45/x", None),
    ],
)
def test_date_in_url(url, expected):
    assert date_in_url(url) == expected


PAGE = """<html><head><title>Dewan setujui anggaran - Warta</title>
<meta property="article:published_time" content="2023-06-15T08:00:00+07:00">
<meta name="DC.date" content="2023-06-20">
<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [
  {"@type": "WebSite", "url": "https://warta.example/"},
  {"@type": "NewsArticle", "url": "https://warta.example/other", "datePublished": "2020-01-01"},
  {"@type": "NewsArticle", "@id": "https://warta.example/berita/2023/06/15/anggaran",
   "datePublished": "2023-06-15T01:00:00Z"}]}</script>
</head><body><h1>Dewan setujui anggaran</h1><time itemprop="datePublished" datetime="2023-06-14">x</time>
</body></html>"""


def test_declared_dates_of_a_page_in_order_of_trust():
    found = declared(parse_tree(PAGE), "https://warta.example/berita/2023/06/15/anggaran")
    assert [(d.source, d.date, d.strong) for d in found] == [
        (
            "JSON-LD datePublished",
            "2023-06-15",
            True,
        ),  # the object that is this page, not the one it links to
        ("OpenGraph article:published_time", "2023-06-15", True),
        ("meta DC.date", "2023-06-20", False),
        # the <time> element is read only when no meta tag says it: it may be a related story's
        ("the address (/2023/06/15/)", "2023-06-15", True),
    ]


def test_decide_agreeing_sources_and_the_most_precise_day():
    utc = Declared("2019-11-20", "JSON-LD datePublished", local=False, time=True)
    address = Declared("2019-11-19", "the address (/2019-11-19/)")
    pub = decide([utc, address], None)
    assert (pub.date, pub.source, pub.nearby, pub.conflict) == (
        "2019-11-19",
        "the address (/2019-11-19/)",
        ["2019-11-20"],
        None,
    )
    assert pub.dates == ["2019-11-19", "2019-11-20"]


def test_decide_conflict_names_both_sources():
    pub = decide(
        [Declared("2023-05-01", "JSON-LD datePublished"), Declared("2023-03-10", "the address (/x/)")],
        "2023-05-01",
    )
    assert pub.date is None
    assert pub.conflict == "JSON-LD datePublished says 2023-05-01, the address (/x/) says 2023-03-10"


def test_decide_htmldate_must_agree_too():
    declared_ = [Declared("2023-05-01", "JSON-LD datePublished")]
    assert decide(declared_, "2023-05-02").date == "2023-05-01"  # a day away: one date
    assert decide(declared_, "2021-01-15").conflict == (
        "JSON-LD datePublished says 2023-05-01, htmldate's reading of the page says 2021-01-15"
    )


def test_decide_weak_tags_and_htmldate():
    weak = Declared("2023-06-20", "meta DC.date", strong=False)
    assert decide([weak], "2023-06-20").date == "2023-06-20"
    assert decide([weak], "2023-01-02").conflict == (
        "meta DC.date says 2023-06-20, htmldate's reading of the page says 2023-01-02"
    )
    alone = decide([], "2023-06-20")
    assert (alone.date, alone.source) == ("2023-06-20", "htmldate's reading of the page")
    assert decide([], None).date is None


def test_decide_with_the_byline():
    meta = Declared("2019-11-20", "OpenGraph article:published_time", local=False, time=True)
    pub = decide([meta], "2019-11-20", Shown(("2019-11-19",), "Nov 19, 2019, 10:31 pm CST"))
    assert (pub.date, pub.source) == ("2019-11-19", "the page's byline ('Nov 19, 2019, 10:31 pm CST')")
    far = decide([meta], None, Shown(("2018-11-12",), "November 12, 2018"))
    assert far.date is None and far.conflict.startswith(
        "the page's byline ('November 12, 2018') says 2018-11-12"
    )
    # A numeric date picks the meaning that agrees; a month and day without a year only picks between days.
    assert decide([meta], None, Shown(("2019-11-20", "2019-12-11"), "11/20/2019")).date == "2019-11-20"
    assert decide([meta], None, Shown(("2000-11-19",), "Nov 19, 10:31 PM", partial=True)).date == "2019-11-19"


BLOCKS = [
    "Home",
    "News",
    "Council approves library budget",
    "By Jane Reporter",
    "Updated",
    "Nov. 21, 2019 9:00 AM",
    "Published Nov. 20, 2019 8:03 am ET",
    "Photo: the site, pictured on Tuesday, Nov. 19, 2019, in the rain, before the vote took place there",
    "The city council approved the budget for the new library on Tuesday after a long debate about its "
    "cost, and the mayor said the doors would open in 2026 to everyone in the city.",
    "— Some One (@someone) November 1, 2019",
]


def test_shown_date_reads_the_byline_under_the_headline():
    shown = shown_date(BLOCKS, [BLOCKS[8]], "Council approves library budget - The Ledger")
    assert shown == Shown(
        ("2019-11-20",), "Published Nov. 20, 2019 8:03 am ET"
    )  # not the update, not a caption
    line = ["Dewan setujui anggaran", "Kamis, 15 Juni 2023 14:56 WIB", BLOCKS[8]]
    assert shown_date(line, [BLOCKS[8]], "Dewan setujui anggaran").days == ("2023-06-15",)
    both = ["Headline of the story here", "Updated Nov 19, 9:41 AM;Posted Nov 18, 8:19 PM", BLOCKS[8]]
    assert shown_date(both, [BLOCKS[8]], "Headline of the story here") == Shown(
        ("2000-11-18",), both[1], partial=True
    )
    assert shown_date(BLOCKS, [], "x") is None  # no article text: no byline to look for
