"""--notify URL: the run's news (verdicts flipped, claims no longer as published, page text changed) through
Apprise, to a real webhook receiver on 127.0.0.1 (Apprise's json:// and form:// schemes); only when there is
news; a failure said on stderr without changing the exit code; secrets in URLs never shown nor stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from cilegon_site import NEWS, page
from click.testing import CliRunner
from helpers import LocalServer, verify

from civicheck.cli import cli
from civicheck.notify import news, redact, secrets, shown

FAST = ("--no-canary", "--no-warc")


class Receiver:
    """A webhook on 127.0.0.1 that keeps every POST it gets: (path, content type, body)."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str, bytes]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.append((self.path, self.headers.get("Content-Type", ""), body))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = LocalServer(Handler)
        self.port = self.server.port

    def url(self, scheme: str = "json", path: str = "/civicheck") -> str:
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def messages(self) -> list[dict]:
        return [json.loads(body) for _, kind, body in self.received if "json" in kind]

    def stop(self) -> None:
        self.server.close()


@pytest.fixture
def webhook() -> Iterator[Receiver]:
    receiver = Receiver()
    try:
        yield receiver
    finally:
        receiver.stop()


def test_one_message_when_a_verdict_flips_and_none_when_nothing_changed(city, webhook):
    claims = city.claims()
    first = verify(claims, *FAST, "--confirm", "1", "--notify", webhook.url())
    assert first.exit_code == 0, first.stderr
    assert webhook.received == []  # every claim as published: nothing to say
    assert "nothing new to notify" in first.stderr
    same = verify(claims, *FAST, "--confirm", "1", "--notify", webhook.url())
    assert same.exit_code == 0 and webhook.received == []
    city.set(app=False)  # the labour app now answers 410 Gone
    flipped = verify(claims, *FAST, "--confirm", "1", "--notify", webhook.url())
    assert flipped.exit_code == 1
    (message,) = webhook.messages()
    assert message["title"] == "civicheck: 1 verdict changed, 1 claim no longer as published"
    body = message["message"]
    assert body.startswith(
        "**civicheck:** 4 claims: 1 supported, 2 refuted, 1 unverified; 1 not as expected; "
        "1 changed since last run"
    )
    assert "- labour-app-live: **refuted**, published as supported: The labour-services app is live" in body
    assert "| labour-app-live | The labour-services app is live | supported" in body  # the changes table
    assert f"notified json://127.0.0.1:{webhook.port}/…: 1 verdict changed" in flipped.stderr
    again = verify(claims, *FAST, "--confirm", "1", "--notify", webhook.url())
    assert again.exit_code == 1 and len(webhook.received) == 1  # still refuted, but that is not news


def test_a_change_is_announced_once_when_first_seen_even_while_it_waits_for_confirmation(city, webhook):
    claims = city.claims()
    verify(claims, *FAST)
    city.set(app=False)
    pending = verify(claims, *FAST, "--notify", webhook.url())  # --confirm 2: "pending: refuted 1/2"
    assert pending.exit_code == 0  # the exit code waits for confirmation; the desk is told at once
    (message,) = webhook.messages()
    assert message["title"] == "civicheck: 1 verdict change pending confirmation"
    assert "labour-app-live: still reported **supported**, this run said refuted" in message["message"]
    confirmed = verify(claims, *FAST, "--notify", webhook.url())
    assert confirmed.exit_code == 1  # now reported refuted, and not announced a second time
    assert len(webhook.received) == 1 and "nothing new to notify" in confirmed.stderr
    again = verify(claims, *FAST, "--notify", webhook.url())
    assert again.exit_code == 1 and len(webhook.received) == 1


def test_a_change_that_does_not_hold_is_said_once(city, webhook):
    claims = city.claims()
    verify(claims, *FAST)
    city.set(app=False)
    verify(claims, *FAST, "--notify", webhook.url())  # pending: refuted 1/2, announced
    city.set(app=True)  # a flaky night: the app answers again
    back = verify(claims, *FAST, "--notify", webhook.url())
    assert back.exit_code == 0
    titles = [m["title"] for m in webhook.messages()]
    assert titles == [
        "civicheck: 1 verdict change pending confirmation",
        "civicheck: 1 change seen last run did not hold",
    ]
    assert (
        "labour-app-live: this run said **supported** again (last run: refuted)"
        in webhook.messages()[1]["message"]
    )
    quiet = verify(claims, *FAST, "--notify", webhook.url())
    assert quiet.exit_code == 0 and len(webhook.received) == 2


def test_content_drift_alone_is_news(city, webhook, site):
    claims = city.claims()
    verify(claims, "--no-canary", "--confirm", "1")
    site.route(
        "/berita/smart-city",
        page("Smart City Cilegon", *NEWS[:2], NEWS[2].replace("29 layanan", "31 layanan")),
    )
    result = verify(claims, "--no-canary", "--confirm", "1", "--notify", webhook.url())
    assert result.exit_code == 0
    (message,) = webhook.messages()
    assert message["title"] == "civicheck: 1 page changed"
    assert "Content changed:" in message["message"] and "~~29~~ **31**" in message["message"]


def test_form_and_json_webhooks_each_get_the_message(city, webhook):
    claims = city.claims()
    verify(claims, *FAST, "--confirm", "1")
    city.set(disnaker=True)  # the agency link works now: a claim published as refuted is supported
    result = verify(
        claims,
        *FAST,
        "--confirm",
        "1",
        "--notify",
        webhook.url("json", "/a"),
        "--notify",
        webhook.url("form", "/b"),
    )
    assert result.exit_code == 1
    by_path = {path: (kind, body) for path, kind, body in webhook.received}
    assert set(by_path) == {"/a", "/b"}
    kind, body = by_path["/b"]
    form = parse_qs(body.decode())
    assert kind.startswith("application/x-www-form-urlencoded")
    assert form["title"] == ["civicheck: 1 verdict changed, 1 claim no longer as published"]
    assert "disnaker-link: **supported**, published as refuted" in form["message"][0]


def test_without_history_the_claims_not_as_published_are_the_news(city, webhook):
    city.set(app=False)
    result = verify(city.claims(), *FAST, "--no-history", "--notify", webhook.url())
    assert result.exit_code == 1
    (message,) = webhook.messages()
    assert message["title"] == "civicheck: 1 claim no longer as published"


def test_the_urls_can_come_from_the_environment(city, webhook, monkeypatch):
    monkeypatch.setenv("CIVICHECK_NOTIFY", f"{webhook.url('json', '/one')} {webhook.url('json', '/two')}")
    city.set(app=False)
    assert verify(city.claims(), *FAST, "--no-history").exit_code == 1
    assert sorted(path for path, _, _ in webhook.received) == ["/one", "/two"]


SECRET_URL_PARTS = ("s3cretPassw0rd", "T0KEN-abc123", "QuerySecret99")


def secret_url(port: int) -> str:
    return f"json://desk:{SECRET_URL_PARTS[0]}@127.0.0.1:{port}/hooks/{SECRET_URL_PARTS[1]}?-token={SECRET_URL_PARTS[2]}"


def test_a_failed_notification_is_said_and_changes_no_exit_code(city, closed_port_url, webhook):
    port = int(closed_port_url.rsplit(":", 1)[1].strip("/"))
    claims = city.claims()
    verify(claims, *FAST, "--confirm", "1")
    city.set(app=False)
    result = verify(
        claims,
        *FAST,
        "--confirm",
        "1",
        "--format",
        "json",
        "-o",
        "report.json",
        "--report",
        "report.html",
        "--notify",
        secret_url(port),
        "--notify",
        webhook.url(),
    )
    assert result.exit_code == 1  # refuted, as without --notify; not 3
    assert f"error: could not notify json://desk:****@127.0.0.1:{port}/…: " in result.stderr
    assert "(the exit code does not depend on notifications)" in result.stderr
    assert len(webhook.received) == 1  # the other URL still got it
    webhook.status = 500
    city.set(app=True)
    result = verify(claims, *FAST, "--confirm", "1", "--notify", webhook.url(), "-q")
    assert result.exit_code == 0
    assert f"error: could not notify json://127.0.0.1:{webhook.port}/…" in result.stderr
    for stored in (Path("report.json"), Path("report.html"), Path(".civicheck/history.sqlite")):
        data = stored.read_bytes()
        assert not [s for s in SECRET_URL_PARTS if s.encode() in data], stored


def test_secrets_are_masked_on_stderr_when_delivered_or_refused(city, webhook, site):
    city.set(app=False)
    result = verify(city.claims(), *FAST, "--no-history", "--notify", secret_url(webhook.port))
    assert result.exit_code == 1 and len(webhook.received) == 1
    assert webhook.received[0][0] == f"/hooks/{SECRET_URL_PARTS[1]}?token={SECRET_URL_PARTS[2]}"
    assert f"notified json://desk:****@127.0.0.1:{webhook.port}/…" in result.stderr
    assert not [s for s in SECRET_URL_PARTS if s in result.stderr + result.stdout]
    fetched = len(site.requests)
    bad = verify(
        city.claims(), *FAST, "--notify", f"nosuch://desk:{SECRET_URL_PARTS[0]}@x/{SECRET_URL_PARTS[1]}"
    )
    assert bad.exit_code == 2
    assert (
        "--notify" in bad.stderr
        and "nosuch://…/… is not a notification URL Apprise understands" in bad.stderr
    )
    assert not [s for s in SECRET_URL_PARTS if s in bad.stderr]
    assert len(site.requests) == fetched  # a bad notify URL stops a run before it fetches anything


@pytest.mark.parametrize(
    ("url", "hidden"),
    [
        (
            "tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/-100987654",
            ["AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"],
        ),
        (
            "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#newsroom",
            ["TIiajkdnlazkcOXrIdevi7FQ", "A1BRTD4JD"],
        ),
        ("mailtos://desk:app-password-123@gmail.com?to=editor@newsroom.example", ["app-password-123"]),
        ("discord://4174216298/JHMHI8qBe7bk2ZwO5U711o3dV_js", ["JHMHI8qBe7bk2ZwO5U711o3dV_js", "4174216298"]),
    ],
)
def test_the_secret_parts_of_service_urls_are_masked(url, hidden):
    printable = shown(url)
    assert url.split("://")[0] + "://" in printable
    assert not [h for h in hidden if h in printable]
    said = redact(f"failed to send to {url}: 401 for /{'/'.join(hidden)}", [url])
    assert not [h for h in hidden if h in said]
    assert set(hidden) <= set(secrets(url))


def report_of(*claims: tuple[str, str, str | None]) -> dict:
    return {
        "started_at": "2026-11-28T02:00:00Z",
        "claims": [
            {
                "id": cid,
                "claim": cid,
                "verdict": verdict,
                "reported_verdict": verdict,
                "expect": expect,
                "checks": [],
            }
            for cid, verdict, expect in claims
        ],
    }


def test_news_is_none_when_everything_is_as_published_and_nothing_changed():
    from civicheck.changes import diff

    report = report_of(("a", "supported", None), ("b", "refuted", "refuted"))
    assert news(report, None) is None
    assert news(report, diff(report, report)) is None
    flipped = report_of(("a", "refuted", None), ("b", "refuted", "refuted"))
    message = news(flipped, diff(report, flipped))
    assert (
        message is not None
        and message.title == "civicheck: 1 verdict changed, 1 claim no longer as published"
    )


def test_merge_notifies_like_verify(city, webhook):
    claims = city.claims()

    def night() -> object:
        shards = []
        for k in (1, 2):
            out = f"shard-{k}.json"
            verify(claims, *FAST, "--shard", f"{k}/2", "--format", "json", "-o", out)
            shards.append(out)
        return CliRunner().invoke(
            cli, ["merge", *shards, "--confirm", "1", "--format", "markdown", "--notify", webhook.url()]
        )

    assert night().exit_code == 0 and webhook.received == []
    city.set(app=False)
    assert night().exit_code == 1
    assert [m["title"] for m in webhook.messages()] == [
        "civicheck: 1 verdict changed, 1 claim no longer as published"
    ]


def test_the_readmes_notify_examples_are_urls_apprise_understands_and_masks_as_shown():
    import re
    import shlex

    from civicheck.notify import check_urls

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Notifications", 1)[1].split("\n### ", 1)[0]
    urls = [
        arg
        for line in re.findall(r"^civicheck verify .*--notify.*$", section, re.M)
        for flag, arg in zip(shlex.split(line), shlex.split(line)[1:], strict=False)
        if flag == "--notify"
    ]
    assert len(urls) >= 5
    check_urls(urls)
    masked = re.search(r"left out \(`([^`]+)`, `([^`]+)`\)", " ".join(section.split())).groups()
    assert set(masked) <= {shown(url) for url in urls}


def test_a_shard_leaves_notifying_to_the_merge(city, webhook):
    result = verify(city.claims(), *FAST, "--shard", "1/2", "--notify", webhook.url())
    assert result.exit_code == 2
    assert "--notify goes on the `civicheck merge` of the shards" in result.stderr
    assert webhook.received == []


def test_a_shard_leaves_the_notify_variable_to_the_merge(city, webhook, monkeypatch):
    monkeypatch.setenv("CIVICHECK_NOTIFY", webhook.url())
    city.set(app=False)
    result = verify(city.claims(), *FAST, "--shard", "1/1")
    assert result.exit_code == 1 and webhook.received == []
