"""Citations a reporter can paste, end to end through `civicheck verify`: every hit names where it stands (the
paragraph, inside or outside the article body), its words are shown whole, and an elided quote is compared
where a reader would compare it. Pages served on 127.0.0.1; the matcher's own rules are in test_match.py.
"""

from __future__ import annotations

import json
import textwrap

from click.testing import CliRunner

from civicheck.cli import cli

P1 = (
    "Pemerintah Kota Cilegon meluncurkan aplikasi layanan ketenagakerjaan yang dibeli pada 2022 setelah uji "
    "coba panjang di dinas."
)
P2 = (
    "Menurut dia, pencari kerja dapat mendaftar dan melihat lowongan dari perusahaan di kawasan industri tanpa "
    "harus datang ke kantor (kata Kepala Dinas, Senin)."
)
P3 = (
    "Anggaran aplikasi naik tajam, di bawah peraturan wali kota nomor 4, kata Kepala Dinas Tenaga Kerja kepada "
    "wartawan di kantornya."
)
P4 = "Secara terpisah, parkir liar kini diatur di bawah peraturan wali kota nomor 9 tentang perparkiran kota."
PAGE = f"""<!doctype html><html lang="id"><head><meta charset="utf-8"><title>Aplikasi diluncurkan - Warta</title>
</head><body><nav><a href="/">Beranda</a> <a href="/berita">Berita</a></nav>
<div class="sidebar"><p>Terpopuler: Wali kota meresmikan taman baru di pusat kota</p></div>
<article><h1>Aplikasi diluncurkan</h1>
<p>{P1}</p><figure><figcaption>Foto: layanan daring Disnaker Cilegon, Senin (5/6).</figcaption></figure>
<p>{P2}</p><div class="box"><a href="/x">Baca juga: Portal kota kini menautkan seluruh dinas</a></div>
<p>{P3}</p><p>{P4}</p></article>
<footer>Hak cipta 2023 Warta Banten. Seluruh isi dilindungi.</footer></body></html>"""

QUOTES = {
    # The extractor takes the headline for the article's first paragraph.
    "paragraph": ("pencari kerja dapat mendaftar", "quote found in paragraph 3 of the article"),
    "caption": (
        "layanan daring Disnaker Cilegon",
        "quote found in the article body on the page, between paragraphs 2 and 3",
    ),
    "box": (
        "Portal kota kini menautkan seluruh dinas",
        "quote found in the article body on the page, between paragraphs 3 and 4",
    ),
    "sidebar": (
        "Wali kota meresmikan taman baru",
        "quote found in block 2 of the page text, outside the article body",
    ),
    "footer": (
        "Seluruh isi dilindungi",
        "quote found in block 10 of the page text, outside the article body",
    ),
}


def verify(tmp_path, claims: str, fmt: str = "json"):
    path = tmp_path / "claims.yaml"
    path.write_text(textwrap.dedent(claims).lstrip(), encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        [
            "verify",
            str(path),
            "--format",
            fmt,
            "--no-history",
            "--no-warc",
            "--no-canary",
            "--allow-private",
            "-q",
        ],
    )
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.stderr
    return result.stdout


def test_every_hit_names_where_it_stands_inside_or_outside_the_article_body(tmp_path, site):
    url = site.route("/berita/aplikasi", PAGE)
    report = json.loads(verify(tmp_path, quote(url, *(text for text, _ in QUOTES.values()))))
    got = [claim["checks"][0] for claim in report["claims"]]
    assert [c["reason"] for c in got] == [reason for _, reason in QUOTES.values()]
    assert all(" in in " not in c["reason"] and "found in on" not in c["reason"] for c in got)
    caption = got[1]["evidence"]["hits"][0]
    assert caption["location"] == "the article body on the page, between paragraphs 2 and 3"
    assert caption["text"] == "layanan daring Disnaker Cilegon"
    assert caption["excerpt"][caption["mark"][0] : caption["mark"][1]] == caption["text"]


def quote(url: str, *texts: str) -> str:
    """A claims file with one claim per quote of `texts`, ids q0, q1, …"""
    return "claims:\n" + "".join(
        f"  - id: q{n}\n    claim: x\n    checks:\n      - quote: {{url: {url}, text: '{t}'}}\n"
        for n, t in enumerate(texts)
    )


def test_an_elided_quote_names_the_paragraph_of_each_part_and_shows_its_words_whole(tmp_path, site):
    url = site.route("/berita/aplikasi", PAGE)
    report = json.loads(
        verify(
            tmp_path,
            quote(url, "meluncurkan aplikasi layanan … harus datang ke kantor (kata Kepala Dinas, Senin"),
        )
    )
    check = report["claims"][0]["checks"][0]
    assert check["outcome"] == "pass"
    assert (
        check["reason"]
        == "all 2 parts of the elided quote found, in order, in paragraphs 2 and 3 of the article"
    )
    first, second = check["evidence"]["hits"]
    assert (first["location"], second["location"]) == (
        "paragraph 2 of the article",
        "paragraph 3 of the article",
    )
    assert (
        second["text"] == "harus datang ke kantor (kata Kepala Dinas, Senin)."
    )  # its bracket closed, its stop kept
    markdown = verify(
        tmp_path, quote(url, "harus datang ke kantor (kata Kepala Dinas, Senin"), fmt="markdown"
    )
    assert "**harus datang ke kantor (kata Kepala Dinas, Senin).**" in markdown


def test_an_elided_part_worded_differently_right_after_the_first_is_refuted(tmp_path, site):
    # The issue's pattern: "the budget rose sharply … under regulation 9" against a page saying "the budget
    # rose sharply, under regulation 4" and, a paragraph on, "under regulation 9" about something else.
    url = site.route("/berita/aplikasi", PAGE)
    report = json.loads(
        verify(
            tmp_path,
            quote(
                url,
                "Anggaran aplikasi naik tajam … di bawah peraturan wali kota nomor 9",
                "Anggaran aplikasi naik tajam … di bawah peraturan wali kota nomor 4",
            ),
        )
    )
    misquote, fair = (c["checks"][0] for c in report["claims"])
    assert misquote["outcome"] == "fail" and report["claims"][0]["verdict"] == "refuted"
    assert misquote["reason"] == (
        "misquote (part 2 of 2 of the elided quote, where the page carries it right after part 1): page says "
        "'nomor 4', claim says 'nomor 9'; 'di bawah peraturan wali kota nomor 9' stands further on, in paragraph 5 "
        "of the article"
    )
    [closest] = misquote["evidence"]["hits"]
    assert closest["location"] == "paragraph 4 of the article"
    assert closest["text"] == "Anggaran aplikasi naik tajam, di bawah peraturan wali kota nomor 4"
    assert fair["outcome"] == "pass", fair["reason"]
