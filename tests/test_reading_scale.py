"""Reading pages at scale (issue 13): `--jobs` changes how many pages are read at once and nothing of the
report; a page only liveness checks cite gets the cheap signals, not the main text; one parse per page."""

from __future__ import annotations

import json

from click.testing import CliRunner

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


def test_a_page_only_liveness_checks_cite_gets_no_main_text(site):
    from civicheck.claims import Check, Claim
    from civicheck.fetch.client import Fetcher
    from civicheck.reading import inline_reader
    from civicheck.runner import Connectivity, run

    live_url = site.route("/hidup", ARTICLE.format(n=1, m=2))
    text_url = site.route("/teks", ARTICLE.format(n=2, m=3))
    claims = [
        Claim("a", "x", "c.yaml", 1, [Check("live", live_url, 2)]),
        Claim("b", "x", "c.yaml", 3, [Check("contains", text_url, 4, all=["nomor 2"])]),
    ]
    readings: dict = {}

    class Keeping:  # keeps each Reading as the runner gets it, before it lets documents go
        def __init__(self) -> None:
            self.inner = inline_reader()

        def start(self) -> None:
            self.inner.start()

        def cancel(self) -> None:
            self.inner.cancel()

        def read(self, result, *args, **kwargs):
            readings[result.url] = reading = self.inner.read(result, *args, **kwargs)
            return reading

        def read_later(self, result, done, *args, **kwargs):
            def keep(reading):
                readings[result.url] = reading
                done(reading)

            self.inner.read_later(result, keep, *args, **kwargs)

        def wait(self) -> None:
            self.inner.wait()

    with Fetcher(allow_private=True) as fetcher:
        result = run(claims, fetcher, Connectivity(None), reader=Keeping())
    assert [c.verdict for c in result.claims] == ["supported", "supported"]
    live_doc, text_doc = readings[live_url].document, readings[text_url].document
    assert not live_doc.main_text_read and live_doc.article_paragraphs == [] and live_doc.publication is None
    assert (
        live_doc.title == "Berita 1" and live_doc.links and any("nomor 1" in b for b in live_doc.page_blocks)
    )
    assert (
        text_doc.main_text_read and text_doc.article_paragraphs and text_doc.publication.date == "2023-06-12"
    )


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

    from civicheck.fetch import FetchResult
    from civicheck.reading import LIVENESS_ONLY, shared_reader

    def answer(n: int, body: str) -> FetchResult:
        url = f"http://127.0.0.1:9/p/{n}"
        return FetchResult(
            url=url,
            final_url=url,
            status=200,
            reason="OK",
            error=None,
            detail="200 OK",
            fetched_at="2026-11-29T00:00:00Z",
            headers=[("Content-Type", "text/html; charset=utf-8")],
            body=body.encode(),
        )

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
