"""Our own WARC replayed by a real pywb: a `verify --wacz` run over a local site (a page, a 404, a 301→302→200
chain, a links audit and its soft-404 probes), its WARC `wb-manager add`ed to a fresh collection, then every URL
the run fetched asked of pywb over HTTP: the archived status and body, never civicheck's own JSON. The WACZ
written beside it is checked by `wacz validate`, by its own digests, and replayed by pywb too.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from pywb_server import PywbServer, _executable
from warcio.archiveiterator import ArchiveIterator

from civicheck.archive.warc import FETCH_SCHEMA
from civicheck.cli import cli

PAGE = (
    "<html><head><title>Portal Kota</title></head><body><h1>Portal Kota Cilegon</h1><p>Daftar dinas kota "
    'dan layanan warga.</p><a href="/dinas/tenaga-kerja">Disnaker</a> <a href="/dinas/dukcapil">Disdukcapil</a>'
    ' <a href="/dinas/pindah">Dinas Pindah</a></body></html>'
)
AGENCY = (
    "<html><title>Disnaker</title><body><h1>Dinas Tenaga Kerja</h1><p>"
    + "Layanan warga. " * 30
    + "</p></body></html>"
)
NEWS = (
    "<html><body><article><h1>Smart City</h1><p>"
    + "Smart City adalah program prioritas. " * 80
    + "</p></article></body></html>"
)
FINAL = (
    "<html><title>Aplikasi</title><body><h1>Aplikasi Siap Kerja</h1><p>"
    + "Daftar kerja daring. " * 30
    + "</p></body></html>"
)


def chunked(rh) -> None:
    rh.wfile.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    for piece in (b"<html><body><p>kata Wali Kota, ", b"layanan kini daring</p>", b"</body></html>"):
        rh.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
    rh.wfile.write(b"0\r\n\r\n")


def timestamp(iso: str) -> str:
    return iso.replace("-", "").replace(":", "").replace("T", "")[:14]


def fetch_docs(warc: Path) -> list[dict]:
    """civicheck's own record of every fetch of the run (what the run concluded: status, sha256, redirects)."""
    with open(warc, "rb") as fh:
        docs = [
            json.loads(r.content_stream().read()) for r in ArchiveIterator(fh) if r.rec_type == "metadata"
        ]
    return [d for d in docs if d.get("schema") == FETCH_SCHEMA]


def wb_manager(server: PywbServer, *args: str) -> None:
    done = subprocess.run(
        [_executable("wb-manager"), *args], cwd=server.root, capture_output=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout.decode(errors="replace") + done.stderr.decode(errors="replace")


def replay(server: PywbServer, fetched_at: str, url: str) -> requests.Response:
    return requests.get(
        f"{server.collection_url}/{timestamp(fetched_at)}id_/{url}", allow_redirects=False, timeout=30
    )


def assert_not_ours(answer: requests.Response, url: str) -> None:
    """pywb must never answer a page's URL with civicheck's metadata."""
    assert "json" not in answer.headers.get("Content-Type", ""), (url, answer.headers)
    assert b"civicheck-fetch" not in answer.content and b'"schema"' not in answer.content, url


@pytest.fixture(scope="module")
def live_run(tmp_path_factory: pytest.TempPathFactory):
    """One live `verify` over a local site, its WARC added to a fresh pywb collection."""
    from conftest import Site

    site = Site().start()
    tmp = tmp_path_factory.mktemp("run")
    try:
        site.route("/portal", PAGE)
        site.route("/dinas/tenaga-kerja", AGENCY)
        site.route("/dinas/dukcapil", "Not Found", status=404, content_type="text/plain")
        site.route(
            "/hilang", "<html><body><h1>404</h1><p>Halaman tidak ditemukan</p></body></html>", status=404
        )
        site.route("/lama", "", status=301, headers={"Location": "/sementara"}, content_type=None)
        site.route(
            "/sementara", "", status=302, headers={"Location": "/aplikasi/siap-kerja"}, content_type=None
        )
        site.route("/aplikasi/siap-kerja", FINAL)
        site.route(
            "/dinas/pindah", "", status=301, headers={"Location": "/dinas/tenaga-kerja"}, content_type=None
        )
        site.route("/berita?id=7", gzip.compress(NEWS.encode()), headers={"Content-Encoding": "gzip"})
        site.route("/siaran", handler=chunked)
        claims = tmp / "claims.yaml"
        claims.write_text(
            textwrap.dedent(f"""
            claims:
              - id: portal
                claim: The portal links to every agency
                checks:
                  - links: {{url: {site.url("/portal")}, max_broken: 1}}
              - id: gone
                claim: The old page is gone
                checks:
                  - dead: {site.url("/hilang")}
              - id: moved
                claim: The labour app is live
                checks:
                  - live: {site.url("/lama")}
              - id: news
                claim: Smart City is a priority
                checks:
                  - contains: {{url: '{site.url("/berita?id=7")}', all: [Smart City]}}
                  - quote: {{url: {site.url("/siaran")}, text: layanan kini daring}}
            """).lstrip()
        )
        result = CliRunner().invoke(
            cli,
            [
                "verify",
                str(claims),
                "--format",
                "json",
                "--no-canary",
                "--no-history",
                "--allow-private",
                "--archive-dir",
                str(tmp / "archive"),
                "--wacz",
            ],
        )
        assert result.exit_code in (0, 1), result.output
        report = json.loads(result.stdout)  # the wacz package's chatter never reaches standard output
    finally:
        site.stop()  # from here on, only the archive can answer
    warc = Path(report["warc"])
    server = PywbServer(tmp_path_factory.mktemp("pywb"), collection="replay").start()
    try:
        wb_manager(server, "add", "replay", str(warc))
        yield {
            "site": site,
            "report": report,
            "warc": warc,
            "docs": fetch_docs(warc),
            "pywb": server,
            "stderr": result.stderr,
        }
    finally:
        server.stop()


def test_the_run_fetched_every_kind_of_url(live_run):
    docs, site = live_run["docs"], live_run["site"]
    urls = {d["url"] for d in docs}
    assert {
        site.url("/portal"),
        site.url("/dinas/tenaga-kerja"),
        site.url("/dinas/dukcapil"),
        site.url("/hilang"),
        site.url("/lama"),
    } <= urls
    assert {site.url("/dinas/pindah"), site.url("/berita?id=7"), site.url("/siaran")} <= urls
    assert len(urls) > 8  # and soft-404 probes beside them
    assert {c["id"]: c["verdict"] for c in live_run["report"]["claims"]} == {
        "portal": "supported",
        "gone": "supported",
        "moved": "supported",
        "news": "supported",
    }
    moved = next(d for d in docs if d["url"] == site.url("/lama"))
    assert [status for status, _ in moved["redirects"]] == [301, 302] and moved["status"] == 200


def test_pywb_replays_every_fetch_with_its_status_and_body(live_run):
    server = live_run["pywb"]
    checked = 0
    for doc in live_run["docs"]:
        if doc["status"] is None:
            continue
        answer = replay(server, doc["fetched_at"], doc["final_url"])
        assert_not_ours(answer, doc["final_url"])
        assert answer.status_code == doc["status"], (doc["final_url"], answer.status_code)
        assert hashlib.sha256(answer.content).hexdigest() == doc["sha256"], doc["final_url"]
        checked += 1
    assert checked == len([d for d in live_run["docs"] if d["status"] is not None]) >= 6


def test_a_404_replays_as_a_404(live_run):
    site, server = live_run["site"], live_run["pywb"]
    [doc] = [d for d in live_run["docs"] if d["url"] == site.url("/hilang")]
    answer = replay(server, doc["fetched_at"], site.url("/hilang"))
    assert answer.status_code == 404 and b"Halaman tidak ditemukan" in answer.content


def test_a_redirected_url_replays_as_its_chain(live_run):
    site, server = live_run["site"], live_run["pywb"]
    [doc] = [d for d in live_run["docs"] if d["url"] == site.url("/lama")]
    ts = timestamp(doc["fetched_at"])
    # id_ (identity) mode: each hop exactly as the site answered it, its Location as received.
    first = replay(server, doc["fetched_at"], site.url("/lama"))
    assert (first.status_code, first.headers["Location"]) == (301, "/sementara")
    second = replay(server, doc["fetched_at"], site.url("/sementara"))
    assert (second.status_code, second.headers["Location"]) == (302, "/aplikasi/siap-kerja")
    # pywb's browsing mode (mp_: the page inside its replay frame) points each Location back into the
    # collection: a reader follows the chain there.
    hops, url = [], site.url("/lama")
    for _ in range(5):
        answer = requests.get(f"{server.collection_url}/{ts}mp_/{url}", allow_redirects=False, timeout=30)
        assert_not_ours(answer, url)
        hops.append((answer.status_code, url))
        if answer.status_code not in (301, 302):
            break
        url = re.sub(r"^.*?/replay/\d{14}[a-z_]*/", "", answer.headers["Location"])
    assert hops == [
        (301, site.url("/lama")),
        (302, site.url("/sementara")),
        (200, site.url("/aplikasi/siap-kerja")),
    ]


def test_a_redirected_link_replays_as_its_chain(live_run):
    site, server = live_run["site"], live_run["pywb"]
    [doc] = [d for d in live_run["docs"] if d["url"] == site.url("/dinas/pindah")]
    assert doc["redirects"] == [[301, site.url("/dinas/pindah")]] and doc["final_url"] == site.url(
        "/dinas/tenaga-kerja"
    )
    hop = replay(server, doc["fetched_at"], site.url("/dinas/pindah"))
    assert (hop.status_code, hop.headers["Location"]) == (301, "/dinas/tenaga-kerja")
    followed = requests.get(
        f"{server.collection_url}/{timestamp(doc['fetched_at'])}mp_/{site.url('/dinas/pindah')}", timeout=30
    )
    assert followed.status_code == 200 and followed.url.endswith("mp_/" + site.url("/dinas/tenaga-kerja"))


def test_the_report_names_what_pywb_replays(live_run):
    """Each check's evidence (final URL, status, SHA-256) is what pywb serves, the chain's too."""
    site, server, report = live_run["site"], live_run["pywb"], live_run["report"]
    by_id = {c["id"]: c for c in report["claims"]}
    checked = 0
    for claim_id, index in (("portal", 0), ("gone", 0), ("moved", 0), ("news", 0), ("news", 1)):
        evidence = by_id[claim_id]["checks"][index]["evidence"]
        answer = replay(server, evidence["fetched_at"], evidence["final_url"])
        assert answer.status_code == evidence["status"], claim_id
        assert hashlib.sha256(answer.content).hexdigest() == evidence["sha256"], claim_id
        for hop in evidence["redirects"]:
            assert replay(server, evidence["fetched_at"], hop["url"]).status_code == hop["status"]
            checked += 1
    assert checked == 2 and by_id["moved"]["checks"][0]["evidence"]["final_url"] == site.url(
        "/aplikasi/siap-kerja"
    )


def test_civicheck_metadata_is_kept_apart_from_the_pages(live_run):
    """Our own records stay in the file, under urn: URIs that pywb indexes apart: asked for a page, it never
    serves them; asked for them by name, it does."""
    server, site = live_run["pywb"], live_run["site"]
    [doc] = [d for d in live_run["docs"] if d["url"] == site.url("/portal")]
    cdx = requests.get(
        f"{server.collection_url}/cdx", params={"url": site.url("/portal"), "output": "json"}, timeout=30
    )
    rows = [json.loads(line) for line in cdx.text.splitlines()]
    # (pywb's autoindex may list the added file a second time: the same capture, twice)
    assert {(r["status"], r["mime"], r["timestamp"]) for r in rows} == {
        ("200", "text/html", timestamp(doc["fetched_at"]))
    }
    ours = replay(server, doc["fetched_at"], f"urn:civicheck:fetch:{site.url('/portal')}")
    assert ours.status_code == 200 and json.loads(ours.content)["schema"] == FETCH_SCHEMA


def test_the_timeline_of_the_collection_counts_captures_only(live_run):
    server, site = live_run["pywb"], live_run["site"]
    expected = {
        "/portal": (200, "first captured: 200; the only capture"),
        "/hilang": (404, "first captured: 404"),
        "/lama": (301, "first captured: 301"),
    }
    for path, (status, description) in expected.items():
        result = CliRunner().invoke(
            cli,
            ["timeline", site.url(path), "--archive", f"pywb={server.collection_url}", "--format", "json"],
        )
        assert result.exit_code == 0, result.output
        timeline = json.loads(result.stdout)
        assert timeline["captures"] == 1, (path, timeline)
        assert timeline["first_capture"]["statuscode"] == status
        assert [e["description"] for e in timeline["events"]] == [description]


def old_layout_copy(warc: Path, out: Path) -> Path:
    """The run's WARC as civicheck wrote it before urn:civicheck:fetch: (each fetch's metadata record under
    the page's own URL): such files exist in users' archives."""
    from warcio.warcwriter import WARCWriter

    with open(warc, "rb") as fh, open(out, "wb") as dest:
        writer = WARCWriter(dest, gzip=True)
        for record in ArchiveIterator(fh):
            target = record.rec_headers.get_header("WARC-Target-URI") or ""
            if record.rec_type == "metadata" and target.startswith("urn:civicheck:fetch:"):
                record.rec_headers.replace_header(
                    "WARC-Target-URI", target.removeprefix("urn:civicheck:fetch:")
                )
            writer.write_record(record)
    return out


def test_the_timeline_skips_the_metadata_of_old_warcs(live_run, tmp_path):
    server, site = live_run["pywb"], live_run["site"]
    old = old_layout_copy(live_run["warc"], tmp_path / "civicheck-old-layout.warc.gz")
    wb_manager(server, "init", "old")
    wb_manager(server, "add", "old", str(old))
    old_collection = server.collection_url.rsplit("/", 1)[0] + "/old"
    listed = requests.get(
        f"{old_collection}/cdx", params={"url": site.url("/portal"), "output": "json"}, timeout=30
    )
    rows = {(r.get("status", "-"), r["mime"]) for r in map(json.loads, listed.text.splitlines())}
    assert rows == {("200", "text/html"), ("-", "application/json")}  # pywb lists the old metadata record

    result = CliRunner().invoke(
        cli, ["timeline", site.url("/portal"), "--archive", f"pywb={old_collection}", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    timeline = json.loads(result.stdout)
    assert timeline["captures"] == 1 and timeline["first_capture"]["statuscode"] == 200
    assert timeline["summary"].endswith(
        "first answered 2xx on {0}, last on {0}".format(timeline["first_ok"]["date"])
    )


# --- the WACZ ---------------------------------------------------------------------------------------------


def test_the_wacz_passes_wacz_validate(live_run):
    wacz = live_run["warc"].with_name(live_run["warc"].name.replace(".warc.gz", ".wacz"))
    assert f"WACZ written: {wacz}" in live_run["stderr"]
    done = subprocess.run(
        [_executable("wacz"), "validate", "-f", str(wacz)], capture_output=True, timeout=120, check=False
    )
    assert done.returncode == 0 and b"Validation succeeded" in done.stdout, done.stdout + done.stderr


def test_the_wacz_holds_the_warc_its_index_and_the_cited_pages(live_run):
    import gzip
    import zipfile

    site, warc = live_run["site"], live_run["warc"]
    with zipfile.ZipFile(warc.with_name(warc.name.replace(".warc.gz", ".wacz"))) as wacz:
        package = json.loads(wacz.read("datapackage.json"))
        digest = json.loads(wacz.read("datapackage-digest.json"))
        assert digest["hash"] == "sha256:" + hashlib.sha256(wacz.read("datapackage.json")).hexdigest()
        names = {r["path"] for r in package["resources"]}
        assert {
            f"archive/{warc.name}",
            "indexes/index.cdx.gz",
            "indexes/index.idx",
            "pages/pages.jsonl",
        } <= names
        for resource in package["resources"]:  # every file's digest and size, as a reader's tools check them
            data = wacz.read(resource["path"])
            assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest(), resource["path"]
            assert resource["bytes"] == len(data)
        assert wacz.read(f"archive/{warc.name}") == warc.read_bytes()
        assert package["title"].startswith("civicheck run ")

        header, *pages = map(json.loads, wacz.read("pages/pages.jsonl").decode().splitlines())
        assert header["format"] == "json-pages-1.0"
        assert {p["url"]: p["title"] for p in pages} == {
            site.url("/portal"): "portal: The portal links to every agency",
            site.url("/hilang"): "gone: The old page is gone",
            site.url("/lama"): "moved: The labour app is live",
            site.url("/berita?id=7"): "news: Smart City is a priority",
            site.url("/siaran"): "news: Smart City is a priority",
        }
        fetched_at = {d["url"]: d["fetched_at"] for d in live_run["docs"]}
        assert all(p["ts"] == fetched_at[p["url"]] and p["id"] for p in pages)  # each page at its capture
        index = gzip.decompress(wacz.read("indexes/index.cdx.gz")).decode().splitlines()
    rows = [(line.split(" ", 2)[0], json.loads(line.split(" ", 2)[2])) for line in index]
    page_rows = [row for key, row in rows if not key.startswith("urn:")]
    assert page_rows and all(row.get("mime") != "application/json" for row in page_rows)
    assert any(key.startswith("urn:civicheck:fetch:") for key, _ in rows)  # kept, under its own key


def test_pywb_replays_the_wacz(live_run):
    server, site, warc = live_run["pywb"], live_run["site"], live_run["warc"]
    wb_manager(server, "init", "shared")
    wb_manager(
        server, "add", "--unpack-wacz", "shared", str(warc.with_name(warc.name.replace(".warc.gz", ".wacz")))
    )
    [doc] = [d for d in live_run["docs"] if d["url"] == site.url("/portal")]
    shared = server.collection_url.rsplit("/", 1)[0] + "/shared"
    answer = requests.get(f"{shared}/{timestamp(doc['fetched_at'])}id_/{site.url('/portal')}", timeout=30)
    assert answer.status_code == 200 and hashlib.sha256(answer.content).hexdigest() == doc["sha256"]


def test_wacz_needs_a_warc_and_the_package(tmp_path, site, monkeypatch):
    claims = tmp_path / "claims.yaml"
    claims.write_text(f"claims:\n  - id: a\n    claim: x\n    checks:\n      - live: {site.url('/')}\n")
    common = [
        "verify",
        str(claims),
        "--no-canary",
        "--no-history",
        "--archive-dir",
        str(tmp_path / "archive"),
    ]
    no_warc = CliRunner().invoke(cli, [*common, "--wacz", "--no-warc"])
    assert (
        no_warc.exit_code == 2
        and "--wacz packs the run's WARC: a run with --no-warc writes none" in no_warc.stderr
    )
    monkeypatch.setitem(sys.modules, "wacz", None)  # as if the package were not installed
    missing = CliRunner().invoke(cli, [*common, "--wacz"])
    assert missing.exit_code == 2 and missing.stdout == ""
    assert "pip install 'civicheck[wacz]'" in missing.stderr
    assert site.requests == [] and not (tmp_path / "archive").exists()  # refused before fetching anything
