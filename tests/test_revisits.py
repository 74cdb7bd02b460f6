"""Conditional re-checks and remembered probes (issue 13, deliverables 4 and 5): with a history, a second run
asks each page only if it changed, judges a 304 from the last good fetch's copy, and sends no probe again.

Everything runs through the CLI against a local server that counts conditional requests and answers 304.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from civicheck.archive import WarcReplay
from civicheck.cli import cli

ETAG = '"v1"'
LAST_MODIFIED = "Sat, 28 Nov 2026 02:00:00 GMT"
PAGE = (
    "<html><head><title>Dinas Tenaga Kerja</title></head><body><article><h1>Dinas Tenaga Kerja</h1>"
    "<p>Pendaftaran kartu kuning dibuka setiap hari kerja di kantor dinas, lantai dua.</p>"
    "<p>Layanan ini gratis dan tidak dipungut biaya apa pun oleh petugas kami.</p></article></body></html>"
)


class ConditionalPage:
    """A page that sends ETag and Last-Modified, answers 304 when asked with the current ETag, and counts
    what it was asked. `body`/`etag` may change between runs; `failing` makes it answer 503."""

    def __init__(self, body: str = PAGE, etag: str = ETAG):
        self.body, self.etag, self.failing = body, etag, False
        self.asked: list[tuple[str | None, str | None]] = []  # (If-None-Match, If-Modified-Since) per request
        self.answers: list[int] = []
        self.lock = threading.Lock()

    def __call__(self, handler) -> None:
        inm, ims = handler.headers.get("If-None-Match"), handler.headers.get("If-Modified-Since")
        if self.failing:
            status, body = 503, b"busy"
        elif inm is not None and inm == self.etag:
            status, body = 304, b""
        else:
            status, body = 200, self.body.encode("utf-8")
        with self.lock:
            self.asked.append((inm, ims))
            self.answers.append(status)
        handler.send_response(status)
        handler.send_header("ETag", self.etag)
        handler.send_header("Last-Modified", LAST_MODIFIED)
        if status != 304:
            handler.send_header("Content-Type", "text/html; charset=utf-8")
            handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def reset(self) -> None:
        with self.lock:
            self.asked.clear()
            self.answers.clear()


def claims_for(url: str) -> str:
    return f"""claims:
  - id: kartu-kuning-gratis
    claim: "Kartu kuning gratis"
    checks:
      - contains: {{url: "{url}", all: ["tidak dipungut biaya"]}}
  - id: dinas-online
    claim: "The office's page is online"
    checks:
      - live: {url}
"""


def verify(*extra: str):
    result = CliRunner().invoke(cli, ["verify", "claims.yaml", "--no-canary", "--format", "json", *extra])
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout), result.stderr


@pytest.fixture
def page(site, tmp_path):
    served = ConditionalPage()
    url = site.route("/dinas/disnaker", handler=served)
    (tmp_path / "claims.yaml").write_text(claims_for(url), encoding="utf-8")
    return served


def checks(report: dict) -> list[dict]:
    return [check for claim in report["claims"] for check in claim["checks"]]


def test_a_second_run_asks_conditionally_and_judges_the_304_from_the_last_good_copy(page, tmp_path):
    first, _ = verify()
    assert page.asked == [(None, None)] and page.answers == [200]
    assert [c["verdict"] for c in first["claims"]] == ["supported", "supported"]
    page.reset()

    second, stderr = verify()

    assert page.asked == [(ETAG, LAST_MODIFIED)]  # one conditional request, from the last good fetch
    assert page.answers == [304]
    assert [c["verdict"] for c in second["claims"]] == ["supported", "supported"]
    day = checks(first)[0]["evidence"]["fetched_at"][:10]
    for before, now in zip(checks(first), checks(second), strict=True):
        assert now["evidence"]["note"].startswith(f"unchanged since {day}, 304")
        assert now["evidence"]["sha256"] == before["evidence"]["sha256"]
        # The snapshot named first is the earlier capture whose body was judged, and it still resolves.
        earlier = before["evidence"]["snapshots"][0]["ref"]
        assert now["evidence"]["snapshots"][0]["ref"] == earlier
        file, _, record = earlier.partition("#")
        assert (tmp_path / ".civicheck" / "archive" / file).is_file()
    assert "1 unchanged since the last good fetch (304)" in stderr
    assert "tidak dipungut biaya" in checks(second)[0]["evidence"]["excerpt"]


def test_a_night_of_304s_with_stored_readings_starts_no_worker_and_a_changed_page_starts_one(
    page, monkeypatch
):
    """Nothing to read on a night when every page answers 304 and its reading is stored (nor the remembered
    404 probe, whose status alone counts): no worker process is started, nor the fork server that imports
    trafilatura for them. The night a page changes, its body is read in a worker as before."""
    from civicheck.reading import workers

    verify()
    page.reset()
    monkeypatch.setattr(workers, "_shared", {})  # the second night's pool, apart from the first's
    try:
        second, _ = verify()
        pools = list(workers._shared.values())
        assert page.answers == [304]
        assert [c["verdict"] for c in second["claims"]] == ["supported", "supported"]
        assert len(pools) == 1 and pools[0].started == 0

        page.body, page.etag = PAGE.replace("tidak dipungut biaya apa pun", "dikenakan biaya"), '"v2"'
        third, _ = verify()
        assert page.answers == [304, 200]
        assert [c["verdict"] for c in third["claims"]] == ["refuted", "supported"]
        assert pools[0].started >= 1
    finally:
        for pool in workers._shared.values():
            pool.close()


def test_the_304_night_archives_the_304_and_a_revisit_record_never_a_200(page, tmp_path):
    from warcio.archiveiterator import ArchiveIterator

    first, _ = verify()
    second, _ = verify()
    warc = tmp_path / ".civicheck" / "archive" / Path(second["warc"]).name
    records = []
    with open(warc, "rb") as fh:
        for record in ArchiveIterator(fh):
            uri = record.rec_headers.get_header("WARC-Target-URI")
            if record.rec_type in ("response", "revisit") and uri == checks(first)[0]["url"]:
                records.append(
                    (
                        record.rec_type,
                        record.http_headers.get_statuscode(),
                        record.rec_headers.get_header("WARC-Profile"),
                        record.rec_headers.get_header("WARC-Refers-To"),
                    )
                )
    earlier_id = checks(first)[0]["evidence"]["snapshots"][0]["ref"].partition("#")[2]
    assert records == [
        ("response", "304", None, None),
        ("revisit", "304", "http://netpreserve.org/warc/1.0/revisit/server-not-modified", earlier_id),
    ]


def test_a_page_that_changed_answers_200_and_is_judged_again(page):
    verify()
    page.body = PAGE.replace("tidak dipungut biaya apa pun", "dikenakan biaya administrasi")
    page.etag = '"v2"'
    page.reset()

    second, stderr = verify()

    assert page.asked == [(ETAG, LAST_MODIFIED)] and page.answers == [200]
    assert [c["verdict"] for c in second["claims"]] == ["refuted", "supported"]
    assert all(not (c["evidence"].get("note") or "").startswith("unchanged") for c in checks(second))
    assert "unchanged" not in stderr
    page.reset()
    verify()
    assert page.asked == [('"v2"', LAST_MODIFIED)]  # the new good fetch is the one asked from now on


def test_a_failure_is_never_reused_nor_remembered(page):
    verify()
    page.failing = True
    failed, _ = verify()
    assert checks(failed)[1]["outcome"] == "fail"  # the 503 is judged, not the copy of the good fetch
    assert "unchanged" not in json.dumps(failed)
    page.failing = False
    page.reset()

    third, _ = verify()

    # Asked from the last GOOD fetch, the one before the failure.
    assert page.asked == [(ETAG, LAST_MODIFIED)] and page.answers == [304]
    assert [c["verdict"] for c in third["claims"]] == ["supported", "supported"]


def test_fresh_sends_no_conditional_headers(page):
    verify()
    page.reset()
    report, stderr = verify("--fresh")
    assert page.asked == [(None, None)] and page.answers == [200]
    assert "unchanged" not in json.dumps(report) and "history:" not in stderr
    page.reset()
    verify()
    assert page.asked == [(ETAG, LAST_MODIFIED)]  # --fresh still remembered what it fetched


def test_without_history_nothing_is_conditional(page):
    verify("--no-history")
    verify("--no-history")
    assert page.asked == [(None, None), (None, None)]


def probe_requests(site) -> list[str]:
    return [
        r.target for r in site.requests if r.target.startswith("/dinas/") and r.target != "/dinas/disnaker"
    ]


def test_a_second_run_sends_no_probe_for_a_remembered_pattern(page, site):
    first, _ = verify()
    assert len(probe_requests(site)) == 1  # the random sibling, beside the page
    site.requests.clear()

    second, stderr = verify()

    assert probe_requests(site) == []
    assert "1 soft-404 probe remembered" in stderr
    assert [c["verdict"] for c in second["claims"]] == ["supported", "supported"]


def test_a_remembered_probe_is_sent_again_when_its_page_changed(page, site):
    verify()
    page.body = PAGE.replace("lantai dua", "lantai tiga")
    page.etag = '"v2"'
    site.requests.clear()
    verify()
    assert len(probe_requests(site)) == 1


def test_a_soft_404_site_is_still_told_apart_with_a_remembered_probe(site, tmp_path):
    """A site that answers every path with the same 'not found' page: the remembered probe's answer still
    shows the cited page for what it is."""
    notfound = "<html><head><title>Halaman tidak ditemukan</title></head><body><p>Maaf, halaman tidak ditemukan.</p></body></html>"
    served = ConditionalPage(body=notfound)

    def every_path(handler):
        served(handler)

    from urllib.parse import urlsplit

    from civicheck.probing import PROBE_SEED
    from civicheck.soft404 import probe_url

    url = site.route("/berita/lama", handler=every_path)
    site.route(urlsplit(probe_url(url, seed=PROBE_SEED)).path, handler=every_path)

    (tmp_path / "claims.yaml").write_text(
        f"""claims:
  - id: berita-online
    claim: "The old story is online"
    checks:
      - live: {url}
""",
        encoding="utf-8",
    )
    first, _ = verify()
    second, _ = verify()
    assert [c["verdict"] for c in first["claims"]] == ["refuted"]
    assert [c["verdict"] for c in second["claims"]] == ["refuted"]
    assert checks(second)[0]["evidence"]["soft404"] == checks(first)[0]["evidence"]["soft404"]


def test_a_hanging_probe_is_cut_at_its_own_deadline(site, tmp_path, monkeypatch):
    import civicheck.probing

    monkeypatch.setattr(civicheck.probing, "PROBE_TIMEOUT", 0.5)

    def hang(handler):
        site.sleep(30)  # returns early when the test's server shuts down

    from urllib.parse import urlsplit

    from civicheck.soft404 import probe_url

    url = site.route("/dinas/disnaker", PAGE)
    probe = probe_url(url, seed=civicheck.probing.PROBE_SEED)
    site.route(urlsplit(probe).path, handler=hang)
    (tmp_path / "claims.yaml").write_text(
        f"""claims:
  - id: dinas-online
    claim: "The office's page is online"
    checks:
      - live: {{url: "{url}", timeout: 20}}
""",
        encoding="utf-8",
    )
    report, _ = verify("--no-history")
    assert [c["verdict"] for c in report["claims"]] == ["supported"]
    answer = WarcReplay([Path(report["warc"])]).result(probe)
    assert answer.error is not None and answer.error.value == "timeout"
    assert "0.5 s" in answer.detail  # its own deadline, not the claim's 20 s


def test_replaying_a_304_night_judges_the_earlier_capture_it_points_to(page, tmp_path):
    verify()
    second, _ = verify()
    warc = Path(second["warc"])
    replayed, _ = verify("--replay", str(warc))
    assert [c["verdict"] for c in replayed["claims"]] == ["supported", "supported"]
    for live, again in zip(checks(second), checks(replayed), strict=True):
        assert again["evidence"]["note"] == live["evidence"]["note"]
        assert again["evidence"]["sha256"] == live["evidence"]["sha256"]
        assert again["evidence"]["snapshots"][0]["ref"] == live["evidence"]["snapshots"][0]["ref"]
    # Without the earlier file beside it, the 304 alone proves nothing: unknown, never a guess.
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / warc.name).write_bytes(warc.read_bytes())
    lonely, _ = verify("--replay", str(alone / warc.name))
    assert [c["verdict"] for c in lonely["claims"]] == ["unverified", "unverified"]


def test_a_200_with_the_same_body_is_judged_from_the_stored_reading(site, tmp_path):
    url = site.route("/dinas/disnaker", PAGE)  # no ETag, no Last-Modified: every run gets a 200
    (tmp_path / "claims.yaml").write_text(claims_for(url), encoding="utf-8")
    first, _ = verify()
    second, stderr = verify()
    assert "1 read before (same body)" in stderr
    assert [c["verdict"] for c in second["claims"]] == ["supported", "supported"]
    for before, now in zip(checks(first), checks(second), strict=True):
        assert now["evidence"].get("excerpt") == before["evidence"].get("excerpt")
        assert now["evidence"].get("text_sha256") == before["evidence"].get("text_sha256")
        assert "note" not in now["evidence"] or "unchanged" not in now["evidence"]["note"]
    site.route("/dinas/disnaker", PAGE.replace("tidak dipungut biaya apa pun", "dikenakan biaya"))
    third, stderr = verify()
    assert "read before" not in stderr
    assert [c["verdict"] for c in third["claims"]] == ["refuted", "supported"]


@pytest.fixture
def searched(monkeypatch) -> list[str]:
    """The URLs of the pages searched (kinds/sources.py search_in_scope), one per search made."""
    from civicheck.kinds import sources

    made: list[str] = []
    search_in_scope = sources.search_in_scope

    def counted(check, doc, search):
        made.append(check.url)
        return search_in_scope(check, doc, search)

    monkeypatch.setattr(sources, "search_in_scope", counted)
    return made


def test_an_unchanged_page_is_not_searched_again_unless_a_check_asks_something_new(page, tmp_path, searched):
    """The searches made of a page are stored with its reading: the night it answers 304 the checks are judged
    from them, with the same evidence; a check asking something new of it is searched then (and stored)."""
    import sqlite3

    first, _ = verify()
    assert len(searched) == 1
    searched.clear()

    second, _ = verify()

    assert page.answers[-1] == 304 and searched == []
    for before, now in zip(checks(first), checks(second), strict=True):
        assert now["outcome"] == before["outcome"] and now["reason"].startswith(before["reason"])
        for key in ("excerpt", "label", "text_sha256", "hits"):
            assert now["evidence"].get(key) == before["evidence"].get(key)

    claims = (tmp_path / "claims.yaml").read_text(encoding="utf-8")
    (tmp_path / "claims.yaml").write_text(
        claims.replace(
            'all: ["tidak dipungut biaya"]', 'all: ["tidak dipungut biaya"], none: ["biaya admin"]'
        ),
        encoding="utf-8",
    )
    third, _ = verify()
    assert page.answers[-1] == 304 and len(searched) == 1  # a new question: searched, from the stored reading
    assert [c["verdict"] for c in third["claims"]] == ["supported", "supported"]
    searched.clear()
    verify()
    assert searched == []  # and stored with the others
    with sqlite3.connect(tmp_path / ".civicheck" / "history.sqlite") as db:
        assert db.execute("SELECT count(*) FROM good_searches").fetchone() == (1,)


def test_a_damaged_stored_search_is_a_miss_and_the_page_is_searched_again(page, tmp_path, searched):
    import sqlite3

    first, _ = verify()
    with sqlite3.connect(tmp_path / ".civicheck" / "history.sqlite") as db:
        assert db.execute("UPDATE good_searches SET zlib = ?", (b"not zlib",)).rowcount == 1
    searched.clear()
    second, _ = verify()
    assert page.answers[-1] == 304 and len(searched) == 1
    assert [c["evidence"].get("excerpt") for c in checks(second)] == [
        c["evidence"].get("excerpt") for c in checks(first)
    ]


def html_answer(url: str, body: str, headers: list[tuple[str, str]] | None = None):
    """A 200 answer with an HTML body, as fetched on 2026-11-28; `headers` besides its Content-Type (validators)."""
    from civicheck.fetch import FetchResult

    return FetchResult(
        url,
        url,
        200,
        "OK",
        None,
        "200 OK",
        "2026-11-28T02:00:00Z",
        headers=[("Content-Type", "text/html; charset=utf-8"), *(headers or [])],
        body=body.encode("utf-8"),
    )


def test_a_stored_reading_comes_back_equal_and_a_damaged_one_is_a_miss():
    import zlib

    from civicheck.history.stored_reading import LATER, dump, load
    from civicheck.reading import read_page

    reading = read_page(html_answer("https://x.example/a", PAGE), ["article"])
    assert reading.problem is None and reading.document is not None
    blob = dump(reading)
    again = load(blob)
    assert again.document == reading.document
    # The markup's lists a probe comparison reads are decoded when first asked for, and come back the same.
    assert not set(LATER) & set(vars(again.markup))
    assert reading.markup.headings == [(1, "Dinas Tenaga Kerja")]
    assert {name: getattr(again.markup, name) for name in vars(reading.markup)} == vars(reading.markup)
    assert load(b"not zlib") is None
    assert load(blob[: len(blob) // 2]) is None  # cut short
    assert load(blob[:-1] + bytes([blob[-1] ^ 1])) is None  # its checksum fails
    assert load(zlib.compress(b'{"o": "os.system", "f": {}}')) is None  # only civicheck's own classes


def test_a_reading_stored_in_the_layout_before_is_a_miss_not_a_reading_without_its_lists():
    """A row of the layout before (its markup whole, in one part), were it to carry this version's shape: not
    misread as a markup without headings or links."""
    from zlib_ng import zlib_ng

    from civicheck.history.stored_reading import dump, load
    from civicheck.reading import read_page

    reading = read_page(html_answer("https://x.example/a", PAGE))
    first, _, later = zlib_ng.decompress(dump(reading)).partition(b"\n")
    whole = json.loads(first)
    whole["f"]["markup"]["f"].update(json.loads(later))
    assert load(zlib_ng.compress(json.dumps(whole).encode("utf-8"))) is None


def test_a_damaged_list_part_leaves_the_lists_empty_and_never_raises(caplog):
    """Only a row written to deceive (its checksum holds) gets there: the page's lists are empty, as a page
    without any, and the run goes on."""
    from zlib_ng import zlib_ng

    from civicheck.history.stored_reading import dump, load
    from civicheck.reading import read_page

    reading = read_page(html_answer("https://x.example/a", PAGE))
    first, _, _ = zlib_ng.decompress(dump(reading)).partition(b"\n")
    again = load(zlib_ng.compress(first + b"\n" + b'{"headings": 5}'))
    assert again.document == reading.document
    assert again.markup.headings == [] and again.markup.hrefs == [] and again.markup.objects == set()
    assert "damaged" in caplog.text


@pytest.fixture
def lists_read(monkeypatch) -> list[int]:
    """One entry each time a stored markup's LATER lists are decoded."""
    from civicheck.history import stored_reading

    calls: list[int] = []
    real = stored_reading._later

    def counted(text: bytes):
        calls.append(1)
        return real(text)

    monkeypatch.setattr(stored_reading, "_later", counted)
    return calls


def test_a_night_of_304s_for_live_and_contains_checks_never_decodes_the_markups_lists(page, lists_read):
    """What a 304 is judged by is all its checks read of the stored reading: the same verdicts and evidence as
    the night the page was read, without the lists only a probe comparison reads."""
    first, _ = verify()
    page.reset()
    second, _ = verify()
    assert page.answers == [304] and lists_read == []
    for before, now in zip(checks(first), checks(second), strict=True):
        assert now["outcome"] == before["outcome"]
        for key in ("text", "text_sha256", "hits", "excerpt", "published", "soft404"):
            assert now["evidence"].get(key) == before["evidence"].get(key)


def test_a_304_compared_with_a_probe_that_answers_a_page_reads_the_lists_it_needs(
    site, page, tmp_path, lists_read
):
    """A site answering a nonsense path with a page of the same title: comparing it with the cited page reads
    what each page shows besides text (its objects), decoded from the stored reading on demand, and finds
    what it found the night the page was read."""
    from urllib.parse import urlsplit

    from civicheck.probing import PROBE_SEED
    from civicheck.soft404 import probe_url

    other = "<html><head><title>Dinas Tenaga Kerja</title></head><body><p>Selamat datang.</p></body></html>"
    url = site.url("/dinas/disnaker")
    site.route(urlsplit(probe_url(url, seed=PROBE_SEED)).path, body=other)
    first, _ = verify()
    page.reset()
    second, _ = verify()
    assert page.answers == [304] and lists_read  # the comparison asked for them
    assert [c["verdict"] for c in second["claims"]] == [c["verdict"] for c in first["claims"]]
    for before, now in zip(checks(first), checks(second), strict=True):
        assert now["evidence"].get("soft404") == before["evidence"].get("soft404")
        assert now["reason"].startswith(before["reason"])


@pytest.mark.parametrize("row", ["damaged", "layout before", "another shape"])
def test_a_stored_reading_that_cannot_be_used_is_a_miss_and_the_page_is_read_from_its_copy(
    page, tmp_path, row
):
    """A damaged row, one of the layout before, one stored by another civicheck (shape): the 304 is judged from
    the archived copy, read again, with the same verdicts, and its reading stored anew."""
    import sqlite3

    from zlib_ng import zlib_ng

    from civicheck.history.stored_reading import load

    first, _ = verify()
    db_path = tmp_path / ".civicheck" / "history.sqlite"
    with sqlite3.connect(db_path) as db:
        (blob,) = db.execute("SELECT zlib FROM good_readings").fetchone()
        if row == "damaged":
            db.execute("UPDATE good_readings SET zlib = ?", (blob[:-5],))
        elif row == "layout before":
            head, _, later = zlib_ng.decompress(blob).partition(b"\n")
            whole = json.loads(head)
            whole["f"]["markup"]["f"].update(json.loads(later))
            db.execute("UPDATE good_readings SET zlib = ?", (zlib_ng.compress(json.dumps(whole).encode()),))
        else:
            db.execute("UPDATE good_readings SET shape = 'f00df00df00df00d'")
    page.reset()
    second, _ = verify()
    assert page.answers == [304]
    assert [c["verdict"] for c in second["claims"]] == ["supported", "supported"]
    assert [c["evidence"]["text_sha256"] for c in checks(second)] == [
        c["evidence"]["text_sha256"] for c in checks(first)
    ]
    with sqlite3.connect(db_path) as db:
        (stored,) = db.execute("SELECT zlib FROM good_readings").fetchone()
    assert load(stored) is not None  # read again from the copy, and stored as this version stores it


def test_a_page_a_script_sends_home_is_a_soft_404_read_fresh_and_from_its_stored_reading():
    """The reading keeps where inline scripts send the browser (not the scripts themselves): the redirect
    signal is the same whether the page was just read or its reading came back from the history."""
    from civicheck.history.stored_reading import dump, load
    from civicheck.reading import read_page
    from civicheck.soft404 import assess

    body = (
        "<html><head><title>Memuat</title><script>var n = 1;</script>"
        "<script>if (n) { window.location.href = '/'; }</script></head><body><p>Memuat...</p></body></html>"
    )
    result = html_answer("https://x.example/dinas/layanan", body)
    reading = read_page(result)
    assert reading.markup.script_targets == ["/"]
    stored = load(dump(reading))
    for read in (reading, stored):
        assessment = assess(result, read.document, markup=read.markup)
        assert assessment.soft404
        assert any("sent by a script" in signal and "site root" in signal for signal in assessment.signals)


def test_the_probe_goes_out_beside_the_page_not_after_it(site, tmp_path):
    """The page answers only once its probe has arrived (503 if it never does): with the probe sent after the
    cited fetches, as before, the page would fail."""
    from urllib.parse import urlsplit

    from civicheck.probing import PROBE_SEED
    from civicheck.soft404 import probe_url

    probe_arrived = threading.Event()
    url = site.url("/dinas/disnaker")
    probe_path = urlsplit(probe_url(url, seed=PROBE_SEED)).path

    def page(handler):
        ok = probe_arrived.wait(10)
        body = PAGE.encode("utf-8") if ok else b"probe never came"
        handler.send_response(200 if ok else 503)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def probe(handler):
        probe_arrived.set()
        handler.send_response(404)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    site.route("/dinas/disnaker", handler=page)
    site.route(probe_path, handler=probe)
    (tmp_path / "claims.yaml").write_text(claims_for(url), encoding="utf-8")
    report, _ = verify("--no-history")
    assert [c["verdict"] for c in report["claims"]] == ["supported", "supported"]


def test_without_last_nights_warc_the_history_alone_spares_the_page_and_the_probe(page, site, tmp_path):
    """A CI job restores the history database but not the WARC files (uploaded as artifacts): the stored
    reading answers the 304, and a probe answered 404 needs no copy."""
    import shutil

    first, _ = verify()
    shutil.rmtree(tmp_path / ".civicheck" / "archive")
    page.reset()
    site.requests.clear()

    second, stderr = verify()

    assert page.answers == [304] and probe_requests(site) == []
    assert [c["verdict"] for c in second["claims"]] == ["supported", "supported"]
    assert (
        checks(second)[0]["evidence"]["snapshots"][0]["ref"]
        == checks(first)[0]["evidence"]["snapshots"][0]["ref"]
    )
    assert "1 unchanged since the last good fetch (304), 1 soft-404 probe remembered" in stderr


def test_what_a_run_cut_short_remembered_is_never_used(tmp_path):
    """Rows written while a run goes on name its WARC; until that file is in place (the run ended well), they
    count for nothing: a 304 must never be judged from a capture that does not exist."""
    from civicheck.history.revisits import FetchMemory

    url = "https://x.example/dinas"
    warc = tmp_path / "civicheck-night.warc.gz"
    warc.write_bytes(b"")
    result = html_answer(url, PAGE, [("ETag", ETAG), ("Last-Modified", LAST_MODIFIED)])
    memory = FetchMemory(tmp_path / "history.sqlite")
    memory.keep(result, f"{warc.name}#<urn:uuid:1>", warc)
    memory.save()  # mid-run: the WARC is not closed yet
    memory.close()
    assert FetchMemory(tmp_path / "history.sqlite").conditions([url]) == {}

    memory = FetchMemory(tmp_path / "history.sqlite")
    memory.save(closed=warc)
    memory.close()
    assert FetchMemory(tmp_path / "history.sqlite").conditions([url]) == {
        url: [("If-None-Match", ETAG), ("If-Modified-Since", LAST_MODIFIED)]
    }
    assert FetchMemory(tmp_path / "history.sqlite", fresh=True).conditions([url]) == {}


def test_a_batch_being_written_holds_up_no_other_thread(tmp_path):
    """A fetch thread writing a batch (here stuck behind another process's write lock, as a slow disk would
    keep it) must not stop the other threads keeping what they fetched and looking up what is remembered:
    the pipeline of a run stalled whole at each batch before. The batch is written once the lock is gone."""
    import sqlite3

    from civicheck.history.revisits import FetchMemory

    warc = tmp_path / "civicheck-night.warc.gz"
    warc.write_bytes(b"")

    def fetched(i: int):
        return html_answer(f"https://x.example/dinas/{i}", PAGE, [("ETag", f'"{i}"')])

    memory = FetchMemory(tmp_path / "history.sqlite")
    other = sqlite3.connect(tmp_path / "history.sqlite", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another run writing: the batch must wait for it
    memory.keep(fetched(0), f"{warc.name}#<urn:uuid:0>", warc)
    writer = threading.Thread(target=memory.save, kwargs={"closed": warc}, daemon=True)
    writer.start()
    writer.join(0.5)
    assert writer.is_alive()  # waiting for the lock, as a batch behind a slow disk
    done = threading.Event()

    def meanwhile() -> None:
        for i in range(1, 30):
            memory.keep(fetched(i), f"{warc.name}#<urn:uuid:{i}>", warc)
        memory.conditions(["https://x.example/dinas/0"])
        memory.save(wait=False)  # a batch filling up meanwhile: left for the next save, not waited for
        done.set()

    threading.Thread(target=meanwhile, daemon=True).start()
    assert done.wait(10), "keeping and looking up waited for the batch being written"
    assert writer.is_alive()
    other.execute("ROLLBACK")
    writer.join(10)
    assert not writer.is_alive()
    memory.save(closed=warc)
    memory.close()
    remembered = FetchMemory(tmp_path / "history.sqlite")
    urls = [f"https://x.example/dinas/{i}" for i in range(30)]
    assert sorted(remembered.conditions(urls)) == sorted(urls)
    remembered.close()


def test_a_cited_url_that_redirects_asks_its_final_url_conditionally(site, page, tmp_path):
    old = site.route("/lama", status=301, headers={"Location": "/dinas/disnaker"}, content_type=None)
    (tmp_path / "claims.yaml").write_text(claims_for(old), encoding="utf-8")
    verify()
    page.reset()
    second, _ = verify()
    assert page.asked == [(ETAG, LAST_MODIFIED)] and page.answers == [304]
    assert [c["verdict"] for c in second["claims"]] == ["supported", "supported"]
    evidence = checks(second)[1]["evidence"]
    assert evidence["final_url"] == page_url(site) and evidence["note"].startswith("unchanged since")


def page_url(site) -> str:
    return site.url("/dinas/disnaker")


def test_a_page_read_for_text_checks_only_is_read_again_for_a_links_check(site, tmp_path):
    # A page only text checks cite is read without its links (nothing audits them, no probe compares them);
    # remembered so, it is read again, links and all, the night a `links` check cites it, never audited empty.
    target = site.route("/dinas/layanan", PAGE.replace("Dinas Tenaga Kerja", "Layanan Kartu Kuning"))
    body = PAGE.replace("</article>", f'<p><a href="{target}">Layanan kartu kuning</a></p></article>')
    url = site.route("/dinas/disnaker", body)  # a 200 every night, the same body
    only_text = claims_for(url).split("  - id: dinas-online")[0]
    (tmp_path / "claims.yaml").write_text(only_text, encoding="utf-8")
    first, _ = verify()
    assert [c["verdict"] for c in first["claims"]] == ["supported"]
    audit = f"""  - id: portal-links
    claim: "Every link of the office's page works"
    checks:
      - links: {{url: "{url}", same_site: true}}
"""
    (tmp_path / "claims.yaml").write_text(only_text + audit, encoding="utf-8")
    second, stderr = verify()
    assert "read before (same body)" not in stderr  # the stored reading had no links: read again
    links = checks(second)[1]["evidence"]["links"]
    assert [(link["url"], link["outcome"]) for link in links] == [(target, "pass")]
    assert [c["verdict"] for c in second["claims"]] == ["supported", "supported"]
    third, stderr = verify()  # read with its links now: that reading serves both checks
    again = checks(third)[1]["evidence"]["links"]
    assert "read before (same body)" in stderr
    assert [(link["url"], link["text"], link["outcome"]) for link in again] == [
        (target, "Layanan kartu kuning", "pass")
    ]
