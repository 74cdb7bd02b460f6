"""Renderers: every format carries the verdicts, and no untrusted text can break out of its place."""

from __future__ import annotations

import csv
import io
import json

import pytest

from civicheck.checks import FAIL, PASS, Evidence, Hit, Outcome
from civicheck.claims import Check, Claim
from civicheck.escape import clean, md
from civicheck.render import render
from civicheck.report import run_to_dict
from civicheck.runner import ClaimResult, RunResult

HOSTILE = "Evil \x1b[2J\x1b]0;pwned\x07title | col <script>alert(1)</script> [link](javascript:alert(1)) `code`\r\nnext\u202e"


def make_run(text=HOSTILE) -> RunResult:
    check = Check(kind="quote", url="https://news.example/a", line=5, text="words")
    hit = Hit(
        text=text,
        location="paragraph 2 of the article",
        excerpt=f"before {text} after",
        mark=(7, 7 + len(text)),
    )
    ev = Evidence(
        url=check.url,
        final_url=check.url,
        status=200,
        fetched_at="2026-11-28T02:00:00Z",
        sha256="ab" * 32,
        hits=[hit],
    )
    claim = Claim(id="c1", claim=f"Claim with {text}", file="claims/x.yaml", line=3, checks=[check])
    ok = ClaimResult(
        claim, "refuted", f"quote check failed: {text}", [Outcome(check, FAIL, f"misquote {text}", ev)], 0
    )
    live = Check(kind="live", url="https://app.example.go.id/", line=9)
    claim2 = Claim(
        id="c2", claim="The app is live", file="claims/x.yaml", line=8, checks=[live], expect="supported"
    )
    ev2 = Evidence(
        url=live.url, final_url=live.url, status=200, fetched_at="2026-11-28T02:00:01Z", sha256="cd" * 32
    )
    good = ClaimResult(
        claim2,
        "supported",
        "live check passed: answered 200 OK",
        [Outcome(live, PASS, "answered 200 OK", ev2)],
        0,
    )
    return RunResult(started_at="2026-11-28T02:00:00Z", finished_at="2026-11-28T02:00:02Z", claims=[ok, good])


def test_clean_removes_escape_sequences_controls_and_line_breaks():
    out = clean("a\x1b[31mred\x1b[0m b\x1b]8;;http://x\x07link\x1b]8;;\x07 c\r\nd\x00e\u202ef\x9b2Jg")
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out and "\u202e" not in out
    assert "\n" not in out and "\r" not in out and "\x00" not in out
    assert out == "ared blink c defg"


def test_markdown_escaping_stops_links_html_code_and_columns():
    out = md(HOSTILE)
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "](" not in out.replace("\\](", "")  # no live link syntax
    assert "\\[link\\]" in out
    assert "|" not in out.replace("\\|", "")
    assert "`" not in out.replace("\\`", "")
    assert "\n" not in out and "\x1b" not in out


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv"])
def test_no_control_characters_reach_text_formats(fmt):
    out = render(run_to_dict(make_run()), fmt)
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out and "\r" not in out


def test_table_has_the_columns_and_summary():
    out = render(run_to_dict(make_run()), "table")
    header = out.splitlines()[0]
    assert header.split() == ["claim", "statement", "verdict", "evidence", "snapshot"]
    # The time is said once, under the table, not on every row.
    assert "checked at" not in out and "\nchecked 20" in out
    assert "refuted (expected supported)" in out.replace("\n", " ") or "refuted" in out
    assert "2 claims: 1 supported, 1 refuted, 0 unverified; 1 not as expected" in out


def test_table_color_marks_only_our_verdict_words():
    out = render(run_to_dict(make_run()), "table", color=True)
    assert "\x1b[32msupported\x1b[0m" in out and "\x1b[2J" not in out


def test_markdown_table_rows_keep_their_column_count():
    out = render(run_to_dict(make_run()), "markdown")
    rows = [line for line in out.splitlines() if line.startswith(("| c1 ", "| c2 "))]
    assert len(rows) == 2
    for row in rows:
        unescaped_pipes = row.replace("\\|", "").count("|")
        assert unescaped_pipes == 7, row  # six columns
    assert out.splitlines()[0].startswith("**civicheck:** 2 claims: 1 supported, 1 refuted")
    assert "<script>" not in out


def test_markdown_marks_the_match_in_the_excerpt():
    run = make_run(text="Smart City")
    out = render(run_to_dict(run), "markdown")
    assert "before **Smart City** after" in out


def test_json_follows_the_documented_schema():
    data = json.loads(render(run_to_dict(make_run()), "json"))
    assert data["schema"] == 1
    assert data["summary"] == {"supported": 1, "refuted": 1, "unverified": 0}
    claim = data["claims"][0]
    assert {"id", "claim", "verdict", "expect", "reason", "checks"} <= claim.keys()
    check = claim["checks"][0]
    assert {"kind", "url", "outcome", "reason", "evidence"} <= check.keys()
    assert {"final_url", "status", "error", "fetched_at", "sha256", "excerpt"} <= check["evidence"].keys()
    # The raw text survives in JSON (it is data), but no byte a terminal would act on is left unescaped.
    assert HOSTILE in check["evidence"]["hits"][0]["text"]


def test_json_escapes_c1_and_bidi_characters():
    raw = render(run_to_dict(make_run(text="x\x9b2J\u202ey")), "json")
    assert "\x9b" not in raw and "\u202e" not in raw and "\\u009b" in raw and "\\u202e" in raw
    assert json.loads(raw)["claims"][0]["checks"][0]["evidence"]["hits"][0]["text"] == "x\x9b2J\u202ey"


def test_csv_one_row_per_check_and_formulas_neutralised():
    out = render(run_to_dict(make_run(text='=HYPERLINK("http://evil")')), "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["claim_id"] for r in rows] == ["c1", "c2"]
    assert rows[0]["excerpt"].startswith("before =HYPERLINK")
    assert rows[0]["claim"] == 'Claim with =HYPERLINK("http://evil")'
    run = make_run(text="x")
    run.claims[0].claim.claim = "=cmd|' /C calc'!A0"
    rows = list(csv.DictReader(io.StringIO(render(run_to_dict(run), "csv"))))
    assert rows[0]["claim"].startswith("'=")
