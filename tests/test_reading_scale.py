"""Reading pages at scale (issue 13): `--jobs` changes how many pages are read at once and nothing of the
report; a page only liveness checks cite gets the cheap signals, not the main text; one parse per page."""

from __future__ import annotations

import json

from click.testing import CliRunner
from helpers import fetched

from civicheck.cli import cli
from civicheck.errors import ExitCode

ARTICLE = (
    "<html><head><title>Berita {n}</title><meta property='article:published_time' content='2023-06-1{n}'>"
    "</head><body><nav><a href='/a/{m}'>Berita lain</a></nav><article><h1>Berita {n}</h1><p>Pemerintah "
    "Kota Cilegon meluncurkan layanan publik digital nomor {n} dalam program Smart City tahun ini, kata "
    "Wali Kota di hadapan warga.</p><p>Paragraf kedua berita {n} menjelaskan jadwal layanan.</p></article>"
    "</body></html>"
)
NOT_FOUND = (
    "<html><head><title>Halaman tidak ditemukan</title></head><body><h1>Halaman tidak ditemukan</h1>"
    "<p>Maaf.</p></body></html>"
)
# Values that differ between any two runs: when, how long, which run, which file.
_VARYING = {
    "started_at",
    "finished_at",
    "fetched_at",
    "elapsed",
    "elapsed_seconds",
    "warc",
    "run_id",
    "ref",
    "captured_at",
    "generated_at",
    "date",
}


def _stable(value):
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in _VARYING}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def _claims(site) -> str:
    lines = ["claims:"]
    for n in range(8):
        url = site.route(f"/a/{n}", ARTICLE.format(n=n, m=(n + 1) % 8))
        lines += [
            f"  - id: text-{n}",
            "    claim: x",
            "    checks:",
            f"      - contains: {{url: '{url}', all: ['layanan publik digital nomor {n}']}}",
            f"      - quote: {{url: '{url}', text: 'Paragraf kedua berita {n}'}}",
            f"      - published: {{url: '{url}', after: '2023-06-1{n}', before: '2023-06-1{n}'}}",
            f"  - id: live-{n}",
            "    claim: x",
            "    checks:",
            f"      - live: '{url}'",
        ]
    gone = site.route("/hilang", NOT_FOUND, status=404)
    soft = site.route("/lunak/berita-1", NOT_FOUND)
    lines += [
        "  - id: gone",
        "    claim: x",
        "    checks:",
        f"      - dead: '{gone}'",
        "  - id: soft",
        "    claim: x",
        "    checks:",
        f"      - live: '{soft}'",
        "  - id: audit",
        "    claim: x",
        "    checks:",
        f"      - links: '{site.url('/a/0')}'",
    ]
    return "\n".join(lines) + "\n"


def _verify(path, jobs: int) -> dict:
    result = CliRunner().invoke(
        cli,
        [
            "verify",
            str(path),
            "--format",
            "json",
            "--no-history",
            "--no-canary",
            "--no-warc",
            "--jobs",
            str(jobs),
        ],
    )
    assert result.exit_code in (ExitCode.OK, ExitCode.UNEXPECTED), result.stderr
    return json.loads(result.stdout)


def test_the_report_is_the_same_whatever_jobs(tmp_path, site):
    path = tmp_path / "claims.yaml"
    path.write_text(_claims(site), encoding="utf-8")
    one, two = _verify(path, 1), _verify(path, 2)
    verdicts = {c["id"]: c["verdict"] for c in one["claims"]}
    # the run judged what it was given (not a report of failures that would agree by accident)
    assert all(
        verdicts[f"text-{n}"] == "supported" and verdicts[f"live-{n}"] == "supported" for n in range(8)
    )
    assert (
        verdicts["gone"] == "supported" and verdicts["soft"] == "refuted" and verdicts["audit"] == "supported"
    )
    assert _stable(one) == _stable(two)


def test_jobs_must_be_a_positive_number(tmp_path):
    path = tmp_path / "claims.yaml"
    path.write_text("claims: []\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["verify", str(path), "--jobs", "0"])
    assert result.exit_code == 2 and "--jobs" in result.stderr and result.stdout == ""


class _Keeping:
    """A reader that keeps each Reading as the runner gets it, before the runner lets documents go."""

    def __init__(self) -> None:
        from civicheck.reading import inline_reader

        self.inner = inline_reader()
        self.readings: dict = {}

    def start(self) -> None:
        self.inner.start()

    def cancel(self) -> None:
        self.inner.cancel()

    def read(self, result, *args, **kwargs):
        self.readings[result.url] = reading = self.inner.read(result, *args, **kwargs)
        return reading

    def read_later(self, result, done, *args, **kwargs):
        def keep(reading):
            self.readings[result.url] = reading
            done(reading)

        self.inner.read_later(result, keep, *args, **kwargs)

    def wait(self) -> None:
        self.inner.wait()


def test_a_page_only_liveness_checks_cite_gets_no_main_text(site):
    from civicheck.claims import Check, Claim
    from civicheck.fetch.client import Fetcher
    from civicheck.runner import Connectivity, run

    live_url = site.route("/hidup", ARTICLE.format(n=1, m=2))
    text_url = site.route("/teks", ARTICLE.format(n=2, m=3))
    claims = [
        Claim("a", "x", "c.yaml", 1, [Check("live", live_url, 2)]),
        Claim("b", "x", "c.yaml", 3, [Check("contains", text_url, 4, all=["nomor 2"])]),
    ]
    reader = _Keeping()
    with Fetcher(allow_private=True) as fetcher:
        result = run(claims, fetcher, Connectivity(None), reader=reader)
    assert [c.verdict for c in result.claims] == ["supported", "supported"]
    live_doc, text_doc = reader.readings[live_url].document, reader.readings[text_url].document
    assert not live_doc.main_text_read and live_doc.article_paragraphs == [] and live_doc.publication is None
    # (Its links are read only while its probe may yet answer 2xx: see the test below.)
    assert live_doc.title == "Berita 1" and any("nomor 1" in b for b in live_doc.page_blocks)
    assert (
        text_doc.main_text_read and text_doc.article_paragraphs and text_doc.publication.date == "2023-06-12"
    )


def test_a_page_no_probe_can_be_compared_with_is_read_without_its_links(site):
    # The soft-404 probe comparison reads the labels of a page's links (and of its probe's answer's); a
    # `links` check audits them. No check reads them of a root page (no probe), of an error page, nor of a
    # page whose probe answered with an error: such pages are read without their links, same verdicts.
    from conftest import Site

    from civicheck.claims import Check, Claim
    from civicheck.fetch.client import Fetcher
    from civicheck.probing import PROBE_SEED
    from civicheck.runner import Connectivity, run
    from civicheck.soft404 import probe_url

    other = Site().start()
    try:
        # The page answers after its probe (a 404: an unknown path), so its probe's answer is in when it is read.
        slow = site.route("/berita/lambat", ARTICLE.format(n=1, m=2), delay=1.0)
        root = site.route("/", ARTICLE.format(n=2, m=3))
        gone = site.route("/berita/hilang", NOT_FOUND, status=404)
        status = site.route("/portal/daftar", ARTICLE.format(n=3, m=4))
        # On this site a nonsense path answers a page (the probe answers 200): compared, links read.
        alike = other.route("/berita/mirip", ARTICLE.format(n=4, m=5))
        portal = "<html><head><title>Portal</title></head><body><a href='/'>Beranda</a><p>Selamat datang</p>"
        other.route(probe_url(alike, seed=PROBE_SEED).removeprefix(other.base_url), portal + "</body></html>")
        claims = [
            Claim("slow", "x", "c.yaml", 1, [Check("live", slow, 5)]),
            Claim("root", "x", "c.yaml", 2, [Check("live", root, 5)]),
            Claim("gone", "x", "c.yaml", 3, [Check("dead", gone, 5)]),
            Claim("status", "x", "c.yaml", 4, [Check("status", status, 5, codes=(200,))]),
            Claim("alike", "x", "c.yaml", 5, [Check("live", alike, 5)]),
        ]
        reader = _Keeping()
        with Fetcher(allow_private=True) as fetcher:
            result = run(claims, fetcher, Connectivity(None), reader=reader)
    finally:
        other.stop()
    assert [c.verdict for c in result.claims] == ["supported"] * 5
    readings = reader.readings
    for url in (slow, root, gone, status):
        assert not readings[url].document.links_read and readings[url].document.links == [], url
    assert readings[slow].document.title == "Berita 1"  # read all the same, for the soft-404 signals
    for url in (alike, probe_url(alike, seed=PROBE_SEED)):
        assert readings[url].document.links_read and readings[url].document.links, url


def test_which_answers_a_probe_may_be_compared_with():
    from pathlib import Path

    from civicheck.history.revisits import RememberedProbe
    from civicheck.probing import PROBE_SEED, Probes
    from civicheck.soft404 import probe_key, probe_url

    page, other, root = "http://x.test/berita/satu", "http://y.test/berita/dua", "http://x.test/"
    probe, other_probe = probe_url(page, seed=PROBE_SEED), probe_url(other, seed=PROBE_SEED)
    # Remembered from an earlier night, other's probe stands for the bodies it was compared with (answer()).
    remembered = RememberedProbe(probe_key(other), other_probe, 404, "", Path("x.warc"), "", {other: "b"})

    class Memory:
        def probe(self, pattern: str) -> RememberedProbe | None:
            return remembered if pattern == remembered.pattern else None

    class Recorder:  # what Probes reads of the run's recorder
        memory = Memory()
        statuses: dict = {}

    probes = Probes(Recorder())  # type: ignore[arg-type]
    cited = {page: 5.0, other: 5.0, root: 5.0}
    assert probes.beside(cited, dict.fromkeys(cited, True), cited) == {page: 5.0, probe: 5.0, **cited}
    assert probes.may_compare(page, 200, "a")  # its probe has not answered yet: in doubt, yes
    assert not probes.may_compare(page, 404, "a") and not probes.may_compare(page, None, None)
    assert not probes.may_compare(root, 200, "a")  # a site root has no probe
    assert not probes.may_compare("http://x.test/tidak/dikutip", 200, "a")  # no check decides its liveness
    Recorder.statuses[probe] = 404
    assert not probes.may_compare(page, 200, "a") and not probes.may_compare(probe, 404, None)
    Recorder.statuses[probe] = 200
    assert probes.may_compare(page, 200, "a") and probes.may_compare(probe, 200, "b")
    assert not probes.may_compare(other, 200, "b")  # its remembered probe answered 404
    assert probes.may_compare(other, 200, "changed")  # a changed page is probed again tonight
    # A run with a `links` audit learns which pages' liveness it decides only once the audited page is read.
    probes.named_upfront = False
    assert probes.may_compare("http://z.test/tidak/dikutip", 200, "a")
    assert not probes.may_compare(root, 200, "a")


def test_a_stored_reading_serves_a_run_only_when_it_holds_what_the_run_reads_of_the_page():
    # Recorder._lacks asks this of a reading stored on an earlier night: read again when it lacks something.
    from civicheck.extract import Document
    from civicheck.reading import LIVENESS_ONLY, TEXT_ONLY, WHOLE_PAGE

    whole = Document("http://x/", "http://x/", "html")
    liveness = Document("http://x/", "http://x/", "html", main_text_read=False)
    text = Document("http://x/", "http://x/", "html", links_read=False)
    runs = (WHOLE_PAGE, LIVENESS_ONLY, TEXT_ONLY)
    assert [needs.met_by(whole) for needs in runs] == [True, True, True]
    assert [needs.met_by(liveness) for needs in runs] == [False, True, False]
    assert [needs.met_by(text) for needs in runs] == [False, False, True]
    assert WHOLE_PAGE.met_by(None)  # an unreadable page's reading: reading it again would change nothing


def test_pages_handed_over_are_read_in_workers_while_the_caller_goes_on():
    """read_later returns before the page is read (a fetch thread goes on to its next URL); wait() returns
    once every page is read and its `done` called, in whatever order the workers finish; what `done` raises
    is raised by wait()."""
    import threading

    import pytest

    from civicheck.reading import LIVENESS_ONLY, shared_reader

    def answer(n: int, body: str):
        return fetched(body, url=f"http://127.0.0.1:9/p/{n}")

    reader = shared_reader(jobs=2)
    got: dict[str, object] = {}
    lock = threading.Lock()

    def keep(url: str):
        def done(reading) -> None:
            with lock:
                got[url] = reading

        return done

    pages = [answer(n, ARTICLE.format(n=n % 10, m=n)) for n in range(40)] + [answer(99, NOT_FOUND)]
    for page in pages:
        reader.read_later(page, keep(page.url), 30, needs=LIVENESS_ONLY)
    reader.wait()
    assert sorted(got) == sorted(p.url for p in pages)
    assert all(r.problem is None for r in got.values())
    assert got[pages[3].url].document.title == "Berita 3"
    assert ("wording", True, "title says 'Halaman tidak ditemukan'") in got[
        pages[-1].url
    ].markup.content_signals

    def fails(reading) -> None:
        raise RuntimeError("the history could not keep it")

    reader.read_later(answer(7, ARTICLE.format(n=7, m=7)), fails, 30, needs=LIVENESS_ONLY)
    with pytest.raises(RuntimeError, match="could not keep it"):
        reader.wait()
    reader.wait()  # nothing under way any more


def test_readers_start_with_the_libraries_a_glance_at_the_claims_files_calls_for(tmp_path, monkeypatch):
    """verify starts its readers before the claims are read, importing trafilatura beforehand only when a
    claims file names a kind that reads the main text; what cannot be read is left to load_claims."""
    import civicheck.reading
    from civicheck.cli.fetching import start_readers

    started: list[tuple[int | None, bool]] = []

    class Reader:
        def __init__(self, jobs, articles):
            self.asked = (jobs, articles)

        def start(self):
            started.append(self.asked)

    monkeypatch.setattr(civicheck.reading, "shared_reader", lambda jobs, articles: Reader(jobs, articles))
    texts = tmp_path / "texts"
    texts.mkdir()
    (texts / "a.yaml").write_text(
        "claims:\n  - id: a\n    claim: x\n    checks:\n      - live: http://x.invalid/\n"
    )
    (texts / "b.yml").write_text(
        "claims:\n  - id: b\n    claim: x\n    checks:\n      - contains: {url: 'http://x.invalid/', all: [y]}\n"
    )
    live = tmp_path / "live.yaml"
    live.write_text(
        "claims:\n  - id: c\n    claim: contains the word quote\n    checks:\n      - live: http://x.invalid/\n"
    )
    start_readers([str(texts)], 3)
    start_readers([str(live)], None)
    start_readers([str(tmp_path / "missing.yaml")], None)
    assert started == [(3, True), (None, False)]


def test_freed_memory_goes_back_to_the_system_on_glibc_without_running_ldconfig(monkeypatch):
    """mallopt is found in the running program (ctypes.CDLL(None)), not through ctypes.util.find_library,
    which runs `ldconfig -p` in a new process at every start of the command and of each worker."""
    import ctypes.util
    import platform

    import pytest

    from civicheck.memory import return_freed_memory

    if platform.libc_ver()[0] != "glibc":
        pytest.skip("mallopt's threshold is a glibc setting; elsewhere return_freed_memory is a no-op")

    def no_ldconfig(name):
        raise AssertionError("find_library runs ldconfig")

    monkeypatch.setattr(ctypes.util, "find_library", no_ldconfig)
    assert return_freed_memory() is True
