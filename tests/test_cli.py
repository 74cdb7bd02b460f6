"""The command line end to end, against real servers on 127.0.0.1: verdicts, canary, formats, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner
from helpers import claims_file, verify

from civicheck.cli import ExitCode, cli

ARTICLE = """<!doctype html><html><head><title>Cilegon Smart City</title></head><body>
<nav><a href="/">Beranda</a> <a href="/disnaker">Disnaker</a></nav>
<article><h1>Smart City jadi program prioritas</h1>
<p>Pemerintah Kota Cilegon menetapkan Smart City sebagai program prioritas dalam RPJMD 2021-2026, kata
Wali Kota dalam rapat paripurna di gedung DPRD pada Senin pagi.</p>
<p>“Aplikasi layanan ketenagakerjaan sudah bisa diakses masyarakat sejak Juli 2023,” ujar Kepala Dinas
Tenaga Kerja kepada wartawan.</p>
<p>Menurut dia, sebanyak 29 penerbangan dan layanan lain akan terhubung dengan portal kota tahun depan.</p>
</article><footer>Hak cipta Pemerintah Kota Cilegon</footer></body></html>"""


@pytest.fixture
def pages(site):
    site.route("/", ARTICLE)
    site.route("/gone", "<html><title>Not Found</title><body>Not Found</body></html>", status=404)
    site.route("/moved", "", status=301, headers={"Location": "/"})
    return site


def test_every_check_kind_passes_on_a_real_server(tmp_path, pages):
    u = pages.url
    f = claims_file(
        tmp_path,
        f"""
        claims:
          - id: all-kinds
            claim: "Smart City is a priority and the app is live"
            checks:
              - live: {u("/")}
              - dead: {u("/gone")}
              - status: {{url: {u("/gone")}, code: 404}}
              - status: {{url: {u("/moved")}, code: 200}}
              - contains: {{url: {u("/")}, all: ["Smart City", "RPJMD 2021–2026"], any: [prioritas, priority], none: [dibatalkan]}}
              - quote: {{url: {u("/")}, text: "\\"Aplikasi layanan ketenagakerjaan sudah bisa diakses masyarakat sejak Juli 2023\\""}}
              - quote: {{url: {u("/")}, text: "Smart City sebagai program prioritas", scope: article}}
        """,
    )
    result = verify(f, "--format", "json", "--no-canary")
    assert result.exit_code == ExitCode.OK, result.stderr
    data = json.loads(result.stdout)
    [claim] = data["claims"]
    assert claim["verdict"] == "supported", [c["reason"] for c in claim["checks"]]
    assert [c["outcome"] for c in claim["checks"]] == ["pass"] * 7
    moved = claim["checks"][3]["evidence"]
    assert moved["redirects"] == [{"status": 301, "url": u("/moved")}] and moved["final_url"] == u("/")
    quote = claim["checks"][5]["evidence"]
    assert "Aplikasi layanan ketenagakerjaan" in quote["excerpt"]
    assert quote["sha256"] and quote["text_sha256"] and quote["fetched_at"].endswith("Z")
    # Four checks cite "/" and it is fetched once; the second hit is /moved's redirect landing there.
    assert pages.hits("/") == 2 and pages.hits("/moved") == 1


def test_altered_quote_and_missing_phrase_refute(tmp_path, pages):
    u = pages.url
    f = claims_file(
        tmp_path,
        f"""
        claims:
          - id: misquote
            claim: "39 flights"
            checks:
              - quote: {{url: {u("/")}, text: "sebanyak 39 penerbangan dan layanan lain akan terhubung"}}
          - id: negated
            claim: "negation"
            checks:
              - quote: {{url: {u("/")}, text: "sebanyak 29 penerbangan dan layanan lain tidak akan terhubung"}}
          - id: missing
            claim: "phrase"
            checks:
              - contains: {{url: {u("/")}, all: ["Smart Village"]}}
          - id: forbidden
            claim: "none"
            checks:
              - contains: {{url: {u("/")}, none: ["prioritas"]}}
        """,
    )
    result = verify(f, "--format", "json", "--no-canary")
    assert result.exit_code == ExitCode.UNEXPECTED
    verdicts = {c["id"]: c["verdict"] for c in json.loads(result.stdout)["claims"]}
    assert verdicts == {
        "misquote": "refuted",
        "negated": "refuted",
        "missing": "refuted",
        "forbidden": "refuted",
    }
    reasons = {c["id"]: c["checks"][0]["reason"] for c in json.loads(result.stdout)["claims"]}
    assert "29" in reasons["misquote"] and "39" in reasons["misquote"]


def test_text_checks_are_unknown_when_the_source_is_unavailable(tmp_path, pages):
    f = claims_file(
        tmp_path,
        f"""
        claims:
          - id: gone
            claim: "x"
            checks:
              - contains: {{url: {pages.url("/gone")}, all: ["Smart City"]}}
        """,
    )
    result = verify(f, "--format", "json", "--no-canary")
    [claim] = json.loads(result.stdout)["claims"]
    assert claim["verdict"] == "unverified"
    assert claim["checks"][0]["reason"] == "source unavailable: 404 Not Found"


def test_refused_fails_only_when_the_canary_says_we_are_online(tmp_path, pages, closed_port_url):
    f = claims_file(
        tmp_path,
        f"""
        claims:
          - id: app
            claim: "the app is live"
            checks:
              - live: {closed_port_url}
        """,
    )
    online = verify(f, "--format", "json", "--canary", pages.url("/"))
    [claim] = json.loads(online.stdout)["claims"]
    assert claim["verdict"] == "refuted" and "refused" in claim["checks"][0]["reason"]
    assert claim["checks"][0]["evidence"]["error"] == "refused"

    offline = verify(f, "--format", "json", "--canary", closed_port_url, "--canary", "http://canary.invalid/")
    data = json.loads(offline.stdout)
    [claim] = data["claims"]
    assert claim["verdict"] == "unverified"
    assert "network unavailable" in claim["checks"][0]["reason"]
    assert "network unavailable" in data["network"]
    assert offline.exit_code == ExitCode.UNEXPECTED


def test_dns_failure_with_no_canary_is_a_failure(tmp_path):
    f = claims_file(
        tmp_path,
        """
        claims:
          - id: app
            claim: "the app is live"
            checks:
              - live: http://app.cilegon.invalid/
              - dead: http://old.cilegon.invalid/
        """,
    )
    result = verify(f, "--format", "json", "--no-canary")
    [claim] = json.loads(result.stdout)["claims"]
    live, dead = claim["checks"]
    assert live["outcome"] == "fail" and live["reason"].startswith("DNS lookup failed: app.cilegon.invalid")
    assert dead["outcome"] == "pass" and live["evidence"]["error"] == "dns"


def test_expect_decides_the_exit_code(tmp_path, pages):
    f = claims_file(
        tmp_path,
        f"""
        claims:
          - id: portal-link-broken
            claim: "the agency link works"
            expect: refuted
            checks:
              - live: {pages.url("/gone")}
        """,
    )
    result = verify(f, "--no-canary")
    assert result.exit_code == ExitCode.OK
    f.write_text(f.read_text().replace("expect: refuted", "expect: supported"))
    assert verify(f, "--no-canary").exit_code == ExitCode.UNEXPECTED


HOSTILE_TITLE = "Evil\x1b[2J\x1b]0;owned\x07 | col <script>alert(1)</script> [click](javascript:alert(1))"


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv", "json"])
def test_hostile_page_cannot_break_any_format(tmp_path, site, fmt):
    site.route(
        "/evil",
        f"<html><head><title>{HOSTILE_TITLE}</title></head><body><p>{HOSTILE_TITLE}</p>"
        "<p>Smart City</p></body></html>",
    )
    f = claims_file(
        tmp_path,
        f"""
        claims:
          - id: evil
            claim: "Smart City | <b>bold</b> [x](javascript:alert(2))"
            checks:
              - contains: {{url: {site.url("/evil")}, all: ["Evil"]}}
        """,
    )
    result = verify(f, "--format", fmt, "--no-canary")
    out = result.stdout
    assert result.exit_code == ExitCode.OK, result.stderr
    assert "\x1b" not in out and "\x07" not in out
    if fmt == "markdown":
        assert "<script>" not in out and "<b>" not in out
        assert "](" not in out.replace("\\](", "")  # brackets escaped: no link can form
        row = next(line for line in out.splitlines() if line.startswith("| evil"))
        assert row.replace("\\|", "").count("|") == 7  # six columns
    if fmt == "json":
        assert json.loads(out)["claims"][0]["verdict"] == "supported"


def test_stdout_is_the_report_alone_and_output_file(tmp_path, pages):
    f = claims_file(
        tmp_path,
        f"""
        claims:
          - id: a
            claim: "x"
            checks:
              - live: {pages.url("/")}
        """,
    )
    out = tmp_path / "report.md"
    result = verify(f, "--format", "markdown", "-o", out, "--no-canary")
    assert result.exit_code == 0 and result.stdout == ""
    assert out.read_text().startswith("**civicheck:** 1 claim: 1 supported")
    assert "1 claim: 1 supported" in result.stderr
    quiet = verify(f, "--format", "markdown", "--no-canary", "--quiet")
    assert quiet.stdout.startswith("**civicheck:**") and quiet.stderr == ""


def test_bad_claims_file_exits_2_before_fetching(tmp_path, pages):
    f = claims_file(
        tmp_path,
        f"""
        claims:
          - id: a
            claim: "x"
            checks:
              - live: {pages.url("/")}
              - quote: {{url: {pages.url("/")}}}
          - id: a
            claim: "y"
            checks:
              - live: gopher://x/
        """,
    )
    result = verify(f)
    assert result.exit_code == ExitCode.BAD_INPUT
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert f"error: {f}:6: claim 'a': 'quote' needs 'text': the exact words attributed" in lines
    assert any(":7: claim 'a': duplicate id" in line for line in lines)
    assert any(":10: claim 'a': live: 'gopher://x/' is not an http(s) URL" in line for line in lines)
    assert pages.hits("/") == 0
    lint = CliRunner().invoke(cli, ["lint", str(f)])
    assert lint.exit_code == ExitCode.BAD_INPUT and lint.stderr == result.stderr


def test_lint_ok_and_usage_errors(tmp_path):
    f = claims_file(tmp_path, "claims:\n  - id: a\n    claim: x\n    checks: [{live: https://a.example/}]\n")
    ok = CliRunner().invoke(cli, ["lint", str(f)])
    assert ok.exit_code == 0 and ok.stdout == "ok: 1 claim, 1 check in 1 file\n"
    missing = CliRunner().invoke(cli, ["verify", str(tmp_path / "nope")])
    assert missing.exit_code == ExitCode.BAD_INPUT and "no such file or folder" in missing.stderr
    bad_format = CliRunner().invoke(cli, ["verify", str(f), "--format", "pdf"])
    assert bad_format.exit_code == ExitCode.BAD_INPUT


def test_an_output_path_that_cannot_be_written_is_refused_before_fetching(tmp_path, pages):
    f = claims_file(tmp_path, f"claims:\n  - id: a\n    claim: x\n    checks: [{{live: {pages.url('/')}}}]\n")
    target = tmp_path / "no-such-dir" / "report.json"
    result = verify(f, "--no-canary", "-o", target)
    assert result.exit_code == ExitCode.BAD_INPUT
    assert f"the folder {target.parent} does not exist" in result.stderr
    assert pages.hits("/") == 0  # refused before a long run, not after it


def test_output_to_a_pipe_or_through_a_link_keeps_what_was_there(tmp_path, pages):
    import os
    import stat
    import threading

    f = claims_file(tmp_path, f"claims:\n  - id: a\n    claim: x\n    checks: [{{live: {pages.url('/')}}}]\n")
    # `-o /dev/null` once replaced the device with a plain file (renamed over it, as root): a named pipe, like
    # any file that is not a regular one, is written to as it is, and stays what it was.
    fifo = tmp_path / "report.pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = verify(f, "--format", "json", "--no-canary", "-o", fifo)
    reader.join(timeout=30)
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and json.loads(got[0])["claims"][0]["verdict"] == "supported"
    # A link to a report is written through: the link stays, its target gets the new report.
    target = tmp_path / "reports" / "latest.json"
    target.parent.mkdir()
    target.write_text("old")
    link = tmp_path / "report.json"
    link.symlink_to(target)
    assert verify(f, "--format", "json", "--no-canary", "-o", link).exit_code == 0
    assert link.is_symlink() and json.loads(target.read_text())["claims"][0]["id"] == "a"
    assert sorted(p.name for p in target.parent.iterdir()) == ["latest.json"]  # no temporary file left


def test_python_dash_m_and_help_and_version():
    help_ = subprocess.run(
        [sys.executable, "-m", "civicheck", "--help"], capture_output=True, text=True, check=True
    )
    assert "verify" in help_.stdout and "lint" in help_.stdout
    version = subprocess.run(
        [sys.executable, "-m", "civicheck", "--version"], capture_output=True, text=True, check=True
    )
    assert version.stdout.startswith("civicheck, version ")
    assert (
        "trafilatura"
        not in subprocess.run(
            [sys.executable, "-c", "import sys, civicheck.cli; print(sorted(sys.modules))"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        ("claims:\n\t- id: a\n", "indent with spaces only"),
        ("claims:\n  - id: a\n    claim: Smart City: a priority\n", "put the text in quotes"),
    ],
)
def test_yaml_mistakes_are_explained_in_a_reporters_words(tmp_path, text, expected):
    f = tmp_path / "c.yaml"
    f.write_text(text)
    result = CliRunner().invoke(cli, ["lint", str(f)])
    assert (
        result.exit_code == ExitCode.BAD_INPUT and expected in result.stderr and "YAML says:" in result.stderr
    )


def test_forgiving_spelling_of_expect_and_code_and_upper_case_extensions(tmp_path, pages):
    (tmp_path / "claims").mkdir()
    f = tmp_path / "claims" / "C.YAML"
    f.write_text(
        f"claims:\n  - id: a\n    claim: x\n    expect: 'Supported '\n"
        f"    checks: [{{status: {{url: {pages.url('/gone')}, code: '404'}}}}]\n"
    )
    result = verify(tmp_path / "claims", "--no-canary", "--format", "json", "--no-history")
    assert result.exit_code == ExitCode.OK, result.stderr
    [claim] = json.loads(result.stdout)["claims"]
    assert claim["expect"] == "supported" and claim["checks"][0]["spec"]["code"] == [404]


def test_problems_are_listed_in_line_order(tmp_path):
    f = claims_file(
        tmp_path,
        """
        claims:
          - id: a
            claim: x
            checks:
              - live: ftp://a/
          - id: b
            colour: red
            claim: y
            checks: [{live: https://a.example/}]
        """,
    )
    result = CliRunner().invoke(cli, ["lint", str(f)])
    lines = [int(line.split(":")[2]) for line in result.stderr.splitlines() if line.startswith("error:")]
    assert lines == sorted(lines) and len(lines) == 2


def test_offline_reasons_never_say_a_host_does_not_exist(tmp_path, closed_port_url):
    f = claims_file(
        tmp_path,
        """
        claims:
          - id: a
            claim: x
            checks:
              - live: http://app.cilegon.invalid/
              - contains: {url: "http://berita.cilegon.invalid/", all: [x]}
        """,
    )
    result = verify(f, "--format", "json", "--canary", closed_port_url, "--no-history", "--no-warc")
    live, text = json.loads(result.stdout)["claims"][0]["checks"]
    for check in (live, text):
        assert check["outcome"] == "unknown" and "does not exist" not in check["reason"], check["reason"]
    assert "the DNS lookup of app.cilegon.invalid failed" in live["reason"]


def test_article_scope_says_when_the_words_are_elsewhere_on_the_page(tmp_path, pages):
    f = claims_file(
        tmp_path,
        f"""
        claims:
          - id: a
            claim: x
            checks:
              - contains: {{url: {pages.url("/")}, all: [Beranda], scope: article}}
        """,
    )
    result = verify(f, "--format", "json", "--no-canary", "--no-history", "--no-warc")
    [check] = json.loads(result.stdout)["claims"][0]["checks"]
    assert check["outcome"] == "fail"
    assert "the words are on the page, outside the article text" in check["reason"]


def test_a_portal_audit_names_links_it_could_not_check(tmp_path, site, closed_port_url):
    site.route(
        "/portal",
        '<html><body><h1>Portal</h1><p>Daftar dinas kota.</p><a href="/ok">Dinas</a>'
        '<a href="http://disdukcapil.cilegon.invalid/">Disdukcapil</a></body></html>',
    )
    site.route(
        "/ok",
        "<html><title>Dinas</title><body><h1>Dinas Kota</h1><p>"
        + "Layanan warga. " * 20
        + "</p></body></html>",
    )
    f = claims_file(
        tmp_path,
        f"""
        claims:
          - id: a
            claim: x
            checks:
              - links: {{url: {site.url("/portal")}, max_broken: 1}}
        """,
    )
    result = verify(f, "--format", "json", "--canary", closed_port_url, "--no-history", "--no-warc")
    [check] = json.loads(result.stdout)["claims"][0]["checks"]
    assert check["outcome"] == "pass"
    assert check["reason"].startswith(
        "1 of 2 links work, within the 1 broken allowed; 1 could not be checked: "
        "Disdukcapil → network unavailable"
    ), check["reason"]
