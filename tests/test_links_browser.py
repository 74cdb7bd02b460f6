"""Link audits as a citizen's browser sees them (issue 12): <base href>, WHATWG resolution and invalid hrefs, every
element a visitor follows, PDF links, resources, exclude patterns, and "not found" wording read from the page's
own text only. Each was a peer case (lychee, LinkChecker, linkinator, a soft-404 detector) civicheck got wrong.
"""

from __future__ import annotations

import io
import json
import textwrap

import pytest
from click.testing import CliRunner

from civicheck.cli import ExitCode, cli
from civicheck.extract.links import links_from_html, refresh_url, resolve, srcset_urls

AGENCY = (
    "<html><head><title>Dinas Tenaga Kerja</title></head><body><h1>Dinas Tenaga Kerja</h1><p>"
    + "Layanan pencari kerja, pelatihan dan perizinan bagi warga kota. " * 6
    + "</p></body></html>"
)


def claims_file(tmp_path, text: str, name: str = "claims.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def audit(tmp_path, check: str, *, defaults: str = "") -> dict:
    """The one `links` check of a claims file, as `civicheck verify --format json` reports it."""
    claims = claims_file(
        tmp_path, defaults + f"claims:\n  - id: portal\n    claim: x\n    checks:\n      - {check}\n"
    )
    result = CliRunner().invoke(
        cli, ["verify", str(claims), "--format", "json", "--no-history", "--no-warc", "--no-canary"]
    )
    assert result.exit_code in (ExitCode.OK, ExitCode.UNEXPECTED), result.stderr
    [out] = json.loads(result.stdout)["claims"][0]["checks"]
    return out


def outcomes(check: dict) -> dict[str, str]:
    return {link["url"]: link["outcome"] for link in check["evidence"].get("links", [])}


# --- <base href> -----------------------------------------------------------------------------------------------


def test_relative_links_resolve_against_the_base_href_as_a_browser_does(tmp_path, site):
    # A Joomla template: <base href> names the folder the relative links live in, not the page's own.
    site.route(
        "/index.php/portal",
        '<html><head><base href="/cms/"></head><body><h1>Portal</h1>'
        '<a href="dinas.html">Dinas</a></body></html>',
    )
    site.route("/cms/dinas.html", AGENCY)
    site.route("/index.php/dinas.html", "gone", status=404)
    check = audit(tmp_path, f"links: {site.url('/index.php/portal')}")
    assert check["outcome"] == "pass", check["reason"]
    assert outcomes(check) == {site.url("/cms/dinas.html"): "pass"}
    assert site.hits("/index.php/dinas.html") == 0


def test_only_the_first_base_with_an_href_counts_and_a_relative_base_is_resolved_against_the_page():
    html = (
        '<base target="_blank"><base href="../docs/"><base href="https://other.example/"><a href="a.html">A</a>'
        '<a href="/root">R</a>'
    )
    links = links_from_html(html, "https://kota.example/id/halaman/portal.html")
    assert [link.url for link in links] == [
        "https://kota.example/id/docs/a.html",
        "https://kota.example/root",
    ]


# --- invalid hrefs ---------------------------------------------------------------------------------------------

INVALID = ["http://.example.org/", "http://host]", "http://", "hutzli:", "//////", "http://[oops/"]


def test_hrefs_no_browser_can_open_are_broken_invalid_links_never_fetched(tmp_path, site):
    anchors = "".join(f'<a href="{href}">bad {i}</a>' for i, href in enumerate(INVALID))
    site.route(
        "/portal",
        f'<html><body><h1>Portal</h1>{anchors}<a href="mailto:dinas@kota.example">Surat</a>'
        '<a href="tel:+62254">Telepon</a><a href="javascript:void(0)">Menu</a>'
        '<a href="whatsapp://send?phone=62">WA</a><a href="#top">Atas</a>'
        '<a href="/dinas">Dinas</a></body></html>',
    )
    site.route("/dinas", AGENCY)
    check = audit(tmp_path, f"links: {site.url('/portal')}")
    assert check["outcome"] == "fail"
    assert outcomes(check) == {**{href: "fail" for href in INVALID}, site.url("/dinas"): "pass"}
    by_url = {link["url"]: link for link in check["evidence"]["links"]}
    assert (
        by_url["hutzli:"]["reason"]
        == "invalid link: 'hutzli:' (the scheme 'hutzli:' is one no browser opens)"
    )
    assert by_url["http://.example.org/"]["reason"].endswith("(its host name has an empty label)")
    assert by_url["//////"]["reason"] == "invalid link: '//////' (not a URL a browser can open)"
    assert all(by_url[href]["status"] is None for href in INVALID)
    assert check["reason"].startswith("6 of 7 links broken: bad 0 → invalid link: 'http://.example.org/'")
    assert site.hits("/portal") == 1  # "//////" is not the page itself (urljoin made it so)


@pytest.mark.parametrize(
    ("href", "expected"),
    [
        ("  /a b\n", "https://kota.example/a%20b"),  # spaces around stripped, inside encoded
        ("HTTP://Kota.Example/x/../y#frag", "http://kota.example/y"),
        ("//cdn.example/x", "https://cdn.example/x"),
        ("https://kota.example./", "https://kota.example./"),  # the DNS root's dot is no empty label
    ],
)
def test_hrefs_resolve_as_the_whatwg_url_standard_says(href, expected):
    link = resolve(href, "https://kota.example/dir/page.html")
    assert link is not None and link.invalid is None and link.url == expected


@pytest.mark.parametrize(
    "href",
    [
        "mailto:a@b",
        "tel:1",
        "javascript:alert(1)",
        "data:text/plain,x",
        "#x",
        "",
        "ftp://files.example/",
        "intent://scan/#Intent;end",
    ],
)
def test_other_programs_schemes_are_not_checked(href):
    assert resolve(href, "https://kota.example/") is None


# --- every element a citizen follows ---------------------------------------------------------------------------


def test_every_element_a_citizen_follows_is_audited(tmp_path, site):
    targets = ["area", "iframe", "frame", "refresh", "embed", "object", "search", "a", "pre"]
    site.route(
        "/portal",
        '<html><head><meta http-equiv="refresh" content="30; url=/refresh"></head><body>'
        '<h1>Portal</h1><map name="m"><area href="/area" alt="Peta"></map>'
        '<iframe src="/iframe" title="Peta kota"></iframe><frameset><frame src="/frame"></frameset>'
        '<embed src="/embed"><object data="/object"></object>'
        '<form action="/search"><input name="q"></form>'
        '<form method="post" action="/post"><input name="q"></form>'
        '<img src="/img.png"><a href="/a">Dinas</a>'
        '<pre><code>curl <a href="/pre">/pre</a></code></pre></body></html>',
    )  # clickable too
    for name in targets:
        site.route(f"/{name}", AGENCY)
    site.route("/iframe", "missing", status=404)
    check = audit(tmp_path, f"links: {{url: {site.url('/portal')}, max_broken: 0}}")
    links = {link["url"]: link for link in check["evidence"]["links"]}
    assert set(links) == {site.url(f"/{name}") for name in targets}  # no POST form, no image
    assert {u: link.get("element") for u, link in links.items()} == {
        site.url("/area"): "area href",
        site.url("/iframe"): "iframe src",
        site.url("/frame"): "frame src",
        site.url("/refresh"): "meta refresh",
        site.url("/embed"): "embed src",
        site.url("/object"): "object data",
        site.url("/search"): "form action",
        site.url("/a"): None,
        site.url("/pre"): None,
    }
    assert check["outcome"] == "fail"
    assert check["reason"] == "1 of 9 links broken: Peta kota (iframe src) → 404 Not Found"
    assert site.hits("/post") == 0 and site.hits("/img.png") == 0


def test_resources_are_audited_only_when_asked_for(tmp_path, site):
    site.route(
        "/portal",
        '<html><head><link rel="stylesheet" href="/style.css"><link rel="canonical" href="/c">'
        '<script src="/app.js"></script></head><body><h1>Portal</h1>'
        '<img src="/logo.png" srcset="/logo-2x.png 2x, /logo-3x.png 3x" alt="Logo">'
        '<a href="/dinas">Dinas</a></body></html>',
    )
    site.route("/dinas", AGENCY)
    for path in ("/style.css", "/app.js", "/logo.png", "/logo-2x.png"):
        site.route(path, "body { }" if path.endswith(".css") else "x", content_type="text/plain")
    without = audit(tmp_path, f"links: {site.url('/portal')}")
    assert outcomes(without) == {site.url("/dinas"): "pass"}
    check = audit(tmp_path, f"links: {{url: {site.url('/portal')}, resources: true}}")
    assert set(outcomes(check)) == {
        site.url(p) for p in ("/style.css", "/app.js", "/logo.png", "/logo-2x.png", "/logo-3x.png", "/dinas")
    }
    assert check["outcome"] == "fail" and outcomes(check)[site.url("/logo-3x.png")] == "fail"
    assert "Logo (img srcset) → 404" in check["reason"]
    assert check["spec"]["resources"] is True


def test_select_same_site_and_max_links_keep_working_with_a_base(tmp_path, site):
    site.route(
        "/portal",
        '<html><head><base href="v2/"></head><body><h1>Portal</h1>'
        '<div id="dinas"><a href="a">A</a><iframe src="b"></iframe>'
        '<a href="https://elsewhere.invalid/">Luar</a></div>'
        '<a href="menu">Menu</a></body></html>',
    )
    site.route("/v2/a", AGENCY)
    site.route("/v2/b", AGENCY)
    check = audit(tmp_path, f"links: {{url: {site.url('/portal')}, select: '#dinas', same_site: true}}")
    assert outcomes(check) == {site.url("/v2/a"): "pass", site.url("/v2/b"): "pass"}
    capped = audit(tmp_path, f"links: {{url: {site.url('/portal')}, select: '#dinas', max_links: 1}}")
    assert outcomes(capped) == {site.url("/v2/a"): "pass"}
    assert "(the first 1 of the 3 on the page: max_links is 1)" in capped["reason"]


def test_select_with_resources_reads_what_the_selected_elements_load(tmp_path, site):
    site.route(
        "/portal",
        '<html><body><img src="/header.png"><div class="dinas"><a href="/a">A</a>'
        '<img src="/a.png" alt="Logo A"></div><div class="dinas"><img src="/b.png"></div></body></html>',
    )
    site.route("/a", AGENCY)
    site.route("/a.png", "png", content_type="image/png")
    check = audit(tmp_path, f"links: {{url: {site.url('/portal')}, select: '.dinas', resources: true}}")
    assert outcomes(check) == {site.url("/a"): "pass", site.url("/a.png"): "pass", site.url("/b.png"): "fail"}
    assert site.hits("/header.png") == 0


def test_an_invalid_href_cannot_carry_terminal_escapes_into_the_report(tmp_path, site):
    site.route(
        "/portal",
        '<html><body><h1>Portal</h1><a href="hutzli:\x1b]0;pwned\x07\x1b[31mred">Rusak</a></body></html>',
    )
    result = CliRunner().invoke(
        cli,
        [
            "verify",
            str(
                claims_file(
                    tmp_path,
                    f"""
        claims:
          - id: portal
            claim: x
            checks:
              - links: {site.url("/portal")}
        """,
                )
            ),
            "--no-history",
            "--no-warc",
            "--no-canary",
        ],
    )
    assert result.exit_code in (ExitCode.OK, ExitCode.UNEXPECTED), result.stderr
    assert "invalid link" in result.stdout and "\x1b" not in result.stdout and "\x07" not in result.stdout


# --- PDF documents ---------------------------------------------------------------------------------------------


def pdf_with_links(*pages: list[str]) -> bytes:
    from pypdf import PdfWriter
    from pypdf.annotations import Link

    writer = PdfWriter()
    for number, uris in enumerate(pages):
        writer.add_blank_page(300, 300)
        for i, uri in enumerate(uris):
            writer.add_annotation(number, Link(rect=(10, 10 + 30 * i, 200, 30 + 30 * i), url=uri))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_links_in_a_pdf_are_audited_with_their_page_numbers(tmp_path, site):
    site.route(
        "/laporan.pdf",
        pdf_with_links([], ["lampiran.html", "http://host]"], ["/hilang"]),
        content_type="application/pdf",
    )
    site.route("/lampiran.html", AGENCY)
    site.route("/hilang", "no", status=404)
    check = audit(tmp_path, f"links: {{url: {site.url('/laporan.pdf')}, max_broken: 0}}")
    links = [
        (link["url"], link["outcome"], link["page"], link["element"]) for link in check["evidence"]["links"]
    ]
    assert links == [
        (site.url("/lampiran.html"), "pass", 2, "pdf link"),
        ("http://host]", "fail", 2, "pdf link"),
        (site.url("/hilang"), "fail", 3, "pdf link"),
    ]
    assert check["reason"].startswith("2 of 3 links broken: http://host] (p. 2) → invalid link")
    assert f"{site.url('/hilang')} (p. 3) → 404 Not Found" in check["reason"]


# --- exclude ---------------------------------------------------------------------------------------------------


def test_excluded_links_are_counted_not_fetched_from_the_check_and_the_defaults(tmp_path, site):
    site.route(
        "/portal",
        '<html><body><h1>Portal</h1><a href="/dinas">Dinas</a><a href="/share/fb">Bagikan</a>'
        '<a href="/laporan.pdf">Laporan</a><a href="hutzli:">Rusak</a></body></html>',
    )
    site.route("/dinas", AGENCY)
    defaults = "defaults:\n  exclude: ['/share/']\n"
    check = audit(
        tmp_path,
        f"links: {{url: {site.url('/portal')}, exclude: ['\\.pdf$', '^hutzli:']}}",
        defaults=defaults,
    )
    assert check["outcome"] == "pass", check["reason"]
    assert outcomes(check) == {site.url("/dinas"): "pass"}
    assert check["evidence"]["links_excluded"] == 3
    assert check["reason"] == "all 1 link (3 more excluded by 'exclude', not checked) work"
    assert check["spec"]["exclude"] == ["/share/", r"\.pdf$", "^hutzli:"]
    assert site.hits("/share/fb") == 0 and site.hits("/laporan.pdf") == 0
    everything = audit(tmp_path, f"links: {{url: {site.url('/portal')}, exclude: '.'}}")
    assert (everything["outcome"], everything["reason"]) == (
        "unknown",
        "all 4 links on the page are excluded by 'exclude': none was checked",
    )


@pytest.mark.parametrize("command", ["lint", "verify"])
def test_a_bad_exclude_pattern_is_bad_input_at_its_line(tmp_path, command):
    claims = claims_file(
        tmp_path,
        """
        defaults:
          exclude: 42
        claims:
          - id: portal
            claim: x
            checks:
              - links:
                  url: https://kota.example/
                  exclude: ['(unclosed', ok]
        """,
    )
    result = CliRunner().invoke(
        cli,
        [
            command,
            str(claims),
            *(["--no-history", "--no-warc", "--no-canary"] if command == "verify" else []),
        ],
    )
    assert result.exit_code == ExitCode.BAD_INPUT, result.output
    assert result.stdout == "" and "Traceback" not in result.stderr
    errors = result.stderr.splitlines()
    assert errors[0].startswith(
        f"error: {claims}:2: 'exclude' must be a regular expression or a list of them"
    )
    assert errors[1].startswith(
        f"error: {claims}:9: claim 'portal': 'exclude' pattern '(unclosed' is not a valid "
        "regular expression (missing ), unterminated subpattern at position 0)"
    )


# --- "not found" wording is the page's own, never a link's -----------------------------------------------------


def test_a_link_labelled_page_not_found_does_not_make_the_portal_a_stand_in(tmp_path, site):
    site.route(
        "/portal",
        "<html><head><title>Portal Kota</title></head><body><h1>Portal Kota</h1><ul>"
        '<li><a href="/dinas">Dinas Tenaga Kerja</a></li>'
        '<li><a href="/lapor">Page not found</a></li></ul>'
        '<p>Laporkan tautan yang <a href="/lapor">doesn\'t exist</a>.</p></body></html>',
    )
    site.route("/dinas", AGENCY)
    site.route("/lapor", AGENCY)
    check = audit(tmp_path, f"links: {site.url('/portal')}")
    assert check["outcome"] == "pass", check["reason"]
    assert outcomes(check) == {site.url("/dinas"): "pass", site.url("/lapor"): "pass"}
    assert check["evidence"]["soft404"] == []


def test_navigation_wording_is_not_the_pages_own(tmp_path, site):
    site.route(
        "/portal",
        '<html><head><title>Portal Kota</title></head><body><nav role="navigation"><ul>'
        '<li>Halaman tidak ditemukan?</li><li><a href="/dinas">Dinas</a></li></ul></nav>'
        "<h1>Portal Kota</h1><p>Daftar dinas.</p></body></html>",
    )
    site.route("/dinas", AGENCY)
    check = audit(tmp_path, f"links: {site.url('/portal')}")
    assert check["outcome"] == "pass", check["reason"]


def test_a_real_not_found_message_with_a_link_home_is_still_a_stand_in(tmp_path, site):
    site.route(
        "/portal",
        "<html><head><title>Kota</title></head><body><h1>Page not found</h1>"
        '<p>Sorry. <a href="/">Back home</a></p></body></html>',
    )
    site.route("/", AGENCY)
    check = audit(tmp_path, f"links: {site.url('/portal')}")
    assert check["outcome"] == "unknown"
    assert check["reason"].startswith(
        "source unavailable: the page is a 'not found' page (heading (h1) says 'Page not found'"
    )


def test_soft404_false_also_turns_off_the_stand_in_judgement_of_the_audited_page(tmp_path, site):
    site.route(
        "/portal",
        "<html><head><title>Page not found</title></head><body><h1>Page not found</h1>"
        '<a href="/dinas">Dinas</a></body></html>',
    )
    site.route("/dinas", AGENCY)
    judged = audit(tmp_path, f"links: {site.url('/portal')}")
    assert judged["outcome"] == "unknown" and "'not found' page" in judged["reason"]
    check = audit(tmp_path, f"links: {{url: {site.url('/portal')}, soft404: false}}")
    assert check["outcome"] == "pass", check["reason"]
    assert outcomes(check) == {site.url("/dinas"): "pass"}
    assert check["evidence"]["soft404"] == []


# --- the small parsers -----------------------------------------------------------------------------------------


def test_srcset_is_split_as_the_html_standard_says():
    assert srcset_urls("a.jpg 1x, b.jpg 2x,c.jpg,  d,e.jpg 100w, f.jpg (x, y), g.jpg") == [
        "a.jpg",
        "b.jpg",
        "c.jpg",
        "d,e.jpg",
        "f.jpg",
        "g.jpg",
    ]


@pytest.mark.parametrize(
    ("content", "url"),
    [
        ("5", None),
        ("0;url=x.html", "x.html"),
        ("3, https://a.example/", "https://a.example/"),
        ("0; URL='q.html'", "q.html"),
        (' 1 ; url = "z" ', "z"),
        ("abc", None),
        ("0; url=", None),
    ],
)
def test_meta_refresh_urls_are_read_as_browsers_read_them(content, url):
    assert refresh_url(content) == url
