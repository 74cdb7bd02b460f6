"""The HTML report (--format html): one self-contained page, untrusted text inert, the deciding passage marked,
snapshots linked, what changed, availability charts from the history and an archive's captures.

The structure is checked with lxml here; tests marked `chromium` open the page in a real headless Chromium
(Debian's `chromium`) and skip, saying so, where it is not installed.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import chromium
import lxml.html
import pytest
import yaml
from cilegon_site import Cilegon, page
from helpers import invoke, write
from nights import a_night_ago
from pywb_server import pywb  # noqa: F401 - a fixture

from civicheck.availability import DOWN, SOFT404, UNKNOWN, UP, charts, from_report, state_of
from civicheck.history import HistoryStore
from civicheck.render.html import content_security_policy, safe_href
from civicheck.render.html import render as render_html

FAST = ("--no-canary", "--no-warc")
needs_chromium = pytest.mark.skipif(
    chromium.executable() is None, reason="chromium is not installed (apt-get install -y chromium)"
)

HOSTILE_SCRIPT = "<script>document.title='PWNED';console.error('PWNED')</script>"
HOSTILE_IMG = "<img src=x onerror=\"document.title='PWNED'\">"
HOSTILE_JS = "javascript:document.title='PWNED'"


def parse(html: str):
    return lxml.html.document_fromstring(html)


def normalised(text: str) -> str:
    return " ".join(text.split())


# --- a hostile site ---------------------------------------------------------------------------------------------


def hostile_site(site) -> Path:
    """A page whose text carries script, an event handler, a javascript: URL and a bidi override, quoted by
    claims whose own text, speaker and sources do the same; returns the claims file."""
    escaped = (
        (HOSTILE_SCRIPT + " " + HOSTILE_IMG).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    )
    site.route(
        "/pengumuman",
        page(
            "Pengumuman Kota",
            f"Wali Kota menyatakan program prioritas kota {escaped} berlaku mulai Juli 2023 untuk seluruh warga.",
            f"Tautan layanan lama {HOSTILE_JS} tidak lagi dipakai, kata Kepala Dinas \u202eKominfo\u202c kepada wartawan.",
            "Sebanyak 29 layanan akan terhubung dengan portal kota tahun depan menurut rencana pemerintah kota.",
        ).replace(
            "</article>",
            f'<a href="{HOSTILE_JS}">Layanan lama</a> <a href="/hilang">'
            "&lt;svg onload=alert(1)&gt;</a></article>",
        ),
    )
    site.route("/hilang", "Not Found", status=404, content_type="text/plain")
    u = site.url
    claims = [
        {
            "id": "script-quoted",
            "claim": f"The mayor's words {HOSTILE_IMG} are on the portal",
            "said_by": f"</blockquote>{HOSTILE_SCRIPT}",
            "sources": [u("/pengumuman")],
            "checks": [{"contains": {"url": u("/pengumuman"), "all": [HOSTILE_SCRIPT]}}],
        },
        {
            "id": "links-audited",
            "claim": f"Every link on the announcement works {HOSTILE_JS}",
            "said_by": "Dinas \u202eKominfo\u202c",
            "checks": [{"links": {"url": u("/pengumuman")}}],
        },
        {
            "id": "misquote",
            "claim": "39 services will join the portal",
            "checks": [
                {
                    "quote": {
                        "url": u("/pengumuman"),
                        "text": "Sebanyak 39 layanan akan terhubung dengan portal kota",
                    }
                }
            ],
        },
    ]
    path = Path("claims.yaml")
    path.write_text(yaml.safe_dump({"claims": claims}, allow_unicode=True), encoding="utf-8")
    return path


def test_hostile_text_is_escaped_and_never_a_link_or_an_attribute(site):
    claims = hostile_site(site)
    result = invoke("verify", claims, *FAST, "--format", "html")
    assert result.exit_code == 1, result.stderr  # the links audit and the misquote are refuted
    html = result.stdout
    doc = parse(html)
    assert not doc.xpath("//script | //img | //iframe | //object | //embed | //svg//foreignObject | //form")
    assert not [a for el in doc.iter() for a in el.attrib if a.lower().startswith("on")]
    hrefs = [a.get("href") for a in doc.xpath("//a")]
    assert hrefs and all(h.startswith(("http://127.0.0.1:", "#claim-")) for h in hrefs), hrefs
    assert "javascript:" not in " ".join(hrefs)
    text = normalised(doc.text_content())
    assert HOSTILE_SCRIPT in text and HOSTILE_IMG in text  # shown, as text
    assert "\u202e" not in html and "\u202c" not in html
    assert "KominfoDinas" not in text and "Dinas Kominfo" in text


def test_one_self_contained_file_with_a_strict_content_security_policy(site):
    claims = hostile_site(site)
    html = invoke("verify", claims, *FAST, "--format", "html").stdout
    doc = parse(html)
    csp = doc.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")
    assert csp == [content_security_policy()]
    policy = dict(part.strip().split(" ", 1) for part in csp[0].split(";"))
    assert policy["default-src"] == "'none'" and policy["script-src"] == "'none'"
    # The one style sheet is allowed by its hash, nothing else inline: no style attribute anywhere.
    import base64
    import hashlib

    (style,) = doc.xpath("//style")
    digest = base64.b64encode(hashlib.sha256(style.text.encode()).digest()).decode()
    assert policy["style-src"] == f"'sha256-{digest}'"
    assert not doc.xpath("//*[@style]")
    # Nothing to fetch: no stylesheet link, font, image or script source of any kind.
    assert not doc.xpath("//link | //*[@src] | //*[@srcset]") and "@import" not in style.text
    assert "url(" not in style.text and "@font-face" not in style.text


def test_every_claim_its_verdict_speaker_passage_and_snapshot_are_in_the_report(site):
    claims = hostile_site(site)
    result = invoke(
        "verify", claims, "--no-canary", "--format", "html", "-o", "report.html", "--report", "report.json"
    )
    assert result.exit_code == 1, result.stderr
    report = json.loads(Path("report.json").read_text())
    doc = parse(Path("report.html").read_text())
    cards = doc.xpath("//article[contains(@class, 'claim')]")
    assert len(cards) == len(report["claims"]) == 3
    for card, claim in zip(cards, report["claims"], strict=True):
        text = normalised(card.text_content())
        assert claim["id"] in text and normalised(claim["claim"]) in text
        assert card.xpath(".//span[contains(@class, 'verdict')]")[0].text_content() == claim["verdict"]
        deciding = claim["checks"][claim["deciding"]]
        assert normalised(deciding["reason"]) in text
        warc_ref = deciding["evidence"]["snapshots"][0]["ref"]
        assert warc_ref in text  # the WARC record that keeps what was seen
        for hit in deciding["evidence"]["hits"]:
            start, end = hit["mark"]
            marks = [normalised(m.text_content()) for m in card.xpath(".//mark")]
            assert normalised(hit["excerpt"][start:end]) in marks
    said_by = normalised(cards[0].xpath(".//p[@class='said']")[0].text_content())
    assert said_by.startswith(f"Said by </blockquote>{HOSTILE_SCRIPT}")


def test_the_misquote_marks_the_closest_passage(site):
    claims = hostile_site(site)
    doc = parse(invoke("verify", claims, *FAST, "--format", "html").stdout)
    card = doc.xpath("//article[@id='claim-3']")[0]
    assert [m.text_content() for m in card.xpath(".//mark")] == [
        "Sebanyak 29 layanan akan terhubung dengan portal kota"
    ]
    assert "misquote" in card.text_content()


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "file:///etc/passwd",
        "vbscript:x",
        "//evil.example/",
        "https://\u202eexample.com/",
        "http:///nohost",
        "https://exa mple.com/",
        "",
        None,
        42,
    ],
)
def test_only_plain_http_urls_become_links(url):
    assert safe_href(url) is None


def test_http_urls_stay_links():
    assert safe_href("https://www.cilegon.go.id/berita?id=1#a") == "https://www.cilegon.go.id/berita?id=1#a"
    assert safe_href("HTTP://127.0.0.1:8080/") == "HTTP://127.0.0.1:8080/"


def hostile_report() -> dict:
    """A report as `merge` may read it from any file: every string hostile, links of every scheme."""
    evil = f"{HOSTILE_SCRIPT}\u202e\x1b[31m{HOSTILE_IMG}"
    evidence = {
        "final_url": HOSTILE_JS,
        "redirects": [{"status": 301, "url": "data:text/html,x"}],
        "status": 200,
        "error": None,
        "detail": evil,
        "fetched_at": "2026-11-28T02:00:00Z",
        "sha256": evil,
        "text_sha256": None,
        "excerpt": evil,
        "soft404": [evil],
        "note": evil,
        "network": evil,
        "hits": [
            {"text": evil, "location": evil, "excerpt": f"before {evil} after", "mark": [7, 7 + len(evil)]}
        ],
        "links": [
            {
                "url": HOSTILE_JS,
                "text": evil,
                "outcome": "fail",
                "reason": evil,
                "snapshots": [{"kind": evil, "url": "javascript:alert(2)"}],
            }
        ],
        "snapshots": [
            {"kind": "wayback", "url": "javascript:alert(3)", "captured_at": evil},
            {"kind": "pywb", "url": "https://archive.example/web/2026/https://x/"},
            {"kind": "warc", "ref": evil},
        ],
    }
    check = {
        "kind": evil,
        "url": HOSTILE_JS,
        "line": 1,
        "spec": {},
        "outcome": evil,
        "reason": evil,
        "evidence": evidence,
    }
    claim = {
        "id": evil,
        "claim": evil,
        "verdict": "refuted",
        "reported_verdict": "refuted",
        "pending": evil,
        "expect": "supported",
        "reason": evil,
        "deciding": 0,
        "file": evil,
        "line": 1,
        "said_by": evil,
        "said_on": evil,
        "sources": [HOSTILE_JS, "data:text/html,x", "https://ok.example/"],
        "tags": [evil],
        "review_url": HOSTILE_JS,
        "checks": [check, copy.deepcopy(check)],
    }
    return {
        "schema": 1,
        "civicheck": evil,
        "started_at": "2026-11-28T02:00:00Z",
        "finished_at": evil,
        "network": evil,
        "outages": [{"from": evil, "to": None, "seconds": 1, "detail": evil}],
        "warc": evil,
        "summary": {},
        "claims": [claim],
    }


def test_a_report_from_any_file_renders_inert():
    changes = {
        "old_started_at": "x",
        "verdicts": [
            {
                "claim_id": HOSTILE_SCRIPT,
                "old": HOSTILE_IMG,
                "new": "x",
                "reason": HOSTILE_SCRIPT,
                "old_snapshots": [{"url": HOSTILE_JS}],
                "new_snapshots": [],
            }
        ],
        "drift": [
            {
                "url": HOSTILE_JS,
                "claim_ids": [HOSTILE_SCRIPT],
                "hunks": [HOSTILE_IMG],
                "words_removed": 1,
                "words_added": 1,
            }
        ],
    }
    html = render_html(hostile_report(), changes=changes)
    doc = parse(html)
    assert not doc.xpath("//script | //img")
    assert not [a for el in doc.iter() for a in el.attrib if a.lower().startswith("on")]
    assert {a.get("href") for a in doc.xpath("//a[not(starts-with(@href, '#'))]")} == {
        "https://archive.example/web/2026/https://x/",
        "https://ok.example/",
    }
    assert "\u202e" not in html and "\x1b" not in html
    # A verdict or outcome a file invents gets no class of its own.
    assert not doc.xpath("//*[contains(@class, 'PWNED') or contains(@class, '<')]")
    assert HOSTILE_SCRIPT in normalised(doc.text_content())


# --- what changed since the last run ------------------------------------------------------------------------------


def test_a_second_night_shows_what_changed_with_both_copies_and_the_words(site):
    city = Cilegon(site)
    claims = city.claims()
    assert invoke("verify", claims, "--no-canary", "--confirm", "1", "--format", "json").exit_code == 0
    city.set(news="edited", disnaker=True, app=False)
    result = invoke("verify", claims, "--no-canary", "--confirm", "1", "--format", "html")
    doc = parse(result.stdout)
    (section,) = doc.xpath("//section[h2[@id='changes']]")
    rows = [
        [normalised(td.text_content()).split(" ")[0] for td in tr.xpath("td")][:3]
        for tr in section.xpath(".//tbody/tr")
    ]
    assert ["smart-city-priority", "supported", "refuted"] in rows
    assert ["labour-app-live", "supported", "refuted"] in rows
    assert ["disnaker-link", "refuted", "supported"] in rows
    assert [d.text_content() for d in section.xpath(".//del")] == ["prioritas"]
    assert [i.text_content() for i in section.xpath(".//ins")] == ["unggulan"]
    assert "copy before: civicheck-" in normalised(section.text_content())
    card = doc.xpath("//article[@id='claim-1']")[0]
    assert "Changed since the last run: supported → refuted" in normalised(card.text_content())
    counts = normalised(doc.xpath("//ul[@class='counts']")[0].text_content())
    assert "3 changed since last run" in counts


# --- availability charts ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("evidence", "state"),
    [
        ({"status": 200, "error": None}, UP),
        ({"status": 200, "error": None, "soft404": ["says 'not found'"]}, SOFT404),
        ({"status": 404, "error": "http_4xx"}, DOWN),
        ({"status": None, "error": "dns"}, DOWN),
        ({"status": None, "error": "refused"}, DOWN),
        ({"status": None, "error": "timeout", "network": "network unavailable: no canary answered"}, UNKNOWN),
        ({"status": None, "error": "not_public"}, UNKNOWN),
        ({"status": None, "error": "too_large"}, UNKNOWN),
        (
            {
                "status": 200,
                "error": None,
                "note": "from the archived copy of 2026-01-01; the live page answers 404",
            },
            DOWN,
        ),
    ],
)
def test_the_state_of_a_page_from_its_evidence(evidence, state):
    assert state_of(evidence)[0] == state


def test_nothing_looked_at_is_no_observation():
    assert state_of({"status": None, "error": None}) is None


def chart_of(doc, url: str) -> dict[str, str]:
    """The chart drawn for `url`: night → state of our own runs' row."""
    (figure,) = [f for f in doc.xpath("//figure[@class='chart']") if url in f.xpath("string(.//figcaption)")][
        :1
    ]
    cells = {}
    for rect in figure.xpath(".//rect"):
        night, _, rest = rect.xpath("string(title)").partition(": ")
        if rect.get("class") != "none":
            cells[night] = rect.get("class")
    return cells


def test_a_page_with_a_history_gets_its_availability_night_by_night(site):
    city = Cilegon(site)
    claims = city.claims()
    first = invoke("verify", claims, *FAST, "--no-history", "--format", "json")
    report = json.loads(first.stdout)
    app, disnaker = site.url("/app"), site.url("/disnaker")
    with HistoryStore(".civicheck/history.sqlite") as store:
        store.record_run(a_night_ago(report, 3, {app: (200, None, []), disnaker: (None, "dns", [])}))
        store.record_run(a_night_ago(report, 2, {app: (200, None, ["page says 'halaman tidak ditemukan'"])}))
        store.record_run(a_night_ago(report, 1, {app: (410, "http_4xx", [])}))
        store.record_run(a_night_ago(report, 45, {app: (500, "http_5xx", [])}))  # beyond the chart
    result = invoke("verify", claims, *FAST, "--format", "html")
    doc = parse(result.stdout)
    today = datetime.now(timezone.utc).date()
    night = {n: (today - timedelta(days=n)).isoformat() for n in range(4)}
    assert chart_of(doc, app) == {night[3]: "up", night[2]: "soft-404", night[1]: "down", night[0]: "up"}
    assert chart_of(doc, disnaker) == {night[3]: "down", night[2]: "down", night[1]: "down", night[0]: "down"}
    caption = doc.xpath(f"string(//figure[figcaption/a[@href='{app}']]/figcaption)")
    assert "civicheck: up 2, down 1, soft-404 1 (of 4 nights seen)" in caption
    svg = doc.xpath(f"//figure[figcaption/a[@href='{app}']]/*[local-name()='svg']")[0]
    assert svg.get("role") == "img" and "up 2" in svg.get("aria-label")


def test_a_first_run_draws_no_chart():
    report = {
        "started_at": "2026-11-28T02:00:00Z",
        "claims": [
            {
                "checks": [
                    {
                        "url": "https://a.example/",
                        "evidence": {"status": 200, "error": None, "fetched_at": "2026-11-28T02:00:00Z"},
                    }
                ]
            }
        ],
    }
    assert charts({}, report["started_at"], current=from_report(report)) == {}


def test_two_looks_in_one_night_show_the_last_and_mark_the_night(site):
    city = Cilegon(site)
    claims = city.claims()
    assert invoke("verify", claims, *FAST, "--format", "json").exit_code == 0  # /app up
    city.set(app=False)
    doc = parse(invoke("verify", claims, *FAST, "--format", "html").stdout)
    today = datetime.now(timezone.utc).date().isoformat()
    assert chart_of(doc, site.url("/app")) == {today: "down"}
    figure = [f for f in doc.xpath("//figure[@class='chart']") if "/app" in f.xpath("string(.//figcaption)")][
        0
    ]
    (dot,) = figure.xpath(".//circle[@class='mixed']")
    assert "up: 200 OK" in dot.xpath("string(title)") and "down: 410 Gone" in dot.xpath("string(title)")


def test_an_archives_captures_get_a_row_of_their_own(pywb, site):  # noqa: F811
    from civicheck.archive.registry import parse_archive_spec

    url = site.route("/layanan", "Not Found", status=404)
    earlier = parse_archive_spec(f"pywb={pywb.collection_url}").capture(url)
    pywb.wait_indexed(url, earlier.timestamp)  # the archive saw it answer 404 before this run
    site.route(
        "/layanan",
        page(
            "Layanan",
            "Layanan kependudukan Kota Cilegon dibuka setiap hari kerja di kantor"
            " dinas dan melalui portal daring untuk seluruh warga kota.",
            "Warga dapat mengurus kartu keluarga, akta kelahiran, dan surat pindah di sana.",
        ),
    )
    write(
        "claims.yaml",
        f"""
        claims:
          - id: layanan-live
            claim: "The registry's service page is live"
            checks:
              - live: {url}
        """,
    )
    result = invoke(
        "verify",
        "claims.yaml",
        *FAST,
        "--no-history",
        "--archive",
        f"pywb={pywb.collection_url}",
        "--format",
        "html",
    )
    assert result.exit_code == 0, result.stderr
    doc = parse(result.stdout)
    (figure,) = [f for f in doc.xpath("//figure[@class='chart']") if url in f.xpath("string(.//figcaption)")]
    labels = figure.xpath(".//*[local-name()='text'][@class='label']/text()")
    assert labels[:2] == ["civicheck", "pywb"]
    assert "pywb: " in figure.xpath("string(.//figcaption)")
    # The capture this run asked for may not be indexed yet; the earlier one is, and says what it saw.
    assert any("pywb captured it: 404" in title for title in figure.xpath(".//rect/title/text()"))


# --- in a real browser ----------------------------------------------------------------------------------------------


@pytest.fixture
def browser(tmp_path):
    with chromium.Chromium(tmp_path / "browser") as b:
        yield b


@needs_chromium
def test_chromium_opens_the_report_with_no_request_no_error_and_runs_nothing_from_the_page(site, browser):
    claims = hostile_site(site)
    result = invoke(
        "verify", claims, "--no-canary", "--format", "html", "-o", "report.html", "--report", "report.json"
    )
    assert result.exit_code == 1, result.stderr
    report = json.loads(Path("report.json").read_text())
    load = browser.open(Path("report.html"))
    assert load.requests == []
    assert load.errors == []
    assert not [line for line in load.console if "PWNED" in line]
    assert browser.evaluate("document.title") == f"civicheck report {report['started_at']}"
    assert browser.evaluate("document.scripts.length") == 0
    links = browser.evaluate("[...document.links].map(a => a.protocol + (a.getAttribute('href')[0] === '#'))")
    assert links and set(links) <= {"http:false", "file:true"}  # http(s) pages, or our own #claim-N anchors
    text = normalised(browser.evaluate("document.body.innerText"))
    assert HOSTILE_SCRIPT in text and HOSTILE_IMG in text and HOSTILE_JS in text
    for claim in report["claims"]:
        deciding = claim["checks"][claim["deciding"]]
        assert claim["id"] in text and normalised(claim["claim"]) in text
        assert normalised(deciding["reason"]) in text
        for hit in deciding["evidence"]["hits"]:
            assert normalised(hit["excerpt"]) in text
    marks = browser.evaluate("[...document.querySelectorAll('mark')].map(m => m.innerText)")
    assert any("document.title='PWNED';console.error('PWNED')" in m for m in marks), marks


@needs_chromium
def test_on_a_phone_nothing_is_wider_than_the_screen(site, tmp_path):
    city = Cilegon(site)
    claims = city.claims()
    invoke("verify", claims, "--no-canary", "--format", "json")
    city.set(news="edited", disnaker=True, app=False)
    result = invoke(
        "verify", claims, "--no-canary", "--confirm", "1", "--format", "html", "-o", "report.html"
    )
    assert result.exit_code == 1, result.stderr
    with chromium.Chromium(tmp_path / "phone", width=390, height=844) as phone:
        load = phone.open(Path("report.html"))
        assert load.errors == [] and load.requests == []
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        assert phone.evaluate("innerWidth") == 390


@needs_chromium
def test_printing_shows_every_check_even_those_folded_away(site, browser):
    city = Cilegon(site)
    u = site.url
    write(
        "claims.yaml",
        f"""
        claims:
          - id: two-checks
            claim: "The labour app is live and says what it is"
            checks:
              - live: {u("/app")}
              - contains: {{url: {u("/app")}, all: ["kartu pencari kerja"]}}
        """,
    )
    assert city  # the pages are served
    assert invoke("verify", "claims.yaml", *FAST, "--format", "html", "-o", "report.html").exit_code == 0
    browser.open(Path("report.html"))
    shown = "document.querySelector('details .check').checkVisibility()"
    assert browser.evaluate(shown) is False  # folded on screen
    browser.call("Emulation.setEmulatedMedia", media="print")
    assert browser.evaluate(shown) is True
    pdf = browser.call("Page.printToPDF")["data"]
    assert len(pdf) > 1000
    assert [
        e
        for e in browser.events
        if e["method"] == "Network.requestWillBeSent"
        and not e["params"]["request"]["url"].startswith("file:")
    ] == []


def test_report_writes_one_run_in_several_formats(site):
    city = Cilegon(site)
    claims = city.claims()
    result = invoke(
        "verify",
        claims,
        *FAST,
        "--format",
        "markdown",
        "--report",
        "out.json",
        "--report",
        "out.html",
        "--report",
        "out.md",
        "--report",
        "out.csv",
    )
    assert result.exit_code == 0, result.stderr
    assert Path("out.md").read_text() == result.stdout
    report = json.loads(Path("out.json").read_text())
    assert [c["id"] for c in report["claims"]] == [
        "smart-city-priority",
        "disnaker-link",
        "labour-app-live",
        "dukcapil-schedule",
    ]
    assert Path("out.html").read_text().startswith("<!doctype html>")
    assert Path("out.csv").read_text().startswith("claim_id,")
    with HistoryStore(".civicheck/history.sqlite") as store:
        assert len(store.runs()) == 1  # one run, four reports


def test_a_report_file_of_an_unknown_kind_is_refused_before_fetching(site):
    city = Cilegon(site)
    claims = city.claims()
    result = invoke("verify", claims, *FAST, "--report", "out.txt")
    assert result.exit_code == 2
    assert "out.txt: name it .md, .json, .html or .csv" in result.stderr
    assert site.requests == []
    result = invoke("verify", claims, *FAST, "--report", "missing/out.html")
    assert result.exit_code == 2 and "the folder missing does not exist" in result.stderr


def test_merge_renders_html_too(site):
    city = Cilegon(site)
    claims = city.claims()
    shards = []
    for k in (1, 2):
        out = f"shard-{k}.json"
        assert invoke(
            "verify", claims, *FAST, "--shard", f"{k}/2", "--format", "json", "-o", out
        ).exit_code in (0, 1)
        shards.append(out)
    result = invoke("merge", *shards, "--no-history", "--format", "html")
    assert result.exit_code == 0, result.stderr
    doc = parse(result.stdout)
    assert len(doc.xpath("//article[contains(@class, 'claim')]")) == 4


def test_the_html_format_is_offered_where_reports_are_rendered():
    for command in ("verify", "merge"):
        help_text = invoke(command, "--help").stdout
        assert "html" in re.search(r"--format \[([^\]]+)\]", help_text)[1]
