"""Issue 6 end to end through `civicheck verify`: soft 404s, bot walls, the `links` portal audit, PDF evidence,
publication dates and legacy encodings, against real servers on 127.0.0.1 (never the internet, never mocks).
"""

from __future__ import annotations

import json
import textwrap
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from civicheck.cli import ExitCode, cli

# --- helpers ------------------------------------------------------------------------------------------------


def verify(tmp_path, claims: str, *options: str) -> tuple[dict[str, dict], str]:
    """Run `civicheck verify` on `claims` (YAML) and return the claims of its JSON report by id, and stderr.

    The network is trusted unless the caller passes --canary; no history, and no WARC unless the caller
    passes --archive-dir or --replay, so runs are independent.
    """
    path = tmp_path / "claims.yaml"
    path.write_text(textwrap.dedent(claims).lstrip(), encoding="utf-8")
    args = ["verify", str(path), "--format", "json", "--no-history", "-q", *options]
    if "--replay" not in options and "--archive-dir" not in options:
        args.append("--no-warc")
    if "--canary" not in options:
        args.append("--no-canary")
    result = CliRunner().invoke(cli, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert result.exit_code in (ExitCode.OK, ExitCode.UNEXPECTED), (result.exit_code, result.stderr)
    assert "Traceback" not in result.stderr
    data = json.loads(result.stdout)
    return {c["id"]: c for c in data["claims"]}, result.stderr


def check(claims: dict[str, dict], claim_id: str, index: int = 0) -> dict:
    return claims[claim_id]["checks"][index]


def catch_all(site, prefix: str, body: str, delay: float = 0.0) -> None:
    """Make every path under `prefix` without a route of its own answer 200 with `body`: the catch-all route
    of a CMS that shows one page (often its home page) for any URL it does not know. The shared `site`
    fixture matches exact paths only, so this wraps its look-up; the longest matching prefix wins."""
    site.route(prefix + "*", body, delay=delay)
    prefixes = getattr(site, "catch_all_prefixes", None)
    if prefixes is None:
        prefixes = site.catch_all_prefixes = []
        exact = site._lookup

        def lookup(target: str):
            path = urlsplit(target).path
            found = exact(target)
            for known in sorted(prefixes, key=len, reverse=True):
                if found is None and path.startswith(known):
                    found = exact(known + "*")
            return found

        site._lookup = lookup
    prefixes.append(prefix)


def requests_under(site, prefix: str) -> list[str]:
    return [r.target for r in site.requests if urlsplit(r.target).path.startswith(prefix)]


# --- pages --------------------------------------------------------------------------------------------------

NAV = "".join(
    f'<li><a href="/{slug}">{name}</a></li>'
    for slug, name in [
        ("profil", "Profil"),
        ("berita", "Berita"),
        ("pengumuman", "Pengumuman"),
        ("agenda", "Agenda"),
        ("galeri", "Galeri"),
        ("layanan", "Layanan Publik"),
        ("ppid", "PPID"),
        ("kontak", "Kontak"),
    ]
)

HOME = f"""<!doctype html><html lang="id"><head><meta charset="utf-8"><title>Pemerintah Kota Cilegon</title>
<link rel="stylesheet" href="/style.css"><script src="/app.js"></script></head><body>
<header><img src="/logo.png" alt="Logo"><ul class="menu">{NAV}</ul></header>
<section id="dinas"><h2>Perangkat Daerah</h2><ul>
{
    "".join(
        f'<li><a href="/dinas/{s}">{n}</a></li>'
        for s, n in [
            ("dinkes", "Dinas Kesehatan"),
            ("dindik", "Dinas Pendidikan"),
            ("dinsos", "Dinas Sosial"),
            ("dishub", "Dinas Perhubungan"),
            ("dispar", "Dinas Pariwisata"),
            ("dpmptsp", "DPMPTSP"),
            ("disnaker", "Disnaker"),
            ("disdukcapil", "Disdukcapil"),
            ("bappeda", "Bappeda"),
            ("bpbd", "BPBD"),
        ]
    )
}
</ul></section>
<section><h2>Berita Terkini</h2><ul>
<li><a href="/berita/2023/05/01/aplikasi-ketenagakerjaan">Aplikasi ketenagakerjaan resmi diluncurkan</a></li>
<li><a href="/berita/2023/04/12/smart-city">Smart City masuk RPJMD</a></li>
<li><a href="/berita/2023/03/02/pelayanan-ktp">Pelayanan KTP di kecamatan</a></li></ul></section>
<section><h2>Agenda</h2><p>Tidak ada agenda hari ini.</p></section>
<footer>&copy; 2023 Pemerintah Kota Cilegon. Jl. Jenderal Sudirman No. 2, Cilegon.</footer></body></html>"""

ARTICLE = """<!doctype html><html lang="id"><head><meta charset="utf-8">
<title>Aplikasi ketenagakerjaan resmi diluncurkan | Berita Cilegon</title>
<meta property="article:published_time" content="2023-05-01T10:00:00+07:00">
<meta property="article:modified_time" content="2023-05-03T08:30:00+07:00">
</head><body><nav><a href="/">Beranda</a> <a href="/berita">Berita</a></nav>
<article><h1>Aplikasi ketenagakerjaan resmi diluncurkan</h1>
<p>Pemerintah Kota Cilegon meluncurkan aplikasi layanan ketenagakerjaan yang dibeli pada 2022. Aplikasi itu
baru bisa diakses masyarakat setelah melalui uji coba selama beberapa bulan di Dinas Tenaga Kerja.</p>
<p>“Aplikasi layanan ketenagakerjaan sudah bisa diakses masyarakat sejak Juli 2023,” ujar Kepala Dinas
Tenaga Kerja kepada wartawan di kantornya, Senin.</p>
<p>Menurut dia, pencari kerja dapat mendaftar, mengunggah berkas dan melihat lowongan dari perusahaan di
kawasan industri tanpa harus datang ke kantor dinas. Smart City menjadi program prioritas dalam RPJMD.</p>
</article><footer>Hak cipta Pemerintah Kota Cilegon</footer></body></html>"""

NOT_FOUND_200 = """<!doctype html><html lang="id"><head><title>Halaman tidak ditemukan</title></head><body>
<nav><a href="/">Beranda</a> <a href="/berita">Berita</a></nav>
<h1>Halaman tidak ditemukan</h1><p>Maaf, halaman yang Anda cari tidak ditemukan.</p>
<a href="/">Kembali ke beranda</a></body></html>"""

CATALOG = """<!doctype html><html lang="id"><head><title>Katalog Layanan - Kota Cilegon</title></head><body>
<nav><a href="/">Beranda</a> <a href="/katalog/">Katalog</a></nav>
<h1>Katalog Layanan Publik</h1>
<p>Temukan layanan publik Pemerintah Kota Cilegon: perizinan, kependudukan, kesehatan, pendidikan dan
ketenagakerjaan. Pilih kategori di bawah ini untuk melihat persyaratan dan jadwal pelayanan.</p>
<ul><li>Perizinan usaha</li><li>Kependudukan dan catatan sipil</li><li>Kesehatan</li></ul></body></html>"""

NEAR_EMPTY = "<!doctype html><html><head><title></title></head><body><div> </div></body></html>"

PARKED = """<!doctype html><html><head><title>cilegonkerja.id</title></head><body>
<h1>cilegonkerja.id</h1><p>This domain is for sale! Make an offer today.</p>
<a href="https://broker.example/buy?d=cilegonkerja.id">Buy this domain</a></body></html>"""


# --- soft 404s ------------------------------------------------------------------------------------------------


def test_every_soft404_signal_fails_live_and_passes_dead(tmp_path, site):
    site.route("/", HOME)
    site.route("/berita/lama/smart-city-2019", NOT_FOUND_200)
    site.route("/dinas/disnaker-lama", "", status=302, headers={"Location": "/"})
    catch_all(site, "/katalog/", CATALOG)
    site.route("/aplikasi/kosong", NEAR_EMPTY)
    site.route("/kerja/lowongan", PARKED)
    u = site.url
    signal_of = {
        "wording": u("/berita/lama/smart-city-2019"),
        "redirect": u("/dinas/disnaker-lama"),
        "probe": u("/katalog/layanan-kerja"),
        "empty": u("/aplikasi/kosong"),
        "parked": u("/kerja/lowongan"),
    }
    claims = "claims:\n" + "".join(
        f"  - id: {name}\n    claim: x\n    checks:\n      - live: {{url: {url}, timeout: 5}}\n"
        f"      - dead: {{url: {url}, timeout: 5}}\n"
        for name, url in signal_of.items()
    )
    claims += (
        f"  - id: soft404-off\n    claim: x\n    checks:\n"
        f"      - live: {{url: {signal_of['wording']}, soft404: false, timeout: 5}}\n"
        f"      - live: {{url: {signal_of['probe']}, soft404: false, timeout: 5}}\n"
    )
    got, _ = verify(tmp_path, claims)

    expected_words = {
        "wording": "title says 'Halaman tidak ditemukan'",
        "redirect": "to the site root",
        "probe": "a random sibling URL",
        "empty": "no visible text",
        "parked": "parked domain",
    }
    for name, words in expected_words.items():
        live, dead = check(got, name, 0), check(got, name, 1)
        assert live["outcome"] == "fail", (name, live["reason"])
        assert "'not found' page" in live["reason"] and words in live["reason"], (name, live["reason"])
        assert any(words in s for s in live["evidence"]["soft404"]), (name, live["evidence"]["soft404"])
        assert dead["outcome"] == "pass", (name, dead["reason"])
        assert got[name]["verdict"] == "refuted"
    # soft404: false trusts the status code again.
    assert [c["outcome"] for c in got["soft404-off"]["checks"]] == ["pass", "pass"], got["soft404-off"][
        "checks"
    ]
    assert got["soft404-off"]["checks"][0]["evidence"]["soft404"] == []
    assert got["soft404-off"]["checks"][0]["spec"]["soft404"] is False


def test_the_probe_runs_once_per_directory_pattern_and_never_for_the_root(tmp_path, site):
    catch_all(site, "/", HOME)  # the home page answers any unknown path: the root must still be live
    catch_all(site, "/katalog/", CATALOG)
    pages = ["/katalog/layanan-kerja", "/katalog/perizinan", "/katalog/kependudukan"]
    u = site.url
    claims = "claims:\n  - id: catalog\n    claim: x\n    checks:\n" + "".join(
        f"      - live: {{url: {u(p)}, timeout: 5}}\n" for p in pages
    )
    claims += f"  - id: home\n    claim: x\n    checks:\n      - live: {{url: {u('/')}, timeout: 5}}\n"
    got, _ = verify(tmp_path, claims)
    assert [c["outcome"] for c in got["catalog"]["checks"]] == ["fail"] * 3
    assert got["home"]["checks"][0]["outcome"] == "pass", got["home"]["checks"][0]["reason"]
    assert got["home"]["checks"][0]["evidence"]["soft404"] == []
    probes = [t for t in requests_under(site, "/katalog/") if t not in pages]
    assert len(probes) == 1, probes  # one probe for the three pages of one pattern
    assert all(site.hits(p) == 1 for p in pages)
    # Nothing but the root itself was asked outside /katalog/: the root is never probed.
    assert [t for t in (r.target for r in site.requests) if not t.startswith("/katalog/")] == ["/"]


CONTACT = """<!doctype html><html lang="id"><head><title>Kontak - Kota Cilegon</title></head><body>
<nav><a href="/">Beranda</a></nav><p>Jl. Jend. Sudirman No. 2, Cilegon. Telp (0254) 123456</p>
<iframe src="https://maps.example/embed?q=cilegon"></iframe></body></html>"""


def test_a_slow_probe_waits_no_longer_than_the_claim(tmp_path, site):
    import time

    site.route("/lambat/halaman", CATALOG)
    catch_all(site, "/lambat/", HOME, delay=30)  # unknown paths hang: the probe never gets an answer
    started = time.monotonic()
    got, _ = verify(
        tmp_path,
        f"""
        claims:
          - id: slow-probe
            claim: x
            checks:
              - live: {{url: {site.url("/lambat/halaman")}, timeout: 2}}
        """,
    )
    # The probe gives up with the claim (2 s), not at its own 10 s cap; the bound leaves room for a slow CI.
    assert time.monotonic() - started < 8
    assert check(got, "slow-probe")["outcome"] == "pass"  # no answer from the probe is no signal
    assert len(requests_under(site, "/lambat/")) == 2


def test_real_pages_stay_live(tmp_path, site):
    site.route("/", HOME)
    site.route("/pemkot/portal", HOME)  # a home page at a deeper path: many links, little text
    # An article on a site that answers every unknown /berita/ URL with its home page: the probe gets the
    # home page, which is not the article.
    catch_all(site, "/berita/", HOME)
    site.route("/berita/2023/05/01/aplikasi-ketenagakerjaan", ARTICLE)
    site.route("/kontak/kantor", CONTACT)  # short, but a real page: an address and a map
    u = site.url
    got, _ = verify(
        tmp_path,
        f"""
        claims:
          - id: real
            claim: x
            checks:
              - live: {{url: {u("/")}, timeout: 5}}
              - live: {{url: {u("/pemkot/portal")}, timeout: 5}}
              - live: {{url: {u("/berita/2023/05/01/aplikasi-ketenagakerjaan")}, timeout: 5}}
              - dead: {{url: {u("/berita/2023/05/01/aplikasi-ketenagakerjaan")}, timeout: 5}}
              - live: {{url: {u("/kontak/kantor")}, timeout: 5}}
        """,
    )
    outcomes = [(c["outcome"], c["reason"], c["evidence"]["soft404"]) for c in got["real"]["checks"]]
    assert [o[0] for o in outcomes] == ["pass", "pass", "pass", "fail", "pass"], outcomes
    assert all(o[2] == [] for o in outcomes), outcomes
    assert got["real"]["checks"][3]["reason"].startswith("still live: answered 200 OK")
    # Each deep page was probed once, the root was not: 4 pages and 3 probes.
    assert len(site.requests) == 7, [r.target for r in site.requests]
    assert len(requests_under(site, "/berita/")) == 2


# --- bot walls ------------------------------------------------------------------------------------------------

CLOUDFLARE_CHALLENGE = """<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="refresh" content="390"></head><body><div class="main-wrapper" role="main">
<div class="main-content"><h1 class="zone-name-title h1">disnaker.cilegon.go.id</h1>
<h2 class="h2" id="challenge-running">Checking if the site connection is secure</h2>
<noscript><div class="h2">Enable JavaScript and cookies to continue</div></noscript></div></div>
<script>(function(){window._cf_chl_opt={cvId: '2',cZone: 'disnaker.cilegon.go.id',cType: 'managed'};
var a = document.createElement('script');a.src = '/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1';
document.getElementsByTagName('head')[0].appendChild(a);}());</script></body></html>"""

CAPTCHA_403 = """<!doctype html><html><head><title>Verifikasi keamanan</title>
<script src="https://www.google.com/recaptcha/api.js" async defer></script></head><body>
<h1>Pastikan Anda bukan robot</h1><form method="post" action="/verify">
<div class="g-recaptcha" data-sitekey="6Lc_abc"></div><button type="submit">Lanjutkan</button></form></body></html>"""

INCAPSULA_429 = """<html style="height:100%"><head><META NAME="ROBOTS" CONTENT="NOINDEX, NOFOLLOW">
<meta name="format-detection" content="telephone=no"></head><body style="margin:0px;height:100%">
<iframe id="main-iframe" src="/_Incapsula_Resource?CWUDNSAI=9&xinfo=8-123-0%200NNN%20RT&incident_id=123-456"
frameborder=0 width="100%" height="100%" marginheight="0px" marginwidth="0px">Request unsuccessful. Incapsula
incident ID: 123000456</iframe></body></html>"""

# Sucuri's JavaScript challenge answers 200: only the page itself says it is not the site.
SUCURI_200 = """<html><title>You are being redirected...</title>
<noscript>Javascript is required. Please enable javascript before you are allowed to see this page.</noscript>
<script>var s={},u,c,U,r,i,l=0,a,e=eval,w=String.fromCharCode,sucuri_cloudproxy_js='',S='cz0iMHNlYyIu';
L=S.length;U=0;r='';document.cookie=r;location.reload();</script></html>"""

PLAIN_403 = """<!doctype html><html><head><title>403 Forbidden</title></head><body><h1>Forbidden</h1>
<p>You don't have permission to access this resource.</p><hr><address>Apache/2.4.41 (Ubuntu)</address>
</body></html>"""


def test_bot_walls_are_unknown_never_fail_and_a_plain_403_fails(tmp_path, site):
    site.route(
        "/disnaker/lowongan",
        CLOUDFLARE_CHALLENGE,
        status=503,
        headers={"Server": "cloudflare", "CF-RAY": "7d1c2f3a4b5c6d7e-SIN"},
    )
    site.route("/layanan/ktp", CAPTCHA_403, status=403)
    site.route(
        "/pajak/cek", INCAPSULA_429, status=429, headers={"X-Iinfo": "8-123-0 0NNN RT(1 2) q(0 -1 -1 0)"}
    )
    site.route("/berita/lowongan-2023", SUCURI_200, headers={"Server": "Sucuri/Cloudproxy"})
    site.route("/arsip/rahasia", PLAIN_403, status=403)
    u = site.url
    walls = {
        "cloudflare": "/disnaker/lowongan",
        "captcha": "/layanan/ktp",
        "incapsula": "/pajak/cek",
        "sucuri": "/berita/lowongan-2023",
    }
    claims = "claims:\n" + "".join(
        f"  - id: {name}\n    claim: x\n    checks:\n      - live: {{url: {u(path)}, timeout: 5}}\n"
        f"      - dead: {{url: {u(path)}, timeout: 5}}\n"
        f"      - links: {{url: {u(path)}, timeout: 5}}\n"
        f"      - contains: {{url: {u(path)}, all: [lowongan], timeout: 5}}\n"
        f"      - contains: {{url: {u(path)}, none: [dibatalkan], timeout: 5}}\n"
        f"      - status: {{url: {u(path)}, code: [403, 503], timeout: 5}}\n"
        for name, path in walls.items()
    )
    claims += f"  - id: plain\n    claim: x\n    checks:\n      - live: {{url: {u('/arsip/rahasia')}, timeout: 5}}\n"
    got, stderr = verify(tmp_path, claims)
    vendor = {
        "cloudflare": "Cloudflare",
        "captcha": "reCAPTCHA",
        "incapsula": "Incapsula",
        "sucuri": "Sucuri",
    }
    for name in walls:
        for c in got[name]["checks"][:2]:
            assert c["outcome"] == "unknown", (name, c["kind"], c["reason"])
            assert c["reason"].startswith("blocked by a bot wall (") and vendor[name] in c["reason"], c[
                "reason"
            ]
            assert c["evidence"]["soft404"] == []
        # A links audit or a text check of a walled page cannot see the page either, and says why.
        for c in got[name]["checks"][2:]:
            assert c["outcome"] == "unknown" and "blocked by a bot wall" in c["reason"], c["reason"]
        assert got[name]["verdict"] == "unverified"
    plain = check(got, "plain")
    assert plain["outcome"] == "fail" and "403" in plain["reason"] and "bot wall" not in plain["reason"], (
        plain
    )
    assert got["plain"]["verdict"] == "refuted"
    assert stderr == ""


# --- links: the portal audit ----------------------------------------------------------------------------------

DISDUKCAPIL = "http://disdukcapil.cilegon.invalid/"


def portal(refused: str) -> str:
    return f"""<!doctype html><html lang="id"><head><title>Portal Kota Cilegon</title></head><body>
<nav id="menu"><a href="/">Beranda</a> <a href="/berita">Berita</a> <a href="#konten">Lewati ke konten</a>
<a href="mailto:humas@cilegon.go.id">Surel</a> <a href="tel:+62254123456">Telepon</a>
<a href="javascript:void(0)">Menu</a> <a href="https://luar.example.invalid/">Mitra</a></nav>
<main id="konten"><h1>Selamat datang di portal resmi Pemerintah Kota Cilegon</h1>
<section id="dinas"><h2>Dinas</h2><ul>
<li><a href="{DISDUKCAPIL}">Disdukcapil</a></li>
<li><a href="/dinas/dinkes">Dinas Kesehatan</a></li>
<li><a href="/dinas/dindik">Dinas Pendidikan</a></li>
<li><a href="/dinas/disnaker">Disnaker</a></li>
<li><a href="/dinas/dinsos#kontak">Dinas Sosial</a></li>
<li><a href="/dinas/dishub">Dinas Perhubungan</a></li>
<li><a href="/dinas/dispar">Dinas Pariwisata</a></li>
<li><a href="{refused}">Aplikasi Ketenagakerjaan</a></li>
<li><a href="/dinas/dinsos">Dinsos (lagi)</a></li>
</ul></section>
<section id="layanan"><h2>Layanan</h2><ul>
<li><a href="/layanan/pajak">Layanan Pajak</a></li>
<li><a href="/layanan/perizinan">Layanan Perizinan</a></li>
<li><a href="/layanan/ktp">Layanan KTP</a></li>
</ul></section></main></body></html>"""


def agency(name: str) -> str:
    return (
        f"<!doctype html><html><head><title>{name} Kota Cilegon</title></head><body><h1>{name}</h1>"
        f"<p>Selamat datang di situs {name} Kota Cilegon. Kami melayani masyarakat setiap hari kerja "
        f"pukul 08.00 sampai 16.00 di kantor kami maupun secara daring melalui aplikasi.</p></body></html>"
    )


@pytest.fixture
def cilegon(site, closed_port_url):
    site.route("/", portal(closed_port_url))
    site.route("/berita", agency("Berita"))
    for slug, name in [
        ("dinkes", "Dinas Kesehatan"),
        ("dindik", "Dinas Pendidikan"),
        ("dinsos", "Dinas Sosial"),
        ("dishub", "Dinas Perhubungan"),
        ("dispar", "Dinas Pariwisata"),
    ]:
        site.route(f"/dinas/{slug}", agency(name))
    # /dinas/disnaker has no route: a plain 404.
    site.route("/layanan/pajak", NOT_FOUND_200)  # a soft 404
    site.route("/layanan/perizinan", "", status=302, headers={"Location": "/"})  # sent home
    site.route("/layanan/ktp", agency("Layanan KTP"))
    site.closed_port_url = closed_port_url
    return site


def test_links_audit_names_every_broken_link(tmp_path, cilegon):
    u = cilegon.url
    got, _ = verify(
        tmp_path,
        f"""
        claims:
          - id: dinas
            claim: "3 of 8 agency links on the portal are broken"
            expect: refuted
            checks:
              - links: {{url: {u("/")}, select: "#dinas", timeout: 5}}
          - id: layanan
            claim: "the service links work"
            expect: refuted
            checks:
              - links: {{url: {u("/")}, select: "#layanan a", timeout: 5}}
          - id: whole
            claim: "at most 6 links broken"
            checks:
              - links: {{url: {u("/")}, max_broken: 6, timeout: 5}}
              - links: {{url: {u("/")}, max_broken: 5, timeout: 5}}
              - links: {{url: {u("/")}, same_site: true, timeout: 5}}
              - links: {{url: {u("/")}, select: "#layanan", soft404: false, timeout: 5}}
        """,
    )
    dinas = check(got, "dinas")
    assert dinas["outcome"] == "fail"
    reason = dinas["reason"]
    assert reason.startswith("3 of 8 links broken: Disdukcapil → DNS lookup failed"), reason
    assert "Disnaker → 404 Not Found" in reason and "Aplikasi Ketenagakerjaan → " in reason, reason
    assert "refused" in reason.split("Aplikasi Ketenagakerjaan → ")[1], reason
    links = dinas["evidence"]["links"]
    assert [(link["text"], link["outcome"]) for link in links] == [
        ("Disdukcapil", "fail"),
        ("Dinas Kesehatan", "pass"),
        ("Dinas Pendidikan", "pass"),
        ("Disnaker", "fail"),
        ("Dinas Sosial", "pass"),
        ("Dinas Perhubungan", "pass"),
        ("Dinas Pariwisata", "pass"),
        ("Aplikasi Ketenagakerjaan", "fail"),
    ]
    assert links[0]["url"] == DISDUKCAPIL and links[0]["error"] == "dns" and links[0]["status"] is None
    assert links[3]["status"] == 404 and links[4]["url"] == u(
        "/dinas/dinsos"
    )  # fragment dropped, duplicate gone
    assert got["dinas"]["verdict"] == "refuted" and got["dinas"]["as_expected"]

    layanan = check(got, "layanan")
    assert layanan["outcome"] == "fail"
    assert layanan["reason"] == (
        "2 of 3 links broken: Layanan Pajak → a 'not found' page (title says 'Halaman tidak ditemukan'); "
        f"Layanan Perizinan → a 'not found' page (redirected from /layanan/perizinan to the site root ({u('/')}))"
    ), layanan["reason"]
    pajak, perizinan, ktp = layanan["evidence"]["links"]
    assert pajak["status"] == 200 and "heading (h1) says 'Halaman tidak ditemukan'" in pajak["soft404"]
    assert "but it is a 'not found' page" in pajak["reason"]
    assert perizinan["soft404"] == [f"redirected from /layanan/perizinan to the site root ({u('/')})"]
    assert ktp["outcome"] == "pass" and ktp["soft404"] == []

    max6, max5, same_site, no_soft = got["whole"]["checks"]
    # Beranda, Berita, Mitra (DNS), the 8 agencies and the 3 services; mailto/tel/javascript/#konten ignored.
    assert len(max6["evidence"]["links"]) == 14, [link["url"] for link in max6["evidence"]["links"]]
    assert not any(
        link["url"].startswith(("mailto:", "tel:", "javascript:")) or "#" in link["url"]
        for link in max6["evidence"]["links"]
    )
    assert max6["outcome"] == "pass" and max6["reason"].startswith(
        "6 of 14 links broken, within the 6 allowed"
    ), max6["reason"]
    assert max5["outcome"] == "fail" and max5["reason"].startswith("6 of 14 links broken: "), max5["reason"]
    assert {link["url"] for link in same_site["evidence"]["links"]} == {
        u("/"),
        u("/berita"),
        *(u(f"/dinas/{s}") for s in ("dinkes", "dindik", "disnaker", "dinsos", "dishub", "dispar")),
        cilegon.closed_port_url,
        u("/layanan/pajak"),
        u("/layanan/perizinan"),
        u("/layanan/ktp"),
    }
    assert same_site["reason"].startswith("4 of 12 links broken"), same_site["reason"]
    # Without soft-404 signals only the status codes count: all three service links answer 200.
    assert no_soft["outcome"] == "pass" and no_soft["reason"] == "all 3 links work", no_soft["reason"]
    # Each link was fetched once although four checks audit it; one probe per directory pattern.
    assert cilegon.hits("/dinas/dinkes") == 1 and cilegon.hits("/layanan/pajak") == 1
    assert (
        len(
            [
                t
                for t in requests_under(cilegon, "/dinas/")
                if not t.startswith(
                    tuple(
                        f"/dinas/{s}" for s in ("dinkes", "dindik", "disnaker", "dinsos", "dishub", "dispar")
                    )
                )
            ]
        )
        == 1
    )
    assert (
        len(
            [
                t
                for t in requests_under(cilegon, "/layanan/")
                if not t.startswith(("/layanan/pajak", "/layanan/perizinan", "/layanan/ktp"))
            ]
        )
        == 1
    )


def test_links_that_fail_only_because_we_are_offline_are_not_broken(tmp_path, cilegon, closed_port_url):
    u = cilegon.url
    # The canary is a closed port: this machine looks offline, so DNS failures and refusals prove nothing.
    got, _ = verify(
        tmp_path,
        f"""
        claims:
          - id: dinas
            claim: x
            checks:
              - links: {{url: {u("/")}, select: "#dinas", timeout: 5}}
              - links: {{url: {u("/")}, select: "#dinas", max_broken: 1, timeout: 5}}
        """,
        "--canary",
        closed_port_url,
    )
    strict, lenient = got["dinas"]["checks"]
    by_text = {link["text"]: link for link in strict["evidence"]["links"]}
    assert (
        by_text["Disdukcapil"]["outcome"] == "unknown"
        and "network unavailable" in by_text["Disdukcapil"]["reason"]
    )
    assert by_text["Aplikasi Ketenagakerjaan"]["outcome"] == "unknown"
    assert by_text["Disnaker"]["outcome"] == "fail"  # a 404 is an answer: the site said so
    assert strict["outcome"] == "fail" and strict["reason"].startswith(
        "1 of 8 links broken: Disnaker → 404"
    ), strict["reason"]
    assert "Disdukcapil" not in strict["reason"]
    # One broken link is allowed, but the two unchecked ones could be broken too: unknown, not pass.
    assert lenient["outcome"] == "unknown", lenient["reason"]
    assert lenient["reason"].startswith(
        "2 of 8 links could not be checked: Disdukcapil → network unavailable"
    )


# --- PDF evidence ---------------------------------------------------------------------------------------------


def make_pdf(pages: list[str | None], *, password: str | None = None, owner_only: bool = False) -> bytes:
    """A PDF with a real text layer: one page per entry, its lines drawn in Helvetica (WinAnsi encoding, so
    curly quotes and dashes survive). An entry of None is a page with only an image on it (a scan)."""
    import io

    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, NumberObject, StreamObject

    def name(value: str) -> NameObject:
        return NameObject(value)

    writer = PdfWriter()
    font = writer._add_object(
        DictionaryObject(
            {
                name("/Type"): name("/Font"),
                name("/Subtype"): name("/Type1"),
                name("/BaseFont"): name("/Helvetica"),
                name("/Encoding"): name("/WinAnsiEncoding"),
            }
        )
    )
    for text in pages:
        page = writer.add_blank_page(595, 842)
        resources = DictionaryObject()
        if text is None:
            image = StreamObject()
            image.set_data(bytes(range(0, 256, 4)) * 64)  # 64 x 64 grey gradient
            image.update(
                {
                    name("/Type"): name("/XObject"),
                    name("/Subtype"): name("/Image"),
                    name("/Width"): NumberObject(64),
                    name("/Height"): NumberObject(64),
                    name("/ColorSpace"): name("/DeviceGray"),
                    name("/BitsPerComponent"): NumberObject(8),
                }
            )
            resources[name("/XObject")] = DictionaryObject({name("/Im1"): writer._add_object(image)})
            content = b"q 480 0 0 700 56 70 cm /Im1 Do Q"
        else:
            resources[name("/Font")] = DictionaryObject({name("/F1"): font})
            lines = [
                line.encode("cp1252").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
                for line in text.splitlines()
            ]
            content = (
                b"BT /F1 11 Tf 14 TL 56 780 Td " + b" ".join(b"(" + ln + b") Tj T*" for ln in lines) + b" ET"
            )
        stream = StreamObject()
        stream.set_data(content)
        page[name("/Contents")] = writer._add_object(stream)
        page[name("/Resources")] = resources
    writer.add_metadata(
        {"/Title": "RPJMD Kota Cilegon 2021-2026", "/CreationDate": "D:20210915093000+07'00'"}
    )
    if password is not None:
        writer.encrypt("" if owner_only else password, owner_password=password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


RPJMD = [
    "RENCANA PEMBANGUNAN JANGKA MENENGAH DAERAH\nKOTA CILEGON 2021–2026",
    "BAB IV PRIORITAS PEMBANGUNAN\nSmart City ditetapkan sebagai “program prioritas” daerah.\n"
    "Aplikasi layanan ketenagakerjaan dibangun pada tahun anggaran 2022.",
    "BAB V PENUTUP\nDokumen ini berlaku sampai dengan tahun 2026.",
]


def test_pdf_evidence_names_the_page(tmp_path, site):
    text_pdf = make_pdf(RPJMD)
    site.route("/dokumen/rpjmd-2021-2026.pdf", text_pdf, content_type="application/pdf")
    # A download script that labels every file application/octet-stream: the magic bytes say PDF.
    site.route(
        "/unduh.php",
        text_pdf,
        content_type="application/octet-stream",
        headers={"Content-Disposition": 'attachment; filename="rpjmd.pdf"'},
    )
    site.route("/dokumen/scan.pdf", make_pdf([None, None]), content_type="application/pdf")
    site.route("/dokumen/rahasia.pdf", make_pdf(RPJMD, password="secret"), content_type="application/pdf")
    site.route(
        "/dokumen/terkunci-cetak.pdf",
        make_pdf(RPJMD, password="owner", owner_only=True),
        content_type="application/pdf",
    )
    site.route("/dokumen/rusak.pdf", text_pdf[: len(text_pdf) // 2], content_type="application/pdf")
    u = site.url
    quote = '"Smart City ditetapkan sebagai “program prioritas” daerah"'
    text_checks = "".join(
        f"      - contains: {{url: '{url}', all: [Smart City, ketenagakerjaan], timeout: 5}}\n"
        f"      - quote: {{url: '{url}', text: '{quote}', timeout: 5}}\n"
        for url in (
            u("/dokumen/rpjmd-2021-2026.pdf"),
            u("/unduh.php?id=143"),
            u("/dokumen/terkunci-cetak.pdf"),
        )
    )
    unreadable = "".join(
        f"  - id: {name}\n    claim: x\n    checks:\n"
        f"      - contains: {{url: {u(path)}, all: [Smart City], timeout: 5}}\n"
        f"      - live: {{url: {u(path)}, timeout: 5}}\n"
        + (
            f"      - published: {{url: {u(path)}, after: 2021-01-01, before: 2021-12-31, timeout: 5}}\n"
            if name == "scan"
            else ""
        )
        for name, path in (
            ("scan", "/dokumen/scan.pdf"),
            ("encrypted", "/dokumen/rahasia.pdf"),
            ("malformed", "/dokumen/rusak.pdf"),
        )
    )
    got, stderr = verify(
        tmp_path, "claims:\n  - id: rpjmd\n    claim: x\n    checks:\n" + text_checks + unreadable
    )
    assert stderr == ""  # pypdf's own complaints about the damaged file stay out of our output

    for c in got["rpjmd"]["checks"]:
        assert c["outcome"] == "pass", (c["url"], c["kind"], c["reason"])
        ev = c["evidence"]
        assert ev["hits"] and ev["hits"][0]["location"] == "p. 2", ev["hits"]
        assert ev["published"] == "2021-09-15"  # the PDF's creation date
        assert ev["published_source"] == "the PDF's creation date"
    contains = check(got, "rpjmd", 0)["evidence"]["hits"]
    assert [h["location"] for h in contains] == ["p. 2", "p. 2"] and contains[0]["text"] == "Smart City"
    quoted = check(got, "rpjmd", 1)["evidence"]["hits"][0]
    assert quoted["text"] == "Smart City ditetapkan sebagai “program prioritas” daerah.", (
        quoted
    )  # its final stop
    assert "Aplikasi layanan ketenagakerjaan" in quoted["excerpt"]  # the page's text, in order, no mojibake

    scan, scan_live, scan_date = got["scan"]["checks"]
    # No text, but the scan's metadata still dates it.
    assert (
        scan_date["outcome"] == "pass"
        and scan_date["reason"]
        == "published 2021-09-15 (according to the PDF's creation date), between 2021-01-01 and 2021-12-31"
    ), scan_date["reason"]
    assert (
        scan["outcome"] == "unknown"
        and scan["reason"] == "no text to check: no text layer (scanned document)"
    )
    assert scan_live["outcome"] == "pass", scan_live["reason"]  # a scan is a document, not an empty page
    encrypted = check(got, "encrypted")
    assert encrypted["outcome"] == "unknown", encrypted["reason"]
    assert (
        encrypted["reason"]
        == "no text to check: the PDF is encrypted and cannot be read without its password"
    )
    malformed = check(got, "malformed")
    assert malformed["outcome"] == "unknown"
    assert malformed["reason"].startswith(
        "no text to check: the PDF is damaged or incomplete and cannot be read"
    ), malformed["reason"]
    assert all(got[name]["verdict"] == "unverified" for name in ("scan", "encrypted", "malformed"))


def damaged_first_page(pdf: bytes) -> bytes:
    """The same PDF with page 1's content stream claiming a compression it does not have."""
    import io

    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.pages[0][NameObject("/Contents")].get_object()[NameObject("/Filter")] = NameObject("/FlateDecode")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdf_sniffing_and_damaged_pages(tmp_path, site):
    text_pdf = make_pdf(RPJMD)
    # Bytes before the header (readers accept them within the first 1024), labelled as a download.
    site.route("/unduh/rpjmd", b"\r\n" + text_pdf, content_type="application/octet-stream")
    site.route("/dokumen/halaman-1-rusak.pdf", damaged_first_page(text_pdf), content_type="application/pdf")
    # A dead download answering an HTML "not found" page labelled application/pdf, with 200.
    site.route("/dokumen/rpjmd-lama.pdf", NOT_FOUND_200, content_type="application/pdf")
    u = site.url
    got, stderr = verify(
        tmp_path,
        f"""
        claims:
          - id: pdfs
            claim: x
            checks:
              - contains: {{url: {u("/unduh/rpjmd")}, all: [Smart City], timeout: 5}}
              - contains: {{url: {u("/dokumen/halaman-1-rusak.pdf")}, all: [Smart City, berlaku], timeout: 5}}
              - live: {{url: {u("/dokumen/rpjmd-lama.pdf")}, timeout: 5}}
        """,
    )
    assert stderr == ""
    sniffed, damaged, html = got["pdfs"]["checks"]
    assert sniffed["outcome"] == "pass" and sniffed["evidence"]["hits"][0]["location"] == "p. 2", sniffed
    # Page 1 is lost, the others keep their numbers.
    assert damaged["outcome"] == "pass", damaged["reason"]
    assert [h["location"] for h in damaged["evidence"]["hits"]] == ["p. 2", "p. 3"]
    assert html["outcome"] == "fail" and "title says 'Halaman tidak ditemukan'" in html["reason"], html[
        "reason"
    ]


# --- publication dates ----------------------------------------------------------------------------------------

UNDATED = """<!doctype html><html lang="id"><head><title>Profil Dinas Tenaga Kerja</title></head><body>
<nav><a href="/">Beranda</a></nav><article><h1>Profil Dinas Tenaga Kerja</h1>
<p>Dinas Tenaga Kerja Kota Cilegon melayani pencari kerja, perusahaan dan pekerja di seluruh kecamatan.
Layanan meliputi kartu pencari kerja, pelatihan, mediasi hubungan industrial dan informasi lowongan.</p>
<p>Kantor buka Senin sampai Jumat. Pengaduan dapat disampaikan langsung atau melalui surel resmi dinas.</p>
</article></body></html>"""


def test_published_window_and_dates_in_text_evidence(tmp_path, site):
    article = site.route("/berita/2023/05/01/aplikasi-ketenagakerjaan", ARTICLE)
    undated = site.route("/profil/disnaker", UNDATED)
    got, _ = verify(
        tmp_path,
        f"""
        claims:
          - id: dated
            claim: "the app went public in the first half of 2023"
            checks:
              - published: {{url: {article}, after: 2023-01-01, before: 2023-07-01, timeout: 5}}
              - contains: {{url: {article}, all: [ketenagakerjaan], timeout: 5}}
          - id: too-late
            claim: "the article appeared in the second half of 2023"
            checks:
              - published: {{url: {article}, after: 2023-07-01, timeout: 5}}
          - id: too-early
            claim: "the article appeared in 2022"
            checks:
              - published: {{url: {article}, before: 2022-12-31, timeout: 5}}
          - id: undated
            claim: x
            checks:
              - published: {{url: {undated}, after: 2023-01-01, timeout: 5}}
              - contains: {{url: {undated}, all: [pencari kerja], timeout: 5}}
        """,
    )
    inside, text = got["dated"]["checks"]
    assert inside["outcome"] == "pass", inside["reason"]
    assert inside["reason"] == (
        "published 2023-05-01 (according to OpenGraph article:published_time), between "
        "2023-01-01 and 2023-07-01"
    ), inside["reason"]
    for c in (inside, text):
        assert c["evidence"]["published"] == "2023-05-01" and c["evidence"]["updated"] == "2023-05-03", c[
            "evidence"
        ]
        assert c["evidence"]["published_source"] == "OpenGraph article:published_time"
    assert text["outcome"] == "pass"
    late, early = check(got, "too-late"), check(got, "too-early")
    said = "published 2023-05-01 (according to OpenGraph article:published_time)"
    assert late["outcome"] == "fail" and late["reason"] == f"{said}, before 2023-07-01", late["reason"]
    assert early["outcome"] == "fail" and early["reason"] == f"{said}, after 2022-12-31", early["reason"]
    no_date, undated_text = got["undated"]["checks"]
    assert no_date["outcome"] == "unknown" and no_date["reason"] == "no publication date found on the page", (
        no_date
    )
    assert no_date["evidence"]["published"] is None
    assert undated_text["outcome"] == "pass" and undated_text["evidence"]["published"] is None
    assert got["undated"]["verdict"] == "unverified"


def _dated(title: str, head: str, byline: str = "") -> str:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title} - Ledger</title>{head}</head><body>"
        f"<nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{byline}<p>The city council approved the "
        "budget for the new library on Tuesday after a long debate about its cost, and the mayor said the "
        "doors would open in 2026. Opponents had asked for a smaller building closer to the old one.</p>"
        "<p>The vote was seven to two, and construction will start in the spring once the contracts are "
        "signed by the city manager and reviewed by the council's finance committee next month.</p>"
        "</article></body></html>"
    )


def test_published_sources_that_disagree_make_it_unknown_naming_both(tmp_path, site):
    disagree = site.route(
        "/news/2023/03/10/library",
        _dated(
            "Council approves library",
            '<script type="application/ld+json">{"@type": "NewsArticle", '
            '"datePublished": "2023-05-01T10:00:00-05:00"}</script>',
        ),
    )
    got, _ = verify(
        tmp_path,
        f"""
        claims:
          - id: library
            claim: x
            checks:
              - published: {{url: {disagree}, after: 2023-01-01, timeout: 5}}
        """,
    )
    c = check(got, "library")
    assert c["outcome"] == "unknown" and got["library"]["verdict"] == "unverified"
    assert c["reason"] == (
        "the page's sources disagree about when it was published: JSON-LD datePublished says "
        "2023-05-01, the address (/2023/03/10/) says 2023-03-10"
    ), c["reason"]
    assert c["evidence"]["published"] is None


def test_the_day_the_byline_shows_wins_over_a_utc_timestamp_a_day_away(tmp_path, site):
    # Published at 10:31 pm in Chicago: 04:31 the next day in UTC, which is what the metadata says.
    page = site.route(
        "/the-vw-wagon",
        _dated(
            "VW shows an electric wagon",
            '<meta property="article:published_time" content="2019-11-20T04:31:13+00:00">',
            "<p>Chris Davies - Nov 19, 2019, 10:31 pm CST</p>",
        ),
    )
    got, _ = verify(
        tmp_path,
        f"""
        claims:
          - id: on-the-19th
            claim: x
            checks:
              - published: {{url: {page}, after: 2019-11-19, before: 2019-11-19, timeout: 5}}
          - id: edge
            claim: y
            checks:
              - published: {{url: {page}, after: 2019-11-20, timeout: 5}}
          - id: clear
            claim: z
            checks:
              - published: {{url: {page}, after: 2019-11-01, before: 2019-11-30, timeout: 5}}
        """,
    )
    clear = check(got, "clear")
    assert clear["outcome"] == "pass"
    assert clear["reason"] == (
        "published 2019-11-19 (according to the page's byline ('Chris Davies - Nov 19, 2019, "
        "10:31 pm CST')), between 2019-11-01 and 2019-11-30"
    ), clear["reason"]
    # A window whose edge falls between the byline's day and the UTC day cannot be decided either way.
    for cid in ("on-the-19th", "edge"):
        c = check(got, cid)
        assert c["outcome"] == "unknown", c["reason"]
        assert "the page's sources also give 2019-11-20 (a time zone away)" in c["reason"], c["reason"]


# --- legacy encodings -----------------------------------------------------------------------------------------

LEGACY = """<html><head>{meta}<title>Berita Disnaker – Cilegon</title></head><body>
<h1>Aplikasi ketenagakerjaan diluncurkan</h1>
<p>“Aplikasi layanan ketenagakerjaan sudah bisa diakses masyarakat sejak Juli 2023,” ujar Kepala Dinas
Tenaga Kerja. Program Smart City 2021–2026 tetap menjadi prioritas… kata dia di kafé dekat kantor.</p></body></html>"""

MOJIBAKE = ("â€", "Ã", "\ufffd", "Â")


def test_legacy_encodings_decode_without_mojibake(tmp_path, site):
    pages = {
        # Old Indonesian CMSs declare latin-1 and send UTF-8.
        "latin1-header-utf8-body": (LEGACY.format(meta="").encode("utf-8"), "text/html; charset=iso-8859-1"),
        "latin1-meta-utf8-body": (
            LEGACY.format(
                meta='<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
            ).encode("utf-8"),
            "text/html",
        ),
        # Real windows-1252, declared as such (curly quotes, dash and ellipsis are 0x93 0x94 0x96 0x85).
        "cp1252-declared": (LEGACY.format(meta="").encode("cp1252"), "text/html; charset=windows-1252"),
        # The reverse: declared UTF-8, sent in windows-1252.
        "utf8-header-cp1252-body": (LEGACY.format(meta="").encode("cp1252"), "text/html; charset=utf-8"),
    }
    claims = "claims:\n"
    for name, (body, ctype) in pages.items():
        url = site.route(f"/berita/{name}", body, content_type=ctype)
        claims += (
            f"  - id: {name}\n    claim: x\n    checks:\n"
            f"      - quote: {{url: {url}, timeout: 5, text: '“Aplikasi layanan ketenagakerjaan sudah bisa "
            f"diakses masyarakat sejak Juli 2023,” ujar Kepala Dinas'}}\n"
            f"      - contains: {{url: {url}, all: ['Smart City 2021–2026', 'prioritas…', kafé], timeout: 5}}\n"
        )
    got, stderr = verify(tmp_path, claims)
    assert stderr == ""
    for name in pages:
        quote, contains = got[name]["checks"]
        assert quote["outcome"] == "pass", (name, quote["reason"])
        assert contains["outcome"] == "pass", (name, contains["reason"])
        hit = quote["evidence"]["hits"][0]
        assert hit["text"].startswith("Aplikasi layanan") and "2023,” ujar" in hit["text"], (name, hit)
        assert "“Aplikasi layanan" in hit["excerpt"], (name, hit)
        shown = json.dumps([quote["evidence"]["hits"], contains["evidence"]["hits"]], ensure_ascii=False)
        assert not any(bad in shown for bad in MOJIBAKE), (name, shown)
        assert "2021–2026" in shown and "kafé" in shown and "…" in shown


# --- the same verdicts from the archive ------------------------------------------------------------------------


def test_replay_sees_the_probe_and_the_soft404_signals_of_the_live_run(tmp_path, cilegon):
    catch_all(cilegon, "/katalog/", CATALOG)
    u = cilegon.url
    claims = f"""
        claims:
          - id: audit
            claim: x
            checks:
              - links: {{url: {u("/")}, select: "#dinas, #layanan", timeout: 5}}
              - live: {{url: {u("/katalog/layanan-kerja")}, timeout: 5}}
              - contains: {{url: {u("/layanan/pajak")}, all: [pajak daerah], timeout: 5}}
        """
    live, _ = verify(tmp_path, claims, "--archive-dir", str(tmp_path / "warc"))
    [warc] = (tmp_path / "warc").glob("*.warc.gz")
    cilegon.stop()  # nothing answers any more: the replay may only read the archive
    replayed, _ = verify(tmp_path, claims, "--replay", str(warc))

    def summary(claims: dict) -> list:
        return [
            (c["outcome"], c["reason"], c["evidence"]["soft404"], c["evidence"].get("links"))
            for c in claims["audit"]["checks"]
        ]

    assert summary(replayed) == summary(live)
    links, probed, text = live["audit"]["checks"]
    assert links["reason"].startswith("5 of 11 links broken: Disdukcapil → DNS lookup failed"), links[
        "reason"
    ]
    assert probed["outcome"] == "fail" and "a random sibling URL" in probed["reason"]
    # A text check never reads a "not found" page as its source: unknown, the signals named and kept.
    assert text["outcome"] == "unknown" and "the page is a 'not found' page" in text["reason"]
    assert "title says 'Halaman tidak ditemukan'" in text["evidence"]["soft404"]
