"""The terminal report fits the terminal: one table where the columns fit, one block per claim below that, no
URL or claim id ever cut, the time and the WARC said once. In a real terminal too (tmux, 80 and 200 columns).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import wcwidth
from click.testing import CliRunner
from golden_site import build

from civicheck.cli import cli
from civicheck.render import render


def _claims_15(site, closed_url: str) -> str:
    """15 of the golden site's claims, every kind among them (quotes, misquotes, dates, statuses, links)."""
    text, _ = build(site, closed_url)
    head, *items = text.split("\n  - id: ")
    return head + "".join("\n  - id: " + item for item in items[::13][:15])


def _report_15(site, tmp_path: Path, closed_url: str) -> dict:
    (tmp_path / "claims.yaml").write_text(_claims_15(site, closed_url), encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        [
            "verify",
            "claims.yaml",
            "--format",
            "json",
            "--no-history",
            "--canary",
            site.url("/canary"),
            "-o",
            "report.json",
            "-q",
        ],
    )
    assert result.exit_code in (0, 1), result.output
    return json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))


def _widest(text: str) -> int:
    return max(wcwidth.width(line) for line in text.splitlines())


def _overlong(text: str, width: int) -> list[str]:
    """Lines wider than `width` that could have been wrapped (a single URL or id longer than the line may not)."""
    return [line for line in text.splitlines() if wcwidth.width(line) > width and len(line.split()) > 1]


def _whole(text: str, words: list[str]) -> list[str]:
    """The words (URLs, ids) that do not appear whole on one line of `text`."""
    lines = text.splitlines()
    return [w for w in words if not any(w in line for line in lines)]


def test_a_15_claim_run_is_a_table_from_112_columns_and_stacked_below(site, tmp_path, closed_port_url):
    report = _report_15(site, tmp_path, closed_port_url)
    urls = sorted({check["url"] for claim in report["claims"] for check in claim["checks"]})
    ids = [claim["id"] for claim in report["claims"]]
    for width in (200, 120, 112):
        out = render(report, "table", width=width)
        assert out.splitlines()[0].split() == ["claim", "statement", "verdict", "evidence", "snapshot"], width
        assert _widest(out) <= width
    for width in (111, 80, 60):
        out = render(report, "table", width=width)
        assert not out.startswith("claim "), width
        assert _overlong(out, width) == [], width
        assert _whole(out, urls) == [] and _whole(out, ids) == []
        blocks = out.split("\n\n")
        for claim in report["claims"]:
            # verdict and id on the block's first line, then the statement, evidence and snapshot under labels
            block = next(b for b in blocks if re.search(rf"  {re.escape(claim['id'])}$", b.splitlines()[0]))
            assert block.splitlines()[1].startswith("  claim     ")
            assert "\n  evidence  " in block and "\n  snapshot  #" in block
    narrow = render(report, "table", width=80)
    assert narrow.count(".warc.gz") == 1 and "checked at" not in narrow
    assert len(re.findall(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", narrow)) <= 2  # "checked FROM to TO", once


def _report(evidence_url: str, claim_id: str = "c1") -> dict:
    return {
        "started_at": "2026-11-28T02:00:00Z",
        "warc": ".civicheck/archive/run.warc.gz",
        "claims": [
            {
                "id": claim_id,
                "claim": "The portal lists every agency",
                "verdict": "refuted",
                "reported_verdict": "refuted",
                "pending": None,
                "expect": "refuted",
                "checks": [
                    {
                        "kind": "live",
                        "url": evidence_url,
                        "reason": "404 Not Found",
                        "outcome": "fail",
                        "evidence": {
                            "fetched_at": "2026-11-28T02:00:01Z",
                            "hits": [],
                            "snapshots": [{"kind": "warc", "ref": "run.warc.gz#<urn:uuid:5cca07f3-aaaa>"}],
                        },
                    }
                ],
            }
        ],
    }


def test_a_url_longer_than_the_line_stands_whole_on_its_own_line():
    url = "https://www.cilegon.go.id/" + "layanan-publik/" * 8 + "index.html"
    out = render(_report(url, "an-id-that-is-quite-long-too"), "table", width=40)
    assert [line.strip() for line in out.splitlines() if url in line] == [url + ":"]
    assert _overlong(out, 40) == []
    assert "refuted  an-id-that-is-quite-long-too" in out
    assert "checked 2026-11-28T02:00:01Z" in out and out.count("run.warc.gz") == 1


def test_colour_codes_are_not_counted_and_reopen_on_every_wrapped_line():
    report = _report("https://www.cilegon.go.id/")
    check = report["claims"][0]["checks"][0]
    check["evidence"]["hits"] = [
        {
            "text": "Sebanyak 29 layanan akan terhubung dengan portal kota tahun depan",
            "location": "paragraph 3",
        }
    ]
    out = render(report, "table", width=50, color=True)
    assert "\x1b[31mrefuted\x1b[0m" in out
    bold = [line for line in out.splitlines() if "\x1b[1m" in line]
    assert len(bold) >= 2  # the page's words span lines, bold on each
    assert _widest(out) <= 50


def test_width_option_lays_out_a_pipe_too(site, tmp_path):
    url = site.route(
        "/",
        "<html><body><p>Dinas Tenaga Kerja Kota Cilegon melayani pencari kerja setiap hari kerja "
        "di kantor dinas dan lewat aplikasi.</p></body></html>",
    )
    (tmp_path / "c.yaml").write_text(
        f"claims:\n  - id: disnaker-page\n    claim: The labour agency's page is up\n"
        f"    checks:\n      - live: {url}\n",
        encoding="utf-8",
    )
    wide = CliRunner().invoke(cli, ["verify", "c.yaml", "--no-history", "--no-canary", "-q"])
    narrow = CliRunner().invoke(
        cli, ["verify", "c.yaml", "--no-history", "--no-canary", "-q", "--width", "40"]
    )
    assert wide.exit_code == narrow.exit_code == 0, wide.output + narrow.output
    assert wide.stdout.startswith("claim ")  # not a terminal: the table, whatever $COLUMNS says
    assert narrow.stdout.startswith("supported  disnaker-page\n") and _overlong(narrow.stdout, 40) == []
    assert wide.stderr == narrow.stderr == ""


# --- in a real terminal -------------------------------------------------------------------------------------

TMUX = shutil.which("tmux")


@pytest.mark.skipif(TMUX is None, reason="tmux is not installed (apt-get install tmux; .ci/run installs it)")
@pytest.mark.parametrize("columns", [80, 200])
def test_the_report_in_a_real_terminal(site, tmp_path, closed_port_url, columns):
    (tmp_path / "claims.yaml").write_text(_claims_15(site, closed_port_url), encoding="utf-8")
    socket = f"civicheck-test-{uuid.uuid4().hex[:8]}"  # our own tmux server: no other session is touched
    command = (
        f"cd {tmp_path} && env -u COLUMNS -u LINES CIVICHECK_ALLOW_PRIVATE=1 {sys.executable} -m civicheck "
        f"verify claims.yaml --no-history --canary {site.url('/canary')} > /dev/tty; echo __EXIT_$?__; "
        "sleep 60"
    )
    subprocess.run(
        [TMUX, "-L", socket, "new-session", "-d", "-x", str(columns), "-y", "50", "-s", "t", command],
        check=True,
        timeout=20,
        env={**os.environ, "TERM": "xterm-256color"},
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            screen = subprocess.run(
                [TMUX, "-L", socket, "capture-pane", "-p", "-J", "-S", "-", "-t", "t"],
                capture_output=True,
                text=True,
                timeout=20,
            ).stdout
            if "__EXIT_" in screen or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    finally:
        subprocess.run([TMUX, "-L", socket, "kill-server"], timeout=20, check=False)
    assert re.search(r"__EXIT_[01]__", screen), screen[-3000:]
    screen = screen[: screen.index("__EXIT_")]
    # -J joins the lines the terminal wrapped: a line wider than the terminal shows here as one long line.
    assert _widest(screen) <= columns, screen
    report = _report_15(site, tmp_path, closed_port_url)
    urls = sorted({check["url"] for claim in report["claims"] for check in claim["checks"]})
    assert _whole(screen, urls) == [] and _whole(screen, [c["id"] for c in report["claims"]]) == []
    assert screen.count(".warc.gz") == 1 and "archived what was seen" not in screen
    assert "Fetching" not in screen  # the progress line is cleared before the report
    header = [line.split() for line in screen.splitlines() if line.startswith("claim ")]
    if columns == 200:
        assert header == [["claim", "statement", "verdict", "evidence", "snapshot"]]
    else:
        assert header == [] and re.search(r"^(supported|refuted|unverified)\S*.*  a0-live$", screen, re.M)
