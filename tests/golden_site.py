"""A deterministic local news-and-portal site and 200 claims about it, for the golden-report test.

Every page kind civicheck judges appears: articles with quotes, numbers and dates, "not found" pages that
answer 200, redirects and loops, 4xx/5xx, an empty page, a bot wall, a PDF, a portal whose links an audit
follows (some broken). The same seed always gives the same site and claims, so the JSON report of a run over
it is a fingerprint of civicheck's behaviour: a refactoring must leave it unchanged.
"""

from __future__ import annotations

import random
from pathlib import Path

SUBJECTS = [
    "Pemerintah Kota Cilegon",
    "Dinas Tenaga Kerja",
    "Disdukcapil",
    "Wali Kota",
    "DPRD Kota Cilegon",
    "The city council",
    "The labour agency",
    "The civil registry",
    "Bappeda",
    "Diskominfo",
]
VERBS = ["menetapkan", "meluncurkan", "mengumumkan", "menganggarkan", "announced", "launched", "budgeted"]
OBJECTS = [
    "program Smart City",
    "aplikasi layanan ketenagakerjaan",
    "portal layanan publik",
    "RPJMD 2021-2026",
    "the job-seeker app",
    "a new service portal",
    "layanan administrasi kependudukan",
    "the open data site",
]
TAILS = [
    "pada Senin pagi di gedung DPRD",
    "untuk tahun anggaran 2023",
    "after the press asked in 2023",
    "sebagai program prioritas",
    "with a budget of Rp 1,2 miliar",
    "yang dibeli pada 2022",
    "for 29 public services",
    "dan menempati peringkat 36 terbawah",
]
SPEAKERS = ["Helldy Agustian", "Sanuji Pentamarta", "Kepala Disnaker", "the mayor", "Yuddy Chrisnandi"]


def _sentence(rng: random.Random, n: int) -> str:
    return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TAILS)} ({n})."


def _article(rng: random.Random, i: int) -> tuple[str, list[str], str]:
    """(html, paragraphs, published date)."""
    day = 1 + i % 27
    published = f"2023-05-{day:02d}"
    paragraphs = [" ".join(_sentence(rng, i * 10 + k * 3 + j) for j in range(3)) for k in range(6)]
    speaker = SPEAKERS[i % len(SPEAKERS)]
    quote = (
        f"Layanan ini sudah bisa diakses masyarakat sejak Juli 2023 dan melayani {100 + i} warga setiap hari"
    )
    paragraphs.insert(2, f"“{quote},” kata {speaker} kepada wartawan.")
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    html = f"""<!doctype html><html lang="id"><head><meta charset="utf-8">
<title>Berita {i}: layanan publik Cilegon</title>
<meta property="article:published_time" content="{published}T08:00:00+07:00">
</head><body><nav><a href="/">Beranda</a> <a href="/portal">Portal</a> <a href="/kontak">Kontak</a></nav>
<article><h1>Berita {i}: layanan publik Cilegon</h1><p class="byline">Oleh Redaksi, {published}</p>
{body}</article><footer>Hak cipta {2023} Contoh Media. Semua hak dilindungi.</footer></body></html>"""
    return html, [quote, *paragraphs], published


def _pdf() -> bytes:
    """A one-page PDF with a text layer, written by hand (a test must not need a PDF writer library)."""
    text = "RPJMD Kota Cilegon 2021-2026 menetapkan Smart City sebagai program prioritas daerah."
    stream = f"BT /F1 11 Tf 40 760 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


NOT_FOUND = (
    "<html><head><title>Halaman tidak ditemukan</title></head><body><h1>404</h1>"
    "<p>Maaf, halaman yang Anda cari tidak ditemukan.</p></body></html>"
)
CHALLENGE = (
    "<html><head><title>Just a moment...</title></head><body>"
    "<p>Checking your browser before accessing the site.</p></body></html>"
)


def build(site, closed_url: str, *, articles: int = 30, seed: int = 7) -> tuple[str, list[str]]:
    """Register the site's routes on `site` (tests/conftest.py Site); return the claims YAML (200 claims) and
    the bodies whose bytes hold a port number (their digests differ from run to run)."""
    rng = random.Random(seed)
    u = site.url
    claims: list[str] = []

    def claim(cid: str, text: str, *checks: str, expect: str | None = None) -> None:
        lines = [f"  - id: {cid}", f"    claim: {text!r}", "    checks:"]
        lines += [f"      - {c}" for c in checks]
        if expect:
            lines.insert(2, f"    expect: {expect}")
        claims.append("\n".join(lines))

    for i in range(articles):
        path = f"/berita/2023/05/{i:02d}/layanan-{i}"
        html, paragraphs, published = _article(rng, i)
        site.route(path, html)
        quote = paragraphs[0]
        words = paragraphs[3].split()
        phrase = " ".join(words[1:4]).rstrip(".,")
        url = u(path)
        claim(f"a{i}-live", f"Article {i} is online", f"live: {url}")
        claim(f"a{i}-quote", f"Quote {i} as published", f"quote: {{url: {url}, text: {quote!r}}}")
        altered = quote.replace(str(100 + i), str(900 + i))
        claim(
            f"a{i}-misquote",
            f"Quote {i} with another number",
            f"quote: {{url: {url}, text: {altered!r}, scope: article}}",
            expect="refuted",
        )
        claim(
            f"a{i}-phrase",
            f"Article {i} names its subject",
            f"contains: {{url: {url}, all: [{phrase!r}], any: [Cilegon, prioritas], none: [dibatalkan]}}",
        )
        after = "2023-05-10" if i % 2 else "2023-04-01"
        claim(
            f"a{i}-date",
            f"Article {i} was published after {after}",
            f"published: {{url: {url}, after: {after}, before: 2023-12-31}}",
        )
        if i % 3 == 0:
            elided = " … ".join([" ".join(quote.split()[:4]), " ".join(quote.split()[-4:])])
            claim(f"a{i}-elided", f"Quote {i} shortened", f"quote: {{url: {url}, text: {elided!r}}}")

    # Pages that are not what they seem, and failures of every kind.
    site.route("/hilang", NOT_FOUND)  # a 200 "not found" page
    site.route("/kosong", "")
    site.route("/tantangan", CHALLENGE, status=403, headers={"cf-mitigated": "challenge"})
    site.route("/gone", "<html><title>Not Found</title><body>Not Found</body></html>", status=404)
    site.route("/removed", "Gone", status=410, content_type="text/plain")
    site.route("/error", "Internal Server Error", status=500, content_type="text/plain")
    site.route("/lama", "", status=301, headers={"Location": "/berita/2023/05/00/layanan-0"})
    site.route("/ke-beranda", "", status=302, headers={"Location": "/"})
    site.route("/loop-a", "", status=302, headers={"Location": "/loop-b"})
    site.route("/loop-b", "", status=302, headers={"Location": "/loop-a"})
    site.route(
        "/",
        "<html><head><title>Contoh Media</title></head><body><h1>Contoh Media</h1>"
        "<p>Berita terbaru seputar layanan publik Kota Cilegon dan Provinsi Banten.</p></body></html>",
    )
    site.route("/dokumen/rpjmd.pdf", _pdf(), content_type="application/pdf")
    site.route("/teks.txt", "Program Smart City Kota Cilegon\nRPJMD 2021-2026\n", content_type="text/plain")
    site.route("/canary", "ok", content_type="text/plain")
    links = []
    for n in range(12):
        target = f"/dinas/{n}"
        if n in (3, 7):
            target = f"/dinas-hilang/{n}"  # not routed: 404
        elif n == 5:
            target = "/hilang"
        else:
            site.route(
                target,
                f"<html><head><title>Dinas {n}</title></head><body><h1>Dinas {n}</h1>"
                f"<p>Layanan dinas nomor {n} Kota Cilegon melayani warga setiap hari kerja "
                f"pukul 08.00 sampai 16.00 WIB.</p></body></html>",
            )
        links.append(f'<li><a href="{target}">Dinas {n}</a></li>')
    links.append(f'<li><a href="{closed_url}">Aplikasi</a></li>')
    portal = (
        "<html><head><title>Portal Kota</title></head><body><h1>Portal resmi Kota Cilegon</h1>"
        f"<ul id='dinas'>{''.join(links)}</ul><p>Layanan publik terpadu.</p></body></html>"
    )
    site.route("/portal", portal)

    cases = [
        ("live", "/hilang"),
        ("live", "/kosong"),
        ("live", "/tantangan"),
        ("live", "/gone"),
        ("live", "/removed"),
        ("live", "/error"),
        ("live", "/lama"),
        ("live", "/ke-beranda"),
        ("live", "/loop-a"),
        ("live", "/"),
        ("live", "/dokumen/rpjmd.pdf"),
        ("live", "/teks.txt"),
        ("dead", "/gone"),
        ("dead", "/hilang"),
        ("dead", "/"),
        ("dead", "/removed"),
    ]
    for n, (kind, path) in enumerate(cases):
        claim(f"k{n}-{kind}", f"{path} is {kind}", f"{kind}: {u(path)}")
    claim("k-refused", "The app answers", f"live: {closed_url}")
    claim("k-dns", "The app resolves", "live: http://app.cilegon.invalid/")
    for n, (path, code) in enumerate(
        [
            ("/gone", 404),
            ("/lama", 200),
            ("/lama", 301),
            ("/error", [500, 503]),
            ("/removed", 404),
            ("/tantangan", 403),
        ]
    ):
        claim(f"s{n}-status", f"{path} answers {code}", f"status: {{url: {u(path)}, code: {code}}}")
    claim(
        "pdf-quote",
        "The plan names Smart City a priority",
        f"quote: {{url: {u('/dokumen/rpjmd.pdf')}, text: 'menetapkan Smart City sebagai program prioritas'}}",
    )
    claim(
        "pdf-contains",
        "The plan covers 2021-2026",
        f"contains: {{url: {u('/dokumen/rpjmd.pdf')}, all: ['2021-2026', 'Smart City'], near: 10}}",
    )
    claim(
        "txt-contains",
        "The text file names the program",
        f"contains: {{url: {u('/teks.txt')}, all: [RPJMD]}}",
    )
    claim("gone-text", "A removed page still says it", f"contains: {{url: {u('/gone')}, all: [Smart City]}}")
    claim("soft404-text", "A not-found page says it", f"quote: {{url: {u('/hilang')}, text: 'Smart City'}}")
    claim(
        "stem",
        "Priorities are named",
        f"contains: {{url: {u('/dokumen/rpjmd.pdf')}, all: [prioritas], match: stem}}",
    )
    claim("portal-all", "Every agency page works", f"links: {u('/portal')}")
    claim(
        "portal-some",
        "Most agency pages work",
        f"links: {{url: {u('/portal')}, select: '#dinas a', same_site: true, max_broken: 3}}",
    )
    claim("portal-few", "The first links work", f"links: {{url: {u('/portal')}, max_links: 3}}")
    claim("portal-nosoft", "Links answer", f"links: {{url: {u('/portal')}, soft404: false, max_broken: 5}}")
    claim(
        "multi",
        "Several checks at once",
        f"live: {u('/')}",
        f"contains: {{url: {u('/')}, any: [Banten]}}",
        f"status: {{url: {u('/gone')}, code: 404}}",
        f"dead: {u('/removed')}",
    )
    while len(claims) < 200:
        n = len(claims)
        i = n % articles
        url = u(f"/berita/2023/05/{i:02d}/layanan-{i}")
        claim(
            f"extra{n}",
            f"Article {i} mentions Cilegon near layanan",
            f"contains: {{url: {url}, all: [Cilegon, layanan], near: {5 + n % 20}, scope: article}}",
        )
    return "claims:\n" + "\n".join(claims[:200]) + "\n", [portal]


def run_report(site, closed_url: str, folder: Path) -> tuple[dict, list[str]]:
    """The JSON report of `civicheck verify` over build()'s claims, run in `folder` (the current directory), and
    the volatile pages' bodies; the run must end as a run does (exit 0 or 1)."""
    import json

    from click.testing import CliRunner

    from civicheck.cli import cli

    text, volatile = build(site, closed_url)
    (folder / "claims.yaml").write_text(text, encoding="utf-8")
    args = ["verify", "claims.yaml", "--format", "json", "--no-history", "--canary", site.url("/canary")]
    result = CliRunner().invoke(cli, [*args, "-o", "report.json"])
    assert result.exit_code in (0, 1), result.stderr
    return json.loads((folder / "report.json").read_text(encoding="utf-8")), volatile
