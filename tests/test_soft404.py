"""Soft 404s and bot walls, judged on real HTTP answers from the `site` fixture (real Fetcher, real extract)."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator

import pytest

from civicheck.extract import extract
from civicheck.fetch import FetchResult
from civicheck.fetch.client import Fetcher
from civicheck.reading import read_page
from civicheck.soft404 import Assessment, assess, detect_bot_wall, probe_key, probe_url

# Every server in these tests listens on 127.0.0.1, which a Fetcher refuses by default
# (tests/test_attacks_addresses.py tests the refusal): here loopback is allowed.
Fetcher = functools.partial(Fetcher, allow_private=True)

SEED = "tests"

NAV = """<header><a href="/" class="logo">Pemerintah Kota Cilegon</a>
<nav><ul><li><a href="/">Beranda</a></li><li><a href="/profil">Profil</a></li><li><a href="/berita">Berita</a></li>
<li><a href="/dinas">Perangkat Daerah</a></li><li><a href="/layanan">Layanan Publik</a></li>
<li><a href="/kontak">Kontak</a></li></ul></nav></header>"""
SIDEBAR = """<aside><h3>Berita Terkini</h3><ul>
<li><a href="/berita/2023/06/walikota-resmikan-taman">Wali Kota resmikan Taman Kota Cilegon</a></li>
<li><a href="/berita/2023/06/pendaftaran-ppdb">Pendaftaran PPDB dibuka pekan depan</a></li>
<li><a href="/berita/2023/06/vaksinasi-lansia">Vaksinasi lansia digelar di 8 kecamatan</a></li></ul></aside>"""
FOOTER = """<footer><p>Jl. Jend. Sudirman No. 2, Cilegon, Banten 42411 · Telp (0254) 391000</p>
<p>© 2023 Dinas Komunikasi, Informatika, Sandi dan Statistik Kota Cilegon</p></footer>"""

ARTICLE = """<article><h1>Disnaker Cilegon luncurkan aplikasi layanan ketenagakerjaan</h1>
<p class="meta">Kamis, 15 Juni 2023 10:12 WIB</p>
<p>Dinas Tenaga Kerja Kota Cilegon meluncurkan aplikasi layanan ketenagakerjaan yang memungkinkan pencari kerja
mendaftar kartu kuning, mencari lowongan dan mengikuti pelatihan secara daring tanpa harus datang ke kantor.</p>
<p>Kepala Dinas Tenaga Kerja mengatakan aplikasi tersebut dibeli pada 2022 namun baru dapat digunakan masyarakat
tahun ini setelah melalui uji coba dan perbaikan sistem bersama pengembang.</p>
<p>"Kami berharap pencari kerja di Cilegon tidak lagi antre berjam-jam hanya untuk mengurus kartu kuning," ujarnya
kepada wartawan di kantor Wali Kota, Kamis.</p>
<p>Hingga pekan ini tercatat lebih dari 1.200 pencari kerja telah mendaftar melalui aplikasi tersebut, sebagian
besar lulusan SMA dan SMK dari delapan kecamatan di Kota Cilegon.</p></article>"""


def page(title: str, main: str, head: str = "") -> str:
    return (
        f"<!DOCTYPE html><html lang='id'><head><meta charset='utf-8'><title>{title}</title>{head}</head>"
        f"<body>{NAV}<main>{main}</main>{SIDEBAR}{FOOTER}</body></html>"
    )


HOME = page(
    "Pemerintah Kota Cilegon",
    """<section class="hero"><h1>Selamat datang di Cilegon</h1></section>
<section><h2>Layanan</h2><ul><li><a href="/layanan/kk">Kartu Keluarga</a></li><li><a href="/layanan/ktp">KTP-el</a></li>
<li><a href="/layanan/izin">Perizinan</a></li><li><a href="/layanan/pajak">Pajak Daerah</a></li></ul></section>""",
)
NOT_FOUND_TEMPLATE = page(
    "Pemerintah Kota Cilegon", "<div class='error'><p>Maaf, halaman yang Anda cari tidak ditemukan.</p></div>"
)
SILENT_TEMPLATE = page("Pemerintah Kota Cilegon", "<div class='content'></div>")


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(retries=0, timeout=10) as f:
        yield f


def judge(fetcher: Fetcher, url: str, *, probe: bool = True, enabled: bool = True) -> Assessment:
    """What the runner will do: fetch, extract, fetch the probe (when the URL has one), assess."""
    result = fetcher.fetch(url)
    document = extract(result)
    probe_result = probe_document = None
    purl = probe_url(url, seed=SEED) if probe else None
    if purl is not None:
        probe_result = fetcher.fetch(purl)
        probe_document = extract(probe_result)
    judged = assess(result, document, probe_result, probe_document, enabled=enabled)
    assert as_the_runner_does(result, probe_result, enabled) == judged
    return judged


def as_the_runner_does(result: FetchResult, probe: FetchResult | None, enabled: bool) -> Assessment:
    """The runner reads each answer once (read_page, in a worker), lets its body go, then assesses it from
    what was read: every test here checks that this comes to the same as judging the bodies themselves."""
    readings = []
    for answer in (result, probe):
        if answer is None:
            readings.append((None, None, None))
            continue
        reading = read_page(answer)
        kept = dataclasses.replace(answer)
        kept.drop_body()
        readings.append((kept, reading.document, reading.markup))
    (page, document, markup), (probed, probe_document, probe_markup) = readings
    return assess(
        page, document, probed, probe_document, enabled=enabled, markup=markup, probe_markup=probe_markup
    )


def sibling_path(site, path: str) -> str:
    """The path of the probe the runner will fetch for `path` (the seed makes it known in advance)."""
    purl = probe_url(site.url(path), seed=SEED)
    assert purl is not None
    return purl[len(site.base_url) :]


def fired(a: Assessment, words: str) -> bool:
    return any(words in s for s in a.signals)


# --- signal 1: redirects ------------------------------------------------------------------------------------


def test_a_deep_link_redirected_to_the_site_root_is_a_soft_404(site, fetcher):
    site.route("/", HOME)
    site.route("/dinas/disnaker", status=302, headers={"Location": "/"})
    a = judge(fetcher, site.url("/dinas/disnaker"), probe=False)
    assert a.soft404 and a.bot_wall is None
    assert a.signals[0] == f"redirected from /dinas/disnaker to the site root ({site.url('/')})"


def test_a_deep_link_redirected_to_a_login_page_is_a_soft_404(site, fetcher):
    site.route("/layanan/izin", status=302, headers={"Location": "/user/login?next=/layanan/izin"})
    site.route("/user/login", page("Masuk", "<form><input name='u'><input type='password'></form>"))
    a = judge(fetcher, site.url("/layanan/izin"), probe=False)
    assert a.soft404 and fired(a, "to a login page")


def test_a_deep_link_redirected_to_an_error_page_is_a_soft_404(site, fetcher):
    site.route("/dinas/disnaker", status=302, headers={"Location": "/404.html"})
    site.route("/404.html", page("Pemerintah Kota Cilegon", "<p>Silakan kembali ke beranda.</p>"))
    a = judge(fetcher, site.url("/dinas/disnaker"), probe=False)
    assert a.soft404 and a.signals == [
        f"redirected from /dinas/disnaker to an error page ({site.url('/404.html')})"
    ]
    assert a.families == ["redirect"]


def test_a_meta_refresh_to_the_root_is_a_redirect_too(site, fetcher):
    site.route("/", HOME)
    site.route(
        "/dinas/dukcapil",
        "<html><head><meta http-equiv='refresh' content='0; url=/'></head><body></body></html>",
    )
    a = judge(fetcher, site.url("/dinas/dukcapil"), probe=False)
    assert a.soft404 and fired(a, "sent by a meta refresh from /dinas/dukcapil to the site root")


def test_a_site_root_redirected_to_its_language_or_home_path_is_live(site, fetcher):
    site.route("/", status=302, headers={"Location": "/id/"})
    site.route("/id/", HOME)
    site.route("/home", HOME)
    assert judge(fetcher, site.url("/")) == Assessment(False, [])
    site.route("/", status=301, headers={"Location": "/home"})
    assert judge(fetcher, site.url("/")) == Assessment(False, [])


def test_a_redirect_to_another_deep_page_is_not_a_signal(site, fetcher):
    site.route(
        "/berita/disnaker-aplikasi", status=301, headers={"Location": "/berita/2023/06/disnaker-aplikasi"}
    )
    site.route("/berita/2023/06/disnaker-aplikasi", page("Disnaker luncurkan aplikasi", ARTICLE))
    assert judge(fetcher, site.url("/berita/disnaker-aplikasi")) == Assessment(False, [])


# --- signal 2: the random-sibling probe ---------------------------------------------------------------------


def test_a_random_sibling_answering_the_same_page_reveals_a_soft_404(site, fetcher):
    # The server answers the home page for any path under /dinas/, with a clock that differs per request.
    clock = iter(range(100))
    home = lambda: HOME.replace("<main>", f"<main><p>Diperbarui 10:{next(clock):02d} WIB</p>")  # noqa: E731
    site.route("/dinas/disnaker", home())
    site.route(sibling_path(site, "/dinas/disnaker"), home())
    a = judge(fetcher, site.url("/dinas/disnaker"))
    assert a.soft404
    assert fired(a, f"a random sibling URL ({sibling_path(site, '/dinas/disnaker')}) answers the same page")


def test_a_random_sibling_redirected_to_the_same_place_reveals_a_soft_404(site, fetcher):
    listing = page(
        "Perangkat Daerah", "<h1>Perangkat Daerah</h1><ul><li><a href='/dinas/dinkes'>Dinkes</a></li></ul>"
    )
    site.route("/dinas/", listing)
    site.route("/dinas/disnaker", status=302, headers={"Location": "/dinas/"})
    site.route(sibling_path(site, "/dinas/disnaker"), status=302, headers={"Location": "/dinas/"})
    a = judge(fetcher, site.url("/dinas/disnaker"))
    assert a.soft404 and fired(a, "is redirected to the same place")


def test_a_real_article_on_a_site_whose_nonsense_urls_answer_200_stays_live(site, fetcher):
    path = "/berita/2023/06/15/disnaker-luncurkan-aplikasi"
    site.route(path, page("Disnaker luncurkan aplikasi | Pemkot Cilegon", ARTICLE))
    site.route(sibling_path(site, path), NOT_FOUND_TEMPLATE)
    assert judge(fetcher, site.url(path)) == Assessment(False, [])
    site.route(sibling_path(site, path), HOME)
    assert judge(fetcher, site.url(path)) == Assessment(False, [])


def test_a_portal_page_of_links_stays_live_beside_a_silent_not_found_template(site, fetcher):
    # Little text of its own and all of it links, the kind of page the Cilegon claims cite.
    agencies = "".join(
        f"<li><a href='https://{d}.cilegon.go.id/'>Dinas {n}</a></li>"
        for d, n in (
            ("disnaker", "Tenaga Kerja"),
            ("dukcapil", "Dukcapil"),
            ("dinkes", "Kesehatan"),
            ("dishub", "Perhubungan"),
        )
    )
    # Old portals give every page the site's name as its title: only the content tells them apart.
    site.route("/profil/perangkat-daerah", page("Pemerintah Kota Cilegon", f"<ul>{agencies}</ul>"))
    site.route("/profil/struktur", page("Pemerintah Kota Cilegon", "<img src='/img/struktur.png'>"))
    site.route("/profil/visi-misi", page("Visi dan Misi | Pemkot Cilegon", "<h2>Visi</h2>"))
    site.route(sibling_path(site, "/profil/perangkat-daerah"), SILENT_TEMPLATE)
    for path in ("/profil/perangkat-daerah", "/profil/struktur", "/profil/visi-misi"):
        assert judge(fetcher, site.url(path)) == Assessment(False, []), path
    site.route(sibling_path(site, "/profil/perangkat-daerah"), NOT_FOUND_TEMPLATE)
    assert judge(fetcher, site.url("/profil/perangkat-daerah")) == Assessment(False, [])


def test_a_random_sibling_answering_the_same_not_found_message_reveals_a_soft_404(site, fetcher):
    # "Did you mean" links picked from the requested path differ between the page and the probe, so the
    # pages are not alike; the message is the same, and the page has no prose of its own.
    def soft(headlines: list[str]) -> str:
        items = "".join(f"<li><a href='/berita/{i}'>{h}</a></li>" for i, h in enumerate(headlines))
        about = (
            "<p>Portal resmi Pemerintah Kota Cilegon memuat berita, layanan publik, informasi perangkat "
            "daerah dan data statistik kota yang diperbarui setiap hari kerja oleh Diskominfo.</p>"
            "<p>Semua konten dapat dikutip dengan menyebutkan sumber. Keluhan dan saran atas layanan "
            "publik dapat disampaikan melalui kanal pengaduan resmi LAPOR! atau pusat panggilan kota.</p>"
        )
        return page(
            "Pemerintah Kota Cilegon",
            f"<p>Maaf, halaman yang Anda cari tidak tersedia.</p>{about}"
            f"<h3>Mungkin Anda mencari</h3><ul>{items}</ul>",
        )

    site.route(
        "/dinas/disnaker",
        soft(
            [
                "Pelatihan kerja gratis bagi lulusan SMK dibuka lagi bulan depan",
                "Upah minimum kota naik tujuh persen, serikat buruh minta pengawasan",
                "Bursa kerja Cilegon diikuti empat puluh perusahaan industri kimia",
                "Disnaker verifikasi ulang data pencari kerja yang mendaftar daring",
            ]
        ),
    )
    site.route(
        sibling_path(site, "/dinas/disnaker"),
        soft(
            [
                "Jalan lingkar selatan diperbaiki sebelum arus mudik Lebaran",
                "Pasar Kranggot direnovasi, pedagang dipindah sementara ke terminal",
                "Banjir rendam tiga kelurahan setelah hujan deras semalaman",
                "Taman kota baru dibuka untuk umum setiap akhir pekan",
            ]
        ),
    )
    a = judge(fetcher, site.url("/dinas/disnaker"))
    assert a.soft404 and fired(
        a, "answers with the same message: 'Maaf, halaman yang Anda cari tidak tersedia.'"
    )
    assert not judge(
        fetcher, site.url("/dinas/disnaker"), probe=False
    ).soft404  # the wording alone is weak here


def test_a_javascript_app_answering_every_path_alike_is_not_called_a_soft_404(site, fetcher):
    shell = (
        "<!DOCTYPE html><html><head><title>SiapKerja</title><script src='/app.js'></script></head>"
        "<body><noscript>Aktifkan JavaScript untuk menggunakan aplikasi ini.</noscript><div id='app'></div>"
        "</body></html>"
    )
    site.route("/siapkerja/lowongan", shell)
    site.route(sibling_path(site, "/siapkerja/lowongan"), shell)
    a = judge(fetcher, site.url("/siapkerja/lowongan"))
    assert not a.soft404
    assert a.signals and "JavaScript app" in a.signals[0]  # recorded, but too weak alone


# --- signal 3: "not found" wording --------------------------------------------------------------------------


def test_a_title_saying_not_found_in_indonesian(site, fetcher):
    site.route(
        "/dinas/disnaker",
        page("Halaman Tidak Ditemukan - Pemerintah Kota Cilegon", "<p>Silakan kembali ke beranda.</p>"),
    )
    a = judge(fetcher, site.url("/dinas/disnaker"), probe=False)
    assert a.soft404 and a.signals[0] == "title says 'Halaman Tidak Ditemukan - Pemerintah Kota Cilegon'"


def test_a_heading_saying_page_not_found_in_english(site, fetcher):
    site.route(
        "/services/labour",
        page("City of Cilegon", "<h1>Oops! That page can’t be found.</h1><p>Maybe try a search?</p>"),
    )
    a = judge(fetcher, site.url("/services/labour"), probe=False)
    assert a.soft404 and fired(a, "heading (h1) says 'Oops! That page can’t be found.'")


def test_a_404_heading_with_a_not_found_sentence(site, fetcher):
    site.route(
        "/dinas/dukcapil",
        page("Pemerintah Kota Cilegon", "<h2>404</h2><p>Maaf, halaman yang Anda cari tidak ditemukan.</p>"),
    )
    a = judge(fetcher, site.url("/dinas/dukcapil"), probe=False)
    assert a.soft404 and fired(a, "heading (h2) says '404'")
    assert fired(a, "says 'Maaf, halaman yang Anda cari tidak ditemukan.'")


def test_headlines_that_mention_404_in_another_sense_stay_live(site, fetcher):
    english = """<article><h1>How a '404 Not Found' error hid a city's labour app for a year</h1>
    <p>For most of 2022 residents of Cilegon who clicked the link to the labour agency on the city portal were
    greeted by an error page instead of the job-seeker registration the city had paid for, records show.</p>
    <p>The application was bought in 2022 but only opened to the public in 2023, after repeated complaints
    from job seekers and a column in a local newspaper that listed the broken links one by one.</p>
    <p>"We did not know the link was dead," a spokesman for the communications agency said on Thursday.</p>
    </article>"""
    site.route(
        "/news/labour-app-404",
        page("How a '404 Not Found' error hid a city's labour app | Banten Post", english),
    )
    number = ARTICLE.replace(
        "Disnaker Cilegon luncurkan aplikasi layanan ketenagakerjaan", "404 warga terdampak banjir di Cilegon"
    )
    site.route("/berita/banjir", page("404 warga terdampak banjir di Cilegon | Pemkot Cilegon", number))
    essay = english.replace(
        "How a '404 Not Found' error hid a city's labour app for a year",
        "Error 404: the history of the web's most famous page",
    )
    site.route("/essays/404", page("Error 404: the history of the web's most famous page", essay))
    for path in ("/news/labour-app-404", "/berita/banjir", "/essays/404"):
        a = judge(fetcher, site.url(path), probe=False)
        assert not a.soft404, (path, a)


def test_articles_about_404_errors_stay_live(site, fetcher):
    body = """<article><h1>What is a 404 error?</h1><p>A 404 error is the answer a web server gives when it has
    nothing at the address a browser asked for. Government portals show it when an agency moves its site and
    nobody updates the links that point to the old one.</p>
    <h2>Page not found</h2><p>The words "page not found" are the most common wording of the error, though
    many sites write their own message, in Indonesian often "halaman tidak ditemukan".</p></article>"""
    site.route("/explainers/404", page("What is a 404 error? | Cek Fakta", body))
    a = judge(fetcher, site.url("/explainers/404"), probe=False)
    assert not a.soft404, a


def test_a_not_found_heading_in_a_sidebar_widget_alone_keeps_an_article_live(site, fetcher):
    widget = "<aside><h3>Data tidak ditemukan</h3><p>Coba kata kunci lain.</p></aside>"
    site.route("/berita/aplikasi", page("Disnaker luncurkan aplikasi", ARTICLE + widget))
    a = judge(fetcher, site.url("/berita/aplikasi"), probe=False)
    assert not a.soft404 and a.signals == ["heading (h3) says 'Data tidak ditemukan'"]


# --- signal 4: (near-)empty pages ---------------------------------------------------------------------------


def test_an_empty_page_is_a_soft_404(site, fetcher):
    site.route("/layanan/kk", "<!DOCTYPE html><html><head><title></title></head><body> </body></html>")
    site.route("/layanan/ktp", b"")
    a = judge(fetcher, site.url("/layanan/kk"), probe=False)
    assert a.soft404 and a.signals == ["no visible text and nothing else on the page"]
    assert judge(fetcher, site.url("/layanan/ktp"), probe=False).soft404


def test_a_home_page_with_little_text_but_many_links_stays_live(site, fetcher):
    links = "".join(f"<a href='/layanan/{i}'><img src='/ikon/{i}.png' alt=''></a>" for i in range(12))
    site.route("/", f"<html><head><title>Cilegon</title></head><body><h1>Cilegon</h1>{links}</body></html>")
    a = judge(fetcher, site.url("/"))
    assert not a.soft404 and a.signals == ["almost no visible text (7 characters)"]


# --- signal 5: parked domains, placeholders, suspended hosting ------------------------------------------------


@pytest.mark.parametrize(
    "title, body, words",
    [
        (
            "disnaker-cilegon.com",
            "<h1>disnaker-cilegon.com</h1><p>This domain may be for sale!</p>"
            "<h2>Related Searches</h2><a href='/?q=jobs'>Jobs</a>",
            "parked domain: 'this domain may",
        ),
        (
            "disnaker-cilegon.id",
            "<p>Domain ini dijual! Hubungi 0812-0000-0000.</p>",
            "parked domain: 'domain ini dijual'",
        ),
        (
            "disnaker-cilegon.com",
            "<div id='p'></div><script src='https://img.sedoparking.com/js/e.js'></script>",
            "the page loads a parking service (sedoparking.com)",
        ),
        (
            "Account Suspended",
            "<h1>Account Suspended</h1><p>This Account has been suspended.</p>",
            "hosting suspended",
        ),
        (
            "Welcome to nginx!",
            "<h1>Welcome to nginx!</h1><p>If you see this page, the nginx web server is "
            "successfully installed and working.</p>",
            "a placeholder page: 'Welcome to nginx!'",
        ),
    ],
)
def test_parked_placeholder_and_suspended_pages(site, fetcher, title, body, words):
    site.route("/aplikasi/siapkerja", f"<html><head><title>{title}</title></head><body>{body}</body></html>")
    a = judge(fetcher, site.url("/aplikasi/siapkerja"), probe=False)
    assert a.soft404 and fired(a, words), a


def test_an_article_about_domain_sales_is_not_parked(site, fetcher):
    text = ARTICLE.replace(
        "</article>",
        "<p>Pemkot menyebut domain lama kini bertuliskan 'this domain is for "
        "sale' sehingga warga diminta memakai alamat baru.</p></article>",
    )
    site.route("/berita/domain", page("Domain lama Disnaker dijual pihak lain", text))
    assert judge(fetcher, site.url("/berita/domain"), probe=False) == Assessment(False, [])


# --- non-2xx answers, the switch ----------------------------------------------------------------------------


def test_a_hard_404_is_not_a_soft_one(site, fetcher):
    site.route("/dinas/disnaker", page("404 Not Found", "<h1>Not Found</h1>"), status=404)
    assert judge(fetcher, site.url("/dinas/disnaker")) == Assessment(False, [])


def test_enabled_false_turns_the_soft_404_signals_off_but_not_bot_walls(site, fetcher):
    site.route("/", HOME)
    site.route("/dinas/disnaker", status=302, headers={"Location": "/"})
    site.route("/dinas/dukcapil", page("Halaman tidak ditemukan", ""))
    assert judge(fetcher, site.url("/dinas/disnaker"), enabled=False) == Assessment(False, [])
    assert judge(fetcher, site.url("/dinas/dukcapil"), enabled=False) == Assessment(False, [])
    site.route("/cf", CLOUDFLARE_CHALLENGE, status=503, headers={"Server": "cloudflare"})
    assert judge(fetcher, site.url("/cf"), enabled=False).bot_wall


# --- probe URLs and keys ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://cilegon.go.id/",
        "https://cilegon.go.id",
        "https://cilegon.go.id/id/",
        "https://cilegon.go.id/en",
        "https://cilegon.go.id/index.php",
        "https://cilegon.go.id/home",
        "https://cilegon.go.id/?lang=en",
        "https://cilegon.go.id/id/beranda",
        "ftp://cilegon.go.id/pub/file",
    ],
)
def test_site_roots_have_no_probe(url):
    assert probe_url(url) is None


def test_two_letter_paths_that_are_not_languages_are_not_roots():
    assert probe_url("https://cilegon.go.id/pu", seed="a").startswith("https://cilegon.go.id/")
    assert probe_url("https://cilegon.go.id/id/dinas", seed="a").startswith("https://cilegon.go.id/id/")


def test_probe_urls_are_nonsense_siblings_of_the_same_shape():
    assert probe_url("https://cilegon.go.id/dinas/disnaker", seed="a").startswith(
        "https://cilegon.go.id/dinas/"
    )
    page_html = probe_url("https://cilegon.go.id/a/b/page.html", seed="a")
    assert page_html.startswith("https://cilegon.go.id/a/b/") and page_html.endswith(".html")
    assert len(page_html.rsplit("/", 1)[1]) == 12 + len(".html")
    assert (
        probe_url("https://x.go.id/dinas/", seed="a").endswith("/")
        and probe_url("https://x.go.id/dinas/", seed="a").count("/") == 4
    )
    # News and CMS sites route by the id and ignore the slug after it: the probe replaces the id too.
    article = probe_url("http://www.antaranews.com/berita/527615/29-penerbangan-dibatalkan", seed="a")
    head, number, slug = article.rsplit("/", 2)
    assert head == "http://www.antaranews.com/berita" and number.isdigit() and number != "527615"
    assert slug.isalpha() and len(slug) == 12
    # Without a seed it is random; with one it is the same for every URL of a key.
    assert probe_url("https://x.go.id/dinas/a") != probe_url("https://x.go.id/dinas/a")
    assert probe_url("https://x.go.id/dinas/a", seed="s") == probe_url("https://x.go.id/dinas/b", seed="s")
    assert probe_url("https://x.go.id/dinas/a", seed="s") != probe_url("https://x.go.id/dinas/a", seed="t")


def test_probe_keys_group_urls_by_directory_and_shape():
    key = probe_key("https://cilegon.go.id/dinas/disnaker")
    assert key == probe_key("https://cilegon.go.id/dinas/dukcapil?tab=1") == "https://cilegon.go.id/dinas/*"
    assert probe_key("https://cilegon.go.id/dinas/disnaker/") == "https://cilegon.go.id/dinas/*/"
    assert probe_key("https://CILEGON.go.id/a/b/x.html") == probe_key("https://cilegon.go.id/a/b/y.HTML")
    assert probe_key("https://cilegon.go.id/a/b/x.html") != probe_key("https://cilegon.go.id/a/b/x")
    assert probe_key("https://cilegon.go.id/dinas/disnaker") != probe_key(
        "https://disnaker.cilegon.go.id/dinas/a"
    )
    assert probe_key("http://antaranews.com/berita/527615/slug-a") == probe_key(
        "http://antaranews.com/berita/9/b"
    )
    assert probe_key("https://x.go.id/read/2015/11/05/12345/a") == "https://x.go.id/read/#/#/#/#/*"
    assert probe_key("https://cilegon.go.id/") == "https://cilegon.go.id/"


# --- bot walls ----------------------------------------------------------------------------------------------

CLOUDFLARE_CHALLENGE = """<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="refresh" content="390"></head><body><div class="main-wrapper" role="main">
<div class="main-content"><h1 class="zone-name-title h1">cilegon.go.id</h1>
<h2 class="h2" id="challenge-running">Checking if the site connection is secure</h2>
<noscript><div id="challenge-error-title">Enable JavaScript and cookies to continue</div></noscript></div></div>
<script>(function(){window._cf_chl_opt={cvId: '2',cZone: 'cilegon.go.id',cType: 'managed'};
var a = document.createElement('script');a.src = '/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=8a';
document.getElementsByTagName('head')[0].appendChild(a);}());</script></body></html>"""
HCAPTCHA_403 = """<html><head><title>Security check</title>
<script src="https://hcaptcha.com/1/api.js" async defer></script></head><body><h1>One more step</h1>
<p>Please complete the security check to access this site.</p>
<form method="post" action="/verify"><div class="h-captcha" data-sitekey="10000000-ffff-ffff-ffff-000000000001">
</div><button type="submit">Continue</button></form></body></html>"""
INCAPSULA_429 = """<html style="height:100%"><head><meta name="ROBOTS" content="NOINDEX, NOFOLLOW"></head>
<body style="margin:0px;height:100%"><iframe id="main-iframe" src="/_Incapsula_Resource?CWUDNSAI=24&xinfo=1-2"
frameborder=0 width="100%" height="100%">Request unsuccessful. Incapsula incident ID: 1234000000111-2222</iframe>
</body></html>"""
AKAMAI_403 = """<HTML><HEAD><TITLE>Access Denied</TITLE></HEAD><BODY><H1>Access Denied</H1>
You don't have permission to access "http&#58;&#47;&#47;www&#46;example&#46;go&#46;id&#47;" on this server.<P>
Reference&#32;&#35;18&#46;5c3e1602&#46;1700000000&#46;2a1b3c4d<P>https&#58;&#47;&#47;errors&#46;edgesuite&#46;net
</BODY></HTML>"""


def fetch(fetcher: Fetcher, url: str) -> FetchResult:
    return fetcher.fetch(url)


@pytest.mark.parametrize(
    "body, status, headers, vendor",
    [
        (CLOUDFLARE_CHALLENGE, 503, {"Server": "cloudflare", "cf-mitigated": "challenge"}, "Cloudflare"),
        (CLOUDFLARE_CHALLENGE, 403, {"Server": "cloudflare"}, "Cloudflare 'Just a moment...'"),
        (HCAPTCHA_403, 403, {}, "hCaptcha form"),
        (INCAPSULA_429, 429, {"X-Iinfo": "9-1234-0 0NNN RT(1 2) q(0 -1 -1 -1) r(0 -1)"}, "Imperva/Incapsula"),
        (AKAMAI_403, 403, {"Server": "AkamaiGHost"}, "Akamai 'Access Denied'"),
    ],
)
def test_challenge_and_block_pages_are_bot_walls(site, fetcher, body, status, headers, vendor):
    site.route("/dinas/disnaker", body, status=status, headers=headers)
    result = fetch(fetcher, site.url("/dinas/disnaker"))
    wall = detect_bot_wall(result, extract(result))
    assert wall is not None and wall.startswith("blocked by a bot wall (") and vendor in wall, wall
    assert detect_bot_wall(result, None) == wall  # the runner may not have extracted a 403
    a = judge(fetcher, site.url("/dinas/disnaker"))
    assert a == Assessment(False, [], wall)


def test_a_cloudflare_challenge_answered_with_200_is_still_a_bot_wall(site, fetcher):
    site.route("/layanan", CLOUDFLARE_CHALLENGE, headers={"Server": "cloudflare"})
    a = judge(fetcher, site.url("/layanan"))
    assert a.bot_wall == "blocked by a bot wall (Cloudflare 'Just a moment...')" and not a.soft404


@pytest.mark.parametrize(
    "body, status, headers",
    [
        (
            page(
                "403 Forbidden", "<h1>Forbidden</h1><p>You don't have permission to access this resource.</p>"
            ),
            403,
            {},
        ),
        (
            "<html><head><title>403 Forbidden</title></head><body><center><h1>403 Forbidden</h1></center><hr>"
            "<center>cloudflare</center></body></html>",
            403,
            {"Server": "cloudflare"},
        ),
        # Cloudflare's own "origin is down" page is evidence about the site, not a wall in front of it.
        (
            "<html><head><title>cilegon.go.id | 521: Web server is down</title></head><body><div id='cf-error-details'>"
            "<h1>Web server is down</h1><span>Error code 521</span><p>Cloudflare Ray ID: 8a1b</p></div></body></html>",
            521,
            {"Server": "cloudflare"},
        ),
        # A contact form with reCAPTCHA on a real page.
        (
            page(
                "Kontak",
                "<h1>Kontak</h1><form><textarea name='pesan'></textarea><div class='g-recaptcha' "
                "data-sitekey='x'></div></form>" + ARTICLE,
                "<script src='https://www.google.com/recaptcha/api.js'></script>",
            ),
            200,
            {},
        ),
    ],
)
def test_plain_errors_and_ordinary_captchas_are_not_bot_walls(site, fetcher, body, status, headers):
    site.route("/kontak", body, status=status, headers=headers)
    result = fetch(fetcher, site.url("/kontak"))
    assert detect_bot_wall(result, extract(result)) is None


@pytest.mark.parametrize(
    "js, targets",
    [
        ("window.location = '/home'; top.location.replace(\"/a\")", ["/home", "/a"]),
        ("self.location.href='/b'; document.location.assign('/c')", ["/b", "/c"]),
        # Not a location of the page's own: no word may run into it.
        ("mylocation = '/x'; _location = '/y'; var here = location.pathname;", []),
        # What a target holds is not searched again ("location = ..." inside one).
        (
            "location = 'location = \"/inner\"'; xlocation = 'location = \"/z\"'",
            ['location = "/inner"', "/z"],
        ),
        ("location = '/unclosed", []),
    ],
)
def test_where_inline_scripts_send_the_browser(js, targets):
    from civicheck.soft404.markup import _script_targets

    assert _script_targets(js) == targets


def test_bot_wall_markers_are_found_in_the_bytes_as_in_the_lower_case_text():
    from helpers import fetched

    from civicheck.soft404.markup import RawBody, raw_lower

    bodies = [
        b"<p>DDoS-GUARD checking</p>",
        "<p>Caf\u00e9 CAPTCHA \u0130NCAPSULA</p>".encode(),
        # The Kelvin sign lowers to an ASCII "k": such a body is searched as text.
        "<p>\u212aEEP press & hold</p>".encode(),
        b"<p>\xff\xfeMOD_SECURITY \xc3</p>",  # invalid UTF-8 around a marker
        "<p>ANUB\u0130</p>".encode(),  # "\u0130" lowers to "i\u0307": "anubi" is there, "anubis" is not
    ]
    markers = [
        "ddos-guard",
        "captcha",
        "incapsula",
        "i\u0307ncapsula",
        "keep",
        "press & hold",
        "mod_security",
        "anubi",
        "anubis",
    ]
    found = []
    for body in bodies:
        result = fetched(body)
        raw = RawBody(result)
        assert raw.text == raw_lower(result)
        for marker in markers:
            assert (marker in raw) == (marker in raw.text), (body, marker)
            found += [marker] if marker in raw else []
    assert found == [
        "ddos-guard",
        "captcha",
        "i\u0307ncapsula",
        "keep",
        "press & hold",
        "mod_security",
        "anubi",
    ]
