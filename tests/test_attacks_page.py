"""Hostile pages: what a fetched body may do to civicheck and what it must not (issue 9, the page pipeline).

Garbled text must not erase evidence; a page that breaks an extractor costs only its own checks their
outcome; no page holds a run past its budget or takes its memory; libraries say nothing on the terminal.
Every case is bounded: the pages come from a server on 127.0.0.1, runs go through `civicheck verify` in a
subprocess with a timeout, and workers are killed at their time limit.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import warnings
import zlib

import pytest
from helpers import fetched

from civicheck.escape import clean, md
from civicheck.extract import ESCAPE_SEQUENCE, MOJIBAKE_NOTE, extract
from civicheck.reading.workers import INTERRUPTED, WorkerPool, WorkFailed

ARTICLE = (
    "<html><head><title>Smart City</title></head><body><article><p>Pemerintah Kota Cilegon menetapkan "
    "Smart City sebagai program prioritas dalam RPJMD 2021-2026, kata Wali Kota.</p></article></body></html>"
)
CHECK_TIMEOUT = 120  # seconds a whole `civicheck verify` subprocess may take before the test fails


def verify(tmp_path, claims: str, *args: str) -> tuple[int, dict | None, str]:
    """`civicheck verify` in a subprocess (so a hang fails the test, and worker processes' own output would
    show on its real standard error): exit code, the JSON report, standard error."""
    path = tmp_path / "claims.yaml"
    path.write_text("claims:\n" + claims, encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "civicheck",
            "verify",
            str(path),
            "--format",
            "json",
            "--no-history",
            "--no-canary",
            "--archive-dir",
            str(tmp_path / "warc"),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=CHECK_TIMEOUT,
        cwd=tmp_path,
    )
    report = json.loads(done.stdout) if done.stdout.strip() else None
    return done.returncode, report, done.stderr


def claim(cid: str, check: str) -> str:
    return f"  - id: {cid}\n    claim: x\n    checks:\n      - {check}\n"


def checks(report: dict) -> dict[str, list[dict]]:
    return {c["id"]: c["checks"] for c in report["claims"]}


# --- text is never erased -------------------------------------------------------------------------------


@pytest.mark.parametrize("c1", ["\x90", "\x98", "\x9d", "\x9e", "\x9f"])
def test_a_lone_c1_character_is_dropped_by_itself_not_the_text_after_it(c1):
    text = f"“Kami siap,â€{c1} kata Wali Kota. Pemerintah meluncurkan 29 layanan."
    assert ESCAPE_SEQUENCE.sub("", text) == "“Kami siap,â€ kata Wali Kota. Pemerintah meluncurkan 29 layanan."
    assert clean(text) == "“Kami siap,â€ kata Wali Kota. Pemerintah meluncurkan 29 layanan."  # a report cell
    assert md(text).endswith("meluncurkan 29 layanan.")


def test_only_complete_escape_sequences_are_removed():
    assert clean("a\x1b]0;pwned\x07b") == "ab"  # OSC with BEL
    assert clean("a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ b") == "alink b"  # OSC 8 links, ST
    assert clean("a\x9d0;pwned\x9cb") == "ab"  # the 8-bit form, complete
    assert clean("a\x1b]0;no terminator, the text stays") == "a0;no terminator, the text stays"
    # An 8-bit "string" holding what no terminal sequence holds is mojibake: only the C1 characters go.
    assert clean("tanda â€\x9d lalu teks â\x80\x9ckutipan") == "tanda â€ lalu teks âkutipan"


def garble(text: str, codec: str, times: int = 1) -> str:
    """Mojibake as servers make it: UTF-8 bytes read as `codec`, `times` over: windows-1252 the way browsers
    read it (its five undefined bytes kept as C1 characters), the way systems that drop them do ("ignore"),
    or latin-1."""
    for _ in range(times):
        data = text.encode("utf-8")
        if codec == "cp1252":
            text = "".join(bytes([b]).decode("cp1252", "ignore") or chr(b) for b in data)
        elif codec == "cp1252-ignore":
            text = data.decode("cp1252", "ignore")  # "”" becomes "â€" and nothing: its 0x9D is undefined
        else:
            text = data.decode(codec)
    return text


QUOTE = "Kami siap melayani warga,"
SECOND = "Pemerintah meluncurkan 29 layanan publik digital di kafe “Cilegon Café” tahun ini."


@pytest.mark.parametrize("codec, times", [("cp1252", 1), ("latin-1", 1), ("cp1252", 2), ("cp1252-ignore", 1)])
def test_a_quote_after_garbled_quote_marks_is_found_whole(tmp_path, site, codec, times):
    garbled = garble(f"“{QUOTE}” kata Wali Kota Cilegon pada Senin.", codec, times)
    site.route(
        "/berita",
        f"<html><head><title>Berita</title></head><body><article><p>{garbled}</p>"
        f"<p>{garble(SECOND, codec, times)}</p><p>Paragraf penutup berita ini.</p>"
        "</article></body></html>",
    )
    url = site.url("/berita")
    code, report, _ = verify(
        tmp_path,
        claim("quote", f"quote: {{url: '{url}', text: '{SECOND}'}}")
        + claim("contains", f"contains: {{url: '{url}', all: ['29 layanan']}}")
        + claim("first", f"quote: {{url: '{url}', text: '{QUOTE}'}}"),
    )
    assert code == 0, report
    for cid, [check] in checks(report).items():
        assert check["outcome"] == "pass", (cid, check["reason"])
        assert MOJIBAKE_NOTE in check["reason"] and check["evidence"]["note"] == MOJIBAKE_NOTE
    [hit] = checks(report)["quote"][0]["evidence"]["hits"]
    # the passage whole, not cut at a C1 char (and the hit keeps its closing stop: issue 11)
    assert hit["excerpt"] == SECOND and hit["text"] == SECOND
    [first] = checks(report)["first"]
    assert first["evidence"]["hits"][0]["excerpt"].startswith(f"“{QUOTE}” kata Wali Kota")
    assert (
        first["reason"] == f"quote found in paragraph 1 of the article ({MOJIBAKE_NOTE})"
    )  # the main text too


def test_correct_text_is_left_as_it_is():
    text = (
        "“Kami siap,” kata Wali Kota — naïve café, Rp 5.000–10.000, ½ harga, ‘rapat’ 10 × 2 m², "
        "Bahasa Indonesia dan 中文 dan العربية, ﬁle, ＡＢＣ"
    )
    doc = extract(fetched(f"<html><body><p>{text}</p></body></html>"))
    assert doc.page_blocks == [text] and not doc.repaired


# --- one page never costs the others --------------------------------------------------------------------

# trafilatura raised AssertionError on these (LinkChecker's test pages hold the first), through its own
# htmldate call: civicheck reads the dates itself now, and no longer goes that way. The `breaking_trafilatura`
# fixture makes trafilatura fail on them again, as it may on a page nobody has found yet.
BREAKS_TRAFILATURA = ["<audio src=a><html manifest=b>", "<math><base href=x><option><head><body><mglyph>"]

_FAULT = """
import {module}

_real = {module}.{function}


def {function}(page, *args, **kwargs):
    markup = page if isinstance(page, str) else page.decode("utf-8", "replace") if isinstance(page, bytes) else (
        __import__("lxml.html").html.tostring(page, encoding="unicode"))
    assert not any(tag in markup for tag in ("<audio", "<math"))
    return _real(page, *args, **kwargs)


{module}.{function} = {function}
"""


def _break(tmp_path, monkeypatch, library: str, module: str, function: str) -> None:
    """Every civicheck process started by the test (and its workers) gets a `module.function` that fails on
    the BREAKS_TRAFILATURA pages: a sitecustomize on PYTHONPATH loads the fault from a file under a folder
    named for the library, so the failure is traced to the library as a real one would be."""
    fault = tmp_path / "fault" / library / "fault.py"
    fault.parent.mkdir(parents=True)
    fault.write_text(_FAULT.format(module=module, function=function), encoding="utf-8")
    site_dir = tmp_path / "fault" / "site"
    site_dir.mkdir()
    (site_dir / "sitecustomize.py").write_text(
        "import importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('civicheck_test_fault', {str(fault)!r})\n"
        "spec.loader.exec_module(importlib.util.module_from_spec(spec))\n",
        encoding="utf-8",
    )
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(site_dir), os.environ.get("PYTHONPATH")]))
    )


@pytest.fixture
def breaking_trafilatura(tmp_path, monkeypatch):
    """trafilatura fails on the BREAKS_TRAFILATURA pages (pages whose text a check reads)."""
    _break(tmp_path, monkeypatch, "trafilatura", "trafilatura", "bare_extraction")


@pytest.fixture
def breaking_lxml(tmp_path, monkeypatch):
    """lxml fails to parse the BREAKS_TRAFILATURA pages: what every page read goes through, even one only
    liveness or `links` checks cite (no main text is read of those)."""
    _break(tmp_path, monkeypatch, "lxml", "lxml.html", "document_fromstring")


@pytest.mark.parametrize("hostile", BREAKS_TRAFILATURA)
def test_a_page_that_breaks_the_extractors_costs_only_its_own_checks(
    tmp_path, site, hostile, breaking_trafilatura
):
    bad, good = site.route("/bad", hostile), site.route("/good", ARTICLE)
    code, report, stderr = verify(
        tmp_path,
        claim("bad-text", f"contains: {{url: '{bad}', all: ['x']}}")
        + claim("bad-live", f"live: {bad}")
        + claim("good", f"contains: {{url: '{good}', all: ['Smart City']}}"),
        "--quiet",
    )
    assert code == 1 and report is not None  # the report is written; exit 1: two claims are not as expected
    found = checks(report)
    for cid in ("bad-text", "bad-live"):
        assert found[cid][0]["outcome"] == "unknown"
        assert (
            found[cid][0]["reason"] == "the page could not be read: trafilatura failed on it (AssertionError)"
        )
    assert found["good"][0]["outcome"] == "pass"
    assert stderr == ""  # no traceback, no library logging on the terminal


def test_library_warnings_go_to_the_log_not_the_terminal(tmp_path, site):
    rss = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Berita Kota</title>'
        "<item><title>Smart City diluncurkan</title></item></channel></rss>"
    )
    url = site.route("/feed", rss, content_type="application/xhtml+xml")
    code, report, stderr = verify(tmp_path, claim("feed", f"contains: {{url: '{url}', all: ['Smart City']}}"))
    assert code == 0 and checks(report)["feed"][0]["outcome"] == "pass"
    assert "Warning" not in stderr and "XMLParsedAsHTML" not in stderr and "Traceback" not in stderr
    assert stderr.startswith("1 claim")  # the summary line, and the archive line: nothing else


def test_what_a_reader_logs_reaches_the_civicheck_log(site, caplog):
    from civicheck.reading import shared_reader

    with caplog.at_level(logging.WARNING, logger="civicheck"):
        answer = fetched("<html><body><div></div></body></html>")
        reading = shared_reader().read(answer, limit=30)
    assert reading.problem is None
    # trafilatura warns, in the worker process, that it found no main text in it ("discarding data")
    assert any(
        r.getMessage().startswith(f"reading {answer.url}: trafilatura")
        for r in caplog.records
        if r.name == "civicheck.reading.reader"
    )


def test_a_page_an_extractor_takes_forever_on_is_given_up_on_within_its_budget(tmp_path, site):
    # lxml checks attributes for duplicates pairwise: one element with 200,000 of them takes minutes to parse.
    slow = "<html><body><p " + " ".join(f"a{i}=1" for i in range(200_000)) + ">x</p></body></html>"
    bad, good = site.route("/slow", slow), site.route("/good", ARTICLE)
    code, report, stderr = verify(
        tmp_path,
        claim("slow", f"contains: {{url: '{bad}', all: ['x'], timeout: 1}}")
        + claim("good", f"contains: {{url: '{good}', all: ['Smart City']}}"),
        "--quiet",
    )
    assert code == 1 and stderr == ""
    [slow_check], [good_check] = checks(report)["slow"], checks(report)["good"]
    assert slow_check["outcome"] == "unknown"
    assert slow_check["reason"].startswith(
        "the page could not be read: civicheck gave up reading it after 3 s"
    )
    assert good_check["outcome"] == "pass"


def test_a_huge_page_is_read_in_part_and_what_was_not_read_refutes_nothing(tmp_path, site):
    # 24 MB of "<div><a>" took BeautifulSoup 183 s and 3.8 GB; here 60,000 of them, then the words looked for.
    divs = "<div><a>" * 60_000 + "<p>Smart City</p>"
    url = site.route("/divs", f"<html><body><h1>Portal Kota</h1>{divs}")
    bare = site.route("/bare", f"<html><body>{divs}")
    good = site.route("/good", ARTICLE)
    # What is read is cut by size, not time: a generous `timeout` keeps a busy machine (the suite in parallel)
    # from turning "read in part" into "gave up reading" (the 20 s default is all it has to read the page).
    code, report, stderr = verify(
        tmp_path,
        claim("far", f"contains: {{url: '{url}', all: ['Portal', 'Smart City'], timeout: 90}}")
        + claim("none", f"contains: {{url: '{url}', none: ['Smart City'], timeout: 90}}")
        + claim("near", f"contains: {{url: '{url}', all: ['Portal Kota'], timeout: 90}}")
        + claim("bare", f"contains: {{url: '{bare}', all: ['Smart City'], timeout: 90}}")
        + claim("live", f"live: {{url: '{bare}', timeout: 90}}")
        + claim("good", f"contains: {{url: '{good}', all: ['Smart City']}}"),
        "--quiet",
    )
    found = {cid: found[0] for cid, found in checks(report).items()}
    read = "(only the first 400 kB of its 480 kB of markup were read)"
    # Not "refuted": the words may be in the part that was not read, and so may the forbidden ones.
    assert (found["far"]["outcome"], found["far"]["reason"]) == (
        "unknown",
        f"missing: 'Smart City', in the part of the page that was read {read}",
    )
    assert (found["none"]["outcome"], found["none"]["reason"]) == (
        "unknown",
        f"forbidden phrase 'Smart City' not found in the page text, in the part of the page that was read {read}",
    )
    assert (found["near"]["outcome"], found["near"]["reason"]) == (
        "pass",
        f"'Portal Kota' found in the page text {read}",
    )
    assert (found["bare"]["outcome"], found["bare"]["reason"]) == (
        "unknown",
        f"no text to check in the part of the page that was read {read}",
    )
    assert found["live"]["outcome"] == "pass"  # a page too big to read whole is no "empty" soft 404
    assert found["good"]["outcome"] == "pass" and stderr == ""


def _pdf(content: bytes, padding: int = 0) -> bytes:
    """A one-page PDF whose content stream is `content` and `padding` MB of spaces, Flate-compressed."""
    deflate = zlib.compressobj(9)
    stream = deflate.compress(content) + b"".join(deflate.compress(b" " * 1_000_000) for _ in range(padding))
    stream += deflate.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = io.BytesIO(b"%PDF-1.4\n"), []
    out.seek(0, 2)
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def test_pdfs_built_to_break_pypdf_cost_only_their_own_checks(tmp_path, site):
    pdf = "application/pdf"
    ok = site.route("/ok.pdf", _pdf(b"BT /F1 12 Tf 72 712 Td (Smart City) Tj ET"), content_type=pdf)
    # 5 million text operators: pypdf works through them for seconds before it gives up.
    busy = site.route("/busy.pdf", _pdf(b"BT /F1 12 Tf " + b"(x) Tj " * 5_000_000 + b"ET"), content_type=pdf)
    # 200 MB of spaces in 200 kB: a decompression bomb.
    bomb = site.route("/bomb.pdf", _pdf(b"BT /F1 12 Tf (Smart City) Tj ET ", padding=200), content_type=pdf)
    cut = site.route("/cut.pdf", _pdf(b"BT /F1 12 Tf (Smart City) Tj ET")[:300], content_type=pdf)
    code, report, stderr = verify(
        tmp_path,
        "".join(
            claim(name, f"contains: {{url: '{url}', all: ['Smart City'], timeout: 1}}")
            for name, url in (("ok", ok), ("busy", busy), ("bomb", bomb), ("cut", cut))
        ),
        "--quiet",
    )
    found = {cid: found[0] for cid, found in checks(report).items()}
    assert found["ok"]["outcome"] == "pass" and stderr == ""
    for cid in ("busy", "bomb", "cut"):
        assert found[cid]["outcome"] == "unknown", found[cid]
        assert found[cid]["reason"].startswith(("no text to check: the PDF", "the page could not be read")), (
            found[cid]
        )


@pytest.mark.parametrize("charset", ["zlib", "rot13", "base64", "utf-7", "x-user-defined", "utf-32", "hz"])
def test_a_charset_no_text_can_be_decoded_with_still_gives_text(charset):
    # A declared charset Python knows but cannot decode text with: decoding falls back, never raises.
    html = f"<html><body><p>Smart City {charset}</p><p>\xe9\x00\xff</p></body></html>".encode("latin-1")
    doc = extract(fetched(html, f"text/html; charset={charset}"))
    assert doc.page_blocks[0] == f"Smart City {charset}"


# --- memory: bodies are let go ----------------------------------------------------------------------------


class Watching:
    """A Fetcher that remembers every result it hands to the run."""

    def __init__(self, fetcher):
        self.fetcher, self.seen = fetcher, []

    def fetch_all(self, jobs, on_result=None, **options):
        results = self.fetcher.fetch_all(jobs, on_result, **options)
        self.seen.extend(results.values())
        return results


def test_a_run_holds_no_body_once_it_is_archived_and_read(tmp_path, site):
    from civicheck.archive import WarcReplay, WarcWriter
    from civicheck.claims import load_claims
    from civicheck.fetch.client import Fetcher
    from civicheck.runner import Connectivity, run

    # Over a megabyte: it goes to its reader through a file (SPILL_BYTES), the others through the pipe.
    # Long paragraphs rather than many: the size is what matters here, and 40,000 of them took a busy machine
    # past the reading time limit.
    big = (
        "<html><body><article><p>Smart City</p>"
        + ("<p>" + "Paragraf berita kota. " * 40 + "</p>") * 1_300
        + "</article></body></html>"
    )
    urls = [
        site.route("/big", big),
        site.route("/small", ARTICLE),
        site.route("/portal", '<a href="/small">x</a>'),
    ]
    path = tmp_path / "claims.yaml"
    # `timeout: 90`: reading the big page takes seconds, more than 20 (the default) on a busy machine.
    path.write_text(
        "claims:\n"
        + claim("big", f"contains: {{url: '{urls[0]}', all: ['Smart City'], timeout: 90}}")
        + claim("small", f"quote: {{url: '{urls[1]}', text: 'kata Wali Kota'}}")
        + claim("portal", f"links: {urls[2]}"),
        encoding="utf-8",
    )
    with Fetcher(allow_private=True) as fetcher, WarcWriter(tmp_path, "r1", "2026-01-01T00:00:00Z") as warc:
        watching = Watching(fetcher)
        result = run(load_claims([path]), watching, Connectivity(None), warc=warc)
    assert [c.verdict for c in result.claims] == ["supported"] * 3
    assert len(watching.seen) >= 4 and all(r.body == r.raw_body == b"" for r in watching.seen)  # probes too
    [big_check] = result.claims[0].outcomes
    assert (
        big_check.evidence.sha256 == hashlib.sha256(big.encode()).hexdigest()
    )  # the digest outlives the body
    replayed = WarcReplay([warc.path]).result(urls[0])
    assert replayed.body == big.encode()  # the WARC has it whole


def test_documents_no_check_reads_again_are_let_go_after_the_assessment():
    from civicheck.checks import Context
    from civicheck.claims import Check, Claim
    from civicheck.reading import Reading
    from civicheck.runner import _forget_unread_documents

    text, liveness = "http://x/text", "http://x/live"
    claims = [
        Claim("a", "x", "c.yaml", 1, [Check("contains", text, 2, all=("x",)), Check("live", liveness, 3)])
    ]
    readings = {url: Reading(extract(fetched("<p>x</p>")), markup=object()) for url in (text, liveness)}
    ctx = Context({}, lambda: (True, ""), readings=readings)
    _forget_unread_documents(claims, ctx)
    assert ctx.readings[text].document is not None
    assert ctx.readings[liveness].document is None and ctx.readings[liveness].markup is None
    assert ctx.readings[liveness].problem is None  # still a page that could be read: its checks are judged


# --- the worker pool ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pool():
    workers = WorkerPool(jobs=2)
    yield workers
    workers.close()


def test_a_call_over_its_time_limit_is_killed_and_the_pool_goes_on(pool):
    with pytest.raises(WorkFailed) as failed:
        pool.call(time.sleep, 30, limit=0.5)
    assert failed.value.timed_out and failed.value.reason == "it took longer than 0.5 s"
    assert pool.call(sum, [1, 2, 3], limit=30).value == 6


def test_a_worker_that_dies_is_replaced(pool):
    with pytest.raises(WorkFailed) as died:
        pool.call(os._exit, 3, limit=30)
    assert died.value.reason == "the process reading it stopped (exit code 3)" and not died.value.timed_out
    with pytest.raises(WorkFailed) as killed:
        pool.call(signal.raise_signal, signal.SIGKILL, limit=30)  # as the kernel's OOM killer would
    assert killed.value.reason == "the process reading it stopped (killed by SIGKILL)"
    assert pool.call(abs, -4, limit=30).value == 4


def test_an_exception_in_a_worker_is_the_callers_to_handle(pool):
    with pytest.raises(WorkFailed) as failed:
        pool.call(int, "not a number", limit=30)
    assert failed.value.reason == "ValueError: invalid literal for int() with base 10: 'not a number'"


def test_a_cancelled_call_ends_at_once_waiting_or_running(pool):
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    with pytest.raises(WorkFailed) as running:
        pool.call(time.sleep, 20, limit=20, cancel=cancel)
    assert running.value.reason == INTERRUPTED  # not "took longer than 20 s": the cancel ended it
    with pytest.raises(WorkFailed) as waiting:
        pool.call(abs, 1, limit=20, cancel=cancel)  # already cancelled: never starts
    assert waiting.value.reason == INTERRUPTED


def test_workers_write_nothing_to_our_terminal_and_send_their_logs_back(pool, capfd):
    pool.call(print, "printed by a worker", limit=30)
    pool.call(os.write, 2, b"written to fd 2 by a worker\n", limit=30)
    answer = pool.call(warnings.warn, "a library's warning", limit=30)
    assert capfd.readouterr() == ("", "")
    assert [(name, level) for name, level, _ in answer.logs] == [("py.warnings", logging.WARNING)]
    assert "a library's warning" in answer.logs[0][2]


def test_where_no_worker_can_be_started_pages_are_read_in_this_process(caplog):
    from civicheck.reading import PageReader
    from civicheck.reading.workers import NoWorker

    class NoProcesses:  # a sandbox that forbids starting processes
        def call(self, *args, **kwargs):
            raise NoWorker("no worker process could be started (PermissionError: not allowed)")

    reader = PageReader(NoProcesses())
    with caplog.at_level(logging.WARNING, logger="civicheck"):
        reading = reader.read(
            fetched("<html><body><p>Smart City</p></body></html>" + " " * 2_000_000), let_go=True
        )
    assert reading.problem is None and reading.document.page_blocks == ["Smart City"]
    assert reader.pool is None  # and the next pages are read here at once
    assert any("read in this process" in r.getMessage() for r in caplog.records)
