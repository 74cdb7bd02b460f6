"""`history` and `diff` agree with what the runs printed: reported (damped) and raw counts side by side and
labelled; a confirmed change names the copy that showed the old verdict, not the held-back run's own copy.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from civicheck.cli import cli

PAGE = (
    "<html><head><title>Aplikasi layanan ketenagakerjaan</title></head><body><article><h1>Aplikasi Disnaker"
    "</h1><p>Aplikasi layanan ketenagakerjaan Kota Cilegon melayani pencari kerja, pelatihan dan penempatan "
    "tenaga kerja setiap hari kerja.</p><p>Warga dapat mendaftar kartu pencari kerja secara daring.</p>"
    "</article></body></html>"
)


def _night(site, up: bool) -> dict:
    if up:
        site.route("/app", PAGE)
    else:
        site.route("/app", "Gone", status=410)
    Path("claims.yaml").write_text(
        f"claims:\n  - id: labour-app-live\n    claim: The labour app is live\n"
        f"    checks:\n      - live: {site.url('/app')}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["verify", "claims.yaml", "--no-canary", "--format", "json", "-q"])
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)


def _warc_name(report: dict) -> str:
    return Path(report["warc"]).name


def test_history_shows_reported_and_said_counts_labelled(site):
    _night(site, up=True)
    second = _night(site, up=False)  # refuted, held back: still reported supported (--confirm 2)
    [claim] = second["claims"]
    assert (claim["verdict"], claim["reported_verdict"]) == ("refuted", "supported")

    table = CliRunner().invoke(cli, ["history"])
    assert table.exit_code == 0 and table.stderr == ""
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["run", "started", "at", "reported", "this", "run", "said", "civicheck"]
    assert "1 supported, 0 refuted, 0 unverified  " in lines[2]
    assert "1 supported, 0 refuted, 0 unverified; 1 pending  0 supported, 1 refuted, 0 unverified" in lines[3]
    assert lines[-1].startswith("reported: what each run's report printed")

    runs = json.loads(CliRunner().invoke(cli, ["history", "--format", "json"]).stdout)
    assert [(r["reported"], r["pending"], r["this run said"]) for r in runs] == [
        ({"supported": 1, "refuted": 0, "unverified": 0}, 0, {"supported": 1, "refuted": 0, "unverified": 0}),
        ({"supported": 1, "refuted": 0, "unverified": 0}, 1, {"supported": 0, "refuted": 1, "unverified": 0}),
    ]
    csv = CliRunner().invoke(cli, ["history", "--format", "csv"]).stdout.splitlines()
    assert csv[0] == (
        "run,started at,reported supported,reported refuted,reported unverified,pending,"
        "this run said supported,this run said refuted,this run said unverified,civicheck"
    )
    assert csv[2].split(",")[2:9] == ["1", "0", "0", "1", "0", "1", "0"]


def test_a_confirmed_change_names_the_copy_that_showed_the_old_verdict(site):
    first = _night(site, up=True)
    second = _night(site, up=False)
    third = _night(site, up=False)  # the second night in a row: the change is confirmed and reported
    [change] = third["changes"]["verdicts"]
    assert (change["old"], change["new"], change["old_raw"]) == ("supported", "refuted", "refuted")
    # Run 2 had already seen the page gone (only its verdict was held back): the old copy is run 1's.
    assert change["old_evidence_run"] == 1 and change["old_evidence_at"] == first["started_at"]
    assert [s["ref"].split("#")[0] for s in change["old_snapshots"]] == [_warc_name(first)]
    assert [s["ref"].split("#")[0] for s in change["new_snapshots"]] == [_warc_name(third)]
    assert _warc_name(second) not in json.dumps(change)

    diff = CliRunner().invoke(cli, ["diff"])
    assert diff.exit_code == 0, diff.stderr
    lines = diff.stdout.splitlines()
    at = lines.index("labour-app-live: supported -> refuted: live check failed: 410 Gone")
    assert lines[at + 1].startswith(
        f"  copy that said supported (run 1, {first['started_at']}): {_warc_name(first)}#"
    )
    assert lines[at + 2].startswith(f"  copy that says refuted: {_warc_name(third)}#")
    markdown = CliRunner().invoke(cli, ["diff", "--format", "markdown"]).stdout
    assert f"(run 1, {first['started_at']})" in markdown and _warc_name(second) not in markdown
