"""Flat memory (issue 13): a page cited only by checks judged from its search results is assessed and searched
as it arrives, and its text let go (kinds/sources.py EarlySearches); the outcomes are those of judging it
from the whole Document at the end, and the text stays in the evidence only where the run records it."""

from __future__ import annotations

import json
import os

from click.testing import CliRunner

from civicheck.claims import Check, Claim
from civicheck.cli import cli
from civicheck.cli.base import LAST_COMMAND
from civicheck.fetch.client import Fetcher
from civicheck.kinds.sources import EarlySearches, SearchedDocument
from civicheck.reading import inline_reader, read_page
from civicheck.reading.workers import WorkerPool, shared_pool
from civicheck.report import run_to_dict
from civicheck.runner import Connectivity, run

ARTICLE = (
    "<html><head><title>Berita {n}</title><meta property='article:published_time' content='2023-06-1{n}'>"
    "</head><body><nav><a href='/lain'>Berita lain</a></nav><article><h1>Berita {n}</h1><p>Pemerintah "
    "Kota Cilegon meluncurkan layanan publik digital nomor {n} dalam program Smart City tahun ini, kata "
    "Wali Kota di hadapan warga.</p><p>Paragraf kedua berita {n} menjelaskan jadwal layanan.</p></article>"
    "</body></html>"
)
NOT_FOUND = (
    "<html><head><title>Halaman tidak ditemukan</title></head><body><h1>Halaman tidak ditemukan</h1>"
    "<p>Maaf, halaman yang Anda cari tidak ditemukan.</p></body></html>"
)


def _text_claims(site) -> list[Claim]:
    """Text checks of every outcome: found, missing, forbidden, a misquote, a date in and out of its window,
    `scope: article`, a "not found" page answering 200 (not the source), a 404, an empty page."""
    pages = [site.route(f"/berita/{n}", ARTICLE.format(n=n)) for n in range(3)]
    soft = site.route("/berita/hilang", NOT_FOUND)
    gone = site.route("/berita/dihapus", NOT_FOUND, status=404)
    empty = site.route("/berita/kosong", "<html><body></body></html>")
    checks = [
        Check("contains", pages[0], 1, all=["layanan publik digital nomor 0"]),
        Check("contains", pages[0], 2, all=["tidak ada di halaman"], scope="article"),
        Check("contains", pages[1], 3, any=["Smart City"], none=["Berita lain"]),
        Check("quote", pages[1], 4, text="Paragraf kedua berita 1 menjelaskan jadwal layanan."),
        Check("quote", pages[2], 5, text="Paragraf ketiga berita 2 menjelaskan jadwal layanan."),
        Check("published", pages[2], 6, after="2023-06-12", before="2023-06-12"),
        Check("published", pages[0], 7, after="2024-01-01"),
        Check("contains", soft, 8, all=["Maaf"]),
        Check("contains", gone, 9, all=["Maaf"]),
        Check("contains", empty, 10, none=["Maaf"]),
        Check("status", pages[1], 11, codes=(200,)),
    ]
    return [Claim(f"c{i}", "x", "c.yaml", check.line, [check]) for i, check in enumerate(checks)]


def _outcomes(result) -> list[dict]:
    report = run_to_dict(result, texts=True)
    return [
        {k: v for k, v in check.items() if k != "evidence"}
        | {"evidence": {k: v for k, v in check["evidence"].items() if k not in ("fetched_at", "snapshots")}}
        for claim in report["claims"]
        for check in claim["checks"]
    ]


def _let_go(monkeypatch) -> list[str]:
    """The URLs of the pages whose Document is made a SearchedDocument (searched, its text let go), in order."""
    import civicheck.kinds.sources as sources

    let_go: list[str] = []
    real = sources.searched_document
    monkeypatch.setattr(
        sources, "searched_document", lambda doc, keep: let_go.append(doc.url) or real(doc, keep)
    )
    return let_go


def _early_and_late(site, claims: list[Claim], let_go: list[str]):
    """`claims` run alone (their pages searched as they arrive: the pages let go then), and run beside a `links`
    check, which needs pages read before it can say which it audits: nothing is searched early then, every page
    is judged from its whole Document at the end, as before. (first run, second run, pages let go in the first)"""
    portal = site.route("/portal", "<html><body><p>Portal</p></body></html>")
    audit = Claim("audit", "x", "c.yaml", 99, [Check("links", portal, 99)])
    with Fetcher(allow_private=True) as fetcher:
        early = run(claims, fetcher, Connectivity(None), reader=inline_reader())
        searched_early = list(let_go)
        late = run([*claims, audit], fetcher, Connectivity(None), reader=inline_reader())
    return early, late, searched_early


def test_pages_searched_as_they_arrive_are_judged_as_at_the_end(site, monkeypatch):
    let_go = _let_go(monkeypatch)
    claims = _text_claims(site)
    early, late, searched_early = _early_and_late(site, claims, let_go)
    searched_early.sort()
    # every page read whole (the 404 and the soft 404 too) was let go as it arrived in the first run only
    assert len(searched_early) == 6 and sorted(let_go) == searched_early
    assert _outcomes(early) == _outcomes(late)[: len(claims)]
    outcomes = [c.outcomes[0] for c in early.claims]
    # the run judged what it was given: each kind of outcome is there
    assert [o.outcome for o in outcomes] == [
        "pass",
        "fail",
        "fail",
        "pass",
        "fail",
        "pass",
        "fail",
        "unknown",
        "unknown",
        "unknown",
        "pass",
    ]
    assert "'not found' page" in outcomes[7].reason and outcomes[0].evidence.hits
    assert outcomes[0].evidence.text and "nomor 0" in outcomes[0].evidence.text  # the run keeps texts


def test_a_run_that_records_no_text_keeps_only_its_digest(site):
    claims = _text_claims(site)
    with Fetcher(allow_private=True) as fetcher:
        kept = run(claims, fetcher, Connectivity(None), reader=inline_reader())
        digest_only = run(claims, fetcher, Connectivity(None), reader=inline_reader(), keep_texts=False)
    first, other = kept.claims[0].outcomes[0].evidence, digest_only.claims[0].outcomes[0].evidence
    assert first.text and other.text is None
    assert other.text_sha256 == first.text_sha256 and other.hits == first.hits
    assert [c.verdict for c in digest_only.claims] == [c.verdict for c in kept.claims]


def test_a_page_is_assessed_and_its_text_let_go_as_it_arrives(site):
    url = site.route("/berita/1", ARTICLE.format(n=1))
    soft = site.route("/berita/hilang", NOT_FOUND)
    claims = [
        Claim("a", "x", "c.yaml", 1, [Check("contains", url, 1, all=["nomor 1"])]),
        Claim("b", "x", "c.yaml", 2, [Check("quote", soft, 2, text="Maaf")]),
        Claim("c", "x", "c.yaml", 3, [Check("live", site.route("/hidup", ARTICLE.format(n=2)), 3)]),
    ]
    probed = {claims[2].checks[0].url}  # a live check's page gets a probe: it is assessed once that is in
    searches = EarlySearches(claims, keep_texts=False, probed=dict.fromkeys(probed, True))
    readings: dict = {}
    with Fetcher(allow_private=True) as fetcher:
        for check in (c.checks[0] for c in claims):
            result = fetcher.fetch(check.url)
            readings[check.url] = read_page(result)
            result.drop_body()
            searches(result, readings)
    page = readings[url].document
    assert isinstance(page, SearchedDocument) and readings[url].markup is None
    assert page.page_blocks == page.article_paragraphs == page.links == [] and page.text == ""
    assert page.shows_text and page.publication is not None and len(page.text_sha256) == 64
    found, _ = next(iter(v for k, v in searches.results.items() if k[1] == url))
    assert found.passed and found.hits[0].excerpt
    assert searches.assessments[url].soft404 is False and searches.assessments[soft].soft404 is True
    live = claims[2].checks[0].url
    assert live not in searches.assessments and not isinstance(readings[live].document, SearchedDocument)


def test_a_run_with_a_kind_that_reads_pages_to_plan_searches_nothing_early(site):
    url = site.route("/berita/1", ARTICLE.format(n=1))
    claims = [
        Claim("a", "x", "c.yaml", 1, [Check("contains", url, 1, all=["nomor 1"])]),
        Claim("b", "x", "c.yaml", 2, [Check("links", site.route("/portal", "<p>x</p>"), 2)]),
    ]
    assert EarlySearches(claims, keep_texts=True, probed={}).checks == {}


PORTAL = (
    "<html><head><title>Portal Kota</title></head><body><h1>Portal Kota</h1><p>Selamat datang di portal "
    "layanan kota.</p><a href='/layanan'>Layanan</a></body></html>"
)


def _probed_claims(site) -> list[Claim]:
    """`live`, `dead` and `status` checks whose pages get a soft-404 probe, some also cited by text checks: a
    live article whose probe answers 404, pages whose probe answers the very same page (a soft 404, unless
    `soft404: false`), a 404 for `dead`, and the site root (no probe)."""
    from civicheck.probing import PROBE_SEED
    from civicheck.soft404 import probe_url

    article = site.route("/berita/1", ARTICLE.format(n=1))
    alike = site.route("/layanan/izin", PORTAL)
    quiet = site.route("/arsip/lama", PORTAL)
    for page in (alike, quiet):
        target = probe_url(page, seed=PROBE_SEED)
        assert target is not None
        site.route(target.removeprefix(site.base_url), PORTAL)  # the site answers any path alike
    gone = site.route("/hapus/1", NOT_FOUND, status=404)
    root = site.route("/", PORTAL)
    checks = [
        Check("live", article, 1),
        Check("contains", article, 2, all=["layanan publik digital nomor 1"]),
        Check("live", alike, 3),
        Check("contains", alike, 4, all=["Selamat datang"]),
        Check("live", quiet, 5, soft404=False),
        Check("dead", gone, 6),
        Check("live", gone, 7),
        Check("status", alike, 8, codes=(200,)),
        Check("live", root, 9),
    ]
    return [Claim(f"p{i}", "x", "c.yaml", check.line, [check]) for i, check in enumerate(checks)]


def test_pages_with_a_probe_are_judged_once_it_is_in_as_at_the_end(site, monkeypatch):
    let_go = _let_go(monkeypatch)
    claims = _probed_claims(site)
    early, late, let_go_early = _early_and_late(site, claims, let_go)
    searched_early = sorted(set(let_go_early))
    # each page read whole, probed or not, was let go as it arrived (the 404 too), in the first run only
    pages = sorted({c.checks[0].url for c in claims})
    assert searched_early == pages
    assert sorted(set(let_go)) == pages
    assert _outcomes(early) == _outcomes(late)[: len(claims)]
    outcomes = [c.outcomes[0] for c in early.claims]
    assert [o.outcome for o in outcomes] == [
        "pass",
        "pass",
        "fail",
        "unknown",
        "pass",
        "pass",
        "fail",
        "pass",
        "pass",
    ]
    assert "random sibling URL" in outcomes[2].reason and "random sibling URL" in outcomes[3].reason
    assert outcomes[2].evidence.soft404 and not outcomes[4].evidence.soft404


def test_a_page_read_before_its_probe_waits_for_it(site):
    from civicheck.probing import PROBE_SEED
    from civicheck.soft404 import probe_key, probe_url

    alike = site.route("/layanan/izin", PORTAL)
    target = probe_url(alike, seed=PROBE_SEED)
    assert target is not None
    site.route(target.removeprefix(site.base_url), PORTAL)
    claims = [Claim("a", "x", "c.yaml", 1, [Check("live", alike, 1)])]
    searches = EarlySearches(claims, keep_texts=False, probed={alike: True})
    searches.expect_probes({probe_key(alike): target}, {alike: 20.0, target: 5.0})
    readings: dict = {}
    with Fetcher(allow_private=True) as fetcher:
        for url in (alike, target):  # the page first: it cannot be assessed until its probe is read
            result = fetcher.fetch(url)
            readings[url] = read_page(result)
            result.drop_body()
            searches(result, readings)
            if url == alike:
                assert alike not in searches.assessments and searches.waiting[target]
                assert not isinstance(readings[alike].document, SearchedDocument)
    assessment = searches.assessments[alike]
    assert assessment.soft404 and "random sibling URL" in assessment.signals[0]
    assert isinstance(readings[alike].document, SearchedDocument) and not searches.waiting
    assert not isinstance(readings[target].document, SearchedDocument)  # the probe's reading stays


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_retired_workers_are_gone_and_the_pool_starts_new_ones():
    pool = WorkerPool(jobs=2)
    try:
        first = pool.call(os.getpid, limit=30).value
        pool.retire()
        assert _gone(first)
        second = pool.call(os.getpid, limit=30).value
        assert second != first and not _gone(second)
    finally:
        pool.close()


def test_verify_ends_its_workers_before_it_writes_the_report(tmp_path, site):
    # The report of a large run is made once every page is read: the workers (~90 MB each after news
    # pages) are not kept idle beside it when the process ends with the command, as the program does.
    page = site.route("/berita/1", ARTICLE.format(n=1))
    claims = tmp_path / "c.yaml"
    claims.write_text(
        f"claims:\n  - id: a\n    claim: x\n    checks:\n      - contains: {{url: '{page}', all: [nomor 1]}}\n"
    )
    args = [
        "verify",
        str(claims),
        "--jobs",
        "3",
        "--no-history",
        "--no-canary",
        "--no-warc",
        "--format",
        "json",
    ]
    pool = shared_pool(jobs=3)
    for last in (False, True):
        worker = pool.call(os.getpid, limit=30).value
        result = CliRunner().invoke(cli, args, obj={LAST_COMMAND: True} if last else None)
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)["claims"][0]["verdict"] == "supported"
        # run in a process that goes on (tests, a library user), the workers stay for its next run
        assert _gone(worker) is last
    assert pool.call(abs, -4, limit=30).value == 4  # the pool itself stays open
