"""The README's sample HTML report and its screenshots: a realistic Cilegon run over a local copy of the pages,
with 30 nights of history. An HTTP proxy on 127.0.0.1 answers for the city's host names, so nothing leaves
this machine. Run by hand from the repository's root (chromium installed for the screenshots):

    .venv/bin/python docs/sample_report.py

It writes docs/sample-report.html, docs/html-report.png (desktop) and docs/html-report-phone.png.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from click.testing import CliRunner  # noqa: E402
from nights import a_night_ago  # noqa: E402

from civicheck.cli import cli  # noqa: E402
from civicheck.history import HistoryStore  # noqa: E402

PORTAL = "http://www.cilegon.go.id/"
NEWS = "http://www.cilegon.go.id/berita/2023/06/smart-city-prioritas"
APP = "http://siap-kerja.cilegon.go.id/"
DISNAKER = "http://disnaker.cilegon.go.id/"
DUKCAPIL = "http://disdukcapil.cilegon.go.id/"
COLUMN = "http://www.bantennews.co.id/opini/portal-smart-city-cilegon"
OFFLINE_NIGHT = 12  # nights ago our own network was down


def page(title: str, *paragraphs: str, links: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f"<!doctype html><html lang='id'><head><title>{title}</title></head><body><nav><a href='/'>Beranda</a>"
        f"</nav><article><h1>{title}</h1>{body}{links}</article><footer>Pemerintah Kota Cilegon</footer>"
        "</body></html>"
    )


RPJMD = (
    "Pemerintah Kota Cilegon menetapkan Smart City sebagai program prioritas dalam RPJMD 2021-2026, kata Wali"
    " Kota dalam rapat paripurna di gedung DPRD pada Senin pagi."
)
PAGES = {
    PORTAL: page(
        "Portal Resmi Pemerintah Kota Cilegon",
        "Selamat datang di portal resmi Pemerintah Kota Cilegon. Layanan publik daring untuk warga kota.",
        "Aplikasi layanan ketenagakerjaan dari Disnaker kini tersedia untuk pencari kerja di Kota Cilegon.",
        links=f"<ul><li><a href='{DISNAKER}'>Dinas Tenaga Kerja</a></li><li><a href='{DUKCAPIL}'>"
        f"Disdukcapil</a></li><li><a href='{APP}'>Aplikasi SIAP Kerja</a></li></ul>",
    ),
    NEWS: page(
        "Smart City Jadi Program Prioritas Kota Cilegon",
        RPJMD,
        "Aplikasi layanan ketenagakerjaan sudah bisa diakses masyarakat sejak Juli 2023, ujar Kepala Dinas"
        " Tenaga Kerja kepada wartawan.",
        "Menurut dia, sebanyak 29 layanan lain akan terhubung dengan portal kota tahun depan.",
    ),
    APP: page(
        "SIAP Kerja Kota Cilegon",
        "Daftar lowongan kerja, pelatihan kerja, dan kartu pencari kerja (AK-1)"
        " untuk warga Kota Cilegon yang mencari pekerjaan.",
        "Masuk atau daftar akun baru untuk melamar.",
    ),
    DISNAKER: page(
        "Dinas Tenaga Kerja Kota Cilegon",
        "Dinas Tenaga Kerja Kota Cilegon melayani pencari kerja,"
        " pelatihan kerja, dan perizinan tenaga kerja asing setiap hari kerja di kantor dinas.",
    ),
    # A soft 404: the civil registry's site answers 200 with a "page not found" notice.
    DUKCAPIL: "<!doctype html><html><head><title>404 Halaman Tidak Ditemukan</title></head><body><h1>Halaman"
    " tidak ditemukan</h1><p>Maaf, halaman yang Anda cari tidak ditemukan.</p></body></html>",
    COLUMN: page(
        "Portal Smart City Cilegon, Tautannya Banyak yang Mati",
        "Kolom: tautan ke Disnaker dan"
        " Disdukcapil di portal Kota Cilegon menjawab 'This site can't be reached' dan 'Not Found'.",
        "Aplikasi ketenagakerjaan yang dibeli 2022 baru bisa diakses publik pada 2023.",
    ),
}

CLAIMS = f"""\
claims:
  - id: labour-app-live
    claim: "The labour-services app (SIAP Kerja) is live"
    said_by: "Kepala Dinas Tenaga Kerja Kota Cilegon"
    said_on: 2023-06-15
    sources: [{NEWS}]
    checks:
      - live: {APP}
  - id: smart-city-priority
    claim: "Smart City is a priority program of Cilegon's 2021-2026 development plan (RPJMD)"
    said_by: "Wali Kota Cilegon"
    said_on: 2023-06-15
    sources: [{NEWS}]
    checks:
      - quote: {{url: "{NEWS}", text: "Smart City sebagai program prioritas dalam RPJMD 2021-2026"}}
  - id: twenty-nine-services
    claim: "39 more services will join the city portal next year"
    said_by: "Kepala Dinas Tenaga Kerja Kota Cilegon"
    expect: refuted
    checks:
      - quote: {{url: "{NEWS}", text: "sebanyak 39 layanan lain akan terhubung dengan portal kota"}}
  - id: portal-agency-links
    claim: "Every agency linked from the city portal is reachable"
    said_by: "Pemerintah Kota Cilegon"
    expect: refuted
    checks:
      - links: {{url: "{PORTAL}", same_site: true, max_broken: 0}}
  - id: disdukcapil-online
    claim: "The civil registry's site is online"
    said_by: "Pemerintah Kota Cilegon"
    expect: refuted
    checks:
      - live: {DUKCAPIL}
  - id: column-source-online
    claim: "Banten News ran the column on the portal's dead links"
    sources: [{COLUMN}]
    checks:
      - contains: {{url: "{COLUMN}", all: ["Disdukcapil", "Not Found"]}}
"""


class _Proxy(BaseHTTPRequestHandler):
    """Answers as an HTTP proxy would, from PAGES: the request line carries the whole URL."""

    def do_GET(self) -> None:
        body = PAGES.get(self.path)
        status = 200 if body is not None else 404
        data = (body or "Not Found").encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


def night_states(days: int) -> dict[str, tuple[int | None, str | None, list[str]]]:
    """What the pages answered `days` nights ago: the app was not public for a while, the labour agency's site
    came back, the civil registry's is a soft 404, and one night our own network was down."""
    if days == OFFLINE_NIGHT:
        return {url: (None, "timeout", []) for url in (APP, DISNAKER, DUKCAPIL)}
    return {
        APP: (200, None, []) if days < 18 else (None, "dns", []),
        DISNAKER: (200, None, []) if days < 9 else (404, "http_4xx", []),
        DUKCAPIL: (200, None, ["the page says 'halaman tidak ditemukan'"])
        if days % 7
        else (None, "refused", []),
    }


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    os.environ.update(HTTP_PROXY=f"http://127.0.0.1:{server.server_address[1]}", NO_PROXY="")
    work = Path(tempfile.mkdtemp(prefix="civicheck-sample-"))
    os.chdir(work)
    Path("claims").mkdir()
    Path("claims/cilegon.yaml").write_text(CLAIMS, encoding="utf-8")
    runner = CliRunner()
    # A first run into a database of its own, read back with the page texts it kept (a report on stdout leaves
    # them out), so the nights made from it let tonight's run show the words that changed.
    runner.invoke(cli, ["verify", "claims/", "--no-canary", "--db", "first.sqlite", "--format", "json"])
    with HistoryStore("first.sqlite") as first:
        report = first.run_report(first.runs()[0].id)
    with HistoryStore(".civicheck/history.sqlite") as store:
        for days in range(30, 1, -1):
            store.record_run(a_night_ago(report, days, night_states(days), offline=days == OFFLINE_NIGHT))
        store.record_run(a_night_ago(report, 1, {}))
    # Tonight the news page was edited: "prioritas" became "unggulan", and the quote no longer holds.
    PAGES[NEWS] = PAGES[NEWS].replace("program prioritas", "program unggulan")
    out = DOCS / "sample-report.html"
    result = runner.invoke(
        cli, ["verify", "claims/", "--no-canary", "--confirm", "1", "--format", "html", "-o", str(out)]
    )
    print(result.stderr, file=sys.stderr)
    server.shutdown()
    for name in ("HTTP_PROXY", "NO_PROXY"):  # the browser and its DevTools connection go direct
        os.environ.pop(name)
    import chromium

    for name, width, height in (("html-report.png", 1000, 1500), ("html-report-phone.png", 390, 844)):
        with chromium.Chromium(work / name, width=width, height=height) as browser:
            load = browser.open(out)
            assert not load.requests and not load.errors, (load.requests, load.errors)
            browser.screenshot(DOCS / name)
        if width > 600:
            with chromium.Chromium(work / "full", width=width, height=height) as browser:
                browser.open(out)
                browser.screenshot(work / "full.png", full_page=True)
    print(
        f"wrote {out}, {DOCS / 'html-report.png'}, {DOCS / 'html-report-phone.png'} (whole page: "
        f"{work / 'full.png'})",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
