"""Nightly re-checks end to end through the CLI: history, what changed, damping, --fail-on, CI reports, shards.

Every test runs `civicheck` against a real server on 127.0.0.1 whose pages change between runs, in its own
folder (conftest chdirs there), so the default .civicheck/history.sqlite is the test's own.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cilegon_site import AGENCY, APP, NEWS, page
from helpers import invoke, verify, write

from civicheck.cli import ExitCode
from civicheck.history import migrate
from civicheck.shard import shard_of

DB = Path(".civicheck/history.sqlite")
FAST = ("--no-canary", "--no-warc")
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def claims_by_id(result) -> dict[str, dict]:
    return {c["id"]: c for c in json.loads(result.stdout)["claims"]}


def table_blocks(markdown: str) -> list[list[str]]:
    """The markdown's tables, each a list of its lines."""
    blocks: list[list[str]] = []
    previous = False
    for line in markdown.splitlines():
        is_row = line.startswith("|")
        if is_row and not previous:
            blocks.append([])
        if is_row:
            blocks[-1].append(line)
        previous = is_row
    return blocks


def unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


# --- what changed between two nights --------------------------------------------------------------------------


def test_a_second_night_reports_what_changed_with_both_copies_and_the_words(city):
    claims = city.claims()
    first = verify(claims, "--no-canary", "--format", "markdown", "--confirm", "1")
    assert first.exit_code == ExitCode.OK, first.stderr
    assert first.stdout.splitlines()[0] == "**civicheck:** 4 claims: 2 supported, 1 refuted, 1 unverified"
    assert "Changed since last run" not in first.stdout  # the first night has nothing to compare with
    assert first.stderr.splitlines()[0] == "4 claims: 2 supported, 1 refuted, 1 unverified"
    assert "archived what was seen in .civicheck/archive/" in first.stderr

    # Overnight: the labour agency's link came back, the app went down again, the article was quietly edited.
    city.set(news="edited", disnaker=True, app=False)
    second = verify(claims, "--no-canary", "--format", "markdown", "--confirm", "1")
    assert second.exit_code == ExitCode.UNEXPECTED
    out = second.stdout
    summary = "4 claims: 1 supported, 2 refuted, 1 unverified; 3 not as expected; 3 changed since last run"
    assert out.splitlines()[0] == f"**civicheck:** {summary}"
    assert second.stderr.splitlines()[0] == summary
    changed_at = out.index("### Changed since last run (")
    table_at = out.index("| claim | statement | verdict | evidence | snapshot | checked at |")
    assert out.index(summary) < changed_at < table_at  # summary, then what changed, then the table

    section = out[changed_at:table_at]
    verdicts, outcomes = table_blocks(section)
    assert verdicts[0] == "| claim | statement | was | now | why |"
    assert outcomes[0] == "| claim | check | url | was | now | why |"
    rows = {line.split(" | ")[0].lstrip("| "): line for line in verdicts[2:]}
    assert set(rows) == {"smart-city-priority", "disnaker-link", "labour-app-live"}
    assert "**supported**" in rows["disnaker-link"] and "| refuted (" in rows["disnaker-link"]
    assert "**refuted**" in rows["labour-app-live"] and "410" in rows["labour-app-live"]
    assert "missing: 'program prioritas'" in rows["smart-city-priority"]
    # Each change names both nights' copies of the evidence: two different WARC files.
    for row in verdicts[2:] + outcomes[2:]:
        copies = re.findall(r"civicheck-\w+-\w+\.warc\.gz", row)
        assert len(copies) == 2 and copies[0] != copies[1], row
    assert "~~prioritas~~ **unggulan**" in section
    assert "copy before: warc civicheck-" in section and "copy after: warc civicheck-" in section

    # `civicheck diff` (the last two runs) says the same on a terminal, with the short word diff.
    changes = invoke("diff")
    assert changes.exit_code == 0, changes.stderr
    assert changes.stderr == ""
    lines = changes.stdout.splitlines()
    assert "disnaker-link: refuted -> supported: live check passed: answered 200 OK" in lines
    assert any(
        line.startswith("labour-app-live: supported -> refuted: live check failed: 410") for line in lines
    )
    drift = lines.index(f"content changed: {city.site.url('/berita/smart-city')} (1 word removed, 1 added)")
    assert lines[drift + 1] == "  … City sebagai program [-prioritas-] {+unggulan+} dalam RPJMD 2021-2026, …"
    assert lines[drift + 2].startswith("  copy before: civicheck-") and lines[drift + 3].startswith(
        "  copy after: "
    )
    assert lines[drift + 2].split("#")[0] != lines[drift + 3].split("#")[0]
    verdict_line = lines.index("disnaker-link: refuted -> supported: live check passed: answered 200 OK")
    assert lines[verdict_line + 1].startswith("  copy that said refuted: civicheck-")
    assert lines[verdict_line + 2].startswith("  copy that says supported: civicheck-")

    as_json = json.loads(invoke("diff", "1", "2", "--format", "json").stdout)
    assert {v["claim_id"]: (v["old"], v["new"]) for v in as_json["verdicts"]} == {
        "smart-city-priority": ("supported", "refuted"),
        "disnaker-link": ("refuted", "supported"),
        "labour-app-live": ("supported", "refuted"),
    }
    [drifted] = as_json["drift"]
    assert drifted["hunks"] == ["… City sebagai program [-prioritas-] {+unggulan+} dalam RPJMD 2021-2026, …"]
    assert drifted["old_snapshots"][0]["ref"] != drifted["new_snapshots"][0]["ref"]
    assert all(v["old_snapshots"] and v["new_snapshots"] for v in as_json["verdicts"])
    assert "~~prioritas~~ **unggulan**" in invoke("diff", "--format", "markdown").stdout

    # A third night that finds the same pages: nothing changed since the second.
    third = verify(claims, *FAST, "--format", "markdown", "--confirm", "1")
    assert third.stdout.splitlines()[0].endswith("; 0 changed since last run")
    assert "### Changed since last run" not in third.stdout
    assert invoke("diff").stdout == "No changes between run 2 and run 3.\n"


def test_an_edited_page_that_still_passes_is_content_drift_without_a_verdict_change(site):
    url = site.route("/berita", page("Smart City", *NEWS))
    claims = write(
        "claims.yaml",
        f"""
        claims:
          - id: smart-city
            claim: "Smart City is in the RPJMD"
            checks:
              - contains: {{url: {url}, all: ["Smart City", "RPJMD"]}}
        """,
    )
    assert verify(claims, *FAST).exit_code == 0
    site.route("/berita", page("Smart City", NEWS[0].replace("prioritas", "unggulan"), *NEWS[1:]))
    second = verify(claims, *FAST, "--format", "markdown")
    assert second.exit_code == 0
    assert (
        second.stdout.splitlines()[0] == "**civicheck:** 1 claim: 1 supported, 0 refuted, 0 unverified;"
        " 0 changed since last run"
    )
    assert f"- Content changed: {url} (cited by smart-city): 1 word removed, 1 added" in second.stdout
    assert "program ~~prioritas~~ **unggulan** dalam" in second.stdout
    assert "[-prioritas-] {+unggulan+}" in invoke("diff").stdout


# --- flap damping ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("confirm", [1, 2, 3])
def test_a_verdict_flips_only_after_confirm_runs_in_a_row(site, confirm):
    site.route("/app", page("Layanan", *APP))
    claims = write(
        "claims.yaml",
        f"""
        claims:
          - id: labour-app-live
            claim: "The labour-services app is live"
            checks:
              - live: {site.url("/app")}
        """,
    )

    def night(app_up: bool):
        if app_up:
            site.route("/app", page("Layanan", *APP))
        else:
            site.route("/app", "Gone", status=410)
        result = verify(claims, *FAST, "--confirm", confirm, "--fail-on", "changed", "--format", "json")
        assert result.exit_code in (0, 1), result.stderr
        [claim] = json.loads(result.stdout)["claims"]
        return claim["verdict"], claim["reported_verdict"], claim["pending"], result.exit_code

    assert night(True) == ("supported", "supported", None, 0)
    for k in range(1, confirm):  # the app is down, but not yet for `confirm` nights in a row
        assert night(False) == ("refuted", "supported", f"pending: refuted {k}/{confirm}", 0)
    assert night(False) == ("refuted", "refuted", None, 1)  # confirmed: reported, and it is a change
    assert night(False) == ("refuted", "refuted", None, 0)  # still down: nothing new to report
    # A blip: up for one night. Only --confirm 1 reports it (and reports the relapse the next night).
    if confirm == 1:
        assert night(True) == ("supported", "supported", None, 1)
        assert night(False) == ("refuted", "refuted", None, 1)
    else:
        assert night(True) == ("supported", "refuted", f"pending: supported 1/{confirm}", 0)
        assert night(False) == ("refuted", "refuted", None, 0)
    history = invoke("history", "labour-app-live", "--format", "json")
    assert history.exit_code == 0
    states = json.loads(history.stdout)
    assert [s["verdict"] for s in states] == ["supported"] + ["refuted"] * (confirm + 1) + [
        "supported",
        "refuted",
    ]
    assert states[-1]["reported"] == "refuted"


def test_a_pending_verdict_is_shown_in_every_format(city):
    claims = city.claims()
    assert verify(claims, *FAST).exit_code == 0  # default --confirm 2
    city.set(app=False)
    # Three copies of the same history, so each format renders the same second night.
    outputs = {}
    for fmt in ("table", "markdown", "json"):
        db = Path(f"{fmt}.sqlite")
        with sqlite3.connect(DB) as src, sqlite3.connect(db) as dst:
            src.backup(dst)
        outputs[fmt] = verify(claims, *FAST, "--db", db, "--format", fmt)
        # Held back: the app's outage is not reported yet, so nothing is unexpected and no one is paged.
        assert outputs[fmt].exit_code == ExitCode.OK, outputs[fmt].stderr
        assert outputs[fmt].stderr.splitlines()[0] == (
            "4 claims: 2 supported, 1 refuted, 1 unverified; 0 changed since last run; 1 pending confirmation"
        )
    table = outputs["table"].stdout
    assert "labour-app-live: still supported, this run said refuted (pending: refuted 1/2)" in table
    assert re.search(
        r"labour-app-live +The labour-services app is live +supported +\[pending: refuted 1/2\] live ", table
    )
    [row] = [
        line
        for line in table_blocks(outputs["markdown"].stdout)[-1]
        if line.startswith("| labour-app-live |")
    ]
    assert "| **supported** (pending: refuted 1/2) | live " in row
    assert "still reported **supported**, this run said refuted" in outputs["markdown"].stdout
    data = json.loads(outputs["json"].stdout)
    app = next(c for c in data["claims"] if c["id"] == "labour-app-live")
    assert (app["verdict"], app["reported_verdict"], app["pending"]) == (
        "refuted",
        "supported",
        "pending: refuted 1/2",
    )
    assert [p["claim_id"] for p in data["changes"]["pending"]] == ["labour-app-live"]
    assert data["changes"]["verdicts"] == []


# --- exit codes -----------------------------------------------------------------------------------------------

# (city state, exit code under each --fail-on mode), night after night, with --confirm 1.
NIGHTS = [
    # All as expected (the agency link is refuted as published), but one claim is refuted; first night.
    (dict(), {"unexpected": 0, "changed": 0, "refuted": 1, "never": 0}),
    # The app goes down: refuted, not as expected, and a change.
    (dict(app=False), {"unexpected": 1, "changed": 1, "refuted": 1, "never": 0}),
    # Same again: still unexpected, but nothing changed.
    (dict(app=False), {"unexpected": 1, "changed": 0, "refuted": 1, "never": 0}),
    # Everything answers: nothing refuted, but the agency link is no longer the refuted we published.
    (dict(disnaker=True), {"unexpected": 1, "changed": 1, "refuted": 0, "never": 0}),
]


@pytest.mark.parametrize("mode", ["unexpected", "changed", "refuted", "never"])
def test_fail_on_decides_the_exit_code(city, mode):
    claims = city.claims()
    for state, codes in NIGHTS:
        city.set(**state)
        result = verify(claims, *FAST, "--confirm", "1", "--fail-on", mode, "-q")
        assert result.exit_code == codes[mode], (state, result.stdout, result.stderr)
        assert result.stderr == ""  # -q


def test_fail_on_changed_never_fires_without_history(city):
    claims = city.claims()
    for state in (dict(), dict(app=False)):
        city.set(**state)
        assert verify(claims, *FAST, "--no-history", "--fail-on", "changed").exit_code == 0
    assert not DB.exists()


def test_default_fail_on_is_unexpected_and_the_summary_says_why(city):
    claims = city.claims()
    city.set(app=False)
    result = verify(claims, *FAST)
    assert result.exit_code == ExitCode.UNEXPECTED
    assert (
        result.stderr.splitlines()[0] == "4 claims: 1 supported, 2 refuted, 1 unverified; 1 not as expected"
    )


# --- untrusted page text in the nightly report ----------------------------------------------------------------

# Page words that try to add a column, HTML, a link and terminal escapes (as HTML text: &lt; is a literal <).
HOSTILE = (
    "Smart City | pwned | &lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(1))"
    " \x1b[31mRED\x1b[0m \x1b]8;;http://evil.example/\x07click\x1b]8;;\x07 &lt;/details&gt;"
)


def test_changed_page_text_stays_escaped_in_every_report(site):
    site.route("/berita", page("Smart City", *NEWS))
    claims = write(
        "claims.yaml",
        f"""
        claims:
          - id: smart-city
            claim: "Smart City | is a *priority* <b>program</b>"
            checks:
              - quote: {{url: {site.url("/berita")}, text: "Smart City sebagai program prioritas dalam RPJMD"}}
        """,
    )
    assert verify(claims, *FAST, "--confirm", "1").exit_code == 0
    site.route(
        "/berita", page("Smart City", NEWS[0].replace("Smart City sebagai", HOSTILE + " sebagai"), *NEWS[1:])
    )
    md = verify(claims, *FAST, "--confirm", "1", "--format", "markdown")
    assert md.exit_code == ExitCode.UNEXPECTED, md.stderr
    out = md.stdout
    assert "### Changed since last run" in out and "Content changed" in out
    assert "&lt;script&gt;" in out  # the page's words are there, inert
    for raw in ("<script", "</details>\n<", "<b>", "\x1b", "\x07"):
        assert raw not in out.replace("\n</details>\n", "\n"), raw
    assert not re.search(r"(?<!\\)\]\(javascript", out)
    assert out.count("<details>") == 1 and out.count("</details>") == 1
    for block in table_blocks(out):
        assert len({unescaped_pipes(line) for line in block}) == 1, block  # no row gained a column
    lines = out.splitlines()
    drift = next(i for i, line in enumerate(lines) if line.startswith("- Content changed:"))
    assert lines[drift + 1].startswith("  - … menetapkan Smart City **\\| pwned \\| &lt;script&gt;")

    # The terminal forms: a third night's table (the page changed again) and `civicheck diff` of nights 1-2.
    site.route(
        "/berita", page("Smart City", NEWS[0].replace("Smart City sebagai", HOSTILE + " pwned"), *NEWS[1:])
    )
    table = verify(claims, *FAST, "--confirm", "1").stdout
    text = invoke("diff", "1", "2").stdout
    for out in (table, text):
        assert "\x1b" not in out and "\x07" not in out and "pwned" in out
    assert "\x1b" not in invoke("history", "smart-city").stdout


# --- ClaimReview ----------------------------------------------------------------------------------------------


def test_claimreview_publishes_the_reported_verdicts_with_who_said_what_and_where(city):
    claims = city.claims()
    result = verify(claims, *FAST, "--format", "claimreview")
    assert result.exit_code == 0, result.stderr
    reviews = json.loads(result.stdout)
    assert [r["claimReviewed"] for r in reviews] == [
        "Smart City is a priority program of the 2021-2026 RPJMD",
        "The portal's link to the labour agency works",
        "The labour-services app is live",
        "The civil registry publishes its schedule",
    ]
    smart, disnaker, app, dukcapil = reviews
    assert all(r["@context"] == "https://schema.org" and r["@type"] == "ClaimReview" for r in reviews)
    assert all(
        TIMESTAMP.sub("", r["datePublished"]) == r["datePublished"] and len(r["datePublished"]) == 10
        for r in reviews
    )
    assert smart["itemReviewed"] == {
        "@type": "Claim",
        "author": {"@type": "Person", "name": "Wali Kota Cilegon"},
        "datePublished": "2023-06-15",
        "appearance": [{"@type": "CreativeWork", "url": city.site.url("/berita/smart-city")}],
    }
    assert disnaker["itemReviewed"]["author"] == {"@type": "Organization", "name": "Pemerintah Kota Cilegon"}
    assert "datePublished" not in disnaker["itemReviewed"] and "appearance" not in disnaker["itemReviewed"]
    assert dukcapil["itemReviewed"] == {"@type": "Claim"}
    assert smart["reviewRating"] == {
        "@type": "Rating",
        "alternateName": "Supported",
        "name": "Supported",
        "ratingValue": 5,
        "bestRating": 5,
        "worstRating": 1,
        "ratingExplanation": "contains check passed: 'program prioritas' found in the page text",
    }
    assert (disnaker["reviewRating"]["alternateName"], disnaker["reviewRating"]["ratingValue"]) == (
        "Refuted",
        1,
    )
    # Nothing could be decided: a text rating only, never a number between true and false.
    assert (
        dukcapil["reviewRating"]["alternateName"] == "Unverified"
        and "ratingValue" not in dukcapil["reviewRating"]
    )
    assert app["citation"] == [
        {"@type": "WebPage", "url": city.site.url("/app")}
    ]  # local WARCs are not cited

    # The app goes down for one night: the published rating holds until --confirm runs agree.
    city.set(app=False)
    damped = json.loads(verify(claims, *FAST, "--format", "claimreview").stdout)
    assert damped[2]["reviewRating"]["alternateName"] == "Supported"
    confirmed = json.loads(verify(claims, *FAST, "--format", "claimreview").stdout)
    assert (confirmed[2]["reviewRating"]["alternateName"], confirmed[2]["reviewRating"]["ratingValue"]) == (
        "Refuted",
        1,
    )


def pywb_captures(site, when: str) -> str:
    """A stand-in for pywb's record mode on the test server: every capture of the city's pages is stamped `when`
    (an HTTP date); the --archive spec that uses it."""
    for path in ("/berita/smart-city", "/disnaker", "/app", "/dukcapil/jadwal"):
        site.route(
            f"/coll/record/id_/{site.url(path)}", "<html>recorded</html>", headers={"Memento-Datetime": when}
        )
    return f"pywb={site.url('/coll')}"


def test_archive_copies_are_linked_in_what_changed_and_cited_by_claimreview(city):
    claims = city.claims()
    app = city.site.url("/app")
    night1 = pywb_captures(city.site, "Fri, 27 Nov 2026 02:00:00 GMT")
    assert verify(claims, *FAST, "--archive", night1, "--confirm", "1").exit_code == 0
    city.set(app=False)
    night2 = pywb_captures(city.site, "Sat, 28 Nov 2026 02:00:00 GMT")
    result = verify(claims, *FAST, "--archive", night2, "--confirm", "1", "--format", "markdown")
    assert result.exit_code == ExitCode.UNEXPECTED, result.stderr
    [changed] = [row for row in table_blocks(result.stdout)[0] if row.startswith("| labour-app-live |")]
    before, after = (
        f"[copy](<{city.site.url('/coll')}/{stamp}/{app}>)" for stamp in ("20261127020000", "20261128020000")
    )
    assert f"| supported ({before}) | **refuted** ({after}) |" in changed
    [row] = [row for row in table_blocks(result.stdout)[-1] if row.startswith("| labour-app-live |")]
    assert f"| {after} |" in row  # the table's snapshot column links the capture too

    reviews = json.loads(
        verify(claims, *FAST, "--archive", night2, "--no-history", "--format", "claimreview").stdout
    )
    assert reviews[2]["citation"] == [
        {"@type": "WebPage", "url": app, "archivedAt": [f"{city.site.url('/coll')}/20261128020000/{app}"]}
    ]


def test_claimreview_is_safe_inside_a_script_element(site):
    site.route("/", page("Portal", *AGENCY))
    claims = write(
        "claims.yaml",
        f"""
        claims:
          - id: sneaky
            claim: "The portal works</script><script>alert(1)</script>"
            said_by: "Kepala Dinas <b>Kominfo</b>"
            checks:
              - live: {site.url("/")}
        """,
    )
    result = verify(claims, *FAST, "--format", "claimreview")
    assert "<" not in result.stdout and ">" not in result.stdout
    [review] = json.loads(result.stdout)
    assert review["claimReviewed"] == "The portal works</script><script>alert(1)</script>"
    assert review["itemReviewed"]["author"] == {
        "name": "Kepala Dinas <b>Kominfo</b>"
    }  # no type declared, none guessed


# --- init -----------------------------------------------------------------------------------------------------


def test_init_scaffolds_a_claims_repository_and_refuses_to_overwrite():
    spec = "civicheck @ git+https://github.com/example-org/civicheck@v0.1.0"
    result = invoke("init", "factchecks", "--install", spec)
    assert result.exit_code == 0, result.stderr
    assert (
        result.stdout
        == "wrote factchecks/claims/example.yaml\nwrote factchecks/.github/workflows/civicheck.yml\n"
    )
    assert result.stderr == ""

    workflow = yaml.safe_load(Path("factchecks/.github/workflows/civicheck.yml").read_text(encoding="utf-8"))
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as True
    assert set(on) == {"schedule", "workflow_dispatch"} and on["schedule"][0]["cron"].count(" ") == 4
    assert workflow["env"]["CIVICHECK_INSTALL"] == spec
    job = workflow["jobs"]["verify"]
    runs = [step.get("run", "") for step in job["steps"]]
    uses = [step.get("uses", "").split("@")[0] for step in job["steps"]]
    assert any(spec_run.count("$CIVICHECK_INSTALL") for spec_run in runs if "pip install" in spec_run)
    [verify_step] = [r for r in runs if "civicheck verify" in r]
    assert "civicheck verify claims/" in verify_step and "--format markdown" in verify_step
    assert '>> "$GITHUB_STEP_SUMMARY"' in verify_step and "--fail-on" in verify_step
    assert "--report reports/civicheck.json --report reports/civicheck.html" in verify_step
    assert (
        "actions/cache/restore" in uses and "actions/cache/save" in uses and "actions/upload-artifact" in uses
    )
    uploaded = [
        s["with"]["path"] for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact")
    ]
    assert uploaded[0] == "reports/" and ".warc.gz" in uploaded[1]

    lint = invoke("lint", "factchecks/claims")
    assert lint.exit_code == 0 and lint.stdout.startswith("ok: 3 claims")

    # An existing file is never replaced without --force, and nothing else is written either.
    Path("factchecks/.github/workflows/civicheck.yml").unlink()
    write("factchecks/claims/example.yaml", "claims: []  # my own\n")
    again = invoke("init", "factchecks", "--install", spec)
    assert again.exit_code == ExitCode.BAD_INPUT
    assert again.stdout == ""
    assert "factchecks/claims/example.yaml already exists" in again.stderr and "--force" in again.stderr
    assert Path("factchecks/claims/example.yaml").read_text() == "claims: []  # my own\n"
    assert not Path("factchecks/.github/workflows/civicheck.yml").exists()
    forced = invoke("init", "factchecks", "--install", spec, "--force")
    assert forced.exit_code == 0 and "my own" not in Path("factchecks/claims/example.yaml").read_text()


def test_init_without_a_known_install_source_warns_on_stderr():
    result = invoke("init", "repo", "--install", "")
    assert result.exit_code == 0
    assert result.stdout.count("wrote ") == 2
    assert "CIVICHECK_INSTALL" in result.stderr


# --- shards and merge -----------------------------------------------------------------------------------------

N_CLAIMS = 10


@pytest.fixture
def many_claims(site) -> Path:
    for i in range(4):
        site.route(f"/p{i}", page(f"Halaman {i}", *NEWS))
    site.route("/gone", "Not Found", status=404)
    entries = []
    for i in range(N_CLAIMS):
        check = (
            f'contains: {{url: {site.url(f"/p{i % 4}")}, all: ["program prioritas"]}}'
            if i % 3 == 0
            else f'contains: {{url: {site.url(f"/p{i % 4}")}, all: ["Smart Village"]}}'
            if i % 3 == 1
            else f"live: {site.url('/gone' if i == 5 else f'/p{i % 4}')}"
        )
        entries.append(
            f'  - id: claim-{i:02d}\n    claim: "Claim number {i}"\n    checks:\n      - {check}\n'
        )
    # Two files, claims interleaved across them, so merge has to restore the unsharded order.
    write("claims/a-kota.yaml", "claims:\n" + "".join(entries[:6]))
    write("claims/b-kabupaten.yaml", "claims:\n" + "".join(entries[6:]))
    return Path("claims")


def normalized(text: str) -> str:
    text = TIMESTAMP.sub(
        "<time>", re.sub(r'"datePublished": "\d{4}-\d\d-\d\d"', '"datePublished": "<date>"', text)
    )
    return text.replace("checked <time> to <time>", "checked <time>")  # the table's span of fetch times


@pytest.mark.parametrize("n", [2, 3])
def test_shards_partition_the_claims_and_merge_equals_an_unsharded_run(many_claims, n):
    shard_files = []
    seen: list[str] = []
    for k in range(1, n + 1):
        out = Path(f"shard-{k}.json")
        result = verify(many_claims, *FAST, "--shard", f"{k}/{n}", "--format", "json", "-o", out)
        assert result.exit_code in (0, 1), result.stderr
        assert result.stdout == ""
        report = json.loads(out.read_text(encoding="utf-8"))
        assert report["shard"] == {"k": k, "n": n}
        ids = [c["id"] for c in report["claims"]]
        assert all(shard_of(cid, n) == k for cid in ids)
        seen += ids
        shard_files.append(out)
    assert sorted(seen) == [f"claim-{i:02d}" for i in range(N_CLAIMS)]  # each claim in exactly one shard
    assert not DB.exists()  # a shard alone is not a run of the whole claim set

    for fmt in ("json", "table", "markdown", "csv", "claimreview"):
        whole = verify(many_claims, *FAST, "--no-history", "--format", fmt)
        merged = invoke("merge", *shard_files, "--no-history", "--format", fmt)
        assert merged.exit_code == whole.exit_code == ExitCode.UNEXPECTED, merged.stderr
        assert normalized(merged.stderr) == normalized(whole.stderr)
        if fmt == "json":
            a, b = json.loads(whole.stdout), json.loads(merged.stdout)
            assert [c["id"] for c in b["claims"]] == [c["id"] for c in a["claims"]]
            assert [(c["verdict"], c["reason"]) for c in b["claims"]] == [
                (c["verdict"], c["reason"]) for c in a["claims"]
            ]
            assert [[ch["evidence"]["sha256"] for ch in c["checks"]] for c in b["claims"]] == [
                [ch["evidence"]["sha256"] for ch in c["checks"]] for c in a["claims"]
            ]
            assert "text" not in b["claims"][0]["checks"][0]["evidence"]  # page texts stay internal
            assert b["summary"] == a["summary"] and "shard" not in b
        assert normalized(merged.stdout) == normalized(whole.stdout), fmt


def test_merged_nights_are_remembered_and_show_content_drift(many_claims, site):
    def night() -> object:
        files = []
        for k in (1, 2):
            files.append(Path(f"shard-{k}.json"))
            verify(many_claims, *FAST, "--shard", f"{k}/2", "--format", "json", "-o", files[-1], "-q")
        return invoke("merge", *files, "--format", "markdown", "--confirm", "1")

    first = night()
    assert first.exit_code == ExitCode.UNEXPECTED, first.stderr
    site.route("/p0", page("Halaman 0", NEWS[0].replace("prioritas", "unggulan"), *NEWS[1:]))
    second = night()
    assert second.stdout.splitlines()[0].endswith("; 1 changed since last run")  # claim-00 wants "prioritas"
    assert "| claim-00 | Claim number 0 | supported | **refuted** |" in second.stdout
    assert "~~prioritas~~ **unggulan**" in second.stdout
    runs = json.loads(invoke("history", "--format", "json").stdout)
    assert [r["run"] for r in runs] == [1, 2] and runs[1]["reported"]["refuted"] == runs[0]["reported"][
        "refuted"
    ] + 1
    assert [r["this run said"] for r in runs] == [
        r["reported"] for r in runs
    ]  # --confirm 1: nothing held back
    assert "[-prioritas-] {+unggulan+}" in invoke("diff").stdout


def test_merge_refuses_an_incomplete_or_overlapping_set_of_shards(many_claims):
    for k in (1, 2):
        verify(many_claims, *FAST, "--shard", f"{k}/2", "--format", "json", "-o", f"s{k}.json", "-q")
    missing = invoke("merge", "s1.json")
    assert missing.exit_code == ExitCode.BAD_INPUT and "shard 2/2 missing" in missing.stderr
    twice = invoke("merge", "s1.json", "s1.json", "s2.json")
    assert twice.exit_code == ExitCode.BAD_INPUT and "shard 1/2 is given twice" in twice.stderr
    Path("bad.json").write_text("{not json", encoding="utf-8")
    assert invoke("merge", "bad.json").exit_code == ExitCode.BAD_INPUT
    for bad in ("0/2", "3/2", "x", "1/0"):
        result = verify(many_claims, *FAST, "--shard", bad)
        assert result.exit_code == ExitCode.BAD_INPUT and "--shard" in result.stderr, bad
    assert not DB.exists()


def test_merged_shards_name_every_shards_warc(many_claims):
    files = []
    for k in (1, 2):
        files.append(f"s{k}.json")
        verify(many_claims, "--no-canary", "--shard", f"{k}/2", "--format", "json", "-o", files[-1], "-q")
    warcs = [json.loads(Path(f).read_text(encoding="utf-8"))["warc"] for f in files]
    assert len(set(warcs)) == 2 and all(Path(w).exists() for w in warcs)
    merged = invoke("merge", *files, "--no-history", "--format", "json")
    report = json.loads(merged.stdout)
    assert report["warc"] is None and report["warcs"] == warcs
    assert merged.stderr.splitlines()[-1] == f"archived what was seen in {warcs[0]}, {warcs[1]}"


# --- history and diff on the command line ---------------------------------------------------------------------


def test_history_and_diff_list_runs_and_refuse_what_is_not_there(city):
    for args in (("diff",), ("history",), ("history", "labour-app-live"), ("diff", "1", "2")):
        result = invoke(*args)
        assert result.exit_code == ExitCode.BAD_INPUT, args
        assert (
            "no history at .civicheck/history.sqlite" in result.stderr and "civicheck verify" in result.stderr
        )
    assert not DB.exists()  # looking does not create an empty history

    claims = city.claims()
    verify(claims, *FAST)
    one = invoke("diff")
    assert one.exit_code == ExitCode.BAD_INPUT and "holds 1 run(s); diff needs two" in one.stderr
    city.set(app=False)
    verify(claims, *FAST, "--confirm", "1")

    runs = invoke("history")
    assert runs.exit_code == 0 and runs.stderr == ""
    lines = runs.stdout.splitlines()
    assert lines[0].split() == ["run", "started", "at", "reported", "this", "run", "said", "civicheck"]
    assert [line.split()[:2] for line in lines[2:4]] == [
        ["1", lines[2].split()[1]],
        ["2", lines[3].split()[1]],
    ]
    assert "2 supported, 1 refuted, 1 unverified  2 supported, 1 refuted, 1 unverified" in lines[2]
    assert "1 supported, 2 refuted, 1 unverified  1 supported, 2 refuted, 1 unverified" in lines[3]
    assert lines[-1].startswith("reported: what each run's report printed")
    app = invoke("history", "labour-app-live", "--format", "csv")
    assert app.stdout.splitlines()[0] == "run,started at,verdict,reported"
    assert [line.split(",")[2:] for line in app.stdout.splitlines()[1:]] == [
        ["supported", "supported"],
        ["refuted", "refuted"],
    ]
    assert invoke("history", "-n", "1", "--format", "json").stdout.count('"run"') == 1
    unknown_claim = invoke("history", "no-such-claim")
    assert (
        unknown_claim.exit_code == ExitCode.BAD_INPUT
        and "'no-such-claim' is in no recorded run" in unknown_claim.stderr
    )

    unknown_run = invoke("diff", "1", "7")
    assert unknown_run.exit_code == ExitCode.BAD_INPUT
    assert "no run 7 in .civicheck/history.sqlite" in unknown_run.stderr and unknown_run.stdout == ""
    assert invoke("diff", "1").exit_code == ExitCode.BAD_INPUT
    assert invoke("diff", "2", "1").stdout.startswith("labour-app-live: refuted -> supported")
    elsewhere = invoke("history", "--db", "other/h.sqlite")
    assert elsewhere.exit_code == ExitCode.BAD_INPUT and "no history at other/h.sqlite" in elsewhere.stderr


def test_verify_records_each_run_with_its_claim_files(city):
    claims = city.claims("claims/cilegon.yaml")
    verify("claims", *FAST)
    with sqlite3.connect(DB) as db:
        [(path, digest)] = db.execute("SELECT path, sha256 FROM run_files").fetchall()
        checks = db.execute(
            "SELECT claim_id, outcome, sha256, text_sha256 FROM check_results ORDER BY claim_id"
        )
        rows = {r[0]: r[1:] for r in checks}
    import hashlib

    assert path == "claims/cilegon.yaml" and digest == hashlib.sha256(claims.read_bytes()).hexdigest()
    assert rows["smart-city-priority"][0] == "pass" and all(len(r[1]) == 64 for r in rows.values())
    assert (
        rows["smart-city-priority"][2] and rows["labour-app-live"][2] is None
    )  # text kept for text checks only
    moved = verify("claims", *FAST, "--db", "elsewhere/h.sqlite")
    assert moved.exit_code == 0 and Path("elsewhere/h.sqlite").exists()
    assert verify("claims", *FAST, "--no-history").exit_code == 0
    assert len(json.loads(invoke("history", "--format", "json").stdout)) == 1


# --- an older history, and two runs at once -------------------------------------------------------------------


def test_verify_migrates_a_history_written_by_an_older_schema_and_keeps_its_runs(city):
    claims = city.claims()
    DB.parent.mkdir()
    old = sqlite3.connect(DB, isolation_level=None)
    assert migrate(old, upto=1) == ["m001_initial"]
    news = city.site.url("/berita/smart-city")
    old.execute(
        "INSERT INTO runs (id, started_at, finished_at, civicheck, report_schema, network, summary,"
        " recorded_at) VALUES (1, '2026-11-27T02:00:00Z', '2026-11-27T02:00:05Z', '0.0.9', 1, NULL,"
        ' \'{"supported": 0, "refuted": 1, "unverified": 0}\', \'2026-11-27T02:00:06Z\')'
    )
    old.execute(
        "INSERT INTO claim_results (run_id, claim_id, position, statement, verdict, reported_verdict,"
        " pending, expect, as_expected, reason, file, line, said_by, said_on, sources, tags) VALUES"
        " (1, 'smart-city-priority', 0, 'Smart City', 'refuted', 'refuted', NULL, NULL, 0,"
        " 'contains check failed', 'claims.yaml', 2, NULL, NULL, '[]', '[]')"
    )
    old.execute(
        "INSERT INTO check_results (run_id, claim_id, position, kind, url, line, spec, outcome, reason,"
        " status, fetched_at, sha256, text_sha256) VALUES (1, 'smart-city-priority', 0, 'contains', ?, 8,"
        " ?, 'fail', 'missing', 200, '2026-11-27T02:00:01Z', ?, ?)",
        (
            news,
            json.dumps({"kind": "contains", "url": news, "all": ["program prioritas"], "scope": "page"}),
            "a" * 64,
            "b" * 64,
        ),
    )
    old.close()

    result = verify(claims, *FAST, "--confirm", "1", "--format", "json")
    assert result.exit_code == 0, result.stderr
    changes = json.loads(result.stdout)["changes"]
    assert [(v["claim_id"], v["old"], v["new"]) for v in changes["verdicts"]] == [
        ("smart-city-priority", "refuted", "supported")
    ]
    [drift] = changes["drift"]
    assert "earlier run kept no copy" in drift["note"]  # the old schema kept no texts
    with sqlite3.connect(DB) as db:
        assert [r[0] for r in db.execute("SELECT name FROM _migrations ORDER BY rowid")] == [
            "m001_initial",
            "m002_texts_and_claim_index",
            "m003_good_fetches_and_probes",
            "m004_good_searches",
        ]
        assert db.execute("SELECT count(*) FROM texts").fetchone()[0] >= 1
    history = json.loads(invoke("history", "--format", "json").stdout)
    assert [(r["run"], r["civicheck"]) for r in history] == [(1, "0.0.9"), (2, history[1]["civicheck"])]
    assert [
        s["verdict"] for s in json.loads(invoke("history", "smart-city-priority", "--format", "json").stdout)
    ] == ["refuted", "supported"]


def test_a_history_made_by_a_newer_civicheck_is_refused_untouched(city):
    claims = city.claims()
    assert verify(claims, *FAST).exit_code == 0
    with sqlite3.connect(DB) as db:
        db.execute(
            "INSERT INTO _migrations (name, applied_at) VALUES ('m999_future', '2030-01-01T00:00:00Z')"
        )
    hits = city.site.hits("/app")
    for result in (verify(claims, *FAST), invoke("history"), invoke("diff")):
        assert result.exit_code == ExitCode.INTERNAL
        assert result.stderr.startswith(
            "error: the history database .civicheck/history.sqlite was written by a"
            " newer civicheck (it has migrations m999_future"
        )
        assert "Traceback" not in result.stderr and "this is a bug" not in result.stderr
    assert city.site.hits("/app") == hits  # refused before fetching anything
    with sqlite3.connect(DB) as db:
        assert db.execute("SELECT count(*) FROM runs").fetchone() == (1,)


def test_a_file_that_is_not_a_history_database_is_a_clear_error(city):
    claims = city.claims()
    Path("notes.sqlite").write_text("my notes, not a database\n", encoding="utf-8")
    for result in (
        verify(claims, *FAST, "--db", "notes.sqlite"),
        invoke("history", "--db", "notes.sqlite"),
        invoke("diff", "--db", "notes.sqlite"),
    ):
        assert result.exit_code == ExitCode.INTERNAL
        assert result.stderr.startswith("error: notes.sqlite is not a usable civicheck history database")
        assert "Traceback" not in result.stderr
    assert Path("notes.sqlite").read_text(encoding="utf-8") == "my notes, not a database\n"


def test_a_run_that_cannot_get_the_lock_says_so_writes_its_report_and_leaves_the_history_intact(
    city, monkeypatch
):
    from civicheck.history import HistoryStore

    claims = city.claims()
    assert verify(claims, *FAST).exit_code == 0
    monkeypatch.setitem(HistoryStore.__init__.__kwdefaults__, "busy_timeout", 0.2)
    holder = sqlite3.connect(DB, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another run is writing
    try:
        result = verify(claims, *FAST, "--format", "json")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == ExitCode.INTERNAL
    report = json.loads(result.stdout)  # the finished run's report is not lost
    assert (
        len(report["claims"]) == 4 and "reported_verdict" not in report["claims"][0]
    )  # undamped, and says so
    assert (
        "error: this run was not recorded in the history: the history database .civicheck/history.sqlite"
        " is locked by another civicheck run (waited "
    ) in result.stderr
    assert "without flap damping" in result.stderr
    assert "Traceback" not in result.stderr
    with sqlite3.connect(DB) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT count(*) FROM runs").fetchone() == (1,)


def test_two_concurrent_runs_on_one_history(city, tmp_path):
    claims = city.claims()
    city.site.route("/app", page("Layanan", *APP), delay=0.3)  # keep both runs in flight at once
    cmd = [sys.executable, "-m", "civicheck", "verify", str(claims), *FAST, "--format", "json", "-q"]
    procs = [
        subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = [(p.returncode, out, err) for p in procs for out, err in [p.communicate(timeout=60)]]
    succeeded = 0
    for code, out, err in results:
        if code == ExitCode.INTERNAL:
            assert "is locked by another civicheck run" in err, err
        else:
            assert code == ExitCode.OK, err
            assert len(json.loads(out)["claims"]) == 4
            succeeded += 1
    assert succeeded >= 1
    with sqlite3.connect(tmp_path / DB) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT count(*) FROM runs").fetchone() == (succeeded,)
        assert db.execute("SELECT count(*) FROM claim_results").fetchone() == (4 * succeeded,)
