"""Attacks on where civicheck connects and what it writes down: hostile redirects, IP literals in every
spelling, DNS rebinding, a resolver that never answers, credentials in URLs, netrc, headers and cookies.

Nothing here reaches a real private range: refusals happen before any connection; what must be proven
never contacted is bound inside a network namespace (`unshare -n`, root only: skipped otherwise).
Every case is bounded in time (fetch deadlines, subprocess timeouts).
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import textwrap
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import claims_file

from civicheck.cli import ExitCode, cli
from civicheck.credentials import REDACTED, RequestHeaders, redact_headers
from civicheck.fetch import ErrorKind
from civicheck.fetch.addresses import AddressPolicy, non_public
from civicheck.fetch.client import Fetcher
from civicheck.fetch.resolve import NoAnswer, Resolver

HERE = Path(__file__).resolve().parent
SECRET = "S3cretPassw0rd"
PAGE = (
    "<html><head><title>Layanan Kota Cilegon</title></head><body><article><h1>Layanan publik</h1>"
    + "<p>Layanan publik Kota Cilegon tersedia untuk warga setiap hari kerja, dari pendaftaran penduduk "
    "sampai izin usaha, langsung dari portal kota tanpa harus datang ke kantor dinas.</p>"
    * 4
    + "</article></body></html>"
)
INTERNAL = "INTERNAL-ONLY metadata token 7f3a"


@pytest.fixture
def refuse_private(monkeypatch):
    """The CLI as a user runs it: private addresses refused (conftest allows them for the other tests)."""
    monkeypatch.delenv("CIVICHECK_ALLOW_PRIVATE", raising=False)


def never_answers(host: str) -> list[str]:
    threading.Event().wait(30)  # a daemon thread: abandoned by the fetch, gone with the process
    return []


def live_claim(
    tmp_path: Path, url: str, defaults: str = "", name: str = "claims.yaml", claim_id: str = "portal-live"
) -> Path:
    """A claims file with one `live` claim citing `url`, under the `defaults:` given as YAML lines."""
    head = "defaults:\n" + textwrap.indent(textwrap.dedent(defaults).strip(), "  ") + "\n" if defaults else ""
    return claims_file(
        tmp_path,
        head
        + f"""claims:
  - id: {claim_id}
    claim: "The portal is live"
    checks:
      - live: {url}
""",
        name,
    )


def run_cli(*args: object, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


def in_thread(fn, limit: float = 30.0):
    """Run fn() on a thread and return its result; a call that does not end within `limit` fails the test."""
    box: dict[str, object] = {}
    thread = threading.Thread(target=lambda: box.setdefault("result", fn()), daemon=True)
    thread.start()
    thread.join(limit)
    assert not thread.is_alive(), f"still running after {limit} s"
    return box["result"]


# --- Which addresses are public ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "words"),
    [
        ("127.0.0.1", "a loopback address"),
        ("::1", "a loopback address"),
        ("169.254.169.254", "a link-local address"),
        ("fe80::1", "a link-local address"),
        ("10.0.0.1", "a private address"),
        ("172.31.255.255", "a private address"),
        ("192.168.1.1", "a private address"),
        ("fd00::1", "a private (unique local) address"),
        ("100.64.0.1", "a carrier-grade NAT address"),
        ("224.0.0.251", "a multicast address"),
        ("ff02::1", "a multicast address"),
        ("0.0.0.0", "the unspecified address"),
        ("::", "the unspecified address"),
        ("240.0.0.1", "a reserved address"),
        ("255.255.255.255", "the broadcast address"),
        ("192.0.2.10", "a documentation address"),
        ("2001:db8::1", "a documentation address"),
        ("198.18.0.1", "a benchmarking address"),
        ("::ffff:169.254.169.254", "an IPv4-mapped form of 169.254.169.254, a link-local address"),
        ("::ffff:0:a9fe:a9fe", "an IPv4-translated form of 169.254.169.254, a link-local address"),
        ("64:ff9b::a00:1", "a NAT64 form of 10.0.0.1, a private address"),
        ("2002:7f00:1::1", "a 6to4 form of 127.0.0.1, a loopback address"),
        ("::a9fe:a9fe", "an IPv4-compatible form of 169.254.169.254, a link-local address"),
    ],
)
def test_non_public_addresses_are_named(address, words):
    assert non_public(address) == words


@pytest.mark.parametrize(
    "address",
    ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"],
)
def test_public_addresses_pass(address):
    assert non_public(address) is None


# --- Refused before connecting -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "why"),
    [
        ("169.254.169.254", "169.254.169.254 is a link-local address"),
        (
            "[::ffff:169.254.169.254]",
            "::ffff:169.254.169.254 is an IPv4-mapped form of 169.254.169.254, a link-local",
        ),
        ("0251.0376.0251.0376", "0251.0376.0251.0376 is 169.254.169.254, a link-local address"),
        ("2852039166", "2852039166 is 169.254.169.254, a link-local address"),
        ("0xa9.0xfe.0xa9.0xfe", "0xa9.0xfe.0xa9.0xfe is 169.254.169.254, a link-local address"),
        ("169.254.43518", "169.254.43518 is 169.254.169.254, a link-local address"),
        ("10.0.0.1", "10.0.0.1 is a private address"),
        ("100.64.0.1", "100.64.0.1 is a carrier-grade NAT address"),
        ("0.0.0.0", "0.0.0.0 is the unspecified address"),
    ],
)
def test_ip_literals_in_every_spelling_are_refused(host, why):
    with Fetcher(timeout=5) as f:
        result = f.fetch(f"http://{host}/latest/meta-data/")
    assert result.error is ErrorKind.NOT_PUBLIC
    assert result.detail.startswith(f"refused: {why}")
    assert result.status is None and result.request_headers == [] and not result.maybe_local


@pytest.mark.parametrize("host", ["127.0.0.1", "127.1", "2130706433", "localhost", "[::ffff:127.0.0.1]"])
def test_loopback_is_refused_without_a_connection(site, host):
    site.route("/", INTERNAL)
    with Fetcher(timeout=5) as f:
        result = f.fetch(f"http://{host}:{site.port}/")
    assert result.error is ErrorKind.NOT_PUBLIC and "a loopback address" in result.detail
    assert site.connections_accepted == 0


def test_a_name_resolving_to_one_private_address_among_public_ones_is_refused():
    # The public address comes first: a connection to it would be made if the check looked at it alone.
    with Fetcher(timeout=5, resolve=lambda host: ["93.184.216.34", "127.0.0.1"]) as f:
        result = f.fetch("http://mixed.test/")
    assert result.error is ErrorKind.NOT_PUBLIC
    assert result.detail.startswith("refused: mixed.test resolves to 127.0.0.1, a loopback address")


def test_a_redirect_to_a_private_address_is_refused_on_that_hop(site):
    site.route("/start", "", status=302, headers={"Location": f"http://localhost:{site.port}/internal"})
    site.route("/internal", INTERNAL)
    with Fetcher(timeout=5, private_hosts=["127.0.0.1"]) as f:  # the cited host, as an opted-in file allows
        result = f.fetch(site.url("/start"))
    assert result.error is ErrorKind.NOT_PUBLIC
    assert result.redirects == [(302, site.url("/start"))]
    assert result.final_url == f"http://localhost:{site.port}/internal"
    assert result.detail.startswith("refused: localhost resolves to ")
    assert f"({site.url('/start')} redirected there)" in result.detail
    assert site.hits("/internal") == 0 and INTERNAL.encode() not in result.body


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/iam/",
        "http://[::ffff:169.254.169.254]/",
        "http://0251.0376.0251.0376/",
        "http://2852039166/",
        "http://10.0.0.1/",
    ],
)
def test_redirects_to_metadata_and_private_literals_are_refused(site, target):
    site.route("/start", "", status=301, headers={"Location": target})
    with Fetcher(timeout=5, private_hosts=["127.0.0.1"]) as f:
        result = f.fetch(site.url("/start"))
    assert result.error is ErrorKind.NOT_PUBLIC and result.final_url == target
    assert "redirected there" in result.detail


def test_allow_private_restores_loopback(site):
    site.route("/", PAGE)
    with Fetcher(timeout=5, allow_private=True) as f:
        assert f.fetch(site.url("/")).status == 200


def test_private_hosts_allow_those_hosts_only(site):
    site.route("/", PAGE)
    with Fetcher(timeout=5, private_hosts=["127.0.0.1"]) as f:
        assert f.fetch(site.url("/")).status == 200
        assert f.fetch(f"http://localhost:{site.port}/").error is ErrorKind.NOT_PUBLIC


def test_policy_refusal_by_name_covers_literals_and_localhost():
    policy = AddressPolicy.of()
    assert policy.refusal_by_name("0x7f.1") == "0x7f.1 is 127.0.0.1, a loopback address"
    assert policy.refusal_by_name("app.localhost") == "app.localhost names this machine (a loopback address)"
    assert policy.refusal_by_name("www.example.go.id") is None
    assert (
        AddressPolicy.of(private_hosts=["0x7f.1"]).refusal_by_name("127.0.0.1") is None
    )  # one address, one key


# --- The connection goes to the address that was checked ------------------------------------------------


def test_the_connection_goes_to_the_resolved_address_and_keeps_the_name(site):
    # Nothing but our resolver knows pinned.test: the fetch works only if the connection used its answer.
    site.route("/", PAGE)
    with Fetcher(timeout=5, private_hosts=["pinned.test"], resolve=lambda host: ["127.0.0.1"]) as f:
        result = f.fetch(f"http://pinned.test:{site.port}/")
    assert result.status == 200
    assert site.requests[0].header("Host") == f"pinned.test:{site.port}"


def test_a_rebinding_answer_is_checked_again_and_refused():
    answers = iter([["93.184.216.34"], ["169.254.169.254"]])
    resolver = Resolver(lambda host: next(answers), cache_seconds=0)
    policy = AddressPolicy.of()
    first = resolver.lookup("rebind.test", deadline=_soon())
    second = resolver.lookup("rebind.test", deadline=_soon())
    assert policy.refusal("rebind.test", first) is None
    assert (
        policy.refusal("rebind.test", second)
        == "rebind.test resolves to 169.254.169.254, a link-local address"
    )


def _soon(seconds: float = 5.0) -> float:
    import time

    return time.monotonic() + seconds


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a certificate")
def test_tls_verifies_the_name_while_connecting_to_the_pinned_address(tmp_path, monkeypatch):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            key,
            "-out",
            cert,
            "-days",
            "2",
            "-subj",
            "/CN=secure.test",
            "-addext",
            "subjectAltName=DNS:secure.test",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    names: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda sock, name, ctx: names.append(name)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    port = server.server_address[1]
    try:
        with Fetcher(timeout=10, retries=0, allow_private=True, resolve=lambda host: ["127.0.0.1"]) as f:
            good = f.fetch(f"https://secure.test:{port}/")
            wrong = f.fetch(f"https://other.test:{port}/")
    finally:
        server.shutdown()
        server.server_close()
    assert good.status == 200 and good.error is None
    assert names[0] == "secure.test"
    assert wrong.error is ErrorKind.TLS and "other.test" in wrong.detail


# --- A resolver that never answers ------------------------------------------------------------------------


def test_a_never_answering_resolver_costs_the_deadline_only():
    with Fetcher(timeout=1, resolve=never_answers) as f:
        result = in_thread(lambda: f.fetch("http://slow-dns.test/"))
    assert result.error is ErrorKind.DNS and result.maybe_local
    assert result.detail == "DNS lookup failed: no answer about slow-dns.test within the 1 s deadline"
    assert result.attempts == 1  # no retry of a lookup that had the whole deadline


def test_many_never_answering_names_end_together_and_bound_their_threads():
    def lookups() -> int:
        return sum(t.name == "civicheck-dns" for t in threading.enumerate())

    urls = [(f"http://host-{i}.never.test/{page}", 0.5) for i in range(20) for page in ("a", "b")]
    before = lookups()
    with Fetcher(concurrency=8, resolve=never_answers) as f:
        results = in_thread(lambda: f.fetch_all(urls))
    assert {r.error for r in results.values()} == {ErrorKind.DNS} and len(results) == 40
    assert lookups() - before <= 20  # one abandoned lookup per name, however many URLs and attempts


def test_lookups_of_one_name_share_one_thread_and_one_answer():
    calls: list[str] = []
    gate = threading.Event()

    def slow(host: str) -> list[str]:
        calls.append(host)
        gate.wait(10)
        return ["93.184.216.34"]

    resolver = Resolver(slow)
    answers: list[list[str]] = []
    threads = [
        threading.Thread(target=lambda: answers.append(resolver.lookup("one.test", _soon())))
        for _ in range(5)
    ]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join(10)
    assert calls == ["one.test"] and answers == [["93.184.216.34"]] * 5


def test_a_busy_resolver_refuses_more_lookups_than_its_thread_cap():
    resolver = Resolver(never_answers, max_threads=2)
    for name in ("a.test", "b.test"):
        with pytest.raises(NoAnswer):
            resolver.lookup(name, _soon(0.1))
    with pytest.raises(NoAnswer, match="2 lookups were already waiting for the resolver"):
        resolver.lookup("c.test", _soon(0.2))


def test_ctrl_c_during_a_lookup_ends_the_process(tmp_path):
    script = tmp_path / "hang.py"
    script.write_text(
        textwrap.dedent("""
        import sys, threading
        from civicheck.fetch.client import Fetcher
        def never(host):
            threading.Event().wait(600)
        with Fetcher(timeout=300, resolve=never) as f:
            print("fetching", flush=True)
            f.fetch_all([(f"http://h{i}.never.test/", None) for i in range(20)])
    """),
        encoding="utf-8",
    )
    proc = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "fetching"
        threading.Event().wait(0.5)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=20)  # the lookups hold 300 s: only abandoning them ends it now
    finally:
        proc.kill()
    assert proc.returncode != 0 and "KeyboardInterrupt" in stderr


# --- The CLI: refused by default, opted in on purpose ------------------------------------------------------


def test_verify_refuses_loopback_by_default_and_says_why(site, tmp_path, refuse_private):
    site.route("/", PAGE)
    f = live_claim(tmp_path, site.url("/"))
    result = run_cli("verify", f, "--format", "json", "--no-history", "--canary", "http://nothing.invalid/")
    assert result.exit_code == ExitCode.UNEXPECTED, result.stderr
    claim = json.loads(result.stdout)["claims"][0]
    check = claim["checks"][0]
    assert claim["verdict"] == "unverified" and check["outcome"] == "unknown"
    assert check["reason"].startswith("refused: 127.0.0.1 is a loopback address")
    assert check["evidence"]["error"] == "not_public"
    assert json.loads(result.stdout)["network"] is None  # our refusal says nothing about the network
    assert site.connections_accepted == 0


def test_urls_the_operator_names_may_be_private(site, tmp_path, refuse_private, closed_port_url):
    # --canary and --archive come from whoever runs civicheck, not from a claims file: an office canary or a
    # self-hosted pywb on the intranet is theirs to name. The cited loopback page is still refused.
    site.route("/", PAGE)
    site.route("/canary", "", status=204)
    f = claims_file(
        tmp_path,
        f"""
        claims:
          - id: portal-live
            claim: "The portal is live"
            checks:
              - live: {site.url("/")}
          - id: app-live
            claim: "The app is live"
            checks:
              - live: http://app.nothing.invalid/
        """,
    )
    result = run_cli(
        "verify",
        f,
        "--format",
        "json",
        "--no-history",
        "--canary",
        site.url("/canary"),
        "--archive",
        f"pywb={closed_port_url}coll",
    )
    report = json.loads(result.stdout)
    reasons = {c["id"]: c["checks"][0]["reason"] for c in report["claims"]}
    assert reasons["portal-live"].startswith("refused: 127.0.0.1 is a loopback address")
    assert report["network"] == f"network available: {site.url('/canary')} answered 204 No Content"
    assert site.hits("/canary") == 1 and site.hits("/") == 0
    assert report["archives"] and all("cannot reach pywb" in a["reason"] for a in report["archives"])


@pytest.mark.parametrize("how", ["flag", "env"])
def test_allow_private_on_verify_restores_todays_behaviour(site, tmp_path, refuse_private, how):
    site.route("/", PAGE)
    f = live_claim(tmp_path, site.url("/"))
    args = ["verify", f, "--no-history", "--no-canary"]
    result = (
        run_cli(*args, "--allow-private")
        if how == "flag"
        else run_cli(*args, env={"CIVICHECK_ALLOW_PRIVATE": "1"})
    )
    assert result.exit_code == ExitCode.OK, result.output


def test_a_files_allow_private_covers_its_own_hosts_not_a_redirect_elsewhere(site, tmp_path, refuse_private):
    site.route("/", PAGE)
    site.route("/moved", "", status=302, headers={"Location": f"http://localhost:{site.port}/internal"})
    site.route("/internal", f"<html><body><p>{INTERNAL}</p></body></html>")
    site.route(
        "/portal",
        f"""<html><body><nav><a href="/">Beranda</a>
        <a href="http://localhost:{site.port}/internal">Intranet</a>
        <a href="http://169.254.169.254/latest/meta-data/">Meta</a></nav></body></html>""",
    )
    f = claims_file(
        tmp_path,
        f"""
        defaults:
          allow_private: true
        claims:
          - id: intranet-live
            claim: "The intranet portal is live"
            checks:
              - live: {site.url("/")}
          - id: moved-page
            claim: "The moved page says it"
            checks:
              - contains: {{url: {site.url("/moved")}, all: ["INTERNAL-ONLY"]}}
          - id: portal-links
            claim: "Every portal link works"
            checks:
              - links: {{url: {site.url("/portal")}, soft404: false}}
        """,
    )
    lint = run_cli("lint", f)
    assert lint.exit_code == 0 and f"note: {f}: allow_private: true" in lint.stderr
    result = run_cli("verify", f, "--format", "markdown", "--no-history", "--no-canary")
    assert "INTERNAL-ONLY metadata" not in result.stdout
    assert site.hits("/internal") == 0
    report = json.loads(run_cli("verify", f, "--format", "json", "--no-history", "--no-canary").stdout)
    verdicts = {c["id"]: c for c in report["claims"]}
    assert verdicts["intranet-live"]["verdict"] == "supported"
    moved = verdicts["moved-page"]
    assert moved["verdict"] == "unverified" and "refused: localhost resolves to" in moved["reason"]
    links = verdicts["portal-links"]
    assert links["verdict"] == "unverified"  # refused links are not broken ones
    assert "2 of 3 links could not be checked: Intranet → refused: localhost resolves to" in links["reason"]
    assert "Meta → refused: 169.254.169.254 is a link-local address" in links["reason"]
    assert site.hits("/internal") == 0


# --- Credentials --------------------------------------------------------------------------------------------


def test_lint_refuses_a_url_with_credentials_without_printing_the_password(tmp_path):
    f = live_claim(tmp_path, f"http://reporter:{SECRET}@intranet.example.go.id/")
    result = run_cli("lint", f)
    assert result.exit_code == ExitCode.BAD_INPUT
    assert (
        f"{f}:5: claim 'portal-live': live: 'http://reporter:***@intranet.example.go.id/' holds a user name"
        in result.stderr
    )
    assert (
        'Authorization: "Basic ${CIVICHECK_AUTH}"' in result.stderr
        and "intranet.example.go.id" in result.stderr
    )
    assert SECRET not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ('Authorization: "${HOME}"', "only environment variables named CIVICHECK_"),
        ('Authorization: "Bearer abc123"', "keep the secret in an environment variable"),
        ('Host: "evil.test"', "civicheck sets this header itself"),
        ('"Bad Name": "x"', "not a valid header name"),
    ],
)
def test_lint_checks_the_headers_of_defaults(tmp_path, header, message):
    f = live_claim(
        tmp_path, "https://intranet.example.go.id/", f"headers:\n  intranet.example.go.id: {{{header}}}"
    )
    result = run_cli("lint", f)
    assert (
        result.exit_code == ExitCode.BAD_INPUT
        and f"{f}:3: header" in result.stderr
        and message in result.stderr
    )


def test_allow_private_in_defaults_must_be_a_boolean(tmp_path):
    f = live_claim(tmp_path, "https://intranet.example.go.id/", 'allow_private: "yes"')
    result = run_cli("lint", f)
    assert result.exit_code == ExitCode.BAD_INPUT
    assert f"{f}:2: 'allow_private' must be true or false, not 'yes'" in result.stderr


def test_two_files_giving_one_header_two_values_is_an_error(tmp_path):
    for name, variable in (("a.yaml", "CIVICHECK_A"), ("b.yaml", "CIVICHECK_B")):
        live_claim(
            tmp_path,
            "https://intranet.example.go.id/",
            name=name,
            claim_id=f"live-{name[0]}",
            defaults=f'headers:\n  intranet.example.go.id: {{Authorization: "Bearer ${{{variable}}}"}}',
        )
    result = run_cli("lint", tmp_path)
    assert result.exit_code == ExitCode.BAD_INPUT
    assert (
        "b.yaml:3: header Authorization for intranet.example.go.id is already set differently at"
        in result.stderr
    )


def test_a_missing_variable_stops_verify_and_is_noted_by_lint(site, tmp_path, monkeypatch):
    monkeypatch.delenv("CIVICHECK_TOKEN", raising=False)
    f = live_claim(
        tmp_path, site.url("/"), 'headers:\n  127.0.0.1: {Authorization: "Bearer ${CIVICHECK_TOKEN}"}'
    )
    lint = run_cli("lint", f)
    assert (
        lint.exit_code == 0
        and "note:" in lint.stderr
        and "${CIVICHECK_TOKEN}, which is not set" in lint.stderr
    )
    result = run_cli("verify", f, "--no-history", "--no-canary")
    assert result.exit_code == ExitCode.BAD_INPUT
    assert f"error: {f}:3: header Authorization for 127.0.0.1 reads ${{CIVICHECK_TOKEN}}" in result.stderr
    assert site.connections_accepted == 0


def test_netrc_and_url_credentials_are_never_sent(site, tmp_path, monkeypatch):
    netrc = tmp_path / ".netrc"
    netrc.write_text(f"machine 127.0.0.1 login reporter password {SECRET}\n", encoding="ascii")
    netrc.chmod(0o600)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("NETRC", str(netrc))
    site.route("/", PAGE)
    site.route(
        "/hop", "", status=302, headers={"Location": f"http://reporter:{SECRET}@127.0.0.1:{site.port}/"}
    )
    with Fetcher(timeout=5, allow_private=True) as f:
        plain = f.fetch(site.url("/"))
        with_userinfo = f.fetch(f"http://reporter:{SECRET}@127.0.0.1:{site.port}/")
        redirected = f.fetch(site.url("/hop"))
    assert plain.status == with_userinfo.status == redirected.status == 200
    assert (
        redirected.final_url == f"http://reporter:***@127.0.0.1:{site.port}/"
    )  # recorded without the password
    assert len(site.requests) == 4
    assert all(r.header("Authorization") is None for r in site.requests)


def test_headers_go_to_their_host_only_and_are_redacted_in_the_result(site):
    site.route("/start", "", status=302, headers={"Location": f"http://localhost:{site.port}/elsewhere"})
    site.route("/elsewhere", PAGE)
    headers = RequestHeaders(
        {"127.0.0.1": {"Authorization": f"Bearer {SECRET}", "X-Api-Key": SECRET}},
        frozenset({"authorization", "x-api-key"}),
    )
    with Fetcher(timeout=5, allow_private=True, headers=headers) as f:
        result = f.fetch(site.url("/start"))
        direct = f.fetch(site.url("/elsewhere"))
    first, second, third = site.requests
    assert first.header("Authorization") == f"Bearer {SECRET}" and first.header("X-Api-Key") == SECRET
    assert second.header("Authorization") is None and second.header("X-Api-Key") is None
    assert third.header("Authorization") == f"Bearer {SECRET}"
    assert result.status == direct.status == 200
    sent = dict(direct.request_headers)
    assert (sent["Authorization"], sent["X-Api-Key"]) == (f"Bearer {REDACTED}", REDACTED)


def test_redaction_keeps_what_is_not_secret():
    assert redact_headers(
        [
            ("Authorization", f"Basic {base64.b64encode(b'reporter:S3cret').decode()}"),
            ("Proxy-Authorization", "Bearer tok"),
            ("Cookie", "sid=abc; lang=id"),
            ("Set-Cookie", "sid=abc; Path=/; HttpOnly"),
            ("Authorization", "tokenwithoutscheme"),
            ("X-Api-Key", "k"),
            ("Content-Type", "text/html"),
        ],
        also=["x-api-key"],
    ) == [
        ("Authorization", f"Basic {REDACTED}"),
        ("Proxy-Authorization", f"Bearer {REDACTED}"),
        ("Cookie", f"sid={REDACTED}; lang={REDACTED}"),
        ("Set-Cookie", f"sid={REDACTED}; Path=/; HttpOnly"),
        ("Authorization", REDACTED),
        ("X-Api-Key", REDACTED),
        ("Content-Type", "text/html"),
    ]


def test_no_secret_in_any_output_the_warc_or_the_history(site, tmp_path, monkeypatch):
    basic = base64.b64encode(f"reporter:{SECRET}".encode()).decode()
    cookie = "S3ssionCookieValue42"
    netrc_secret = "N3trcSecretValue"
    monkeypatch.setenv("CIVICHECK_AUTH", basic)
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".netrc").write_text(
        f"machine 127.0.0.1 login reporter password {netrc_secret}\n", encoding="ascii"
    )

    def login(rh: BaseHTTPRequestHandler) -> None:
        rh.send_response(302)
        rh.send_header("Set-Cookie", f"sid={cookie}; Path=/; HttpOnly")
        rh.send_header("Location", "/home")
        rh.send_header("Content-Length", "0")
        rh.end_headers()

    site.route("/login", handler=login)
    site.route("/home", PAGE, headers=[("Set-Cookie", f"seen={cookie}; Path=/")])
    f = claims_file(
        tmp_path,
        f"""
        defaults:
          headers:
            127.0.0.1: {{Authorization: "Basic ${{CIVICHECK_AUTH}}"}}
        claims:
          - id: portal-live
            claim: "The portal is live after logging in"
            checks:
              - live: {{url: {site.url("/login")}, soft404: false}}
              - contains: {{url: {site.url("/login")}, all: ["Layanan publik"]}}
        """,
    )
    outputs = []
    for fmt in ("table", "markdown", "json", "csv", "claimreview"):
        result = run_cli(
            "verify",
            f,
            "--format",
            fmt,
            "--no-canary",
            "--db",
            tmp_path / "history.sqlite",
            "-o",
            tmp_path / f"report.{fmt}",
        )
        assert result.exit_code == ExitCode.OK, result.output
        outputs += [result.stdout, result.stderr, (tmp_path / f"report.{fmt}").read_text(encoding="utf-8")]
    assert site.requests[0].header("Authorization") == f"Basic {basic}"  # the header was sent
    assert site.requests[1].header("Cookie") == f"sid={cookie}"  # and the session kept
    warcs = list((tmp_path / ".civicheck" / "archive").glob("*.warc.gz"))
    assert len(warcs) == 5
    stored = [gzip.decompress(w.read_bytes()) for w in warcs]
    stored += [p.read_bytes() for p in tmp_path.glob("history.sqlite*")]
    assert b"Authorization: Basic [redacted]\r\nCookie: sid=[redacted]\r\n" in stored[0]
    assert b"Set-Cookie: seen=[redacted]; Path=/\r\n" in stored[0]
    for secret in (
        SECRET,
        basic,
        cookie,
        netrc_secret,
        base64.b64encode(f"reporter:{netrc_secret}".encode()).decode(),
    ):
        assert not any(secret in text for text in outputs), secret
        assert not any(secret.encode() in data for data in stored), secret


def test_through_a_proxy_names_go_to_the_proxy_and_literals_are_still_refused(site, monkeypatch):
    # The site plays the proxy: a request line with an absolute URL is routed by its path.
    site.route("/page", PAGE)
    monkeypatch.setenv("HTTP_PROXY", f"http://operator:{SECRET}@127.0.0.1:{site.port}")
    for name in ("NO_PROXY", "no_proxy", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    with Fetcher(timeout=5, resolve=never_answers) as f:  # the target name is never resolved here
        far = f.fetch("http://far.example.test/page")
        metadata = f.fetch("http://169.254.169.254/latest/meta-data/")
        local = f.fetch("http://app.localhost/")
    assert far.status == 200
    assert site.requests[0].target == "http://far.example.test/page"
    assert (
        site.requests[0].header("Proxy-Authorization")
        == "Basic " + base64.b64encode(f"operator:{SECRET}".encode()).decode()
    )
    assert SECRET not in repr(far.request_headers) + repr(far.headers)
    assert metadata.error is local.error is ErrorKind.NOT_PUBLIC
    assert len(site.requests) == 1


# --- In a network namespace: no connection attempt at all ----------------------------------------------------

PUBLIC = "93.184.216.34"  # a public address, bound only on the namespace's own loopback interface
WATCHED = ("169.254.169.254", "10.0.0.1", "100.64.0.1")  # listeners that must see no connection


def _namespace_scenario(allow: bool) -> dict:
    """Runs inside `unshare -n -m`: a 'public' site redirecting to watched private addresses; and a name our
    resolver answers with the public address while the system's (/etc/hosts) says 169.254.169.254, as a
    rebinding DNS server would answer the second lookup."""
    import collections

    for address in (PUBLIC, *WATCHED):
        subprocess.run(["ip", "addr", "add", f"{address}/32", "dev", "lo"], check=True)
    accepts: collections.Counter[str] = collections.Counter()

    def listen(address: str) -> None:
        server = socket.create_server((address, 80))
        while True:
            conn, _ = server.accept()
            accepts[address] += 1
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\nConnection: close\r\n\r\nINTERNAL-ONLY")
            conn.close()

    for address in WATCHED:
        threading.Thread(target=listen, args=(address,), daemon=True).start()
    routes = {
        "/metadata": "http://169.254.169.254/latest/meta-data/",
        "/mapped": "http://[::ffff:169.254.169.254]/",
        "/octal": "http://0251.0376.0251.0376/",
        "/decimal": "http://2852039166/",
        "/private": "http://10.0.0.1/",
        "/cgnat": "http://100.64.0.1/",
    }

    class Public(BaseHTTPRequestHandler):
        def do_GET(self):
            body = PAGE.encode()
            self.send_response(302 if self.path in routes else 200)
            if self.path in routes:
                self.send_header("Location", routes[self.path])
                body = b""
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer((PUBLIC, 80), Public)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    claims = "claims:\n" + "".join(
        f"  - id: via{path.replace('/', '-')}\n    claim: x\n    checks:\n      - live: http://{PUBLIC}{path}\n"
        for path in routes
    )
    folder = Path(os.environ["SCENARIO_DIR"])
    (folder / "claims.yaml").write_text(claims, encoding="utf-8")
    args = [
        "verify",
        str(folder / "claims.yaml"),
        "--format",
        "json",
        "--no-history",
        "--no-warc",
        "--no-canary",
    ]
    result = CliRunner().invoke(cli, args + (["--allow-private"] if allow else []))
    report = json.loads(result.stdout)
    with Fetcher(timeout=5, allow_private=allow, resolve=lambda host: [PUBLIC]) as f:
        rebound = [f.fetch("http://rebind.test/").status for _ in range(2)]
    return {
        "reasons": {c["id"]: c["checks"][0]["reason"] for c in report["claims"]},
        "accepts": dict(accepts),
        "rebound": rebound,
    }


def _in_namespace(tmp_path: Path, allow: bool) -> dict:
    if os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.skip("needs root, unshare(1) and ip(8) for a private network namespace")
    code = (
        f"import json, sys; sys.path.insert(0, {str(HERE)!r}); import test_attacks_addresses as t; "
        f"print(json.dumps(t._namespace_scenario({allow})))"
    )
    hosts = tmp_path / "hosts"
    hosts.write_text("127.0.0.1 localhost\n169.254.169.254 rebind.test\n", encoding="ascii")
    env = {k: v for k, v in os.environ.items() if k != "CIVICHECK_ALLOW_PRIVATE"}
    script = f'ip link set lo up && mount --bind {hosts} /etc/hosts && exec {sys.executable} -c "$CODE"'
    proc = subprocess.run(
        ["unshare", "-n", "-m", "sh", "-c", script],
        env={**env, "CODE": code, "SCENARIO_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    if proc.returncode != 0 and "unshare failed" in proc.stderr:
        pytest.skip(f"network namespaces are not permitted here: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_no_connection_is_attempted_to_refused_addresses(tmp_path):
    seen = _in_namespace(tmp_path, allow=False)
    assert seen["accepts"] == {}
    assert all(reason.startswith("refused: ") for reason in seen["reasons"].values()), seen["reasons"]
    assert "0251.0376.0251.0376 is 169.254.169.254, a link-local address" in seen["reasons"]["via-octal"]
    assert "an IPv4-mapped form of 169.254.169.254" in seen["reasons"]["via-mapped"]
    assert "100.64.0.1 is a carrier-grade NAT address" in seen["reasons"]["via-cgnat"]
    # Checked as the public address, rebind.test is fetched from it: the connection never asks the system,
    # whose answer (169.254.169.254) the watched listener would have seen.
    assert seen["rebound"] == [200, 200]


def test_allow_private_reaches_the_same_addresses_in_the_namespace(tmp_path):
    # The same harness sees every connection when they are allowed: zero above is not a blind spot.
    seen = _in_namespace(tmp_path, allow=True)
    assert set(seen["accepts"]) == set(WATCHED)
    assert seen["reasons"]["via-metadata"].startswith("answered 200 OK after 1 redirect")


def test_a_never_answering_system_resolver_holds_verify_to_its_deadline(tmp_path):
    """The whole CLI against the C library's own resolver, pointed at a DNS server that never answers and
    told to wait 30 s per try: `timeout: 2` must end the run, and Ctrl-C must end it at once."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare(1) for a private network and mount namespace")
    resolv = tmp_path / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\noptions timeout:30 attempts:2\n", encoding="ascii")
    claims_file(
        tmp_path,
        """
        defaults:
          timeout: 2
        claims:
          - id: never
            claim: "The service is live"
            checks:
              - live: http://service.never-answers.test/
        """,
    )
    driver = tmp_path / "driver.py"
    driver.write_text(
        textwrap.dedent("""
        import json, signal, socket, subprocess, sys, threading, time
        hole = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # reads every query, answers none
        hole.bind(("127.0.0.1", 53))
        asked = threading.Event()

        def swallow():
            while True:
                hole.recvfrom(4096)
                asked.set()

        threading.Thread(target=swallow, daemon=True).start()
        cmd = [sys.executable, "-m", "civicheck", "verify", "claims.yaml", "--no-history", "--no-warc",
               "--no-canary", "--format", "json"]
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=40)  # one lookup held 60 s before
        asked.clear()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Ctrl-C while the lookup hangs: once the query arrives, not after a fixed sleep that a busy machine
        # (the suite in parallel) can spend still importing, before civicheck's own handler is in place.
        asked.wait(30)
        time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        print(json.dumps({"code": run.returncode, "report": run.stdout, "interrupted": proc.wait(timeout=20)}))
    """),
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k != "CIVICHECK_ALLOW_PRIVATE"}
    script = f"ip link set lo up && mount --bind {resolv} /etc/resolv.conf && exec {sys.executable} {driver}"
    proc = subprocess.run(
        ["unshare", "-n", "-m", "sh", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=90,
    )
    if "unshare failed" in proc.stderr:
        pytest.skip(f"namespaces are not permitted here: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr  # a TimeoutExpired in the driver: verify outlived its deadline
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert seen["code"] == ExitCode.UNEXPECTED and seen["interrupted"] == 130
    check = json.loads(seen["report"])["claims"][0]["checks"][0]
    assert (
        check["reason"]
        == "DNS lookup failed: no answer about service.never-answers.test within the 2 s deadline"
    )
