"""Snapshots through the command line: the run's WARC, offline replay, pywb captures, the dead-source fallback
to the last good capture, and `civicheck timeline` — all against real servers on 127.0.0.1 and a real pywb."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from click.testing import CliRunner
from pywb_server import pywb, wait_past  # noqa: F401 - pywb is a fixture

from civicheck.cli import ExitCode, cli

WARCIO = str(Path(sys.executable).with_name("warcio"))  # warcio's own command-line checker

ARTICLE = (
    "<html><head><title>RPJMD Cilegon</title></head><body><article><h1>Smart City</h1>"
    "<p>Pemerintah Kota Cilegon menetapkan Smart City sebagai program prioritas dalam RPJMD 2021-2026, "
    "kata Wali Kota dalam rapat paripurna DPRD pada Senin pagi.</p>"
    "<p>Aplikasi layanan ketenagakerjaan sudah bisa diakses masyarakat sejak Juli 2023.</p>"
    "</article></body></html>"
)


def claims_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "claims" / "c.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def verify(*args) -> tuple[object, dict]:
    result = CliRunner().invoke(cli, ["verify", *map(str, args), "--format", "json", "--no-history"])
    assert result.exit_code in (ExitCode.OK, ExitCode.UNEXPECTED), result.stderr
    return result, json.loads(result.stdout)


def portal_claims(tmp_path, site, closed_port_url):
    site.route("/", ARTICLE)
    site.route("/berita/smart-city", ARTICLE)
    site.route("/gone", "Not Found", status=404)
    site.route("/moved", "", status=302, headers={"Location": "/berita/smart-city"})
    u = site.url
    return claims_file(
        tmp_path,
        f"""
        claims:
          - id: smart-city
            claim: Smart City is a priority
            checks:
              - quote: {{url: {u("/")}, text: "Smart City sebagai program prioritas dalam RPJMD 2021-2026"}}
              - contains: {{url: {u("/moved")}, all: [ketenagakerjaan]}}
          - id: agency-links
            claim: agency pages
            checks:
              - dead: {u("/gone")}
              - live: {closed_port_url}
              - live: http://disdukcapil.cilegon.invalid/
        """,
    )


def comparable(report: dict) -> list:
    """What a replay must reproduce: verdicts, reasons and evidence hashes (not timing or snapshot names)."""
    return [
        (
            c["id"],
            c["verdict"],
            c["reason"],
            [
                (
                    ch["outcome"],
                    ch["reason"],
                    ch["evidence"]["status"],
                    ch["evidence"]["error"],
                    ch["evidence"]["sha256"],
                    ch["evidence"]["text_sha256"],
                    ch["evidence"]["fetched_at"],
                    ch["evidence"]["excerpt"],
                )
                for ch in c["checks"]
            ],
        )
        for c in report["claims"]
    ]


def test_every_run_keeps_a_warc_and_replay_reproduces_it_offline(tmp_path, site, closed_port_url):
    claims = portal_claims(tmp_path, site, closed_port_url)
    archive_dir = tmp_path / "archive"
    live, live_report = verify(claims, "--archive-dir", archive_dir, "--canary", site.url("/"))
    [warc] = archive_dir.glob("civicheck-*.warc.gz")
    assert live_report["warc"] == str(warc)
    assert f"archived what was seen in {warc}" in live.stderr
    check = subprocess.run([WARCIO, "check", str(warc)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    # Every check names its snapshot: the WARC file and record.
    for claim in live_report["claims"]:
        for ch in claim["checks"]:
            [snap] = ch["evidence"]["snapshots"]
            assert snap["kind"] == "warc" and snap["ref"].startswith(f"{warc.name}#<urn:uuid:")
    verdicts = {c["id"]: c["verdict"] for c in live_report["claims"]}
    assert verdicts == {"smart-city": "supported", "agency-links": "refuted"}

    site.stop()  # replay must not need the network at all
    replayed, replay_report = verify(claims, "--replay", warc, "--no-warc")
    assert comparable(replay_report) == comparable(live_report)
    assert replay_report["warc"] is None and not list(Path.cwd().glob(".civicheck/archive/*.warc.gz"))
    assert replayed.exit_code == live.exit_code


def test_replay_of_a_url_the_archive_lacks_is_unknown_never_fetched(tmp_path, site):
    site.route("/", ARTICLE)
    claims = claims_file(
        tmp_path, f"claims:\n  - id: a\n    claim: x\n    checks:\n      - live: {site.url('/')}\n"
    )
    verify(claims, "--archive-dir", tmp_path / "a", "--no-canary")
    [warc] = (tmp_path / "a").glob("*.warc.gz")
    hits = site.hits("/")
    site.route("/new", ARTICLE)
    claims.write_text(claims.read_text() + f"      - live: {site.url('/new')}\n")
    _, report = verify(claims, "--replay", warc)
    [claim] = report["claims"]
    assert [ch["outcome"] for ch in claim["checks"]] == ["pass", "unknown"]
    assert "not in the replayed archive" in claim["checks"][1]["reason"]
    assert site.hits("/") == hits and site.hits("/new") == 0


def test_replay_keeps_the_offline_decision_of_the_live_run(tmp_path, closed_port_url):
    claims = claims_file(
        tmp_path, "claims:\n  - id: a\n    claim: x\n    checks:\n      - live: http://app.x.invalid/\n"
    )
    _, live = verify(claims, "--archive-dir", tmp_path / "a", "--canary", closed_port_url)
    [warc] = (tmp_path / "a").glob("*.warc.gz")
    _, replay = verify(claims, "--replay", warc)
    assert live["claims"][0]["verdict"] == replay["claims"][0]["verdict"] == "unverified"
    assert comparable(live) == comparable(replay)


def test_bad_replay_file_is_a_clear_error(tmp_path):
    claims = claims_file(
        tmp_path, "claims:\n  - id: a\n    claim: x\n    checks:\n      - live: https://a.example/\n"
    )
    junk = tmp_path / "junk.warc.gz"
    junk.write_bytes(b"this is not a warc")
    result = CliRunner().invoke(cli, ["verify", str(claims), "--replay", str(junk)])
    assert result.exit_code == ExitCode.BAD_INPUT and result.stdout == ""
    assert result.stderr.startswith("error: ") and "junk.warc.gz" in result.stderr


def test_interrupted_run_leaves_no_corrupt_warc(tmp_path, site):
    def slow(handler):
        site.sleep(30)

    site.route("/slow", handler=slow)
    claims = claims_file(
        tmp_path,
        f"claims:\n  - id: a\n    claim: x\n    checks:\n      - live: {site.url('/slow')}\n"
        f"      - live: {site.url('/')}\n",
    )
    site.route("/", ARTICLE)
    archive_dir = tmp_path / "archive"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "civicheck",
            "verify",
            str(claims),
            "--archive-dir",
            str(archive_dir),
            "--no-canary",
            "--no-history",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    deadline = time.monotonic() + 20
    while site.hits("/slow") == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # "/" has been fetched and written by now
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=20)
    assert proc.returncode != 0
    finished = list(archive_dir.glob("*.warc.gz"))
    for warc in finished:  # either no archive at all, or a valid one
        check = subprocess.run([WARCIO, "check", str(warc)], capture_output=True, text=True)
        assert check.returncode == 0
    assert not finished or len(finished) == 1


def test_pywb_captures_every_cited_url_and_the_table_shows_the_copy(tmp_path, site, pywb):  # noqa: F811
    site.route("/", ARTICLE)
    claims = claims_file(
        tmp_path, f"claims:\n  - id: a\n    claim: x\n    checks:\n      - live: {site.url('/')}\n"
    )
    result, report = verify(claims, "--archive", f"pywb={pywb.collection_url}", "--no-canary")
    [check] = report["claims"][0]["checks"]
    kinds = {s["kind"]: s for s in check["evidence"]["snapshots"]}
    assert set(kinds) == {"warc", "pywb"}
    assert kinds["pywb"]["url"].startswith(f"{pywb.collection_url}/") and kinds["pywb"]["url"].endswith(
        site.url("/")
    )
    assert (
        report["archives"][0]["archive"] == "pywb"
        and report["archives"][0]["capture_url"] == kinds["pywb"]["url"]
    )
    markdown = CliRunner().invoke(
        cli,
        [
            "verify",
            str(claims),
            "--archive",
            f"pywb={pywb.collection_url}",
            "--no-canary",
            "--no-history",
            "--format",
            "markdown",
        ],
    )
    assert (
        f"[copy](<{pywb.collection_url}/" in markdown.stdout
    )  # the table's snapshot column links the capture


def test_dead_source_is_checked_on_its_last_good_capture_and_replays_the_same(tmp_path, site, pywb):  # noqa: F811
    url = site.route("/rpjmd", ARTICLE)
    claims = claims_file(
        tmp_path,
        f"""
        claims:
          - id: smart-city
            claim: Smart City is a priority
            checks:
              - quote: {{url: {url}, text: "Smart City sebagai program prioritas"}}
        """,
    )
    spec = f"pywb={pywb.collection_url}"
    _, first = verify(claims, "--archive", spec, "--no-canary", "--no-warc")
    captured = first["archives"][0]["timestamp"]
    pywb.wait_indexed(url, captured)
    wait_past(captured)
    site.route("/rpjmd", "Not Found", status=404)

    _, second = verify(claims, "--archive", spec, "--no-canary", "--archive-dir", tmp_path / "a")
    [check] = second["claims"][0]["checks"]
    assert check["outcome"] == "pass", check["reason"]
    assert (
        "from the archived copy of" in check["reason"]
        and "the live page answers 404 Not Found" in check["reason"]
    )
    assert check["evidence"]["note"].startswith("from the archived copy of")
    assert any(s["kind"] == "pywb" and "id_/" in s["url"] for s in check["evidence"]["snapshots"])

    [warc] = (tmp_path / "a").glob("*.warc.gz")
    _, replayed = verify(claims, "--replay", warc)
    assert comparable(replayed) == comparable(second)


def test_timeline_from_pywb(tmp_path, site, pywb):  # noqa: F811
    url = site.route("/aplikasi", "Not Found", status=404)
    claims = claims_file(tmp_path, f"claims:\n  - id: a\n    claim: x\n    checks:\n      - live: {url}\n")
    spec = f"pywb={pywb.collection_url}"
    _, first = verify(claims, "--archive", spec, "--no-canary", "--no-warc")
    ts1 = first["archives"][0]["timestamp"]
    wait_past(ts1)
    site.route("/aplikasi", ARTICLE)
    _, second = verify(claims, "--archive", spec, "--no-canary", "--no-warc")
    ts2 = second["archives"][0]["timestamp"]
    pywb.wait_indexed(url, ts2)

    out = CliRunner().invoke(cli, ["timeline", url, "--archive", spec])
    assert out.exit_code == 0, out.stderr
    assert "first captured" in out.stdout and "first answered 200" in out.stdout
    data = json.loads(
        CliRunner().invoke(cli, ["timeline", url, "--archive", spec, "--format", "json"]).stdout
    )
    assert data["url"] == url and data["captures"] == 2


def test_timeline_usage_errors():
    bad = CliRunner().invoke(cli, ["timeline", "ftp://x/"])
    assert bad.exit_code == ExitCode.BAD_INPUT and "not an http(s) URL" in bad.stderr
    spec = CliRunner().invoke(cli, ["timeline", "https://a.example/", "--archive", "nonsense"])
    assert spec.exit_code == ExitCode.BAD_INPUT
