"""Regression tests from a review of the core pipeline: each one failed before its fix.

Verdicts a hostile or empty page must not decide, network failures of our own that must not count against a
site, input that must be refused as bad rather than crash, and output that no page or file can break.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from helpers import claims_file, fetched, invoke

from civicheck.cli import INTERRUPTED, ExitCode, _write
from civicheck.escape import clean
from civicheck.extract import extract
from civicheck.fetch import ErrorKind, FetchResult
from civicheck.render import render
from civicheck.render.common import md_snapshot

ARTICLE = (
    "<html><head><title>Smart City</title></head><body><article><p>Pemerintah Kota Cilegon menetapkan "
    "Smart City sebagai program prioritas dalam RPJMD 2021-2026, kata Wali Kota.</p></article></body></html>"
)
NOT_FOUND = (
    "<html><head><title>Halaman tidak ditemukan</title></head><body><h1>Halaman tidak ditemukan</h1>"
    "<p>Maaf.</p></body></html>"
)


def verify_json(claims, *args) -> dict:
    result = invoke("verify", claims, "--format", "json", "--no-history", *args)
    assert result.exit_code in (ExitCode.OK, ExitCode.UNEXPECTED), result.stderr
    return json.loads(result.stdout)


def outcomes(report: dict) -> dict[str, list[tuple[str, str]]]:
    return {c["id"]: [(ch["outcome"], ch["reason"]) for ch in c["checks"]] for c in report["claims"]}


# --- untrusted pages: extraction ---------------------------------------------------------------------------


def test_a_malformed_link_on_a_page_is_reported_invalid_not_a_crash(tmp_path, site):
    # urljoin raises ValueError on "http://[oops/": the whole run used to end in exit 3, "this is a bug". No
    # browser can open it either: it is a broken link of the audit, never fetched (issue 12).
    site.route(
        "/",
        '<html><body><p>Portal kota</p><a href="http://[oops/">Rusak</a>'
        '<a href="/disnaker">Disnaker</a></body></html>',
    )
    site.route("/disnaker", ARTICLE)
    claims = claims_file(
        tmp_path, f"claims:\n  - id: a\n    claim: x\n    checks:\n      - links: {site.url('/')}\n"
    )
    [check] = verify_json(claims, "--no-canary")["claims"][0]["checks"]
    links = check["evidence"]["links"]
    assert [(link["url"], link["outcome"]) for link in links] == [
        ("http://[oops/", "fail"),
        (site.url("/disnaker"), "pass"),
    ]
    assert links[0]["reason"].startswith("invalid link: 'http://[oops/'") and links[0]["status"] is None


def test_deeply_nested_and_long_pages_extract_in_linear_time():
    # Inserting line breaks into the bs4 tree cost time per element proportional to its subtree and siblings:
    # 20,000 nested divs took 30 s (a hostile page could hold a run for hours), and recursion would overflow.
    nested = "<div>" * 20000 + "<p>Smart City</p>" + "</div>" * 20000
    rows = "".join(f"<tr><td>Dinas {i}</td></tr>" for i in range(20000))
    started = time.monotonic()
    doc = extract(fetched(f"<html><body>{nested}<table>{rows}</table></body></html>"))
    assert time.monotonic() - started < 15  # about one second now
    assert (
        doc.page_blocks[0] == "Smart City"
        and doc.page_blocks[-1] == "Dinas 19999"
        and len(doc.page_blocks) == 20001
    )


def test_visible_text_keeps_block_breaks_and_leaves_out_what_is_not_shown():
    doc = extract(
        fetched(
            "<html><head><title>T</title></head><body><p>tersebut.<br>Dia <b>Smart</b> City</p>"
            "<div hidden><p>rahasia</p></div><!-- komentar --><template><p>templat</p></template>"
            "<ul><li>satu</li><li>dua <i>tiga</i></li></ul><![CDATA[x]]><p>akhir</p></body></html>"
        )
    )
    assert doc.page_blocks == ["tersebut.", "Dia Smart City", "satu", "dua tiga", "akhir"]


# --- verdicts -----------------------------------------------------------------------------------------------


def test_text_checks_on_a_page_without_text_are_unknown(tmp_path, site):
    # An empty page supported every `none:` ("forbidden phrase not found") and refuted every quote.
    site.route("/empty", b"")
    site.route(
        "/app", "<html><head><script src='app.js'></script></head><body><div id='app'></div></body></html>"
    )
    claims = claims_file(
        tmp_path,
        f"""
        claims:
          - id: none-on-empty
            claim: x
            checks:
              - contains: {{url: {site.url("/empty")}, none: [dibatalkan]}}
          - id: none-on-app-shell
            claim: x
            checks:
              - contains: {{url: {site.url("/app")}, none: [dibatalkan]}}
          - id: quote-on-empty
            claim: x
            checks:
              - quote: {{url: {site.url("/empty")}, text: "program prioritas"}}
          - id: live-on-empty
            claim: x
            checks:
              - live: {site.url("/empty")}
        """,
    )
    got = outcomes(verify_json(claims, "--no-canary"))
    for claim_id in ("none-on-empty", "none-on-app-shell", "quote-on-empty"):
        [(outcome, reason)] = got[claim_id]
        assert outcome == "unknown" and reason.startswith("no text to check: the page shows no text"), got[
            claim_id
        ]
    assert got["live-on-empty"] == [("fail", "answered 200 OK with an empty page")]  # unchanged


def test_soft404_false_on_one_claim_does_not_blind_another_claims_text_check(tmp_path, site):
    site.route("/berita/123", NOT_FOUND)
    quote = f"""
          - id: quote
            claim: x
            checks:
              - quote: {{url: {site.url("/berita/123")}, text: "Smart City sebagai program prioritas"}}
        """
    live = f"""
          - id: live
            claim: x
            checks:
              - live: {{url: {site.url("/berita/123")}, soft404: false}}
        """
    alone = outcomes(verify_json(claims_file(tmp_path, "claims:" + quote, "a.yaml"), "--no-canary"))["quote"]
    beside = outcomes(verify_json(claims_file(tmp_path, "claims:" + quote + live, "b.yaml"), "--no-canary"))
    assert alone[0][0] == "unknown" and "'not found' page" in alone[0][1]
    assert beside["quote"] == alone  # was: refuted, the "not found" page read as the article
    assert beside["live"][0][0] == "pass"  # the live check still trusts the status code, as it asked


def test_a_tls_failure_counts_against_a_site_only_when_we_are_online(tmp_path, site, closed_port_url):
    # Behind a captive portal or a TLS-intercepting proxy every https site fails its handshake.
    claims = claims_file(
        tmp_path,
        f"claims:\n  - id: a\n    claim: x\n    checks:\n      - live: https://127.0.0.1:{site.port}/\n",
    )
    offline = verify_json(claims, "--canary", closed_port_url)
    [(outcome, reason)] = outcomes(offline)["a"]
    assert outcome == "unknown" and "network unavailable" in reason and "TLS handshake" in reason
    assert offline["claims"][0]["checks"][0]["evidence"]["error"] == "tls"
    site.route("/", ARTICLE)
    [(outcome, reason)] = outcomes(verify_json(claims, "--canary", site.url("/")))["a"]
    assert outcome == "fail" and reason.startswith("TLS handshake with 127.0.0.1")


def test_a_status_check_that_is_rate_limited_is_unknown(tmp_path, site):
    site.route("/busy", "Too many requests", status=429)
    claims = claims_file(
        tmp_path,
        f"""
        claims:
          - id: gone
            claim: x
            checks:
              - status: {{url: {site.url("/busy")}, code: 404}}
          - id: limited
            claim: x
            checks:
              - status: {{url: {site.url("/busy")}, code: 429}}
        """,
    )
    got = outcomes(verify_json(claims, "--no-canary"))
    assert got["gone"] == [("unknown", "rate limited by the server (429 Too Many Requests); try again later")]
    assert got["limited"][0][0] == "pass"


def test_a_replay_without_a_connectivity_answer_does_not_trust_the_network(tmp_path):
    from civicheck.archive import WarcWriter
    from civicheck.archive.warc import NO_CANARY_ANSWER

    url = "http://app.cilegon.invalid/"
    with WarcWriter(tmp_path / "archive", "20261128T020000Z-abcdef", "2026-11-28T02:00:00Z") as warc:
        warc.write(
            FetchResult(
                url, url, None, "", ErrorKind.DNS, "DNS lookup failed: no answer", "2026-11-28T02:00:00Z"
            )
        )
    claims = claims_file(tmp_path, f"claims:\n  - id: a\n    claim: x\n    checks:\n      - live: {url}\n")
    report = verify_json(claims, "--replay", warc.path)
    [(outcome, reason)] = outcomes(report)["a"]
    assert (
        outcome == "unknown" and "network unavailable" in reason
    )  # was: refuted, "network trusted (replay)"
    assert report["network"] == NO_CANARY_ANSWER


def test_links_evidence_names_where_each_link_is_kept(tmp_path, site):
    site.route("/", '<html><body><p>Portal</p><a href="/disnaker">Disnaker</a></body></html>')
    site.route("/disnaker", ARTICLE)
    claims = claims_file(
        tmp_path, f"claims:\n  - id: a\n    claim: x\n    checks:\n      - links: {site.url('/')}\n"
    )
    [link] = verify_json(claims, "--no-canary")["claims"][0]["checks"][0]["evidence"]["links"]
    [snapshot] = link["snapshots"]
    assert snapshot["kind"] == "warc" and snapshot["ref"].startswith("civicheck-")


def test_a_selector_parses_the_portal_page_once(tmp_path, site, monkeypatch):
    # The links a selector picks are collected while the page is read (the body is let go after), so the
    # portal page is parsed once, not again to fetch its links, assess them and judge the check.
    import bs4

    from civicheck.claims import load_claims
    from civicheck.fetch.client import Fetcher
    from civicheck.reading import inline_reader  # in this process, where the parser can be watched
    from civicheck.runner import Connectivity, run

    parsed = []

    class Watched(bs4.BeautifulSoup):
        def __init__(self, markup="", *args, **kwargs):
            parsed.append(markup)
            super().__init__(markup, *args, **kwargs)

    monkeypatch.setattr(bs4, "BeautifulSoup", Watched)
    site.route("/", '<html><body><ul id="dinas"><li><a href="/disnaker">Disnaker</a></li></ul></body></html>')
    site.route("/disnaker", ARTICLE)
    claims = claims_file(
        tmp_path,
        f"claims:\n  - id: a\n    claim: x\n    checks:\n"
        f"      - links: {{url: {site.url('/')}, select: '#dinas'}}\n",
    )
    with Fetcher(allow_private=True) as fetcher:
        result = run(load_claims([claims]), fetcher, Connectivity(None), reader=inline_reader())
    [outcome] = result.claims[0].outcomes
    assert (outcome.outcome, outcome.reason) == ("pass", "all 1 link work")
    assert (
        sum('id="dinas"' in markup for markup in parsed) == 1
    )  # was 3: fetching the links, assessing, judging


# --- bad input is exit 2, never a crash ---------------------------------------------------------------------


def test_replay_records_no_history_and_an_empty_history_is_no_history(tmp_path, site):
    from civicheck.history import HistoryStore

    site.route("/", ARTICLE)
    claims = claims_file(
        tmp_path, f"claims:\n  - id: a\n    claim: x\n    checks:\n      - live: {site.url('/')}\n"
    )
    assert invoke("verify", claims, "--no-canary", "--no-history").exit_code == 0
    [warc] = (tmp_path / ".civicheck" / "archive").glob("*.warc.gz")
    assert invoke("verify", claims, "--replay", warc).exit_code == 0
    assert not (tmp_path / ".civicheck" / "history.sqlite").exists()  # a replay neither records nor opens it
    HistoryStore(tmp_path / "empty.sqlite").close()
    empty = invoke("history", "--db", tmp_path / "empty.sqlite")
    assert empty.exit_code == ExitCode.BAD_INPUT and "holds no runs yet" in empty.stderr


@pytest.mark.parametrize(
    "text, message",
    [
        (
            'claims:\n  - id: a\n    claim: "x \\ud800 y"\n    checks: [{live: https://a.example/}]\n',
            ":3: YAML syntax error: '\\ud800' is half of a UTF-16 pair",
        ),
        (
            'claims:\n  - id: "a\\n"\n    claim: x\n    checks: [{live: https://a.example/}]\n',
            "must be letters, digits",
        ),
        (
            "claims:\n  - id: 2023\n    claim: x\n    checks: [{live: https://a.example/}]\n",
            "id 2023 must be text: put it in quotes, id: '2023'",
        ),
        (
            "claims:\n  - id: a\n    claim: x\n    checks: [{live: 'https://a.example:99999/'}]\n",
            "has an invalid port",
        ),
        (
            "claims:\n  - id: a\n    claim: x\n    checks: [{live: 'https://a.example:0/'}]\n",
            "has an invalid port",
        ),
    ],
)
def test_claims_that_could_not_be_checked_or_reported_are_bad_input(tmp_path, text, message):
    claims = tmp_path / "c.yaml"
    claims.write_text(text, encoding="utf-8")
    result = invoke("lint", claims)
    assert result.exit_code == ExitCode.BAD_INPUT and message in result.stderr, result.stderr


@pytest.mark.parametrize(
    "body",
    [
        "[]",
        "{}",
        '{"schema": 1, "claims": []}',
        '[{"@type": "ClaimReview"}]',
        '{"schema": 1, "started_at": "2026-11-28T02:00:00Z", "claims": [{"id": "a"}]}',
        '{"schema": 1, "started_at": "2026-11-28T02:00:00Z", "claims": [{"id": "a", "claim": "c", "reason": "r",'
        ' "verdict": "[x](javascript:alert(1))", "checks": [{"kind": "live", "url": "u", "outcome": "pass",'
        ' "reason": "r", "evidence": {}}]}]}',
        '{"schema": 1, "started_at": "2026-11-28T02:00:00Z", "claims": [{"id": "a", "claim": "c\\ud800", "reason": "r",'
        ' "verdict": "supported", "checks": [{"kind": "live", "url": "u", "outcome": "pass",'
        ' "reason": "r", "evidence": {}}]}]}',
    ],
)
def test_merge_refuses_a_file_that_is_not_a_report(tmp_path, body):
    path = tmp_path / "shard.json"
    path.write_text(body, encoding="utf-8")
    result = invoke("merge", path, "--no-history")
    assert result.exit_code == ExitCode.BAD_INPUT, result.stderr  # was 3 with a traceback, or a rendered link
    assert "not a civicheck JSON report" in result.stderr and result.stdout == ""


def test_a_canary_that_is_not_a_web_address_is_a_usage_error(tmp_path):
    claims = claims_file(
        tmp_path, "claims:\n  - id: a\n    claim: x\n    checks:\n      - live: http://a.invalid/\n"
    )
    result = invoke("verify", claims, "--canary", "www.google.com")  # was: every run "offline"
    assert (
        result.exit_code == ExitCode.BAD_INPUT
        and "--canary" in result.stderr
        and "http(s) URL" in result.stderr
    )


# --- nothing reaches the terminal raw -----------------------------------------------------------------------

ESCAPES = ("\x1b", "\x07", "\x9b", "\u202e")


def test_claims_file_problems_show_control_characters_instead_of_sending_them(tmp_path):
    claims = tmp_path / "c.yaml"
    claims.write_text(
        'claims:\n  - id: a\n    claim: x\n    "ti\\e]0;pwned\\atle": 1\n'
        '    checks: [{"fl\\e[2Jy\\u202e": https://a.example/}]\n',
        encoding="utf-8",
    )
    result = invoke("lint", claims)
    assert result.exit_code == ExitCode.BAD_INPUT
    assert not any(ch in result.stderr for ch in ESCAPES), repr(result.stderr)
    assert "unknown key 'ti\\x1b]0;pwned\\x07tle'" in result.stderr
    assert "unknown check kind 'fl\\x1b[2Jy\\u202e'" in result.stderr


def test_usage_errors_and_bug_reports_show_control_characters_instead_of_sending_them(tmp_path, monkeypatch):
    missing = invoke("verify", tmp_path / "claims\x1b[2J")
    assert missing.exit_code == ExitCode.BAD_INPUT and "claims\\x1b[2J" in missing.stderr
    assert "\x1b" not in missing.stderr

    import civicheck.claims

    def broken(paths):
        raise RuntimeError("page said \x1b]0;pwned\x07")

    monkeypatch.setattr(civicheck.claims, "load_claims", broken)
    bug = invoke("lint", tmp_path)
    assert bug.exit_code == ExitCode.INTERNAL and "this is a bug" in bug.stderr
    assert not any(ch in bug.stderr for ch in ESCAPES) and "page said \\x1b]0;pwned\\x07" in bug.stderr


def test_an_archive_answer_in_an_error_cannot_drive_the_terminal(site):
    def hostile(handler):
        handler.wfile.write(
            b"HTTP/1.1 503 Busy\x1b]0;pwned\x07\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )

    site.route("/cdx/search/cdx", handler=hostile)
    result = invoke("timeline", "https://www.cilegon.go.id/", "--archive", f"wayback={site.base_url}")
    assert result.exit_code == ExitCode.UNEXPECTED and "answered 503 Busy\\x1b]0;pwned\\x07" in result.stderr
    assert not any(ch in result.stderr for ch in ESCAPES)


def hostile_report(**claim) -> dict:
    check = {
        "kind": "live",
        "url": "https://x.example/",
        "line": 4,
        "outcome": "pass",
        "reason": "answered 200 OK",
        "evidence": {"status": 200, "fetched_at": "2026-11-28T02:00:00Z", "snapshots": []},
    }
    base = {
        "id": "a",
        "claim": "The app is not supported on Android",
        "verdict": "supported",
        "expect": None,
        "reason": "r",
        "deciding": 0,
        "checks": [check],
    }
    return {"schema": 1, "started_at": "2026-11-28T02:00:00Z", "claims": [{**base, **claim}]}


def test_verdict_cells_are_escaped_like_every_other_cell():
    report = hostile_report(verdict="[x](javascript:alert(1))", expect="\x1b[2Jsupported")
    markdown = render(report, "markdown")
    assert "](javascript" not in markdown.replace("\\](", "")
    table = render(report, "table")
    assert "\x1b" not in table


def test_colour_marks_our_verdict_not_the_same_word_in_a_statement():
    table = render(hostile_report(verdict="refuted", expect="refuted"), "table", color=True)
    assert "\x1b[31mrefuted\x1b[0m" in table and "\x1b[32m" not in table  # "not supported" in the statement


def test_snapshot_links_cannot_end_their_link_or_their_table_cell():
    cell = md_snapshot("https://web.archive.org/web/2023/https://x.example/a|b\\")
    assert cell == "[copy](<https://web.archive.org/web/2023/https://x.example/a%7Cb%5C>)"


def test_lone_surrogates_and_the_arabic_letter_mark_cannot_break_output():
    # A merged report is read with json.load, which turns "\ud800" into a lone surrogate: no UTF-8 output
    # can hold it. U+061C is a bidi control like U+200F.
    report = hostile_report(claim="x\ud800y\u061cz")
    for fmt in ("table", "markdown", "csv", "json"):
        render(report, fmt).encode("utf-8")
    assert clean("x\ud800y\u061cz") == "xyz"
    assert "\\ud800" in render(report, "json") and "\\u061c" in render(report, "json")


# --- the command line itself --------------------------------------------------------------------------------


def test_a_failed_report_write_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "report.md"
    target.mkdir()  # replace() onto a directory fails after the temporary file is written
    with pytest.raises(OSError):
        _write("report", target)
    assert not (tmp_path / ".report.md.tmp").exists()


def test_ctrl_c_is_not_reported_as_a_claim_not_as_expected(tmp_path, site):
    def slow(handler):
        site.sleep(30)

    site.route("/slow", handler=slow)
    claims = claims_file(
        tmp_path, f"claims:\n  - id: a\n    claim: x\n    checks:\n      - live: {site.url('/slow')}\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "civicheck", "verify", str(claims), "--no-canary", "--no-history"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    deadline = time.monotonic() + 20
    while site.hits("/slow") == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == INTERRUPTED, err  # click's default was 1: "a claim is not as expected"
    assert b"interrupted" in err
